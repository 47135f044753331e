"""Render the Manim scenes of ``convanim.scenes`` through Manim's Python API (no shell commands).

The scene's plan is computed first (``check``), so invalid parameters fail
before Manim is imported. Manim renders into a temporary media folder, always
removed; the finished file is then put in place atomically.
"""

from __future__ import annotations

import enum
import importlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from convanim import scene_plans
from convanim.errors import ConvanimError
from convanim.render.encode.files import copy_file
from convanim.scene_plans import SceneParams

INSTALL_HINT = (
    "convanim scene needs Manim: apt-get install -y libcairo2-dev libpango1.0-dev pkg-config "
    "&& pip install 'convanim[manim]'"
)


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


#: Manim's name for each quality.
QUALITIES = {
    Quality.LOW: "low_quality",
    Quality.MEDIUM: "medium_quality",
    Quality.HIGH: "high_quality",
    Quality.FOURK: "fourk_quality",
}

Choice = TypeVar("Choice", Quality, SceneFormat)


def _choice(kind: type[Choice], value: Choice | str, argument: str) -> Choice:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(each.value for each in kind)
        raise ConvanimError(argument, f"must be one of {choices}, got {value!r}") from None


@dataclass(frozen=True)
class SceneEntry:
    module: str  # module in convanim.scenes
    cls: str
    plan: Callable[[SceneParams], object]  # the scene_plans function computing what it shows
    summary: str


SCENES = {
    "convolution": SceneEntry(
        "convolution",
        "ConvolutionScene",
        scene_plans.convolution_plan,
        "the kernel sweeps the padded input; each output cell fills as it is reached",
    ),
    "transposed": SceneEntry(
        "transposed",
        "TransposedConvolutionScene",
        scene_plans.transposed_plan,
        "a transposed conv as gather (zeros, re-pad, flipped kernel) and as scatter, equal",
    ),
    "matrix": SceneEntry(
        "matrix",
        "MatrixScene",
        scene_plans.matrix_plan,
        "y = Cx with C unrolled, then Cᵀ and x' = Cᵀy (1-D, then a tiny 2-D case)",
    ),
    "reconstruction": SceneEntry(
        "reconstruction",
        "ReconstructionScene",
        scene_plans.reconstruction_plan,
        "why x' = Σᵢ yᵢcᵢ = Cᵀy brings back what the kernel responds to",
    ),
}


def find_scene(name: str) -> SceneEntry:
    """The scene called ``name`` (its key or its class name)."""
    for key, entry in SCENES.items():
        if name in (key, entry.cls):
            return entry
    raise ConvanimError("scene", f"no scene {name!r}; choose one of {', '.join(SCENES)}")


def check(
    entry: SceneEntry,
    params: SceneParams,
    quality: Quality | str = Quality.LOW,
    file_format: SceneFormat | str = SceneFormat.MP4,
) -> None:
    """Refuse what cannot be rendered without starting Manim: computes the scene's plan once."""
    _choice(Quality, quality, "quality")
    _choice(SceneFormat, file_format, "file_format")
    entry.plan(params)


def render_scene(
    entry: SceneEntry,
    params: SceneParams,
    out: Path,
    quality: Quality | str = Quality.LOW,
    file_format: SceneFormat | str = SceneFormat.MP4,
    preview: bool = False,
) -> Path:
    """Render ``entry`` with ``params`` to ``out``; returns ``out``.

    ``out`` is written completely or not at all; Manim's media folder is removed.
    """
    quality = _choice(Quality, quality, "quality")
    file_format = _choice(SceneFormat, file_format, "file_format")
    try:
        from manim import tempconfig
    except ImportError:
        raise ConvanimError("scene", INSTALL_HINT) from None
    module = importlib.import_module(f"convanim.scenes.{entry.module}")
    variant = type(entry.cls, (getattr(module, entry.cls),), {"params": params})
    still = file_format is SceneFormat.PNG
    with tempfile.TemporaryDirectory(prefix="convanim-scene-") as media:
        settings = {
            "quality": QUALITIES[quality],
            "media_dir": media,
            "disable_caching": True,  # hashing every animation costs more than it saves here
            "progress_bar": "none",
            "verbosity": "WARNING",
            "preview": preview,
            "format": "mp4",
            "save_last_frame": still,
            "write_to_movie": not still,
        }
        with tempconfig(settings):
            scene = variant()
            scene.render()
            writer = scene.renderer.file_writer
            produced = Path(writer.image_file_path if still else writer.movie_file_path)
        if file_format is SceneFormat.GIF:
            # Manim's own GIFs are full-colour frames (100+ MB); ours share one palette.
            _mp4_to_gif(produced, out)
        else:
            copy_file(produced, out)
    return out


def _mp4_to_gif(movie: Path, out: Path) -> None:
    import av

    from convanim.render.encode.animation import write_animation

    with av.open(str(movie)) as container:
        stream = container.streams.video[0]
        duration = round(1000 / float(stream.average_rate))
        frames = [frame.to_image() for frame in container.decode(stream)]
    write_animation(frames, out, duration)
