"""Max and average pooling on the convolution geometry: a window is a kernel footprint without weights.

Semantics and rules are PyTorch's: max pooling pads with -inf (padding never
wins), average pooling divides by the full window size when ``count_include_pad``
(the default) and by the number of real cells otherwise. Padding may be at most
half the kernel size on each side (``padding <= kernel // 2``, whatever the
dilation), and average pooling has no dilation. Two rules are convanim's own: no
window may cover padding only (a dilated max pooling can; PyTorch gives -inf), and
in ceil mode the window must fit the padded input once (PyTorch would also pool an
input smaller than one window). Pooling treats every channel alike, so its spec has
one channel and no bias; pool a (channels, size...) array channel by channel.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from dataclasses import dataclass
from functools import cached_property

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
    ceil_mode: bool = False  # PyTorch's: one more window where it still starts in the input

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", choose(PoolMode, self.mode, "pool"))
        if self.spec.transposed:
            raise ConvanimError("transposed", "pooling has no transposed form")
        if self.spec.padding_mode != "zeros":
            raise ConvanimError(
                "padding_mode",
                f"pooling has no padding mode (PyTorch's pads with -inf or zeros), "
                f"got {self.spec.padding_mode!r}",
            )
        if not self.spec.single_channel or self.spec.bias:
            culprit = "in_channels" if self.spec.in_channels > 1 else "out_channels"
            raise ConvanimError(
                "bias" if self.spec.single_channel else culprit,
                "pooling has no weights or bias and pools every channel alike: "
                "its spec has one channel",
            )
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
        if self.mode is PoolMode.MAX and not self.count_include_pad:
            raise ConvanimError(
                "count_include_pad",
                "only average pooling counts padding (MaxPool has no such option)",
            )
        for index, axis in enumerate(self.windows.axes):
            try:
                reaching = axis.every_output_reads()
            except ConvanimError as error:  # the windows' reach is refused as the reads are
                raise ConvanimError(error.argument, error.rule, index) from None
            if not reaching:
                rule = (
                    "a pooling window would cover only padding (PyTorch gives -inf there; "
                    "convanim's own rule draws no such window)"
                )
                raise ConvanimError("padding", rule, index)

    @cached_property
    def windows(self) -> ConvSpec:
        """The spec whose windows are pooled: ``spec``, and in ceil mode the padding after
        each axis extended so the last, partial window fits (PyTorch pads it implicitly).

        PyTorch's rule: ceil((n + pb + pa - d*(k-1) - 1) / s) + 1 windows, one fewer if
        the last would start past the input and the padding before it.

        >>> Pooling(ConvSpec(input_size=5, kernel=2, stride=2), "max", ceil_mode=True).windows.padding
        ((0, 1),)
        """
        if not self.ceil_mode:
            return self.spec
        padding = []
        for axis in self.spec.axes:
            (pb, pa), s = axis.padding, axis.stride
            reach = axis.size + pb + pa - axis.kernel_extent
            count = -(-reach // s) + 1  # ceil(reach / s) + 1
            if (count - 1) * s >= axis.size + pb:
                count -= 1
            padding.append(
                (pb, pa + max(0, (count - 1) * s + axis.kernel_extent - axis.size - pb - pa))
            )
        return dataclasses.replace(self.spec, padding=tuple(padding))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The pooled output (output_size of ``windows``...), from the windows' taps."""
        spec = self.windows
        t = taps(spec)
        outputs = tuple(t.output.T)
        values = x[tuple(t.input.T)].astype(float)
        if self.mode is PoolMode.MAX:
            y = np.full(spec.output_size, -np.inf)
            np.maximum.at(y, outputs, values)
            return y
        y = np.zeros(spec.output_size)
        np.add.at(y, outputs, values)
        if not self.count_include_pad:
            return y / overlap_counts(spec)
        # The window's cells up to the end of the asked padding (PyTorch's divisor):
        # the implicit ceil-mode padding is not counted.
        per_axis = []
        for asked, axis in zip(self.spec.axes, spec.axes):
            starts = np.arange(axis.output_size) * axis.stride - axis.padding[0]
            ends = np.minimum(starts + axis.kernel, asked.size + asked.padding[1])
            per_axis.append(ends - starts)
        return y / functools.reduce(np.multiply.outer, per_axis)

    def winners(self, x: np.ndarray) -> np.ndarray:
        """Max pooling: the input position (output_size..., ndim) each output took.

        On ties the first cell in row-major order wins.
        """
        spec = self.windows
        t = taps(spec)
        values = x[tuple(t.input.T)]
        flat_out = flat_index(t.output, spec.output_size)
        # Taps are ordered by output then kernel position: the first maximum per output wins.
        order = np.lexsort((np.arange(len(values)), -values, flat_out))
        first = order[np.r_[True, np.diff(flat_out[order]) != 0]]
        return t.input[first].reshape((*spec.output_size, spec.ndim))


def ceil_mode_refusal(error: ConvanimError) -> ConvanimError:
    """``error``, saying that ceil mode does not change it if it refuses windows larger than
    the padded input (convanim's rule, see the module docstring)."""
    if error.argument != "kernel" or "padded input" not in error.rule:
        return error
    rule = f"{error.rule}; in ceil mode too (convanim's rule: PyTorch would pool what is there)"
    return ConvanimError(error.argument, rule, error.axis)
