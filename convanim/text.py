"""Text about a spec or a network: the size formula with numbers, the equivalent PyTorch layer,
a network's table, JSON records."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from convanim.geometry import (
    ConvSpec,
    Pooling,
    PoolMode,
    first_unread,
    interior_overlap,
    overlap_counts,
    unread_count,
)
from convanim.geometry.network import (
    AxisSummary,
    Field,
    Network,
    Reach,
    default_cell,
    rows_box,
    rows_cells,
    rows_holes,
    summaries,
)

#: Groups listed one per line by ``channel_lines``; the rest are counted.
GROUPS_SHOWN = 8


def shape_text(spec: ConvSpec) -> str:
    """The input and output sizes.

    >>> shape_text(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1))
    '5x5 -> 3x3'
    >>> shape_text(ConvSpec(input_size=(5, 5), kernel=3, in_channels=3, out_channels=2))
    '3x5x5 -> 2x3x3'
    """
    if spec.single_channel:
        return f"{size_text(spec.input_size)} -> {size_text(spec.output_size)}"
    before = size_text((spec.in_channels, *spec.input_size))
    return f"{before} -> {size_text((spec.out_channels, *spec.output_size))}"


def size_text(size: tuple[int, ...]) -> str:
    """``5x7``."""
    return "x".join(map(str, size))


def counted(count: int, noun: str) -> str:
    """``count`` of ``noun``, plural unless one.

    >>> counted(1, "channel"), counted(3, "channel")
    ('1 channel', '3 channels')
    """
    return f"{count} {noun}" + ("" if count == 1 else "s")


def compact(values: tuple[Any, ...] | list[Any]) -> str:
    """Per-axis values as one token: ``3`` when all axes agree, else ``3x2``."""
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def padding_text(padding: tuple[tuple[int, int], ...], side: str = ":", joiner: str = ",") -> str:
    """Padding as typed: ``1`` when every side agrees, else per axis, ``before:after`` if uneven.

    >>> padding_text(((1, 1), (1, 1))), padding_text(((1, 0), (0, 1))), padding_text(((2, 2), (0, 0)))
    ('1', '1:0,0:1', '2,0')
    """
    per_axis = [f"{pb}{side}{pa}" if pb != pa else str(pb) for pb, pa in padding]
    return per_axis[0] if len(set(per_axis)) == 1 else joiner.join(per_axis)


def parameter_tokens(spec: ConvSpec, side: str = ":") -> list[str]:
    """The kernel, then every parameter that is not its default, as short tokens.

    Asymmetric padding is written ``before{side}after`` per axis.

    >>> parameter_tokens(ConvSpec(input_size=5, kernel=3, stride=2, padding=[(1, 2)]))
    ['k3', 's2', 'p1:2']
    """
    tokens = [f"k{compact(spec.kernel)}"]
    if set(spec.stride) != {1}:
        tokens.append(f"s{compact(spec.stride)}")
    if any(p for pair in spec.padding for p in pair):
        tokens.append(f"p{padding_text(spec.padding, side, 'x')}")
    if set(spec.dilation) != {1}:
        tokens.append(f"d{compact(spec.dilation)}")
    if set(spec.output_padding) != {0}:
        tokens.append(f"op{compact(spec.output_padding)}")
    return tokens


def formula_lines(spec: ConvSpec) -> list[str]:
    """The output-size formula of every axis with the spec's numbers substituted."""
    lines = []
    for index, axis in enumerate(spec.axes):
        n, k, s, d, op = axis.size, axis.kernel, axis.stride, axis.dilation, axis.output_padding
        (pb, pa), out = axis.padding, axis.output_size
        if spec.transposed:
            text = (
                f"({n}-1)*{s} - {pb} - {pa} + {d}*({k}-1) + {op} + 1 = {out}"
                "   [(n-1)*s - p_before - p_after + d*(k-1) + output_padding + 1]"
            )
        else:
            text = (
                f"floor(({n} + {pb} + {pa} - {d}*({k}-1) - 1) / {s}) + 1 = {out}"
                "   [floor((n + p_before + p_after - d*(k-1) - 1) / s) + 1]"
            )
        lines.append(f"axis {index}: {text}")
    return lines


def _torch_value(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(values)


def torch_lines(spec: ConvSpec) -> list[str]:
    """The equivalent PyTorch layer call, plus the F.pad or crop that asymmetric padding needs.

    A one-channel spec prints ``(1, 1, ...)`` whatever its bias (PyTorch's layer has
    one: zero it for the op without); with channels, ``bias=False`` says there is none.

    >>> torch_lines(ConvSpec(input_size=5, kernel=3, in_channels=4, out_channels=2, groups=2))
    ['torch.nn.Conv1d(4, 2, kernel_size=3, groups=2, bias=False)']
    >>> torch_lines(ConvSpec(input_size=5, kernel=3, padding=1, padding_mode="reflect"))
    ["torch.nn.Conv1d(1, 1, kernel_size=3, padding=1, padding_mode='reflect')"]
    """
    if spec.ndim > 3:
        return [f"# PyTorch has no {spec.ndim}-D convolution layer"]
    symmetric = all(pb == pa for pb, pa in spec.padding)
    layer = f"torch.nn.Conv{'Transpose' if spec.transposed else ''}{spec.ndim}d"
    arguments = [f"kernel_size={_torch_value(spec.kernel)}"]
    if any(s != 1 for s in spec.stride):
        arguments.append(f"stride={_torch_value(spec.stride)}")
    padding = tuple(pb for pb, _ in spec.padding) if symmetric else (0,) * spec.ndim
    if any(padding):
        arguments.append(f"padding={_torch_value(padding)}")
    if any(op for op in spec.output_padding):
        arguments.append(f"output_padding={_torch_value(spec.output_padding)}")
    if any(d != 1 for d in spec.dilation):
        arguments.append(f"dilation={_torch_value(spec.dilation)}")
    if spec.groups != 1:
        arguments.append(f"groups={spec.groups}")
    if not spec.bias and not spec.single_channel:
        arguments.append("bias=False")
    copying = spec.padding_mode != "zeros"
    if copying and symmetric:  # asymmetric padding copies in F.pad, below
        arguments.append(f"padding_mode={spec.padding_mode!r}")
    lines = [f"{layer}({spec.in_channels}, {spec.out_channels}, {', '.join(arguments)})"]
    if not symmetric:
        if spec.transposed:
            crop = ", ".join(f"{pb}:{f'-{pa}' if pa else ''}" for pb, pa in spec.padding)
            lines.append(f"# asymmetric padding: crop the output, y = y[..., {crop}]")
        else:
            # F.pad lists (before, after) pairs starting from the last axis.
            pairs = ", ".join(f"{pb}, {pa}" for pb, pa in reversed(spec.padding))
            mode = f", mode={spec.padding_mode!r}" if copying else ""
            lines.append(f"# asymmetric padding: pad first, x = F.pad(x, ({pairs}){mode})")
    return lines


def _channels_text(channels: range, kind: str) -> str:
    """``input channel 3`` or ``input channels 0..3``."""
    if len(channels) == 1:
        return f"{kind} channel {channels.start}"
    return f"{kind} channels {channels.start}..{channels.stop - 1}"


def channel_lines(spec: ConvSpec) -> list[str]:
    """The channels and groups, weight and bias shapes, parameters and multiply-accumulates
    of a spec with channels or a bias; nothing for a one-channel spec without one.

    >>> spec = ConvSpec(input_size=5, kernel=3, in_channels=4, out_channels=2, groups=2, bias=True)
    >>> print("\\n".join(channel_lines(spec)))
    channels: 4 in, 2 out, 2 groups: each output channel reads 2 of the 4 input channels
      group 0: input channels 0..1 -> output channel 0
      group 1: input channels 2..3 -> output channel 1
    weight (2, 2, 3), bias (2,): 14 parameters
    multiply-accumulates: 36
    """
    if spec.single_channel and not spec.bias:
        return []
    lines = []
    if not spec.single_channel:
        per_group = len(spec.group_channels(0)[0])
        if spec.groups == 1:
            reads = (
                "every output channel reads the input channel"
                if spec.in_channels == 1
                else f"every output channel reads all {spec.in_channels} input channels"
            )
            lines.append(f"channels: {spec.in_channels} in, {spec.out_channels} out: {reads}")
        else:
            reads = (
                f"each output channel reads {per_group} of the {spec.in_channels} input channels"
            )
            lines.append(
                f"channels: {spec.in_channels} in, {spec.out_channels} out, "
                f"{spec.groups} groups: {reads}"
            )
            for group in range(min(spec.groups, GROUPS_SHOWN)):
                inputs, outputs = spec.group_channels(group)
                lines.append(
                    f"  group {group}: {_channels_text(inputs, 'input')} -> "
                    f"{_channels_text(outputs, 'output')}"
                )
            if spec.groups > GROUPS_SHOWN:
                lines.append(f"  ... ({spec.groups:,} groups in all)")
    bias = f", bias {spec.bias_shape}" if spec.bias else ""
    lines.append(f"weight {spec.weight_shape}{bias}: {spec.parameter_count:,} parameters")
    exact, dense = spec.multiply_accumulates, spec.dense_multiply_accumulates
    products = f"multiply-accumulates: {exact:,}"
    if dense != exact:
        products += (
            f" with real input cells ({dense:,} counting padding and inserted zeros, "
            "as profilers do)"
        )
    lines.append(products)
    return lines


def unread_text(spec: ConvSpec) -> str | None:
    """One line naming the input cells no output reads, or None when every cell is read."""
    count = unread_count(spec)
    if count == 0:
        return None
    shown = ", ".join(str(tuple(map(int, cell))) for cell in first_unread(spec, 8))
    more = f", ... ({count} in all)" if count > 8 else ""
    return f"input cells never read: {shown}{more}"


#: Unread input cells listed in a JSON record; ``unread_count`` says how many there are.
RECORD_UNREAD_MAX = 1000


def spec_record(spec: ConvSpec) -> dict[str, Any]:
    """A JSON-ready record of the spec and its arithmetic, for any input size and channels.

    ``unread_inputs`` lists the first ``RECORD_UNREAD_MAX`` unread cells, row-major;
    the channel fields, weight and bias shapes and counts follow the older fields, and
    the padding mode (PyTorch's ``padding_mode``) last.
    """
    return {
        "transposed": spec.transposed,
        "input_size": list(spec.input_size),
        "kernel": list(spec.kernel),
        "stride": list(spec.stride),
        "padding": [list(pair) for pair in spec.padding],
        "dilation": list(spec.dilation),
        "output_padding": list(spec.output_padding),
        "output_size": list(spec.output_size),
        "unread_count": unread_count(spec),
        "unread_inputs": first_unread(spec, RECORD_UNREAD_MAX).tolist(),
        "torch": torch_lines(spec),
        "in_channels": spec.in_channels,
        "out_channels": spec.out_channels,
        "groups": spec.groups,
        "bias": spec.bias,
        "weight_shape": list(spec.weight_shape),
        "bias_shape": None if spec.bias_shape is None else list(spec.bias_shape),
        "parameter_count": spec.parameter_count,
        "multiply_accumulates": spec.multiply_accumulates,
        "dense_multiply_accumulates": spec.dense_multiply_accumulates,
        "padding_mode": spec.padding_mode,
    }


def pooling_torch_lines(pooling: Pooling) -> list[str]:
    """The equivalent PyTorch pooling layer, or why there is none.

    >>> pooling_torch_lines(Pooling(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1), "avg"))
    ['torch.nn.AvgPool2d(kernel_size=3, stride=2, padding=1)']
    """
    spec = pooling.spec
    if spec.ndim > 3:
        return [f"# PyTorch has no {spec.ndim}-D pooling layer"]
    if any(pb != pa for pb, pa in spec.padding):
        return ["# PyTorch pools with the same padding on both sides: no layer pads unevenly"]
    kind = "Max" if pooling.mode is PoolMode.MAX else "Avg"
    arguments = [f"kernel_size={_torch_value(spec.kernel)}"]
    if spec.stride != spec.kernel:  # PyTorch's stride defaults to the kernel size
        arguments.append(f"stride={_torch_value(spec.stride)}")
    if any(pb for pb, _ in spec.padding):
        arguments.append(f"padding={_torch_value(tuple(pb for pb, _ in spec.padding))}")
    if any(d != 1 for d in spec.dilation):
        arguments.append(f"dilation={_torch_value(spec.dilation)}")
    if pooling.ceil_mode:
        arguments.append("ceil_mode=True")
    if not pooling.count_include_pad:
        arguments.append("count_include_pad=False")
    return [f"torch.nn.{kind}Pool{spec.ndim}d({', '.join(arguments)})"]


def pooling_record(pooling: Pooling) -> dict[str, Any]:
    """``spec_record`` of the pooled windows, with the padding asked for, the pooling's
    options and PyTorch layer, and no weights."""
    return {
        **spec_record(pooling.windows),
        "padding": [list(pair) for pair in pooling.spec.padding],
        "torch": pooling_torch_lines(pooling),
        "weight_shape": None,
        "parameter_count": 0,
        "multiply_accumulates": None,
        "dense_multiply_accumulates": None,
        "pool": pooling.mode.value,
        "count_include_pad": pooling.count_include_pad,
        "ceil_mode": pooling.ceil_mode,
    }


def record(op: ConvSpec | Pooling) -> dict[str, Any]:
    """The JSON record of ``convanim shape --json``: ``spec_record`` or ``pooling_record``."""
    return pooling_record(op) if isinstance(op, Pooling) else spec_record(op)


def shape_lines(op: ConvSpec | Pooling) -> list[str]:
    """The text of ``convanim shape``: the sizes, each axis's formula, the unread input
    cells, the channels (``channel_lines``) and the equivalent PyTorch layer.

    >>> print("\\n".join(shape_lines(ConvSpec(input_size=6, kernel=3, stride=2))))
    convolution: 6 -> 2
      axis 0: floor((6 + 0 + 0 - 1*(3-1) - 1) / 2) + 1 = 2   [floor((n + p_before + p_after - d*(k-1) - 1) / s) + 1]
    input cells never read: (5,)
    torch.nn.Conv1d(1, 1, kernel_size=3, stride=2)
    """
    if isinstance(op, Pooling):
        windows = op.windows
        kind = "max pooling" if op.mode is PoolMode.MAX else "average pooling"
        lines = [f"{kind}: {shape_text(windows)}"]
        lines += [f"  {line}" for line in formula_lines(windows)]
        for index, (asked, pooled) in enumerate(zip(op.spec.padding, windows.padding)):
            if asked != pooled:
                extra = pooled[1] - asked[1]
                lines.append(
                    f"  ceil_mode: axis {index} pools a last, partial window "
                    f"(PyTorch pads {extra} more after)"
                )
        lines += [unread_text(windows) or "", *pooling_torch_lines(op)]
    else:
        kind = "transposed convolution" if op.transposed else "convolution"
        lines = [f"{kind}: {shape_text(op)}"]
        lines += [f"  {line}" for line in formula_lines(op)]
        lines += [unread_text(op) or "", *channel_lines(op), *torch_lines(op)]
    return [line for line in lines if line]


def alt_text(spec: ConvSpec) -> str:
    """A sentence for alt text: the op, its parameters and its shapes (with channels, if any).

    >>> alt_text(ConvSpec(input_size=(5, 5), kernel=3, in_channels=4, out_channels=2, groups=2))
    'Convolution of a 4-channel 5x5 input with kernel 3x3, stride 1, padding 0, 2 groups, giving a 2-channel 3x3 output'
    """
    kind = "Transposed convolution" if spec.transposed else "Convolution"
    parts = [f"kernel {size_text(spec.kernel)}", f"stride {compact(spec.stride)}"]
    parts.append(f"padding {padding_text(spec.padding, ':', 'x')}")
    if set(spec.dilation) != {1}:
        parts.append(f"dilation {compact(spec.dilation)}")
    if set(spec.output_padding) != {0}:
        parts.append(f"output padding {compact(spec.output_padding)}")
    inputs, outputs = size_text(spec.input_size), size_text(spec.output_size)
    if not spec.single_channel or spec.groups > 1 or spec.bias:
        inputs = f"{spec.in_channels}-channel {inputs}"
        outputs = f"{spec.out_channels}-channel {outputs}"
        parts += [f"{spec.groups} groups"] if spec.groups > 1 else []
        parts += ["bias"] if spec.bias else []
    return f"{kind} of a {inputs} input with {', '.join(parts)}, giving a {outputs} output"


def overlap_verdict(spec: ConvSpec) -> str:
    """One line: uniform or uneven overlap away from the borders, with the counts.

    >>> overlap_verdict(ConvSpec(input_size=6, kernel=4, stride=2, transposed=True))
    'uniform: every interior cell gets 2 taps (counts 1..2 with borders)'
    """
    interior = interior_overlap(spec)
    counts = overlap_counts(spec)
    span = f"counts {counts.min()}..{counts.max()} with borders"
    if len(interior) == 1:
        taps = "tap" if interior[0] == 1 else "taps"
        return f"uniform: every interior cell gets {interior[0]} {taps} ({span})"
    return f"uneven: interior cells get {interior[0]}..{interior[-1]} taps ({span})"


def _exact(value: Fraction | None) -> int | float | str | None:
    """A summary's value for JSON, exactly: an integer when whole, a number when a float
    holds it (halves, quarters), else the fraction as text (``"1/3"``)."""
    if value is None:
        return None
    if value.denominator == 1:
        return int(value)
    if value.denominator & (value.denominator - 1) == 0:  # a power of two: a float is exact
        return float(value)
    return f"{value.numerator}/{value.denominator}"


def _per_axis(values: list[Any]) -> str:
    """One value when every axis has it, else one per axis: ``1``, ``1x2``, ``-`` for none."""
    shown = ["-" if v is None else str(v) for v in values]
    return shown[0] if len(set(shown)) == 1 else "x".join(shown)


def _field_entry(rows: tuple[Any, ...]) -> dict[str, Any]:
    """The box (null when no cell is lit), cell count and holes of a field given as one
    bool row per axis."""
    box = rows_box(rows)
    return {
        "box": None if box is None else [list(pair) for pair in box],
        "cells": rows_cells(rows),
        "holes": rows_holes(rows),
    }


def network_record(
    network: Network,
    field: Field,
    reach: Reach | None = None,
    summary: tuple[tuple[AxisSummary, ...], ...] | None = None,
) -> dict[str, Any]:
    """Everything ``convanim net --json`` writes: per layer its size and the calculator's
    summary per axis (jump, size, start; null where it does not hold), the field of
    ``field.cell`` on the input and on every layer with the path counts (exact integers),
    and with ``reach`` the projective field of an input cell.
    """
    layers = []
    summary = summaries(network) if summary is None else summary
    for stage, size, axes in zip(network.stages, network.sizes[1:], summary):
        layers.append(
            {
                "name": stage.text,
                "output_size": list(size),
                "jump": [_exact(a.jump) for a in axes],
                "size": [a.size for a in axes],
                "start": [_exact(a.start) for a in axes],
                "holes": any(a.holes for a in axes),
                "cut": any(a.cut for a in axes),
            }
        )
    record: dict[str, Any] = {
        "input_size": list(network.input_size),
        "layers": layers,
        "field": {
            "cell": list(field.cell),
            "input": _field_entry(field.support[0]),
            "layers": [_field_entry(rows) for rows in field.support[1:]],
            "paths": field.path_counts(),
            "paths_exact": True,
        },
    }
    if reach is not None:
        record["projective"] = {
            "cell": [int(row.nonzero()[0][0]) for row in reach[0]],
            "layers": [_field_entry(rows) for rows in reach[1:]],
        }
    return record


def _summary_text(value: Fraction | None) -> str | None:
    """A jump or start as the table shows it: ``3``, ``3.5``, ``1/3``."""
    if value is None:
        return None
    if value.denominator == 1:
        return str(value.numerator)
    return str(float(value)) if value.denominator == 2 else f"{value.numerator}/{value.denominator}"


def _box_text(entry: dict[str, Any]) -> str:
    """``9..22x9..22, 196 cells`` (with holes where the field skips cells), or ``none``."""
    if entry["box"] is None:
        return "none"
    box = "x".join(f"{first}..{last}" for first, last in entry["box"])
    holes = ", with holes" if entry["holes"] else ""
    return f"{box}, {counted(entry['cells'], 'cell')}{holes}"


def network_lines(network: Network, field: Field, reach: Reach | None = None) -> list[str]:
    """``convanim net``'s table: per layer its output size, the calculator's summary per
    axis (``-`` where it does not hold) and the cells of it that reach the chosen output
    cell; then the field on the input with its path counts (and the projective field).

    >>> from convanim.geometry.network import Stage, receptive_field
    >>> spec = ConvSpec(input_size=8, kernel=3, stride=2, padding=1)
    >>> net = Network((8,), (Stage("nn.Conv1d(1, 1, 3, 2, 1)", spec),))
    >>> print("\\n".join(network_lines(net, receptive_field(net))))
    layer                        output  jump  size  start  field of cell 1
    input                        8                          1..3, 3 cells
    1  nn.Conv1d(1, 1, 3, 2, 1)  4       2     3     0      1..1, 1 cell
    paths from each input cell to cell 1: 1 to 1 (exact integers)
    """
    summary = summaries(network)
    record = network_record(network, field, reach, summary)
    cell = ",".join(map(str, field.cell))
    rows = [["layer", "output", "jump", "size", "start", f"field of cell {cell}"]]
    rows.append(
        ["input", size_text(network.input_size), "", "", "", _box_text(record["field"]["input"])]
    )
    for k, (layer, axes, entry) in enumerate(
        zip(record["layers"], summary, record["field"]["layers"]), start=1
    ):
        rows.append(
            [
                f"{k}  {layer['name']}",
                size_text(tuple(layer["output_size"])),
                _per_axis([_summary_text(a.jump) for a in axes]),
                _per_axis([a.size for a in axes]),
                _per_axis([_summary_text(a.start) for a in axes]),
                _box_text(entry),
            ]
        )
    widths = [max(len(row[column]) for row in rows) + 2 for column in range(len(rows[0]) - 1)]
    lines = [
        "".join(text.ljust(width) for text, width in zip(row, widths)) + row[-1] for row in rows
    ]
    counts = [count for count in _flat(record["field"]["paths"]) if count]
    if counts:
        lines.append(
            f"paths from each input cell to cell {cell}: {min(counts):,} to {max(counts):,} "
            "(exact integers)"
        )
    else:
        lines.append(f"no input cell reaches cell {cell}: it reads padding only")
    if reach is not None:
        projective = record["projective"]
        source = ",".join(map(str, projective["cell"]))
        last = _box_text(projective["layers"][-1])
        lines.append(f"input cell {source} reaches on the last layer: {last}")
    return lines


def _flat(nested: Any) -> list[int]:
    if isinstance(nested, list):
        return [value for item in nested for value in _flat(item)]
    return [nested]


def network_alt_text(
    network: Network,
    cell: tuple[int, ...] | None = None,
    counts: bool = False,
    from_input: tuple[int, ...] | None = None,
) -> str:
    """What a network's picture shows, in one sentence: one output cell's field, what input
    cell ``from_input`` reaches, or (``counts``) the paths from the whole input to every cell.

    >>> from convanim.geometry.network import Stage
    >>> net = Network((8,), (Stage("nn.Conv1d(1, 1, 3)", ConvSpec(input_size=8, kernel=3)),))
    >>> network_alt_text(net)
    'What output cell 2 of a network of 1 layer (input 8, output 6) sees, layer by layer'
    """
    last = network.sizes[-1]
    shown = cell if cell is not None else default_cell(last)
    layers = counted(len(network.stages), "layer")
    sizes = f"(input {size_text(network.input_size)}, output {size_text(last)})"
    if counts:
        return (
            f"How many paths reach each cell of a network of {layers} {sizes} from its whole input"
        )
    if from_input is not None:
        source = ",".join(map(str, from_input))
        return f"What input cell {source} of a network of {layers} {sizes} reaches, layer by layer"
    return f"What output cell {','.join(map(str, shown))} of a network of {layers} {sizes} sees, layer by layer"


def layer_names(network: Network, layers: list[int]) -> list[str]:
    """What a picture calls each drawn layer (indices into ``network.sizes``): the input by
    its size, the others by their text as given.

    >>> from convanim.geometry.network import Stage
    >>> net = Network((8,), (Stage("nn.Conv1d(1, 1, 3)", ConvSpec(input_size=8, kernel=3)),))
    >>> layer_names(net, [0, 1])
    ['input 8', 'nn.Conv1d(1, 1, 3)']
    """
    return [
        f"input {size_text(network.input_size)}" if k == 0 else network.stages[k - 1].text
        for k in layers
    ]
