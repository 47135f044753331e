"""Animations that display inline in Jupyter: ``convanim.animate(spec)``."""

from __future__ import annotations

import base64
import inspect
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
    svg_text,
)
from convanim.describe import alt_text
from convanim.errors import ConvanimError, choose, quoted
from convanim.geometry import ConvSpec, Pooling
from convanim.storyboard import View
from convanim.style import Style, Theme
from convanim.values import ValueShapes, ValueSource, given_array

#: What ``animate`` renders: an animated SVG (sharp at any zoom, real text) or a GIF.
FORMATS = ("svg", "gif")
_MIME = {"svg": "image/svg+xml", "gif": "image/gif"}


@dataclass(frozen=True, repr=False)
class InlineAnimation:
    """An animation a notebook shows inline (Jupyter's rich display: an animated SVG, or a
    GIF); ``save`` writes it in any format."""

    spec: ConvSpec
    data: bytes  # the file, in ``format``
    format: str  # one of FORMATS
    alt: str
    width: int
    frames: int
    options: dict[str, Any] = field(default_factory=dict)  # how it was made, for ``save``

    def __repr__(self) -> str:
        return (
            f"<InlineAnimation: {self.alt}; {self.frames} frames, "
            f"{len(self.data):,} bytes of {self.format.upper()}>"
        )

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """Jupyter's display: the SVG itself (an image), or the GIF in base64, with the HTML
        of ``_repr_html_`` and a text fallback."""
        data = self.data.decode() if self.format == "svg" else base64.b64encode(self.data).decode()
        return {_MIME[self.format]: data, "text/html": self._repr_html_(), "text/plain": repr(self)}

    def _repr_html_(self) -> str:
        """An ``<img>`` of the animation as a data URI (sphinx-gallery and jupyter-sphinx show
        it; as an image, the SVG's styles never meet the page's)."""
        encoded = base64.b64encode(self.data).decode("ascii")
        return (
            f'<img src="data:{_MIME[self.format]};base64,{encoded}" alt="{escape(self.alt)}" '
            f'width="{self.width}">'
        )

    def save(self, path: str | Path) -> Path:
        """Write the animation to ``path`` in the format its extension names; returns the path.

        The shown format is written as shown; .gif, .svg, .webp, .png (APNG) and .mp4 are
        rendered again from the same options.
        """
        if not isinstance(path, (str, Path)):
            raise ConvanimError("path", f"must be a file name, got {quoted(path)}")
        path = Path(path)
        if path.suffix.lower() == f".{self.format}":
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
    bias: np.ndarray | None = None,
    theme: Theme | str = Theme.LIGHT,
    width: int | None = None,
    labels: bool = True,
    duration: int = DURATION,
    transparent: bool = False,
    pooling: Pooling | None = None,
    overlap: bool = False,
    max_frames: int = MAX_FRAMES,
    max_pixels: int = MAX_PIXELS,
    format: str = "svg",
    **unknown: object,
) -> InlineAnimation:
    """Render ``spec`` for a notebook cell, as ``convanim gif`` would with the same options.

    ``view`` is canvas, scatter or flat; ``values`` prints small integer values
    from ``seed``, or ``input_values``, ``weights`` and ``bias`` where given (any of them
    prints values; shaped as ``ValueShapes`` says, checked as ``convanim gif`` checks
    them; cells are made large enough to read them); ``pooling`` animates a
    pooling over the spec's windows; ``overlap`` closes a scatter view with the
    stamp counts; ``format`` is "svg" (theme "auto" follows the reader's colour scheme)
    or "gif". Bad values and unknown keywords raise ``ConvanimError``.

    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    >>> animate(spec)
    <InlineAnimation: Convolution of a 5x5 input ...; 9 frames, 8,... bytes of SVG>
    >>> animate(spec, format="gif").width
    404
    """
    from convanim.render.encode.animation import animation_bytes

    if unknown:
        known = ", ".join(
            name for name in inspect.signature(animate).parameters if name != "unknown"
        )
        raise ConvanimError(next(iter(unknown)), f"animate takes no such keyword; it takes {known}")
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

    given = (input_values, weights, bias)
    numeric = values or any(each is not None for each in given)
    options: dict[str, Any] = {
        "view": view,
        "style": Style(theme=choose(Theme, theme, "theme"), width=width, labels=labels),
        "values": _value_source(spec, view, pooling, seed, *given) if numeric else None,
        "pooling": pooling,
        "overlap": overlap,
        "max_frames": max_frames,
        "max_pixels": max_pixels,
    }
    check_duration(duration)
    if format not in FORMATS:
        raise ConvanimError("format", f"must be one of {', '.join(FORMATS)}, got {quoted(format)}")
    saving = {**options, "duration": duration, "transparent": transparent}
    alt = alt_text(shown_spec(spec, pooling))
    if format == "svg":
        document, laid_out = svg_text(spec, duration=duration, transparent=transparent, **options)
        data = document.encode()
        return InlineAnimation(
            spec, data, format, alt, laid_out.size[0], len(laid_out.frames), saving
        )
    from convanim.render.raster.painter import SEE_THROUGH_KEY

    frames, _ = render_animation(spec, see_through="key" if transparent else None, **options)
    see_through = SEE_THROUGH_KEY if transparent else None
    # Frames are painted as the encoder reads them: only the GIF's bytes are held.
    data = animation_bytes(frames, ".gif", duration, see_through)
    return InlineAnimation(spec, data, format, alt, frames.size[0], len(frames), saving)


def _value_source(
    spec: ConvSpec,
    view: View | str,
    pooling: Pooling | None,
    seed: int,
    input_values: object,
    weights: object,
    bias: object,
) -> ValueSource:
    """The values to print: seeded, else those given, refused as the command line refuses them."""
    if bias is not None and not spec.bias:
        raise ConvanimError("bias", "the spec has no bias: give it bias=True")
    if weights is not None and pooling is not None:
        raise ConvanimError("weights", "pooling has no weights: drop {weights} or {pooling}")
    shapes = ValueShapes.of(spec, choose(View, view, "view").channels)
    return ValueSource(
        seed,
        None if input_values is None else given_array(input_values, shapes.input, "input_values"),
        None if weights is None else given_array(weights, shapes.weights, "weights"),
        None if bias is None else given_array(bias, shapes.bias, "bias", shapes.bias_naming),
    )


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
