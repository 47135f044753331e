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
from convanim.scene_plans import DEFAULTS, SceneParams, convolution_plan, transposed_plan

SMALL = {
    "convolution": ConvSpec(input_size=(3, 3), kernel=2),
    "transposed": ConvSpec(input_size=(2, 2), kernel=2, transposed=True),
    "matrix": ConvSpec(input_size=(3,), kernel=2),
    "reconstruction": ConvSpec(input_size=(5, 5), kernel=3),
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


def probe(scene_class, params, media_dir):
    """Run ``construct()`` with every animation jumped to its end, recording the footprint."""
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
    frames = convolution_plan(params).board.frames
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
    frames = transposed_plan(params).gather.frames
    shown = distinct(scene.footprints)
    # The footprint sweeps the canvas once per output cell, then shrinks away with the canvas.
    assert len(shown) >= len(frames)
    for snapshot, frame in zip(shown, frames):
        expected = np.array([cell.get_center() for cell in scene.canvas.cells(frame.lower)])
        np.testing.assert_allclose(snapshot, expected, atol=1e-6)


@pytest.mark.manim
def test_faded_input_cells_use_the_shared_unread_fade(manim):
    from convanim.render.manim.blocks import plane_grid
    from convanim.storyboard import build_storyboard
    from convanim.style import UNREAD_FADE

    # k 3, s 2 over 6 cells: the last input column is never read.
    board = build_storyboard(ConvSpec(input_size=(3, 6), kernel=3, stride=2))
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


# --- Rendering through the driver ----------------------------------------------------------


@pytest.mark.manim
@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_scene_renders_at_lowest_quality(manim, tmp_path, name):
    av = pytest.importorskip("av")
    out = render_scene(SCENES[name], SceneParams(SMALL[name]), tmp_path / f"{name}.mp4")
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) > 15
    assert (frames[0].width, frames[0].height) == (854, 480)
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.mp4"]


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
