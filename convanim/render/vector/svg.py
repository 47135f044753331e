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


def _shape(primitive: Primitive) -> str:
    if isinstance(primitive, CellShape):
        points = " ".join(f"{_number(x)},{_number(y)}" for x, y in primitive.corners)
        fill = "none" if primitive.fill is None else _colour(primitive.fill)
        dashes = ""
        if primitive.dash_period is not None:
            half = primitive.dash_period / 2
            dashes = f' stroke-dasharray="{_number(half)}" stroke-dashoffset="{_number(-half / 2)}"'
        return (
            f'<polygon points="{points}" fill="{fill}" stroke="{_colour(primitive.outline)}" '
            f'stroke-width="{primitive.width}"{dashes}/>'
        )
    if isinstance(primitive, Segment):
        (x1, y1), (x2, y2) = primitive.start, primitive.end
        return (
            f'<line x1="{_number(x1)}" y1="{_number(y1)}" x2="{_number(x2)}" y2="{_number(y2)}" '
            f'stroke="{_colour(primitive.colour)}" stroke-width="{primitive.width}"/>'
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
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" font-size="{primitive.size}" '
        f'fill="{_colour(primitive.colour)}" text-anchor="{anchor}" '
        f'dominant-baseline="central">{escape(primitive.text)}</text>'
    )


def _group(shapes: Iterable[Primitive], attributes: str = "") -> str:
    return f"<g{attributes}>" + "".join(_shape(shape) for shape in shapes) + "</g>"


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
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img"'
        + (f" aria-label={quoteattr(title)}" if title else "")
        + ">",
        f"<title>{escape(title)}</title>" if title else "",
        f"<style>{css}</style>",
    ]
    if not transparent:
        parts.append(
            f'<rect width="{width}" height="{height}" fill="{_colour(drawing.background)}"/>'
        )
    parts.append(_group(drawing.lower))

    def frame_group(index: int, shapes: Iterable[Primitive]) -> str:
        classes = "f still" if index == still else "f"
        return _group(shapes, f' class="{classes}" style="animation-delay:{index * duration}ms"')

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
    parts.append(_group(drawing.upper))
    parts += [frame_group(index, frame.above) for index, frame in enumerate(frames)]
    parts.append("</svg>")
    return "".join(parts) + "\n"
