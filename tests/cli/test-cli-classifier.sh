#!/bin/sh
# test-cli-classifier.sh: modescope-cli eval-classifier / train-classifier as a user runs them
#
# Copyright 2026 The ModeScope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-cli-classifier.sh PATH-TO-modescope-cli   (TAP output; MODESCOPE_DATADIR set by meson)
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

echo "1..6"

# The shipped MNIST classifier: the last line is exactly accuracy=0.dddd, and at least 0.99
"$cli" eval-classifier --dataset mnist > "$tmp/out" 2> "$tmp/err"
rc=$?
last=$(tail -n 1 "$tmp/out")
echo "# $last"
check "$rc" "eval-classifier --dataset mnist exits 0"
echo "$last" | grep -Eq '^accuracy=0\.99[0-9]{2}$'
check $? "last line is accuracy=0.99xx"

# Usage errors: message on stderr, exit 2, before any work
"$cli" eval-classifier --dataset cifar > /dev/null 2> "$tmp/err"
rc=$?
test "$rc" -eq 2 && grep -q "unknown dataset" "$tmp/err"
check $? "unknown dataset: exit 2 with a message"

"$cli" eval-classifier --dataset mnist --weights "$tmp/none.msck" > /dev/null 2> "$tmp/err"
rc=$?
test "$rc" -eq 2 && test -s "$tmp/err"
check $? "missing weights file: exit 2 with a message"

printf 'MSCKPT\r\n garbage' > "$tmp/bad.msck"
"$cli" eval-classifier --dataset mnist --weights "$tmp/bad.msck" > /dev/null 2> "$tmp/err"
rc=$?
test "$rc" -eq 2 && grep -q "bad.msck" "$tmp/err"
check $? "damaged weights file: exit 2 naming the file"

"$cli" train-classifier --dataset mnist --epochs 0 > /dev/null 2> "$tmp/err"
rc=$?
test "$rc" -eq 2 && grep -q -- "--epochs" "$tmp/err"
check $? "train-classifier --epochs 0: exit 2"

exit $failed
