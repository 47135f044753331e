"""The channel views laid out: the stack view (the CS231n demo's numbers, for any layer) and
the volume view (the guide's oblique planes, stacked in depth).

Both consume a board (the stack view also its numbers) and return a
``Drawing``: every plane, kernel slice, bias and label is in the static layer, and
each frame adds what it lights up. Each of the board's sheets the view shows gets a
``SheetPlacement``, where its grid points land, so that the cell, number and dot
builders of ``draw.frames`` serve every sheet alike; the frames walk the board's lit
sheets (``Board.lit``). A channel's planes take its group's hue (``GROUP_HUES``) when
there are groups; nothing a frame lights lies outside the frame's group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

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
    SheetPlacement,
    box_corners,
    check_cell_size,
    join_lines,
    lit_cells,
    lit_numbers,
    plane_cells,
    shifted,
    stamp_fill,
    text_box,
    value_ground,
)
from convanim.draw.style import RGB, Layout, Palette, Style, blend
from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec
from convanim.geometry.channels import LayerFrame
from convanim.lazy import Lazy
from convanim.story.board import (
    Board,
    Cell,
    Plane,
    Reading,
    SheetRole,
    View,
    as_drawable,
    plane_shapes,
)
from convanim.story.values import Numbers, number_text
from convanim.text import padding_text, size_text


@dataclass(frozen=True)
class ChannelLayout:
    """Where every plane of a channel view goes, known from the shapes alone."""

    size: tuple[int, int]  # (width, height) pixels
    inputs: tuple[SheetPlacement, ...]  # one per input channel
    outputs: tuple[SheetPlacement, ...]  # one per output channel
    slices: tuple[SheetPlacement, ...]  # stack view: one per channel pair, in connectivity order
    biases: tuple[SheetPlacement, ...]  # stack view with a bias: one per output channel
    sums: np.ndarray  # stack view, gather with numbers: (in_channels + 2, 2) pixels of each
    # input channel's partial sum, then of the bias term, then of the total
    headings: tuple[Label, ...]


def _shapes(spec: ConvSpec, reading: Reading) -> tuple[tuple[int, int], tuple[int, int]]:
    """The (input, output) plane shapes of a channel view: its board's."""
    return plane_shapes(spec.spatial, Reading(reading).spatial_view)


def _sheet(
    steps: np.ndarray, scale: float, at: np.ndarray, shape: tuple[int, int]
) -> SheetPlacement:
    """A sheet whose box has its top-left corner at pixel ``at`` (rounded to whole pixels)."""
    placed = SheetPlacement(steps, scale, np.zeros(2), shape)
    return replace(placed, origin=np.rint(np.asarray(at, dtype=float) - placed.box()[0]))


def heading(text: str, x: float, y: float, scale: float, palette: Palette) -> Label:
    size = max(look.MIN_LABEL_PIXELS, round(look.TEXT_SIZE * scale))
    return Label(np.array([x, y]), text, size, palette.text, Role.LABEL)


def tensor_text(channels: int, size: tuple[int, ...]) -> str:
    """``3x5x5``: channels, then the plane's size."""
    return f"{channels}x{size_text(size)}"


def input_heading(spec: ConvSpec) -> str:
    """``input 3x5x5, padding 1``, or for a transposed spec with zeros inserted."""
    text = f"input {tensor_text(spec.in_channels, spec.input_size)}"
    if any(p for pair in spec.padding for p in pair) and not spec.transposed:
        mode = "" if spec.padding_mode == "zeros" else f"{spec.padding_mode} "
        text += f", {mode}padding {padding_text(spec.padding)}"
    return text


SUMS_HEADING = "sum"  # over the stack view's partial sums


def stack_layout(
    spec: ConvSpec,
    reading: Reading,
    style: Style,
    sums: bool,
    output_tags: tuple[str, ...] | None = None,
) -> ChannelLayout:
    """The stack view's layout: input planes left, one column of slices per filter (each
    slice beside the input channel it reads), then the partial sums (``sums``), then the
    output planes; each filter and output channel tagged with its number, or with
    ``output_tags``."""
    tags = output_tags or tuple(map(str, range(spec.out_channels)))
    palette, scale = style.palette, float(style.cell or look.CHANNELS_CELL)
    steps = np.rint(look.PROJECTIONS[Layout.FLAT] * scale)
    (lower_rows, lower_cols), (upper_rows, upper_cols) = _shapes(spec, reading)
    kernel_rows, kernel_cols = as_drawable(spec).kernel
    unit = steps[0, 1]  # pixels per cell, whole
    slot = max(lower_rows, kernel_rows) + look.SLOT_GAP
    margin, top = look.MARGIN, look.MARGIN + look.HEADING_ROOM
    x = margin + look.TAG_ROOM
    inputs = tuple(
        _sheet(
            steps,
            scale,
            np.array([x, top + i * slot + (slot - look.SLOT_GAP - lower_rows) / 2]) * unit,
            (lower_rows, lower_cols),
        )
        for i in range(spec.in_channels)
    )
    filters_x = x + lower_cols + look.FLAT_GAP
    column = kernel_cols + look.COLUMN_GAP
    from convanim.geometry import connectivity

    pairs = connectivity(spec)
    slices = tuple(
        _sheet(
            steps,
            scale,
            np.array(
                [filters_x + o * column, top + i * slot + (slot - look.SLOT_GAP - kernel_rows) / 2]
            )
            * unit,
            (kernel_rows, kernel_cols),
        )
        for o, i in zip(pairs.output, pairs.input)
    )
    bias_y = top + spec.in_channels * slot
    biases = tuple(
        _sheet(
            steps,
            scale,
            np.array([filters_x + o * column + (kernel_cols - 1) / 2, bias_y]) * unit,
            (1, 1),
        )
        for o in range(spec.out_channels)
        if spec.bias
    )
    right = filters_x + spec.out_channels * column - look.COLUMN_GAP
    sums_x = right + look.FLAT_GAP / 2
    rows_used = bias_y + (1 + look.SLOT_GAP if spec.bias else 0.0)
    sum_points = np.array(
        [[sums_x, top + i * slot + (slot - look.SLOT_GAP) / 2] for i in range(spec.in_channels)]
        + [[sums_x, bias_y + 0.5], [sums_x, rows_used + 0.5]]
    )
    if sums:
        right = sums_x + look.SUM_ROOM
        rows_used += 1.0
    outputs_x = right + (0.0 if sums else look.FLAT_GAP) + look.TAG_ROOM  # sums leave room
    output_slot = upper_rows + look.SLOT_GAP
    output_height = spec.out_channels * output_slot - look.SLOT_GAP
    outputs_top = top
    outputs = tuple(
        _sheet(
            steps,
            scale,
            np.array([outputs_x, outputs_top + o * output_slot]) * unit,
            (upper_rows, upper_cols),
        )
        for o in range(spec.out_channels)
    )
    width = outputs_x + upper_cols + margin
    height = max(rows_used, outputs_top + output_height) + margin
    heading_y = (margin + look.HEADING_ROOM * 0.3) * unit
    tag_y = (top - look.HEADING_ROOM * 0.3) * unit
    weights = size_text(spec.weight_shape)
    filters = f"filters {weights}" + (", bias" if spec.bias else "")
    headings = [
        heading(input_heading(spec), (x + lower_cols / 2) * unit, heading_y, scale, palette),
        heading(
            filters,
            (filters_x + right - (look.SUM_ROOM if sums else 0)) / 2 * unit,
            heading_y,
            scale,
            palette,
        ),
        heading(
            f"output {tensor_text(spec.out_channels, spec.output_size)}",
            (outputs_x + upper_cols / 2) * unit,
            heading_y,
            scale,
            palette,
        ),
    ]
    headings += [
        heading(tags[o], (filters_x + o * column + kernel_cols / 2) * unit, tag_y, scale, palette)
        for o in range(spec.out_channels)
    ]
    if sums:  # the column of partial sums, named where the filters are numbered
        sums_heading = heading(SUMS_HEADING, sums_x * unit, tag_y, scale, palette)
        headings.append(replace(sums_heading, align=Align.START))
    headings += _tags(inputs, scale, palette) + _tags(outputs, scale, palette, texts=tags)
    return ChannelLayout(
        size=(int(np.ceil(width * unit)), int(np.ceil(height * unit))),
        inputs=inputs,
        outputs=outputs,
        slices=slices,
        biases=biases,
        sums=sum_points * unit,
        headings=tuple(headings),
    )


def named_headings(headings: tuple[Label, ...], names: tuple[str, ...]) -> tuple[Label, ...]:
    """A channel view's headings naming what its tensors hold: ``dy 2x3x3`` for ``output
    2x3x3`` (each tensor's heading begins with its role); ``names`` are the input's, the
    output's and, if given, the filters'."""
    roles = dict(zip(("input", "output", "filters"), names))
    renamed = []
    for label in headings:
        role, _, rest = label.text.partition(" ")
        renamed.append(replace(label, text=f"{roles[role]} {rest}") if role in roles else label)
    return tuple(renamed)


def _tags(
    sheets: tuple[SheetPlacement, ...],
    scale: float,
    palette: Palette,
    right: bool = False,
    texts: tuple[str, ...] | None = None,
) -> list[Label]:
    """Each plane's channel number (or its text of ``texts``), left of it (or right)."""
    tags = []
    for channel, sheet in enumerate(sheets):
        (x0, y0), (x1, y1) = sheet.box()
        x = x1 + look.TAG_ROOM * scale / 2 if right else x0 - look.TAG_ROOM * scale / 2
        at = np.array([x, (y0 + y1) / 2])
        text = str(channel) if texts is None else texts[channel]
        tags.append(replace(heading(text, 0, 0, scale, palette), centre=at))
    return tags


def volume_layout(
    spec: ConvSpec, reading: Reading, style: Style, output_tags: tuple[str, ...] | None = None
) -> ChannelLayout:
    """The volume view's layout: each tensor a column of the guide's oblique planes, one per
    channel, channel 0 on top; the output tensor right of the input, centred beside it;
    the output channels tagged with their numbers, or with ``output_tags``."""
    palette, scale = style.palette, float(style.cell or look.GUIDE_CELL)
    steps = np.rint(look.PROJECTIONS[Layout.OBLIQUE] * scale)
    lower, upper = _shapes(spec, reading)
    margin = look.MARGIN * scale
    left = margin + look.TAG_ROOM * scale
    inputs, outputs = stacked_columns(
        steps, scale, (left, margin), (lower, spec.in_channels), (upper, spec.out_channels)
    )
    input_box, output_box = union_box(inputs), union_box(outputs)
    label_y = max(input_box[1, 1], output_box[1, 1]) + look.LABEL_OFFSET * scale
    headings = [
        heading(input_heading(spec), input_box[:, 0].mean(), label_y, scale, palette),
        heading(
            f"output {tensor_text(spec.out_channels, spec.output_size)}",
            output_box[:, 0].mean(),
            label_y,
            scale,
            palette,
        ),
    ]
    headings += _tags(inputs, scale, palette)
    headings += _tags(outputs, scale, palette, right=True, texts=output_tags)
    width = output_box[1, 0] + margin + look.TAG_ROOM * scale
    height = label_y + (look.LABEL_ROOM + look.MARGIN / 2) * scale
    return ChannelLayout(
        size=(int(np.ceil(width)), int(np.ceil(height))),
        inputs=inputs,
        outputs=outputs,
        slices=(),
        biases=(),
        sums=np.empty((0, 2)),
        headings=tuple(headings),
    )


def stacked_columns(
    steps: np.ndarray,
    scale: float,
    corner: tuple[float, float],
    lower: tuple[tuple[int, int], int],
    upper: tuple[tuple[int, int], int],
) -> tuple[tuple[SheetPlacement, ...], tuple[SheetPlacement, ...]]:
    """Two columns of planes, each (shape, count) planes one above the next SHEET_GAP
    apart, the first with its top-left at pixel ``corner``, the second VOLUME_GAP right of
    it; the shorter column is moved down to stand centred beside the taller one."""
    x, top = corner

    def column(
        shape: tuple[int, int], count: int, x: float, top: float
    ) -> tuple[SheetPlacement, ...]:
        height = np.ptp(_sheet(steps, scale, np.zeros(2), shape).box()[:, 1])
        gap = look.SHEET_GAP * scale
        return tuple(
            _sheet(steps, scale, np.array([x, top + k * (height + gap)]), shape)
            for k in range(count)
        )

    inputs = column(*lower, x, top)
    input_box = union_box(inputs)
    outputs = column(*upper, input_box[1, 0] + look.VOLUME_GAP * scale, top)
    output_box = union_box(outputs)
    shift = np.rint(input_box[:, 1].mean() - output_box[:, 1].mean())
    if shift > 0:  # centre the shorter tensor beside the taller one
        outputs = tuple(
            replace(sheet, origin=sheet.origin + np.array([0, shift])) for sheet in outputs
        )
    elif shift < 0:
        inputs = tuple(
            replace(sheet, origin=sheet.origin - np.array([0, shift])) for sheet in inputs
        )
    return inputs, outputs


def union_box(sheets: tuple[SheetPlacement, ...]) -> np.ndarray:
    """(2, 2) [[x0, y0], [x1, y1]] pixels the ``sheets`` cover together."""
    boxes = np.stack([sheet.box() for sheet in sheets])
    return np.stack([boxes[:, 0].min(axis=0), boxes[:, 1].max(axis=0)])


def channel_layout(
    spec: ConvSpec,
    view: View,
    reading: Reading,
    style: Style,
    numbers: bool,
    output_tags: tuple[str, ...] | None = None,
) -> ChannelLayout:
    """The layout of ``spec`` in ``view``, read one way; ``style.width`` sets the scale;
    ``output_tags`` name the output channels (else their numbers)."""

    def laid_out(style: Style) -> ChannelLayout:
        if View(view) is View.STACK:
            sums = numbers and Reading(reading) is Reading.GATHER
            return stack_layout(spec, reading, style, sums, output_tags)
        return volume_layout(spec, reading, style, output_tags)

    if style.width is None:
        return laid_out(style)
    natural = laid_out(replace(style, width=None, cell=look.GUIDE_CELL))
    cell = look.GUIDE_CELL * style.width / natural.size[0]
    check_cell_size(cell, style.width)
    return laid_out(replace(style, width=None, cell=cell))


def group_palette(palette: Palette, group: int, groups: int) -> Palette:
    """The palette of one group's planes: the guide's with one group, else the group's hue."""
    if groups == 1:
        return palette
    hue = look.GROUP_HUES[group % len(look.GROUP_HUES)]
    return replace(palette, input=hue, output=hue)


class _ChannelFrames:
    """Lays out the static layer and the frames of one channel view."""

    def __init__(
        self,
        board: Board,
        layout: ChannelLayout,
        view: View,
        style: Style,
        numbers: Numbers | None,
        input_hues: tuple[RGB, ...] | None = None,
    ):
        self.board, self.layout, self.view, self.numbers = board, layout, view, numbers
        self.palette = style.palette
        spec, pairs = board.spec, board.order.pairs
        palettes = [group_palette(self.palette, g, spec.groups) for g in range(spec.groups)]
        input_palettes = [palettes[group] for group in pairs.input_group]
        if input_hues is not None:
            input_palettes = [replace(p, input=hue) for p, hue in zip(input_palettes, input_hues)]
        self.input_cells = [
            CellLayout(sheet, palette) for sheet, palette in zip(layout.inputs, input_palettes)
        ]
        self.output_cells = [
            CellLayout(sheet, palettes[pairs.output_group[o]], output=True)
            for o, sheet in enumerate(layout.outputs)
        ]
        tinted = [
            replace(p, input=blend(p.input, p.background, look.FILTER_TINT)) for p in palettes
        ]
        self.slice_cells = [
            CellLayout(sheet, tinted[pairs.output_group[o]])
            for o, sheet in zip(pairs.output, layout.slices)
        ]
        self.bias_cells = [
            CellLayout(sheet, tinted[pairs.output_group[o]])
            for o, sheet in enumerate(layout.biases)
        ]
        #: Where each sheet the placement shows is drawn, by (role, index)
        self.cells = {
            **{(SheetRole.INPUT, i): cells for i, cells in enumerate(self.input_cells)},
            **{(SheetRole.KERNEL, p): cells for p, cells in enumerate(self.slice_cells)},
            **{(SheetRole.BIAS, o): cells for o, cells in enumerate(self.bias_cells)},
            **{(SheetRole.OUTPUT, o): cells for o, cells in enumerate(self.output_cells)},
        }
        self.story = board.frames
        self.max_count = 0
        if board.stamps:
            whole = board.steps[-1].counts
            assert whole is not None
            self.max_count = int(whole.max()) * spec.in_channels // spec.groups

    # --- the static layer -----------------------------------------------------------------

    def static(self) -> list[Primitive]:
        """Every sheet the placement shows, with its values, and the headings."""
        shapes: list[Primitive] = []
        for sheet in self.board.sheets():
            cells = self.cells.get((sheet.role, sheet.index))
            if cells is None:  # a sheet the placement leaves out (the volume view's kernels)
                continue
            shapes += plane_cells(cells, sheet.plane)
            if self.numbers is None:
                continue
            if sheet.role is SheetRole.INPUT:
                shapes += self._values(cells, self.numbers.inputs[sheet.index], sheet.plane)
            elif sheet.role is SheetRole.KERNEL:
                a, b = self.board.order.pairs.weight[sheet.index]
                shapes += self._values(cells, self._slice(int(a), int(b)), sheet.plane)
            elif sheet.role is SheetRole.BIAS and self.numbers.bias is not None:
                value = self.numbers.bias[sheet.index]
                shapes.append(cells.number(0, 0, value, cells.palette.input))
        return [*shapes, *self.layout.headings]

    def _slice(self, a: int, b: int) -> np.ndarray:
        """A kernel slice as its plane shows it (a 1-D kernel is one row)."""
        assert self.numbers is not None and self.numbers.weights is not None
        return self.numbers.weights[a, b].reshape(self.layout.slices[0].shape)

    @staticmethod
    def _values(cells: CellLayout, values: np.ndarray, plane: Plane) -> list[Primitive]:
        return [
            cells.number(r, c, value, value_ground(plane, cells.palette, r, c))
            for (r, c), value in np.ndenumerate(values)
            if not np.isnan(value)
        ]

    # --- one frame ------------------------------------------------------------------------

    def frame(self, index: int) -> FrameDrawing:
        lit = self.story[index]
        numbers = None if self.numbers is None else self.numbers.frames[index]
        spatial = self.board.step(lit)
        shapes: list[Primitive] = []
        taps = None if numbers is None else numbers.taps
        pairs = self.board.order.pairs
        # The input side: the footprint on each input channel of the group (gather), or the
        # stamping cell (scatter); then the kernel slices in use and the bias (stack view).
        inputs = iter(range(len(lit.inputs)))
        for role, channel, positions in self.board.lit(lit):
            cells = self.cells.get((role, channel))
            if cells is None or role is SheetRole.OUTPUT:  # outputs: below, all at once
                continue
            if role is SheetRole.INPUT:
                k = next(inputs)
                weights = taps[k] if taps is not None and not self.board.stamps else None
                shapes += self._lit(cells, self.board.lower, positions, channel, weights)
                if not self.board.stamps:
                    r, c = spatial.first_tap
                    shapes.append(cells.dot(r, c, self.palette.outline))
            elif role is SheetRole.KERNEL:
                a, b = pairs.weight[channel]
                shapes += self._lit_slice(cells, positions, int(a), int(b))
            else:
                shapes += self._lit_bias(cells, channel)
        # The output side.
        if self.board.stamps:
            outputs = numbers.outputs if numbers else None
            shapes += self._stamps(index, lit, spatial.upper, outputs, taps)
        else:
            o = int(lit.outputs[0])
            cells = self.output_cells[o]
            fill = blend(cells.palette.output, self.palette.highlight, look.HIGHLIGHT_OPACITY)
            r, c = spatial.upper[0]
            shapes.append(cells.cell(r, c, fill, self.palette.outline, role=Role.HIGHLIGHT))
            if numbers is not None:
                shapes += self._outputs(numbers.outputs, {(o, int(r), int(c)): fill})
        if self.view is View.VOLUME:
            shapes += self._box_and_join(lit, spatial.lower_box, spatial.upper_box)
        if numbers is not None and numbers.partials is not None:
            shapes += self._sums(
                lit, numbers.partials, numbers.bias, numbers.outputs, spatial.upper[0]
            )
        return FrameDrawing(tuple(shapes), ())

    def _lit(
        self,
        cells: CellLayout,
        plane: Plane,
        positions: np.ndarray,
        channel: int,
        weights: np.ndarray | None,
    ) -> list[Primitive]:
        """Input cells under the highlight, their values printed again on it, each with
        its tap's weight when ``weights`` are given."""
        lit = lit_cells(cells, plane, positions)
        if self.numbers is None:
            return [*lit]
        labels = lit_numbers(cells, lit, self.numbers.inputs[channel], weights)
        return [*lit, *(label for _, label in labels)]

    def _lit_bias(self, cells: CellLayout, channel: int) -> list[Primitive]:
        """Stack view, gather: the bias of the output channel made, lit, its value again."""
        fill = blend(cells.palette.input, self.palette.highlight, look.HIGHLIGHT_OPACITY)
        shapes: list[Primitive] = [
            cells.cell(0, 0, fill, self.palette.outline, role=Role.HIGHLIGHT)
        ]
        if self.numbers is not None and self.numbers.bias is not None:
            shapes.append(cells.number(0, 0, self.numbers.bias[channel], fill))
        return shapes

    def _lit_slice(
        self, cells: CellLayout, positions: np.ndarray, a: int, b: int
    ) -> list[Primitive]:
        """Stack view: the kernel slice w[a, b] lit, its weights printed again on the highlight."""
        shapes: list[Primitive] = []
        fill = blend(cells.palette.input, self.palette.highlight, look.HIGHLIGHT_OPACITY)
        lit = positions.tolist()
        for r, c in lit:
            shapes.append(cells.cell(r, c, fill, self.palette.outline, role=Role.HIGHLIGHT))
        if self.numbers is not None:
            weights = self._slice(a, b).tolist()
            shapes += [cells.number(r, c, weights[r][c], fill) for r, c in lit]
        return shapes

    def _outputs(
        self, outputs: np.ndarray, fills: dict[tuple[int, int, int], RGB]
    ) -> list[Primitive]:
        """The output values printed so far, on the fill each cell has in this frame."""
        shapes: list[Primitive] = []
        for (o, r, c), value in zip(np.ndindex(outputs.shape), outputs.ravel().tolist()):
            if not math.isnan(value):
                on: bool | RGB = fills.get((o, r, c), True)
                shapes.append(self.output_cells[o].number(r, c, value, on))
        return shapes

    def _stamps(
        self,
        index: int,
        lit: LayerFrame,
        stamp: np.ndarray,
        outputs: np.ndarray | None,
        taps: np.ndarray | None,
    ) -> list[Primitive]:
        """Scatter reading: output cells shaded by the stamps they have received; the current
        stamp outlined in each output channel of the group, with the weight it adds."""
        palette = self.palette
        upper = self.board.upper
        counts = self.board.order.stamp_counts(index).reshape(-1, *upper.cells.shape)
        shapes: list[Primitive] = []
        fills: dict[tuple[int, int, int], RGB] = {}
        for o, r, c in zip(*np.nonzero(counts)):
            cells = self.output_cells[o]
            if int(upper.cells[r, c]) == Cell.HIDDEN and o not in lit.outputs:
                continue
            fill = stamp_fill(cells.palette, counts[o, r, c], self.max_count)
            fills[(int(o), int(r), int(c))] = fill
            dashed = int(upper.cells[r, c]) == Cell.HIDDEN
            shapes.append(cells.cell(r, c, fill, palette.outline, dashed=dashed))
        outlines: list[Primitive] = []
        weights: list[Primitive] = []
        for k, o in enumerate(lit.outputs):
            cells = self.output_cells[o]
            width = look.CURRENT_STAMP_OUTLINE * cells.line
            for j, (r, c) in enumerate(stamp):
                dashed = int(upper.cells[r, c]) == Cell.HIDDEN
                outlines.append(
                    cells.cell(r, c, None, palette.outline, dashed, width, Role.HIGHLIGHT)
                )
                if taps is not None and outputs is not None and np.isnan(outputs[o, r, c]):
                    on = fills.get((int(o), int(r), int(c)), palette.background)
                    weights += cells.paired(r, c, None, float(taps[k, j]), on)
            if taps is None:
                r, c = stamp[0]
                under = fills.get((int(o), int(r), int(c)), cells.palette.output)
                colour = look.readable_on(under, palette)
                outlines.append(cells.dot(r, c, colour, at=look.STAMP_TAP_AT))
        if outputs is not None:
            paired = self._stamp_values(lit, stamp, outputs, taps, fills)
            return shapes + outlines + weights + paired
        return shapes + outlines

    def _stamp_values(
        self,
        lit: LayerFrame,
        stamp: np.ndarray,
        outputs: np.ndarray,
        taps: np.ndarray | None,
        fills: dict[tuple[int, int, int], RGB],
    ) -> list[Primitive]:
        """The running sums, each stamp cell's with the weight the stamp adds there."""
        added = {}
        if taps is not None:
            for k, o in enumerate(lit.outputs):
                for j, (r, c) in enumerate(stamp):
                    added[(int(o), int(r), int(c))] = float(taps[k, j])
        shapes: list[Primitive] = []
        for (o, r, c), value in np.ndenumerate(outputs):
            if np.isnan(value):
                continue
            on: bool | RGB = fills.get((o, r, c), True)
            shapes += self.output_cells[o].paired(r, c, value, added.get((o, r, c)), on)
        return shapes

    def _box_and_join(
        self, lit: LayerFrame, lower_box: np.ndarray, upper_box: np.ndarray
    ) -> list[Primitive]:
        """Volume view: the box through the lit planes of one side (the footprint through the
        group's input channels, or the stamp through its output channels) and the four
        lines joining it to the other side."""
        inputs = [box_corners(self.layout.inputs[i], lower_box) for i in lit.inputs]
        outputs = [box_corners(self.layout.outputs[o], upper_box) for o in lit.outputs]
        # The joining lines leave the lit input plane nearest in height to the lit output
        # plane they reach (the box stands for the rest), so they cross no other plane.
        start, end = min(
            ((a, b) for a in inputs for b in outputs),
            key=lambda pair: abs(pair[0][:, 1].mean() - pair[1][:, 1].mean()),
        )
        lines: list[Primitive] = [*join_lines(start, end, self.palette)]
        if len(lit.inputs) > 1:
            lines += join_lines(inputs[0], inputs[-1], self.palette)
        if len(lit.outputs) > 1:
            lines += join_lines(outputs[0], outputs[-1], self.palette)
        return lines

    def _sums(
        self,
        lit: LayerFrame,
        partials: np.ndarray,
        bias: float | None,
        outputs: np.ndarray,
        cell: np.ndarray,
    ) -> list[Primitive]:
        """Stack view, gather: each input channel's partial sum beside its slot, the bias, and
        the total the output cell receives."""
        size = max(look.MIN_TEXT_PIXELS, round(look.TEXT_SIZE * self.layout.inputs[0].scale))
        shapes: list[Primitive] = []
        terms = list(zip(lit.inputs, partials))
        if bias is not None:
            terms.append((len(self.layout.inputs), bias))
        for k, (slot, value) in enumerate(terms):
            text = number_text(value)
            if k:
                text = f"- {number_text(-value)}" if value < 0 else f"+ {text}"
            role = Role.BIAS if bias is not None and k == len(terms) - 1 else Role.PARTIAL
            at = self.layout.sums[slot]
            shapes.append(Label(at, text, size, self.palette.text, role, align=Align.START))
        o = int(lit.outputs[0])
        total = number_text(outputs[o, int(cell[0]), int(cell[1])])
        at = self.layout.sums[-1]
        shapes.append(
            Label(at, f"= {total}", size, self.palette.text, Role.TOTAL, align=Align.START)
        )
        return shapes


def check_numbers(view: View, printed: bool) -> View:
    """``view``, refused if numbers are to be printed on the volume view (it has no room)."""
    if view is View.VOLUME and printed:
        raise ConvanimError("values", "the volume view prints no numbers: use {view} stack")
    return view


def draw_channels(
    board: Board,
    view: View,
    style: Style,
    numbers: Numbers | None = None,
    input_hues: tuple[RGB, ...] | None = None,
    layout: ChannelLayout | None = None,
) -> Drawing:
    """Lay out ``board`` in ``view`` (stack or volume), with ``numbers`` printed if given;
    ``input_hues`` colour the input channels (one each; else their groups' hues). ``layout``
    is ``channel_layout``'s for them, if the caller has it already.

    >>> from convanim.story.board import build_board
    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, in_channels=2, out_channels=2, groups=2)
    >>> drawing = draw_channels(build_board(spec), View.VOLUME, Style())
    >>> len(drawing.frames)
    18
    """
    view = check_numbers(View(view), numbers is not None)
    if layout is None:
        layout = channel_layout(board.spec, view, board.reading, style, numbers is not None)
    frames = _ChannelFrames(board, layout, view, style, numbers, input_hues)
    return Drawing(
        size=layout.size,
        background=style.palette.background,
        lower=tuple(frames.static()),
        upper=(),
        upper_region=(),
        frames=Lazy(len(board.frames), frames.frame),
    )


#: The frames ``in_sequence`` closes with: one, the closing lines.
CLOSING_FRAMES = 1


def in_sequence(
    parts: list[Drawing], captions: Sequence[str], closing: Sequence[str], style: Style
) -> Drawing:
    """One drawing that plays ``parts`` one after the other (each on its own static layer,
    with its caption in a band below), then a frame with the lines of ``closing``.

    The picture is as large as the largest part and the band, and as wide as the widest
    line of text and as high as the closing lines need, a text height clear of the edges;
    each part is centred across the picture and stands on the captions' band.
    """
    palette = style.palette
    size = max(look.MIN_LABEL_PIXELS, round(look.TEXT_SIZE * look.CHANNELS_CELL))
    step = size * look.CLOSING_LINE_SPACING

    def text(line: str, x: float, y: float) -> Label:
        return Label(np.array([x, y]), line, size, palette.text, Role.LABEL)

    widest = max(np.ptp(text_box(text(line, 0, 0))[::2]) for line in [*captions, *closing])
    width = math.ceil(max(max(part.size[0] for part in parts), widest + 2 * size))
    band = max(part.size[1] for part in parts)  # where the captions' band starts
    height = math.ceil(max(band + 2 * step, (len(closing) + 1) * step))
    titles = [text(caption, width / 2, band + step) for caption in captions]
    top = height / 2 - step * (len(closing) - 1) / 2
    summary = tuple(text(line, width / 2, top + k * step) for k, line in enumerate(closing))
    starts = np.cumsum([0] + [len(part.frames) for part in parts])
    # Each part centred across and standing on the captions' band (whole pixels), its static
    # layers moved once.
    offsets = [((width - part.size[0]) // 2, band - part.size[1]) for part in parts]
    statics = [
        (shifted(part.lower, offset), shifted(part.upper, offset))
        for part, offset in zip(parts, offsets)
    ]

    def frame(index: int) -> FrameDrawing:
        if index == starts[-1]:
            return FrameDrawing(summary, ())
        part = int(np.searchsorted(starts, index, side="right")) - 1
        drawn = parts[part].frames[index - int(starts[part])]
        (lower, upper), offset = statics[part], offsets[part]
        below = (*lower, titles[part], *shifted(drawn.below, offset))
        return FrameDrawing(below, (*upper, *shifted(drawn.above, offset)))

    return Drawing(
        size=(width, height),
        background=palette.background,
        lower=(),
        upper=(),
        upper_region=(),
        frames=Lazy(int(starts[-1]) + CLOSING_FRAMES, frame),
    )
