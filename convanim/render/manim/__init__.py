"""Manim backend: ``blocks`` (grids, labels, heat maps for the scenes) and ``driver``
(renders a scene of ``convanim.scenes`` to a file through Manim's Python API).

This module itself is light (no Manim, no plans): the command line reads its choices.
"""

import enum

#: Animation steps a scene may take (about a second of video and of rendering each).
MAX_STEPS = 100


class Quality(str, enum.Enum):
    """Render quality: 480p15, 720p30, 1080p60, 2160p60."""

    LOW = "l"
    MEDIUM = "m"
    HIGH = "h"
    FOURK = "k"


class SceneFormat(str, enum.Enum):
    """What a render produces: the video, an animated GIF, or the last frame."""

    MP4 = "mp4"
    GIF = "gif"
    PNG = "png"
