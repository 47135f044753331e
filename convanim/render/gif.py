"""From a spec to an animation file: storyboard, frames, encoding, within budgets."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from convanim.describe import compact, parameter_tokens
from convanim.geometry import ConvSpec
from convanim.numbers import conv_numbers, pool_numbers, scatter_numbers, with_overlap
from convanim.pooling import Pooling
from convanim.render.encode import write_animation
from convanim.render.raster import Canvas, Style, render_frames
from convanim.storyboard import (
    DrawingError,
    Storyboard,
    as_drawable,
    build_storyboard,
    overlap_frame,
)

MAX_FRAMES = 2500
MAX_PIXELS = 4_000_000  # per frame


@dataclass(frozen=True)
class Animation:
    path: Path
    frames: int
    size: tuple[int, int]
    bytes: int


def default_name(
    spec: ConvSpec, view: str, theme: str, extension: str = ".gif", tags: tuple[str, ...] = ()
) -> str:
    """A file name that states the parameters, e.g. ``convT_i3_k3_s2_p1_op1.gif``.

    ``tags`` (like ``maxpool`` or ``values``) are appended before the extension.
    """

    parts = ["convT" if spec.transposed else "conv", f"i{compact(spec.input_size)}"]
    parts += parameter_tokens(spec, side="-")
    if view != "canvas":
        parts.append(view)
    if theme != "light":
        parts.append(theme)
    return "_".join([*parts, *tags]) + extension


def plan(spec: ConvSpec, view: str, style: Style, max_frames: int, max_pixels: int) -> Storyboard:
    """The storyboard, after checking the frame and pixel budgets (DrawingError if over)."""
    drawn = as_drawable(spec)
    frames = math.prod(drawn.input_size if view == "scatter" else drawn.output_size)
    if frames > max_frames:
        raise DrawingError(
            f"--i: {frames} frames exceed the budget of {max_frames}; "
            "raise it with --max-frames or draw a smaller input"
        )
    board = build_storyboard(spec, "canvas" if view == "flat" else view)
    width, height = Canvas(board, style).size
    if width * height > max_pixels:
        raise DrawingError(
            f"--width: {width}x{height} px frames exceed the budget of {max_pixels} pixels; "
            "lower --width or raise --max-pixels"
        )
    return board


def render_animation(
    spec: ConvSpec,
    *,
    view: str = "canvas",
    style: Style | None = None,
    max_frames: int = MAX_FRAMES,
    max_pixels: int = MAX_PIXELS,
    values: tuple[np.ndarray, np.ndarray] | None = None,
    pooling: Pooling | None = None,
    overlap: bool = False,
) -> tuple[list[Image.Image], Style]:
    """The frames of ``spec``'s animation, and the style they were drawn in.

    ``values`` (input x, kernel w) prints the numbers; ``pooling`` animates a
    pooling of x over the spec's windows (w unused) and always prints them;
    ``overlap`` closes a scatter view with a frame of stamp counts per output.
    """
    style = style or Style()
    if view == "flat":
        style = replace(style, layout="flat")
    board = plan(spec, view, style, max_frames, max_pixels)
    numbers = None
    if pooling is not None:
        board = replace(
            board, upper=replace(board.upper, label=f"{board.upper.label}, {pooling.mode} pool")
        )
        numbers = pool_numbers(board, pooling, values[0])
    elif values is not None:
        make = scatter_numbers if board.view == "scatter" else conv_numbers
        numbers = make(board, spec, *values)
    if overlap:
        summary = overlap_frame(board)
        numbers = with_overlap(numbers, board, summary.counts)
        board = replace(board, frames=(*board.frames, summary))
    return render_frames(board, style, numbers), style


def animate_to_file(
    spec: ConvSpec,
    path: Path,
    *,
    duration: int = 1000,
    transparent: bool = False,
    **options,
) -> Animation:
    """Render ``spec`` to ``path`` (format from its extension) and describe the result.

    ``transparent`` makes the theme's background colour see-through; ``options``
    go to ``render_animation``.
    """
    frames, style = render_animation(spec, **options)
    see_through = style.palette.background if transparent else None
    size = write_animation(frames, path, duration, see_through)
    return Animation(path=path, frames=len(frames), size=frames[0].size, bytes=size)
