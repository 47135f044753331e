"""From a request to an animation: board, numbers, drawing, frames and file, within budgets.

Budgets are checked from the arithmetic before anything proportional to the
animation's size is made. Frames are painted one at a time as the encoder reads
them, so memory does not grow with the number of frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from convanim.draw.frames import Drawing, Projection, draw
from convanim.draw.style import GUIDE_CELL, MIN_CELL_PIXELS, NUMBERS_CELL, RGB, Layout, Style, Theme
from convanim.errors import ConvanimError, choose, quoted
from convanim.geometry import ConvSpec, Pooling
from convanim.geometry.network import Network
from convanim.geometry.views import widest_term
from convanim.story.board import (
    Board,
    NetworkView,
    Reading,
    View,
    as_drawable,
    board_shapes,
    build_board,
    check_reading,
    frame_count,
    input_label,
    plane_shapes,
    still_index,
    with_overlap_step,
)
from convanim.story.deconvnet import DeconvnetStory, PictureStory
from convanim.story.presets import Separable
from convanim.story.values import (
    Numbers,
    ValueSource,
    board_numbers,
    number_text,
    pool_numbers,
    slice_numbers,
    with_overlap,
)
from convanim.text import compact, parameter_tokens

if TYPE_CHECKING:
    from convanim.render.raster.painter import FramePainter, MattedFrames

MAX_FRAMES = 2500  # frames per animation
MAX_PIXELS = 4_000_000  # pixels per frame
DURATION = 1000  # milliseconds per frame
PICTURE_AXES = 2  # the axes of the guide's pictures: a default name says any other count
MAX_DURATION = 655_350  # the longest frame a GIF can hold


@dataclass(frozen=True)
class Animation:
    """What was written: where, how many frames, their size, the file's bytes and each
    frame's duration as the file holds it (a GIF counts hundredths of a second)."""

    path: Path
    frames: int
    size: tuple[int, int]
    bytes: int
    duration: int  # milliseconds per frame, as written


@dataclass(frozen=True)
class Still:
    """One frame that was written: where, its number (1-based) of how many, its size and
    the file's bytes."""

    path: Path
    frame: int
    frames: int
    size: tuple[int, int]
    bytes: int


def check_duration(duration: int) -> None:
    """Refuse a frame duration no format can store: 1 to MAX_DURATION milliseconds."""
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
        raise ConvanimError("duration", f"must be a positive number of ms, got {quoted(duration)}")
    if duration > MAX_DURATION:
        rule = f"must be at most {MAX_DURATION} ms (a GIF stores hundredths of a second in 16 bits)"
        raise ConvanimError("duration", f"{rule}, got {duration}")


def default_name(
    spec: ConvSpec,
    view: View = View.CANVAS,
    theme: Theme = Theme.LIGHT,
    extension: str = ".gif",
    tags: tuple[str, ...] = (),
) -> str:
    """A file name that states the parameters; ``tags`` go before the extension.

    >>> default_name(ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True))
    'convT_i3_k3_s2_p1.gif'
    >>> default_name(ConvSpec(input_size=(4, 4), kernel=3, padding=1, padding_mode="reflect"))
    'conv_i4_k3_p1_reflect.gif'
    >>> default_name(ConvSpec(input_size=(4, 4, 4), kernel=3))  # axes other than 2 named
    'conv_3d_i4_k3.gif'
    """
    parts = ["convT" if spec.transposed else "conv"]
    parts += [f"{spec.ndim}d"] if spec.ndim != PICTURE_AXES else []
    parts += [f"i{compact(spec.input_size)}"]
    parts += parameter_tokens(spec, side="-")
    parts += [spec.padding_mode] if spec.padding_mode != "zeros" else []
    if not spec.single_channel or spec.groups > 1:
        parts += [f"c{spec.in_channels}-{spec.out_channels}"]
        parts += [f"g{spec.groups}"] if spec.groups > 1 else []
    parts += ["bias"] if spec.bias else []
    if View(view) is not View.CANVAS:
        parts.append(View(view).value)
    if Theme(theme) is not Theme.LIGHT:
        parts.append(Theme(theme).value)
    return "_".join([*parts, *tags]) + extension


def default_extension(theme: Theme, still: bool = False) -> str:
    """The file type written unless told: .svg for theme auto (only an SVG follows the
    reader's colour scheme), else .png for a still frame and .gif for an animation."""
    if Theme(theme) is Theme.AUTO:
        return ".svg"
    return ".png" if still else ".gif"


#: What to draw less of when a channel view is over a budget.
CHANNELS_SMALLER = "fewer channels or cells"


def check_frame_budget(
    frames: int,
    max_frames: int,
    each: str | None = None,
    smaller: str = "a smaller input",
    culprit: str = "input_size",
    at_least: bool = False,
) -> None:
    """Refuse ``frames`` frames (one per ``each``, if said; ``at_least``: a lower bound of
    the frames) over the budget of ``max_frames``, naming ``culprit``."""
    if frames > max_frames:
        per = f" (one per {each})" if each else ""
        bound = "at least " if at_least else ""
        raise ConvanimError(
            culprit,
            f"{bound}{frames} frames{per} exceed the budget of {max_frames}; "
            f"raise it with {{max_frames}} or draw {smaller}",
        )


def plan(
    spec: ConvSpec,
    view: View = View.CANVAS,
    style: Style | None = None,
    max_frames: int = MAX_FRAMES,
    max_pixels: int = MAX_PIXELS,
) -> Board:
    """The one-channel board, once the frame and pixel budgets are checked (ConvanimError if over).

    Both budgets come from the arithmetic alone, before anything as large as the picture.
    """
    style = style or Style()
    reading = Reading.SCATTER if View(view) is View.SCATTER else Reading.GATHER
    check_frame_budget(frame_count(spec, reading), max_frames)
    if spec.ndim == 3:
        width, height = _depth_size(spec, view, style, max_pixels)
    else:
        width, height = Projection(*plane_shapes(spec, view), style).size
    cells = max(shape[-1] for shape in board_shapes(spec, view))
    if width * height > max_pixels:
        culprit = "width" if style.width else widest_term(spec)
        raise ConvanimError(
            culprit,
            f"{width}x{height} px frames ({cells} cells across) exceed the budget of "
            f"{max_pixels} pixels; lower {{width}} or the cells, or raise {{max_pixels}}",
        )
    if reading is Reading.SCATTER and not spec.transposed:
        raise ConvanimError("view", "the scatter view needs a transposed spec ({transposed})")
    return build_board(spec, reading)


def _depth_size(spec: ConvSpec, view: View, style: Style, max_pixels: int) -> tuple[int, int]:
    """The (width, height) pixels of a 3-D spec's picture, its depth slices refused first if
    their cells alone exceed the pixel budget (so that no layout grows with them)."""
    from convanim.draw.depth import depth_layout

    lower, upper = board_shapes(spec, view)
    check_cell_budget(spec, math.prod(lower) + math.prod(upper), max_pixels)
    return depth_layout(lower, upper, style).size


def check_cell_budget(spec: ConvSpec, cells: int, max_pixels: int) -> None:
    """Refuse ``cells`` cells of ``spec``'s picture when, drawn at least MIN_CELL_PIXELS a
    side, they alone exceed the budget of ``max_pixels`` per frame."""
    if cells * MIN_CELL_PIXELS**2 > max_pixels:
        raise ConvanimError(
            widest_term(spec),
            f"{cells:,} cells of at least {MIN_CELL_PIXELS}x{MIN_CELL_PIXELS} px exceed the "
            f"budget of {max_pixels} pixels per frame; draw fewer cells, or raise {{max_pixels}}",
        )


def shown_spec(spec: ConvSpec, pooling: Pooling | None = None) -> ConvSpec:
    """The spec an animation shows: ``spec``, or the windows ``pooling`` pools over it (in
    ceil mode with their implicit padding); a pooling of another spec is refused."""
    if pooling is None:
        return spec
    if pooling.spec != spec:
        raise ConvanimError("pooling", "pools another spec than the one animated")
    return pooling.windows


def drawing(
    spec: ConvSpec | Separable | Network,
    *,
    view: View | NetworkView = View.CANVAS,
    style: Style | None = None,
    max_frames: int = MAX_FRAMES,
    max_pixels: int = MAX_PIXELS,
    values: ValueSource | None = None,
    pooling: Pooling | None = None,
    overlap: bool = False,
    reading: Reading = Reading.GATHER,
    cell: tuple[int, ...] | None = None,
    from_input: tuple[int, ...] | None = None,
    names: tuple[str, ...] | None = None,
    channel_tags: tuple[str, ...] | None = None,
) -> tuple[Drawing, Style]:
    """The laid-out animation of ``spec``, and the style it was laid out in.

    ``values`` prints the numbers; ``pooling`` animates a pooling over the spec's
    windows (weights unused) and always prints them; ``overlap`` closes a
    scatter view with a frame of stamp counts per output. The channel views (stack,
    volume) read a layer one way: ``reading`` gather or scatter (transposed specs).
    A ``Network`` is drawn in a ``NetworkView`` (tree, layers, counts) for its output
    ``cell`` (None: the centre one), or for what input cell ``from_input`` reaches.
    ``names`` renames a picture's input and output (a gradient's: dy and dx) and, given
    a third, a channel view's filters; ``channel_tags`` a channel view's output channels
    (a weight gradient's: ``o,i``).
    """
    if isinstance(spec, Network):
        style = style or Style()
        return _network_drawing(spec, view, style, cell, from_input, max_frames, max_pixels)
    view = choose(View, view, "view")
    check_view(spec, view, overlap)
    check_pooling_view(pooling, view)
    if isinstance(spec, Separable):
        return _separable_drawing(spec, view, style or Style(), max_frames, max_pixels, values)
    if view.channels:
        return _channel_drawing(
            spec,
            view,
            style or Style(),
            reading,
            max_frames,
            max_pixels,
            values,
            names=names,
            channel_tags=channel_tags,
        )
    style = style or Style()
    if style.cell is None:  # printed numbers need larger cells
        printed = values is not None or pooling is not None
        style = replace(style, cell=NUMBERS_CELL if printed else GUIDE_CELL)
    if view is View.FLAT:
        style = replace(style, layout=Layout.FLAT)
    spec = shown_spec(spec, pooling)
    board = plan(spec, view, style, max_frames, max_pixels)
    numbers: Numbers | None = None
    if pooling is not None:
        label = f"{board.upper.label}, {pooling.mode.value} pool"
        if not pooling.count_include_pad:
            label += " of real cells"
        board = replace(board, upper=replace(board.upper, label=label))
        if pooling.ceil_mode:  # the extra dashed cells are the implicit padding of ceil mode
            lower = replace(board.lower, label=f"{input_label(pooling.spec)}, ceil mode")
            board = replace(board, lower=lower)
        x = (values or ValueSource()).pooled(spec)
        numbers = pool_numbers(board, pooling, x)
    elif values is not None and spec.bias:  # a 3-D layer's: its bias is in the output's name
        x, w, b = values.channel_arrays(spec)
        numbers = board_numbers(board, x, w, b)
        label = f"{board.upper.label}, bias {number_text(b[0])}"
        board = replace(board, upper=replace(board.upper, label=label))
    elif values is not None:
        numbers = slice_numbers(board, *values.arrays(spec))
    elif spec.bias:
        board = replace(board, upper=replace(board.upper, label=f"{board.upper.label} + bias"))
    if names is not None:
        from convanim.story.backward import named

        board = named(board, names)
    if overlap:
        board = with_overlap_step(board)
        counts = board.closing[0].counts
        assert counts is not None
        numbers = with_overlap(numbers, board, counts)
    if spec.ndim == 3:
        from convanim.draw.depth import draw_depth

        return draw_depth(board, style, numbers), style
    return draw(board, style, numbers), style


def check_view(shown: ConvSpec | Separable, view: View, overlap: bool) -> None:
    """Refuse what ``view`` cannot show: a separable pair, channels or a bias in a one-slice
    view, and the overlap frame anywhere but at the end of a scatter view."""
    spec = shown.depthwise if isinstance(shown, Separable) else shown
    if spec.ndim == 3 and (view.channels or not spec.single_channel):
        rule = "a 3-D layer is drawn with one input and one output channel, by {view} canvas or {view} flat"
        if spec.single_channel:
            raise ConvanimError("view", rule)
        raise ConvanimError("in_channels" if spec.in_channels > 1 else "out_channels", rule)
    if not view.channels:
        if isinstance(shown, Separable):
            raise ConvanimError(
                "view", "a separable pair is drawn by {view} stack or {view} volume"
            )
        if not shown.single_channel:
            rule = (
                f"draws one channel; a layer with {shown.in_channels} input and "
                f"{shown.out_channels} output channels is drawn by {{view}} stack or {{view}} volume"
            )
            raise ConvanimError("view", rule)
        if shown.bias and shown.ndim < 3:  # a 3-D picture names its bias beside the output
            raise ConvanimError(
                "bias",
                "the one-slice views draw no bias: draw it with {view} stack, or drop the bias",
            )
    if overlap and view is not View.SCATTER:
        raise ConvanimError("overlap", "the overlap frame closes a scatter view ({view} scatter)")


def check_network_view(network: Network, view: NetworkView) -> None:
    """Refuse what ``view`` cannot draw of ``network``: the tree draws 1-D chains, the
    layers 2-D ones, counts either."""
    if network.ndim > 2:
        raise ConvanimError("view", f"the pictures draw 1-D and 2-D chains, got {network.ndim}-D")
    if view is NetworkView.TREE and network.ndim != 1:
        rule = "the tree view draws 1-D chains (one row per layer), got 2-D: draw it with {view} layers"
        raise ConvanimError("view", rule)
    if view is NetworkView.LAYERS and network.ndim != 2:
        rule = "the layers view draws 2-D chains (one plane per layer), got 1-D: draw it with {view} tree"
        raise ConvanimError("view", rule)


def check_pooling_view(pooling: Pooling | None, view: View) -> None:
    """Refuse a pooling in a channel view: pooling draws one slice."""
    if pooling is not None and view.channels:
        rule = f"pooling has no channel view: drop {{view}} {view.value} or {{pooling}}"
        raise ConvanimError("pooling", rule)


def _channel_drawing(
    spec: ConvSpec,
    view: View,
    style: Style,
    reading: Reading,
    max_frames: int,
    max_pixels: int,
    values: ValueSource | None,
    input_hues: tuple[RGB, ...] | None = None,
    names: tuple[str, ...] | None = None,
    channel_tags: tuple[str, ...] | None = None,
) -> tuple[Drawing, Style]:
    """The stack or volume view of ``spec`` (see ``drawing``), within the budgets;
    ``input_hues`` colour its input channels (else their groups' hues), ``names`` rename
    its input and output tensors and ``channel_tags`` its output channels (a gradient's)."""
    from convanim.draw.channels import channel_layout, check_numbers, draw_channels

    reading = choose(Reading, reading, "reading")
    check_numbers(view, values is not None)
    if style.cell is None and values is not None:  # printed numbers need larger cells
        style = replace(style, cell=NUMBERS_CELL)
    check_channel_budgets(spec, view, reading, max_frames, max_pixels)
    layout = channel_layout(spec, view, reading, style, values is not None, channel_tags)
    width, height = layout.size
    if width * height > max_pixels:
        raise ConvanimError(
            _largest_factor(spec, reading),
            f"{width}x{height} px frames exceed the budget of {max_pixels} pixels; "
            "draw fewer channels or cells, or raise {max_pixels}",
        )
    if names is not None:
        from convanim.draw.channels import named_headings

        layout = replace(layout, headings=named_headings(layout.headings, names))
    board = build_board(spec, reading)
    numbers = None
    if values is not None:
        numbers = board_numbers(board, *values.channel_arrays(spec))
    return draw_channels(board, view, style, numbers, input_hues, layout), style


def check_channel_budgets(
    spec: ConvSpec, view: View, reading: Reading, max_frames: int, max_pixels: int
) -> None:
    """Refuse a channel view of ``spec`` whose frames, or whose cells alone, exceed the
    budgets: arithmetic only, before anything as large as the picture or its numbers."""
    check_reading(spec, reading)
    as_drawable(spec)
    each = "output channel and output cell" if reading is Reading.GATHER else "input cell"
    frames = frame_count(spec, reading)
    channels = "out_channels" if reading is Reading.GATHER else "in_channels"
    count = getattr(spec, channels)  # frames: count times the cells; blame the larger
    culprit = channels if count * count > frames else "input_size"
    check_frame_budget(frames, max_frames, each, CHANNELS_SMALLER, culprit)
    _check_channel_cells(spec, view, reading, max_pixels)


def _largest_factor(spec: ConvSpec, reading: Reading) -> str:
    """What makes a channel view large: its channels, or the argument that makes each
    channel's planes wide, whichever is the larger factor of its cells."""
    channels = max(spec.in_channels, spec.out_channels)
    lower, upper = plane_shapes(spec.spatial, reading.spatial_view)
    if channels >= max(math.prod(lower), math.prod(upper)):
        return "in_channels" if spec.in_channels >= spec.out_channels else "out_channels"
    return widest_term(as_drawable(spec.spatial))


def _check_channel_cells(spec: ConvSpec, view: View, reading: Reading, max_pixels: int) -> None:
    """Refuse, before anything is laid out, a channel view whose cells alone exceed the pixel
    budget (a cell is never drawn below MIN_CELL_PIXELS): the layout grows with the channels."""
    lower, upper = plane_shapes(spec.spatial, reading.spatial_view)
    cells = spec.in_channels * math.prod(lower) + spec.out_channels * math.prod(upper)
    if view is View.STACK:  # a kernel slice per channel pair
        pairs = spec.out_channels * (spec.in_channels // spec.groups)
        cells += pairs * math.prod(as_drawable(spec).kernel)
    if cells * MIN_CELL_PIXELS**2 > max_pixels:
        raise ConvanimError(
            _largest_factor(spec, reading),
            f"{cells:,} cells of at least {MIN_CELL_PIXELS}x{MIN_CELL_PIXELS} px exceed the "
            f"budget of {max_pixels} pixels per frame; draw fewer channels or cells, or raise "
            "{max_pixels}",
        )


def _separable_drawing(
    pair: Separable,
    view: View,
    style: Style,
    max_frames: int,
    max_pixels: int,
    values: ValueSource | None,
) -> tuple[Drawing, Style]:
    """The depthwise layer, then the pointwise one on its output (each with its caption),
    then their parameters and multiply-accumulates against the standard convolution (see
    ``drawing``)."""
    from convanim.draw.channels import group_palette, in_sequence
    from convanim.geometry import connectivity

    frames = sum(frame_count(spec, Reading.GATHER) for spec in (pair.depthwise, pair.pointwise))
    cells = math.prod(pair.depthwise.output_size)
    culprit = "in_channels" if pair.depthwise.in_channels > cells else "input_size"
    check_frame_budget(frames + 1, max_frames, smaller=CHANNELS_SMALLER, culprit=culprit)
    second = None if values is None else pointwise_values(pair, values)
    args = (view, style, Reading.GATHER, max_frames, max_pixels)
    # The pointwise layer reads the depthwise outputs: its inputs keep their colours.
    depthwise = connectivity(pair.depthwise)
    made_hues = tuple(
        group_palette(style.palette, int(group), pair.depthwise.groups).output
        for group in depthwise.output_group
    )
    parts = [
        _channel_drawing(pair.depthwise, *args, values)[0],
        _channel_drawing(pair.pointwise, *args, second, made_hues)[0],
    ]
    return in_sequence(parts, pair.stage_captions(), pair.comparison_lines(), style), style


def pointwise_values(pair: Separable, values: ValueSource) -> ValueSource:
    """Where a separable pair's pointwise layer takes its numbers: the depthwise layer's
    outputs as its input, its weights and bias seeded one further."""
    from convanim.geometry import apply

    x, w, b = values.channel_arrays(pair.depthwise)
    made = apply(pair.depthwise, x, w, b if pair.depthwise.bias else None)
    return ValueSource(seed=values.seed + 1, input=made)


def printed_numbers(
    spec: ConvSpec | Separable,
    view: View,
    values: ValueSource,
    pooling: Pooling | None = None,
) -> dict[str, Any]:
    """The numbers an animation prints, in PyTorch's layouts (channels first, nested
    lists): ``x``, ``w``, ``b`` (with a bias) and ``y``; a pooling's ``x`` and ``y``; a
    separable pair's under ``depthwise`` and ``pointwise``. The same arrays the
    picture is drawn from (``drawing``), so the file and the numbers agree.

    >>> record = printed_numbers(ConvSpec(input_size=3, kernel=2), View.CANVAS, ValueSource())
    >>> sorted(record), len(record["y"][0])
    (['w', 'x', 'y'], 2)
    """
    from convanim.geometry import apply

    if isinstance(spec, Separable):
        second = pointwise_values(spec, values)
        return {
            "depthwise": printed_numbers(spec.depthwise, View.STACK, values),
            "pointwise": printed_numbers(spec.pointwise, View.STACK, second),
        }
    if pooling is not None:
        x = values.pooled(pooling.spec)
        return {"x": x[None].tolist(), "y": pooling.apply(x)[None].tolist()}
    if View(view).channels or spec.bias:  # a one-slice view with a bias draws a 3-D layer
        x, w, b = values.channel_arrays(spec)
        bias = b if spec.bias else None
    else:
        x, w = values.arrays(spec)
        x, w, bias = x[None], w[None, None], None
    record = {"x": x.tolist(), "w": w.tolist()}
    if bias is not None:
        record["b"] = bias.tolist()
    record["y"] = apply(spec, x, w, bias).tolist()
    return record


#: The options of ``drawing`` that ``title`` reads, in its order.
TITLE_OPTIONS = ("pooling", "cell", "view", "from_input")


def title(
    spec: ConvSpec | Separable | Network,
    pooling: Pooling | None = None,
    cell: tuple[int, ...] | None = None,
    view: View | NetworkView | None = None,
    from_input: tuple[int, ...] | None = None,
) -> str:
    """What an animation shows, in one sentence (its alt text)."""
    from convanim.text import alt_text, network_alt_text

    if isinstance(spec, Network):
        return network_alt_text(spec, cell, view is NetworkView.COUNTS, from_input)

    if isinstance(spec, Separable):
        first, second = alt_text(spec.depthwise), alt_text(spec.pointwise)
        return f"Depthwise-separable convolution: {first}; then {second}"
    return alt_text(shown_spec(spec, pooling))


def render_animation(
    spec: ConvSpec | Separable | Network, *, see_through: str | None = None, **options: Any
) -> tuple[FramePainter | MattedFrames, Style]:
    """The frames of ``spec``'s animation as images, and their style (options of ``drawing``).

    The frames are a sequence painted on access (``len``, indexing, iteration;
    each read paints the frame again), never all held at once: ``list()`` it to keep them.
    They are RGB; with ``see_through`` the background is see-through: ``"alpha"`` gives
    RGBA frames with exact coverage, ``"key"`` RGB frames whose see-through pixels take
    ``SEE_THROUGH_KEY``, a colour nothing is drawn in (for GIF: no partial transparency).
    """
    from convanim.render.raster.painter import SEE_THROUGH_KEY, FramePainter, MattedFrames

    laid_out, style = drawing(spec, **options)
    if see_through is None:
        return FramePainter(laid_out), style
    return MattedFrames(laid_out, SEE_THROUGH_KEY if see_through == "key" else None), style


def svg_text(
    spec: ConvSpec | Separable | Network,
    *,
    duration: int = DURATION,
    transparent: bool = False,
    still: bool = False,
    frame: int | None = None,
    about: str | None = None,
    **options: Any,
) -> tuple[str, Drawing]:
    """The animated SVG of ``spec`` (options of ``drawing``), and its drawing; with theme
    auto, light and dark in one document. ``still`` writes one frame: number ``frame``
    (1-based), or the one that stands for the animation (``still_index``). ``about`` is
    its alt text where the spec's own sentence is not (a gradient's picture)."""
    from convanim.render.vector.svg import svg_document

    style = options.pop("style", None) or Style()
    light, *dark = (drawing(spec, style=each, **options)[0] for each in style.schemes())
    count = len(light.frames)
    index = None
    if still:
        index = _frame_index(frame, count)
    document = svg_document(
        light,
        duration,
        transparent,
        about or title(spec, *(options.get(name) for name in TITLE_OPTIONS)),
        dark[0] if dark else None,
        frame=index,
    )
    return document, light


def _frame_index(frame: int | None, count: int) -> int:
    """The index of frame number ``frame`` (1 to count; None: the still, ``still_index``),
    refused if there is no such frame."""
    if frame is None:
        return still_index(count)
    if isinstance(frame, bool) or not isinstance(frame, int) or not 1 <= frame <= count:
        raise ConvanimError(
            "frame",
            f"must be a frame number from 1 to {count} (this animation's), got {quoted(frame)}",
        )
    return frame - 1


def _check_theme(path: Path, options: dict[str, Any]) -> None:
    """Refuse theme auto, before anything is drawn, for any format but SVG."""
    style = options.get("style")
    if style is not None and style.theme is Theme.AUTO and path.suffix.lower() != ".svg":
        from convanim.draw.style import AUTO_NEEDS_SVG

        raise ConvanimError("theme", AUTO_NEEDS_SVG)


def animate_to_file(
    spec: ConvSpec | Separable | Network,
    path: Path | str,
    *,
    duration: int = DURATION,
    transparent: bool = False,
    about: str | None = None,
    **options: Any,
) -> Animation:
    """Render ``spec`` to ``path`` (format from its extension: .gif, .webp, .png, .mp4, .svg).

    ``transparent`` makes the theme's background colour see-through; ``options``
    go to ``drawing`` (view, style, values, pooling, overlap and the budgets); ``about``
    is an SVG's alt text (as in ``svg_text``).
    The path is checked before anything is rendered; frames are painted and
    encoded one at a time.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    >>> animate_to_file(spec, folder / "conv.gif").frames
    9
    """
    from convanim.render.encode.files import check_destination
    from convanim.render.encode.writers import check_suffix

    path = Path(path)
    check_suffix(path, transparent)
    check_duration(duration)
    _check_theme(path, options)
    check_destination(path)
    if path.suffix.lower() == ".svg":  # vectors, from the same drawing the frames are painted from
        style = options.pop("style", None) or Style()
        light, *dark = (drawing(spec, style=each, **options)[0] for each in style.schemes())
        named = (options.get(name) for name in TITLE_OPTIONS)
        title_text = about or title(spec, *named)
        return write_drawing(
            light, path, duration, transparent, dark[0] if dark else None, title_text
        )
    return write_drawing(drawing(spec, **options)[0], path, duration, transparent)


def write_drawing(
    laid_out: Drawing,
    path: Path,
    duration: int,
    transparent: bool = False,
    dark: Drawing | None = None,
    alt: str = "",
) -> Animation:
    """Write ``laid_out`` to ``path``, checked, in the format of its extension: an animated
    SVG (``dark``, the same drawing in the dark palette, makes it follow the reader's colour
    scheme; ``alt`` is its title), or frames painted and encoded one at a time."""
    from convanim.render.encode.files import write_bytes
    from convanim.render.encode.writers import write_animation

    if path.suffix.lower() == ".svg":
        from convanim.render.vector.svg import svg_document

        document = svg_document(laid_out, duration, transparent, alt, dark)
        size = write_bytes(document.encode(), path)
        return Animation(path, len(laid_out.frames), laid_out.size, size, duration)
    from convanim.render.raster.painter import SEE_THROUGH_KEY, FramePainter, MattedFrames

    gif = path.suffix.lower() == ".gif"
    if not transparent:
        frames: FramePainter | MattedFrames = FramePainter(laid_out)
        size = write_animation(frames, path, duration)
    elif gif:  # wholly see-through or not: the key colour marks the see-through pixels
        frames = MattedFrames(laid_out, SEE_THROUGH_KEY)
        size = write_animation(frames, path, duration, SEE_THROUGH_KEY)
    else:  # RGBA frames carry their own alpha
        frames = MattedFrames(laid_out, None)
        size = write_animation(frames, path, duration)
    if gif:
        from convanim.render.encode.gif import gif_delay

        duration = gif_delay(duration) * 10
    return Animation(path, len(frames), frames.size, size, duration)


def _network_drawing(
    network: Network,
    view: View | NetworkView,
    style: Style,
    cell: tuple[int, ...] | None,
    from_input: tuple[int, ...] | None,
    max_frames: int,
    max_pixels: int,
) -> tuple[Drawing, Style]:
    """``network`` drawn in ``view`` for its output ``cell`` (see ``drawing``), within the
    budgets, both checked from the sizes before anything is drawn."""
    from convanim.draw.network import draw_network, network_size
    from convanim.geometry.network import drawn_layers, projective_field, receptive_field

    view = choose(NetworkView, view, "view")
    check_frame_budget(
        len(drawn_layers(network)), max_frames, "drawn layer", "fewer layers", "layers"
    )
    width, height = network_size(network, view, style)
    if width * height > max_pixels:
        raise ConvanimError(
            "input_size",
            f"{width}x{height} px frames exceed the budget of {max_pixels} pixels; "
            "draw fewer cells or layers, or raise {max_pixels}",
        )
    reach = None if from_input is None else projective_field(network, from_input)
    field = receptive_field(network, cell)
    return draw_network(network, field, view, style, reach), style


STILL_FORMATS = (".svg", ".png", ".pdf")


def write_still(
    spec: ConvSpec | Separable | Network,
    path: Path | str,
    *,
    frame: int | None = None,
    transparent: bool = False,
    about: str | None = None,
    **options: Any,
) -> Still:
    """Write frame number ``frame`` (1 to the frame count; None: the middle one, which an
    animated SVG also shows where motion is reduced) of ``spec``'s animation to ``path``:
    ``.svg`` and ``.pdf`` as vectors (for documents and papers), ``.png`` as the GIF's own
    pixels. ``options`` go to ``drawing``; ``about`` is an SVG's alt text (as in ``svg_text``).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    >>> still = write_still(spec, folder / "conv.pdf")
    >>> still.frame, still.frames, still.path.read_bytes()[:5]
    (5, 9, b'%PDF-')
    """
    style = options.pop("style", None) or Style()
    if about is None and Path(path).suffix.lower() == ".svg":  # only an SVG has alt text
        about = title(spec, *(options.get(name) for name in TITLE_OPTIONS))
    return write_made_still(
        lambda each: drawing(spec, style=each, **options)[0],
        path,
        style,
        frame,
        transparent=transparent,
        alt=about or "",
    )


@dataclass(frozen=True, eq=False)
class DeconvnetOutput:
    """What ``convanim deconvnet`` writes: ``make`` lays it out in a style, ``path`` is its
    file unless told, ``alt`` its alt text; ``numbers`` are its --json, if asked."""

    make: Callable[[Style], Drawing]
    path: Path
    alt: str
    numbers: dict[str, Any] | None = None


def deconvnet_output(
    spec: ConvSpec,
    pool_kernel: tuple[int, ...],
    pool_stride: tuple[int, ...] | None = None,
    seed: int = 0,
    input_values: object = None,
    weights: object = None,
    *,
    style: Style | None = None,
    frame: int | None = None,
    as_json: bool = False,
    max_frames: int = MAX_FRAMES,
    max_pixels: int = MAX_PIXELS,
) -> DeconvnetOutput:
    """The deconvnet of ``spec`` (``story.deconvnet.deconvnet_story``'s arguments, a window
    and stride given for one axis standing for every axis), refused before any number is
    made if the story cannot tell it or it is over the budgets, and before anything is
    written if its drawing is. Unless told, it is written in ``renders/``, named for its
    layer, pooling, theme and still ``frame``."""
    from convanim.story.deconvnet import check_story_layer, deconvnet_story

    style = style or Style()
    check_story_layer(spec)
    check_deconvnet_budgets(spec, max_frames, max_pixels)
    story = deconvnet_story(
        spec,
        pool_kernel if len(pool_kernel) > 1 else pool_kernel[0],
        pool_stride if pool_stride is None or len(pool_stride) > 1 else pool_stride[0],
        seed,
        input_values,
        weights,
    )
    first = style.schemes()[0]
    checked = deconvnet_drawing(story, first, max_frames, max_pixels)  # its budgets, kept
    still = () if frame is None else (f"frame{frame}",)
    strides = (  # named unless it is the window's, the default
        () if pool_stride in (None, pool_kernel) else ("ps" + "-".join(map(str, pool_stride)),)
    )
    tags = ("deconvnet", "pool" + "-".join(map(str, pool_kernel)), *strides, *still)
    extension = default_extension(style.theme, still=frame is not None)
    return DeconvnetOutput(
        lambda each: (
            checked if each == first else deconvnet_drawing(story, each, max_frames, max_pixels)
        ),
        Path("renders") / default_name(spec, theme=style.theme, extension=extension, tags=tags),
        story.about,
        story.numbers() if as_json else None,
    )


def picture_output(
    given: Sequence[str] = (), style: Style | None = None, max_pixels: int = MAX_PIXELS
) -> DeconvnetOutput:
    """The real picture's deconvnet (``story.deconvnet.picture_story``), one frame; refused
    if any flag of ``given`` (what the user typed) sets what the picture sets itself.
    Unless told, it is written as ``renders/deconvnet_picture``, its theme named."""
    from convanim.story.deconvnet import picture_story

    if given:
        rule = "the picture has its own layer, filters and numbers: drop {" + given[0] + "}"
        raise ConvanimError(given[0], rule)
    style = style or Style()
    story = picture_story()
    theme = "" if style.theme is Theme.LIGHT else f"_{style.theme.value}"
    name = f"deconvnet_picture{theme}{default_extension(style.theme, still=True)}"
    return DeconvnetOutput(
        lambda each: picture_drawing(story, each, max_pixels), Path("renders") / name, story.about
    )


def check_deconvnet_budgets(spec: ConvSpec, max_frames: int, max_pixels: int) -> None:
    """Refuse, from the arithmetic before any number is made, a deconvnet of ``spec`` over
    the budgets: its convolution's and transposed convolution's frames alone, or its input
    and output cells drawn at least MIN_CELL_PIXELS a side."""
    frames = frame_count(spec, Reading.GATHER) + frame_count(spec.transpose(), Reading.SCATTER)
    check_frame_budget(frames, max_frames, smaller="a smaller input", at_least=True)
    check_cell_budget(spec, math.prod(spec.input_size) + math.prod(spec.output_size), max_pixels)


def deconvnet_drawing(
    story: DeconvnetStory,
    style: Style | None = None,
    max_frames: int = MAX_FRAMES,
    max_pixels: int = MAX_PIXELS,
) -> Drawing:
    """The deconvnet's stages one after the other, each under its heading (``story.stages``):
    the convolution's board, the ReLU, the max pooling's board with its winners, the
    unpooling, the ReLU again, the transposed convolution's scatter view and the
    reconstruction beside x, within the budgets (checked from the sizes first)."""
    from convanim.draw.channels import CLOSING_FRAMES, in_sequence
    from convanim.draw.deconvnet import reconstruction_frames, relu_frames, unpooling_frames
    from convanim.draw.maps import draw_maps
    from convanim.geometry.deconvnet import Unpooling

    style = style or Style()
    if style.cell is None:  # printed numbers need larger cells
        style = replace(style, cell=NUMBERS_CELL)
    steps = story.steps
    spec, back = steps.spec, steps.spec.transpose()
    x, w = steps.x[0], steps.w[0, 0]
    unpooled = steps.unpooled[0]
    relu_down = relu_frames(steps.y[0], ("y", "max(y, 0)"))
    relu_back = relu_frames(unpooled, ("unpooled", "max(unpooled, 0)"))
    made = reconstruction_frames(steps)
    unpooling = Unpooling(steps, 0)  # its frames, one per pooled cell, drawn once counted
    boards = frame_count(spec, Reading.GATHER) + frame_count(back, Reading.SCATTER)
    boards += frame_count(steps.pooling.windows, Reading.GATHER)
    maps = len(relu_down) + len(unpooling) + len(relu_back) + len(made)
    frames = boards + maps + CLOSING_FRAMES
    check_frame_budget(frames, max_frames, smaller="a smaller input or a larger pooling window")
    options: dict[str, Any] = {"style": style, "max_frames": max_frames, "max_pixels": max_pixels}
    parts = [
        drawing(spec, values=ValueSource(input=x, weights=w), names=("x", "y"), **options)[0],
        draw_maps(relu_down, style),
        drawing(
            steps.pooling.spec,
            pooling=steps.pooling,
            values=ValueSource(input=steps.relu[0]),
            names=("max(y, 0)", "pooled"),
            **options,
        )[0],
        draw_maps(unpooling_frames(unpooling), style),
        draw_maps(relu_back, style),
        drawing(
            back,
            view=View.SCATTER,
            values=ValueSource(input=np.maximum(unpooled, 0.0), weights=w),
            names=("max(unpooled, 0)", "x'"),
            **options,
        )[0],
        draw_maps(made, style),
    ]
    laid_out = in_sequence(parts, story.stages, story.closing, style)
    width, height = laid_out.size
    if width * height > max_pixels:
        raise ConvanimError(
            widest_term(spec),
            f"{width}x{height} px frames exceed the budget of {max_pixels} pixels; "
            "draw fewer cells, or raise {max_pixels}",
        )
    return laid_out


def picture_drawing(
    story: PictureStory, style: Style | None = None, max_pixels: int = MAX_PIXELS
) -> Drawing:
    """The real picture and, per edge filter, its weights, pooled map and reconstruction:
    one frame (``draw.deconvnet.picture_rows``), within the pixel budget."""
    from convanim.draw.deconvnet import picture_rows
    from convanim.draw.maps import draw_maps, panels_size

    style = style or Style()
    rows = picture_rows(story)
    width, height = panels_size(rows, style)
    if width * height > max_pixels:
        rule = f"the picture is {width}x{height} px, over the budget of {max_pixels} pixels"
        raise ConvanimError("max_pixels", f"{rule}: raise it")
    return draw_maps([rows], style)


def write_made(
    make: Callable[[Style], Drawing],
    path: Path | str,
    style: Style,
    *,
    duration: int = DURATION,
    transparent: bool = False,
    alt: str = "",
) -> Animation:
    """Write the animation ``make`` lays out in ``style`` (a drawing no board describes: the
    deconvnet's) to ``path`` in the format of its extension, checked before anything is
    drawn. Theme auto (SVG only) lays it out in the light and the dark palette; ``alt`` is
    an SVG's title."""
    from convanim.render.encode.files import check_destination
    from convanim.render.encode.writers import check_suffix

    path = Path(path)
    check_suffix(path, transparent)
    check_duration(duration)
    _check_theme(path, {"style": style})
    check_destination(path)
    if path.suffix.lower() != ".svg":
        return write_drawing(make(style), path, duration, transparent)
    light, *dark = (make(each) for each in style.schemes())
    return write_drawing(light, path, duration, transparent, dark[0] if dark else None, alt)


def write_made_still(
    make: Callable[[Style], Drawing],
    path: Path | str,
    style: Style,
    frame: int | None = None,
    *,
    transparent: bool = False,
    alt: str = "",
) -> Still:
    """Write frame number ``frame`` (1-based; None: ``still_index``'s) of what ``make``
    lays out (as ``write_made``) to ``path``: .svg, .png or .pdf, checked before anything
    is drawn."""
    from convanim.render.encode.files import check_destination, write_bytes

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in STILL_FORMATS:
        formats = ", ".join(STILL_FORMATS)
        raise ConvanimError("out", f"{path}: a still frame is written as {formats}")
    _check_theme(path, {"style": style})
    check_destination(path)
    light, *dark = (make(each) for each in style.schemes())
    count = len(light.frames)
    index = _frame_index(frame, count)
    if suffix == ".svg":
        from convanim.render.vector.svg import svg_document

        document = svg_document(light, DURATION, transparent, alt, dark[0] if dark else None, index)
        data = document.encode()
    elif suffix == ".png":
        from convanim.render.raster.painter import frame_png

        data = frame_png(light, index, transparent)
    else:
        from convanim.render.figures.frame import frame_pdf

        data = frame_pdf(light, index, transparent)
    return Still(path, index + 1, count, light.size, write_bytes(data, path))
