"""What each animation frame shows, taken only from the geometry's views: the board.

A board is the one story model every picture is told from, renderer-agnostic.
Its sheets are planes of cells by role: each input channel, each kernel slice
(one per channel pair the groups connect), each bias and each output channel.
A layer repeats one spatial story for every channel pair, so a board holds that
story once, as steps (what one step lights on the input side's plane and on the
output side's), and its frames say which step each shows on which channels
(``geometry.layer_order``). A one-channel picture is the board of a layer with one
input and one output channel: one frame per step.

Plane positions are (row, column) with (0, 0) the plane's first cell; 1-D specs
are drawn as one-row strips. A 3-D spec's planes are volumes, positions (depth, row,
column): the drawing shows each depth slice as a plane of its own. Where the sheets go is the drawing's business (the
guide's oblique planes, flat, stack, volume): placements over the same sheets.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry import CellKind, ConvSpec, canvas, read_inputs, scatter
from convanim.geometry.channels import LayerFrame, LayerOrder, layer_order
from convanim.geometry.views import ScatterView
from convanim.lazy import Lazy
from convanim.text import padding_text, size_text


class View(str, enum.Enum):
    """Which picture of the op an animation tells."""

    CANVAS = "canvas"  # the guide's: the kernel sweeps the (padded or zero-inserted) input
    SCATTER = "scatter"  # a transposed op as stamps: each input cell adds w times its value
    FLAT = "flat"  # the canvas story drawn top-down, input left, output right
    STACK = "stack"  # a layer's channels top-down: inputs, filters with slices and bias, outputs
    VOLUME = "volume"  # a layer's tensors as oblique planes stacked in depth, one per channel

    @property
    def channels(self) -> bool:
        """Whether the view draws a layer's channels (stack, volume) or one slice."""
        return self in (View.STACK, View.VOLUME)


class NetworkView(str, enum.Enum):
    """Which picture a network is told in."""

    TREE = "tree"  # 1-D: a row of cells per layer, an edge to every cell read (WaveNet's)
    LAYERS = "layers"  # 2-D: each layer's plane in the guide's projection, stacked upward
    COUNTS = "counts"  # 1-D or 2-D: each layer shaded by the paths from the whole input


class Reading(str, enum.Enum):
    """Which way a board reads the op."""

    GATHER = "gather"  # each output cell gathers its footprint in every input channel of its group
    SCATTER = "scatter"  # each input cell stamps the kernel into every output channel of its group

    @property
    def spatial_view(self) -> View:
        """The one-channel view this reading tells."""
        return View.SCATTER if self is Reading.SCATTER else View.CANVAS

    @property
    def stamps(self) -> bool:
        return self is Reading.SCATTER


def check_reading(spec: ConvSpec, reading: Reading) -> Reading:
    """``reading``, refused if it is the scatter reading of a spec that is no transposed one."""
    reading = Reading(reading)
    if reading is Reading.SCATTER and not spec.transposed:
        raise ConvanimError("reading", "the scatter reading needs a transposed spec ({transposed})")
    return reading


class Cell(enum.IntEnum):
    """How a plane cell is drawn."""

    PADDING = 0  # dashed outline, no fill
    INPUT = 1
    INSERTED_ZERO = 2  # dashed outline, no fill, like padding
    OUTPUT = 3
    HIDDEN = 4  # beyond the output: drawn only while a stamp covers it
    COPIED = 5  # padding holding a copy of an input cell (a padding mode): dashed, tinted


@dataclass(frozen=True)
class Plane:
    """One plane of cells and its label."""

    cells: np.ndarray  # (rows, cols) Cell codes
    cropped: np.ndarray  # (rows, cols) bool: outside the canvas, cut off by negative padding
    unread: np.ndarray  # (rows, cols) bool: real input cells no output reads
    label: str
    depths: tuple[str, ...] = ()  # a 3-D spec's volume: the name of each depth slice


@dataclass(frozen=True)
class Step:
    """What one step of the spatial story lights on the input side's plane and the output's."""

    lower: np.ndarray  # (K, ndim) highlighted lower-plane cells
    upper: np.ndarray  # (M, ndim) highlighted upper-plane cells
    first_tap: tuple[int, ...]  # the cell weighted by the kernel's first tap w[0, 0]
    #: (2, ndim) cell-edge box joined by lines: [[row0, col0], [row1, col1]] in 2-D,
    #: [[depth0, row0, col0], [depth1, row1, col1]] in 3-D
    lower_box: np.ndarray
    upper_box: np.ndarray  # (2, ndim) likewise on the upper plane
    counts: np.ndarray | None  # (grid...) stamps received so far (scatter reading), else None
    #: (J, 2, ndim) [input cell, padding cell copying it] for each copy under the footprint
    copies: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 2), dtype=int))


class SheetRole(str, enum.Enum):
    """What a sheet of a board holds."""

    INPUT = "input"  # an input channel, on the input side's plane
    KERNEL = "kernel"  # a kernel slice: the weights one channel pair uses
    BIAS = "bias"  # an output channel's bias, one cell
    OUTPUT = "output"  # an output channel, on the output side's plane


@dataclass(frozen=True)
class Sheet:
    """One plane of a board, by role: channel ``index`` (a kernel slice's: its pair, in
    ``geometry.connectivity``'s order)."""

    role: SheetRole
    index: int
    plane: Plane


@dataclass(frozen=True)
class Board:
    """The sheets and the frames of one picture (see the module docstring)."""

    spec: ConvSpec  # the spec as given (1-D specs stay 1-D here), with its channels
    reading: Reading
    lower: Plane  # the input side's plane: every input channel's
    upper: Plane  # the output side's plane: every output channel's
    steps: tuple[Step, ...]  # the spatial story every channel pair shares
    order: LayerOrder  # the frames: which step, on which channels
    closing: tuple[Step, ...] = ()  # steps shown after the story, on the first channels

    @property
    def view(self) -> View:
        """The one-channel view the board tells: CANVAS (gather) or SCATTER."""
        return self.reading.spatial_view

    @property
    def stamps(self) -> bool:
        return self.reading.stamps

    @property
    def frames(self) -> Sequence[LayerFrame]:
        """One per frame (made when read): its step (``cell``), group and lit channels."""
        story, closing = len(self.order), len(self.closing)
        first = self.order.frame(0)

        def frame(index: int) -> LayerFrame:
            if index < story:
                return self.order.frame(index)
            return replace(first, cell=len(self.steps) + index - story)

        return Lazy(story + closing, frame)

    def step(self, frame: LayerFrame) -> Step:
        """The step ``frame`` shows."""
        story = len(self.steps)
        return self.steps[frame.cell] if frame.cell < story else self.closing[frame.cell - story]

    def sheets(self) -> Iterator[Sheet]:
        """Every sheet: the input channels, the kernel slices, the biases, the output channels."""
        spec = self.spec
        kernel = filled(as_drawable(spec).kernel, Cell.INPUT)
        yield from (Sheet(SheetRole.INPUT, i, self.lower) for i in range(spec.in_channels))
        yield from (Sheet(SheetRole.KERNEL, p, kernel) for p in range(len(self.order.pairs)))
        if spec.bias:
            one = filled((1, 1), Cell.INPUT)
            yield from (Sheet(SheetRole.BIAS, o, one) for o in range(spec.out_channels))
        yield from (Sheet(SheetRole.OUTPUT, o, self.upper) for o in range(spec.out_channels))

    def lit(self, frame: LayerFrame) -> Iterator[tuple[SheetRole, int, np.ndarray]]:
        """(role, index, (N, 2) cells) of each sheet ``frame`` lights: the step's cells on its
        input and output channels, every cell of the kernel slices it uses, and (gather,
        with a bias) its output channel's bias."""
        step = self.step(frame)
        pair_of = {(int(a), int(b)): p for p, (a, b) in enumerate(self.order.pairs.weight)}
        kernel = np.argwhere(np.ones(as_drawable(self.spec).kernel, dtype=bool))
        yield from ((SheetRole.INPUT, int(i), step.lower) for i in frame.inputs)
        yield from ((SheetRole.KERNEL, pair_of[(int(a), int(b))], kernel) for a, b in frame.slices)
        if self.spec.bias and not self.stamps:
            yield SheetRole.BIAS, int(frame.outputs[0]), np.zeros((1, 2), dtype=int)
        yield from ((SheetRole.OUTPUT, int(o), step.upper) for o in frame.outputs)


def filled(shape: tuple[int, ...], kind: Cell) -> Plane:
    """A plane of ``shape`` whose cells are all ``kind``, unlabelled."""
    nothing = np.zeros(shape, dtype=bool)
    return Plane(np.full(shape, kind), nothing, nothing, "")


def as_drawable(spec: ConvSpec) -> ConvSpec:
    """The spec as a 2-D one (a 1-D spec becomes a single row), or 3-D as it is."""
    if spec.ndim > 3:
        raise ConvanimError(
            "input_size", f"a {spec.ndim}-D spec has no picture; 1-D to 3-D specs are drawn"
        )
    return spec.with_leading_axes(2)


def board_shapes(spec: ConvSpec, view: View) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(lower, upper) shapes of ``spec``'s board in ``view`` (2-D planes, or 3-D volumes),
    before building it."""
    drawn = as_drawable(spec)
    if View(view) is View.SCATTER:
        return drawn.input_size, tuple(axis.scatter_cells() for axis in drawn.axes)
    return tuple(axis.canvas_cells() for axis in drawn.axes), drawn.output_size


def plane_shapes(spec: ConvSpec, view: View) -> tuple[tuple[int, int], tuple[int, int]]:
    """(lower, upper) plane shapes of a 1-D or 2-D ``spec``'s board in ``view``."""
    if spec.ndim > 2:
        rule = f"a {spec.ndim}-D spec's picture has depth slices, not one plane per side"
        raise ConvanimError("input_size", rule)
    lower, upper = board_shapes(spec, view)
    return (lower[0], lower[1]), (upper[0], upper[1])


def frame_count(spec: ConvSpec, reading: Reading) -> int:
    """Frames of a board: one per output channel and cell (gather), or per input channel and
    cell (scatter).

    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1, in_channels=3, out_channels=2)
    >>> frame_count(spec, Reading.GATHER)
    18
    """
    if Reading(reading) is Reading.SCATTER:
        return spec.in_channels * math.prod(spec.input_size)
    return spec.out_channels * math.prod(spec.output_size)


def drawn_cells(cells: np.ndarray) -> np.ndarray:
    """Cell coordinates (N, ndim) as the board's: (N, 2) plane coordinates for 1-D or 2-D
    (see as_drawable), (N, 3) for 3-D."""
    width = max(2, cells.shape[1])
    drawn = np.zeros((len(cells), width), dtype=int)
    drawn[:, width - cells.shape[1] :] = cells
    return drawn


def _box(cells: np.ndarray) -> np.ndarray:
    return np.stack([cells.min(axis=0), cells.max(axis=0) + 1])


def input_label(spec: ConvSpec) -> str:
    """``input 5x5, padding 1``; asymmetric padding as asked, before:after per axis; a
    padding mode other than zeros named before it (``reflect padding 1``)."""
    label = f"input {size_text(spec.input_size)}"
    if any(p for pair in spec.padding for p in pair):
        mode = "" if spec.padding_mode == "zeros" else f"{spec.padding_mode} "
        label += f", {mode}padding {padding_text(spec.padding)}"
    return label


#: How a depth slice of a 3-D canvas is named when it holds no input slice.
DEPTH_NAMES = {CellKind.PADDING: "padding", CellKind.INSERTED_ZERO: "zeros"}
#: How a depth slice of a 3-D scatter grid is named beyond the output (cropped stamps only).
CROPPED_DEPTH = "cropped"


def _depths(size: tuple[int, ...]) -> tuple[str, ...]:
    """``d0``, ``d1``, ...: the depth slices of a 3-D volume of ``size`` (none for 2-D)."""
    return tuple(f"d{d}" for d in range(size[0])) if len(size) == 3 else ()


def _canvas_depths(drawn: ConvSpec) -> tuple[str, ...]:
    """The depth slices of a 3-D canvas: the input slice each holds (``d2``), or what fills
    it (padding, inserted zeros); none for 2-D."""
    if drawn.ndim != 3:
        return ()
    depth = drawn.axes[0].canvas()
    return tuple(
        f"d{index}" if kind == CellKind.INPUT else DEPTH_NAMES[CellKind(kind)]
        for kind, index in zip(depth.kinds.tolist(), depth.input_index.tolist())
    )


def _scatter_depths(view: ScatterView) -> tuple[str, ...]:
    """The depth slices of a 3-D scatter grid: the output slice each holds (``d2``), or
    ``cropped`` beyond the output, where only stamps the padding crops land; none for 2-D."""
    if len(view.output_size) != 3:
        return ()
    depths: list[int] = view.output_index(0).tolist()
    return tuple(f"d{depth}" if depth >= 0 else CROPPED_DEPTH for depth in depths)


def _gather_story(spec: ConvSpec) -> tuple[Plane, Plane, tuple[Step, ...]]:
    """One step per output cell (row-major): the kernel footprint on the canvas."""
    drawn = as_drawable(spec)
    view = canvas(drawn)
    cells = np.select(
        [view.kinds == CellKind.INPUT, view.kinds == CellKind.INSERTED_ZERO, view.copied],
        [Cell.INPUT, Cell.INSERTED_ZERO, Cell.COPIED],
        Cell.PADDING,
    )
    if spec.transposed:
        framing = "faded cells cropped" if view.cropped.any() else "re-padded"
        inserted = ", zeros inserted" if (view.kinds == CellKind.INSERTED_ZERO).any() else ""
        lower_label = f"input {size_text(spec.input_size)}{inserted}, {framing}"
    else:
        lower_label = input_label(spec)
    lower = Plane(cells, view.cropped, view.unread, lower_label, _canvas_depths(drawn))
    upper_shape = drawn.output_size
    upper = Plane(
        cells=np.full(upper_shape, Cell.OUTPUT),
        cropped=np.zeros(upper_shape, dtype=bool),
        unread=np.zeros(upper_shape, dtype=bool),
        label=f"output {size_text(spec.output_size)}",
        depths=_depths(drawn.output_size),
    )
    steps = []
    for position in np.ndindex(upper_shape):
        footprint = view.footprint(position)
        copies = footprint[view.copied[tuple(footprint.T)]]
        sources = view.input_cells[tuple(view.source_index[tuple(copies.T)].T)]
        here = np.array([position])
        steps.append(
            Step(
                lower=footprint,
                upper=here,
                first_tap=tuple(int(v) for v in footprint[view.first_tap]),
                lower_box=_box(footprint),
                upper_box=_box(here),
                counts=None,
                copies=np.stack([sources, copies], axis=1),
            )
        )
    return lower, upper, tuple(steps)


def _scatter_story(spec: ConvSpec) -> tuple[Plane, Plane, tuple[Step, ...]]:
    """One step per input cell (row-major): its kernel stamp on the output, counts accumulating."""
    drawn = as_drawable(spec)
    view = scatter(drawn)
    inside_grid = view.grid_inside
    shape = inside_grid.shape
    upper = Plane(
        cells=np.where(inside_grid, Cell.OUTPUT, Cell.HIDDEN),
        cropped=~inside_grid,
        unread=np.zeros(shape, dtype=bool),
        label=f"output {size_text(spec.output_size)}",
        depths=_scatter_depths(view),
    )
    lower = Plane(
        cells=np.full(drawn.input_size, Cell.INPUT),
        cropped=np.zeros(drawn.input_size, dtype=bool),
        unread=~read_inputs(drawn),
        label=f"input {size_text(spec.input_size)}",
        depths=_depths(drawn.input_size),
    )
    steps = []
    for row, position in enumerate(view.input):
        stamp = view.grid_cells[row]
        here = position[None, :]
        steps.append(
            Step(
                lower=here,
                upper=stamp,
                first_tap=tuple(int(v) for v in stamp[0]),
                lower_box=_box(here),
                upper_box=_box(stamp),
                counts=view.counts[row],
            )
        )
    return lower, upper, tuple(steps)


def build_board(spec: ConvSpec, reading: Reading = Reading.GATHER) -> Board:
    """The board of ``spec`` read one way (the scatter reading needs a transposed spec).

    >>> board = build_board(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1))
    >>> len(board.frames), board.lower.cells.shape, board.upper.cells.shape
    (9, (7, 7), (3, 3))
    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, in_channels=4, out_channels=2, groups=2)
    >>> frame = build_board(spec).frames[9]
    >>> frame.cell, frame.inputs.tolist(), frame.slices.tolist()
    (0, [2, 3], [[1, 0], [1, 1]])
    """
    reading = check_reading(spec, reading)
    story = _scatter_story if reading is Reading.SCATTER else _gather_story
    lower, upper, steps = story(spec.spatial)
    return Board(spec, reading, lower, upper, steps, layer_order(spec, reading.stamps))


def with_overlap_step(board: Board) -> Board:
    """``board`` closed by a step of the scatter reading: every stamp counted, nothing lit."""
    if not board.stamps:
        raise ConvanimError("overlap", "the overlap frame closes a scatter view ({view} scatter)")
    last = board.steps[-1]
    nothing = np.empty((0, 2), dtype=int)
    closing = Step(nothing, nothing, last.first_tap, last.lower_box, last.upper_box, last.counts)
    return replace(board, closing=(closing,))


def still_index(count: int) -> int:
    """The frame that stands for an animation of ``count`` frames where it cannot move (a
    still for print, an SVG where motion is reduced): the middle one.

    >>> still_index(9)
    4
    """
    return count // 2
