"""The command line's options other than the spec flags, declared once, by help panel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from convanim.draw.style import Theme
from convanim.geometry import PoolMode
from convanim.render.manim import Quality, SceneFormat
from convanim.story.backward import Grad
from convanim.story.board import NetworkView, Reading, View
from convanim.story.presets import NetworkPreset

SPEC, OUTPUT, LOOK, NUMBERS, LIMITS = "Spec", "Output", "Look", "Numbers", "Limits"


def _option(*names: str, panel: str, help: str, **kwargs: Any) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=panel, **kwargs)


def _flag(*names: str, panel: str, help: str) -> Any:
    """An option that takes no value: its help shows no type."""
    return typer.Option(*names, help=help, rich_help_panel=panel, metavar="")


def _out(help: str) -> Any:
    return _option("-o", "--out", panel=OUTPUT, help=help)


# Output
AnimationFile = Annotated[
    Path | None,
    _out("Output file: .gif, .webp, .png (APNG), .mp4 (needs PyAV) or .svg. Default: renders/."),
]
FigureFile = Annotated[Path | None, _out("Output .png, .svg or .pdf. Default: renders/.")]
MatrixFile = Annotated[
    Path | None, _out("Output .png, .svg or .pdf; with --animate .gif, .webp, .png or .mp4.")
]
SceneFile = Annotated[Path | None, _out("Output file, ending in .<format>. Default: renders/.")]
GalleryFolder = Annotated[
    Path,
    _out(
        "Folder for the animations and their README table: stopped or failed while "
        "rendering, the folder stays as it was (the files are renamed in at the end)."
    ),
]
Duration = Annotated[
    int, _option("--duration", panel=OUTPUT, min=20, help="Milliseconds per frame.")
]
Frame = Annotated[
    int | None,
    _option(
        "--frame",
        panel=OUTPUT,
        help="Write frame N alone (1 = first), as .svg, .png or .pdf, for print.",
    ),
]
Markdown = Annotated[
    bool, _flag("--markdown", panel=OUTPUT, help="Also print a Markdown snippet with alt text.")
]
Html = Annotated[
    bool, _flag("--html", panel=OUTPUT, help="Also print an HTML <img> snippet with alt text.")
]
Check = Annotated[
    bool, _flag("--check", panel=OUTPUT, help="Only verify that the folder's files are current.")
]
Json = Annotated[bool, _flag("--json", panel=OUTPUT, help="Print a JSON record.")]
NumbersJson = Annotated[
    bool,
    _flag(
        "--json",
        panel=NUMBERS,
        help="Also print the numbers the picture prints as JSON (x, w, b, y, channels first).",
    ),
]
Animate = Annotated[
    bool, _flag("--animate", panel=OUTPUT, help="A GIF, one frame per output cell, row lit.")
]
SceneQuality = Annotated[Quality, _option("--quality", panel=OUTPUT, help="480p15 .. 4K.")]
Format = Annotated[SceneFormat, _option("--format", panel=OUTPUT, help="File format.")]
Preview = Annotated[bool, _flag("--preview", panel=OUTPUT, help="Open the result.")]
ListScenes = Annotated[bool, _flag("--list", panel=OUTPUT, help="List the scenes.")]

# Look
ViewChoice = Annotated[
    View | None,
    _option(
        "--view",
        panel=LOOK,
        help="canvas: the guide's picture; scatter: each input stamps the kernel (-t); "
        "flat: top-down, input left, output right; stack: the channels with filters and "
        "sums; volume: the tensors in depth. Default: canvas, stack with channels. A 3-D "
        "spec: canvas, scatter or flat, its depth slices stacked.",
    ),
]
ReadingChoice = Annotated[
    Reading,
    _option(
        "--reading",
        panel=LOOK,
        help="Stack and volume: gather (each output reads) or scatter (each input stamps, -t).",
    ),
]
ThemeChoice = Annotated[
    Theme,
    _option("--theme", panel=LOOK, help="Colour theme; auto: the reader's light or dark (.svg)."),
]
Width = Annotated[int | None, _option("--width", panel=LOOK, min=50, help="Frame width in pixels.")]
Labels = Annotated[
    bool, _flag("--labels/--no-labels", panel=LOOK, help="Name the planes and their sizes.")
]
Transparent = Annotated[
    bool,
    _flag("--transparent", panel=LOOK, help="See-through background (.gif, .png, .webp, .svg)."),
]
Overlap = Annotated[
    bool, _flag("--overlap", panel=LOOK, help="Close the scatter view with stamps per output.")
]
Compare = Annotated[
    bool, _flag("--compare", panel=LOOK, help="Also kernels s, s+1 and s+2 for this stride.")
]

# Numbers
Values = Annotated[
    bool, _flag("--values", panel=NUMBERS, help="Print input values, weights and outputs.")
]
SceneValues = Annotated[
    bool, _flag("--values/--no-values", panel=NUMBERS, help="Show numbers in the cells.")
]
Seed = Annotated[int, _option("--seed", panel=NUMBERS, help="Seed of the printed values.")]
Weights = Annotated[
    str | None, _option("--weights", panel=NUMBERS, help="Kernel weights, row-major: 1,0,-1,...")
]
InputValues = Annotated[
    str | None, _option("--input-values", panel=NUMBERS, help="Input values, row-major.")
]
BiasValues = Annotated[
    str | None,
    _option(
        "--bias-values",
        panel=NUMBERS,
        help="A bias per output channel, with --bias: 1,-2 (separable: the depthwise layer's).",
    ),
]
Pool = Annotated[
    PoolMode | None, _option("--pool", panel=NUMBERS, help="Pool the input instead of convolving.")
]
CeilMode = Annotated[
    bool,
    _flag(
        "--ceil-mode",
        panel=NUMBERS,
        help="Pooling keeps a last, partial window (PyTorch's ceil_mode).",
    ),
]
ExcludePad = Annotated[
    bool,
    _flag(
        "--no-count-include-pad",
        panel=NUMBERS,
        help="Average pooling divides by the real cells only (PyTorch's count_include_pad=False).",
    ),
]

# Limits
MaxFrames = Annotated[
    int, _option("--max-frames", panel=LIMITS, min=1, help="Refuse animations with more frames.")
]
MaxPixels = Annotated[
    int, _option("--max-pixels", panel=LIMITS, min=1, help="Refuse larger frames (width x height).")
]
MaxSteps = Annotated[
    int,
    _option("--max-steps", panel=LIMITS, min=1, help="Refuse scenes with more animation steps."),
]


# Networks
NETWORK = "Network"
Layers = Annotated[
    str | None,
    _option(
        "--layers",
        panel=NETWORK,
        help='The chain, PyTorch layers separated by ";": "nn.Conv2d(3, 16, 3); nn.ReLU(); nn.MaxPool2d(2)".',
    ),
]
Model = Annotated[
    Path | None,
    _option(
        "--model", panel=NETWORK, help="A file with what print(model) writes for an nn.Sequential."
    ),
]
NetInput = Annotated[
    str | None,
    _option(
        "--i", panel=NETWORK, help="Input size: one value for every axis, or one per axis (32,32)."
    ),
]
Cell = Annotated[
    str | None,
    _option(
        "--cell",
        panel=NETWORK,
        help="The output cell whose field is shown (r,c from 0). Default: the centre.",
    ),
]
FromInput = Annotated[
    str | None,
    _option(
        "--from-input",
        panel=NETWORK,
        help="What this input cell (r,c from 0) reaches: after the table, or lit by --view.",
    ),
]
NetPreset = Annotated[
    NetworkPreset | None,
    _option(
        "--preset",
        panel=NETWORK,
        help="A named stack (vgg-block, wavenet, dcgan, unet-step, resnet-stem) on its input; --i changes the input.",
    ),
]
NetView = Annotated[
    NetworkView | None,
    _option(
        "--view",
        panel=NETWORK,
        help="Draw the network instead of printing its table: tree (1-D, WaveNet's picture), "
        "layers (2-D, the planes stacked) or counts (the paths from the whole input).",
    ),
]
NetFile = Annotated[
    Path | None,
    _out("With --view: output .gif, .webp, .png (APNG), .mp4 or .svg. Default: renders/."),
]

# The explorer
ExplorePort = Annotated[
    int,
    _option(
        "--port",
        panel=OUTPUT,
        min=0,
        max=65535,
        help="Port of the local page on 127.0.0.1; 0: any free one.",
    ),
]
NoBrowser = Annotated[
    bool, _flag("--no-browser", panel=OUTPUT, help="Print the address; open no browser.")
]
ExploreHtml = Annotated[
    Path | None,
    _option(
        "--html",
        panel=OUTPUT,
        help="Write one static page of every combination of the listed values instead "
        "(--k 2,3,4 lists, --p 0:2 is a range), for docs and file://.",
    ),
]
ExploreNet = Annotated[
    bool,
    _flag(
        "--net", panel=SPEC, help="Explore a network: convanim net's flags (--layers, --i, ...)."
    ),
]

# The backward pass
GradChoice = Annotated[
    Grad | None,
    _option(
        "--grad",
        panel=NUMBERS,
        help="Draw the backward pass, with numbers: input (dx = Cᵀ dy, the transposed layer "
        "on dy), weight (dw, x correlated with dy: a frame per weight) or bias (db, dy summed; needs --bias).",
    ),
]
GradValues = Annotated[
    str | None,
    _option(
        "--grad-values",
        panel=NUMBERS,
        help="The upstream gradient dy, shaped as the output, row-major (default: from --seed).",
    ),
]

# The deconvnet's
PoolKernel = Annotated[
    str,
    _option(
        "--pool-k",
        panel=SPEC,
        help="The max pooling's window over the layer's output, per axis: 2 or 2,3.",
    ),
]
PoolStride = Annotated[
    str | None,
    _option("--pool-s", panel=SPEC, help="The max pooling's stride (default: its window)."),
]
Picture = Annotated[
    bool,
    _flag(
        "--picture",
        panel=OUTPUT,
        help="Draw the real picture instead: a 48x48 grey portrait through four edge "
        "filters, each one's pooled map and reconstruction.",
    ),
]
DeconvnetJson = Annotated[
    bool,
    _flag(
        "--json",
        panel=NUMBERS,
        help="Also print every step's numbers as JSON: x, w, y, relu, pooled, switches, "
        "unpooled, reconstruction (channels first).",
    ),
]
