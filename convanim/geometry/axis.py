"""One axis of a convolution: every formula of the arithmetic, stated once.

Conventions are PyTorch's (cross-correlation; the kernel is not flipped). With
``n`` input cells, kernel ``k``, stride ``s``, padding ``pb`` before and ``pa``
after, dilation ``d`` and output padding ``op``:

* convolution: ``y[o] = sum_k x[o*s - pb + k*d] * w[k]``,
  ``output = floor((n + pb + pa - d*(k-1) - 1) / s) + 1``
* transposed:  ``y[i*s - pb + k*d] += x[i] * w[k]``,
  ``output = (n-1)*s - pb - pa + d*(k-1) + op + 1``

An N-D spec is N independent axes: every view of it factorises over them.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


class CellKind(enum.IntEnum):
    """What a cell of the canvas holds."""

    PADDING = 0  # a zero added around the input
    INPUT = 1  # a real input cell
    INSERTED_ZERO = 2  # a zero inserted between input cells (transposed view)


@dataclass(frozen=True)
class CanvasAxis:
    """One axis of the canvas picture (see ``geometry.views.CanvasView``).

    The arrays cover the *extended* axis: the canvas plus any zero-inserted
    input cells that negative padding crops off it.
    """

    kinds: np.ndarray  # (cells,) CellKind per extended cell
    input_index: np.ndarray  # (cells,) input position of INPUT cells, -1 elsewhere
    cropped: np.ndarray  # (cells,) bool: outside the canvas
    origin: int  # extended position of canvas cell 0
    size: int  # canvas cells
    step: int  # canvas cells the kernel moves per output cell


@dataclass(frozen=True)
class AxisSpec:
    """One axis of a (transposed) convolution, already validated by ``ConvSpec``."""

    size: int  # input cells
    kernel: int
    stride: int = 1
    padding: tuple[int, int] = (0, 0)  # (before, after)
    dilation: int = 1
    output_padding: int = 0
    transposed: bool = False

    @property
    def kernel_extent(self) -> int:
        """Cells the dilated kernel spans: ``d*(k-1) + 1``."""
        return self.dilation * (self.kernel - 1) + 1

    @property
    def output_size(self) -> int:
        """Output cells (the module docstring's formulas); below 1 for an impossible axis."""
        n, s, (pb, pa) = self.size, self.stride, self.padding
        if self.transposed:
            return (n - 1) * s - pb - pa + self.kernel_extent - 1 + self.output_padding + 1
        return (n + pb + pa - self.kernel_extent) // s + 1

    def empty_output_rule(self) -> str:
        """Why ``output_size`` is below 1, in the user's terms."""
        pb, pa = self.padding
        if self.transposed:
            full = (self.size - 1) * self.stride + self.kernel_extent + self.output_padding
            return f"the output is empty: padding {pb}+{pa} crops all of the {full} cells"
        return (
            f"the dilated kernel spans {self.kernel_extent} cells, more than the "
            f"{self.size + pb + pa} cells of the padded input"
        )

    def input_index(
        self, output: np.ndarray, kernel: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Input position that (output, kernel) reads; valid only where ``pairs`` says so.

        Conv: ``o*s - pb + k*d``; transposed: ``(o + pb - k*d) // s``. Written into
        ``out`` when given (``taps`` fills its result arrays in place).
        """
        s, d, pb = self.stride, self.dilation, self.padding[0]
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

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Input position and validity of every (output, kernel) pair.

        Both arrays have shape (output_size, kernel). A pair is valid when it
        reads a real input cell and, for a transposed op, when that cell's stamp
        really lands on the output (``i*s - pb + k*d == o``).
        """
        output = np.arange(self.output_size)[:, None]
        kernel = np.arange(self.kernel)[None, :]
        index = self.input_index(output, kernel)
        valid = (index >= 0) & (index < self.size)
        if self.transposed:
            valid &= self.stamp_position(index, kernel) == output
        return index, valid

    def stamp_position(self, input: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """Output position where input ``i`` stamps kernel tap ``k``: ``i*s - pb + k*d``."""
        return input * self.stride - self.padding[0] + kernel * self.dilation

    def _read_runs(self) -> tuple[int, dict[int, list[tuple[int, int]]]]:
        """The read input cells as runs, with no array as long as the axis.

        Returns ``step`` and, per residue ``r`` mod ``step``, the merged runs
        ``(t0, t1)`` such that cells ``r + t*step`` for ``t0 <= t <= t1`` are read.
        A convolution's tap k reads ``k*d - pb + o*s`` for every output o (a
        progression of step s); a transposed op's tap k reads the consecutive
        cells i with ``0 <= i*s - pb + k*d < output_size`` (step 1).
        """
        n, s, d, pb, out = self.size, self.stride, self.dilation, self.padding[0], self.output_size
        step = 1 if self.transposed else s
        spans: dict[int, list[tuple[int, int]]] = {}
        for k in range(self.kernel):
            if self.transposed:
                first, last = -((k * d - pb) // s), (pb - k * d + out - 1) // s
            else:
                start = k * d - pb
                first = start if start >= 0 else start - (start // s) * s  # first cell >= 0
                last = start + (out - 1) * s
            last = min(last, n - 1)
            first = max(first, 0)
            if first > last:
                continue
            residue = first % step
            spans.setdefault(residue, []).append(
                ((first - residue) // step, (last - residue) // step)
            )
        runs: dict[int, list[tuple[int, int]]] = {}
        for residue, pieces in spans.items():
            pieces.sort()
            merged = [pieces[0]]
            for low, high in pieces[1:]:
                if low <= merged[-1][1] + 1:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], high))
                else:
                    merged.append((low, high))
            runs[residue] = merged
        return step, runs

    def _tap_spans(self) -> list[tuple[int, int]]:
        """Per kernel tap k, the valid pairs as an interval ``(first, last)`` (empty if first > last).

        A convolution's tap k pairs output o with input ``o*s - pb + k*d``, a transposed
        op's pairs input i with output ``i*s - pb + k*d``: either way the free cell f
        (o, or i) runs over ``0 <= f < free`` with ``0 <= f*s - pb + k*d < bound``.
        """
        s, d, pb = self.stride, self.dilation, self.padding[0]
        free, bound = (
            (self.size, self.output_size) if self.transposed else (self.output_size, self.size)
        )
        spans = []
        for k in range(self.kernel):
            first = -((k * d - pb) // s)  # ceil((pb - k*d) / s)
            last = (bound - 1 + pb - k * d) // s
            spans.append((max(first, 0), min(last, free - 1)))
        return spans

    def tap_count(self) -> int:
        """Valid (output, kernel) pairs (those of ``pairs``), in closed form for any size."""
        return sum(max(last - first + 1, 0) for first, last in self._tap_spans())

    def tap_blocks(self) -> list[tuple[slice, slice] | None]:
        """Per kernel tap k, the cells it pairs as (output slice, input slice); None when none.

        The free cells ``first..last`` of ``_tap_spans`` pair with the cells from
        ``first*s - pb + k*d`` on, in steps of s: the inputs a convolution's outputs
        read, the outputs a transposed op's inputs stamp.

        >>> AxisSpec(size=5, kernel=3, stride=2, padding=(1, 1)).tap_blocks()[0]
        (slice(1, 3, None), slice(1, 4, 2))
        """
        s, d, pb = self.stride, self.dilation, self.padding[0]
        blocks: list[tuple[slice, slice] | None] = []
        for k, (first, last) in enumerate(self._tap_spans()):
            if first > last:
                blocks.append(None)
                continue
            free = slice(first, last + 1)
            start = first * s - pb + k * d
            paired = slice(start, start + (last - first) * s + 1, s)
            blocks.append((paired, free) if self.transposed else (free, paired))
        return blocks

    def every_output_reads(self) -> bool:
        """Whether every output position of a convolution has a tap on a real input cell.

        Tap k reads a real cell for an interval of outputs (``_tap_spans``); they
        must cover every output.
        """
        reached = 0  # outputs 0 .. reached-1 are covered
        for first, last in sorted(self._tap_spans()):
            if first > reached:
                break
            reached = max(reached, last + 1)
        return reached >= self.output_size

    def read_count(self) -> int:
        """How many input cells at least one output reads, without an array of the axis."""
        _, runs = self._read_runs()
        return sum(high - low + 1 for merged in runs.values() for low, high in merged)

    def unread_cells(self) -> Iterator[int]:
        """The input cells no output reads, in increasing order, produced lazily.

        Costs the number of cells taken plus the kernel size, whatever the axis size.
        """
        step, runs = self._read_runs()
        n = self.size

        def gaps(residue: int) -> Iterator[int]:  # cells of a residue between its runs
            t = 0
            for low, high in [*runs.get(residue, []), (n, n)]:
                for gap in range(t, low):
                    cell = residue + gap * step
                    if cell >= n:
                        return
                    yield cell
                t = high + 1

        def untouched() -> Iterator[int]:  # cells of the residues no tap reaches
            if len(runs) == step:  # every residue is reached somewhere
                return
            for base in range(0, n, step):
                for residue in range(step):
                    if base + residue >= n:
                        return
                    if residue not in runs:
                        yield base + residue

        if step == 1:
            yield from gaps(0)
        else:
            yield from heapq.merge(*(gaps(residue) for residue in runs), untouched())

    def read(self) -> np.ndarray:
        """Boolean (size,): the input cells that at least one output reads."""
        index, valid = self.pairs()
        read = np.zeros(self.size, dtype=bool)
        read[index[valid]] = True
        return read

    def canvas(self) -> CanvasAxis:
        """The padded input (conv), or the zero-inserted, re-padded input (transposed).

        A transposed axis inserts ``s-1`` zeros between input cells and pads by
        ``d*(k-1) - pb`` before and ``d*(k-1) - pa + op`` after; a negative
        padding crops, and the cropped cells stay on the extended axis.
        """
        span = self.kernel_extent - 1
        pb, pa = self.padding
        if self.transposed:
            spacing, before, after = self.stride, span - pb, span - pa + self.output_padding
        else:
            spacing, before, after = 1, pb, pa
        data = (self.size - 1) * spacing + 1  # cells of the (zero-inserted) input
        size = before + data + after
        low, high = min(0, before), max(size, before + data)  # the extended axis
        cells = np.arange(low, high)
        offset = cells - before  # position within the zero-inserted input
        in_data = (offset >= 0) & (offset < data)
        on_input = in_data & (offset % spacing == 0)
        kinds = np.where(
            on_input,
            CellKind.INPUT,
            np.where(in_data, CellKind.INSERTED_ZERO, CellKind.PADDING),
        )
        return CanvasAxis(
            kinds=kinds,
            input_index=np.where(on_input, offset // spacing, -1),
            cropped=(cells < 0) | (cells >= size),
            origin=-low,
            size=size,
            step=1 if self.transposed else self.stride,
        )

    def canvas_cells(self) -> int:
        """Cells of the extended canvas axis (``canvas().kinds``), from the arithmetic alone."""
        span, (pb, pa) = self.kernel_extent - 1, self.padding
        if self.transposed:
            spacing, before, after = self.stride, span - pb, span - pa + self.output_padding
        else:
            spacing, before, after = 1, pb, pa
        data = (self.size - 1) * spacing + 1
        size = before + data + after
        return max(size, before + data) - min(0, before)

    def canvas_parts(self) -> dict[str, int]:
        """How many canvas cells each argument brings: the (zero-inserted) input, the
        padding, the dilated kernel (named ``dilation`` when dilated). Which to change
        first when a picture is too wide."""
        spacing = self.stride if self.transposed else 1
        return {  # on a tie, the kernel first: the guide's default input grows to fit it
            "dilation" if self.dilation > 1 else "kernel": self.kernel_extent,
            "padding": sum(self.padding),
            "input_size": (self.size - 1) * spacing + 1,
        }

    def scatter_cells(self) -> int:
        """Cells of the scatter view's grid on this axis: the output and every cropped stamp cell."""
        low = min(0, -self.padding[0])  # input 0, tap 0
        last = (self.size - 1) * self.stride - self.padding[0] + (self.kernel - 1) * self.dilation
        return max(self.output_size, last + 1) - low

    def interior_overlap(self) -> np.ndarray:
        """Taps per output position away from the borders, one entry per phase ``o mod s``.

        Away from the borders no tap is lost to a missing input, so the count depends
        only on the phase: the kernel indices k with (o + pb - k*d) divisible by s.
        A convolution has one phase with k taps.
        """
        if not self.transposed:
            return np.array([self.kernel])
        phases = np.arange(self.stride)[:, None]
        taps = np.arange(self.kernel)[None, :] * self.dilation
        return ((phases + self.padding[0] - taps) % self.stride == 0).sum(axis=1)

    def transpose_output_padding(self) -> int:
        """For a convolution: what its transpose needs to return to ``size`` cells.

        The remainder the convolution's floor division dropped, always < stride;
        PyTorch picks the same when given ``output_size``.
        """
        pb, pa = self.padding
        return self.size + pb + pa - self.kernel_extent - (self.output_size - 1) * self.stride
