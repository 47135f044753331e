"""Paint a drawing into RGB frames with Pillow.

The static layers are painted once; each frame copies the lower layer, paints
what it adds below the upper plane, pastes the upper plane and paints the rest.
Frames are painted when asked for, one at a time: ``FramePainter`` is a sequence
whose items are painted on access, so an encoder can stream them (and read them
twice) without the animation ever being held in memory. Nothing here decides
where anything goes: positions, colours and sizes all come from the drawing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from convanim.draw.frames import Align, CellShape, Disc, Drawing, Label, Primitive, Ring, Segment
from convanim.lazy import Lazy

Ink = tuple[int, int, int] | int  # an RGB colour, or a mask value
RasterFrame = Image.Image  # one RGB frame


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _stroke(draw: ImageDraw.ImageDraw, a: np.ndarray, b: np.ndarray, ink: Ink, width: int) -> None:
    """A line ``width`` pixels thick across its direction of travel, the same for every slope.

    Pillow's wide lines vary in thickness with the slope; this stacks one-pixel lines
    side by side along the axis the line does not mainly follow.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    across = np.array([0.0, 1.0]) if abs(b - a)[0] >= abs(b - a)[1] else np.array([1.0, 0.0])
    for k in range(width):
        shift = (k - (width - 1) // 2) * across
        draw.line([tuple(a + shift), tuple(b + shift)], fill=ink, width=1)


def _dashed(
    draw: ImageDraw.ImageDraw,
    start: np.ndarray,
    end: np.ndarray,
    ink: Ink,
    width: int,
    period: float,
) -> None:
    """Whole dashes centred on equal stretches, so corners stay open as in the guide."""
    length = np.hypot(*(end - start))
    dashes = max(1, round(length / period))
    for k in range(dashes):
        a = start + (end - start) * (4 * k + 1) / (4 * dashes)
        b = start + (end - start) * (4 * k + 3) / (4 * dashes)
        _stroke(draw, a, b, ink, width)


#: Pillow's anchor of a label's point: along the text as the drawing says, mid-height always.
_ANCHORS = {Align.START: "lm", Align.MIDDLE: "mm", Align.END: "rm"}


class _Painter:
    """A Renderer that paints each primitive onto one image, in ``ink`` if given (a mask)."""

    def __init__(self, image: Image.Image, ink: int | None):
        self.draw = ImageDraw.Draw(image)
        self.ink = ink

    def _ink(self, colour: Ink) -> Ink:
        return colour if self.ink is None else self.ink

    def cell(self, shape: CellShape) -> None:
        if shape.fill is not None:
            corners = [tuple(corner) for corner in shape.corners]
            self.draw.polygon(corners, fill=self._ink(shape.fill))
        outline = self._ink(shape.outline)
        for start, end in CellShape.EDGES:
            a, b = shape.corners[start], shape.corners[end]
            if shape.dash_period is not None:
                _dashed(self.draw, a, b, outline, shape.width, shape.dash_period)
            else:
                _stroke(self.draw, a, b, outline, shape.width)

    def segment(self, line: Segment) -> None:
        _stroke(self.draw, line.start, line.end, self._ink(line.colour), line.width)

    def disc(self, disc: Disc) -> None:
        (x, y), r = disc.centre, disc.radius
        self.draw.ellipse([x - r, y - r, x + r, y + r], fill=self._ink(disc.colour))

    def ring(self, ring: Ring) -> None:
        (x, y), r = ring.centre, ring.radius
        box = [x - r, y - r, x + r, y + r]
        self.draw.ellipse(box, outline=self._ink(ring.colour), width=ring.width)

    def text(self, label: Label) -> None:
        self.draw.text(
            tuple(label.centre),
            label.text,
            fill=self._ink(label.colour),
            font=_font(label.size),
            anchor=_ANCHORS[label.align],
        )


def paint(image: Image.Image, primitives: Iterable[Primitive], ink: int | None = None) -> None:
    """Paint ``primitives`` onto ``image`` in order; with ``ink``, every colour becomes ``ink``."""
    painter = _Painter(image, ink)
    for primitive in primitives:
        primitive.render(painter)


class FramePainter(Lazy[RasterFrame]):
    """The frames of one drawing, each painted when it is read; the static layers are painted
    once, here. Reading a frame again paints it again, pixel for pixel the same."""

    def __init__(self, drawing: Drawing, background: tuple[int, int, int] | None = None):
        super().__init__(len(drawing.frames), self.frame)
        self.drawing = drawing
        background = background or drawing.background  # the page the frames are painted on
        self.lower = Image.new("RGB", drawing.size, background)
        paint(self.lower, drawing.lower)
        upper = Image.new("RGB", drawing.size, background)
        paint(upper, drawing.upper)
        mask = Image.new("L", drawing.size, 0)
        paint(mask, drawing.upper_region, ink=255)
        # Only the box the mask covers is pasted: outside it the mask is 0 (same pixels, faster).
        self.upper_box = mask.getbbox() or (0, 0, 0, 0)
        self.upper = upper.crop(self.upper_box)
        self.upper_mask = mask.crop(self.upper_box)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of every frame."""
        return self.drawing.size

    def frame(self, index: int) -> RasterFrame:
        """Frame ``index`` as an RGB image of the drawing's size."""
        frame = self.drawing.frames[index]
        image = self.lower.copy()
        paint(image, frame.below)
        if self.upper.width and self.upper.height:
            image.paste(self.upper, self.upper_box[:2], mask=self.upper_mask)
        paint(image, frame.above)
        return image


#: The colour that marks see-through pixels in keyed frames: no theme draws it (none of
#: the palettes has a zero green channel, nor any blend of them).
SEE_THROUGH_KEY = (255, 0, 255)


class MattedFrames(Lazy[RasterFrame]):
    """The frames of one drawing with a see-through background: each painted on black and on
    white, which gives every pixel's exact coverage (alpha) and colour, anti-aliased text
    included, so a frame laid on any page colour shows no rim of the theme's background.

    With ``key`` (a GIF, whose pixels are wholly see-through or not) frames are RGB: pixels
    at least half covered keep their colour, the others take ``key``, the see-through colour.
    """

    def __init__(self, drawing: Drawing, key: tuple[int, int, int] | None = None):
        super().__init__(len(drawing.frames), self.frame)
        self.on_black = FramePainter(drawing, (0, 0, 0))
        self.on_white = FramePainter(drawing, (255, 255, 255))
        self.key = key

    @property
    def size(self) -> tuple[int, int]:
        return self.on_black.size

    def frame(self, index: int) -> RasterFrame:
        """Frame ``index``: RGBA, or RGB keyed (see the class)."""
        black = np.asarray(self.on_black[index], dtype=np.int32)
        white = np.asarray(self.on_white[index], dtype=np.int32)
        # Over black a pixel is a*C; over white a*C + (1-a)*255: the difference is the cover.
        alpha = np.clip(255 - (white - black).max(axis=-1), 0, 255)
        colour = np.where(alpha[..., None] > 0, black * 255 // np.maximum(alpha, 1)[..., None], 0)
        colour = np.clip(colour, 0, 255).astype(np.uint8)
        if self.key is None:
            rgba = np.dstack([colour, alpha.astype(np.uint8)])
            return Image.fromarray(rgba, mode="RGBA")
        colour[alpha < 128] = self.key
        return Image.fromarray(colour, mode="RGB")


def frame_png(drawing: Drawing, index: int, transparent: bool = False) -> bytes:
    """Frame ``index`` of ``drawing`` as PNG bytes: the pixels a GIF of it shows (RGBA with
    exact coverage if ``transparent``)."""
    import io

    frames = MattedFrames(drawing) if transparent else FramePainter(drawing)
    buffer = io.BytesIO()
    frames[index].save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
