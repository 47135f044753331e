"""SVG path figures: bytes of the guide's 15 against the published GIFs, write time per frame
and for the guide's 15 next to the GIF path's, and what a Sphinx rebuild of docs/ renders.

Run from the repository root: python benchmarks/bench_svg.py
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from convanim.integrations.gallery import GUIDE_SPECS, entry
from convanim.pipeline import animate_to_file

PUBLISHED_GIF_BYTES = 3_398_746  # the guide's 15 GIFs, as published
BYTE_GOAL = 0.05  # the SVGs' share of those bytes
ROUNDS = 5


def sizes(folder: Path) -> None:
    total = 0
    for name in GUIDE_SPECS:
        written = entry(name).write(folder / f"{name}.svg")
        total += written.bytes
        print(f"  {name:42s} {written.frames:3d} frames {written.bytes:8,d} bytes")
    share = total / PUBLISHED_GIF_BYTES
    print(f"the guide's 15 as SVG: {total:,} bytes, {share:.2%} of {PUBLISHED_GIF_BYTES:,}")
    print(f"goal: at most {BYTE_GOAL:.0%} ({int(BYTE_GOAL * PUBLISHED_GIF_BYTES):,} bytes)")


def per_frame(folder: Path) -> None:
    spec = GUIDE_SPECS["padding_strides_odd_transposed"]
    for suffix in (".svg", ".gif"):
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            written = animate_to_file(spec, folder / f"frame{suffix}")
            times.append((time.perf_counter() - start) / written.frames)
        median = statistics.median(times)
        print(f"{suffix}: {median * 1e3:.2f} ms per frame (whole file, {written.frames} frames)")


def gallery(folder: Path) -> None:
    """The guide's 15 in one process, as SVG and as GIF."""
    start = time.perf_counter()
    for name in GUIDE_SPECS:
        entry(name).write(folder / f"{name}.svg")
    svg = time.perf_counter() - start
    start = time.perf_counter()
    for name in GUIDE_SPECS:
        entry(name).write(folder / f"{name}.gif")
    gif = time.perf_counter() - start
    print(f"the guide's 15, one process: SVG {svg:.2f} s, GIF {gif:.2f} s")


DOCS = Path(__file__).resolve().parents[1] / "docs"


def sphinx_rebuilds(folder: Path) -> None:
    """docs/ built from clean, then again with nothing changed (every page re-read: -E)."""
    build = folder / "html"
    doctrees = folder / "doctrees"
    sphinx = [sys.executable, "-m", "sphinx", "-b", "html", "-d", str(doctrees), str(DOCS)]
    for label, extra in (("clean", []), ("no change", ["-E"])):
        start = time.perf_counter()
        done = subprocess.run([*sphinx, str(build), *extra], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        counts = re.search(r"convanim: rendered (\d+), cached (\d+)", done.stdout + done.stderr)
        said = f"rendered {counts[1]}, cached {counts[2]}" if counts else "no count logged"
        print(f"sphinx-build of docs/, {label}: {seconds:.1f} s, {said}")
    shutil.rmtree(build, ignore_errors=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        sizes(folder)
        per_frame(folder)
        gallery(folder)
        sphinx_rebuilds(folder)


if __name__ == "__main__":
    main()
