"""Animations that display inline in Jupyter: ``convanim.animate(spec)``."""

from __future__ import annotations

import base64
import inspect
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from convanim.errors import ConvanimError, quoted
from convanim.geometry import ConvSpec
from convanim.pipeline import render_animation
from convanim.request import Request
from convanim.story.presets import Separable

#: What ``animate`` renders: an animated SVG (sharp at any zoom, real text) or a GIF.
FORMATS = ("svg", "gif")
_MIME = {"svg": "image/svg+xml", "gif": "image/gif"}


@dataclass(frozen=True, repr=False)
class InlineAnimation:
    """An animation a notebook shows inline (Jupyter's rich display: an animated SVG, or a
    GIF); ``save`` writes it in any format."""

    request: Request  # what was drawn and how: ``save`` draws it again in another format
    data: bytes  # the file, in ``format``
    format: str  # one of FORMATS
    width: int
    frames: int

    @property
    def alt(self) -> str:
        """What the animation shows, in one sentence."""
        return self.request.title

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
            self.request.write(path)
        return path


#: What ``animate`` takes: the spec, then ``Request.of``'s options under its names and with its
#: defaults (view, values and seed also by position, as ``animate(spec, "flat", True)``),
#: and the format. Built from ``Request.of`` itself, so the two never differ.
_BY_POSITION = ("view", "values", "seed")
_OPTIONS = inspect.signature(Request.of).parameters
_SIGNATURE = inspect.Signature(
    [
        inspect.Parameter(
            "spec", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="ConvSpec | Separable"
        ),
        *(
            _OPTIONS[name].replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
            for name in _BY_POSITION
        ),
        *(
            option
            for name, option in _OPTIONS.items()
            if option.kind is inspect.Parameter.KEYWORD_ONLY and name not in _BY_POSITION
        ),
        inspect.Parameter(
            "format", inspect.Parameter.KEYWORD_ONLY, default="svg", annotation="str"
        ),
    ],
    return_annotation="InlineAnimation",
)


def animate(
    spec: ConvSpec | Separable, *by_position: Any, format: str = "svg", **options: Any
) -> InlineAnimation:
    """Render ``spec`` (a layer, or a ``Separable`` pair) for a notebook cell, as
    ``convanim gif`` would with the same options (see ``Request.of``: every view, reading
    and pooling of the command line, each option under its keyword name, with its default).

    ``view`` is canvas, scatter, flat, stack or volume (by default canvas for one
    channel without a bias, else stack); ``values`` prints small integer values from ``seed``,
    or ``input_values``, ``weights`` and ``bias_values`` where given (any of them prints
    values; shaped as ``ValueShapes`` says, checked as ``convanim gif`` checks them);
    ``pooling`` (a ``Pooling``, or max or avg) animates a pooling over the spec's
    windows; ``overlap`` closes a scatter view with the stamp counts; ``grad`` (input,
    weight, bias) draws the backward pass instead, ``grad_values`` its dy; ``format`` is
    "svg" (theme "auto" follows the reader's colour scheme) or "gif". Bad values and unknown
    keywords raise ``ConvanimError``.

    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    >>> animate(spec)
    <InlineAnimation: Convolution of a 5x5 input ...; 9 frames, 8,... bytes of SVG>
    >>> animate(spec, format="gif").width
    404
    """
    from convanim.render.encode.writers import animation_bytes

    unknown = [name for name in options if name not in _SIGNATURE.parameters]
    if unknown:
        known = ", ".join(_SIGNATURE.parameters)
        raise ConvanimError(unknown[0], f"animate takes no such keyword; it takes {known}")
    given = _SIGNATURE.bind(spec, *by_position, **options).arguments  # TypeError as Python's
    del given["spec"]
    request = Request.of(spec, **given)
    if format not in FORMATS:
        raise ConvanimError("format", f"must be one of {', '.join(FORMATS)}, got {quoted(format)}")
    if format == "svg":
        document, laid_out = request.svg()
        data = document.encode()
        return InlineAnimation(request, data, format, laid_out.size[0], len(laid_out.frames))
    from convanim.render.raster.painter import SEE_THROUGH_KEY

    drawn = request.drawing_options
    see_through = SEE_THROUGH_KEY if request.transparent else None
    frames, _ = render_animation(
        request.shown, see_through="key" if request.transparent else None, **drawn
    )
    # Frames are painted as the encoder reads them: only the GIF's bytes are held.
    data = animation_bytes(frames, ".gif", request.duration, see_through)
    return InlineAnimation(request, data, format, frames.size[0], len(frames))


animate.__signature__ = _SIGNATURE  # type: ignore[attr-defined]  # help() and Jupyter list them
