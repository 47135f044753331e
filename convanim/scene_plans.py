"""Numbers first: everything the Manim scenes show, computed without Manim.

Each ``*_plan`` function turns scene parameters into arrays and storyboards
taken from the geometry (``apply``, ``apply_transpose``, ``dense_matrix``, the
canvas and scatter views); the scenes in ``convanim.scenes`` only arrange and
animate them, and the tests check these plans against the NumPy reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convanim.describe import parameter_tokens, size_text
from convanim.errors import ConvanimError
from convanim.geometry import (
    ConvSpec,
    apply,
    apply_transpose,
    canvas,
    dense_matrix,
    grid_positions,
    kernel_index_matrix,
    scatter,
    scatter_running_sums,
)
from convanim.storyboard import Storyboard, View, build_storyboard, drawn_cells
from convanim.values import lower_plane_values, small_values


@dataclass(frozen=True)
class SceneParams:
    """What a scene draws: the spec, the seed of its values, and whether values are shown."""

    spec: ConvSpec
    seed: int = 0
    show_values: bool = True


DEFAULTS = {
    "ConvolutionScene": SceneParams(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)),
    "TransposedConvolutionScene": SceneParams(
        ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
    ),
    "MatrixScene": SceneParams(ConvSpec(input_size=(4,), kernel=3)),
    "ReconstructionScene": SceneParams(ConvSpec(input_size=(7, 7), kernel=3)),
}


def arithmetic_text(spec: ConvSpec) -> str:
    """``5x5, k3, s2, p1 -> 3x3`` (only the parameters that differ from the defaults)."""
    parts = [size_text(spec.input_size), *parameter_tokens(spec)]
    prefix = "transposed " if spec.transposed else ""
    return f"{prefix}{', '.join(parts)} -> {size_text(spec.output_size)}"


@dataclass(frozen=True)
class ConvolutionPlan:
    params: SceneParams
    board: Storyboard  # canvas storyboard: one step per output cell
    x: np.ndarray  # input values
    w: np.ndarray  # kernel weights
    lower_values: np.ndarray  # (rows, cols) values of the drawn canvas
    y: np.ndarray  # output values, shaped like the drawn upper plane
    text: str


def convolution_plan(params: SceneParams) -> ConvolutionPlan:
    """The convolution scene: the canvas storyboard, its values and the output."""
    spec = params.spec
    board = build_storyboard(spec, View.CANVAS)
    x, w = small_values(spec, params.seed)
    return ConvolutionPlan(
        params=params,
        board=board,
        x=x,
        w=w,
        lower_values=lower_plane_values(board, spec, x),
        y=apply(spec, x, w).reshape(board.upper.cells.shape),
        text=arithmetic_text(spec),
    )


@dataclass(frozen=True)
class TransposedPlan:
    params: SceneParams
    gather: Storyboard  # stride-1 conv over the zero-inserted, re-padded canvas
    scatter: Storyboard  # one stamp per input cell
    x: np.ndarray
    w: np.ndarray
    lower_values: np.ndarray  # gather canvas values
    flipped_w: np.ndarray  # (K,) the weight at each footprint tap, in footprint order
    input_cells: np.ndarray  # (N, 2) gather-canvas cell of each input cell, row-major
    gather_output: np.ndarray  # the op's output, shaped like the gather storyboard's upper plane
    running_sums: tuple[np.ndarray, ...]  # scatter output after each stamp (HIDDEN cells 0)
    scatter_output: np.ndarray  # the output after the last stamp, real output cells only
    text: str


def transposed_plan(params: SceneParams) -> TransposedPlan:
    """The transposed scene: the same op as a gather over the canvas and as scatter stamps."""
    spec = params.spec
    gather = build_storyboard(spec, View.CANVAS)
    stamps = build_storyboard(spec, View.SCATTER)
    x, w = small_values(spec, params.seed)
    view = canvas(spec)
    output_shape = gather.upper.cells.shape
    sums = scatter_running_sums(spec, x, w)
    return TransposedPlan(
        params=params,
        gather=gather,
        scatter=stamps,
        x=x,
        w=w,
        lower_values=lower_plane_values(gather, spec, x),
        flipped_w=w[tuple(view.footprint_kernel.T)],
        # Which drawn canvas cell holds each input cell, in row-major input order.
        input_cells=drawn_cells(view.input_cells.reshape(-1, spec.ndim)),
        gather_output=apply(spec, x, w).reshape(output_shape),
        running_sums=tuple(step.reshape(stamps.upper.cells.shape) for step in sums),
        scatter_output=sums[-1][scatter(spec).grid_inside].reshape(output_shape),
        text=arithmetic_text(spec),
    )


@dataclass(frozen=True)
class MatrixPlan:
    params: SceneParams
    w: np.ndarray
    matrix: np.ndarray  # C, (outputs, inputs): y = C x on flattened arrays
    kernel_index: np.ndarray  # (outputs, inputs) flat kernel position of each entry, -1 if none
    transposed_matrix: np.ndarray  # the transposed spec's own matrix, equal to C.T
    x: np.ndarray  # flattened input
    y: np.ndarray  # C x
    x_back: np.ndarray  # C^T y, the transposed convolution of y
    text: str
    back_text: str


def matrix_plan(params: SceneParams) -> MatrixPlan:
    """The matrix scene: C with each entry's kernel position, y = C x, and back with C^T."""
    spec = params.spec
    x, w = small_values(spec, params.seed)
    matrix = dense_matrix(spec, w)
    back = spec.transpose()
    y = matrix @ x.reshape(-1)
    return MatrixPlan(
        params=params,
        w=w,
        matrix=matrix,
        kernel_index=kernel_index_matrix(spec),
        transposed_matrix=dense_matrix(back, w),
        x=x.reshape(-1),
        y=y,
        x_back=apply(back, y.reshape(spec.output_size), w).reshape(-1),
        text=arithmetic_text(spec),
        back_text=arithmetic_text(back),
    )


@dataclass(frozen=True)
class Candidate:
    name: str
    x: np.ndarray  # (input_size) unit-norm input
    response: float  # c_i . x


@dataclass(frozen=True)
class ReconstructionPlan:
    params: SceneParams
    image: np.ndarray  # the input, a small picture
    w: np.ndarray  # the kernel: a vertical-edge detector
    matrix: np.ndarray  # C
    y: np.ndarray  # C x, shaped output_size
    chosen: int  # the output cell i whose row c_i the scene studies (the strongest response)
    chosen_position: tuple[int, ...]  # that cell's position in y
    row_image: np.ndarray  # c_i shaped like the input
    candidates: tuple[Candidate, ...]  # unit-norm inputs; the last one is c_i / |c_i|, the best
    stamp_order: np.ndarray  # output cells (flat) by decreasing |y_i|
    partial_sums: tuple[np.ndarray, ...]  # sum of y_i c_i over the first 1, 2, ... stamps
    reconstruction: np.ndarray  # C^T y = sum_i y_i c_i, shaped like the input
    transposed: np.ndarray  # the transposed convolution of y (the adjoint applied to y)


EDGE_KERNEL = np.array(
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
)  # dark-to-bright, left to right


def _picture(size: tuple[int, ...]) -> np.ndarray:
    """A bright square with a soft left edge on a dark ground: edges for the kernel to find."""
    rows, cols = size
    image = np.zeros(size)
    image[rows // 4 : rows - rows // 4, cols // 3 :] = 1.0
    image[rows // 4 : rows - rows // 4, cols // 3] = 0.5
    return image


def _check_reconstruction(spec: ConvSpec) -> None:
    if spec.ndim != 2:
        raise ConvanimError(
            "input_size", f"the reconstruction scene needs a 2-D input, got {spec.ndim}-D"
        )
    if spec.transposed:
        raise ConvanimError(
            "transposed", "the reconstruction scene needs a convolution, not a transposed one"
        )
    if spec.kernel != EDGE_KERNEL.shape:
        raise ConvanimError(
            "kernel",
            f"the reconstruction scene needs a 3x3 kernel (its edge detector), got {size_text(spec.kernel)}",
        )


def reconstruction_plan(params: SceneParams, shown_stamps: int = 6) -> ReconstructionPlan:
    """The reconstruction scene: why C^T y = sum_i y_i c_i brings back what the kernel finds."""
    spec = params.spec
    _check_reconstruction(spec)
    image = _picture(spec.input_size)
    matrix = dense_matrix(spec, EDGE_KERNEL)
    y = matrix @ image.reshape(-1)
    chosen = int(np.argmax(y))
    row = matrix[chosen]
    rng = np.random.default_rng(params.seed)
    noise = rng.standard_normal(row.shape)
    flat = np.full(row.shape, 1.0)
    candidates = []
    for name, vector in [("noise", noise), ("flat", flat), ("-c_i", -row), ("c_i", row)]:
        unit = vector / np.linalg.norm(vector)
        candidates.append(Candidate(name, unit.reshape(spec.input_size), float(row @ unit)))
    order = np.argsort(-np.abs(y), kind="stable")
    partial, sums = [], np.zeros(row.shape)
    for index in order[:shown_stamps]:
        sums = sums + y[index] * matrix[index]
        partial.append(sums.reshape(spec.input_size).copy())
    response = y.reshape(spec.output_size)
    return ReconstructionPlan(
        params=params,
        image=image,
        w=EDGE_KERNEL,
        matrix=matrix,
        y=response,
        chosen=chosen,
        chosen_position=tuple(int(v) for v in grid_positions(spec.output_size)[chosen]),
        row_image=row.reshape(spec.input_size),
        candidates=tuple(candidates),
        stamp_order=order,
        partial_sums=tuple(partial),
        reconstruction=(matrix.T @ y).reshape(spec.input_size),
        transposed=apply_transpose(spec, response, EDGE_KERNEL),
    )
