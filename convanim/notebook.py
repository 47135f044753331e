"""Animations that display inline in Jupyter: ``convanim.animate(spec)``."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from convanim.animation import (
    DURATION,
    MAX_FRAMES,
    MAX_PIXELS,
    animate_to_file,
    check_duration,
    render_animation,
)
from convanim.describe import alt_text
from convanim.errors import choose
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
    from ``seed`` (with cells large enough to read them); ``pooling`` animates a
    pooling over the spec's windows; ``overlap`` closes a scatter view with the
    stamp counts. Bad values raise ``ConvanimError``.

    >>> animation = animate(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1))
    >>> animation
    <InlineAnimation: Convolution of a 5x5 input ...; 9 frames, 29,846 bytes>
    >>> animation.width
    404
    """
    from convanim.render.encode.animation import animation_bytes

    options: dict[str, Any] = {
        "view": view,
        "style": Style(theme=choose(Theme, theme, "theme"), width=width, labels=labels),
        "values": ValueSource(seed) if values else None,
        "pooling": pooling,
        "overlap": overlap,
        "max_frames": max_frames,
        "max_pixels": max_pixels,
    }
    check_duration(duration)
    frames, style = render_animation(spec, see_through="key" if transparent else None, **options)
    see_through = style.palette.background if transparent else None
    # Frames are painted as the encoder reads them: only the GIF's bytes are held.
    data = animation_bytes(frames, ".gif", duration, see_through)
    saving = {**options, "duration": duration, "transparent": transparent}
    return InlineAnimation(spec, data, alt_text(spec), frames.size[0], len(frames), saving)
