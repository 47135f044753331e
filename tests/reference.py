"""Independent NumPy convolutions: the oracle the geometry is checked against.

Nothing here uses the geometry's taps or output-size formulas, nor imports it at
run time; only the spec's normalised fields are read. Arrays are (axis 0, axis 1,
...) with no batch or channel axes, except in the grouped versions, which take
PyTorch's layouts: x (C_in, ...), w (C_out, C_in/groups, ...) for a convolution
and (C_in, C_out/groups, ...) for a transposed one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

if TYPE_CHECKING:
    from convanim.geometry import ConvSpec


#: np.pad's names for PyTorch's padding modes (its own implementation of each).
NUMPY_PAD_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
}


def pad(x: np.ndarray, padding: object, mode: str = "zeros") -> np.ndarray:
    """``x`` padded as PyTorch's ``padding_mode`` says, by np.pad: zeros, reflect (the edge
    not repeated), replicate (np.pad's "edge") or circular (np.pad's "wrap")."""
    return np.pad(x, padding, mode=NUMPY_PAD_MODES[mode])  # type: ignore[call-overload]


def conv(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Cross-correlation: pad (zeros, or the spec's padding mode), take every dilated window,
    keep every s-th, weight and sum."""
    padded = pad(x, spec.padding, spec.padding_mode)
    spans = tuple(d * (k - 1) + 1 for k, d in zip(w.shape, spec.dilation))
    windows = sliding_window_view(padded, spans)
    ndim = x.ndim
    windows = windows[
        tuple(slice(None, None, s) for s in spec.stride)
        + tuple(slice(None, None, d) for d in spec.dilation)
    ]
    return np.tensordot(windows, w, axes=(range(ndim, 2 * ndim), range(ndim)))


def conv_transpose(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Scatter definition: each input cell adds ``x[i] * w`` (dilated) at ``i * s``, then crop.

    The full buffer holds every stamp plus output_padding cells at the end;
    cropping removes ``pb`` cells before and ``pa`` after.
    """
    full = tuple(
        (n - 1) * s + d * (k - 1) + 1 + op
        for n, k, s, d, op in zip(x.shape, w.shape, spec.stride, spec.dilation, spec.output_padding)
    )
    buffer = np.zeros(full, dtype=np.result_type(x, w, float))
    for i in np.ndindex(x.shape):
        stamp = tuple(
            slice(ii * s, ii * s + d * (k - 1) + 1, d)
            for ii, s, d, k in zip(i, spec.stride, spec.dilation, w.shape)
        )
        buffer[stamp] += x[i] * w
    crop = tuple(slice(pb, size - pa) for (pb, pa), size in zip(spec.padding, full))
    return buffer[crop]


def conv_grouped(
    x: np.ndarray, w: np.ndarray, spec: ConvSpec, b: np.ndarray | None = None
) -> np.ndarray:
    """Grouped cross-correlation (padded as ``pad``): per group, the windows of its input channels contracted
    with its output channels' weights over channels and kernel cells, then the bias."""
    ndim = x.ndim - 1
    padded = pad(x, ((0, 0), *spec.padding), spec.padding_mode)
    spans = tuple(d * (k - 1) + 1 for k, d in zip(w.shape[2:], spec.dilation))
    windows = sliding_window_view(padded, spans, axis=tuple(range(1, ndim + 1)))
    every_channel = slice(None)
    strides = (slice(None, None, s) for s in spec.stride)
    dilations = (slice(None, None, d) for d in spec.dilation)
    windows = windows[(every_channel, *strides, *dilations)]  # (C_in, output..., kernel...)
    inputs, outputs = x.shape[0] // spec.groups, w.shape[0] // spec.groups
    kernel_axes = list(range(ndim + 1, 2 * ndim + 1))
    y = np.concatenate(
        [
            np.tensordot(
                w[g * outputs : (g + 1) * outputs],
                windows[g * inputs : (g + 1) * inputs],
                axes=([1, *range(2, ndim + 2)], [0, *kernel_axes]),
            )
            for g in range(spec.groups)
        ]
    )
    return y if b is None else y + b.reshape(-1, *(1,) * ndim)


def conv_transpose_grouped(
    x: np.ndarray, w: np.ndarray, spec: ConvSpec, b: np.ndarray | None = None
) -> np.ndarray:
    """Grouped scatter: input cell i of channel c adds ``x[c, i] * w[c]`` (one stamp per
    output channel of c's group, dilated) at ``i * s``; then crop and add the bias."""
    ndim = x.ndim - 1
    kernel = w.shape[2:]
    inputs, outputs = x.shape[0] // spec.groups, w.shape[1]
    full = tuple(
        (n - 1) * s + d * (k - 1) + 1 + op
        for n, k, s, d, op in zip(
            x.shape[1:], kernel, spec.stride, spec.dilation, spec.output_padding
        )
    )
    buffer = np.zeros((outputs * spec.groups, *full), dtype=np.result_type(x, w, float))
    for g in range(spec.groups):
        channels = slice(g * inputs, (g + 1) * inputs)
        for i in np.ndindex(x.shape[1:]):
            stamp = tuple(
                slice(ii * s, ii * s + d * (k - 1) + 1, d)
                for ii, s, d, k in zip(i, spec.stride, spec.dilation, kernel)
            )
            stamps = np.einsum("c,co...->o...", x[(channels, *i)], w[channels])
            buffer[(slice(g * outputs, (g + 1) * outputs), *stamp)] += stamps
    crop = tuple(slice(pb, size - pa) for (pb, pa), size in zip(spec.padding, full))
    y = buffer[(slice(None), *crop)]
    return y if b is None else y + b.reshape(-1, *(1,) * ndim)


def pool(x: np.ndarray, spec: ConvSpec, mode: str, count_include_pad: bool = True) -> np.ndarray:
    """Max or average pooling: pad (-inf or 0), take every dilated window, keep every s-th, reduce."""
    fill = -np.inf if mode == "max" else 0.0
    padded = np.pad(x.astype(float), spec.padding, constant_values=fill)
    real = np.pad(np.ones(x.shape), spec.padding)
    spans = tuple(d * (k - 1) + 1 for k, d in zip(spec.kernel, spec.dilation))
    keep = tuple(slice(None, None, s) for s in spec.stride) + tuple(
        slice(None, None, d) for d in spec.dilation
    )
    windows = sliding_window_view(padded, spans)[keep]
    axes = tuple(range(x.ndim, 2 * x.ndim))
    if mode == "max":
        return windows.max(axis=axes)
    total = windows.sum(axis=axes)
    if count_include_pad:
        return total / np.prod(spec.kernel)
    return total / sliding_window_view(real, spans)[keep].sum(axis=axes)


def max_pool_with_switches(x: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...]):
    """Max pooling without padding and its switches, window by window: the maximum and the
    row-major flat index into x of its first occurrence (PyTorch's return_indices)."""
    out_size = tuple((n - k) // s + 1 for n, k, s in zip(x.shape, kernel, stride))
    pooled, where = np.zeros(out_size), np.zeros(out_size, dtype=int)
    for o in np.ndindex(out_size):
        best = None
        for offset in np.ndindex(kernel):
            i = tuple(oo * s + kk for oo, s, kk in zip(o, stride, offset))
            if best is None or x[i] > x[best]:
                best = i
        pooled[o], where[o] = x[best], np.ravel_multi_index(best, x.shape)
    return pooled, where


def max_unpool(pooled: np.ndarray, where: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """Each pooled value written at its switch in a zero map of ``size``."""
    out = np.zeros(int(np.prod(size)))
    for value, index in zip(pooled.reshape(-1), where.reshape(-1)):
        out[index] = value
    return out.reshape(size)
