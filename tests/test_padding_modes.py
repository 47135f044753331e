"""Padding modes (reflect, replicate, circular) against np.pad's, an independent padding:
what each padded cell holds, the op, its matrix and its gradients, and PyTorch's rules."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import reference
from conftest import COPYING, LARGEST_SIDE, arange_values, conv_specs, moded_specs, random_values
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from convanim.cli import app
from convanim.draw.frames import Role
from convanim.errors import ConvanimError
from convanim.geometry import (
    CellKind,
    ConvSpec,
    apply,
    apply_transpose,
    canvas,
    canvas_values,
    dense_matrix,
    read_inputs,
    taps,
    unread_count,
)
from convanim.geometry.axis import MAX_COPIED_AXIS, AxisSpec
from convanim.geometry.backward import (
    gradients,
    weight_gradient,
    weight_gradient_operands,
    weight_gradient_spec,
)
from convanim.geometry.views import (
    first_unread,
    fold_padding,
    padded_input,
    padding_sources,
)
from convanim.pipeline import drawing
from convanim.request import Request
from convanim.story.board import Cell, build_board
from convanim.story.values import number_text

SETTINGS = settings(max_examples=120, deadline=None)


@SETTINGS
@given(spec=moded_specs())
def test_each_padded_cell_holds_the_cell_np_pad_copies_there(spec):
    """Pad the flat index of every input cell with np.pad's mode: the cell each padded
    position shows is the one padding_sources names, and canvas_values holds its value."""
    numbers = np.arange(math.prod(spec.input_size)).reshape(spec.input_size)
    expected = reference.pad(numbers, spec.padding, spec.padding_mode)
    sources = padding_sources(spec)
    assert (sources >= 0).all()  # a copying mode leaves no zero
    np.testing.assert_array_equal(
        np.ravel_multi_index(tuple(np.moveaxis(sources, -1, 0)), spec.input_size), expected
    )
    x = arange_values(spec.input_size)
    padded = reference.pad(x, spec.padding, spec.padding_mode)
    np.testing.assert_array_equal(canvas_values(spec, x), padded)


@SETTINGS
@given(spec=moded_specs())
def test_the_canvas_marks_every_padding_cell_as_a_copy_and_no_other(spec):
    view = canvas(spec)
    padding = view.kinds == CellKind.PADDING
    np.testing.assert_array_equal(view.copied, padding)
    assert (view.source_index[~padding] == view.input_index[~padding]).all()


@SETTINGS
@given(spec=moded_specs(channels=True), seed=st.integers(0, 2**16))
def test_apply_and_the_dense_matrix_are_the_reference_on_the_np_pad_input(spec, seed):
    x = random_values((spec.in_channels, *spec.input_size), seed)
    w = random_values(spec.weight_shape, seed + 1)
    b = random_values(spec.out_channels, seed + 2) if spec.bias else None
    expected = reference.conv_grouped(x, w, spec, b)
    np.testing.assert_allclose(apply(spec, x, w, b), expected)
    bias = 0 if b is None else np.repeat(b, math.prod(spec.output_size))
    np.testing.assert_allclose(dense_matrix(spec, w) @ x.ravel() + bias, expected.ravel())


def _reference_matrix(function, shape: tuple[int, ...]) -> np.ndarray:
    """The matrix of a linear ``function`` of an array of ``shape``, column by column."""
    columns = []
    for index in range(math.prod(shape)):
        unit = np.zeros(math.prod(shape))
        unit[index] = 1.0
        columns.append(function(unit.reshape(shape)).ravel())
    return np.stack(columns, axis=1)


@SETTINGS
@given(spec=moded_specs(), seed=st.integers(0, 2**16))
def test_the_gradients_fold_each_copy_back_onto_its_source(spec, seed):
    """dx = Cᵀ dy and dw = Wᵀ dy, with C and W the matrices of the reference op in x and in
    w: a padding cell's share of dx reaches the input cell it copied."""
    x, w = random_values(spec.input_size, seed), random_values(spec.kernel, seed + 1)
    dy = random_values(spec.output_size, seed + 2)
    in_x = _reference_matrix(lambda cells: reference.conv(cells, w, spec), spec.input_size)
    in_w = _reference_matrix(lambda weights: reference.conv(x, weights, spec), spec.kernel)
    grads = gradients(spec, x, w, dy)
    np.testing.assert_allclose(grads.dx.ravel(), in_x.T @ dy.ravel())
    np.testing.assert_allclose(grads.dw.ravel(), in_w.T @ dy.ravel())
    np.testing.assert_allclose(apply_transpose(spec, dy, w), grads.dx)


@SETTINGS
@given(spec=moded_specs(), seed=st.integers(0, 2**16))
def test_the_weight_gradients_picture_is_the_reference_dw_of_a_mode(spec, seed):
    """The convolution drawn for dw, run on its operands (the padded x, copies and all),
    gives Wᵀ dy, W the reference op's matrix in w."""
    x, dy = random_values(spec.input_size, seed), random_values(spec.output_size, seed + 2)
    in_w = _reference_matrix(lambda weights: reference.conv(x, weights, spec), spec.kernel)
    drawn, _ = weight_gradient_spec(spec)
    source, kernel = weight_gradient_operands(spec, x, dy)
    np.testing.assert_allclose(apply(drawn, source, kernel).ravel(), in_w.T @ dy.ravel())


def test_the_review_s_reflect_weight_gradient_is_drawn_with_its_copies():
    spec = ConvSpec(input_size=5, kernel=3, padding=1, padding_mode="reflect")
    x = dy = np.arange(1.0, 6.0)
    drawn, _ = weight_gradient_spec(spec)
    source, kernel = weight_gradient_operands(spec, x, dy)
    assert source.tolist() == [[2.0, 1.0, 2.0, 3.0, 4.0, 5.0, 4.0]]
    assert apply(drawn, source, kernel).ravel().tolist() == [42.0, 55.0, 60.0]
    assert weight_gradient(spec, x, dy).ravel().tolist() == [42.0, 55.0, 60.0]


@SETTINGS
@given(spec=conv_specs(transposed=False), seed=st.integers(0, 2**16))
def test_zero_padding_pads_with_np_pad_s_zeros_and_folds_them_away(spec, seed):
    """padded_input is np.pad's constant padding, and fold_padding its adjoint."""
    x = random_values((1, *spec.input_size), seed)
    padded = padded_input(spec, x)
    np.testing.assert_array_equal(padded, reference.pad(x, ((0, 0), *spec.padding)))
    other = random_values(padded.shape, seed + 1)
    np.testing.assert_allclose((padded * other).sum(), (x * fold_padding(spec, other)).sum())


@SETTINGS
@given(spec=moded_specs())
def test_taps_read_copies_and_every_input_a_copy_reaches_is_read(spec):
    """Every output meets every weight (no tap is lost to a zero), and an input cell is
    read when the reference's padded windows reach it or one of its copies."""
    assert len(taps(spec)) == math.prod(spec.output_size) * math.prod(spec.kernel)
    assert spec.multiply_accumulates == spec.dense_multiply_accumulates
    numbers = np.arange(math.prod(spec.input_size)).reshape(spec.input_size)
    reached = reference.conv(
        np.ones(spec.input_size), np.ones(spec.kernel), spec
    )  # the windows, summed: only to size them
    padded = reference.pad(numbers, spec.padding, spec.padding_mode)
    read = np.zeros(math.prod(spec.input_size), dtype=bool)
    for output in np.ndindex(reached.shape):
        for tap in np.ndindex(spec.kernel):
            at = tuple(o * s + k * d for o, s, k, d in zip(output, spec.stride, tap, spec.dilation))
            read[padded[at]] = True
    np.testing.assert_array_equal(read_inputs(spec).ravel(), read)
    assert unread_count(spec) == int((~read).sum())


@st.composite
def copying_axes(draw):
    """One copying axis, long enough to have cells between its two ends."""
    mode = draw(st.sampled_from(COPYING))
    n = draw(st.integers(1, 40))
    largest = LARGEST_SIDE[mode](n)
    axis = AxisSpec(
        size=n,
        kernel=draw(st.integers(1, 5)),
        stride=draw(st.integers(1, 4)),
        padding=(draw(st.integers(0, largest)), draw(st.integers(0, largest))),
        dilation=draw(st.integers(1, 3)),
        padding_mode=mode,
    )
    assume(axis.output_size >= 1)
    return axis


@settings(max_examples=400, deadline=None)
@given(axis=copying_axes())
def test_a_copying_axis_s_reads_in_closed_form_are_its_taps_reads(axis):
    """The count and the lazy list of unread cells (no array of the axis) agree with the
    cells its taps read, copies and all."""
    read = axis.read()
    assert axis.read_count() == int(read.sum())
    assert list(axis.unread_cells()) == np.flatnonzero(~read).tolist()


def test_a_long_copying_axis_answers_shape_in_closed_form():
    """10^8 cells, stride 2, reflect padding 1: the taps read the odd cells, and the
    padding before copies cell 1, so the even cells stay unread; replicate's shape answers."""
    spec = ConvSpec(input_size=10**8, kernel=1, stride=2, padding=1, padding_mode="reflect")
    assert unread_count(spec) == 5 * 10**7
    assert first_unread(spec, 3).ravel().tolist() == [0, 2, 4]
    result = CliRunner().invoke(
        app, ["shape", "--i", "100000000", "--p", "1", "--padding-mode", "replicate"]
    )
    assert result.exit_code == 0, result.output
    assert "100000000x100000000 -> 100000000x100000000" in result.output


def test_a_copying_axis_too_long_to_draw_or_too_padded_to_count_is_refused():
    long = ConvSpec(input_size=MAX_COPIED_AXIS, kernel=3, padding=1, padding_mode="replicate")
    with pytest.raises(ConvanimError, match="MAX_COPIED_AXIS") as refused:
        long.axes[0].padding_source()
    assert refused.value.argument == "input_size"
    result = CliRunner().invoke(
        app,
        ["shape", "--i", "10", "--p", str(MAX_COPIED_AXIS), "--padding-mode", "replicate"],
    )
    assert result.exit_code == 2
    assert re.fullmatch(
        r"error: --p \(axis 0\): replicate .* pads [\d,]+ cells, more than "
        r"MAX_COPIED_AXIS \(16,777,216\)\n",
        result.output,
    ), result.output


REFUSED = [
    ({"input_size": 3, "padding": 3, "padding_mode": "reflect"}, "below input_size (3), got 3"),
    ({"input_size": 1, "padding": ((0, 1),), "padding_mode": "reflect"}, "below input_size (1)"),
    ({"input_size": 3, "padding": ((4, 0),), "padding_mode": "circular"}, "at most input_size (3)"),
    (
        {"input_size": 3, "padding": 1, "padding_mode": "reflect", "transposed": True},
        "not defined for a transposed convolution",
    ),
    ({"input_size": 3, "padding_mode": "mirror"}, "must be one of zeros, reflect, replicate"),
    ({"input_size": 3, "padding_mode": None}, "must be one of zeros"),
]


@pytest.mark.parametrize(("arguments", "rule"), REFUSED)
def test_a_mode_refuses_the_padding_pytorch_refuses(arguments, rule):
    with pytest.raises(ConvanimError, match=re.escape(rule)) as refusal:
        ConvSpec(kernel=1, **arguments)
    assert refusal.value.argument == "padding_mode"


@pytest.mark.parametrize(
    ("mode", "n", "side"), [("reflect", 3, 2), ("circular", 3, 3), ("replicate", 1, 9)]
)
def test_the_largest_padding_each_mode_allows_is_accepted(mode, n, side):
    spec = ConvSpec(input_size=n, kernel=1, padding=side, padding_mode=mode)
    assert spec.output_size == (n + 2 * side,)


def test_a_copying_mode_has_no_transpose():
    spec = ConvSpec(input_size=4, kernel=3, padding=1, padding_mode="reflect")
    with pytest.raises(ConvanimError, match="no layer computes this one's transpose"):
        spec.transpose()


@SETTINGS
@given(spec=moded_specs())
def test_the_matrix_names_each_entrys_weight_unless_a_kernel_meets_a_cell_and_its_copy(spec):
    """With weights distinct powers of two, an entry of the reference op's matrix is one
    weight exactly when no two taps meet: kernel_index_matrix names it, or refuses."""
    from convanim.geometry import kernel_index_matrix

    w = 2.0 ** np.arange(math.prod(spec.kernel)).reshape(spec.kernel)
    matrix = _reference_matrix(lambda cells: reference.conv(cells, w, spec), spec.input_size)
    one_weight_each = bool(np.isin(matrix, [0.0, *w.ravel()]).all())
    try:
        index = kernel_index_matrix(spec)
    except ConvanimError as error:
        assert error.argument == "padding_mode"
        assert not one_weight_each
        return
    assert one_weight_each
    np.testing.assert_array_equal(np.where(index >= 0, w.ravel()[index], 0.0), matrix)


def test_zeros_is_the_default_and_the_mode_tells_specs_apart():
    plain = ConvSpec(input_size=4, kernel=3, padding=1)
    assert plain.padding_mode == "zeros"
    assert plain == ConvSpec(input_size=4, kernel=3, padding=1, padding_mode="zeros")
    assert plain != ConvSpec(input_size=4, kernel=3, padding=1, padding_mode="circular")


# The pictures: the board says which cells are copies and joins each copy under the
# kernel to its source; the drawing prints the copied value and draws the join.


@SETTINGS
@given(spec=moded_specs())
def test_the_board_joins_each_copy_under_the_kernel_to_the_cell_np_pad_copies(spec):
    """Every padding cell under the kernel, and no other, is joined to an input cell, and
    np.pad puts that input cell's value there."""
    board = build_board(spec)
    drawn = spec.with_leading_axes(2)
    numbers = np.arange(math.prod(drawn.input_size)).reshape(drawn.input_size)
    padded = reference.pad(numbers, drawn.padding, spec.padding_mode)
    before = np.array([pair[0] for pair in drawn.padding])
    assert (board.lower.cells == Cell.COPIED).sum() == padded.size - numbers.size
    for step in board.steps:
        sources, copies = step.copies[:, 0], step.copies[:, 1]
        under = {tuple(cell) for cell in step.lower.tolist()}
        padding = {cell for cell in under if board.lower.cells[cell] == Cell.COPIED}
        assert {tuple(cell) for cell in copies.tolist()} == padding
        assert (board.lower.cells[tuple(sources.T)] == Cell.INPUT).all()
        np.testing.assert_array_equal(padded[tuple(copies.T)], numbers[tuple((sources - before).T)])


def test_zero_padding_has_no_copies():
    board = build_board(ConvSpec(input_size=(4, 4), kernel=3, padding=1))
    assert not (board.lower.cells == Cell.COPIED).any()
    assert all(len(step.copies) == 0 for step in board.steps)


@pytest.mark.parametrize("mode", COPYING)
@pytest.mark.parametrize("view", ["canvas", "flat"])
def test_the_drawing_prints_each_copied_value_and_draws_one_line_per_copy(mode, view):
    """The lower plane prints np.pad's value on every cell (x given), and each frame draws
    one copy line per padding cell under the kernel."""
    spec = ConvSpec(input_size=(3, 4), kernel=3, padding=(2, 1), padding_mode=mode)
    x = random_values(spec.input_size, 7)
    request = Request.of(spec, view=view, input_values=x.ravel().tolist(), weights=[1] * 9)
    picture, _ = drawing(request.shown, **request.drawing_options)
    printed = [label.text for label in picture.lower if label.role is Role.VALUE]
    padded = reference.pad(x, spec.padding, mode)
    assert sorted(printed) == sorted(number_text(value) for value in padded.ravel())
    board = build_board(spec)
    for index, frame in enumerate(picture.frames):
        lines = [shape for shape in frame.below if shape.role is Role.COPY]
        assert len(lines) == len(board.step(board.frames[index]).copies)
    assert sum(len(step.copies) for step in board.steps) > 0


def test_the_command_line_draws_a_mode_under_a_name_that_says_it(tmp_path, monkeypatch):
    """--padding-mode reaches the picture and the default file name; shape prints the
    PyTorch layer with its padding_mode, from the flags or from a --layer."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    done = runner.invoke(app, ["gif", "--i", "4", "--p", "1", "--padding-mode", "reflect"])
    assert done.exit_code == 0, done.output
    assert [path.name for path in (tmp_path / "renders").iterdir()] == ["conv_i4_k3_p1_reflect.gif"]
    layer = "torch.nn.Conv2d(1, 1, kernel_size=3, padding=1, padding_mode='circular')"
    for args in (["--padding-mode", "circular", "--p", "1"], ["--layer", layer]):
        shown = runner.invoke(app, ["shape", "--i", "4", *args])
        assert shown.exit_code == 0, shown.output
        assert layer in shown.output.splitlines()
