"""Frames to an animated file: GIF (one shared palette, no dithering), WebP, APNG, MP4.

The format comes from the file extension; files are written atomically. The same
frames always give the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from convanim.errors import ConvanimError
from convanim.render.encode.files import write_atomically
from convanim.render.encode.gif import gif_bytes

#: Animated formats by extension (.png is APNG).
FORMATS = {".gif": "GIF", ".webp": "WEBP", ".png": "PNG", ".mp4": "MP4"}


def _packed(frame: Image.Image) -> np.ndarray:
    rgb = np.asarray(frame, dtype=np.uint32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def _sample_strip(frames: list[Image.Image], samples: int = 8) -> Image.Image:
    """Evenly spaced frames (first and last included) stacked into one image."""
    picks = sorted({round(i * (len(frames) - 1) / max(samples - 1, 1)) for i in range(samples)})
    width, height = frames[0].size
    strip = Image.new("RGB", (width, height * len(picks)))
    for row, index in enumerate(picks):
        strip.paste(frames[index], (0, row * height))
    return strip


def shared_palette(frames: list[Image.Image]) -> tuple[list[np.ndarray], np.ndarray]:
    """Every frame as (height, width) uint8 indices into one palette, and that (n, 3) palette.

    When the frames use at most 255 colours in all, the palette holds exactly
    those (in RGB order) and every pixel keeps its colour; otherwise Pillow's
    median cut picks 255 from evenly spaced frames, without dithering. (A GIF
    has 256 entries; the writer needs one free.)
    """
    packed = [_packed(frame) for frame in frames]
    used = np.zeros(1 << 24, dtype=bool)
    for colours in packed:
        used[colours] = True
    palette = np.flatnonzero(used)
    if len(palette) > 255:
        reference = _sample_strip(frames).quantize(
            255, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        indices = [
            np.asarray(frame.quantize(palette=reference, dither=Image.Dither.NONE))
            for frame in frames
        ]
        colours = np.asarray(reference.getpalette(), dtype=np.uint8).reshape(-1, 3)
        return indices, colours[: max(int(i.max()) for i in indices) + 1]
    lookup = np.zeros(1 << 24, dtype=np.uint8)
    lookup[palette] = np.arange(len(palette), dtype=np.uint8)
    rgb = np.stack([palette >> 16, (palette >> 8) & 255, palette & 255], axis=1)
    return [lookup[colours] for colours in packed], rgb.astype(np.uint8)


def _see_through(frame: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    rgba = frame.convert("RGBA")
    alpha = np.where(np.all(np.asarray(frame) == background, axis=-1), 0, 255)
    rgba.putalpha(Image.fromarray(alpha.astype(np.uint8), mode="L"))
    return rgba


def _write(frames, handle, suffix: str, duration: int, transparent) -> None:
    if suffix == ".mp4":
        _write_mp4(frames, handle, duration)
        return
    if suffix == ".gif":
        indices, palette = shared_palette(frames)
        see_through = None
        if transparent is not None:
            matches = np.flatnonzero(np.all(palette == transparent, axis=1))
            see_through = int(matches[0]) if len(matches) else None
        handle.write(gif_bytes(indices, palette, duration, see_through))
        return
    if transparent is not None:
        frames = [_see_through(frame, transparent) for frame in frames]
    options = {"save_all": True, "duration": duration, "loop": 0}
    if suffix == ".webp":
        options.update(lossless=True, method=4)
    frames[0].save(handle, format=FORMATS[suffix], append_images=frames[1:], **options)


def _write_mp4(frames: list[Image.Image], handle, duration: int) -> None:
    try:
        import av  # noqa: F401  (PyAV carries FFmpeg)
        import imageio.v3 as iio
    except ImportError:
        raise ConvanimError("out", "writing .mp4 needs PyAV: pip install av") from None
    # H.264 wants even sizes.
    width, height = (v + v % 2 for v in frames[0].size)
    padded = np.stack([np.asarray(_pad(frame, width, height)) for frame in frames])
    # Encoded in memory: PyAV would guess the container from the temporary file's name.
    encoded = iio.imwrite(
        "<bytes>", padded, extension=".mp4", plugin="pyav", codec="libx264", fps=1000 / duration
    )
    handle.write(encoded)


def _pad(frame: Image.Image, width: int, height: int) -> Image.Image:
    if frame.size == (width, height):
        return frame
    canvas = Image.new("RGB", (width, height), frame.getpixel((0, 0)))
    canvas.paste(frame, (0, 0))
    return canvas


def animation_bytes(frames: list[Image.Image], suffix: str = ".gif", duration: int = 1000) -> bytes:
    """The encoded animation in memory (for notebooks), as ``write_animation`` would write it."""
    buffer = io.BytesIO()
    _write(frames, buffer, suffix, duration, None)
    return buffer.getvalue()


def check_suffix(path: Path, transparent: bool = False) -> None:
    """Refuse, before any rendering, a path whose extension names no animated format we write."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ConvanimError("out", f"{path}: the extension must be one of {', '.join(FORMATS)}")
    if transparent and suffix == ".mp4":
        raise ConvanimError("transparent", ".mp4 has no transparency; use .gif, .png or .webp")


def write_animation(
    frames: list[Image.Image],
    path: Path,
    duration: int,
    transparent: tuple[int, int, int] | None = None,
) -> int:
    """Write ``frames`` (RGB, ``duration`` ms each, looping) to ``path``; returns its bytes.

    With ``transparent`` set, pixels of that colour are see-through.
    """
    check_suffix(path, transparent is not None)
    suffix = path.suffix.lower()
    return write_atomically(
        path, lambda handle: _write(frames, handle, suffix, duration, transparent)
    )


def write_png_animation(pngs: list[bytes], path: Path, duration: int) -> int:
    """Write PNG images (a figure per frame) as an animation to ``path``; returns its bytes."""
    frames = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    return write_animation(frames, path, duration)
