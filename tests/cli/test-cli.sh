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

# The plan is printed at the end (TAP allows it there), so adding a case needs no count

# Bad flags, values and files: a message and exit code 2, before any training
expect_usage 2 "unknown command" nonsense
expect_usage 2 "Unknown option" train --no-such-flag
expect_usage 2 "learning rate" train --lr -1 --iters 1
expect_usage 2 "not a finite number" train --lr nan --iters 1
expect_usage 2 "batch size" train --batch 0 --iters 1
expect_usage 2 "unknown dataset" train --dataset /no/such/folder --iters 1
expect_usage 2 "unknown loss" train --loss wgan --iters 1
expect_usage 2 "needs 28x28" train --dataset ring8 --arch dcgan-paper --iters 1
expect_usage 2 "number of samples “1” is out of range" metrics --real mnist --samples 1
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
expect_usage 2 "unrolling steps “11” is out of range: it must be from 0 to 10" train --dataset ring8 --unroll 11 --iters 1
"$cli" train --dataset ring8 --unroll 3 --iters 20 --eval-every 10 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^final iter=20 .*modes=[0-9]*/8 ' "$tmp/out"
check $? "train --unroll 3 runs and reports modes"

# --schedule: changes at an iteration, after that iteration's report, then the next iterations
"$cli" train --dataset ring8 --iters 300 --eval-every 100 \
  --schedule '150:optimizer=rmsprop,lr=1e-3;250:loss=wgan-gp' > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && awk '
  /^iter=100 / { a = NR } /^iter=200 / { b = NR } /^iter=300 / { c = NR }
  /^event iter=150 what="Adam -> RMSProp \(G and D\)"$/ { e1 = NR }
  /^event iter=150 what="lr 0.0002 -> 0.001 \(G and D\)"$/ { e2 = NR }
  /^event iter=250 what="loss nsgan -> wgan-gp"$/ { e3 = NR }
  /^event / { n++ }
  END { exit !(a && e1 > a && e2 > e1 && b > e2 && e3 > b && c > e3 && n == 3) }' "$tmp/out"
check $? "train --schedule prints its events at iterations 150 and 250"

# Bad schedules: exit 2 before training
expect_usage 2 "unknown loss “wgan”" train --dataset ring8 --iters 1 --schedule '1:lr=1e-3;4000:loss=wgan'
expect_usage 2 "iteration “x” is not a whole number" train --dataset ring8 --iters 1 --schedule 'x:lr=1'
expect_usage 2 "unknown key “lrr”" train --dataset ring8 --iters 1 --schedule '10:lrr=1'
expect_usage 2 "value of lr must be a finite number > 0" train --dataset ring8 --iters 1 --schedule '10:lr=nan'
expect_usage 2 "is negative" train --dataset ring8 --iters 1 --schedule '-10:lr=1'
expect_usage 2 "given twice" train --dataset ring8 --iters 1 --schedule '10:lr=1,lr=2'
expect_usage 2 "above 100000000" train --dataset ring8 --iters 1 --schedule '100000001:lr=1'
expect_usage 2 "Nesterov" train --dataset ring8 --iters 1 --schedule '10:optimizer=nesterov,momentum=0'

# --csv and --json: one row / object per evaluation, the documented header, valid JSON
"$cli" train --dataset ring8 --iters 300 --eval-every 100 --schedule '100:batch=32' \
  --csv "$tmp/run.csv" --json "$tmp/run.json" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(head -n 1 "$tmp/run.csv")" = \
  "iter,loss_d,loss_g,is,is_std,kl,kl_ref,kl_floor,modes,k,hq,diversity,collapse_score,collapse" ]
check $? "train --csv writes the documented header"
rows=$(($(wc -l < "$tmp/run.csv") - 1))
evals=$(grep -c '^iter=' "$tmp/out")
[ "$rows" -eq "$evals" ] && [ "$rows" -eq 3 ] && grep -q '^200,[^,]*,[^,]*,,,' "$tmp/run.csv"
check $? "train --csv has one row per evaluation ($rows rows, $evals evaluations)"
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert [e["iter"] for e in d["evaluations"]] == [100, 200, 300]
assert d["events"] == [{"iter": 100, "what": "batch 64 -> 32"}]
assert d["final"]["status"] == "completed" and d["final"]["iter"] == 300
assert d["settings"]["dataset"] == "ring8" and d["settings"]["iters"] == 300' "$tmp/run.json"
check $? "train --json writes valid JSON with evaluations, events and final"
expect_usage 2 "does not exist" train --dataset ring8 --iters 1 --csv "$tmp/no/such/dir/run.csv"
expect_usage 2 "is a directory" train --dataset ring8 --iters 1 --json "$tmp"

# --snapshot then --resume to N: the same final line as a straight run to N
"$cli" train --dataset ring8 --iters 200 --eval-every 100 --threads 1 \
  --schedule '150:lr=1e-3;250:batch=32' --snapshot "$tmp/a.msrun" > "$tmp/out" 2> "$tmp/err"
rc=$?
"$cli" train --resume "$tmp/a.msrun" --iters 400 --threads 1 --csv "$tmp/resumed.csv" \
  > "$tmp/out2" 2> "$tmp/err"
rc2=$?
"$cli" train --dataset ring8 --iters 400 --eval-every 100 --threads 1 \
  --schedule '150:lr=1e-3;250:batch=32' > "$tmp/out3" 2> "$tmp/err"
grep '^final' "$tmp/out2" | sed 's/seconds=.*//' > "$tmp/a"
grep '^final' "$tmp/out3" | sed 's/seconds=.*//' > "$tmp/b"
[ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] && [ -s "$tmp/a" ] && cmp -s "$tmp/a" "$tmp/b" \
  && grep -q '^event iter=250 what="batch 64 -> 32"$' "$tmp/out2"
check $? "--snapshot at 200 then --resume to 400 ends like a straight run to 400"
[ "$(cut -d, -f1 "$tmp/resumed.csv" | tr '\n' ' ')" = "iter 100 200 300 400 " ]
check $? "--resume: --csv holds the file's evaluations and the new ones"
"$cli" train --resume "$tmp/a.msrun" --iters 300 --optimizer sgd --lr 0.01 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^event iter=200 what="Adam -> SGD (G and D)"$' "$tmp/out" \
  && grep -q '^train .*optimizer_g=sgd lr_g=0.01 ' "$tmp/out" && grep -q '^final iter=300 ' "$tmp/out"
check $? "--resume with --optimizer sgd branches at the file's iteration"

# A schedule's loss= brings the objective's paper defaults, unless the entry sets them
"$cli" train --dataset ring8 --iters 20 --eval-every 10 --schedule '10:loss=wgan-clip' \
  --snapshot "$tmp/clip.msrun" > "$tmp/out" 2> "$tmp/err" \
  && "$cli" train --resume "$tmp/clip.msrun" --iters 20 > "$tmp/out" 2> "$tmp/err" \
  && grep -q '^train .*loss=wgan-clip .*n_critic=5 ' "$tmp/out"
check $? "--schedule loss=wgan-clip sets n_critic 5 (the WGAN paper's)"
"$cli" train --dataset ring8 --iters 20 --eval-every 10 --schedule '10:n-critic=2,loss=wgan-gp' \
  --snapshot "$tmp/gp.msrun" > "$tmp/out" 2> "$tmp/err" \
  && "$cli" train --resume "$tmp/gp.msrun" --iters 20 > "$tmp/out" 2> "$tmp/err" \
  && grep -q '^train .*loss=wgan-gp .*n_critic=2 ' "$tmp/out"
check $? "--schedule n-critic=2,loss=wgan-gp keeps the entry's n_critic"

# Unreadable, damaged or foreign session files: exit 2 before training
head -c 3000 /dev/urandom > "$tmp/garbage.msrun"
expect_usage 2 "not a ModeScope checkpoint" train --resume "$tmp/garbage.msrun" --iters 10
head -c 5000 "$tmp/a.msrun" > "$tmp/cut.msrun"
expect_usage 2 "incomplete" train --resume "$tmp/cut.msrun" --iters 300
expect_usage 2 "counts them too" train --resume "$tmp/a.msrun" --iters 100

# --grid: a PNG of the final samples, 720x720 (IHDR width and height)
png_size () {
  python3 -c 'import struct,sys
b = open(sys.argv[1], "rb").read(24)
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR"
print("%dx%d" % struct.unpack(">II", b[16:24]))' "$1"
}
"$cli" train --dataset ring8 --iters 20 --eval-every 10 --grid "$tmp/ring.png" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(png_size "$tmp/ring.png")" = "720x720" ]
check $? "--grid writes the 2-D scatter as a 720x720 PNG"
"$cli" train --dataset mnist --batch 16 --iters 2 --eval-every 2 --eval-samples 100 \
  --grid "$tmp/digits.png" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(png_size "$tmp/digits.png")" = "720x720" ]
check $? "--grid writes the image grid as a 720x720 PNG"

# VEEGAN and AdaGAN flags parse and reach the settings
"$cli" train --dataset ring8 --iters 4 --eval-every 2 --veegan --json "$tmp/v.json" > "$tmp/out" 2> "$tmp/err" \
  && "$cli" train --dataset ring8 --iters 4 --eval-every 2 --adagan-rounds 2 --json "$tmp/a.json" > "$tmp/out" 2> "$tmp/err" \
  && python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))["settings"]; a = json.load(open(sys.argv[2]))["settings"]
assert v["veegan"] is True and a["adagan_rounds"] == 2 and a["adagan_round_iters"] == 2' "$tmp/v.json" "$tmp/a.json"
check $? "--veegan and --adagan-rounds reach the settings (--adagan-round-iters defaults to iters/R)"

# The data credits the MNIST licence asks for
"$cli" about > "$tmp/out" 2> "$tmp/err"
grep -q "LeCun" "$tmp/out" && grep -q "Attribution-Share Alike 3.0" "$tmp/out"
check $? "about credits MNIST under CC BY-SA 3.0"

echo "1..$n"
exit $failed
