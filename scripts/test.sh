#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian/Ubuntu machine and run it.
# The README's test command and CI's .ci/run both call this script, so the two cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${KORDON_VENV:-.venv}
python3 -m venv "$VENV"
# shellcheck disable=SC1091
. "$VENV/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e '.[test,trade]'

python -m pytest "$@"
