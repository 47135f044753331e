"""A drawing as an animated SVG: the same primitives the raster backend paints, as vectors.

No script, no external reference: text is real, selectable ``<text>``; CSS keyframes
show each element in the frames it belongs to, looping forever. The document is
small because nothing is written twice:

- cells and lines are path data, relative to their first point; neighbours of one
  paint share one path, and a run of them that repeats one piece, moved (the rows
  of a plane), is that piece defined once and placed with ``<use>``;
- an element shown in several frames is written once, with keyframes for the
  frames it shows in; one shown in every frame is not animated at all;
- paints are classes, written once.

With ``prefers-reduced-motion`` one frame stands still (``still_index``). Given the
same drawing in the dark palette, the document follows ``prefers-color-scheme``.
Ids, classes and keyframes are scoped by a name made from a hash of the content,
so several documents can be inlined in one page. Nothing here decides where
anything goes: positions, colours and sizes all come from the drawing.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TypeVar, Union
from xml.sax.saxutils import escape

import numpy as np

from convanim.draw.frames import Align, CellShape, Disc, Drawing, Label, Primitive, Ring, Segment
from convanim.draw.style import RGB
from convanim.story.board import still_index

FONTS = "'DejaVu Sans', Verdana, Arial, sans-serif"  # Pillow's default font, then look-alikes
_NAME = "\x00"  # stands for the document's name until its content is known
_NAME_DIGITS = 6  # hex digits of the content hash in the document's name
_MIN_RANK_STEP = 1e-6  # below this gap between ranks, the merged order is numbered again
_PIECES_CACHED = 4096  # path pieces remembered across frames (cells recur as they move)
_NUMBERS_CACHED = 4096  # coordinates and lengths remembered as written (a grid repeats them)
_COLOURS_CACHED = 256  # colours remembered as written (a palette and its blends)
_RULES_CACHED = 256  # paint rules remembered, of each kind (typed: widths 1 and 1.0 apart)
_PERCENT_PRECISION = 0.01  # a keyframe's time may be off by at most this share of a frame


@functools.lru_cache(maxsize=_NUMBERS_CACHED)
def _number(value: float) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@functools.lru_cache(maxsize=_COLOURS_CACHED)
def _colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class _Kind:
    PIECE = "piece"  # path data: cells and lines
    TEXT = "text"
    CIRCLE = "circle"
    USE = "use"  # a defined run of pieces, placed


@dataclass(frozen=True)
class _Item:
    """One thing drawn, placed at (x, y): what it is, relative to that point, and its paint."""

    kind: str  # a _Kind
    form: str  # relative path steps from the first point, text, radius, or a defined path
    paint: str  # the class that paints it
    x: float
    y: float
    end: tuple[float, float] = (0.0, 0.0)  # where a piece's path ends, from its first point


Timing = tuple[str, str]  # (classes, style attribute) that show an element in its frames
Layer = Union[list[_Item], tuple[list[_Item], list[list[int]]]]  # noqa: UP007 (runtime alias)
_Placement = tuple[str, str, float, float, tuple[float, float]]  # an _Item but for its paint


class _PaintRule:
    """A Renderer giving the CSS declarations that paint a primitive: colours, widths, dashes
    (each rule written once per look: many primitives share one)."""

    def cell(self, shape: CellShape) -> str:
        return _cell_rule(shape.fill, shape.outline, shape.width, shape.dash_period)

    def segment(self, line: Segment) -> str:
        return _stroke_rule(line.colour, line.width)

    def disc(self, disc: Disc) -> str:
        return _fill_rule(disc.colour)

    def ring(self, ring: Ring) -> str:
        return _stroke_rule(ring.colour, ring.width)

    def text(self, label: Label) -> str:
        return _text_rule(label.size, label.colour, label.align)


@functools.lru_cache(maxsize=_RULES_CACHED, typed=True)
def _cell_rule(fill: RGB | None, outline: RGB, width: int, dash_period: float | None) -> str:
    rule = f"fill:{'none' if fill is None else _colour(fill)};"
    rule += f"stroke:{_colour(outline)};stroke-width:{width}"
    if dash_period is not None:  # a dash pattern starts again on every cell
        half = dash_period / 2
        rule += f";stroke-dasharray:{_number(half)};stroke-dashoffset:{_number(-half / 2)}"
    return rule


@functools.lru_cache(maxsize=_RULES_CACHED, typed=True)
def _stroke_rule(colour: RGB, width: int) -> str:
    return f"fill:none;stroke:{_colour(colour)};stroke-width:{width}"


@functools.lru_cache(maxsize=_RULES_CACHED, typed=True)
def _fill_rule(colour: RGB) -> str:
    return f"fill:{_colour(colour)}"


@functools.lru_cache(maxsize=_RULES_CACHED, typed=True)
def _text_rule(size: int, colour: RGB, align: Align) -> str:
    return (
        f"font-size:{size}px;fill:{_colour(colour)};"
        f"text-anchor:{align.value};dominant-baseline:central"
    )


_PAINT_RULE = _PaintRule()


class _Paints:
    """Paint rules, one class each: a (light, dark) pair of rules where the document follows
    the reader's colour scheme."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, str], str] = {}

    def name(self, light: str, dark: str) -> str:
        if (light, dark) not in self.names:
            self.names[(light, dark)] = f"p{len(self.names)}"
        return self.names[(light, dark)]

    def of(self, light: Primitive, dark: Primitive | None) -> str:
        rule = light.render(_PAINT_RULE)
        return self.name(rule, rule if dark is None else dark.render(_PAINT_RULE))

    def css(self, scope: str) -> str:
        light = "".join(f"{scope} .{name}{{{rule}}}" for (rule, _), name in self.names.items())
        dark = "".join(
            f"{scope} .{name}{{{rule}}}"
            for (plain, rule), name in self.names.items()
            if plain != rule
        )
        return light + (f"@media (prefers-color-scheme:dark){{{dark}}}" if dark else "")


def _rounded(points: np.ndarray) -> np.ndarray:
    return np.asarray(points, dtype=float).round(2)


@functools.lru_cache(maxsize=_PIECES_CACHED)
def _piece(packed: bytes, count: int, closed: bool) -> _Placement:
    """A path piece through ``count`` rounded points (packed as float64 bytes): the same
    cells and lines recur from frame to frame, so each is written out once."""
    points = np.frombuffer(packed, dtype=float).reshape(count, 2)
    x, y = (float(v) for v in points[0])
    steps = np.diff(points, axis=0)
    data = " ".join(f"{_number(dx)} {_number(dy)}" for dx, dy in steps).replace(" -", "-")
    if closed:  # the path ends where it began
        return (_Kind.PIECE, data + "z", x, y, (0.0, 0.0))
    end = points[-1] - points[0]
    return (_Kind.PIECE, data, x, y, (float(end[0]), float(end[1])))


class _Placed:
    """A Renderer giving a primitive's item but for its paint: (kind, form, x, y, end), placed
    at its first point, rounded as written (see ``_Item``)."""

    def _piece(self, points: np.ndarray, closed: bool) -> _Placement:
        points = _rounded(points)
        return _piece(points.tobytes(), len(points), closed)

    def _centred(self, kind: str, form: str, centre: np.ndarray) -> _Placement:
        x, y = _rounded(centre).tolist()
        return (kind, form, x, y, (0.0, 0.0))

    def cell(self, shape: CellShape) -> _Placement:
        return self._piece(shape.corners, closed=True)

    def segment(self, line: Segment) -> _Placement:
        return self._piece(np.stack([line.start, line.end]), closed=False)

    def disc(self, disc: Disc) -> _Placement:
        return self._centred(_Kind.CIRCLE, _number(disc.radius), disc.centre)

    def ring(self, ring: Ring) -> _Placement:
        return self._centred(_Kind.CIRCLE, _number(ring.radius), ring.centre)

    def text(self, label: Label) -> _Placement:
        return self._centred(_Kind.TEXT, escape(label.text), label.centre)


_PLACED = _Placed()


def _item(primitive: Primitive, paint: str, placed: _Placement | None = None) -> _Item:
    """A primitive as an item placed at its first point (``placed``: its placement, known)."""
    kind, form, x, y, end = placed or primitive.render(_PLACED)
    return _Item(kind, form, paint, x, y, end)


class _Items:
    """The items of primitives, each distinct primitive (with its dark twin) made once, and
    each distinct item numbered (``table[number]``), so frames can be merged as numbers.

    A drawing shares one primitive among the frames that draw it again (``CellLayout``
    remembers what it made), and the document holds every frame until it is written, so
    an id names one primitive throughout.
    """

    def __init__(self, paints: _Paints) -> None:
        self.paints = paints
        self.table: list[_Item] = []  # the distinct items, by number
        self._numbers: dict[_Item, int] = {}
        self._made: dict[tuple[int, int], int] = {}  # a primitive's item number, by its ids

    def listed(self, shapes: Sequence[Primitive], darks: Sequence[Primitive] | None) -> list[_Item]:
        """The items of a list of primitives (``darks``: the same in the dark palette)."""
        return [self.table[number] for number in self.numbered(shapes, darks)]

    def numbered(self, shapes: Sequence[Primitive], darks: Sequence[Primitive] | None) -> list[int]:
        """The numbers of the items of a list of primitives (``darks`` as in ``listed``)."""
        if darks is None:
            return [self._item_number(shape, None) for shape in shapes]
        if len(shapes) != len(darks):
            raise ValueError(_LAID_OUT_APART)
        return [self._item_number(shape, dark) for shape, dark in zip(shapes, darks)]

    def _item_number(self, shape: Primitive, dark: Primitive | None) -> int:
        key = (id(shape), id(dark))
        number = self._made.get(key)
        if number is None:
            item = self._new(shape, dark)
            number = self._made[key] = self._numbers.setdefault(item, len(self.table))
            if number == len(self.table):
                self.table.append(item)
        return number

    def _new(self, shape: Primitive, dark: Primitive | None) -> _Item:
        placed = shape.render(_PLACED)
        if dark is not None and (type(shape) is not type(dark) or placed != dark.render(_PLACED)):
            raise ValueError(_LAID_OUT_APART)
        return _item(shape, self.paints.of(shape, dark), placed)


_LAID_OUT_APART = "the light and dark drawings are laid out differently"


def _periodic(items: list[_Item]) -> list[_Item]:
    """``items`` with each run of pieces of one paint that repeats one piece, moved, (the
    rows of a plane, say) as that piece, defined once and placed once per repetition."""
    out: list[_Item] = []
    for (kind, paint), group in groupby(items, key=lambda item: (item.kind, item.paint)):
        run = list(group)
        if kind != _Kind.PIECE:
            out += run
            continue
        for length in range(2, len(run) // 2 + 1):
            if len(run) % length:
                continue
            piece = _path(run[:length])  # the others are compared until one differs
            others = range(length, len(run), length)
            if all(_path(run[start : start + length]) == piece for start in others):
                out += [_Item(_Kind.USE, piece, paint, i.x, i.y) for i in run[::length]]
                break
        else:
            out += run
    return out


def _path(run: Sequence[_Item], x: float | None = None, y: float | None = None) -> str:
    """The path data of a run of pieces, relative to (x, y) (the first piece's point if None).

    Each piece moves to its first point from where the last one ended (a path's first
    relative move counts from the origin) and draws its steps as relative lines.
    """
    at = (run[0].x if x is None else x, run[0].y if y is None else y)
    data = ""
    for item in run:
        move = f"m{_number(item.x - at[0])} {_number(item.y - at[1])}"
        data += move + ("" if item.form[0] in "-hvz" else " ") + item.form
        at = (item.x + item.end[0], item.y + item.end[1])
    return data


Merged = TypeVar("Merged", bound=Hashable)  # what frames list: items, or their numbers


def _merge(frames: list[list[Merged]]) -> tuple[list[Merged], list[list[int]]]:
    """One order of elements for all frames, and the frames each element shows in.

    Each frame's items keep their order, so their stacking, in the merged order; an item
    shown again in a later frame, in the same place and stacking, is one element. An item
    matches the first copy of it after the frame's last match; the frame's new elements go
    just before the next match, or at the very end. Elements are kept in order by a rank
    each, so a frame costs the time of its own items, not of the whole order.
    """
    shown: dict[tuple[Merged, int], list[int]] = defaultdict(list)
    copies: dict[Merged, list[tuple[Merged, int]]] = defaultdict(list)  # elements of each item
    rank: dict[tuple[Merged, int], float] = {}  # an element's place in the order
    ranks: list[float] = []  # every element's rank, ascending

    def insert(new: list[tuple[Merged, int]], before: tuple[Merged, int] | None) -> None:
        """Place ``new`` just before element ``before`` (None: at the end)."""
        nonlocal ranks
        at = len(ranks) if before is None else bisect.bisect_left(ranks, rank[before])
        low = ranks[at - 1] if at else -1.0
        high = ranks[at] if at < len(ranks) else low + len(new) + 1
        step = (high - low) / (len(new) + 1)
        if step < _MIN_RANK_STEP:  # the gap is used up: number every element again, with
            spacing = len(new) + 1.0  # room for the new ones in any gap
            for position, element in enumerate(sorted(rank, key=rank.__getitem__)):
                rank[element] = position * spacing
            ranks = sorted(rank.values())
            insert(new, before)
            return
        placed = [low + step * (k + 1) for k in range(len(new))]
        rank.update(zip(new, placed))
        ranks[at:at] = placed
        for element in new:
            copies[element[0]].append(element)

    for index, frame in enumerate(frames):
        taken = -math.inf  # the rank of the frame's last match
        new: list[tuple[Merged, int]] = []  # new elements, placed before the next match
        waiting: dict[Merged, int] = defaultdict(int)  # copies of each item among ``new``
        for item in frame:
            match, nearest = None, math.inf  # the first earlier copy after the last match
            for element in copies.get(item, ()):
                if taken < rank[element] < nearest and shown[element][0] < index:
                    match, nearest = element, rank[element]
            if match is not None:
                element = match
                if new:
                    insert(new, element)
                    new = []
                    waiting.clear()
                taken = rank[element]
            else:
                element = (item, len(copies.get(item, ())) + waiting[item])
                waiting[item] += 1
                new.append(element)
            shown[element].append(index)
        if new:
            insert(new, None)
    order = sorted(rank, key=rank.__getitem__)
    return [item for item, _ in order], [shown[element] for element in order]


class _Writer:
    """Writes items as elements: neighbours of one paint together, pieces in one path."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}  # a defined path's data -> its id

    def elements(self, items: Sequence[_Item], timing: Timing = ("", "")) -> str:
        """``items`` with their paints and ``timing``, each given once: on the element when
        there is one, on a group around them when there are several."""
        written = [self._painted(list(group), paint) for paint, group in groupby(items, _paint)]
        classes, style = timing
        if len(written) == 1:
            paint, markup = written[0]
            joined = " ".join(name for name in (paint, classes) if name)
            return markup.replace("\x01", (f' class="{joined}"' if joined else "") + style, 1)
        body = "".join(
            markup.replace("\x01", f' class="{paint}"' if paint else "", 1)
            for paint, markup in written
        )
        return f'<g class="{classes}"{style}>{body}</g>' if classes else body

    def _painted(self, items: list[_Item], paint: str) -> tuple[str, str]:
        """Items of one paint: the paint, and markup with \\x01 where its class goes."""
        parts: list[str] = []
        for kind, group in groupby(items, key=lambda item: item.kind):
            run = list(group)
            if kind == _Kind.PIECE:
                parts.append(f'<path\x02 d="{_path(run, 0.0, 0.0)}"/>')
            else:
                parts += [self._single(item) for item in run]
        if len(parts) == 1:
            return paint, parts[0].replace("\x02", "\x01")
        return paint, "<g\x01>" + "".join(part.replace("\x02", "") for part in parts) + "</g>"

    def _single(self, item: _Item) -> str:
        if item.kind == _Kind.TEXT:
            return f"<text{_position('x', 'y', item)}\x02>{item.form}</text>"
        if item.kind == _Kind.CIRCLE:
            return f'<circle{_position("cx", "cy", item)} r="{item.form}"\x02/>'
        if item.form not in self.ids:
            self.ids[item.form] = f"{_NAME}{len(self.ids)}"
        return f'<use href="#{self.ids[item.form]}"{_position("x", "y", item)}\x02/>'

    def definitions(self) -> str:
        return "".join(f'<path id="{name}" d="{data}"/>' for data, name in self.ids.items())


def _paint(item: _Item) -> str:
    return item.paint


def _position(x_name: str, y_name: str, item: _Item) -> str:
    """Placing attributes, those that are zero left out."""
    written = ((x_name, _number(item.x)), (y_name, _number(item.y)))
    return "".join(f' {name}="{text}"' for name, text in written if text != "0")


def svg_document(
    drawing: Drawing,
    duration: int,
    transparent: bool = False,
    title: str = "",
    dark: Drawing | None = None,
    frame: int | None = None,
) -> str:
    """The animated SVG of ``drawing``: ``duration`` ms per frame, looping forever.

    Frame i is visible from ``i * duration`` for ``duration`` ms of every cycle; with
    reduced motion, frame ``still_index(count)`` stands still. ``dark`` (the same drawing
    in the dark palette) makes the document follow the reader's colour scheme;
    ``transparent`` leaves the background out; ``frame`` (an index) writes that frame
    alone, as a still picture.
    """
    indices = range(len(drawing.frames)) if frame is None else [frame]
    paints = _Paints()

    # Each frame is laid out once (a drawing lays a frame out on every read), for both layers.
    lights = [drawing.frames[index] for index in indices]
    darks = [None if dark is None else dark.frames[index] for index in indices]

    items = _Items(paints)

    def frames(above: bool) -> tuple[list[_Item], list[list[int]]]:
        pick = (lambda part: part.above) if above else (lambda part: part.below)
        order, shown = _merge(
            [
                items.numbered(pick(light), None if darker is None else pick(darker))
                for light, darker in zip(lights, darks)
            ]
        )
        return [items.table[number] for number in order], shown

    background = paints.name(
        f"fill:{_colour(drawing.background)}", f"fill:{_colour((dark or drawing).background)}"
    )
    width, height = drawing.size
    layers: list[Layer] = []
    if not transparent:
        page = _Item(_Kind.PIECE, f"h{width}v{height}h-{width}z", background, 0.0, 0.0)
        layers.append([page])
    layers.append(_periodic(items.listed(drawing.lower, None if dark is None else dark.lower)))
    layers.append(frames(above=False))
    if not transparent:  # the upper plane hides what lies beneath it, as the raster paste does
        filled = {
            shape.corners.tobytes()
            for shape in drawing.upper
            if isinstance(shape, CellShape) and shape.fill is not None
        }  # a filled cell of the upper plane hides what lies beneath it by itself
        cells = [cell for cell in drawing.upper_region if cell.corners.tobytes() not in filled]
        layers.append(_periodic([_item(cell, background) for cell in cells]))
    layers.append(_periodic(items.listed(drawing.upper, None if dark is None else dark.upper)))
    layers.append(frames(above=True))

    write = _Writer()
    body, patterns, movers = _body(layers, write, len(indices), duration)
    scope = f"#{_NAME}"
    css = _timing_css(scope, patterns, movers, len(indices), duration)
    if "<text" in body:
        css += f"{scope} text{{font-family:{FONTS}}}"
    css += paints.css(scope)
    definitions = write.definitions()
    document = "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" id="{_NAME}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">',
            f"<title>{escape(title)}</title>" if title else "",
            f"<style>{css}</style>",
            f"<defs>{definitions}</defs>" if definitions else "",
            body,
            "</svg>\n",
        ]
    )
    name = "c" + hashlib.sha256(document.encode()).hexdigest()[:_NAME_DIGITS]
    return document.replace(_NAME, name)


def _body(
    layers: list[Layer], write: _Writer, count: int, duration: int
) -> tuple[str, dict[tuple[int, ...], str], dict[str, list[tuple[float, float]]]]:
    """The elements in stacking order, each animated one shown in its frames by the class of
    its pattern of frames (counted from its first) and a delay, or moved from frame to
    frame by a class of its own; and those classes: patterns, and movers' shifts per frame."""
    still = still_index(count)
    patterns: dict[tuple[int, ...], str] = {}
    movers: dict[str, list[tuple[float, float]]] = {}
    timed: list[tuple[Timing, _Item]] = []
    for layer in layers:
        if not isinstance(layer, tuple):
            timed += [(("", ""), item) for item in layer]
            continue
        items, shown = layer
        moving, dropped = _movers(items, shown, count)
        for position, (item, frames) in enumerate(zip(items, shown)):
            if position in dropped:
                continue
            if position in moving:
                name = f"m{len(movers)}"
                movers[name] = moving[position]
                timed.append(((name, ""), item))
            elif len(frames) == count:
                timed.append((("", ""), item))
            else:
                first = frames[0]
                pattern = tuple(index - first for index in frames)
                name = patterns.setdefault(pattern, f"v{len(patterns)}")
                classes = name + (" z" if still in frames else "")
                timed.append(((classes, f' style="--d:{_time(first * duration)}"'), item))
    body = "".join(
        write.elements([item for _, item in group], timing)
        for timing, group in groupby(timed, key=lambda pair: pair[0])
    )
    return body, patterns, movers


def _movers(
    items: list[_Item], shown: list[list[int]], count: int
) -> tuple[dict[int, list[tuple[float, float]]], set[int]]:
    """Elements alike but for their place, one in each frame (the current output cell, say),
    that one element moved from frame to frame can stand for without changing what any
    frame stacks over what.

    Returns the position of each such element kept (the still frame's), with its shift in
    each frame, and the positions of the others, dropped.
    """
    still = still_index(count)
    alike: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)  # frame -> position
    for position, frames in enumerate(shown):
        if len(frames) == 1:
            item = items[position]
            alike[(item.kind, item.form, item.paint)][frames[0]] = position
    showing: list[list[int]] = [[] for _ in range(count)]  # each frame's positions, ascending
    for position, frames in enumerate(shown):
        for frame in frames:
            showing[frame].append(position)

    def clear(frame: int, one: int, other: int) -> bool:
        """Whether ``frame`` shows nothing between positions ``one`` and ``other``."""
        low, high = min(one, other), max(one, other)
        after = bisect.bisect_right(showing[frame], low)
        return after == len(showing[frame]) or showing[frame][after] >= high

    moving: dict[int, list[tuple[float, float]]] = {}
    dropped: set[int] = set()
    for positions in alike.values():
        if len(positions) != count or count < 2:
            continue
        keep = positions[still]
        # nothing shown in a frame lies between its element and the kept one
        stays = all(clear(frame, keep, position) for frame, position in positions.items())
        if stays:
            base = items[keep]
            moving[keep] = [
                (items[positions[frame]].x - base.x, items[positions[frame]].y - base.y)
                for frame in range(count)
            ]
            dropped.update(position for position in positions.values() if position != keep)
    return moving, dropped


def _time(ms: int) -> str:
    """A CSS time, in seconds where that is shorter."""
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _percent(index: int, count: int) -> str:
    """Frame ``index`` of ``count`` as a share of the cycle, to a hundredth of a frame or
    better.

    >>> _percent(1, 3), _percent(1, 49)
    ('33.3%', '2.04%')
    """
    digits = max(0, math.ceil(math.log10(count / _PERCENT_PRECISION)) - 2)
    return f"{f'{100 * index / count:.{digits}f}'.rstrip('0').rstrip('.')}%"


def _timing_css(
    scope: str,
    patterns: dict[tuple[int, ...], str],
    movers: dict[str, list[tuple[float, float]]],
    count: int,
    duration: int,
) -> str:
    """Keyframes that show an element in the frames of its pattern, one per pattern, and
    that move a mover (step-end: each keyframe holds until the next); with reduced motion,
    only the still frame's elements, where they are in it."""
    cycle = _time(count * duration)
    css = ""
    if patterns:  # an element's first frame comes from the --d of its style attribute
        css += f"{scope} [style]{{visibility:hidden;animation:{cycle} step-end var(--d) infinite}}"
    for pattern, name in patterns.items():
        starts = [f for f in pattern if f - 1 not in pattern]
        ends = [f + 1 for f in pattern if f + 1 not in pattern and f + 1 < count]
        shown = ",".join(_percent(f, count) for f in starts)
        hidden = ",".join([*(_percent(f, count) for f in ends), "100%"])
        css += (
            f"@keyframes {_NAME}{name}{{{shown}{{visibility:visible}}{hidden}{{visibility:hidden}}}}"
            f"{scope} .{name}{{animation-name:{_NAME}{name}}}"
        )
    for name, shifts in movers.items():
        steps = "".join(
            f"{_percent(frame, count)}{{transform:{_translate(*shift)}}}"
            for frame, shift in enumerate(shifts)
            if frame == 0 or shift != shifts[frame - 1]
        )
        css += (
            f"@keyframes {_NAME}{name}{{{steps}}}"
            f"{scope} .{name}{{animation:{_NAME}{name} {cycle} step-end infinite}}"
        )
    if not (patterns or movers):
        return css
    still = [f"{scope} [style]"] if patterns else []
    return css + (
        "@media (prefers-reduced-motion:reduce){"
        + ",".join([*still, *(f"{scope} .{name}" for name in movers)])
        + "{animation:none}"
        + (f"{scope} .z{{visibility:visible}}" if patterns else "")
        + "}"
    )


def _translate(x: float, y: float) -> str:
    return (
        "none"
        if (_number(x), _number(y)) == ("0", "0")
        else f"translate({_number(x)}px,{_number(y)}px)"
    )
