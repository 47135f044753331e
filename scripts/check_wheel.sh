#!/usr/bin/env bash
# What a user installs must be complete. Build the sdist, and the wheel from it; install
# the wheel (not editable, with the docs extra) into a fresh virtual environment; and from
# there, outside the checkout, render the default animation, build a one-page Sphinx site
# with the .. convanim:: directive, and list the scenes (each scene module installed).
# Run by scripts/test.sh after the test suite; needs .venv (the test extra holds `build`).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# No flags: the sdist first, then the wheel built from the unpacked sdist.
.venv/bin/python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 ||
    { cat "$work/build.log"; exit 1; }
wheel=("$work"/dist/convanim-*.whl)
sdist=("$work"/dist/convanim-*.tar.gz)
[ -f "${wheel[0]}" ] && [ -f "${sdist[0]}" ] ||
    { echo "check_wheel: the build made no sdist or no wheel" >&2; exit 1; }

"${PYTHON:-python3}" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "${wheel[0]}[docs]"
bin="$work/venv/bin"
cd "$work"  # nothing of the checkout on the path

location="$("$bin/python" -c 'import convanim; print(convanim.__file__)')"
case "$location" in
    "$root"/*) echo "check_wheel: convanim imported from the checkout: $location" >&2; exit 1 ;;
esac

"$bin/convanim" gif --k 3 --s 2 --p 1 -o "$work/default.gif"
"$bin/python" - "$work/default.gif" <<'EOF'
import sys
from PIL import Image

with Image.open(sys.argv[1]) as gif:
    assert gif.n_frames == 9, gif.n_frames  # one per cell of the 3x3 output
EOF

# The real picture is package data: the deconvnet draws it from the installed wheel.
"$bin/convanim" deconvnet --picture -o "$work/picture.png"

mkdir "$work/site"
printf 'extensions = ["convanim.integrations.sphinx"]\nproject = "wheel check"\n' >"$work/site/conf.py"
cat >"$work/site/index.rst" <<'EOF'
Wheel check
===========

.. convanim::
   :i: 5
   :k: 3
   :s: 2
   :p: 1
EOF
"$bin/sphinx-build" -N -W -q -b html "$work/site" "$work/site/_build"
ls "$work"/site/_build/_images/*.svg >/dev/null

"$bin/convanim" scene --list
"$bin/python" - <<'EOF'
import importlib.util

from convanim.render.manim.driver import SCENES

missing = [
    e.module for e in SCENES.values() if not importlib.util.find_spec(f"convanim.scenes.{e.module}")
]
assert not missing, f"scene modules missing from the wheel: {missing}"
EOF
echo "check_wheel: $(basename "${sdist[0]}") and $(basename "${wheel[0]}") install and run"
