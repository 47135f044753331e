"""The explorer's hot path: a request to an animated SVG, in-process, for four cases.

Prints the median and best of several rounds per case (milliseconds), after one warm-up
call, so imports and first-call caches are not counted. Run from the repository root:
python benchmarks/bench_hotpath.py [--profile CASE]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from collections.abc import Callable

from convanim.geometry import ConvSpec
from convanim.pipeline import svg_text
from convanim.story.board import View
from convanim.story.values import ValueSource

ROUNDS = 9

CASES: dict[str, Callable[[], object]] = {
    "guide default (5x5, k3 s2 p1)": lambda: svg_text(ConvSpec((5, 5), 3, stride=2, padding=1)),
    "odd transposed (3x3, k3 s2 p1 op1)": lambda: svg_text(
        ConvSpec((3, 3), 3, stride=2, padding=1, output_padding=1, transposed=True)
    ),
    "scatter with values (k3 s2 p1 -t)": lambda: svg_text(
        ConvSpec((3, 3), 3, stride=2, padding=1, transposed=True),
        view=View.SCATTER,
        values=ValueSource(),
    ),
    "CS231n stack (3 in, 2 out, bias, values)": lambda: svg_text(
        ConvSpec((5, 5), 3, stride=2, padding=1, in_channels=3, out_channels=2, bias=True),
        view=View.STACK,
        values=ValueSource(),
    ),
}


def measure(call: Callable[[], object]) -> tuple[float, float]:
    call()  # warm-up: imports, fonts, caches of the first call
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", type=int, help="profile case N (1-based) instead")
    arguments = parser.parse_args()
    if arguments.profile:
        call = list(CASES.values())[arguments.profile - 1]
        call()
        profile = cProfile.Profile()
        profile.runcall(call)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        return
    print(f"request -> SVG in-process, {ROUNDS} rounds after a warm-up (median, best):")
    for name, call in CASES.items():
        median, best = measure(call)
        print(f"  {name:42s} {median * 1e3:7.1f} ms  {best * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
