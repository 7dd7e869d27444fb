#!/usr/bin/env bash
# Builds ModeScope, trains dcgan-small on the shipped MNIST for a few seconds in the window
# under a virtual X server, and saves build/screenshots/window.png (the ui-screenshot test).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build --werror
fi
meson compile -C build
xvfb-run -a -s "-screen 0 1600x1000x24" meson test -C build ui-screenshot --print-errorlogs
echo "screenshot: $PWD/build/screenshots/window.png"
