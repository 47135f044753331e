"""Animations that display inline in Jupyter: ``convanim.animate(spec)``."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from convanim.animation import (
    DURATION,
    MAX_FRAMES,
    MAX_PIXELS,
    animate_to_file,
    check_duration,
    render_animation,
    shown_spec,
)
from convanim.describe import alt_text
from convanim.errors import ConvanimError, choose, quoted
from convanim.geometry import ConvSpec, Pooling
from convanim.storyboard import View
from convanim.style import Style, Theme
from convanim.values import ValueSource


@dataclass(frozen=True, repr=False)
class InlineAnimation:
    """An animation a notebook shows inline (as a GIF); ``save`` writes any format."""

    spec: ConvSpec
    data: bytes  # the GIF
    alt: str
    width: int
    frames: int
    options: dict[str, Any] = field(default_factory=dict)  # how it was made, for ``save``

    def __repr__(self) -> str:
        return f"<InlineAnimation: {self.alt}; {self.frames} frames, {len(self.data):,} bytes>"

    def _repr_html_(self) -> str:
        encoded = base64.b64encode(self.data).decode("ascii")
        return (
            f'<img src="data:image/gif;base64,{encoded}" alt="{escape(self.alt)}" '
            f'width="{self.width}">'
        )

    def save(self, path: str | Path) -> Path:
        """Write the animation to ``path`` in the format its extension names; returns the path.

        A ``.gif`` is the shown GIF itself; ``.webp``, ``.png`` (APNG) and ``.mp4``
        are rendered again from the same options.
        """
        if not isinstance(path, (str, Path)):
            raise ConvanimError("path", f"must be a file name, got {quoted(path)}")
        path = Path(path)
        if path.suffix.lower() == ".gif":
            from convanim.render.encode.files import write_bytes

            write_bytes(self.data, path)
        else:
            animate_to_file(self.spec, path, **self.options)
        return path


def animate(
    spec: ConvSpec,
    view: View | str = View.CANVAS,
    values: bool = False,
    seed: int = 0,
    *,
    input_values: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    theme: Theme | str = Theme.LIGHT,
    width: int | None = None,
    labels: bool = True,
    duration: int = DURATION,
    transparent: bool = False,
    pooling: Pooling | None = None,
    overlap: bool = False,
    max_frames: int = MAX_FRAMES,
    max_pixels: int = MAX_PIXELS,
) -> InlineAnimation:
    """Render ``spec`` for a notebook cell, as ``convanim gif`` would with the same options.

    ``view`` is canvas, scatter or flat; ``values`` prints small integer values
    from ``seed``, or ``input_values`` and ``weights`` where given (with cells large
    enough to read them); ``pooling`` animates a
    pooling over the spec's windows; ``overlap`` closes a scatter view with the
    stamp counts. Bad values raise ``ConvanimError``.

    >>> animation = animate(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1))
    >>> animation
    <InlineAnimation: Convolution of a 5x5 input ...; 9 frames, 29,846 bytes>
    >>> animation.width
    404
    """
    from convanim.render.encode.animation import animation_bytes

    _check_arguments(
        spec,
        pooling,
        seed=seed,
        max_frames=max_frames,
        max_pixels=max_pixels,
        values=values,
        labels=labels,
        transparent=transparent,
        overlap=overlap,
        **({} if width is None else {"width": width}),
    )

    options: dict[str, Any] = {
        "view": view,
        "style": Style(theme=choose(Theme, theme, "theme"), width=width, labels=labels),
        "values": ValueSource(seed, input_values, weights) if values else None,
        "pooling": pooling,
        "overlap": overlap,
        "max_frames": max_frames,
        "max_pixels": max_pixels,
    }
    check_duration(duration)
    from convanim.render.raster.painter import SEE_THROUGH_KEY

    frames, _ = render_animation(spec, see_through="key" if transparent else None, **options)
    see_through = SEE_THROUGH_KEY if transparent else None
    # Frames are painted as the encoder reads them: only the GIF's bytes are held.
    data = animation_bytes(frames, ".gif", duration, see_through)
    saving = {**options, "duration": duration, "transparent": transparent}
    shown = shown_spec(spec, pooling)
    return InlineAnimation(spec, data, alt_text(shown), frames.size[0], len(frames), saving)


def _check_arguments(spec: object, pooling: object, **given: object) -> None:
    """Refuse arguments of the wrong kind with ConvanimError, as the library does everywhere."""
    if not isinstance(spec, ConvSpec):
        raise ConvanimError("spec", f"must be a ConvSpec, got {quoted(spec)}")
    if pooling is not None and not isinstance(pooling, Pooling):
        raise ConvanimError("pooling", f"must be a Pooling or None, got {quoted(pooling)}")
    for name, value in given.items():
        wanted = bool if name in _FLAGS else int
        if type(value) is not wanted:
            raise ConvanimError(name, f"must be {wanted.__name__}, got {quoted(value)}")


_FLAGS = ("values", "labels", "transparent", "overlap")
