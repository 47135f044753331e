"""The order a layer with channels is told in (geometry.channels) against the grouped NumPy
reference: which channels each frame lights, what it has made, the stamps each output
cell has received, which output channels are complete, and each channel's partial sum."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import reference
from conftest import arange_values, channel_specs, random_values
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.geometry import ConvSpec, scatter
from convanim.geometry.channels import PartialSums, layer_order

SETTINGS = settings(max_examples=80, deadline=None)


def group_channels(spec: ConvSpec, group: int) -> tuple[list[int], list[int]]:
    """The input and output channels of ``group``: consecutive equal blocks, as PyTorch groups."""
    inputs, outputs = spec.in_channels // spec.groups, spec.out_channels // spec.groups
    return (
        list(range(group * inputs, (group + 1) * inputs)),
        list(range(group * outputs, (group + 1) * outputs)),
    )


def sampled(count: int, seed: int) -> list[int]:
    return sorted({0, count // 2, count - 1, seed % count})


@SETTINGS
@given(spec=channel_specs(transposed=False), seed=st.integers(0, 2**16))
def test_gather_frames_make_each_output_in_turn_from_its_groups_partial_sums(spec, seed):
    order = layer_order(spec, stamps=False)
    cells = math.prod(spec.output_size)
    made_in_order = [(o, k) for o in range(spec.out_channels) for k in range(cells)]
    assert len(order) == len(made_in_order)
    x = arange_values((spec.in_channels, *spec.input_size))
    w = random_values(spec.weight_shape, seed)
    y = reference.conv_grouped(x, w, spec).reshape(spec.out_channels, -1)
    sums = PartialSums(spec, x, w)
    for index in sampled(len(order), seed):
        o, k = made_in_order[index]
        frame = order.frame(index)
        inputs, _ = group_channels(spec, o // (spec.out_channels // spec.groups))
        assert (frame.channel, frame.cell, frame.outputs.tolist()) == (o, k, [o])
        assert frame.inputs.tolist() == inputs
        made = np.array(
            [
                [made_in_order.index((a, b)) <= index for b in range(cells)]
                for a in range(spec.out_channels)
            ]
        )
        np.testing.assert_array_equal(order.made(index), made)
        partials = sums.at(index)
        np.testing.assert_allclose(partials.sum(), y[o, k], atol=1e-9)
        alone = dataclasses.replace(spec, in_channels=1, out_channels=1, groups=1, bias=False)
        for n, (i, j) in enumerate(zip(inputs, frame.slices[:, 1])):
            one = reference.conv_grouped(x[i : i + 1], w[o : o + 1, j : j + 1], alone)
            np.testing.assert_allclose(partials[n], one.reshape(-1)[k], atol=1e-9)


@SETTINGS
@given(spec=channel_specs(transposed=True), seed=st.integers(0, 2**16))
def test_scatter_frames_count_the_stamps_each_output_cell_has_received(spec, seed):
    order = layer_order(spec, stamps=True)
    cells = math.prod(spec.input_size)
    assert len(order) == spec.in_channels * cells
    inside = scatter(spec.spatial).grid_inside
    for index in sampled(len(order), seed):
        i, k = divmod(index, cells)
        frame = order.frame(index)
        _, outputs = group_channels(spec, i // (spec.in_channels // spec.groups))
        assert (frame.channel, frame.cell, frame.inputs.tolist()) == (i, k, [i])
        assert frame.outputs.tolist() == outputs
        stamped = (np.arange(len(order)) <= index).astype(float)
        stamped = stamped.reshape(spec.in_channels, *spec.input_size)
        expected = reference.conv_transpose_grouped(stamped, np.ones(spec.weight_shape), spec)
        counts = order.stamp_counts(index)
        np.testing.assert_array_equal(counts[:, inside].reshape(expected.shape), expected)
        for o in range(spec.out_channels):
            group_inputs, _ = group_channels(spec, o // (spec.out_channels // spec.groups))
            assert order.complete(index)[o] == bool(stamped[group_inputs].all())
