"""convanim: exact animations of convolution and transposed convolution arithmetic.

>>> import convanim
>>> spec = convanim.ConvSpec(input_size=5, kernel=3, stride=2, padding=1)
>>> spec.output_size
(3,)
"""

__version__ = "0.2.0"

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convanim.draw.style import Style, Theme
    from convanim.errors import ConvanimError
    from convanim.geometry import (
        CanvasView,
        CellKind,
        ChannelTaps,
        Connectivity,
        ConvSpec,
        Pooling,
        PoolMode,
        ScatterView,
        Taps,
        apply,
        apply_transpose,
        canvas,
        channel_taps,
        connectivity,
        dense_matrix,
        interior_overlap,
        kernel_index_matrix,
        overlap_counts,
        read_inputs,
        scatter,
        taps,
        unread_inputs,
    )
    from convanim.integrations.notebook import InlineAnimation, animate
    from convanim.pipeline import Animation, animate_to_file
    from convanim.pytorch import Layer, from_torch, parse_layer
    from convanim.story.board import View

#: Where the public names live, searched in this order by ``__getattr__``.
_HOMES = (
    "convanim.errors",
    "convanim.geometry",
    "convanim.pytorch",
    "convanim.story.board",
    "convanim.draw.style",
    "convanim.pipeline",
    "convanim.integrations.notebook",
)

__all__ = [
    "Animation",
    "CanvasView",
    "CellKind",
    "ChannelTaps",
    "Connectivity",
    "ConvSpec",
    "ConvanimError",
    "InlineAnimation",
    "Layer",
    "PoolMode",
    "Pooling",
    "ScatterView",
    "Style",
    "Taps",
    "Theme",
    "View",
    "__version__",
    "animate",
    "animate_to_file",
    "apply",
    "apply_transpose",
    "canvas",
    "channel_taps",
    "connectivity",
    "dense_matrix",
    "from_torch",
    "interior_overlap",
    "kernel_index_matrix",
    "overlap_counts",
    "parse_layer",
    "read_inputs",
    "scatter",
    "taps",
    "unread_inputs",
]


def __getattr__(name: str) -> Any:
    """A public name, imported on first use: the command line starts without NumPy, so that
    it answers Ctrl-C itself from the first moment."""
    if name in __all__:
        for home in _HOMES:
            module = importlib.import_module(home)
            if hasattr(module, name):
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
