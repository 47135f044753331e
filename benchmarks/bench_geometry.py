"""Time and memory of ``taps(spec)`` for growing inputs; prints a table.

``taps`` is cached on its spec, so every measurement builds a fresh, equal spec:
timing a second call on the same spec would time the cache lookup.

Run: python benchmarks/bench_geometry.py
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

from convanim.geometry import ConvSpec, taps


def measure(make_spec: Callable[[], ConvSpec], repeats: int = 3) -> tuple[int, float, float]:
    """Taps, best wall time in ms over ``repeats``, and peak traced memory in MiB."""
    best = float("inf")
    count = 0
    for _ in range(repeats):
        spec = make_spec()
        start = time.perf_counter()
        result = taps(spec)
        best = min(best, time.perf_counter() - start)
        count = len(result)
        del result, spec
    spec = make_spec()
    tracemalloc.start()
    taps(spec)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return count, best * 1e3, peak / 2**20


def main() -> None:
    print(f"{'input':>10} {'k':>2} {'taps':>12} {'best ms':>9} {'peak MiB':>9} {'ns/tap':>7}")
    for size in (64, 128, 256, 512, 1024):
        for kernel in (3, 7):

            def make_spec(size: int = size, kernel: int = kernel) -> ConvSpec:
                return ConvSpec(input_size=(size, size), kernel=kernel, padding=kernel // 2)

            count, ms, mib = measure(make_spec)
            print(
                f"{size:>4}x{size:<5} {kernel:>2} {count:>12,} {ms:>9.1f} {mib:>9.1f}"
                f" {ms * 1e6 / count:>7.1f}"
            )

    def make_transposed() -> ConvSpec:
        return ConvSpec(input_size=(256, 256), kernel=4, stride=2, padding=1, transposed=True)

    count, ms, mib = measure(make_transposed)
    print(f"transposed 256x256 -> 512x512, k 4, s 2: {count:,} taps, {ms:.1f} ms, {mib:.1f} MiB")


if __name__ == "__main__":
    main()
