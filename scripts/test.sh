#!/usr/bin/env bash
# Install everything convanim needs into .venv and run the whole test suite:
# ruff (lint, format, import boundaries), mypy, pytest, the docs, then the built wheel
# installed on its own (scripts/check_wheel.sh).
# Works on a fresh Debian machine with Python >= 3.10. Manim builds against
# Cairo and Pango, so their headers come from apt-get (as root, or with sudo).
# HYPOTHESIS_PROFILE=ci makes the property tests derandomized (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pkg-config --exists cairo pangocairo 2>/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        libcairo2-dev libpango1.0-dev pkg-config >/dev/null
fi
# The browser tests (marker: browser) drive Debian's Chromium; nothing is downloaded at test time.
if [ ! -x /usr/bin/chromium ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        chromium chromium-driver >/dev/null
fi

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,manim]"  # setuptools' notice: see pyproject.toml
# PyTorch (CPU) for the cross-checks of tests/test_torch.py: layers, poolings and networks
# against what PyTorch computes. Machines of this project's kind keep this wheel on disk.
.venv/bin/python -m pip install --quiet "torch==2.13.0"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
# The documentation, built with its own directive; any warning fails the build.
.venv/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html
# What a user installs: the sdist and the wheel, the wheel alone in a fresh environment.
bash scripts/check_wheel.sh
