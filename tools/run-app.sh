#!/usr/bin/env bash
# Installs the dependencies, builds ModeScope and starts it on the shipped MNIST.
# Until the GTK window lands (issue 5) this starts a headless training run that reports its
# progress; the window will take its place with `modescope --autostart`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release
fi
meson compile -C build
exec ./build/src/cli/modescope-cli train --dataset mnist --iters 3000 --eval-every 100 "$@"
