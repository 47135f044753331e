"""The 15 animations of Dumoulin & Visin's guide, its 4 numerical ones, 8 of channels and
groups, 6 of networks, 5 of the backward pass, 2 of ZF Net's deconvnet, 4 of padding
modes and 1 in three dimensions, under their own names, as GIF and as animated SVG.

``render_gallery`` writes them (in parallel) with a README table, all or none;
``stale_files`` says which files of a folder differ from what convanim renders now.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import shutil
import signal
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from convanim.draw.frames import Drawing
from convanim.draw.style import Style
from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, PoolMode
from convanim.geometry.spec import PADDING_MODES
from convanim.pipeline import Animation
from convanim.request import Request
from convanim.story.backward import Grad
from convanim.story.board import NetworkView, Reading, View
from convanim.story.presets import NETWORK_PRESETS, NetworkPreset, Separable

#: name -> spec, in the guide's order (PyTorch-style parameters of the animated op).
GUIDE_SPECS: dict[str, ConvSpec] = {
    "no_padding_no_strides": ConvSpec(input_size=(4, 4), kernel=3),
    "arbitrary_padding_no_strides": ConvSpec(input_size=(5, 5), kernel=4, padding=2),
    "same_padding_no_strides": ConvSpec(input_size=(5, 5), kernel=3, padding=1),
    "full_padding_no_strides": ConvSpec(input_size=(5, 5), kernel=3, padding=2),
    "no_padding_strides": ConvSpec(input_size=(5, 5), kernel=3, stride=2),
    "padding_strides": ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1),
    "padding_strides_odd": ConvSpec(input_size=(6, 6), kernel=3, stride=2, padding=1),
    "dilation": ConvSpec(input_size=(7, 7), kernel=3, dilation=2),
    "no_padding_no_strides_transposed": ConvSpec(input_size=(2, 2), kernel=3, transposed=True),
    "arbitrary_padding_no_strides_transposed": ConvSpec(
        input_size=(6, 6), kernel=4, padding=2, transposed=True
    ),
    "same_padding_no_strides_transposed": ConvSpec(
        input_size=(5, 5), kernel=3, padding=1, transposed=True
    ),
    "full_padding_no_strides_transposed": ConvSpec(
        input_size=(7, 7), kernel=3, padding=2, transposed=True
    ),
    "no_padding_strides_transposed": ConvSpec(
        input_size=(2, 2), kernel=3, stride=2, transposed=True
    ),
    "padding_strides_transposed": ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True
    ),
    "padding_strides_odd_transposed": ConvSpec(
        input_size=(3, 3), kernel=3, stride=2, padding=1, output_padding=1, transposed=True
    ),
}


#: The guide's numerical animations: name -> (spec, pooling mode or None), drawn flat with values.
NUMERICAL_SPECS: dict[str, tuple[ConvSpec, PoolMode | None]] = {
    "numerical_no_padding_no_strides": (ConvSpec(input_size=(5, 5), kernel=3), None),
    "numerical_padding_strides": (ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1), None),
    "numerical_max_pooling": (ConvSpec(input_size=(5, 5), kernel=3), PoolMode.MAX),
    "numerical_average_pooling": (ConvSpec(input_size=(5, 5), kernel=3), PoolMode.AVG),
}

#: Channels and groups: name -> (spec or separable pair, view, reading, values printed).
_CS231N = ConvSpec(
    input_size=(5, 5), kernel=3, stride=2, padding=1, in_channels=3, out_channels=2, bias=True
)
_GROUPED_TRANSPOSED = ConvSpec(
    input_size=(3, 3),
    kernel=3,
    stride=2,
    padding=1,
    output_padding=1,
    in_channels=4,
    out_channels=2,
    groups=2,
    transposed=True,
)
CHANNEL_SPECS: dict[str, tuple[ConvSpec | Separable, View, Reading, bool]] = {
    "channels_cs231n": (_CS231N, View.STACK, Reading.GATHER, True),
    "channels_cs231n_volume": (_CS231N, View.VOLUME, Reading.GATHER, False),
    "channels_groups2": (
        ConvSpec(input_size=(4, 4), kernel=3, padding=1, in_channels=4, out_channels=4, groups=2),
        View.VOLUME,
        Reading.GATHER,
        False,
    ),
    "channels_depthwise": (
        ConvSpec(input_size=(4, 4), kernel=3, padding=1, in_channels=3, out_channels=3, groups=3),
        View.STACK,
        Reading.GATHER,
        True,
    ),
    "channels_pointwise": (
        ConvSpec(input_size=(4, 4), kernel=1, in_channels=3, out_channels=2),
        View.STACK,
        Reading.GATHER,
        True,
    ),
    "channels_separable": (
        Separable.of(ConvSpec(input_size=(4, 4), kernel=3, padding=1, in_channels=3), 2),
        View.STACK,
        Reading.GATHER,
        True,
    ),
    "channels_grouped_transposed": (_GROUPED_TRANSPOSED, View.STACK, Reading.SCATTER, True),
    "channels_grouped_transposed_volume": (
        _GROUPED_TRANSPOSED,
        View.VOLUME,
        Reading.SCATTER,
        False,
    ),
}
#: Networks: name -> (the chain, or a named stack's; the input it is drawn on; view; the
#: output cell followed, none in the counts view). Two transposed 3x3 layers of stride 2 compound their uneven stamp
#: counts (Odena et al.'s checkerboard); nearest upsampling then a convolution keeps them even.
_UP = "nn.Upsample(scale_factor=2); nn.Conv2d(1, 1, 3, padding=1)"
NETWORK_ENTRIES: dict[str, tuple[str, tuple[int, ...], NetworkView, tuple[int, ...] | None]] = {
    "network_vgg_block": (
        NETWORK_PRESETS[NetworkPreset.VGG_BLOCK].layers,
        (9, 9),
        NetworkView.LAYERS,
        (4, 4),
    ),
    "network_wavenet": (
        NETWORK_PRESETS[NetworkPreset.WAVENET].layers,
        (16,),
        NetworkView.TREE,
        (15,),
    ),
    "network_unet_step": (
        NETWORK_PRESETS[NetworkPreset.UNET_STEP].layers,
        (8, 8),
        NetworkView.LAYERS,
        (3, 3),
    ),
    "network_resnet_stem": (
        NETWORK_PRESETS[NetworkPreset.RESNET_STEM].layers,
        (21, 21),
        NetworkView.LAYERS,
        (3, 3),
    ),
    "network_checkerboard": (
        "nn.ConvTranspose2d(1, 1, 3, stride=2); nn.ConvTranspose2d(1, 1, 3, stride=2)",
        (3, 3),
        NetworkView.COUNTS,
        None,
    ),
    "network_resize_convolution": (f"{_UP}; {_UP}", (3, 3), NetworkView.COUNTS, None),
}
#: The backward pass of the guide's stride-2 layer (and of it with two input and two output
#: channels): name -> (layer, gradient, view).
_GUIDE_LAYER = GUIDE_SPECS["padding_strides"]
BACKWARD_ENTRIES: dict[str, tuple[ConvSpec, Grad, View]] = {
    "backward_input": (_GUIDE_LAYER, Grad.INPUT, View.CANVAS),
    "backward_input_scatter": (_GUIDE_LAYER, Grad.INPUT, View.SCATTER),
    "backward_weight": (_GUIDE_LAYER, Grad.WEIGHT, View.CANVAS),
    "backward_bias": (dataclasses.replace(_GUIDE_LAYER, bias=True), Grad.BIAS, View.CANVAS),
    "backward_weight_channels": (
        dataclasses.replace(_GUIDE_LAYER, in_channels=2, out_channels=2),
        Grad.WEIGHT,
        View.STACK,
    ),
}
#: A 6x6 input darker on the left than on the right (an uneven vertical edge), and the
#: filter that answers to such an edge (dark to light, left to right), set by hand so the
#: reconstruction visibly brings the edge back.
_EDGE_INPUT = (
    (0, 0, 1, 3, 3, 2),
    (0, 1, 2, 3, 2, 2),
    (0, 0, 2, 3, 3, 3),
    (1, 0, 1, 3, 3, 2),
    (0, 0, 2, 2, 3, 3),
    (0, 1, 1, 3, 2, 3),
)
_DARK_TO_LIGHT = ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1))
#: ZF Net's deconvnet: name -> the layer, its max pooling window and its input and weights,
#: drawn with numbers; or None for the real picture through four edge filters.
DECONVNET_ENTRIES: dict[str, tuple[ConvSpec, int, object, object] | None] = {
    "deconvnet": (ConvSpec(input_size=(6, 6), kernel=3), 2, _EDGE_INPUT, _DARK_TO_LIGHT),
    "deconvnet_picture": None,
}
#: PyTorch's padding modes on one small input, drawn flat with values: each padding cell of
#: reflect, replicate and circular prints the input cell it copies (zeros for comparison).
PADDING_MODE_SPECS: dict[str, ConvSpec] = {
    f"padding_mode_{mode}": ConvSpec(input_size=(4, 4), kernel=3, padding=1, padding_mode=mode)
    for mode in PADDING_MODES
}
#: Three dimensions: name -> spec, drawn labelled, its depth slices named.
THREED_SPECS: dict[str, ConvSpec] = {
    "conv3d": ConvSpec(input_size=(3, 5, 5), kernel=3, stride=2, padding=1),
}
ALL_NAMES = (
    *GUIDE_SPECS,
    *NUMERICAL_SPECS,
    *CHANNEL_SPECS,
    *NETWORK_ENTRIES,
    *BACKWARD_ENTRIES,
    *DECONVNET_ENTRIES,
    *PADDING_MODE_SPECS,
    *THREED_SPECS,
)


README_TITLE = "# Gallery\n\nDumoulin & Visin's animations, regenerated by `convanim gallery`.\n\n"


#: Each animation is written in these formats: the GIF the guide published, and an animated
#: SVG (sharp at any zoom, a fraction of the bytes) for documentation.
FORMATS = (".gif", ".svg")


def entry(name: str) -> Request:
    """The request that draws gallery animation ``name``: without labels (the guide's bare
    look); the numerical ones flat, with values; the channel ones in their view, labelled;
    the networks' named stacks on a small input; the gradients with their numbers; the
    padding modes flat, with values, labelled with their mode; the 3-D ones labelled."""
    if name in THREED_SPECS:
        return Request.of(THREED_SPECS[name])
    if name in PADDING_MODE_SPECS:
        return Request.of(PADDING_MODE_SPECS[name], view=View.FLAT, values=True)
    if name in BACKWARD_ENTRIES:
        layer, grad, view = BACKWARD_ENTRIES[name]
        return Request.of(layer, view=view, grad=grad)
    if name in NETWORK_ENTRIES:
        from convanim.pytorch import build_network, parse_chain

        layers, size, drawn, cell = NETWORK_ENTRIES[name]
        return Request.of(build_network(parse_chain(layers), size), view=drawn, cell=cell)
    if name in CHANNEL_SPECS:
        shown, view, reading, printed = CHANNEL_SPECS[name]
        return Request.of(shown, view=view, reading=reading, values=printed)
    if name in GUIDE_SPECS:
        return Request.of(GUIDE_SPECS[name], labels=False)
    spec, mode = NUMERICAL_SPECS[name]
    return Request.of(spec, view=View.FLAT, labels=False, values=True, pooling=mode)


def deconvnet_drawer(name: str) -> tuple[Callable[[Style], Drawing], str]:
    """What lays out deconvnet entry ``name`` in a style (its stages with their numbers,
    or the real picture), and its alt text."""
    from convanim.pipeline import deconvnet_drawing, picture_drawing
    from convanim.story.deconvnet import deconvnet_story, picture_story

    drawn = DECONVNET_ENTRIES[name]
    if drawn is None:
        picture = picture_story()
        return (lambda style: picture_drawing(picture, style)), picture.about
    spec, window, x, w = drawn
    story = deconvnet_story(spec, window, input_values=x, weights=w)
    return (lambda style: deconvnet_drawing(story, style)), story.about


def render_one(job: tuple[str, Path]) -> list[Animation]:
    """Render one gallery animation into a folder, in every format."""
    name, folder = job
    if name in DECONVNET_ENTRIES:
        from convanim.pipeline import write_made

        make, about = deconvnet_drawer(name)
        return [
            write_made(make, folder / f"{name}{suffix}", Style(), alt=about) for suffix in FORMATS
        ]
    request = entry(name)
    return [request.write(folder / f"{name}{suffix}") for suffix in FORMATS]


def _worker() -> None:
    """A worker leaves Ctrl-C and SIGTERM, which reach every process of a terminal or a
    service, to the main process: it cancels what has not started and waits for the rest
    (a worker stopped in between dies with a traceback, or breaks the pool)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def _render(folder: Path, progress: Callable[[], object]) -> list[Animation]:
    """Render every gallery animation and the README table into ``folder``, in parallel.

    On a failure or an interruption, the animations not started are cancelled and
    those under way finish (into ``folder``, which the caller then removes).
    """
    from convanim.render.encode.files import write_bytes

    entries = []
    with ProcessPoolExecutor(max_workers=os.cpu_count(), initializer=_worker) as pool:
        for written in pool.map(render_one, [(name, folder) for name in ALL_NAMES]):
            entries += written
            progress()
    write_bytes((README_TITLE + markdown_table(folder)).encode(), folder / "README.md")
    return entries


def render_gallery(folder: Path, progress: Callable[[], object] = lambda: None) -> list[Animation]:
    """Render every gallery animation into ``folder`` and its README table; calls ``progress``
    after each animation.

    All or nothing: the files are rendered into a hidden folder (in ``folder``, or
    in the nearest folder that exists) and moved into ``folder`` once all are
    written. A failure or an interruption (Ctrl-C, SIGTERM) leaves ``folder`` as
    it was, and its other files are never touched.
    """
    from convanim.render.encode.files import check_destination, terminate_as_interrupt

    with contextlib.suppress(OSError):  # a name the system refuses: check_destination says why
        if folder.exists() and not folder.is_dir():
            raise ConvanimError("out", f"{folder} is a file, not a folder")
    check_destination(folder / "README.md")
    home = next(place for place in (folder, *folder.parents) if place.exists())
    with terminate_as_interrupt():
        staging = Path(tempfile.mkdtemp(prefix=".convanim-gallery-", suffix=".part", dir=home))
        try:
            entries = _render(staging, progress)
            _move_in(staging, folder)
        except ConvanimError as error:  # said of the folder asked for
            rule = error.rule.replace(str(staging), str(folder))
            raise ConvanimError(error.argument, rule, error.axis) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [dataclasses.replace(entry, path=folder / entry.path.name) for entry in entries]


def _move_in(staging: Path, folder: Path) -> None:
    """Move the files of ``staging`` into ``folder`` (made if needed), signals held till done.

    Each is renamed within one file system; a rename the system refuses midway (a file made
    read-only meanwhile) leaves the files before it moved, and says so as an error."""
    held = {signal.SIGINT, signal.SIGTERM}
    blocked = (
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
        if hasattr(signal, "pthread_sigmask")
        else None
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(staging.iterdir()):
            os.replace(path, folder / path.name)
    except OSError as error:
        raise ConvanimError("out", f"{folder}: cannot write ({error.strerror or error})") from None
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def stale_files(folder: Path, progress: Callable[[], object] = lambda: None) -> list[str]:
    """The gallery files of ``folder`` that are missing or differ from a fresh render."""
    from convanim.render.encode.files import terminate_as_interrupt

    with terminate_as_interrupt():
        fresh = Path(tempfile.mkdtemp(prefix="convanim-gallery-"))
        try:
            _render(fresh, progress)
            names = [*(f"{name}{suffix}" for name in ALL_NAMES for suffix in FORMATS), "README.md"]
            return [
                name
                for name in names
                if not (folder / name).is_file()
                or (folder / name).read_bytes() != (fresh / name).read_bytes()
            ]
        finally:
            shutil.rmtree(fresh, ignore_errors=True)


def markdown_table(folder: Path) -> str:
    """A table in the guide's layout: convolutions in one half, their transposes in the other;
    each animation shown as SVG, with a link to its GIF."""

    def cell(name: str) -> str:
        if not (folder / f"{name}.svg").exists():
            return ""
        return f"![{name}]({name}.svg)<br>`{name}` ([gif]({name}.gif))"

    convs = [name for name in GUIDE_SPECS if not name.endswith("_transposed")]
    lines = ["| convolution | transposed convolution |", "|---|---|"]
    for name in convs:
        variant = f"{name}_transposed"
        cells = [cell(name), cell(variant) if variant in GUIDE_SPECS else ""]
        lines.append(f"| {' | '.join(cells)} |")
    for title, names in (
        ("numerical", list(NUMERICAL_SPECS)),
        ("channels and groups", list(CHANNEL_SPECS)),
        ("networks", list(NETWORK_ENTRIES)),
        ("the backward pass", list(BACKWARD_ENTRIES)),
        ("ZF Net's deconvnet", list(DECONVNET_ENTRIES)),
        ("padding modes", list(PADDING_MODE_SPECS)),
        ("three dimensions", list(THREED_SPECS)),
    ):
        lines += ["", f"| {title} | |", "|---|---|"]
        for left, right in itertools.zip_longest(names[::2], names[1::2]):  # an odd one alone
            lines.append(f"| {cell(left)} | {cell(right) if right else ''} |")
    return "\n".join(lines) + "\n"
