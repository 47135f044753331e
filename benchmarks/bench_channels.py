"""Channel views: the CS231n stack view through the real CLI against a bare
``import matplotlib.pyplot`` (whole-process wall time, measured alternately), the bytes of
each "channels and groups" gallery entry, and per-frame draw and encode time of the volume
view with 8 channels.

Run from the repository root: python benchmarks/bench_channels.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from convanim.geometry import ConvSpec
from convanim.integrations.gallery import CHANNEL_SPECS, FORMATS, entry
from convanim.pipeline import animate_to_file, drawing
from convanim.story.board import View

ROUNDS = 7
CS231N_FLAGS = ["--cin", "3", "--cout", "2", "--bias", "--s", "2", "--p", "1", "--values"]


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def startup(folder: Path) -> None:
    gif = [sys.executable, "-m", "convanim", "gif", *CS231N_FLAGS, "-o", str(folder / "s.gif")]
    pyplot = [sys.executable, "-c", "import matplotlib.pyplot"]
    ours, theirs = [], []
    for _ in range(ROUNDS):  # alternately, so that both see the same machine
        ours.append(wall(gif))
        theirs.append(wall(pyplot))
    print(f"convanim gif {' '.join(CS231N_FLAGS)} (stack view, 18 frames):")
    print(f"  median {statistics.median(ours):.3f} s, min {min(ours):.3f} s")
    print("import matplotlib.pyplot:")
    print(f"  median {statistics.median(theirs):.3f} s, min {min(theirs):.3f} s")
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"  ratio of medians {ratio:.2f} (goal: at most 1)")


def sizes(folder: Path) -> None:
    print("bytes of the 'channels and groups' gallery entries:")
    for name in CHANNEL_SPECS:
        request = entry(name)
        shown, options = request.shown, request.drawing_options
        written = [animate_to_file(shown, folder / f"{name}{s}", **options) for s in FORMATS]
        parts = ", ".join(f"{w.path.suffix[1:]} {w.bytes:,}" for w in written)
        print(f"  {name:36s} {written[0].frames:3d} frames  {parts}")


def volume(folder: Path) -> None:
    from convanim.render.raster.painter import FramePainter

    spec = ConvSpec(input_size=(5, 5), kernel=3, padding=1, in_channels=8, out_channels=8, groups=2)
    laid_out, _ = drawing(spec, view=View.VOLUME)
    frames = FramePainter(laid_out)
    count = len(frames)
    start = time.perf_counter()
    for index in range(count):
        laid_out.frames[index]
    draw = (time.perf_counter() - start) / count
    start = time.perf_counter()
    for index in range(count):
        frames[index]
    paint = (time.perf_counter() - start) / count - draw
    written = animate_to_file(spec, folder / "volume.gif", view=View.VOLUME)
    total = wall_of(lambda: animate_to_file(spec, folder / "volume2.gif", view=View.VOLUME))
    w, h = written.size
    print(f"volume view, 8 channels in 2 groups, 5x5, k3 p1: {count} frames of {w}x{h} px")
    print(f"  lay out {draw * 1000:.2f} ms/frame, paint {paint * 1000:.2f} ms/frame,")
    print(f"  whole GIF (lay out, paint, encode) {total / count * 1000:.2f} ms/frame")


def wall_of(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        startup(folder)
        sizes(folder)
        volume(folder)


if __name__ == "__main__":
    main()
