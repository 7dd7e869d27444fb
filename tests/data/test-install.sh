#!/bin/sh
# test-install.sh: `meson install` puts every file where the desktop expects it, and the
# installed modescope starts from that prefix (its data, schema and icons, not the source tree)
#
# Copyright 2026 The ModeScope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-install.sh MESON BUILD-DIR PREFIX APP-ID LINGUAS...   (TAP output; run under
# xvfb-run like the other GUI tests).  Installs into a temporary DESTDIR with --no-rebuild, so
# it never runs ninja in the build directory.  The desktop's post-install steps (schema
# compilation, icon cache) are skipped for a DESTDIR install, so the schema is compiled here.
set -u
meson="$1"; build="$2"; prefix="$3"; app_id="$4"; shift 4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modescope-test-install-XXXXXX")
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

"$meson" install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" > "$tmp/install.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/install.log"
check "$rc" "meson install --destdir"

root="$tmp/root$prefix"
for f in \
    bin/modescope \
    bin/modescope-cli \
    "share/applications/$app_id.desktop" \
    "share/metainfo/$app_id.metainfo.xml" \
    "share/icons/hicolor/scalable/apps/$app_id.svg" \
    "share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg" \
    "share/glib-2.0/schemas/$app_id.gschema.xml" \
    share/modescope/classifier-mnist.msck \
    share/modescope/mnist/README.md; do
  [ -f "$root/$f" ]
  check $? "installed: $f"
done
for lang in "$@"; do
  [ -f "$root/share/locale/$lang/LC_MESSAGES/modescope.mo" ]
  check $? "installed: the $lang translation"
done

# The installed desktop file is translated and names the installed binary and icon
grep -q "^Exec=modescope$" "$root/share/applications/$app_id.desktop" \
  && grep -q "^Icon=$app_id$" "$root/share/applications/$app_id.desktop"
check $? "desktop file: Exec and Icon"
for lang in "$@"; do
  grep -q "^Comment\[$lang\]=" "$root/share/applications/$app_id.desktop"
  check $? "desktop file: Comment[$lang]"
done

mkdir -p "$tmp/schemas"
glib-compile-schemas --strict --targetdir="$tmp/schemas" "$root/share/glib-2.0/schemas"
check $? "installed schema compiles"

# A short run of the installed window: MNIST and the classifier from the installed data folder
env GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$tmp/schemas" \
    XDG_DATA_DIRS="$root/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
    MODESCOPE_DATADIR="$root/share/modescope" \
    timeout 120 "$root/bin/modescope" --bench-ui 1 > "$tmp/run.log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/run.log"
[ "$rc" -eq 0 ] && grep -q "on MNIST in the window" "$tmp/run.log"
check $? "the installed modescope opens its window and trains"

"$root/bin/modescope-cli" about > "$tmp/about.log" 2>&1
check $? "the installed modescope-cli runs"

echo "1..$n"
exit $failed
