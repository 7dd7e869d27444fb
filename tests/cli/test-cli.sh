#!/bin/sh
# test-cli.sh: modescope-cli train / metrics / bench as a user runs them
#
# Copyright 2026 The ModeScope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-cli.sh PATH-TO-modescope-cli   (TAP output; MODESCOPE_DATADIR set by meson)
set -u
cli="$1"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modescope-test-cli-XXXXXX")
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
  fi
}

# Runs the CLI; expects exit status $1 and stderr matching $2 (for usage errors)
expect_usage () {
  want="$1"; pattern="$2"; shift 2
  "$cli" "$@" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  [ "$rc" -eq "$want" ] && grep -q -- "$pattern" "$tmp/err"
  check $? "exit $want and '$pattern' for: $*"
}

echo "1..19"

# Bad flags, values and files: a message and exit code 2, before any training
expect_usage 2 "unknown command" nonsense
expect_usage 2 "Unknown option" train --no-such-flag
expect_usage 2 "learning rate" train --lr -1 --iters 1
expect_usage 2 "not a finite number" train --lr nan --iters 1
expect_usage 2 "batch size" train --batch 0 --iters 1
expect_usage 2 "unknown dataset" train --dataset /no/such/folder --iters 1
expect_usage 2 "unknown loss" train --loss wgan --iters 1
expect_usage 2 "needs 28x28" train --dataset ring8 --arch dcgan-paper --iters 1
expect_usage 2 "between 10" metrics --real mnist --samples 1
expect_usage 2 "unknown case" bench --case nope --no-torch

# A short 2-D run prints progress and a final summary line
"$cli" train --dataset ring8 --iters 200 --eval-every 100 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^iter=100 ' "$tmp/out" && grep -q '^final iter=200 ' "$tmp/out"
check $? "train ring8 prints progress and a final line"

# MNIST: progress lines and the final line carry the metrics and the collapse state
"$cli" train --dataset mnist --batch 16 --iters 20 --eval-every 10 --eval-samples 100 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^iter=10 .* is=[0-9.]* .*kl=[0-9.]* .*modes=[0-9]*/10 .*collapse=[a-z]*$' "$tmp/out" \
  && grep -q '^final iter=20 .* is=.* kl=.* modes=[0-9]*/10 .*collapse=[a-z]* seconds=' "$tmp/out"
check $? "train mnist reports is, kl, modes and collapse"
expect_usage 2 "eval-samples" train --eval-samples 5 --iters 1

# The same seed gives the same run
"$cli" train --dataset ring8 --iters 100 --eval-every 100 --seed 5 | grep '^final' | sed 's/seconds=.*//' > "$tmp/a"
"$cli" train --dataset ring8 --iters 100 --eval-every 100 --seed 5 | grep '^final' | sed 's/seconds=.*//' > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && [ -s "$tmp/a" ]
check $? "same seed, same final losses"

# Real MNIST test images: the upper reference of every metric (issue 3)
"$cli" metrics --real mnist --samples 10000 > "$tmp/out" 2> "$tmp/err"
line=$(head -n 1 "$tmp/out")
echo "# $line"
echo "$line" | awk '{
  for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  exit !(v["is"] >= 9.7 && v["kl"] < 0.003 && v["modes"] == "10/10" && v["collapse"] == "healthy")
}'
check $? "metrics --real mnist: is >= 9.7, kl < 0.003, modes=10/10, healthy"

"$cli" metrics --real grid25 --samples 2500 > "$tmp/out" 2> "$tmp/err"
grep -q '^modes=25/25 ' "$tmp/out"
check $? "metrics --real grid25 covers 25 of 25 modes"

# Unrolled steps: range checked, and a short unrolled run reports modes for 2-D data
expect_usage 2 "between 0 and 10" train --dataset ring8 --unroll 11 --iters 1
"$cli" train --dataset ring8 --unroll 3 --iters 20 --eval-every 10 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^final iter=20 .*modes=[0-9]*/8 ' "$tmp/out"
check $? "train --unroll 3 runs and reports modes"

# The data credits the MNIST licence asks for
"$cli" about > "$tmp/out" 2> "$tmp/err"
grep -q "LeCun" "$tmp/out" && grep -q "Attribution-Share Alike 3.0" "$tmp/out"
check $? "about credits MNIST under CC BY-SA 3.0"

exit $failed
