"""Render the Manim scenes of ``convanim.scenes`` through Manim's Python API (no shell commands).

The scene's plan is computed first (``check``), so invalid parameters fail
before Manim is imported. Manim renders into a temporary media folder, always
removed; the finished file is then put in place atomically.
"""

from __future__ import annotations

import importlib
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from convanim.errors import ConvanimError, choose, quoted
from convanim.geometry.network import drawn_layers
from convanim.render.encode.files import check_destination, copy_file
from convanim.render.encode.video import movie_to_animation
from convanim.render.manim import MAX_STEPS, Quality, SceneFormat
from convanim.story import scenes as scene_plans
from convanim.story.scenes import SceneParams

INSTALL_HINT = (
    "convanim scene needs Manim: apt-get install -y libcairo2-dev libpango1.0-dev pkg-config "
    "&& pip install 'convanim[manim]'"
)


#: Manim's name for each quality.
QUALITIES = {
    Quality.LOW: "low_quality",
    Quality.MEDIUM: "medium_quality",
    Quality.HIGH: "high_quality",
    Quality.FOURK: "fourk_quality",
}


@dataclass(frozen=True)
class SceneEntry:
    """A scene: where it lives, what computes its numbers, what it costs."""

    module: str  # module in convanim.scenes
    cls: str
    plan: Callable[[SceneParams], object]  # the scene_plans function computing what it shows
    summary: str
    steps: Callable[[SceneParams], int]  # animation steps: what its render time grows with
    grows_with: str = "input_size"  # the argument the steps grow with, named when over budget


SCENES = {
    "convolution": SceneEntry(
        "convolution",
        "ConvolutionScene",
        scene_plans.convolution_plan,
        "the kernel sweeps the padded input; each output cell fills as it is reached",
        lambda params: math.prod(params.spec.output_size),  # one step per output cell
    ),
    "transposed": SceneEntry(
        "transposed",
        "TransposedConvolutionScene",
        scene_plans.transposed_plan,
        "a transposed conv as gather (zeros, re-pad, flipped kernel) and as scatter, equal",
        lambda params: math.prod(params.spec.output_size) + math.prod(params.spec.input_size),
    ),
    "matrix": SceneEntry(
        "matrix",
        "MatrixScene",
        scene_plans.matrix_plan,
        "y = Cx with C unrolled, then Cᵀ and x' = Cᵀy (1-D, then a tiny 2-D case)",
        lambda params: math.prod(params.spec.output_size) * math.prod(params.spec.input_size) // 4,
    ),
    "reconstruction": SceneEntry(
        "reconstruction",
        "ReconstructionScene",
        scene_plans.reconstruction_plan,
        "why x' = Σᵢ yᵢcᵢ = Cᵀy brings back what the kernel responds to; ZF Net's round trip",
        lambda params: math.prod(params.spec.input_size) // 4,  # heat-map cells
    ),
    "backward": SceneEntry(
        "backward",
        "BackwardScene",
        scene_plans.backward_plan,
        "the forward pass, then dy sent back through the same weights: dx = Cᵀ dy",
        # One step per output cell, then one per input cell (the transposed layer's outputs).
        lambda params: math.prod(params.spec.output_size) + math.prod(params.spec.input_size),
    ),
    "channels": SceneEntry(
        "channels",
        "ChannelsScene",
        scene_plans.channels_plan,
        "one input through standard, grouped, depthwise and pointwise layers: filters, weights",
        # One step per output channel of each stage (depthwise: one per input channel).
        lambda params: 3 * params.spec.out_channels + params.spec.in_channels,
        "in_channels",
    ),
    "network": SceneEntry(
        "network",
        "NetworkScene",
        scene_plans.network_plan,
        "what one output sees through a 1-D chain of layers: WaveNet's picture, row by row",
        # One step per drawn row, then the edges and the paths (the plan bounds the rows).
        lambda params: 0 if params.network is None else len(drawn_layers(params.network)) + 2,
        "layers",
    ),
}


def find_scene(name: str) -> SceneEntry:
    """The scene called ``name`` (its key or its class name)."""
    for key, entry in SCENES.items():
        if name in (key, entry.cls):
            return entry
    raise ConvanimError("scene", f"no scene {quoted(name)}; choose one of {', '.join(SCENES)}")


def check(
    entry: SceneEntry,
    params: SceneParams,
    out: Path | None = None,
    file_format: SceneFormat | str = SceneFormat.MP4,
    max_steps: int = MAX_STEPS,
) -> None:
    """Refuse what cannot be rendered, before Manim starts: the output name and place, the
    step budget (from the arithmetic alone), then the scene's plan."""
    file_format = choose(SceneFormat, file_format, "file_format")
    if out is not None and out.suffix.lower() != f".{file_format.value}":
        rule = f"{out}: a {file_format.value} scene is written as .{file_format.value} ({{file_format}})"
        raise ConvanimError("out", rule)
    if out is not None:
        check_destination(out)
    steps = entry.steps(params)
    if steps > max_steps:
        smaller = {"in_channels": "fewer channels", "layers": "fewer layers"}.get(
            entry.grows_with, "a smaller input"
        )
        raise ConvanimError(
            entry.grows_with,
            f"the {entry.cls} would take {steps} steps, more than the budget of {max_steps}; "
            f"raise it with {{max_steps}} or choose {smaller}",
        )
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
    quality = choose(Quality, quality, "quality")
    file_format = choose(SceneFormat, file_format, "file_format")
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
            movie_to_animation(produced, out)
        else:
            copy_file(produced, out)
    return out
