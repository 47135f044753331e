"""Max and average pooling on the convolution geometry: a window is a kernel footprint without weights.

Semantics are PyTorch's: max pooling pads with -inf (padding never wins), average
pooling divides by the full window size when ``count_include_pad`` (the default)
and by the number of real cells otherwise. Padding may be at most half the
(dilated) window on each side, average pooling has no dilation, and no window
may cover padding only (PyTorch would give -inf or divide by zero there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convanim.geometry import ConvSpec, SpecError

MODES = ("max", "avg")


@dataclass(frozen=True)
class Pooling:
    spec: ConvSpec  # the window geometry (kernel = window size)
    mode: str  # "max" or "avg"
    count_include_pad: bool = True

    def __post_init__(self):
        if self.mode not in MODES:
            raise SpecError("pool", f"must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.spec.transposed:
            raise SpecError("transposed", "pooling has no transposed form")
        for axis, ((pb, pa), k, d) in enumerate(
            zip(self.spec.padding, self.spec.kernel, self.spec.dilation)
        ):
            if max(pb, pa) > (d * (k - 1) + 1) // 2:
                raise SpecError(
                    "padding",
                    f"pooling pads at most half the window ({(d * (k - 1) + 1) // 2}), got {max(pb, pa)}",
                    axis,
                )
            if self.mode == "avg" and d != 1:
                raise SpecError("dilation", "average pooling has no dilation", axis)
        if self.spec.overlap().min() == 0:
            raise SpecError("padding", "a pooling window would cover only padding")

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The pooled output (output_size...), from the spec's taps."""
        taps = self.spec.taps()
        outputs = tuple(taps.output.T)
        values = x[tuple(taps.input.T)].astype(float)
        if self.mode == "max":
            y = np.full(self.spec.output_size, -np.inf)
            np.maximum.at(y, outputs, values)
            return y
        y = np.zeros(self.spec.output_size)
        np.add.at(y, outputs, values)
        if self.count_include_pad:
            return y / np.prod(self.spec.kernel)
        counts = np.zeros(self.spec.output_size)
        np.add.at(counts, outputs, 1)
        return y / counts

    def winners(self, x: np.ndarray) -> np.ndarray:
        """Max pooling: the input position (output..., ndim) each output took, first in row-major on ties."""
        taps = self.spec.taps()
        values = x[tuple(taps.input.T)]
        flat_out = np.ravel_multi_index(tuple(taps.output.T), self.spec.output_size)
        # Taps are ordered by output then kernel position: the first maximum per output wins.
        order = np.lexsort((np.arange(len(values)), -values, flat_out))
        first = order[np.r_[True, np.diff(flat_out[order]) != 0]]
        return taps.input[first].reshape((*self.spec.output_size, self.spec.ndim))
