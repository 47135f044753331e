"""The exact index arithmetic of N-D convolution and transposed convolution.

This package is the only place in convanim that computes indices: ``axis``
states every per-axis formula once, ``spec`` normalises user input into
``ConvSpec``, ``views`` derives everything a picture needs from it, ``pooling``
pools over its windows, ``channels`` orders a layer's frames by channel, and
``network`` follows cells through a chain of layers.
Everything downstream consumes these arrays and never re-derives them.
"""

from convanim.geometry.axis import AxisSpec, CanvasAxis, CellKind
from convanim.geometry.pooling import Pooling, PoolMode
from convanim.geometry.spec import NAMED_PADDINGS, PADDING_MODES, ConvSpec, default_input_size
from convanim.geometry.views import (
    MATRIX_MAX_ENTRIES,
    VIEW_MAX_ENTRIES,
    CanvasView,
    ChannelTaps,
    Connectivity,
    ScatterView,
    Taps,
    apply,
    apply_transpose,
    canvas,
    canvas_values,
    channel_taps,
    connectivity,
    dense_matrix,
    first_unread,
    flat_index,
    grid_positions,
    interior_overlap,
    kernel_index_matrix,
    overlap_counts,
    padding_sources,
    read_inputs,
    scatter,
    scatter_running_sums,
    taps,
    unread_count,
    unread_inputs,
)

__all__ = [
    "MATRIX_MAX_ENTRIES",
    "NAMED_PADDINGS",
    "PADDING_MODES",
    "VIEW_MAX_ENTRIES",
    "AxisSpec",
    "CanvasAxis",
    "CanvasView",
    "CellKind",
    "ChannelTaps",
    "Connectivity",
    "ConvSpec",
    "PoolMode",
    "Pooling",
    "ScatterView",
    "Taps",
    "apply",
    "apply_transpose",
    "canvas",
    "canvas_values",
    "channel_taps",
    "connectivity",
    "default_input_size",
    "dense_matrix",
    "first_unread",
    "flat_index",
    "grid_positions",
    "interior_overlap",
    "kernel_index_matrix",
    "overlap_counts",
    "padding_sources",
    "read_inputs",
    "scatter",
    "scatter_running_sums",
    "taps",
    "unread_count",
    "unread_inputs",
]
