"""A convolution unrolled into a matrix: y = Cx, then Cᵀ and x' = Cᵀy.

Every non-zero of C is coloured by the kernel position it holds; transposing
reflects them, and the same matrix read the other way is the transposed
convolution. A 1-D case first, then a tiny 2-D one (inputs flattened row-major).

Render: manim -ql scenes/matrix.py MatrixScene
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UP, FadeIn, FadeOut, ReplacementTransform, Scene, VGroup, Write

from convanim.geometry import ConvSpec
from convanim.render.manim import theme
from convanim.render.manim.blocks import (
    BACKGROUND,
    INPUT,
    OUTPUT,
    caption,
    matrix_grid,
    vector_column,
)
from convanim.story.scenes import DEFAULTS, PRIME, SceneParams, matrix_plan

TINY_2D = ConvSpec(input_size=(3, 3), kernel=2)


def equation(left: VGroup, matrix: VGroup, vector: VGroup) -> VGroup:
    """``left = matrix vector``, laid out in a row below the title; [1] is the "=" sign."""
    sign = caption("=", theme.SIGN_FONT)
    return VGroup(left, sign, matrix, vector).arrange(RIGHT, buff=0.3).shift(0.3 * DOWN)


class MatrixScene(Scene):
    params: SceneParams = DEFAULTS["MatrixScene"]

    def construct(self) -> None:
        self.camera.background_color = BACKGROUND
        self.unroll(self.params)
        self.play(*(FadeOut(m) for m in self.mobjects))
        self.unroll(SceneParams(TINY_2D, self.params.seed, self.params.show_values))

    def unroll(self, params: SceneParams) -> None:
        plan = matrix_plan(params)
        show = params.show_values
        cols = plan.matrix.shape[1]
        size = min(0.6, 9.0 / (cols + 6), 5.0 / cols)
        title = caption(f"y = Cx      {plan.text}", theme.TITLE_FONT).to_edge(UP)
        c = matrix_grid(plan.matrix, plan.kernel_index, size, show)
        x = vector_column(plan.x, size, INPUT, show)
        y = vector_column(plan.y, size, OUTPUT, show)
        forward = equation(y, c, x)
        names = VGroup(
            caption("y", theme.TEXT_FONT).next_to(y, UP),
            caption("C", theme.TEXT_FONT).next_to(c, UP),
            caption("x", theme.TEXT_FONT).next_to(x, UP),
        )
        self.c_grid = c[0]
        self.play(Write(title), FadeIn(c), FadeIn(names[1]))
        self.play(FadeIn(x), FadeIn(names[2]))
        self.play(FadeIn(y), FadeIn(forward[1]), FadeIn(names[0]))
        self.wait(1)
        # Transpose: entry (i, j) travels to (j, i); the same colours, reflected.
        back_title = caption(f"x{PRIME} = Cᵀy      {plan.back_text}", theme.TITLE_FONT)
        back_title.to_edge(UP)
        ct = matrix_grid(plan.transposed_matrix, plan.kernel_index.T, size, show)
        x_back = vector_column(plan.x_back, size, INPUT, show)
        y_in = vector_column(plan.y, size, OUTPUT, show)
        back = equation(x_back, ct, y_in)
        self.ct_grid = ct[0]
        moves = [
            ReplacementTransform(c[0][i, j].copy(), ct[0][j, i])
            for i, j in np.ndindex(plan.matrix.shape)
        ]
        self.play(
            FadeOut(VGroup(x, y, forward[1], names, c[1])), ReplacementTransform(title, back_title)
        )
        self.play(*moves, FadeOut(c[0]), run_time=1.5)
        self.play(
            FadeIn(ct[1]),
            FadeIn(y_in),
            FadeIn(caption("Cᵀ", theme.TEXT_FONT).next_to(ct, UP)),
        )
        self.play(
            FadeIn(back[1]),
            FadeIn(x_back),
            FadeIn(caption(f"x{PRIME}", theme.TEXT_FONT).next_to(x_back, UP)),
        )
        self.wait(1.5)
