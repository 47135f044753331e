"""The backward pass against the independent NumPy reference.

The loss ``L = <y, dy>`` of a layer without its bias is linear in x and, separately, in
w, so each gradient entry is L at a unit tensor: ``dx[i] = <conv(e_i, w), dy>`` and
``dw[k] = <conv(x, e_k), dy>``, computed with ``tests/reference.py``'s convolutions,
which share nothing with the geometry. ``db[o] = <conv(0, 0, e_o), dy>``: the bias alone.
The values are small integers, so every sum is exact and compared for equality.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import reference
from conftest import arange_values, channel_specs, random_values
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, apply
from convanim.geometry.backward import bias_gradient, gradients, weight_gradient
from convanim.story.backward import Grad, gradient_story

SETTINGS = settings(max_examples=120, deadline=None)


def forward(spec: ConvSpec, x, w, b=None) -> np.ndarray:
    op = reference.conv_transpose_grouped if spec.transposed else reference.conv_grouped
    return op(x, w, spec, b)


def unit(shape, index) -> np.ndarray:
    one = np.zeros(shape)
    one[index] = 1.0
    return one


def layer_values(spec: ConvSpec, seed: int):
    x = arange_values((spec.in_channels, *spec.input_size))
    w = random_values(spec.weight_shape, seed)
    dy = random_values((spec.out_channels, *spec.output_size), seed + 1)
    return x, w, dy


@SETTINGS
@given(spec=channel_specs(max_size=5), seed=st.integers(0, 2**16))
def test_every_gradient_is_the_loss_at_a_unit_tensor(spec, seed):
    x, w, dy = layer_values(spec, seed)
    grads = gradients(spec, x, w, dy)
    dx = np.array([np.sum(forward(spec, unit(x.shape, i), w) * dy) for i in np.ndindex(x.shape)])
    dw = np.array([np.sum(forward(spec, x, unit(w.shape, k)) * dy) for k in np.ndindex(w.shape)])
    np.testing.assert_array_equal(grads.dx, dx.reshape(x.shape))
    np.testing.assert_array_equal(grads.dw, dw.reshape(w.shape))
    if spec.bias:
        zeros = np.zeros(x.shape), np.zeros(w.shape)
        outputs = range(spec.out_channels)
        db = [np.sum(forward(spec, *zeros, unit(spec.out_channels, o)) * dy) for o in outputs]
        np.testing.assert_array_equal(grads.db, db)
    else:
        assert grads.db is None


@SETTINGS
@given(spec=channel_specs(transposed=False, max_size=5), seed=st.integers(0, 2**16))
def test_the_input_gradient_is_the_transposed_layer_with_the_same_weights(spec, seed):
    """dx = C^T dy: the transposed convolution back to the input's size, run by the
    reference's own scatter, with the very same weight tensor."""
    x, w, dy = layer_values(spec, seed)
    back = spec.transpose()
    np.testing.assert_array_equal(
        gradients(spec, x, w, dy).dx, reference.conv_transpose_grouped(dy, w, back)
    )


def test_one_channel_arrays_may_leave_out_their_channel_axes():
    spec = ConvSpec(input_size=(4, 5), kernel=(2, 3), stride=(2, 1), padding=1)
    x, w, dy = (
        arange_values(spec.input_size),
        random_values(spec.kernel, 1),
        random_values(spec.output_size, 2),
    )
    plain = gradients(spec, x, w, dy)
    full = gradients(spec, x[None], w[None, None], dy[None])
    assert plain.dx.shape == spec.input_size and plain.dw.shape == spec.kernel
    np.testing.assert_array_equal(plain.dx, full.dx[0])
    np.testing.assert_array_equal(plain.dw, full.dw[0, 0])


def test_an_unread_input_cell_gets_no_gradient_and_its_weights_nothing_from_it():
    """k 3, s 2 over 6 cells: cell 5 is never read; dx there is 0."""
    spec = ConvSpec(input_size=6, kernel=3, stride=2)
    x = np.array([0, 0, 0, 0, 0, 100.0])
    grads = gradients(spec, x, np.ones(3), np.ones(spec.output_size))
    assert grads.dx[5] == 0 and grads.dw.tolist() == [0.0, 0.0, 0.0]


def test_a_gradient_of_the_wrong_shape_is_refused_by_name():
    spec = ConvSpec(input_size=5, kernel=3, in_channels=2, out_channels=2, bias=True)
    with pytest.raises(ConvanimError, match="dy"):
        weight_gradient(spec, np.zeros((2, 5)), np.zeros((2, 4)))
    with pytest.raises(ConvanimError, match="dy"):
        bias_gradient(spec, np.zeros(3))


def test_the_weight_gradient_is_built_within_the_budget():
    spec = dataclasses.replace(ConvSpec(input_size=(9000, 9000), kernel=3), in_channels=4)
    with pytest.raises(ConvanimError, match="weight_gradient would hold"):
        weight_gradient(spec, np.zeros((1, 1)), np.zeros((1, 1)))


@SETTINGS
@given(spec=channel_specs(max_size=6), seed=st.integers(0, 2**16))
def test_each_gradients_picture_computes_that_gradient(spec, seed):
    """The layer a gradient's picture draws, run with the numbers it prints, gives the
    gradient: dx (the transposed layer on dy), dw (x correlated with dy, one output per
    weight: with channels one output channel per channel pair, holding the weights its
    tag names) and db (a kernel of ones over each channel of dy)."""
    layer = dataclasses.replace(spec, bias=False)
    x, w, dy = layer_values(layer, seed)
    grads = gradients(layer, x, w, dy)
    for grad in (Grad.INPUT, Grad.WEIGHT):
        try:
            story = gradient_story(layer, grad, x, w, dy)
        except ConvanimError as refused:
            # Weights that meet padding alone (dw is 0), or a transposed layer whose output
            # padding reaches its stride: no convolution goes back, so dx has no picture.
            no_transpose = layer.transposed and any(
                axis.output_padding >= axis.stride for axis in layer.axes
            )
            assert (grad is Grad.WEIGHT and not grads.dw.any()) or (
                grad is Grad.INPUT and no_transpose
            ), refused
            continue
        drawn = apply(story.spec, story.input, story.weights)
        if grad is Grad.INPUT:
            np.testing.assert_array_equal(drawn.reshape(grads.dx.shape), grads.dx)
            continue
        assert story.spec.out_channels == layer.out_channels * layer.in_channels // layer.groups
        tags = story.channel_tags or ("0,0",)
        assert len(tags) == story.spec.out_channels
        for tag, channel in zip(tags, drawn.reshape(len(tags), *layer.kernel)):
            a, b = map(int, tag.split(","))
            np.testing.assert_array_equal(channel, grads.dw[a, b])
    story = gradient_story(layer, Grad.BIAS, x, w, dy)
    drawn = apply(story.spec, story.input, story.weights)
    np.testing.assert_array_equal(drawn.ravel(), dy.reshape(layer.out_channels, -1).sum(axis=1))


def test_the_weight_gradient_of_a_grouped_layer_pairs_the_channels_its_groups_connect():
    """Worked by hand: 4 input channels, 2 output channels, 2 groups, a 1x1 kernel over
    one cell, so dw[o, i] = x[i of o's group] * dy[o]. x's channel 3 (group 1) meets
    only dy's channel 1: w[1, 1]."""
    spec = ConvSpec(input_size=1, kernel=1, in_channels=4, out_channels=2, groups=2)
    x, w, dy = (
        np.array([[2.0], [3.0], [5.0], [7.0]]),
        np.ones((2, 2, 1)),
        np.array([[10.0], [100.0]]),
    )
    story = gradient_story(spec, Grad.WEIGHT, x, w, dy)
    assert story.channel_tags == ("0,0", "0,1", "1,0", "1,1")
    assert story.names == ("x", "dw[o,i]", "dy[o]")  # dw[o, i]'s filter is dy[o]
    assert apply(story.spec, story.input, story.weights).ravel().tolist() == [20, 30, 500, 700]
