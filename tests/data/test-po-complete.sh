#!/bin/sh
# Every translatable string in the sources (po/POTFILES.in, extracted as meson's 'glib' gettext
# preset does) has a translation, not fuzzy, in each catalogue given: a string added to the code
# without translating it fails here.  Usage: test-po-complete.sh SRCDIR LANG...  (TAP output)
set -u
srcdir=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

xgettext --package-name=modescope --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format --flag=g_print:1:c-format \
  --flag=g_printerr:1:c-format --flag=g_printf:1:c-format --flag=g_fprintf:2:c-format \
  --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format \
  --directory="$srcdir" --files-from="$srcdir/po/POTFILES.in" \
  --output="$tmp/modescope.pot" 2>"$tmp/xgettext.log"
if [ $? -ne 0 ]; then
  echo "1..1"
  echo "not ok 1 - xgettext failed"
  sed 's/^/# /' "$tmp/xgettext.log"
  exit 1
fi

echo "1..$#"
n=0
status=0
for lang in "$@"; do
  n=$((n + 1))
  # msgcmp ignores untranslated and fuzzy entries of the catalogue: they count as missing
  if msgcmp "$srcdir/po/$lang.po" "$tmp/modescope.pot" >"$tmp/msgcmp.log" 2>&1; then
    echo "ok $n - po/$lang.po translates every string in the sources"
  else
    echo "not ok $n - po/$lang.po misses translations (update it: meson compile modescope-update-po)"
    grep -c -e 'untranslated' -e 'not defined' -e 'fuzzy' -e 'review' "$tmp/msgcmp.log" | sed 's/^/# messages to translate: /'
    sed 's/^/# /' "$tmp/msgcmp.log" | head -40
    status=1
  fi
done
exit $status
