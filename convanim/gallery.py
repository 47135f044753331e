"""The 15 animations of Dumoulin & Visin's guide, regenerated under their own names."""

from __future__ import annotations

from pathlib import Path

from convanim.geometry import ConvSpec

#: name -> spec, in the guide's order (PyTorch-style parameters of the animated op).
GUIDE_SPECS: dict[str, ConvSpec] = {
    "no_padding_no_strides": ConvSpec(input_size=(4, 4), kernel=3),
    "arbitrary_padding_no_strides": ConvSpec(input_size=(5, 5), kernel=4, padding=2),
    "same_padding_no_strides": ConvSpec(input_size=(5, 5), kernel=3, padding=1),
    "full_padding_no_strides": ConvSpec(input_size=(5, 5), kernel=3, padding=2),
    "no_padding_strides": ConvSpec(input_size=(5, 5), kernel=3, stride=2),
    "padding_strides": ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1),
    "padding_strides_odd": ConvSpec(input_size=(6, 6), kernel=3, stride=2, padding=1),
    "dilation": ConvSpec(input_size=(7, 7), kernel=3, dilation=2),
    "no_padding_no_strides_transposed": ConvSpec(input_size=(2, 2), kernel=3, transposed=True),
    "arbitrary_padding_no_strides_transposed": ConvSpec(
        input_size=(6, 6), kernel=4, padding=2, transposed=True
    ),
    "same_padding_no_strides_transposed": ConvSpec(
        input_size=(5, 5), kernel=3, padding=1, transposed=True
    ),
    "full_padding_no_strides_transposed": ConvSpec(
        input_size=(7, 7), kernel=3, padding=2, transposed=True
    ),
    "no_padding_strides_transposed": ConvSpec(
        input_size=(2, 2), kernel=3, stride=2, transposed=True
    ),
    "padding_strides_transposed": ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True
    ),
    "padding_strides_odd_transposed": ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, output_padding=1, transposed=True
    ),
}


#: The guide's numerical animations: name -> (spec, pooling mode or None), drawn flat with values.
NUMERICAL_SPECS: dict[str, tuple[ConvSpec, str | None]] = {
    "numerical_no_padding_no_strides": (ConvSpec(input_size=(5, 5), kernel=3), None),
    "numerical_padding_strides": (ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1), None),
    "numerical_max_pooling": (ConvSpec(input_size=(5, 5), kernel=3), "max"),
    "numerical_average_pooling": (ConvSpec(input_size=(5, 5), kernel=3), "avg"),
}
ALL_NAMES = (*GUIDE_SPECS, *NUMERICAL_SPECS)


def render_one(job: tuple[str, Path]) -> tuple[str, int, tuple[int, int], int]:
    """Render one guide animation without labels (the guide's bare look)."""
    from convanim.numbers import small_values
    from convanim.pooling import Pooling
    from convanim.render.gif import animate_to_file
    from convanim.render.raster import NUMBERS_CELL, Style

    name, folder = job
    path = folder / f"{name}.gif"
    if name in GUIDE_SPECS:
        result = animate_to_file(GUIDE_SPECS[name], path, style=Style(labels=False))
    else:
        spec, mode = NUMERICAL_SPECS[name]
        result = animate_to_file(
            spec,
            path,
            view="flat",
            style=Style(labels=False, cell=NUMBERS_CELL),
            values=small_values(spec, seed=0),
            pooling=Pooling(spec, mode) if mode else None,
        )
    return name, result.frames, result.size, result.bytes


def markdown_table(folder: Path, link_prefix: str = "") -> str:
    """A table in the guide's layout: convolutions in one half, their transposes in the other."""
    convs = [name for name in GUIDE_SPECS if not name.endswith("_transposed")]
    lines = ["| convolution | transposed convolution |", "|---|---|"]
    for name in convs:
        cells = []
        for variant in (name, f"{name}_transposed"):
            if variant in GUIDE_SPECS and (folder / f"{variant}.gif").exists():
                cells.append(f"![{variant}]({link_prefix}{variant}.gif)<br>`{variant}`")
            else:
                cells.append("")
        lines.append(f"| {' | '.join(cells)} |")
    names = [name for name in NUMERICAL_SPECS if (folder / f"{name}.gif").exists()]
    lines += ["", "| numerical | |", "|---|---|"]
    for left, right in zip(names[::2], names[1::2]):
        cells = [f"![{n}]({link_prefix}{n}.gif)<br>`{n}`" for n in (left, right)]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"
