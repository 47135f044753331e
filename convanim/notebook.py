"""Animations that display inline in Jupyter: ``convanim.animate(spec)``."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from convanim.describe import alt_text
from convanim.geometry import ConvSpec


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
        from convanim.render.encode import write_bytes

        path = Path(path)
        write_bytes(self.data, path)
        return path


def animate(
    spec: ConvSpec, view: str = "canvas", values: bool = False, seed: int = 0, **style
) -> InlineAnimation:
    """Render ``spec`` as a GIF for a notebook cell.

    ``view`` is canvas, scatter or flat; ``values`` prints small integer values
    from ``seed``; ``style`` goes to ``convanim.render.raster.Style`` (theme, width,
    labels, ...).
    """
    from convanim.numbers import small_values
    from convanim.render.encode import animation_bytes
    from convanim.render.gif import render_animation
    from convanim.render.raster import Style

    numbers = small_values(spec, seed) if values else None
    frames, _ = render_animation(spec, view=view, style=Style(**style), values=numbers)
    return InlineAnimation(animation_bytes(frames), alt_text(spec), frames[0].size[0])
