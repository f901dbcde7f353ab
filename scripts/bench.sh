#!/usr/bin/env bash
# `make bench`: a fresh PostgreSQL database, the synthetic portfolio, one line per figure.
# SMALL=1 runs a 10x smaller portfolio.
set -eu
BIN="${BIN:-.venv/bin}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
BENCH_URL="${PG_URL%/*}/encours_bench"
"$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].replace("postgres://", "postgresql://", 1)
admin = url.rsplit("/", 1)[0] + "/postgres"
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS encours_bench WITH (FORCE)")
    conn.execute("CREATE DATABASE encours_bench")
PY
export DATABASE_URL="$BENCH_URL" JOBS_MODE=sync
"$BIN/python" manage.py migrate -v0
args=""
[ -n "${SMALL:-}" ] && args="--small"
"$BIN/python" manage.py bench $args ${BENCH_ARGS:-}
