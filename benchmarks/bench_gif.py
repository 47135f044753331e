"""GIF path figures: start-up against matplotlib's import, per-frame cost, gallery time and bytes.

Run from the repository root: python benchmarks/bench_gif.py
Compares the gallery against the reference GIFs when ../shared/reference/dumoulin-visin exists.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from convanim.draw.frames import draw
from convanim.draw.style import Style
from convanim.integrations.gallery import ALL_NAMES, GUIDE_SPECS, entry
from convanim.pipeline import render_animation
from convanim.render.encode.writers import _keys, _sample_strip, write_animation
from convanim.render.raster.painter import FramePainter
from convanim.story.board import build_board

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "dumoulin-visin"
ROUNDS = 7


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def startup(folder: Path) -> None:
    gif = [sys.executable, "-m", "convanim", "gif", "--k", "3", "--s", "2", "--p", "1"]
    gif += ["-o", str(folder / "default.gif")]
    baseline = [sys.executable, "-c", "import matplotlib.pyplot"]
    ours, theirs = [], []
    for _ in range(ROUNDS):  # alternate, so both see the same machine state
        ours.append(wall(gif))
        theirs.append(wall(baseline))
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"convanim gif --k 3 --s 2 --p 1: median {a * 1e3:.0f} ms over {ROUNDS} runs")
    print(f"python -c 'import matplotlib.pyplot': median {b * 1e3:.0f} ms")
    print(f"ratio: {a / b:.2f} (goal <= 2)")


def per_frame() -> None:
    spec = GUIDE_SPECS["padding_strides_odd_transposed"]
    board = build_board(spec)
    start = time.perf_counter()
    drawing = draw(board, Style())  # the layout of every frame, as primitives
    layout = (time.perf_counter() - start) / len(board.frames)
    start = time.perf_counter()
    painter = FramePainter(drawing)
    static = time.perf_counter() - start
    start = time.perf_counter()
    frames = list(painter)
    paint = (time.perf_counter() - start) / len(frames)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_animation(frames, Path(folder) / "a.gif", 1000)
        encode = (time.perf_counter() - start) / len(frames)
    print(
        f"padding_strides_odd_transposed ({len(frames)} frames): static layers {static * 1e3:.1f} ms, "
        f"draw {(layout + paint) * 1e3:.2f} ms/frame (layout {layout * 1e3:.2f}, "
        f"paint {paint * 1e3:.2f}), encode {encode * 1e3:.2f} ms/frame"
    )


def palettes() -> None:
    """The GIF palette of each gallery entry with more than 255 colours: Pillow's fast
    octree (what the writer uses) against its median cut, on the same 8 sample frames.
    Error: root mean square over every pixel of every frame, in 0-255 RGB units."""
    print(
        f"{'palette of':<42} {'colours':>7} {'octree ms':>9} {'err':>5} {'median ms':>9} {'err':>5}"
    )
    for name in ALL_NAMES:
        request = entry(name)
        spec, options = request.shown, request.drawing_options
        frames = list(render_animation(spec, **options)[0])
        colours = len(np.unique(np.concatenate([_keys(frame).ravel() for frame in frames])))
        if colours <= 255:
            continue
        strip = _sample_strip(frames)
        line = f"{name:<42} {colours:>7}"
        for method in (Image.Quantize.FASTOCTREE, Image.Quantize.MEDIANCUT):
            start = time.perf_counter()
            reference = strip.quantize(255, method, dither=Image.Dither.NONE)
            took = time.perf_counter() - start
            palette = np.asarray(reference.getpalette(), dtype=float).reshape(-1, 3)
            squares = pixels = 0.0
            for frame in frames:
                mapped = np.asarray(frame.quantize(palette=reference, dither=Image.Dither.NONE))
                squares += float(((palette[mapped] - np.asarray(frame)) ** 2).sum())
                pixels += mapped.size
            line += f" {took * 1e3:>9.1f} {np.sqrt(squares / pixels):>5.2f}"
        print(line)


def gallery(folder: Path) -> None:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "convanim", "gallery", "-o", str(folder)],
        check=True,
        capture_output=True,
    )
    print(f"convanim gallery: {time.perf_counter() - start:.2f} s wall for {len(ALL_NAMES)} GIFs")
    ours_total = theirs_total = 0
    print(f"{'name':<42} {'ours px':>9} {'ref px':>9} {'ours B':>9} {'ref B':>9} {'ratio':>6}")
    for name in ALL_NAMES:
        ours = folder / f"{name}.gif"
        if name in GUIDE_SPECS:
            ours_total += ours.stat().st_size
        with Image.open(ours) as image:
            size = "x".join(map(str, image.size))
        line = f"{name:<42} {size:>9}"
        reference = REFERENCE / f"{name}.gif"
        if reference.exists():
            theirs_total += reference.stat().st_size
            with Image.open(reference) as image:
                ref_size = "x".join(map(str, image.size))
            ratio = ours.stat().st_size / reference.stat().st_size
            line += f" {ref_size:>9} {ours.stat().st_size:>9,} {reference.stat().st_size:>9,} {ratio:>6.2f}"
        else:
            line += f" {'':>9} {ours.stat().st_size:>9,}"
        print(line)
    print(f"the guide's 15: {ours_total:,} bytes", end="")
    if theirs_total:
        print(f" vs reference {theirs_total:,} ({ours_total / theirs_total:.1%})")
    else:
        print()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        startup(Path(folder))
        per_frame()
        palettes()
        gallery(Path(folder))


if __name__ == "__main__":
    main()
