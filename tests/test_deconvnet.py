"""ZF Net's deconvnet: each step against the plain-NumPy reference (max pooling with its
switches window by window, unpooling by them, conv and conv_transpose), ties included;
``convanim deconvnet`` through the real program: its --json against the reference, its
files, and hostile input refused in one line with nothing left behind."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import reference
from conftest import random_values
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.geometry import ConvSpec
from convanim.geometry.deconvnet import deconvnet, pooling_over, switches, unpool
from convanim.story.deconvnet import EDGE_FILTERS, NUMBER_KEYS, picture_story


@st.composite
def deconvnet_cases(draw):
    """A one-channel 1-D or 2-D layer, a max pooling window and stride that fit its output,
    and a seed for small integer numbers (ties in the pooling are common)."""
    ndim = draw(st.integers(1, 2))
    kernel = draw(st.tuples(*(st.integers(1, 3) for _ in range(ndim))))
    size = tuple(k + draw(st.integers(0, 6)) for k in kernel)
    spec = ConvSpec(input_size=size, kernel=kernel)
    window = tuple(draw(st.integers(1, n)) for n in spec.output_size)
    stride = tuple(draw(st.integers(1, 3)) for _ in window)
    return spec, window, stride, draw(st.integers(0, 2**16))


@settings(max_examples=150, deadline=None)
@given(case=deconvnet_cases())
def test_every_step_is_the_references(case):
    """y, ReLU, pooled values, switches (the first maximum on ties), unpooled map and
    reconstruction, each against the reference computed window by window."""
    spec, window, stride, seed = case
    x, w = random_values(spec.input_size, seed), random_values(spec.kernel, seed + 1)
    steps = deconvnet(spec, pooling_over(spec, window, stride), x[None], w[None, None])
    y = reference.conv(x, w, spec)
    relu = np.maximum(y, 0)
    pooled, where = reference.max_pool_with_switches(relu, window, stride)
    unpooled = reference.max_unpool(pooled, where, y.shape)
    np.testing.assert_array_equal(steps.y[0], y)
    np.testing.assert_array_equal(steps.relu[0], relu)
    np.testing.assert_array_equal(steps.pooled[0], pooled)
    np.testing.assert_array_equal(steps.switches[0], where)
    np.testing.assert_array_equal(steps.unpooled[0], unpooled)
    back = reference.conv_transpose(unpooled, w, spec.transpose())
    np.testing.assert_array_equal(steps.reconstruction[0], back)


def test_switches_and_unpooling_of_a_worked_example():
    """Worked by hand: 4x4 pooled 2x2 windows; a tie takes the first cell row-major."""
    maps = np.array([[[1, 9, 0, 0], [2, 3, 0, 0], [5, 5, 4, 0], [5, 1, 0, 8]]], dtype=float)
    pooling = pooling_over(ConvSpec(input_size=(5, 5), kernel=2), 2)
    where = switches(pooling, maps)
    assert where.tolist() == [[[1, 2], [8, 15]]]
    back = unpool(np.array([[[9.0, 0.0], [5.0, 8.0]]]), where, (4, 4))
    assert back[0].tolist() == [[0, 9, 0, 0], [0, 0, 0, 0], [5, 0, 0, 0], [0, 0, 0, 8]]


def test_the_picture_is_each_filter_through_the_reference():
    """The kept picture through each hand-set edge filter: conv with padding 1, ReLU, 2x2
    max pooling and back, each against the reference (integers: exact, ties alike)."""
    story = picture_story()
    assert story.image.shape == (48, 48) and 0 <= story.image.min() < story.image.max() <= 255
    assert story.names == tuple(EDGE_FILTERS)
    spec = ConvSpec(input_size=(48, 48), kernel=3, padding=1)
    for steps, filter_ in zip(story.steps, EDGE_FILTERS.values()):
        w = np.array(filter_, dtype=float)
        relu = np.maximum(reference.conv(story.image, w, spec), 0)
        pooled, where = reference.max_pool_with_switches(relu, (2, 2), (2, 2))
        unpooled = reference.max_unpool(pooled, where, relu.shape)
        np.testing.assert_array_equal(steps.pooled[0], pooled)
        np.testing.assert_array_equal(steps.switches[0], where)
        made = reference.conv_transpose(unpooled, w, spec.transpose())
        np.testing.assert_array_equal(steps.reconstruction[0], made)


def run(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "convanim", "deconvnet", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_json_is_every_step_in_pytorchs_layout_against_the_reference(tmp_path):
    args = ("--i", "7,6", "--k", "3,2", "--pool-k", "2", "--pool-s", "1", "--seed", "3")
    done = run(*args, "--json", "-o", "a.gif", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("a.gif: ")  # what was written, on stderr
    record = json.loads(done.stdout)
    assert list(record) == list(NUMBER_KEYS)
    x, w = np.array(record["x"]), np.array(record["w"])
    assert (x.shape, w.shape) == ((1, 7, 6), (1, 1, 3, 2))
    spec = ConvSpec(input_size=(7, 6), kernel=(3, 2))
    y = reference.conv(x[0], w[0, 0], spec)
    pooled, where = reference.max_pool_with_switches(np.maximum(y, 0), (2, 2), (1, 1))
    unpooled = reference.max_unpool(pooled, where, y.shape)
    assert record["y"] == [y.tolist()]
    assert record["relu"] == [np.maximum(y, 0).tolist()]
    assert record["pooled"] == [pooled.tolist()]
    assert record["switches"] == [where.tolist()]  # integers, as PyTorch's indices
    assert record["unpooled"] == [unpooled.tolist()]
    made = reference.conv_transpose(unpooled, w[0, 0], spec.transpose())
    assert record["reconstruction"] == [made.tolist()]
    assert (tmp_path / "a.gif").read_bytes()[:6] == b"GIF89a"


def test_given_numbers_and_the_default_file(tmp_path):
    x = ",".join(["0", "1", "-1", "2"] * 4)
    done = run(
        "--i", "4", "--k", "1", "--weights", "2", "--input-values", x, "--json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["pooled"] == [[[2.0, 4.0], [2.0, 4.0]]]
    assert record["switches"] == [[[1, 3], [9, 11]]]
    assert record["reconstruction"][0][0] == [0.0, 4.0, 0.0, 8.0]
    assert (tmp_path / "renders" / "conv_i4_k1_deconvnet_pool2.gif").is_file()


def test_the_picture_and_a_still_frame(tmp_path):
    done = run("--picture", "-o", "p.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    done = run("--frame", "2", "-o", "f.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "frame 2 of" in done.stdout and "<svg" in (tmp_path / "f.svg").read_text()


@pytest.mark.parametrize(
    ("args", "written"),
    [
        (["--picture", "--theme", "auto"], "deconvnet_picture_auto.svg"),
        (["--picture", "--theme", "dark"], "deconvnet_picture_dark.png"),
        (["--theme", "dark"], "conv_i6_k3_dark_deconvnet_pool2.gif"),
        (["--theme", "auto", "--frame", "2"], "conv_i6_k3_auto_deconvnet_pool2_frame2.svg"),
        (["--pool-s", "3"], "conv_i6_k3_deconvnet_pool2_ps3.gif"),  # a stride not the window's
        (["--pool-s", "2"], "conv_i6_k3_deconvnet_pool2.gif"),  # the window's: the default
        (["--dims", "1"], "conv_1d_i6_k3_deconvnet_pool2.gif"),
    ],
)
def test_the_default_file_names_the_theme_and_takes_auto_as_svg(tmp_path, args, written):
    """As gif's: the theme in the name unless light, .svg for auto (the one format that
    follows the reader), with or without --picture; a pooling stride other than the window
    and a layer of one axis are named too, so that different animations never share a file."""
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [path.name for path in (tmp_path / "renders").iterdir()] == [written]


def test_the_frame_budget_counts_every_frame_drawn():
    """The budget, checked before anything is drawn, counts the frames the drawing has:
    exactly that many pass, one fewer is refused."""
    from convanim.errors import ConvanimError
    from convanim.pipeline import deconvnet_drawing
    from convanim.story.deconvnet import deconvnet_story

    story = deconvnet_story(ConvSpec(input_size=(5, 4), kernel=2), pool_kernel=(2, 1))
    frames = len(deconvnet_drawing(story).frames)
    assert len(deconvnet_drawing(story, max_frames=frames).frames) == frames
    with pytest.raises(ConvanimError, match=f"{frames} frames"):
        deconvnet_drawing(story, max_frames=frames - 1)


HOSTILE = [
    (["--pool-k", "0"], "--pool-k"),
    (["--pool-k", "5"], "--pool-k"),
    (["--pool-k", "two"], "--pool-k: expected an integer"),
    (["--pool-s", "0"], "--pool-s"),
    (["--pool-k", "2,2,2"], "--pool-k"),
    (["--i", "3"], "--pool-k"),  # a 1x1 output: no 2x2 window fits
    (["--cin", "2"], "--cin"),
    (["--bias"], "--bias"),
    (["--dims", "3"], "--dims"),
    (["--weights", "1,2"], "--weights"),
    (["--input-values", "1,x"], "--input-values"),
    (["--seed", "-1"], "--seed"),
    (["--picture", "--k", "5"], "--k"),
    (["--picture", "--json"], "--json"),
    (["--frame", "999", "-o", "a.png"], "--frame"),
    (["--frame", "1", "-o", "a.gif"], "-o"),
    (["-o", "a.txt"], "-o"),
    (["--theme", "auto", "-o", "a.gif"], "--theme"),
    (["--max-frames", "5"], "--max-frames"),
    (["--max-pixels", "1000"], "--max-pixels"),
    (["--i", "400", "--pool-k", "1"], "frames exceed the budget"),
    (["--max-frames", "31"], "--i: at least 32 frames exceed the budget of 31"),
    (["--i", "100000", "--k", "99999"], "exceed the budget of 4000000 pixels"),  # no numbers made
    (["--picture", "--max-pixels", "1000"], "--max-pixels"),
    (["--picture", "--pool-k", "2"], "--pool-k"),  # typed, though the default's value
    (["--picture", "--seed", "0"], "--seed"),
    (["--p", "1", "--padding-mode", "reflect"], "--padding-mode: the way back is a transposed"),
    (
        ["--layer", "Conv2d(1, 1, 3, padding=1, padding_mode='reflect', bias=False)"],
        "--layer: padding_mode: the way",
    ),
    (["--layer", "ConvTranspose2d(1, 1, 3)"], "--layer: 'ConvTranspose2d(1, 1, 3)' is a transp"),
]


@pytest.mark.parametrize(("args", "message"), HOSTILE)
def test_hostile_input_is_one_error_line_and_leaves_nothing(tmp_path, args, message):
    done = run(*args, cwd=tmp_path)
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert message in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["--json"], ["--picture"]])
def test_the_gif_path_imports_neither_manim_nor_matplotlib(tmp_path, args):
    out = str(tmp_path / "a.gif")
    code = (
        f"import sys; from convanim.cli import main; sys.argv = ['convanim', 'deconvnet', "
        f"*{args!r}, '-o', {out!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('manim', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "a.gif").read_bytes()[:6] == b"GIF89a"


@settings(max_examples=60, deadline=None)
@given(case=deconvnet_cases())
def test_unpooling_frames_show_each_window_its_switch_and_the_map_so_far(case):
    """What each unpooling frame draws: the window of pooled cell k (the cells the reference
    window takes), its switch inside it holding the window's maximum, and the map after k
    values back is the reference unpooling of those k alone."""
    from convanim.geometry.deconvnet import Unpooling

    spec, window, stride, seed = case
    x, w = random_values(spec.input_size, seed), random_values(spec.kernel, seed + 1)
    steps = deconvnet(spec, pooling_over(spec, window, stride), x[None], w[None, None])
    unpooling = Unpooling(steps, 0)
    relu = steps.relu[0]
    pooled, where = reference.max_pool_with_switches(relu, window, stride)
    assert len(unpooling) == pooled.size
    for k, (cell, switch) in enumerate(zip(unpooling.pooled, unpooling.switch)):
        starts = [c * s for c, s in zip(cell, stride)]
        expected = {
            tuple(int(a + b) for a, b in zip(starts, offset)) for offset in np.ndindex(window)
        }
        assert {tuple(map(int, p)) for p in unpooling.window(k)} == expected
        assert tuple(map(int, switch)) in expected
        assert relu[tuple(switch)] == pooled[tuple(cell)]
        so_far = reference.max_unpool(pooled.ravel()[: k + 1], where.ravel()[: k + 1], relu.shape)
        np.testing.assert_array_equal(unpooling.after(k + 1), so_far)


def test_the_help_gives_the_commands_own_input_default(tmp_path):
    """deconvnet's --i defaults to 6, not to the guide's 5 that gif's help promises."""
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.replace("│", " ").split())
    assert "[default: 6]" in text
    assert "the guide's (5 in" not in text
    # the flags it reads only to refuse are not offered, and are still refused in one line
    for flag in ("--cin", "--cout", "--groups", "--bias", "--preset", "--op", "--padding-mode"):
        assert flag not in text, flag
    refused = run("--cin", "2", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.startswith("error: --cin:")
    assert not (tmp_path / "renders").exists()
