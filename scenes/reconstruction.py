"""Why a transposed convolution reconstructs the features that activated a layer.

Output i of a convolution is y_i = c_i . x, with c_i row i of the matrix C. Among
inputs of a fixed length, c_i itself gets the strongest response. So an input
that "explains" all of y is the sum of the c_i, each weighted by how strongly it
fired: x' = sum_i y_i c_i, which is C^T y, the transposed convolution of y.
It is not the inverse of the convolution: only what the kernel responds to returns.

Render: manim -ql scenes/reconstruction.py ReconstructionScene
"""

from __future__ import annotations

from manim import (
    DOWN,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    ReplacementTransform,
    Scene,
    SurroundingRectangle,
    VGroup,
    Write,
)

from convanim.render.mobjects import BACKGROUND, HIGHLIGHT, caption, heat_map
from convanim.scene_data import DEFAULTS, reconstruction_plan

CELL = 0.32


def labelled(grid, text: str, font_size: float = 22) -> VGroup:
    return VGroup(grid, caption(text, font_size).next_to(grid, DOWN, buff=0.15))


class ReconstructionScene(Scene):
    params = DEFAULTS["ReconstructionScene"]

    def construct(self):
        plan = reconstruction_plan(self.params)
        self.camera.background_color = BACKGROUND
        title = caption("Why transposed convolution reconstructs", 34).to_edge(UP)
        self.play(Write(title))

        # 1. The forward pass: y = C x.
        image = labelled(heat_map(plan.image, CELL), "input x")
        kernel = labelled(heat_map(plan.w, CELL), "kernel: vertical edges")
        response = labelled(heat_map(plan.y, CELL), "y = C x")
        VGroup(image, kernel, response).arrange(RIGHT, buff=1.0).shift(0.2 * DOWN)
        step = caption("each output is one dot product: y_i = c_i . x", 26).next_to(title, DOWN)
        self.play(FadeIn(image), FadeIn(kernel), FadeIn(step))
        self.play(FadeIn(response))
        position = divmod(plan.chosen, plan.y.shape[1])
        marker = SurroundingRectangle(response[0][position], color=HIGHLIGHT, buff=0.02)
        weights = labelled(heat_map(plan.row_image, CELL), "c_i: the weights behind y_i")
        weights.move_to(kernel)
        self.play(FadeIn(marker), ReplacementTransform(kernel, weights))
        self.wait(1)

        # 2. Which input of length 1 makes y_i largest? c_i itself (Cauchy-Schwarz).
        question = caption("which input of length 1 makes y_i largest?", 26).move_to(step)
        candidates = (
            VGroup(
                *(
                    labelled(heat_map(c.x, CELL * 0.8), f"{c.name}: y_i = {c.response:.2f}", 20)
                    for c in plan.candidates
                )
            )
            .arrange(RIGHT, buff=0.6)
            .shift(0.2 * DOWN)
        )
        self.play(
            FadeOut(VGroup(image, weights, response, marker)), ReplacementTransform(step, question)
        )
        self.play(FadeIn(candidates, lag_ratio=0.3), run_time=2)
        winner = SurroundingRectangle(candidates[-1], color=HIGHLIGHT)
        answer = caption("x = c_i: the kernel's own pattern, in place", 26).next_to(
            candidates, DOWN
        )
        self.play(FadeIn(winner), Write(answer))
        self.wait(1)

        # 3. Weight every c_i by its response and add them up: x' = sum y_i c_i = C^T y.
        idea = caption("so add every c_i, weighted by how strongly it fired", 26).move_to(question)
        self.play(FadeOut(VGroup(candidates, winner, answer)), ReplacementTransform(question, idea))
        scale = float(abs(plan.reconstruction).max())
        total = labelled(heat_map(plan.partial_sums[0], CELL, scale), "sum of the strongest 1")
        y_map = labelled(heat_map(plan.y, CELL), "y")
        VGroup(y_map, total).arrange(RIGHT, buff=1.5).shift(0.2 * DOWN)
        self.play(FadeIn(y_map), FadeIn(total))
        for count, partial in enumerate(plan.partial_sums[1:], start=2):
            following = labelled(heat_map(partial, CELL, scale), f"sum of the strongest {count}")
            self.play(ReplacementTransform(total, following.move_to(total)), run_time=0.6)
            total = following
        final = labelled(heat_map(plan.reconstruction, CELL, scale), "all of them: x' = C^T y")
        self.play(ReplacementTransform(total, final.move_to(total)))
        self.wait(1)

        # 4. That sum is exactly the transposed convolution of y; set it beside the input.
        same = caption("x' = sum_i y_i c_i = C^T y: the transposed convolution of y", 24)
        same.move_to(idea)
        original = labelled(heat_map(plan.image, CELL), "input x")
        done = labelled(heat_map(plan.transposed, CELL, scale), "transposed conv of y")
        VGroup(original, done).arrange(RIGHT, buff=1.5).shift(0.2 * DOWN)
        self.play(
            ReplacementTransform(idea, same), FadeOut(y_map), ReplacementTransform(final, done)
        )
        self.play(FadeIn(original))
        note = caption(
            "not the inverse: what returns is what the kernel responds to, its edges", 22
        )
        self.play(Write(note.next_to(VGroup(original, done), DOWN, buff=0.4)))
        self.wait(2)
