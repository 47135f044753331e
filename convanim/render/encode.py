"""Write frames to an animated file atomically: one shared palette, no dithering.

The format comes from the file extension. The same frames always give the same bytes.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PIL import Image

FORMATS = {".gif": "GIF", ".webp": "WEBP", ".png": "PNG", ".mp4": "MP4"}
PALETTE_COLOURS = 64
PALETTE_SAMPLES = 4


class OutputError(ValueError):
    """An output path that cannot be written; names the flag."""


def shared_palette(frames: list[Image.Image]) -> Image.Image:
    """One palette for every frame, from a few evenly spaced frames (first and last included)."""
    picks = sorted(
        {round(i * (len(frames) - 1) / (PALETTE_SAMPLES - 1)) for i in range(PALETTE_SAMPLES)}
    )
    width, height = frames[0].size
    strip = Image.new("RGB", (width, height * len(picks)))
    for row, index in enumerate(picks):
        strip.paste(frames[index], (0, row * height))
    # A palette no larger than the colours in use keeps GIF's LZW codes short.
    in_use = strip.getcolors(maxcolors=PALETTE_COLOURS)
    colours = len(in_use) if in_use else PALETTE_COLOURS
    return strip.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _write(frames: list[Image.Image], handle, suffix: str, duration: int) -> None:
    if suffix == ".mp4":
        _write_mp4(frames, handle, duration)
        return
    if suffix == ".gif":
        palette = shared_palette(frames)
        frames = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    options = {"save_all": True, "append_images": frames[1:], "duration": duration, "loop": 0}
    if suffix == ".webp":
        options.update(lossless=True, method=4)
    frames[0].save(handle, format=FORMATS[suffix], **options)


def _write_mp4(frames: list[Image.Image], handle, duration: int) -> None:
    try:
        import av  # noqa: F401  (PyAV carries FFmpeg)
        import imageio.v3 as iio
    except ImportError:
        raise OutputError("-o: writing .mp4 needs PyAV: pip install av") from None
    import numpy as np

    # H.264 wants even sizes.
    width, height = (v + v % 2 for v in frames[0].size)
    padded = np.stack([np.asarray(_pad(frame, width, height)) for frame in frames])
    iio.imwrite(
        handle, padded, extension=".mp4", plugin="pyav", codec="libx264", fps=1000 / duration
    )


def _pad(frame: Image.Image, width: int, height: int) -> Image.Image:
    if frame.size == (width, height):
        return frame
    canvas = Image.new("RGB", (width, height), frame.getpixel((0, 0)))
    canvas.paste(frame, (0, 0))
    return canvas


def write_animation(frames: list[Image.Image], path: Path, duration: int) -> int:
    """Write ``frames`` (RGB, ``duration`` ms each, looping) to ``path``; returns its bytes.

    The file appears only when complete: it is written under a temporary name
    in the same folder and renamed.
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"-o {path}: the extension must be one of {', '.join(FORMATS)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"-o {path}: cannot create the folder ({error.strerror})") from None
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(temporary, "wb") as handle:
            _write(frames, handle, suffix, duration)
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(f"-o {path}: cannot write ({error.strerror})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return path.stat().st_size
