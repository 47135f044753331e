"""The numbers an animation prints: cell values, the weights under the kernel, outputs as reached.

Values come from the geometry (``apply``, the canvas and scatter views, ``Pooling``);
this module only lays them out per storyboard frame. Plane arrays are shaped like
the storyboard's planes, with NaN where nothing is printed.
"""

from __future__ import annotations

import math
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
    scatter,
    scatter_running_sums,
)
from convanim.storyboard import Cell, Storyboard, drawn_cells


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


def small_values(spec: ConvSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Input values 0..3 and non-zero kernel weights -2..2: small integers readable in cells.

    Weights are never 0, so every tap of the geometry shows as a non-zero entry.

    >>> x, w = small_values(ConvSpec(input_size=(5, 5), kernel=3), seed=0)
    >>> x.shape, w.shape, bool((w != 0).all())
    ((5, 5), (3, 3), True)
    """
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=spec.input_size).astype(float)
    w = rng.choice([-2.0, -1.0, 1.0, 2.0], size=spec.kernel)
    return x, w


def given_values(text: str, shape: tuple[int, ...], argument: str) -> np.ndarray:
    """Comma-separated numbers, row-major, exactly prod(shape) of them.

    >>> given_values("1,2,3,4", (2, 2), "weights").tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    try:
        values = np.array([float(part) for part in text.split(",")])
    except ValueError:
        raise ConvanimError(
            argument, f"expected comma-separated numbers, got {quoted(text)}"
        ) from None
    if not np.isfinite(values).all():
        raise ConvanimError(
            argument, f"must be finite numbers (a picture cannot show them), got {quoted(text)}"
        )
    if values.size != np.prod(shape):
        size = "x".join(map(str, shape))
        raise ConvanimError(
            argument, f"needs {int(np.prod(shape))} values for {size}, got {values.size}"
        )
    return values.reshape(shape)


@dataclass(frozen=True)
class ValueSource:
    """Where printed values come from: the user's, else small integers from ``seed``.

    Arrays are made only when asked for, once the animation is known to fit its budgets.
    """

    seed: int = 0
    input: np.ndarray | None = None  # x (input_size...), or None for seeded values
    weights: np.ndarray | None = None  # w (kernel...), or None for seeded values

    def arrays(self, spec: ConvSpec) -> tuple[np.ndarray, np.ndarray]:
        """(x, w) for ``spec``."""
        x, w = small_values(spec, self.seed)
        return (
            x if self.input is None else self.input,
            w if self.weights is None else self.weights,
        )

    def pooled(self, spec: ConvSpec) -> np.ndarray:
        """x for a pooling of ``spec``: the user's, else distinct values (a visible maximum)."""
        return distinct_values(spec, self.seed) if self.input is None else self.input


def _finite(values: np.ndarray) -> np.ndarray:
    """``values`` if every one is finite, else the error a reader needs: the numbers overflow."""
    if not np.isfinite(values).all():
        raise ConvanimError(
            "input_values", "the outputs overflow (beyond 1e308): choose smaller values"
        )
    return values


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
        y = _finite(apply(spec, x, w)).reshape(board.upper.cells.shape)
    frames = tuple(FrameNumbers(taps_weights, shown, None) for shown in _revealed(board, y))
    return Numbers(_printed(board, lower_plane_values(board, spec, x)), frames)


def scatter_numbers(board: Storyboard, spec: ConvSpec, x: np.ndarray, w: np.ndarray) -> Numbers:
    """Scatter view: the output shows the running partial sums as each input stamps, and
    the stamp's cells the weight each adds with.

    Once every stamp is down, output cells no stamp reached show 0, as PyTorch gives.
    """
    shape = board.upper.cells.shape
    with np.errstate(over="ignore", invalid="ignore"):
        sums = _finite(scatter_running_sums(spec, x, w))
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
        y = _finite(pooling.apply(x)).reshape(board.upper.cells.shape)
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
