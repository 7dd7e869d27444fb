#!/usr/bin/env bash
# Installs ModeScope's build and test dependencies on Debian 12 / Ubuntu (needs root or sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  meson ninja-build gcc pkg-config python3 \
  libglib2.0-dev libopenblas-dev zlib1g-dev \
  libgtk-4-dev libadwaita-1-dev libcairo2-dev libgif-dev \
  gettext desktop-file-utils appstream xvfb xauth \
  > /dev/null
