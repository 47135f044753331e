"""Encode frames of palette indices as a looping GIF, storing each frame's change only.

The first frame is stored whole. Every later frame stores the box around the
pixels that changed, with a spare palette index, ``keep``, meaning "unchanged,
show what is there" (GIF transparency over a frame that is not disposed).
An unchanged pixel may also repeat its own colour; per row, the writer picks
the mix that splits the row into the fewest runs, and keeps whichever of the
candidate boxes LZW compresses best. The LZW code size is the palette's
(Pillow's writer always uses 8 bits). Same frames, same bytes.

Frames are written one by one as they come: the writer holds the previous
frame only, so memory does not grow with the length of the animation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import numpy as np
from PIL import Image


def gif_delay(duration: int) -> int:
    """A frame's delay as a GIF stores it: hundredths of a second, rounded half up, at least 1.

    >>> gif_delay(1000), gif_delay(25), gif_delay(24), gif_delay(1)
    (100, 3, 2, 1)
    """
    return max(1, (duration + 5) // 10)


def write_gif(
    handle: BinaryIO,
    frames: Iterable[np.ndarray],
    palette: np.ndarray,
    duration: int,
    see_through: int | None = None,
) -> None:
    """Write the GIF of ``frames`` ((height, width) uint8 indices into ``palette``, (n, 3) RGB).

    ``duration`` is milliseconds per frame; the animation loops forever. With
    ``see_through`` set, that palette index is transparent and every frame is
    stored whole (a pixel cannot turn see-through again over a kept frame).
    At most 255 colours: one index is left for ``keep``. ``frames`` is read once,
    in order; only the previous frame is kept.
    """
    if len(palette) > 255:
        raise ValueError("a GIF palette leaves one of its 256 entries free: at most 255 colours")
    keep = len(palette)
    bits = max(2, int(keep).bit_length())  # codes for the colours and keep
    table = np.zeros((1 << bits, 3), dtype=np.uint8)
    table[: len(palette)] = palette
    delay = gif_delay(duration)
    previous = None
    for frame in frames:
        if previous is None:  # the header needs the first frame's size
            height, width = frame.shape
            head = bytearray(b"GIF89a")
            head += _u16(width) + _u16(height)
            head += bytes([0x80 | (bits - 1) << 4 | (bits - 1), 0, 0])
            head += table.tobytes()
            head += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
            handle.write(head)
        if see_through is not None:
            box, size, data = (0, 0), frame.shape, _lzw(frame, bits)
            control = _control(delay, disposal=2, transparent=see_through)
        elif previous is None:
            box, size, data = (0, 0), frame.shape, _lzw(frame, bits)
            control = _control(delay, disposal=1, transparent=None)
        else:
            box, size, data = _change(previous, frame, keep, bits)
            control = _control(delay, disposal=1, transparent=keep)
        handle.write(control + _image(box, size, bits, data))
        previous = frame
    if previous is None:
        raise ValueError("a GIF needs at least one frame")
    handle.write(b";")


def _u16(value: int) -> bytes:
    return int(value).to_bytes(2, "little")


def _control(delay: int, disposal: int, transparent: int | None) -> bytes:
    flags = disposal << 2 | (transparent is not None)
    return b"\x21\xf9\x04" + bytes([flags]) + _u16(delay) + bytes([transparent or 0, 0])


def _image(box: tuple[int, int], size: tuple[int, int], bits: int, data: bytes) -> bytes:
    """An image block at ``box`` (x, y) of ``size`` (height, width) holding LZW ``data``."""
    height, width = size
    descriptor = b"\x2c" + _u16(box[0]) + _u16(box[1]) + _u16(width) + _u16(height) + b"\x00"
    return descriptor + bytes([bits]) + data + b"\x00"


def _lzw(pixels: np.ndarray, bits: int) -> bytes:
    """LZW data sub-blocks for ``pixels`` with ``bits`` bits per literal (Pillow's C encoder)."""
    height, width = pixels.shape
    image = Image.frombytes("P", (width, height), np.ascontiguousarray(pixels).tobytes())
    return image.tobytes("gif", "P", bits, 0)


def _change(
    previous: np.ndarray, frame: np.ndarray, keep: int, bits: int
) -> tuple[tuple[int, int], tuple[int, int], bytes]:
    """Top-left corner, size and LZW data of the smallest box that turns previous into frame."""
    changed = frame != previous
    if not changed.any():
        return (0, 0), (1, 1), _lzw(np.full((1, 1), keep, dtype=np.uint8), bits)
    rows = np.flatnonzero(changed.any(axis=1))
    cols = np.flatnonzero(changed.any(axis=0))
    window = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    colours, moved = frame[window], changed[window]
    candidates = [np.where(moved, colours, keep).astype(np.uint8)]
    candidates += _fewest_runs(colours, moved, keep)
    encoded = [_lzw(pixels, bits) for pixels in candidates]
    smallest = min(encoded, key=len)  # the first of equals, so the bytes are reproducible
    return (int(cols[0]), int(rows[0])), colours.shape, smallest


def _fewest_runs(
    colours: np.ndarray, moved: np.ndarray, keep: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each row with ``keep`` or its own colour at unchanged pixels, in the fewest runs.

    Changed pixels (``moved``) must show their colour. A dynamic programme along
    the rows (all rows at once) over two states, keep or colour, counts run starts.
    Two equally short fillings come back: ties settled toward keep, and toward colour.

    Only the gap between the two states' costs matters, and it takes four values:
    the programme steps through a table (``_NEXT_GAP``), column by column, and
    walks back along its back-pointers for both fillings at once.
    """
    height, width = colours.shape
    differs = np.ascontiguousarray((colours[:, 1:] != colours[:, :-1]).T)
    # What column j brings: whether its colour differs from column j - 1's, whether it moved.
    steps = differs.view(np.uint8) << 1 | moved[:, 1:].T
    gaps = np.empty((width, height), dtype=np.uint8)
    gaps[0] = np.where(moved[:, 0], _KEEP_BARRED, _EVEN)
    for j in range(1, width):
        np.take(_NEXT_GAP, gaps[j - 1] << _STEP_BITS | steps[j - 1], out=gaps[j])
    before, differs_before = gaps[:-1], differs.view(np.uint8)
    # Back-pointers into column j (from 1): did the best way into each state come from colour?
    # Both fillings side by side: ties toward keep in the first rows, toward colour in the others.
    keep_from_colour = np.hstack([before == _KEEP_BARRED] * 2)
    colour_from_colour = differs_before < before  # staying in colour beats leaving keep
    from_colour = np.hstack([colour_from_colour, colour_from_colour | (differs_before == before)])
    in_colour = np.empty((width, 2 * height), dtype=bool)
    in_colour[-1] = np.hstack([gaps[-1] > _EVEN, gaps[-1] >= _EVEN])
    for j in range(width - 1, 0, -1):
        in_colour[j - 1] = np.where(in_colour[j], from_colour[j - 1], keep_from_colour[j - 1])
    pixels = np.where(in_colour.T, np.vstack([colours, colours]), keep).astype(np.uint8, copy=False)
    return pixels[:height], pixels[height:]


# The gap of a row at a column: 1 + (cost of ending in keep - cost of ending in colour),
# which is 0, 1 or 2, or 3 when keep is barred (the pixel moved; a cost gap of 2 or more
# behaves the same). A step (differs << 1 | moved) makes keep's cost min(keep, colour + 1)
# and colour's min(keep + 1, colour + differs).
_EVEN = 1  # equal costs
_KEEP_BARRED = 3
_STEP_BITS = 2  # a table entry per (gap, step): gap << _STEP_BITS | step


def _next_gaps() -> np.ndarray:
    table = np.empty(4 << _STEP_BITS, dtype=np.uint8)
    for entry in range(4):  # the gap stored as entry - 1: -1, 0, 1, and 2 for barred
        gap = entry - 1
        for differs in (0, 1):
            # keep's cost - colour's, after: (colour + min(gap, 1)) - (colour + min(gap + 1, differs))
            following = min(gap, 1) - min(gap + 1, differs)
            for moved in (0, 1):
                table[entry << _STEP_BITS | differs << 1 | moved] = (
                    _KEEP_BARRED if moved else following + 1
                )
    return table


_NEXT_GAP = _next_gaps()
