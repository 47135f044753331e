"""A 3-D spec's board drawn: each volume's depth slices as planes stacked in a column, as
the volume view stacks a layer's channels; the input's slices left, the output's right.

Every slice is a plane of the guide's (oblique, or top-down in the flat view), named by
the depth it holds (``d0``, or ``padding`` and ``zeros`` on a canvas). A gather frame
lights the footprint in each slice it spans and the output cell in its slice; a scatter
frame (a transposed op's stamps) lights one input cell and outlines its stamp in each
output slice it spans, the output shaded by the stamps so far. The guide's lines join the
two sides; the box through several lit slices is drawn by lines between the first and the
last. The slices never overlap, so everything a frame adds is drawn over the static layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from convanim.draw import style as look
from convanim.draw.channels import heading, stacked_columns, union_box
from convanim.draw.frames import (
    Align,
    CellLayout,
    Drawing,
    FrameDrawing,
    Primitive,
    Role,
    SheetPlacement,
    box_corners,
    check_cell_size,
    join_lines,
    lit_cells,
    lit_numbers,
    plane_cells,
    stamp_cells,
    value_ground,
)
from convanim.draw.style import RGB, Style, blend
from convanim.lazy import Lazy
from convanim.story.board import Board, Plane, Step
from convanim.story.values import FrameNumbers, Numbers


@dataclass(frozen=True)
class DepthLayout:
    """Where every depth slice of a 3-D board goes, known from the volumes' shapes alone."""

    size: tuple[int, int]  # (width, height) pixels
    lower: tuple[SheetPlacement, ...]  # one per depth slice of the input side's volume
    upper: tuple[SheetPlacement, ...]  # one per depth slice of the output side's volume
    label_y: float  # pixels: the line the two volumes' names are centred on


def depth_layout(lower: tuple[int, ...], upper: tuple[int, ...], style: Style) -> DepthLayout:
    """The layout of a board whose volumes have these (depth, rows, columns) shapes;
    ``style.width`` sets the scale.

    >>> depth_layout((3, 5, 5), (3, 3, 3), Style()).size
    (693, 609)
    """

    def laid_out(scale: float) -> DepthLayout:
        steps = np.rint(look.PROJECTIONS[style.layout] * scale)
        margin = look.MARGIN * scale
        tags = look.DEPTH_TAG_ROOM * scale if style.labels else 0.0  # room for the depth names
        inputs, outputs = stacked_columns(
            steps,
            scale,
            (margin + tags, margin),
            ((lower[1], lower[2]), lower[0]),
            ((upper[1], upper[2]), upper[0]),
        )
        input_box, output_box = union_box(inputs), union_box(outputs)
        bottom = max(input_box[1, 1], output_box[1, 1])
        label_y = bottom + look.LABEL_OFFSET * scale
        width = output_box[1, 0] + tags + margin
        height = (
            label_y + (look.LABEL_ROOM + look.MARGIN / 2) * scale
            if style.labels
            else bottom + margin
        )
        return DepthLayout(
            (int(np.ceil(width)), int(np.ceil(height))), inputs, outputs, float(label_y)
        )

    scale = float(style.cell or look.GUIDE_CELL)
    if style.width is None:
        return laid_out(scale)
    scale = scale * style.width / laid_out(scale).size[0]
    check_cell_size(scale, style.width)
    layout = laid_out(scale)
    # The side margins absorb what rounding the steps added or took: the width asked for.
    shift = np.array([(style.width - layout.size[0]) // 2, 0])
    return DepthLayout(
        (style.width, layout.size[1]),
        tuple(replace(sheet, origin=sheet.origin + shift) for sheet in layout.lower),
        tuple(replace(sheet, origin=sheet.origin + shift) for sheet in layout.upper),
        layout.label_y,
    )


def depth_slice(plane: Plane, depth: int) -> Plane:
    """Depth slice ``depth`` of a 3-D board's volume, as a plane named by its depth."""
    return Plane(plane.cells[depth], plane.cropped[depth], plane.unread[depth], plane.depths[depth])


class _DepthFrames:
    """Lays out the static layer and the frames of one 3-D board."""

    def __init__(self, board: Board, layout: DepthLayout, style: Style, numbers: Numbers | None):
        self.board, self.layout, self.style, self.numbers = board, layout, style, numbers
        self.palette = style.palette
        self.lower = [CellLayout(sheet, self.palette) for sheet in layout.lower]
        self.upper = [CellLayout(sheet, self.palette, output=True) for sheet in layout.upper]
        self.lower_slices = [depth_slice(board.lower, d) for d in range(len(layout.lower))]
        self.upper_slices = [depth_slice(board.upper, d) for d in range(len(layout.upper))]
        #: The most stamps any output cell receives (scatter), which shades darkest.
        self.most = max(
            (int(step.counts.max()) for step in board.steps if step.counts is not None), default=0
        )

    def static(self) -> list[Primitive]:
        """Every slice with its values, its depth's name beside it, and the volumes' names."""
        shapes: list[Primitive] = []
        for d, (cells, plane) in enumerate(zip(self.lower, self.lower_slices)):
            shapes += plane_cells(cells, plane)
            if self.numbers is not None:
                shapes += [
                    cells.number(r, c, value, value_ground(plane, self.palette, r, c))
                    for (r, c), value in np.ndenumerate(self.numbers.inputs[0][d])
                    if not np.isnan(value)
                ]
        for cells, plane in zip(self.upper, self.upper_slices):
            shapes += plane_cells(cells, plane)
        if self.style.labels:
            shapes += self._labels()
        return shapes

    def _labels(self) -> list[Primitive]:
        """Each slice's depth name beside it (outside the columns), and below them the name
        of each volume."""
        scale = self.layout.lower[0].scale if self.layout.lower else look.GUIDE_CELL
        gap = look.DEPTH_TAG_GAP * scale
        labels: list[Primitive] = []
        for sheets, planes, right in (
            (self.layout.lower, self.lower_slices, False),
            (self.layout.upper, self.upper_slices, True),
        ):
            for sheet, plane in zip(sheets, planes):
                (x0, y0), (x1, y1) = sheet.box()
                at = np.array([x1 + gap if right else x0 - gap, (y0 + y1) / 2])
                tag = heading(plane.label, 0, 0, scale, self.palette)
                align = Align.START if right else Align.END
                labels.append(replace(tag, centre=at, align=align))
        y = self.layout.label_y
        for sheets, name in (
            (self.layout.lower, self.board.lower.label),
            (self.layout.upper, self.board.upper.label),
        ):
            labels.append(heading(name, union_box(sheets)[:, 0].mean(), y, scale, self.palette))
        return labels

    def frame(self, index: int) -> FrameDrawing:
        step = self.board.step(self.board.frames[index])
        numbers = None if self.numbers is None else self.numbers.frames[index]
        if self.board.stamps:
            return self._stamp(step, numbers)
        palette = self.palette
        lit: list[Primitive] = []
        printed: list[Primitive] = []
        taps = None if numbers is None or numbers.taps is None else numbers.taps[0]
        for d in np.unique(step.lower[:, 0]).tolist():
            on = step.lower[:, 0] == d
            cells = lit_cells(self.lower[d], self.lower_slices[d], step.lower[on, 1:])
            lit += cells
            if self.numbers is not None:
                weights = None if taps is None else taps[on]
                values = self.numbers.inputs[0][d]
                printed += [
                    label for _, label in lit_numbers(self.lower[d], cells, values, weights)
                ]
        marks: list[Primitive] = []
        if numbers is not None and numbers.marked is not None:  # a max pooling's winner
            d, r, c = numbers.marked
            marks.append(self.lower[d].ring(r, c, palette.outline))
        elif numbers is None or numbers.taps is not None:  # a pooling window has no first tap
            d, r, c = step.first_tap
            marks.append(self.lower[d].dot(r, c, palette.outline))
        fills: dict[tuple[int, int, int], RGB] = {}
        for d, r, c in step.upper.tolist():
            fill = blend(palette.output, palette.highlight, look.HIGHLIGHT_OPACITY)
            fills[(d, r, c)] = fill
            lit.append(self.upper[d].cell(r, c, fill, palette.outline, role=Role.HIGHLIGHT))
        if numbers is not None:
            for (d, r, c), value in np.ndenumerate(numbers.outputs[0]):
                if not math.isnan(value):
                    ground: bool | RGB = fills.get((d, r, c), True)
                    printed.append(self.upper[d].number(r, c, value, ground))
        join = self._join(step.lower_box, step.upper_box) if len(step.lower) else []
        return FrameDrawing((*lit, *join, *printed, *marks), ())

    def _stamp(self, step: Step, numbers: FrameNumbers | None) -> FrameDrawing:
        """Scatter: the stamping input cell lit; the output shaded by the stamps so far, the
        current stamp outlined (dashed where the padding crops it) with its first tap's dot,
        and with numbers the running sums and the weight each stamp cell receives."""
        palette = self.palette
        shapes: list[Primitive] = []
        for d, r, c in step.lower.tolist():
            shapes += lit_cells(self.lower[d], self.lower_slices[d], np.array([[r, c]]))
        assert step.counts is not None
        current: list[Primitive] = []
        fills: dict[tuple[int, int, int], RGB] = {}
        for d, layout in enumerate(self.upper):  # a stamp's cells come in depth order
            here = step.upper[step.upper[:, 0] == d, 1:]
            shaded, outlined = stamp_cells(
                layout, palette, step.counts[d], here, self.board.upper.cells[d], self.most
            )
            shapes += shaded
            current += outlined
            for shape in (*shaded, *outlined):
                if shape.fill is not None:
                    r, c = shape.position
                    fills[(d, r, c)] = shape.fill
        shapes += current
        join = self._join(step.lower_box, step.upper_box) if len(step.upper) else []
        printed: list[Primitive] = []
        if numbers is not None:
            added = {}
            if numbers.taps is not None:
                added = {
                    tuple(cell): float(w) for cell, w in zip(step.upper.tolist(), numbers.taps[0])
                }
            for (d, r, c), value in np.ndenumerate(numbers.outputs[0]):
                weight = added.pop((d, r, c), None)
                if not math.isnan(value) or weight is not None:
                    shown = None if math.isnan(value) else value
                    on: bool | RGB = fills.get((d, r, c), True)
                    printed += self.upper[d].paired(r, c, shown, weight, on)
        marks: list[Primitive] = []
        if len(step.upper):
            d, r, c = step.first_tap
            colour = look.readable_on(fills.get((d, r, c)) or palette.output, palette)
            marks.append(self.upper[d].dot(r, c, colour, at=look.STAMP_TAP_AT))
        return FrameDrawing((*shapes, *join, *printed, *marks), ())

    def _join(self, lower_box: np.ndarray, upper_box: np.ndarray) -> list[Primitive]:
        """The guide's lines from the lit box on the input side to the one on the output
        side, between the two lit slices nearest in height (so they cross no other slice),
        and on each side lit across several slices the lines between the first and the last
        of them, which draw the box through them."""
        sides = []
        for sheets, ((first, *low), (end, *high)) in (
            (self.layout.lower, lower_box.tolist()),
            (self.layout.upper, upper_box.tolist()),
        ):
            sides.append([box_corners(sheets[d], np.array([low, high])) for d in range(first, end)])
        start, end = min(
            ((a, b) for a in sides[0] for b in sides[1]),
            key=lambda pair: abs(pair[0][:, 1].mean() - pair[1][:, 1].mean()),
        )
        lines: list[Primitive] = [*join_lines(start, end, self.palette)]
        for side in sides:
            if len(side) > 1:
                lines += join_lines(side[0], side[-1], self.palette)
        return lines


def draw_depth(
    board: Board, style: Style, numbers: Numbers | None = None, layout: DepthLayout | None = None
) -> Drawing:
    """Lay out every frame of the 3-D ``board`` in ``style``, with ``numbers`` printed if
    given; ``layout`` is ``depth_layout``'s for it, if the caller has it already.

    >>> from convanim.geometry import ConvSpec
    >>> from convanim.story.board import build_board
    >>> drawing = draw_depth(build_board(ConvSpec(input_size=(3, 4, 4), kernel=3)), Style())
    >>> len(drawing.frames)
    4
    """
    if layout is None:
        layout = depth_layout(board.lower.cells.shape, board.upper.cells.shape, style)
    frames = _DepthFrames(board, layout, style, numbers)
    return Drawing(
        size=layout.size,
        background=style.palette.background,
        lower=tuple(frames.static()),
        upper=(),
        upper_region=(),
        frames=Lazy(len(board.frames), frames.frame),
    )
