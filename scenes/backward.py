"""Backpropagation through a convolution: the forward pass, then the backward pass.

The layer is linear, y = C x, so the loss's gradient at its input is dx = Cᵀ dy: the
upstream gradient dy sent back through the transposed layer with the same weights. The
scene sweeps the forward pass (x to y), writes dy where y was, then sweeps dy, zeros
inserted and re-padded, to dx, and ends on dx = Cᵀ dy.

Render: manim -ql scenes/backward.py BackwardScene   (or: convanim scene backward)
"""

from __future__ import annotations

from manim import DOWN, UP, FadeIn, FadeOut, ReplacementTransform, Scene, VGroup, Write

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
from convanim.story.scenes import DEFAULTS, SceneParams, backward_plan


class BackwardScene(Scene):
    """Variants set ``params`` (a SceneParams); ``step_time`` is seconds per output cell."""

    params: SceneParams = DEFAULTS["BackwardScene"]
    step_time = 0.5

    def construct(self) -> None:
        plan = backward_plan(self.params)
        self.camera.background_color = BACKGROUND
        boards = (plan.forward, plan.backward)
        rows = max(b.cells.shape[0] for board in boards for b in (board.lower, board.upper))
        columns = max(
            board.lower.cells.shape[1] + board.upper.cells.shape[1] + 2 for board in boards
        )
        size = fit_cell_size(columns, rows)
        title = caption("Backpropagation through a convolution", theme.TITLE_FONT).to_edge(UP)
        step = caption(f"forward: y = C x    ({plan.text})").next_to(title, DOWN, buff=0.15)
        lower, upper, names = board_planes(plan.forward, size, ("x", "y"))
        self.play(Write(title), FadeIn(step), FadeIn(lower), FadeIn(upper), FadeIn(names))
        real = plan.forward.lower.cells != Cell.PADDING
        inputs = value_labels(lower, plan.forward_values, real)
        kernel = caption(kernel_caption(plan.w)).next_to(step, DOWN, buff=0.1)
        self.play(FadeIn(inputs), FadeIn(kernel))
        outputs = sweep(self, plan.forward.steps, lower, upper, plan.y, size, self.step_time)

        # The loss's gradient arrives where y was.
        arrived = caption("dy: how the loss changes with each output").move_to(step)
        gradient = value_labels(upper, plan.dy.reshape(plan.forward.upper.cells.shape))
        self.play(ReplacementTransform(step, arrived), FadeOut(outputs), FadeIn(gradient))
        self.wait(1)

        # Back through the same weights: the transposed layer over dy.
        back = caption(plan.backward_text).move_to(arrived)
        flipped = caption(kernel_caption(plan.backward_w)).move_to(kernel)
        self.play(
            FadeOut(VGroup(lower, upper, names, inputs, gradient)),
            ReplacementTransform(arrived, back),
            ReplacementTransform(kernel, flipped),
        )
        lower, upper, names = board_planes(plan.backward, size, ("dy", "dx"))
        real = plan.backward.lower.cells != Cell.PADDING
        numbers = value_labels(lower, plan.backward_values, real)
        self.play(FadeIn(lower), FadeIn(upper), FadeIn(names), FadeIn(numbers))
        sweep(self, plan.backward.steps, lower, upper, plan.dx, size, self.step_time)
        ending = caption(plan.ending, theme.TEXT_FONT)
        self.play(ReplacementTransform(back, ending.move_to(back)))
        self.wait(2)
