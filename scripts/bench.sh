#!/usr/bin/env bash
# `make bench`: a fresh PostgreSQL database, the synthetic portfolio, one line per figure.
# SMALL=1 runs a 10x smaller portfolio.
set -eu
BIN="${BIN:-.venv/bin}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
BENCH_DB="${BENCH_DB:-encours_bench}"  # a name of its own lets two benches run side by side
BENCH_URL="${PG_URL%/*}/$BENCH_DB"
"$BIN/python" - "$PG_URL" "$BENCH_DB" <<'PY'
import sys, psycopg
url, name = sys.argv[1].replace("postgres://", "postgresql://", 1), sys.argv[2]
admin = url.rsplit("/", 1)[0] + "/postgres"
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{name}"')
PY
export DATABASE_URL="$BENCH_URL" JOBS_MODE=sync
"$BIN/python" manage.py migrate -v0
args=""
[ -n "${SMALL:-}" ] && args="--small"
"$BIN/python" manage.py bench $args ${BENCH_ARGS:-}
