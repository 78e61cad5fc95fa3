#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine and run it:
# Debian's PostgreSQL and Chromium (as root), a virtualenv with kordon and its test extras,
# a throw-away PostgreSQL server on loopback, then pytest.
# The README's test command and CI's .ci/run both call this script, so the two cannot drift apart.
# Without root, the PostgreSQL and browser tests are skipped with a message saying why.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
    command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)  # the Spark engine's tests
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing ${missing[*]} (apt-get)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2
        apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    fi
fi

VENV=${KORDON_VENV:-.venv}
python3 -m venv "$VENV"
# shellcheck disable=SC1091
. "$VENV/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e '.[test,api,trade,spark,cjk]'

# Built party indexes are cached per content hash; a fresh folder keeps runs independent.
KORDON_CACHE_DIR=$(mktemp -d)
export KORDON_CACHE_DIR

if [ "$(id -u)" = 0 ] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    pg_root=$(mktemp -d)
    export KORDON_PG_DATA="$pg_root/data"
    KORDON_PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export KORDON_PG_PORT
    pg_env=$(cd "$pg_root" && bash "$OLDPWD/scripts/ci_postgres.sh")  # fails the run if the server cannot start
    eval "$pg_env"
    trap 'bash scripts/ci_postgres.sh stop' EXIT
fi

# Lint and types first (configured in pyproject.toml): a failure stops the run before the tests.
python -m ruff check src tests benchmarks scripts
python -m mypy

python -m pytest "$@"
