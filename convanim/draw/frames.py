"""One drawing for every backend: each frame as primitives by role, in pixel coordinates.

``draw`` lays out a board (and its numbers) once: where every cell, line,
dot and label goes and in which colour. A backend only turns primitives into its
format; it has no geometry or layout of its own. Grid points land on whole
pixels (a step in row or column is an integer pixel vector), so every cell is
drawn alike and a highlight moved by one cell covers the same pixels, shifted.

A drawing has three static layers and, per frame, two lists of primitives::

    lower layer -> frame.below -> upper layer (where upper_region covers) -> frame.above
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

import numpy as np

from convanim.draw import style as look
from convanim.draw.style import RGB, Layout, Palette, Style, blend
from convanim.errors import ConvanimError
from convanim.lazy import Lazy
from convanim.story.board import Board, Cell, Plane, Step, View
from convanim.story.values import FrameNumbers, Numbers, number_text


class Role(str, enum.Enum):
    """What a primitive shows (a backend may style or group by it)."""

    CELL = "cell"  # a plane's cell
    HIGHLIGHT = "highlight"  # a highlighted cell: footprint, current output, stamp
    JOIN = "join"  # the lines joining the footprint to its output cell
    COPY = "copy"  # a line from an input cell to a padding cell under the kernel that copies it
    FIRST_TAP = "first-tap"  # the dot on the cell weighted by the kernel's first tap
    WINNER = "winner"  # the ring around a max-pooling window's winner
    LABEL = "label"  # a plane's name and size
    VALUE = "value"  # a cell's value
    WEIGHT = "weight"  # a tap's weight
    HALO = "halo"  # a patch of a cell's fill that lifts a number off the joining lines
    PARTIAL = "partial"  # stack view: one input channel's sum of x times w over the footprint
    BIAS = "bias"  # stack view: the bias term of the sum
    TOTAL = "total"  # stack view: what the output cell receives


Drawn = TypeVar("Drawn", covariant=True)  # what a Renderer makes of one primitive


class Align(str, enum.Enum):
    """Where a label's point sits along its text; every label is centred on it in height."""

    START = "start"  # the text begins at the point
    MIDDLE = "middle"
    END = "end"  # the text ends at the point


@dataclass(frozen=True)
class CellShape:
    """A cell: a filled quadrilateral and its four edges, solid or dashed."""

    corners: np.ndarray  # (4, 2) pixels of grid points (r, c), (r, c+1), (r+1, c+1), (r+1, c)
    fill: RGB | None  # None: outline only
    outline: RGB
    width: int  # outline pixels across
    dash_period: float | None  # pixels per dash and gap; None for solid edges
    role: Role
    position: tuple[int, int]  # (row, column) of the cell on its plane
    output: bool  # on an output sheet (the upper plane of the guide's pictures)

    #: The edges as (from, to) corner indices, each from its lower grid point to its higher
    #: one, so that an edge shared by two cells is the same segment from both.
    EDGES = ((0, 1), (0, 3), (1, 2), (3, 2))

    def render(self, renderer: Renderer[Drawn]) -> Drawn:
        return renderer.cell(self)


@dataclass(frozen=True)
class Segment:
    """A straight line ``width`` pixels across."""

    start: np.ndarray  # (2,) pixels
    end: np.ndarray  # (2,) pixels
    colour: RGB
    width: int
    role: Role

    def render(self, renderer: Renderer[Drawn]) -> Drawn:
        return renderer.segment(self)


@dataclass(frozen=True)
class Disc:
    """A filled circle."""

    centre: np.ndarray  # (2,) pixels
    radius: float
    colour: RGB
    role: Role

    def render(self, renderer: Renderer[Drawn]) -> Drawn:
        return renderer.disc(self)


@dataclass(frozen=True)
class Ring:
    """A circle's outline."""

    centre: np.ndarray  # (2,) pixels
    radius: float
    colour: RGB
    width: int
    role: Role

    def render(self, renderer: Renderer[Drawn]) -> Drawn:
        return renderer.ring(self)


@dataclass(frozen=True)
class Label:
    """Text placed at a point."""

    centre: np.ndarray  # (2,) pixels
    text: str
    size: int  # pixels
    colour: RGB
    role: Role
    align: Align = Align.MIDDLE  # where the point sits along the text (always mid-height)

    def render(self, renderer: Renderer[Drawn]) -> Drawn:
        return renderer.text(self)


Primitive = CellShape | Segment | Disc | Ring | Label


class Renderer(Protocol[Drawn]):
    """A backend: one method per kind of primitive, each returning what the backend makes of
    it (None where it paints); ``primitive.render(renderer)`` calls the right one, so no
    backend asks a primitive its type (as matplotlib's ``RendererBase``).
    """

    def cell(self, shape: CellShape) -> Drawn: ...
    def segment(self, line: Segment) -> Drawn: ...
    def disc(self, disc: Disc) -> Drawn: ...
    def ring(self, ring: Ring) -> Drawn: ...
    def text(self, label: Label) -> Drawn: ...


class _Shifted:
    """A Renderer giving each primitive moved by ``offset`` pixels (whole pixels keep grid
    points on whole pixels)."""

    def __init__(self, offset: np.ndarray):
        self.offset = offset

    def cell(self, shape: CellShape) -> Primitive:
        return replace(shape, corners=shape.corners + self.offset)

    def segment(self, line: Segment) -> Primitive:
        return replace(line, start=line.start + self.offset, end=line.end + self.offset)

    def disc(self, disc: Disc) -> Primitive:
        return replace(disc, centre=disc.centre + self.offset)

    def ring(self, ring: Ring) -> Primitive:
        return replace(ring, centre=ring.centre + self.offset)

    def text(self, label: Label) -> Primitive:
        return replace(label, centre=label.centre + self.offset)


def shifted(primitives: Sequence[Primitive], offset: tuple[int, int]) -> tuple[Primitive, ...]:
    """``primitives`` moved right and down by ``offset`` = (x, y) whole pixels."""
    if offset == (0, 0):
        return tuple(primitives)
    mover = _Shifted(np.array(offset, dtype=float))
    return tuple(primitive.render(mover) for primitive in primitives)


def text_box(label: Label) -> np.ndarray:
    """The estimated (x0, y0, x1, y1) pixels a label's text covers (no font is measured)."""
    half = np.array([look.CHAR_WIDTH * len(label.text), look.GLYPH_HEIGHT]) * label.size / 2
    return np.concatenate([label.centre - half, label.centre + half])


def _overlap(first: np.ndarray, second: np.ndarray) -> bool:
    """Whether two (x0, y0, x1, y1) boxes share any area."""
    return bool((first[:2] < second[2:]).all() and (second[:2] < first[2:]).all())


def _crosses(box: np.ndarray, start: np.ndarray, end: np.ndarray) -> bool:
    """Whether segment start-end passes through the box (x0, y0, x1, y1): Liang-Barsky."""
    low, high = 0.0, 1.0
    delta = end - start
    for axis in (0, 1):
        for p, q in (
            (-delta[axis], start[axis] - box[axis]),
            (delta[axis], box[axis + 2] - start[axis]),
        ):
            if p == 0:
                if q < 0:
                    return False
            elif p < 0:
                low = max(low, q / p)
            else:
                high = min(high, q / p)
    return low <= high


@dataclass(frozen=True)
class FrameDrawing:
    """What one frame adds to the static layers."""

    below: tuple[Primitive, ...]  # over the lower layer, under the upper plane
    above: tuple[Primitive, ...]  # over the upper plane


@dataclass(frozen=True)
class Drawing:
    """A whole animation, laid out (see the module docstring for the stacking order)."""

    size: tuple[int, int]  # (width, height) pixels
    background: RGB
    lower: tuple[Primitive, ...]  # the lower plane, its values and the labels
    upper: tuple[Primitive, ...]  # the upper plane
    upper_region: tuple[CellShape, ...]  # the cells the upper plane hides what lies beneath
    frames: Sequence[FrameDrawing]  # laid out when read: one frame's primitives at a time


@dataclass(frozen=True)
class SheetPlacement:
    """Where the grid points of one plane land: ``origin`` plus whole-pixel steps."""

    steps: np.ndarray  # (2, 2) pixels per unit step in row (row 0) and column (row 1)
    scale: float  # pixels per cell edge
    origin: np.ndarray  # (2,) pixels of grid point (0, 0)
    shape: tuple[int, int]  # (rows, columns) of the plane

    def point(self, rc: object) -> np.ndarray:
        """Image pixel (x, y) of grid point(s) rc = (row, column), shape (..., 2)."""
        return np.asarray(rc, dtype=float) @ self.steps + self.origin

    def box(self) -> np.ndarray:
        """(2, 2) [[x0, y0], [x1, y1]] pixels the plane covers."""
        rows, cols = self.shape
        corners = self.point([[0, 0], [0, cols], [rows, 0], [rows, cols]])
        return np.stack([corners.min(axis=0), corners.max(axis=0)])


def check_cell_size(scale: float, width: int | None) -> None:
    """Refuse cells below MIN_CELL_PIXELS (``scale`` pixels each), saying the ``width`` that
    would draw them large enough, if one was asked for."""
    if scale < look.MIN_CELL_PIXELS:
        needed = ""
        if width:
            needed = f" (at least {int(np.ceil(width * look.MIN_CELL_PIXELS / scale))} px)"
        raise ConvanimError(
            "width",
            f"{scale:.2f} px per cell is too small to draw; cells need "
            f"{look.MIN_CELL_PIXELS} px{needed}",
        )


class Projection:
    """Where each plane's grid points land on the image, in whole pixels.

    Needs only the planes' shapes, so a picture's size is known before its board.
    """

    def __init__(self, lower: tuple[int, int], upper: tuple[int, int], style: Style):
        self.shapes = (lower, upper)
        self.layout = style.layout
        #: One-row planes (1-D specs) drawn flat stack vertically instead of side by side.
        self.stacked = style.layout is Layout.FLAT and lower[0] == upper[0] == 1
        basis = look.PROJECTIONS[style.layout]
        room = np.array([look.MARGIN, look.MARGIN + (look.LABEL_ROOM if style.labels else 0.0)])
        if style.width:  # the picture's width in cells, from the unrounded layout
            low, high, _ = self._bounds(basis, room, whole=False)
            self.scale = style.width / (high - low)[0]
        else:
            self.scale = style.cell or look.GUIDE_CELL
        check_cell_size(self.scale, style.width)
        self.steps = np.rint(basis * self.scale)  # pixels per unit step in r (row 0), in c (row 1)
        low, high, self.upper_shift = self._bounds(self.steps, np.rint(room * self.scale), True)
        if style.width:  # the side margins absorb what rounding the steps added or took
            spare = style.width - (high - low)[0]
            low[0] -= spare // 2
            high[0] += spare - spare // 2
        self.origin = low
        self.size = (int(high[0] - low[0]), int(high[1] - low[1]))

    def _bounds(
        self, steps: np.ndarray, room: np.ndarray, whole: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Corners of the picture for grid ``steps``, and the upper plane's offset (rounded if
        ``whole``)."""
        lower = self._box(self.shapes[0], steps)
        upper = self._box(self.shapes[1], steps)
        unit = np.abs(steps).max()  # pixels per cell
        if self.layout is Layout.OBLIQUE:  # upper plane above, centred over the lower one
            shift_x = lower[:, 0].mean() - upper[:, 0].mean()
            shift_y = lower[0, 1] - look.PLANE_GAP * unit - upper[1, 1]
        elif self.stacked:  # strips: output above input, so a window's lines fan out to it
            shift_x = lower[:, 0].mean() - upper[:, 0].mean()
            shift_y = lower[0, 1] - look.FLAT_GAP * unit - upper[1, 1]
        else:  # upper plane to the right, centred vertically
            shift_x = lower[1, 0] + look.FLAT_GAP * unit - upper[0, 0]
            shift_y = lower[:, 1].mean() - upper[:, 1].mean()
        shift = np.array([shift_x, shift_y])
        if whole:
            shift = np.rint(shift)
        both = np.concatenate([lower, upper + shift])
        return both.min(axis=0) - room, both.max(axis=0) + room, shift

    @staticmethod
    def _box(shape: tuple[int, ...], steps: np.ndarray) -> np.ndarray:
        rows, cols = shape
        corners = np.array([[0, 0], [0, cols], [rows, 0], [rows, cols]]) @ steps
        return np.stack([corners.min(axis=0), corners.max(axis=0)])

    def sheets(self) -> tuple[SheetPlacement, SheetPlacement]:
        """Where the lower and the upper plane land: whole grid points on whole pixels."""
        lower, upper = self.shapes
        return (
            SheetPlacement(self.steps, self.scale, -self.origin, lower),
            SheetPlacement(self.steps, self.scale, self.upper_shift - self.origin, upper),
        )


CELL_CENTRE_COLUMN = look.CELL_CENTRE[1]
#: Cells (numbers, pairs of them) a ``CellLayout`` remembers, of each: more than a frame draws.
PRIMITIVES_REMEMBERED = 1024

Made = TypeVar("Made")


def _remember(made: dict[tuple[object, ...], Made], key: tuple[object, ...], new: Made) -> Made:
    """``new``, kept in ``made`` under ``key``; ``made`` is emptied first when full."""
    if len(made) >= PRIMITIVES_REMEMBERED:
        made.clear()
    made[key] = new
    return new


class CellLayout:
    """Builds primitives in one placement, palette and scale."""

    def __init__(self, placement: SheetPlacement, palette: Palette, output: bool = False):
        self.placement = placement
        self.palette = palette
        self.output = output  # the cells are on an output sheet
        self.scale = placement.scale
        self.line = max(1, round(placement.scale / look.CELL_PIXELS_PER_OUTLINE_PIXEL))
        # The widest a line of text may be in a cell: the horizontal chord through the cell
        # (pixels), less ``slant`` pixels per pixel of text height where the bounding edges lean.
        along = np.linalg.solve(placement.steps.T, [1.0, 0.0])  # (row, column) per pixel of x
        bound = int(np.argmax(np.abs(along)))  # the coordinate that reaches the cell edge first
        self.chord = 1.0 / float(np.abs(along).max())
        edge = placement.steps[1 - bound]  # the bounding edges run along the other axis
        self.slant = abs(edge[0] / edge[1]) if edge[1] else 0.0
        # ``placed`` by (characters, size, position): it depends on the text's length alone.
        self._placements: dict[tuple[int, int, tuple[float, float]], tuple[int, float]] = {}
        # Cells, numbers and pairs made, by their arguments: a frame draws again much of what the
        # frames before it drew (the outputs printed so far, a lit kernel slice), so each is
        # made once and shared (primitives are never changed). At most PRIMITIVES_REMEMBERED
        # of each, so that a long animation's frames, painted one at a time, stay small.
        self._cells: dict[tuple[object, ...], CellShape] = {}
        self._numbers: dict[tuple[object, ...], Label] = {}
        self._pairs: dict[tuple[object, ...], tuple[Label, ...]] = {}

    def cell(
        self,
        r: int,
        c: int,
        fill: RGB | None,
        outline: RGB,
        dashed: bool = False,
        width: int | None = None,
        role: Role = Role.CELL,
    ) -> CellShape:
        key = (r, c, fill, outline, dashed, width, role)
        made = self._cells.get(key)
        if made is None:
            made = _remember(self._cells, key, self._cell(r, c, fill, outline, dashed, width, role))
        return made

    def _cell(
        self,
        r: int,
        c: int,
        fill: RGB | None,
        outline: RGB,
        dashed: bool,
        width: int | None,
        role: Role,
    ) -> CellShape:
        corners = self.placement.point([[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]])
        period = look.DASH_PERIOD * self.scale if dashed else None
        position = (int(r), int(c))
        return CellShape(
            corners, fill, outline, width or self.line, period, role, position, self.output
        )

    def dot(self, r: int, c: int, colour: RGB, at: float = look.FIRST_TAP_AT) -> Disc:
        """The kernel's first tap: a dot near the cell's first corner, clear of its number."""
        centre = self.placement.point([r + at, c + at])
        return Disc(centre, look.FIRST_TAP_RADIUS * self.scale, colour, Role.FIRST_TAP)

    def ring(self, r: int, c: int, colour: RGB) -> Ring:
        row, column = look.CELL_CENTRE
        centre = self.placement.point([r + row, c + column])
        width = look.RING_OUTLINE * self.line
        return Ring(centre, look.RING_RADIUS * self.scale, colour, width, Role.WINNER)

    def number(
        self,
        r: int,
        c: int,
        value: float,
        filled: bool | RGB,
        share: float = look.TEXT_SIZE,
        at: tuple[float, float] = look.CELL_CENTRE,
        role: Role = Role.VALUE,
        limit: int | None = None,
    ) -> Label:
        """A value inside cell (r, c), ``share`` of a cell high, at fractional position ``at``.

        ``filled`` cells (input, output) take the on-cell colour, others the text colour;
        on a highlighted cell, ``filled`` is its fill and the text takes the colour that
        reads best on it.
        """
        key = (r, c, value, filled, share, at, role, limit)
        made = self._numbers.get(key)
        if made is None:
            label = self._number(r, c, value, filled, share, at, role, limit)
            made = _remember(self._numbers, key, label)
        return made

    def _number(
        self,
        r: int,
        c: int,
        value: float,
        filled: bool | RGB,
        share: float,
        at: tuple[float, float],
        role: Role,
        limit: int | None,
    ) -> Label:
        text = number_text(value)
        size = self.fitted(text, share)
        if limit is not None:
            size = max(look.MIN_TEXT_PIXELS, min(size, limit))
        size, column = self.placed(text, size, at)
        centre = self.placement.point([r + at[0], c + column])
        if isinstance(filled, tuple):
            colour = look.readable_on(filled, self.palette)
        else:
            colour = self.palette.on_cell if filled else self.palette.text
        return Label(centre, text, size, colour, role)

    def placed(self, text: str, size: int, at: tuple[float, float]) -> tuple[int, float]:
        """The largest size up to ``size``, and the column nearest ``at``'s (sliding towards
        the centre column), at which ``text`` lies inside its cell, TEXT_MARGIN clear of it."""
        key = (len(text), size, at)
        if key not in self._placements:
            self._placements[key] = self._place(len(text), size, at)
        return self._placements[key]

    def _place(self, characters: int, size: int, at: tuple[float, float]) -> tuple[int, float]:
        slide = [at[1] + (CELL_CENTRE_COLUMN - at[1]) * t for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
        for tried in range(size, look.MIN_TEXT_PIXELS - 1, -1):
            half = np.array([look.CHAR_WIDTH * characters, look.GLYPH_HEIGHT]) * tried / 2
            box = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half  # pixel offsets
            spread = np.linalg.solve(self.placement.steps.T, box.T).T  # in (row, column)
            for column in slide:
                inside = np.array([at[0], column]) + spread
                if (inside >= look.TEXT_MARGIN).all() and (inside <= 1 - look.TEXT_MARGIN).all():
                    return tried, column
        return min(size, look.MIN_TEXT_PIXELS), CELL_CENTRE_COLUMN

    def fitted(self, text: str, share: float) -> int:
        """The font size for ``text``: ``share`` of a cell, shrunk until it fits its cell."""
        size = round(share * self.scale)
        fit = (
            look.TEXT_FIT
            * self.chord
            / (look.CHAR_WIDTH * len(text) + self.slant * look.GLYPH_HEIGHT)
        )
        return max(look.MIN_TEXT_PIXELS, min(size, int(fit)))

    def paired(
        self,
        r: int,
        c: int,
        value: float | None,
        weight: float | None,
        fill: bool | RGB,
    ) -> tuple[Label, ...]:
        """The labels of a cell's value and its tap's weight (either may be None), each as
        ``number`` prints it on ``fill``, shrunk until they do not touch."""
        key = (r, c, value, weight, fill)
        made = self._pairs.get(key)
        if made is None:
            made = _remember(self._pairs, key, self._paired(r, c, value, weight, fill))
        return made

    def _paired(
        self,
        r: int,
        c: int,
        value: float | None,
        weight: float | None,
        fill: bool | RGB,
    ) -> tuple[Label, ...]:
        printed = None if value is None else self.number(r, c, value, fill)
        if weight is None:
            return () if printed is None else (printed,)
        at = (look.WEIGHT_ROW, look.WEIGHT_AT[1])

        def tap(limit: int | None = None) -> Label:
            assert weight is not None
            return self.number(r, c, weight, fill, look.WEIGHT_SIZE, at, Role.WEIGHT, limit)

        label = tap()
        while printed is not None and _overlap(text_box(printed), text_box(label)):
            if label.size > look.MIN_TEXT_PIXELS:  # the weight gives way first
                label = tap(label.size - 1)
            elif printed.size > look.MIN_TEXT_PIXELS:
                printed = replace(printed, size=printed.size - 1)
            else:
                break
        return (label,) if printed is None else (printed, label)

    def label(self, plane: Plane, below: bool, text: str) -> Label:
        rows, cols = plane.cells.shape
        corners = self.placement.point([[0, 0], [0, cols], [rows, 0], [rows, cols]])
        offset = look.LABEL_OFFSET * self.scale
        y = corners[:, 1].max() + offset if below else corners[:, 1].min() - offset
        centre = np.array([corners[:, 0].mean(), y])
        size = max(look.MIN_LABEL_PIXELS, round(look.TEXT_SIZE * self.scale))
        return Label(centre, text, size, self.palette.text, Role.LABEL)


def plane_fill(plane: Plane, palette: Palette, r: int, c: int) -> RGB | None:
    kind = int(plane.cells[r, c])  # an int: NumPy compares its own scalars with a Cell slowly
    if kind == Cell.INPUT:
        fill = palette.input
    elif kind == Cell.COPIED:
        return blend(palette.input, palette.background, look.COPY_FADE)
    elif kind == Cell.OUTPUT:
        fill = palette.output
    else:
        return None
    if plane.unread[r, c] or plane.cropped[r, c]:
        fill = blend(fill, palette.background, look.UNREAD_FADE)
    return fill


def value_ground(plane: Plane, palette: Palette, r: int, c: int) -> bool | RGB:
    """What a value printed in cell (r, c) of ``plane`` stands on, as ``CellLayout.number``
    takes it: True for an input cell whose on-cell colour reads on it; the fill of one it
    does not read on (a pale unread or cropped cell, a pale filter slice), whose text then
    takes the colour that reads best; False for the rest."""
    fill = plane_fill(plane, palette, r, c)
    if int(plane.cells[r, c]) == Cell.COPIED and fill is not None:
        return fill  # a pale copy: its value in the colour that reads on it
    if int(plane.cells[r, c]) != Cell.INPUT or fill is None:
        return False
    if look.contrast(palette.on_cell, fill) >= look.MIN_TEXT_CONTRAST:
        return True
    return fill


def plane_cells(layout: CellLayout, plane: Plane) -> list[Primitive]:
    palette = layout.palette
    faded = blend(palette.outline, palette.background, look.CROPPED_OUTLINE_FADE)
    kinds, cropped = plane.cells.tolist(), plane.cropped.tolist()  # ints and bools
    # Dashed cells first, so that solid edges win where the two meet.
    order = sorted(np.ndindex(plane.cells.shape), key=lambda rc: kinds[rc[0]][rc[1]] == Cell.INPUT)
    shapes: list[Primitive] = []
    for r, c in order:
        kind = kinds[r][c]
        if kind == Cell.HIDDEN:
            continue
        outline = faded if cropped[r][c] else palette.outline
        dashed = kind in (Cell.PADDING, Cell.INSERTED_ZERO, Cell.COPIED) or cropped[r][c]
        shapes.append(layout.cell(r, c, plane_fill(plane, palette, r, c), outline, dashed))
    return shapes


def lit_cells(cells: CellLayout, plane: Plane, positions: np.ndarray) -> list[CellShape]:
    """The cells of ``plane`` at ``positions`` under the highlight (their fill blended with it)."""
    palette = cells.palette
    shapes = []
    for r, c in positions.tolist():
        under = plane_fill(plane, palette, r, c) or palette.background
        fill = blend(under, palette.highlight, look.HIGHLIGHT_OPACITY)
        shapes.append(cells.cell(r, c, fill, palette.outline, role=Role.HIGHLIGHT))
    return shapes


def lit_numbers(
    cells: CellLayout,
    lit: list[CellShape],
    values: np.ndarray,
    weights: np.ndarray | None,
) -> list[tuple[tuple[int, int], Primitive]]:
    """On each highlighted cell of ``lit``: its value from ``values`` (a plane of them, NaN:
    none) and, when ``weights`` are given, the weight of its tap; each with its cell."""
    labels: list[tuple[tuple[int, int], Primitive]] = []
    plane = values.tolist()  # Python floats: read one by one, NumPy's scalars are slow
    taps = None if weights is None else weights.tolist()
    for k, shape in enumerate(lit):
        r, c = shape.position
        assert shape.fill is not None
        value = None if math.isnan(plane[r][c]) else plane[r][c]
        weight = None if taps is None else float(taps[k])
        labels += [((r, c), label) for label in cells.paired(r, c, value, weight, shape.fill)]
    return labels


def stamp_fill(palette: Palette, count: int, most: int) -> RGB:
    """An output cell that has received ``count`` stamps of the ``most`` any receives."""
    return blend(palette.output, palette.highlight, look.STAMP_SHADE_MAX * count / most)


def stamp_cells(
    layout: CellLayout,
    palette: Palette,
    counts: np.ndarray,
    stamp: np.ndarray,
    cells: np.ndarray,
    most: int,
) -> tuple[list[CellShape], list[CellShape]]:
    """One output plane of the scatter view: its cells shaded by the ``counts`` of stamps
    each has received, and the current stamp's cells ``stamp`` (S, 2) outlined, those
    the padding crops (``Cell.HIDDEN`` in ``cells``) shaded as outside and dashed."""
    shaded = [
        layout.cell(r, c, stamp_fill(palette, int(counts[r, c]), most), palette.outline)
        for r, c in np.argwhere(counts).tolist()
    ]
    outside = blend(palette.background, palette.highlight, look.OUTSIDE_STAMP_SHADE)
    width = look.CURRENT_STAMP_OUTLINE * layout.line
    current = [
        layout.cell(r, c, outside, palette.outline, dashed=True, role=Role.HIGHLIGHT)
        if int(cells[r, c]) == Cell.HIDDEN
        else layout.cell(r, c, None, palette.outline, width=width, role=Role.HIGHLIGHT)
        for r, c in stamp.tolist()
    ]
    return shaded, current


def box_corners(placement: SheetPlacement, box: np.ndarray) -> np.ndarray:
    """(4, 2) pixels of the corners of a cell-edge ``box`` [[row0, col0], [row1, col1]]."""
    (r0, c0), (r1, c1) = box
    return placement.point([[r0, c0], [r0, c1], [r1, c0], [r1, c1]])


def copy_lines(cells: CellLayout, copies: np.ndarray) -> list[Segment]:
    """From each input cell to the padding cell copying it (``Step.copies``): a line between
    their centres, COPY_JOIN_INSET short of each (the copy is the tinted end)."""
    colour = cells.palette.outline
    shapes = []
    for source, copy in copies.tolist():
        start, end = np.add(source, look.CELL_CENTRE), np.add(copy, look.CELL_CENTRE)
        along = (end - start) / np.linalg.norm(end - start)
        start, end = start + along * look.COPY_JOIN_INSET, end - along * look.COPY_JOIN_INSET
        points = cells.placement.point([start, end])
        shapes.append(Segment(points[0], points[1], colour, look.COPY_JOIN_WIDTH, Role.COPY))
    return shapes


def join_lines(start: np.ndarray, end: np.ndarray, palette: Palette) -> list[Segment]:
    """The guide's thin lines from each of the ``start`` corners to its ``end`` corner.

    The guide's thin black lines, anti-aliased, read as the outlines' dark teal over its
    cells; they are drawn one pixel wide in that colour.
    """
    return [Segment(a, b, palette.outline, look.JOIN_WIDTH, Role.JOIN) for a, b in zip(start, end)]


class _FrameLayout:
    """Lays out the frames of one board in the guide's two planes."""

    def __init__(
        self,
        board: Board,
        lower: CellLayout,
        upper: CellLayout,
        flat: bool,
        numbers: Numbers | None,
    ):
        self.board = board
        self.lower, self.upper, self.flat = lower, upper, flat
        self.palette = lower.palette
        self.numbers = numbers
        self.story = board.frames
        self.max_count = max(
            (int(step.counts.max()) for step in board.steps if step.counts is not None),
            default=0,
        )

    def frame(self, index: int) -> FrameDrawing:
        frame = self.board.step(self.story[index])
        palette = self.palette
        lit = lit_cells(self.lower, self.board.lower, frame.lower)
        copies = copy_lines(self.lower, frame.copies)
        below: list[Primitive] = [*lit, *copies]
        numbers = self.numbers.frames[index] if self.numbers is not None else None
        pooling = numbers is not None and numbers.taps is None
        dot: list[Primitive] = []
        if self.board.view is View.CANVAS and not pooling:  # a pooling window has no first tap
            r, c = frame.first_tap
            dot.append(self.lower.dot(r, c, palette.outline))
        join = self._join(frame) if len(frame.lower) else []
        if numbers is None:
            below += [*dot, *join]
        else:  # numbers over the joining lines, so that none strikes through a digit
            lower_numbers = self._lower_numbers(lit, numbers)
            lines = [*join, *copies]  # numbers they cross are lifted off them
            below += [*join, *self._lifted(lower_numbers, lines, frame), *dot]
        above: list[Primitive] = []
        if frame.counts is not None:
            above += self._accumulated(frame)
        else:
            for r, c in frame.upper:
                fill = blend(palette.output, palette.highlight, look.HIGHLIGHT_OPACITY)
                above.append(self.upper.cell(r, c, fill, palette.outline, role=Role.HIGHLIGHT))
        if numbers is not None:
            fills: dict[tuple[int, int], RGB] = {}
            for shape in above:
                if isinstance(shape, CellShape) and shape.fill is not None:
                    fills[shape.position] = shape.fill
            stamp = {}
            if numbers.taps is not None and self.board.stamps:
                stamp = {(int(r), int(c)): w for (r, c), w in zip(frame.upper, numbers.taps[0])}
            for (r, c), value in np.ndenumerate(numbers.outputs[0]):
                on: bool | RGB = fills.get((r, c), True)
                printed = None if np.isnan(value) else value
                above += self.upper.paired(r, c, printed, stamp.pop((r, c), None), on)
            for (r, c), weight in stamp.items():  # stamp cells the padding crops
                above += self.upper.paired(r, c, None, weight, fills.get((r, c), True))
        return FrameDrawing(tuple(below), tuple(above))

    def _lower_numbers(
        self, lit: list[CellShape], numbers: FrameNumbers
    ) -> list[tuple[tuple[int, int], Primitive]]:
        """Values under the highlight again, the weight of each tap in its corner, the max
        ringed: each with the lower cell it is drawn in."""
        assert self.numbers is not None
        weights = None if numbers.taps is None or self.board.stamps else numbers.taps[0]
        shapes = lit_numbers(self.lower, lit, self.numbers.inputs[0], weights)
        if numbers.marked is not None:
            r, c = numbers.marked
            shapes.append(((r, c), self.lower.ring(r, c, self.palette.outline)))
        return shapes

    def _lifted(
        self, shapes: list[tuple[tuple[int, int], Primitive]], join: list[Segment], frame: Step
    ) -> list[Primitive]:
        """``shapes`` (each with its lower cell), and in the flat view the numbers of other lower cells the join crosses,
        each crossed number on a patch of its cell's fill (a halo) that cuts the lines around
        it. (A patch is square: in the oblique view it would cover the slanted outlines.)"""
        if not self.flat or not join:
            return [shape for _, shape in shapes]
        assert self.numbers is not None
        lower = self.board.lower
        footprint = {(int(r), int(c)) for r, c in frame.lower}
        under = {}
        for r, c in frame.lower:
            fill = plane_fill(lower, self.palette, r, c) or self.palette.background
            under[(int(r), int(c))] = blend(fill, self.palette.highlight, look.HIGHLIGHT_OPACITY)
        labels: list[tuple[tuple[int, int], Label]] = []
        for (r, c), value in np.ndenumerate(self.numbers.inputs[0]):
            if (r, c) not in footprint and not np.isnan(value):
                filled = value_ground(lower, self.palette, r, c)
                labels.append(((r, c), self.lower.number(r, c, value, filled)))
        lifted: list[Primitive] = []
        pad = look.HALO_PAD * self.lower.scale
        for cell, shape in shapes:
            if isinstance(shape, Label):
                labels.append((cell, shape))
            else:
                lifted.append(shape)
        for cell, label in labels:
            box = text_box(label) + np.array([-pad, -pad, pad, pad])
            crossed = any(_crosses(box, line.start, line.end) for line in join)
            if not crossed and cell not in footprint:
                continue
            if crossed:
                fill = (
                    under.get(cell)
                    or plane_fill(lower, self.palette, *cell)
                    or self.palette.background
                )
                x0, y0, x1, y1 = box
                corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
                lifted.append(CellShape(corners, fill, fill, 1, None, Role.HALO, cell, False))
            lifted.append(label)
        return lifted

    def _join(self, frame: Step) -> list[Segment]:
        lower = box_corners(self.lower.placement, frame.lower_box)
        upper = box_corners(self.upper.placement, frame.upper_box)
        return join_lines(lower, upper, self.palette)

    def _accumulated(self, frame: Step) -> list[Primitive]:
        """Scatter view: output cells shaded by stamps so far; the current stamp outlined."""
        assert frame.counts is not None
        palette = self.palette
        shaded, current = stamp_cells(
            self.upper, palette, frame.counts, frame.upper, self.board.upper.cells, self.max_count
        )
        shapes: list[Primitive] = [*shaded, *current]
        if len(frame.upper):  # inside the stamp's thick outline, in a colour that reads
            fills = {s.position: s.fill for s in shapes if isinstance(s, CellShape) and s.fill}
            r, c = frame.first_tap
            under = fills.get((r, c)) or palette.output
            colour = look.readable_on(under, palette)
            shapes.append(self.upper.dot(r, c, colour, at=look.STAMP_TAP_AT))
        return shapes


def draw(board: Board, style: Style, numbers: Numbers | None = None) -> Drawing:
    """Lay out every frame of ``board`` in ``style``, with ``numbers`` printed if given.

    >>> from convanim.geometry import ConvSpec
    >>> from convanim.story.board import build_board
    >>> drawing = draw(build_board(ConvSpec(input_size=(5, 5), kernel=3)), Style())
    >>> drawing.size, len(drawing.frames)
    ((308, 380), 9)
    """
    projection = Projection(board.lower.cells.shape, board.upper.cells.shape, style)
    lower_sheet, upper_sheet = projection.sheets()
    lower_cells = CellLayout(lower_sheet, style.palette)
    upper_cells = CellLayout(upper_sheet, style.palette, output=True)
    lower = plane_cells(lower_cells, board.lower)
    if numbers is not None:
        for (r, c), value in np.ndenumerate(numbers.inputs[0]):
            if not np.isnan(value):
                filled = value_ground(board.lower, style.palette, r, c)
                lower.append(lower_cells.number(r, c, value, filled))
    if style.labels:
        below = style.layout is Layout.FLAT and not projection.stacked
        lower.append(lower_cells.label(board.lower, True, board.lower.label))
        lower.append(upper_cells.label(board.upper, below, board.upper.label))
    upper = plane_cells(upper_cells, board.upper)
    background = style.palette.background
    region = tuple(
        upper_cells.cell(r, c, fill=background, outline=background)
        for r, c in np.ndindex(board.upper.cells.shape)
        if int(board.upper.cells[r, c]) != Cell.HIDDEN
    )
    flat = style.layout is Layout.FLAT
    frames = _FrameLayout(board, lower_cells, upper_cells, flat, numbers)
    return Drawing(
        size=projection.size,
        background=style.palette.background,
        lower=tuple(lower),
        upper=tuple(upper),
        upper_region=region,
        frames=Lazy(len(frames.story), frames.frame),
    )
