"""Animations that display inline in Jupyter: ``convanim.animate(spec)``."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from convanim.describe import alt_text
from convanim.geometry import ConvSpec
from convanim.storyboard import View


@dataclass(frozen=True)
class InlineAnimation:
    """An encoded GIF that Jupyter shows inline; ``save`` writes it to a file."""

    data: bytes
    alt: str
    width: int

    def _repr_html_(self) -> str:
        encoded = base64.b64encode(self.data).decode("ascii")
        return f'<img src="data:image/gif;base64,{encoded}" alt="{self.alt}" width="{self.width}">'

    def save(self, path: str | Path) -> Path:
        """Write the GIF to ``path`` atomically; returns the path."""
        from convanim.render.encode.files import write_bytes

        path = Path(path)
        write_bytes(self.data, path)
        return path


def animate(
    spec: ConvSpec,
    view: View = View.CANVAS,
    values: bool = False,
    seed: int = 0,
    **style: object,
) -> InlineAnimation:
    """Render ``spec`` as a GIF for a notebook cell.

    ``view`` is canvas, scatter or flat; ``values`` prints small integer values
    from ``seed``; ``style`` goes to ``convanim.style.Style`` (theme, width, labels, ...).

    >>> animation = animate(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1))
    >>> animation.data[:6], animation.width
    (b'GIF89a', 404)
    """
    from convanim.animation import render_animation
    from convanim.render.encode.animation import animation_bytes
    from convanim.style import Style
    from convanim.values import ValueSource

    source = ValueSource(seed) if values else None
    # Frames are painted as the encoder reads them: only the GIF's bytes are held.
    frames, _ = render_animation(spec, view=view, style=Style(**style), values=source)  # type: ignore[arg-type]
    return InlineAnimation(animation_bytes(frames), alt_text(spec), frames.size[0])
