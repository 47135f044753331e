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
    from convanim.geometry.network import (
        Field,
        Network,
        Stage,
        Upsample,
        projective_field,
        receptive_field,
        summaries,
    )
    from convanim.integrations.explorer import explore
    from convanim.integrations.notebook import InlineAnimation, animate
    from convanim.pipeline import Animation, animate_to_file
    from convanim.pytorch import (
        Layer,
        build_network,
        from_torch,
        parse_chain,
        parse_layer,
        parse_model,
    )
    from convanim.story.board import View

#: Where the public names live, searched in this order by ``__getattr__``.
_HOMES = (
    "convanim.errors",
    "convanim.geometry",
    "convanim.geometry.network",
    "convanim.pytorch",
    "convanim.story.board",
    "convanim.draw.style",
    "convanim.pipeline",
    "convanim.integrations.notebook",
    "convanim.integrations.explorer",
)

__all__ = [
    "Animation",
    "CanvasView",
    "CellKind",
    "ChannelTaps",
    "Connectivity",
    "ConvSpec",
    "ConvanimError",
    "Field",
    "InlineAnimation",
    "Layer",
    "Network",
    "PoolMode",
    "Pooling",
    "ScatterView",
    "Stage",
    "Style",
    "Taps",
    "Theme",
    "Upsample",
    "View",
    "__version__",
    "animate",
    "animate_to_file",
    "apply",
    "apply_transpose",
    "build_network",
    "canvas",
    "channel_taps",
    "connectivity",
    "dense_matrix",
    "explore",
    "from_torch",
    "interior_overlap",
    "kernel_index_matrix",
    "overlap_counts",
    "parse_chain",
    "parse_layer",
    "parse_model",
    "projective_field",
    "read_inputs",
    "receptive_field",
    "scatter",
    "summaries",
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
