"""convanim: exact animations of convolution and transposed convolution arithmetic.

>>> import convanim
>>> spec = convanim.ConvSpec(input_size=5, kernel=3, stride=2, padding=1)
>>> spec.output_size
(3,)
"""

__version__ = "0.2.0"

from convanim.animation import Animation, animate_to_file
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
from convanim.layers import Layer, from_torch, parse_layer
from convanim.notebook import InlineAnimation, animate
from convanim.storyboard import View
from convanim.style import Style, Theme

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
