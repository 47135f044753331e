"""What each frame of a channel view shows: the one-channel storyboard times the channels.

A layer with channels repeats one spatial story for every channel pair its
groups connect (``geometry.connectivity``), so a channel storyboard is the
spatial storyboard of ``spec.spatial`` and, per frame, which channels and which
weight slices take part. Two readings:

- gather: one frame per (output channel, output cell), output channels outermost:
  the footprint lies on every input channel of the output's group;
- scatter (transposed specs): one frame per (input channel, input cell): the cell
  stamps its kernel slice into every output channel of its group.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry import Connectivity, ConvSpec, connectivity
from convanim.lazy import Lazy
from convanim.story.board import Storyboard, View, build_storyboard


class Reading(str, enum.Enum):
    """Which way a channel view reads the op."""

    GATHER = "gather"  # each output cell gathers its footprint in every input channel of its group
    SCATTER = "scatter"  # each input cell stamps the kernel into every output channel of its group

    @property
    def spatial_view(self) -> View:
        """The one-channel view this reading repeats per channel pair."""
        return View.SCATTER if self is Reading.SCATTER else View.CANVAS


def check_reading(spec: ConvSpec, reading: Reading) -> Reading:
    """``reading``, refused if it is the scatter reading of a spec that is no transposed one."""
    reading = Reading(reading)
    if reading is Reading.SCATTER and not spec.transposed:
        raise ConvanimError("reading", "the scatter reading needs a transposed spec ({transposed})")
    return reading


@dataclass(frozen=True)
class ChannelFrame:
    """What one frame of a channel view lights up."""

    spatial: int  # the frame of the spatial storyboard: footprint, output cell or stamp
    group: int
    inputs: np.ndarray  # (I,) input channels lit: the group's (gather), or the stamping one
    outputs: np.ndarray  # (O,) output channels lit: the one being made (gather), or the group's
    slices: np.ndarray  # (I or O, 2) leading indices into w of the kernel slice each lit pair uses


@dataclass(frozen=True)
class ChannelStoryboard:
    """The planes and the frames of one channel view."""

    spec: ConvSpec  # with its channels, groups and bias
    reading: Reading
    spatial: Storyboard  # the one-channel story every channel pair shares
    pairs: Connectivity
    frames: Sequence[ChannelFrame]  # made when read

    @property
    def stamps(self) -> bool:
        return self.reading is Reading.SCATTER


def channel_frame_count(spec: ConvSpec, reading: Reading) -> int:
    """Frames of a channel view: per output channel and cell, or per input channel and cell.

    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1, in_channels=3, out_channels=2)
    >>> channel_frame_count(spec, Reading.GATHER)
    18
    """
    if Reading(reading) is Reading.SCATTER:
        return spec.in_channels * math.prod(spec.input_size)
    return spec.out_channels * math.prod(spec.output_size)


def build_channel_storyboard(
    spec: ConvSpec, reading: Reading = Reading.GATHER
) -> ChannelStoryboard:
    """The channel storyboard of ``spec`` read one way (the scatter reading needs a transposed spec).

    >>> spec = ConvSpec(input_size=(5, 5), kernel=3, in_channels=4, out_channels=2, groups=2)
    >>> board = build_channel_storyboard(spec)
    >>> len(board.frames), board.frames[9].inputs.tolist(), board.frames[9].slices.tolist()
    (18, [2, 3], [[1, 0], [1, 1]])
    """
    reading = check_reading(spec, reading)
    spatial = build_storyboard(spec.spatial, reading.spatial_view)
    pairs = connectivity(spec)
    per_channel = len(spatial.frames)

    def frame(index: int) -> ChannelFrame:
        channel, step = divmod(index, per_channel)
        if reading is Reading.SCATTER:
            group = int(pairs.input_group[channel])
            lit = pairs.input == channel
            inputs, outputs = np.array([channel]), pairs.group_outputs[group]
        else:
            group = int(pairs.output_group[channel])
            lit = pairs.output == channel
            inputs, outputs = pairs.group_inputs[group], np.array([channel])
        return ChannelFrame(step, group, inputs, outputs, pairs.weight[lit])

    count = channel_frame_count(spec, reading)
    return ChannelStoryboard(spec, reading, spatial, pairs, Lazy(count, frame))


def stamp_counts(board: ChannelStoryboard, frame: ChannelFrame) -> np.ndarray:
    """Scatter reading: (out_channels, grid...) stamps each output cell has received once
    ``frame``'s stamp is down (an output channel counts the stamps of its group's inputs)."""
    spatial = board.spatial.frames
    whole, now = spatial[-1].counts, spatial[frame.spatial].counts
    assert whole is not None and now is not None
    pairs = board.pairs
    stamping = int(frame.inputs[0])
    done = np.array(
        [np.count_nonzero(pairs.group_inputs[group] < stamping) for group in pairs.output_group]
    )
    result = done[:, None] * whole.reshape(1, -1)
    result[frame.outputs] += now.reshape(1, -1)
    return result.reshape(len(done), *whole.shape)
