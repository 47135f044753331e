"""Time and memory of ``taps(spec)`` for growing inputs, and of the channel terms of a
64 -> 64 channel layer, factorised and materialised; prints tables.

``taps`` is cached on its spec, so every measurement builds a fresh, equal spec:
timing a second call on the same spec would time the cache lookup.

Run: python benchmarks/bench_geometry.py
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, apply, channel_taps, connectivity, taps

CHANNELS = 64  # a ResNet stage: 64 -> 64 channels, 3x3, padding 1
MATERIALISED_UP_TO = 28  # larger sides would hold gigabytes of terms: estimated instead


def measure(
    make_spec: Callable[[], ConvSpec],
    view: Callable[[ConvSpec], Any] = taps,
    repeats: int = 3,
) -> tuple[int, float, float]:
    """Rows of ``view(spec)``, best wall time in ms over ``repeats``, and peak traced memory in MiB."""
    best = float("inf")
    count = 0
    for _ in range(repeats):
        spec = make_spec()
        start = time.perf_counter()
        result = view(spec)
        best = min(best, time.perf_counter() - start)
        count = len(result)
        del result, spec
    spec = make_spec()
    tracemalloc.start()
    view(spec)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return count, best * 1e3, peak / 2**20


def factorised(spec: ConvSpec) -> list[int]:
    """What apply and the views keep: the channel pairs and the spatial taps, one row each."""
    return [0] * (len(connectivity(spec)) + len(taps(spec)))


def channel_terms() -> None:
    """The terms of a 64 -> 64 channel 3x3 layer: factorised against materialised."""
    print(f"\n{CHANNELS} -> {CHANNELS} channels, k 3, p 1: the channel terms")
    print(f"{'input':>8} {'form':<13} {'rows':>12} {'best ms':>9} {'peak MiB':>9}")
    bytes_per_term = 0.0
    for side in (14, 28, 56):

        def make_spec(side: int = side) -> ConvSpec:
            return ConvSpec((side, side), 3, padding=1, in_channels=CHANNELS, out_channels=CHANNELS)

        count, ms, mib = measure(make_spec, factorised)
        print(f"{side:>3}x{side:<4} {'factorised':<13} {count:>12,} {ms:>9.1f} {mib:>9.1f}")
        if side <= MATERIALISED_UP_TO:
            count, ms, mib = measure(make_spec, channel_taps, repeats=1)
            bytes_per_term = mib * 2**20 / count
            print(f"{side:>3}x{side:<4} {'materialised':<13} {count:>12,} {ms:>9.1f} {mib:>9.1f}")
        else:
            terms = make_spec().multiply_accumulates
            estimate = terms * bytes_per_term / 2**20
            print(
                f"{side:>3}x{side:<4} {'materialised':<13} {terms:>12,} {'':>9} {estimate:>9.0f}"
                " (estimated, not built)"
            )
    spec = ConvSpec((56, 56), 3, padding=1, in_channels=CHANNELS, out_channels=CHANNELS)
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(CHANNELS, 56, 56)), rng.normal(size=spec.weight_shape)
    best = min(_timed(lambda: apply(spec, x, w)) for _ in range(3))
    print(f"apply, 56x56: {best:.1f} ms for {spec.multiply_accumulates:,} multiply-accumulates")


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    print(f"{'input':>10} {'k':>2} {'taps':>12} {'best ms':>9} {'peak MiB':>9} {'ns/tap':>7}")
    for size in (64, 128, 256, 512, 1024):
        for kernel in (3, 7):

            def make_spec(size: int = size, kernel: int = kernel) -> ConvSpec:
                return ConvSpec(input_size=(size, size), kernel=kernel, padding=kernel // 2)

            try:
                count, ms, mib = measure(make_spec)
            except ConvanimError:  # over VIEW_MAX_ENTRIES: refused before any array
                print(f"{size:>4}x{size:<5} {kernel:>2} {'refused: over VIEW_MAX_ENTRIES':>39}")
                continue
            print(
                f"{size:>4}x{size:<5} {kernel:>2} {count:>12,} {ms:>9.1f} {mib:>9.1f}"
                f" {ms * 1e6 / count:>7.1f}"
            )

    def make_transposed() -> ConvSpec:
        return ConvSpec(input_size=(256, 256), kernel=4, stride=2, padding=1, transposed=True)

    count, ms, mib = measure(make_transposed)
    print(f"transposed 256x256 -> 512x512, k 4, s 2: {count:,} taps, {ms:.1f} ms, {mib:.1f} MiB")
    channel_terms()


if __name__ == "__main__":
    main()
