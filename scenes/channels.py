"""One input through four layers: standard, grouped, depthwise and pointwise convolution.

The input's channels stay on screen as stacked planes (for the pointwise layer, the
depthwise layer's outputs, which it reads). For each layer the filters appear, one per
output channel, joined by lines to the input channels they read, in their group's hue;
the weight tensor's shape, the parameter count and the multiply-accumulates are written
above; then each output channel fills in with its values. A table of the four layers'
counts closes the scene, the separable pair's row the sum of its two layers' rows.

Render: manim -ql scenes/channels.py ChannelsScene   (or: convanim scene channels)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    Line,
    ManimColor,
    Mobject,
    ReplacementTransform,
    Scene,
    SurroundingRectangle,
    Text,
    VGroup,
    Write,
    config,
)

from convanim.draw import style
from convanim.render.manim import theme
from convanim.render.manim.blocks import (
    BACKGROUND,
    HIGHLIGHT,
    INPUT,
    OUTLINE,
    OUTPUT,
    Grid,
    caption,
    colour,
    value_font,
    value_labels,
)
from convanim.story.scenes import (
    DEFAULTS,
    INPUT_NAME,
    ChannelsPlan,
    ChannelStage,
    SceneParams,
    channels_plan,
    shape_text,
)

#: Scene x of the centres of the input planes, the filters and the output planes.
INPUT_X, FILTER_X, OUTPUT_X = -4.6, -0.6, 3.0
#: Scene y of the middle of the stacked planes (below the title, heading and counts).
DIAGRAM_Y = -0.75
MARGIN = 0.4  # between text and the frame's left and right edges
COLUMN_GAP, ROW_PITCH = 0.7, 0.55  # the closing table
FOOTNOTE_GAP, LINE_GAP = 0.6, 0.12  # between the table and its footnote, and its lines
GROUP_HUES = [colour(rgb) for rgb in style.GROUP_HUES]
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
M = TypeVar("M", bound=Mobject)


def hue(group: int) -> ManimColor:
    return GROUP_HUES[group % len(GROUP_HUES)]


def subscript(name: str, index: int) -> str:
    """``x₀``: a channel's name with its index as a real subscript."""
    return name + str(index).translate(SUBSCRIPTS)


def as_plane(values: np.ndarray) -> np.ndarray:
    """One channel as rows of cells: a 1-D channel is one row."""
    return np.atleast_2d(values)


def plane(shape: tuple[int, ...], size: float, fill: ManimColor, opacity: float) -> Grid:
    return Grid(
        shape,
        size,
        stroke_width=theme.STROKE,
        stroke_color=OUTLINE,
        stroke_opacity=theme.OUTLINE_OPACITY,
        fill_color=fill,
        fill_opacity=opacity,
    )


def stack(grids: list[Grid], x: float) -> VGroup:
    """Planes one above the other, centred at (x, DIAGRAM_Y)."""
    column = VGroup(*grids).arrange(DOWN, buff=theme.CHANNELS_PLANE_GAP)
    return column.move_to(x * RIGHT + DIAGRAM_Y * UP)


def within_frame(mobject: M) -> M:
    """``mobject``, narrowed if it is wider than the frame less its margins."""
    room = config.frame_width - 2 * MARGIN
    return mobject.scale_to_fit_width(room) if mobject.width > room else mobject


def table(rows: list[list[str]], font_size: float) -> VGroup:
    """Rows of cells, each row one Text (so its cells share a baseline), the cells then
    moved sideways into columns: the first left-aligned, the others right-aligned.

    Every cell needs a visible character. Returns VGroup(rows...), row r's top at
    ``-r * ROW_PITCH`` (its first cell's), the columns starting at x = 0.
    """
    texts = [caption("  ".join(row), font_size) for row in rows]
    cells: list[list[VGroup]] = []
    for row, text in zip(rows, texts):
        glyphs = iter(text.submobjects)  # one per character that is not a space
        cells.append([VGroup(*(next(glyphs) for _ in "".join(cell.split()))) for cell in row])
    widths = [max(row[j].width for row in cells) for j in range(len(rows[0]))]
    for r, (text, row) in enumerate(zip(texts, cells)):
        edge = 0.0
        for j, cell in enumerate(row):
            side = cell.get_left()[0] if j == 0 else cell.get_right()[0] - widths[j]
            cell.shift((edge - side) * RIGHT)
            edge += widths[j] + COLUMN_GAP
        text.shift((-r * ROW_PITCH - row[0].get_top()[1]) * UP)
    return VGroup(*texts)


def group_frame(grid: Grid, group: int) -> SurroundingRectangle:
    return SurroundingRectangle(
        grid,
        color=hue(group),
        buff=theme.CHANNELS_FRAME_BUFF,
        stroke_width=theme.CHANNELS_FRAME_STROKE,
    )


def filter_cell(stage: ChannelStage, size: float) -> float:
    """The cell edge of ``stage``'s kernel slices: the planes' ``size``, smaller if a
    filter's slices side by side would be wider than theme.CHANNELS_FILTER_ROOM or a
    slice taller than the output planes it sits beside."""
    slices = stage.weight_shape[1]
    rows, cols = as_plane(stage.w[0, 0]).shape
    gaps = (slices - 1) * theme.CHANNELS_SLICE_GAP
    output_rows = as_plane(stage.y[0]).shape[0]
    return min(
        size, (theme.CHANNELS_FILTER_ROOM - gaps) / (slices * cols), output_rows * size / rows
    )


@dataclass
class DrawnStage:
    """What one stage put on screen (tests probe it): the planes it read, and per output
    channel its filter, the lines into it, its plane and the values written on it."""

    inputs: VGroup  # one Grid per input channel
    filters: VGroup  # one VGroup of kernel slices per output channel
    links: list[VGroup]  # per output channel, one line from each input channel it reads
    outputs: VGroup  # one Grid per output channel
    values: list[VGroup]  # per output channel, the value Texts on its plane


class ChannelsScene(Scene):
    """Variants set ``params`` (a SceneParams); ``step_time`` is seconds per output channel."""

    params: SceneParams = DEFAULTS["ChannelsScene"]
    step_time = 0.7

    def construct(self) -> None:
        plan = channels_plan(self.params)
        self.camera.background_color = BACKGROUND
        stages = [stage for stage in plan.stages if isinstance(stage, ChannelStage)]
        planes = max(stage.spec.out_channels for stage in stages)
        planes = max(planes, plan.x.shape[0])
        rows = max(as_plane(values).shape[0] for stage in stages for values in stage.y)
        rows = max(rows, as_plane(plan.x[0]).shape[0])
        cols = max(as_plane(values).shape[1] for stage in stages for values in stage.y)
        cols = max(cols, as_plane(plan.x[0]).shape[1])
        gaps = (planes - 1) * theme.CHANNELS_PLANE_GAP
        self.size = min(
            theme.CHANNELS_MAX_CELL,
            (theme.CHANNELS_ROOM - gaps) / (planes * rows),
            theme.CHANNELS_PLANE_WIDTH / cols,
        )
        self.show_values = self.params.show_values and self.size >= theme.CHANNELS_MIN_VALUE_CELL
        # One font for every number of the scene, the widest fitting its cell.
        shown = [plan.x.ravel(), *(stage.y.ravel() for stage in stages)]
        self.font = value_font(np.concatenate(shown), self.size)
        self.filter_cell = min(filter_cell(stage, self.size) for stage in stages)
        self.title = caption(plan.text, theme.TITLE_FONT).to_edge(UP)
        self.reading, self.input_fill = INPUT_NAME, INPUT
        self.inputs, labels = self.input_column(plan.x, INPUT_NAME, INPUT)
        self.play(Write(self.title), FadeIn(self.inputs), FadeIn(labels))
        notes = VGroup()
        if self.params.show_values and not self.show_values:
            notes.add(caption("no values: the cells are too small to print them"))
            self.play(FadeIn(notes.to_corner(DOWN + RIGHT, buff=0.15)))
        self.drawn: dict[str, DrawnStage] = {}
        heading: Text | None = None
        for number, stage in enumerate(plan.stages, start=1):
            text = within_frame(caption(f"{number}. {stage.heading}", theme.TEXT_FONT))
            text.next_to(self.title, DOWN, buff=0.2)
            self.play(FadeIn(text) if heading is None else ReplacementTransform(heading, text))
            heading = text
            if isinstance(stage, ChannelStage):
                if stage.input_name != self.reading:  # pointwise reads the depthwise output
                    self.reading, self.input_fill = stage.input_name, OUTPUT
                    inputs, fresh = self.input_column(stage.x, stage.input_name, self.input_fill)
                    self.play(
                        ReplacementTransform(self.inputs, inputs),
                        FadeOut(labels),
                        FadeIn(fresh),
                    )
                    self.inputs, labels = inputs, fresh
                self.drawn[stage.name] = self.layer(stage, heading)
            else:
                self.wait(1.5)
        self.play(FadeOut(VGroup(self.inputs, labels, notes)), FadeOut(heading))
        self.summary(plan)

    def input_column(self, x: np.ndarray, name: str, fill: ManimColor) -> tuple[VGroup, VGroup]:
        """The planes of ``x``'s channels, and their names and values."""
        grids = stack(
            [plane(as_plane(values).shape, self.size, fill, 1.0) for values in x], INPUT_X
        )
        labels = VGroup(
            *(
                caption(subscript(name, c), theme.TEXT_FONT).next_to(
                    grid, LEFT, buff=theme.LABEL_BUFF + theme.CHANNELS_FRAME_BUFF
                )
                for c, grid in enumerate(grids)
            )
        )
        if self.show_values:
            labels.add(
                *(
                    value_labels(grid, as_plane(values), font_size=self.font)
                    for grid, values in zip(grids, x)
                )
            )
        return grids, labels

    def layer(self, stage: ChannelStage, heading: Text) -> DrawnStage:
        """Show one stage: the inputs in their groups' hues, the filters and their lines,
        the counts, then each output channel as its filter is applied."""
        size = self.size
        counts = caption(
            f"{stage.weight_text}     {stage.parameter_text}     {stage.multiply_text}"
        ).next_to(heading, DOWN, buff=0.15)
        pending = theme.PENDING_OUTPUT_OPACITY  # until the filter reaches them
        outputs = stack(
            [plane(as_plane(values).shape, size, OUTPUT, pending) for values in stage.y], OUTPUT_X
        )
        frames = VGroup(
            *(group_frame(grid, int(group)) for grid, group in zip(outputs, stage.output_group))
        )
        out_names = VGroup(
            *(
                caption(subscript(stage.output_name, o), theme.TEXT_FONT).next_to(
                    grid, RIGHT, buff=theme.LABEL_BUFF + theme.CHANNELS_FRAME_BUFF
                )
                for o, grid in enumerate(outputs)
            )
        )
        filters = VGroup()
        for o, grid in enumerate(outputs):
            hue_o = hue(int(stage.output_group[o]))
            kernel = VGroup(
                *(
                    Grid(
                        as_plane(weights).shape,
                        self.filter_cell,
                        stroke_width=theme.THIN_STROKE,
                        stroke_color=OUTLINE,
                        stroke_opacity=theme.OUTLINE_OPACITY,
                        fill_color=hue_o,
                        fill_opacity=1.0,
                    )
                    for weights in stage.w[o]
                )
            ).arrange(RIGHT, buff=theme.CHANNELS_SLICE_GAP)
            filters.add(kernel.move_to(FILTER_X * RIGHT + grid.get_center()[1] * UP))
        links = [
            VGroup(
                *(
                    Line(
                        self.inputs[c].get_right() + theme.CHANNELS_FRAME_BUFF * RIGHT,
                        filters[o].get_left(),
                        color=hue(int(stage.output_group[o])),
                        stroke_width=theme.CHANNELS_LINK_STROKE,
                        stroke_opacity=theme.CHANNELS_LINK_OPACITY,
                    )
                    for c in reads
                )
            )
            for o, reads in enumerate(stage.reads)
        ]
        arrows = VGroup(
            *(
                Arrow(
                    kernel.get_right(),
                    grid.get_left() + theme.CHANNELS_FRAME_BUFF * LEFT,
                    buff=0.1,
                    color=hue(int(group)),
                    stroke_width=theme.CHANNELS_LINK_STROKE,
                    tip_length=min(theme.CHANNELS_TIP, theme.CHANNELS_TIP_PER_CELL * size),
                )
                for kernel, grid, group in zip(filters, outputs, stage.output_group)
            )
        )
        # Below the last filter: the lines into the filters come from its left and above.
        filters_name = caption("filters", theme.SMALL_FONT)
        filters_name.next_to(filters, DOWN, buff=theme.LABEL_BUFF)
        # The input channels take their groups' hues; the filters' lines fan out from them.
        tints = [
            grid.animate.set_fill(hue(int(group)), opacity=1.0)
            for grid, group in zip(self.inputs, stage.input_group)
        ]
        self.play(*tints, FadeIn(counts))
        self.play(
            FadeIn(filters),
            FadeIn(filters_name),
            *(Create(group, lag_ratio=0.1) for group in links),
            run_time=1.5,
        )
        self.play(FadeIn(outputs), FadeIn(frames), FadeIn(arrows), FadeIn(out_names))
        values = [
            value_labels(grid, as_plane(y), font_size=self.font) if self.show_values else VGroup()
            for grid, y in zip(outputs, stage.y)
        ]
        for o, grid in enumerate(outputs):
            focus = [
                line.animate.set_stroke(
                    width=theme.CHANNELS_ACTIVE_STROKE if p == o else None,
                    opacity=1.0 if p == o else theme.CHANNELS_IDLE_OPACITY,
                )
                for p, group in enumerate(links)
                for line in group
            ]
            self.play(
                *focus,
                filters[o].animate.set_stroke(HIGHLIGHT, width=theme.STROKE),
                grid.animate.set_fill(OUTPUT, opacity=1.0),
                FadeIn(values[o]),
                run_time=self.step_time,
            )
            self.play(
                filters[o].animate.set_stroke(OUTLINE, width=theme.THIN_STROKE),
                run_time=self.step_time / 4,
            )
        rest = [
            line.animate.set_stroke(
                width=theme.CHANNELS_LINK_STROKE, opacity=theme.CHANNELS_LINK_OPACITY
            )
            for group in links
            for line in group
        ]
        self.play(*rest)
        self.wait(1.5)
        self.play(
            FadeOut(
                VGroup(counts, filters, filters_name, *links, arrows, outputs, frames, out_names),
                *values,
            ),
            *(grid.animate.set_fill(self.input_fill, opacity=1.0) for grid in self.inputs),
        )
        return DrawnStage(
            inputs=self.inputs, filters=filters, links=links, outputs=outputs, values=values
        )

    def summary(self, plan: ChannelsPlan) -> None:
        """The four layers' weights and counts side by side, then the separable pair's."""
        rows = [["layer", "weight", "parameters", "multiply-accumulates"]]
        standard = next(stage for stage in plan.stages if isinstance(stage, ChannelStage))
        for stage in plan.stages:
            if isinstance(stage, ChannelStage):
                rows.append(
                    [
                        stage.name,
                        shape_text(stage.weight_shape),
                        f"{stage.parameters:,}",
                        f"{stage.multiply_accumulates:,}",
                    ]
                )
            else:
                rows.append([stage.name, "skipped", "—", "—"])
        rows.append(
            [
                "depthwise + pointwise",
                "two layers",
                f"{plan.separable_parameters:,}",
                f"{plan.separable_multiply_accumulates:,}",
            ]
        )
        grid = within_frame(table(rows, theme.CAPTION_FONT))
        grid.next_to(self.title, DOWN, buff=0.6)
        rule = Line(
            grid.get_left(), grid.get_right(), color=OUTLINE, stroke_width=theme.THIN_STROKE
        )
        rule.set_y((grid[-1].get_top()[1] + grid[-2].get_bottom()[1]) / 2)
        lines = [
            f"the separable pair: {plan.separable_parameters / standard.parameters:.0%} of the "
            "standard layer's parameters",
            f"and {plan.separable_multiply_accumulates / standard.multiply_accumulates:.0%} "
            "of its multiply-accumulates",
            *([f"({plan.separable_note})"] if plan.separable_note else []),
        ]
        # Under the table, from its left edge, no wider than it.
        shares = VGroup(*(caption(line) for line in lines))
        shares.arrange(DOWN, aligned_edge=LEFT, buff=LINE_GAP)
        if shares.width > grid.width:
            shares.scale_to_fit_width(grid.width)
        shares.next_to(grid, DOWN, buff=FOOTNOTE_GAP, aligned_edge=LEFT)
        self.table, self.footnote = grid, shares
        self.play(FadeIn(grid[:-1], lag_ratio=0.1), run_time=1.5)
        self.play(Create(rule), FadeIn(grid[-1]))
        self.play(Write(shares))
        self.wait(2)
