#!/usr/bin/env bash
# The whole suite on SQLite, then on PostgreSQL. Missing machine parts (PostgreSQL, Redis,
# Chromium, LibreOffice) are reported plainly and their tests skipped; under CI_STRICT=1 nothing may be skipped.
set -u
BIN="${BIN:-.venv/bin}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
STRICT="${CI_STRICT:-0}"
WORKERS="${TEST_WORKERS:-2}"
status=0

say() { printf '\n== %s\n' "$*"; }
missing() {
  if [ "$STRICT" = 1 ]; then echo "CI_STRICT=1: $1 — failing."; exit 1; fi
  echo "NOTE: $1 — those tests are skipped."
}

# Chromium for the end-to-end tests: Debian's package, never a browser download.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser tests"
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }) \
      || true
  fi
  command -v chromium >/dev/null 2>&1 || missing "Chromium is not installed (apt-get install chromium)"
fi

# LibreOffice Calc (headless) for the test that opens an export with the real program.
if ! command -v soffice >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's libreoffice-calc-nogui for the spreadsheet-export test"
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q libreoffice-calc-nogui >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libreoffice-calc-nogui >/dev/null 2>&1; }) \
      || true
  fi
  command -v soffice >/dev/null 2>&1 || missing "LibreOffice is not installed (apt-get install libreoffice-calc-nogui)"
fi

pg_up() { "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as exc:
    print(exc); sys.exit(1)
PY
}
redis_up() { "$BIN/python" -c "import redis,sys; redis.Redis.from_url('redis://127.0.0.1:6379/15', socket_timeout=2).ping()" >/dev/null 2>&1; }

redis_up || missing "Redis is not reachable on 127.0.0.1:6379"

say "tests on SQLite"
"$BIN/python" -m pytest -n "$WORKERS" || status=1

if pg_up >/dev/null 2>&1; then
  say "tests on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" "$BIN/python" -m pytest -n "$WORKERS" || status=1
else
  missing "PostgreSQL is not reachable at $PG_URL"
fi

say "lint"
"$BIN/ruff" check encours tests || status=1
"$BIN/lint-imports" --no-cache >/dev/null || { "$BIN/lint-imports" --no-cache; status=1; }

exit $status
