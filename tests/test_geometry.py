"""The geometry against the independent NumPy reference, and its properties."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import reference
from conftest import arange_values, conv_specs, random_values
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.errors import ConvanimError
from convanim.geometry import (
    MATRIX_MAX_ENTRIES,
    CellKind,
    ConvSpec,
    apply,
    apply_transpose,
    canvas,
    canvas_values,
    default_input_size,
    dense_matrix,
    first_unread,
    interior_overlap,
    kernel_index_matrix,
    overlap_counts,
    read_inputs,
    scatter,
    scatter_running_sums,
    taps,
    unread_count,
    unread_inputs,
)

SETTINGS = settings(max_examples=150, deadline=None)


def spec_fields(spec: ConvSpec) -> dict:
    """The normalised fields of ``spec``, as constructor arguments."""
    names = ("input_size", "kernel", "stride", "padding", "dilation", "output_padding")
    return {**{name: getattr(spec, name) for name in names}, "transposed": spec.transposed}


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
    np.testing.assert_array_equal(apply(spec, x, w), expected)


@SETTINGS
@given(spec=conv_specs(max_ndim=2))
def test_taps_are_ordered_by_output_then_kernel(spec):
    t = taps(spec)
    keys = np.concatenate([t.output, t.kernel], axis=1)
    order = np.lexsort(keys.T[::-1])
    np.testing.assert_array_equal(order, np.arange(len(t)))
    assert len(np.unique(keys, axis=0)) == len(t)
    assert np.all((t.input >= 0) & (t.input < spec.input_size))
    assert np.all((t.output >= 0) & (t.output < spec.output_size))


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
    assert np.vdot(apply(spec, x, w), y) == np.vdot(x, apply(back, y, w))


@SETTINGS
@given(spec=conv_specs(transposed=False, max_size=5), seed=st.integers(0, 2**16))
def test_matrix_of_transposed_spec_is_transpose_of_conv_matrix(spec, seed):
    w = random_values(spec.kernel, seed)
    x = random_values(spec.input_size, seed + 1)
    conv_matrix = dense_matrix(spec, w)
    assert conv_matrix.shape == (math.prod(spec.output_size), math.prod(spec.input_size))
    np.testing.assert_array_equal(conv_matrix @ x.ravel(), reference.conv(x, w, spec).ravel())
    np.testing.assert_array_equal(dense_matrix(spec.transpose(), w), conv_matrix.T)


@SETTINGS
@given(spec=conv_specs(transposed=True), seed=st.integers(0, 2**16))
def test_transposed_canvas_as_stride_one_conv_reproduces_output(spec, seed):
    """Dumoulin & Visin's picture is exact, also for cropped canvases and output_padding."""
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    view = canvas(spec)
    inside = tuple(
        slice(origin, origin + size) for origin, size in zip(view.canvas_origin, view.canvas_size)
    )
    values = np.zeros(view.grid_size)
    is_input = view.kinds == CellKind.INPUT
    values[is_input] = x[tuple(view.input_index[is_input].T)]
    np.testing.assert_array_equal(canvas_values(spec, x), values)
    flipped = w[tuple(slice(None, None, -1) for _ in range(spec.ndim))]
    plain = ConvSpec(input_size=view.canvas_size, kernel=spec.kernel, dilation=spec.dilation)
    np.testing.assert_array_equal(
        reference.conv(values[inside], flipped, plain), reference_output(spec, x, w)
    )


@SETTINGS
@given(spec=conv_specs(max_ndim=2), seed=st.integers(0, 2**16))
def test_canvas_footprints_reproduce_output(spec, seed):
    """Summing each output's footprint cells times the footprint kernel gives the output."""
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    view = canvas(spec)
    values = np.zeros(view.grid_size)
    readable = (view.kinds == CellKind.INPUT) & ~view.cropped
    values[readable] = x[tuple(view.input_index[readable].T)]
    y = np.zeros(spec.output_size)
    for position in np.ndindex(spec.output_size):
        cells = view.footprint(position)
        assert np.all(~view.cropped[tuple(cells.T)])
        y[position] = np.sum(values[tuple(cells.T)] * w[tuple(view.footprint_kernel.T)])
    np.testing.assert_array_equal(y, reference_output(spec, x, w))


@SETTINGS
@given(spec=conv_specs(max_ndim=2))
def test_canvas_input_cells_and_first_tap(spec):
    """``input_cells`` inverts ``input_index``; ``first_tap`` is the footprint row of w[0, ...]."""
    view = canvas(spec)
    assert view.input_cells.shape == (*spec.input_size, spec.ndim)
    for position in np.ndindex(spec.input_size):
        cell = tuple(view.input_cells[position])
        assert view.kinds[cell] == CellKind.INPUT
        assert tuple(view.input_index[cell]) == position
    assert np.count_nonzero(view.kinds == CellKind.INPUT) == math.prod(spec.input_size)
    assert view.footprint_kernel[view.first_tap].tolist() == [0] * spec.ndim


def test_canvas_marks_cropped_cells_when_padding_exceeds_kernel_span():
    spec = ConvSpec(input_size=(4,), kernel=3, stride=2, padding=3, transposed=True)
    view = canvas(spec)
    # d*(k-1) - p = -1 on each side: one cell of the zero-inserted input is cut off per side.
    assert view.canvas_origin == (1,)
    assert view.canvas_size == (5,)
    assert view.cropped.tolist() == [True, False, False, False, False, False, True]
    assert view.kinds.tolist() == [1, 2, 1, 2, 1, 2, 1]
    assert view.input_cells[:, 0].tolist() == [0, 2, 4, 6]


def test_canvas_of_guide_odd_transposed_case():
    spec = ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, output_padding=1, transposed=True
    )
    view = canvas(spec)
    row = view.kinds[0 + view.canvas_origin[0] + 1]
    # 1 padding cell before, input/zero/input/zero/input, 1 + output_padding cells after.
    assert row.tolist() == [0, 1, 2, 1, 2, 1, 0, 0]
    assert view.canvas_size == (8, 8)
    # The equivalent convolution sweeps the flipped kernel: its first cell weighs by w[2, 2].
    assert view.footprint_kernel[0].tolist() == [2, 2]
    assert view.first_tap == 8


@SETTINGS
@given(spec=conv_specs(transposed=True), seed=st.integers(0, 2**16))
def test_scatter_stamps_sum_to_transposed_output(spec, seed):
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    view = scatter(spec)
    y = np.zeros(spec.output_size)
    for row, position in enumerate(view.input):
        for cell, kernel, inside in zip(view.cells[row], view.kernel, view.inside[row]):
            in_bounds = np.all((cell >= 0) & (cell < spec.output_size))
            assert inside == in_bounds
            if inside:
                y[tuple(cell)] += x[tuple(position)] * w[tuple(kernel)]
    np.testing.assert_array_equal(y, reference_output(spec, x, w))


@SETTINGS
@given(spec=conv_specs(transposed=True))
def test_each_scatter_grid_position_names_the_output_index_its_stamp_cells_hold(spec):
    """Along each axis, a grid position holds the output index of every stamp cell put
    there, or -1 where those cells lie outside the output; every position is named."""
    view = scatter(spec)
    for axis, n in enumerate(spec.output_size):
        index = view.output_index(axis)
        assert len(index) == view.grid_inside.shape[axis]
        cells = view.cells[..., axis]
        expected = np.where((cells >= 0) & (cells < n), cells, -1)
        np.testing.assert_array_equal(index[view.grid_cells[..., axis]], expected)
        assert sorted(set(index.tolist()) - {-1}) == list(range(n))


def output_block(spec: ConvSpec, origin: tuple[int, ...]) -> tuple[slice, ...]:
    """The real output cells of a scatter grid whose output cell 0 sits at ``origin``."""
    return tuple(slice(o, o + n) for o, n in zip(origin, spec.output_size))


@SETTINGS
@given(spec=conv_specs(transposed=True, max_ndim=2))
def test_scatter_grid_counts_end_on_overlap_counts(spec):
    view = scatter(spec)
    block = output_block(spec, view.grid_origin)
    expected_inside = np.zeros(view.grid_inside.shape, dtype=bool)
    expected_inside[block] = True
    np.testing.assert_array_equal(view.grid_inside, expected_inside)
    np.testing.assert_array_equal(view.grid_cells, view.cells + np.asarray(view.grid_origin))
    assert view.counts.shape == (math.prod(spec.input_size), *view.grid_inside.shape)
    np.testing.assert_array_equal(view.counts[-1][block], overlap_counts(spec))
    np.testing.assert_array_equal(view.counts[-1][view.grid_inside], overlap_counts(spec).ravel())
    assert np.all(view.counts[-1][~view.grid_inside] == 0)


@SETTINGS
@given(spec=conv_specs(transposed=True, max_ndim=2, max_size=5), seed=st.integers(0, 2**16))
def test_scatter_running_sums_add_one_stamp_per_step(spec, seed):
    """Step n adds exactly the stamp of input cell n (row-major): the reference
    transposed conv of that one cell; the last step is the whole reference output."""
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    view = scatter(spec)
    sums = scatter_running_sums(spec, x, w)
    block = output_block(spec, view.grid_origin)
    assert sums.shape == (math.prod(spec.input_size), *view.grid_inside.shape)
    np.testing.assert_array_equal(sums[-1][block], reference_output(spec, x, w))
    previous = np.zeros(view.grid_inside.shape)
    for step, position in enumerate(np.ndindex(spec.input_size)):
        assert tuple(view.input[step]) == position
        one_cell = np.zeros(spec.input_size)
        one_cell[position] = x[position]
        added = sums[step] - previous
        np.testing.assert_array_equal(added[block], reference_output(spec, one_cell, w))
        assert np.all(added[~view.grid_inside] == 0)  # cropped stamp cells stay 0
        previous = sums[step]


@SETTINGS
@given(spec=conv_specs(), seed=st.integers(0, 2**16))
def test_apply_transpose_equals_reference_of_transposed_spec(spec, seed):
    """C^T y is the reference op of ``spec.transpose()`` applied to y.

    For a transposed spec whose output_padding reaches its stride (allowed when the
    dilation is larger) the convolution back yields extra cells at the end; the
    adjoint is its first input_size cells (and ``transpose`` refuses it, see below).
    """
    y = random_values(spec.output_size, seed)
    w = random_values(spec.kernel, seed + 1)
    back = ConvSpec(
        input_size=spec.output_size,
        kernel=spec.kernel,
        stride=spec.stride,
        padding=spec.padding,
        dilation=spec.dilation,
        output_padding=spec.transpose().output_padding if not spec.transposed else 0,
        transposed=not spec.transposed,
    )
    first = tuple(slice(0, n) for n in spec.input_size)
    expected = reference_output(back, y, w)[first]
    assert expected.shape == spec.input_size
    np.testing.assert_array_equal(apply_transpose(spec, y, w), expected)
    if not spec.transposed or all(op < s for op, s in zip(spec.output_padding, spec.stride)):
        assert back.output_size == spec.input_size


def test_transposed_spec_with_output_padding_past_the_stride_has_no_transpose():
    """PyTorch allows stride <= output_padding < dilation; no convolution goes back then."""
    spec = ConvSpec(input_size=3, kernel=2, stride=1, dilation=3, output_padding=2, transposed=True)
    assert spec.output_size == (8,)
    with pytest.raises(
        ConvanimError, match=r"output_padding \(axis 0\): 2 is not smaller than stride"
    ):
        spec.transpose()


@SETTINGS
@given(spec=conv_specs(), seed=st.integers(0, 2**16))
def test_apply_transpose_is_the_adjoint_of_apply(spec, seed):
    """<C x, y> == <x, C^T y> exactly: integer-valued floats sum without rounding."""
    x = random_values(spec.input_size, seed)
    y = random_values(spec.output_size, seed + 1)
    w = random_values(spec.kernel, seed + 2)
    assert np.vdot(apply(spec, x, w), y) == np.vdot(x, apply_transpose(spec, y, w))


@SETTINGS
@given(spec=conv_specs())
def test_overlap_counts_match_reference_of_ones(spec):
    """Taps per output (conv) or stamps per output (transposed) = the op on all-ones arrays."""
    ones = reference_output(spec, np.ones(spec.input_size), np.ones(spec.kernel))
    np.testing.assert_array_equal(overlap_counts(spec), ones)


@settings(max_examples=60, deadline=None)
@given(spec=conv_specs(max_ndim=2))
def test_interior_overlap_is_the_distinct_reference_counts_away_from_borders(spec):
    """On a 40-cell input, the reference op on ones counts the interior taps in the middle
    of the output, away from where padding or the ends of the input drop taps."""
    large = ConvSpec(**{**spec_fields(spec), "input_size": (40,) * spec.ndim})
    ones = reference_output(large, np.ones(large.input_size), np.ones(large.kernel))
    middle = []
    for k, s, (pb, pa), d, size in zip(
        large.kernel, large.stride, large.padding, large.dilation, large.output_size
    ):
        span = d * (k - 1) + 1
        if large.transposed:  # generous: a stamp and the output padding at either end
            before = after = span + max(s, d)
        else:  # the outputs whose window overlaps the padding
            before, after = -(-pb // s) + 1, -(-pa // s) + 1
        assert size - before - after >= s  # every phase o mod s is in the middle
        middle.append(slice(before, size - after))
    np.testing.assert_array_equal(interior_overlap(large), np.unique(ones[tuple(middle)]))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (dict(input_size=4, kernel=3, stride=2, transposed=True), [1, 2]),
        (dict(input_size=(4, 4), kernel=3, stride=2, transposed=True), [1, 2, 4]),
        (dict(input_size=(6, 6), kernel=4, stride=2, padding=1, transposed=True), [4]),
        (dict(input_size=(7, 7), kernel=3, stride=2), [9]),
    ],
)
def test_interior_overlap_shows_the_checkerboard(fields, expected):
    assert interior_overlap(ConvSpec(**fields)).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(spec=conv_specs(max_ndim=2))
def test_read_cells_change_the_reference_output_and_unread_cells_do_not(spec):
    """With x and w all ones, adding 1 at a read cell changes some output of the reference
    op; at an unread cell it changes none."""
    w = np.ones(spec.kernel)
    base = reference_output(spec, np.ones(spec.input_size), w)
    matters = np.zeros(spec.input_size, dtype=bool)
    for position in np.ndindex(spec.input_size):
        x = np.ones(spec.input_size)
        x[position] += 1.0
        matters[position] = np.any(reference_output(spec, x, w) != base)
    np.testing.assert_array_equal(read_inputs(spec), matters)
    np.testing.assert_array_equal(unread_inputs(spec), np.argwhere(~matters))


def test_unread_rows_when_stride_does_not_divide():
    spec = ConvSpec(input_size=(6, 6), kernel=3, stride=2)
    assert spec.output_size == (2, 2)
    unread = unread_inputs(spec)
    assert {tuple(c) for c in unread} == {(i, 5) for i in range(6)} | {(5, j) for j in range(6)}


def test_dilation_larger_than_stride_skips_cells():
    spec = ConvSpec(input_size=(7,), kernel=3, dilation=3, stride=2)
    assert spec.output_size == (1,)
    assert unread_inputs(spec)[:, 0].tolist() == [1, 2, 4, 5]


# Every cached view, called as view(spec) on a transposed spec with unread input cells.
CACHED_VIEWS = [
    taps,
    read_inputs,
    unread_inputs,
    overlap_counts,
    interior_overlap,
    kernel_index_matrix,
    canvas,
    scatter,
]


def view_arrays(view) -> list[np.ndarray]:
    """The arrays of a view: itself, or the array fields of a view dataclass."""
    if isinstance(view, np.ndarray):
        return [view]
    arrays = [value for value in vars(view).values() if isinstance(value, np.ndarray)]
    assert arrays
    return arrays


@pytest.mark.parametrize("view", CACHED_VIEWS, ids=lambda view: view.__name__)
def test_views_are_cached_and_read_only(view):
    spec = ConvSpec(
        input_size=(4, 5), kernel=2, stride=(3, 2), padding=((2, 0), 1), transposed=True
    )
    assert len(unread_inputs(spec)) > 0  # so that every view holds at least one entry
    first = view(spec)
    assert view(spec) is first
    # An equal spec is another spec with its own cache, and gets equal contents.
    again = view(ConvSpec(**spec_fields(spec)))
    for array, other in zip(view_arrays(first), view_arrays(again)):
        np.testing.assert_array_equal(array, other)
        assert not array.flags.writeable
        assert array.size > 0
        with pytest.raises(ValueError, match="read-only"):
            array[(0,) * array.ndim] = 7


def test_scatter_refuses_a_convolution():
    with pytest.raises(ConvanimError) as caught:
        scatter(ConvSpec(input_size=5, kernel=3))
    assert caught.value.argument == "transposed"
    assert "only for a transposed convolution" in str(caught.value)


def test_scatter_running_sums_are_read_only():
    spec = ConvSpec(input_size=(2, 3), kernel=2, stride=2, transposed=True)
    sums = scatter_running_sums(spec, arange_values(spec.input_size), arange_values(spec.kernel))
    with pytest.raises(ValueError, match="read-only"):
        sums[0, 0, 0] = 7.0


def test_module_settings_inherit_the_loaded_hypothesis_profile():
    """conftest loads the profile before this module builds SETTINGS, so SETTINGS inherits it."""
    assert SETTINGS.deadline is None
    assert SETTINGS.derandomize == settings.default.derandomize
    assert SETTINGS.print_blob == settings.default.print_blob
    if os.environ.get("HYPOTHESIS_PROFILE") == "ci":
        assert settings.default.derandomize
        assert settings.default.print_blob
        assert SETTINGS.derandomize


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
    t = taps(spec)
    # Each axis contributes sum over outputs of the real kernel taps: n*k - p*(p+1).
    per_axis = [n * 7 - 3 * 4 for n in (200, 300)]
    assert len(t) == per_axis[0] * per_axis[1]
    x = random_values(spec.input_size, 0)
    w = random_values(spec.kernel, 1)
    np.testing.assert_array_equal(apply(spec, x, w), reference.conv(x, w, spec))


def test_dense_matrix_refuses_huge_specs():
    spec = ConvSpec(input_size=(128, 128), kernel=3, padding=1)
    with pytest.raises(ConvanimError) as caught:
        dense_matrix(spec, np.ones((3, 3)))
    assert caught.value.argument == "input_size"
    assert str(caught.value) == (
        f"input_size: the dense 16384x16384 matrix would exceed {MATRIX_MAX_ENTRIES} entries; "
        "choose a smaller input"
    )
    assert MATRIX_MAX_ENTRIES == 16777216
    with pytest.raises(ConvanimError, match="would exceed"):
        kernel_index_matrix(spec)
    small = ConvSpec(input_size=(64, 64), kernel=3, padding=1)  # 4096 x 4096: at the limit
    assert dense_matrix(small, np.ones((3, 3))).shape == (4096, 4096)


def test_dense_matrix_rejects_wrong_kernel_shape():
    spec = ConvSpec(input_size=(4, 4), kernel=3)
    with pytest.raises(ConvanimError, match=r"w: must have shape \(3, 3\), got \(2, 2\)"):
        dense_matrix(spec, np.ones((2, 2)))
    with pytest.raises(ConvanimError, match=r"x: must have shape \(4, 4\), got \(7, 7\)"):
        apply(spec, np.ones((7, 7)), np.ones((3, 3)))
    with pytest.raises(ConvanimError, match=r"y: must have shape \(2, 2\)"):
        apply_transpose(spec, np.ones(4), np.ones((3, 3)))


def test_dense_matrix_of_arange_kernel_matches_guide_example():
    spec = ConvSpec(input_size=(4, 4), kernel=3)
    w = arange_values((3, 3))
    m = dense_matrix(spec, w)
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
        (
            dict(input_size=(5, 5), kernel=3, stride=(1,)),
            "stride",
            None,
            "has 1 values but input_size has 2 axes",
        ),
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
            "must be smaller than stride (2) or dilation (1), got 2",
        ),
        (
            dict(input_size=5, kernel=3, output_padding=-1, transposed=True),
            "output_padding",
            None,
            "negative",
        ),
        (dict(input_size=2, kernel=5), "kernel", 0, "spans 5 cells"),
        (dict(input_size=1, kernel=2, padding=3, transposed=True), "padding", 0, "empty"),
        (dict(input_size=5.0, kernel=3), "input_size", None, "integer"),
        (dict(input_size=5, kernel=True), "kernel", None, "integer"),
        (dict(input_size=5, kernel=3, stride="2"), "stride", None, "integer"),
        (dict(input_size=5, kernel=3, transposed=1), "transposed", None, "True or False"),
    ],
)
def test_invalid_specs_name_argument_and_rule(fields, argument, axis, words):
    with pytest.raises(ConvanimError) as caught:
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


@SETTINGS
@given(spec=conv_specs(), limit=st.sampled_from([1, 3, 8, 10**6]))
def test_unread_count_and_first_unread_agree_with_the_dense_mask(spec, limit):
    unread = np.argwhere(~read_inputs(spec))
    assert unread_count(spec) == len(unread)
    np.testing.assert_array_equal(first_unread(spec, limit), unread[:limit])


def test_unread_cells_of_a_huge_input_need_no_dense_mask():
    """10^10 input cells: the count and the first cells come from the per-axis reads alone."""
    spec = ConvSpec(input_size=(100_000, 100_000), kernel=3, stride=2)
    assert unread_count(spec) == 2 * 100_000 - 1  # the last row and the last column
    assert first_unread(spec, 3).tolist() == [[0, 99_999], [1, 99_999], [2, 99_999]]


@SETTINGS
@given(spec=conv_specs(max_size=12))
def test_axis_read_runs_match_the_taps(spec):
    """Per axis, the closed-form read count and unread cells equal those the taps reach."""
    for axis in spec.axes:
        alone = ConvSpec(
            input_size=axis.size,
            kernel=axis.kernel,
            stride=axis.stride,
            padding=[axis.padding],
            dilation=axis.dilation,
            output_padding=axis.output_padding,
            transposed=axis.transposed,
        )
        reached = np.zeros(axis.size, dtype=bool)
        reached[taps(alone).input[:, 0]] = True
        assert axis.read_count() == reached.sum()
        assert list(axis.unread_cells()) == np.flatnonzero(~reached).tolist()


@pytest.mark.parametrize(
    ("fields", "count", "first"),
    [
        ({"input_size": 10**9, "kernel": 3, "stride": 2}, 1, [[999_999_999]]),
        ({"input_size": 10**9, "kernel": 3, "stride": 10**6}, 999_997_000, [[3], [4], [5]]),
        (
            {"input_size": 10**9, "kernel": 3, "stride": 7, "padding": 4, "transposed": True},
            2,
            [[0], [999_999_999]],
        ),
        (
            {"input_size": (10**9,) * 3, "kernel": 3, "stride": 3, "dilation": 2},
            None,
            [[0, 0, 1], [0, 0, 999_999_996], [0, 0, 999_999_998]],
        ),
    ],
)
def test_unread_cells_of_any_size_answer_at_once(fields, count, first):
    spec = ConvSpec(**fields)
    if count is not None:
        assert unread_count(spec) == count
    assert first_unread(spec, 3).tolist() == first


@settings(max_examples=400, deadline=None)
@given(
    kernel=st.integers(1, 6),
    stride=st.integers(1, 4),
    dilation=st.integers(1, 4),
    output_padding=st.integers(0, 3),
    transposed=st.booleans(),
    padding=st.one_of(
        st.integers(0, 6),
        st.tuples(st.integers(0, 6), st.integers(0, 6)),
        st.sampled_from(["same", "valid", "full"]),
    ),
)
def test_default_input_size_is_the_best_of_a_brute_force_search(
    kernel, stride, dilation, output_padding, transposed, padding
):
    """Against every input size 1..60 that makes a valid spec, per the documented rule."""
    fields = dict(kernel=kernel, stride=stride, dilation=dilation, transposed=transposed)
    fields["output_padding"] = output_padding
    outputs = {}
    for n in range(1, 60):
        try:
            spec = ConvSpec(
                input_size=n, padding=padding if isinstance(padding, str) else [padding], **fields
            )
        except ConvanimError:
            continue
        outputs[n] = spec.output_size[0]
    chosen = default_input_size(
        kernel=(kernel,),
        stride=(stride,),
        padding=(padding,),
        dilation=(dilation,),
        output_padding=(output_padding,),
        transposed=transposed,
    )[0]
    if not outputs:
        assert chosen == 5  # nothing fits: the spec itself will say why
    elif transposed:
        best = min(outputs, key=lambda n: (abs(outputs[n] - 5), -outputs[n]))
        assert chosen == best
    else:
        assert chosen == (5 if 5 in outputs else min(outputs))


@SETTINGS
@given(spec=conv_specs(transposed=False, max_size=9))
def test_every_output_reads_exactly_when_no_window_is_all_padding(spec):
    """The per-axis closed form against the reference convolution of ones."""
    counts = reference.conv(np.ones(spec.input_size), np.ones(spec.kernel), spec)
    assert all(axis.every_output_reads() for axis in spec.axes) == bool(counts.min() > 0)
