"""The ``convanim`` commands: each parses its flags, calls the library and prints one result.

Example: ``convanim gif --k 3 --s 2 --p 1``; ``convanim --help`` lists the commands.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

import typer

from convanim import __version__
from convanim.cli import options
from convanim.cli.failures import Commands
from convanim.cli.flags import SpecFlags, integers, with_spec_flags
from convanim.draw.style import Theme
from convanim.errors import ConvanimError, quoted
from convanim.pipeline import DURATION, MAX_FRAMES, MAX_PIXELS
from convanim.render.manim import MAX_STEPS, Quality, SceneFormat
from convanim.request import Request
from convanim.story.board import Reading
from convanim.story.presets import Preset
from convanim.text import counted, overlap_verdict, record, shape_lines, shape_text

if TYPE_CHECKING:
    from convanim.integrations.explorer.state import State
    from convanim.story.scenes import SceneParams

#: The explorer's port unless --port says: one address to bookmark.
DEFAULT_PORT = 8765
#: The layer flags deconvnet reads only to refuse (it draws one zero-padded channel): not in its help.
DECONVNET_REFUSES = (
    "output_padding",
    "padding_mode",
    "in_channels",
    "out_channels",
    "groups",
    "bias",
    "preset",
)

app = typer.Typer(
    cls=Commands,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Exact animations of convolution and transposed convolution arithmetic.",
)


def _version(show: bool) -> None:
    if show:
        typer.echo(f"convanim {__version__}")
        raise typer.Exit()


@app.callback()
def commands(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, metavar="", help="Print the version."
        ),
    ] = False,
) -> None:
    """Exact animations of convolution and transposed convolution arithmetic."""


@app.command()
@with_spec_flags()
def shape(
    flags: SpecFlags,
    as_json: options.Json = False,
) -> None:
    """Print the output size, its formula per axis, unread input cells, the channels and
    parameters, and the PyTorch layer.

    Example: convanim shape --i 5 --k 3 --s 2 --p 1, or --layer "nn.Conv2d(4, 8, 3, groups=2)"
    """
    op = flags.operation(channels=True)
    if as_json:
        typer.echo(json.dumps(record(op)))
        return
    typer.echo("\n".join(shape_lines(op)))


@app.command()
def net(
    context: typer.Context,
    layers: options.Layers = None,
    model: options.Model = None,
    preset: options.NetPreset = None,
    input_size: options.NetInput = None,
    cell: options.Cell = None,
    from_input: options.FromInput = None,
    as_json: options.Json = False,
    view: options.NetView = None,
    out: options.NetFile = None,
    theme: options.ThemeChoice = Theme.LIGHT,
    duration: options.Duration = DURATION,
    max_pixels: options.MaxPixels = MAX_PIXELS,
) -> None:
    """Print what one output cell sees through a chain of layers, exactly: per layer its
    size, jump, field size and start, the field on every layer and the paths from each
    input cell.

    Example: convanim net --layers "nn.Conv2d(3, 16, 3); nn.MaxPool2d(2); nn.Conv2d(16, 32, 3)" --i 32,32
    """
    from convanim.geometry.network import projective_field, receptive_field
    from convanim.pytorch import build_network, parse_chain, parse_model
    from convanim.story.presets import NETWORK_PRESETS
    from convanim.text import network_lines, network_record

    given = [
        name
        for name, value in (("layers", layers), ("model", model), ("preset", preset))
        if value is not None
    ]
    if len(given) != 1:
        rule = "give the chain with one of {layers}, {model} or {preset}"
        raise ConvanimError(given[1] if len(given) > 1 else "layers", rule)
    if preset is not None:
        stack = NETWORK_PRESETS[preset]
        layers = stack.layers
        if input_size is None:
            input_size = ",".join(map(str, stack.input_size))
    if model is not None:
        try:
            text = model.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not UTF-8 text"
            raise ConvanimError("model", f"cannot read {model}: {reason}") from None
        chain = parse_model(text)
    else:
        assert layers is not None
        chain = parse_chain(layers)
    if input_size is None:
        raise ConvanimError("input_size", "a network needs its input size, as 32,32")
    source = "model" if model is not None else "preset" if preset is not None else "layers"
    sizes = integers("input_size", input_size)
    followed = None if cell is None else integers("cell", cell)
    reached = None if from_input is None else integers("from_input", from_input)
    try:  # a chain that does not fit: blamed on where it came from
        built = build_network(chain, sizes if len(sizes) > 1 else sizes[0])
    except ConvanimError as error:
        raise error.renamed({"layers": source}) from None
    if view is not None:
        if as_json:
            raise ConvanimError("as_json", "--json prints the numbers: drop it or {view}")
        try:
            request = Request.of(
                built,
                view=view,
                cell=followed,
                from_input=reached,
                theme=theme,
                duration=duration,
                max_pixels=max_pixels,
            )
        except ConvanimError as error:
            raise error.renamed({"layers": source}) from None
        if preset is not None:  # named in the default file name
            request = dataclasses.replace(request, tags=(preset.value,))
        if isinstance(context.obj, ParsedRequest):  # parsed for a documentation tool: no file
            context.obj.request, context.obj.out = request, out
            return
        result = request.write(out or request.default_path())
        w, h = result.size
        typer.echo(
            f"{result.path}: {counted(result.frames, 'frame')}, {w}x{h} px, {result.bytes:,} bytes"
        )
        return
    field = receptive_field(built, followed)
    reach = None if reached is None else projective_field(built, reached)
    if out is not None:
        raise ConvanimError(
            "out", "a network is drawn with {view} tree, layers or counts; without it, net prints"
        )
    if as_json:
        typer.echo(json.dumps(network_record(built, field, reach)))
        return
    about = [f"{NETWORK_PRESETS[preset].about}:"] if preset is not None else []
    typer.echo("\n".join([*about, *network_lines(built, field, reach)]))


@dataclass
class ParsedRequest:
    """What ``convanim gif`` (or ``net`` with a view) leaves here, instead of writing, when
    run with this as its context object (``embedded.gif_request``): its request, still
    frame and -o."""

    request: Request | None = None
    frame: int | None = None
    out: Path | None = None


@app.command()
@with_spec_flags()
def gif(
    flags: SpecFlags,
    context: typer.Context,
    out: options.AnimationFile = None,
    view: options.ViewChoice = None,
    reading: options.ReadingChoice = Reading.GATHER,
    theme: options.ThemeChoice = Theme.LIGHT,
    width: options.Width = None,
    duration: options.Duration = DURATION,
    labels: options.Labels = True,
    transparent: options.Transparent = False,
    max_frames: options.MaxFrames = MAX_FRAMES,
    max_pixels: options.MaxPixels = MAX_PIXELS,
    values: options.Values = False,
    seed: options.Seed = 0,
    weights: options.Weights = None,
    input_values: options.InputValues = None,
    bias_values: options.BiasValues = None,
    pool: options.Pool = None,
    no_count_include_pad: options.ExcludePad = False,
    ceil_mode: options.CeilMode = False,
    overlap: options.Overlap = False,
    frame: options.Frame = None,
    markdown: options.Markdown = False,
    html: options.Html = False,
    as_json: options.NumbersJson = False,
    grad: options.GradChoice = None,
    grad_values: options.GradValues = None,
) -> None:
    """Render an animation in the style of Dumoulin & Visin.

    Example: convanim gif --k 3 --s 2 --p 1 (writes renders/conv_i5_k3_s2_p1.gif)
    """
    from convanim.geometry import Pooling
    from convanim.geometry.pooling import ceil_mode_refusal
    from convanim.story.presets import preset_flags
    from convanim.story.values import given_numbers

    if pool is not None and flags.preset is not None:
        rule = (
            "pooling draws one channel without weights, a preset a layer: drop {pool} or {preset}"
        )
        raise ConvanimError("pool", rule)
    try:
        op = flags.operation(max_axes=3, channels=True)
    except ConvanimError as error:
        raise ceil_mode_refusal(error) if ceil_mode and pool else error from None
    spec = op.spec if isinstance(op, Pooling) else op
    if isinstance(op, Pooling) and pool is not None:
        raise ConvanimError("pool", "{layer} is a pooling layer already: give one of them")
    if flags.layer and bias_values is not None and not spec.bias and not isinstance(op, Pooling):
        raise ConvanimError("bias_values", "the layer has no bias: add bias=True in {layer}")
    shown = flags.separable() if flags.preset is Preset.SEPARABLE else spec
    try:
        request = Request.of(
            shown,
            view=view,
            reading=reading,
            values=values,
            seed=seed,
            input_values=given_numbers(input_values, "input_values"),
            weights=given_numbers(weights, "weights"),
            bias_values=given_numbers(bias_values, "bias_values"),
            pooling=op if isinstance(op, Pooling) else pool,
            count_include_pad=not no_count_include_pad,
            ceil_mode=ceil_mode,
            overlap=overlap,
            theme=theme,
            width=width,
            labels=labels,
            duration=duration,
            transparent=transparent,
            max_frames=max_frames,
            max_pixels=max_pixels,
            grad=grad,
            grad_values=given_numbers(grad_values, "grad_values"),
        )
    except ConvanimError as error:  # the pooling a --layer gives is that layer's doing
        raise error.renamed({"pooling": "layer"}) if isinstance(op, Pooling) else error from None
    if isinstance(context.obj, ParsedRequest):  # parsed for a documentation tool: no file
        context.obj.request, context.obj.frame, context.obj.out = request, frame, out
        return
    if as_json:
        for name, given in (("markdown", markdown), ("html", html)):
            if given:
                raise ConvanimError(name, "{as_json} prints the numbers alone: drop one")
    numbers = request.numbers() if as_json else None  # refused before anything is written
    path = out or request.default_path(still=frame)
    if frame is not None:
        still = request.write_still(path, frame)
        w, h = still.size
        lines = [
            f"{still.path}: frame {still.frame} of {still.frames}, {w}x{h} px, "
            f"{still.bytes:,} bytes, {request.sizes}"
        ]
    else:
        result = request.write(path)
        w, h = result.size
        lines = [
            f"{result.path}: {counted(result.frames, 'frame')}, {w}x{h} px, {result.bytes:,} bytes, "
            f"{request.sizes}"
        ]
        if result.duration != duration:
            lines[0] += f" (frames last {result.duration} ms: a GIF counts hundredths of a second)"
        path = result.path
    if flags.preset is not None:
        last = getattr(shown, "pointwise", spec)
        lines.append(preset_flags(spec, flags.preset, last.out_channels))
    alt, link = request.title, quote(path.as_posix(), safe="/:@._-~")
    if markdown:
        lines.append(f"![{alt}]({link})")
    if html:
        lines.append(f'<img src="{escape(link)}" alt="{escape(alt)}" width="{w}">')
    if numbers is not None:  # the picture's numbers on standard output, what was written on stderr
        typer.echo("\n".join(lines), err=True)
        typer.echo(json.dumps(numbers))
        return
    typer.echo("\n".join(lines))


@app.command()
@with_spec_flags(transposed=False, hidden=DECONVNET_REFUSES, input_size="6")
def deconvnet(
    flags: SpecFlags,
    context: typer.Context,
    out: options.AnimationFile = None,
    pool_kernel: options.PoolKernel = "2",
    pool_stride: options.PoolStride = None,
    picture: options.Picture = False,
    theme: options.ThemeChoice = Theme.LIGHT,
    duration: options.Duration = DURATION,
    transparent: options.Transparent = False,
    max_frames: options.MaxFrames = MAX_FRAMES,
    max_pixels: options.MaxPixels = MAX_PIXELS,
    seed: options.Seed = 0,
    weights: options.Weights = None,
    input_values: options.InputValues = None,
    frame: options.Frame = None,
    as_json: options.DeconvnetJson = False,
) -> None:
    """Animate ZF Net's deconvnet with its numbers: a one-channel layer (gif's flags), ReLU,
    max pooling (--pool-k, --pool-s) keeping its switches, then back: unpooling by the
    switches, ReLU, the transposed convolution with the same filter, and the reconstruction
    beside x. --picture draws a real picture through four edge filters instead.

    Example: convanim deconvnet --i 6 --k 3 --pool-k 2 (writes renders/conv_i6_k3_deconvnet_pool2.gif);
    convanim deconvnet --picture -o hopper.png
    """
    from convanim.cli.flags import typed_names
    from convanim.draw.style import Style
    from convanim.pipeline import deconvnet_output, picture_output, write_made, write_made_still
    from convanim.story.deconvnet import PICTURE_SETS
    from convanim.story.values import given_numbers

    style = Style(theme=theme)
    if picture:
        given = [*sorted(flags.typed), *typed_names(context, PICTURE_SETS)]
        made = picture_output(given, style, max_pixels)
    else:
        made = deconvnet_output(
            flags.spec(transposed=False, max_axes=2),
            integers("pool_kernel", pool_kernel),
            None if pool_stride is None else integers("pool_stride", pool_stride),
            seed,
            given_numbers(input_values, "input_values"),
            given_numbers(weights, "weights"),
            style=style,
            frame=frame,
            as_json=as_json,
            max_frames=max_frames,
            max_pixels=max_pixels,
        )
    path, make, alt = out or made.path, made.make, made.alt
    if frame is not None:
        still_written = write_made_still(make, path, style, frame, transparent=transparent, alt=alt)
        w, h = still_written.size
        line = f"{path}: frame {still_written.frame} of {still_written.frames}, {w}x{h} px, "
        line += f"{still_written.bytes:,} bytes"
    else:
        written = write_made(make, path, style, duration=duration, transparent=transparent, alt=alt)
        w, h = written.size
        line = f"{path}: {counted(written.frames, 'frame')}, {w}x{h} px, {written.bytes:,} bytes"
    if made.numbers is not None:  # the numbers on standard output, what was written on stderr
        typer.echo(line, err=True)
        typer.echo(json.dumps(made.numbers))
        return
    typer.echo(line)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def explore(
    context: typer.Context,
    net: options.ExploreNet = False,
    port: options.ExplorePort = DEFAULT_PORT,
    no_browser: options.NoBrowser = False,
    html: options.ExploreHtml = None,
) -> None:
    """Explore a layer live: every flag of convanim gif a control, the same pictures, on a
    local page (127.0.0.1) that opens in the browser; Ctrl-C stops it.

    The flags given set where it starts: --k 3 --s 2 --p 1 -t, --view, --values, ...
    (with --net, convanim net's: --preset wavenet, --layers "...", --i). With --html
    FILE, each flag lists values (--k 2,3,4) or a range (--p 0:2) and every combination
    is drawn into one page that works from file://, with no server.

    The controls, as flags: --i --k --s --p --d --op --padding-mode -t --dims --cin --cout
    --groups --bias --preset --layer --view --reading --overlap --theme --values --seed --input-values
    --weights --bias-values --grad --grad-values --pool --no-count-include-pad --ceil-mode
    (convanim gif --help says each); with --net: --preset --layers --i --view --cell
    --from-input --theme.

    Example: convanim explore --k 3 --s 2 --p 1; convanim explore --html explorer.html --k 2,3 --s 1,2
    """
    from convanim.integrations.explorer.state import ARGUMENTS, State, read_arguments

    try:
        flags = read_arguments(list(context.args), net, listed=html is not None)
        if html is None:
            state = State.of(flags, net)
    except ConvanimError as error:
        raise error.renamed(ARGUMENTS) from None
    if html is not None:
        _static_explorer(html, flags, net)
        return
    _serve(state, port, no_browser)


def _static_explorer(path: Path, flags: dict[str, str | bool], net: bool) -> None:
    """Write the static explorer of the values ``flags`` list to ``path``."""
    from convanim.integrations.explorer.state import ARGUMENTS
    from convanim.integrations.explorer.static import Sweep, static_page
    from convanim.render.encode.files import write_bytes

    if path.suffix.lower() not in (".html", ".htm"):
        raise ConvanimError("html", f"writes an .html page, got {quoted(str(path))}")
    try:
        sweep = Sweep.of(flags, net)
    except ConvanimError as error:
        raise error.renamed(ARGUMENTS) from None
    page, refused = static_page(sweep)
    try:
        write_bytes(page.encode(), path)
    except ConvanimError as error:  # a folder that cannot be written: --html's
        raise error.renamed({"out": "html"}) from None
    said = f", {refused} refused (their error lines are in the page)" if refused else ""
    typer.echo(f"{path}: {sweep.count} states{said}, {len(page.encode()):,} bytes")


def _serve(state: State, port: int, no_browser: bool) -> None:
    """Serve the explorer on 127.0.0.1:``port`` until Ctrl-C."""
    import errno
    import webbrowser

    from convanim.integrations.explorer.server import HOST, ExplorerServer

    try:
        server = ExplorerServer(state, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            rule = f"{HOST}:{port} is in use: choose another, or 0 for any free port"
            raise ConvanimError("port", rule) from None
        raise ConvanimError("port", f"cannot listen on {HOST}:{port} ({error.strerror})") from None
    with server:
        typer.echo(f"convanim explore: {server.address}  (Ctrl-C stops it)")
        if not no_browser:
            webbrowser.open(server.address)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            typer.echo("convanim explore: stopped")


@app.command()
def gallery(
    out: options.GalleryFolder = Path("renders"),
    check: options.Check = False,
) -> None:
    """Render the guide's 15 animations, its 4 numerical ones, 8 of channels and groups, 6
    of networks, 5 of the backward pass, 2 of ZF Net's deconvnet, 4 of padding modes and 1
    in three dimensions.

    Also writes README.md in the folder with the table. Example: convanim gallery -o renders
    """
    from rich.console import Console
    from rich.progress import Progress

    from convanim.integrations.gallery import ALL_NAMES, FORMATS, render_gallery, stale_files

    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("rendering the guide's animations", total=len(ALL_NAMES))
        step = functools.partial(progress.advance, task)
        if check:
            stale = stale_files(out, step)
        else:
            entries = render_gallery(out, step)
    if check:
        if stale:
            typer.echo(f"{len(stale)} files in {out} are stale or missing: {', '.join(stale)}")
            typer.echo("regenerate them with: convanim gallery", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out}: all {len(ALL_NAMES)} animations are up to date")
        return
    for entry in entries:
        w, h = entry.size
        typer.echo(
            f"{entry.path}: {counted(entry.frames, 'frame')}, {w}x{h} px, {entry.bytes:,} bytes"
        )
    for suffix in FORMATS:
        written = [entry.bytes for entry in entries if entry.path.suffix == suffix]
        typer.echo(f"{len(written)} animations as {suffix}, {sum(written):,} bytes")


@app.command()
@with_spec_flags(optional=True)
def scene(
    flags: SpecFlags,
    name: Annotated[str | None, typer.Argument(help="The scene; --list names them.")] = None,
    seed: options.Seed = 0,
    values: options.SceneValues = True,
    quality: options.SceneQuality = Quality.LOW,
    file_format: options.Format = SceneFormat.MP4,
    out: options.SceneFile = None,
    preview: options.Preview = False,
    list_scenes: options.ListScenes = False,
    max_steps: options.MaxSteps = MAX_STEPS,
    layers: options.Layers = None,
    cell: options.Cell = None,
) -> None:
    """Render a Manim scene (needs the manim extra): the scene's own spec, changed by the flags given.

    Example: convanim scene transposed --k 3 --s 2 --p 1; convanim scene network --layers "..." --i 16
    """
    from convanim.pipeline import default_name
    from convanim.render.manim.driver import SCENES, check, find_scene, render_scene
    from convanim.story.scenes import DEFAULTS, SceneParams

    if list_scenes:
        typer.echo(
            "\n".join(f"{key:<15} {entry.cls:<28} {entry.summary}" for key, entry in SCENES.items())
        )
        return
    if name is None:
        raise ConvanimError(
            "scene", f"name a scene: {', '.join(SCENES)} ({{list_scenes}} says more)"
        )
    entry = find_scene(name)
    if entry.cls == "NetworkScene":
        params = _network_scene(flags, layers, cell, seed, values)
        spec = params.spec
        stem = f"{_chain_digest(params)}.{file_format.value}"
    else:
        for argument, given in (("layers", layers), ("cell", cell)):
            if given is not None:
                raise ConvanimError(argument, "only the network scene follows a chain of layers")
        transposed = flags.transposed or entry.cls == "TransposedConvolutionScene"
        spec = flags.over(DEFAULTS[entry.cls].spec).spec(transposed, channels=True)
        params = SceneParams(spec, seed=seed, show_values=values)
        stem = default_name(spec, extension=f".{file_format.value}")
    path = out or Path("renders") / f"{entry.cls}_{stem}"
    check(entry, params, path, file_format, max_steps)
    render_scene(entry, params, path, quality, file_format, preview)
    shown = "" if params.network is not None else f", {shape_text(spec)}"
    typer.echo(f"{path}: {entry.cls}{shown}, {path.stat().st_size:,} bytes")


def _chain_digest(params: SceneParams) -> str:
    """A short name of a network scene's chain, its input and cell: one file per scene drawn."""
    import hashlib

    assert params.network is not None
    texts = [stage.text for stage in params.network.stages]
    key = repr((texts, params.network.input_size, params.cell))
    return f"net_{len(texts)}layers_{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _network_scene(
    flags: SpecFlags, layers: str | None, cell: str | None, seed: int, values: bool
) -> SceneParams:
    """The network scene's parameters: its own chain, or --layers on --i (16 cells unless
    typed), and the output --cell followed; the other spec flags have no meaning here."""
    from convanim.pytorch import build_network, parse_chain
    from convanim.story.scenes import DEFAULTS, SceneParams

    meaningless = sorted(flags.typed - {"input_size"})
    if meaningless:
        rule = "the network scene takes a chain of layers: give {layers}"
        raise ConvanimError(meaningless[0], rule)
    default = DEFAULTS["NetworkScene"]
    assert default.network is not None
    network = default.network
    if layers is not None or flags.input_size is not None:
        text = layers or "; ".join(stage.text for stage in network.stages)
        sizes = integers("input_size", flags.input_size) if flags.input_size else network.input_size
        network = build_network(parse_chain(text), sizes if len(sizes) > 1 else sizes[0])
    chosen = default.cell if network is default.network and cell is None else None
    if cell is not None:
        chosen = integers("cell", cell)
    return SceneParams(default.spec, seed, values, network, chosen)


@app.command()
@with_spec_flags(transposed=True, stride="2")
def overlap(
    flags: SpecFlags,
    compare: options.Compare = False,
    out: options.FigureFile = None,
) -> None:
    """Map how many kernel taps reach each output cell of a transposed conv (checkerboards).

    Example: convanim overlap --k 3 --s 2 --compare
    """
    from convanim.pipeline import default_name
    from convanim.render.figures.figures import overlap_comparison, overlap_figure

    spec = flags.spec(max_axes=2)
    specs = overlap_comparison(spec) if compare else [spec]
    path = out or Path("renders") / default_name(spec, extension=".png", tags=("overlap",))
    size = overlap_figure(specs, path, asked=spec)
    lines = [f"k {','.join(map(str, each.kernel))}: {overlap_verdict(each)}" for each in specs]
    typer.echo("\n".join([*lines, f"{path}: {size:,} bytes"]))


@app.command()
@with_spec_flags()
def matrix(
    flags: SpecFlags,
    animate: options.Animate = False,
    out: options.MatrixFile = None,
) -> None:
    """Draw the convolution's unrolled matrix C, or with -t its transpose Cᵀ (the transposed op).

    Cells are coloured by the kernel position they hold. Example: convanim matrix --i 4 --k 3
    """
    from convanim.pipeline import default_name
    from convanim.render.figures.figures import matrix_animation, matrix_figure

    convolution = flags.spec(transposed=False)
    spec = convolution.transpose() if flags.transposed else convolution
    extension = ".gif" if animate else ".png"
    path = out or Path("renders") / default_name(spec, extension=extension, tags=("matrix",))
    size = matrix_animation(spec, path) if animate else matrix_figure(spec, path)
    typer.echo(f"{path}: {size:,} bytes, {shape_text(spec)}")
