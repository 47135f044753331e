"""Static figures with matplotlib (Agg, no pyplot): overlap maps and the unrolled matrix.

Numbers come from the geometry (``overlap_counts``, ``kernel_index_matrix``) and
text from ``text``; this module only draws them.
"""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from convanim.draw.style import KERNEL_COLOURS, RGB, THEMES, Theme
from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, grid_positions, kernel_index_matrix, overlap_counts
from convanim.render.encode.files import check_destination, write_bytes
from convanim.text import compact, overlap_verdict, shape_text, size_text

PALETTE = THEMES[Theme.LIGHT]
MATRIX_MAX_SIDE = 64  # rows or columns beyond which matrix cells become unreadable
DPI = 100
OVERLAP_NUMBERS_MAX = 400  # cells beyond which the overlap map prints no counts
OVERLAP_MAX_TAPS = 1 << 24  # taps counted for one overlap map
DARK_TEXT_ABOVE = 0.6  # share of the colour scale above which a count is printed dark


def _hex(rgb: RGB) -> str:
    return "#" + "".join(f"{v:02x}" for v in rgb)


def overlap_comparison(spec: ConvSpec) -> list[ConvSpec]:
    """``spec`` and the same op with kernels s, s+1 and s+2, sorted by kernel.

    The compared kernel replaces the last axis's, and every other axis's with the
    same kernel and stride: a square kernel is compared with square kernels, and
    the other axes of a non-square one stay as given.
    """
    last = spec.axes[-1]
    alike = [(k, s) == (last.kernel, last.stride) for k, s in zip(spec.kernel, spec.stride)]
    others = [
        dataclasses.replace(
            spec, kernel=tuple(k if not same else other for k, same in zip(spec.kernel, alike))
        )
        for other in range(last.stride, last.stride + 3)
        if other != last.kernel
    ]
    return sorted([spec, *others], key=lambda each: each.kernel[-1])


#: Figure formats by extension, with the metadata left out so the same figure gives the same bytes.
FIGURE_FORMATS: dict[str, dict[str, None]] = {
    ".png": {"Software": None},
    ".svg": {"Date": None, "Creator": None},
    ".pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


def check_figure_suffix(path: Path) -> None:
    """Refuse, before any drawing, a path whose extension names no figure format, or that
    cannot be written (``check_destination``)."""
    if path.suffix.lower() not in FIGURE_FORMATS:
        formats = ", ".join(FIGURE_FORMATS)
        raise ConvanimError("out", f"{path}: a figure is written as {formats}")
    check_destination(path)


def figure_bytes(figure: Figure, suffix: str = ".png") -> bytes:
    """The figure in the format of ``suffix``, the same bytes every time."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "convanim"}):  # stable ids in SVG
        figure.savefig(buffer, format=suffix[1:], dpi=DPI, metadata=FIGURE_FORMATS[suffix])
    return buffer.getvalue()


def _png(figure: Figure) -> bytes:
    return figure_bytes(figure, ".png")


def _save(figure: Figure, path: Path) -> int:
    return write_bytes(figure_bytes(figure, path.suffix.lower()), path)


def _overlap_row(figure: Figure, axes_map: Axes, axes_profile: Axes, spec: ConvSpec) -> None:
    counts = overlap_counts(spec)
    grid = counts if counts.ndim == 2 else counts[None, :]
    top = max(int(grid.max()), 1)
    image = axes_map.imshow(grid, cmap="viridis", vmin=0, vmax=top)
    if grid.size <= OVERLAP_NUMBERS_MAX:
        for (r, c), value in np.ndenumerate(grid):
            colour = "white" if value < top * DARK_TEXT_ABOVE else "black"
            axes_map.text(c, r, str(value), ha="center", va="center", fontsize=8, color=colour)
    axes_map.set_xticks([])
    axes_map.set_yticks([])
    axes_map.set_title(
        f"k {compact(spec.kernel)}, s {compact(spec.stride)}: taps per output cell", fontsize=10
    )
    bar = figure.colorbar(image, ax=axes_map, shrink=0.8)
    bar.locator = MaxNLocator(integer=True)  # counts are whole numbers
    bar.update_ticks()
    middle = grid[grid.shape[0] // 2]
    axes_profile.bar(np.arange(len(middle)), middle, color=_hex(PALETTE.output), width=0.9)
    axes_profile.set_ylim(0, top + 0.5)
    axes_profile.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes_profile.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes_profile.set_xlabel("output column (middle row)")
    axes_profile.set_ylabel("taps")
    axes_profile.set_title(overlap_verdict(spec), fontsize=9)


def overlap_figure(specs: list[ConvSpec], path: Path, asked: ConvSpec | None = None) -> int:
    """One row per spec: the count map and its middle-row profile. Returns the file's bytes.

    The format follows the extension (.png, .svg, .pdf); specs are 1-D or 2-D. The
    title names ``asked``, the spec the others are compared with (the first by default).
    """
    check_figure_suffix(path)
    for spec in specs:
        if spec.ndim > 2:
            raise ConvanimError(
                "input_size", f"the overlap map of a {spec.ndim}-D spec has no picture"
            )
        cells = math.prod(spec.output_size) * math.prod(spec.kernel)
        if cells > OVERLAP_MAX_TAPS:
            raise ConvanimError(
                "input_size",
                f"the overlap map would count {cells:,} taps, more than {OVERLAP_MAX_TAPS:,}; "
                "choose a smaller input or kernel",
            )
    figure = Figure(figsize=(10, 3.6 * len(specs)), layout="constrained")
    axes = figure.subplots(len(specs), 2, squeeze=False, width_ratios=[1, 1.3])
    for row, spec in zip(axes, specs):
        _overlap_row(figure, row[0], row[1], spec)
    asked = asked or specs[0]
    kernel = size_text(asked.kernel)
    title = f"overlap of the transposed convolution {shape_text(asked)}, kernel {kernel}"
    figure.suptitle(title + (", and others compared" if len(specs) > 1 else ""))
    return _save(figure, path)


def matrix_figure(spec: ConvSpec, path: Path) -> int:
    """The unrolled matrix of ``spec`` as .png, .svg or .pdf (from the extension); returns bytes."""
    check_figure_suffix(path)
    return _save(_matrix(spec), path)


def matrix_animation(spec: ConvSpec, path: Path, duration: int = 1000) -> int:
    """One frame per output cell, row-major like the conv GIF, with that output's row lit."""
    from convanim.render.encode.writers import check_suffix, write_png_animation

    check_suffix(path)
    if path.suffix.lower() == ".svg":  # its frames are matplotlib's pictures, not a drawing
        raise ConvanimError(
            "out",
            f"{path}: the matrix animation is written as .gif, .webp, .png or .mp4 "
            "(without --animate, the matrix is written as .svg)",
        )
    check_destination(path)
    pngs = [_png(_matrix(spec, row)) for row in range(math.prod(spec.output_size))]
    return write_png_animation(pngs, path, duration)


def _matrix(spec: ConvSpec, highlight_row: int | None = None) -> Figure:
    """The unrolled matrix of ``spec``, cells coloured by kernel position, weights named."""
    rows, cols = math.prod(spec.output_size), math.prod(spec.input_size)
    if max(rows, cols) > MATRIX_MAX_SIDE:
        raise ConvanimError(
            "input_size",
            f"a {rows}x{cols} matrix is unreadable as a picture "
            f"(at most {MATRIX_MAX_SIDE} rows and columns)",
        )
    index = kernel_index_matrix(spec)
    colours = [_hex(PALETTE.background)] + [
        _hex(KERNEL_COLOURS[k % len(KERNEL_COLOURS)]) for k in range(math.prod(spec.kernel))
    ]
    size = (max(4, 0.32 * cols + 2), max(2.5, 0.32 * rows + 1.5))
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    axes.imshow(index + 1, cmap=ListedColormap(colours), vmin=0, vmax=len(colours) - 1)
    axes.set_xticks(np.arange(-0.5, cols), minor=True)
    axes.set_yticks(np.arange(-0.5, rows), minor=True)
    axes.grid(which="minor", color=_hex(PALETTE.outline), linewidth=0.6)
    axes.tick_params(which="both", length=0, labelsize=7)
    axes.set_xticks(range(cols))
    axes.set_yticks(range(rows))
    kernel_names = [",".join(map(str, position)) for position in grid_positions(spec.kernel)]
    for (r, c), k in np.ndenumerate(index):
        if k >= 0:
            axes.text(
                c, r, f"w{kernel_names[k]}", ha="center", va="center", fontsize=6, color="white"
            )
    if highlight_row is not None:
        axes.add_patch(_row_box(highlight_row, cols, _hex(PALETTE.highlight)))
    name = "Cᵀ (the transposed convolution)" if spec.transposed else "C"
    axes.set_title(
        f"{name}: {shape_text(spec)}\nrows: outputs, columns: inputs (row-major)", fontsize=9
    )
    axes.set_xlabel("input cell")
    axes.set_ylabel("output cell")
    return figure


def _row_box(row: int, cols: int, colour: str) -> Rectangle:
    return Rectangle((-0.5, row - 0.5), cols, 1, fill=False, edgecolor=colour, linewidth=2.5)
