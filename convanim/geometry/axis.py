"""One axis of a convolution: every formula of the arithmetic, stated once.

Conventions are PyTorch's (cross-correlation; the kernel is not flipped). With
``n`` input cells, kernel ``k``, stride ``s``, padding ``pb`` before and ``pa``
after, dilation ``d`` and output padding ``op``:

* convolution: ``y[o] = sum_k x[o*s - pb + k*d] * w[k]``,
  ``output = floor((n + pb + pa - d*(k-1) - 1) / s) + 1``
* transposed:  ``y[i*s - pb + k*d] += x[i] * w[k]``,
  ``output = (n-1)*s - pb - pa + d*(k-1) + op + 1``

A convolution's padding mode says what ``x[i]`` is for ``i`` outside ``0..n-1``
(PyTorch's ``F.pad`` modes): zeros; reflect ``x[-i]`` and ``x[2(n-1) - i]`` (the edge
cell not repeated); replicate ``x[clip(i, 0, n-1)]``; circular ``x[i mod n]``.

An N-D spec is N independent axes: every view of it factorises over them.
"""

from __future__ import annotations

import enum
import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from convanim.errors import ConvanimError

#: Most groups of interleaved runs an axis's read cells are worked out in; beyond it (a
#: kernel and a stride, or an output and a dilation, all over 1,000) they are refused.
MAX_PHASES = 1_000


class CellKind(enum.IntEnum):
    """What a cell of the canvas holds."""

    PADDING = 0  # a zero added around the input
    INPUT = 1  # a real input cell
    INSERTED_ZERO = 2  # a zero inserted between input cells (transposed view)


#: Cells of an axis a padding mode other than zeros works out in arrays to draw it (its
#: taps and copies, cell by cell); beyond it such an axis is refused. Its reads are in
#: closed form but for its padding's copies: more padding cells than this are refused.
MAX_COPIED_AXIS = 1 << 24


def copied_cell(mode: str, offset: np.ndarray, n: int) -> np.ndarray:
    """The input cell whose value a padding mode puts at ``offset`` (input cell ``offset``
    when inside ``0..n-1``), or -1 where it puts a zero; the module docstring's rules.

    >>> copied_cell("reflect", np.arange(-2, 5), 3).tolist()
    [2, 1, 0, 1, 2, 1, 0]
    >>> copied_cell("circular", np.arange(-2, 5), 3).tolist()
    [1, 2, 0, 1, 2, 0, 1]
    """
    if mode == "replicate":
        return np.clip(offset, 0, n - 1)
    if mode == "circular":
        return offset % n
    if mode == "reflect":
        if n == 1:  # reflect pads nothing on one cell
            return np.zeros_like(offset)
        folded = offset % (2 * (n - 1))
        return np.where(folded < n, folded, 2 * (n - 1) - folded)
    return np.where((offset >= 0) & (offset < n), offset, -1)


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


def _floor_sum(n: int, m: int, a: int, b: int) -> int:
    """``sum(floor((a*j + b) / m) for j in range(n))`` for a, b >= 0, in O(log) steps
    (the AtCoder Library's ``floor_sum``)."""
    total = 0
    while True:
        if a >= m:
            total += n * (n - 1) // 2 * (a // m)
            a %= m
        if b >= m:
            total += n * (b // m)
            b %= m
        largest = a * n + b
        if largest < m:
            return total
        n, b = divmod(largest, m)
        m, a = a, m


def _pairs_below(c: int, count_a: int, a: int, count_b: int, b: int) -> int:
    """How many (x, y) in ``range(count_a) x range(count_b)`` have ``x*a + y*b < c``.

    Per y with ``y*b < c`` there are ``min(count_a, ceil((c - y*b) / a))`` values of x:
    ``count_a`` each up to ``y_full``, then a floor sum.
    """
    if c <= 0:
        return 0
    y_last = min(count_b - 1, (c - 1) // b)
    reach = c - (count_a - 1) * a - 1  # y*b <= reach: every x fits
    y_full = min(y_last, reach // b) if reach >= 0 else -1
    rest = y_last - y_full  # y = y_last - j for j < rest: ceil((c - y*b) / a)
    return (y_full + 1) * count_a + _floor_sum(rest, a, b, c - y_last * b + a - 1)


@dataclass(frozen=True)
class _Runs:
    """Cells ``residue + t*step`` for t in ``first + j*period + (0 .. length-1)``, j < count;
    the runs are disjoint (``period >= length`` when ``count > 1``)."""

    residue: int
    step: int
    first: int
    length: int
    period: int
    count: int

    def _below(self, t: int) -> int:
        """How many of the cells have a t below ``t``."""
        offset = t - self.first
        if offset <= 0:
            return 0
        whole, part = divmod(offset, self.period)
        if whole >= self.count:
            return self.count * self.length
        return whole * self.length + min(part, self.length)

    def count_within(self, low: int, high: int) -> int:
        """How many of the cells lie in ``low .. high-1``."""
        r, step = self.residue, self.step
        return self._below(-((r - high) // step)) - self._below(-((r - low) // step))

    def runs(self, low: int, high: int) -> Iterator[tuple[int, int]]:
        """The runs as (first t, last t), clipped to ``low .. high``, in increasing order."""
        j = max(0, -((self.first + self.length - 1 - low) // self.period))
        while j < self.count:
            start = self.first + j * self.period
            if start > high:
                return
            yield max(start, low), min(start + self.length - 1, high)
            j += 1


def _phases(count: int, kernel: int, stride: int, dilation: int) -> None:
    """Refuse more than MAX_PHASES groups of runs (``AxisSpec.check_reads`` adds the axis)."""
    if count > MAX_PHASES:
        raise ConvanimError(
            "kernel",
            f"{kernel} with {{stride}} {stride} and {{dilation}} {dilation}: the cells it "
            f"reads fall in {count:,} interleaved groups, more than the {MAX_PHASES:,} "
            "convanim works through; choose a smaller kernel, stride or dilation",
        )


def _lattice(
    count_x: int, x_step: int, count_y: int, y_step: int, offset: int, refusal: tuple[int, int, int]
) -> tuple[_Runs, ...]:
    """The cells ``offset + x*x_step + y*y_step`` (x < count_x, y < count_y) as run families
    by residue mod ``y_step``.

    With ``g = gcd(x_step, y_step)``, the x of one residue are ``x0 + j*(y_step/g)``
    and each adds a run of count_y cells ``x_step/g`` steps after the last: the runs
    join when that is at most count_y. ``refusal`` is (kernel, stride, dilation), to
    name in a refusal.
    """
    g = math.gcd(x_step, y_step)
    every, shift = y_step // g, x_step // g
    groups = min(count_x, every)
    _phases(groups, *refusal)
    families = []
    for x0 in range(groups):
        runs = (count_x - 1 - x0) // every + 1
        t0, residue = divmod(offset + x0 * x_step, y_step)
        if shift <= count_y:
            length = (runs - 1) * shift + count_y
            families.append(_Runs(residue, y_step, t0, length, length, 1))
        else:
            families.append(_Runs(residue, y_step, t0, count_y, shift, runs))
    return tuple(families)


def _window_hits(free: int, s: int, kernel: int, d: int, low: int, width: int) -> tuple[_Runs, ...]:
    """The cells f (step 1) for which some k < kernel puts ``f*s + k*d`` in ``low .. low+width-1``.

    When d fits in the window (or there is one tap) the taps of f cannot jump it: f
    hits it when ``f*s .. f*s + (kernel-1)*d`` meets it, one run. Otherwise each f
    hits it with one tap at most; tap ``k0 + j*(s/g)`` (``g = gcd(s, d)``) hits the
    cells of tap k0 moved ``j*d/g`` back.
    """
    if d <= width or kernel == 1:
        first = -(((kernel - 1) * d - low) // s)  # ceil((low - (kernel-1)*d) / s)
        length = (low + width - 1) // s - first + 1
        return (_Runs(0, 1, first, length, length, 1),) if length > 0 else ()
    g = math.gcd(s, d)
    every, shift = s // g, d // g
    groups = min(kernel, every)
    _phases(groups, kernel, s, d)
    families = []
    for k0 in range(groups):
        runs = (kernel - 1 - k0) // every + 1
        first, last = -((k0 * d - low) // s), (low + width - 1 - k0 * d) // s
        if first <= last:
            length = last - first + 1
            families.append(_Runs(0, 1, first - (runs - 1) * shift, length, shift, runs))
    return tuple(families)


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
    padding_mode: str = "zeros"  # checked by ConvSpec: not zeros only for a convolution

    @property
    def copies(self) -> bool:
        """Whether the padding holds copies of input cells (a mode other than zeros)."""
        return self.padding_mode != "zeros"

    def padding_source(self) -> np.ndarray:
        """Int (pb + n + pa,): the input cell each cell of the padded input holds, -1 for a
        zero (see ``copied_cell``).

        >>> AxisSpec(size=3, kernel=3, padding=(2, 1), padding_mode="replicate").padding_source().tolist()
        [0, 0, 0, 1, 2, 2]
        """
        pb, pa = self.padding
        self._check_copied()
        return copied_cell(self.padding_mode, np.arange(-pb, self.size + pa), self.size)

    def _check_copied(self) -> None:
        """Refuse an axis too long to work out its copies cell by cell."""
        cells = self.size + sum(self.padding) + self.output_size * self.kernel
        if self.copies and cells > MAX_COPIED_AXIS:
            rule = (
                f"{self.padding_mode} works out its copies cell by cell, and this axis has "
                f"{cells:,} cells and taps, more than MAX_COPIED_AXIS ({MAX_COPIED_AXIS:,})"
            )
            raise ConvanimError("padding" if sum(self.padding) > self.size else "input_size", rule)

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
        if self.copies:  # every pair reads an input cell, or a copy of one
            index = self.padding_source()[index + self.padding[0]]
            return index, np.ones(index.shape, dtype=bool)
        valid = (index >= 0) & (index < self.size)
        if self.transposed:
            valid &= self.stamp_position(index, kernel) == output
        return index, valid

    def stamp_position(self, input: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """Output position where input ``i`` stamps kernel tap ``k``: ``i*s - pb + k*d``."""
        return input * self.stride - self.padding[0] + kernel * self.dilation

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
        """Valid (output, kernel) pairs (those of ``pairs``), in closed form for any size.

        Every pair of free cell f (output o, or input i) and tap k puts ``f*s + k*d`` in
        a range that the valid pairs fill but for ``pb`` cells before and ``E`` after:
        ``E`` is ``pa - output_padding`` (transposed) or ``pa`` less the cells the
        convolution's floor drops. So the count is ``free*k`` less two corner counts.
        """
        free = self.size if self.transposed else self.output_size
        if self.copies:  # every tap reads an input cell, or a copy of one
            return free * self.kernel
        pb, pa = self.padding
        after = pa - (self.output_padding if self.transposed else self.transpose_output_padding())
        corners = (
            _pairs_below(c, free, self.stride, self.kernel, self.dilation) for c in (pb, after)
        )
        return free * self.kernel - sum(corners)

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
        """Whether every output position of a convolution has a tap on a real input cell."""
        if self.copies:  # every tap reads an input cell, or a copy of one
            return True
        n, pb = self.size, self.padding[0]
        hits = _window_hits(self.output_size, self.stride, self.kernel, self.dilation, pb, n)
        return sum(family.count_within(0, self.output_size) for family in hits) == self.output_size

    @cached_property
    def _reads(self) -> tuple[int, tuple[_Runs, ...]]:
        """The read input cells as families of runs, with no array as long as the axis.

        Returns ``step`` and families of runs of cells ``residue + t*step``, disjoint.
        A convolution reads the cells ``o*s + k*d - pb``: grouped by residue mod s (or
        mod d, whichever makes fewer groups), see ``_lattice``. A transposed op reads
        the cells i with some ``i*s + k*d - pb`` in ``0..output_size-1`` (step 1), see
        ``_window_hits``. Refused when the groups exceed ``MAX_PHASES``.
        """
        n, s, d, K, pb = self.size, self.stride, self.dilation, self.kernel, self.padding[0]
        if self.transposed:
            return 1, _window_hits(n, s, K, d, pb, self.output_size)
        out = self.output_size
        by_stride = min(K, s // math.gcd(s, d))
        by_dilation = min(out, d // math.gcd(s, d))
        if by_stride <= by_dilation:
            return s, _lattice(K, d, out, s, -pb, (K, s, d))
        return d, _lattice(out, s, K, d, -pb, (K, s, d))

    def check_reads(self, axis: int) -> None:
        """Refuse, naming ``axis``, an axis whose reads take over MAX_PHASES groups, or
        whose padding copies more than MAX_COPIED_AXIS cells."""
        try:
            if self.copies and sum(self.padding) > MAX_COPIED_AXIS:
                rule = (
                    f"{self.padding_mode} works out its copies cell by cell, and this axis "
                    f"pads {sum(self.padding):,} cells, more than MAX_COPIED_AXIS "
                    f"({MAX_COPIED_AXIS:,})"
                )
                raise ConvanimError("padding", rule)
            self.read_count()
        except ConvanimError as error:
            raise ConvanimError(error.argument, error.rule, axis) from None

    def _read_between(self, low: int, high: int) -> np.ndarray:
        """Boolean (high - low,): which cells of ``low .. high-1`` an output reads, from the
        run families (a zero-padded axis), without an array of the axis."""
        step, families = self._reads
        read = np.zeros(high - low, dtype=bool)
        for family in families:
            r = family.residue
            for first, last in family.runs(-((r - low) // step), (high - 1 - r) // step):
                read[r + first * step - low : r + last * step - low + 1 : step] = True
        return read

    @cached_property
    def _copied_reads(self) -> tuple[AxisSpec, int, np.ndarray, np.ndarray]:
        """A copying mode's reads in closed form: the axis on the padded input (padding
        none, so zeros), the cells ``band`` at each end of the input a copy may hold,
        those end cells and which of them are read, directly or through a copy. The
        cells between the ends are read when the padded axis reads them."""
        n, (pb, pa) = self.size, self.padding
        padded = AxisSpec(n + pb + pa, self.kernel, self.stride, (0, 0), self.dilation)
        # Each mode copies one of the max(pb, pa) + 1 cells at an end of the input.
        band = min(n, max(pb, pa) + 1)
        front = padded._read_between(0, pb + band)  # padding before, then the first cells
        back = padded._read_between(pb + n - band, pb + n + pa)  # the last cells, then after
        before = copied_cell(self.padding_mode, np.arange(-pb, 0), n)[front[:pb]]
        after = copied_cell(self.padding_mode, np.arange(n, n + pa), n)[back[band:]]
        ends = np.unique(np.r_[0:band, n - band : n])
        in_front, in_back = np.minimum(pb + ends, pb + band - 1), np.maximum(ends - n + band, 0)
        direct = np.where(ends < band, front[in_front], back[in_back])
        return padded, band, ends, direct | np.isin(ends, np.r_[before, after])

    def read_count(self) -> int:
        """How many input cells at least one output reads, without an array of the axis."""
        if self.copies:
            padded, band, _, read = self._copied_reads
            pb, n = self.padding[0], self.size
            between = (family.count_within(pb + band, pb + n - band) for family in padded._reads[1])
            return int(read.sum()) + (sum(between) if n - band > band else 0)
        _, families = self._reads
        return sum(family.count_within(0, self.size) for family in families)

    def unread_cells(self) -> Iterator[int]:
        """The input cells no output reads, in increasing order, produced lazily.

        Costs the number of cells taken plus the number of run families, whatever the
        axis size (a copying mode: plus its padding).
        """
        if self.copies:
            padded, band, ends, read = self._copied_reads
            pb, n = self.padding[0], self.size
            unread = [int(cell) for cell in ends[~read]]
            yield from (cell for cell in unread if cell < band)
            for cell in padded.unread_cells():
                if cell >= pb + n - band:
                    break
                if cell >= pb + band:
                    yield cell - pb
            yield from (cell for cell in unread if cell >= band)
            return
        step, families = self._reads
        n = self.size
        by_residue: dict[int, list[_Runs]] = {}
        for family in families:
            by_residue.setdefault(family.residue, []).append(family)

        def gaps(residue: int, group: list[_Runs]) -> Iterator[int]:  # between its runs
            last = (n - 1 - residue) // step  # the residue's last cell, as t
            runs = heapq.merge(*(family.runs(0, last) for family in group))
            t = 0
            for low, high in [*runs, (last + 1, last + 1)]:
                for gap in range(t, low):
                    yield residue + gap * step
                t = high + 1

        def untouched() -> Iterator[int]:  # cells of the residues no tap reaches
            if len(by_residue) == step:  # every residue is reached somewhere
                return
            for base in range(0, n, step):
                for residue in range(step):
                    if base + residue >= n:
                        return
                    if residue not in by_residue:
                        yield base + residue

        every = [gaps(residue, group) for residue, group in by_residue.items()]
        yield from heapq.merge(*every, untouched())

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
        input_index = np.where(on_input, offset // spacing, -1)
        return CanvasAxis(
            kinds=kinds,
            input_index=input_index,
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
