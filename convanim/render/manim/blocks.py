"""Manim building blocks for the scenes: cell grids, value labels, heat maps, colours by role.

Grids are built from board planes and arrays; nothing here computes an index,
and every colour, opacity, width and font size comes from ``convanim.draw.style``.
Cell (r, c) sits at column c, row r counted downwards, ``size`` scene units apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    UL,
    Dot,
    FadeIn,
    FadeOut,
    ManimColor,
    Mobject,
    Scene,
    Square,
    Text,
    VGroup,
    VMobject,
    interpolate_color,
)

from convanim.draw import style
from convanim.draw.style import RGB, THEMES
from convanim.render.manim import theme
from convanim.story.board import Board, Cell, Plane, Step
from convanim.story.scenes import TIMES
from convanim.story.values import number_text

_PALETTE = THEMES[theme.THEME]


def colour(rgb: RGB) -> ManimColor:
    """An (r, g, b) of 0..255 as a Manim colour."""
    red, green, blue = rgb
    return ManimColor.from_rgb((red / 255, green / 255, blue / 255))


BACKGROUND = colour(_PALETTE.background)
INPUT = colour(_PALETTE.input)
OUTPUT = colour(_PALETTE.output)
OUTLINE = colour(_PALETTE.outline)
HIGHLIGHT = colour(_PALETTE.highlight)
TEXT = colour(_PALETTE.text)
#: An input and an output cell under the highlight, as the GIFs blend it.
LIT_INPUT = colour(style.blend(_PALETTE.input, _PALETTE.highlight, style.HIGHLIGHT_OPACITY))
LIT_OUTPUT = colour(style.blend(_PALETTE.output, _PALETTE.highlight, style.HIGHLIGHT_OPACITY))
#: One colour per kernel position, for matrix entries (cycled if the kernel is larger).
KERNEL_COLOURS = [colour(rgb) for rgb in style.KERNEL_COLOURS]
HEAT_POSITIVE = colour(style.HEAT_POSITIVE)
HEAT_NEGATIVE = colour(style.HEAT_NEGATIVE)
#: Fill opacity of unread and cropped input cells: the raster renderer's fade towards
#: the background, which over Manim's background is this opacity.
FADED_OPACITY = 1 - style.UNREAD_FADE


class Grid(VGroup):
    """A (rows, cols) grid of squares, row-major; ``grid[r, c]`` is one cell."""

    def __init__(self, shape: tuple[int, int], size: float = theme.CELL, **square_style: Any):
        rows, cols = shape
        self._squares = np.empty(shape, dtype=object)
        for r in range(rows):
            for c in range(cols):
                square = Square(side_length=size, **square_style)
                square.move_to(c * size * RIGHT + r * size * DOWN)
                self._squares[r, c] = square
        super().__init__(*self._squares.flat)
        self.shape = shape
        self.size = size
        self.center()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, tuple):
            return self._squares[tuple(int(v) for v in key)]
        return super().__getitem__(key)

    def cells(self, positions: Iterable[Sequence[int]]) -> VGroup:
        """The squares at ``positions`` (rows of (r, c)), in that order."""
        return VGroup(*(self[tuple(p)] for p in positions))


def plane_grid(plane: Plane, size: float = theme.CELL, pending: bool = False) -> Grid:
    """The cells of a board plane in the guide's colour roles; hidden cells invisible.

    With ``pending``, output cells start faint (not reached yet); ``sweep`` fills them.
    """
    grid = Grid(plane.cells.shape, size, stroke_width=theme.STROKE)
    output_opacity = theme.PENDING_OUTPUT_OPACITY if pending else 1.0
    for (r, c), kind in np.ndenumerate(plane.cells):
        square = grid[r, c]
        if kind == Cell.INPUT:
            faded = plane.unread[r, c] or plane.cropped[r, c]
            square.set_fill(INPUT, opacity=FADED_OPACITY if faded else 1.0)
            square.set_stroke(OUTLINE, opacity=theme.OUTLINE_OPACITY)
        elif kind == Cell.OUTPUT:
            square.set_fill(OUTPUT, opacity=output_opacity)
            square.set_stroke(OUTLINE, opacity=theme.OUTLINE_OPACITY)
        elif kind == Cell.HIDDEN:
            square.set_fill(opacity=0).set_stroke(opacity=0)
        else:  # padding and inserted zeros: outline only, dimmer
            square.set_fill(opacity=0).set_stroke(
                OUTLINE, width=theme.DASHED_STROKE, opacity=theme.DASHED_OPACITY
            )
    return grid


def reached(cell: VMobject) -> Any:
    """The animation that fills an output cell once the op reaches it."""
    return cell.animate.set_fill(OUTPUT, opacity=1)


def value_font(values: Iterable[float], size: float) -> float:
    """The font size of values in cells ``size`` units wide: theme.FONT_PER_UNIT per unit,
    smaller if the widest of ``values`` would take more than TEXT_FIT of a cell."""
    font = size * theme.FONT_PER_UNIT
    texts = {number_text(value) for value in values}
    widest = max((Text(text, font_size=font).width for text in texts), default=0.0)
    return font * min(1.0, style.TEXT_FIT * size / widest) if widest else font


def cell_value(value: float, cell: Mobject, size: float, font_size: float | None = None) -> Text:
    """The value as Text centred on ``cell`` (a mobject ``size`` units wide); the font
    ``value_font`` gives unless ``font_size`` is given."""
    font = value_font([value], size) if font_size is None else font_size
    return Text(number_text(value), font_size=font, color=TEXT).move_to(cell)


def value_labels(
    grid: Grid,
    values: np.ndarray,
    shown: np.ndarray | None = None,
    font_size: float | None = None,
) -> VGroup:
    """One Text per cell with its value (only where ``shown``, a boolean array, is True), all
    in one font: ``font_size``, or the one the widest value shown fits in."""
    shown = np.ones(values.shape, dtype=bool) if shown is None else shown
    font = value_font(values[shown], grid.size) if font_size is None else font_size
    return VGroup(
        *(
            cell_value(value, grid[r, c], grid.size, font)
            for (r, c), value in np.ndenumerate(values)
            if shown[r, c]
        )
    )


def heat_map(values: np.ndarray, size: float = theme.CELL, scale: float | None = None) -> Grid:
    """A grid coloured by value: negative towards red, positive towards yellow, 0 dark."""
    values = np.atleast_2d(values)
    grid = Grid(
        values.shape,
        size,
        stroke_width=theme.THIN_STROKE,
        stroke_color=OUTLINE,
        stroke_opacity=theme.HEAT_OUTLINE_OPACITY,
    )
    scale = scale or float(np.abs(values).max()) or 1.0
    for (r, c), value in np.ndenumerate(values):
        share = min(abs(value) / scale, 1.0)
        tint = HEAT_POSITIVE if value >= 0 else HEAT_NEGATIVE
        grid[r, c].set_fill(interpolate_color(BACKGROUND, tint, share), opacity=1)
    return grid


def matrix_grid(values: np.ndarray, kernel_index: np.ndarray, size: float, show: bool) -> VGroup:
    """A matrix as a grid: entries filled with their kernel position's colour (and value).

    ``kernel_index`` holds the flat kernel position behind each entry, -1 where none.
    Returns VGroup(grid, labels).
    """
    grid = Grid(
        values.shape,
        size,
        stroke_width=theme.THIN_STROKE,
        stroke_color=OUTLINE,
        stroke_opacity=theme.MATRIX_OUTLINE_OPACITY,
    )
    for (r, c), index in np.ndenumerate(kernel_index):
        if index >= 0:
            grid[r, c].set_fill(KERNEL_COLOURS[index % len(KERNEL_COLOURS)], opacity=1)
    shown = (kernel_index >= 0) & show
    return VGroup(grid, value_labels(grid, values, shown))


def vector_column(values: np.ndarray, size: float, fill: ManimColor, show: bool) -> VGroup:
    """A vector as one column of filled cells (with its values if ``show``): VGroup(grid, labels)."""
    grid = Grid((len(values), 1), size, stroke_width=theme.VECTOR_STROKE, stroke_color=OUTLINE)
    grid.set_fill(fill, opacity=1)
    shown = np.full((len(values), 1), show)
    return VGroup(grid, value_labels(grid, values.reshape(-1, 1), shown))


def caption(text: str, font_size: float = theme.CAPTION_FONT) -> Text:
    """Text in the theme's text colour."""
    return Text(text, font_size=font_size, color=TEXT)


def plane_label(plane: Plane) -> str:
    """A board plane's label as the screen writes it: the board spells sizes in
    ASCII for every backend (``input 5x5``); a scene writes a times sign."""
    return re.sub(r"(?<=\d)x(?=\d)", TIMES, plane.label)


def board_planes(
    board: Board, size: float, names: tuple[str, str] | None = None
) -> tuple[Grid, Grid, VGroup]:
    """A board's two planes side by side, the input left and the output still to fill,
    and their names under them (by default their labels, ``plane_label``)."""
    lower = plane_grid(board.lower, size)
    upper = plane_grid(board.upper, size, pending=True)
    VGroup(lower, upper).arrange(RIGHT, buff=size + 0.8).shift(0.4 * DOWN)
    lower_name, upper_name = names or (plane_label(board.lower), plane_label(board.upper))
    labels = VGroup(
        caption(lower_name).next_to(lower, DOWN, buff=theme.LABEL_BUFF),
        caption(upper_name).next_to(upper, DOWN, buff=theme.LABEL_BUFF),
    )
    return lower, upper, labels


def fit_cell_size(
    columns: int,
    rows: int,
    width: float = theme.FRAME_ROOM[0],
    height: float = theme.FRAME_ROOM[1],
) -> float:
    """The largest cell edge (scene units, at most theme.MAX_CELL) that fits the grids."""
    return min(theme.MAX_CELL, width / columns, height / rows)


def footprint_marker(cells: Iterable[Mobject], size: float) -> VGroup:
    """One shaded square per kernel tap, placed over ``cells`` (mobjects)."""
    return VGroup(
        *(
            Square(side_length=size, fill_color=HIGHLIGHT, fill_opacity=theme.FOOTPRINT_OPACITY)
            .set_stroke(HIGHLIGHT, width=theme.FOOTPRINT_STROKE)
            .move_to(cell)
            for cell in cells
        )
    )


def fade_cropped(squares: Iterable[VMobject]) -> VGroup:
    """Marker squares of stamp cells the padding crops, drawn fainter."""
    return VGroup(
        *(
            square.set_stroke(opacity=theme.CROPPED_STAMP_STROKE_OPACITY).set_fill(
                opacity=theme.CROPPED_STAMP_FILL_OPACITY
            )
            for square in squares
        )
    )


def tap_dot(cell: Mobject, size: float) -> Dot:
    """The mark of the kernel's first tap w[0, 0]: a dot in the cell's upper-left corner."""
    return Dot(
        cell.get_corner(UL) + theme.TAP_DOT_AT * size * (RIGHT + DOWN),
        radius=theme.TAP_DOT_RADIUS * size,
        color=OUTLINE,
    )


def kernel_caption(w: np.ndarray) -> str:
    """``kernel [1 -1] [2 0]``: the weights row by row."""
    rows = np.atleast_2d(w)
    return "kernel " + " ".join("[" + " ".join(f"{v:g}" for v in row) + "]" for row in rows)


def sweep(
    scene: Scene,
    frames: Sequence[Step],
    lower: Grid,
    upper: Grid,
    values: np.ndarray | None,
    size: float,
    step_time: float,
) -> VGroup:
    """Play one board step per frame: the footprint moves, the output cell fills.

    The moving footprint is kept as ``scene.footprint`` (tests probe it). ``values``
    (shaped like ``upper``, or None) are written into each output cell as it fills;
    returns the written values.
    """
    first = frames[0]
    footprint = footprint_marker(lower.cells(first.lower), size)
    scene.footprint = footprint  # type: ignore[attr-defined]
    first_tap = tap_dot(lower[first.first_tap], size)
    current = footprint_marker([upper[tuple(first.upper[0])]], size)
    scene.play(FadeIn(footprint), FadeIn(first_tap), FadeIn(current))
    written = VGroup()
    for step, frame in enumerate(frames):
        target = upper[tuple(frame.upper[0])]
        if step:
            moves = [
                square.animate.move_to(cell)
                for square, cell in zip(footprint, lower.cells(frame.lower))
            ]
            moves.append(first_tap.animate.move_to(tap_dot(lower[frame.first_tap], size)))
            moves.append(current.animate.move_to(target))
            scene.play(*moves, run_time=step_time)
        reveal = [reached(target)]
        if values is not None:
            value = cell_value(values[tuple(frame.upper[0])], target, size)
            written.add(value)
            reveal.append(FadeIn(value))
        scene.play(*reveal, run_time=step_time / 2)
    scene.play(FadeOut(VGroup(footprint, first_tap, current)))
    return written
