"""Channels, groups and bias: the geometry against the independent grouped NumPy reference."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import reference
from conftest import arange_values, channel_specs, conv_specs, random_values
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.errors import ConvanimError
from convanim.geometry import (
    ConvSpec,
    Pooling,
    apply,
    apply_transpose,
    channel_taps,
    connectivity,
    dense_matrix,
    kernel_index_matrix,
    taps,
)

SETTINGS = settings(max_examples=150, deadline=None)


def reference_output(spec: ConvSpec, x, w, b=None) -> np.ndarray:
    op = reference.conv_transpose_grouped if spec.transposed else reference.conv_grouped
    return op(x, w, spec, b)


def layer_values(spec: ConvSpec, seed: int):
    """x counting up from 1 (every misplaced index shows), signed small weights, a bias."""
    x = arange_values((spec.in_channels, *spec.input_size))
    w = random_values(spec.weight_shape, seed)
    b = random_values(spec.out_channels, seed + 1) if spec.bias else None
    return x, w, b


@SETTINGS
@given(spec=channel_specs(), seed=st.integers(0, 2**16))
def test_apply_with_channels_groups_and_bias_matches_reference(spec, seed):
    x, w, b = layer_values(spec, seed)
    expected = reference_output(spec, x, w, b)
    assert expected.shape == (spec.out_channels, *spec.output_size)
    np.testing.assert_array_equal(apply(spec, x, w, b), expected)


@SETTINGS
@given(spec=channel_specs(), seed=st.integers(0, 2**16))
def test_bias_is_added_once_per_output_channel(spec, seed):
    spec = dataclasses.replace(spec, bias=True)
    x, w, b = layer_values(spec, seed)
    with_bias, without = apply(spec, x, w, b), apply(spec, x, w)
    np.testing.assert_array_equal(
        with_bias - without, np.broadcast_to(b.reshape(-1, *(1,) * spec.ndim), with_bias.shape)
    )


@SETTINGS
@given(spec=conv_specs(max_ndim=2), seed=st.integers(0, 2**16))
def test_grouped_reference_with_one_channel_is_the_plain_reference(spec, seed):
    """The two references agree where both apply: the grouped one adds no error of its own."""
    x, w = random_values(spec.input_size, seed), random_values(spec.kernel, seed + 1)
    plain = (reference.conv_transpose if spec.transposed else reference.conv)(x, w, spec)
    np.testing.assert_array_equal(reference_output(spec, x[None], w[None, None])[0], plain)


@SETTINGS
@given(spec=conv_specs(max_ndim=2), seed=st.integers(0, 2**16))
def test_one_channel_arrays_may_leave_out_their_channel_axes(spec, seed):
    x, w = random_values(spec.input_size, seed), random_values(spec.kernel, seed + 1)
    y = random_values(spec.output_size, seed + 2)
    plain = apply(spec, x, w)
    assert plain.shape == spec.output_size
    np.testing.assert_array_equal(apply(spec, x[None], w[None, None]), plain[None])
    np.testing.assert_array_equal(apply(spec, x, w[None, None]), plain)
    back = apply_transpose(spec, y, w)
    assert back.shape == spec.input_size
    np.testing.assert_array_equal(apply_transpose(spec, y[None], w), back[None])
    np.testing.assert_array_equal(dense_matrix(spec, w[None, None]), dense_matrix(spec, w))


@SETTINGS
@given(spec=conv_specs(max_ndim=2), seed=st.integers(0, 2**16))
def test_one_channel_sums_add_the_taps_in_their_order(spec, seed):
    """Non-integer values round: apply and its adjoint add each cell's terms in the order of
    the taps, as a loop over them does, so a one-channel op gives the same bits as before."""
    rng = np.random.default_rng(seed)
    x, w, y = (rng.normal(size=shape) for shape in (spec.input_size, spec.kernel, spec.output_size))
    t = taps(spec)
    outputs, inputs, kernel = tuple(t.output.T), tuple(t.input.T), tuple(t.kernel.T)
    forward = np.zeros(spec.output_size)
    np.add.at(forward, outputs, x[inputs] * w[kernel])
    backward = np.zeros(spec.input_size)
    np.add.at(backward, inputs, y[outputs] * w[kernel])
    assert apply(spec, x, w).tobytes() == forward.tobytes()
    assert apply_transpose(spec, y, w).tobytes() == backward.tobytes()


@SETTINGS
@given(spec=channel_specs(transposed=False), seed=st.integers(0, 2**16))
def test_transpose_with_the_same_weights_is_the_adjoint(spec, seed):
    """PyTorch's convention: conv_transpose(y, w) is the adjoint of conv(x, w), same tensor w."""
    back = spec.transpose()
    assert back.weight_shape == spec.weight_shape
    assert (back.in_channels, back.out_channels, back.groups) == (
        spec.out_channels,
        spec.in_channels,
        spec.groups,
    )
    assert not back.bias  # the adjoint of the linear part
    x, w, _ = layer_values(spec, seed)
    y = random_values((spec.out_channels, *spec.output_size), seed + 2)
    forward = reference.conv_grouped(x, w, spec)
    adjoint = reference.conv_transpose_grouped(y, w, back)
    assert np.vdot(forward, y) == np.vdot(x, adjoint)
    assert np.vdot(apply(spec, x, w), y) == np.vdot(x, apply(back, y, w))
    np.testing.assert_array_equal(apply(back, y, w), adjoint)
    np.testing.assert_array_equal(apply_transpose(spec, y, w), adjoint)


@SETTINGS
@given(spec=channel_specs(), seed=st.integers(0, 2**16))
def test_apply_transpose_is_the_adjoint_of_apply(spec, seed):
    x, w, _ = layer_values(spec, seed)
    y = random_values((spec.out_channels, *spec.output_size), seed + 2)
    back = apply_transpose(spec, y, w)
    assert back.shape == (spec.in_channels, *spec.input_size)
    assert np.vdot(apply(spec, x, w), y) == np.vdot(x, back)


@SETTINGS
@given(spec=channel_specs(max_size=4), seed=st.integers(0, 2**16))
def test_dense_matrix_with_channels_matches_reference(spec, seed):
    x, w, _ = layer_values(spec, seed)
    matrix = dense_matrix(spec, w)
    rows = spec.out_channels * math.prod(spec.output_size)
    assert matrix.shape == (rows, spec.in_channels * math.prod(spec.input_size))
    np.testing.assert_array_equal(matrix @ x.ravel(), reference_output(spec, x, w).ravel())
    index = kernel_index_matrix(spec)
    np.testing.assert_array_equal(np.where(index >= 0, w.ravel()[index], 0.0), matrix)


@SETTINGS
@given(spec=channel_specs(transposed=False, max_size=4), seed=st.integers(0, 2**16))
def test_matrix_of_the_transpose_is_the_transposed_matrix(spec, seed):
    w = random_values(spec.weight_shape, seed)
    np.testing.assert_array_equal(dense_matrix(spec.transpose(), w), dense_matrix(spec, w).T)


def one_hot(shape, index) -> np.ndarray:
    values = np.zeros(shape)
    values[index] = 1.0
    return values


@settings(max_examples=60, deadline=None)
@given(spec=channel_specs())
def test_connectivity_is_what_the_reference_connects(spec):
    """Weight slice (a, b) of the reference, alone on all-ones input, reaches exactly the
    output channel its pair names; input channel c alone reaches its pairs' outputs."""
    pairs = connectivity(spec)
    assert len(pairs) == spec.out_channels * spec.in_channels // spec.groups
    every_cell = (slice(None),) * spec.ndim
    ones_x, ones_w = np.ones((spec.in_channels, *spec.input_size)), np.ones(spec.weight_shape)
    if not reference_output(spec, ones_x, ones_w).any():  # padding only: no channel is reached
        return

    def reached(x, w) -> set[int]:
        y = reference_output(spec, x, w).reshape(spec.out_channels, -1)
        return set(np.flatnonzero(y.any(axis=1)).tolist())

    for lead in np.ndindex(spec.weight_shape[:2]):
        named = pairs.output[(pairs.weight == lead).all(axis=1)].tolist()
        assert reached(ones_x, one_hot(spec.weight_shape, (*lead, *every_cell))) == set(named)
        assert len(named) == 1
    for channel in range(spec.in_channels):
        x = one_hot((spec.in_channels, *spec.input_size), (channel, *every_cell))
        assert reached(x, ones_w) == set(pairs.output[pairs.input == channel].tolist())
    for group, (inputs, outputs) in enumerate(zip(pairs.group_inputs, pairs.group_outputs)):
        assert (range(inputs[0], inputs[-1] + 1), range(outputs[0], outputs[-1] + 1)) == (
            spec.group_channels(group)
        )


@SETTINGS
@given(spec=channel_specs(max_size=5), seed=st.integers(0, 2**16))
def test_channel_taps_are_every_term_in_order(spec, seed):
    terms = channel_taps(spec)
    x, w, _ = layer_values(spec, seed)
    y = np.zeros((spec.out_channels, *spec.output_size))
    np.add.at(
        y,
        (terms.output_channel, *terms.output.T),
        x[(terms.input_channel, *terms.input.T)] * w[tuple(terms.weight.T)],
    )
    np.testing.assert_array_equal(y, reference_output(spec, x, w))
    keys = np.column_stack(
        [terms.output_channel, terms.output, terms.input_channel, terms.weight[:, 2:]]
    )
    np.testing.assert_array_equal(np.lexsort(keys.T[::-1]), np.arange(len(terms)))
    assert len(np.unique(keys, axis=0)) == len(terms)
    assert len(terms) == spec.multiply_accumulates


@SETTINGS
@given(spec=channel_specs(max_ndim=3))
def test_counts_match_the_reference(spec):
    """Real products: the reference on all-ones arrays counts them; the dense count is
    every output cell times every weight of its group; parameters are PyTorch's."""
    ones = reference_output(
        spec, np.ones((spec.in_channels, *spec.input_size)), np.ones(spec.weight_shape)
    )
    assert spec.multiply_accumulates == ones.sum()
    per_output = spec.in_channels // spec.groups * math.prod(spec.kernel)
    assert spec.dense_multiply_accumulates == ones.size * per_output
    assert spec.parameter_count == math.prod(spec.weight_shape) + spec.bias * spec.out_channels
    assert spec.bias_shape == ((spec.out_channels,) if spec.bias else None)


@settings(max_examples=300, deadline=None)
@given(spec=conv_specs(max_size=12))
def test_axis_tap_counts_are_the_taps(spec):
    for axis in spec.axes:
        assert axis.tap_count() == axis.pairs()[1].sum()
    assert math.prod(axis.tap_count() for axis in spec.axes) == len(taps(spec))


def test_layer_of_the_issue():
    """nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2)."""
    spec = ConvSpec(
        input_size=(3, 3),
        kernel=3,
        stride=2,
        padding=1,
        output_padding=1,
        transposed=True,
        in_channels=4,
        out_channels=2,
        groups=2,
        bias=True,
    )
    assert spec.weight_shape == (4, 1, 3, 3)
    assert spec.parameter_count == 4 * 9 + 2
    assert spec.group_channels(1) == (range(2, 4), range(1, 2))
    pairs = connectivity(spec)
    assert pairs.output.tolist() == [0, 0, 1, 1]
    assert pairs.input.tolist() == [0, 1, 2, 3]
    assert pairs.weight.tolist() == [[0, 0], [1, 0], [2, 0], [3, 0]]
    assert apply(spec, np.zeros((4, 3, 3)), np.ones((4, 1, 3, 3)), np.array([1.0, 2.0]))[
        :, 0, 0
    ].tolist() == [1.0, 2.0]


def test_connectivity_is_cached_and_read_only():
    spec = ConvSpec(input_size=4, kernel=2, in_channels=4, out_channels=6, groups=2)
    pairs = connectivity(spec)
    assert connectivity(spec) is pairs
    for array in (pairs.group_inputs, pairs.group_outputs, pairs.output, pairs.input, pairs.weight):
        with pytest.raises(ValueError, match="read-only"):
            array[(0,) * array.ndim] = 7


def test_spatial_views_and_equality_follow_the_fields():
    plain = ConvSpec(input_size=(5, 5), kernel=3, stride=2)
    layer = dataclasses.replace(plain, in_channels=2, out_channels=4, groups=2, bias=True)
    assert layer != plain
    np.testing.assert_array_equal(taps(layer).input, taps(plain).input)
    wide = layer.with_leading_axes(3)
    assert (wide.in_channels, wide.out_channels, wide.groups, wide.bias) == (2, 4, 2, True)


@pytest.mark.parametrize(
    ("fields", "argument", "words"),
    [
        (dict(in_channels=0), "in_channels", "must be positive, got 0"),
        (dict(out_channels=-2), "out_channels", "must be positive, got -2"),
        (dict(groups=0), "groups", "must be positive, got 0"),
        (dict(in_channels=3, groups=2), "in_channels", "must be divisible by groups (2), got 3"),
        (dict(in_channels=4, out_channels=3, groups=2), "out_channels", "divisible by groups"),
        (dict(in_channels=2.0), "in_channels", "must be an integer, got 2.0"),
        (dict(groups=True), "groups", "must be an integer, got True"),
        (dict(bias=1), "bias", "must be True or False, got 1"),
    ],
)
def test_invalid_channels_name_argument_and_rule(fields, argument, words):
    with pytest.raises(ConvanimError) as caught:
        ConvSpec(input_size=5, kernel=3, **fields)
    assert caught.value.argument == argument
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda spec: apply(spec, np.ones((5, 5)), np.ones((2, 2, 3, 3))),
            r"x: must have shape \(4, 5, 5\)",
        ),
        (
            lambda spec: apply(spec, np.ones((4, 5, 5)), np.ones((3, 3))),
            r"w: must have shape \(2, 2, 3, 3\)",
        ),
        (
            lambda spec: apply(spec, np.ones((4, 5, 5)), np.ones((2, 2, 3, 3)), np.ones(3)),
            r"b: must have shape \(2,\)",
        ),
        (
            lambda spec: apply_transpose(spec, np.ones((3, 3)), np.ones((2, 2, 3, 3))),
            r"y: must have shape \(2, 3, 3\)",
        ),
        (lambda spec: spec.group_channels(2), r"group: must be in 0..1, got 2"),
    ],
)
def test_wrong_arrays_are_refused_with_their_shapes(call, message):
    spec = ConvSpec(input_size=(5, 5), kernel=3, in_channels=4, out_channels=2, groups=2, bias=True)
    with pytest.raises(ConvanimError, match=message):
        call(spec)


def test_a_bias_needs_a_spec_with_one():
    spec = ConvSpec(input_size=5, kernel=3)
    with pytest.raises(ConvanimError, match=r"b: the spec has no bias \(bias is False\)"):
        apply(spec, np.ones(5), np.ones(3), np.ones(1))


@pytest.mark.parametrize(
    ("fields", "argument"),
    [(dict(in_channels=2, out_channels=2, groups=2), "in_channels"), (dict(bias=True), "bias")],
)
def test_pooling_has_one_channel_and_no_bias(fields, argument):
    with pytest.raises(ConvanimError) as caught:
        Pooling(ConvSpec(input_size=4, kernel=2, **fields), "max")
    assert caught.value.argument == argument
    assert "pools every channel alike" in str(caught.value)
