"""Render time of each Manim scene for its default spec, at -ql (480p15) and -qm (720p30).

Run: python benchmarks/bench_scenes.py [--quality l m]
Goal: TransposedConvolutionScene at 480p15 in at most 30 s on a 2-core machine.
Also times the transposed scene once with Manim's caching on, which costs most.
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from manim import tempconfig

from convanim.render.manim import Quality
from convanim.render.manim.driver import QUALITIES, SCENES, render_scene
from convanim.story.scenes import DEFAULTS


def timed(function: Callable[..., Any], *args: Any) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--quality", nargs="+", default=["l", "m"], choices=[quality.value for quality in Quality]
    )
    qualities = [Quality(value) for value in parser.parse_args().quality]
    print(f"{'scene':<28}" + "".join(f"{'-q' + q.value:>10}" for q in qualities))
    with tempfile.TemporaryDirectory() as folder:
        for entry in SCENES.values():
            params = DEFAULTS[entry.cls]
            out = Path(folder) / f"{entry.cls}.mp4"
            seconds = [timed(render_scene, entry, params, out, q) for q in qualities]
            print(f"{entry.cls:<28}" + "".join(f"{s:>9.1f}s" for s in seconds))
        entry = SCENES["transposed"]
        module = importlib.import_module(f"convanim.scenes.{entry.module}")
        cached = {"quality": QUALITIES[Quality.LOW], "media_dir": folder, "disable_caching": False}
        with tempconfig({**cached, "progress_bar": "none", "verbosity": "WARNING"}):
            scene = getattr(module, entry.cls)()
            print(
                f"TransposedConvolutionScene -ql with Manim's caching on: {timed(scene.render):.1f}s"
            )


if __name__ == "__main__":
    main()
