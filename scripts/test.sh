#!/usr/bin/env bash
# Install everything convanim needs into .venv and run the whole test suite.
# Works on a fresh Debian machine with Python >= 3.10; run as root (or with sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
