"""ZF Net's deconvnet on one layer: down through conv, ReLU and max pooling, recording the
switches, then back up through unpooling, ReLU and the transposed convolution.

The way back reconstructs what activated the layer: ``x' = C^T y`` weighs each output's
filter by how strongly it answered (Zeiler & Fergus 2014; the seed's point). Layouts are
PyTorch's, channels first: x (in_channels, input_size...), w ``spec.weight_shape``, the
conv's maps (out_channels, output_size...), the pooled maps and the switches
(out_channels, pooled size...). A switch is what ``max_pool2d(..., return_indices=True)``
gives: the flat row-major index, into its channel's map, of the cell its window took.

The second ReLU changes nothing on one layer (a pooled value is a rectified one, so at
least 0): it stays a stage because ZF Net's way back has it.

>>> spec = ConvSpec(input_size=4, kernel=1)
>>> steps = deconvnet(spec, Pooling(ConvSpec(input_size=4, kernel=2, stride=2), "max"),
...                   np.array([[1.0, -3.0, 2.0, 5.0]]), np.ones((1, 1, 1)))
>>> steps.relu.tolist(), steps.pooled.tolist(), steps.switches.tolist()
([[1.0, 0.0, 2.0, 5.0]], [[1.0, 5.0]], [[0, 3]])
>>> steps.unpooled.tolist(), steps.reconstruction.tolist()
([[1.0, 0.0, 0.0, 5.0]], [[1.0, 0.0, 0.0, 5.0]])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry.pooling import Pooling, PoolMode
from convanim.geometry.spec import ConvSpec
from convanim.geometry.views import (
    _with_channels,
    apply,
    apply_transpose,
    flat_index,
    grid_positions,
    taps,
)


@dataclass(frozen=True, eq=False)
class Deconvnet:
    """Every step of one layer's way down and back, channels first (see the module)."""

    spec: ConvSpec  # the layer
    pooling: Pooling  # the max pooling over each of its output maps
    x: np.ndarray  # (in_channels, input_size...)
    w: np.ndarray  # spec.weight_shape
    y: np.ndarray  # (out_channels, output_size...): conv(x, w)
    relu: np.ndarray  # as y: max(y, 0)
    pooled: np.ndarray  # (out_channels, pooled size...): the max of each window
    switches: np.ndarray  # as pooled, integers: flat index of each winner in its map
    unpooled: np.ndarray  # as y: each pooled value back at its switch, 0 elsewhere
    reconstruction: np.ndarray  # as x: C^T max(unpooled, 0), the same weights


def switches(pooling: Pooling, maps: np.ndarray) -> np.ndarray:
    """Where each window's maximum is, per map: (channels, pooled size...) flat row-major
    indices into the map, PyTorch's ``return_indices`` (ties: the first cell wins).

    >>> pool = Pooling(ConvSpec(input_size=4, kernel=2, stride=2), "max")
    >>> switches(pool, np.array([[0.0, 7.0, 3.0, 3.0]])).tolist()
    [[1, 2]]
    """
    spec = pooling.spec
    rows = [pooling.winners(each).reshape(-1, spec.ndim) for each in maps]
    size = pooling.windows.output_size
    return np.stack([flat_index(each, spec.input_size).reshape(size) for each in rows])


def unpool(pooled: np.ndarray, where: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """Each pooled value put back at its switch in a map of ``size``, zeros elsewhere
    (PyTorch's ``max_unpool``): (channels, size...).

    >>> unpool(np.array([[4.0, 9.0]]), np.array([[1, 2]]), (4,)).tolist()
    [[0.0, 4.0, 9.0, 0.0]]
    """
    channels = pooled.shape[0]
    out = np.zeros((channels, math.prod(size)), dtype=np.result_type(pooled, float))
    rows = np.repeat(np.arange(channels), where[0].size)
    out[rows, where.reshape(-1)] = pooled.reshape(-1)
    return out.reshape((channels, *size))


def pooling_over(spec: ConvSpec, window: Any, stride: Any = None) -> Pooling:
    """The max pooling of ``spec``'s output maps by ``window`` cells a side, stepping
    ``stride`` (default: the window, as PyTorch's)."""
    maps = ConvSpec(
        input_size=spec.output_size, kernel=window, stride=window if stride is None else stride
    )
    return Pooling(maps, PoolMode.MAX)


def check_layer(spec: ConvSpec) -> None:
    """Refuse a layer the deconvnet cannot go down through: a transposed convolution, or a
    layer with a bias (ZF Net's way back uses the filters alone)."""
    if spec.transposed:
        raise ConvanimError("transposed", "the deconvnet goes down through a convolution: drop it")
    if spec.bias:
        raise ConvanimError("bias", "the deconvnet's way back uses the filters alone: drop it")


def deconvnet(spec: ConvSpec, pooling: Pooling, x: Any, w: Any) -> Deconvnet:
    """Every step of ``spec`` at input ``x`` and weights ``w``, pooled by ``pooling`` (a
    max pooling of one output map), and back; a layer ``check_layer`` refuses is refused."""
    check_layer(spec)
    if pooling.mode is not PoolMode.MAX:
        raise ConvanimError("pooling", "the deconvnet's switches are a max pooling's")
    if pooling.spec.input_size != spec.output_size:
        rule = f"pools maps of {pooling.spec.input_size}, the layer makes {spec.output_size}"
        raise ConvanimError("pooling", rule)
    x, _ = _with_channels(spec, "x", x, spec.in_channels, spec.input_size)
    y = apply(spec, x, w)
    relu = np.maximum(y, 0.0)
    pooled = np.stack([pooling.apply(each) for each in relu])
    where = switches(pooling, relu)
    unpooled = unpool(pooled, where, spec.output_size)
    reconstruction = apply_transpose(spec, np.maximum(unpooled, 0.0), w)
    w = np.asarray(w, dtype=float).reshape(spec.weight_shape)
    return Deconvnet(spec, pooling, x, w, y, relu, pooled, where, unpooled, reconstruction)


@dataclass(frozen=True, eq=False)
class Unpooling:
    """One map unpooled a pooled cell at a time, row-major: where each pooled cell is, the
    window it pooled and the switch its value goes back to, in the map's positions."""

    steps: Deconvnet
    channel: int

    def __len__(self) -> int:
        return self.steps.pooled[self.channel].size

    @property
    def pooled(self) -> np.ndarray:
        """(P, ndim): each pooled cell's position, row-major."""
        return grid_positions(self.steps.pooling.windows.output_size)

    @property
    def switch(self) -> np.ndarray:
        """(P, ndim): the map cell each pooled value goes back to (its switch, unflattened)."""
        where = self.steps.switches[self.channel].reshape(-1)
        return np.stack(np.unravel_index(where, self.steps.spec.output_size), axis=-1)

    def window(self, index: int) -> np.ndarray:
        """(W, ndim): the map cells pooled cell ``index`` took its maximum over."""
        spec = self.steps.pooling.windows
        window_taps = taps(spec)
        return window_taps.input[flat_index(window_taps.output, spec.output_size) == index]

    def after(self, count: int) -> np.ndarray:
        """(map size...): the unpooled map once the first ``count`` pooled values are back."""
        pooled = self.steps.pooled[self.channel].reshape(-1)[:count]
        where = self.steps.switches[self.channel].reshape(-1)[:count]
        return unpool(pooled[None], where[None], self.steps.spec.output_size)[0]
