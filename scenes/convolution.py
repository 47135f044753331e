"""A convolution step by step: the (dilated) kernel sweeps the padded input, outputs fill in.

Render: manim -ql scenes/convolution.py ConvolutionScene   (or: convanim scene convolution)
"""

from __future__ import annotations

from manim import DOWN, UP, FadeIn, Scene, Write

from convanim.render.manim import theme
from convanim.render.manim.blocks import (
    BACKGROUND,
    board_planes,
    caption,
    fit_cell_size,
    kernel_caption,
    sweep,
    value_labels,
)
from convanim.story.board import Cell
from convanim.story.scenes import DEFAULTS, SceneParams, convolution_plan


class ConvolutionScene(Scene):
    """Variants set ``params`` (a SceneParams); ``step_time`` is seconds per output cell."""

    params: SceneParams = DEFAULTS["ConvolutionScene"]
    step_time = 0.6

    def construct(self) -> None:
        plan = convolution_plan(self.params)
        board = plan.board
        self.camera.background_color = BACKGROUND
        rows = max(board.lower.cells.shape[0], board.upper.cells.shape[0])
        columns = board.lower.cells.shape[1] + board.upper.cells.shape[1] + 2
        size = fit_cell_size(columns, rows)
        self.lower, self.upper, names = board_planes(board, size)
        title = caption(plan.text, theme.TITLE_FONT).to_edge(UP)
        self.play(Write(title), FadeIn(self.lower), FadeIn(self.upper), FadeIn(names))
        if self.params.show_values:
            numbers = value_labels(self.lower, plan.lower_values, board.lower.cells != Cell.PADDING)
            kernel = caption(kernel_caption(plan.w)).next_to(title, DOWN, buff=0.15)
            self.play(FadeIn(numbers), FadeIn(kernel))
        values = plan.y if self.params.show_values else None
        sweep(self, board.steps, self.lower, self.upper, values, size, self.step_time)
        self.wait(1)
