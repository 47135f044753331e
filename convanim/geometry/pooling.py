"""Max and average pooling on the convolution geometry: a window is a kernel footprint without weights.

Semantics and rules are PyTorch's: max pooling pads with -inf (padding never
wins), average pooling divides by the full window size when ``count_include_pad``
(the default) and by the number of real cells otherwise. Padding may be at most
half the kernel size on each side (``padding <= kernel // 2``, whatever the
dilation), average pooling has no dilation, and no window may cover padding only.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from convanim.errors import ConvanimError, choose
from convanim.geometry.spec import ConvSpec
from convanim.geometry.views import flat_index, overlap_counts, taps


class PoolMode(str, enum.Enum):
    """How a pooling window reduces its cells."""

    MAX = "max"
    AVG = "avg"


@dataclass(frozen=True)
class Pooling:
    """Pooling over the windows of ``spec`` (its kernel is the window size).

    >>> pooling = Pooling(ConvSpec(input_size=4, kernel=2, stride=2), "max")
    >>> pooling.apply(np.array([1.0, 3.0, 2.0, 0.0])).tolist()
    [3.0, 2.0]
    """

    spec: ConvSpec
    mode: PoolMode
    count_include_pad: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", choose(PoolMode, self.mode, "pool"))
        if self.spec.transposed:
            raise ConvanimError("transposed", "pooling has no transposed form")
        for index, axis in enumerate(self.spec.axes):
            half = axis.kernel // 2
            if max(axis.padding) > half:
                raise ConvanimError(
                    "padding",
                    f"pooling pads at most half the kernel size ({{kernel}} {axis.kernel} // 2 "
                    f"= {half}, PyTorch's rule), got {max(axis.padding)}",
                    index,
                )
            if self.mode is PoolMode.AVG and axis.dilation != 1:
                raise ConvanimError("dilation", "average pooling has no dilation", index)
        for index, axis in enumerate(self.spec.axes):
            if not axis.every_output_reads():
                raise ConvanimError("padding", "a pooling window would cover only padding", index)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The pooled output (output_size...), from the spec's taps."""
        t = taps(self.spec)
        outputs = tuple(t.output.T)
        values = x[tuple(t.input.T)].astype(float)
        if self.mode is PoolMode.MAX:
            y = np.full(self.spec.output_size, -np.inf)
            np.maximum.at(y, outputs, values)
            return y
        y = np.zeros(self.spec.output_size)
        np.add.at(y, outputs, values)
        if self.count_include_pad:
            return y / math.prod(self.spec.kernel)
        return y / overlap_counts(self.spec)

    def winners(self, x: np.ndarray) -> np.ndarray:
        """Max pooling: the input position (output_size..., ndim) each output took.

        On ties the first cell in row-major order wins.
        """
        t = taps(self.spec)
        values = x[tuple(t.input.T)]
        flat_out = flat_index(t.output, self.spec.output_size)
        # Taps are ordered by output then kernel position: the first maximum per output wins.
        order = np.lexsort((np.arange(len(values)), -values, flat_out))
        first = order[np.r_[True, np.diff(flat_out[order]) != 0]]
        return t.input[first].reshape((*self.spec.output_size, self.spec.ndim))
