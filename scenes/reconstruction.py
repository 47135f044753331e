"""Why a transposed convolution reconstructs the features that activated a layer.

Output i of a convolution is yᵢ = cᵢ · x, with cᵢ row i of the matrix C. Among
inputs of a fixed length, cᵢ itself gets the strongest response. So an input
that "explains" all of y is the sum of the cᵢ, each weighted by how strongly it
fired: x' = Σᵢ yᵢ cᵢ, which is Cᵀy, the transposed convolution of y.
It is not the inverse of the convolution: only what the kernel responds to returns.
Then ZF Net's deconvnet, the whole round trip: conv, ReLU, max pooling keeping its
switches, unpooling by them, ReLU and the transposed convolution with the same kernel.

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
    Text,
    VGroup,
    Write,
)

from convanim.render.manim import theme
from convanim.render.manim.blocks import BACKGROUND, HIGHLIGHT, Grid, caption, heat_map
from convanim.story.scenes import DEFAULTS, MINUS, PRIME, SceneParams, reconstruction_plan

CELL = 0.32
ROUND_TRIP_SCALE = 0.6  # the round trip's seven maps in one row
ROUND_TRIP_GAP = 0.35  # between two maps of the round trip
ROUND_TRIP_MARGIN = 0.6  # the round trip's row is this much narrower than the frame
STAGE_TIME = 0.6  # seconds each map of the round trip takes to appear
ROW_DROP = 0.2  # a row of pictures sits this far below the frame's centre, clear of the title
NOTE_GAP = 0.4  # between a row of pictures and the sentence under it
#: How the plan's candidate names read on screen.
SHOWN_NAMES = {"c_i": "cᵢ", "-c_i": f"{MINUS}cᵢ"}


def labelled(grid: Grid, text: str, font_size: float = theme.CAPTION_FONT) -> VGroup:
    return VGroup(grid, caption(text, font_size).next_to(grid, DOWN, buff=0.15))


def narration(text: str) -> Text:
    return caption(text, theme.TEXT_FONT)


class ReconstructionScene(Scene):
    params: SceneParams = DEFAULTS["ReconstructionScene"]

    def construct(self) -> None:
        plan = reconstruction_plan(self.params)
        self.camera.background_color = BACKGROUND
        title = caption("Why transposed convolution reconstructs", theme.TITLE_FONT)
        title.to_edge(UP)
        self.play(Write(title))

        # 1. The forward pass: y = Cx.
        image = labelled(heat_map(plan.image, CELL), "input x")
        kernel = labelled(heat_map(plan.w, CELL), "kernel: vertical edges")
        response = labelled(heat_map(plan.y, CELL), "y = Cx")
        VGroup(image, kernel, response).arrange(RIGHT, buff=1.0).shift(ROW_DROP * DOWN)
        step = narration("each output is one dot product: yᵢ = cᵢ · x").next_to(title, DOWN)
        self.play(FadeIn(image), FadeIn(kernel), FadeIn(step))
        self.play(FadeIn(response))
        marker = SurroundingRectangle(response[0][plan.chosen_position], color=HIGHLIGHT, buff=0.02)
        weights = labelled(heat_map(plan.row_image, CELL), "cᵢ: the weights behind yᵢ")
        weights.move_to(kernel)
        self.play(FadeIn(marker), ReplacementTransform(kernel, weights))
        self.wait(1)

        # 2. Which input of length 1 makes yᵢ largest? cᵢ itself (Cauchy-Schwarz).
        question = narration("which input of length 1 makes yᵢ largest?").move_to(step)
        candidates = (
            VGroup(
                *(
                    labelled(
                        heat_map(c.x, CELL * 0.8),
                        f"{SHOWN_NAMES.get(c.name, c.name)}: yᵢ = {c.response:.2f}",
                        theme.SMALL_FONT,
                    )
                    for c in plan.candidates
                )
            )
            .arrange(RIGHT, buff=0.6)
            .shift(ROW_DROP * DOWN)
        )
        self.play(
            FadeOut(VGroup(image, weights, response, marker)), ReplacementTransform(step, question)
        )
        self.play(FadeIn(candidates, lag_ratio=0.3), run_time=2)
        winner = SurroundingRectangle(candidates[-1], color=HIGHLIGHT)
        answer = narration("x = cᵢ: the kernel's own pattern, in place").next_to(candidates, DOWN)
        self.play(FadeIn(winner), Write(answer))
        self.wait(1)

        # 3. Weight every cᵢ by its response and add them up: x' = Σᵢ yᵢ cᵢ = Cᵀy.
        idea = narration("so add every cᵢ, weighted by how strongly it fired").move_to(question)
        self.play(FadeOut(VGroup(candidates, winner, answer)), ReplacementTransform(question, idea))
        scale = float(abs(plan.reconstruction).max())
        total = labelled(heat_map(plan.partial_sums[0], CELL, scale), "sum of the strongest 1")
        y_map = labelled(heat_map(plan.y, CELL), "y")
        VGroup(y_map, total).arrange(RIGHT, buff=1.5).shift(ROW_DROP * DOWN)
        self.play(FadeIn(y_map), FadeIn(total))
        for count, partial in enumerate(plan.partial_sums[1:], start=2):
            following = labelled(heat_map(partial, CELL, scale), f"sum of the strongest {count}")
            self.play(ReplacementTransform(total, following.move_to(total)), run_time=0.6)
            total = following
        final = labelled(heat_map(plan.reconstruction, CELL, scale), f"all of them: x{PRIME} = Cᵀy")
        self.play(ReplacementTransform(total, final.move_to(total)))
        self.wait(1)

        # 4. That sum is exactly the transposed convolution of y; set it beside the input.
        same = narration(f"x{PRIME} = Σᵢ yᵢ cᵢ = Cᵀy: the transposed convolution of y")
        same.move_to(idea)
        original = labelled(heat_map(plan.image, CELL), "input x")
        done = labelled(heat_map(plan.transposed, CELL, scale), "transposed conv of y")
        VGroup(original, done).arrange(RIGHT, buff=1.5).shift(ROW_DROP * DOWN)
        self.play(
            ReplacementTransform(idea, same), FadeOut(y_map), ReplacementTransform(final, done)
        )
        self.play(FadeIn(original))
        note = caption("not the inverse: what returns is what the kernel responds to, its edges")
        self.play(Write(note.next_to(VGroup(original, done), DOWN, buff=NOTE_GAP)))
        self.wait(2)

        # 5. ZF Net's deconvnet: down through ReLU and max pooling, and back by its switches.
        trip = plan.deconvnet
        heading = narration("ZF Net's deconvnet: down through ReLU and max pooling, and back")
        self.play(
            FadeOut(VGroup(original, done, note)), ReplacementTransform(same, heading.move_to(same))
        )
        maps = {  # each stage of the round trip: its map and caption, in order
            "x": (trip.x[0], "x"),
            "conv": (trip.y[0], "conv"),
            "relu": (trip.relu[0], "ReLU"),
            "pooled": (trip.pooled[0], "max pool"),
            "unpooled": (trip.unpooled[0], "unpool"),
            "relu again": (plan.unpooled_relu, "ReLU"),
            "reconstruction": (trip.reconstruction[0], f"Cᵀ: x{PRIME}"),
        }
        stages = VGroup(
            *(
                labelled(heat_map(values, CELL * ROUND_TRIP_SCALE), name, theme.SMALL_FONT)
                for values, name in maps.values()
            )
        ).arrange(RIGHT, buff=ROUND_TRIP_GAP)
        stages.scale_to_fit_width(min(stages.width, self.camera.frame_width - ROUND_TRIP_MARGIN))
        stages.shift(ROW_DROP * DOWN)
        shown = dict(zip(maps, stages))
        for stage, group in shown.items():
            self.play(FadeIn(group), run_time=STAGE_TIME)
            if stage == "pooled":  # each pooled value's winner in the ReLU map: its switch
                switches = VGroup(
                    *(
                        SurroundingRectangle(cell, color=HIGHLIGHT, buff=0.0)
                        for cell in shown["relu"][0].cells(plan.switch_positions)
                    )
                )
                self.play(FadeIn(switches))
            if stage == "unpooled":  # the unpooled values stand where the switches say
                back = VGroup(
                    *(
                        SurroundingRectangle(cell, color=HIGHLIGHT, buff=0.0)
                        for cell in group[0].cells(plan.switch_positions)
                    )
                )
                self.play(ReplacementTransform(switches.copy(), back))
        ending = caption("the reconstruction brings back the edges the pooled cells answered to")
        self.play(Write(ending.next_to(stages, DOWN, buff=NOTE_GAP)))
        self.wait(2)
