"""3-D pictures: depth slices stacked as planes, one frame per output cell.

Output sizes, footprints and pooled values come from the NumPy reference or from the
guide's index formula written out here (canvas cell ``o * s + j * d`` under kernel tap
``j``), never from the geometry; pixels are read off the painted frames.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from reference import conv, conv_transpose, pool

from convanim.draw.depth import depth_layout
from convanim.draw.frames import CellShape, Label, Ring, Role
from convanim.draw.style import HIGHLIGHT_OPACITY, Style, blend
from convanim.geometry import ConvSpec, Pooling, PoolMode
from convanim.pipeline import drawing
from convanim.request import Request
from convanim.story.board import Reading, View, build_board
from convanim.story.values import ValueSource

CONV = ConvSpec(
    (3, 4, 4), kernel=(2, 3, 2), stride=(1, 2, 1), padding=(1, 1, 0), dilation=(1, 1, 2)
)
TRANSPOSED = ConvSpec((2, 2, 3), kernel=3, stride=2, padding=1, transposed=True)
POOLED = ConvSpec((4, 4, 4), kernel=2, stride=2)


def _reference_output(spec: ConvSpec, pooling: str | None = None) -> tuple[int, ...]:
    x, w = np.zeros(spec.input_size), np.zeros(spec.kernel)
    if pooling is not None:
        return pool(x, spec, pooling).shape
    return (conv_transpose if spec.transposed else conv)(x, w, spec).shape


@pytest.mark.parametrize(
    ("spec", "pooling"),
    [(CONV, None), (TRANSPOSED, None), (POOLED, "max"), (POOLED, "avg")],
    ids=["conv", "transposed", "max-pool", "avg-pool"],
)
def test_a_3d_gif_has_one_frame_per_output_cell(tmp_path, spec, pooling):
    from PIL import Image

    animation = Request.of(spec, pooling=pooling).write(tmp_path / "a.gif")
    expected = math.prod(_reference_output(spec, pooling))
    assert animation.frames == expected
    with Image.open(animation.path) as image:
        assert image.n_frames == expected


def test_a_3d_scatter_gif_has_one_frame_per_input_cell(tmp_path):
    animation = Request.of(TRANSPOSED, view="scatter").write(tmp_path / "a.gif")
    assert animation.frames == math.prod(TRANSPOSED.input_size)


def test_a_3d_scatter_names_each_output_slice_and_the_cropped_ones_around_it():
    """Padding 1 crops one stamp slice on each side of the 3 output depths."""
    upper = build_board(TRANSPOSED, Reading.SCATTER).upper
    assert upper.depths == ("cropped", "d0", "d1", "d2", "cropped")


def test_the_3d_overlap_frame_prints_the_stamps_each_output_cell_receives():
    """The closing frame's count in every output cell, read back from where it is drawn, is
    the reference transposed convolution of ones by ones."""
    laid_out, style = drawing(TRANSPOSED, view=View.SCATTER, overlap=True)
    expected = conv_transpose(
        np.ones(TRANSPOSED.input_size), np.ones(TRANSPOSED.kernel), TRANSPOSED
    )
    before = np.array([pair[0] for pair in TRANSPOSED.padding])  # stamps start -p before 0
    grid = tuple(n + 2 * p for n, p in zip(expected.shape, before))  # p cropped on each side
    layout = depth_layout(TRANSPOSED.input_size, grid, style)
    printed = {}
    for label in laid_out.frames[-1].below:
        if isinstance(label, Label) and label.role is Role.VALUE:
            (d,) = [d for d, sheet in enumerate(layout.upper) if _inside(sheet, label.centre)]
            r, c = _cell_of(layout.upper[d], label.centre)
            printed[tuple(np.array([d, r, c]) - before)] = float(label.text)
    assert printed == {cell: expected[cell] for cell in np.ndindex(expected.shape)}
    assert len(set(printed.values())) == 4  # 1, 2, 4 and 8 stamps: the 3-D checkerboard


@pytest.mark.parametrize("width", [300, 417, 1001])
def test_a_3d_picture_is_as_wide_as_asked(width):
    for view in (View.CANVAS, View.FLAT):
        laid_out, _ = drawing(CONV, view=view, style=Style(width=width))
        assert laid_out.size[0] == width
        right = max(p.corners[:, 0].max() for p in laid_out.lower if isinstance(p, CellShape))
        assert right < width


def _footprint(spec: ConvSpec, output: tuple[int, ...]) -> set[tuple[int, ...]]:
    """The canvas cells (padded input) under the kernel for one output cell of a convolution."""
    per_axis = [
        [o * s + j * d for j in range(k)]
        for o, s, d, k in zip(output, spec.stride, spec.dilation, spec.kernel)
    ]
    return {(a, b, c) for a in per_axis[0] for b in per_axis[1] for c in per_axis[2]}


def _shows(image: np.ndarray, sheet, r: int, c: int, colour) -> bool:
    """Whether the middle of cell (r, c) of ``sheet`` shows ``colour`` (a join line or the
    first tap's dot may cross one pixel of it)."""
    x, y = np.rint(sheet.point([r + 0.5, c + 0.5])).astype(int)
    patch = image[y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 3)
    return bool((patch == np.array(colour)).all(axis=1).any())


@pytest.mark.parametrize("view", [View.CANVAS, View.FLAT])
def test_a_frame_lights_the_footprint_in_every_slice_it_spans_and_nothing_else(view):
    from convanim.render.raster.painter import FramePainter

    laid_out, style = drawing(CONV, view=view)
    padded = tuple(n + sum(pair) for n, pair in zip(CONV.input_size, CONV.padding))
    outputs = _reference_output(CONV)
    layout = depth_layout(padded, outputs, style)
    assert len(layout.lower) == padded[0] and len(layout.upper) == outputs[0]
    palette = style.palette
    painted = FramePainter(laid_out)
    before = np.array([pair[0] for pair in CONV.padding])
    for index in (0, 5, len(painted) - 1):
        image = np.asarray(painted[index])
        output = tuple(int(v) for v in np.unravel_index(index, outputs))
        footprint = _footprint(CONV, output)
        assert len({cell[0] for cell in footprint}) == 2  # the box spans two depth slices
        for d, sheet in enumerate(layout.lower):
            for r, c in np.ndindex(sheet.shape):
                real = (
                    (np.array([d, r, c]) - before >= 0)
                    & (np.array([d, r, c]) - before < CONV.input_size)
                ).all()
                under = palette.input if real else palette.background
                lit = blend(under, palette.highlight, HIGHLIGHT_OPACITY)
                assert _shows(image, sheet, r, c, lit) == ((d, r, c) in footprint), (index, d, r, c)
        lit_output = blend(palette.output, palette.highlight, HIGHLIGHT_OPACITY)
        for d, sheet in enumerate(layout.upper):
            for r, c in np.ndindex(sheet.shape):
                assert _shows(image, sheet, r, c, lit_output) == ((d, r, c) == output)


def _cell_of(sheet, point: np.ndarray) -> tuple[int, int]:
    rc = np.linalg.solve(sheet.steps.T, point - sheet.origin)
    return int(np.floor(rc[0])), int(np.floor(rc[1]))


def test_max_pooling_rings_the_window_maximum_in_its_slice():
    pooling = Pooling(ConvSpec((4, 4, 4), kernel=3, stride=1, padding=1), PoolMode.MAX)
    laid_out, style = drawing(pooling.spec, pooling=pooling)
    padded, outputs = (6, 6, 6), _reference_output(pooling.spec, "max")
    layout = depth_layout(padded, outputs, style)
    x = ValueSource().pooled(pooling.spec)
    pooled = pool(x, pooling.spec, "max")
    for index, output in enumerate(np.ndindex(outputs)):
        rings = [p for p in laid_out.frames[index].below if isinstance(p, Ring)]
        assert len(rings) == 1
        (d,) = [d for d, sheet in enumerate(layout.lower) if _inside(sheet, rings[0].centre)]
        r, c = _cell_of(layout.lower[d], rings[0].centre)
        assert x[d - 1, r - 1, c - 1] == pooled[output]


def _inside(sheet, point: np.ndarray) -> bool:
    box = sheet.box()
    return bool((point >= box[0]).all() and (point <= box[1]).all())


def _convanim(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "convanim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("mode", ["zeros", "reflect"])
def test_a_conv3d_layer_draws_and_its_numbers_are_pytorchs(tmp_path, mode):
    layer = f"nn.Conv3d(1, 1, (2, 3, 3), padding=(0, 1, 1), padding_mode='{mode}')"
    done = _convanim("gif", "--layer", layer, "--i", "3,4,4", "-o", "a.gif", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "32 frames" in done.stdout and "3x4x4 -> 2x4x4" in done.stdout
    args = ("gif", "--layer", layer, "--i", "3,4,4", "--values", "--json", "-o", "b.gif")
    done = _convanim(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout[done.stdout.index("{") :])
    x, w, b = (np.array(record[key]) for key in ("x", "w", "b"))
    spec = ConvSpec((3, 4, 4), (2, 3, 3), padding=(0, 1, 1), padding_mode=mode)
    expected = conv(x[0], w[0, 0], spec) + b[0]
    np.testing.assert_array_equal(np.array(record["y"])[0], expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--i", "40", "--k", "1", "--dims", "3"], "--i: 64000 frames exceed the budget of 2500"),
        (["--i", "12", "--k", "3", "--dims", "3"], "exceed the budget of 4000000 pixels"),
        (["--i", "100000,1,1", "--k", "99999,1,1"], "--i: 100,002 cells of at least 8x8 px"),
        (["--k", "3", "--dims", "3", "--view", "stack"], "--view: a 3-D layer is drawn with one"),
        (["--k", "3", "--dims", "3", "--view", "scatter"], "--view: the scatter view needs a"),
        (["--k", "3", "--dims", "3", "--cin", "2"], "--cin: a 3-D layer is drawn with one input"),
        (["--k", "3", "--dims", "3", "--view", "volume"], "--view: a 3-D layer is drawn with one"),
        (["--layer", "nn.Conv3d(1, 1, 3)", "--grad", "input"], "--grad: draws the backward pass"),
        (["--i", "5", "--k", "3", "--dims", "3", "--width", "60"], "--width: 2.45 px per cell"),
        (["--k", "3", "--dims", "4"], "--dims: gives 4 axes, but a picture has 1 to 3"),
    ],
)
def test_what_a_3d_picture_cannot_draw_is_one_error_line(tmp_path, args, message):
    done = _convanim("gif", *args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert done.stdout == "" and not any(tmp_path.iterdir())
