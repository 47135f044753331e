"""What the Manim scenes show, computed without Manim, against the NumPy reference.

``reference`` (tests/reference.py) never uses the geometry's taps, so every check
here compares a plan with an independent computation, not with the call it makes.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import reference
from conftest import conv_specs
from hypothesis import given, settings

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec
from convanim.story.board import Cell
from convanim.story.scenes import (
    DEFAULTS,
    SceneParams,
    arithmetic_text,
    backward_plan,
    convolution_plan,
    matrix_plan,
    reconstruction_plan,
    transposed_plan,
)

SETTINGS = settings(max_examples=40, deadline=None)


def unit_vectors(shape: tuple[int, ...]) -> list[np.ndarray]:
    """e_0, e_1, ...: one array of ``shape`` per cell, 1 there and 0 elsewhere (row-major)."""
    return list(np.eye(int(np.prod(shape))).reshape(-1, *shape))


def reference_matrix(forward, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The matrix of ``forward(x, w, spec)``, column j the image of the unit vector e_j."""
    return np.stack([forward(e, w, spec).ravel() for e in unit_vectors(spec.input_size)], axis=1)


@SETTINGS
@given(spec=conv_specs(transposed=False, max_ndim=2, max_size=6))
def test_convolution_plan_steps_compute_the_reference_output(spec):
    plan = convolution_plan(SceneParams(spec, seed=3))
    expected = reference.conv(plan.x, plan.w, spec).reshape(plan.board.upper.cells.shape)
    np.testing.assert_array_equal(plan.y, expected)
    # The canvas holds x on its input cells (row-major) and zeros elsewhere.
    inputs = plan.board.lower.cells == Cell.INPUT
    np.testing.assert_array_equal(plan.lower_values[inputs], plan.x.ravel())
    assert not plan.lower_values[~inputs].any()


@SETTINGS
@given(spec=conv_specs(transposed=True, max_ndim=2, max_size=5))
def test_transposed_plan_gather_and_scatter_agree_with_reference(spec):
    plan = transposed_plan(SceneParams(spec, seed=5))
    shape = plan.gather.upper.cells.shape
    expected = reference.conv_transpose(plan.x, plan.w, spec).reshape(shape)
    np.testing.assert_array_equal(plan.gather_output, expected)
    np.testing.assert_array_equal(plan.scatter_output, expected)
    # After stamp n the output holds the reference op of the first n + 1 inputs alone;
    # cells beyond the output (HIDDEN) hold nothing.
    assert len(plan.running_sums) == plan.x.size
    real = plan.scatter.upper.cells != Cell.HIDDEN
    for n, running in enumerate(plan.running_sums):
        first = np.where(np.arange(plan.x.size) <= n, plan.x.ravel(), 0.0).reshape(spec.input_size)
        partial = reference.conv_transpose(first, plan.w, spec).reshape(shape)
        np.testing.assert_array_equal(running[real].reshape(shape), partial)
        assert not running[~real].any()
    # The input cells land on the canvas's input cells, in row-major order, holding x.
    cells = plan.input_cells
    assert (plan.gather.lower.cells[tuple(cells.T)] == Cell.INPUT).all()
    assert [tuple(cell) for cell in cells] == sorted({tuple(cell) for cell in cells})
    assert len(cells) == (plan.gather.lower.cells == Cell.INPUT).sum() == plan.x.size
    np.testing.assert_array_equal(plan.lower_values[tuple(cells.T)], plan.x.ravel())


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(input_size=(4,), kernel=3),
        ConvSpec(input_size=(3, 3), kernel=2),
        ConvSpec(input_size=(5,), kernel=3, stride=2, padding=1),
        ConvSpec(input_size=(4, 3), kernel=(2, 3), padding=((0, 1), 1), dilation=(2, 1)),
    ],
)
def test_matrix_plan_is_the_reference_convolution(spec):
    check_matrix_plan(spec)


@SETTINGS
@given(spec=conv_specs(transposed=False, max_ndim=2, max_size=5))
def test_matrix_plan_is_the_reference_convolution_for_any_spec(spec):
    check_matrix_plan(spec)


def check_matrix_plan(spec: ConvSpec) -> None:
    plan = matrix_plan(SceneParams(spec, seed=1))
    w, back = plan.w, spec.transpose()
    assert np.all(w != 0)
    # Column j of C is the convolution of the unit input e_j; column j of the transposed
    # matrix is the transposed convolution of the unit output e_j.
    np.testing.assert_array_equal(plan.matrix, reference_matrix(reference.conv, w, spec))
    np.testing.assert_array_equal(
        plan.transposed_matrix, reference_matrix(reference.conv_transpose, w, back)
    )
    np.testing.assert_array_equal(plan.transposed_matrix, plan.matrix.T)
    # Each entry names the kernel position whose weight it holds.
    np.testing.assert_array_equal(plan.kernel_index >= 0, plan.matrix != 0)
    held = np.where(plan.kernel_index >= 0, w.ravel()[plan.kernel_index], 0)
    np.testing.assert_array_equal(held, plan.matrix)
    np.testing.assert_array_equal(
        plan.y, reference.conv(plan.x.reshape(spec.input_size), w, spec).ravel()
    )
    x_back = reference.conv_transpose(plan.y.reshape(spec.output_size), w, back)
    np.testing.assert_array_equal(plan.x_back, x_back.ravel())


def test_reconstruction_plan_tells_the_argument():
    params = DEFAULTS["ReconstructionScene"]
    spec = params.spec
    plan = reconstruction_plan(params)
    np.testing.assert_array_equal(plan.matrix, reference_matrix(reference.conv, plan.w, spec))
    np.testing.assert_array_equal(plan.y, reference.conv(plan.image, plan.w, spec))
    responses = [candidate.response for candidate in plan.candidates]
    # Among unit-length inputs, c_i itself gets the largest response, |c_i| (Cauchy-Schwarz).
    assert plan.candidates[-1].name == "c_i"
    assert max(responses) == responses[-1]
    assert np.isclose(responses[-1], np.linalg.norm(plan.row_image))
    assert plan.y.ravel()[plan.chosen] == plan.y.max()
    assert plan.y[plan.chosen_position] == plan.y.max()
    np.testing.assert_array_equal(plan.row_image.ravel(), plan.matrix[plan.chosen])
    weighted = sum(y_i * c_i for y_i, c_i in zip(plan.y.ravel(), plan.matrix))
    np.testing.assert_allclose(plan.reconstruction.ravel(), weighted)
    expected = reference.conv_transpose(plan.y, plan.w, spec.transpose())
    np.testing.assert_allclose(plan.transposed, expected)
    np.testing.assert_allclose(plan.reconstruction, expected)
    assert len(plan.partial_sums) == 6
    # The stamps come strongest first: the k-th partial sum adds the k largest |y_i| c_i.
    y = plan.y.ravel()
    strongest = sorted(range(len(y)), key=lambda i: -abs(y[i]))
    for count, partial in enumerate(plan.partial_sums, start=1):
        stamps = sum(y[i] * plan.matrix[i] for i in strongest[:count])
        np.testing.assert_allclose(partial.ravel(), stamps)


def test_reconstruction_plan_chosen_position_is_the_strongest_cell():
    # A wide picture: the strongest response is not on the diagonal, so rows and columns differ.
    plan = reconstruction_plan(SceneParams(ConvSpec(input_size=(6, 11), kernel=3)))
    row, column = plan.chosen_position
    assert plan.y.shape == (4, 9)
    assert plan.chosen == row * plan.y.shape[1] + column
    assert plan.y[row, column] == plan.y.max()


@pytest.mark.parametrize(
    ("spec", "argument", "rule"),
    [
        (ConvSpec(input_size=(7, 7), kernel=5), "kernel", "needs a 3x3 kernel"),
        (ConvSpec(input_size=(7,), kernel=3), "input_size", "needs a 2-D input"),
        (ConvSpec(input_size=(4, 4, 4), kernel=3), "input_size", "needs a 2-D input"),
        (ConvSpec(input_size=(5, 5), kernel=3, transposed=True), "transposed", "a convolution"),
    ],
)
def test_reconstruction_plan_refuses_other_specs(spec, argument, rule):
    with pytest.raises(ConvanimError, match=rule) as refused:
        reconstruction_plan(SceneParams(spec))
    assert refused.value.argument == argument


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("plan", [convolution_plan, transposed_plan])
def test_scene_inputs_hold_no_zero_that_could_pass_for_padding(plan, seed):
    """On a slide every 0 of the canvas is padding or an inserted zero: no input row
    reads as blank (the transposed scene's seed 0 had one)."""
    name = {convolution_plan: "ConvolutionScene", transposed_plan: "TransposedConvolutionScene"}
    params = SceneParams(DEFAULTS[name[plan]].spec, seed=seed)
    shown = plan(params)
    assert shown.x.any(axis=0).all() and shown.x.any(axis=1).all()
    board = shown.board if plan is convolution_plan else shown.gather
    np.testing.assert_array_equal(shown.lower_values == 0, board.lower.cells != Cell.INPUT)


@pytest.mark.parametrize("seed", [0, 5])
def test_animations_keep_their_seeded_values_zeros_included(seed):
    """The GIF and SVG animations draw their inputs from 0..3 as before (the gallery's bytes)."""
    from convanim.story.values import ValueSource

    spec = DEFAULTS["TransposedConvolutionScene"].spec
    x, _ = ValueSource(seed=seed).arrays(spec)
    drawn = np.random.default_rng(seed).integers(0, 4, size=spec.input_size)
    np.testing.assert_array_equal(x, drawn)


def test_plans_need_no_manim():
    code = (
        "import sys\n"
        "sys.modules['manim'] = None\n"
        "from convanim.story import scenes as plans\n"
        "for name, plan in [('ConvolutionScene', plans.convolution_plan),"
        " ('TransposedConvolutionScene', plans.transposed_plan),"
        " ('MatrixScene', plans.matrix_plan), ('ReconstructionScene', plans.reconstruction_plan)]:\n"
        "    plan(plans.DEFAULTS[name])\n"
        "print(sorted(m for m in sys.modules if m == 'reference' or m.startswith('manim')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['manim']"  # only the blocked entry: nothing imported it


def on_screen(ascii_text: str) -> str:
    """``5x5 -> 3x3`` as a scene writes it: with times signs and an arrow."""
    return ascii_text.replace("x", "\N{MULTIPLICATION SIGN}").replace("->", "\N{RIGHTWARDS ARROW}")


def test_arithmetic_text():
    spec = DEFAULTS["ConvolutionScene"].spec
    assert arithmetic_text(spec) == on_screen("5x5, k3, s2, p1 -> 3x3")
    odd = ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, output_padding=1, transposed=True
    )
    assert arithmetic_text(odd) == "transposed " + on_screen("3x3, k3, s2, p1, op1 -> 6x6")


def test_network_plan_follows_the_field_row_by_row_and_refuses_what_it_cannot_draw():
    from convanim.pytorch import build_network, parse_chain
    from convanim.story.scenes import DEFAULTS, SceneParams, network_plan

    plan = network_plan(DEFAULTS["NetworkScene"])  # dilations 1, 2, 4 on 16 cells, output 4
    by_hand = [range(4, 12), [4, 6, 8, 10], [4, 8], [4]]
    assert [row.nonzero()[0].tolist() for row in plan.field] == [list(r) for r in by_hand]
    assert plan.paths == (0,) * 4 + (1,) * 8 + (0,) * 4
    # The reads of the top row: cell j reads cells j and j + 4 of the row below.
    assert [row.nonzero()[0].tolist() for row in plan.reads[-1]][:2] == [[0, 4], [1, 5]]
    spec = DEFAULTS["NetworkScene"].spec
    plane = build_network(parse_chain("nn.Conv2d(1, 1, 3)"), 5)
    with pytest.raises(ConvanimError, match=r"^layers: the network scene draws 1-D chains"):
        network_plan(SceneParams(spec, network=plane))
    deep = build_network(parse_chain("; ".join(["nn.Conv1d(1, 1, 1)"] * 8)), 5)
    with pytest.raises(ConvanimError, match=r"^layers: the network scene draws at most 8 rows"):
        network_plan(SceneParams(spec, network=deep))
    wide = build_network(parse_chain("nn.Conv1d(1, 1, 3)"), 40)
    with pytest.raises(
        ConvanimError, match=r"^input_size: the network scene draws rows of at most 32"
    ):
        network_plan(SceneParams(spec, network=wide))


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1),
        ConvSpec(input_size=(6, 6), kernel=3, stride=2),  # a column no output reads
        ConvSpec(input_size=(3, 3), kernel=2, stride=2, transposed=True),
        ConvSpec(input_size=(7,), kernel=3, stride=2, padding=1),
    ],
)
def test_backward_plan_sends_dy_back_as_the_reference_and_its_board_says(spec):
    """y as the reference computes it; dx the loss at unit inputs through the reference; and
    each step of the backward board, its footprint of dy's canvas under the kernel (flipped
    for a convolution, whose way back is a transposed one), sums to the dx cell it fills."""
    plan = backward_plan(SceneParams(spec))
    op = reference.conv_transpose if spec.transposed else reference.conv
    x, w, dy = plan.x, plan.w, plan.dy
    np.testing.assert_array_equal(plan.y.reshape(spec.output_size), op(x, w, spec))
    dx = [np.sum(op(e, w, spec) * dy) for e in unit_vectors(x.shape)]
    np.testing.assert_array_equal(plan.dx.reshape(spec.input_size), np.reshape(dx, x.shape))
    met = np.atleast_2d(plan.backward_w).ravel()  # w flipped, or as it is (a transposed layer)
    for step in plan.backward.steps:
        footprint = np.array(sorted(map(tuple, step.lower)))  # row-major, as the kernel's taps
        total = plan.backward_values[tuple(footprint.T)] @ met
        assert total == plan.dx[tuple(step.upper[0])]


def test_reconstruction_plan_round_trip_is_the_deconvnet_of_the_reference():
    """The scene's last part, ZF Net's round trip of the same picture and kernel: each map
    against the reference (max pooling with switches window by window, unpooling by them,
    conv_transpose), and the switches marked where the pooled values came from."""
    params = DEFAULTS["ReconstructionScene"]
    spec = params.spec
    plan = reconstruction_plan(params)
    trip = plan.deconvnet
    relu = np.maximum(reference.conv(plan.image, plan.w, spec), 0)
    pooled, where = reference.max_pool_with_switches(relu, (2, 2), (2, 2))
    unpooled = reference.max_unpool(pooled, where, relu.shape)
    np.testing.assert_array_equal(trip.relu[0], relu)
    np.testing.assert_array_equal(trip.pooled[0], pooled)
    np.testing.assert_array_equal(trip.unpooled[0], unpooled)
    np.testing.assert_array_equal(plan.unpooled_relu, unpooled)
    made = reference.conv_transpose(unpooled, plan.w, spec.transpose())
    np.testing.assert_array_equal(trip.reconstruction[0], made)
    rows, columns = plan.switch_positions.T
    np.testing.assert_array_equal(relu[rows, columns], pooled.ravel())
    np.testing.assert_array_equal(rows * relu.shape[1] + columns, where.ravel())
