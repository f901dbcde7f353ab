#!/usr/bin/env bash
# Refresh the translation catalogs. An app with its own locale/ folder keeps its own catalog
# (so apps built in parallel never touch the same .po file); the project catalog
# (encours/locale) holds every other string.
set -eu
python="${1:-.venv/bin/python}"
root=$(pwd)
ignores=()
for dir in encours/*/locale; do
  app=$(dirname "$dir")
  name=$(basename "$app")
  (cd "$app" && "$root/$python" "$root/manage.py" makemessages -l fr -l en --no-obsolete --add-location file -v0)
  ignores+=(--ignore "$name/*")
done
(cd encours && "../$python" ../manage.py makemessages -l fr -l en --no-obsolete --add-location file -v0 "${ignores[@]}")
