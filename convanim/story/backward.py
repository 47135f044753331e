"""The backward pass told as pictures convanim already draws, each exact.

Given a layer, its input x, weights w and an upstream gradient dy:

- ``dx = C^T dy`` is the transposed layer run on dy with the same weights: the guide's
  picture of it gathers (dy with zeros inserted and re-padded, under the kernel) and the
  scatter view stamps (each dy cell adds its scaled kernel back);
- ``dw`` is the correlation of x with dy: a convolution over x whose kernel is dy,
  dilated by the stride and stepping by the dilation, one output cell per weight, so
  each frame lights every input cell that weight met and sums them (for a transposed
  layer dy is the input and x the kernel). With channels it is depthwise: each channel
  of x correlated with each channel of dy its groups connect it to, one output channel
  per pair, tagged with its weights' leading index in w;
- ``db`` is dy summed: a kernel of ones as large as dy over each channel, one frame each.

``gradient_story`` gives the layer each picture draws, with its numbers, the names of its
two planes and a sentence for its alt text. The numbers themselves come from
``geometry.backward`` and are checked there; the pictures print the same ones.

>>> spec = ConvSpec(input_size=6, kernel=3, stride=2)
>>> x, w, dy = np.arange(6.0)[None], np.ones((1, 1, 3)), np.array([[1.0, 10.0]])
>>> story = gradient_story(spec, Grad.WEIGHT, x, w, dy)
>>> story.spec.input_size, story.spec.kernel, story.spec.stride, story.spec.dilation
((5,), (2,), (1,), (2,))
>>> story.names, story.spec.output_size
(('x', 'dw'), (3,))
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from convanim.geometry import ConvSpec, apply
from convanim.geometry.backward import (
    gradients,
    weight_gradient_operands,
    weight_gradient_pairs,
    weight_gradient_spec,
)
from convanim.story.board import Board, Plane
from convanim.text import alt_text


class Grad(str, enum.Enum):
    """Which gradient a backward picture shows."""

    INPUT = "input"  # dx = C^T dy
    WEIGHT = "weight"  # dw: x correlated with dy
    BIAS = "bias"  # db: dy summed


@dataclass(frozen=True, eq=False)
class GradientStory:
    """The picture of one gradient: the layer drawn, its input and weights (the numbers
    printed), what its two planes hold and a sentence about it."""

    grad: Grad
    layer: ConvSpec  # the layer whose gradient it is
    spec: ConvSpec  # the layer the picture draws
    input: np.ndarray  # its input values
    weights: np.ndarray  # its kernel's values
    #: Its (input, output) planes as the gradient's terms name them, and with channels
    #: what its filters hold where they are not the layer's weights.
    names: tuple[str, ...]
    about: str  # the alt text
    forward: tuple[np.ndarray, np.ndarray, np.ndarray]  # the layer's x, w, dy: channels first
    bias: np.ndarray | None = None  # the layer's b (1,), where it has one
    #: With channels, dw's: each output channel's leading index into w (``o,i``).
    channel_tags: tuple[str, ...] | None = None


def gradient_story(
    layer: ConvSpec, grad: Grad, x: np.ndarray, w: np.ndarray, dy: np.ndarray
) -> GradientStory:
    """The picture of ``grad`` for ``layer`` at x, w and dy, channels first (x
    (in_channels, input_size...), w ``layer.weight_shape``, dy (out_channels,
    output_size...)), any layer (drawn in a channel view where it has channels). dw with
    channels is depthwise: one output channel per channel pair, one frame per weight."""
    grad = Grad(grad)
    forward = (x, w, dy)
    spec = gradient_spec(layer, grad)
    about = f"the {grad.value} gradient of the {_lowered(alt_text(layer))}"
    if grad is Grad.INPUT:
        return GradientStory(
            grad, layer, spec, dy, w, ("dy", "dx"), f"dx = Cᵀ dy, {about}", forward
        )
    if grad is Grad.BIAS:
        weights = np.ones(spec.weight_shape)
        return GradientStory(
            grad, layer, spec, dy, weights, ("dy", "db"), f"db = Σ dy, {about}", forward
        )
    source, kernel = weight_gradient_operands(layer, x, dy)
    about = f"dw, x correlated with dy: {about}"
    # A copying mode's weights met x padded, copies and all: the picture's input.
    x_name = "x" if layer.padding_mode == "zeros" else f"{layer.padding_mode}-padded x"
    if layer.single_channel:  # the one-slice views' arrays
        plain = ("dy", "dw") if layer.transposed else (x_name, "dw")
        return GradientStory(grad, layer, spec, source[0], kernel[0, 0], plain, about, forward)
    tags = tuple(f"{a},{b}" for a, b in weight_gradient_pairs(layer))
    # The filter of dw[o, i] is dy's channel o (x's channel i for a transposed layer).
    names = ("dy", "dw[i,o]", "x[i]") if layer.transposed else (x_name, "dw[o,i]", "dy[o]")
    story = GradientStory(grad, layer, spec, source, kernel, names, about, forward)
    return replace(story, channel_tags=tags)


def gradient_spec(layer: ConvSpec, grad: Grad) -> ConvSpec:
    """The layer ``gradient_story`` draws for ``grad``, known before any number: the
    transposed layer (dx), the weight gradient's convolution (dw), or a kernel of ones as
    large as dy over each of its channels (db)."""
    grad = Grad(grad)
    if grad is Grad.INPUT:
        return layer.transpose()
    if grad is Grad.WEIGHT:
        return weight_gradient_spec(layer)[0]
    channels = layer.out_channels  # each output channel's cells summed: ones over each
    return ConvSpec(
        input_size=layer.output_size,
        kernel=layer.output_size,
        in_channels=channels,
        out_channels=channels,
        groups=channels,
    )


def _lowered(sentence: str) -> str:
    """A sentence continued: ``Convolution of ...`` read as ``convolution of ...``."""
    return sentence[:1].lower() + sentence[1:]


def named(board: Board, names: tuple[str, ...]) -> Board:
    """``board`` with its planes' labels naming what they hold: ``dy 3x3, ...`` for
    ``input 3x3, ...`` (each label begins with its plane's role)."""
    lower, upper = board.lower, board.upper

    def renamed(plane: Plane, name: str) -> Plane:
        role, _, rest = plane.label.partition(" ")
        return replace(
            plane, label=f"{name} {rest}" if role in ("input", "output") else plane.label
        )

    return replace(board, lower=renamed(lower, names[0]), upper=renamed(upper, names[1]))


def gradient_numbers(story: GradientStory) -> dict[str, Any]:
    """The forward and backward numbers of a gradient's picture, in PyTorch's layouts
    (channels first, nested lists): ``x``, ``w``, ``b`` (with a bias), ``y``, ``dy``,
    ``dx``, ``dw`` and ``db`` (with a bias)."""
    layer, (x, w, dy), b = story.layer, story.forward, story.bias
    grads = gradients(layer, x, w, dy)
    record: dict[str, Any] = {"x": x.tolist(), "w": w.tolist()}
    if b is not None:
        record["b"] = b.tolist()
    record |= {
        "y": apply(layer, x, w, b).tolist(),
        "dy": dy.tolist(),
        "dx": grads.dx.tolist(),
        "dw": grads.dw.tolist(),
    }
    if grads.db is not None:
        record["db"] = grads.db.tolist()
    return record
