"""What each animation frame shows, taken only from the geometry's views.

A storyboard is renderer-agnostic: two planes of cells (a lower one, the input
side, and an upper one, the output side) and, per frame, which cells of each
are highlighted. Plane positions are (row, column) with (0, 0) the plane's
first cell; 1-D specs are drawn as one-row strips.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry import CellKind, ConvSpec, canvas, read_inputs, scatter
from convanim.text import padding_text, size_text


class View(str, enum.Enum):
    """Which picture of the op an animation tells."""

    CANVAS = "canvas"  # the guide's: the kernel sweeps the (padded or zero-inserted) input
    SCATTER = "scatter"  # a transposed op as stamps: each input cell adds w times its value
    FLAT = "flat"  # the canvas story drawn top-down, input left, output right
    STACK = "stack"  # a layer's channels top-down: inputs, filters with slices and bias, outputs
    VOLUME = "volume"  # a layer's tensors as oblique planes stacked in depth, one per channel

    @property
    def channels(self) -> bool:
        """Whether the view draws a layer's channels (stack, volume) or one slice."""
        return self in (View.STACK, View.VOLUME)


class Cell(enum.IntEnum):
    """How a plane cell is drawn."""

    PADDING = 0  # dashed outline, no fill
    INPUT = 1
    INSERTED_ZERO = 2  # dashed outline, no fill, like padding
    OUTPUT = 3
    HIDDEN = 4  # beyond the output: drawn only while a stamp covers it


@dataclass(frozen=True)
class Plane:
    """One plane of cells and its label."""

    cells: np.ndarray  # (rows, cols) Cell codes
    cropped: np.ndarray  # (rows, cols) bool: outside the canvas, cut off by negative padding
    unread: np.ndarray  # (rows, cols) bool: real input cells no output reads
    label: str


@dataclass(frozen=True)
class Frame:
    """What one frame highlights."""

    lower: np.ndarray  # (K, 2) highlighted lower-plane cells
    upper: np.ndarray  # (M, 2) highlighted upper-plane cells
    first_tap: tuple[int, int]  # the cell weighted by the kernel's first tap w[0, 0]
    lower_box: np.ndarray  # (2, 2) [[row0, col0], [row1, col1]] cell-edge box joined by lines
    upper_box: np.ndarray  # (2, 2) likewise on the upper plane
    counts: np.ndarray | None  # (rows, cols) stamps received so far (scatter view), else None


@dataclass(frozen=True)
class Storyboard:
    """The planes and the frames of one animation."""

    spec: ConvSpec  # the spec as given (1-D specs stay 1-D here)
    view: View  # CANVAS or SCATTER (a FLAT animation tells the CANVAS story)
    lower: Plane
    upper: Plane
    frames: tuple[Frame, ...]


def as_drawable(spec: ConvSpec) -> ConvSpec:
    """The spec as a 2-D one; a 1-D spec becomes a single row."""
    if spec.ndim > 2:
        raise ConvanimError(
            "input_size", f"a {spec.ndim}-D spec has no picture; only 1-D and 2-D specs are drawn"
        )
    return spec.with_leading_axes(2)


def plane_shapes(spec: ConvSpec, view: View) -> tuple[tuple[int, int], tuple[int, int]]:
    """(lower, upper) plane shapes of ``spec``'s storyboard in ``view``, before building it."""
    drawn = as_drawable(spec)
    if View(view) is View.SCATTER:
        lower, upper = drawn.input_size, tuple(axis.scatter_cells() for axis in drawn.axes)
    else:
        lower, upper = tuple(axis.canvas_cells() for axis in drawn.axes), drawn.output_size
    return (lower[0], lower[1]), (upper[0], upper[1])


def frame_count(spec: ConvSpec, view: View) -> int:
    """Frames of the animation: one per output cell, or per input cell in the scatter view."""
    return math.prod(spec.input_size if View(view) is View.SCATTER else spec.output_size)


def drawn_cells(cells: np.ndarray) -> np.ndarray:
    """Cell coordinates (N, ndim) of a 1-D or 2-D spec as (N, 2) plane coordinates (see as_drawable)."""
    drawn = np.zeros((len(cells), 2), dtype=int)
    drawn[:, 2 - cells.shape[1] :] = cells
    return drawn


def _box(cells: np.ndarray) -> np.ndarray:
    return np.stack([cells.min(axis=0), cells.max(axis=0) + 1])


def input_label(spec: ConvSpec) -> str:
    """``input 5x5, padding 1``; asymmetric padding as asked, before:after per axis."""
    label = f"input {size_text(spec.input_size)}"
    if any(p for pair in spec.padding for p in pair):
        label += f", padding {padding_text(spec.padding)}"
    return label


def canvas_storyboard(spec: ConvSpec) -> Storyboard:
    """One frame per output cell (row-major): the kernel footprint on the canvas."""
    drawn = as_drawable(spec)
    view = canvas(drawn)
    cells = np.select(
        [view.kinds == CellKind.INPUT, view.kinds == CellKind.INSERTED_ZERO],
        [Cell.INPUT, Cell.INSERTED_ZERO],
        Cell.PADDING,
    )
    if spec.transposed:
        framing = "faded cells cropped" if view.cropped.any() else "re-padded"
        lower_label = f"input {size_text(spec.input_size)}, zeros inserted, {framing}"
    else:
        lower_label = input_label(spec)
    lower = Plane(cells=cells, cropped=view.cropped, unread=view.unread, label=lower_label)
    upper_shape = drawn.output_size
    upper = Plane(
        cells=np.full(upper_shape, Cell.OUTPUT),
        cropped=np.zeros(upper_shape, dtype=bool),
        unread=np.zeros(upper_shape, dtype=bool),
        label=f"output {size_text(spec.output_size)}",
    )
    frames = []
    for position in np.ndindex(upper_shape):
        footprint = view.footprint(position)
        here = np.array([position])
        frames.append(
            Frame(
                lower=footprint,
                upper=here,
                first_tap=(int(footprint[view.first_tap, 0]), int(footprint[view.first_tap, 1])),
                lower_box=_box(footprint),
                upper_box=_box(here),
                counts=None,
            )
        )
    return Storyboard(spec=spec, view=View.CANVAS, lower=lower, upper=upper, frames=tuple(frames))


def scatter_storyboard(spec: ConvSpec) -> Storyboard:
    """One frame per input cell (row-major): its kernel stamp on the output, counts accumulating."""
    if not spec.transposed:
        raise ConvanimError("view", "the scatter view needs a transposed spec ({transposed})")
    drawn = as_drawable(spec)
    view = scatter(drawn)
    inside_grid = view.grid_inside
    shape = inside_grid.shape
    upper = Plane(
        cells=np.where(inside_grid, Cell.OUTPUT, Cell.HIDDEN),
        cropped=~inside_grid,
        unread=np.zeros(shape, dtype=bool),
        label=f"output {size_text(spec.output_size)}",
    )
    lower = Plane(
        cells=np.full(drawn.input_size, Cell.INPUT),
        cropped=np.zeros(drawn.input_size, dtype=bool),
        unread=~read_inputs(drawn),
        label=f"input {size_text(spec.input_size)}",
    )
    frames = []
    for row, position in enumerate(view.input):
        stamp = view.grid_cells[row]
        here = position[None, :]
        frames.append(
            Frame(
                lower=here,
                upper=stamp,
                first_tap=(int(stamp[0, 0]), int(stamp[0, 1])),
                lower_box=_box(here),
                upper_box=_box(stamp),
                counts=view.counts[row],
            )
        )
    return Storyboard(spec=spec, view=View.SCATTER, lower=lower, upper=upper, frames=tuple(frames))


def build_storyboard(spec: ConvSpec, view: View = View.CANVAS) -> Storyboard:
    """The storyboard of ``spec`` in ``view`` (FLAT tells the CANVAS story).

    >>> board = build_storyboard(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1))
    >>> len(board.frames), board.lower.cells.shape, board.upper.cells.shape
    (9, (7, 7), (3, 3))
    """
    if View(view) is View.SCATTER:
        return scatter_storyboard(spec)
    return canvas_storyboard(spec)


def overlap_frame(board: Storyboard) -> Frame:
    """A closing frame for the scatter view: every stamp counted, nothing highlighted."""
    if board.view is not View.SCATTER:
        raise ConvanimError("overlap", "the overlap frame closes a scatter view ({view} scatter)")
    last = board.frames[-1]
    nothing = np.empty((0, 2), dtype=int)
    return Frame(nothing, nothing, last.first_tap, last.lower_box, last.upper_box, last.counts)


def still_index(count: int) -> int:
    """The frame that stands for an animation of ``count`` frames where it cannot move (a
    still for print, an SVG where motion is reduced): the middle one.

    >>> still_index(9)
    4
    """
    return count // 2
