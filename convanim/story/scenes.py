"""Numbers first: everything the Manim scenes show, computed without Manim.

Each ``*_plan`` function turns scene parameters into arrays and boards
taken from the geometry (``apply``, ``apply_transpose``, ``dense_matrix``, the
canvas and scatter views); the scenes in ``convanim.scenes`` only arrange and
animate them, and the tests check these plans against the NumPy reference.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from convanim.errors import ConvanimError, quoted
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
from convanim.geometry.deconvnet import Deconvnet, Unpooling, deconvnet, pooling_over
from convanim.geometry.network import (
    Network,
    Stage,
    drawn_layers,
    layer_reads,
    receptive_field,
)
from convanim.story.board import Board, Reading, build_board, drawn_cells
from convanim.story.presets import Separable
from convanim.story.values import (
    SMALL_WEIGHTS,
    board_numbers,
    lower_plane_values,
    small_inputs,
    small_values,
)
from convanim.text import counted, layer_names, parameter_tokens, size_text


@dataclass(frozen=True)
class SceneParams:
    """What a scene draws: the spec, the seed of its values, and whether values are shown;
    the network scene its chain and the output cell it follows instead of the spec."""

    spec: ConvSpec
    seed: int = 0
    show_values: bool = True
    network: Network | None = None
    cell: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.spec.padding_mode != "zeros":
            raise ConvanimError(
                "padding_mode",
                f"the Manim scenes pad with zeros, got {self.spec.padding_mode!r} "
                "(convanim gif draws the copies)",
            )


def _dilated_stack(size: int, dilations: tuple[int, ...]) -> Network:
    """Convolutions of 2-cell kernels with these dilations, one after the other, on ``size``."""
    stages, start = [], size
    for d in dilations:
        spec = ConvSpec(input_size=size, kernel=2, dilation=d)
        stages.append(Stage(f"nn.Conv1d(1, 1, 2, dilation={d})", spec))
        size = spec.output_size[0]
    return Network((start,), tuple(stages))


DEFAULTS = {
    "ConvolutionScene": SceneParams(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)),
    "TransposedConvolutionScene": SceneParams(
        ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
    ),
    "MatrixScene": SceneParams(ConvSpec(input_size=(4,), kernel=3)),
    "ReconstructionScene": SceneParams(ConvSpec(input_size=(7, 7), kernel=3)),
    "BackwardScene": SceneParams(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)),
    "ChannelsScene": SceneParams(
        ConvSpec(input_size=(4, 4), kernel=3, padding=1, in_channels=4, out_channels=4)
    ),
    "NetworkScene": SceneParams(  # a dilated stack of 2-cell kernels, WaveNet's without padding
        ConvSpec(input_size=16, kernel=2),
        network=_dilated_stack(16, (1, 2, 4)),
        cell=(4,),
    ),
}


# What the screen writes where ASCII has stand-ins (ruff flags the glyphs themselves as
# confusable, so they are named): 4x1x3x3, x' and -c.
TIMES = "\N{MULTIPLICATION SIGN}"
PRIME = "\N{PRIME}"
MINUS = "\N{MINUS SIGN}"


def shape_text(shape: tuple[int, ...]) -> str:
    """A size or a tensor's shape as the screen shows it: 4, times, 1, times, 3, times, 3.

    >>> shape_text((4, 1, 3, 3)) == TIMES.join("4133")
    True
    """
    return TIMES.join(map(str, shape))


def arithmetic_text(spec: ConvSpec) -> str:
    """``5x5, k3, s2, p1 → 3x3``, with real times signs (only the parameters that differ
    from the defaults)."""
    parts = [shape_text(spec.input_size), *parameter_tokens(spec)]
    prefix = "transposed " if spec.transposed else ""
    return f"{prefix}{', '.join(parts)} → {shape_text(spec.output_size)}"


def _one_slice(spec: ConvSpec, scene: str) -> None:
    """Refuse channels and a bias in a scene that draws one 2-D slice of the op."""
    if not spec.single_channel:
        argument = "in_channels" if spec.in_channels > 1 else "out_channels"
        raise ConvanimError(
            argument,
            f"the {scene} scene draws one channel, not {spec.in_channels} in and "
            f"{spec.out_channels} out: convanim scene channels shows channels and groups",
        )
    if spec.bias:
        raise ConvanimError(
            "bias", f"the {scene} scene draws no bias: convanim scene channels adds one"
        )


def _one_plane(spec: ConvSpec, scene: str) -> None:
    """Refuse a third axis in a scene that draws the op's board as two planes."""
    if spec.ndim > 2:
        raise ConvanimError(
            "input_size",
            f"the {scene} scene draws a 1-D or 2-D op, got {spec.ndim}-D: convanim gif draws 3-D",
        )


@dataclass(frozen=True)
class ConvolutionPlan:
    params: SceneParams
    board: Board  # the gather board: one step per output cell
    x: np.ndarray  # input values
    w: np.ndarray  # kernel weights
    lower_values: np.ndarray  # (rows, cols) values of the drawn canvas
    y: np.ndarray  # output values, shaped like the drawn upper plane
    text: str


def convolution_plan(params: SceneParams) -> ConvolutionPlan:
    """The convolution scene: the gather board, its values and the output."""
    spec = params.spec
    _one_slice(spec, "convolution")
    _one_plane(spec, "convolution")
    board = build_board(spec)
    x, w = small_values(spec, params.seed, nonzero=True)
    return ConvolutionPlan(
        params=params,
        board=board,
        x=x,
        w=w,
        lower_values=lower_plane_values(board, x),
        y=apply(spec, x, w).reshape(board.upper.cells.shape),
        text=arithmetic_text(spec),
    )


@dataclass(frozen=True)
class TransposedPlan:
    params: SceneParams
    gather: Board  # stride-1 conv over the zero-inserted, re-padded canvas
    scatter: Board  # one stamp per input cell
    x: np.ndarray
    w: np.ndarray
    lower_values: np.ndarray  # gather canvas values
    flipped_w: np.ndarray  # (K,) the weight at each footprint tap, in footprint order
    input_cells: np.ndarray  # (N, 2) gather-canvas cell of each input cell, row-major
    gather_output: np.ndarray  # the op's output, shaped like the gather board's upper plane
    running_sums: tuple[np.ndarray, ...]  # scatter output after each stamp (HIDDEN cells 0)
    scatter_output: np.ndarray  # the output after the last stamp, real output cells only
    text: str


def transposed_plan(params: SceneParams) -> TransposedPlan:
    """The transposed scene: the same op as a gather over the canvas and as scatter stamps."""
    spec = params.spec
    _one_slice(spec, "transposed")
    _one_plane(spec, "transposed")
    gather = build_board(spec)
    stamps = build_board(spec, Reading.SCATTER)
    x, w = small_values(spec, params.seed, nonzero=True)
    view = canvas(spec)
    output_shape = gather.upper.cells.shape
    sums = scatter_running_sums(spec, x, w)
    return TransposedPlan(
        params=params,
        gather=gather,
        scatter=stamps,
        x=x,
        w=w,
        lower_values=lower_plane_values(gather, x),
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
    _one_slice(spec, "matrix")
    x, w = small_values(spec, params.seed, nonzero=True)
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
    partial_sums: tuple[np.ndarray, ...]  # sum of y_i c_i over the first 1, 2, ... stamps
    reconstruction: np.ndarray  # C^T y = sum_i y_i c_i, shaped like the input
    transposed: np.ndarray  # the transposed convolution of y (the adjoint applied to y)
    #: ZF Net's round trip of the same picture and kernel: ReLU, max pooling (windows of
    #: ROUND_TRIP_WINDOW, smaller where y is), its switches, unpooling, ReLU, C^T.
    deconvnet: Deconvnet
    switch_positions: np.ndarray  # (P, 2): where in y each pooled value came from, row-major
    unpooled_relu: np.ndarray  # the second ReLU's output, shaped as y (the unpooled map again)


EDGE_KERNEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])  # dark to bright
EDGE_KERNEL.flags.writeable = False  # a constant: callers get a view they cannot change


def _picture(size: tuple[int, ...]) -> np.ndarray:
    """A bright square with a soft left edge on a dark ground: edges for the kernel to find."""
    rows, cols = size
    image = np.zeros(size)
    image[rows // 4 : rows - rows // 4, cols // 3 :] = 1.0
    image[rows // 4 : rows - rows // 4, cols // 3] = 0.5
    return image


#: The round trip's max pooling: 2x2 windows, as ZF Net's layers.
ROUND_TRIP_WINDOW = 2


def _check_reconstruction(spec: ConvSpec) -> None:
    _one_slice(spec, "reconstruction")
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
    window = tuple(min(ROUND_TRIP_WINDOW, size) for size in spec.output_size)
    trip = deconvnet(spec, pooling_over(spec, window), image[None], EDGE_KERNEL[None, None])
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
        partial_sums=tuple(partial),
        reconstruction=(matrix.T @ y).reshape(spec.input_size),
        transposed=apply_transpose(spec, response, EDGE_KERNEL),
        deconvnet=trip,
        switch_positions=Unpooling(trip, 0).switch,
        unpooled_relu=np.maximum(trip.unpooled[0], 0.0),
    )


@dataclass(frozen=True)
class BackwardPlan:
    """The backward scene: the layer's forward sweep, then dy sent back through its
    transpose with the same weights (dx = Cᵀ dy), each a gather board with its values."""

    params: SceneParams
    forward: Board  # the layer's gather board: x to y
    backward: Board  # its transpose's: dy zeros-inserted and re-padded, to dx
    x: np.ndarray  # input values
    w: np.ndarray  # kernel weights, the same both ways
    backward_w: np.ndarray  # as the backward footprint meets them, row by row (canvas's taps)
    backward_text: str  # what the backward sweep does, in words
    ending: str  # what dx = Cᵀ dy is, for this layer
    dy: np.ndarray  # the upstream gradient, shaped as y
    forward_values: np.ndarray  # (rows, cols) values of the forward canvas
    backward_values: np.ndarray  # (rows, cols) values of the backward canvas
    y: np.ndarray  # shaped like the forward board's upper plane
    dx: np.ndarray  # shaped like the backward board's upper plane
    text: str


def backward_plan(params: SceneParams) -> BackwardPlan:
    """The backward scene's numbers: y = C x, then dx = Cᵀ dy from the geometry's
    gradients, drawn as the transposed layer's gather over dy."""
    from convanim.geometry.backward import gradients
    from convanim.story.values import small_gradient

    spec = params.spec
    _one_slice(spec, "backward")
    _one_plane(spec, "backward")
    back = spec.transpose()  # refused where no layer goes back between the two shapes
    forward, backward = build_board(spec), build_board(back)
    x, w = small_values(spec, params.seed, nonzero=True)
    dy = small_gradient(spec, params.seed)
    # The weight each tap of the backward footprint meets, as its canvas says: the kernel
    # flipped where going back is a transposed convolution, as it is where it is one.
    backward_w = w[tuple(canvas(back).footprint_kernel.T)].reshape(w.shape)
    if spec.transposed:
        backward_text = "backward: a convolution of dy, under the same kernel"
        ending = "dx = Cᵀ dy: the convolution of dy with the same weights"
    else:
        backward_text = "backward: dy, zeros inserted and re-padded, under the kernel flipped"
        ending = "dx = Cᵀ dy: the transposed convolution of dy"
    return BackwardPlan(
        params=params,
        forward=forward,
        backward=backward,
        x=x,
        w=w,
        backward_w=backward_w,
        backward_text=backward_text,
        ending=ending,
        dy=dy,
        forward_values=lower_plane_values(forward, x),
        backward_values=lower_plane_values(backward, dy),
        y=apply(spec, x, w).reshape(forward.upper.cells.shape),
        dx=gradients(spec, x, w, dy).dx.reshape(backward.upper.cells.shape),
        text=arithmetic_text(spec),
    )


#: The channels scene stacks every channel as a plane; more than this many do not fit,
#: nor planes with more cells a side.
MAX_SCENE_CHANNELS = 8
MAX_SCENE_PLANE = 12
#: The groups of the grouped stage when the given spec has one group.
GROUPED_STAGE_GROUPS = 2


@dataclass(frozen=True)
class ChannelStage:
    """One layer the channels scene applies: what it reads, which channels each filter
    reads, the weight tensor, its counts, and (for the small case) the numbers."""

    name: str  # standard, grouped, depthwise or pointwise
    heading: str  # what the scene says the stage is
    spec: ConvSpec
    x: np.ndarray  # (in_channels, spec.input_size...): the scene's input, or the depthwise output
    input_name: str  # the letter the scene names x's channels with (x, or d: depthwise's)
    output_name: str  # and y's
    reads: tuple[tuple[int, ...], ...]  # per output channel (filter), the input channels it reads
    input_group: np.ndarray  # (in_channels,) the group of each input channel
    output_group: np.ndarray  # (out_channels,) the group of each output channel (filter)
    weight_shape: tuple[int, ...]  # PyTorch's layout, (out_channels, in_channels / groups, k...)
    parameters: int  # weights, plus one bias per output channel if the spec has a bias
    multiply_accumulates: int  # products with a real input cell (padding excluded)
    w: np.ndarray  # weight_shape, small non-zero integers
    b: np.ndarray | None  # (out_channels,) or None without a bias
    y: np.ndarray  # (out_channels, output_size...): the outputs the stack view prints
    weight_text: str  # "weight 4x1x3x3" with times signs (and ", bias 4")
    parameter_text: str  # "parameters 36"
    multiply_text: str  # "multiply-accumulates 400"


@dataclass(frozen=True)
class SkippedStage:
    """A stage the given channel counts cannot take, and why, in the scene's words."""

    name: str
    heading: str


@dataclass(frozen=True)
class ChannelsPlan:
    params: SceneParams
    x: np.ndarray  # (in_channels, input_size...): the input; pointwise reads depthwise's output
    stages: tuple[ChannelStage | SkippedStage, ...]  # standard, grouped, depthwise, pointwise
    separable_parameters: int  # depthwise then pointwise, together: the sum of their rows
    separable_multiply_accumulates: int
    separable_note: str  # what the pair's pointwise layer reads, when not the input's size
    text: str


def _check_channels(spec: ConvSpec) -> None:
    if spec.transposed:
        raise ConvanimError(
            "transposed",
            "the channels scene shows convolutions; a transposed one links its channels the "
            "same way (convanim shape prints them)",
        )
    if spec.ndim > 2:
        raise ConvanimError(
            "input_size", f"the channels scene draws 1-D or 2-D channels, got {spec.ndim}-D"
        )
    if max(spec.input_size) > MAX_SCENE_PLANE:
        raise ConvanimError(
            "input_size",
            f"the channels scene draws planes of at most {MAX_SCENE_PLANE} cells a side, "
            f"got {size_text(spec.input_size)}",
        )
    if spec.in_channels < 2:
        raise ConvanimError(
            "in_channels",
            "the channels scene needs at least 2 input channels to tell its stages apart, "
            f"got {spec.in_channels}",
        )
    for argument, count in (("in_channels", spec.in_channels), ("out_channels", spec.out_channels)):
        if count > MAX_SCENE_CHANNELS:
            raise ConvanimError(
                argument,
                f"the channels scene draws at most {MAX_SCENE_CHANNELS} channels a side, got {count}",
            )


def _channels(count: int) -> str:
    return "1 channel" if count == 1 else f"{count} channels"


#: The letter naming the channels of the scene's input, its outputs, and the depthwise
#: layer's outputs (which the pointwise layer reads).
INPUT_NAME, OUTPUT_NAME, DEPTHWISE_NAME = "x", "y", "d"


def _channel_stage(
    name: str,
    heading: str,
    spec: ConvSpec,
    x: np.ndarray,
    rng: np.random.Generator,
    names: tuple[str, str] = (INPUT_NAME, OUTPUT_NAME),
) -> ChannelStage:
    board = build_board(spec)  # the stack view's: one frame per output channel and cell
    order = board.order
    first_frames = range(0, len(order), order.cells)  # each output channel's first
    reads = tuple(tuple(int(c) for c in order.frame(f).inputs) for f in first_frames)
    w = rng.choice(SMALL_WEIGHTS, size=spec.weight_shape)
    b = rng.choice(SMALL_WEIGHTS, size=spec.bias_shape) if spec.bias_shape else None
    made = board_numbers(board, x, w, b).frames[len(order) - 1].outputs  # every output made
    bias = f", bias {spec.out_channels}" if spec.bias else ""
    return ChannelStage(
        name=name,
        heading=heading,
        spec=spec,
        x=x,
        input_name=names[0],
        output_name=names[1],
        reads=reads,
        input_group=order.pairs.input_group,
        output_group=order.pairs.output_group,
        weight_shape=spec.weight_shape,
        parameters=spec.parameter_count,
        multiply_accumulates=spec.multiply_accumulates,
        w=w,
        b=b,
        y=made.reshape(spec.out_channels, *spec.output_size),
        weight_text=f"weight {shape_text(spec.weight_shape)}{bias}",
        parameter_text=f"parameters {spec.parameter_count:,}",
        multiply_text=f"multiply-accumulates {spec.multiply_accumulates:,}",
    )


def channels_plan(params: SceneParams) -> ChannelsPlan:
    """The channels scene: one input through standard, grouped, depthwise and pointwise layers.

    The given spec sets the input, the channel counts, the kernel, stride, padding,
    dilation and bias; each stage derives from it:

    - standard: the spec with one group, every filter reads every input channel;
    - grouped: the spec's groups, or 2 if it has one. When 2 does not divide both
      channel counts (3 input channels, an RGB picture) the stage is skipped, and the
      scene says why: a refusal would turn away the most common input there is;
    - depthwise: groups = out_channels = in_channels, one filter per input channel;
    - pointwise: a 1x1 kernel, stride 1, no padding, one group: MobileNet's.

    The first three stages read the same x; the pointwise layer, the second of a
    depthwise-separable pair, reads the depthwise output, so its counts are those of
    that size and the pair's add up to the depthwise and pointwise rows.
    Transposed specs are refused: the scene gathers, one filter per output channel.

    >>> plan = channels_plan(DEFAULTS["ChannelsScene"])
    >>> [(stage.name, stage.weight_shape, stage.parameters) for stage in plan.stages]
    [('standard', (4, 4, 3, 3), 144), ('grouped', (4, 2, 3, 3), 72),
     ('depthwise', (4, 1, 3, 3), 36), ('pointwise', (4, 4, 1, 1), 16)]
    """
    spec = params.spec
    _check_channels(spec)
    in_channels, out_channels = spec.in_channels, spec.out_channels
    seed = params.seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConvanimError("seed", f"must be a non-negative integer, got {quoted(seed)}")
    rng = np.random.default_rng(seed)
    x = small_inputs(rng, (in_channels, *spec.input_size), nonzero=True)
    standard = dataclasses.replace(spec, groups=1)
    groups = spec.groups if spec.groups > 1 else GROUPED_STAGE_GROUPS
    pair = Separable.of(spec, out_channels)  # the pointwise layer reads the depthwise output
    depthwise = pair.depthwise
    stages: list[ChannelStage | SkippedStage] = [
        _channel_stage(
            "standard",
            f"standard: each filter reads all {in_channels} input channels",
            standard,
            x,
            rng,
        )
    ]
    try:  # the geometry says whether the channels split into the groups
        grouped = dataclasses.replace(spec, groups=groups)
    except ConvanimError:
        stages.append(
            SkippedStage(
                "grouped",
                f"grouped, groups {groups}: skipped, {in_channels} input and {out_channels} "
                f"output channels do not split into {groups} groups",
            )
        )
    else:
        stages.append(
            _channel_stage(
                "grouped",
                f"grouped, groups {groups}: each filter reads the "
                f"{_channels(in_channels // groups)} of its group",
                grouped,
                x,
                rng,
            )
        )
    first = _channel_stage(
        "depthwise",
        f"depthwise, groups {in_channels}: each filter reads one channel",
        depthwise,
        x,
        rng,
        (INPUT_NAME, DEPTHWISE_NAME),
    )
    stages.append(first)
    stages.append(
        _channel_stage(
            "pointwise",
            f"pointwise, 1{TIMES}1 kernel: each filter mixes the {in_channels} channels of "
            f"{DEPTHWISE_NAME}, cell by cell",
            pair.pointwise,
            first.y,
            rng,
            (DEPTHWISE_NAME, OUTPUT_NAME),
        )
    )
    return ChannelsPlan(
        params=params,
        x=x,
        stages=tuple(stages),
        separable_parameters=pair.parameter_count,
        separable_multiply_accumulates=pair.multiply_accumulates,
        separable_note=(
            ""
            if depthwise.output_size == spec.input_size
            else f"its pointwise layer reads the {shape_text(depthwise.output_size)} depthwise output"
        ),
        text=f"{in_channels} channels in, {out_channels} out: {arithmetic_text(standard)}",
    )


#: The network scene draws a row per layer: at most this many rows, and cells a row.
MAX_SCENE_ROWS = 8
MAX_SCENE_ROW = 32


@dataclass(frozen=True)
class NetworkPlan:
    """What the network scene shows: WaveNet's picture of a 1-D chain, one row per drawn
    layer (the input first), which cells of each row read which of the row below, the
    field of one output cell row by row, and the paths from each input cell to it."""

    params: SceneParams
    names: tuple[str, ...]  # per row: the input's size, then each layer's text
    reads: tuple[np.ndarray, ...]  # per row above the input: (cells, cells below) bool
    field: tuple[np.ndarray, ...]  # per row: (cells,) bool, the cells reaching the output cell
    paths: tuple[int, ...]  # per input cell: its paths to the output cell
    text: str


def network_plan(params: SceneParams) -> NetworkPlan:
    """The network scene: the chain of ``params.network`` (1-D), the field of output
    ``params.cell`` (the centre one when None), as ``convanim net --view tree`` draws it.

    >>> plan = network_plan(DEFAULTS["NetworkScene"])
    >>> [int(row.sum()) for row in plan.field], plan.paths[4:12]
    ([8, 4, 2, 1], (1, 1, 1, 1, 1, 1, 1, 1))
    """
    network = params.network
    if network is None:
        raise ConvanimError("layers", "the network scene draws a chain of layers: give {layers}")
    if network.ndim != 1:
        raise ConvanimError(
            "layers",
            f"the network scene draws 1-D chains (a row per layer), got {network.ndim}-D: "
            "convanim net --view layers draws 2-D ones",
        )
    layers = drawn_layers(network)
    if len(layers) > MAX_SCENE_ROWS:
        raise ConvanimError(
            "layers", f"the network scene draws at most {MAX_SCENE_ROWS} rows, got {len(layers)}"
        )
    widest = max(network.sizes[k][0] for k in layers)
    if widest > MAX_SCENE_ROW:
        raise ConvanimError(
            "input_size",
            f"the network scene draws rows of at most {MAX_SCENE_ROW} cells, got {widest}",
        )
    field = receptive_field(network, params.cell)
    names = layer_names(network, layers)
    return NetworkPlan(
        params=params,
        names=tuple(names),
        reads=tuple(layer_reads(network, layers)),
        field=tuple(field.support[k][0] for k in layers),
        paths=field.paths[0],
        text=f"what output {field.cell[0]} sees through {counted(len(layers) - 1, 'layer')}",
    )
