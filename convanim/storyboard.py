"""What each animation frame shows, derived only from the geometry's views.

A storyboard is renderer-agnostic: two planes of cells (a lower one, the input
side, and an upper one, the output side) and, per frame, which cells of each
are highlighted. Grid coordinates are (row, column) with (0, 0) the plane's
first cell; 1-D specs are drawn as one-row strips.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from convanim.describe import size_text
from convanim.geometry import CellKind, ConvSpec


class DrawingError(ValueError):
    """A spec that cannot be drawn in the requested view; names the flag."""


class Cell(enum.IntEnum):
    """How a plane cell is drawn."""

    PADDING = 0  # dashed outline, no fill
    INPUT = 1
    INSERTED_ZERO = 2  # dashed outline, no fill, like padding
    OUTPUT = 3
    HIDDEN = 4  # beyond the output: drawn only while a stamp covers it


@dataclass(frozen=True)
class Plane:
    cells: np.ndarray  # (rows, cols) Cell codes
    cropped: np.ndarray  # (rows, cols) bool: outside the canvas, cut off by negative padding
    unread: np.ndarray  # (rows, cols) bool: real input cells no output reads
    label: str


@dataclass(frozen=True)
class Frame:
    lower: np.ndarray  # (K, 2) highlighted lower-plane cells
    upper: np.ndarray  # (M, 2) highlighted upper-plane cells
    first_tap: tuple[int, int]  # the cell weighted by the kernel's first tap w[0, 0]
    lower_box: np.ndarray  # (2, 2) [[row0, col0], [row1, col1]] cell-edge box joined by lines
    upper_box: np.ndarray  # (2, 2) likewise on the upper plane
    counts: np.ndarray | None  # (rows, cols) stamps received so far (scatter view), else None


@dataclass(frozen=True)
class Storyboard:
    spec: ConvSpec  # the spec as given (1-D specs stay 1-D here)
    view: str
    lower: Plane
    upper: Plane
    frames: tuple[Frame, ...]


def as_drawable(spec: ConvSpec) -> ConvSpec:
    """The spec as a 2-D one; a 1-D spec becomes a single row."""
    if spec.ndim == 2:
        return spec
    if spec.ndim != 1:
        raise DrawingError(
            f"--i: a {spec.ndim}-D spec is not drawable; use `convanim shape` for its arithmetic"
        )
    return ConvSpec(
        input_size=(1, *spec.input_size),
        kernel=(1, *spec.kernel),
        stride=(1, *spec.stride),
        padding=((0, 0), *spec.padding),
        dilation=(1, *spec.dilation),
        output_padding=(0, *spec.output_padding),
        transposed=spec.transposed,
    )


def drawn_cells(cells: np.ndarray) -> np.ndarray:
    """Cell coordinates (N, ndim) of a 1-D or 2-D spec as (N, 2) plane coordinates (see as_drawable)."""
    drawn = np.zeros((len(cells), 2), dtype=int)
    drawn[:, 2 - cells.shape[1] :] = cells
    return drawn


def _box(cells: np.ndarray) -> np.ndarray:
    return np.stack([cells.min(axis=0), cells.max(axis=0) + 1])


def _input_label(spec: ConvSpec) -> str:
    label = f"input {size_text(spec.input_size)}"
    padding = {p for pair in spec.padding for p in pair}
    if padding != {0}:
        label += f", padding {'/'.join(map(str, sorted(padding)))}"
    return label


def canvas_storyboard(spec: ConvSpec) -> Storyboard:
    """One frame per output cell (row-major): the kernel footprint on the canvas."""
    drawn = as_drawable(spec)
    canvas = drawn.canvas()
    cells = np.select(
        [canvas.kinds == CellKind.INPUT, canvas.kinds == CellKind.INSERTED_ZERO],
        [Cell.INPUT, Cell.INSERTED_ZERO],
        Cell.PADDING,
    )
    if spec.transposed:
        framing = "faded cells cropped" if canvas.cropped.any() else "re-padded"
        lower_label = f"input {size_text(spec.input_size)}, zeros inserted, {framing}"
    else:
        lower_label = _input_label(spec)
    lower = Plane(cells=cells, cropped=canvas.cropped, unread=canvas.unread, label=lower_label)
    upper_shape = drawn.output_size
    upper = Plane(
        cells=np.full(upper_shape, Cell.OUTPUT),
        cropped=np.zeros(upper_shape, dtype=bool),
        unread=np.zeros(upper_shape, dtype=bool),
        label=f"output {size_text(spec.output_size)}",
    )
    first = int(np.flatnonzero(~canvas.footprint_kernel.any(axis=1))[0])
    frames = []
    for position in np.ndindex(upper_shape):
        footprint = canvas.footprint(position)
        here = np.array([position])
        frames.append(
            Frame(
                lower=footprint,
                upper=here,
                first_tap=tuple(int(v) for v in footprint[first]),
                lower_box=_box(footprint),
                upper_box=_box(here),
                counts=None,
            )
        )
    return Storyboard(spec=spec, view="canvas", lower=lower, upper=upper, frames=tuple(frames))


def scatter_storyboard(spec: ConvSpec) -> Storyboard:
    """One frame per input cell (row-major): its kernel stamp on the output, counts accumulating."""
    if not spec.transposed:
        raise DrawingError("--view scatter: needs a transposed spec (-t)")
    drawn = as_drawable(spec)
    view = drawn.scatter()
    # The upper grid covers the output and every stamp cell that falls outside it.
    low = np.minimum(view.cells.reshape(-1, 2).min(axis=0), 0)
    high = np.maximum(view.cells.reshape(-1, 2).max(axis=0) + 1, drawn.output_size)
    shape = tuple(int(v) for v in high - low)
    inside_grid = np.zeros(shape, dtype=bool)
    inside_grid[tuple(slice(-lo, -lo + n) for lo, n in zip(low, drawn.output_size))] = True
    upper = Plane(
        cells=np.where(inside_grid, Cell.OUTPUT, Cell.HIDDEN),
        cropped=~inside_grid,
        unread=np.zeros(shape, dtype=bool),
        label=f"output {size_text(spec.output_size)}",
    )
    lower = Plane(
        cells=np.full(drawn.input_size, Cell.INPUT),
        cropped=np.zeros(drawn.input_size, dtype=bool),
        unread=~drawn.read_inputs(),
        label=f"input {size_text(spec.input_size)}",
    )
    counts = np.zeros(shape, dtype=int)
    first = int(np.flatnonzero(~view.kernel.any(axis=1))[0])
    frames = []
    for row, position in enumerate(view.input):
        stamp = view.cells[row] - low
        inside = stamp[view.inside[row]]
        np.add.at(counts, tuple(inside.T), 1)
        here = position[None, :]
        frames.append(
            Frame(
                lower=here,
                upper=stamp,
                first_tap=tuple(int(v) for v in stamp[first]),
                lower_box=_box(here),
                upper_box=_box(stamp),
                counts=counts.copy(),
            )
        )
    return Storyboard(spec=spec, view="scatter", lower=lower, upper=upper, frames=tuple(frames))


def build_storyboard(spec: ConvSpec, view: str = "canvas") -> Storyboard:
    if view == "canvas":
        return canvas_storyboard(spec)
    if view == "scatter":
        return scatter_storyboard(spec)
    raise DrawingError(f"--view must be one of canvas, scatter, flat; got {view!r}")


def overlap_frame(board: Storyboard) -> Frame:
    """A closing frame for the scatter view: every stamp counted, nothing highlighted."""
    if board.view != "scatter":
        raise DrawingError("--overlap: the overlap frame closes a scatter view (--view scatter)")
    last = board.frames[-1]
    nothing = np.empty((0, 2), dtype=int)
    return Frame(nothing, nothing, last.first_tap, last.lower_box, last.upper_box, last.counts)
