"""Render the Manim scenes of ``scenes/`` through Manim's Python API (no shell commands).

The scene's plan is computed first, so invalid parameters fail before Manim is
imported; the rendered file is then moved into place atomically.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from convanim import scene_data
from convanim.scene_data import SceneParams

INSTALL_HINT = (
    "convanim scene needs Manim: apt-get install -y libcairo2-dev libpango1.0-dev pkg-config "
    "&& pip install 'convanim[manim]'"
)
QUALITIES = {"l": "low_quality", "m": "medium_quality", "h": "high_quality", "k": "fourk_quality"}
FORMATS = ("mp4", "gif", "png")


@dataclass(frozen=True)
class SceneEntry:
    module: str  # module in scenes/
    cls: str
    plan: object  # the scene_data function computing what the scene shows
    summary: str


SCENES = {
    "convolution": SceneEntry(
        "convolution",
        "ConvolutionScene",
        scene_data.convolution_plan,
        "the kernel sweeps the padded input; each output cell fills as it is reached",
    ),
    "transposed": SceneEntry(
        "transposed",
        "TransposedConvolutionScene",
        scene_data.transposed_plan,
        "a transposed conv as gather (zeros, re-pad, flipped kernel) and as scatter, equal",
    ),
    "matrix": SceneEntry(
        "matrix",
        "MatrixScene",
        scene_data.matrix_plan,
        "y = C x with C unrolled, then C^T and x' = C^T y (1-D, then a tiny 2-D case)",
    ),
    "reconstruction": SceneEntry(
        "reconstruction",
        "ReconstructionScene",
        scene_data.reconstruction_plan,
        "why x' = sum_i y_i c_i = C^T y brings back what the kernel responds to",
    ),
}


class SceneError(ValueError):
    """A scene request that cannot be rendered; the message names the flag."""


def find_scene(name: str) -> SceneEntry:
    for key, entry in SCENES.items():
        if name in (key, entry.cls):
            return entry
    raise SceneError(f"NAME: no scene {name!r}; choose one of {', '.join(SCENES)}")


def check(entry: SceneEntry, params: SceneParams) -> None:
    """Compute the scene's plan once, so a bad spec fails before Manim starts."""
    try:
        entry.plan(params)
    except ValueError as error:
        raise SceneError(f"--i/--k: {error}") from None


def render_scene(
    entry: SceneEntry,
    params: SceneParams,
    out: Path,
    quality: str = "l",
    file_format: str = "mp4",
    preview: bool = False,
) -> Path:
    """Render ``entry`` with ``params`` to ``out``; returns ``out``."""
    try:
        from manim import tempconfig
    except ImportError:
        raise SceneError(INSTALL_HINT) from None
    module = importlib.import_module(f"scenes.{entry.module}")
    variant = type(entry.cls, (getattr(module, entry.cls),), {"params": params})
    with tempfile.TemporaryDirectory(prefix="convanim-scene-") as media:
        settings = {
            "quality": QUALITIES[quality],
            "media_dir": media,
            "disable_caching": True,  # hashing every animation costs more than it saves here
            "progress_bar": "none",
            "verbosity": "WARNING",
            "preview": preview,
            "format": "mp4",
            "save_last_frame": file_format == "png",
            "write_to_movie": file_format != "png",
        }
        with tempconfig(settings):
            scene = variant()
            scene.render()
            writer = scene.renderer.file_writer
            produced = Path(
                writer.image_file_path if file_format == "png" else writer.movie_file_path
            )
        if file_format == "gif":
            # Manim's own GIFs are full-colour frames (100+ MB); ours share one palette.
            _mp4_to_gif(produced, out)
            return out
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            temporary = out.with_name(f".{out.name}.{os.getpid()}.part")
            shutil.copyfile(produced, temporary)
            os.replace(temporary, out)
        except OSError as error:
            raise SceneError(f"-o {out}: cannot write ({error.strerror})") from None
    return out


def _mp4_to_gif(movie: Path, out: Path) -> None:
    import av

    from convanim.render.encode import OutputError, write_animation

    with av.open(str(movie)) as container:
        stream = container.streams.video[0]
        duration = round(1000 / float(stream.average_rate))
        frames = [frame.to_image() for frame in container.decode(stream)]
    try:
        write_animation(frames, out, duration)
    except OutputError as error:
        raise SceneError(str(error)) from None
