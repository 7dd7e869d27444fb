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

# Bad values everywhere: every numeric flag of every command, with a message naming the flag
# and the range, exit code 2 before any work
for args in "--lr abc" "--lr -1" "--lr 0" "--lr 1e400" "--lr inf" "--lr 100" "--lr-g 1e-9" \
            "--lr-d ''"; do
  # shellcheck disable=SC2086
  expect_usage 2 "learning rate" train --dataset ring8 --iters 1 $args
done
expect_usage 2 "“abc” is not a finite number: the learning rate must be a number from 1e-08 to 10, such as 2e-4" \
  train --dataset ring8 --iters 1 --lr abc
expect_usage 2 "momentum “1” is out of range" train --dataset ring8 --iters 1 --momentum 1
expect_usage 2 "beta1" train --dataset ring8 --iters 1 --beta1 1
expect_usage 2 "beta2" train --dataset ring8 --iters 1 --beta2 -0.1
expect_usage 2 "clip value “0” is out of range" train --dataset ring8 --iters 1 --clip 0
expect_usage 2 "gradient-penalty weight" train --dataset ring8 --iters 1 --gp-lambda 1001
expect_usage 2 "discriminator steps" train --dataset ring8 --iters 1 --n-critic 0
expect_usage 2 "discriminator steps" train --dataset ring8 --iters 1 --n-critic 101
expect_usage 2 "unrolling steps “-1” is out of range" train --dataset ring8 --iters 1 --unroll -1
expect_usage 2 "pack size" train --dataset ring8 --iters 1 --pack 0
expect_usage 2 "pack size" train --dataset ring8 --iters 1 --pack 17
expect_usage 2 "batch size “4097” is out of range" train --dataset ring8 --iters 1 --batch 4097
expect_usage 2 "“abc” is not a whole number" train --dataset ring8 --iters 1 --batch abc
expect_usage 2 "“1e3” is not a whole number" train --dataset ring8 --iters 1e3
expect_usage 2 "number of iterations" train --dataset ring8 --iters -1
expect_usage 2 "number of iterations" train --dataset ring8 --iters 100000001
expect_usage 2 "number of iterations “99999999999999999999” is out of range" train --dataset ring8 --iters 99999999999999999999
expect_usage 2 "evaluation interval" train --dataset ring8 --iters 1 --eval-every 0
expect_usage 2 "number of threads" train --dataset ring8 --iters 1 --threads 0
expect_usage 2 "number of threads" train --dataset ring8 --iters 1 --threads 1025
expect_usage 2 "seed “-1” is out of range" train --dataset ring8 --iters 1 --seed -1
expect_usage 2 "AdaGAN rounds" train --dataset ring8 --iters 1 --adagan-rounds 11
expect_usage 2 "AdaGAN iterations per round" train --dataset ring8 --iters 1 --adagan-rounds 2 --adagan-round-iters 0
expect_usage 2 "--schedule: schedule entry 1 (“5:lr=100”): learning rate “100” is out of range" \
  train --dataset ring8 --iters 10 --schedule '5:lr=100'
expect_usage 2 "“x” is not a whole number" metrics --real ring8 --seed x
expect_usage 2 "“abc” is not a whole number: the number of samples" metrics --real ring8 --samples abc
expect_usage 2 "time per case" bench --seconds 0 --no-torch
expect_usage 2 "“abc” is not a whole number: the number of threads" bench --threads abc --no-torch
expect_usage 2 "number of epochs “0” is out of range" train-classifier --dataset mnist --epochs 0
expect_usage 2 "“abc” is not a whole number: the batch size" train-classifier --dataset mnist --batch abc
expect_usage 2 "number of threads" eval-classifier --dataset mnist --threads -2

# make_idx DIR N LABEL: a raw IDX training split of N 28x28 noise images, every label LABEL
make_idx () {
  mkdir -p "$1"
  be=""
  for shift in 24 16 8 0; do
    be="$be\\$(printf '%03o' $(( ($2 >> shift) & 255 )))"
  done
  { printf '\000\000\010\003'; printf "$be"; printf '\000\000\000\034\000\000\000\034'
    head -c $(($2 * 784)) /dev/urandom; } > "$1/train-images-idx3-ubyte"
  { printf '\000\000\010\001'; printf "$be"
    i=0; while [ $i -lt "$2" ]; do printf "\\$(printf '%03o' "$3")"; i=$((i + 1)); done
  } > "$1/train-labels-idx1-ubyte"
}

# Empty, gigantic (sparse: refused from its size, never read) and unreadable files
mkdir -p "$tmp/empty"
: > "$tmp/empty/train-images-idx3-ubyte"
: > "$tmp/empty/train-labels-idx1-ubyte"
expect_usage 2 "is empty" train --dataset "$tmp/empty" --iters 1
expect_usage 2 "is empty" metrics --real "$tmp/empty"
make_idx "$tmp/huge" 5 1
truncate -s 5G "$tmp/huge/train-images-idx3-ubyte"
expect_usage 2 "unexpected data follow" train --dataset "$tmp/huge" --iters 1
: > "$tmp/zero.msrun"
expect_usage 2 "is empty" train --resume "$tmp/zero.msrun" --iters 1
truncate -s 5G "$tmp/huge.msrun"
expect_usage 2 "too large" train --resume "$tmp/huge.msrun" --iters 1
rm -f "$tmp/huge.msrun" "$tmp/huge/train-images-idx3-ubyte"
expect_usage 2 "not a regular file" train --resume "$tmp" --iters 1
make_idx "$tmp/locked" 5 1
chmod 000 "$tmp/locked"
if [ "$(id -u)" -eq 0 ]; then
  n=$((n + 1))
  echo "ok $n - unreadable IDX folder # SKIP running as root, which reads any folder"
else
  expect_usage 2 "Cannot read the folder “$tmp/locked”: Permission denied" train --dataset "$tmp/locked" --iters 1
fi
chmod 755 "$tmp/locked"

# A folder of five images of one digit: the batch is clamped to 5 and the user told; modes
# count the data set's one class; no metric is a NaN printed as a number where it applies
make_idx "$tmp/one" 5 3
"$cli" train --dataset "$tmp/one" --iters 4 --eval-every 2 --eval-samples 20 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] \
  && grep -q "note: batch 64 is larger than the data set, which has 5 images: the batch is 5" "$tmp/err" \
  && grep -q '^final iter=4 .* is=[0-9.]* .*kl=[0-9.]* .*modes=[01]/1 .*collapse=[a-z]* seconds=' "$tmp/out" \
  && grep -q '^# the data set has one class (3)' "$tmp/out"
check $? "a one-digit folder of 5 images trains with the batch clamped to 5, modes out of 1, explained"
# The header says the batch that trains; one class has no class mix: kl_ref is nan (the
# CSV's convention), never the infinity of the classifier's other classes
grep -q '^train dataset=.* batch=5 ' "$tmp/out" && ! grep -q 'batch=64' "$tmp/out"
check $? "the header line of a one-digit folder of 5 images shows the clamped batch=5"
grep -q '^final .* kl_ref=nan ' "$tmp/out" && ! grep -q -e '=-\{0,1\}inf' "$tmp/out"
check $? "a one-digit folder prints kl_ref=nan and no infinite metric"
# The CSV's and JSON's k is what modes counts out of: 1 class here, not the classifier's 10
"$cli" train --dataset "$tmp/one" --iters 2 --eval-every 2 --eval-samples 10 \
  --csv "$tmp/one.csv" --json "$tmp/one.json" > /dev/null 2>&1
[ "$(sed -n 2p "$tmp/one.csv" | cut -d, -f10)" = 1 ] && grep -q '"k": *1[,}]' "$tmp/one.json"
check $? "a one-digit folder's CSV and JSON give k=1, what modes counts out of"
"$cli" train --dataset "$tmp/one" --iters 2 --eval-every 2 --eval-samples 10 --batch 4 \
  --schedule '1:batch=100' > "$tmp/out" 2> "$tmp/err"
[ $? -eq 0 ] && grep -q "note: batch 100 is larger than the data set" "$tmp/err"
check $? "--schedule batch=100 on 5 images is clamped and explained"
"$cli" train --dataset "$tmp/one" --adagan-rounds 2 --iters 2 --eval-every 2 --eval-samples 10 \
  > "$tmp/out" 2> "$tmp/err"
[ $? -eq 0 ] && grep -q "note: batch 64 is larger than the data set" "$tmp/err" \
  && grep -q '^final iter=2 .*modes=[01]/1 ' "$tmp/out"
check $? "AdaGAN on 5 images: the batch clamped, the rounds train"
expect_usage 2 "unroll" train --dataset ring8 --iters 10 --schedule '5:unroll=11'
expect_usage 2 "has only 5 images: the metrics need at least 10" metrics --real "$tmp/one"
make_idx "$tmp/twelve" 12 7
"$cli" metrics --real "$tmp/twelve" > "$tmp/out" 2> "$tmp/err"
[ $? -eq 0 ] && grep -q "has 12 images: all of them are evaluated" "$tmp/err" \
  && grep -q 'modes=[01]/1 ' "$tmp/out"
check $? "metrics --real on a 12-image one-digit folder evaluates all 12, modes out of 1"

# Divergence: SGD at the largest learning rate blows up within a few iterations; the run is
# rolled back, the user told what happened and what to try, and the exit status is 3
"$cli" train --dataset ring8 --optimizer sgd --lr 10 --iters 300 --eval-every 50 \
  --json "$tmp/div.json" --snapshot "$tmp/div.msrun" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 3 ] && grep -q "training diverged at iteration [0-9]* (.*): rolled back to iteration 0" "$tmp/err" \
  && grep -q "learning rate of 10: try a smaller one, such as --lr 1 " "$tmp/err" \
  && grep -q "continue it with --resume $tmp/div.msrun --lr 1" "$tmp/err" \
  && ! grep -q '^final ' "$tmp/out" \
  && python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["final"]["status"] == "diverged"' "$tmp/div.json"
check $? "--lr 10 with SGD diverges: rolled back, told on stderr, exit 3, JSON status diverged"
"$cli" train --resume "$tmp/div.msrun" --lr 1 --iters 20 --eval-every 10 > "$tmp/out" 2> "$tmp/err"
[ $? -eq 0 ] && grep -q '^final iter=20 ' "$tmp/out"
check $? "the rolled-back snapshot continues with a lower learning rate"

# gettext: the CLI speaks the user's language (the catalogues this build compiled), while
# flags, key=value lines and the final line stay as they are
podir="$(dirname "$cli")/../../po"
if [ -f "$podir/de/LC_MESSAGES/modescope.mo" ]; then
  LANGUAGE=de LC_ALL=C.UTF-8 MODESCOPE_LOCALEDIR="$podir" "$cli" train --dataset "$tmp/empty" \
    --iters 1 > "$tmp/out" 2> "$tmp/err"
  [ $? -eq 2 ] && grep -q "ist leer" "$tmp/err"
  check $? "LANGUAGE=de: a data error in German"
  LANGUAGE=de LC_ALL=C.UTF-8 MODESCOPE_LOCALEDIR="$podir" "$cli" train --dataset ring8 \
    --iters 20 --eval-every 10 > "$tmp/out" 2> "$tmp/err"
  [ $? -eq 0 ] && grep -q '^iter=10 .* loss_d=[0-9.]* .*modes=[0-9]*/8 ' "$tmp/out" \
    && grep -q '^final iter=20 ' "$tmp/out" && grep -q '^train dataset=ring8 ' "$tmp/out"
  check $? "LANGUAGE=de: key=value and final lines unchanged"
else
  n=$((n + 1))
  echo "ok $n - LANGUAGE=de # SKIP no compiled catalogue in $podir"
fi

# The data credits the MNIST licence asks for
"$cli" about > "$tmp/out" 2> "$tmp/err"
grep -q "LeCun" "$tmp/out" && grep -q "Attribution-Share Alike 3.0" "$tmp/out"
check $? "about credits MNIST under CC BY-SA 3.0"

echo "1..$n"
exit $failed
