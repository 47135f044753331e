"""A drawing as an animated SVG: the same primitives the raster backend paints, as vectors.

No script, no external reference: each frame is a group that CSS keyframes show
for its time slot, looping forever; text is real, selectable ``<text>``. With
``prefers-reduced-motion`` one frame stands still. Nothing here decides where
anything goes: positions, colours and sizes all come from the drawing.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from convanim.drawing import CellShape, Disc, Drawing, Label, Primitive, Ring, Segment

FONTS = "'DejaVu Sans', Verdana, Arial, sans-serif"  # Pillow's default font, then look-alikes
_ANCHORS = {"l": "start", "m": "middle", "r": "end"}  # Pillow's first anchor letter


def _number(value: float) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class _Classes:
    """Paint attributes shared by many shapes, written once as CSS classes."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, declarations: str) -> str:
        if declarations not in self.names:
            self.names[declarations] = f"s{len(self.names)}"
        return self.names[declarations]

    def css(self) -> str:
        return "".join(f".{name}{{{rule}}}" for rule, name in self.names.items())


def _shape(primitive: Primitive, classes: _Classes) -> str:
    if isinstance(primitive, CellShape):
        points = " ".join(f"{_number(x)},{_number(y)}" for x, y in primitive.corners)
        fill = "none" if primitive.fill is None else _colour(primitive.fill)
        rule = f"fill:{fill};stroke:{_colour(primitive.outline)};stroke-width:{primitive.width}"
        if primitive.dash_period is not None:
            half = primitive.dash_period / 2
            rule += f";stroke-dasharray:{_number(half)};stroke-dashoffset:{_number(-half / 2)}"
        return f'<polygon class="{classes(rule)}" points="{points}"/>'
    if isinstance(primitive, Segment):
        (x1, y1), (x2, y2) = primitive.start, primitive.end
        rule = f"stroke:{_colour(primitive.colour)};stroke-width:{primitive.width}"
        return (
            f'<line class="{classes(rule)}" x1="{_number(x1)}" y1="{_number(y1)}" '
            f'x2="{_number(x2)}" y2="{_number(y2)}"/>'
        )
    if isinstance(primitive, Disc):
        x, y = primitive.centre
        return (
            f'<circle cx="{_number(x)}" cy="{_number(y)}" r="{_number(primitive.radius)}" '
            f'fill="{_colour(primitive.colour)}"/>'
        )
    if isinstance(primitive, Ring):
        x, y = primitive.centre
        return (
            f'<circle cx="{_number(x)}" cy="{_number(y)}" r="{_number(primitive.radius)}" '
            f'fill="none" stroke="{_colour(primitive.colour)}" stroke-width="{primitive.width}"/>'
        )
    assert isinstance(primitive, Label)
    x, y = primitive.centre
    anchor = _ANCHORS[primitive.anchor[0]]
    rule = (
        f"font-size:{primitive.size}px;fill:{_colour(primitive.colour)};"
        f"text-anchor:{anchor};dominant-baseline:central"
    )
    return (
        f'<text class="{classes(rule)}" x="{_number(x)}" y="{_number(y)}">'
        f"{escape(primitive.text)}</text>"
    )


def _group(shapes: Iterable[Primitive], classes: _Classes, attributes: str = "") -> str:
    return f"<g{attributes}>" + "".join(_shape(shape, classes) for shape in shapes) + "</g>"


def svg_document(
    drawing: Drawing, duration: int, transparent: bool = False, title: str = ""
) -> str:
    """The animated SVG of ``drawing``: ``duration`` ms per frame, looping forever.

    Frame i is visible from ``i * duration`` for ``duration`` ms of every cycle;
    with reduced motion, the middle frame stands still.
    """
    width, height = drawing.size
    count = len(drawing.frames)
    cycle = count * duration
    still = count // 2
    share = 100 / count
    css = (  # step-end: a frame holds 0%'s "visible" until its share of the cycle is over
        f"@keyframes slot{{0%{{visibility:visible}}{share:.4f}%,100%{{visibility:hidden}}}}"
        f".f{{visibility:hidden;animation:slot {cycle}ms step-end infinite}}"
        "@media (prefers-reduced-motion:reduce){.f{animation:none}.still{visibility:visible}}"
        f"text{{font-family:{FONTS}}}"
    )
    classes = _Classes()
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img"'
        + (f" aria-label={quoteattr(title)}" if title else "")
        + ">",
        f"<title>{escape(title)}</title>" if title else "",
        "<style>{css}</style>",  # filled in last, with the classes the shapes use
    ]
    if not transparent:
        parts.append(
            f'<rect width="{width}" height="{height}" fill="{_colour(drawing.background)}"/>'
        )
    parts.append(_group(drawing.lower, classes))

    def frame_group(index: int, shapes: Iterable[Primitive]) -> str:
        kind = "f still" if index == still else "f"
        return _group(
            shapes, classes, f' class="{kind}" style="animation-delay:{index * duration}ms"'
        )

    frames = [drawing.frames[index] for index in range(count)]
    parts += [frame_group(index, frame.below) for index, frame in enumerate(frames)]
    # The upper plane hides what lies beneath it, as the raster backend's paste does.
    occluder = (
        f'<polygon points="{" ".join(f"{_number(x)},{_number(y)}" for x, y in cell.corners)}" '
        f'fill="{_colour(drawing.background)}"/>'
        for cell in drawing.upper_region
    )
    if not transparent:
        parts.append("<g>" + "".join(occluder) + "</g>")
    parts.append(_group(drawing.upper, classes))
    parts += [frame_group(index, frame.above) for index, frame in enumerate(frames)]
    parts.append("</svg>")
    return "".join(parts).replace("{css}", css + classes.css(), 1) + "\n"
