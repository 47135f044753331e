"""The deconvnet's stages that are no layer's board, as maps side by side (``draw.maps``):
the ReLUs, the unpooling a pooled cell at a time, the reconstruction beside x; and the
real picture with each edge filter's pooled map and reconstruction.

A 1-D map is drawn as one row.
"""

from __future__ import annotations

import numpy as np

from convanim.draw.maps import Fill, MapPanel
from convanim.geometry.deconvnet import Deconvnet, Unpooling
from convanim.story.board import drawn_cells
from convanim.story.deconvnet import PictureStory
from convanim.text import size_text

Rows = list[list[MapPanel]]


def _plane(values: np.ndarray) -> np.ndarray:
    """A map as (rows, columns): a 1-D one as one row."""
    return values.reshape(1, -1) if values.ndim == 1 else values


def _named(name: str, values: np.ndarray) -> str:
    return f"{name} {size_text(values.shape)}"


def relu_frames(before: np.ndarray, names: tuple[str, str]) -> list[Rows]:
    """One frame: map ``before`` and max(before, 0) side by side, the cells the ReLU
    changes (the negative ones) lit on both."""
    after = np.maximum(before, 0.0)
    negative = drawn_cells(np.argwhere(before < 0))
    return [
        [
            [
                MapPanel(_named(names[0], before), _plane(before), Fill.OUTPUT, lit=negative),
                MapPanel(_named(names[1], after), _plane(after), Fill.OUTPUT, lit=negative),
            ]
        ]
    ]


def unpooling_frames(unpooling: Unpooling) -> list[Rows]:
    """A frame per pooled cell: it lit on the pooled map, and on the unpooled one its
    window lit and its switch ringed, where its value now stands."""
    steps, channel = unpooling.steps, unpooling.channel
    pooled = steps.pooled[channel]
    pooled_cells, switches = drawn_cells(unpooling.pooled), drawn_cells(unpooling.switch)
    frames = []
    for index in range(len(unpooling)):
        filled = unpooling.after(index + 1)
        frames.append(
            [
                [
                    MapPanel(
                        _named("pooled", pooled),
                        _plane(pooled),
                        Fill.OUTPUT,
                        lit=pooled_cells[index : index + 1],
                    ),
                    MapPanel(
                        _named("unpooled", filled),
                        _plane(filled),
                        Fill.OUTPUT,
                        lit=drawn_cells(unpooling.window(index)),
                        ringed=switches[index : index + 1],
                    ),
                ]
            ]
        )
    return frames


def reconstruction_frames(steps: Deconvnet) -> list[Rows]:
    """One frame: x and its reconstruction x' = Cᵀ(...) side by side."""
    x, made = steps.x[0], steps.reconstruction[0]
    return [
        [
            [
                MapPanel(_named("x", x), _plane(x), Fill.INPUT),
                MapPanel(_named("x' reconstruction", made), _plane(made), Fill.INPUT),
            ]
        ]
    ]


def picture_rows(story: PictureStory) -> Rows:
    """The picture in grey beside each filter's weights; under each filter its pooled map
    (0 black, the largest white), then its reconstruction (0 mid-grey, signed)."""
    image = MapPanel(_named("picture", story.image), story.image, Fill.GREY)
    filters, pooled, made = [], [], []
    for name, steps in zip(story.names, story.steps):
        filters.append(MapPanel(name, steps.w[0, 0], Fill.OUTPUT))
        pooled.append(MapPanel(_named("pooled", steps.pooled[0]), steps.pooled[0], Fill.GREY))
        made.append(
            MapPanel(_named("reconstruction", steps.x[0]), steps.reconstruction[0], Fill.SIGNED)
        )
    return [[image, *filters], pooled, made]
