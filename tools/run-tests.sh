#!/usr/bin/env bash
# Installs the dependencies, builds ModeScope from zero with warnings as errors and runs the
# whole test suite (GUI tests under a virtual X server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
rm -rf build
meson setup build --werror --buildtype=debugoptimized
meson compile -C build
xvfb-run -a meson test -C build --print-errorlogs --num-processes 2
