"""One frame of a drawing as a vector PDF, for documents and papers (matplotlib, no pyplot).

The same primitives the raster and SVG backends draw, one matplotlib artist each, in
the drawing's pixel coordinates: nothing here decides where anything goes.
"""

from __future__ import annotations

from dataclasses import replace

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Polygon

from convanim.drawing import CellShape, Disc, Drawing, Label, Primitive, Ring, Segment
from convanim.render.figures.figures import DPI, figure_bytes
from convanim.style import RGB

POINTS_PER_PIXEL = 72 / DPI
FONT = "DejaVu Sans"  # matplotlib's own font, and the SVG's first choice
_ALIGN = {"l": "left", "m": "center", "r": "right"}  # Pillow's first anchor letter
_VERTICAL = {"a": "top", "m": "center", "s": "baseline", "d": "bottom"}  # and its second


def _rgb(colour: RGB) -> tuple[float, float, float]:
    red, green, blue = (value / 255 for value in colour)
    return (red, green, blue)


def _artist(axes: Axes, primitive: Primitive, order: int) -> None:
    """Add ``primitive`` to ``axes``, stacked at ``order``."""
    if isinstance(primitive, CellShape):
        dashes = None
        if primitive.dash_period is not None:  # dash and gap each half a period
            half = primitive.dash_period / 2 / primitive.width
            dashes = (half / 2, (half, half))
        axes.add_patch(
            Polygon(
                primitive.corners,
                closed=True,
                facecolor="none" if primitive.fill is None else _rgb(primitive.fill),
                edgecolor=_rgb(primitive.outline),
                linewidth=primitive.width * POINTS_PER_PIXEL,
                linestyle="solid" if dashes is None else dashes,
                joinstyle="miter",
                zorder=order,
            )
        )
    elif isinstance(primitive, Segment):
        (x0, y0), (x1, y1) = primitive.start, primitive.end
        line = Line2D(
            [x0, x1],
            [y0, y1],
            color=_rgb(primitive.colour),
            linewidth=primitive.width * POINTS_PER_PIXEL,
            zorder=order,
        )
        axes.add_line(line)
    elif isinstance(primitive, (Disc, Ring)):
        ring = isinstance(primitive, Ring)
        axes.add_patch(
            Circle(
                tuple(primitive.centre),
                primitive.radius,
                facecolor="none" if ring else _rgb(primitive.colour),
                edgecolor=_rgb(primitive.colour) if ring else "none",
                linewidth=primitive.width * POINTS_PER_PIXEL if isinstance(primitive, Ring) else 0,
                zorder=order,
            )
        )
    else:
        assert isinstance(primitive, Label)
        x, y = primitive.centre
        axes.text(
            x,
            y,
            primitive.text,
            color=_rgb(primitive.colour),
            fontsize=primitive.size * POINTS_PER_PIXEL,
            family=FONT,
            ha=_ALIGN[primitive.anchor[0]],
            va=_VERTICAL[primitive.anchor[1]],
            zorder=order,
        )


def frame_pdf(drawing: Drawing, index: int, transparent: bool = False) -> bytes:
    """Frame ``index`` of ``drawing`` as a one-page vector PDF of the drawing's size (at
    DPI pixels per inch); with ``transparent``, no background."""
    width, height = drawing.size
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    figure.patch.set_alpha(0.0)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)  # y down, as in the drawing
    axes.set_axis_off()
    frame = drawing.frames[index]
    layers: list[tuple[Primitive, ...]] = [drawing.lower, frame.below]
    if not transparent:
        figure.patch.set_facecolor(_rgb(drawing.background))
        figure.patch.set_alpha(1.0)
        # The upper plane hides what lies beneath it, as the raster backend's paste does.
        # (its cells, filled in the background colour, without their outlines)
        layers.append(tuple(replace(cell, width=0) for cell in drawing.upper_region))
    layers += [drawing.upper, frame.above]
    order = 0
    for layer in layers:
        for primitive in layer:
            order += 1
            _artist(axes, primitive, order)
    return figure_bytes(figure, ".pdf")
