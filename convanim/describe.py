"""Text about a spec: the size formula with numbers, the equivalent PyTorch layer, a JSON record."""

from __future__ import annotations

from typing import Any

from convanim.geometry import (
    ConvSpec,
    first_unread,
    interior_overlap,
    overlap_counts,
    unread_count,
)


def shape_text(spec: ConvSpec) -> str:
    """The input and output sizes.

    >>> shape_text(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1))
    '5x5 -> 3x3'
    """
    return f"{size_text(spec.input_size)} -> {size_text(spec.output_size)}"


def size_text(size: tuple[int, ...]) -> str:
    """``5x7``."""
    return "x".join(map(str, size))


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
    """The equivalent PyTorch layer call, plus the F.pad or crop that asymmetric padding needs."""
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
    lines = [f"{layer}(1, 1, {', '.join(arguments)})"]
    if not symmetric:
        if spec.transposed:
            crop = ", ".join(f"{pb}:{f'-{pa}' if pa else ''}" for pb, pa in spec.padding)
            lines.append(f"# asymmetric padding: crop the output, y = y[..., {crop}]")
        else:
            # F.pad lists (before, after) pairs starting from the last axis.
            pairs = ", ".join(f"{pb}, {pa}" for pb, pa in reversed(spec.padding))
            lines.append(f"# asymmetric padding: pad first, x = F.pad(x, ({pairs}))")
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
    """A JSON-ready record of the spec and its arithmetic, for any input size.

    ``unread_inputs`` lists the first ``RECORD_UNREAD_MAX`` unread cells, row-major.
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
    }


def alt_text(spec: ConvSpec) -> str:
    """A sentence for alt text: the op, its parameters and its shapes."""
    kind = "Transposed convolution" if spec.transposed else "Convolution"
    parts = [f"kernel {size_text(spec.kernel)}", f"stride {compact(spec.stride)}"]
    parts.append(f"padding {padding_text(spec.padding, ':', 'x')}")
    if set(spec.dilation) != {1}:
        parts.append(f"dilation {compact(spec.dilation)}")
    if set(spec.output_padding) != {0}:
        parts.append(f"output padding {compact(spec.output_padding)}")
    return (
        f"{kind} of a {size_text(spec.input_size)} input with {', '.join(parts)}, "
        f"giving a {size_text(spec.output_size)} output"
    )


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
