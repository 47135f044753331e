"""The numbers an animation prints: cell values, the weights under the kernel, outputs as reached.

Values come from the geometry (``apply``, the canvas and scatter views, ``Pooling``);
this module only lays them out per storyboard frame. Plane arrays are shaped like
the storyboard's planes, with NaN where nothing is printed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

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
    scatter,
    scatter_running_sums,
)
from convanim.lazy import Lazy
from convanim.story.board import Cell, Storyboard, drawn_cells
from convanim.story.channels import ChannelFrame, ChannelStoryboard, stamp_counts
from convanim.text import size_text


@dataclass(frozen=True)
class FrameNumbers:
    """The numbers of one frame."""

    weights: np.ndarray | None  # (K,) the weight at each highlighted lower cell, or None
    upper: np.ndarray  # (rows, cols) values printed on the upper plane so far
    marked: tuple[int, int] | None  # the lower cell a max pooling window took, or None
    stamp: np.ndarray | None = None  # (K,) scatter view: the weight at each highlighted upper cell


@dataclass(frozen=True)
class Numbers:
    """The numbers of a whole storyboard."""

    lower: np.ndarray  # (rows, cols) values printed on the lower plane
    frames: tuple[FrameNumbers, ...]


#: Decimals a printed number may need to be exact; results that need more (a mean of
#: three values) are not terminating decimals and print rounded to ROUNDED_DECIMALS.
EXACT_DECIMALS = 6
ROUNDED_DECIMALS = 2
#: Numbers a cell prints readably are below this in magnitude (at most six digits before the
#: point): a longer one shrinks past legibility, and 1e308 would print 309 digits.
MAX_PRINTED = 10**6
_READABLE = f"a cell prints numbers below {MAX_PRINTED:,} readably"


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
            argument, f"must be finite numbers (a picture cannot show them), {bad} are not"
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


def lower_plane_values(board: Storyboard, spec: ConvSpec, x: np.ndarray) -> np.ndarray:
    """The lower plane of a canvas storyboard: x on input cells, 0 on inserted zeros and padding."""
    return canvas_values(spec, x).reshape(board.lower.cells.shape)


def _printed(board: Storyboard, values: np.ndarray) -> np.ndarray:
    """Nothing on padding: its zeros are implied by the dashed outline."""
    return np.where(board.lower.cells == Cell.PADDING, np.nan, values)


def _revealed(board: Storyboard, y: np.ndarray) -> list[np.ndarray]:
    shown = np.full(board.upper.cells.shape, np.nan)
    steps = []
    for frame in board.frames:
        cell = tuple(frame.upper[0])
        shown[cell] = y[cell]
        steps.append(shown.copy())
    return steps


def conv_numbers(board: Storyboard, spec: ConvSpec, x: np.ndarray, w: np.ndarray) -> Numbers:
    """Canvas view of a conv or transposed conv: weights under the (flipped) kernel, outputs."""
    taps_weights = w[tuple(canvas(spec).footprint_kernel.T)]
    with np.errstate(over="ignore", invalid="ignore"):
        y = _printable(apply(spec, x, w)).reshape(board.upper.cells.shape)
    frames = tuple(FrameNumbers(taps_weights, shown, None) for shown in _revealed(board, y))
    return Numbers(_printed(board, lower_plane_values(board, spec, x)), frames)


def scatter_numbers(board: Storyboard, spec: ConvSpec, x: np.ndarray, w: np.ndarray) -> Numbers:
    """Scatter view: the output shows the running partial sums as each input stamps, and
    the stamp's cells the weight each adds with.

    Once every stamp is down, output cells no stamp reached show 0, as PyTorch gives.
    """
    shape = board.upper.cells.shape
    with np.errstate(over="ignore", invalid="ignore"):
        sums = _printable(scatter_running_sums(spec, x, w))
    view = scatter(spec)
    last = len(sums) - 1
    stamp = w.reshape(-1).astype(float)  # in kernel order, as each frame's stamp cells
    frames = tuple(
        FrameNumbers(
            None,
            np.where((reached > 0) | (view.grid_inside & (step == last)), total, np.nan).reshape(
                shape
            ),
            None,
            stamp,
        )
        for step, (total, reached) in enumerate(zip(sums, view.counts))
    )
    return Numbers(x.reshape(board.lower.cells.shape).astype(float), frames)


def pool_numbers(board: Storyboard, pooling: Pooling, x: np.ndarray) -> Numbers:
    """Pooling: no weights; max pooling marks the cell each window took."""
    spec = pooling.windows
    with np.errstate(over="ignore", invalid="ignore"):
        y = _printable(pooling.apply(x)).reshape(board.upper.cells.shape)
    marks: list[tuple[int, int] | None] = [None] * len(board.frames)
    if pooling.mode is PoolMode.MAX:
        winners = pooling.winners(x).reshape(-1, spec.ndim)
        cells = drawn_cells(canvas(spec).input_cells[tuple(winners.T)])
        marks = [(int(r), int(c)) for r, c in cells]
    frames = tuple(
        FrameNumbers(None, shown, mark) for shown, mark in zip(_revealed(board, y), marks)
    )
    return Numbers(_printed(board, lower_plane_values(board, spec, x)), frames)


def with_overlap(numbers: Numbers | None, board: Storyboard, counts: np.ndarray) -> Numbers:
    """``numbers`` (or none printed) plus a closing frame that prints each output's stamp count."""
    if numbers is None:
        silent = FrameNumbers(None, np.full(board.upper.cells.shape, np.nan), None)
        numbers = Numbers(np.full(board.lower.cells.shape, np.nan), (silent,) * len(board.frames))
    inside = board.upper.cells != Cell.HIDDEN
    summary = FrameNumbers(None, np.where(inside, counts, np.nan), None)
    return Numbers(numbers.lower, (*numbers.frames, summary))


@dataclass(frozen=True)
class ChannelFrameNumbers:
    """The numbers of one frame of a channel view."""

    taps: np.ndarray  # (S, K) per lit slice, the weight at each cell of the spatial frame
    partials: (
        np.ndarray | None
    )  # gather: (I,) per lit input channel, sum of x * w over the footprint
    bias: float | None  # gather: the bias of the output channel (None: the layer has none)
    outputs: np.ndarray  # (out_channels, plane...) values on the output planes so far, NaN: none


@dataclass(frozen=True)
class ChannelNumbers:
    """The numbers of a whole channel storyboard."""

    inputs: np.ndarray  # (in_channels, plane...) printed on the input planes, NaN on padding
    weights: np.ndarray  # w, in PyTorch's layout
    bias: np.ndarray | None  # (out_channels,), None without a bias
    frames: Sequence[ChannelFrameNumbers]  # made when read


def channel_numbers(
    board: ChannelStoryboard, x: np.ndarray, w: np.ndarray, b: np.ndarray
) -> ChannelNumbers:
    """The numbers of a channel storyboard: per frame, the weights of the lit slices, each
    input channel's partial sum and the bias (gather), and the outputs reached so far.

    Gather: an output is printed once its frame is reached, as ``apply`` gives it.
    Scatter: an output cell shows its bias plus the stamps so far (once stamped, or from
    the start with a bias); cells the padding crops show their stamps only.
    """
    spec, spatial = board.spec, board.spec.spatial
    bias = b if spec.bias else None
    upper_shape = board.spatial.upper.cells.shape
    lower_shape = board.spatial.lower.cells.shape
    if board.stamps:
        _layer_outputs(spec, x, w, bias)  # the totals the stamps reach: refused if they overflow
        inputs = x.reshape(spec.in_channels, *lower_shape).astype(float)
        kernel_order = grid_positions(spec.kernel)
    else:
        padded = np.stack([canvas_values(spatial, channel) for channel in x])
        inputs = np.where(
            board.spatial.lower.cells == Cell.PADDING,
            np.nan,
            padded.reshape(spec.in_channels, *lower_shape),
        )
        kernel_order = canvas(spatial).footprint_kernel
        y = _layer_outputs(spec, x, w, bias).reshape(spec.out_channels, -1)
    taps_of = {
        (int(i), int(j)): w[i, j][tuple(kernel_order.T)].astype(float)
        for i, j in board.pairs.weight
    }
    stamped = _Stamps(board, x, w) if board.stamps else None

    def frame(index: int) -> ChannelFrameNumbers:
        lit = board.frames[index]
        taps = np.stack([taps_of[(int(i), int(j))] for i, j in lit.slices])
        if stamped is not None:
            return ChannelFrameNumbers(taps, None, None, stamped.outputs(lit, bias))
        rows, columns = board.spatial.frames[lit.spatial].lower.T
        under = np.nan_to_num(inputs[lit.inputs][:, rows, columns])
        with np.errstate(over="ignore", invalid="ignore"):
            partials = _printable((under * taps).sum(axis=1))
        shown = np.where(np.arange(y.size) <= index, y.ravel(), np.nan)
        channel_bias = None if bias is None else float(bias[lit.outputs[0]])
        return ChannelFrameNumbers(
            taps, partials, channel_bias, shown.reshape(spec.out_channels, *upper_shape)
        )

    return ChannelNumbers(inputs, w, bias, Lazy(len(board.frames), frame))


class _Stamps:
    """Running sums of the scatter reading, one input channel's at a time."""

    def __init__(self, board: ChannelStoryboard, x: np.ndarray, w: np.ndarray):
        self.board, self.x, self.w = board, x, w
        self.spatial = board.spec.spatial
        self.shape = board.spatial.upper.cells.shape
        self.inside = board.spatial.upper.cells != Cell.HIDDEN
        self.channel: int | None = None
        self.running = np.empty(0)
        whole = np.zeros((len(x), board.spec.out_channels, *self.shape))  # 0 where unpaired
        for i, j, o in zip(*board.pairs.weight.T, board.pairs.output):
            whole[i, o] = self._sums(int(i), int(j))[-1]
        #: (in_channels + 1, out_channels, plane...) what the input channels before each added
        with np.errstate(over="ignore", invalid="ignore"):
            self.before = _printable(np.concatenate([np.zeros_like(whole[:1]), whole.cumsum(0)]))

    def _sums(self, i: int, j: int) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            sums = _printable(scatter_running_sums(self.spatial, self.x[i], self.w[i, j]))
        return sums.reshape(len(sums), *self.shape)

    def outputs(self, lit: ChannelFrame, bias: np.ndarray | None) -> np.ndarray:
        stamping = int(lit.inputs[0])
        if self.channel != stamping:  # the running sums of the stamping channel's slices
            self.channel = stamping
            self.running = np.stack([self._sums(stamping, int(j)) for _, j in lit.slices])
        earlier = self.before[stamping].copy()
        with np.errstate(over="ignore", invalid="ignore"):
            earlier[lit.outputs] += self.running[:, lit.spatial]
            _printable(earlier)
            if bias is not None:
                earlier = _printable(
                    earlier + np.where(self.inside, bias[:, None, None], 0.0), "bias_values"
                )
        counts = stamp_counts(self.board, lit)
        pairs = self.board.pairs
        last_inputs = pairs.group_inputs[pairs.output_group, -1]  # per output channel
        last_stamp = lit.spatial == len(self.board.spatial.frames) - 1
        complete = (last_inputs < stamping) | ((last_inputs == stamping) & last_stamp)
        shown_inside = complete | (bias is not None)
        reached = (counts > 0) | (self.inside & np.reshape(shown_inside, (-1, 1, 1)))
        return np.where(reached, earlier, np.nan)
