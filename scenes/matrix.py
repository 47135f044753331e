"""A convolution unrolled into a matrix: y = C x, then C^T and x' = C^T y.

Every non-zero of C is coloured by the kernel position it holds; transposing
reflects them, and the same matrix read the other way is the transposed
convolution. A 1-D case first, then a tiny 2-D one (inputs flattened row-major).

Render: manim -ql scenes/matrix.py MatrixScene
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UP, FadeIn, FadeOut, ReplacementTransform, Scene, VGroup, Write

from convanim.geometry import ConvSpec
from convanim.render.mobjects import (
    BACKGROUND,
    INPUT,
    KERNEL_COLOURS,
    OUTLINE,
    OUTPUT,
    Grid,
    caption,
    value_labels,
)
from convanim.scene_data import DEFAULTS, SceneParams, matrix_plan

TINY_2D = ConvSpec(input_size=(3, 3), kernel=2)


def matrix_grid(values: np.ndarray, kernel_index: np.ndarray, size: float, show: bool) -> VGroup:
    """C as a grid: non-zeros filled with their kernel position's colour (and weight), zeros dim."""
    grid = Grid(values.shape, size, stroke_width=1, stroke_color=OUTLINE, stroke_opacity=0.35)
    for (r, c), index in np.ndenumerate(kernel_index):
        if index >= 0:
            grid[r, c].set_fill(KERNEL_COLOURS[index % len(KERNEL_COLOURS)], opacity=1)
    shown = (kernel_index >= 0) & show
    return VGroup(grid, value_labels(grid, values, shown))


def column(values: np.ndarray, size: float, fill, show: bool) -> VGroup:
    grid = Grid((len(values), 1), size, stroke_width=1.5, stroke_color=OUTLINE)
    grid.set_fill(fill, opacity=1)
    return VGroup(grid, value_labels(grid, values.reshape(-1, 1), np.full((len(values), 1), show)))


class MatrixScene(Scene):
    params = DEFAULTS["MatrixScene"]

    def construct(self):
        self.camera.background_color = BACKGROUND
        self.unroll(self.params)
        self.play(*(FadeOut(m) for m in self.mobjects))
        self.unroll(SceneParams(TINY_2D, self.params.seed, self.params.show_values))

    def unroll(self, params: SceneParams) -> None:
        plan = matrix_plan(params)
        show = params.show_values
        cols = plan.matrix.shape[1]
        size = min(0.6, 9.0 / (cols + 6), 5.0 / cols)
        title = caption(f"y = C x      {plan.text}", 32).to_edge(UP)
        c = matrix_grid(plan.matrix, plan.kernel_index, size, show)
        x = column(plan.x, size, INPUT, show)
        y = column(plan.y, size, OUTPUT, show)
        equation = VGroup(y, caption("=", 40), c, x).arrange(RIGHT, buff=0.3).shift(0.3 * DOWN)
        names = VGroup(
            caption("y", 26).next_to(y, UP),
            caption("C", 26).next_to(c, UP),
            caption("x", 26).next_to(x, UP),
        )
        self.c_grid = c[0]
        self.play(Write(title), FadeIn(c), FadeIn(names[1]))
        self.play(FadeIn(x), FadeIn(names[2]))
        self.play(FadeIn(y), FadeIn(equation[1]), FadeIn(names[0]))
        self.wait(1)
        # Transpose: entry (i, j) travels to (j, i); the same colours, reflected.
        back_title = caption(f"x' = C^T y      {plan.back_text}", 32).to_edge(UP)
        ct = matrix_grid(plan.transposed_matrix, plan.kernel_index.T, size, show)
        x_back = column(plan.x_back, size, INPUT, show)
        y_in = column(plan.y, size, OUTPUT, show)
        back = VGroup(x_back, caption("=", 40), ct, y_in).arrange(RIGHT, buff=0.3).shift(0.3 * DOWN)
        self.ct_grid = ct[0]
        moves = [
            ReplacementTransform(c[0][i, j].copy(), ct[0][j, i])
            for i, j in np.ndindex(plan.matrix.shape)
        ]
        self.play(
            FadeOut(VGroup(x, y, equation[1], names, c[1])), ReplacementTransform(title, back_title)
        )
        self.play(*moves, FadeOut(c[0]), run_time=1.5)
        self.play(FadeIn(ct[1]), FadeIn(y_in), FadeIn(caption("C^T", 26).next_to(ct, UP)))
        self.play(FadeIn(back[1]), FadeIn(x_back), FadeIn(caption("x'", 26).next_to(x_back, UP)))
        self.wait(1.5)
