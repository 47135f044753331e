"""``ConvSpec``: N axes of a convolution or transposed convolution, normalised on construction."""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Union

from convanim.errors import ConvanimError, quoted
from convanim.geometry.axis import AxisSpec

#: What the constructor accepts for a per-axis integer: one for every axis, or one per axis.
IntOrSequence = Union[int, Sequence[int]]  # noqa: UP007 (a runtime alias on Python 3.10)
#: Padding: an int, one entry per axis (an int or a (before, after) pair), or a name.
PaddingLike = Union[int, str, Sequence[Union[int, Sequence[int]]]]  # noqa: UP007

NAMED_PADDINGS = ("valid", "same", "full")
#: What the padding cells hold (PyTorch's ``padding_mode``): zeros, or copies of input cells.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
#: Most axes a spec has: PyTorch convolves 1 to 3, and every view stays a NumPy array.
MAX_AXES = 16


def check_axes(argument: str, ndim: int) -> None:
    """Refuse more than MAX_AXES axes, naming the argument that asked for them."""
    if ndim > MAX_AXES:
        raise ConvanimError(argument, f"gives {ndim:,} axes; a spec has at most {MAX_AXES}")


def _integer(argument: str, value: Any, minimum: int, axis: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConvanimError(argument, f"must be an integer, got {quoted(value)}", axis)
    if value < minimum:
        rule = "must be positive" if minimum == 1 else "must not be negative"
        raise ConvanimError(argument, f"{rule}, got {int(value)}", axis)
    return int(value)


def _per_axis(argument: str, value: Any, ndim: int, minimum: int) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        if len(value) != ndim:
            raise ConvanimError(
                argument, f"has {len(value)} values but {{input_size}} has {ndim} axes"
            )
        return tuple(_integer(argument, v, minimum, axis) for axis, v in enumerate(value))
    return (_integer(argument, value, minimum),) * ndim


def _padding_pairs(padding: Any, ndim: int) -> tuple[tuple[int, int], ...] | str:
    """Padding as one (before, after) pair per axis, or a padding name."""
    if isinstance(padding, str):
        if padding not in NAMED_PADDINGS:
            raise ConvanimError(
                "padding", f"must be an integer or one of {NAMED_PADDINGS}, got {quoted(padding)}"
            )
        return padding
    if not isinstance(padding, (tuple, list)):
        p = _integer("padding", padding, 0)
        return ((p, p),) * ndim
    if len(padding) != ndim:
        raise ConvanimError(
            "padding", f"has {len(padding)} values but {{input_size}} has {ndim} axes"
        )
    pairs = []
    for axis, entry in enumerate(padding):
        if isinstance(entry, (tuple, list)):
            if len(entry) != 2:
                raise ConvanimError(
                    "padding", f"a per-side pair needs 2 values, got {len(entry)}", axis
                )
            before, after = (_integer("padding", v, 0, axis) for v in entry)
            pairs.append((before, after))
        else:
            p = _integer("padding", entry, 0, axis)
            pairs.append((p, p))
    return tuple(pairs)


def _check_padding_mode(
    mode: Any, transposed: bool, sizes: tuple[int, ...], pairs: tuple[tuple[int, int], ...]
) -> str:
    """``mode`` when PyTorch allows it with this padding (rules tried on torch 2.13's
    ``F.pad``): a transposed convolution pads with zeros only; reflect needs each side
    below the input size (the edge cell is not repeated), circular at most the input size
    (it wraps once); replicate takes any padding."""
    if not isinstance(mode, str) or mode not in PADDING_MODES:
        raise ConvanimError(
            "padding_mode", f"must be one of {', '.join(PADDING_MODES)}, got {quoted(mode)}"
        )
    if mode == "zeros":
        return mode
    if transposed:
        raise ConvanimError(
            "padding_mode",
            f"{mode} is not defined for a transposed convolution: it pads with zeros only "
            "(PyTorch's rule)",
        )
    limits = {"reflect": ("below", 0), "circular": ("at most", 1)}
    if mode in limits:
        words, slack = limits[mode]
        for axis, (n, pair) in enumerate(zip(sizes, pairs)):
            if max(pair) >= n + slack:
                raise ConvanimError(
                    "padding_mode",
                    f"{mode} needs each side of {{padding}} {words} {{input_size}} ({n}), "
                    f"got {max(pair)}",
                    axis,
                )
    return mode


def _named_padding(name: str, n: int, k: int, s: int, d: int) -> tuple[int, int]:
    span = d * (k - 1)
    if name == "valid":
        return (0, 0)
    if name == "full":
        return (span, span)
    # "same": output ceil(n / s); the odd extra cell goes after (TensorFlow's rule).
    total = max((math.ceil(n / s) - 1) * s + span + 1 - n, 0)
    return (total // 2, total - total // 2)


@dataclass(frozen=True, init=False)
class ConvSpec:
    """One convolution or transposed convolution of any number of axes.

    The constructor takes every per-axis value as an int (the same on every
    axis) or a sequence with one value per axis; the number of axes comes from
    ``input_size``. Padding also takes (before, after) pairs per axis and the
    names "valid", "same" and "full" (convolution only). The fields hold the
    normalised form: tuples with one entry per axis, padding as pairs.

    ``padding_mode`` says what the padding cells hold, as PyTorch's: "zeros", or a copy
    of an input cell ("reflect", "replicate", "circular"; convolution only, see
    ``geometry.views.padding_sources``).

    Channels follow PyTorch's names and rules: ``groups`` splits the input and
    output channels into as many groups (both counts divisible by it), each output
    channel reads the input channels of its group, and ``bias`` adds one value per
    output channel. The spatial views (``geometry.views``) are the same for every
    pair of channels.

    >>> spec = ConvSpec(input_size=5, kernel=3, stride=2, padding=1)
    >>> spec.kernel, spec.padding, spec.output_size
    ((3,), ((1, 1),), (3,))
    >>> ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True).output_size
    (5, 5)
    >>> layer = ConvSpec(input_size=(5, 5), kernel=3, in_channels=4, out_channels=2, groups=2, bias=True)
    >>> layer.weight_shape, layer.bias_shape, layer.parameter_count
    ((2, 2, 3, 3), (2,), 38)
    >>> ConvSpec(input_size=3, kernel=3, padding=3, padding_mode="reflect")
    Traceback (most recent call last):
    ...
    convanim.errors.ConvanimError: padding_mode (axis 0): reflect needs each side of padding below input_size (3), got 3
    """

    input_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]
    transposed: bool
    in_channels: int
    out_channels: int
    groups: int
    bias: bool
    padding_mode: str
    #: Views computed from this spec (see ``geometry.views``), filled on first use.
    _views: dict[str, Any] = field(init=False, repr=False, compare=False, hash=False)

    def __init__(
        self,
        input_size: IntOrSequence,
        kernel: IntOrSequence,
        stride: IntOrSequence = 1,
        padding: PaddingLike = 0,
        dilation: IntOrSequence = 1,
        output_padding: IntOrSequence = 0,
        transposed: bool = False,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
        bias: bool = False,
        padding_mode: str = "zeros",
    ):
        for name, flag in (("transposed", transposed), ("bias", bias)):
            if not isinstance(flag, bool):
                raise ConvanimError(name, f"must be True or False, got {quoted(flag)}")
        channels = {
            name: _integer(name, value, 1)
            for name, value in (
                ("in_channels", in_channels),
                ("out_channels", out_channels),
                ("groups", groups),
            )
        }
        for name in ("in_channels", "out_channels"):
            if channels[name] % channels["groups"]:
                raise ConvanimError(
                    name,
                    f"must be divisible by {{groups}} ({channels['groups']}), got {channels[name]}",
                )
        if isinstance(input_size, (tuple, list)):
            if len(input_size) == 0:
                raise ConvanimError("input_size", "needs at least one axis")
            check_axes("input_size", len(input_size))
            sizes = tuple(_integer("input_size", v, 1, axis) for axis, v in enumerate(input_size))
        else:
            sizes = (_integer("input_size", input_size, 1),)
        ndim = len(sizes)
        kernels = _per_axis("kernel", kernel, ndim, 1)
        strides = _per_axis("stride", stride, ndim, 1)
        dilations = _per_axis("dilation", dilation, ndim, 1)
        output_paddings = _per_axis("output_padding", output_padding, ndim, 0)
        pairs = _padding_pairs(padding, ndim)
        if isinstance(pairs, str):
            if transposed and pairs != "valid":
                raise ConvanimError(
                    "padding",
                    f"{quoted(pairs)} is not defined for a transposed convolution; give explicit padding",
                )
            pairs = tuple(
                _named_padding(pairs, *axis) for axis in zip(sizes, kernels, strides, dilations)
            )
        for axis, (op, s, d) in enumerate(zip(output_paddings, strides, dilations)):
            if op and not transposed:
                raise ConvanimError(
                    "output_padding", "only applies to a transposed convolution", axis
                )
            if op >= max(s, d):
                raise ConvanimError(
                    "output_padding",
                    f"must be smaller than {{stride}} ({s}) or {{dilation}} ({d}), got {op}",
                    axis,
                )
        mode = _check_padding_mode(padding_mode, transposed, sizes, pairs)
        values = {
            "input_size": sizes,
            "kernel": kernels,
            "stride": strides,
            "padding": pairs,
            "dilation": dilations,
            "output_padding": output_paddings,
            "transposed": transposed,
            **channels,
            "bias": bias,
            "padding_mode": mode,
            "_views": {},
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)
        for axis, each in enumerate(self.axes):
            if each.output_size < 1:  # cropped away by padding, or the kernel does not fit
                culprit = "padding" if transposed else "kernel"
                raise ConvanimError(culprit, each.empty_output_rule(), axis)

    @property
    def ndim(self) -> int:
        return len(self.input_size)

    @cached_property
    def axes(self) -> tuple[AxisSpec, ...]:
        """The spec one axis at a time; every view factorises over them."""
        return tuple(
            AxisSpec(n, k, s, p, d, op, self.transposed, self.padding_mode)
            for n, k, s, p, d, op in zip(
                self.input_size,
                self.kernel,
                self.stride,
                self.padding,
                self.dilation,
                self.output_padding,
            )
        )

    @cached_property
    def output_size(self) -> tuple[int, ...]:
        """Output cells per axis (formulas in ``geometry.axis``)."""
        return tuple(axis.output_size for axis in self.axes)

    @property
    def single_channel(self) -> bool:
        """One input and one output channel: arrays may leave out their channel axes."""
        return self.in_channels == self.out_channels == 1

    @cached_property
    def spatial(self) -> ConvSpec:
        """This spec on one input and one output channel, without bias: the spatial
        arithmetic that every channel pair shares.

        >>> ConvSpec(input_size=5, kernel=3, in_channels=4, out_channels=2, groups=2).spatial.groups
        1
        """
        if self.single_channel and self.groups == 1 and not self.bias:
            return self
        return dataclasses.replace(self, in_channels=1, out_channels=1, groups=1, bias=False)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """PyTorch's weight layout: (out_channels, in_channels / groups, kernel...) for a
        convolution, (in_channels, out_channels / groups, kernel...) for a transposed one."""
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups, *self.kernel)
        return (self.out_channels, self.in_channels // self.groups, *self.kernel)

    @property
    def bias_shape(self) -> tuple[int] | None:
        """(out_channels,), or None without a bias."""
        return (self.out_channels,) if self.bias else None

    @property
    def parameter_count(self) -> int:
        """Weights and biases: what PyTorch's ``sum(p.numel() for p in layer.parameters())`` counts."""
        return math.prod(self.weight_shape) + (self.out_channels if self.bias else 0)

    @property
    def multiply_accumulates(self) -> int:
        """Products ``x * w`` with a real input cell: the spatial taps times the channel
        pairs ``out_channels * in_channels / groups``, in closed form for any size.

        >>> ConvSpec(input_size=3, kernel=3, padding=1).multiply_accumulates  # 3 taps meet padding
        7
        """
        taps = math.prod(axis.tap_count() for axis in self.axes)
        return taps * self.out_channels * (self.in_channels // self.groups)

    @property
    def dense_multiply_accumulates(self) -> int:
        """Products as profilers count them, padding and inserted zeros included: every
        output cell times every weight of its group, ``out_channels * prod(output_size) *
        in_channels / groups * prod(kernel)``.

        >>> ConvSpec(input_size=3, kernel=3, padding=1).dense_multiply_accumulates
        9
        """
        per_output = (self.in_channels // self.groups) * math.prod(self.kernel)
        return self.out_channels * math.prod(self.output_size) * per_output

    def group_channels(self, group: int) -> tuple[range, range]:
        """The input channels and the output channels of ``group``; each output reads every input.

        >>> ConvSpec(input_size=5, kernel=3, in_channels=4, out_channels=6, groups=2).group_channels(1)
        (range(2, 4), range(3, 6))
        """
        if not 0 <= group < self.groups:
            raise ConvanimError("group", f"must be in 0..{self.groups - 1}, got {group}")
        inputs, outputs = self.in_channels // self.groups, self.out_channels // self.groups
        return (
            range(group * inputs, (group + 1) * inputs),
            range(group * outputs, (group + 1) * outputs),
        )

    def transpose(self) -> ConvSpec:
        """The spec going the other way between the same two shapes.

        For a convolution: the transposed convolution from its output size back to
        its input size, with the output_padding PyTorch picks when given
        ``output_size``. For a transposed convolution: the convolution from its
        output size with the same kernel, stride, padding and dilation; refused when
        its output_padding reaches the stride (allowed below the dilation), since no
        convolution goes back between those shapes.

        Channels swap and groups stay, so the same weight tensor fits both: the spec
        returned, applied with the weights of this one, computes its adjoint ``C^T``
        (PyTorch's convention). The adjoint is linear: it has no bias.

        >>> ConvSpec(input_size=6, kernel=3, stride=2, padding=1).transpose().output_padding
        (1,)
        >>> ConvSpec(input_size=6, kernel=3, in_channels=4, out_channels=2, groups=2).transpose().weight_shape
        (2, 2, 3)
        """
        if self.padding_mode != "zeros":
            raise ConvanimError(
                "padding_mode",
                f"{self.padding_mode} copies input cells into the padding, and a transposed "
                "convolution pads with zeros only: no layer computes this one's transpose",
            )
        if self.transposed:
            for index, axis in enumerate(self.axes):
                if axis.output_padding >= axis.stride:
                    raise ConvanimError(
                        "output_padding",
                        f"{axis.output_padding} is not smaller than {{stride}} ({axis.stride}): "
                        f"no convolution maps the {axis.output_size} output cells back to "
                        f"{axis.size}, so this transposed convolution has no transpose",
                        index,
                    )
        extra = tuple(axis.transpose_output_padding() for axis in self.axes)
        return ConvSpec(
            input_size=self.output_size,
            kernel=self.kernel,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            output_padding=(0,) * self.ndim if self.transposed else extra,
            transposed=not self.transposed,
            in_channels=self.out_channels,
            out_channels=self.in_channels,
            groups=self.groups,
        )

    def with_leading_axes(self, ndim: int) -> ConvSpec:
        """The same op with size-1, kernel-1 axes in front, up to ``ndim`` axes.

        A 1-D spec drawn as a 2-D picture is one row: ``with_leading_axes(2)``.
        """
        extra = ndim - self.ndim
        if extra <= 0:
            return self
        return ConvSpec(
            input_size=(1,) * extra + self.input_size,
            kernel=(1,) * extra + self.kernel,
            stride=(1,) * extra + self.stride,
            padding=((0, 0),) * extra + self.padding,
            dilation=(1,) * extra + self.dilation,
            output_padding=(0,) * extra + self.output_padding,
            transposed=self.transposed,
            in_channels=self.in_channels,
            out_channels=self.out_channels,
            groups=self.groups,
            bias=self.bias,
            padding_mode=self.padding_mode,
        )

    @cached_property
    def unpadded(self) -> ConvSpec:
        """The same convolution on the padded input, with no padding of its own: what a
        ``padding_mode`` other than zeros applies after copying the padding cells (as
        PyTorch's ``conv(F.pad(x, mode=...))``).

        >>> ConvSpec(input_size=4, kernel=3, padding=((1, 2),), padding_mode="circular").unpadded.input_size
        (7,)
        """
        return ConvSpec(
            input_size=tuple(n + sum(pair) for n, pair in zip(self.input_size, self.padding)),
            kernel=self.kernel,
            stride=self.stride,
            dilation=self.dilation,
            in_channels=self.in_channels,
            out_channels=self.out_channels,
            groups=self.groups,
            bias=self.bias,
        )


def default_input_size(
    *,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: Sequence[Any],
    dilation: tuple[int, ...],
    output_padding: tuple[int, ...],
    transposed: bool,
    target: int = 5,
) -> tuple[int, ...]:
    """The input size the guide would draw: ``target`` cells in, or out for a transposed op.

    Per axis: a convolution takes ``target`` cells when its kernel fits, else the
    fewest cells that fit; a transposed convolution takes the input size whose
    output is nearest ``target`` cells (the larger on a tie, so k 3, s 2, p 1,
    output_padding 1 gets the guide's 3 -> 6). Arguments are per-axis tuples;
    ``padding`` holds one int, (before, after) pair or padding name per axis.

    >>> default_input_size(kernel=(3,), stride=(2,), padding=(1,), dilation=(1,),
    ...                    output_padding=(1,), transposed=True)
    (3,)
    """
    return tuple(
        _default_axis_size(k, s, p, d, op, transposed, target)
        for k, s, p, d, op in zip(kernel, stride, padding, dilation, output_padding)
    )


def _default_axis_size(
    k: int, s: int, padding: Any, d: int, op: int, transposed: bool, target: int
) -> int:
    """One axis of ``default_input_size``, in closed form (any kernel or dilation answers at once)."""
    if min(k, s, d) < 1:
        return target  # refused when the spec is built
    extent = d * (k - 1) + 1
    if isinstance(padding, str):  # "same" and "full" fit any input; "valid" pads nothing
        if transposed and padding != "valid":
            return target  # refused when the spec is built
        before = after = 0
        if padding != "valid" and not transposed:
            return target
    elif isinstance(padding, tuple):
        before, after = padding
    else:
        before = after = padding
    if not transposed:
        if op:
            return target  # refused when the spec is built
        return max(target, extent - before - after, 1)  # target, or the fewest cells that fit
    if op >= max(s, d):
        return target  # refused when the spec is built
    # output(n) = (n-1)*s + base grows with n: take the n whose output is nearest target,
    # the larger output on a tie, among the n >= 1 whose output is at least 1.
    base = extent + op - before - after
    smallest = max(1, 1 - ((base - 1) // s))  # the first n with (n-1)*s + base >= 1
    near = 1 + (target - base) // s
    candidates = {max(smallest, near), max(smallest, near + 1)}
    return min(candidates, key=lambda n: (abs((n - 1) * s + base - target), -n))
