"""The Manim scenes: what they highlight step by step, and real renders at the lowest quality."""

from __future__ import annotations

import subprocess
import sys

import av
import numpy as np
import pytest
from manim import tempconfig
from manim.animation.animation import prepare_animation
from typer.testing import CliRunner

from convanim.cli import app
from convanim.geometry import ConvSpec
from convanim.render.video import SCENES, render_scene
from convanim.scene_data import SceneParams, convolution_plan, transposed_plan
from scenes.convolution import ConvolutionScene
from scenes.transposed import TransposedConvolutionScene

runner = CliRunner()


class Probe:
    """Runs a scene's construct() with every animation jumped to its end, recording a probe."""

    def play(self, *animations, **kwargs):
        for animation in animations:
            animation = prepare_animation(animation)
            animation._setup_scene(self)
            animation.begin()
            animation.interpolate(1)
            animation.finish()
            animation.clean_up_from_scene(self)
        if hasattr(self, "footprint"):
            self.footprints.append(np.array([square.get_center() for square in self.footprint]))

    def wait(self, *args, **kwargs):
        pass


def probe(scene_class, params, media_dir):
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


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1),
        ConvSpec(input_size=(6, 5), kernel=(2, 3), dilation=(2, 1), padding=((0, 1), 0)),
    ],
)
def test_convolution_scene_highlights_the_storyboard_footprints(spec, tmp_path):
    params = SceneParams(spec, show_values=False)
    scene = probe(ConvolutionScene, params, tmp_path)
    frames = convolution_plan(params).board.frames
    shown = distinct(scene.footprints)
    assert len(shown) == len(frames)
    for snapshot, frame in zip(shown, frames):
        expected = np.array([cell.get_center() for cell in scene.lower.cells(frame.lower)])
        np.testing.assert_allclose(snapshot, expected, atol=1e-6)


def test_transposed_scene_sweeps_the_gather_canvas(tmp_path):
    spec = ConvSpec(input_size=(2, 2), kernel=3, stride=2, padding=1, transposed=True)
    params = SceneParams(spec, show_values=False)
    scene = probe(TransposedConvolutionScene, params, tmp_path)
    frames = transposed_plan(params).gather.frames
    shown = distinct(scene.footprints)
    # The footprint sweeps the canvas once per output cell, then shrinks away with the canvas.
    assert len(shown) >= len(frames)
    for snapshot, frame in zip(shown, frames):
        expected = np.array([cell.get_center() for cell in scene.canvas.cells(frame.lower)])
        np.testing.assert_allclose(snapshot, expected, atol=1e-6)


SMALL = {
    "convolution": ConvSpec(input_size=(3, 3), kernel=2),
    "transposed": ConvSpec(input_size=(2, 2), kernel=2, transposed=True),
    "matrix": ConvSpec(input_size=(3,), kernel=2),
    "reconstruction": ConvSpec(input_size=(5, 5), kernel=3),
}


@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_scene_renders_at_lowest_quality(tmp_path, name):
    out = render_scene(SCENES[name], SceneParams(SMALL[name]), tmp_path / f"{name}.mp4")
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) > 15
    assert (frames[0].width, frames[0].height) == (854, 480)
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.mp4"]


def test_scene_cli_png_and_list(tmp_path):
    listing = runner.invoke(app, ["scene", "--list"])
    assert listing.exit_code == 0
    assert [line.split()[0] for line in listing.output.splitlines()] == list(SCENES)
    out = tmp_path / "m.png"
    result = runner.invoke(
        app,
        [
            "scene",
            "matrix",
            "--i",
            "3",
            "--k",
            "2",
            "--dims",
            "1",
            "--format",
            "png",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: MatrixScene, 3 -> 2")
    from PIL import Image

    with Image.open(out) as image:
        assert image.size == (854, 480)
        assert len(image.convert("RGB").getcolors(1 << 20)) > 10  # not a blank last frame


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bogus"], "error: NAME: no scene 'bogus'"),
        (["convolution", "--k", "0"], "error: --k (axis 0): must be positive"),
        (["reconstruction", "--k", "5"], "error: --i/--k: the reconstruction scene needs"),
        (["matrix", "--i", "200", "--k", "3"], "use taps() for large specs"),
        (["convolution", "--quality", "x"], "error: --quality must be one of l, m, h, k"),
        (["convolution", "--format", "avi"], "error: --format must be one of mp4, gif, png"),
    ],
)
def test_scene_cli_rejects_bad_input_before_manim_starts(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code = (
        "import sys\nfrom convanim.cli import main\n"
        f"sys.argv = ['convanim', 'scene', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "print('manim imported' if 'manim' in sys.modules else 'manim not imported', code)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout.strip() == "manim not imported 2"
    assert list(tmp_path.iterdir()) == []


def test_scene_cli_without_manim_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "manim", None)
    result = runner.invoke(app, ["scene", "convolution", "-o", str(tmp_path / "a.mp4")])
    assert result.exit_code == 2
    assert "apt-get install -y libcairo2-dev libpango1.0-dev pkg-config" in result.output
    assert "pip install 'convanim[manim]'" in result.output
