"""The exact index arithmetic of N-D convolution and transposed convolution.

This is the only module in convanim that computes indices; the storyboard, the
renderers and the scenes consume what it returns and never re-derive it.

Conventions (PyTorch's; cross-correlation, the kernel is not flipped). Arrays are
indexed in axis order ``(axis 0, axis 1, ...)``, i.e. ``(rows, columns)`` in 2-D,
and flattened row-major. With ``pb``/``pa`` the padding before/after an axis:

* convolution:  ``y[o] = sum_k x[o*s - pb + k*d] * w[k]``,
  ``output = floor((n + pb + pa - d*(k-1) - 1) / s) + 1``
* transposed:   ``y[i*s - pb + k*d] += x[i] * w[k]``,
  ``output = (n-1)*s - pb - pa + d*(k-1) + output_padding + 1``
"""

from __future__ import annotations

import enum
import math
import numbers
from dataclasses import dataclass
from functools import cached_property
from typing import Union

import numpy as np

IntOrTuple = Union[int, tuple[int, ...]]  # noqa: UP007 (a runtime alias on Python 3.10)
PaddingArg = Union[int, str, tuple]  # noqa: UP007

NAMED_PADDINGS = ("valid", "same", "full")

#: Largest number of entries ``ConvSpec.matrix`` builds (128 MiB of float64).
MATRIX_MAX_ENTRIES = 1 << 24


class SpecError(ValueError):
    """An invalid convolution spec: names the argument, the axis and the rule."""

    def __init__(self, argument: str, rule: str, axis: int | None = None):
        self.argument = argument
        self.axis = axis
        self.rule = rule
        where = f" (axis {axis})" if axis is not None else ""
        super().__init__(f"{argument}{where}: {rule}")


class CellKind(enum.IntEnum):
    """What a cell of the canvas holds."""

    PADDING = 0  # a zero added around the input
    INPUT = 1  # a real input cell
    INSERTED_ZERO = 2  # a zero inserted between input cells (transposed view)


@dataclass(frozen=True)
class Taps:
    """Every term ``x[input] * w[kernel]`` of ``y[output]``, one row per term.

    All three arrays have shape (T, ndim); rows are ordered by output position
    (row-major), then by kernel position (row-major).
    """

    output: np.ndarray
    input: np.ndarray
    kernel: np.ndarray

    def __len__(self) -> int:
        return len(self.output)


@dataclass(frozen=True)
class CanvasView:
    """The picture of an op as a stride-1-or-s convolution over a canvas.

    For a convolution the canvas is the padded input and the kernel moves by the
    stride. For a transposed convolution it is Dumoulin & Visin's equivalent
    convolution: the input with ``s-1`` zeros inserted between cells, padded by
    ``d*(k-1) - pb`` before and ``d*(k-1) - pa + output_padding`` after, swept by
    the flipped kernel with stride 1. A negative padding crops the zero-inserted
    input; the cropped cells are kept, flagged, outside the canvas.

    Coordinates are those of the *extended grid*, which covers the canvas and any
    cropped cells; canvas cell 0 sits at ``canvas_origin``.
    """

    kinds: np.ndarray  # (grid...) CellKind of every extended-grid cell
    input_index: np.ndarray  # (grid..., ndim) input position of INPUT cells, -1 elsewhere
    cropped: np.ndarray  # (grid...) bool, outside the canvas (only when padding < 0)
    unread: np.ndarray  # (grid...) bool, real input cells that no output reads
    canvas_origin: tuple[int, ...]  # grid coordinates of canvas cell 0
    canvas_size: tuple[int, ...]  # canvas cells per axis
    step: tuple[int, ...]  # how far the kernel moves per output cell
    footprint_offsets: np.ndarray  # (K, ndim) canvas offsets of the kernel taps
    footprint_kernel: np.ndarray  # (K, ndim) kernel position used at each tap
    input_size: tuple[int, ...]
    output_size: tuple[int, ...]

    @property
    def grid_size(self) -> tuple[int, ...]:
        return self.kinds.shape

    def input_cells(self) -> np.ndarray:
        """Grid coordinates of every input cell, shape (input_size..., ndim): input_index inverted."""
        is_input = self.kinds == CellKind.INPUT
        cells = np.empty((*self.input_size, len(self.input_size)), dtype=np.intp)
        cells[tuple(self.input_index[is_input].T)] = np.argwhere(is_input)
        return cells

    def footprint(self, output_position) -> np.ndarray:
        """Grid coordinates (K, ndim) of the canvas cells under the kernel for one output cell."""
        corner = np.asarray(self.canvas_origin) + np.asarray(output_position) * self.step
        return corner + self.footprint_offsets


@dataclass(frozen=True)
class ScatterView:
    """A transposed convolution as stamps: input cell i adds ``x[i] * w`` onto the output.

    Row ``r`` of ``input`` is an input position (row-major); ``cells[r]`` are the
    output positions its stamp covers, in kernel order, ``kernel`` the kernel
    position of each, and ``inside[r]`` whether that cell is a real output cell
    (False where the padding crops the stamp).
    """

    input: np.ndarray  # (N, ndim)
    cells: np.ndarray  # (N, K, ndim) output positions, may lie outside the output
    kernel: np.ndarray  # (K, ndim)
    inside: np.ndarray  # (N, K) bool
    output_size: tuple[int, ...]


def grid_positions(shape: tuple[int, ...]) -> np.ndarray:
    """Every position of an array of ``shape``, as rows (prod(shape), ndim), row-major."""
    return np.stack(np.unravel_index(np.arange(math.prod(shape)), shape), axis=1)


def _check_int(argument: str, value, minimum: int, axis: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SpecError(argument, f"must be an integer, got {value!r}", axis)
    if value < minimum:
        rule = "must be positive" if minimum == 1 else "must not be negative"
        raise SpecError(argument, f"{rule}, got {int(value)}", axis)
    return int(value)


def _per_axis(argument: str, value, ndim: int, minimum: int) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        if len(value) != ndim:
            raise SpecError(
                argument,
                f"has {len(value)} values but input_size has {ndim} axes",
            )
        return tuple(_check_int(argument, v, minimum, axis) for axis, v in enumerate(value))
    return (_check_int(argument, value, minimum),) * ndim


def _named_padding(name: str, n: int, k: int, s: int, d: int) -> tuple[int, int]:
    span = d * (k - 1)
    if name == "valid":
        return (0, 0)
    if name == "full":
        return (span, span)
    # "same": output ceil(n / s); the odd extra cell goes after (TensorFlow's rule).
    total = max((math.ceil(n / s) - 1) * s + span + 1 - n, 0)
    return (total // 2, total - total // 2)


def _padding_pairs(padding, ndim: int) -> tuple[tuple[int, int], ...] | str:
    """Padding as one (before, after) pair per axis, or a padding name."""
    if isinstance(padding, str):
        if padding not in NAMED_PADDINGS:
            raise SpecError(
                "padding", f"must be an integer or one of {NAMED_PADDINGS}, got {padding!r}"
            )
        return padding
    if not isinstance(padding, (tuple, list)):
        p = _check_int("padding", padding, 0)
        return ((p, p),) * ndim
    if len(padding) != ndim:
        raise SpecError("padding", f"has {len(padding)} values but input_size has {ndim} axes")
    pairs = []
    for axis, entry in enumerate(padding):
        if isinstance(entry, (tuple, list)):
            if len(entry) != 2:
                raise SpecError(
                    "padding", f"a per-side pair needs 2 values, got {len(entry)}", axis
                )
            pairs.append(tuple(_check_int("padding", v, 0, axis) for v in entry))
        else:
            p = _check_int("padding", entry, 0, axis)
            pairs.append((p, p))
    return tuple(pairs)


@dataclass(frozen=True)
class ConvSpec:
    """One convolution or transposed convolution, normalised on construction.

    Every field may be given as an int (the same on every axis) or a per-axis
    tuple; the number of axes comes from ``input_size``. After construction all
    fields are per-axis tuples and ``padding`` is a tuple of (before, after)
    pairs; the names "valid", "same" and "full" are resolved (convolution only).
    """

    input_size: IntOrTuple
    kernel: IntOrTuple
    stride: IntOrTuple = 1
    padding: PaddingArg = 0
    dilation: IntOrTuple = 1
    output_padding: IntOrTuple = 0
    transposed: bool = False

    def __post_init__(self):
        if not isinstance(self.transposed, bool):
            raise SpecError("transposed", f"must be True or False, got {self.transposed!r}")
        sizes = self.input_size
        if isinstance(sizes, (tuple, list)):
            if len(sizes) == 0:
                raise SpecError("input_size", "needs at least one axis")
            sizes = tuple(_check_int("input_size", v, 1, axis) for axis, v in enumerate(sizes))
        else:
            sizes = (_check_int("input_size", sizes, 1),)
        ndim = len(sizes)
        kernel = _per_axis("kernel", self.kernel, ndim, 1)
        stride = _per_axis("stride", self.stride, ndim, 1)
        dilation = _per_axis("dilation", self.dilation, ndim, 1)
        output_padding = _per_axis("output_padding", self.output_padding, ndim, 0)
        padding = _padding_pairs(self.padding, ndim)
        if isinstance(padding, str):
            if self.transposed and padding != "valid":
                raise SpecError(
                    "padding",
                    f"{padding!r} is not defined for a transposed convolution; give explicit padding",
                )
            padding = tuple(
                _named_padding(padding, *args) for args in zip(sizes, kernel, stride, dilation)
            )
        for axis, (op, s, d) in enumerate(zip(output_padding, stride, dilation)):
            if op and not self.transposed:
                raise SpecError("output_padding", "only applies to a transposed convolution", axis)
            if op >= max(s, d):
                raise SpecError(
                    "output_padding",
                    f"must be smaller than stride ({s}) or dilation ({d}), got {op}",
                    axis,
                )
        for name, value in [
            ("input_size", sizes),
            ("kernel", kernel),
            ("stride", stride),
            ("padding", padding),
            ("dilation", dilation),
            ("output_padding", output_padding),
        ]:
            object.__setattr__(self, name, value)
        for axis, size in enumerate(self.output_size):
            if size < 1:
                raise SpecError("kernel", self._empty_output_rule(axis), axis)

    def _empty_output_rule(self, axis: int) -> str:
        n, k, d = self.input_size[axis], self.kernel[axis], self.dilation[axis]
        pb, pa = self.padding[axis]
        if self.transposed:
            return (
                f"the output is empty: padding {pb}+{pa} crops all of the "
                f"{(n - 1) * self.stride[axis] + d * (k - 1) + 1 + self.output_padding[axis]} cells"
            )
        return (
            f"the dilated kernel spans {d * (k - 1) + 1} cells, more than the "
            f"{n + pb + pa} cells of the padded input"
        )

    @property
    def ndim(self) -> int:
        return len(self.input_size)

    @cached_property
    def output_size(self) -> tuple[int, ...]:
        """Output cells per axis (see the module docstring for the formulas)."""
        sizes = []
        for n, k, s, (pb, pa), d, op in self._axes():
            if self.transposed:
                sizes.append((n - 1) * s - pb - pa + d * (k - 1) + op + 1)
            else:
                sizes.append((n + pb + pa - d * (k - 1) - 1) // s + 1)
        return tuple(sizes)

    def _axes(self):
        return zip(
            self.input_size,
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
            self.output_padding,
        )

    def _axis_input(
        self, axis: int, output: np.ndarray, kernel: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Input position that (output, kernel) reads on one axis (see ``_axis_valid``).

        Conv: ``o*s - pb + k*d``; transposed: ``(o + pb - k*d) // s``. Written into
        ``out`` when given (taps() fills its result arrays in place).
        """
        s, (pb, _), d = self.stride[axis], self.padding[axis], self.dilation[axis]
        if out is None:
            out = np.empty(np.broadcast_shapes(output.shape, kernel.shape), dtype=np.intp)
        if self.transposed:
            np.multiply(kernel, -d, out=out)
            out += output
            out += pb
            np.floor_divide(out, s, out=out)
        else:
            np.multiply(kernel, d, out=out)
            out -= pb
            out += output * s if s != 1 else output
        return out

    def _axis_valid(self, axis: int) -> tuple[np.ndarray, np.ndarray]:
        """Input position and validity of every (output, kernel) pair on one axis.

        Both arrays have shape (output_size[axis], kernel[axis]). A pair is valid
        when it reads a real input cell and, for a transposed op, when that cell's
        stamp really lands on the output (``i*s - pb + k*d == o``).
        """
        s, (pb, _), d = self.stride[axis], self.padding[axis], self.dilation[axis]
        output = np.arange(self.output_size[axis])[:, None]
        kernel = np.arange(self.kernel[axis])[None, :]
        index = self._axis_input(axis, output, kernel)
        valid = (index >= 0) & (index < self.input_size[axis])
        if self.transposed:
            valid &= index * s - pb + kernel * d == output
        return index, valid

    def taps(self) -> Taps:
        """Every (output, input, kernel) triple with ``x[input] * w[kernel]`` a term of ``y[output]``.

        Padding contributes no terms. Validity factorises over axes, so the rows
        are built level by level (output cell, then kernel axis 0, 1, ...): each
        row of a level is repeated once per valid kernel index of the next axis,
        which yields the row-major order without sorting or a dense N-D mask.
        """
        ndim = self.ndim
        output_columns = list(grid_positions(self.output_size).T)
        kernel_columns: list[np.ndarray] = []
        for axis in range(ndim):
            valid = self._axis_valid(axis)[1]
            per_output = valid.sum(axis=1)  # valid kernel indices for each output index
            valid_kernel = np.nonzero(valid)[1]  # those indices, grouped by output index
            first = np.cumsum(per_output) - per_output  # where each group starts
            children = per_output[output_columns[axis]]
            row_first = np.cumsum(children) - children
            parents = np.repeat(np.arange(len(children)), children)  # each new row's parent
            # Concatenate, for every row, its group of valid kernel indices.
            picks = np.repeat(first[output_columns[axis]] - row_first, children)
            picks += np.arange(len(picks))
            if axis < ndim - 1:
                output_columns = [column[parents] for column in output_columns]
                kernel_columns = [column[parents] for column in kernel_columns]
                kernel_columns.append(valid_kernel[picks])
        # The last level writes straight into contiguous (ndim, T) arrays; the
        # (T, ndim) arrays handed out are their transposed views.
        output = np.empty((ndim, len(parents)), dtype=np.intp)
        kernel = np.empty_like(output)
        for row, column in enumerate(output_columns):
            np.take(column, parents, out=output[row])
        for row, column in enumerate(kernel_columns):
            np.take(column, parents, out=kernel[row])
        np.take(valid_kernel, picks, out=kernel[ndim - 1])
        del parents, picks
        inputs = np.empty_like(output)
        for axis in range(ndim):
            self._axis_input(axis, output[axis], kernel[axis], out=inputs[axis])
        return Taps(output=output.T, input=inputs.T, kernel=kernel.T)

    def read_inputs(self) -> np.ndarray:
        """Boolean array (input_size...) of the input cells at least one output reads.

        A cell is read when every one of its coordinates is read on its own axis
        (the taps factorise), so this never builds the N-D taps.
        """
        read = np.ones((1,) * self.ndim, dtype=bool)
        for axis in range(self.ndim):
            index, valid = self._axis_valid(axis)
            on_axis = np.zeros(self.input_size[axis], dtype=bool)
            on_axis[index[valid]] = True
            shape = [1] * self.ndim
            shape[axis] = -1
            read = read & on_axis.reshape(shape)
        return np.broadcast_to(read, self.input_size).copy()

    def unread_inputs(self) -> np.ndarray:
        """Positions (U, ndim) of the input cells that no output reads, row-major."""
        return np.argwhere(~self.read_inputs())

    def apply(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """The op applied to ``x`` (input_size...) with weights ``w`` (kernel...), via the taps."""
        taps = self.taps()
        y = np.zeros(self.output_size, dtype=np.result_type(x, w, float))
        np.add.at(y, tuple(taps.output.T), x[tuple(taps.input.T)] * w[tuple(taps.kernel.T)])
        return y

    def _dense_shape(self) -> tuple[int, int]:
        """(outputs, inputs) of the dense matrix, refused above MATRIX_MAX_ENTRIES entries."""
        rows, cols = math.prod(self.output_size), math.prod(self.input_size)
        if rows * cols > MATRIX_MAX_ENTRIES:
            raise SpecError(
                "input_size",
                f"a dense {rows}x{cols} matrix exceeds {MATRIX_MAX_ENTRIES} entries; "
                "use taps() for large specs",
            )
        return rows, cols

    def matrix(self, w: np.ndarray) -> np.ndarray:
        """Dense M of shape (prod(output_size), prod(input_size)): ``y.ravel() == M @ x.ravel()``."""
        rows, cols = self._dense_shape()
        w = np.asarray(w)
        if w.shape != self.kernel:
            raise SpecError("w", f"must have the kernel's shape {self.kernel}, got {w.shape}")
        taps = self.taps()
        m = np.zeros((rows, cols), dtype=np.result_type(w, float))
        out_flat = np.ravel_multi_index(tuple(taps.output.T), self.output_size)
        in_flat = np.ravel_multi_index(tuple(taps.input.T), self.input_size)
        np.add.at(m, (out_flat, in_flat), w[tuple(taps.kernel.T)])
        return m

    def kernel_index_matrix(self) -> np.ndarray:
        """Int array shaped like ``matrix(w)``: the flat kernel position behind each entry, -1 if none."""
        rows, cols = self._dense_shape()
        taps = self.taps()
        index = np.full((rows, cols), -1)
        out_flat = np.ravel_multi_index(tuple(taps.output.T), self.output_size)
        in_flat = np.ravel_multi_index(tuple(taps.input.T), self.input_size)
        index[out_flat, in_flat] = np.ravel_multi_index(tuple(taps.kernel.T), self.kernel)
        return index

    def overlap(self) -> np.ndarray:
        """How many taps reach each output cell, shape output_size (for a transposed op: stamps)."""
        counts = np.zeros(self.output_size, dtype=int)
        np.add.at(counts, tuple(self.taps().output.T), 1)
        return counts

    def interior_overlap(self, axis: int) -> np.ndarray:
        """Taps per output position on one axis away from the borders, one entry per phase o mod s.

        Away from the borders no tap is lost to a missing input, so the count depends
        only on o mod s: the kernel indices k with (o + pb - k*d) divisible by s. The
        overlap is uniform exactly when all phases get the same count.
        """
        s, (pb, _), d, k = (
            self.stride[axis],
            self.padding[axis],
            self.dilation[axis],
            self.kernel[axis],
        )
        if not self.transposed:
            return np.array([k])
        phases = np.arange(s)[:, None]
        return ((phases + pb - np.arange(k)[None, :] * d) % s == 0).sum(axis=1)

    def transpose(self) -> ConvSpec:
        """The spec going the other way between the same two shapes.

        For a convolution: the transposed convolution from its output size back to
        its input size, with the output_padding PyTorch picks when given
        ``output_size``. For a transposed convolution: the convolution from its
        output size with the same kernel, stride, padding and dilation.
        """
        common = dict(
            kernel=self.kernel,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
        )
        if self.transposed:
            return ConvSpec(input_size=self.output_size, **common)
        # What the transposed formula falls short of the input size by: the
        # remainder the convolution's floor division dropped, always < stride.
        extra = tuple(
            n + pb + pa - d * (k - 1) - 1 - (m - 1) * s
            for n, m, k, s, (pb, pa), d in zip(
                self.input_size,
                self.output_size,
                self.kernel,
                self.stride,
                self.padding,
                self.dilation,
            )
        )
        return ConvSpec(
            input_size=self.output_size, output_padding=extra, transposed=True, **common
        )

    def canvas(self) -> CanvasView:
        """The canvas picture: padded input (conv) or zero-inserted, re-padded input (transposed)."""
        ndim = self.ndim
        kinds_1d, index_1d, cropped_1d, origin, canvas_size = [], [], [], [], []
        for n, k, s, (pb, pa), d, op in self._axes():
            span = d * (k - 1)
            if self.transposed:
                spacing = s
                before, after = span - pb, span - pa + op
            else:
                spacing = 1
                before, after = pb, pa
            data = (n - 1) * spacing + 1  # cells of the (zero-inserted) input
            size = before + data + after
            lo = min(0, before)  # extended grid, in canvas coordinates
            hi = max(size, before + data)
            c = np.arange(lo, hi)
            z = c - before  # position within the zero-inserted input
            in_data = (z >= 0) & (z < data)
            on_input = in_data & (z % spacing == 0)
            kinds_1d.append(
                np.where(
                    on_input,
                    CellKind.INPUT,
                    np.where(in_data, CellKind.INSERTED_ZERO, CellKind.PADDING),
                )
            )
            index_1d.append(np.where(on_input, z // spacing, -1))
            cropped_1d.append((c < 0) | (c >= size))
            origin.append(-lo)
            canvas_size.append(size)
        grid = tuple(len(kinds) for kinds in kinds_1d)
        mesh = np.meshgrid(*[np.arange(g) for g in grid], indexing="ij")
        # A cell is padding if it is padding on any axis, else a zero if a zero on any axis.
        on_axes = [kinds_1d[axis][mesh[axis]] for axis in range(ndim)]
        padding = np.logical_or.reduce([kind == CellKind.PADDING for kind in on_axes])
        zero = np.logical_or.reduce([kind == CellKind.INSERTED_ZERO for kind in on_axes])
        kinds = np.where(
            padding, CellKind.PADDING, np.where(zero, CellKind.INSERTED_ZERO, CellKind.INPUT)
        )
        kinds = kinds.astype(np.int8)
        cropped = np.logical_or.reduce([cropped_1d[axis][mesh[axis]] for axis in range(ndim)])
        input_index = np.stack([index_1d[axis][mesh[axis]] for axis in range(ndim)], axis=-1)
        is_input = kinds == CellKind.INPUT
        input_index[~is_input] = -1
        read = self.read_inputs()
        unread = np.zeros(grid, dtype=bool)
        unread[is_input] = ~read[tuple(input_index[is_input].T)]
        kernel_positions = grid_positions(self.kernel)
        if self.transposed:
            footprint_kernel = np.asarray(self.kernel) - 1 - kernel_positions
            step = (1,) * ndim
        else:
            footprint_kernel = kernel_positions
            step = self.stride
        return CanvasView(
            kinds=kinds,
            input_index=input_index,
            cropped=cropped,
            unread=unread,
            canvas_origin=tuple(origin),
            canvas_size=tuple(canvas_size),
            step=step,
            footprint_offsets=kernel_positions * np.asarray(self.dilation),
            footprint_kernel=footprint_kernel,
            input_size=self.input_size,
            output_size=self.output_size,
        )

    def scatter(self) -> ScatterView:
        """The stamp picture of a transposed convolution (see ScatterView)."""
        if not self.transposed:
            raise SpecError(
                "transposed", "the scatter view exists only for a transposed convolution"
            )
        inputs = grid_positions(self.input_size)
        kernel = grid_positions(self.kernel)
        before = np.array([pb for pb, _ in self.padding])
        cells = (
            inputs[:, None, :] * np.asarray(self.stride)
            - before
            + kernel[None, :, :] * np.asarray(self.dilation)
        )
        inside = np.all((cells >= 0) & (cells < np.asarray(self.output_size)), axis=-1)
        return ScatterView(
            input=inputs, cells=cells, kernel=kernel, inside=inside, output_size=self.output_size
        )


def default_input_size(
    *,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple,
    dilation: tuple[int, ...],
    output_padding: tuple[int, ...],
    transposed: bool,
    target: int = 5,
) -> tuple[int, ...]:
    """The input size the guide would draw: ``target`` cells in, or out for a transposed op.

    Per axis: a convolution takes ``target`` cells when its kernel fits, else the
    fewest cells that fit; a transposed convolution takes the input size whose
    output is nearest ``target`` cells (the larger on a tie, so k 3, s 2, p 1,
    output_padding 1 gets the guide's 3 -> 6). Arguments are per-axis tuples; ``padding`` holds one
    int, (before, after) pair or padding name per axis.
    """
    sizes = []
    for k, s, p, d, op in zip(kernel, stride, padding, dilation, output_padding):
        total_padding = 0 if isinstance(p, str) else sum(p) if isinstance(p, tuple) else 2 * p
        candidates = []
        # Beyond this bound every kernel fits and every transposed output exceeds target.
        for n in range(1, target + total_padding + d * k + 2):
            try:
                spec = ConvSpec(
                    input_size=(n,),
                    kernel=k,
                    stride=s,
                    padding=p if isinstance(p, str) else (p,),
                    dilation=d,
                    output_padding=op,
                    transposed=transposed,
                )
            except SpecError:
                continue
            candidates.append((n, spec.output_size[0]))
        if not candidates:  # nothing fits: the caller's spec will say why
            sizes.append(target)
        elif transposed:  # the output nearest target, the larger one on a tie
            sizes.append(min(candidates, key=lambda c: (abs(c[1] - target), -c[1]))[0])
        else:
            sizes.append(target if target in dict(candidates) else candidates[0][0])
    return tuple(sizes)
