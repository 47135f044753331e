"""The tree view of a 1-D network, WaveNet's picture: one row of cells per layer, the input
at the bottom, an edge from each cell to every cell it reads; one frame per row as the
chosen output cell's field grows down to the input, whose cells then print their paths.

Layers that pass their input through, or only pad it, get no row of their own: the
edges of the next row run through them (``geometry.network.layer_reads``).
"""

from __future__ import annotations

import math

import numpy as np

from convanim.draw import style as look
from convanim.draw.frames import (
    Align,
    CellLayout,
    Drawing,
    FrameDrawing,
    Label,
    Primitive,
    Role,
    Segment,
    SheetPlacement,
    check_cell_size,
    lit_cells,
    plane_cells,
    text_box,
)
from convanim.draw.style import Layout, Style, blend
from convanim.errors import ConvanimError
from convanim.geometry.network import Field, Network, is_padding, layer_reads
from convanim.lazy import Lazy
from convanim.story.board import Cell, filled
from convanim.text import size_text


def tree_layers(network: Network) -> list[int]:
    """The layers drawn as rows (indices into ``network.sizes``): the input and every
    stage that neither passes its input through nor only pads it."""
    return [0] + [
        k
        for k, stage in enumerate(network.stages, start=1)
        if stage.op is not None and not is_padding(stage.op)
    ]


def _names(network: Network, layers: list[int]) -> list[str]:
    return [
        f"input {size_text(network.input_size)}" if k == 0 else network.stages[k - 1].text
        for k in layers
    ]


def tree_size(network: Network, style: Style) -> tuple[int, int]:
    """The picture's (width, height) in pixels, from the arithmetic alone (for the budgets)."""
    return _Placement(network, style).size


class _Placement:
    """Where each row goes: rows of one-cell-high planes, widest first in width, each
    centred on the widest; names right of the rows."""

    def __init__(self, network: Network, style: Style):
        if network.ndim != 1:
            raise ConvanimError(
                "view", f"the tree view draws 1-D chains (one row per layer), got {network.ndim}-D"
            )
        self.layers = tree_layers(network)
        self.scale = float(style.cell or look.GUIDE_CELL)
        check_cell_size(self.scale, None)
        unit = self.scale
        steps = np.rint(look.PROJECTIONS[Layout.FLAT] * unit)
        counts = [network.sizes[k][0] for k in self.layers]
        widest = max(counts)
        margin = look.MARGIN * unit
        rows = len(self.layers)
        self.text = max(look.MIN_LABEL_PIXELS, round(look.TEXT_SIZE * unit))
        names = [
            Label(np.zeros(2), name, self.text, (0, 0, 0), Role.LABEL)
            for name in _names(network, self.layers)
        ]
        name_width = max(float(np.ptp(text_box(label)[::2])) for label in names)
        self.sheets = []
        for row, count in enumerate(counts):  # row 0, the input, at the bottom
            x = margin + (widest - count) / 2 * unit
            y = margin + (rows - 1 - row) * (1 + look.TREE_ROW_GAP) * unit
            origin = np.rint([x, y])
            self.sheets.append(SheetPlacement(steps, unit, origin, (1, count)))
        self.names_x = margin + widest * unit + look.TREE_LABEL_GAP * unit
        width = self.names_x + name_width + margin
        height = 2 * margin + (rows + (rows - 1) * look.TREE_ROW_GAP) * unit
        self.size = (math.ceil(width), math.ceil(height))


def draw_tree(network: Network, field: Field, style: Style) -> Drawing:
    """The tree view of ``network`` (1-D) for the output cell of ``field``: every row and
    edge at rest, then one frame per row lighting the field from the output down, the last
    printing each input cell's paths.

    >>> from convanim.geometry import ConvSpec
    >>> from convanim.geometry.network import Stage, receptive_field
    >>> net = Network((6,), (Stage("conv", ConvSpec(input_size=6, kernel=2, dilation=2)),))
    >>> drawing = draw_tree(net, receptive_field(net), Style())
    >>> len(drawing.frames)
    2
    """
    placement = _Placement(network, style)
    palette = style.palette
    layers = placement.layers
    reads = layer_reads(network, layers)
    kinds = [Cell.INPUT] + [Cell.OUTPUT] * (len(layers) - 1)
    cells = [CellLayout(sheet, palette, output=k > 0) for k, sheet in enumerate(placement.sheets)]
    planes = [filled((1, network.sizes[k][0]), kind) for k, kind in zip(layers, kinds)]

    def edge(row: int, upper: int, lower: int, colour: tuple[int, int, int], width: int) -> Segment:
        """From the bottom of cell ``upper`` of ``row`` to the top of cell ``lower`` below it."""
        start = placement.sheets[row].point([1.0, upper + 0.5])
        end = placement.sheets[row - 1].point([0.0, lower + 0.5])
        return Segment(start, end, colour, width, Role.JOIN)

    faint = blend(palette.outline, palette.background, look.TREE_EDGE_FADE)
    static: list[Primitive] = []
    for row in range(1, len(layers)):
        for upper, lower in zip(*np.nonzero(reads[row - 1])):
            static.append(edge(row, int(upper), int(lower), faint, look.JOIN_WIDTH))
    for layout, plane in zip(cells, planes):
        static += plane_cells(layout, plane)
    for sheet, name in zip(placement.sheets, _names(network, layers)):
        y = float(sheet.point([0.5, 0.0])[1])
        at = np.array([placement.names_x, y])
        static.append(Label(at, name, placement.text, palette.text, Role.LABEL, align=Align.START))
    lit = [field.support[k][0] for k in layers]

    def frame(index: int) -> FrameDrawing:
        rows = range(len(layers) - 1, len(layers) - 2 - index, -1)  # the top index + 1 rows
        shapes: list[Primitive] = []
        for row in rows:
            if row == rows[-1] or row == 0:
                continue
            for upper, lower in zip(*np.nonzero(reads[row - 1])):
                if lit[row][upper] and lit[row - 1][lower]:
                    shapes.append(
                        edge(row, int(upper), int(lower), palette.outline, look.TREE_LIT_EDGE)
                    )
        for row in rows:
            positions = np.array([[0, c] for c in np.flatnonzero(lit[row])]).reshape(-1, 2)
            shapes += lit_cells(cells[row], planes[row], positions)
        if index == len(layers) - 1:  # the input lit: its paths
            for c in np.flatnonzero(lit[0]):
                fill = blend(palette.input, palette.highlight, look.HIGHLIGHT_OPACITY)
                shapes.append(cells[0].number(0, int(c), field.paths[0][c], fill))
        return FrameDrawing(tuple(shapes), ())

    return Drawing(
        size=placement.size,
        background=palette.background,
        lower=tuple(static),
        upper=(),
        upper_region=(),
        frames=Lazy(len(layers), frame),
    )
