"""The numbers an animation prints: cell values, the weights under the kernel, outputs as reached.

Values come from the geometry (``apply``, the canvas and scatter views, ``Pooling``);
this module only lays them out per board frame. Plane arrays are shaped like the
board's planes, with NaN where nothing is printed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from convanim.errors import ConvanimError, quoted
from convanim.geometry import (
    ConvSpec,
    Pooling,
    PoolMode,
    apply,
    canvas,
    canvas_values,
    grid_positions,
    scatter_running_sums,
)
from convanim.geometry.channels import PartialSums
from convanim.lazy import Lazy
from convanim.story.board import Board, Cell, drawn_cells
from convanim.text import size_text


@dataclass(frozen=True)
class FrameNumbers:
    """The numbers of one frame of a board."""

    taps: np.ndarray | None  # (S, K) per lit kernel slice, the weight at each cell the step
    # lights on the input side (gather) or the output side (scatter); None when pooling
    outputs: np.ndarray  # (out_channels, plane...) printed on the output planes so far, NaN: none
    marked: tuple[int, ...] | None = None  # the input cell a max pooling window took, or None
    partials: np.ndarray | None = None  # gather: (I,) per lit input channel, sum of x * w
    bias: float | None = None  # gather: the bias of the output channel made (None: none)


@dataclass(frozen=True)
class Numbers:
    """The numbers of a whole board."""

    inputs: np.ndarray  # (in_channels, plane...) printed on the input planes, NaN: nothing
    weights: np.ndarray | None  # w in PyTorch's layout; None when pooling
    bias: np.ndarray | None  # (out_channels,), None without a bias
    frames: Sequence[FrameNumbers]  # made when read


#: Decimals a printed number may need to be exact; results that need more (a mean of
#: three values) are not terminating decimals and print rounded to ROUNDED_DECIMALS.
EXACT_DECIMALS = 6
ROUNDED_DECIMALS = 2
#: Numbers a cell prints readably are below this in magnitude (at most six digits before the
#: point): a longer one shrinks past legibility, and 1e308 would print 309 digits.
MAX_PRINTED = 10**6
_READABLE = f"a cell prints numbers below {MAX_PRINTED:,} readably"
#: Values whose text ``number_text`` remembers.
TEXTS_REMEMBERED = 4096


@functools.lru_cache(maxsize=TEXTS_REMEMBERED)  # a picture prints few values, many times
def number_text(value: float) -> str:
    """The shortest decimal that is ``value`` to EXACT_DECIMALS places, else ROUNDED_DECIMALS.

    Products and sums of printed numbers print exactly, so a reader can recompute
    every output; a non-terminating result (10/3) is rounded.

    >>> number_text(3.0), number_text(-1.25), number_text(0.1 + 0.2), number_text(10 / 3)
    ('3', '-1.25', '0.3', '3.33')
    >>> number_text(2.5e-7)
    '2.5e-07'

    """
    value = float(value)
    if value and abs(value) < 10.0**-EXACT_DECIMALS:  # too small for decimals: 3 digits
        return f"{value:.3g}"
    exact = f"{value:.{EXACT_DECIMALS}f}"
    tolerance = 10.0 ** -(EXACT_DECIMALS + 3) * max(1.0, abs(value))
    text = exact if abs(float(exact) - value) <= tolerance else f"{value:.{ROUNDED_DECIMALS}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def distinct_values(spec: ConvSpec, seed: int) -> np.ndarray:
    """Input values 1..N in a seeded order (N input cells): a pooling's winner is plain to see.

    >>> sorted(distinct_values(ConvSpec(input_size=(2, 2), kernel=1), seed=0).ravel().tolist())
    [1.0, 2.0, 3.0, 4.0]
    """
    _check_seed(seed)
    order = np.random.default_rng(seed).permutation(math.prod(spec.input_size))
    return (order + 1).astype(float).reshape(spec.input_size)


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConvanimError("seed", f"must be a non-negative integer, got {quoted(seed)}")


#: The seeded weights and biases: small, non-zero, both signs.
SMALL_WEIGHTS = (-2.0, -1.0, 1.0, 2.0)
#: The seeded inputs stay below this: small integers readable in cells.
SMALL_INPUT_END = 4


def small_inputs(
    rng: np.random.Generator, shape: tuple[int, ...], nonzero: bool = False
) -> np.ndarray:
    """Input values 0..3, or (``nonzero``) 1..3: then every 0 on a slide is padding or an
    inserted zero, and no row of the input reads as blank.

    >>> bool(small_inputs(np.random.default_rng(0), (9, 9), nonzero=True).min() >= 1)
    True
    """
    return rng.integers(1 if nonzero else 0, SMALL_INPUT_END, size=shape).astype(float)


def small_values(spec: ConvSpec, seed: int, nonzero: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Input values 0..3 (``nonzero``: 1..3, see ``small_inputs``) and non-zero kernel
    weights -2..2: small integers readable in cells.

    Weights are never 0, so every tap of the geometry shows as a non-zero entry.

    >>> x, w = small_values(ConvSpec(input_size=(5, 5), kernel=3), seed=0)
    >>> x.shape, w.shape, bool((w != 0).all())
    ((5, 5), (3, 3), True)
    """
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    x = small_inputs(rng, spec.input_size, nonzero)
    w = rng.choice(SMALL_WEIGHTS, size=spec.kernel)
    return x, w


#: The gradients' own stream of the seed: dy does not repeat x's or w's draws.
GRADIENT_STREAM = 1


def small_gradient(spec: ConvSpec, seed: int) -> np.ndarray:
    """An upstream gradient dy (output_size..., with out_channels first where the layer has
    several): non-zero integers -2..2, as weights are, so every output cell sends
    something back.

    >>> dy = small_gradient(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1), seed=0)
    >>> dy.shape, bool((dy != 0).all())
    ((3, 3), True)
    """
    _check_seed(seed)
    rng = np.random.default_rng([seed, GRADIENT_STREAM])
    channels = () if spec.out_channels == 1 else (spec.out_channels,)
    return rng.choice(SMALL_WEIGHTS, size=(*channels, *spec.output_size)).astype(float)


def small_channel_values(spec: ConvSpec, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like ``small_values`` with channels: x (in_channels, input_size...), w in PyTorch's
    layout (``spec.weight_shape``) and a bias per output channel (zeros without a bias).

    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, in_channels=3, out_channels=2, bias=True)
    >>> [a.shape for a in small_channel_values(spec, seed=0)]
    [(3, 5, 5), (2, 3, 3, 3), (2,)]
    """
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    x = small_inputs(rng, (spec.in_channels, *spec.input_size))
    w = rng.choice(SMALL_WEIGHTS, size=spec.weight_shape)
    b = (
        rng.choice(SMALL_WEIGHTS, size=spec.out_channels)
        if spec.bias
        else np.zeros(spec.out_channels)
    )
    return x, w, b


def given_numbers(text: str | None, argument: str) -> np.ndarray | None:
    """Comma-separated numbers as typed, in order (None stays None); ``given_array`` shapes them.

    >>> given_numbers("1,2.5,-3", "weights").tolist()
    [1.0, 2.5, -3.0]
    """
    if text is None:
        return None
    try:
        return np.array([float(part) for part in text.split(",")])
    except ValueError:
        raise ConvanimError(
            argument, f"expected comma-separated numbers, got {quoted(text)}"
        ) from None


def given_array(
    values: object, shape: tuple[int, ...], argument: str, naming: str | None = None
) -> np.ndarray:
    """``values`` (numbers, any nesting), row-major, exactly prod(shape) finite ones, as a
    float array of ``shape``; ``naming`` says what they are for in the message that refuses
    another count (else the shape does).

    >>> given_array([1, 2], (2,), "bias", "2 output channels").tolist()
    [1.0, 2.0]
    """
    try:
        given = np.asarray(values)
        real = given.dtype.kind != "c"
        array = given.astype(float) if real else given.real
    except (TypeError, ValueError):
        raise ConvanimError(argument, f"expected numbers, got {quoted(values)}") from None
    if not real:
        raise ConvanimError(argument, "must be real numbers (a picture cannot show others)")
    if not np.isfinite(array).all():
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ConvanimError(
            argument,
            f"must be finite numbers (a picture cannot show them), "
            f"{bad} of {array.size} {'is' if bad == 1 else 'are'} not",
        )
    largest = float(np.abs(array).max(initial=0.0))
    if largest >= MAX_PRINTED:
        raise ConvanimError(argument, f"{_READABLE}, got {largest:.7g}: choose smaller values")
    if array.size != math.prod(shape):
        size = naming or size_text(shape)
        raise ConvanimError(
            argument, f"needs {math.prod(shape)} values for {size}, got {array.size}"
        )
    return array.reshape(shape)


@dataclass(frozen=True)
class ValueShapes:
    """The shapes of the values a user may give for a spec, and what its biases belong to."""

    input: tuple[int, ...]
    weights: tuple[int, ...]
    bias: tuple[int, ...]
    bias_naming: str

    @classmethod
    def of(cls, spec: ConvSpec, channels: bool, owner: str = "") -> ValueShapes:
        """For a one-slice view, or (``channels``) the stack view; ``owner`` names the layer
        whose biases they are, where there are two.

        >>> ValueShapes.of(ConvSpec(input_size=(5, 5), kernel=3, in_channels=3, out_channels=2), True)
        ValueShapes(input=(3, 5, 5), weights=(2, 3, 3, 3), bias=(2,), bias_naming='2 output channels')
        """
        naming = f"{owner}{spec.out_channels} output channels"
        if not channels:
            return cls(spec.input_size, spec.kernel, (spec.out_channels,), naming)
        inputs = (spec.in_channels, *spec.input_size)
        return cls(inputs, spec.weight_shape, (spec.out_channels,), naming)


@dataclass(frozen=True, eq=False)
class ValueSource:
    """Where printed values come from: the user's, else small integers from ``seed``.

    Arrays are made only when asked for, once the animation is known to fit its budgets.
    The given arrays are kept as read-only copies; two sources are equal (and hash alike)
    when they give the same values, so a request can key a cache.

    >>> ValueSource(0, weights=np.ones(3)) == ValueSource(0, weights=[1.0, 1.0, 1.0])
    True
    """

    seed: int = 0
    input: np.ndarray | None = None  # x (input_size...), or None for seeded values
    weights: np.ndarray | None = None  # w (kernel...), or None for seeded values
    bias: np.ndarray | None = None  # b (out_channels,), or None for seeded values

    def __post_init__(self) -> None:
        for name in ("input", "weights", "bias"):
            given = getattr(self, name)
            if given is not None:
                kept = np.array(given, dtype=float)  # a copy the caller cannot change
                kept.flags.writeable = False
                object.__setattr__(self, name, kept)

    def _key(self) -> tuple[object, ...]:
        arrays = (self.input, self.weights, self.bias)
        return (self.seed, *(None if a is None else (a.shape, a.tobytes()) for a in arrays))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValueSource) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def arrays(self, spec: ConvSpec) -> tuple[np.ndarray, np.ndarray]:
        """(x, w) for ``spec``."""
        x, w = small_values(spec, self.seed)
        return (
            x if self.input is None else self.input,
            w if self.weights is None else self.weights,
        )

    def channel_arrays(self, spec: ConvSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, w, b) for ``spec`` with its channels (see ``small_channel_values``)."""
        x, w, b = small_channel_values(spec, self.seed)
        return (
            x if self.input is None else self.input.reshape(x.shape),
            w if self.weights is None else self.weights.reshape(w.shape),
            b if self.bias is None else self.bias.reshape(b.shape),
        )

    def pooled(self, spec: ConvSpec) -> np.ndarray:
        """x for a pooling of ``spec``: the user's, else distinct values (a visible maximum)."""
        return distinct_values(spec, self.seed) if self.input is None else self.input


def _printable(values: np.ndarray, culprit: str = "input_values") -> np.ndarray:
    """``values`` if a cell prints every one readably (see MAX_PRINTED), else the error a
    reader needs: the sums reach too far (blamed on ``culprit``)."""
    largest = float(np.abs(values).max(initial=0.0))
    if not largest < MAX_PRINTED:  # NaN and overflow included
        reach = f"{largest:.7g}" if np.isfinite(largest) else "beyond 1e308"
        raise ConvanimError(
            culprit, f"the sums reach {reach}, and {_READABLE}: choose smaller values"
        )
    return values


def _layer_outputs(
    spec: ConvSpec, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None
) -> np.ndarray:
    """y of a layer with channels, refused if a cell cannot print it: on the bias if it can
    print the sums alone (worked out only then)."""
    with np.errstate(over="ignore", invalid="ignore"):
        y = apply(spec, x, w, bias)
        if bias is not None and not (np.abs(y) < MAX_PRINTED).all():
            _printable(apply(spec, x, w))  # the sums alone reach too far: the inputs' fault
            _printable(y, "bias_values")
        return _printable(y)


def lower_plane_values(board: Board, x: np.ndarray) -> np.ndarray:
    """The lower plane of a gather board: x (input_size...) on input cells, 0 on inserted
    zeros and padding."""
    return canvas_values(board.spec.spatial, x).reshape(board.lower.cells.shape)


def _input_planes(board: Board, x: np.ndarray) -> np.ndarray:
    """(in_channels, plane...) what the input side's plane prints per channel: the gather
    reading's canvas (x on input cells, 0 on inserted zeros, nothing on padding) or x."""
    spec, shape = board.spec, board.lower.cells.shape
    if board.stamps:
        return x.reshape(spec.in_channels, *shape).astype(float)
    padded = np.stack([lower_plane_values(board, channel) for channel in x])
    return np.where(board.lower.cells == Cell.PADDING, np.nan, padded)


def board_numbers(
    board: Board, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None
) -> Numbers:
    """The numbers of ``board`` for x (in_channels, input_size...), w (PyTorch's layout) and
    the bias b (out_channels,) of a biased spec: per frame, the weights of the lit slices,
    each input channel's partial sum and the bias (gather), and the outputs reached so far.

    Gather: an output is printed once its frame is reached, as ``apply`` gives it.
    Scatter: an output cell shows its bias plus the stamps so far (once stamped, or from
    the start with a bias; once every stamp of its channel is down, 0 where none reached,
    as PyTorch gives); cells the padding crops show their stamps only.

    >>> from convanim.story.board import build_board
    >>> spec = ConvSpec(input_size=3, kernel=2, in_channels=2, out_channels=1)
    >>> numbers = board_numbers(build_board(spec), np.ones((2, 3)), np.ones((1, 2, 2)))
    >>> numbers.frames[0].partials.tolist(), numbers.frames[1].outputs.tolist()
    ([2.0, 2.0], [[[4.0, 4.0]]])
    """
    spec = board.spec
    bias = b if spec.bias else None
    inputs = _input_planes(board, x)
    y = _layer_outputs(spec, x, w, bias)  # refused if a cell cannot print it
    if board.stamps:
        stamped = _Stamps(board, x, w, bias)
        kernel_order = grid_positions(spec.kernel)
        taps_of = {
            (int(i), int(j)): w[i, j][tuple(kernel_order.T)].astype(float)
            for i, j in board.order.pairs.weight
        }

        def stamp(index: int) -> FrameNumbers:
            lit = board.order.frame(index)
            taps = np.stack([taps_of[(int(i), int(j))] for i, j in lit.slices])
            return FrameNumbers(taps, stamped.outputs(index))

        return Numbers(inputs, w, bias, Lazy(len(board.order), stamp))
    sums = PartialSums(spec, x, w)
    upper_shape = board.upper.cells.shape
    y = y.reshape(spec.out_channels, -1)

    def gather(index: int) -> FrameNumbers:
        lit = board.order.frame(index)
        with np.errstate(over="ignore", invalid="ignore"):
            partials = _printable(sums.at(index))
        shown = np.where(board.order.made(index), y, np.nan)
        channel_bias = None if bias is None else float(bias[lit.outputs[0]])
        outputs = shown.reshape(spec.out_channels, *upper_shape)
        return FrameNumbers(sums.taps_at(index), outputs, None, partials, channel_bias)

    return Numbers(inputs, w, bias, Lazy(len(board.order), gather))


def slice_numbers(board: Board, x: np.ndarray, w: np.ndarray) -> Numbers:
    """The numbers of a one-channel board: x (input_size...) and w (kernel...) as one input
    and one output channel (see ``board_numbers``)."""
    return board_numbers(board, x[None], w[None, None])


def pool_numbers(board: Board, pooling: Pooling, x: np.ndarray) -> Numbers:
    """Pooling: no weights; max pooling marks the cell each window took."""
    spec = pooling.windows
    with np.errstate(over="ignore", invalid="ignore"):
        y = _printable(pooling.apply(x)).reshape(board.upper.cells.shape)
    marks: list[tuple[int, ...] | None] = [None] * len(board.steps)
    if pooling.mode is PoolMode.MAX:
        winners = pooling.winners(x).reshape(-1, spec.ndim)
        cells = drawn_cells(canvas(spec).input_cells[tuple(winners.T)])
        marks = [tuple(int(v) for v in cell) for cell in cells]
    shown = np.full(y.shape, np.nan)
    frames = []
    for step, mark in zip(board.steps, marks):
        cell = tuple(step.upper[0])
        shown[cell] = y[cell]
        frames.append(FrameNumbers(None, shown[None].copy(), mark))
    return Numbers(_input_planes(board, x[None]), None, None, tuple(frames))


def with_overlap(numbers: Numbers | None, board: Board, counts: np.ndarray) -> Numbers:
    """``numbers`` (or none printed) plus a closing frame that prints each output's stamp count."""
    if numbers is None:
        silent = FrameNumbers(None, np.full((1, *board.upper.cells.shape), np.nan))
        nothing = np.full((1, *board.lower.cells.shape), np.nan)
        numbers = Numbers(nothing, None, None, (silent,) * len(board.steps))
    inside = board.upper.cells != Cell.HIDDEN
    summary = FrameNumbers(None, np.where(inside, counts, np.nan)[None])
    frames = numbers.frames
    return replace(
        numbers, frames=Lazy(len(frames) + 1, lambda k: frames[k] if k < len(frames) else summary)
    )


class _Stamps:
    """Running sums of the scatter reading, one input channel's at a time."""

    def __init__(self, board: Board, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None):
        self.board, self.x, self.w, self.bias = board, x, w, bias
        self.spatial = board.spec.spatial
        self.shape = board.upper.cells.shape
        self.inside = board.upper.cells != Cell.HIDDEN
        self.channel: int | None = None
        self.running = np.empty(0)
        whole = np.zeros((len(x), board.spec.out_channels, *self.shape))  # 0 where unpaired
        pairs = board.order.pairs
        for i, j, o in zip(*pairs.weight.T, pairs.output):
            whole[i, o] = self._sums(int(i), int(j))[-1]
        #: (in_channels + 1, out_channels, plane...) what the input channels before each added
        with np.errstate(over="ignore", invalid="ignore"):
            self.before = _printable(np.concatenate([np.zeros_like(whole[:1]), whole.cumsum(0)]))

    def _sums(self, i: int, j: int) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            sums = _printable(scatter_running_sums(self.spatial, self.x[i], self.w[i, j]))
        return sums.reshape(len(sums), *self.shape)

    def outputs(self, index: int) -> np.ndarray:
        order, bias = self.board.order, self.bias
        lit = order.frame(index)
        stamping = int(lit.inputs[0])
        if self.channel != stamping:  # the running sums of the stamping channel's slices
            self.channel = stamping
            self.running = np.stack([self._sums(stamping, int(j)) for _, j in lit.slices])
        earlier = self.before[stamping].copy()
        with np.errstate(over="ignore", invalid="ignore"):
            earlier[lit.outputs] += self.running[:, lit.cell]
            _printable(earlier)
            if bias is not None:
                earlier = _printable(
                    earlier + np.where(self.inside, bias[:, None, None], 0.0), "bias_values"
                )
        counts = order.stamp_counts(index).reshape(len(earlier), *self.shape)
        shown_inside = order.complete(index) | (bias is not None)
        reached = (counts > 0) | (self.inside & np.reshape(shown_inside, (-1, 1, 1)))
        return np.where(reached, earlier, np.nan)
