"""Colours by role, per theme. The light theme is Dumoulin & Visin's (their TikZ template)."""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    background: RGB
    input: RGB  # real input cells
    output: RGB  # the output plane
    outline: RGB  # cell outlines, solid and dashed, and the four lines joining the planes
    highlight: RGB  # kernel footprint and current output cell, laid over at highlight_opacity
    text: RGB  # labels, and numbers on unfilled cells
    on_cell: RGB  # numbers on filled (input, output) cells
    highlight_opacity: float = 0.4


THEMES = {
    "light": Palette(
        background=(255, 255, 255),
        input=(38, 139, 210),
        output=(42, 161, 152),
        outline=(0, 43, 54),
        highlight=(7, 54, 66),
        text=(0, 43, 54),
        on_cell=(255, 255, 255),
    ),
    "dark": Palette(
        background=(13, 17, 23),
        input=(38, 139, 210),
        output=(42, 161, 152),
        outline=(238, 232, 213),
        highlight=(253, 246, 227),
        text=(238, 232, 213),
        on_cell=(255, 255, 255),
    ),
}


def blend(under: RGB, over: RGB, opacity: float) -> RGB:
    """``over`` laid on ``under`` at ``opacity``, rounded to integers."""
    return tuple(round(u + (o - u) * opacity) for u, o in zip(under, over))


#: One colour per kernel position (cycled when the kernel is larger), for matrix entries.
KERNEL_COLOURS: list[RGB] = [
    (38, 139, 210),
    (42, 161, 152),
    (133, 153, 0),
    (181, 137, 0),
    (203, 75, 22),
    (220, 50, 47),
    (211, 54, 130),
    (108, 113, 196),
    (147, 161, 161),
]
