"""The ``convanim`` command line: parse flags into a ConvSpec, call a module, print one result.

Invalid input ends with one ``error: ...`` line naming the flag, and exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from convanim import describe
from convanim.geometry import ConvSpec, SpecError, default_input_size

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Exact animations of convolution and transposed convolution arithmetic.",
)

#: The flag that sets each ConvSpec field, for error messages in the user's terms.
FLAGS = {
    "input_size": "--i",
    "kernel": "--k",
    "stride": "--s",
    "padding": "--p",
    "dilation": "--d",
    "output_padding": "--op",
    "transposed": "-t",
    "pool": "--pool",
    "weights": "--weights",
    "input_values": "--input-values",
}

InputOption = Annotated[
    str | None,
    typer.Option(
        "--i",
        "--input",
        help="Input size: 5, or per axis 5,7. Default: the guide's (5 in, or 5 out if transposed).",
    ),
]
KernelOption = Annotated[str, typer.Option("--k", "--kernel", help="Kernel size: 3 or 3,2.")]
StrideOption = Annotated[str, typer.Option("--s", "--stride", help="Stride: 2 or 2,1.")]
PaddingOption = Annotated[
    str,
    typer.Option(
        "--p",
        "--padding",
        help="Padding: 1, per axis 1,0, per side 1:2, or same | valid | full (conv only).",
    ),
]
DilationOption = Annotated[str, typer.Option("--d", "--dilation", help="Dilation: 1 or 2,1.")]
OutputPaddingOption = Annotated[
    str,
    typer.Option("--op", "--output-padding", help="Output padding of a transposed conv: 0 or 1,0."),
]
TransposedOption = Annotated[
    bool, typer.Option("-t", "--transposed", help="A transposed convolution.")
]
DimsOption = Annotated[
    int | None,
    typer.Option("--dims", help="Number of axes when every value is a single number (default 2)."),
]


@app.callback()
def commands() -> None:
    """Exact animations of convolution and transposed convolution arithmetic."""


class UsageError(Exception):
    """A flag value that cannot be parsed; the message names the flag."""


def fail(message: str) -> typer.Exit:
    """Print one error line and return the exit to raise (code 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def spec_error_text(error: SpecError) -> str:
    flag = FLAGS.get(error.argument, error.argument)
    where = f" (axis {error.axis})" if error.axis is not None else ""
    return f"{flag}{where}: {error.rule}"


def _integers(flag: str, text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(
            f"{flag} {text!r}: expected an integer or comma-separated integers like 5,7"
        ) from None


def _padding(text: str) -> tuple:
    if text in ("same", "valid", "full"):
        return (text,)
    entries = []
    for part in text.split(","):
        sides = part.split(":")
        if len(sides) > 2:
            raise UsageError(f"--p {text!r}: a per-side value is before:after, like 1:2")
        values = _integers("--p", ",".join(sides))
        entries.append(values if len(values) == 2 else values[0])
    return tuple(entries)


def _expand(values: tuple, ndim: int, flag: str) -> tuple:
    if len(values) == 1:
        return values * ndim
    if len(values) != ndim:
        raise UsageError(f"{flag} has {len(values)} values but the spec has {ndim} axes")
    return values


def build_spec(
    input_size: str | None,
    kernel: str,
    stride: str,
    padding: str,
    dilation: str,
    output_padding: str,
    transposed: bool,
    dims: int | None,
) -> ConvSpec:
    """The ConvSpec the flags describe; raises UsageError or SpecError."""
    parsed = {
        "kernel": _integers("--k", kernel),
        "stride": _integers("--s", stride),
        "padding": _padding(padding),
        "dilation": _integers("--d", dilation),
        "output_padding": _integers("--op", output_padding),
    }
    if input_size is not None:
        parsed["input_size"] = _integers("--i", input_size)
    if dims is not None and dims < 1:
        raise UsageError(f"--dims must be positive, got {dims}")
    ndim = dims or max((len(values) for values in parsed.values() if len(values) > 1), default=2)
    per_axis = {name: _expand(values, ndim, FLAGS[name]) for name, values in parsed.items()}
    if "input_size" not in per_axis:
        per_axis["input_size"] = default_input_size(transposed=transposed, **per_axis)
    if isinstance(per_axis["padding"][0], str):
        per_axis["padding"] = per_axis["padding"][0]
    return ConvSpec(transposed=transposed, **per_axis)


def spec_or_exit(*flags) -> ConvSpec:
    try:
        return build_spec(*flags)
    except UsageError as error:
        raise fail(str(error)) from None
    except SpecError as error:
        raise fail(spec_error_text(error)) from None


@app.command()
def shape(
    input_size: InputOption = None,
    kernel: KernelOption = "3",
    stride: StrideOption = "1",
    padding: PaddingOption = "0",
    dilation: DilationOption = "1",
    output_padding: OutputPaddingOption = "0",
    transposed: TransposedOption = False,
    dims: DimsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON record.")] = False,
) -> None:
    """Print the output size, its formula per axis, unread input cells and the PyTorch layer.

    Example: convanim shape --i 5 --k 3 --s 2 --p 1
    """
    spec = spec_or_exit(
        input_size, kernel, stride, padding, dilation, output_padding, transposed, dims
    )
    if as_json:
        typer.echo(json.dumps(describe.spec_record(spec)))
        return
    kind = "transposed convolution" if spec.transposed else "convolution"
    typer.echo(f"{kind}: {describe.shape_text(spec)}")
    for line in describe.formula_lines(spec):
        typer.echo(f"  {line}")
    unread = describe.unread_text(spec)
    if unread:
        typer.echo(unread)
    for line in describe.torch_lines(spec):
        typer.echo(line)


ViewOption = Annotated[
    str,
    typer.Option(
        "--view",
        help="canvas: the guide's picture; scatter: each input stamps the kernel (transposed); "
        "flat: top-down, input left, output right.",
    ),
]


@app.command()
def gif(
    input_size: InputOption = None,
    kernel: KernelOption = "3",
    stride: StrideOption = "1",
    padding: PaddingOption = "0",
    dilation: DilationOption = "1",
    output_padding: OutputPaddingOption = "0",
    transposed: TransposedOption = False,
    dims: DimsOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--out", help="Output file: .gif, .webp, .png (APNG) or .mp4 (needs PyAV)."
        ),
    ] = None,
    view: ViewOption = "canvas",
    theme: Annotated[str, typer.Option("--theme", help="light or dark.")] = "light",
    width: Annotated[
        int | None, typer.Option("--width", min=50, help="Frame width in pixels.")
    ] = None,
    duration: Annotated[
        int, typer.Option("--duration", min=20, help="Milliseconds per frame.")
    ] = 1000,
    labels: Annotated[
        bool, typer.Option("--labels/--no-labels", help="Name the planes and their sizes.")
    ] = True,
    transparent: Annotated[
        bool, typer.Option("--transparent", help="See-through background (.gif, .png, .webp).")
    ] = False,
    max_frames: Annotated[
        int, typer.Option("--max-frames", min=1, help="Refuse animations with more frames.")
    ] = 2500,
    max_pixels: Annotated[
        int, typer.Option("--max-pixels", min=1, help="Refuse larger frames (width x height).")
    ] = 4_000_000,
    values: Annotated[
        bool, typer.Option("--values", help="Print input values, weights and outputs.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the printed values.")] = 0,
    weights: Annotated[
        str | None, typer.Option("--weights", help="Kernel weights, row-major: 1,0,-1,...")
    ] = None,
    input_values: Annotated[
        str | None, typer.Option("--input-values", help="Input values, row-major.")
    ] = None,
    pool: Annotated[str | None, typer.Option("--pool", help="max or avg pooling.")] = None,
    overlap: Annotated[
        bool,
        typer.Option("--overlap", help="Close the scatter view with the stamp count per output."),
    ] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Also print a Markdown snippet with alt text.")
    ] = False,
    html: Annotated[
        bool, typer.Option("--html", help="Also print an HTML <img> snippet with alt text.")
    ] = False,
    count_include_pad: Annotated[
        bool,
        typer.Option(
            "--count-include-pad/--no-count-include-pad",
            help="Average pooling divides by the whole window (PyTorch's default).",
        ),
    ] = True,
) -> None:
    """Render an animation in the style of Dumoulin & Visin.

    Example: convanim gif --k 3 --s 2 --p 1 (writes renders/conv_i5_k3_s2_p1.gif)
    """
    from convanim.numbers import given_values, small_values
    from convanim.pooling import Pooling
    from convanim.render.encode import OutputError
    from convanim.render.gif import animate_to_file, default_name
    from convanim.render.palette import THEMES
    from convanim.render.raster import NUMBERS_CELL, Style
    from convanim.storyboard import DrawingError

    spec = spec_or_exit(
        input_size, kernel, stride, padding, dilation, output_padding, transposed, dims
    )
    if view not in ("canvas", "scatter", "flat"):
        raise fail(f"--view must be canvas, scatter or flat, got {view!r}")
    if theme not in THEMES:
        raise fail(f"--theme must be one of {', '.join(THEMES)}, got {theme!r}")
    numeric = values or pool is not None or weights is not None or input_values is not None
    try:
        pooling = Pooling(spec, pool, count_include_pad) if pool is not None else None
        x, w = small_values(spec, seed)
        if input_values is not None:
            x = given_values(input_values, spec.input_size, "input_values")
        if weights is not None:
            w = given_values(weights, spec.kernel, "weights")
    except SpecError as error:
        raise fail(spec_error_text(error)) from None
    tags = (f"{pool}pool",) if pool else ("values",) if numeric else ()
    path = out or Path("renders") / default_name(spec, view, theme, tags=tags)
    cell = NUMBERS_CELL if numeric else Style.cell
    style = Style(theme=theme, labels=labels, width=width, cell=cell)
    try:
        result = animate_to_file(
            spec,
            path,
            view=view,
            style=style,
            duration=duration,
            max_frames=max_frames,
            max_pixels=max_pixels,
            transparent=transparent,
            values=(x, w) if numeric else None,
            pooling=pooling,
            overlap=overlap,
        )
    except (DrawingError, OutputError) as error:
        raise fail(str(error)) from None
    typer.echo(
        f"{result.path}: {result.frames} frames, {result.size[0]}x{result.size[1]} px, "
        f"{result.bytes:,} bytes, {describe.shape_text(spec)}"
    )
    alt = describe.alt_text(spec)
    if markdown:
        typer.echo(f"![{alt}]({result.path.as_posix()})")
    if html:
        width = result.size[0]
        typer.echo(f'<img src="{result.path.as_posix()}" alt="{alt}" width="{width}">')


@app.command()
def gallery(
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder for the GIFs.")] = Path(
        "renders"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Only verify that the files in the folder are current.")
    ] = False,
) -> None:
    """Render the 15 animations of Dumoulin & Visin's guide under their names, in parallel.

    Also writes README.md in the folder with the table. Example: convanim gallery -o renders
    """
    import os
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    from rich.progress import Progress

    from convanim.gallery import ALL_NAMES, markdown_table, render_one

    target = Path(tempfile.mkdtemp(prefix="convanim-gallery-")) if check else out
    jobs = [(name, target) for name in ALL_NAMES]
    results = []
    with (
        ProcessPoolExecutor(max_workers=os.cpu_count()) as pool,
        Progress(transient=True) as progress,
    ):
        task = progress.add_task("rendering the guide's animations", total=len(jobs))
        for result in pool.map(render_one, jobs):
            results.append(result)
            progress.advance(task)
    table = markdown_table(target)
    (target / "README.md").write_text(
        "# Gallery\n\nDumoulin & Visin's animations, regenerated by `convanim gallery`.\n\n" + table
    )
    if check:
        stale = [
            name
            for name in [*(f"{n}.gif" for n in ALL_NAMES), "README.md"]
            if not (out / name).exists()
            or (out / name).read_bytes() != (target / name).read_bytes()
        ]
        if stale:
            typer.echo(f"{len(stale)} files in {out} are stale or missing: {', '.join(stale)}")
            typer.echo("regenerate them with: convanim gallery", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out}: all {len(ALL_NAMES)} animations are up to date")
        return
    total = sum(size for *_, size in results)
    for name, frames, (w, h), size in results:
        typer.echo(f"{out / (name + '.gif')}: {frames} frames, {w}x{h} px, {size:,} bytes")
    typer.echo(f"{len(results)} animations, {total:,} bytes")


@app.command()
def scene(
    name: Annotated[
        str | None, typer.Argument(help="convolution, transposed, matrix or reconstruction.")
    ] = None,
    input_size: InputOption = None,
    kernel: Annotated[str | None, typer.Option("--k", "--kernel", help="Kernel size.")] = None,
    stride: Annotated[str | None, typer.Option("--s", "--stride", help="Stride.")] = None,
    padding: Annotated[str | None, typer.Option("--p", "--padding", help="Padding.")] = None,
    dilation: Annotated[str | None, typer.Option("--d", "--dilation", help="Dilation.")] = None,
    output_padding: Annotated[
        str | None, typer.Option("--op", "--output-padding", help="Output padding.")
    ] = None,
    transposed: TransposedOption = False,
    dims: DimsOption = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the cell values.")] = 0,
    values: Annotated[
        bool, typer.Option("--values/--no-values", help="Show numbers in the cells.")
    ] = True,
    quality: Annotated[str, typer.Option("--quality", help="l, m, h or k (480p15 .. 4K).")] = "l",
    file_format: Annotated[str, typer.Option("--format", help="mp4, gif or png.")] = "mp4",
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output file.")] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Open the result.")] = False,
    list_scenes: Annotated[bool, typer.Option("--list", help="List the scenes.")] = False,
) -> None:
    """Render a Manim scene (needs the manim extra). Without spec flags, the scene's default spec.

    Example: convanim scene transposed --k 3 --s 2 --p 1
    """
    from convanim.render.gif import default_name
    from convanim.render.video import FORMATS, QUALITIES, SCENES, SceneError, check, find_scene
    from convanim.scene_data import DEFAULTS, SceneParams

    if list_scenes or name is None:
        for key, entry in SCENES.items():
            typer.echo(f"{key:<15} {entry.cls:<28} {entry.summary}")
        if name is None and not list_scenes:
            raise typer.Exit(2)
        return
    try:
        entry = find_scene(name)
    except SceneError as error:
        raise fail(str(error)) from None
    if quality not in QUALITIES:
        raise fail(f"--quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    if file_format not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, got {file_format!r}")
    flags = (input_size, kernel, stride, padding, dilation, output_padding)
    if any(flag is not None for flag in flags) or transposed or dims is not None:
        defaults = ("3", "1", "0", "1", "0")
        given = [
            flag if flag is not None else default for flag, default in zip(flags[1:], defaults)
        ]
        spec = spec_or_exit(
            input_size, *given, transposed or entry.cls == "TransposedConvolutionScene", dims
        )
    else:
        spec = DEFAULTS[entry.cls].spec
    params = SceneParams(spec, seed=seed, show_values=values)
    path = (
        out
        or Path("renders")
        / f"{entry.cls}_{default_name(spec, 'canvas', 'light', '')}.{file_format}"
    )
    try:
        check(entry, params)
        from convanim.render.video import render_scene

        render_scene(entry, params, path, quality, file_format, preview)
    except SceneError as error:
        raise fail(str(error)) from None
    except SpecError as error:
        raise fail(spec_error_text(error)) from None
    typer.echo(f"{path}: {entry.cls}, {describe.shape_text(spec)}, {path.stat().st_size:,} bytes")


@app.command()
def overlap(
    input_size: Annotated[
        str, typer.Option("--i", "--input", help="Input size of the transposed conv.")
    ] = "6",
    kernel: KernelOption = "3",
    stride: StrideOption = "2",
    padding: PaddingOption = "0",
    dilation: DilationOption = "1",
    output_padding: OutputPaddingOption = "0",
    dims: DimsOption = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="Also kernels s, s+1 and s+2 for this stride.")
    ] = False,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output PNG.")] = None,
) -> None:
    """Map how many kernel taps reach each output cell of a transposed conv (checkerboards).

    Example: convanim overlap --k 3 --s 2 --compare
    """
    from convanim.render.encode import OutputError
    from convanim.render.figures import overlap_figure, overlap_verdict
    from convanim.render.gif import default_name

    spec = spec_or_exit(input_size, kernel, stride, padding, dilation, output_padding, True, dims)
    specs = [spec]
    if compare:
        step = spec.stride[-1]
        for k in range(step, step + 3):
            if k != spec.kernel[-1]:
                flags = (input_size, str(k), stride, padding, dilation, output_padding)
                specs.append(spec_or_exit(*flags, True, dims))
        specs.sort(key=lambda s: s.kernel[-1])
    path = out or Path("renders") / default_name(spec, "canvas", "light", ".png", ("overlap",))
    try:
        size = overlap_figure(specs, path)
    except OutputError as error:
        raise fail(str(error)) from None
    for each in specs:
        typer.echo(f"k {','.join(map(str, each.kernel))}: {overlap_verdict(each)}")
    typer.echo(f"{path}: {size:,} bytes")


@app.command()
def matrix(
    input_size: Annotated[str, typer.Option("--i", "--input", help="Input size.")] = "4",
    kernel: KernelOption = "3",
    stride: StrideOption = "1",
    padding: PaddingOption = "0",
    dilation: DilationOption = "1",
    output_padding: OutputPaddingOption = "0",
    transposed: TransposedOption = False,
    dims: DimsOption = None,
    animate: Annotated[
        bool, typer.Option("--animate", help="A GIF, one frame per output cell, row lit.")
    ] = False,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output PNG or GIF.")] = None,
) -> None:
    """Draw the unrolled matrix C (or C^T with -t), cells coloured by kernel position.

    Example: convanim matrix --i 4 --k 3
    """
    from convanim.render.encode import OutputError
    from convanim.render.figures import matrix_animation, matrix_figure
    from convanim.render.gif import default_name

    spec = spec_or_exit(
        input_size, kernel, stride, padding, dilation, output_padding, transposed, dims
    )
    extension = ".gif" if animate else ".png"
    path = out or Path("renders") / default_name(spec, "canvas", "light", extension, ("matrix",))
    try:
        size = matrix_animation(spec, path) if animate else matrix_figure(spec, path)
    except OutputError as error:
        raise fail(str(error)) from None
    except SpecError as error:
        raise fail(spec_error_text(error)) from None
    typer.echo(f"{path}: {size:,} bytes, {describe.shape_text(spec)}")


def main() -> None:
    app(prog_name="convanim")
