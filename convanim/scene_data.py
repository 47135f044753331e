"""Numbers first: everything the Manim scenes show, computed without Manim.

Each ``*_plan`` function turns scene parameters into arrays and storyboards
taken from the geometry; the scenes in ``scenes/`` only arrange and animate
them, and the tests check these plans against the NumPy reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convanim import reference
from convanim.describe import parameter_tokens, size_text
from convanim.geometry import ConvSpec
from convanim.numbers import canvas_values, small_values
from convanim.storyboard import Cell, Storyboard, build_storyboard, drawn_cells


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
    spec = params.spec
    board = build_storyboard(spec)
    x, w = small_values(spec, params.seed)
    return ConvolutionPlan(
        params=params,
        board=board,
        x=x,
        w=w,
        lower_values=canvas_values(board, spec, x),
        y=spec.apply(x, w).reshape(board.upper.cells.shape),
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
    gather_output: np.ndarray  # sum over each footprint of canvas value x flipped weight
    running_sums: tuple[np.ndarray, ...]  # scatter output after each stamp (HIDDEN cells too)
    scatter_output: np.ndarray  # the output after the last stamp, real output cells only
    text: str


def transposed_plan(params: SceneParams) -> TransposedPlan:
    spec = params.spec
    gather = build_storyboard(spec, "canvas")
    scatter = build_storyboard(spec, "scatter")
    x, w = small_values(spec, params.seed)
    lower = canvas_values(gather, spec, x)
    canvas = spec.canvas()
    flipped = w[tuple(canvas.footprint_kernel.T)]
    gather_output = np.array(
        [np.dot(lower[tuple(frame.lower.T)], flipped) for frame in gather.frames]
    ).reshape(gather.upper.cells.shape)
    # Which drawn canvas cell holds each input cell, in row-major input order.
    drawn = drawn_cells(canvas.input_cells().reshape(-1, spec.ndim))
    sums = np.zeros(scatter.upper.cells.shape)
    running = []
    weights = w.reshape(-1)
    for value, frame in zip(x.reshape(-1), scatter.frames):
        inside = scatter.upper.cells[tuple(frame.upper.T)] != Cell.HIDDEN
        np.add.at(sums, tuple(frame.upper[inside].T), value * weights[inside])
        running.append(sums.copy())
    real = scatter.upper.cells != Cell.HIDDEN
    return TransposedPlan(
        params=params,
        gather=gather,
        scatter=scatter,
        x=x,
        w=w,
        lower_values=lower,
        flipped_w=flipped,
        input_cells=drawn,
        gather_output=gather_output,
        running_sums=tuple(running),
        scatter_output=sums[real].reshape(gather.upper.cells.shape),
        text=arithmetic_text(spec),
    )


@dataclass(frozen=True)
class MatrixPlan:
    params: SceneParams
    w: np.ndarray
    matrix: np.ndarray  # C, (outputs, inputs): y = C x on flattened arrays
    kernel_index: (
        np.ndarray
    )  # (outputs, inputs) flat kernel position of each non-zero, -1 elsewhere
    transposed_matrix: np.ndarray  # the transposed spec's own matrix, equal to C.T
    x: np.ndarray  # flattened input
    y: np.ndarray  # C x
    x_back: np.ndarray  # C^T y, the transposed convolution of y
    text: str
    back_text: str


def matrix_plan(params: SceneParams) -> MatrixPlan:
    spec = params.spec
    x, w = small_values(spec, params.seed)
    matrix = spec.matrix(w)
    kernel_index = spec.kernel_index_matrix()
    back = spec.transpose()
    y = matrix @ x.reshape(-1)
    return MatrixPlan(
        params=params,
        w=w,
        matrix=matrix,
        kernel_index=kernel_index,
        transposed_matrix=back.matrix(w),
        x=x.reshape(-1),
        y=y,
        x_back=back.apply(y.reshape(spec.output_size), w).reshape(-1),
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
    row_image: np.ndarray  # c_i shaped like the input
    candidates: tuple[Candidate, ...]  # unit-norm inputs; the last one is c_i / |c_i|, the best
    stamp_order: np.ndarray  # output cells (flat) by decreasing |y_i|
    partial_sums: tuple[np.ndarray, ...]  # sum of y_i c_i over the first 1, 2, ... stamps
    reconstruction: np.ndarray  # C^T y = sum_i y_i c_i, shaped like the input
    transposed: np.ndarray  # the transposed convolution of y, computed by the reference


EDGE_KERNEL = np.array(
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
)  # dark-to-bright, left to right


def _picture(size: tuple[int, int]) -> np.ndarray:
    """A bright square with a soft left edge on a dark ground: edges for the kernel to find."""
    rows, cols = size
    image = np.zeros(size)
    image[rows // 4 : rows - rows // 4, cols // 3 :] = 1.0
    image[rows // 4 : rows - rows // 4, cols // 3] = 0.5
    return image


def reconstruction_plan(params: SceneParams, shown_stamps: int = 6) -> ReconstructionPlan:
    spec = params.spec
    if spec.ndim != 2 or spec.kernel != (3, 3) or spec.transposed:
        raise ValueError("the reconstruction scene needs a 2-D convolution with a 3x3 kernel")
    image = _picture(spec.input_size)
    matrix = spec.matrix(EDGE_KERNEL)
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
    reconstruction = (matrix.T @ y).reshape(spec.input_size)
    return ReconstructionPlan(
        params=params,
        image=image,
        w=EDGE_KERNEL,
        matrix=matrix,
        y=y.reshape(spec.output_size),
        chosen=chosen,
        row_image=row.reshape(spec.input_size),
        candidates=tuple(candidates),
        stamp_order=order,
        partial_sums=tuple(partial),
        reconstruction=reconstruction,
        transposed=reference.conv_transpose(
            y.reshape(spec.output_size), EDGE_KERNEL, spec.transpose()
        ),
    )
