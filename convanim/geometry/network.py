"""A chain of layers, and what one cell sees through it, exactly.

A ``Network`` is an input size and a chain of stages: convolutions and transposed
convolutions (``ConvSpec``), poolings (``Pooling``), nearest upsamplings
(``Upsample``) and layers that pass their input through (activations,
normalisation, dropout: no op). With every weight 1 and every pooling window
summing its cells, the chain is a product of 0/1 matrices, and the gradient of one
output cell with respect to the input counts the paths from each input cell to it:
the effective receptive field of Luo et al. (2016) of a linear stack, up to scale.
Its support, layer by layer, is the receptive field; the other way, the projective
field of one input cell.

All of it factorises over axes: a kernel of ones is the product of per-axis rows of
ones, and the taps of every op are per-axis products (``views.taps``). So each axis
is worked out alone, as 0/1 incidence matrices between consecutive layers, and the
N-D fields and path counts are outer products of the per-axis ones. Path counts are
Python integers: exact however large.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry.pooling import Pooling
from convanim.geometry.spec import ConvSpec
from convanim.geometry.views import taps

#: The most stages a network may have, and the most entries of one axis's incidence
#: matrices together (per stage, its output cells times its input cells along the axis;
#: likewise every layer's cells times the input's), so that memory stays bounded.
MAX_STAGES = 1000
MAX_AXIS_ENTRIES = 2**23


@dataclass(frozen=True)
class Upsample:
    """Nearest upsampling by a whole factor per axis: output cell j copies input cell j // s.

    >>> Upsample((3, 4), (2, 2)).output_size
    (6, 8)
    """

    input_size: tuple[int, ...]
    scale: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.scale) != len(self.input_size):
            raise ConvanimError("scale_factor", f"needs one factor per axis, got {self.scale}")
        if any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in self.scale):
            raise ConvanimError("scale_factor", f"must be whole numbers >= 1, got {self.scale}")

    @property
    def output_size(self) -> tuple[int, ...]:
        return tuple(n * s for n, s in zip(self.input_size, self.scale))


Op = ConvSpec | Pooling | Upsample


def op_sizes(op: Op | None, size: tuple[int, ...]) -> tuple[int, ...]:
    """The output size of ``op`` (``size`` for a layer that passes its input through)."""
    if op is None:
        return size
    if isinstance(op, Pooling):
        return op.windows.output_size
    return op.output_size


@dataclass(frozen=True)
class Stage:
    """One layer of a chain: its text as given, and its op (None: it passes its input through)."""

    text: str
    op: Op | None


@dataclass(frozen=True)
class Network:
    """An input size and a chain of stages, each reading the previous one's output.

    >>> spec = ConvSpec(input_size=(8, 8), kernel=3, stride=2, padding=1)
    >>> net = Network((8, 8), (Stage("conv", spec), Stage("relu", None)))
    >>> net.sizes
    ((8, 8), (4, 4), (4, 4))
    """

    input_size: tuple[int, ...]
    stages: tuple[Stage, ...]

    def __post_init__(self) -> None:
        if not self.stages:
            raise ConvanimError("layers", "a network needs at least one layer")
        if len(self.stages) > MAX_STAGES:
            raise ConvanimError(
                "layers", f"{len(self.stages):,} layers exceed the budget of {MAX_STAGES:,}"
            )
        size = self.input_size
        for position, stage in enumerate(self.stages, start=1):
            if stage.op is not None and _op_input(stage.op) != size:
                raise ConvanimError(
                    "layers",
                    f"layer {position} ({stage.text}) reads {_op_input(stage.op)}, "
                    f"but the layer before gives {size}",
                )
            size = op_sizes(stage.op, size)

    @functools.cached_property
    def sizes(self) -> tuple[tuple[int, ...], ...]:
        """The input size, then each stage's output size."""
        sizes = [self.input_size]
        for stage in self.stages:
            sizes.append(op_sizes(stage.op, sizes[-1]))
        return tuple(sizes)

    @property
    def ndim(self) -> int:
        return len(self.input_size)


def _op_input(op: Op) -> tuple[int, ...]:
    if isinstance(op, Pooling):
        return op.spec.input_size
    return op.input_size


def _axis_pairs(op: Op, axis: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(output, input) index pairs of ``op`` along ``axis``: one per tap (each pair once)."""
    if isinstance(op, Upsample):
        outputs = np.arange(size * op.scale[axis])
        return outputs, outputs // op.scale[axis]
    spec = op.windows if isinstance(op, Pooling) else op
    line = spec.axes[axis]
    one = ConvSpec(
        input_size=line.size,
        kernel=line.kernel,
        stride=line.stride,
        padding=[line.padding],
        dilation=line.dilation,
        output_padding=line.output_padding,
        transposed=line.transposed,
    )
    found = taps(one)
    return found.output[:, 0], found.input[:, 0]


def _incidence(network: Network, axis: int) -> list[np.ndarray]:
    """Per stage, the (outputs, inputs) 0/1 matrix along ``axis`` (identity: pass-through)."""
    sizes = [size[axis] for size in network.sizes]
    entries = sum(n_in * n_out for n_in, n_out in itertools.pairwise(sizes))
    entries = max(entries, sum(n * sizes[0] for n in sizes))  # summaries: fields on the input
    if entries > MAX_AXIS_ENTRIES:
        raise ConvanimError(
            "input_size",
            f"the layers' {entries:,} pairs of cells along axis {axis} exceed the budget of "
            f"{MAX_AXIS_ENTRIES:,}; choose a smaller input or fewer layers",
        )
    matrices = []
    for stage, n_in, n_out in zip(network.stages, sizes, sizes[1:]):
        if stage.op is None:
            matrices.append(np.eye(n_in))
            continue
        outputs, inputs = _axis_pairs(stage.op, axis, n_in)
        matrix = np.zeros((n_out, n_in))
        matrix[outputs, inputs] = 1.0
        matrices.append(matrix)
    return matrices


@dataclass(frozen=True)
class AxisSummary:
    """The calculator's summary of one layer along one axis, where it holds.

    ``size`` is the extent of the widest field (a field no border cuts), ``jump`` how
    far (in input cells) the fields move per cell of the layer: the fields recur every
    p cells moved by q input cells, and jump is q / p (half a cell for a transposed
    layer of stride 2); None when fewer than two widest fields are seen. ``start`` is
    the centre of the first cell's field, extended past the border where the border
    cuts it; it holds where every widest field is the first one moved by whole jumps
    (p = 1), and is None otherwise.
    """

    jump: Fraction | None
    size: int
    start: Fraction | None
    holes: bool  # some field skips input cells inside its extent (dilation, transposed strides)
    cut: bool  # some field is cut short by the input's border (padding), or reads no input


def _summary(fields: np.ndarray) -> AxisSummary:
    """The summary of one layer from its cells' fields on the input (cells, input) bool."""
    reached = fields.any(axis=1)
    firsts = np.where(reached, fields.argmax(axis=1), -1)
    lasts = np.where(reached, fields.shape[1] - 1 - fields[:, ::-1].argmax(axis=1), -1)
    extents = np.where(reached, lasts - firsts + 1, 0)
    size = int(extents.max())
    holes = bool((fields.sum(axis=1) < extents).any())
    whole = np.flatnonzero(extents == size)
    at_border = (firsts == 0) | (lasts == fields.shape[1] - 1)
    cut = bool((~reached | ((extents < size) & at_border)).any())
    first = int(whole[0])
    centre = Fraction(int(firsts[first] + lasts[first]), 2)
    period = _period(fields, whole, firsts, lasts)
    if period is None:  # one widest field: its centre is the start only if it is cell 0's
        return AxisSummary(None, size, centre if first == 0 else None, holes, cut)
    cells, shift = period
    jump = Fraction(shift, cells)
    start = centre - jump * first if cells == 1 else None
    return AxisSummary(jump, size, start, holes, cut)


def _period(
    fields: np.ndarray, whole: np.ndarray, firsts: np.ndarray, lasts: np.ndarray
) -> tuple[int, int] | None:
    """(p, q): the fewest cells p after which every widest field recurs moved by q input
    cells, or None if no such p is seen among the widest fields."""
    widest = set(whole.tolist())
    for cells in range(1, len(fields)):
        pairs = [(j, j + cells) for j in whole if j + cells in widest]
        if not pairs:
            continue
        shifts = {int(firsts[k] - firsts[j]) for j, k in pairs}
        if len(shifts) == 1 and all(
            np.array_equal(fields[j, firsts[j] : lasts[j] + 1], fields[k, firsts[k] : lasts[k] + 1])
            for j, k in pairs
        ):
            return cells, shifts.pop()
    return None


@dataclass(frozen=True)
class Field:
    """What one output cell of a network sees, layer by layer.

    ``support[l][a]`` is the bool row of cells along axis a of layer l (0: the input)
    that reach the cell; the N-D field of layer l is their outer product. ``paths[a]``
    counts, per input cell along axis a, the paths to the cell; the N-D count of an
    input cell is the product over axes.
    """

    cell: tuple[int, ...]
    support: tuple[tuple[np.ndarray, ...], ...]
    paths: tuple[tuple[int, ...], ...]

    def mask(self, layer: int) -> np.ndarray:
        """The field on ``layer`` as a bool array shaped as the layer."""
        return outer(self.support[layer])

    def box(self, layer: int) -> tuple[tuple[int, int], ...] | None:
        """(first, last) reaching cell per axis of ``layer``; None if none reaches it."""
        return rows_box(self.support[layer])

    def cells(self, layer: int) -> int:
        """How many cells of ``layer`` reach the cell."""
        return rows_cells(self.support[layer])

    def holes(self, layer: int) -> bool:
        """Whether the field on ``layer`` skips cells inside its box."""
        return rows_holes(self.support[layer])

    def path_counts(self) -> list:
        """The paths from each input cell, as nested lists shaped as the input (Python ints)."""
        return outer_counts(self.paths)


def rows_box(rows: Sequence[np.ndarray]) -> tuple[tuple[int, int], ...] | None:
    """(first, last) lit cell per axis of the cells lit in every axis's bool row; None
    when no cell is (a field that reads only padding, a reach that ends).

    >>> rows_box([np.array([0, 1, 1, 0], bool)]), rows_box([np.zeros(3, bool)])
    (((1, 2),), None)
    """
    if not all(row.any() for row in rows):
        return None
    return tuple((int(np.argmax(row)), int(len(row) - 1 - np.argmax(row[::-1]))) for row in rows)


def rows_cells(rows: Sequence[np.ndarray]) -> int:
    """How many cells are lit in every axis's bool row."""
    return math.prod(int(row.sum()) for row in rows)


def rows_holes(rows: Sequence[np.ndarray]) -> bool:
    """Whether the lit cells skip cells inside their box."""
    box = rows_box(rows)
    return box is not None and any(
        int(row.sum()) < last - first + 1 for row, (first, last) in zip(rows, box)
    )


def default_cell(size: tuple[int, ...]) -> tuple[int, ...]:
    """The cell a field follows unless told: the centre one (the lower middle when even).

    >>> default_cell((3, 4))
    (1, 1)
    """
    return tuple((n - 1) // 2 for n in size)


def outer_counts(rows: Sequence[Sequence[int]]) -> list:
    """The N-D counts (nested lists of Python ints) whose per-axis factors are ``rows``.

    >>> outer_counts([(1, 2), (1, 3)])
    [[1, 3], [2, 6]]
    """
    array = np.array(1, dtype=object)
    for counts in rows:
        array = np.multiply.outer(array, np.array(counts, dtype=object))
    return array.tolist()


def outer(rows: Sequence[np.ndarray]) -> np.ndarray:
    """The N-D bool array of cells in every axis's row (the product of per-axis fields)."""
    return functools.reduce(np.logical_and.outer, rows)


def check_cell(size: tuple[int, ...], cell: Sequence[int] | None, argument: str) -> tuple[int, ...]:
    """``cell`` of a layer of ``size`` as integers (None: ``default_cell``), refused
    (naming ``argument``) unless it is one, indexed from 0."""
    if cell is None:
        return default_cell(size)
    cell = tuple(cell)
    if len(cell) != len(size) or any(not 0 <= c < n for c, n in zip(cell, size)):
        raise ConvanimError(
            argument,
            f"must be a cell of the {'x'.join(map(str, size))} layer, indexed from 0, got {cell}",
        )
    return tuple(int(c) for c in cell)


def receptive_field(network: Network, cell: Sequence[int] | None = None) -> Field:
    """What output ``cell`` of the last layer (its centre when None) sees on every layer.

    >>> spec = ConvSpec(input_size=7, kernel=3)
    >>> net = Network((7,), (Stage("a", spec), Stage("b", ConvSpec(input_size=5, kernel=3))))
    >>> field = receptive_field(net)
    >>> field.box(0), field.paths[0]
    (((1, 5),), (0, 1, 2, 3, 2, 1, 0))
    """
    cell = check_cell(network.sizes[-1], cell, "cell")
    supports, paths = [], []
    for axis in range(network.ndim):
        matrices = _incidence(network, axis)
        row = np.zeros(network.sizes[-1][axis], dtype=bool)
        row[cell[axis]] = True
        counts = [0] * network.sizes[-1][axis]
        counts[cell[axis]] = 1
        rows = [row]
        for matrix in reversed(matrices):
            row = (matrix.T @ row) > 0
            rows.append(row)
            counts = _pulled(matrix, counts)
        supports.append(rows[::-1])
        paths.append(tuple(counts))
    layers = len(network.sizes)
    support = tuple(
        tuple(supports[a][layer] for a in range(network.ndim)) for layer in range(layers)
    )
    return Field(cell, support, tuple(paths))


def _pulled(matrix: np.ndarray, counts: list[int]) -> list[int]:
    """The counts on a stage's inputs from those on its outputs (exact, Python integers)."""
    pulled = [0] * matrix.shape[1]
    for o, i in zip(*np.nonzero(matrix)):
        if counts[o]:
            pulled[i] += counts[o]
    return pulled


#: Per layer (0: the input) and axis, a bool row of the cells one input cell reaches.
Reach = tuple[tuple[np.ndarray, ...], ...]


def projective_field(network: Network, cell: Sequence[int] | None = None) -> Reach:
    """Per layer (0: the input) and axis, the bool row of cells input ``cell`` reaches."""
    cell = check_cell(network.input_size, cell, "from_input")
    per_axis = []
    for axis in range(network.ndim):
        row = np.zeros(network.input_size[axis], dtype=bool)
        row[cell[axis]] = True
        rows = [row]
        for matrix in _incidence(network, axis):
            row = (matrix @ row) > 0
            rows.append(row)
        per_axis.append(rows)
    return tuple(
        tuple(per_axis[a][layer] for a in range(network.ndim))
        for layer in range(len(network.sizes))
    )


def summaries(network: Network) -> tuple[tuple[AxisSummary, ...], ...]:
    """Per stage and axis, the calculator's summary (see ``AxisSummary``)."""
    per_axis = []
    for axis in range(network.ndim):
        fields = np.eye(network.input_size[axis])
        rows = []
        for matrix in _incidence(network, axis):
            fields = ((matrix @ fields) > 0).astype(float)
            rows.append(_summary(fields > 0))
        per_axis.append(rows)
    return tuple(
        tuple(per_axis[a][s] for a in range(network.ndim)) for s in range(len(network.stages))
    )


def layer_reads(network: Network, layers: Sequence[int], axis: int = 0) -> list[np.ndarray]:
    """For each pair of consecutive ``layers`` (indices into ``network.sizes``, increasing),
    the (cells of the later, cells of the earlier) bool matrix along ``axis`` of which
    cells read which through the stages between them.

    >>> net = Network((5,), (Stage("a", ConvSpec(input_size=5, kernel=2)), Stage("b", None)))
    >>> layer_reads(net, [0, 2])[0].astype(int).tolist()
    [[1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 1, 1]]
    """
    matrices = _incidence(network, axis)
    reads = []
    for earlier, later in itertools.pairwise(layers):
        if not 0 <= earlier < later < len(network.sizes):
            raise ConvanimError("layers", f"layer {later} does not follow layer {earlier}")
        pairs = network.sizes[earlier][axis] * network.sizes[later][axis]
        if pairs > MAX_AXIS_ENTRIES:
            raise ConvanimError(
                "input_size",
                f"{pairs:,} pairs of cells between two drawn layers exceed the budget of "
                f"{MAX_AXIS_ENTRIES:,}; choose a smaller input",
            )
        through = np.eye(network.sizes[earlier][axis])
        for matrix in matrices[earlier:later]:
            through = ((matrix @ through) > 0).astype(float)
        reads.append(through > 0)
    return reads


def is_padding(op: Op | None) -> bool:
    """Whether ``op`` only pads (a 1-cell kernel, stride 1, some padding): the cells it adds
    read nothing and the others copy their input cell."""
    if not isinstance(op, ConvSpec) or op.transposed:
        return False
    ones = all(axis.kernel == 1 and axis.stride == 1 for axis in op.axes)
    return ones and any(axis.padding != (0, 0) for axis in op.axes)


def path_totals(network: Network) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """Per layer (0: the input) and axis, how many paths reach each cell from the whole
    input: the forward pass of an input of ones with every weight 1 (a transposed layer's
    stamp counts, compounding through a decoder). The N-D count of a cell is the product
    over axes; Python integers, exact.

    >>> spec = ConvSpec(input_size=3, kernel=3, stride=2, transposed=True)
    >>> path_totals(Network((3,), (Stage("up", spec),)))[1][0]
    (1, 1, 2, 1, 2, 1, 1)
    """
    per_axis = []
    for axis in range(network.ndim):
        counts = [1] * network.input_size[axis]
        rows = [tuple(counts)]
        for matrix in _incidence(network, axis):
            pushed = [0] * matrix.shape[0]
            for o, i in zip(*np.nonzero(matrix)):
                pushed[o] += counts[i]
            counts = pushed
            rows.append(tuple(counts))
        per_axis.append(rows)
    return tuple(
        tuple(per_axis[a][layer] for a in range(network.ndim))
        for layer in range(len(network.sizes))
    )


def drawn_layers(network: Network) -> list[int]:
    """The layers a picture draws (indices into ``network.sizes``): the input, every stage
    that neither passes its input through nor only pads it (what the next drawn layer
    reads runs through those: ``layer_reads``), and the last that does anything, padding
    included: the layers after it pass its cells through, the followed cell among them.

    >>> net = Network((4,), (Stage("pad", ConvSpec(input_size=4, kernel=1, padding=1)),
    ...                      Stage("conv", ConvSpec(input_size=6, kernel=3)), Stage("relu", None)))
    >>> drawn_layers(net)
    [0, 2]
    """
    ops = [k for k, stage in enumerate(network.stages, start=1) if stage.op is not None]
    last = ops[-1] if ops else 0  # the layers after it pass its cells through
    return [0] + [k for k in ops if k == last or not is_padding(network.stages[k - 1].op)]
