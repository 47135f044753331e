"""What one output cell sees through a chain of layers: WaveNet's picture, for a lecture.

A row of cells per layer, the input at the bottom, a faint edge from each cell to every
cell it reads; then the field of one output cell lights row by row down to the input,
whose cells show how many paths lead from each of them to that output.

Render: manim -ql scenes/network.py NetworkScene   (or: convanim scene network)
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UP, Create, FadeIn, Line, Scene, VGroup, Write

from convanim.render.manim import theme
from convanim.render.manim.blocks import (
    BACKGROUND,
    HIGHLIGHT,
    LIT_INPUT,
    LIT_OUTPUT,
    OUTLINE,
    caption,
    fit_cell_size,
    plane_grid,
    value_labels,
)
from convanim.story.board import Cell, filled
from convanim.story.scenes import DEFAULTS, SceneParams, network_plan


class NetworkScene(Scene):
    """Variants set ``params`` (a SceneParams with a network); ``step_time`` is seconds per row."""

    params: SceneParams = DEFAULTS["NetworkScene"]
    step_time = 1.0

    def construct(self) -> None:
        plan = network_plan(self.params)
        self.camera.background_color = BACKGROUND
        widths = [len(row) for row in plan.field]
        rows = len(widths)
        size = fit_cell_size(
            max(widths) + theme.NETWORK_SIDE_CELLS, rows * (1 + theme.NETWORK_ROW_GAP)
        )
        grids = []
        for row, width in enumerate(widths):
            kind = Cell.INPUT if row == 0 else Cell.OUTPUT
            grids.append(plane_grid(filled((1, width), kind), size))
        for row, grid in enumerate(grids):  # the input at the bottom, rows centred
            grid.move_to(row * size * (1 + theme.NETWORK_ROW_GAP) * UP)
        self.grids = grids
        everything = VGroup(*grids)
        edges = []  # per row above the input: {(upper, lower): Line}
        for row in range(1, rows):
            lines = {}
            for upper, lower in zip(*plan.reads[row - 1].nonzero()):
                start = grids[row][0, int(upper)].get_bottom()
                end = grids[row - 1][0, int(lower)].get_top()
                line = Line(start, end, stroke_width=theme.THIN_STROKE, color=OUTLINE)
                lines[(int(upper), int(lower))] = line.set_opacity(theme.NETWORK_EDGE_OPACITY)
            edges.append(lines)
        right = max(grid.get_right()[0] for grid in grids) + theme.LABEL_BUFF
        names = VGroup()
        for name, grid in zip(plan.names, grids):  # left-aligned right of the widest row
            text = caption(name, theme.SMALL_FONT).move_to(grid.get_center())
            names.add(text.shift((right - text.get_left()[0]) * RIGHT))
        picture = VGroup(everything, names, *(line for lines in edges for line in lines.values()))
        if picture.width > theme.FRAME_ROOM[0]:
            picture.scale_to_fit_width(theme.FRAME_ROOM[0])
        picture.move_to(theme.NETWORK_BELOW_TITLE * DOWN)
        title = caption(plan.text, theme.TITLE_FONT).to_edge(UP)
        self.play(Write(title), FadeIn(everything), FadeIn(names))
        self.play(*(Create(line) for lines in edges for line in lines.values()))
        for row in range(rows - 1, -1, -1):  # from the output cell down to the input
            lit = [grids[row][0, int(c)] for c in plan.field[row].nonzero()[0]]
            fill = LIT_INPUT if row == 0 else LIT_OUTPUT
            moves = [cell.animate.set_fill(fill, opacity=1) for cell in lit]
            if row + 1 < rows:
                moves += [
                    line.animate.set_stroke(HIGHLIGHT, width=theme.STROKE, opacity=1)
                    for (upper, lower), line in edges[row].items()
                    if plan.field[row + 1][upper] and plan.field[row][lower]
                ]
            self.play(*moves, run_time=self.step_time)
        if self.params.show_values:
            counts = np.array([plan.paths], dtype=float)
            self.play(FadeIn(value_labels(grids[0], counts, counts > 0)))
        self.wait(1)
