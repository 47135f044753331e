"""What the Manim scenes show, computed without Manim, against the NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import conv_specs
from hypothesis import given, settings

from convanim import reference
from convanim.geometry import ConvSpec
from convanim.scene_data import (
    DEFAULTS,
    SceneParams,
    arithmetic_text,
    convolution_plan,
    matrix_plan,
    reconstruction_plan,
    transposed_plan,
)

SETTINGS = settings(max_examples=40, deadline=None)


@SETTINGS
@given(spec=conv_specs(transposed=False, max_ndim=2, max_size=6))
def test_convolution_plan_steps_compute_the_reference_output(spec):
    plan = convolution_plan(SceneParams(spec, seed=3))
    expected = reference.conv(plan.x, plan.w, spec).reshape(plan.board.upper.cells.shape)
    np.testing.assert_array_equal(plan.y, expected)
    canvas = spec.canvas()
    for frame in plan.board.frames:
        taps = plan.lower_values[tuple(frame.lower.T)] * plan.w[tuple(canvas.footprint_kernel.T)]
        assert taps.sum() == plan.y[tuple(frame.upper[0])]


@SETTINGS
@given(spec=conv_specs(transposed=True, max_ndim=2, max_size=5))
def test_transposed_plan_gather_and_scatter_agree_with_reference(spec):
    plan = transposed_plan(SceneParams(spec, seed=5))
    expected = reference.conv_transpose(plan.x, plan.w, spec).reshape(plan.gather_output.shape)
    np.testing.assert_array_equal(plan.gather_output, expected)
    np.testing.assert_array_equal(plan.scatter_output, expected)
    assert len(plan.running_sums) == plan.x.size
    # The input cells land where the canvas holds them, in row-major input order.
    np.testing.assert_array_equal(plan.lower_values[tuple(plan.input_cells.T)], plan.x.ravel())


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(input_size=(4,), kernel=3),
        ConvSpec(input_size=(3, 3), kernel=2),
        ConvSpec(input_size=(5,), kernel=3, stride=2, padding=1),
        ConvSpec(input_size=(4, 3), kernel=(2, 3), padding=((0, 1), 1), dilation=(2, 1)),
    ],
)
def test_matrix_plan_nonzeros_are_the_spec_matrix(spec):
    plan = matrix_plan(SceneParams(spec, seed=1))
    w = plan.w
    np.testing.assert_array_equal(plan.matrix, spec.matrix(w))
    assert np.all(w != 0)
    np.testing.assert_array_equal(plan.kernel_index >= 0, plan.matrix != 0)
    colours = np.where(plan.kernel_index >= 0, w.ravel()[plan.kernel_index], 0)
    np.testing.assert_array_equal(colours, plan.matrix)
    np.testing.assert_array_equal(plan.transposed_matrix, plan.matrix.T)
    np.testing.assert_array_equal(
        plan.y, reference.conv(plan.x.reshape(spec.input_size), w, spec).ravel()
    )
    back = reference.conv_transpose(plan.y.reshape(spec.output_size), w, spec.transpose())
    np.testing.assert_array_equal(plan.x_back, back.ravel())


def test_reconstruction_plan_tells_the_argument():
    plan = reconstruction_plan(DEFAULTS["ReconstructionScene"])
    responses = [candidate.response for candidate in plan.candidates]
    # Among unit-length inputs, c_i itself gets the largest response, |c_i| (Cauchy-Schwarz).
    assert plan.candidates[-1].name == "c_i"
    assert max(responses) == responses[-1]
    assert np.isclose(responses[-1], np.linalg.norm(plan.row_image))
    assert plan.y.ravel()[plan.chosen] == plan.y.max()
    weighted = sum(y_i * c_i for y_i, c_i in zip(plan.y.ravel(), plan.matrix))
    np.testing.assert_allclose(plan.reconstruction.ravel(), weighted)
    np.testing.assert_allclose(plan.reconstruction, plan.transposed)
    assert len(plan.partial_sums) == 6
    top = plan.stamp_order[0]
    np.testing.assert_allclose(plan.partial_sums[0].ravel(), plan.y.ravel()[top] * plan.matrix[top])


def test_reconstruction_plan_refuses_other_kernels():
    with pytest.raises(ValueError, match="3x3 kernel"):
        reconstruction_plan(SceneParams(ConvSpec(input_size=(7, 7), kernel=5)))


def test_arithmetic_text():
    assert arithmetic_text(DEFAULTS["ConvolutionScene"].spec) == "5x5, k3, s2, p1 -> 3x3"
    odd = ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, output_padding=1, transposed=True
    )
    assert arithmetic_text(odd) == "transposed 3x3, k3, s2, p1, op1 -> 6x6"
