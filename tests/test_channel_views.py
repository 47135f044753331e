"""The stack and volume views of a layer with channels, read back as a reader reads them.

Every number a stack frame prints is checked against the independent grouped
reference (``tests/reference.py``): each channel's partial sum is the reference
convolution of that channel alone, the total is the reference output with its bias,
and the values and weights printed on the footprint multiply and add up to the
partial sum printed beside them. The volume view is checked by its pixels: at the
projected centre of every input cell, only the footprint of the frame's group is lit.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import channel_specs
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import conv_grouped, conv_transpose_grouped

from convanim.draw.channels import channel_layout, group_palette
from convanim.draw.frames import CellShape, Label, Role, text_box
from convanim.draw.style import HIGHLIGHT_OPACITY, Style, blend
from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, scatter
from convanim.pipeline import drawing
from convanim.story.board import Reading, View, build_board
from convanim.story.presets import Preset, Separable, preset_channels
from convanim.story.values import ValueSource

CS231N = ConvSpec(
    input_size=(5, 5), kernel=3, stride=2, padding=1, in_channels=3, out_channels=2, bias=True
)


def _number(text: str) -> float:
    """A printed term: ``7``, ``+ 4``, ``- 2`` or ``= 9``."""
    if text.startswith("- "):
        return -float(text[2:])
    if text.startswith(("+ ", "= ")):
        return float(text[2:])
    return float(text)


def _inside(corners: np.ndarray, point: np.ndarray) -> bool:
    low, high = corners.min(axis=0), corners.max(axis=0)
    return bool((point > low).all() and (point < high).all())


def _sheet_of(sheets, point: np.ndarray) -> int | None:
    for channel, sheet in enumerate(sheets):
        box = sheet.box()
        if (point >= box[0]).all() and (point <= box[1]).all():
            return channel
    return None


def _row_of(sheets, point: np.ndarray) -> int | None:
    """The plane beside which a point lies (its vertical band)."""
    for channel, sheet in enumerate(sheets):
        box = sheet.box()
        if box[0, 1] <= point[1] <= box[1, 1]:
            return channel
    return None


def _cell_of(sheet, point: np.ndarray) -> tuple[int, int]:
    rc = np.linalg.solve(sheet.steps.T, point - sheet.origin)
    return int(np.floor(rc[0])), int(np.floor(rc[1]))


def _masked(x: np.ndarray, channel: int) -> np.ndarray:
    only = np.zeros_like(x)
    only[channel] = x[channel]
    return only


def _drawn_stack(spec: ConvSpec, reading: Reading, seed: int):
    source = ValueSource(seed=seed)
    laid_out, style = drawing(
        spec, view=View.STACK, values=source, reading=reading, max_pixels=10**8, max_frames=10**5
    )
    layout = channel_layout(spec, View.STACK, reading, style, True)
    return laid_out, layout, source.channel_arrays(spec)


@settings(max_examples=25, deadline=None)
@given(spec=channel_specs(transposed=None, max_size=4), seed=st.integers(0, 2**16))
def test_every_number_of_a_gather_stack_frame_recomputes_its_output(spec, seed):
    laid_out, layout, (x, w, b) = _drawn_stack(spec, Reading.GATHER, seed)
    bias = b if spec.bias else None
    reference = conv_transpose_grouped if spec.transposed else conv_grouped
    y = reference(x, w, spec, bias).reshape(spec.out_channels, -1)
    per_channel = [
        reference(_masked(x, i), w, spec).reshape(spec.out_channels, -1)
        for i in range(spec.in_channels)
    ]
    cells = math.prod(spec.output_size)
    assert len(laid_out.frames) == spec.out_channels * cells
    static_values = [s for s in laid_out.lower if isinstance(s, Label) and s.role is Role.VALUE]
    for index, frame in enumerate(laid_out.frames):
        o, p = divmod(index, cells)
        labels = [s for s in frame.below if isinstance(s, Label)]
        partials = sorted((s for s in labels if s.role is Role.PARTIAL), key=lambda s: s.centre[1])
        lit = [_row_of(layout.inputs, s.centre) for s in partials]
        group = o // (spec.out_channels // spec.groups)
        per_group = spec.in_channels // spec.groups
        assert lit == list(range(group * per_group, (group + 1) * per_group))
        for label, channel in zip(partials, lit):
            assert _number(label.text) == pytest.approx(per_channel[channel][o, p])
        total = [s for s in labels if s.role is Role.TOTAL]
        assert len(total) == 1 and _number(total[0].text) == pytest.approx(y[o, p])
        terms = [_number(s.text) for s in partials]
        if spec.bias:
            (printed_bias,) = [s for s in labels if s.role is Role.BIAS]
            assert _number(printed_bias.text) == b[o]
            terms.append(b[o])
        assert sum(terms) == pytest.approx(y[o, p])
        # On each lit input plane: the printed values times the printed weights of the
        # footprint add up to the partial sum printed beside it.
        highlights = [
            s for s in frame.below if isinstance(s, CellShape) and s.role is Role.HIGHLIGHT
        ]
        weights = [s for s in labels if s.role is Role.WEIGHT]
        values = [s for s in labels if s.role is Role.VALUE] + static_values
        for label, channel in zip(partials, lit):
            products = 0.0
            for cell in highlights:
                if _sheet_of(layout.inputs, cell.corners.mean(axis=0)) != channel:
                    continue
                here = [v for v in values if _inside(cell.corners, v.centre)]
                tap = [v for v in weights if _inside(cell.corners, v.centre)]
                if here and tap:  # padding prints no value: it adds 0
                    products += float(here[0].text) * float(tap[0].text)
            assert products == pytest.approx(_number(label.text))
        # The output cell shows the total once reached.
        (shown,) = [
            s
            for s in labels
            if s.role is Role.VALUE
            and _sheet_of(layout.outputs, s.centre) == o
            and _cell_of(layout.outputs[o], s.centre)
            == tuple(np.unravel_index(p, layout.outputs[o].shape))
        ]
        assert float(shown.text) == pytest.approx(y[o, p])


@settings(max_examples=15, deadline=None)
@given(spec=channel_specs(transposed=True, max_ndim=2, max_size=3), seed=st.integers(0, 2**16))
def test_scatter_stack_outputs_are_the_stamps_so_far_plus_the_bias(spec, seed):
    if spec.ndim != 2:
        spec = spec.with_leading_axes(2)
    laid_out, layout, (x, w, b) = _drawn_stack(spec, Reading.SCATTER, seed)
    cells = math.prod(spec.input_size)
    assert len(laid_out.frames) == spec.in_channels * cells
    origin = np.array(scatter(spec.spatial).grid_origin)
    for index, frame in enumerate(laid_out.frames):
        channel, q = divmod(index, cells)
        stamped = np.zeros_like(x)
        stamped[:channel] = x[:channel]
        stamped[channel].reshape(-1)[: q + 1] = x[channel].reshape(-1)[: q + 1]
        expected = conv_transpose_grouped(stamped, w, spec, b if spec.bias else None)
        for label in frame.below:
            if not isinstance(label, Label) or label.role is not Role.VALUE:
                continue
            o = _sheet_of(layout.outputs, label.centre)
            if o is None:
                continue
            r, c = np.array(_cell_of(layout.outputs[o], label.centre)) - origin
            if 0 <= r < spec.output_size[0] and 0 <= c < spec.output_size[1]:
                assert float(label.text) == pytest.approx(expected[o, r, c], abs=0.006)


@pytest.mark.parametrize("transposed", [False, True])
def test_volume_view_lights_only_the_footprint_of_the_frames_group(transposed):
    from convanim.render.raster.painter import FramePainter

    spec = ConvSpec(
        input_size=(4, 4),
        kernel=3,
        stride=2 if transposed else 1,
        padding=1,
        in_channels=4,
        out_channels=6,
        groups=2,
        transposed=transposed,
    )
    style = Style()
    laid_out, _ = drawing(spec, view=View.VOLUME, style=style)
    layout = channel_layout(spec, View.VOLUME, Reading.GATHER, style, False)
    board = build_board(spec)
    frames = FramePainter(laid_out)
    per_group_in, per_group_out = 2, 3
    cells = math.prod(spec.output_size)
    palette = style.palette
    for index in (0, cells + 1, 3 * cells + 2, 5 * cells + cells - 1):
        image = np.asarray(frames[index])
        o = index // cells
        group = o // per_group_out
        footprint = {tuple(rc) for rc in board.steps[index % cells].lower}
        for channel, sheet in enumerate(layout.inputs):
            hue = group_palette(palette, channel // per_group_in, spec.groups)
            for r, c in np.ndindex(sheet.shape):
                x, y = np.rint(sheet.point([r + 0.5, c + 0.5])).astype(int)
                patch = image[y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 3)
                kind = board.lower.cells[r, c]
                under = hue.input if kind == 1 else palette.background
                lit = np.array(blend(under, palette.highlight, HIGHLIGHT_OPACITY))
                shows_lit = bool((patch == lit).all(axis=1).any())
                expected = channel // per_group_in == group and (r, c) in footprint
                assert shows_lit == expected, (index, channel, r, c)


def test_frame_counts_of_the_channel_views_and_the_separable_pair():
    assert len(drawing(CS231N, view=View.STACK)[0].frames) == 2 * 9
    transposed = ConvSpec(
        input_size=(3, 3),
        kernel=3,
        stride=2,
        in_channels=4,
        out_channels=2,
        groups=2,
        transposed=True,
    )
    assert len(drawing(transposed, view=View.VOLUME, reading="scatter")[0].frames) == 4 * 9
    assert len(drawing(transposed, view=View.STACK)[0].frames) == 2 * 7 * 7
    pair = Separable.of(ConvSpec(input_size=(4, 4), kernel=3, padding=1, in_channels=3), 5)
    assert len(drawing(pair, view=View.STACK)[0].frames) == 3 * 16 + 5 * 16 + 1


def test_given_biases_are_printed_and_added_in_the_stack_view():
    given = np.array([10.0, -20.0])
    source = ValueSource(bias=given)
    laid_out, _ = drawing(CS231N, view=View.STACK, values=source)
    x, w, b = source.channel_arrays(CS231N)
    np.testing.assert_array_equal(b, given)
    y = conv_grouped(x, w, CS231N, given).reshape(2, -1)
    for index, frame in enumerate(laid_out.frames):
        o, p = divmod(index, 9)
        labels = [s for s in frame.below if isinstance(s, Label)]
        (bias,) = [s for s in labels if s.role is Role.BIAS]
        (total,) = [s for s in labels if s.role is Role.TOTAL]
        assert _number(bias.text) == given[o]
        assert _number(total.text) == pytest.approx(y[o, p])


def test_gif_with_a_bias_draws_it_in_the_stack_view(tmp_path):
    """The real program: --bias chooses the view that draws the bias (the one-slice views
    draw none), and adds the given bias to every printed total."""
    done = subprocess.run(
        [sys.executable, "-m", "convanim", "gif", "--bias", "--bias-values", "0.5", "-o", "a.svg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", (tmp_path / "a.svg").read_text())
    assert "+ 0.5" in texts
    totals = [text for text in texts if text.startswith("= ")]
    assert totals and all(text.endswith(".5") for text in totals)  # integers + 0.5


@pytest.mark.parametrize(
    ("depthwise", "out", "first", "second"),
    [
        (
            ConvSpec(input_size=(4, 4), kernel=3, padding=1, in_channels=3),
            5,
            "1 of 2, depthwise: each of the 3 channels has its own 3x3 filter (groups 3)",
            "2 of 2, pointwise: 5 filters of 3x1x1 mix the 3 channels",
        ),
        (  # a picture narrower than its captions
            ConvSpec(input_size=1, kernel=1, in_channels=2),
            2,
            "1 of 2, depthwise: each of the 2 channels has its own 1-wide filter (groups 2)",
            "2 of 2, pointwise: 2 filters of 2x1 mix the 2 channels",
        ),
    ],
)
def test_separable_stages_are_captioned_below_what_they_show(depthwise, out, first, second):
    pair = Separable.of(depthwise, out)
    laid_out, _ = drawing(pair, view=View.STACK)
    width, height = laid_out.size
    cells = math.prod(pair.depthwise.output_size)
    stages = [first] * (pair.depthwise.out_channels * cells) + [second] * (out * cells) + [None]
    assert len(laid_out.frames) == len(stages)  # the closing frame has no caption
    for index, expected in enumerate(stages):
        frame = laid_out.frames[index]
        shown = [*frame.below, *frame.above]
        captions = [p for p in shown if isinstance(p, Label) and p.text[:6] in ("1 of 2", "2 of 2")]
        assert [label.text for label in captions] == ([expected] if expected else [])
        if expected:
            lowest = max(p.corners[:, 1].max() for p in shown if isinstance(p, CellShape))
            assert captions[0].centre[1] - captions[0].size > lowest
        for label in (p for p in shown if isinstance(p, Label)):  # every text inside
            x0, y0, x1, y1 = text_box(label)
            assert min(x0, y0) >= 0 and x1 <= width and y1 <= height, label.text


@pytest.mark.parametrize(("cin", "cout", "k"), [(3, 2, 3), (8, 16, 3), (32, 64, 5)])
def test_separable_counts_against_the_standard_convolution(cin, cout, k):
    pair = Separable.of(
        ConvSpec(input_size=(9, 9), kernel=k, padding=k // 2, in_channels=cin), cout
    )
    assert pair.depthwise.weight_shape == (cin, 1, k, k)
    assert pair.pointwise.weight_shape == (cout, cin, 1, 1)
    assert pair.parameter_count == cin * k * k + cout * cin
    assert pair.standard.parameter_count == cout * cin * k * k
    assert pair.dense_multiply_accumulates == 81 * (cin * k * k + cout * cin)
    assert pair.standard.dense_multiply_accumulates == 81 * cout * cin * k * k


def test_presets_are_the_flags_they_stand_for():
    assert preset_channels(Preset.DEPTHWISE, None, None, False) == {
        "in_channels": 3,
        "out_channels": 3,
        "groups": 3,
    }
    assert preset_channels(Preset.POINTWISE, 4, 8, False)["kernel"] == 1
    with pytest.raises(ConvanimError, match="1x1 kernel"):
        preset_channels(Preset.POINTWISE, 4, 8, True)


def test_the_volume_view_prints_no_numbers():
    with pytest.raises(ConvanimError, match="volume view prints no numbers"):
        drawing(CS231N, view=View.VOLUME, values=ValueSource())


def test_stack_numbers_are_readable_and_the_partial_sums_are_headed():
    """The stack view prints its numbers in cells as large as the one-slice views' (the
    weights' subscripts at 12 px or more, by hand: 0.3 of a 44 px cell, less the fit), and
    names its column of partial sums over it, with the outputs close after it."""
    from convanim.draw.frames import Align, CellShape, Label, Role
    from convanim.pipeline import drawing
    from convanim.story.values import ValueSource

    spec = ConvSpec(
        input_size=(5, 5), kernel=3, stride=2, padding=1, in_channels=3, out_channels=2, bias=True
    )
    laid_out, _ = drawing(spec, view="stack", values=ValueSource())
    frame = laid_out.frames[13]
    shapes = [*laid_out.lower, *frame.below, *frame.above]
    weights = [s.size for s in shapes if isinstance(s, Label) and s.role is Role.WEIGHT]
    assert len(weights) == 27 and min(weights) >= 12  # 3 channels x 9 taps
    sums = [s for s in shapes if isinstance(s, Label) and s.role in (Role.PARTIAL, Role.BIAS)]
    (heading,) = [s for s in laid_out.lower if isinstance(s, Label) and s.text == "sum"]
    assert heading.align is Align.START and {s.centre[0] for s in sums} == {heading.centre[0]}
    assert heading.centre[1] < min(s.centre[1] for s in sums)
    outputs = [s for s in laid_out.lower if isinstance(s, CellShape) and s.output]
    gap = min(s.corners[:, 0].min() for s in outputs) - heading.centre[0]
    assert gap <= 4 * 44  # the sum column's room and the outputs' tags, no more


@pytest.mark.parametrize(
    ("spec", "reading"),
    [
        (ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1, in_channels=3, out_channels=2), "gather"),
        (ConvSpec(input_size=(5, 5), kernel=3, padding=1, in_channels=4, out_channels=4, groups=2), "gather"),
        (ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True, in_channels=2, out_channels=4, groups=2), "scatter"),
    ],
)  # fmt: skip
def test_volume_joining_lines_cross_no_plane_but_the_two_they_join(spec, reading):
    """Every frame's joining lines (from an input plane to an output plane; the box's edges
    run from input plane to input plane, or output to output) pass over no plane but the two
    they join (each plane's parallelogram, from its layout)."""
    from convanim.draw.channels import channel_layout
    from convanim.draw.frames import Role
    from convanim.pipeline import drawing

    laid_out, style = drawing(spec, view="volume", reading=reading)
    layout = channel_layout(spec, View.VOLUME, Reading(reading), style, False)

    def quad(sheet):  # the plane's outline, corners in order round it
        rows, cols = sheet.shape
        return sheet.point([[0, 0], [0, cols], [rows, cols], [rows, 0]])

    inputs, outputs = [quad(s) for s in layout.inputs], [quad(s) for s in layout.outputs]
    planes = inputs + outputs
    joined = 0
    for index in range(len(laid_out.frames)):
        frame = laid_out.frames[index]
        for line in (s for s in (*frame.below, *frame.above) if s.role is Role.JOIN):
            ends = {
                k
                for k, plane in enumerate(planes)
                for end in (line.start, line.end)
                if _within(end, plane, 0.5)
            }
            if not (ends & set(range(len(inputs))) and ends - set(range(len(inputs)))):
                continue  # an edge of the box
            joined += 1
            for k, plane in enumerate(planes):
                if k in ends:
                    continue
                along = np.linspace(0.02, 0.98, 97)[:, None]
                points = line.start + along * (line.end - line.start)
                assert not any(_within(point, plane, -0.5) for point in points), (index, k)
    assert joined == 4 * len(laid_out.frames)


def _within(point, corners, tolerance) -> bool:
    """Whether a pixel lies in a convex quad, ``tolerance`` pixels outside its edges counted in."""
    signs = []
    for i in range(4):
        edge, offset = corners[(i + 1) % 4] - corners[i], point - corners[i]
        signs.append((edge[0] * offset[1] - edge[1] * offset[0]) / np.hypot(*edge))
    return all(v >= -tolerance for v in signs) or all(v <= tolerance for v in signs)


def test_separable_stages_keep_their_colours_and_stand_centred():
    """The pointwise stage reads the depthwise outputs: its input planes wear their colours
    (one hue per depthwise group); each stage stands centred in the frame."""
    from convanim.draw.frames import CellShape, Role
    from convanim.pipeline import drawing
    from convanim.story.presets import Separable

    pair = Separable.of(ConvSpec(input_size=(5, 5), kernel=3, in_channels=3), 2)
    laid_out, _ = drawing(pair, view="stack")
    first = 3 * 3 * 3  # depthwise frames: one per output channel and cell

    def cells(index):
        frame = laid_out.frames[index]
        return [s for s in (*frame.below, *frame.above) if isinstance(s, CellShape)]

    made = {s.fill for s in cells(0) if s.output and s.role is Role.CELL}
    read = {s.fill for s in cells(first) if not s.output and s.role is Role.CELL}
    assert len(made) == 3 and made <= read
    width = laid_out.size[0]
    for index in (0, first):
        xs = np.concatenate([s.corners[:, 0] for s in cells(index)])
        assert abs((xs.min() + xs.max()) / 2 - width / 2) < 44, index
