"""The GIF path: storyboard frames, pixels at projected cell centres, files, CLI, determinism."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import reference
from conftest import conv_specs
from hypothesis import given, settings
from PIL import Image
from typer.testing import CliRunner

from convanim.cli import app
from convanim.draw.frames import Projection, draw
from convanim.draw.style import HIGHLIGHT_OPACITY, THEMES, UNREAD_FADE, Layout, Style, blend
from convanim.geometry import ConvSpec
from convanim.integrations.gallery import ALL_NAMES, GUIDE_SPECS, NUMERICAL_SPECS, entry
from convanim.pipeline import animate_to_file, default_name, drawing
from convanim.render.raster.painter import FramePainter
from convanim.story.board import Cell, Reading, View, build_board, frame_count, plane_shapes

runner = CliRunner()
LIGHT = THEMES["light"]
HIGHLIGHTED_INPUT = blend(LIGHT.input, LIGHT.highlight, HIGHLIGHT_OPACITY)
HIGHLIGHTED_OUTPUT = blend(LIGHT.output, LIGHT.highlight, HIGHLIGHT_OPACITY)


class Renderer:
    """The frames of a storyboard as the GIF path paints them, and where its cells land."""

    def __init__(self, board, style):
        self.projection = Projection(board.lower.cells.shape, board.upper.cells.shape, style)
        self.painter = FramePainter(draw(board, style))

    def render(self, index: int) -> Image.Image:
        return self.painter.frame(index)


def pixel(image: Image.Image, renderer: Renderer, rc, upper: bool) -> tuple:
    x, y = renderer.projection.sheets()[upper].point(np.asarray(rc) + 0.5)
    # A little off-centre, clear of the first-tap dot drawn at the centre.
    return image.getpixel((int(x), int(y) - 6))


def reference_output(spec: ConvSpec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (reference.conv_transpose if spec.transposed else reference.conv)(x, w, spec)


def one_hot(shape, index) -> np.ndarray:
    array = np.zeros(shape)
    array[index] = 1.0
    return array


def reads(spec: ConvSpec, kernel: np.ndarray) -> np.ndarray:
    """(outputs, inputs) bool, row-major: output o reads input i through ``kernel``'s nonzero
    taps (by the NumPy reference on one-hot inputs)."""
    inputs = list(np.ndindex(spec.input_size))
    columns = [reference_output(spec, one_hot(spec.input_size, i), kernel) for i in inputs]
    return np.stack([column.ravel() != 0 for column in columns], axis=1)


def drawn(index: tuple[int, ...]) -> tuple[int, int]:
    """A cell of a 1-D or 2-D spec as the plane's (row, column): 1-D specs are one row."""
    return (0, *index) if len(index) == 1 else (index[0], index[1])


def most_common(image: Image.Image, x: int, y: int) -> tuple:
    """The colour of most pixels in the 5x5 square around (x, y): a line across is outvoted."""
    colours = image.crop((x - 2, y - 2, x + 3, y + 3)).getcolors()
    return max(colours)[1]


@settings(max_examples=40, deadline=None)
@given(spec=conv_specs(max_ndim=2, max_size=6))
def test_frame_counts_match_output_or_input_cells(spec):
    """One frame per cell of the NumPy reference's output (per input cell when scattering)."""
    output = reference_output(spec, np.ones(spec.input_size), np.ones(spec.kernel))
    assert len(build_board(spec).frames) == output.size
    if spec.transposed:
        assert len(build_board(spec, Reading.SCATTER).frames) == np.ones(spec.input_size).size


@settings(max_examples=60, deadline=None)
@given(spec=conv_specs(max_ndim=2, max_size=6))
def test_plane_shapes_are_known_before_the_storyboard(spec):
    views = [View.CANVAS, View.SCATTER] if spec.transposed else [View.CANVAS]
    for view in views:
        board = build_board(spec, Reading.SCATTER if view is View.SCATTER else Reading.GATHER)
        assert plane_shapes(spec, view) == (board.lower.cells.shape, board.upper.cells.shape)


@settings(max_examples=40, deadline=None)
@given(spec=conv_specs(transposed=True, max_ndim=2, max_size=5))
def test_scatter_counts_end_equal_taps_per_output_cell(spec):
    board = build_board(spec, Reading.SCATTER)
    final = board.steps[-1].counts
    inside = board.upper.cells == Cell.OUTPUT
    expected = reference.conv_transpose(np.ones(spec.input_size), np.ones(spec.kernel), spec)
    np.testing.assert_array_equal(final[inside].reshape(expected.shape), expected)
    assert final[~inside].sum() == 0


@settings(max_examples=40, deadline=None)
@given(spec=conv_specs(max_ndim=2, max_size=5))
def test_canvas_frames_light_what_the_reference_reads(spec):
    """Frame k lights output k (row-major) and a kernel's worth of canvas cells, whose input
    cells are those output k reads; the first tap marks the input w[0, 0] weighs, if any."""
    board = build_board(spec)
    ones = np.ones(spec.kernel)
    read, first_read = reads(spec, ones), reads(spec, one_hot(spec.kernel, (0,) * spec.ndim))
    inputs = np.argwhere(board.lower.cells == Cell.INPUT)  # the input cells, row-major
    assert len(inputs) == read.shape[1]
    output_shape = reference_output(spec, np.ones(spec.input_size), ones).shape
    for k, frame in enumerate(board.steps):
        assert frame.upper.tolist() == [list(drawn(np.unravel_index(k, output_shape)))]
        assert len(frame.lower) == ones.size
        lit = {tuple(rc) for rc in frame.lower.tolist()}
        lit_inputs = {rc for rc in lit if board.lower.cells[rc] == Cell.INPUT}
        assert lit_inputs == {tuple(rc) for rc in inputs[read[k]].tolist()}
        assert frame.first_tap in lit
        weighed = inputs[first_read[k]].tolist()
        if weighed:
            assert [list(frame.first_tap)] == weighed
        else:
            assert board.lower.cells[frame.first_tap] != Cell.INPUT


@settings(max_examples=30, deadline=None)
@given(spec=conv_specs(transposed=True, max_ndim=2, max_size=5))
def test_scatter_frames_stamp_what_the_reference_reaches(spec):
    """Frame k lights input k (row-major) and, among the output cells, those it reaches."""
    board = build_board(spec, Reading.SCATTER)
    read = reads(spec, np.ones(spec.kernel))
    outputs = np.argwhere(board.upper.cells == Cell.OUTPUT)  # the output cells, row-major
    assert len(outputs) == read.shape[0]
    for k, frame in enumerate(board.steps):
        assert frame.lower.tolist() == [list(drawn(np.unravel_index(k, spec.input_size)))]
        lit = {tuple(rc) for rc in frame.upper.tolist()}
        lit_outputs = {rc for rc in lit if board.upper.cells[rc] == Cell.OUTPUT}
        assert lit_outputs == {tuple(rc) for rc in outputs[read[:, k]].tolist()}


@pytest.mark.parametrize("name", ["padding_strides", "dilation", "padding_strides_transposed"])
def test_highlight_pixels_at_projected_cell_centres(name):
    spec = GUIDE_SPECS[name]
    board = build_board(spec)
    renderer = Renderer(board, Style())
    for index in range(0, len(board.steps), max(1, len(board.steps) // 4)):
        frame = board.steps[index]
        image = renderer.render(index)
        for rc in frame.lower:
            kind = board.lower.cells[tuple(rc)]
            expected = (
                HIGHLIGHTED_INPUT
                if kind == Cell.INPUT
                else blend(LIGHT.background, LIGHT.highlight, HIGHLIGHT_OPACITY)
            )
            assert pixel(image, renderer, rc, upper=False) == expected
        assert pixel(image, renderer, frame.upper[0], upper=True) == HIGHLIGHTED_OUTPUT
        others = [rc for rc in np.ndindex(board.upper.cells.shape) if rc != tuple(frame.upper[0])]
        assert pixel(image, renderer, others[0], upper=True) == LIGHT.output


def test_unread_input_cells_are_drawn_pale():
    spec = ConvSpec(input_size=(6, 6), kernel=3, stride=2)
    board = build_board(spec)
    renderer = Renderer(board, Style())
    image = renderer.render(0)
    unread = np.argwhere(board.lower.unread)
    assert len(unread) == 11  # the last row and column of the 6x6 input
    pale = blend(LIGHT.input, LIGHT.background, UNREAD_FADE)
    assert pixel(image, renderer, unread[-1], upper=False) == pale
    assert pixel(image, renderer, (3, 3), upper=False) == LIGHT.input  # read, not highlighted


def test_cropped_canvas_cells_are_kept_and_flagged():
    spec = ConvSpec(input_size=(4, 4), kernel=3, stride=2, padding=3, transposed=True)
    board = build_board(spec)
    assert board.lower.cropped.any()
    for frame in board.steps:
        assert not board.lower.cropped[tuple(frame.lower.T)].any()


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png"])
def test_written_file_reads_back_with_duration_loop_and_size(tmp_path, suffix):
    spec = GUIDE_SPECS["no_padding_strides"]
    path = tmp_path / f"anim{suffix}"
    result = animate_to_file(spec, path, duration=700)
    with Image.open(path) as image:
        assert image.n_frames == result.frames == 4
        assert image.size == result.size
        image.seek(1)
        image.load()
        assert image.info["duration"] == 700
        assert image.info["loop"] == 0  # forever
    assert path.stat().st_size == result.bytes
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_gif_frames_decode_to_rendered_frames(tmp_path):
    spec = GUIDE_SPECS["padding_strides"]
    board = build_board(spec)
    renderer = Renderer(board, Style())
    path = tmp_path / "a.gif"
    animate_to_file(spec, path)
    with Image.open(path) as gif:
        for index in range(len(board.steps)):
            gif.seek(index)
            decoded = np.asarray(gif.convert("RGB"))
            np.testing.assert_array_equal(decoded, np.asarray(renderer.render(index)))


@pytest.mark.parametrize("view", ["canvas", "scatter", "flat"])
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_view_and_theme_lights_each_frames_cell_in_the_written_file(tmp_path, view, theme):
    """Decoded from the file: the cell each frame is about (output k, or input k in the
    scatter view, row-major) in the theme's highlight, the plane's other cells plain."""
    spec = ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
    style = Style(theme=theme, labels=theme == "dark")
    animate_to_file(spec, tmp_path / "a.gif", view=view, style=style)
    scattering = view == "scatter"
    board = build_board(spec, Reading.SCATTER if scattering else Reading.GATHER)
    layout = Layout.FLAT if view == "flat" else Layout.OBLIQUE
    shapes = board.lower.cells.shape, board.upper.cells.shape
    projection = Projection(*shapes, replace(style, layout=layout))
    palette = THEMES[theme]
    plain = palette.input if scattering else palette.output
    lit = blend(plain, palette.highlight, HIGHLIGHT_OPACITY)
    cells = (3, 3) if scattering else (5, 5)  # input 3x3; output (3 - 1) * 2 - 2 * 1 + 3 = 5
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == math.prod(cells)
        for k in range(gif.n_frames):
            gif.seek(k)
            frame = gif.convert("RGB")
            assert frame.getpixel((0, 0)) == palette.background
            for rc in np.ndindex(cells):
                x, y = projection.sheets()[not scattering].point(np.asarray(rc) + 0.5)
                expected = lit if rc == np.unravel_index(k, cells) else plain
                assert most_common(frame, int(x), int(y) - 6) == expected, (k, rc)


def test_width_sets_frame_width(tmp_path):
    result = animate_to_file(
        GUIDE_SPECS["padding_strides"], tmp_path / "a.gif", style=Style(width=300)
    )
    assert result.size[0] == 300


def test_one_dimensional_spec_draws_as_strip():
    spec = ConvSpec(input_size=8, kernel=3, stride=2)
    board = build_board(spec)
    assert board.lower.cells.shape == (1, 8)
    assert len(board.steps) == 3


def test_output_is_byte_for_byte_reproducible(tmp_path):
    spec = GUIDE_SPECS["padding_strides_odd_transposed"]
    first = animate_to_file(spec, tmp_path / "a.gif")
    second = animate_to_file(spec, tmp_path / "b.gif")
    assert first.path.read_bytes() == second.path.read_bytes()


def test_default_names_state_the_parameters():
    spec = ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, output_padding=1, transposed=True
    )
    assert default_name(spec, View.CANVAS, "light") == "convT_i3_k3_s2_p1_op1.gif"
    odd = ConvSpec(input_size=(5, 7), kernel=3, padding=((0, 1), (0, 1)))
    assert default_name(odd, "flat", "dark") == "conv_i5x7_k3_p0-1_flat_dark.gif"
    # one axis or three: said, so that a 1-D, 2-D and 3-D op of one size never share a file
    assert default_name(ConvSpec(input_size=4, kernel=3)) == "conv_1d_i4_k3.gif"
    cube = ConvSpec(input_size=(2, 2, 2), kernel=3, stride=2, transposed=True)
    assert default_name(cube, "scatter") == "convT_3d_i2_k3_s2_scatter.gif"


def test_cli_gif_prints_path_frames_size_bytes_and_arithmetic(tmp_path):
    out = tmp_path / "sub" / "x.gif"
    result = runner.invoke(app, ["gif", "--k", "3", "--s", "2", "--p", "1", "-o", str(out)])
    assert result.exit_code == 0
    assert result.output.startswith(f"{out}: 9 frames, ")
    assert f"{out.stat().st_size:,} bytes, 5x5 -> 3x3" in result.output


def test_cli_gif_default_path_under_renders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["gif", "--k", "3", "--s", "2", "--p", "1", "--op", "1", "-t"])
    assert result.exit_code == 0
    assert (tmp_path / "renders" / "convT_i3_k3_s2_p1_op1.gif").exists()
    assert "3x3 -> 6x6" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k", "0"], "error: --k (axis 0): must be positive"),
        (["--i", "4", "--k", "3", "--dims", "4"], "error: --dims: gives 4 axes, but a picture has"),
        (
            ["--op", "1,0,0,0", "-t", "--s", "2"],
            "error: --op: gives 4 axes, but a picture has 1 to 3",
        ),
        (["--pool", "max", "--weights", "1"], "error: --weights: pooling has no weights"),
        (["--no-count-include-pad"], "error: --no-count-include-pad: only average pooling"),
        (["--view", "scatter"], "error: --view: the scatter view needs a transposed spec (-t)"),
        (["--view", "side"], "error: Invalid value for '--view': 'side' is not one of"),
        (["--theme", "pink"], "error: Invalid value for '--theme': 'pink' is not one of"),
        (["--i", "60"], "raise it with --max-frames"),
        (["--width", "4000"], "raise --max-pixels"),
        (
            ["--width", "1"],
            "error: Invalid value for '--width': Input should be greater than or equal to 50",
        ),
        (["--k"], "error: Option '--k' requires an argument"),
        (["--overlap"], "error: --overlap: the overlap frame closes a scatter view (--view"),
        (["-o", "x.bmp"], "error: -o: x.bmp: the extension must be one of"),
    ],
)
def test_cli_gif_bad_input_one_line_exit_2_no_file(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["gif", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert list(tmp_path.rglob("*.*")) == []


def test_cli_gif_unwritable_destination(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner.invoke(app, ["gif", "-o", str(blocker / "a.gif")])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: -o: {blocker / 'a.gif'}: cannot")


def test_gif_path_imports_neither_manim_nor_matplotlib(tmp_path):
    code = (
        "import sys; from convanim.cli import main; sys.argv = ['convanim', 'gif', '-o', "
        f"{str(tmp_path / 'a.gif')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('manim', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "a.gif").exists()


GUIDE_FRAMES = {
    "no_padding_no_strides": 4,
    "arbitrary_padding_no_strides": 36,
    "same_padding_no_strides": 25,
    "full_padding_no_strides": 49,
    "no_padding_strides": 4,
    "padding_strides": 9,
    "padding_strides_odd": 9,
    "dilation": 9,
    "no_padding_no_strides_transposed": 16,
    "arbitrary_padding_no_strides_transposed": 25,
    "same_padding_no_strides_transposed": 25,
    "full_padding_no_strides_transposed": 25,
    "no_padding_strides_transposed": 25,
    "padding_strides_transposed": 25,
    "padding_strides_odd_transposed": 36,
    "numerical_no_padding_no_strides": 9,
    "numerical_padding_strides": 9,
    "numerical_max_pooling": 9,
    "numerical_average_pooling": 9,
}


def test_gallery_frame_counts_match_guide():
    """The frame count of each published GIF of the guide, from the storyboards alone."""
    drawn_elsewhere = {
        *CHANNEL_FRAMES,
        *NETWORK_FRAMES,
        *BACKWARD_FRAMES,
        *DECONVNET_FRAMES,
        *PADDING_MODE_FRAMES,
        *THREED_FRAMES,
    }
    assert set(GUIDE_FRAMES) == set(ALL_NAMES) - drawn_elsewhere
    specs = {**GUIDE_SPECS, **{name: spec for name, (spec, _) in NUMERICAL_SPECS.items()}}
    for name, frames in GUIDE_FRAMES.items():
        board = build_board(specs[name])
        assert len(board.frames) == frame_count(specs[name], Reading.GATHER) == frames, name


#: Frames of the "backward pass" entries, counted by hand: dx gathers one frame per cell of
#: the 5x5 input (or stamps one per cell of the 3x3 dy), dw one per weight (with two input
#: and two output channels, 2 x 2 x 3 x 3 of them), db one.
BACKWARD_FRAMES = {
    "backward_input": 5 * 5,
    "backward_input_scatter": 3 * 3,
    "backward_weight": 3 * 3,
    "backward_bias": 1,
    "backward_weight_channels": 2 * 2 * 3 * 3,
}


#: Frames of the deconvnet entries, counted by hand for the 6x6 input, 3x3 kernel and 2x2
#: pooling: the convolution's 4x4 outputs, the ReLU, the 2x2 pooled cells, each unpooled
#: again, the second ReLU, the 4x4 stamps back, the reconstruction and the closing frame;
#: the picture is one frame.
DECONVNET_FRAMES = {"deconvnet": 16 + 1 + 4 + 4 + 1 + 16 + 1 + 1, "deconvnet_picture": 1}


def test_deconvnet_gallery_frame_counts():
    from convanim.integrations.gallery import deconvnet_drawer

    for name, frames in DECONVNET_FRAMES.items():
        assert len(deconvnet_drawer(name)[0](Style()).frames) == frames, name


#: Frames of the "channels and groups" entries, counted by hand: one per output channel and
#: output cell (gather), per input channel and input cell (scatter), and for the separable
#: pair both layers and a closing frame.
CHANNEL_FRAMES = {
    "channels_cs231n": 2 * 3 * 3,
    "channels_cs231n_volume": 2 * 3 * 3,
    "channels_groups2": 4 * 4 * 4,
    "channels_depthwise": 3 * 4 * 4,
    "channels_pointwise": 2 * 4 * 4,
    "channels_separable": 3 * 4 * 4 + 2 * 4 * 4 + 1,
    "channels_grouped_transposed": 4 * 3 * 3,
    "channels_grouped_transposed_volume": 4 * 3 * 3,
}


#: Frames of the "networks" entries, counted by hand: one per layer drawn (padding and
#: pass-through layers are not), the input included.
NETWORK_FRAMES = {
    "network_vgg_block": 1 + 3,
    "network_wavenet": 1 + 4,
    "network_unet_step": 1 + 4,
    "network_resnet_stem": 1 + 2,
    "network_checkerboard": 1 + 2,
    "network_resize_convolution": 1 + 4,
}


#: Frames of the "padding modes" entries: one per cell of the 4x4 output (3x3 kernel, padding 1).
PADDING_MODE_FRAMES = {
    "padding_mode_zeros": 4 * 4,
    "padding_mode_reflect": 4 * 4,
    "padding_mode_replicate": 4 * 4,
    "padding_mode_circular": 4 * 4,
}
#: Frames of the "three dimensions" entry, counted by hand: one per cell of its 2x3x3 output.
THREED_FRAMES = {"conv3d": 2 * 3 * 3}


def test_channel_network_backward_and_padding_mode_gallery_frame_counts():
    every = {
        **CHANNEL_FRAMES,
        **NETWORK_FRAMES,
        **BACKWARD_FRAMES,
        **PADDING_MODE_FRAMES,
        **THREED_FRAMES,
    }
    for name, frames in every.items():
        request = entry(name)
        shown, options = request.shown, request.drawing_options
        assert len(drawing(shown, **options)[0].frames) == frames, name


def pinned_pillow() -> str:
    """The Pillow version the test extra pins: the one that made the committed renders."""
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    found = re.search(r'"pillow==([^"]+)"', text)
    assert found, "pyproject.toml's test extra pins no Pillow"
    return found[1]


def test_committed_gallery_is_up_to_date_and_a_stale_file_is_named(tmp_path, monkeypatch):
    """One end-to-end render of the gallery: every committed file but a spoiled one matches.

    The proof that a change keeps every output byte (as ``convanim gallery --check``).
    """
    import PIL

    if PIL.__version__ != pinned_pillow():
        pytest.fail(
            f"renders/ holds Pillow {pinned_pillow()}'s bytes (pinned in pyproject.toml's test "
            f"extra), this is Pillow {PIL.__version__}: its encoder, quantizer or font may "
            "give other bytes. Install the pin (pip install -e '.[test]'), or move the pin "
            "with a regenerated gallery (convanim gallery), after looking at what changed."
        )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    renders = Path(__file__).resolve().parent.parent / "renders"
    folder = tmp_path / "renders"
    shutil.copytree(renders, folder)
    (folder / "dilation.gif").write_bytes(b"stale")
    result = runner.invoke(app, ["gallery", "--check", "-o", str(folder)])
    assert result.exit_code == 1, result.output
    assert f"1 files in {folder} are stale or missing: dilation.gif\n" in result.output, (
        "convanim no longer renders the committed gallery byte for byte: if the pictures "
        "changed on purpose, regenerate them (convanim gallery), look at them, commit them"
    )
    assert "padding_strides_odd_transposed.gif" in (folder / "README.md").read_text()
    assert list(scratch.iterdir()) == []  # the check's own renders are gone
    with Image.open(renders / "padding_strides_odd_transposed.gif") as image:
        assert image.n_frames == GUIDE_FRAMES["padding_strides_odd_transposed"]


def test_mp4_has_one_video_frame_per_animation_frame(tmp_path):
    import av

    result = animate_to_file(GUIDE_SPECS["padding_strides"], tmp_path / "a.mp4")
    with av.open(str(result.path)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == result.frames == 9
    # H.264 needs even sizes: at most one pixel of padding per axis.
    assert frames[0].width - result.size[0] in (0, 1)
    assert frames[0].height - result.size[1] in (0, 1)


PAGE = (250, 200, 220)  # a page colour far from both themes' backgrounds


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_transparent_frames_laid_on_any_page_equal_frames_painted_on_it(tmp_path, suffix):
    """Exact alpha: anti-aliased text and all, no rim of the theme's background on another page."""
    spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    style = Style(theme="dark")
    on_page = FramePainter(draw(build_board(spec), style), background=PAGE)
    result = animate_to_file(spec, tmp_path / f"a{suffix}", style=style, transparent=True)
    with Image.open(result.path) as image:
        for index in (0, 4, 8):
            image.seek(index)
            decoded = np.asarray(image.convert("RGBA"), dtype=float)
            alpha = decoded[..., 3:] / 255
            laid = decoded[..., :3] * alpha + np.asarray(PAGE) * (1 - alpha)
            painted = np.asarray(on_page.frame(index), dtype=float)
            assert np.abs(laid - painted).max() <= 2
            assert np.count_nonzero((alpha > 0) & (alpha < 1)) > 0  # soft edges of the text


@pytest.mark.parametrize(
    ("theme", "view", "values"),
    [
        ("dark", View.CANVAS, False),
        ("light", View.CANVAS, True),  # over 255 colours: the palette is cut
        ("dark", View.SCATTER, True),  # dark digits and dots in the theme's background colour
    ],
)
def test_transparent_gif_keeps_covered_pixels_and_drops_the_background(
    tmp_path, theme, view, values
):
    """A GIF pixel is see-through or not: covered pixels stay, the background goes."""
    from convanim.story.values import ValueSource

    spec = ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
    options = {"view": view, "style": Style(theme=theme)}
    options["values"] = ValueSource() if values else None
    laid_out, _ = drawing(spec, **options)
    on_black = FramePainter(laid_out, background=(0, 0, 0))
    on_white = FramePainter(laid_out, background=(255, 255, 255))
    result = animate_to_file(spec, tmp_path / "a.gif", transparent=True, **options)
    with Image.open(result.path) as image:
        for index in (0, 4, 8):
            image.seek(index)
            decoded = np.asarray(image.convert("RGBA"))
            black = np.asarray(on_black.frame(index))
            white = np.asarray(on_white.frame(index))
            covered = np.all(black == white, axis=-1)
            empty = np.all(black == 0, axis=-1) & np.all(white == 255, axis=-1)
            assert np.all(decoded[..., 3][covered] == 255)
            if not values:  # within 255 colours the palette is exact
                np.testing.assert_array_equal(decoded[..., :3][covered], black[covered])
            assert np.all(decoded[..., 3][empty] == 0)


def test_transparent_mp4_is_refused_without_a_file(tmp_path):
    result = runner.invoke(app, ["gif", "--transparent", "-o", str(tmp_path / "a.mp4")])
    assert result.exit_code == 2
    assert result.output.startswith("error: --transparent: .mp4 has no transparency")
    assert list(tmp_path.iterdir()) == []


def test_gif_durations_are_rounded_to_hundredths_and_said(tmp_path):
    out = tmp_path / "a.gif"
    result = runner.invoke(app, ["gif", "--duration", "25", "-o", str(out)])
    assert result.exit_code == 0
    assert "(frames last 30 ms: a GIF counts hundredths of a second)" in result.output
    with Image.open(out) as image:
        image.seek(1)
        assert image.info["duration"] == 30
    exact = runner.invoke(app, ["gif", "--duration", "250", "-o", str(tmp_path / "b.gif")])
    assert "frames last" not in exact.output


def test_average_pooling_of_real_cells_is_labelled_and_named_apart(tmp_path, monkeypatch):
    from convanim.draw.frames import Label
    from convanim.geometry import Pooling

    spec = ConvSpec(input_size=(5, 5), kernel=3, padding=1)
    laid_out, _ = drawing(spec, pooling=Pooling(spec, "avg", count_include_pad=False))
    labels = [shape.text for shape in laid_out.lower if isinstance(shape, Label)]
    assert "output 5x5, avg pool of real cells" in labels
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["gif", "--pool", "avg", "--p", "1"])
    runner.invoke(app, ["gif", "--pool", "avg", "--p", "1", "--no-count-include-pad"])
    assert sorted(p.name for p in (tmp_path / "renders").iterdir()) == [
        "conv_i5_k3_p1_avgpool.gif",
        "conv_i5_k3_p1_avgpool_nopad.gif",
    ]


def test_one_dimensional_flat_strips_stack_output_above_input():
    """Side by side, a strip's joining lines would lie flat and read as an empty box."""
    spec = ConvSpec(input_size=8, kernel=3, stride=2)
    board = build_board(spec)
    flat = Projection(board.lower.cells.shape, board.upper.cells.shape, Style(layout="flat"))
    assert flat.stacked
    lower_top = flat.sheets()[0].point([0, 0])[1]
    upper_bottom = flat.sheets()[1].point([1, 0])[1]
    assert upper_bottom < lower_top  # the output strip lies above, with a gap
    square = ConvSpec(input_size=(5, 5), kernel=3)
    board = build_board(square)
    shapes = (board.lower.cells.shape, board.upper.cells.shape)
    assert not Projection(*shapes, Style(layout="flat")).stacked


def test_scatter_first_tap_dot_sits_clear_inside_its_cell():
    """The dot marking w[0, 0] on a stamp stays clear of the stamp's thick outline."""
    from convanim.draw.frames import Disc, Role

    spec = ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
    board = build_board(spec, Reading.SCATTER)
    style = Style()
    projection = Projection(board.lower.cells.shape, board.upper.cells.shape, style)
    drawing = draw(board, style)
    for index, frame in enumerate(board.steps):
        (dot,) = [s for s in drawing.frames[index].above if isinstance(s, Disc)]
        assert dot.role is Role.FIRST_TAP
        grid = np.linalg.solve(
            projection.steps.T, dot.centre + projection.origin - projection.upper_shift
        )
        within = grid - np.asarray(frame.first_tap)  # position inside the cell, 0..1 per axis
        assert np.all(within > 0.3) and np.all(within < 0.7), within


def test_labels_stay_legible_on_small_pictures():
    from convanim.draw.frames import Label, Role
    from convanim.draw.style import MIN_LABEL_PIXELS

    board = build_board(ConvSpec(input_size=(5, 5), kernel=3))
    laid_out = draw(board, Style(width=120))
    sizes = [s.size for s in laid_out.lower if isinstance(s, Label) and s.role is Role.LABEL]
    assert len(sizes) == 2
    assert min(sizes) >= MIN_LABEL_PIXELS >= 10


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("conv_i5_k3_s2_p1.gif", ["--k", "3", "--s", "2", "--p", "1"]),
        (
            "convT_i3_k3_s2_p1_scatter.gif",
            ["--k", "3", "--s", "2", "--p", "1", "-t", "--view", "scatter"],
        ),
    ],
)
def test_readme_showcase_animations_are_current(tmp_path, name, args):
    """The two animations on the README's first screen, as the README's commands make them."""
    committed = Path(__file__).resolve().parent.parent / "renders" / name
    result = runner.invoke(app, ["gif", *args, "-o", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_bytes() == committed.read_bytes()


@settings(max_examples=60, deadline=None)
@given(spec=conv_specs(transposed=True))
def test_the_input_label_says_zeros_inserted_exactly_when_a_stride_spreads_cells(spec):
    """A transposed op's canvas is labelled 'zeros inserted' when, and only when, some axis
    has a stride above 1 and more than one input cell to spread apart."""
    spread = any(s > 1 and n > 1 for s, n in zip(spec.stride, spec.input_size))
    assert ("zeros inserted" in build_board(spec).lower.label) == spread
