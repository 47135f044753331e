"""How convanim looks: every colour, opacity, line width and size, by role and theme.

The light theme is Dumoulin & Visin's (their TikZ template). Lengths are in
cells (one cell edge), converted to pixels by the scale of the picture. The
Pillow painter, the SVG and PDF writers and the matplotlib figures read their
looks from here; the Manim scenes read their palettes here and their lengths,
strokes and fonts from ``render.manim.theme``.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from convanim.errors import ConvanimError, choose, quoted

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    """Colours by role."""

    background: RGB
    input: RGB  # real input cells
    output: RGB  # the output plane
    outline: RGB  # cell outlines, solid and dashed, and the four lines joining the planes
    highlight: RGB  # kernel footprint and current output cell, laid over at HIGHLIGHT_OPACITY
    text: RGB  # labels, and numbers on unfilled cells
    on_cell: RGB  # numbers on filled (input, output) cells


class Theme(str, enum.Enum):
    """The colour themes; ``AUTO`` is light or dark as the reader's colour scheme asks, which
    only an SVG can follow."""

    LIGHT = "light"
    DARK = "dark"
    AUTO = "auto"


THEMES: dict[Theme, Palette] = {
    Theme.LIGHT: Palette(
        background=(255, 255, 255),
        input=(38, 139, 210),
        output=(42, 161, 152),
        outline=(0, 43, 54),
        highlight=(7, 54, 66),
        text=(0, 43, 54),
        on_cell=(255, 255, 255),
    ),
    Theme.DARK: Palette(
        background=(13, 17, 23),
        input=(38, 139, 210),
        output=(42, 161, 152),
        outline=(238, 232, 213),
        highlight=(253, 246, 227),
        text=(238, 232, 213),
        on_cell=(255, 255, 255),
    ),
}

#: One colour per kernel position (cycled when the kernel is larger), for matrix entries.
KERNEL_COLOURS: tuple[RGB, ...] = (
    (38, 139, 210),
    (42, 161, 152),
    (133, 153, 0),
    (181, 137, 0),
    (203, 75, 22),
    (220, 50, 47),
    (211, 54, 130),
    (108, 113, 196),
    (147, 161, 161),
)
#: One hue per group of a layer's channels (cycled past eight). The first is the guide's input
#: blue; each carries white numbers at a contrast of at least 3 and stands apart from both
#: backgrounds.
GROUP_HUES: tuple[RGB, ...] = (
    (38, 139, 210),
    (211, 54, 130),
    (203, 75, 22),
    (108, 113, 196),
    (42, 161, 152),
    (220, 50, 47),
    (88, 110, 117),
    (133, 98, 0),
)
#: Heat maps (the reconstruction scene): positive values towards the first, negative the second.
HEAT_POSITIVE: RGB = (250, 220, 90)
HEAT_NEGATIVE: RGB = (220, 50, 47)
#: A grey picture (the deconvnet's): its smallest value drawn in the first, its largest in the second.
PICTURE_DARK: RGB = (0, 0, 0)
PICTURE_LIGHT: RGB = (255, 255, 255)


@functools.lru_cache(maxsize=1024)  # a frame blends the same few colours for many cells
def blend(under: RGB, over: RGB, opacity: float) -> RGB:
    """``over`` laid on ``under`` at ``opacity``, rounded to integers.

    >>> blend((0, 0, 0), (255, 255, 255), 0.5)
    (128, 128, 128)
    """
    red, green, blue = (round(u + (o - u) * opacity) for u, o in zip(under, over))
    return (red, green, blue)


@functools.lru_cache(maxsize=1024)
def contrast(first: RGB, second: RGB) -> float:
    """WCAG 2 contrast ratio of two colours, 1 (none) to 21 (black on white).

    >>> round(contrast((0, 0, 0), (255, 255, 255)), 1)
    21.0
    """

    def luminance(rgb: RGB) -> float:
        channels = [v / 255 for v in rgb]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@functools.lru_cache(maxsize=1024)
def readable_on(fill: RGB, palette: Palette) -> RGB:
    """The palette's text colour (on-cell, text or background) that reads best on ``fill``."""
    candidates = (palette.on_cell, palette.text, palette.background)
    return max(candidates, key=lambda colour: contrast(colour, fill))


# Opacities and fades, shared by every renderer.
HIGHLIGHT_OPACITY = 0.4  # the highlight over the footprint and the current output cell
UNREAD_FADE = 0.6  # unread or cropped cells: this far from their colour towards the background
CROPPED_OUTLINE_FADE = 0.55  # outlines of cropped cells, likewise
COPY_FADE = 0.82  # a padding cell holding a copy: the input colour this far towards the background
STAMP_SHADE_MAX = 0.65  # scatter view: highlight share of the most-stamped output cell
OUTSIDE_STAMP_SHADE = 0.2  # scatter view: highlight share of a stamp cell the padding crops


class Layout(str, enum.Enum):
    """How the two planes are projected."""

    OBLIQUE = "oblique"  # the guide's slanted planes, output above input
    FLAT = "flat"  # top-down, input left, output right


#: Screen (x, y) of a unit step in row r (row 0 of the matrix) and in column c (row 1), y down.
#: Oblique is the guide's TikZ slant (xslant=-0.7, then yslant=0.5).
def _frozen(rows: list[list[float]]) -> np.ndarray:
    """A constant array that refuses writes (no caller can change a module-level constant)."""
    array = np.array(rows)
    array.flags.writeable = False
    return array


PROJECTIONS: Mapping[Layout, np.ndarray] = MappingProxyType(
    {
        Layout.OBLIQUE: _frozen([[0.7, 0.65], [1.0, -0.5]]),
        Layout.FLAT: _frozen([[0.0, 1.0], [1.0, 0.0]]),
    }
)

# Raster lengths, in cells.
GUIDE_CELL = 28.3  # pixels per cell edge: the guide's scale
NUMBERS_CELL = 44.0  # pixels per cell edge when numbers are printed
PLANE_GAP = 0.0  # oblique: the upper plane starts where the lower one ends, as in the guide
FLAT_GAP = 1.6  # flat: cells between input and output
MARGIN = 1.2  # around the picture
LABEL_ROOM = 1.0  # extra room below the picture for the labels
LABEL_OFFSET = 0.55  # from a plane's edge to its label's centre
DASH_PERIOD = 0.5  # a dash and its gap: about two dashes per cell edge, as in the guide
CELL_PIXELS_PER_OUTLINE_PIXEL = 18  # outline width: one pixel per this many pixels of cell edge
JOIN_WIDTH = 1  # pixels: the lines joining footprint and output are the guide's thin ones
COPY_JOIN_WIDTH = (
    2  # pixels: the line from an input cell to a padding cell under the kernel copying it
)
COPY_JOIN_INSET = (
    0.3  # cells: that line stops this far short of both cells' centres, clear of their numbers
)
MIN_CELL_PIXELS = 8  # smallest cell edge that still draws: outlines, dashes and a dot fit
CURRENT_STAMP_OUTLINE = 3  # scatter view: the current stamp's outline, in outline widths
RING_OUTLINE = 2  # the ring around a max-pooling winner, in outline widths
RING_RADIUS = 0.3
FIRST_TAP_AT = 0.22  # the first-tap dot's centre, from the cell's first corner on both axes
FIRST_TAP_RADIUS = 0.09
STAMP_TAP_AT = 0.33  # the same dot on a scatter stamp, clear of the stamp's thick outline
TEXT_SIZE = 0.42  # labels and cell values, as a share of a cell edge
WEIGHT_SIZE = 0.3  # a tap's weight, printed in the corner of its cell
WEIGHT_AT = (0.8, 0.78)  # where in the cell (row, column fractions) the weight goes
CELL_CENTRE = (0.5, 0.5)
# Fitting numbers into cells (the layout estimates text; it measures no font).
CHAR_WIDTH = 0.6  # a character's width, as a share of the font size (digits are 0.5 to 0.6)
GLYPH_HEIGHT = 0.8  # a digit's height, likewise
TEXT_FIT = 0.86  # share of a cell's width a number may take (a first guess at its size)
TEXT_MARGIN = 0.05  # between a number's estimated box and its cell's edges, in cells
MIN_TEXT_CONTRAST = 3.0  # WCAG 2's floor for large text: values on their cells
MIN_TEXT_PIXELS = 6  # numbers shrink to fit their cell, but no smaller than this
MIN_LABEL_PIXELS = 10  # plane labels stay legible on small pictures
WEIGHT_ROW = 0.82  # a tap's weight sits this far down its cell, clear of the value above it
HALO_PAD = 0.04  # flat view: the patch that lifts a crossed number off the joining lines, in cells

# Channel views (stack and volume), in cells.
CHANNELS_CELL = 30.0  # pixels per cell edge of the stack view: the CS231n demo's scale
FILTER_TINT = 0.45  # a filter slice's fill: its group's hue this far towards the background
SLOT_GAP = 0.8  # stack: between two planes (or slices) of one column
COLUMN_GAP = 1.0  # stack: between two filter columns
TAG_ROOM = 1.0  # left of a plane: its channel's number
HEADING_ROOM = 1.6  # above the columns: their headings and the filters' numbers
SUM_ROOM = 3.0  # stack: the column of partial sums
SHEET_GAP = 0.6  # volume: between two planes of one tensor
VOLUME_GAP = 2.5  # volume: between the input and the output tensor
DEPTH_TAG_ROOM = 3.0  # 3-D: beside each column of depth slices, their names (d0, padding)
DEPTH_TAG_GAP = 0.4  # 3-D: from a depth slice's edge to its name
HEAT_MAP_PIXELS = 192  # maps side by side: a heat map's longer side, at most
MAP_GAP = 1.2  # maps side by side: between two maps, in label heights
MAP_LABEL_BAND = 2.0  # maps side by side: the band under a map that holds its name, likewise
CLOSING_LINE_SPACING = 1.8  # a closing frame's lines of text, in text heights
TREE_ROW_GAP = 2.2  # tree view: cells between two rows of a network, room for the edges
TREE_EDGE_FADE = 0.72  # tree view: an edge at rest, the outline this far towards the background
TREE_LIT_EDGE = 2  # tree view: pixels across an edge of the lit tree
TREE_LABEL_GAP = 0.8  # tree and layers views: cells between a row (a plane) and its name
LAYERS_GAP = 1.2  # layers view: cells between two planes
PATH_SHADE_MIN = 0.15  # layers view: highlight share of the input cell with the fewest paths
PATH_SHADE_MAX = 0.8  # and of the one with the most


@dataclass(frozen=True)
class Style:
    """The look of one raster picture: theme, projection, scale and labels.

    >>> Style(theme="dark").palette.background
    (13, 17, 23)
    """

    theme: Theme = Theme.LIGHT
    layout: Layout = Layout.OBLIQUE
    cell: float | None = None  # pixels per cell edge; None: the guide's, larger with numbers
    labels: bool = True  # name the planes and their sizes
    width: int | None = None  # if set, the final width in pixels (overrides cell)

    def __post_init__(self) -> None:
        if self.cell is not None and not self.cell > 0:
            raise ConvanimError("cell", f"must be positive, got {quoted(self.cell)}")
        if self.width is not None and (isinstance(self.width, bool) or not self.width > 0):
            raise ConvanimError(
                "width", f"must be a positive number of pixels, got {quoted(self.width)}"
            )
        object.__setattr__(self, "theme", choose(Theme, self.theme, "theme"))
        object.__setattr__(self, "layout", choose(Layout, self.layout, "layout"))

    @property
    def palette(self) -> Palette:
        if self.theme is Theme.AUTO:
            raise ConvanimError("theme", AUTO_NEEDS_SVG)
        return THEMES[self.theme]

    def schemes(self) -> tuple[Style, ...]:
        """This style, or with theme auto its light and dark versions.

        >>> [style.theme.value for style in Style(theme="auto").schemes()]
        ['light', 'dark']
        """
        if self.theme is not Theme.AUTO:
            return (self,)
        return tuple(dataclasses.replace(self, theme=theme) for theme in (Theme.LIGHT, Theme.DARK))


AUTO_NEEDS_SVG = (
    "auto follows the reader's colour scheme, which only an .svg can: write .svg, "
    "or choose light or dark"
)
