"""ZF Net's deconvnet told in stages, with numbers; and on a real picture, with a bank of
four oriented edge filters set by hand.

The stages, in order, each drawn by what convanim already draws where it can (the
convolution's board, the max pooling's board with its winners, the transposed
convolution's scatter view) and as maps side by side where no layer is (the ReLUs, the
unpooling, the reconstruction beside x). The numbers are ``geometry.deconvnet``'s.

>>> story = deconvnet_story(ConvSpec(input_size=(6, 6), kernel=3), pool_kernel=2, seed=0)
>>> sorted(story.numbers()) == sorted(NUMBER_KEYS)
True
>>> story.steps.pooled.shape, story.steps.reconstruction.shape
((1, 2, 2), (1, 6, 6))
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec
from convanim.geometry.deconvnet import Deconvnet, check_layer, deconvnet, pooling_over
from convanim.story.values import SMALL_WEIGHTS, given_array, small_values
from convanim.text import shape_text, size_text

#: The keys of ``--json``, in the order of the stages.
NUMBER_KEYS = ("x", "w", "y", "relu", "pooled", "switches", "unpooled", "reconstruction")

#: The deconvnet's own stream of the seed: its inputs do not repeat the layer's draws.
DECONVNET_STREAM = 2

#: Each stage's heading, in the order drawn.
STAGES = (
    "1. convolution: y = conv(x, w)",
    "2. ReLU: max(y, 0)",
    "3. max pooling, each winner's place kept (the switches)",
    "4. unpooling: each pooled value back at its switch, 0 elsewhere",
    "5. ReLU again (nothing is negative)",
    "6. transposed convolution, the same filter: x' = C^T y",
    "7. the reconstruction beside x",
)
#: The lines of the closing frame: the whole way in one formula, and what it means.
CLOSING = (
    "x' = C^T max(unpool(maxpool(max(C x, 0))), 0)",
    "each pooled activation sends its filter back, weighted by how strongly it answered",
)

#: The real picture: Grace Hopper's portrait, grey, 48x48 (scripts/make_picture.py).
PICTURE = "grace_hopper_48.npy"

#: Four oriented edge filters set by hand (Sobel's): each answers to an edge across its
#: direction, bright on the side of its positive weights.
EDGE_FILTERS: dict[str, tuple[tuple[float, ...], ...]] = {
    "horizontal edge": ((1, 2, 1), (0, 0, 0), (-1, -2, -1)),
    "vertical edge": ((1, 0, -1), (2, 0, -2), (1, 0, -1)),
    "diagonal edge \\": ((0, 1, 2), (-1, 0, 1), (-2, -1, 0)),
    "diagonal edge /": ((2, 1, 0), (1, 0, -1), (0, -1, -2)),
}
#: What the picture sets itself, refused if given: the pooling and numbers of the layer
#: (with the layer's flags), and --json (the numbers of one layer).
PICTURE_SETS = ("pool_kernel", "pool_stride", "weights", "input_values", "seed", "as_json")
#: The picture's layer and pooling: a 3x3 filter keeping the size, 2x2 max pooling.
PICTURE_PADDING = 1
PICTURE_WINDOW = 2


def seeded_values(spec: ConvSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x and w of a one-channel ``spec`` from ``seed``: non-zero integers -2..2 (as the
    seeded weights), so the convolution's outputs take both signs and the ReLU has work.

    >>> x, w = seeded_values(ConvSpec(input_size=(5, 5), kernel=3), seed=0)
    >>> x.shape, w.shape, bool((x < 0).any() and (x > 0).any())
    ((5, 5), (3, 3), True)
    """
    _, w = small_values(spec, seed)
    rng = np.random.default_rng([seed, DECONVNET_STREAM])
    return rng.choice(SMALL_WEIGHTS, size=spec.input_size), w


@dataclass(frozen=True, eq=False)
class DeconvnetStory:
    """One layer's way down and back (``steps``), the stages' headings and the closing
    frame's lines."""

    steps: Deconvnet
    stages: tuple[str, ...] = STAGES
    closing: tuple[str, ...] = CLOSING

    @property
    def about(self) -> str:
        """The animation in one sentence (its alt text)."""
        shape = shape_text(self.steps.spec)
        return f"ZF Net's deconvnet: {shape}, max pooling, and back to a reconstruction"

    def numbers(self) -> dict[str, Any]:
        """The eight arrays as nested lists, channels first (PyTorch's layouts); the switches
        as integers."""
        steps = self.steps
        return {key: getattr(steps, key).tolist() for key in NUMBER_KEYS}


def check_story_layer(spec: ConvSpec) -> None:
    """Refuse, before any number is made, a layer this story cannot tell: one
    ``geometry.deconvnet`` refuses, more than one channel, or padding other than zeros
    (the way back is a transposed convolution)."""
    check_layer(spec)
    if not spec.single_channel:
        rule = (
            f"draws one channel; the layer has {spec.in_channels} input and "
            f"{spec.out_channels} output channels"
        )
        raise ConvanimError("in_channels" if spec.in_channels > 1 else "out_channels", rule)
    if spec.padding_mode != "zeros":
        rule = "the way back is a transposed convolution, which pads with zeros only: drop"
        raise ConvanimError("padding_mode", f"{rule} {{padding_mode}} {spec.padding_mode}")


def deconvnet_story(
    spec: ConvSpec,
    pool_kernel: Any,
    pool_stride: Any = None,
    seed: int = 0,
    input_values: object = None,
    weights: object = None,
) -> DeconvnetStory:
    """The deconvnet of a one-channel layer ``spec`` with max pooling of ``pool_kernel``
    cells a side stepping ``pool_stride`` (default: the kernel): at the given numbers
    (row-major, shaped as x and w), else small integers from ``seed`` (``seeded_values``);
    a layer ``check_story_layer`` refuses is refused."""
    check_story_layer(spec)
    try:
        pooling = pooling_over(spec, pool_kernel, pool_stride)
    except ConvanimError as error:  # the pooling's spec is over the layer's output maps
        error = error.renamed({"kernel": "pool_kernel", "stride": "pool_stride"})
        rule = f"{error.rule} (the pooling reads the layer's {size_text(spec.output_size)} output)"
        culprit = "pool_kernel" if error.argument == "input_size" else error.argument
        raise ConvanimError(culprit, rule, error.axis) from None
    x, w = seeded_values(spec, seed)
    if input_values is not None:
        x = given_array(input_values, spec.input_size, "input_values")
    if weights is not None:
        w = given_array(weights, spec.kernel, "weights")
    return DeconvnetStory(deconvnet(spec, pooling, x[None], w[None, None]))


@dataclass(frozen=True, eq=False)
class PictureStory:
    """The real picture through each edge filter's deconvnet: the image and, per filter,
    its name, its weights and its steps."""

    image: np.ndarray  # (rows, columns), 0 (black) to 255 (white): integers, sums exact
    names: tuple[str, ...]
    steps: tuple[Deconvnet, ...]
    about: str = (  # the alt text
        "A 48x48 grey portrait through four edge filters (horizontal, vertical, two diagonal): "
        "each one's pooled map and its reconstruction"
    )


def picture_story() -> PictureStory:
    """Grace Hopper's portrait through each of ``EDGE_FILTERS``, a 3x3 convolution keeping
    the size, ReLU and 2x2 max pooling, and back."""
    with resources.files("convanim.story").joinpath(PICTURE).open("rb") as file:
        image = np.load(file, allow_pickle=False).astype(float)
    spec = ConvSpec(input_size=image.shape, kernel=3, padding=PICTURE_PADDING)
    pooling = pooling_over(spec, PICTURE_WINDOW)
    steps = tuple(
        deconvnet(spec, pooling, image[None], np.array(w, dtype=float)[None, None])
        for w in EDGE_FILTERS.values()
    )
    return PictureStory(image, tuple(EDGE_FILTERS), steps)
