#!/usr/bin/env bash
# Compile the French/English catalogs (.po -> .mo); msgfmt comes with Debian's gettext.
set -eu
python="$1"
if ! command -v msgfmt >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing gettext (msgfmt) with apt-get…"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q gettext >/dev/null 2>&1 || apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q gettext >/dev/null
  fi
fi
if command -v msgfmt >/dev/null 2>&1; then
  (cd encours && "../$python" ../manage.py compilemessages -v0)
else
  echo "msgfmt (gettext) not found: the interface will show English only. Install gettext to get French."
fi
