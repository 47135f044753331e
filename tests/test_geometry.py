"""The geometry against the independent NumPy reference, and its properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import arange_values, conv_specs, random_values
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import reference
from convanim.geometry import CellKind, ConvSpec, SpecError, default_input_size

SETTINGS = settings(max_examples=150, deadline=None)


def reference_output(spec: ConvSpec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    op = reference.conv_transpose if spec.transposed else reference.conv
    return op(x, w, spec)


@SETTINGS
@given(spec=conv_specs(), seed=st.integers(0, 2**16))
def test_taps_match_numpy_reference(spec, seed):
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    expected = reference_output(spec, x, w)
    assert expected.shape == spec.output_size
    np.testing.assert_array_equal(spec.apply(x, w), expected)


@SETTINGS
@given(spec=conv_specs(max_ndim=2))
def test_taps_are_ordered_by_output_then_kernel(spec):
    taps = spec.taps()
    keys = np.concatenate([taps.output, taps.kernel], axis=1)
    order = np.lexsort(keys.T[::-1])
    np.testing.assert_array_equal(order, np.arange(len(taps)))
    assert len(np.unique(keys, axis=0)) == len(taps)
    assert np.all((taps.input >= 0) & (taps.input < spec.input_size))
    assert np.all((taps.output >= 0) & (taps.output < spec.output_size))


@SETTINGS
@given(spec=conv_specs(transposed=False), seed=st.integers(0, 2**16))
def test_transposed_is_adjoint_of_conv(spec, seed):
    back = spec.transpose()
    assert back.transposed
    assert back.input_size == spec.output_size
    assert back.output_size == spec.input_size
    x = random_values(spec.input_size, seed)
    y = random_values(spec.output_size, seed + 1)
    w = random_values(spec.kernel, seed + 2)
    forward = reference.conv(x, w, spec)
    adjoint = reference.conv_transpose(y, w, back)
    assert np.vdot(forward, y) == np.vdot(x, adjoint)
    assert np.vdot(spec.apply(x, w), y) == np.vdot(x, back.apply(y, w))


@SETTINGS
@given(spec=conv_specs(transposed=False, max_size=5), seed=st.integers(0, 2**16))
def test_matrix_of_transposed_spec_is_transpose_of_conv_matrix(spec, seed):
    w = random_values(spec.kernel, seed)
    x = random_values(spec.input_size, seed + 1)
    conv_matrix = spec.matrix(w)
    assert conv_matrix.shape == (math.prod(spec.output_size), math.prod(spec.input_size))
    np.testing.assert_array_equal(conv_matrix @ x.ravel(), reference.conv(x, w, spec).ravel())
    np.testing.assert_array_equal(spec.transpose().matrix(w), conv_matrix.T)


@SETTINGS
@given(spec=conv_specs(transposed=True), seed=st.integers(0, 2**16))
def test_transposed_canvas_as_stride_one_conv_reproduces_output(spec, seed):
    """Dumoulin & Visin's picture is exact, also for cropped canvases and output_padding."""
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    canvas = spec.canvas()
    inside = tuple(
        slice(origin, origin + size)
        for origin, size in zip(canvas.canvas_origin, canvas.canvas_size)
    )
    values = np.zeros(canvas.grid_size)
    is_input = canvas.kinds == CellKind.INPUT
    values[is_input] = x[tuple(canvas.input_index[is_input].T)]
    flipped = w[tuple(slice(None, None, -1) for _ in range(spec.ndim))]
    plain = ConvSpec(input_size=canvas.canvas_size, kernel=spec.kernel, dilation=spec.dilation)
    np.testing.assert_array_equal(
        reference.conv(values[inside], flipped, plain), reference_output(spec, x, w)
    )


@SETTINGS
@given(spec=conv_specs(max_ndim=2), seed=st.integers(0, 2**16))
def test_canvas_footprints_reproduce_output(spec, seed):
    """Summing each output's footprint cells times the footprint kernel gives the output."""
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    canvas = spec.canvas()
    values = np.zeros(canvas.grid_size)
    readable = (canvas.kinds == CellKind.INPUT) & ~canvas.cropped
    values[readable] = x[tuple(canvas.input_index[readable].T)]
    y = np.zeros(spec.output_size)
    for position in np.ndindex(spec.output_size):
        cells = canvas.footprint(position)
        assert np.all(~canvas.cropped[tuple(cells.T)])
        y[position] = np.sum(values[tuple(cells.T)] * w[tuple(canvas.footprint_kernel.T)])
    np.testing.assert_array_equal(y, reference_output(spec, x, w))


def test_canvas_marks_cropped_cells_when_padding_exceeds_kernel_span():
    spec = ConvSpec(input_size=(4,), kernel=3, stride=2, padding=3, transposed=True)
    canvas = spec.canvas()
    # d*(k-1) - p = -1 on each side: one cell of the zero-inserted input is cut off per side.
    assert canvas.canvas_origin == (1,)
    assert canvas.canvas_size == (5,)
    assert canvas.cropped.tolist() == [True, False, False, False, False, False, True]
    assert canvas.kinds.tolist() == [1, 2, 1, 2, 1, 2, 1]


def test_canvas_of_guide_odd_transposed_case():
    spec = ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, output_padding=1, transposed=True
    )
    canvas = spec.canvas()
    row = canvas.kinds[0 + canvas.canvas_origin[0] + 1]
    # 1 padding cell before, input/zero/input/zero/input, 1 + output_padding cells after.
    assert row.tolist() == [0, 1, 2, 1, 2, 1, 0, 0]
    assert canvas.canvas_size == (8, 8)
    assert canvas.footprint_kernel[0].tolist() == [2, 2]


@SETTINGS
@given(spec=conv_specs(transposed=True), seed=st.integers(0, 2**16))
def test_scatter_stamps_sum_to_transposed_output(spec, seed):
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    view = spec.scatter()
    y = np.zeros(spec.output_size)
    for row, position in enumerate(view.input):
        for cell, kernel, inside in zip(view.cells[row], view.kernel, view.inside[row]):
            in_bounds = np.all((cell >= 0) & (cell < spec.output_size))
            assert inside == in_bounds
            if inside:
                y[tuple(cell)] += x[tuple(position)] * w[tuple(kernel)]
    np.testing.assert_array_equal(y, reference_output(spec, x, w))


@SETTINGS
@given(spec=conv_specs(max_ndim=2), seed=st.integers(0, 2**16))
def test_unread_inputs_are_exactly_cells_without_taps(spec, seed):
    read = np.zeros(spec.input_size, dtype=bool)
    read[tuple(spec.taps().input.T)] = True
    np.testing.assert_array_equal(spec.read_inputs(), read)
    x = random_values(spec.input_size, seed)
    w = np.ones(spec.kernel)
    changed = x.copy()
    changed[~read] += 100.0
    np.testing.assert_array_equal(reference_output(spec, changed, w), reference_output(spec, x, w))


def test_unread_rows_when_stride_does_not_divide():
    spec = ConvSpec(input_size=(6, 6), kernel=3, stride=2)
    assert spec.output_size == (2, 2)
    unread = spec.unread_inputs()
    assert {tuple(c) for c in unread} == {(i, 5) for i in range(6)} | {(5, j) for j in range(6)}


def test_dilation_larger_than_stride_skips_cells():
    spec = ConvSpec(input_size=(7,), kernel=3, dilation=3, stride=2)
    assert spec.output_size == (1,)
    assert spec.unread_inputs()[:, 0].tolist() == [1, 2, 4, 5]


# The 15 animations of arXiv:1603.07285 with PyTorch-style parameters and output sizes.
GUIDE = [
    ("no_padding_no_strides", dict(input_size=4, kernel=3), 2),
    ("no_padding_no_strides_transposed", dict(input_size=2, kernel=3, transposed=True), 4),
    ("arbitrary_padding_no_strides", dict(input_size=5, kernel=4, padding=2), 6),
    (
        "arbitrary_padding_no_strides_transposed",
        dict(input_size=6, kernel=4, padding=2, transposed=True),
        5,
    ),
    ("same_padding_no_strides", dict(input_size=5, kernel=3, padding=1), 5),
    (
        "same_padding_no_strides_transposed",
        dict(input_size=5, kernel=3, padding=1, transposed=True),
        5,
    ),
    ("full_padding_no_strides", dict(input_size=5, kernel=3, padding=2), 7),
    (
        "full_padding_no_strides_transposed",
        dict(input_size=7, kernel=3, padding=2, transposed=True),
        5,
    ),
    ("no_padding_strides", dict(input_size=5, kernel=3, stride=2), 2),
    (
        "no_padding_strides_transposed",
        dict(input_size=2, kernel=3, stride=2, transposed=True),
        5,
    ),
    ("padding_strides", dict(input_size=5, kernel=3, stride=2, padding=1), 3),
    (
        "padding_strides_transposed",
        dict(input_size=3, kernel=3, stride=2, padding=1, transposed=True),
        5,
    ),
    ("padding_strides_odd", dict(input_size=6, kernel=3, stride=2, padding=1), 3),
    (
        "padding_strides_odd_transposed",
        dict(input_size=3, kernel=3, stride=2, padding=1, output_padding=1, transposed=True),
        6,
    ),
    ("dilation", dict(input_size=7, kernel=3, dilation=2), 3),
]


@pytest.mark.parametrize(("name", "fields", "output"), GUIDE, ids=[g[0] for g in GUIDE])
def test_guide_output_sizes(name, fields, output):
    fields = {**fields, "input_size": (fields["input_size"],) * 2}
    assert ConvSpec(**fields).output_size == (output, output)


@pytest.mark.parametrize(
    ("fields", "output"),
    [
        (dict(input_size=(10, 7), kernel=(3, 2), stride=(3, 2), padding=((1, 0), (0, 2))), (3, 4)),
        (dict(input_size=(4, 9), kernel=5, dilation=(1, 2), padding=2), (4, 5)),
        (
            dict(input_size=(3, 4), kernel=(4, 3), stride=(3, 2), padding=(0, 1), transposed=True),
            (10, 7),
        ),
        (
            dict(
                input_size=(5,), kernel=3, stride=3, dilation=4, output_padding=3, transposed=True
            ),
            (24,),
        ),
    ],
)
def test_output_size_formulas(fields, output):
    assert ConvSpec(**fields).output_size == output


@pytest.mark.parametrize("n", range(1, 12))
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel", [1, 2, 3, 4])
def test_named_paddings(n, stride, kernel):
    same = ConvSpec(input_size=n, kernel=kernel, stride=stride, padding="same")
    assert same.output_size == (math.ceil(n / stride),)
    ((before, after),) = same.padding
    assert after - before in (0, 1)
    full = ConvSpec(input_size=n, kernel=kernel, stride=stride, padding="full", dilation=2)
    assert full.padding == ((2 * (kernel - 1), 2 * (kernel - 1)),)
    if kernel <= n:
        assert ConvSpec(input_size=n, kernel=kernel, padding="valid").padding == ((0, 0),)


def test_fields_are_normalised_per_axis():
    spec = ConvSpec(input_size=(5, 7), kernel=3, stride=(2, 1), padding=(1, (0, 2)))
    assert spec.kernel == (3, 3)
    assert spec.stride == (2, 1)
    assert spec.padding == ((1, 1), (0, 2))
    assert spec.dilation == (1, 1)
    assert spec.output_padding == (0, 0)
    assert ConvSpec(input_size=8, kernel=3).ndim == 1


def test_transpose_of_transposed_spec_is_the_conv():
    spec = ConvSpec(input_size=(3, 4), kernel=3, stride=2, padding=1, transposed=True)
    conv = spec.transpose()
    assert not conv.transposed
    assert conv.input_size == spec.output_size
    assert conv.output_size == spec.input_size


def test_taps_of_large_input_are_complete():
    spec = ConvSpec(input_size=(200, 300), kernel=7, padding=3)
    taps = spec.taps()
    # Each axis contributes sum over outputs of the real kernel taps: n*k - p*(p+1).
    per_axis = [n * 7 - 3 * 4 for n in (200, 300)]
    assert len(taps) == per_axis[0] * per_axis[1]
    x = random_values(spec.input_size, 0)
    w = random_values(spec.kernel, 1)
    np.testing.assert_array_equal(spec.apply(x, w), reference.conv(x, w, spec))


def test_matrix_refuses_huge_specs_and_points_to_taps():
    spec = ConvSpec(input_size=(128, 128), kernel=3, padding=1)
    with pytest.raises(SpecError, match=r"taps\(\)"):
        spec.matrix(np.ones((3, 3)))


def test_matrix_rejects_wrong_kernel_shape():
    with pytest.raises(SpecError, match="kernel's shape"):
        ConvSpec(input_size=(4, 4), kernel=3).matrix(np.ones((2, 2)))


def test_matrix_of_arange_input_matches_guide_example():
    spec = ConvSpec(input_size=(4, 4), kernel=3)
    w = arange_values((3, 3))
    m = spec.matrix(w)
    # The guide's unrolled matrix: row 0 holds w's rows at columns 0-2, 4-6, 8-10.
    expected_row = np.zeros(16)
    expected_row[[0, 1, 2, 4, 5, 6, 8, 9, 10]] = w.ravel()
    np.testing.assert_array_equal(m[0], expected_row)
    assert np.count_nonzero(m) == 4 * 9


@pytest.mark.parametrize(
    ("fields", "argument", "axis", "words"),
    [
        (dict(input_size=0, kernel=3), "input_size", None, "positive"),
        (dict(input_size=(5, -1), kernel=3), "input_size", 1, "positive"),
        (dict(input_size=(), kernel=3), "input_size", None, "axis"),
        (dict(input_size=5, kernel=0), "kernel", None, "positive"),
        (dict(input_size=(5, 5), kernel=3, stride=(1,)), "stride", None, "has 1 values"),
        (dict(input_size=(5, 5), kernel=3, stride=(1, 0)), "stride", 1, "positive"),
        (dict(input_size=5, kernel=3, dilation=0), "dilation", None, "positive"),
        (dict(input_size=5, kernel=3, padding=-1), "padding", None, "negative"),
        (dict(input_size=(5, 5), kernel=3, padding=(1, (0, -2))), "padding", 1, "negative"),
        (dict(input_size=5, kernel=3, padding=((1, 2, 3),)), "padding", 0, "pair"),
        (dict(input_size=5, kernel=3, padding="half"), "padding", None, "one of"),
        (
            dict(input_size=5, kernel=3, padding="same", transposed=True),
            "padding",
            None,
            "explicit",
        ),
        (dict(input_size=5, kernel=3, output_padding=1), "output_padding", 0, "transposed"),
        (
            dict(input_size=5, kernel=3, stride=2, output_padding=2, transposed=True),
            "output_padding",
            0,
            "smaller than stride (2) or dilation (1)",
        ),
        (
            dict(input_size=5, kernel=3, output_padding=-1, transposed=True),
            "output_padding",
            None,
            "negative",
        ),
        (dict(input_size=2, kernel=5), "kernel", 0, "spans 5 cells"),
        (dict(input_size=1, kernel=2, padding=3, transposed=True), "kernel", 0, "empty"),
        (dict(input_size=5.0, kernel=3), "input_size", None, "integer"),
        (dict(input_size=5, kernel=True), "kernel", None, "integer"),
        (dict(input_size=5, kernel=3, stride="2"), "stride", None, "integer"),
        (dict(input_size=5, kernel=3, transposed=1), "transposed", None, "True or False"),
    ],
)
def test_invalid_specs_name_argument_and_rule(fields, argument, axis, words):
    with pytest.raises(SpecError) as caught:
        ConvSpec(**fields)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.argument == argument
    assert error.axis == axis
    assert str(error).startswith(argument)
    assert words in str(error)


def test_numpy_integers_are_accepted():
    spec = ConvSpec(input_size=(np.int64(5),), kernel=(np.int32(3),))
    assert spec.output_size == (3,)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (dict(kernel=(3,), stride=(2,), padding=(1,), transposed=False), (5,)),
        (dict(kernel=(3,), stride=(2,), padding=(1,), transposed=True), (3,)),
        (dict(kernel=(4,), stride=(1,), padding=(2,), transposed=True), (6,)),
        (dict(kernel=(3,), stride=(2,), padding=(1,), output_padding=(1,), transposed=True), (3,)),
        (dict(kernel=(7,), stride=(1,), padding=(0,), transposed=False), (7,)),
        (dict(kernel=(3,), stride=(1,), padding=("same",), transposed=False), (5,)),
    ],
)
def test_default_input_size_follows_the_guide(fields, expected):
    fields = {"dilation": (1,), "output_padding": (0,), **fields}
    assert default_input_size(**fields) == expected
