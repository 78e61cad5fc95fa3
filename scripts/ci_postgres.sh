#!/usr/bin/env bash
# Install and start a throw-away PostgreSQL server for the test suite (root, fresh Debian machine).
# Prints the line to eval:  export KORDON_TEST_POSTGRES_URL=postgresql+psycopg://kordon@127.0.0.1:PORT/kordon_test
# Usage:  eval "$(bash scripts/ci_postgres.sh)"     stop: bash scripts/ci_postgres.sh stop
set -euo pipefail

PORT="${KORDON_PG_PORT:-55432}"
DATA="${KORDON_PG_DATA:-/tmp/kordon-pg/data}"
LOG="${DATA%/data}/server.log"

if [ "${1:-}" = "stop" ]; then
    BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    su postgres -c "$BIN/pg_ctl -D '$DATA' -m fast stop" >&2 || true
    exit 0
fi

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    echo "installing postgresql (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

mkdir -p "$(dirname "$DATA")"
chown postgres:postgres "$(dirname "$DATA")"
if [ ! -s "$DATA/PG_VERSION" ]; then
    # trust on loopback only: a test server with no secrets, reachable from this machine alone.
    su postgres -c "$BIN/initdb -D '$DATA' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >&2
fi
if ! su postgres -c "$BIN/pg_ctl -D '$DATA' status" >/dev/null 2>&1; then
    su postgres -c "$BIN/pg_ctl -D '$DATA' -l '$LOG' -w -t 60 \
        -o \"-c listen_addresses=127.0.0.1 -p $PORT -k /tmp -c fsync=on -c max_connections=200\" start" >&2
fi
PSQL="$BIN/psql -h 127.0.0.1 -p $PORT -U postgres -v ON_ERROR_STOP=1 -qAt"
$PSQL -c "SELECT 1 FROM pg_roles WHERE rolname='kordon'" | grep -q 1 || $PSQL -c "CREATE ROLE kordon LOGIN CREATEDB" >&2
$PSQL -c "SELECT 1 FROM pg_database WHERE datname='kordon_test'" | grep -q 1 || $PSQL -c "CREATE DATABASE kordon_test OWNER kordon" >&2
echo "postgresql ready on 127.0.0.1:$PORT" >&2
echo "export KORDON_TEST_POSTGRES_URL=postgresql+psycopg://kordon@127.0.0.1:$PORT/kordon_test"
