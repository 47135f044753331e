"""A transposed convolution shown two ways, and proved equal.

(a) gather: zeros inserted between the input cells, the result re-padded, then a
stride-1 convolution with the flipped kernel; (b) scatter: every input cell stamps
its value times the kernel onto the output, overlaps adding up, cropped where the
padding cuts the stamp. Both end on the same numbers.

Render: manim -ql scenes/transposed.py TransposedConvolutionScene
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    ReplacementTransform,
    Scene,
    Text,
    VGroup,
    Write,
)

from convanim.render.manim import theme
from convanim.render.manim.blocks import (
    BACKGROUND,
    caption,
    cell_value,
    fade_cropped,
    fit_cell_size,
    footprint_marker,
    kernel_caption,
    plane_grid,
    plane_label,
    reached,
    sweep,
    value_labels,
)
from convanim.story.board import Cell
from convanim.story.scenes import DEFAULTS, SceneParams, TransposedPlan, transposed_plan

RESULT_WIDTH = 3.0  # scene units: both outputs shrink to this width for the comparison


class TransposedConvolutionScene(Scene):
    params: SceneParams = DEFAULTS["TransposedConvolutionScene"]
    step_time = 0.3
    stamp_time = 0.8

    def construct(self) -> None:
        plan = transposed_plan(self.params)
        self.camera.background_color = BACKGROUND
        title = caption(plan.text, theme.TITLE_FONT).to_edge(UP)
        self.play(Write(title))
        gather_result = self.gather(plan, title)
        scatter_result = self.scatter(plan, title)
        self.compare(plan, gather_result, scatter_result)

    def gather(self, plan: TransposedPlan, title: Text) -> VGroup:
        board = plan.gather
        rows = max(board.lower.cells.shape[0], board.upper.cells.shape[0])
        size = fit_cell_size(board.lower.cells.shape[1] + board.upper.cells.shape[1] + 2, rows)
        self.canvas = plane_grid(board.lower, size)
        self.output = plane_grid(board.upper, size, pending=True)
        VGroup(self.canvas, self.output).arrange(RIGHT, buff=size + 0.8).shift(0.4 * DOWN)
        heading = caption("(a) gather: insert zeros, re-pad, convolve with the flipped kernel")
        heading.next_to(title, DOWN, buff=0.15)
        inputs = plane_grid(plan.scatter.lower, size).move_to(self.canvas)
        shows = self.params.show_values
        numbers = value_labels(inputs, plan.x.reshape(inputs.shape)) if shows else VGroup()
        self.play(FadeIn(heading), FadeIn(inputs), FadeIn(numbers))
        # The input cells spread out to their places on the canvas; zeros and padding appear.
        spread = self.canvas.cells(plan.input_cells)
        others = VGroup(
            *(
                self.canvas[position]
                for position in np.ndindex(board.lower.cells.shape)
                if board.lower.cells[position] != Cell.INPUT
            )
        )
        self.play(
            *(
                VGroup(square, *([numbers[k]] if shows else [])).animate.move_to(target)
                for k, (square, target) in enumerate(zip(inputs, spread))
            ),
            FadeIn(others),
            run_time=1.5,
        )
        zeros = (
            value_labels(self.canvas, plan.lower_values, board.lower.cells == Cell.INSERTED_ZERO)
            if shows
            else VGroup()
        )
        names = VGroup(
            caption(plane_label(board.lower), theme.SMALL_FONT).next_to(
                self.canvas, DOWN, buff=theme.LABEL_BUFF
            ),
            caption(plane_label(board.upper), theme.SMALL_FONT).next_to(
                self.output, DOWN, buff=theme.LABEL_BUFF
            ),
        )
        flipped = caption(
            "flipped " + kernel_caption(plan.flipped_w.reshape(plan.w.shape)),
            theme.SMALL_FONT,
        ).next_to(self.output, UP, buff=0.3)
        self.play(FadeIn(zeros), FadeIn(self.output), FadeIn(names), FadeIn(flipped))
        values = plan.gather_output if shows else None
        results = sweep(self, board.steps, self.canvas, self.output, values, size, self.step_time)
        kept = VGroup(self.output, results)
        self.play(
            FadeOut(VGroup(heading, inputs, numbers, self.canvas, zeros, names, flipped)),
        )
        self.play(kept.animate.scale_to_fit_width(RESULT_WIDTH).to_corner(LEFT + DOWN))
        return kept

    def scatter(self, plan: TransposedPlan, title: Text) -> VGroup:
        board = plan.scatter
        rows = max(board.lower.cells.shape[0], board.upper.cells.shape[0])
        size = fit_cell_size(board.lower.cells.shape[1] + board.upper.cells.shape[1] + 2, rows)
        size = min(size, 0.55)
        inputs = plane_grid(board.lower, size)
        output = plane_grid(board.upper, size, pending=True)
        VGroup(inputs, output).arrange(RIGHT, buff=1.2).shift(0.2 * DOWN + 0.8 * RIGHT)
        heading = caption(
            "(b) scatter: each input cell stamps its value times the kernel on the output"
        )
        heading.next_to(title, DOWN, buff=0.15)
        shows = self.params.show_values
        numbers = value_labels(inputs, plan.x.reshape(inputs.shape)) if shows else VGroup()
        self.play(FadeIn(heading), FadeIn(inputs), FadeIn(numbers), FadeIn(output))
        real = board.upper.cells != Cell.HIDDEN
        sums = {}
        for frame, running in zip(board.steps, plan.running_sums):
            here = footprint_marker(inputs.cells(frame.lower), size)
            stamp = footprint_marker(output.cells(frame.upper), size)
            cropped = fade_cropped(
                square for square, cell in zip(stamp, frame.upper) if not real[tuple(cell)]
            )
            self.play(FadeIn(here), FadeIn(stamp), FadeIn(cropped), run_time=self.stamp_time / 2)
            updates = []
            for cell in frame.upper:
                key = tuple(int(v) for v in cell)
                if not real[key]:
                    continue
                updates.append(reached(output[key]))
                if shows:
                    new = cell_value(running[key], output[key], size)
                    updates.append(
                        ReplacementTransform(sums[key], new) if key in sums else FadeIn(new)
                    )
                    sums[key] = new
            self.play(*updates, run_time=self.stamp_time / 2)
            self.play(FadeOut(here), FadeOut(stamp), run_time=self.stamp_time / 4)
        kept = VGroup(*(output[key] for key in np.ndindex(real.shape) if real[key]), *sums.values())
        self.play(
            FadeOut(VGroup(heading, inputs, numbers)),
            FadeOut(VGroup(*(output[key] for key in np.ndindex(real.shape) if not real[key]))),
        )
        self.play(kept.animate.scale_to_fit_width(RESULT_WIDTH).to_corner(RIGHT + DOWN))
        return kept

    def compare(self, plan: TransposedPlan, gather_result: VGroup, scatter_result: VGroup) -> None:
        self.play(
            gather_result.animate.move_to(3 * LEFT + 0.5 * DOWN),
            scatter_result.animate.move_to(3 * RIGHT + 0.5 * DOWN),
        )
        equal = bool(np.array_equal(plan.gather_output, plan.scatter_output))
        verdict = "the same output, cell for cell" if equal else "outputs differ"
        labels = VGroup(
            caption("gather").next_to(gather_result, UP, buff=theme.LABEL_BUFF),
            caption("scatter").next_to(scatter_result, UP, buff=theme.LABEL_BUFF),
        )
        sign = caption("=" if equal else "≠", theme.VERDICT_FONT).move_to(
            (gather_result.get_center() + scatter_result.get_center()) / 2
        )
        self.play(FadeIn(labels), Write(sign))
        self.play(
            Write(
                caption(verdict, theme.TEXT_FONT).next_to(
                    VGroup(gather_result, scatter_result), DOWN
                )
            )
        )
        self.wait(1.5)
