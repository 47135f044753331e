"""The order a layer with channels is told in, and what each step of it has done.

A layer repeats one spatial story for every channel pair its groups connect
(``connectivity``). Told one frame at a time, it is read one of two ways:

- gather: one frame per (output channel, output cell), output channels outermost;
  the footprint lies on every input channel of the output's group;
- scatter (``stamps``): one frame per (input channel, input cell), input channels
  outermost; the cell stamps its kernel slice into every output channel of its group.

``LayerOrder`` holds that order and answers, for any frame, which channels and
kernel slices take part, which outputs are made, how many stamps each output cell
has received and which output channels are complete; ``PartialSums`` the sum of
x * w over a gather frame's footprint in each input channel.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from convanim.geometry.spec import ConvSpec
from convanim.geometry.views import Connectivity, canvas, canvas_values, connectivity, scatter


@dataclass(frozen=True)
class LayerFrame:
    """The channels one frame of a layer lights."""

    channel: int  # the output channel made (gather), or the input channel stamping (scatter)
    cell: int  # row-major index of the output cell made (gather), or of the stamping input cell
    group: int
    inputs: np.ndarray  # (I,) input channels lit: the group's (gather), or the stamping one
    outputs: np.ndarray  # (O,) output channels lit: the one made (gather), or the group's
    slices: np.ndarray  # (I or O, 2) leading indices into w of the kernel slice each lit pair uses


@dataclass(frozen=True, eq=False)
class LayerOrder:
    """The frames of a layer read one way (see the module docstring), in order.

    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, in_channels=4, out_channels=2, groups=2)
    >>> order = layer_order(spec, stamps=False)
    >>> len(order), order.frame(9).channel, order.frame(9).inputs.tolist()
    (18, 1, [2, 3])
    >>> order.made(9).sum(axis=1).tolist()  # output cells made per output channel
    [9, 1]
    """

    spec: ConvSpec
    stamps: bool  # the scatter reading (a transposed spec), else gather
    pairs: Connectivity
    cells: int  # frames per channel: output cells (gather) or input cells (scatter)

    def __len__(self) -> int:
        channels = self.spec.in_channels if self.stamps else self.spec.out_channels
        return channels * self.cells

    def _split(self, index: int) -> tuple[int, int]:
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} of {len(self)}")
        channel, cell = divmod(index, self.cells)
        return channel, cell

    def frame(self, index: int) -> LayerFrame:
        """Frame ``index``: its channel, cell, group and what it lights."""
        channel, cell = self._split(index)
        pairs = self.pairs
        if self.stamps:
            group = int(pairs.input_group[channel])
            inputs, outputs = np.array([channel]), pairs.group_outputs[group]
            lit = pairs.input == channel
        else:
            group = int(pairs.output_group[channel])
            inputs, outputs = pairs.group_inputs[group], np.array([channel])
            lit = pairs.output == channel
        return LayerFrame(channel, cell, group, inputs, outputs, pairs.weight[lit])

    def made(self, index: int) -> np.ndarray:
        """Gather: (out_channels, output cells) bool, the outputs made by frame ``index``
        or an earlier one."""
        channel, cell = self._split(index)
        made = np.zeros((self.spec.out_channels, self.cells), dtype=bool)
        made[:channel] = True
        made[channel, : cell + 1] = True
        return made

    def stamp_counts(self, index: int) -> np.ndarray:
        """Scatter: (out_channels, grid...) stamps each output cell of the scatter grid
        (``scatter(spec.spatial)``) has received once frame ``index``'s stamp is down; an
        output channel counts the stamps of its group's input channels."""
        channel, cell = self._split(index)
        counts = scatter(self.spec.spatial).counts
        pairs = self.pairs
        earlier = (pairs.group_inputs[pairs.output_group] < channel).sum(axis=1)
        result = earlier.reshape(-1, *[1] * (counts.ndim - 1)) * counts[-1]
        result[self.frame(index).outputs] += counts[cell]
        return result

    def complete(self, index: int) -> np.ndarray:
        """Scatter: (out_channels,) bool, whether every stamp into the output channel is
        down once frame ``index``'s is."""
        channel, cell = self._split(index)
        pairs = self.pairs
        last_inputs = pairs.group_inputs[pairs.output_group, -1]
        return (last_inputs < channel) | ((last_inputs == channel) & (cell == self.cells - 1))


@functools.lru_cache(maxsize=64)
def layer_order(spec: ConvSpec, stamps: bool) -> LayerOrder:
    """The frames of ``spec`` read by gathering, or (``stamps``, a transposed spec) by
    stamping (see ``LayerOrder``)."""
    sizes = spec.input_size if stamps else spec.output_size
    return LayerOrder(spec, stamps, connectivity(spec), math.prod(sizes))


class PartialSums:
    """Gather: per frame, each lit input channel's sum of x * w over the footprint.

    ``x`` is (in_channels, input_size...) and ``w`` in PyTorch's layout; the sums
    of a frame add up, with the bias, to the output it makes.

    >>> spec = ConvSpec(input_size=3, kernel=3, in_channels=2, out_channels=1)
    >>> x, w = np.array([[1.0, 2, 3], [4, 5, 6]]), np.ones((1, 2, 3))
    >>> PartialSums(spec, x, w).at(0).tolist()
    [6.0, 15.0]
    """

    def __init__(self, spec: ConvSpec, x: np.ndarray, w: np.ndarray):
        self.order = layer_order(spec, stamps=False)
        view = canvas(spec.spatial)
        self.view, self.output_size = view, spec.output_size
        #: (in_channels, grid...) the values the kernel meets, 0 on padding
        self.canvas = np.stack([canvas_values(spec.spatial, channel) for channel in x])
        kernel = tuple(view.footprint_kernel.T)
        self.taps = {
            (int(a), int(b)): w[a, b][kernel].astype(float) for a, b in self.order.pairs.weight
        }

    def taps_at(self, index: int) -> np.ndarray:
        """(I, K) the weight each lit slice puts on each footprint cell of frame ``index``."""
        return np.stack([self.taps[(int(a), int(b))] for a, b in self.order.frame(index).slices])

    def at(self, index: int) -> np.ndarray:
        """(I,) the partial sum of each lit input channel of frame ``index``."""
        lit = self.order.frame(index)
        footprint = self.view.footprint(np.unravel_index(lit.cell, self.output_size))
        every = (slice(None), *footprint.T)
        under = self.canvas[lit.inputs][every]
        return (under * self.taps_at(index)).sum(axis=1)
