"""Overlap maps, the matrix picture, snippets for docs, and inline notebook animations."""

from __future__ import annotations

import base64
import io
import math

import numpy as np
import pytest
import reference
from conftest import conv_specs
from hypothesis import given, settings
from PIL import Image
from typer.testing import CliRunner

import convanim
from convanim.cli import app
from convanim.draw.style import KERNEL_COLOURS
from convanim.geometry import ConvSpec, kernel_index_matrix, overlap_counts
from convanim.pipeline import render_animation
from convanim.render.figures.figures import _matrix, _png
from convanim.story.board import Cell, Reading, View, build_board, with_overlap_step
from convanim.story.values import with_overlap
from convanim.text import overlap_verdict

runner = CliRunner()


@settings(max_examples=60, deadline=None)
@given(spec=conv_specs(transposed=True, max_ndim=2, max_size=5))
def test_overlap_counts_are_the_reference_transposed_conv_of_ones(spec):
    ones = reference.conv_transpose(np.ones(spec.input_size), np.ones(spec.kernel), spec)
    np.testing.assert_array_equal(overlap_counts(spec), ones)


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5, 6])
def test_overlap_is_uniform_exactly_when_stride_divides_kernel(kernel, stride):
    spec = ConvSpec(input_size=(12,), kernel=kernel, stride=stride, transposed=True)
    uniform = kernel % stride == 0
    assert overlap_verdict(spec).startswith("uniform" if uniform else "uneven")
    interior = overlap_counts(spec)[kernel:-kernel]  # away from both borders
    assert (len(set(interior.tolist())) == 1) == uniform


def test_overlap_cli_compare_prints_a_verdict_per_kernel(tmp_path):
    out = tmp_path / "o.png"
    result = runner.invoke(app, ["overlap", "--k", "3", "--s", "2", "--compare", "-o", str(out)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("k 2,2: uniform: every interior cell gets 1 tap")
    assert lines[1].startswith("k 3,3: uneven: interior cells get 1..4 taps")
    assert lines[2].startswith("k 4,4: uniform: every interior cell gets 4 taps")
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size[1] > 3 * 300  # three rows


def test_overlap_compare_keeps_the_other_axes_of_a_non_square_kernel(tmp_path):
    out = tmp_path / "o.png"
    result = runner.invoke(app, ["overlap", "--k", "3,2", "--s", "2", "--compare", "-o", str(out)])
    assert result.exit_code == 0, result.output
    kernels = [line.split(":")[0] for line in result.output.splitlines()[:3]]
    assert kernels == ["k 3,2", "k 3,3", "k 3,4"]


def test_matrix_picture_colours_cells_by_kernel_position(tmp_path):
    spec = ConvSpec(input_size=(4, 4), kernel=3)
    figure = _matrix(spec)
    axes = figure.axes[0]
    image = np.asarray(Image.open(io.BytesIO(_png(figure))).convert("RGB"))
    index = kernel_index_matrix(spec)
    # Sample each cell's centre through the axes' own data-to-pixel transform.
    height = image.shape[0]
    for (r, c), k in np.ndenumerate(index):
        x, y = axes.transData.transform((c, r + 0.3))  # below the printed weight name
        pixel = tuple(int(v) for v in image[round(height - y), round(x)])
        expected = KERNEL_COLOURS[k % len(KERNEL_COLOURS)] if k >= 0 else (255, 255, 255)
        assert np.abs(np.subtract(pixel, expected)).max() <= 3, (r, c, pixel, expected)


def test_matrix_cli_png_gif_and_limit(tmp_path):
    png = tmp_path / "m.png"
    assert runner.invoke(app, ["matrix", "--i", "4", "--k", "3", "-o", str(png)]).exit_code == 0
    gif = tmp_path / "m.gif"
    result = runner.invoke(app, ["matrix", "--i", "3", "--k", "2", "--animate", "-o", str(gif)])
    assert result.exit_code == 0
    with Image.open(gif) as image:
        assert image.n_frames == 4  # one per output cell, like the conv GIF
    big = runner.invoke(app, ["matrix", "--i", "12", "--k", "3", "-o", str(tmp_path / "b.png")])
    assert big.exit_code == 2
    assert "at most 64 rows and columns" in big.output
    assert not (tmp_path / "b.png").exists()


def test_markdown_and_html_snippets_state_path_and_parameters(tmp_path):
    out = tmp_path / "a.gif"
    args = ["gif", "--k", "3", "--s", "2", "--p", "1", "-o", str(out), "--markdown", "--html"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    alt = "Convolution of a 5x5 input with kernel 3x3, stride 2, padding 1, giving a 3x3 output"
    lines = result.output.splitlines()
    assert lines[1] == f"![{alt}]({out.as_posix()})"
    assert lines[2].startswith(f'<img src="{out.as_posix()}" alt="{alt}" width=')


def test_animate_displays_svg_inline_by_default(tmp_path):
    spec = ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
    inline = convanim.animate(spec, view="scatter", values=True, theme="auto")
    bundle = inline._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert svg.startswith("<svg") and "prefers-color-scheme:dark" in svg
    assert svg.encode() == inline.data == inline.save(tmp_path / "nb.svg").read_bytes()
    encoded = bundle["text/html"].split("base64,")[1].split('"')[0]
    assert base64.b64decode(encoded) == inline.data  # an <img>: styles kept apart from the page
    assert "9 frames" in bundle["text/plain"] and "SVG" in bundle["text/plain"]
    with pytest.raises(convanim.ConvanimError, match="theme: auto"):
        convanim.animate(spec, theme="auto", format="gif")
    with pytest.raises(convanim.ConvanimError, match="format: must be one of svg, gif"):
        convanim.animate(spec, format="png")


def test_animate_displays_inline_and_saves(tmp_path):
    spec = ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
    inline = convanim.animate(spec, view="scatter", values=True, format="gif")
    assert base64.b64decode(inline._repr_mimebundle_()["image/gif"]) == inline.data
    html = inline._repr_html_()
    assert html.startswith('<img src="data:image/gif;base64,')
    encoded = html.split("base64,")[1].split('"')[0]
    assert base64.b64decode(encoded) == inline.data
    path = inline.save(tmp_path / "nb.gif")
    with Image.open(path) as image:
        assert image.n_frames == math.prod(spec.input_size)
    assert "Transposed convolution of a 3x3 input" in inline.alt


def test_scatter_gif_closes_with_the_overlap_counts(tmp_path):
    spec = ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
    frames, _ = render_animation(spec, view=View.SCATTER, overlap=True)
    assert len(frames) == math.prod(spec.input_size) + 1
    board = build_board(spec, Reading.SCATTER)
    summary = with_overlap_step(board).closing[0]
    printed = with_overlap(None, board, summary.counts).frames[-1].outputs[0]
    real = board.upper.cells == Cell.OUTPUT
    ones = reference.conv_transpose(np.ones(spec.input_size), np.ones(spec.kernel), spec)
    np.testing.assert_array_equal(printed[real].reshape(spec.output_size), ones)
    assert np.isnan(printed[~real]).all()
    result = runner.invoke(app, ["gif", "--k", "3", "--overlap", "-o", str(tmp_path / "a.gif")])
    assert result.exit_code == 2
    assert result.output.startswith("error: --overlap: the overlap frame closes a scatter view")


def test_animate_takes_the_cli_options_saves_any_format_and_refuses_bad_values(tmp_path):
    from convanim.errors import ConvanimError

    spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    plain = convanim.animate(spec)
    numbers = convanim.animate(spec, values=True, theme="dark", duration=250)
    assert numbers.width > plain.width  # cells large enough to read the numbers
    assert len(repr(numbers)) < 200 and "9 frames" in repr(numbers)
    webp, mp4 = numbers.save(tmp_path / "a.webp"), numbers.save(tmp_path / "a.mp4")
    assert webp.read_bytes()[:4] == b"RIFF" and webp.read_bytes()[8:12] == b"WEBP"
    assert mp4.read_bytes()[4:8] == b"ftyp"
    with Image.open(webp) as image:
        assert image.n_frames == 9
        image.seek(1)
        image.load()
        assert image.info["duration"] == 250
    odd = [{"theme": "pink"}, {"view": "side"}, {"width": -3}, {"duration": 0}]
    odd += [{"width": "300"}, {"max_frames": "9"}, {"pooling": "mean"}, {"pooling": 3}]
    odd += [{"values": "no"}, {"reading": "sideways"}, {"count_include_pad": 0}]
    odd += [{"seed": True}, {"transparent": "no"}]
    for bad in odd:
        with pytest.raises(ConvanimError):
            convanim.animate(spec, **bad)
    with pytest.raises(ConvanimError):
        convanim.animate((5, 5))
    with pytest.raises(ConvanimError):
        plain.save(None)
    with pytest.raises(ConvanimError):
        plain.save(tmp_path / "a.bmp")


def test_animate_takes_given_values_and_refuses_them_as_the_command_line_does():
    from convanim.errors import ConvanimError

    layer = ConvSpec(
        input_size=(5, 5), kernel=3, stride=2, padding=1, in_channels=3, out_channels=2, bias=True
    )
    given = convanim.animate(layer, view="stack", bias_values=[10, -20])  # values implied
    seeded = convanim.animate(layer, view="stack", values=True)
    assert given.data != seeded.data  # the given biases replace the seeded ones
    assert "- 20</text>" in given.data.decode()  # the second filter's, as its frames add it
    refused = {
        "bias_values": [[1], "ab", [float("nan"), 1.0]],
        "weights": [np.ones(3)],
        "input_values": [[[1, 2]]],
    }
    for argument, cases in refused.items():
        for bad in cases:
            with pytest.raises(ConvanimError, match=f"^{argument}: "):
                convanim.animate(layer, view="stack", **{argument: bad})
    with pytest.raises(ConvanimError, match=r"^bias_values: the layer has no bias"):
        convanim.animate(ConvSpec(input_size=5, kernel=3), bias_values=[1.0])


def test_figures_print_nothing_but_their_line_without_a_writable_home(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "afile").write_text("")  # a home under a file can never be created
    environment = {**os.environ, "HOME": str(tmp_path / "afile" / "home")}
    environment.pop("MPLCONFIGDIR", None)
    environment.pop("XDG_CONFIG_HOME", None)
    environment.pop("XDG_CACHE_HOME", None)
    done = subprocess.run(
        [sys.executable, "-m", "convanim", "matrix", "-o", str(tmp_path / "m.png")],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert done.returncode == 0
    assert done.stderr == ""


def test_animate_takes_every_view_reading_pooling_and_preset_of_the_command_line(tmp_path):
    """The notebook and the command line build one request: the same bytes for the same asks."""
    import subprocess
    import sys

    from convanim.story.presets import Separable

    layer = ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True, in_channels=2,
        out_channels=2, groups=2,
    )  # fmt: skip
    asks = [
        (layer, {"view": "volume", "reading": "scatter"}, ["--i", "3", "--k", "3", "--s", "2",
            "--p", "1", "-t", "--cin", "2", "--cout", "2", "--groups", "2", "--view", "volume",
            "--reading", "scatter"]),
        (ConvSpec(input_size=(6, 6), kernel=3, stride=2), {"pooling": "avg", "ceil_mode": True,
            "count_include_pad": False}, ["--i", "6", "--k", "3", "--s", "2", "--pool", "avg",
            "--ceil-mode", "--no-count-include-pad"]),
        (Separable.of(ConvSpec(input_size=(5, 5), kernel=3, in_channels=2), 3), {"values": True},
            ["--preset", "separable", "--cin", "2", "--cout", "3", "--values"]),
    ]  # fmt: skip
    for index, (shown, keywords, flags) in enumerate(asks):
        path = tmp_path / f"{index}.gif"
        command = [sys.executable, "-m", "convanim", "gif", *flags, "-o", str(path)]
        subprocess.run(command, check=True, capture_output=True)
        assert convanim.animate(shown, format="gif", **keywords).data == path.read_bytes()
