"""Manim building blocks for the scenes: cell grids, value labels, heat maps, colours by role.

Grids are built from storyboard planes and arrays; nothing here computes an index.
Cell (r, c) sits at column c, row r counted downwards, ``size`` scene units apart.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    UL,
    UP,
    Dot,
    FadeIn,
    FadeOut,
    ManimColor,
    Square,
    Text,
    VGroup,
    interpolate_color,
)

from convanim.numbers import number_text
from convanim.render.palette import KERNEL_COLOURS as PALETTE_KERNEL_COLOURS
from convanim.render.palette import THEMES
from convanim.storyboard import Cell, Plane

_DARK = THEMES["dark"]


def colour(rgb) -> ManimColor:
    return ManimColor.from_rgb(tuple(v / 255 for v in rgb))


BACKGROUND = colour(_DARK.background)
INPUT = colour(_DARK.input)
OUTPUT = colour(_DARK.output)
OUTLINE = colour(_DARK.outline)
HIGHLIGHT = colour(_DARK.highlight)
TEXT = colour(_DARK.text)
#: One colour per kernel position, for matrix entries (cycled if the kernel is larger).
KERNEL_COLOURS = [colour(rgb) for rgb in PALETTE_KERNEL_COLOURS]


class Grid(VGroup):
    """A (rows, cols) grid of squares, row-major; ``grid[r, c]`` is one cell."""

    def __init__(self, shape: tuple[int, int], size: float = 0.5, **square_style):
        rows, cols = shape
        squares = []
        for r in range(rows):
            for c in range(cols):
                square = Square(side_length=size, **square_style)
                square.move_to(c * size * RIGHT + r * size * DOWN)
                squares.append(square)
        super().__init__(*squares)
        self.shape = shape
        self.size = size
        self.center()

    def __getitem__(self, key):
        if isinstance(key, tuple):
            r, c = (int(v) for v in key)
            return self.submobjects[r * self.shape[1] + c]
        return super().__getitem__(key)

    def cells(self, positions) -> VGroup:
        return VGroup(*(self[tuple(p)] for p in positions))


def plane_grid(plane: Plane, size: float = 0.5) -> Grid:
    """The cells of a storyboard plane in the guide's colour roles; hidden cells invisible."""
    grid = Grid(plane.cells.shape, size, stroke_width=2)
    for (r, c), kind in np.ndenumerate(plane.cells):
        square = grid[r, c]
        if kind == Cell.INPUT:
            fade = 0.45 if plane.unread[r, c] or plane.cropped[r, c] else 1.0
            square.set_fill(INPUT, opacity=fade).set_stroke(OUTLINE, opacity=0.9)
        elif kind == Cell.OUTPUT:
            square.set_fill(OUTPUT, opacity=1.0).set_stroke(OUTLINE, opacity=0.9)
        elif kind == Cell.HIDDEN:
            square.set_fill(opacity=0).set_stroke(opacity=0)
        else:  # padding and inserted zeros: outline only, dimmer
            square.set_fill(opacity=0).set_stroke(OUTLINE, width=1.5, opacity=0.45)
    return grid


def cell_value(value: float, cell, size: float) -> Text:
    """The value as Text centred on ``cell`` (a mobject ``size`` units wide)."""
    return Text(number_text(value), font_size=size * 50, color=TEXT).move_to(cell)


def value_labels(grid: Grid, values: np.ndarray, shown: np.ndarray | None = None) -> VGroup:
    """One Text per cell with its value (only where ``shown``, a boolean array, is True)."""
    shown = np.ones(values.shape, dtype=bool) if shown is None else shown
    return VGroup(
        *(
            cell_value(value, grid[r, c], grid.size)
            for (r, c), value in np.ndenumerate(values)
            if shown[r, c]
        )
    )


def heat_map(values: np.ndarray, size: float = 0.4, scale: float | None = None) -> Grid:
    """A grid coloured by value: negative towards red, positive towards yellow, 0 dark."""
    values = np.atleast_2d(values)
    grid = Grid(values.shape, size, stroke_width=1, stroke_color=OUTLINE, stroke_opacity=0.4)
    scale = scale or float(np.abs(values).max()) or 1.0
    positive, negative = colour((250, 220, 90)), colour((220, 50, 47))
    for (r, c), value in np.ndenumerate(values):
        share = min(abs(value) / scale, 1.0)
        tint = positive if value >= 0 else negative
        grid[r, c].set_fill(interpolate_color(BACKGROUND, tint, share), opacity=1)
    return grid


def caption(text: str, font_size: float = 30) -> Text:
    return Text(text, font_size=font_size, color=TEXT)


def titled(mobject, title: str, font_size: float = 24, above: bool = True) -> VGroup:
    label = caption(title, font_size)
    label.next_to(mobject, UP if above else DOWN, buff=0.2)
    return VGroup(mobject, label)


def fit_cell_size(columns: int, rows: int, width: float = 11.0, height: float = 5.0) -> float:
    """The largest cell edge (scene units, at most 0.7) that fits the grids in the frame."""
    return min(0.7, width / columns, height / rows)


def footprint_marker(cells, size: float) -> VGroup:
    """One shaded square per kernel tap, placed over ``cells`` (mobjects)."""
    return VGroup(
        *(
            Square(side_length=size, fill_color=HIGHLIGHT, fill_opacity=0.35)
            .set_stroke(HIGHLIGHT, width=3)
            .move_to(cell)
            for cell in cells
        )
    )


def tap_dot(cell, size: float) -> Dot:
    """The mark of the kernel's first tap w[0, 0]: a dot in the cell's upper-left corner."""
    return Dot(cell.get_corner(UL) + 0.18 * size * (RIGHT + DOWN), radius=0.05 * size / 0.5)


def kernel_caption(w: np.ndarray) -> str:
    rows = np.atleast_2d(w)
    return "kernel " + " ".join("[" + " ".join(f"{v:g}" for v in row) + "]" for row in rows)


def sweep(scene, frames, lower: Grid, upper: Grid, values, size: float, step_time: float) -> VGroup:
    """Play one storyboard step per frame: the footprint moves, the output cell fills.

    The moving footprint is kept as ``scene.footprint`` (tests probe it). ``values``
    (shaped like ``upper``, or None) are written into each output cell as it fills;
    returns the written values.
    """
    first = frames[0]
    scene.footprint = footprint_marker(lower.cells(first.lower), size)
    first_tap = tap_dot(lower[first.first_tap], size)
    current = footprint_marker([upper[tuple(first.upper[0])]], size)
    scene.play(FadeIn(scene.footprint), FadeIn(first_tap), FadeIn(current))
    written = VGroup()
    for step, frame in enumerate(frames):
        target = upper[tuple(frame.upper[0])]
        if step:
            moves = [
                square.animate.move_to(cell)
                for square, cell in zip(scene.footprint, lower.cells(frame.lower))
            ]
            moves.append(first_tap.animate.move_to(tap_dot(lower[frame.first_tap], size)))
            moves.append(current.animate.move_to(target))
            scene.play(*moves, run_time=step_time)
        reveal = [target.animate.set_fill(OUTPUT, opacity=1)]
        if values is not None:
            value = cell_value(values[tuple(frame.upper[0])], target, size)
            written.add(value)
            reveal.append(FadeIn(value))
        scene.play(*reveal, run_time=step_time / 2)
    scene.play(FadeOut(VGroup(scene.footprint, first_tap, current)))
    return written
