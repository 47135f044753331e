"""Draw a storyboard as RGB frames in Dumoulin & Visin's style, with Pillow.

Static layers (the lower plane, the upper plane, the labels) are drawn once;
each frame copies them and draws only what it highlights. Grid points land on
whole pixels (a step in row or column is an integer pixel vector), so every
cell is rasterised alike and a highlight moved by one cell changes the same
pixels shifted: hard edges, a handful of colours, small GIFs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from convanim.numbers import FrameNumbers, Numbers, number_text
from convanim.render.palette import THEMES, Palette, blend
from convanim.storyboard import Cell, Frame, Plane, Storyboard

LAYOUTS = ("oblique", "flat")
#: Dumoulin & Visin's TikZ slant (xslant=-0.7, then yslant=0.5), with y pointing down:
#: a step in column c moves (1, -0.5), a step in row r moves (0.7, 0.65).
OBLIQUE = np.array([[0.7, 0.65], [1.0, -0.5]])  # rows: screen (x, y) of a unit step in r, in c
FLAT = np.array([[0.0, 1.0], [1.0, 0.0]])
PLANE_GAP = 0.0  # the upper plane starts where the lower one ends, as in the guide
FLAT_GAP = 1.6  # cells between input and output in the flat layout
MARGIN = 1.2  # cells around the picture
DASH = 0.25  # dash length, in cells (about two dashes per cell edge, as in the guide)
NUMBERS_CELL = 44.0  # pixels per cell when numbers are printed


@dataclass(frozen=True)
class Style:
    theme: str = "light"
    layout: str = "oblique"
    cell: float = 28.3  # pixels per cell edge in the final image: the guide's scale
    labels: bool = True
    width: int | None = None  # if set, the final width in pixels (overrides cell)

    @property
    def palette(self) -> Palette:
        return THEMES[self.theme]


class Canvas:
    """Where each plane's grid points land on the image, in whole pixels."""

    def __init__(self, board: Storyboard, style: Style):
        self.board = board
        self.layout = style.layout
        basis = OBLIQUE if style.layout == "oblique" else FLAT
        room = np.array([MARGIN, MARGIN + (1.0 if style.labels else 0.0)])
        if style.width:  # the picture's width in cells, from the unrounded layout
            low, high, _ = self._bounds(basis, room, whole=False)
            self.scale = style.width / (high - low)[0]
        else:
            self.scale = style.cell
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
        lower = self._box(self.board.lower.cells.shape, steps)
        upper = self._box(self.board.upper.cells.shape, steps)
        unit = np.abs(steps).max()  # pixels per cell
        if self.layout == "oblique":  # upper plane above, centred over the lower one
            shift_x = lower[:, 0].mean() - upper[:, 0].mean()
            shift_y = lower[0, 1] - PLANE_GAP * unit - upper[1, 1]
        else:  # upper plane to the right, centred vertically
            shift_x = lower[1, 0] + FLAT_GAP * unit - upper[0, 0]
            shift_y = lower[:, 1].mean() - upper[:, 1].mean()
        shift = np.array([shift_x, shift_y])
        if whole:
            shift = np.rint(shift)
        both = np.concatenate([lower, upper + shift])
        return both.min(axis=0) - room, both.max(axis=0) + room, shift

    @staticmethod
    def _box(shape, steps: np.ndarray) -> np.ndarray:
        rows, cols = shape
        corners = np.array([[0, 0], [0, cols], [rows, 0], [rows, cols]]) @ steps
        return np.stack([corners.min(axis=0), corners.max(axis=0)])

    def point(self, rc, upper: bool) -> np.ndarray:
        """Image pixel (x, y) of grid point(s) rc = (row, col), shape (..., 2).

        Whole grid points land on whole pixels; fractional ones in between.
        """
        xy = np.asarray(rc, dtype=float) @ self.steps - self.origin
        return xy + self.upper_shift if upper else xy

    def cell_polygon(self, r: int, c: int, upper: bool) -> list[tuple[float, float]]:
        corners = self.point([[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]], upper)
        return [tuple(p) for p in corners]


class Painter:
    """Draws cells, dashed outlines and lines onto one image."""

    def __init__(self, image: Image.Image, canvas: Canvas, palette: Palette):
        self.draw = ImageDraw.Draw(image)
        self.canvas = canvas
        self.palette = palette
        self.line = max(1, round(canvas.scale / 18))

    def cell(self, r, c, upper, fill, outline, dashed=False, width=None):
        if fill is not None:
            self.draw.polygon(self.canvas.cell_polygon(r, c, upper), fill=fill)
        width = width or self.line
        # Each edge runs from its lower grid point to its higher one, so that an edge
        # shared by two cells lands on the same pixels from both.
        edges = [((r, c), (r, c + 1)), ((r, c), (r + 1, c)), ((r, c + 1), (r + 1, c + 1))]
        edges.append(((r + 1, c), (r + 1, c + 1)))
        for start, end in edges:
            a, b = self.canvas.point([start, end], upper)
            if dashed:
                self.dashed_line(a, b, outline, width)
            else:
                self.stroke(a, b, outline, width)

    def dashed_line(self, start, end, colour, width):
        length = np.hypot(*(end - start))
        # Whole dashes centred on equal stretches, so corners stay open as in the guide.
        dashes = max(1, round(length / (2 * DASH * self.canvas.scale)))
        for k in range(dashes):
            a = start + (end - start) * (4 * k + 1) / (4 * dashes)
            b = start + (end - start) * (4 * k + 3) / (4 * dashes)
            self.stroke(a, b, colour, width)

    def stroke(self, a, b, colour, width=1):
        """A line ``width`` pixels thick across its direction of travel, the same for every slope.

        Pillow's wide lines vary in thickness with the slope; this stacks one-pixel lines
        side by side along the axis the line does not mainly follow.
        """
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        across = np.array([0.0, 1.0]) if abs(b - a)[0] >= abs(b - a)[1] else np.array([1.0, 0.0])
        for k in range(width):
            shift = (k - (width - 1) // 2) * across
            self.draw.line([tuple(a + shift), tuple(b + shift)], fill=colour, width=1)

    def dot(self, r, c, upper, colour):
        """The kernel's first tap: a dot near the cell's first corner, clear of its number."""
        x, y = self.canvas.point([r + 0.22, c + 0.22], upper)
        radius = 0.09 * self.canvas.scale
        self.draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)

    def ring(self, r, c, upper, colour):
        x, y = self.canvas.point([r + 0.5, c + 0.5], upper)
        radius = 0.3 * self.canvas.scale
        box = [x - radius, y - radius, x + radius, y + radius]
        self.draw.ellipse(box, outline=colour, width=2 * self.line)

    def text(self, xy, label, size, colour=None):
        colour = colour or self.palette.text
        self.draw.text(tuple(xy), label, fill=colour, font=_font(size), anchor="mm")

    def number(self, r, c, upper, value, filled, share=0.42, at=(0.5, 0.5)):
        """A value inside cell (r, c), ``share`` of a cell high, at fractional position ``at``.

        ``filled`` cells (input, output) take the on-cell colour, others the text colour.
        """
        xy = self.canvas.point([r + at[0], c + at[1]], upper)
        colour = self.palette.on_cell if filled else self.palette.text
        self.text(xy, number_text(value), round(share * self.canvas.scale), colour)


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _plane_fill(plane: Plane, palette: Palette, r: int, c: int) -> tuple | None:
    kind = plane.cells[r, c]
    if kind == Cell.INPUT:
        fill = palette.input
    elif kind == Cell.OUTPUT:
        fill = palette.output
    else:
        return None
    if plane.unread[r, c] or plane.cropped[r, c]:
        fill = blend(fill, palette.background, 0.6)
    return fill


def _draw_plane(painter: Painter, plane: Plane, upper: bool) -> None:
    palette = painter.palette
    faded = blend(palette.outline, palette.background, 0.55)
    # Dashed cells first, so that solid edges win where the two meet.
    order = sorted(np.ndindex(plane.cells.shape), key=lambda rc: plane.cells[rc] == Cell.INPUT)
    for r, c in order:
        kind = plane.cells[r, c]
        if kind == Cell.HIDDEN:
            continue
        outline = faded if plane.cropped[r, c] else palette.outline
        dashed = kind in (Cell.PADDING, Cell.INSERTED_ZERO) or plane.cropped[r, c]
        painter.cell(r, c, upper, _plane_fill(plane, palette, r, c), outline, dashed)


def _label_point(canvas: Canvas, plane: Plane, upper: bool, below: bool) -> np.ndarray:
    rows, cols = plane.cells.shape
    corners = canvas.point([[0, 0], [0, cols], [rows, 0], [rows, cols]], upper)
    y = (
        corners[:, 1].max() + 0.55 * canvas.scale
        if below
        else corners[:, 1].min() - 0.55 * canvas.scale
    )
    return np.array([corners[:, 0].mean(), y])


class FrameRenderer:
    """Renders the frames of one storyboard; static layers are built once in __init__."""

    def __init__(self, board: Storyboard, style: Style, numbers: Numbers | None = None):
        self.board = board
        self.numbers = numbers
        self.style = style
        self.palette = style.palette
        self.canvas = Canvas(board, style)
        self.lower_layer = Image.new("RGB", self.canvas.size, self.palette.background)
        painter = Painter(self.lower_layer, self.canvas, self.palette)
        _draw_plane(painter, board.lower, upper=False)
        if numbers is not None:
            for (r, c), value in np.ndenumerate(numbers.lower):
                if not np.isnan(value):
                    painter.number(r, c, False, value, board.lower.cells[r, c] == Cell.INPUT)
        self.upper_layer = Image.new("RGB", self.canvas.size, self.palette.background)
        self.upper_mask = Image.new("L", self.canvas.size, 0)
        _draw_plane(Painter(self.upper_layer, self.canvas, self.palette), board.upper, upper=True)
        mask_painter = Painter(self.upper_mask, self.canvas, self.palette)
        for r, c in np.ndindex(board.upper.cells.shape):
            if board.upper.cells[r, c] != Cell.HIDDEN:  # the cell as drawn, outline included
                mask_painter.cell(r, c, True, fill=255, outline=255)
        if style.labels:
            size = round(0.42 * self.canvas.scale)
            flat = style.layout == "flat"
            painter.text(
                _label_point(self.canvas, board.lower, False, True), board.lower.label, size
            )
            painter.text(
                _label_point(self.canvas, board.upper, True, flat), board.upper.label, size
            )
        self.max_count = max(
            (int(frame.counts.max()) for frame in board.frames if frame.counts is not None),
            default=0,
        )

    def render(self, frame: Frame, index: int = 0) -> Image.Image:
        """Frame ``index`` of the storyboard as an RGB image of the final size."""
        palette = self.palette
        image = self.lower_layer.copy()
        painter = Painter(image, self.canvas, palette)
        lower = self.board.lower
        for r, c in frame.lower:
            under = _plane_fill(lower, palette, r, c) or palette.background
            fill = blend(under, palette.highlight, palette.highlight_opacity)
            painter.cell(r, c, False, fill, palette.outline)
        numbers = self.numbers.frames[index] if self.numbers is not None else None
        if numbers is not None:
            self._lower_numbers(painter, frame, numbers)
        pooling = numbers is not None and numbers.weights is None
        if self.board.view == "canvas" and not pooling:  # a pooling window has no first tap
            painter.dot(*frame.first_tap, False, palette.outline)
        if len(frame.lower):
            self._join(painter, frame)
        image.paste(self.upper_layer, mask=self.upper_mask)
        if frame.counts is not None:
            self._accumulated(painter, frame)
        else:
            for r, c in frame.upper:
                fill = blend(palette.output, palette.highlight, palette.highlight_opacity)
                painter.cell(r, c, True, fill, palette.outline)
        if numbers is not None:
            for (r, c), value in np.ndenumerate(numbers.upper):
                if not np.isnan(value):
                    painter.number(r, c, True, value, filled=True)
        return image

    def _lower_numbers(self, painter: Painter, frame: Frame, numbers: FrameNumbers) -> None:
        """Values under the highlight again, the weight of each tap in its corner, the max ringed."""
        values = self.numbers.lower
        for k, (r, c) in enumerate(frame.lower):
            filled = self.board.lower.cells[r, c] == Cell.INPUT
            if not np.isnan(values[r, c]):
                painter.number(r, c, False, values[r, c], filled)
            if numbers.weights is not None:
                weight = numbers.weights[k]
                painter.number(r, c, False, weight, filled, share=0.3, at=(0.8, 0.78))
        if numbers.marked is not None:
            painter.ring(*numbers.marked, False, self.palette.outline)

    def _join(self, painter: Painter, frame: Frame) -> None:
        (r0, c0), (r1, c1) = frame.lower_box
        (u0, v0), (u1, v1) = frame.upper_box
        lower = self.canvas.point([[r0, c0], [r0, c1], [r1, c0], [r1, c1]], upper=False)
        upper = self.canvas.point([[u0, v0], [u0, v1], [u1, v0], [u1, v1]], upper=True)
        # The guide's thin black lines, anti-aliased, read as the outlines' dark teal
        # over its cells; drawn one pixel wide in that colour.
        for a, b in zip(lower, upper):
            painter.stroke(a, b, self.palette.outline)

    def _accumulated(self, painter: Painter, frame: Frame) -> None:
        """Scatter view: output cells shaded by stamps so far; the current stamp outlined."""
        palette = self.palette
        upper = self.board.upper
        for r, c in zip(*np.nonzero(frame.counts)):
            shade = 0.65 * frame.counts[r, c] / self.max_count
            painter.cell(
                r, c, True, blend(palette.output, palette.highlight, shade), palette.outline
            )
        outside = blend(palette.background, palette.highlight, 0.2)
        for r, c in frame.upper:
            if upper.cells[r, c] == Cell.HIDDEN:
                painter.cell(r, c, True, outside, palette.outline, dashed=True)
            else:
                painter.cell(r, c, True, None, palette.outline, width=3 * painter.line)
        if len(frame.upper):
            painter.dot(*frame.first_tap, True, palette.outline)


def render_frames(
    board: Storyboard, style: Style, numbers: Numbers | None = None
) -> list[Image.Image]:
    renderer = FrameRenderer(board, style, numbers)
    return [renderer.render(frame, index) for index, frame in enumerate(board.frames)]
