"""The backward pass of a layer: what the gradient of a loss with respect to its output,
``dy``, says of its input, its weights and its bias.

A padding mode other than zeros copies input cells into the padding: the layer is the
same convolution on the padded input, so dw is taken there and each padding cell's share
of dx goes back to the input cell it copied (``views.fold_padding``).

The layer is linear in x, so ``y = C x`` and ``dx = C^T dy``: the input's gradient is
the transposed op applied to dy with the same weights (``apply_transpose``), the seed's
point. It is linear in w too: each weight's gradient is the sum, over every place the
weight was used, of the input cell it met times the dy of the output it reached, that
is the correlation of x with dy. The bias of an output channel reaches each of its
cells once: its gradient is dy summed over the channel.

Arrays are in PyTorch's layouts, as in ``apply``: x (in_channels, input_size...), w
``spec.weight_shape``, dy (out_channels, output_size...); a one-channel spec also
takes them without the channel axes.

>>> from convanim.geometry import ConvSpec
>>> spec = ConvSpec(input_size=4, kernel=2, stride=2, bias=True)
>>> x, w, dy = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, -1.0]), np.array([1.0, 10.0])
>>> grads = gradients(spec, x, w, dy)
>>> grads.dx.tolist(), grads.dw.tolist(), grads.db.tolist()
([1.0, -1.0, 10.0, -10.0], [31.0, 42.0], [11.0])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry.spec import ConvSpec
from convanim.geometry.views import (
    _check_entries,
    _with_channels,
    apply_transpose,
    padded_input,
)


@dataclass(frozen=True)
class Gradients:
    """The gradients of a layer's input, weights and bias, each shaped as what it is the
    gradient of (without the channel axes where x came without them)."""

    dx: np.ndarray  # as x
    dw: np.ndarray  # as w: spec.weight_shape, or (kernel...) for one channel given plainly
    db: np.ndarray | None  # (out_channels,), or None for a layer without a bias


def gradients(spec: ConvSpec, x: Any, w: Any, dy: Any) -> Gradients:
    """The gradients of ``spec`` at input ``x`` and weights ``w`` for the output gradient
    ``dy``: ``dx = C^T dy``, ``dw`` the correlation of x with dy, ``db`` dy summed per
    output channel."""
    plain = np.asarray(x).ndim == spec.ndim and spec.single_channel
    dx = apply_transpose(spec, dy, w)
    dw = weight_gradient(spec, x, dy)
    db = bias_gradient(spec, dy) if spec.bias else None
    return Gradients(dx, dw.reshape(spec.kernel) if plain else dw, db)


def weight_gradient(spec: ConvSpec, x: Any, dy: Any) -> np.ndarray:
    """``dw``, shaped ``spec.weight_shape``: for each weight, the sum of
    ``x[input cell] * dy[output cell]`` over the taps that use it.

    One kernel position at a time, as ``apply`` adds its terms: the position pairs a box
    of output cells with a strided box of input cells (``AxisSpec.tap_blocks``), and
    the gradient of its weights is one matrix product of dy's box with x's, per group.
    """
    if spec.padding_mode != "zeros":  # the weights met the padded input, copies and all
        by_channel, _ = _with_channels(spec, "x", x, spec.in_channels, spec.input_size)
        return weight_gradient(spec.unpadded, padded_input(spec, by_channel), dy)
    cells = spec.in_channels * math.prod(spec.input_size)
    cells += spec.out_channels * math.prod(spec.output_size)
    _check_entries(spec, "weight_gradient", math.prod(spec.weight_shape) + cells)
    x, _ = _with_channels(spec, "x", x, spec.in_channels, spec.input_size)
    dy, _ = _with_channels(spec, "dy", dy, spec.out_channels, spec.output_size)
    groups = spec.groups
    x_by_group = x.reshape(groups, spec.in_channels // groups, *spec.input_size)
    dy_by_group = dy.reshape(groups, spec.out_channels // groups, *spec.output_size)
    # Per group, output channel, input channel and kernel position (apply's matrices).
    grouped = np.zeros(
        (groups, spec.out_channels // groups, spec.in_channels // groups, *spec.kernel),
        dtype=np.result_type(x, dy, float),
    )
    per_axis = [axis.tap_blocks() for axis in spec.axes]
    every_channel = (slice(None), slice(None))
    for position in np.ndindex(spec.kernel):
        chosen = [axis_blocks[k] for axis_blocks, k in zip(per_axis, position)]
        if any(block is None for block in chosen):  # this position meets no input cell
            continue
        outputs = tuple(block[0] for block in chosen if block is not None)
        inputs = tuple(block[1] for block in chosen if block is not None)
        met = x_by_group[every_channel + inputs].reshape(groups, x_by_group.shape[1], -1)
        reached = dy_by_group[every_channel + outputs].reshape(groups, dy_by_group.shape[1], -1)
        at_position = (*every_channel, slice(None), *position)  # every channel pair
        grouped[at_position] = reached @ met.swapaxes(1, 2)
    if spec.transposed:  # PyTorch's layout: (in_channels, out_channels / groups, kernel...)
        return grouped.swapaxes(1, 2).reshape(spec.weight_shape)
    return grouped.reshape(spec.weight_shape)


def bias_gradient(spec: ConvSpec, dy: Any) -> np.ndarray:
    """``db`` (out_channels,): dy summed over each output channel's cells."""
    dy, _ = _with_channels(spec, "dy", dy, spec.out_channels, spec.output_size)
    return dy.reshape(spec.out_channels, -1).sum(axis=1)


def weight_gradient_spec(spec: ConvSpec) -> tuple[ConvSpec, tuple[slice, ...]]:
    """The convolution that computes ``spec``'s weight gradient, one output cell per
    weight, and the cells of its source it reads (the rest no tap of ``spec`` meets).

    Output cell k sums ``source[s j + d k - p_before] * kernel[j]`` over j, stride and
    dilation swapped: for a convolution the source is x and the kernel dy, for a
    transposed one the source is dy and the kernel x (where x stamped, dy is read). The
    padding after is lowered, and the source cropped, by what would give outputs past the
    last weight. A spec whose every weight meets padding alone (its dw is 0) is refused.
    With a padding mode other than zeros the weights met the padded input, copies and
    all: the source is that input, and the spec ``spec.unpadded``'s.

    With channels it is depthwise: one group per source channel c, whose output channels
    are c's weight gradients with each kernel channel j of c's group (``c * per_group +
    j``, ``per_group`` the kernel's channels per group); ``weight_gradient_operands``
    gives its input and weights, ``weight_gradient_pairs`` which weights each channel's are.

    >>> drawn, read = weight_gradient_spec(ConvSpec(input_size=6, kernel=3, stride=2))
    >>> drawn.input_size, drawn.kernel, drawn.stride, drawn.dilation, drawn.output_size, read
    ((5,), (2,), (1,), (2,), (3,), (slice(0, 5, None),))
    >>> layer = ConvSpec(input_size=6, kernel=3, in_channels=4, out_channels=6, groups=2)
    >>> drawn, _ = weight_gradient_spec(layer)
    >>> drawn.in_channels, drawn.out_channels, drawn.groups  # 4 x channels, 3 dy channels each
    (4, 12, 4)
    """
    if spec.padding_mode != "zeros":
        return weight_gradient_spec(spec.unpadded)
    source, kernel = spec.input_size, spec.output_size
    sources, kernels = spec.in_channels, spec.out_channels
    if spec.transposed:
        source, kernel = kernel, source
        sources, kernels = kernels, sources
    paddings, sizes = [], []
    for axis, n, k in zip(spec.axes, source, kernel):
        before, after = axis.padding
        span = n + before + after - axis.stride * (k - 1) - 1  # the last window's reach
        past = span // axis.dilation + 1 - axis.kernel  # outputs past the last weight
        after -= past * axis.dilation
        if n + after < 1:
            rule = "every weight meets padding alone (dw is 0 throughout): nothing to draw"
            raise ConvanimError("grad", rule)
        sizes.append(n + min(after, 0))
        paddings.append((before, max(after, 0)))
    drawn = ConvSpec(
        input_size=tuple(sizes),
        kernel=kernel,
        stride=spec.dilation,
        dilation=spec.stride,
        padding=tuple(paddings),
        in_channels=sources,
        out_channels=sources * (kernels // spec.groups),
        groups=sources,
    )
    return drawn, tuple(slice(0, n) for n in sizes)


def weight_gradient_operands(spec: ConvSpec, x: Any, dy: Any) -> tuple[np.ndarray, np.ndarray]:
    """The input and the weights of ``weight_gradient_spec(spec)``, channels first: the
    source (x, or dy for a transposed spec) cropped to the cells read, and as the kernel
    of output channel ``c * per_group + j``, kernel channel j of source channel c's group
    (of dy, or of x for a transposed spec). With a padding mode other than zeros, x is
    padded first (``views.padded_input``).

    >>> layer = ConvSpec(input_size=5, kernel=2, stride=2, in_channels=2, out_channels=2)
    >>> x, dy = np.arange(10.0).reshape(2, 5), np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> source, kernel = weight_gradient_operands(layer, x, dy)
    >>> source.tolist()  # x, its last cell (no window reaches it) cropped
    [[0.0, 1.0, 2.0, 3.0], [5.0, 6.0, 7.0, 8.0]]
    >>> kernel[:, 0].tolist()  # dy's channels 0 and 1, for each of x's
    [[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [3.0, 4.0]]
    """
    x, _ = _with_channels(spec, "x", x, spec.in_channels, spec.input_size)
    if spec.padding_mode != "zeros":
        return weight_gradient_operands(spec.unpadded, padded_input(spec, x), dy)
    drawn, read = weight_gradient_spec(spec)
    dy, _ = _with_channels(spec, "dy", dy, spec.out_channels, spec.output_size)
    source, kernel = (dy, x) if spec.transposed else (x, dy)
    groups, sources = spec.groups, drawn.in_channels
    by_group = kernel.reshape(groups, -1, *kernel.shape[1:])
    of_each_source = by_group[np.arange(sources) // (sources // groups)]
    every_channel: tuple[slice, ...] = (slice(None), *read)
    return source[every_channel], of_each_source.reshape(drawn.weight_shape)


def weight_gradient_pairs(spec: ConvSpec) -> np.ndarray:
    """(channels, 2): for each output channel of ``weight_gradient_spec(spec)``, the
    leading index into w (``spec.weight_shape[:2]``) of the weights whose gradient it
    holds. Its channel ``c * per_group + j`` pairs source channel c with kernel channel j
    of c's group: ``w[o, i]`` is x's channel i with dy's channel o (``[i, o]`` for a
    transposed spec, where the source is dy), i and o counted within their group.

    >>> layer = ConvSpec(input_size=4, kernel=3, in_channels=2, out_channels=3)
    >>> weight_gradient_pairs(layer).tolist()  # x's channel 0 with dy's 0, 1, 2; then x's 1
    [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]]
    """
    drawn, _ = weight_gradient_spec(spec)
    sources, groups = drawn.in_channels, spec.groups
    per_group = drawn.out_channels // sources
    source, kernel = np.divmod(np.arange(drawn.out_channels), per_group)
    group = source // (sources // groups)
    return np.stack([group * per_group + kernel, source % (sources // groups)], axis=1)
