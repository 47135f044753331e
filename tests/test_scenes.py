"""The Manim scenes and their driver: what they highlight step by step, real renders at the
lowest quality, and the refusals that come before Manim starts.

Tests that need Manim carry the ``manim`` marker and skip (``pytest.importorskip``
in the ``manim`` fixture) where it is not installed; the rest run anywhere.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import reference

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec
from convanim.render.manim.driver import (
    INSTALL_HINT,
    QUALITIES,
    SCENES,
    Quality,
    SceneFormat,
    check,
    find_scene,
    render_scene,
)
from convanim.story.scenes import (
    DEFAULTS,
    ChannelStage,
    SceneParams,
    SkippedStage,
    channels_plan,
    convolution_plan,
    transposed_plan,
)
from convanim.story.values import number_text

SMALL = {
    "convolution": ConvSpec(input_size=(3, 3), kernel=2),
    "transposed": ConvSpec(input_size=(2, 2), kernel=2, transposed=True),
    "matrix": ConvSpec(input_size=(3,), kernel=2),
    "reconstruction": ConvSpec(input_size=(5, 5), kernel=3),
    "channels": ConvSpec(input_size=(3, 3), kernel=2, in_channels=2, out_channels=2),
    "backward": ConvSpec(input_size=(3, 3), kernel=2),
}


@pytest.fixture
def manim():
    """Manim, or a skip where it is not installed."""
    return pytest.importorskip("manim")


@pytest.fixture
def cli():
    """The typer app and a runner (imported here: a broken CLI fails only its own tests)."""
    from typer.testing import CliRunner

    from convanim.cli import app

    return app, CliRunner()


# --- Probing a scene's construct() without rendering ---------------------------------------


def probe(scene_class, params, media_dir, after_play=None):
    """Run ``construct()`` with every animation jumped to its end, recording the footprint
    (and calling ``after_play(scene)`` after every play)."""
    from manim import tempconfig
    from manim.animation.animation import prepare_animation

    class Probe:
        def play(self, *animations, **kwargs):
            for animation in animations:
                animation = prepare_animation(animation)
                animation._setup_scene(self)
                animation.begin()
                animation.interpolate(1)
                animation.finish()
                animation.clean_up_from_scene(self)
            if hasattr(self, "footprint"):
                self.footprints.append(np.array([s.get_center() for s in self.footprint]))
            if after_play is not None:
                after_play(self)

        def wait(self, *args, **kwargs):
            pass

    variant = type("Probed", (Probe, scene_class), {"params": params, "footprints": None})
    settings = {"quality": "low_quality", "disable_caching": True, "verbosity": "ERROR"}
    with tempconfig({**settings, "media_dir": str(media_dir)}):
        scene = variant()
        scene.footprints = []
        scene.construct()
    return scene


def distinct(snapshots):
    kept = [snapshots[0]]
    for snapshot in snapshots[1:]:
        if not np.allclose(snapshot, kept[-1]):
            kept.append(snapshot)
    return kept


@pytest.mark.manim
@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1),
        ConvSpec(input_size=(6, 5), kernel=(2, 3), dilation=(2, 1), padding=((0, 1), 0)),
    ],
)
def test_convolution_scene_highlights_the_storyboard_footprints(manim, spec, tmp_path):
    from convanim.scenes.convolution import ConvolutionScene

    params = SceneParams(spec, show_values=False)
    scene = probe(ConvolutionScene, params, tmp_path)
    frames = convolution_plan(params).board.steps
    shown = distinct(scene.footprints)
    assert len(shown) == len(frames)
    for snapshot, frame in zip(shown, frames):
        expected = np.array([cell.get_center() for cell in scene.lower.cells(frame.lower)])
        np.testing.assert_allclose(snapshot, expected, atol=1e-6)


@pytest.mark.manim
def test_transposed_scene_sweeps_the_gather_canvas(manim, tmp_path):
    from convanim.scenes.transposed import TransposedConvolutionScene

    spec = ConvSpec(input_size=(2, 2), kernel=3, stride=2, padding=1, transposed=True)
    params = SceneParams(spec, show_values=False)
    scene = probe(TransposedConvolutionScene, params, tmp_path)
    frames = transposed_plan(params).gather.steps
    shown = distinct(scene.footprints)
    # The footprint sweeps the canvas once per output cell, then shrinks away with the canvas.
    assert len(shown) >= len(frames)
    for snapshot, frame in zip(shown, frames):
        expected = np.array([cell.get_center() for cell in scene.canvas.cells(frame.lower)])
        np.testing.assert_allclose(snapshot, expected, atol=1e-6)


@pytest.mark.manim
def test_faded_input_cells_use_the_shared_unread_fade(manim):
    from convanim.draw.style import UNREAD_FADE
    from convanim.render.manim.blocks import plane_grid
    from convanim.story.board import build_board

    # k 3, s 2 over 6 cells: the last input column is never read.
    board = build_board(ConvSpec(input_size=(3, 6), kernel=3, stride=2))
    grid = plane_grid(board.lower)
    unread = board.lower.unread
    assert unread.any()
    for position in np.ndindex(unread.shape):
        expected = 1 - UNREAD_FADE if unread[position] else 1.0
        assert grid[position].get_fill_opacity() == pytest.approx(expected)


@pytest.mark.manim
@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_scene_module_has_its_class(manim, name):
    import importlib

    entry = SCENES[name]
    module = importlib.import_module(f"convanim.scenes.{entry.module}")
    assert issubclass(getattr(module, entry.cls), manim.Scene)
    assert getattr(module, entry.cls).params == DEFAULTS[entry.cls]


# --- The channels scene: one input through four layers -------------------------------------

CHANNEL_CASES = [
    DEFAULTS["ChannelsScene"].spec,
    ConvSpec(input_size=(5, 5), kernel=3, stride=2, in_channels=3, out_channels=2, bias=True),
    ConvSpec(input_size=(6,), kernel=3, in_channels=4, out_channels=2),
    ConvSpec(input_size=(4, 5), kernel=(2, 3), padding=1, in_channels=6, out_channels=3, groups=3),
    ConvSpec(input_size=(3, 3), kernel=2, dilation=2, padding=1, in_channels=2, out_channels=6),
]


def stage_groups(name: str, spec: ConvSpec) -> int:
    """The groups each stage should have, by the definitions of the layers."""
    grouped = spec.groups if spec.groups > 1 else 2
    return {"standard": 1, "grouped": grouped, "depthwise": spec.in_channels, "pointwise": 1}[name]


def reads_by_hand(in_channels: int, out_channels: int, groups: int) -> list[list[int]]:
    """Output channel o reads the input channels of its group: o // (C_out/g) == c // (C_in/g)."""
    per_in, per_out = in_channels // groups, out_channels // groups
    return [
        [c for c in range(in_channels) if c // per_in == o // per_out] for o in range(out_channels)
    ]


def real_taps(spec: ConvSpec) -> int:
    """Products with a real input cell, counted by convolving ones with ones (no geometry)."""
    return int(reference.conv(np.ones(spec.input_size), np.ones(spec.kernel), spec).sum())


@pytest.mark.parametrize("spec", CHANNEL_CASES)
def test_channels_plan_matches_the_layers_by_hand_and_the_grouped_reference(spec):
    plan = channels_plan(SceneParams(spec, seed=2))
    c_in, c_out = spec.in_channels, spec.out_channels
    assert [stage.name for stage in plan.stages] == [
        "standard",
        "grouped",
        "depthwise",
        "pointwise",
    ]
    assert plan.x.shape == (c_in, *spec.input_size)
    assert set(np.unique(plan.x)) <= {1.0, 2.0, 3.0}  # no 0 that could pass for padding
    counts = {}
    depthwise_output = None
    for stage in plan.stages:
        groups = stage_groups(stage.name, spec)
        outputs = c_in if stage.name == "depthwise" else c_out
        if c_in % groups or outputs % groups:
            assert isinstance(stage, SkippedStage)
            assert f"{c_in} input and {c_out} output channels" in stage.heading
            continue
        assert isinstance(stage, ChannelStage)
        kernel = (1,) * spec.ndim if stage.name == "pointwise" else spec.kernel
        k = int(np.prod(kernel))
        layer = stage.spec
        assert (layer.in_channels, layer.out_channels, layer.groups) == (c_in, outputs, groups)
        # The pointwise layer, the second of the separable pair, reads the depthwise output.
        reads = depthwise_output if stage.name == "pointwise" else plan.x
        np.testing.assert_array_equal(stage.x, reads)
        assert layer.kernel == kernel and layer.input_size == reads.shape[1:]
        assert stage.weight_shape == (outputs, c_in // groups, *kernel)
        assert stage.w.shape == stage.weight_shape and set(np.unique(stage.w)) <= {-2, -1, 1, 2}
        parameters = outputs * (c_in // groups) * k + (outputs if spec.bias else 0)
        assert stage.parameters == parameters
        assert stage.parameter_text == f"parameters {parameters:,}"
        assert stage.weight_text.startswith(
            "weight " + "\N{MULTIPLICATION SIGN}".join(map(str, stage.weight_shape))
        )
        assert stage.multiply_accumulates == real_taps(layer) * outputs * (c_in // groups)
        assert [list(reads) for reads in stage.reads] == reads_by_hand(c_in, outputs, groups)
        assert (stage.b is not None) == spec.bias
        expected = reference.conv_grouped(reads, stage.w, layer, stage.b)
        np.testing.assert_array_equal(stage.y, expected)
        if stage.name == "depthwise":
            depthwise_output = expected
        counts[stage.name] = (stage.parameters, stage.multiply_accumulates)
    # The separable pair: depthwise, then a 1x1 layer over the depthwise output.
    depthwise = plan.stages[2].spec
    after = ConvSpec(
        input_size=depthwise.output_size,
        kernel=1,
        in_channels=c_in,
        out_channels=c_out,
        bias=spec.bias,
    )
    bias = c_out if spec.bias else 0
    assert plan.separable_parameters == counts["depthwise"][0] + c_out * c_in + bias
    pointwise_products = int(np.prod(after.output_size)) * c_in * c_out
    assert plan.separable_multiply_accumulates == counts["depthwise"][1] + pointwise_products
    # The table's rows add up: the pair is its two layers.
    assert counts["pointwise"] == (c_out * c_in + bias, pointwise_products)
    assert plan.separable_parameters == counts["depthwise"][0] + counts["pointwise"][0]
    assert plan.separable_multiply_accumulates == counts["depthwise"][1] + counts["pointwise"][1]


@pytest.mark.parametrize(
    ("spec", "argument", "rule"),
    [
        (
            ConvSpec(input_size=(3, 3), kernel=3, in_channels=2, transposed=True),
            "transposed",
            "shows convolutions",
        ),
        (ConvSpec(input_size=(3, 3, 3), kernel=3, in_channels=2), "input_size", "3-D"),
        (ConvSpec(input_size=(3, 3), kernel=3), "in_channels", "at least 2 input channels"),
        (ConvSpec(input_size=(13, 4), kernel=3, in_channels=2), "input_size", "at most 12"),
        (ConvSpec(input_size=(3, 3), kernel=3, in_channels=9), "in_channels", "at most 8"),
        (
            ConvSpec(input_size=(3, 3), kernel=3, in_channels=2, out_channels=10),
            "out_channels",
            "at most 8",
        ),
    ],
)
def test_channels_plan_refuses_what_it_cannot_draw(spec, argument, rule):
    with pytest.raises(ConvanimError, match=rule) as refused:
        channels_plan(SceneParams(spec))
    assert refused.value.argument == argument


@pytest.mark.parametrize("name", ["convolution", "transposed", "matrix", "reconstruction"])
@pytest.mark.parametrize(
    ("channels", "argument"),
    [
        ({"in_channels": 2}, "in_channels"),
        ({"out_channels": 3}, "out_channels"),
        ({"in_channels": 2, "out_channels": 2, "groups": 2}, "in_channels"),
        ({"bias": True}, "bias"),
    ],
)
def test_one_slice_scenes_send_channels_to_the_channels_scene(name, channels, argument):
    entry = SCENES[name]
    spec = DEFAULTS[entry.cls].spec
    layer = ConvSpec(
        input_size=spec.input_size,
        kernel=spec.kernel,
        stride=spec.stride,
        padding=spec.padding,
        transposed=spec.transposed,
        **channels,
    )
    with pytest.raises(ConvanimError) as refused:
        check(entry, SceneParams(layer))
    assert refused.value.argument == argument
    assert "convanim scene channels" in refused.value.rule
    assert "\n" not in refused.value.rule


def frame_bounds_checker(margin: float = 1e-6):
    """An ``after_play`` hook: every mobject on screen lies inside the frame."""
    from manim import config

    def check_inside(scene):
        half_width, half_height = config.frame_width / 2, config.frame_height / 2
        for mobject in scene.mobjects:
            if not mobject.has_points() and not mobject.submobjects:
                continue
            left, bottom = mobject.get_corner([-1, -1, 0])[:2]
            right, top = mobject.get_corner([1, 1, 0])[:2]
            assert -half_width - margin <= left and right <= half_width + margin, mobject
            assert -half_height - margin <= bottom and top <= half_height + margin, mobject

    return check_inside


def nearest(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each point, the index of the nearest target (both (N, 3) scene positions)."""
    return np.argmin(np.linalg.norm(points[:, None] - targets[None], axis=2), axis=1)


@pytest.mark.manim
@pytest.mark.parametrize("spec", [CHANNEL_CASES[0], CHANNEL_CASES[1], *CHANNEL_CASES[3:]])
def test_channels_scene_draws_each_filter_joined_to_the_channels_it_reads(manim, spec, tmp_path):
    from convanim.scenes.channels import ChannelsScene

    params = SceneParams(spec, seed=1)
    scene = probe(ChannelsScene, params, tmp_path, after_play=frame_bounds_checker())
    plan = channels_plan(params)
    shown = [stage for stage in plan.stages if isinstance(stage, ChannelStage)]
    assert list(scene.drawn) == [stage.name for stage in shown]
    for stage in shown:
        drawn = scene.drawn[stage.name]
        inputs = np.array([grid.get_center() for grid in drawn.inputs])
        assert [grid.shape for grid in drawn.inputs] == [np.atleast_2d(c).shape for c in stage.x]
        layer = stage.spec
        outputs = np.array([grid.get_center() for grid in drawn.outputs])
        # Each filter sits level with its output channel; each line runs from an input
        # channel's plane to a filter: read the pairs off the screen, by position.
        np.testing.assert_allclose(
            [kernel.get_center()[1] for kernel in drawn.filters], outputs[:, 1], atol=1e-6
        )
        lines = [line for group in drawn.links for line in group]
        starts = np.array([line.get_start() * [0, 1, 0] for line in lines])
        ends = np.array([line.get_end() * [0, 1, 0] for line in lines])
        read = nearest(starts, inputs * [0, 1, 0])
        into = nearest(ends, outputs * [0, 1, 0])
        expected = reads_by_hand(layer.in_channels, layer.out_channels, layer.groups)
        pairs = sorted(zip(into.tolist(), read.tolist()))
        assert pairs == sorted((o, c) for o, reads in enumerate(expected) for c in reads)
        assert all(line.get_start()[0] < line.get_end()[0] for line in lines)
        # One hue per group: the lines into two filters match in colour exactly when the
        # filters share a group.
        per_group = layer.out_channels // layer.groups
        hues = {}
        for line, o in zip(lines, into.tolist()):
            hues.setdefault(o // per_group, set()).add(line.get_color().to_hex())
        assert all(len(colours) == 1 for colours in hues.values())
        assert len({colours.pop() for colours in hues.values()}) == layer.groups
        # The numbers on each output channel's plane are the reference's, cell by cell
        # (unless the cells are too small to print them: six channels of 5x5 here).
        y = reference.conv_grouped(stage.x, stage.w, layer, stage.b)
        assert scene.show_values == (spec is not CHANNEL_CASES[3])
        for o, (grid, values) in enumerate(zip(drawn.outputs, drawn.values)):
            if not scene.show_values:
                assert len(values) == 0
                continue
            cells = np.array([square.get_center() for square in grid])
            assert len(values) == len(cells)
            at = nearest(np.array([text.get_center() for text in values]), cells)
            assert sorted(at.tolist()) == list(range(len(cells)))
            printed = [text.text for text in values]
            assert printed == [number_text(v) for v in np.atleast_2d(y[o]).ravel()[at]]


@pytest.mark.manim
def test_channels_scene_fits_eight_channels_in_the_frame(manim, tmp_path):
    from convanim.scenes.channels import ChannelsScene

    spec = ConvSpec(input_size=(5, 5), kernel=3, in_channels=8, out_channels=8, groups=4)
    scene = probe(ChannelsScene, SceneParams(spec), tmp_path, after_play=frame_bounds_checker())
    assert list(scene.drawn) == ["standard", "grouped", "depthwise", "pointwise"]
    assert len(scene.drawn["grouped"].filters) == 8
    assert all(len(values) == 0 for values in scene.drawn["standard"].values)  # too small


def table_cells(text) -> list[str]:
    """The cells of one row of the channels scene's closing table, as its Text was typed."""
    return text.original_text.split("  ")


@pytest.mark.manim
def test_channels_scene_table_adds_up_and_its_footnote_fits_under_it(manim, tmp_path):
    from convanim.scenes.channels import MARGIN, ChannelsScene
    from manim import config

    # 5x5, k3, s2: the depthwise output is 2x2, so the pointwise layer reads less than x.
    spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, in_channels=2, out_channels=2)
    scene = probe(ChannelsScene, SceneParams(spec, show_values=False), tmp_path)
    rows = {cells[0]: cells[1:] for cells in map(table_cells, scene.table)}
    assert rows["pointwise"][0] == "\N{MULTIPLICATION SIGN}".join("2211")
    counts = {
        name: [int(c.replace(",", "")) for c in cells[1:]]
        for name, cells in rows.items()
        if name != "layer"
    }
    # The pointwise layer on the 2x2 depthwise output: 4 cells x 2 inputs x 2 outputs.
    assert counts["pointwise"] == [2 * 2, 4 * 2 * 2]
    assert counts["depthwise + pointwise"] == [
        a + b for a, b in zip(counts["depthwise"], counts["pointwise"])
    ]
    # The footnote: under the table, from its left edge, no wider than it, inside the frame.
    table, note = scene.table, scene.footnote
    assert len(note) == 3
    assert "2\N{MULTIPLICATION SIGN}2 depthwise output" in note[-1].original_text
    assert note.get_left()[0] == pytest.approx(table.get_left()[0])
    assert note.get_right()[0] <= table.get_right()[0] + 1e-6
    assert note.get_top()[1] < table.get_bottom()[1]
    assert note.get_bottom()[1] > -config.frame_height / 2
    assert table.get_right()[0] <= config.frame_width / 2 - MARGIN + 1e-6


#: ASCII stand-ins for notation that a screen can typeset.
STAND_INS = ("sum_", "^T", "C^", "_i", "x'", "->")


@pytest.fixture(scope="module")
def small_render(tmp_path_factory):
    """Render a scene (by name) once, at the lowest quality, of its small spec, as MP4 into
    a folder of its own: the file, and every string a Text was made of on the way."""
    manim = pytest.importorskip("manim")
    done: dict[str, tuple[Path, list[str]]] = {}

    def render(name: str) -> tuple[Path, list[str]]:
        if name not in done:
            texts: list[str] = []
            original = manim.Text.__init__

            def recording(self, text, *args, **kwargs):
                texts.append(text)
                original(self, text, *args, **kwargs)

            folder = tmp_path_factory.mktemp(name)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(manim.Text, "__init__", recording)
                params = SceneParams(SMALL[name]) if name in SMALL else DEFAULTS[SCENES[name].cls]
                out = render_scene(SCENES[name], params, folder / f"{name}.mp4")
            done[name] = out, texts
        return done[name]

    return render


@pytest.mark.manim
@pytest.mark.parametrize("name", sorted(SCENES))
def test_no_scene_writes_ascii_stand_ins(small_render, name):
    import re

    _, texts = small_render(name)
    assert len(texts) > 5
    for text in texts:
        assert not any(stand_in in text for stand_in in STAND_INS), text
        assert not re.search(r"\dx\d", text), text  # 5x5 is written with a times sign


# --- Rendering through the driver ----------------------------------------------------------


@pytest.mark.manim
@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_scene_renders_at_lowest_quality(small_render, name):
    av = pytest.importorskip("av")
    out, _ = small_render(name)
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) > 15
    assert (frames[0].width, frames[0].height) == (854, 480)
    assert [p.name for p in out.parent.iterdir()] == [f"{name}.mp4"]


@pytest.mark.manim
def test_gif_render_shares_one_palette_and_leaves_nothing_else(manim, tmp_path, monkeypatch):
    pytest.importorskip("av")
    from PIL import Image

    media = tmp_path / "tmp"
    media.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(media))
    out = tmp_path / "out" / "c.gif"
    params = SceneParams(SMALL["convolution"], show_values=False)
    assert render_scene(SCENES["convolution"], params, out, "l", "gif") == out
    with Image.open(out) as image:
        assert image.format == "GIF"
        assert image.n_frames > 15
        assert image.size == (854, 480)
    assert [p.name for p in out.parent.iterdir()] == ["c.gif"]
    assert list(media.iterdir()) == []  # the convanim-scene-* media folder is gone


@pytest.mark.manim
def test_a_failed_write_leaves_no_part_file(manim, tmp_path, monkeypatch):
    media = tmp_path / "tmp"
    media.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(media))
    taken = tmp_path / "taken.mp4"
    taken.mkdir()  # a folder where the video should go: the final rename fails
    with pytest.raises(ConvanimError) as refused:
        render_scene(SCENES["convolution"], SceneParams(SMALL["convolution"]), taken)
    assert refused.value.argument == "out"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.mp4", "tmp"]
    assert list(taken.iterdir()) == []
    assert list(media.iterdir()) == []


@pytest.mark.manim
def test_a_failed_render_removes_the_media_folder(manim, tmp_path, monkeypatch):
    from convanim.scenes.convolution import ConvolutionScene

    media = tmp_path / "tmp"
    media.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(media))

    def broken(self):
        self.wait(0.2)
        raise RuntimeError("scene broke")

    monkeypatch.setattr(ConvolutionScene, "construct", broken)
    out = tmp_path / "c.mp4"
    with pytest.raises(RuntimeError, match="scene broke"):
        render_scene(SCENES["convolution"], SceneParams(SMALL["convolution"]), out)
    assert not out.exists()
    assert list(media.iterdir()) == []


# --- The driver's refusals, before Manim --------------------------------------------------


def test_scene_names_and_choices():
    assert find_scene("transposed") is SCENES["transposed"]
    assert find_scene("TransposedConvolutionScene") is SCENES["transposed"]
    assert [q.value for q in Quality] == ["l", "m", "h", "k"]
    assert [f.value for f in SceneFormat] == ["mp4", "gif", "png"]
    assert QUALITIES[Quality("k")] == "fourk_quality"
    assert set(QUALITIES) == set(Quality)
    for entry in SCENES.values():  # every scene's default plan computes without Manim
        entry.plan(DEFAULTS[entry.cls])


@pytest.mark.parametrize(
    ("call", "argument", "rule"),
    [
        (lambda: find_scene("bogus"), "scene", "no scene 'bogus'; choose one of convolution,"),
        (
            lambda: check(SCENES["convolution"], DEFAULTS["ConvolutionScene"], Path("a.gif")),
            "out",
            r"a.gif: a mp4 scene is written as .mp4 \(file_format\)",
        ),
        (
            lambda: check(
                SCENES["convolution"], SceneParams(ConvSpec(input_size=(100_000,) * 2, kernel=3))
            ),
            "input_size",
            "the ConvolutionScene would take 9999600004 steps, more than the budget of 100",
        ),
        (
            lambda: check(SCENES["convolution"], DEFAULTS["ConvolutionScene"], file_format="avi"),
            "file_format",
            "must be one of mp4, gif, png, got 'avi'",
        ),
        (
            lambda: check(
                SCENES["reconstruction"], SceneParams(ConvSpec(input_size=(7, 7), kernel=5))
            ),
            "kernel",
            "needs a 3x3 kernel",
        ),
        (
            lambda: check(
                SCENES["matrix"],
                SceneParams(ConvSpec(input_size=(200, 200), kernel=3)),
                max_steps=10**9,
            ),
            "input_size",
            "the dense 39204x40000 matrix",
        ),
    ],
)
def test_driver_refusals_name_the_argument(call, argument, rule):
    with pytest.raises(ConvanimError, match=rule) as refused:
        call()
    assert refused.value.argument == argument


def test_render_without_manim_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "manim", None)
    with pytest.raises(ConvanimError) as refused:
        render_scene(SCENES["convolution"], DEFAULTS["ConvolutionScene"], tmp_path / "a.mp4")
    assert refused.value.argument == "scene"
    assert refused.value.rule == INSTALL_HINT
    # A bad quality is refused before Manim is even looked for.
    with pytest.raises(ConvanimError) as refused:
        render_scene(SCENES["convolution"], DEFAULTS["ConvolutionScene"], tmp_path / "a.mp4", "x")
    assert refused.value.argument == "quality"
    assert list(tmp_path.iterdir()) == []


# --- Through the command line -------------------------------------------------------------


@pytest.mark.manim
def test_scene_cli_png_and_list(manim, cli, tmp_path):
    from PIL import Image

    app, runner = cli
    listing = runner.invoke(app, ["scene", "--list"])
    assert listing.exit_code == 0
    assert [line.split()[0] for line in listing.output.splitlines()] == list(SCENES)
    out = tmp_path / "m.png"
    args = ["scene", "matrix", "--i", "3", "--k", "2", "--dims", "1", "--format", "png"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: MatrixScene, 3 -> 2")
    with Image.open(out) as image:
        assert image.size == (854, 480)
        assert len(image.convert("RGB").getcolors(1 << 20)) > 10  # not a blank last frame
    assert [p.name for p in tmp_path.iterdir()] == ["m.png"]


@pytest.mark.manim
def test_network_scene_lights_the_field_row_by_row(manim, tmp_path):
    """The default chain, dilations 1, 2, 4 on 16 cells, output 4: each row lights the
    cells that reach it (by hand: 4 8, then 4 6 8 10, then 4..11), one play per row."""
    from convanim.scenes.network import NetworkScene

    from convanim.render.manim.blocks import LIT_INPUT, LIT_OUTPUT

    plan_rows = [list(range(4, 12)), [4, 6, 8, 10], [4, 8], [4]]  # the input first
    lit = []

    def after_play(scene):
        colours = [LIT_INPUT] + [LIT_OUTPUT] * (len(scene.grids) - 1)
        lit.append(
            [
                [c for c in range(grid.shape[1]) if grid[0, c].get_fill_color() == colour]
                for grid, colour in zip(scene.grids, colours)
            ]
        )

    scene = probe(NetworkScene, DEFAULTS["NetworkScene"], tmp_path, after_play)
    assert [grid.shape for grid in scene.grids] == [(1, 16), (1, 15), (1, 13), (1, 9)]
    # after the rows and edges appear, one play per row from the top: each adds its row
    rows_lit = [sum(bool(row) for row in shown) for shown in lit]
    assert rows_lit[-5:] == [1, 2, 3, 4, 4]  # the last play prints the paths
    assert lit[-1] == plan_rows


@pytest.mark.parametrize(
    ("args", "prefix", "detail"),
    [
        (["bogus"], "error: NAME: no scene 'bogus'", ""),
        (["convolution", "--k", "0"], "error: --k (axis 0): must be positive", ""),
        (["reconstruction", "--k", "5"], "error: --k: the reconstruction scene needs a 3x3", ""),
        (
            ["matrix", "--i", "200", "--k", "3"],
            "error: --i: the MatrixScene would take",
            "--max-steps",
        ),
        (["convolution", "--seed", "-1"], "error: --seed: must be a non-negative integer", ""),
        (["convolution", "-o", "a.gif"], "error: -o: a.gif: a mp4 scene is written as .mp4", ""),
        ([], "error: NAME: name a scene: convolution, transposed", ""),
        (["convolution", "--quality", "x"], "error: Invalid value for '--quality': ", "'x'"),
        (["convolution", "--format", "avi"], "error: Invalid value for '--format': ", "'avi'"),
        (["network", "--k", "3"], "error: --k: the network scene takes a chain of layers", ""),
        (
            ["network", "--layers", "nn.Conv2d(1, 1, 3)", "--i", "5"],
            "error: --layers: the network scene draws 1-D chains",
            "--view layers",
        ),
        (["network", "--cell", "99"], "error: --cell: must be a cell of the 9 layer", ""),
        (
            ["convolution", "--layers", "nn.Conv1d(1, 1, 3)"],
            "error: --layers: only the network",
            "",
        ),
    ],
)
def test_scene_cli_rejects_bad_input_before_manim_starts(
    tmp_path, monkeypatch, args, prefix, detail
):
    monkeypatch.chdir(tmp_path)
    code = (
        "import sys\nfrom convanim.cli import main\n"
        f"sys.argv = ['convanim', 'scene', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "print('manim imported' if 'manim' in sys.modules else 'manim not imported', code)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # One line, ``error: <flag>: <rule>``, exit code 2, and Manim never imported.
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(prefix), lines[0]
    assert detail in lines[0]
    assert done.stdout.strip() == "manim not imported 2"
    assert list(tmp_path.iterdir()) == []


def scene_through_main(args: list[str], folder: Path) -> tuple[list[str], str]:
    """``convanim scene *args`` in a fresh interpreter without Manim, run from ``folder``:
    its stderr lines and its exit code. Past the checks, a render stops at the install hint."""
    code = (
        "import sys\nsys.modules['manim'] = None\nfrom convanim.cli import main\n"
        f"sys.argv = ['convanim', 'scene', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    print(done.code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=folder
    )
    return done.stderr.strip().splitlines(), done.stdout.strip()


def test_scene_flags_change_only_what_they_give(tmp_path):
    # Spec flags without --cin: the channels scene keeps its 4 input and 4 output channels,
    # so the plan accepts it (the run stops at the install hint, Manim being blocked) ...
    args = ["channels", "--i", "4", "--k", "3", "--s", "2", "--p", "1", "--format", "png"]
    lines, code = scene_through_main(args, tmp_path)
    assert (lines, code) == ([f"error: NAME: {INSTALL_HINT}"], "2")
    # ... and the step budget counts them: 3 stages of 4 outputs and the depthwise 4.
    lines, code = scene_through_main([*args, "--max-steps", "15"], tmp_path)
    assert len(lines) == 1 and code == "2"
    assert "the ChannelsScene would take 16 steps, more than the budget of 15" in lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(SCENES))
def test_no_spec_flags_give_the_scene_its_own_spec(name):
    from convanim.cli.flags import SpecFlags

    spec = DEFAULTS[SCENES[name].cls].spec
    assert SpecFlags().over(spec).spec(spec.transposed, channels=True) == spec


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # One value for every axis: the scene's other values and axes stay.
        ({"kernel": "2"}, ConvSpec(input_size=(4,), kernel=2)),
        (
            {"stride": "2", "padding": "1:0"},
            ConvSpec(input_size=(4,), kernel=3, stride=2, padding=((1, 0),)),
        ),
        ({"in_channels": 2}, ConvSpec(input_size=(4,), kernel=3, in_channels=2)),
        # Values per axis, or --dims, say how many axes; one number serves every axis.
        ({"input_size": "5,6"}, ConvSpec(input_size=(5, 6), kernel=3)),
        ({"dims": 2}, ConvSpec(input_size=(4, 4), kernel=3)),
    ],
)
def test_scene_flags_override_the_scene_spec_where_typed(typed, expected):
    from convanim.cli.flags import SpecFlags

    scene = ConvSpec(input_size=(4,), kernel=3)  # the matrix scene's: 1-D
    flags = SpecFlags(**typed, typed=frozenset(typed))
    assert flags.over(scene).spec(False, channels=True) == expected


def test_scene_cli_without_manim_says_how_to_install(cli, monkeypatch, tmp_path):
    app, runner = cli
    monkeypatch.setitem(sys.modules, "manim", None)
    result = runner.invoke(app, ["scene", "convolution", "-o", str(tmp_path / "a.mp4")])
    assert result.exit_code == 2
    assert "apt-get install -y libcairo2-dev libpango1.0-dev pkg-config" in result.output
    assert "pip install 'convanim[manim]'" in result.output
    assert not Path(tmp_path / "a.mp4").exists()


@pytest.mark.manim
def test_sigterm_during_a_scene_leaves_no_temporary_folder_and_no_file(manim, tmp_path):
    """Stopped half way, a render exits non-zero and leaves neither Manim's folder nor output."""
    import os
    import signal
    import time

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out" / "t.mp4"
    process = subprocess.Popen(
        [sys.executable, "-m", "convanim", "scene", "transposed", "-o", str(out)],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not any(scratch.glob("convanim-scene-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the render is under way
    assert any(scratch.glob("convanim-scene-*")), "the render never started"
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert b"Traceback" not in stderr
    assert not any(scratch.glob("convanim-scene-*"))
    assert not (tmp_path / "out").exists()
