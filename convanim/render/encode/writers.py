"""Frames to an animated file: GIF (one shared palette, no dithering), WebP, APNG, MP4.

The format comes from the file extension; files are written atomically. The same
frames always give the same bytes.

Frames are streamed: the writers take a sequence of frames and read them one at
a time, the GIF and APNG writers twice (first for the palette or the changed
boxes, then to encode), so over a lazily painted sequence (``FramePainter``)
memory does not grow with the number of frames. (Those two writers hold all the
frames when they fit in ``HELD_BYTES``, so each is painted once; a longer
animation is painted again on the second pass.) WebP goes frame by frame through
Pillow's own WebP animation encoder, APNG is assembled here from Pillow's PNG
encoding of each frame, MP4 frame by frame through imageio's PyAV plugin: the
bytes are those of Pillow's and imageio's all-in-memory calls.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageChops

from convanim.errors import ConvanimError
from convanim.lazy import Lazy
from convanim.render.encode.files import check_destination, write_atomically
from convanim.render.encode.gif import write_gif

#: Animated formats by extension (.png is APNG).
FORMATS = {".gif": "GIF", ".webp": "WEBP", ".png": "PNG", ".mp4": "MP4", ".svg": "SVG"}
#: .svg is written from the drawing itself (convanim.render.vector), not from frames.

#: Frames as the writers read them: in order, and again (a list, or frames painted on access).
Frames = Sequence[Image.Image]
RGB = tuple[int, int, int]


def _keys(frame: Image.Image) -> np.ndarray:
    """Each pixel's colour as one number, R + G << 8 + B << 16: (height, width) uint32."""
    if frame.mode != "RGB":
        frame = frame.convert("RGB")
    rgbx = np.frombuffer(frame.tobytes("raw", "RGBX"), dtype="<u4")  # X: whatever is stored
    return rgbx.reshape(frame.height, frame.width) & 0xFFFFFF


def _run_starts(keys: np.ndarray) -> np.ndarray:
    """The keys (1-D) that differ from the one before them: every colour, far fewer pixels."""
    starts = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    return keys[starts]


def _sample_strip(frames: Frames, samples: int = 8) -> Image.Image:
    """Evenly spaced frames (first and last included) stacked into one image."""
    picks = sorted({round(i * (len(frames) - 1) / max(samples - 1, 1)) for i in range(samples)})
    width, height = frames[0].size
    strip = Image.new("RGB", (width, height * len(picks)))
    for row, index in enumerate(picks):
        strip.paste(frames[index], (0, row * height))
    return strip


def palette_lookup(frames: Frames, key: RGB | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The shared palette of ``frames`` ((n, 3) uint8) and a table from colour to palette index.

    With ``key`` (a see-through colour), that colour gets its own last palette entry,
    exactly, and the other colours share one entry fewer.

    The table holds an index for every colour ``_keys`` gives (2^24 entries, of
    which only the pages of colours in use are ever touched). When the frames use
    at most 255 colours in all, the palette holds exactly those (in RGB order)
    and every pixel keeps its colour; otherwise Pillow's fast octree picks 255
    from evenly spaced frames, without dithering: on the gallery's entries that
    need it, 4 to 7 times faster than Pillow's median cut, with a third to a half
    of its error (``benchmarks/bench_gif.py``). A GIF has 256 entries; the writer
    needs one free. The frames are read once, and 8 of them again for the palette.
    Mapping a colour to that palette depends on that colour alone, so each colour
    in use is mapped once.
    """
    if not frames:
        raise ValueError("a GIF needs at least one frame")
    used = np.zeros(1 << 24, dtype=bool)
    first = _keys(frames[0])
    used[_run_starts(first.ravel())] = True
    for index in range(1, len(frames)):  # a later frame adds only the colours where it differs
        keys = _keys(frames[index])
        new = keys[keys != first] if keys.shape == first.shape else keys.ravel()
        used[_run_starts(new)] = True
    del first
    key_code = None if key is None else key[0] | key[1] << 8 | key[2] << 16
    if key_code is not None:
        used[key_code] = False
    keys = np.flatnonzero(used)
    del used
    room = 255 if key is None else 254
    rgb = np.stack([keys & 255, (keys >> 8) & 255, keys >> 16], axis=1).astype(np.uint8)
    lookup = np.zeros(1 << 24, dtype=np.uint8)
    if len(keys) > room:
        reference = _sample_strip(frames).quantize(
            room, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
        colours_in_use = Image.fromarray(rgb.reshape(1, -1, 3), mode="RGB")
        indices = np.asarray(colours_in_use.quantize(palette=reference, dither=Image.Dither.NONE))
        lookup[keys] = indices[0]
        colours = np.asarray(reference.getpalette(), dtype=np.uint8).reshape(-1, 3)
        palette = colours[: int(indices.max()) + 1]
    else:
        order = np.argsort((keys & 255) << 16 | keys & 0xFF00 | keys >> 16)  # R, then G, then B
        lookup[keys[order]] = np.arange(len(keys), dtype=np.uint8)
        palette = rgb[order]
    if key is not None and key_code is not None:
        lookup[key_code] = len(palette)
        palette = np.concatenate([palette, np.array([key], dtype=np.uint8)])
    return palette, lookup


Writer = Callable[[BinaryIO], None]


def _encoder(frames: Frames, suffix: str, duration: int, transparent: RGB | None) -> Writer:
    """What writes ``frames`` to a handle, once the passes that need no file are done."""
    if suffix == ".mp4":
        return lambda handle: _write_mp4(frames, handle, duration)
    if suffix == ".gif":
        return _gif_writer(frames, duration, transparent)
    if suffix == ".webp":
        return lambda handle: _write_webp(frames, handle, duration)
    return _apng_writer(frames, duration)


#: Painted frames are kept in memory up to this many bytes, so that writers which read
#: them twice paint each frame once; a longer animation is painted again when read again.
HELD_BYTES = 64 * 2**20


def _held(frames: Frames) -> Frames:
    """``frames`` as a list when they fit in ``HELD_BYTES`` (Pillow keeps 4 bytes a pixel)."""
    if isinstance(frames, list) or not frames:
        return frames
    width, height = getattr(frames, "size", None) or frames[0].size  # painters know their size
    if len(frames) * width * height * 4 > HELD_BYTES:
        return frames
    return list(frames)


def _gif_writer(frames: Frames, duration: int, transparent: RGB | None) -> Writer:
    frames = _held(frames)
    palette, lookup = palette_lookup(frames, transparent)
    see_through = None if transparent is None else len(palette) - 1  # the key's own entry

    def write(handle: BinaryIO) -> None:
        indices = (lookup[_keys(frame)] for frame in frames)
        write_gif(handle, indices, palette, duration, see_through)

    return write


def _pillow_save(frames: Frames, handle: BinaryIO, suffix: str, duration: int) -> None:
    """Pillow's own animated save, every frame in memory."""
    options: dict[str, object] = {"save_all": True, "duration": duration, "loop": 0}
    if suffix == ".webp":
        options.update(lossless=True, method=4)
    frames = list(frames)
    frames[0].save(handle, format=FORMATS[suffix], append_images=frames[1:], **options)


# What Pillow's animated WebP save passes its encoder for save_all=True, loop=0,
# lossless=True, method=4 and nothing else (PIL/WebPImagePlugin.py, _save_all).
_WEBP_BACKGROUND = 0  # transparent black, packed ARGB
_WEBP_KEYFRAMES = (9, 17)  # kmin, kmax for lossless
_WEBP_QUALITY = (80, 100)  # quality, alpha_quality
_WEBP_METHOD = 4


def _write_webp(frames: Frames, handle: BinaryIO, duration: int) -> None:
    """Pillow's animated lossless WebP, fed to its encoder one frame at a time.

    The encoder keeps each frame compressed only. A single frame, frames that
    carry a background colour of their own, or a Pillow without this encoder
    take Pillow's all-in-memory save (the same bytes).
    """
    try:
        from PIL import _webp  # Pillow's WebP module, as its WebP plugin uses it
    except ImportError:  # a Pillow without WebP: its own save says so
        _pillow_save(frames, handle, ".webp", duration)
        return
    first = frames[0]
    size, own_background, getim = first.size, "background" in first.info, hasattr(first, "getim")
    del first  # not held here while the others are encoded (a held list keeps it anyway)
    encoder_class = getattr(_webp, "WebPAnimEncoder", None)
    if len(frames) < 2 or own_background or encoder_class is None or not getim:
        _pillow_save(frames, handle, ".webp", duration)
        return
    kmin, kmax = _WEBP_KEYFRAMES
    quality, alpha_quality = _WEBP_QUALITY
    encoder = encoder_class(size, _WEBP_BACKGROUND, 0, False, kmin, kmax, False, False)
    timestamp: float = 0
    for frame in frames:
        if frame.mode not in ("RGBX", "RGBA", "RGB"):
            frame = frame.convert("RGBA" if frame.has_transparency_data else "RGB")
        encoder.add(frame.getim(), round(timestamp), True, quality, alpha_quality, _WEBP_METHOD)
        timestamp += duration
    encoder.add(None, round(timestamp), True, quality, alpha_quality, 0)  # flush
    data = encoder.assemble("", "", "")  # no ICC profile, Exif or XMP
    if data is None:
        raise OSError("cannot write file as WebP (encoder returned None)")
    handle.write(data)


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and CRC."""
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def _image_data(image: Image.Image) -> list[bytes]:
    """The IDAT chunks' data of ``image`` saved by Pillow as a PNG (its encoder, its split)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    png = buffer.getvalue()
    data, position = [], 8  # after the signature
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        if png[position + 4 : position + 8] == b"IDAT":
            data.append(png[position + 8 : position + 8 + length])
        position += 12 + length
    return data


#: Frame information that changes Pillow's APNG (taken from the first frame), which the
#: streaming writer does not reproduce: frames carrying any take Pillow's own save.
_APNG_INFO = ("icc_profile", "transparency", "default_image", "disposal", "blend")


def _apng_writer(frames: Frames, duration: int) -> Writer:
    """APNG as Pillow writes it (an unchanged frame lengthens the one before it; later
    frames store the box that changed), assembled here from one frame at a time.

    A first pass, here, finds each frame's box; the writer encodes the frames kept.
    """
    frames = _held(frames)
    first = frames[0]
    mode, size = ("RGBA" if first.mode == "RGBA" else "RGB"), first.size
    if any(key in first.info for key in _APNG_INFO):
        return lambda handle: _pillow_save(frames, handle, ".png", duration)
    del first  # not held here while the others are compared (a held list keeps it anyway)
    kept: list[tuple[int, tuple[int, int, int, int] | None, int]] = []  # index, box, duration
    previous = None
    for index, frame in enumerate(frames):
        if frame.mode != mode or frame.size != size:  # mixed frames: Pillow's way
            return lambda handle: _pillow_save(frames, handle, ".png", duration)
        rgba = frame.convert("RGBA")
        box = None
        if previous is not None:
            box = ImageChops.subtract_modulo(rgba, previous).getbbox(alpha_only=False)
            if not box:
                start, last_box, last_duration = kept[-1]
                delay = Fraction((last_duration + duration) / 1000).limit_denominator(65535)
                if delay.numerator <= 65535:
                    kept[-1] = (start, last_box, last_duration + duration)
                    continue
        kept.append((index, box, duration))
        previous = rgba
    if len(kept) == 1:  # one frame left: a still PNG
        return lambda handle: frames[0].save(handle, format="PNG")
    return lambda handle: _write_apng(frames, handle, kept, size, mode)


def _write_apng(
    frames: Frames,
    handle: BinaryIO,
    kept: list[tuple[int, tuple[int, int, int, int] | None, int]],
    size: tuple[int, int],
    mode: str,
) -> None:
    """The APNG of the ``kept`` frames (index, changed box or None for whole, milliseconds)."""
    width, height = size
    handle.write(b"\x89PNG\r\n\x1a\n")
    colour_type = 6 if mode == "RGBA" else 2
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, colour_type, 0, 0, 0])
    handle.write(_chunk(b"IHDR", header))
    handle.write(_chunk(b"acTL", len(kept).to_bytes(4, "big") + bytes(4)))  # loop forever
    boxes = {index: (box, shown) for index, box, shown in kept}
    sequence = 0
    for index, frame in enumerate(frames):
        if index not in boxes:
            continue
        box, shown = boxes[index]
        if box is None:
            box = (0, 0, width, height)
        else:
            frame = frame.crop(box)
        delay = Fraction(shown / 1000).limit_denominator(65535)
        if delay.numerator > 65535:
            raise ValueError("cannot write duration")
        control = b"".join(
            value.to_bytes(4, "big") for value in (sequence, *frame.size, box[0], box[1])
        )
        control += delay.numerator.to_bytes(2, "big") + delay.denominator.to_bytes(2, "big")
        handle.write(_chunk(b"fcTL", control + bytes(2)))  # dispose none, blend source
        sequence += 1
        for data in _image_data(frame):
            if index == kept[0][0]:  # the first frame is the default image too
                handle.write(_chunk(b"IDAT", data))
            else:
                handle.write(_chunk(b"fdAT", sequence.to_bytes(4, "big") + data))
                sequence += 1
    handle.write(_chunk(b"IEND", b""))


def _write_mp4(frames: Frames, handle: BinaryIO, duration: int) -> None:
    """H.264 in MP4 through PyAV, encoded on one thread: libx264's threads share out the
    work differently from run to run, and with it the bytes; on one thread the same frames
    always give the same file."""
    try:
        import av
    except ImportError:
        raise ConvanimError("out", "writing .mp4 needs PyAV: pip install av") from None
    # The container is named: PyAV would guess it from the temporary file's name.
    with av.open(handle, "w", format="mp4") as container:
        stream = None
        for frame in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=Fraction(1000, duration))
                stream.width, stream.height = (v + v % 2 for v in frame.size)  # H.264: even
                stream.pix_fmt = "yuv420p"
                stream.codec_context.thread_count = 1
            padded = np.asarray(_pad(frame, stream.width, stream.height))
            for packet in stream.encode(av.VideoFrame.from_ndarray(padded, format="rgb24")):
                container.mux(packet)
        if stream is not None:
            for packet in stream.encode():  # what the encoder still holds
                container.mux(packet)


def _pad(frame: Image.Image, width: int, height: int) -> Image.Image:
    if frame.size == (width, height):
        return frame
    canvas = Image.new("RGB", (width, height), frame.getpixel((0, 0)))
    canvas.paste(frame, (0, 0))
    return canvas


def animation_bytes(
    frames: Frames,
    suffix: str,
    duration: int,
    transparent: tuple[int, int, int] | None = None,
) -> bytes:
    """The encoded animation in memory (for notebooks), as ``write_animation`` would write it.

    ``frames`` are streamed as by ``write_animation``; only the bytes are held.
    """
    buffer = io.BytesIO()
    _encoder(frames, suffix, duration, transparent)(buffer)
    return buffer.getvalue()


def mp4_available() -> bool:
    """Whether PyAV and imageio, which write .mp4, can be imported."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("av", "imageio"))


def check_suffix(path: Path, transparent: bool = False) -> None:
    """Refuse, before any rendering, a path whose extension names no animated format we write."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ConvanimError("out", f"{path}: the extension must be one of {', '.join(FORMATS)}")
    if transparent and suffix == ".mp4":
        raise ConvanimError("transparent", ".mp4 has no transparency; use .gif, .png or .webp")
    if suffix == ".mp4" and not mp4_available():
        raise ConvanimError("out", "writing .mp4 needs PyAV: pip install av")


def write_animation(
    frames: Frames,
    path: Path,
    duration: int,
    transparent: RGB | None = None,
) -> int:
    """Write ``frames`` (``duration`` ms each, looping) to ``path``; returns its bytes.

    Frames are RGB, or RGBA for see-through WebP and APNG (their alpha is kept). A GIF
    has no partial transparency: with ``transparent`` set, pixels of that colour are
    see-through in a GIF; other formats take it from RGBA frames. ``frames``
    is any sequence (a list, or a ``FramePainter`` that paints each frame as it
    is read): the writers read it in order, some twice, never all at once. The
    path is checked first (``check_destination``); its folders are made only
    when the file is written.
    """
    check_suffix(path, transparent is not None)
    check_destination(path)
    # Passes that need no file (the GIF palette, the APNG boxes) run before it is made.
    return write_atomically(path, _encoder(frames, path.suffix.lower(), duration, transparent))


def _decoded(png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB")


def write_png_animation(pngs: list[bytes], path: Path, duration: int) -> int:
    """Write PNG images (a figure per frame) as an animation to ``path``; returns its bytes."""
    frames = Lazy(len(pngs), lambda index: _decoded(pngs[index]))  # decoded as read
    return write_animation(frames, path, duration)
