"""Views of a spec: pure functions returning read-only arrays, computed once per spec.

Positions are rows of integer coordinates in axis order ``(axis 0, axis 1, ...)``,
i.e. ``(row, column)`` in 2-D; "row-major" orders them like ``np.ndindex``.
Every view is cached on the spec on first use, so a picture that needs the
canvas three times computes it once; the arrays are read-only so that nobody
downstream patches them.

Channels factorise from the spatial views: ``connectivity`` says which channel
pairs meet, the spatial views are the same for every pair, and ``channel_taps``
builds their product only when asked. Arrays with channels follow PyTorch:
x is (in_channels, input_size...), y (out_channels, output_size...) and w has
``spec.weight_shape``; a one-channel spec also takes them without channel axes.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, TypeVar

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry.axis import CellKind
from convanim.geometry.spec import ConvSpec

#: Largest number of entries ``dense_matrix`` builds (128 MiB of float64).
MATRIX_MAX_ENTRIES = 1 << 24
#: Largest number of array entries any other view builds (1 GiB of int64), checked from
#: the arithmetic before any array is made.
VIEW_MAX_ENTRIES = 1 << 27
#: Positions an array view computes stay below this (64-bit integers, with room to add).
POSITION_LIMIT = 1 << 62

View = TypeVar("View")


def _frozen(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
        if isinstance(value.base, np.ndarray):  # a view: its base must not change either
            value.base.flags.writeable = False
    elif is_dataclass(value):
        for each in fields(value):
            _frozen(getattr(value, each.name))
    return value


def _cached(function: Callable[[ConvSpec], View]) -> Callable[[ConvSpec], View]:
    """Compute ``function(spec)`` once per spec and hand out read-only arrays."""

    @functools.wraps(function)
    def cached(spec: ConvSpec) -> View:
        views = spec._views
        if function.__name__ not in views:
            views[function.__name__] = _frozen(function(spec))
        return views[function.__name__]

    return cached


def widest_term(spec: ConvSpec) -> str:
    """The argument that makes the widest axis of the canvas wide: what to change first.

    >>> widest_term(ConvSpec(input_size=(40, 5), kernel=3, padding=((0, 0), (30, 30))))
    'padding'
    """
    axis = max(spec.axes, key=lambda each: each.canvas_cells())
    terms = axis.canvas_parts()
    return max(terms, key=lambda name: terms[name])


def _check_entries(spec: ConvSpec, view: str, entries: int, argument: str | None = None) -> None:
    """Refuse a view of more than VIEW_MAX_ENTRIES array entries, naming ``argument`` (the
    widest term when None), or whose positions reach beyond the arrays' 64-bit integers
    (naming the largest value)."""
    if entries > VIEW_MAX_ENTRIES:
        raise ConvanimError(
            argument or widest_term(spec),
            f"{view} would hold {entries:,} array entries, more than VIEW_MAX_ENTRIES "
            f"({VIEW_MAX_ENTRIES:,}); choose a smaller spec",
        )
    for index, axis in enumerate(spec.axes):
        terms = {
            "input_size": axis.size,
            "kernel": axis.kernel,
            "stride": axis.stride,
            "padding": max(axis.padding),
            "dilation": axis.dilation,
        }
        reach = (axis.size + axis.output_size) * axis.stride + axis.kernel * axis.dilation
        reach += sum(axis.padding) + axis.output_padding
        if reach >= POSITION_LIMIT:
            culprit = max(terms, key=lambda name: terms[name])
            raise ConvanimError(
                culprit,
                f"{view} counts cells in 64-bit integers, and this axis reaches {reach:,}, "
                f"beyond {POSITION_LIMIT:,}; choose a smaller spec",
                index,
            )


def _tap_rows(spec: ConvSpec) -> int:
    """Rows of ``taps(spec)``, from the arithmetic."""
    return math.prod(axis.tap_count() for axis in spec.axes)


def grid_positions(shape: tuple[int, ...]) -> np.ndarray:
    """Every position of an array of ``shape``, as rows (prod(shape), ndim), row-major.

    >>> grid_positions((2, 2)).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    return np.stack(np.unravel_index(np.arange(math.prod(shape)), shape), axis=1)


def flat_index(positions: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Row-major flat index of each position row (N, ndim) in an array of ``shape``."""
    return np.ravel_multi_index(tuple(positions.T), shape)


@dataclass(frozen=True)
class Taps:
    """Every term ``x[input] * w[kernel]`` of ``y[output]``, one row per term.

    All three arrays have shape (T, ndim); rows are ordered by output position
    (row-major), then by kernel position (row-major). Zero padding contributes no
    terms; a padding cell of another mode contributes the term of the cell it copies.
    """

    output: np.ndarray
    input: np.ndarray
    kernel: np.ndarray

    def __len__(self) -> int:
        return len(self.output)


@_cached
def taps(spec: ConvSpec) -> Taps:
    """Every (output, input, kernel) triple with ``x[input] * w[kernel]`` a term of ``y[output]``.

    Validity factorises over axes, so the rows are built level by level (output
    cell, then kernel axis 0, 1, ...): each row of a level is repeated once per
    valid kernel index of the next axis, which yields the row-major order
    without sorting or a dense N-D mask.

    >>> t = taps(ConvSpec(input_size=3, kernel=2))
    >>> t.output.ravel().tolist(), t.input.ravel().tolist(), t.kernel.ravel().tolist()
    ([0, 0, 1, 1], [0, 1, 1, 2], [0, 1, 0, 1])
    """
    ndim = spec.ndim
    _check_entries(spec, "taps", 3 * ndim * _tap_rows(spec) + math.prod(spec.output_size) * ndim)
    output_columns = list(grid_positions(spec.output_size).T)
    kernel_columns: list[np.ndarray] = []
    for level, axis in enumerate(spec.axes):
        valid = axis.pairs()[1]
        per_output = valid.sum(axis=1)  # valid kernel indices for each output index
        valid_kernel = np.nonzero(valid)[1]  # those indices, grouped by output index
        first = np.cumsum(per_output) - per_output  # where each group starts
        children = per_output[output_columns[level]]
        row_first = np.cumsum(children) - children
        parents = np.repeat(np.arange(len(children)), children)  # each new row's parent
        # Concatenate, for every row, its group of valid kernel indices.
        picks = np.repeat(first[output_columns[level]] - row_first, children)
        picks += np.arange(len(picks))
        if level < ndim - 1:
            output_columns = [column[parents] for column in output_columns]
            kernel_columns = [column[parents] for column in kernel_columns]
            kernel_columns.append(valid_kernel[picks])
    # The last level writes straight into contiguous (ndim, T) arrays; the
    # (T, ndim) arrays handed out are their transposed views.
    output = np.empty((ndim, len(parents)), dtype=np.intp)
    kernel = np.empty_like(output)
    for row, column in enumerate(output_columns):
        np.take(column, parents, out=output[row])
    for row, column in enumerate(kernel_columns):
        np.take(column, parents, out=kernel[row])
    np.take(valid_kernel, picks, out=kernel[ndim - 1])
    del parents, picks
    inputs = np.empty_like(output)
    for row, axis in enumerate(spec.axes):
        axis.input_index(output[row], kernel[row], out=inputs[row])
        if axis.copies:  # a padding cell's term reads the input cell it copies
            inputs[row] = axis.padding_source()[inputs[row] + axis.padding[0]]
    return Taps(output=output.T, input=inputs.T, kernel=kernel.T)


@dataclass(frozen=True)
class Connectivity:
    """Which channels meet: group g links each input channel of ``group_inputs[g]`` with
    each output channel of ``group_outputs[g]``, through the same spatial taps.

    The pairs it links are rows, ordered by output channel, then input channel;
    ``weight[p]`` are the first two indices into w (PyTorch's layout) of pair p:
    (output, input - first input of the group) for a convolution, (input,
    output - first output of the group) for a transposed one.
    """

    group_inputs: np.ndarray  # (groups, in_channels / groups)
    group_outputs: np.ndarray  # (groups, out_channels / groups)
    output: np.ndarray  # (P,) output channel of each pair, P = out_channels * in_channels / groups
    input: np.ndarray  # (P,) input channel of each pair
    weight: np.ndarray  # (P, 2) the leading indices into w of each pair
    input_group: np.ndarray  # (in_channels,) the group of each input channel
    output_group: np.ndarray  # (out_channels,) the group of each output channel

    def __len__(self) -> int:
        return len(self.output)


@_cached
def connectivity(spec: ConvSpec) -> Connectivity:
    """The channel pairs of ``spec`` and their weights, group by group (see Connectivity).

    >>> pairs = connectivity(ConvSpec(input_size=5, kernel=3, in_channels=4, out_channels=2, groups=2))
    >>> pairs.group_inputs.tolist(), pairs.group_outputs.tolist()
    ([[0, 1], [2, 3]], [[0], [1]])
    >>> pairs.output.tolist(), pairs.input.tolist(), pairs.weight.tolist()
    ([0, 0, 1, 1], [0, 1, 2, 3], [[0, 0], [0, 1], [1, 0], [1, 1]])
    """
    pairs = spec.out_channels * (spec.in_channels // spec.groups)
    wider = "in_channels" if spec.in_channels >= spec.out_channels else "out_channels"
    _check_entries(
        spec, "connectivity", 5 * pairs + 2 * (spec.in_channels + spec.out_channels), wider
    )
    groups = [spec.group_channels(group) for group in range(spec.groups)]
    group_inputs = np.array([np.arange(inputs.start, inputs.stop) for inputs, _ in groups])
    group_outputs = np.array([np.arange(outputs.start, outputs.stop) for _, outputs in groups])
    per_input, per_output = group_inputs.shape[1], group_outputs.shape[1]
    # Each output channel of a group meets each input channel of it, inputs varying fastest.
    output = np.repeat(group_outputs, per_input, axis=1).ravel()
    input = np.tile(group_inputs, (1, per_output)).ravel()
    local_input = input - np.repeat(group_inputs[:, 0], per_output * per_input)
    local_output = output - np.repeat(group_outputs[:, 0], per_output * per_input)
    weight = np.stack([input, local_output] if spec.transposed else [output, local_input], axis=1)
    input_group = np.repeat(np.arange(spec.groups), per_input)
    output_group = np.repeat(np.arange(spec.groups), per_output)
    return Connectivity(
        group_inputs, group_outputs, output, input, weight, input_group, output_group
    )


@dataclass(frozen=True)
class ChannelTaps:
    """Every term ``x[input_channel, input] * w[weight]`` of ``y[output_channel, output]``.

    One row per term, ordered by output channel, output position (row-major), input
    channel, then kernel position; ``weight`` indexes w in PyTorch's layout.
    """

    output_channel: np.ndarray  # (N,)
    output: np.ndarray  # (N, ndim)
    input_channel: np.ndarray  # (N,)
    input: np.ndarray  # (N, ndim)
    weight: np.ndarray  # (N, 2 + ndim)

    def __len__(self) -> int:
        return len(self.output_channel)


def channel_taps(spec: ConvSpec) -> ChannelTaps:
    """The terms of every output with their channels: ``connectivity`` times ``taps``.

    This materialises the product, ``len(connectivity(spec))`` times as many rows as
    the spatial taps, on every call (it is not cached); ``apply`` and
    ``dense_matrix`` never build it.

    >>> terms = channel_taps(ConvSpec(input_size=2, kernel=2, in_channels=2, out_channels=2, groups=2))
    >>> terms.output_channel.tolist(), terms.input_channel.tolist(), terms.input.ravel().tolist()
    ([0, 0, 1, 1], [0, 0, 1, 1], [0, 1, 0, 1])
    >>> terms.weight.tolist()
    [[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 0, 1]]
    """
    rows = _tap_rows(spec) * spec.out_channels * (spec.in_channels // spec.groups)
    _check_entries(spec, "channel_taps", rows * (2 * spec.ndim + 4))
    spatial, pairs = taps(spec), connectivity(spec)
    per_group = spec.in_channels // spec.groups
    counts = np.bincount(
        flat_index(spatial.output, spec.output_size), minlength=math.prod(spec.output_size)
    )
    # One output channel's rows: the taps of each output cell, once per input channel of its group.
    block = counts * per_group
    cell = np.repeat(np.arange(len(counts)), block)
    within = np.arange(len(cell)) - np.repeat(np.cumsum(block) - block, block)
    tap = (np.cumsum(counts) - counts)[cell] + within % counts[cell]
    # Every output channel repeats that pattern over its pairs (input channels vary fastest).
    pair = (np.arange(spec.out_channels)[:, None] * per_group + within // counts[cell]).ravel()
    tap = np.tile(tap, spec.out_channels)
    return ChannelTaps(
        output_channel=pairs.output[pair],
        output=spatial.output[tap],
        input_channel=pairs.input[pair],
        input=spatial.input[tap],
        weight=np.concatenate([pairs.weight[pair], spatial.kernel[tap]], axis=1),
    )


@_cached
def read_inputs(spec: ConvSpec) -> np.ndarray:
    """Boolean (input_size...): the input cells at least one output reads.

    A cell is read when each of its coordinates is read on its own axis (the
    taps factorise), so this never builds the N-D taps.
    """
    _check_entries(spec, "read_inputs", math.prod(spec.input_size))
    read = np.ones((1,) * spec.ndim, dtype=bool)
    for index, axis in enumerate(spec.axes):
        shape = [1] * spec.ndim
        shape[index] = -1
        read = read & axis.read().reshape(shape)
    return np.broadcast_to(read, spec.input_size).copy()


@_cached
def unread_inputs(spec: ConvSpec) -> np.ndarray:
    """Positions (U, ndim) of the input cells that no output reads, row-major.

    >>> unread_inputs(ConvSpec(input_size=6, kernel=3, stride=2)).tolist()
    [[5]]
    """
    _check_entries(spec, "unread_inputs", unread_count(spec) * spec.ndim)
    return np.argwhere(~read_inputs(spec))


def _check_shape(argument: str, values: np.ndarray, shape: tuple[int, ...]) -> None:
    if np.shape(values) != shape:
        raise ConvanimError(argument, f"must have shape {shape}, got {np.shape(values)}")


def _with_channels(
    spec: ConvSpec, argument: str, values: Any, channels: int, size: tuple[int, ...]
) -> tuple[np.ndarray, bool]:
    """``values`` as (channels, size...), and whether they came without the channel axis
    (a one-channel spec's arrays may leave it out)."""
    values = np.asarray(values)
    plain = spec.single_channel and values.ndim != len(size) + 1
    _check_shape(argument, values, size if plain else (channels, *size))
    return values.reshape(channels, *size), plain


def _checked_weights(spec: ConvSpec, w: Any) -> np.ndarray:
    """w of shape ``spec.weight_shape``, or (kernel...) for a one-channel spec."""
    w = np.asarray(w)
    layout = not spec.single_channel or w.ndim == spec.ndim + 2
    _check_shape("w", w, spec.weight_shape if layout else spec.kernel)
    return w


def _grouped_weights(spec: ConvSpec, w: Any) -> np.ndarray:
    """w as (groups, out_channels / groups, in_channels / groups, kernel...): the matrix
    from each group's input channels to its output channels, per kernel position."""
    w = _checked_weights(spec, w)
    groups, inputs, outputs = spec.groups, spec.in_channels, spec.out_channels
    if spec.transposed:
        return w.reshape(groups, inputs // groups, outputs // groups, *spec.kernel).swapaxes(1, 2)
    return w.reshape(groups, outputs // groups, inputs // groups, *spec.kernel)


def _accumulate(
    spec: ConvSpec, source: np.ndarray, weights: np.ndarray, target: np.ndarray, adjoint: bool
) -> None:
    """Add every term into ``target``, one kernel position at a time.

    Each kernel position pairs a box of output cells with a strided box of input
    cells (``AxisSpec.tap_blocks``), the same for every channel pair: one matrix
    product per position over the channels of each group. ``source`` and ``target``
    are (channels, cells...): x and y, or y and x' for the adjoint. Each cell sums its
    terms in the order of the taps (by output cell, then kernel position), so a
    one-channel op adds the same numbers in the same order as a loop over ``taps``.
    """
    per_axis = [axis.tap_blocks() for axis in spec.axes]
    grouped_source = source.reshape(spec.groups, -1, *source.shape[1:])
    grouped_target = target.reshape(spec.groups, -1, *target.shape[1:])
    by_position = np.moveaxis(weights, range(3, 3 + spec.ndim), range(spec.ndim))
    positions = list(np.ndindex(spec.kernel))
    if adjoint and not spec.transposed:  # an input cell meets later outputs with earlier taps
        positions.reverse()
    for position in positions:
        chosen = [axis_blocks[k] for axis_blocks, k in zip(per_axis, position)]
        blocks = [block for block in chosen if block is not None]
        if len(blocks) < spec.ndim:  # this kernel position meets no input cell
            continue
        outputs = tuple(block[0] for block in blocks)
        inputs = tuple(block[1] for block in blocks)
        matrix = by_position[position]  # (groups, outputs per group, inputs per group)
        if adjoint:
            matrix, inputs, outputs = matrix.swapaxes(1, 2), outputs, inputs
        every_channel = (slice(None), slice(None))
        read = grouped_source[every_channel + inputs]
        products = matrix @ read.reshape(*read.shape[:2], -1)
        grouped_target[every_channel + outputs] += products.reshape(
            *products.shape[:2], *read.shape[2:]
        )


def unread_count(spec: ConvSpec) -> int:
    """How many input cells no output reads, in closed form: any input size answers at once.

    >>> unread_count(ConvSpec(input_size=(100_000, 100_000), kernel=3, stride=2))
    199999
    """
    for index, axis in enumerate(spec.axes):
        axis.check_reads(index)
    return math.prod(spec.input_size) - math.prod(axis.read_count() for axis in spec.axes)


def first_unread(spec: ConvSpec, limit: int) -> np.ndarray:
    """The first ``limit`` unread input positions (U, ndim), row-major, for any input size.

    A cell is unread when any of its coordinates is unread on its axis. The walk
    visits only coordinates that lead to unread cells, at most ``limit`` per axis,
    so it needs each axis's first ``limit`` unread cells, taken once: it costs about
    ``limit`` times the number of axes, never the number of input cells.

    >>> first_unread(ConvSpec(input_size=(100_000, 100_000), kernel=3, stride=2), 2).tolist()
    [[0, 99999], [1, 99999]]
    """
    axes = spec.axes
    for index, axis in enumerate(axes):
        axis.check_reads(index)
    unread = [list(itertools.islice(axis.unread_cells(), limit)) for axis in axes]
    # Whether the axes from ``level`` on hold any unread coordinate.
    unread_after = [any(unread[level:]) for level in range(spec.ndim)] + [False]
    found: list[tuple[int, ...]] = []

    def walk(prefix: tuple[int, ...], unread_so_far: bool) -> None:
        level = len(prefix)
        if level == spec.ndim:
            found.append(prefix)
            return
        if unread_so_far or unread_after[level + 1]:  # every coordinate leads to one
            unread_here = iter(unread[level])
            next_unread = next(unread_here, None)
            for index in range(spec.input_size[level]):
                if len(found) >= limit:
                    return
                is_unread = index == next_unread
                if is_unread:
                    next_unread = next(unread_here, None)
                walk((*prefix, index), unread_so_far or is_unread)
        else:  # only this axis's unread coordinates lead to one
            for index in unread[level]:
                if len(found) >= limit:
                    return
                walk((*prefix, index), True)

    walk((), False)
    return np.array(found, dtype=np.intp).reshape(-1, spec.ndim)


@_cached
def padding_sources(spec: ConvSpec) -> np.ndarray:
    """Int (padded_size..., ndim): the input position each cell of the padded input holds,
    -1 on every axis for a zero, padded size ``pb + n + pa`` per axis. A cell holds a
    value when it holds one on each axis (``AxisSpec.padding_source``): the copies
    compose over the axes, as ``F.pad`` pads the last axis, then the one before.

    >>> sources = padding_sources(ConvSpec(input_size=(2, 2), kernel=3, padding=1, padding_mode="replicate"))
    >>> sources[0, 0].tolist(), sources[3, 1].tolist()
    ([0, 0], [1, 0])
    >>> padding_sources(ConvSpec(input_size=2, kernel=3, padding=1))[:, 0].tolist()
    [-1, 0, 1, -1]
    """
    sizes = [axis.size + sum(axis.padding) for axis in spec.axes]
    _check_entries(spec, "padding_sources", math.prod(sizes) * spec.ndim)
    per_axis = [axis.padding_source() for axis in spec.axes]
    mesh = np.meshgrid(*per_axis, indexing="ij")
    sources = np.stack(mesh, axis=-1)
    sources[(sources < 0).any(axis=-1)] = -1
    return sources


def padded_input(spec: ConvSpec, x: np.ndarray) -> np.ndarray:
    """Float (channels, padded_size...): x (channels, input_size...) with its padding
    cells filled as ``spec.padding_mode`` says (``padding_sources``), like ``F.pad``:
    zeros where the source is -1.

    >>> padded_input(ConvSpec(input_size=3, kernel=3, padding=1), np.array([[1, 2, 3]])).tolist()
    [[0, 1, 2, 3, 0]]
    """
    _check_entries(spec, "padded_input", x.shape[0] * math.prod(spec.unpadded.input_size))
    for index, axis in enumerate(spec.axes):
        source = axis.padding_source()
        x = np.take(x, np.maximum(source, 0), axis=index + 1)
        x[(slice(None),) * (index + 1) + (source < 0,)] = 0
    return x


def fold_padding(spec: ConvSpec, padded: np.ndarray) -> np.ndarray:
    """Float (channels, input_size...): the adjoint of ``padded_input``, each padding
    cell's value added onto the input cell it copies (a zero's dropped), one axis at a time."""
    for index, axis in enumerate(spec.axes):
        moved = np.moveaxis(padded, index + 1, 0)
        folded = np.zeros((axis.size, *moved.shape[1:]), dtype=padded.dtype)
        source = axis.padding_source()
        np.add.at(folded, source[source >= 0], moved[source >= 0])
        padded = np.moveaxis(folded, 0, index + 1)
    return padded


def apply(spec: ConvSpec, x: Any, w: Any, b: Any = None) -> np.ndarray:
    """The op applied to ``x`` with weights ``w`` and, when given, bias ``b`` per output channel.

    x is (in_channels, input_size...), w ``spec.weight_shape`` (PyTorch's layout)
    and b (out_channels,), for a spec with a bias; the result is (out_channels,
    output_size...). A one-channel spec also takes x (input_size...) and w
    (kernel...), and then returns (output_size...). Without b no bias is added,
    as in PyTorch's ``F.conv2d(x, w)``.

    >>> apply(ConvSpec(input_size=3, kernel=2), np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0]))
    array([-1., -1.])
    >>> spec = ConvSpec(input_size=2, kernel=1, in_channels=2, out_channels=2, groups=2, bias=True)
    >>> apply(spec, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[[1.0]], [[-1.0]]]), b=np.array([0.5, 0.0]))
    array([[ 1.5,  2.5],
           [-3. , -4. ]])
    """
    x, plain = _with_channels(spec, "x", x, spec.in_channels, spec.input_size)
    if spec.padding_mode != "zeros":  # copy the padding cells, then convolve without padding
        y = apply(spec.unpadded, padded_input(spec, x), w, b)
        return y[0] if plain else y
    weights = _grouped_weights(spec, w)
    bias = np.zeros(0) if b is None else np.asarray(b)
    if b is not None:
        if spec.bias_shape is None:
            raise ConvanimError("b", "the spec has no bias ({bias} is False)")
        _check_shape("b", bias, spec.bias_shape)
    _check_entries(spec, "apply", spec.out_channels * math.prod(spec.output_size))
    y = np.zeros(
        (spec.out_channels, *spec.output_size), dtype=np.result_type(x, weights, bias, float)
    )
    _accumulate(spec, x, weights, y, adjoint=False)
    if b is not None:
        y += bias.reshape((-1,) + (1,) * spec.ndim)
    return y[0] if plain else y


def apply_transpose(spec: ConvSpec, y: Any, w: Any) -> np.ndarray:
    """The adjoint of ``apply`` without its bias: ``x' = C^T y``, each output's weight sent back.

    y is (out_channels, output_size...) and the result (in_channels,
    input_size...); a one-channel spec also takes y (output_size...) and w
    (kernel...), and then returns (input_size...). Equal to ``apply(spec.transpose(),
    y, w)`` with the same w wherever ``transpose`` exists (the transposed op is the
    adjoint, not the inverse). With a padding mode other than zeros, each padding
    cell's share goes back to the input cell it copied (``fold_padding``).
    """
    y, plain = _with_channels(spec, "y", y, spec.out_channels, spec.output_size)
    if spec.padding_mode != "zeros":  # the padded input's gradient, each copy folded back
        x = fold_padding(spec, apply_transpose(spec.unpadded, y, w))
        return x[0] if plain else x
    weights = _grouped_weights(spec, w)
    _check_entries(spec, "apply_transpose", spec.in_channels * math.prod(spec.input_size))
    x = np.zeros((spec.in_channels, *spec.input_size), dtype=np.result_type(y, weights, float))
    _accumulate(spec, y, weights, x, adjoint=True)
    return x[0] if plain else x


@_cached
def overlap_counts(spec: ConvSpec) -> np.ndarray:
    """Int (output_size...): how many taps reach each output cell (for a transposed op, stamps)."""
    _check_entries(spec, "overlap_counts", math.prod(spec.output_size))
    counts = np.zeros(spec.output_size, dtype=int)
    np.add.at(counts, tuple(taps(spec).output.T), 1)
    return counts


@_cached
def interior_overlap(spec: ConvSpec) -> np.ndarray:
    """The distinct tap counts of output cells away from the borders, ascending.

    Per axis the count depends only on the output's phase ``o mod s``; an N-D
    cell gets the product over its axes. One value means the overlap is uniform
    (no checkerboard).

    >>> interior_overlap(ConvSpec(input_size=4, kernel=3, stride=2, transposed=True)).tolist()
    [1, 2]
    """
    if spec.transposed:  # per axis (stride, kernel) arrays, then one count per phase
        steps = sum(s * k for s, k in zip(spec.stride, spec.kernel))
        _check_entries(spec, "interior_overlap", steps + math.prod(spec.stride))
    per_axis = [axis.interior_overlap() for axis in spec.axes]
    products = functools.reduce(np.multiply.outer, per_axis)
    return np.unique(products)


def _dense_shape(spec: ConvSpec) -> tuple[int, int]:
    """(outputs, inputs) of the dense matrix, refused above MATRIX_MAX_ENTRIES entries."""
    rows = spec.out_channels * math.prod(spec.output_size)
    cols = spec.in_channels * math.prod(spec.input_size)
    if rows * cols > MATRIX_MAX_ENTRIES:
        raise ConvanimError(
            "input_size",
            f"the dense {rows}x{cols} matrix would exceed {MATRIX_MAX_ENTRIES} entries; "
            "choose a smaller input",
        )
    return rows, cols


def _matrix_entries(spec: ConvSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and flat index into w (PyTorch's layout) of every entry of the dense
    matrix that holds a weight: one per channel pair and spatial tap.

    Rows run over (out_channels, output_size...) and columns over (in_channels,
    input_size...), row-major, like ``y.ravel()`` and ``x.ravel()``.
    """
    spatial, pairs = taps(spec), connectivity(spec)
    rows = pairs.output[:, None] * math.prod(spec.output_size)
    rows = rows + flat_index(spatial.output, spec.output_size)
    columns = pairs.input[:, None] * math.prod(spec.input_size)
    columns = columns + flat_index(spatial.input, spec.input_size)
    weights = flat_index(pairs.weight, spec.weight_shape[:2])[:, None] * math.prod(spec.kernel)
    weights = weights + flat_index(spatial.kernel, spec.kernel)
    return rows.ravel(), columns.ravel(), weights.ravel()


def dense_matrix(spec: ConvSpec, w: Any) -> np.ndarray:
    """Dense C, shape (out_channels * prod(output_size), in_channels * prod(input_size)),
    with ``y.ravel() == C @ x.ravel()``; w as ``apply`` takes it.

    >>> dense_matrix(ConvSpec(input_size=3, kernel=2), np.array([1.0, -1.0]))
    array([[ 1., -1.,  0.],
           [ 0.,  1., -1.]])
    """
    rows, cols = _dense_shape(spec)
    flat_weights = _checked_weights(spec, w).reshape(-1)
    matrix = np.zeros((rows, cols), dtype=np.result_type(flat_weights, float))
    row, column, weight = _matrix_entries(spec)
    np.add.at(matrix, (row, column), flat_weights[weight])
    return matrix


@_cached
def kernel_index_matrix(spec: ConvSpec) -> np.ndarray:
    """Int array shaped like ``dense_matrix``: the flat index into w (PyTorch's layout;
    for one channel, the flat kernel position) behind each entry, -1 if none; refused
    where an entry sums several weights (a padding mode's copy meeting the cell it copies
    under one kernel).

    >>> kernel_index_matrix(ConvSpec(input_size=3, kernel=2, padding=1, padding_mode="circular"))
    array([[ 1, -1,  0],
           [ 0,  1, -1],
           [-1,  0,  1],
           [ 1, -1,  0]])
    """
    rows, cols = _dense_shape(spec)
    index = np.full((rows, cols), -1)
    row, column, weight = _matrix_entries(spec)
    if np.unique(row * cols + column).size < row.size:
        raise ConvanimError(
            "padding_mode",
            f"{spec.padding_mode} copies input cells into the padding, and here a kernel meets "
            "a cell and its copy at once: that entry of C sums two weights, so no one weight "
            "names it",
        )
    index[row, column] = weight
    return index


@dataclass(frozen=True)
class CanvasView:
    """The picture of an op as a convolution swept over a canvas.

    For a convolution the canvas is the padded input and the kernel moves by the
    stride. For a transposed convolution it is Dumoulin & Visin's equivalent
    convolution: the input with ``s-1`` zeros inserted between cells, padded by
    ``d*(k-1) - pb`` before and ``d*(k-1) - pa + output_padding`` after, swept by
    the flipped kernel with stride 1. A negative padding crops the zero-inserted
    input; the cropped cells are kept, flagged, outside the canvas.

    Coordinates are those of the *grid*, which covers the canvas and any
    cropped cells; canvas cell 0 sits at ``canvas_origin``.
    """

    kinds: np.ndarray  # (grid...) CellKind of every grid cell
    input_index: np.ndarray  # (grid..., ndim) input position of INPUT cells, -1 elsewhere
    source_index: (
        np.ndarray
    )  # (grid..., ndim) input position whose value a cell holds, -1 for a zero
    copied: np.ndarray  # (grid...) bool, padding cells holding a copy (a mode other than zeros)
    input_cells: np.ndarray  # (input_size..., ndim) grid position of every input cell
    cropped: np.ndarray  # (grid...) bool, outside the canvas (only when padding < 0)
    unread: np.ndarray  # (grid...) bool, real input cells that no output reads
    canvas_origin: tuple[int, ...]  # grid position of canvas cell 0
    canvas_size: tuple[int, ...]  # canvas cells per axis
    step: tuple[int, ...]  # grid cells the kernel moves per output cell
    footprint_offsets: np.ndarray  # (K, ndim) grid offsets of the kernel taps
    footprint_kernel: np.ndarray  # (K, ndim) kernel position used at each tap
    first_tap: int  # the footprint row that weights by the kernel's first tap w[0, ...]
    input_size: tuple[int, ...]
    output_size: tuple[int, ...]

    @property
    def grid_size(self) -> tuple[int, ...]:
        return self.kinds.shape

    def footprint(self, output_position: Any) -> np.ndarray:
        """Grid positions (K, ndim) of the cells under the kernel for one output cell."""
        corner = np.asarray(self.canvas_origin) + np.asarray(output_position) * self.step
        return corner + self.footprint_offsets


@_cached
def canvas(spec: ConvSpec) -> CanvasView:
    """The canvas picture: padded input (conv) or zero-inserted, re-padded input (transposed).

    >>> view = canvas(ConvSpec(input_size=2, kernel=3, stride=2, transposed=True))
    >>> [CellKind(kind).name for kind in view.kinds]
    ['PADDING', 'PADDING', 'INPUT', 'INSERTED_ZERO', 'INPUT', 'PADDING', 'PADDING']
    """
    ndim = spec.ndim
    grid_cells = math.prod(axis.canvas_cells() for axis in spec.axes)
    fixed = (math.prod(spec.input_size) + math.prod(spec.kernel)) * ndim
    _check_entries(spec, "canvas", grid_cells * (3 * ndim + 6) + fixed)
    per_axis = [axis.canvas() for axis in spec.axes]
    grid = tuple(len(axis.kinds) for axis in per_axis)
    mesh = np.meshgrid(*[np.arange(g) for g in grid], indexing="ij")
    # A cell is padding if it is padding on any axis, else a zero if a zero on any axis.
    on_axes = [axis.kinds[mesh[index]] for index, axis in enumerate(per_axis)]
    padding = np.logical_or.reduce([kind == CellKind.PADDING for kind in on_axes])
    zero = np.logical_or.reduce([kind == CellKind.INSERTED_ZERO for kind in on_axes])
    kinds = np.where(
        padding, CellKind.PADDING, np.where(zero, CellKind.INSERTED_ZERO, CellKind.INPUT)
    ).astype(np.int8)
    cropped = np.logical_or.reduce(
        [axis.cropped[mesh[index]] for index, axis in enumerate(per_axis)]
    )
    input_index = np.stack(
        [axis.input_index[mesh[index]] for index, axis in enumerate(per_axis)], axis=-1
    )
    is_input = kinds == CellKind.INPUT
    input_index[~is_input] = -1
    # A convolution's canvas is its padded input; a transposed one's copies nothing.
    source_index = input_index if spec.transposed else padding_sources(spec)
    copied = (kinds == CellKind.PADDING) & (source_index >= 0).all(axis=-1)
    input_cells = np.empty((*spec.input_size, ndim), dtype=np.intp)
    input_cells[tuple(input_index[is_input].T)] = np.argwhere(is_input)
    unread = np.zeros(grid, dtype=bool)
    unread[is_input] = ~read_inputs(spec)[tuple(input_index[is_input].T)]
    kernel_positions = grid_positions(spec.kernel)
    if spec.transposed:  # the equivalent convolution sweeps the flipped kernel
        footprint_kernel = np.asarray(spec.kernel) - 1 - kernel_positions
    else:
        footprint_kernel = kernel_positions
    return CanvasView(
        kinds=kinds,
        input_index=input_index,
        source_index=source_index,
        copied=copied,
        input_cells=input_cells,
        cropped=cropped,
        unread=unread,
        canvas_origin=tuple(axis.origin for axis in per_axis),
        canvas_size=tuple(axis.size for axis in per_axis),
        step=tuple(axis.step for axis in per_axis),
        footprint_offsets=kernel_positions * np.asarray(spec.dilation),
        footprint_kernel=footprint_kernel,
        first_tap=int(np.flatnonzero(~footprint_kernel.any(axis=1))[0]),
        input_size=spec.input_size,
        output_size=spec.output_size,
    )


def canvas_values(spec: ConvSpec, x: np.ndarray) -> np.ndarray:
    """Float (grid...) of the canvas: ``x`` on input cells and on the padding cells that
    copy one (``CanvasView.source_index``), 0 on inserted zeros and zero padding."""
    view = canvas(spec)
    values = np.zeros(view.grid_size)
    holds = (view.source_index >= 0).all(axis=-1)
    values[holds] = x[tuple(view.source_index[holds].T)]
    return values


@dataclass(frozen=True)
class ScatterView:
    """A transposed convolution as stamps: input cell i adds ``x[i] * w`` onto the output.

    Row ``n`` of ``input`` is an input position (row-major); ``cells[n]`` are the
    output positions its stamp covers, in kernel order (``kernel``), and
    ``inside[n]`` whether each is a real output cell (False where the padding
    crops the stamp). The *grid* covers the output and every cropped stamp
    cell; ``grid_cells`` are ``cells`` in grid positions, output cell 0 sits at
    ``grid_origin``, and ``counts[n]`` is how many stamps reached each grid
    cell once stamp n is down.
    """

    input: np.ndarray  # (N, ndim)
    kernel: np.ndarray  # (K, ndim)
    cells: np.ndarray  # (N, K, ndim) output positions, may lie outside the output
    inside: np.ndarray  # (N, K) bool
    output_size: tuple[int, ...]
    grid_origin: tuple[int, ...]  # grid position of output cell 0
    grid_cells: np.ndarray  # (N, K, ndim) grid positions of the stamp cells
    grid_inside: np.ndarray  # (grid...) bool: the real output cells
    counts: np.ndarray  # (N, grid...) int: stamps received so far, after each stamp

    def output_index(self, axis: int) -> np.ndarray:
        """Int (grid cells on ``axis``,): the output index each grid position holds on
        ``axis``, -1 beyond the output (where only cropped stamp cells land).

        >>> scatter(ConvSpec(input_size=2, kernel=3, stride=2, padding=1, transposed=True)).output_index(0).tolist()
        [-1, 0, 1, 2, -1]
        """
        index = np.arange(self.grid_inside.shape[axis]) - self.grid_origin[axis]
        return np.where((index >= 0) & (index < self.output_size[axis]), index, -1)


def _stamped(
    view_cells: np.ndarray, inside: np.ndarray, grid: tuple[int, ...], weights: np.ndarray
) -> np.ndarray:
    """(N, grid...) running sums: stamp n adds ``weights[n, k]`` at grid cell ``view_cells[n, k]``
    wherever ``inside[n, k]`` (a stamp covers distinct cells, so plain assignment suffices)."""
    added = np.zeros((len(view_cells), math.prod(grid)), dtype=weights.dtype)
    rows, columns = np.nonzero(inside)
    added[rows, flat_index(view_cells[rows, columns], grid)] = weights[rows, columns]
    return np.cumsum(added, axis=0).reshape(len(view_cells), *grid)


@_cached
def scatter(spec: ConvSpec) -> ScatterView:
    """The stamp picture of a transposed convolution (see ScatterView).

    >>> view = scatter(ConvSpec(input_size=2, kernel=3, stride=2, padding=1, transposed=True))
    >>> view.cells[:, :, 0].tolist(), view.grid_origin
    ([[-1, 0, 1], [1, 2, 3]], (1,))
    """
    if not spec.transposed:
        raise ConvanimError(
            "transposed", "the scatter view exists only for a transposed convolution"
        )
    stamps, taps_per_stamp = math.prod(spec.input_size), math.prod(spec.kernel)
    grid_cells = math.prod(axis.scatter_cells() for axis in spec.axes)
    _check_entries(spec, "scatter", stamps * (taps_per_stamp * (2 * spec.ndim + 1) + grid_cells))
    inputs = grid_positions(spec.input_size)
    kernel = grid_positions(spec.kernel)
    cells = np.stack(
        [
            axis.stamp_position(inputs[:, None, index], kernel[None, :, index])
            for index, axis in enumerate(spec.axes)
        ],
        axis=-1,
    )
    inside = np.all((cells >= 0) & (cells < np.asarray(spec.output_size)), axis=-1)
    flat = cells.reshape(-1, spec.ndim)
    low = np.minimum(flat.min(axis=0), 0)
    grid = tuple(int(v) for v in np.maximum(flat.max(axis=0) + 1, spec.output_size) - low)
    grid_inside = np.zeros(grid, dtype=bool)
    grid_inside[tuple(slice(-lo, -lo + n) for lo, n in zip(low, spec.output_size))] = True
    grid_cells = cells - low
    return ScatterView(
        input=inputs,
        kernel=kernel,
        cells=cells,
        inside=inside,
        output_size=spec.output_size,
        grid_origin=tuple(int(-lo) for lo in low),
        grid_cells=grid_cells,
        grid_inside=grid_inside,
        counts=_stamped(grid_cells, inside, grid, inside.astype(int)),
    )


def scatter_running_sums(spec: ConvSpec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Float (N, grid...): the scatter grid after each stamp ``x[i] * w``, cropped cells 0.

    The last entry, on the real output cells, is the transposed convolution of ``x``.
    """
    view = scatter(spec)
    weights = (x.reshape(-1)[:, None] * w.reshape(-1)[None, :]).astype(float)
    return _frozen(_stamped(view.grid_cells, view.inside, view.grid_inside.shape, weights))
