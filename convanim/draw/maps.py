"""Maps laid flat side by side, in rows: the stages of the deconvnet that are no layer's board
(ReLU, unpooling, the reconstruction beside x) with their numbers, and heat maps of a picture.

Each frame is rows of ``MapPanel``; every frame has the same panels' shapes, so the layout
is made once from the first. A panel is drawn from its values and the positions it lights
or rings, which the geometry computed; nothing here is index arithmetic beyond placing cells.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from convanim.draw import style as look
from convanim.draw.frames import (
    Align,
    CellShape,
    Drawing,
    FrameDrawing,
    Label,
    Primitive,
    Ring,
    Role,
)
from convanim.draw.style import RGB, Palette, Style, blend, readable_on
from convanim.lazy import Lazy
from convanim.story.values import number_text

NO_POSITIONS = np.zeros((0, 2), dtype=int)


class Fill(str, enum.Enum):
    """How a panel's cells are filled."""

    INPUT = "input"  # the palette's input hue, with the numbers printed
    OUTPUT = "output"  # the palette's output hue, with the numbers printed
    GREY = "grey"  # a grey picture: the smallest value black, the largest white, no numbers
    SIGNED = "signed"  # grey around 0: -max |value| black, 0 mid-grey, max |value| white


@dataclass(frozen=True, eq=False)
class MapPanel:
    """One map: its name (under it), values (rows, columns) and what is marked on it."""

    name: str
    values: np.ndarray  # (rows, columns)
    fill: Fill
    lit: np.ndarray = field(default_factory=lambda: NO_POSITIONS)  # (N, 2) highlighted cells
    ringed: np.ndarray = field(default_factory=lambda: NO_POSITIONS)  # (N, 2) ringed cells

    @property
    def numbered(self) -> bool:
        return self.fill in (Fill.INPUT, Fill.OUTPUT)


def _cell_pixels(panel: MapPanel, style: Style) -> int:
    """Pixels per cell edge: the numbers' cell, or a heat map's cells fitted to
    HEAT_MAP_PIXELS across."""
    if panel.numbered:
        return round(style.cell or look.NUMBERS_CELL)
    return max(1, look.HEAT_MAP_PIXELS // max(panel.values.shape))


def panels_size(rows: Sequence[Sequence[MapPanel]], style: Style) -> tuple[int, int]:
    """The (width, height) pixels ``draw_maps`` gives rows of these panels, from their shapes."""
    return _layout(rows, style)[0]


def _layout(
    rows: Sequence[Sequence[MapPanel]], style: Style
) -> tuple[tuple[int, int], list[list[tuple[int, int, int]]], int]:
    """The picture's size, each panel's (x, y, cell pixels) and the label size."""
    label = max(look.MIN_LABEL_PIXELS, round(look.TEXT_SIZE * look.CHANNELS_CELL))
    gap, band = round(look.MAP_GAP * label), round(look.MAP_LABEL_BAND * label)
    placed, y, width = [], gap, 0
    for row in rows:
        cells = [_cell_pixels(panel, style) for panel in row]
        sizes = [(p.values.shape[1] * c, p.values.shape[0] * c) for p, c in zip(row, cells)]
        widths = [
            max(w, round(look.CHAR_WIDTH * label * len(p.name))) for p, (w, _) in zip(row, sizes)
        ]
        x, spots = gap, []
        for (w, _), room, cell in zip(sizes, widths, cells):
            spots.append((x + (room - w) // 2, y, cell))
            x += room + gap
        placed.append(spots)
        width = max(width, x)
        y += max(h for _, h in sizes) + band + gap
    return (width, y), placed, label


def _colour(panel: MapPanel, value: float, palette: Palette) -> RGB:
    values = panel.values
    if panel.fill is Fill.INPUT:
        return palette.input
    if panel.fill is Fill.OUTPUT:
        return palette.output
    if panel.fill is Fill.GREY:
        low, high = float(values.min()), float(values.max())
        share = 0.0 if high == low else (value - low) / (high - low)
        return blend(look.PICTURE_DARK, look.PICTURE_LIGHT, share)
    largest = float(np.abs(values).max())
    share = 0.5 if largest == 0 else (1 + value / largest) / 2
    return blend(look.PICTURE_DARK, look.PICTURE_LIGHT, share)


def _panel(panel: MapPanel, x: int, y: int, cell: int, label: int, style: Style) -> list[Primitive]:
    palette = style.palette
    rows, columns = panel.values.shape
    outline = max(1, round(cell / look.CELL_PIXELS_PER_OUTLINE_PIXEL)) if panel.numbered else 0
    lit = {tuple(map(int, p)) for p in panel.lit}
    drawn: list[Primitive] = []
    texts: list[Primitive] = []
    for r in range(rows):
        for c in range(columns):
            value = float(panel.values[r, c])
            fill = _colour(panel, value, palette)
            if (r, c) in lit:
                fill = blend(fill, palette.highlight, look.HIGHLIGHT_OPACITY)
            left, top = x + c * cell, y + r * cell
            corners = np.array(
                [[left, top], [left + cell, top], [left + cell, top + cell], [left, top + cell]],
                dtype=float,
            )
            edge = palette.outline if panel.numbered else fill
            drawn.append(CellShape(corners, fill, edge, outline, None, Role.CELL, (r, c), False))
            if panel.numbered:
                text = number_text(value)
                fit = look.TEXT_FIT * cell / (look.CHAR_WIDTH * len(text))
                size = max(look.MIN_TEXT_PIXELS, min(round(look.TEXT_SIZE * cell), int(fit)))
                centre = np.array([left + cell / 2, top + cell / 2])
                colour = readable_on(fill, palette)
                texts.append(Label(centre, text, size, colour, Role.VALUE))
    for r, c in panel.ringed:
        centre = np.array([x + (c + 0.5) * cell, y + (r + 0.5) * cell])
        width = look.RING_OUTLINE * outline
        texts.append(Ring(centre, look.RING_RADIUS * cell, palette.highlight, width, Role.WINNER))
    under = np.array([x + columns * cell / 2, y + rows * cell + look.MAP_LABEL_BAND * label / 2])
    texts.append(Label(under, panel.name, label, palette.text, Role.LABEL, Align.MIDDLE))
    return [*drawn, *texts]


def draw_maps(frames: Sequence[Sequence[Sequence[MapPanel]]], style: Style) -> Drawing:
    """One frame per item of ``frames``, each rows of panels laid out as the first frame's."""
    (width, height), placed, label = _layout(frames[0], style)

    def frame(index: int) -> FrameDrawing:
        primitives: list[Primitive] = []
        for row, spots in zip(frames[index], placed):
            for panel, (x, y, cell) in zip(row, spots):
                primitives += _panel(panel, x, y, cell, label, style)
        return FrameDrawing(tuple(primitives), ())

    return Drawing(
        size=(width, height),
        background=style.palette.background,
        lower=(),
        upper=(),
        upper_region=(),
        frames=Lazy(len(frames), frame),
    )
