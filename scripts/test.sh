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
python -m pip install --quiet -e '.[test,api,trade]'

# Built party indexes are cached per content hash; a fresh folder keeps runs independent.
KORDON_CACHE_DIR=$(mktemp -d)
export KORDON_CACHE_DIR

if [ "$(id -u)" = 0 ] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    pg_root=$(mktemp -d)
    export KORDON_PG_DATA="$pg_root/data"
    eval "$(bash scripts/ci_postgres.sh)"
    trap 'bash scripts/ci_postgres.sh stop' EXIT
fi

python -m pytest "$@"
