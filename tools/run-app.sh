#!/usr/bin/env bash
# Installs the dependencies, builds ModeScope and starts the window training on the shipped
# MNIST at once (`modescope --autostart`).  Without a display it falls back to a headless
# training run of modescope-cli that reports its progress.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release
fi
meson compile -C build
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: training headless with modescope-cli instead of the window." >&2
  exec ./build/src/cli/modescope-cli train --dataset mnist --iters 3000 --eval-every 100
fi
# Uninstalled: the settings schema is compiled into the build tree
export GSETTINGS_SCHEMA_DIR="$PWD/build/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
exec ./build/src/ui/modescope --autostart "$@"
