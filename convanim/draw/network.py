"""A network's pictures: what one output cell sees, layer by layer, one frame per layer as
its field grows from the output down to the input, whose cells then show their paths.

- tree (1-D), WaveNet's picture: one row of cells per layer, the input at the bottom,
  an edge from each cell to every cell it reads; the lit tree's edges drawn bold;
- layers (2-D): each layer's plane in the guide's oblique projection, stacked upward
  from the input; the field lit on every plane, boxes joined as the guide joins a
  footprint to its output; the input shaded by its path counts, with a legend;
- counts (1-D rows or 2-D planes): no one cell, the whole input: each layer shaded by
  how many paths reach each of its cells, layer after layer (a decoder's stamp counts
  compounding: the checkerboard of Odena et al., or the even counts of a resize-
  convolution).

Layers that pass their input through, or only pad it, get no row or plane of their
own: what the next one reads runs through them (``geometry.network.layer_reads``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

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
    box_corners,
    check_cell_size,
    join_lines,
    lit_cells,
    plane_cells,
    text_box,
)
from convanim.draw.style import Layout, Palette, Style, blend
from convanim.geometry.network import (
    Field,
    Network,
    Reach,
    drawn_layers,
    layer_reads,
    outer,
    outer_counts,
    path_totals,
)
from convanim.lazy import Lazy
from convanim.story.board import Cell, NetworkView, Plane, filled
from convanim.story.values import MAX_PRINTED
from convanim.text import layer_names


def _shape(size: tuple[int, ...]) -> tuple[int, int]:
    """A layer's cells as a plane: 1-D layers as one row."""
    return (1, size[0]) if len(size) == 1 else (size[0], size[1])


class _Placement:
    """Where each drawn layer's plane goes (row 0, the input, at the bottom), its name to
    the right, and the picture's size; from the sizes alone, for the budgets."""

    def __init__(self, network: Network, view: NetworkView, style: Style):
        self.layers = drawn_layers(network)
        self.names = layer_names(network, self.layers)
        unit = float(style.cell or look.GUIDE_CELL)
        check_cell_size(unit, None)
        self.rows = network.ndim == 1  # rows of cells with their edges, else oblique planes
        layout = Layout.FLAT if self.rows else Layout.OBLIQUE
        steps = np.rint(look.PROJECTIONS[layout] * unit)
        gap = (look.TREE_ROW_GAP if self.rows else look.LAYERS_GAP) * unit
        shapes = [_shape(network.sizes[k]) for k in self.layers]
        boxes = [SheetPlacement(steps, unit, np.zeros(2), shape).box() for shape in shapes]
        widest = max(float(np.ptp(box[:, 0])) for box in boxes)
        margin = look.MARGIN * unit
        self.text = max(look.MIN_LABEL_PIXELS, round(look.TEXT_SIZE * unit))
        top, placed = margin, []
        for shape, box in zip(shapes[::-1], boxes[::-1]):  # the last layer on top
            x = margin + (widest - np.ptp(box[:, 0])) / 2 - box[0, 0]
            placed.append(SheetPlacement(steps, unit, np.rint([x, top - box[0, 1]]), shape))
            top += float(np.ptp(box[:, 1])) + gap
        self.sheets = placed[::-1]  # row 0, the input, first
        self.names_x = margin + widest + look.TREE_LABEL_GAP * unit
        labels = [Label(np.zeros(2), name, self.text, (0, 0, 0), Role.LABEL) for name in self.names]
        name_width = max(float(np.ptp(text_box(label)[::2])) for label in labels)
        legend = 0.0 if view is NetworkView.TREE else look.LABEL_ROOM * unit
        self.legend_y = top - gap + look.LABEL_OFFSET * unit
        self.size = (
            math.ceil(self.names_x + name_width + margin),
            math.ceil(top - gap + legend + margin),
        )


def network_size(network: Network, view: NetworkView, style: Style) -> tuple[int, int]:
    """The picture's (width, height) in pixels, from the arithmetic alone (for the budgets)."""
    return _Placement(network, NetworkView(view), style).size


def draw_network(
    network: Network,
    field: Field,
    view: NetworkView,
    style: Style,
    reach: Reach | None = None,
) -> Drawing:
    """``network`` in ``view`` for the output cell of ``field``: every layer at rest, then
    one frame per drawn layer lighting the field from the output down; the last frame
    shows each input cell's paths (printed on the tree; shaded, with a legend, on the
    layers, and printed where every count fits a cell). With ``reach`` (the projective
    field of an input cell) the frames light what it reaches instead, from the input up.

    >>> from convanim.geometry import ConvSpec
    >>> from convanim.geometry.network import Stage, receptive_field
    >>> net = Network((6,), (Stage("conv", ConvSpec(input_size=6, kernel=2, dilation=2)),))
    >>> len(draw_network(net, receptive_field(net), NetworkView.TREE, Style()).frames)
    2
    """
    view = NetworkView(view)
    placement = _Placement(network, view, style)
    palette = style.palette
    layers, sheets = placement.layers, placement.sheets
    kinds = [Cell.INPUT] + [Cell.OUTPUT] * (len(layers) - 1)
    cells = [CellLayout(sheet, palette, output=row > 0) for row, sheet in enumerate(sheets)]
    planes = [filled(sheet.shape, kind) for sheet, kind in zip(sheets, kinds)]
    rows_of = field.mask if reach is None else (lambda layer: outer(reach[layer]))
    lit = [rows_of(k).reshape(sheet.shape) for k, sheet in zip(layers, sheets)]
    static: list[Primitive] = []
    reads = layer_reads(network, layers) if placement.rows else []
    faint = blend(palette.outline, palette.background, look.TREE_EDGE_FADE)

    def edge(row: int, upper: int, lower: int, colour: tuple[int, int, int], width: int) -> Segment:
        """Tree: from the bottom of cell ``upper`` of ``row`` to the top of cell ``lower`` below."""
        start = sheets[row].point([1.0, upper + 0.5])
        end = sheets[row - 1].point([0.0, lower + 0.5])
        return Segment(start, end, colour, width, Role.JOIN)

    for row in range(1, len(reads) + 1):
        for upper, lower in zip(*np.nonzero(reads[row - 1])):
            static.append(edge(row, int(upper), int(lower), faint, look.JOIN_WIDTH))
    for layout, plane in zip(cells, planes):
        static += plane_cells(layout, plane)
    for sheet, name in zip(sheets, placement.names):
        box = sheet.box()
        at = np.array([placement.names_x, float(box[:, 1].mean())])
        static.append(Label(at, name, placement.text, palette.text, Role.LABEL, align=Align.START))

    def joins(row: int) -> list[Primitive]:
        """What joins the lit cells of ``row`` to those of the row below."""
        if view is NetworkView.TREE:
            return [
                edge(row, int(upper), int(lower), palette.outline, look.TREE_LIT_EDGE)
                for upper, lower in zip(*np.nonzero(reads[row - 1]))
                if lit[row][0, upper] and lit[row - 1][0, lower]
            ]
        if not (lit[row].any() and lit[row - 1].any()):  # a field or a reach that ends
            return []
        return list(
            join_lines(
                box_corners(sheets[row - 1], _box(lit[row - 1])),
                box_corners(sheets[row], _box(lit[row])),
                palette,
            )
        )

    def upward(index: int) -> FrameDrawing:
        """The projective field on the first index + 1 rows, joined row to row."""
        shapes: list[Primitive] = []
        for row in range(1, index + 1):
            shapes += joins(row)
        for row in range(index + 1):
            shapes += lit_cells(cells[row], planes[row], np.argwhere(lit[row]))
        return FrameDrawing(tuple(shapes), ())

    def downward(paths: Callable[[], list[Primitive]]) -> Callable[[int], FrameDrawing]:
        """The field on the top index + 1 rows, joined row to row; the input, once lit,
        shows its ``paths`` instead."""

        def frame(index: int) -> FrameDrawing:
            rows = range(len(layers) - 1, len(layers) - 2 - index, -1)
            shapes: list[Primitive] = []
            for row in rows:
                if row != rows[-1]:
                    shapes += joins(row)
            for row in rows:
                if row:
                    shapes += lit_cells(cells[row], planes[row], np.argwhere(lit[row]))
            if rows[-1] == 0:
                shapes += paths()
            return FrameDrawing(tuple(shapes), ())

        return frame

    frames: Callable[[int], FrameDrawing]
    if view is NetworkView.COUNTS:
        frames = _Counts(network, placement, cells, planes, palette).frame
    elif reach is not None:
        frames = upward
    else:
        frames = downward(_paths(field, cells[0], planes[0], view, placement))
    return Drawing(
        size=placement.size,
        background=palette.background,
        lower=tuple(static),
        upper=(),
        upper_region=(),
        frames=Lazy(len(layers), frames),
    )


class _Counts:
    """The counts view's frames: frame k shades the first k + 1 drawn layers (the input
    first) by how many paths reach each cell from the whole input, each layer from pale
    (its fewest) to dark (its most), the counts printed where they all fit."""

    def __init__(
        self,
        network: Network,
        placement: _Placement,
        cells: list[CellLayout],
        planes: list[Plane],
        palette: Palette,
    ):
        totals = path_totals(network)
        self.counts = [
            np.array(outer_counts(totals[k]), dtype=object).reshape(plane.cells.shape)
            for k, plane in zip(placement.layers, planes)
        ]
        self.cells, self.planes, self.palette = cells, planes, palette
        at = np.array([placement.size[0] / 2, placement.legend_y])
        text = "paths from the whole input to each cell: pale the layer's fewest, dark its most"
        self.legend = Label(at, text, placement.text, palette.text, Role.LABEL)

    def frame(self, index: int) -> FrameDrawing:
        shapes: list[Primitive] = []
        labels: list[Primitive] = []
        for row in range(index + 1):
            counts, layout = self.counts[row], self.cells[row]
            values = [int(c) for c in counts.ravel()]
            low, high = min(values), max(values)
            base = self.palette.input if row == 0 else self.palette.output
            prints = high < MAX_PRINTED
            for (r, c), count in np.ndenumerate(counts):
                fill = blend(base, self.palette.highlight, _shade(int(count), low, high))
                shapes.append(layout.cell(r, c, fill, self.palette.outline, role=Role.HIGHLIGHT))
                if prints:
                    labels.append(layout.number(r, c, int(count), fill))
        return FrameDrawing((*shapes, *labels, self.legend), ())


def _shade(count: int, low: int, high: int) -> float:
    """The highlight's share in a cell of ``count`` paths, ``low`` the fewest and ``high``
    the most: from PATH_SHADE_MIN to PATH_SHADE_MAX."""
    if high <= low:
        return look.PATH_SHADE_MIN
    spread = look.PATH_SHADE_MAX - look.PATH_SHADE_MIN
    return look.PATH_SHADE_MIN + spread * (count - low) / (high - low)


def _box(mask: np.ndarray) -> np.ndarray:
    """The cell-edge box [[row0, col0], [row1, col1]] of a plane's lit cells."""
    cells = np.argwhere(mask)
    return np.stack([cells.min(axis=0), cells.max(axis=0) + 1])


def _paths(
    field: Field,
    cells: CellLayout,
    plane: Plane,
    view: NetworkView,
    placement: _Placement,
) -> Callable[[], list[Primitive]]:
    """What the input shows once lit: its cells lit with their path counts (tree), or
    shaded by them with the counts printed where they all fit and a legend (layers)."""
    counts = np.array(field.path_counts(), dtype=object).reshape(plane.cells.shape)
    reached = [int(c) for c in counts.ravel() if c]
    low, high = (min(reached), max(reached)) if reached else (0, 0)
    prints = high < MAX_PRINTED
    palette = cells.palette

    def shown() -> list[Primitive]:
        shapes: list[Primitive] = []
        labels: list[Primitive] = []
        for r, c in np.argwhere(counts != 0):
            count = int(counts[r, c])
            share = look.HIGHLIGHT_OPACITY
            if view is NetworkView.LAYERS:  # shaded by the paths, pale to dark
                share = _shade(count, low, high)
            under = blend(palette.input, palette.highlight, share)
            shapes.append(cells.cell(r, c, under, palette.outline, role=Role.HIGHLIGHT))
            if prints:
                labels.append(cells.number(r, c, count, under))
        if view is NetworkView.LAYERS:
            text = f"paths from each input cell: {low:,} (pale) to {high:,} (dark)"
            if not reached:
                text = "no input cell reaches it: it reads padding only"
            at = np.array([placement.size[0] / 2, placement.legend_y])
            labels.append(Label(at, text, placement.text, palette.text, Role.LABEL))
        return shapes + labels

    return shown
