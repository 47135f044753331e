"""One frame of a drawing as a vector PDF, for documents and papers (matplotlib, no pyplot).

The same primitives the raster and SVG backends draw, one matplotlib artist each, in
the drawing's pixel coordinates: nothing here decides where anything goes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Polygon

from convanim.draw.frames import Align, CellShape, Disc, Drawing, Label, Primitive, Ring, Segment
from convanim.draw.style import RGB
from convanim.render.figures.figures import DPI, figure_bytes

POINTS_PER_PIXEL = 72 / DPI
FONT = "DejaVu Sans"  # matplotlib's own font, and the SVG's first choice
_ALIGN = {Align.START: "left", Align.MIDDLE: "center", Align.END: "right"}


def _rgb(colour: RGB) -> tuple[float, float, float]:
    red, green, blue = (value / 255 for value in colour)
    return (red, green, blue)


class _Artists:
    """A Renderer that adds one matplotlib artist per primitive to ``axes``, each stacked
    above the one before."""

    def __init__(self, axes: Axes):
        self.axes = axes
        self.order = 0

    def _next(self) -> int:
        self.order += 1
        return self.order

    def cell(self, shape: CellShape) -> None:
        dashes = None
        if shape.dash_period is not None:  # dash and gap each half a period
            half = shape.dash_period / 2 / shape.width
            dashes = (half / 2, (half, half))
        self.axes.add_patch(
            Polygon(
                shape.corners,
                closed=True,
                facecolor="none" if shape.fill is None else _rgb(shape.fill),
                edgecolor=_rgb(shape.outline),
                linewidth=shape.width * POINTS_PER_PIXEL,
                linestyle="solid" if dashes is None else dashes,
                joinstyle="miter",
                zorder=self._next(),
            )
        )

    def segment(self, line: Segment) -> None:
        (x0, y0), (x1, y1) = line.start, line.end
        self.axes.add_line(
            Line2D(
                [x0, x1],
                [y0, y1],
                color=_rgb(line.colour),
                linewidth=line.width * POINTS_PER_PIXEL,
                zorder=self._next(),
            )
        )

    def _circle(
        self, centre: np.ndarray, radius: float, face: str | RGB, edge: str | RGB, width: float
    ) -> None:
        colours = [colour if isinstance(colour, str) else _rgb(colour) for colour in (face, edge)]
        self.axes.add_patch(
            Circle(
                tuple(centre),
                radius,
                facecolor=colours[0],
                edgecolor=colours[1],
                linewidth=width,
                zorder=self._next(),
            )
        )

    def disc(self, disc: Disc) -> None:
        self._circle(disc.centre, disc.radius, disc.colour, "none", 0)

    def ring(self, ring: Ring) -> None:
        self._circle(ring.centre, ring.radius, "none", ring.colour, ring.width * POINTS_PER_PIXEL)

    def text(self, label: Label) -> None:
        x, y = label.centre
        self.axes.text(
            x,
            y,
            label.text,
            color=_rgb(label.colour),
            fontsize=label.size * POINTS_PER_PIXEL,
            family=FONT,
            ha=_ALIGN[label.align],
            va="center",
            zorder=self._next(),
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
    artists = _Artists(axes)
    for layer in layers:
        for primitive in layer:
            primitive.render(artists)
    return figure_bytes(figure, ".pdf")
