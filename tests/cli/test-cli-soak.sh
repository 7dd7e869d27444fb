#!/bin/sh
# test-cli-soak.sh: modescope-cli soak, short runs, and each of its checks made to fail
#
# Copyright 2026 The ModeScope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-cli-soak.sh PATH-TO-modescope-cli   (TAP output; MODESCOPE_DATADIR set by meson)
set -u
cli="$1"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modescope-test-soak-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

check () {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    failed=1
    sed 's/^/# /' "$tmp/out" "$tmp/err" | tail -n 20
  fi
}

# The value of KEY in the summary line (the last line of $tmp/out)
field () {
  tail -n 1 "$tmp/out" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

summary_re='^soak minutes=[0-9.]+ iterations=[0-9]+ commands=[0-9]+ crashes=[01] nan_escapes=[0-9]+ rss_start_mb=[0-9.]+ rss_end_mb=[0-9.]+ growth=-?[0-9.]+% result=(pass|fail)$'

# Runs of seconds: the warm-up (20% of the run) is too short for the allocator to settle, so
# their resident set moves by tens of percent without a leak; --growth-limit 300 keeps the
# check (the injected 256 MB is ten times the ring's 20 to 30 MB) without that noise.
limit="--growth-limit 300"

echo "1..21"

# A short soak on the 2-D ring: passes, with a summary line and a JSON report
"$cli" soak --minutes 0.2 --dataset ring8 --threads 1 --seed 3 $limit --report "$tmp/ring.json" \
  > "$tmp/out" 2> "$tmp/err"
rc=$?
echo "# $(tail -n 1 "$tmp/out")"
check "$rc" "ring8 soak exits 0"
tail -n 1 "$tmp/out" | grep -Eq "$summary_re"
check $? "the last line is the key=value summary"
test "$(field result)" = pass && test "$(field crashes)" = 0 && test "$(field nan_escapes)" = 0 \
  && test "$(field iterations)" -gt 100 && test "$(field commands)" -gt 50
check $? "ring8: result=pass, no crash, no NaN escape, iterations and commands counted"
grep -q '"result": "pass"' "$tmp/ring.json" && grep -q '"commands_by_kind": {"optimizer": ' "$tmp/ring.json" \
  && grep -Eq '"snapshot": [1-9]' "$tmp/ring.json" && grep -Eq '"restores": [0-9]' "$tmp/ring.json" \
  && grep -Eq '"queue_max": [0-9]' "$tmp/ring.json"
check $? "the JSON report has the result, the commands by kind, snapshots, restores and the queue"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(0 if r["result"] == "pass" and r["crashes"] == 0 else 1)' \
  "$tmp/ring.json" 2> /dev/null || test ! -x /usr/bin/python3
check $? "the JSON report parses (python3's json)"
grep -q "soak: .* of .* s, .* iterations" "$tmp/out"
check $? "progress lines while it runs"

# MNIST with the default dcgan-small
"$cli" soak --minutes 0.2 --dataset mnist --threads 1 --seed 5 $limit > "$tmp/out" 2> "$tmp/err"
rc=$?
echo "# $(tail -n 1 "$tmp/out")"
check "$rc" "mnist soak exits 0"
test "$(field result)" = pass && test "$(field iterations)" -gt 0
check $? "mnist: result=pass with iterations"

# The checks can fail: a worker that aborts is reported with its signal and the last command
"$cli" soak --minutes 0.1 --dataset ring8 --threads 1 --inject abort --report "$tmp/abort.json" \
  > "$tmp/out" 2> "$tmp/err"
rc=$?
echo "# $(tail -n 1 "$tmp/out")"
test "$rc" -eq 1
check $? "a crashing worker: exit 1"
test "$(field crashes)" = 1 && test "$(field result)" = fail
check $? "a crashing worker: crashes=1 result=fail"
grep -q "signal 6" "$tmp/err" && grep -q "last command was: .*abort" "$tmp/err" \
  && grep -q '"crashes": 1' "$tmp/abort.json"
check $? "a crashing worker: the signal and the last command are named (stderr, JSON)"

# A NaN reaching a frame without a rollback
"$cli" soak --minutes 0.1 --dataset ring8 --threads 1 --inject nan > "$tmp/out" 2> "$tmp/err"
rc=$?
echo "# $(tail -n 1 "$tmp/out")"
test "$rc" -eq 1 && test "$(field nan_escapes)" -gt 0 && test "$(field result)" = fail \
  && grep -q "non-finite number escaped: .*loss_g" "$tmp/err"
check $? "a NaN escape: exit 1, nan_escapes>0, result=fail, named on stderr"

# Memory held after the warm-up
"$cli" soak --minutes 0.15 --dataset ring8 --threads 1 $limit --inject leak > "$tmp/out" 2> "$tmp/err"
rc=$?
echo "# $(tail -n 1 "$tmp/out")"
growth=$(field growth | tr -d %)
test "$rc" -eq 1 && test "$(field result)" = fail && test "$(field crashes)" = 0 \
  && awk -v g="$growth" 'BEGIN { exit !(g > 300) }'
check $? "memory held after the warm-up: exit 1, growth above the limit, result=fail"

# Bad flags: exit 2 with a message, before any training
for args in "--minutes 0" "--minutes -1" "--minutes abc" "--threads -1" "--growth-limit -1" \
            "--no-such-flag" \
            "--dataset cifar --minutes 0.05"; do
  # shellcheck disable=SC2086
  "$cli" soak $args > "$tmp/out" 2> "$tmp/err"
  rc=$?
  test "$rc" -eq 2 && test -s "$tmp/err" && ! grep -q "^soak minutes=" "$tmp/out"
  check $? "soak $args: exit 2 with a message"
done
"$cli" soak --minutes 0.05 --report "$tmp/no/such/dir/r.json" > "$tmp/out" 2> "$tmp/err"
rc=$?
test "$rc" -eq 2 && grep -q "no/such/dir" "$tmp/err"
check $? "soak --report into a missing folder: exit 2 naming it"

exit $failed
