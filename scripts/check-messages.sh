#!/bin/sh
# Fails when a user-facing string lacks a Vietnamese translation, a translation
# is fuzzy, or the committed compiled catalogues do not match their sources.
set -eu
PY=.venv/bin/python
export THAMVAN_TESTING=true
status=0

for lang in vi en; do
  po=locale/$lang/LC_MESSAGES/django.po
  mo=locale/$lang/LC_MESSAGES/django.mo
  tmp=$(mktemp)
  msgfmt --check-format -o "$tmp" "$po"
  if ! cmp -s "$tmp" "$mo"; then
    echo "$mo is out of date: run 'make messages' and commit locale/."
    status=1
  fi
  rm -f "$tmp"
done

# Regenerate the catalogue from the code to find strings nobody translated,
# on a copy: the catalogue in the work tree is put back afterwards.
backup=$(mktemp -d)
cp locale/vi/LC_MESSAGES/django.po "$backup/vi.po"
cp locale/en/LC_MESSAGES/django.po "$backup/en.po"
trap 'cp "$backup/vi.po" locale/vi/LC_MESSAGES/django.po; cp "$backup/en.po" locale/en/LC_MESSAGES/django.po; rm -rf "$backup"' EXIT
$PY manage.py makemessages -l vi --no-obsolete --ignore=.venv --ignore=var --ignore=bench >/dev/null
po=locale/vi/LC_MESSAGES/django.po
# The header entry has an empty msgid and is listed once by --untranslated.
untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
if [ "$untranslated" -gt 1 ] || [ "$fuzzy" -gt 0 ]; then
  echo "Vietnamese catalogue incomplete ($((untranslated - 1)) untranslated, $fuzzy fuzzy):"
  msgattrib --untranslated --no-obsolete "$po" | grep -A1 '^msgid ' | grep -v '^msgid ""$' | head -60
  msgattrib --only-fuzzy --no-obsolete "$po" | grep '^msgid ' | head -40
  status=1
fi
[ "$status" -eq 0 ] && echo "translations complete"
exit "$status"
