"""The flags of the command line: declared once, parsed into library values, errors translated.

The spec flags are added to every command that takes a spec by ``with_spec_flags``.
The library's errors name keyword arguments; ``FLAGS`` names the flag that sets each,
and ``convanim.cli.failures`` prints them with it, as one ``error:`` line and exit code 2.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from typing import Annotated, Any

import typer

from convanim.cli.options import SPEC
from convanim.errors import ConvanimError, quoted
from convanim.geometry import NAMED_PADDINGS, ConvSpec, Pooling, default_input_size
from convanim.geometry.spec import check_axes
from convanim.pytorch import parse_layer
from convanim.story.presets import PRESET_OUT_CHANNELS, Preset, Separable, preset_channels

#: The flag that sets each library argument, for messages in the user's terms.
FLAGS = {
    "input_size": "--i",
    "kernel": "--k",
    "stride": "--s",
    "padding": "--p",
    "dilation": "--d",
    "output_padding": "--op",
    "padding_mode": "--padding-mode",
    "transposed": "-t",
    "dims": "--dims",
    "in_channels": "--cin",
    "out_channels": "--cout",
    "groups": "--groups",
    "bias": "--bias",
    "layer": "--layer",
    "out": "-o",
    "view": "--view",
    "reading": "--reading",
    "values": "--values",
    "preset": "--preset",
    "theme": "--theme",
    "width": "--width",
    "max_frames": "--max-frames",
    "max_pixels": "--max-pixels",
    "pool": "--pool",
    "weights": "--weights",
    "input_values": "--input-values",
    "bias_values": "--bias-values",
    "overlap": "--overlap",
    "scene": "NAME",
    "quality": "--quality",
    "file_format": "--format",
    "max_steps": "--max-steps",
    "list_scenes": "--list",
    "transparent": "--transparent",
    "duration": "--duration",
    "seed": "--seed",
    "no_count_include_pad": "--no-count-include-pad",
    "count_include_pad": "--no-count-include-pad",  # the library's switch, the flag's opposite
    "pooling": "--pool",  # a pooling --layer renames it (ConvanimError.renamed) to layer
    "ceil_mode": "--ceil-mode",
    "frame": "--frame",
    "layers": "--layers",
    "model": "--model",
    "cell": "--cell",
    "from_input": "--from-input",
    "as_json": "--json",
    "markdown": "--markdown",
    "html": "--html",
    "grad": "--grad",
    "grad_values": "--grad-values",
    "pool_kernel": "--pool-k",
    "pool_stride": "--pool-s",
    "picture": "--picture",
    "port": "--port",
    "no_browser": "--no-browser",
    "net": "--net",
    "explore": "convanim explore",
    "install_completion": "--install-completion",
}
KERNEL = 3  # the kernel when --k is not given; every other default is ConvSpec's
SPEC_DEFAULTS = {
    "kernel": KERNEL,
    **{
        name: parameter.default
        for name, parameter in inspect.signature(ConvSpec).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    },
}


def integers(argument: str, text: str) -> tuple[int, ...]:
    """``5`` or ``5,7`` as typed for ``argument``, as integers."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        rule = f"expected an integer or comma-separated integers like 5,7, got {quoted(text)}"
        raise ConvanimError(argument, rule) from None


def _padding(text: str) -> tuple[Any, ...]:
    if text in NAMED_PADDINGS:
        return (text,)
    entries: list[Any] = []
    for part in text.split(","):
        if part in NAMED_PADDINGS:
            rule = f"a padding name applies to every axis: give it alone, got {quoted(text)}"
            raise ConvanimError("padding", rule)
        sides = part.split(":")
        if len(sides) > 2 or not all(side.strip().lstrip("-").isdigit() for side in sides):
            rule = (
                "expected an integer, one per axis (1,0), before:after per side (1:2), or "
                f"one of {', '.join(NAMED_PADDINGS)}; got {quoted(text)}"
            )
            raise ConvanimError("padding", rule)
        values = tuple(int(side) for side in sides)
        entries.append(values if len(values) == 2 else values[0])
    return tuple(entries)


#: The spec flags with a value per axis.
AXIS_FLAGS = ("input_size", "kernel", "stride", "padding", "dilation", "output_padding")
#: The spec flags a --layer replaces (it gives the input size no value, -t must agree with it).
LAYER_GIVES = (
    "kernel",
    "stride",
    "padding",
    "dilation",
    "output_padding",
    "padding_mode",
    "dims",
    "in_channels",
    "out_channels",
    "groups",
    "bias",
    "preset",
)


def _axis_text(value: int | tuple[int, int]) -> str:
    """One axis's value as a flag takes it: 2, or a padding's 1 or 1:2 (before:after)."""
    if not isinstance(value, tuple):
        return str(value)
    before, after = value
    return str(before) if before == after else f"{before}:{after}"


#: PyTorch's names for the arguments a --layer gives, where they differ from convanim's.
TORCH_NAMES = {"kernel": "kernel_size"}
#: The arguments a --preset fills in when their flags are not typed.
PRESET_GIVES = ("kernel", "in_channels", "out_channels", "groups")


def _torch_fields(rule: str) -> str:
    """``rule`` with its fields for the arguments a --layer gives as PyTorch's names."""
    given = "|".join(LAYER_GIVES)
    return re.sub(rf"(?<!\{{)\{{({given})\}}(?!\}})", lambda m: TORCH_NAMES.get(m[1], m[1]), rule)


@dataclass(frozen=True)
class SpecFlags:
    """The spec flags as typed; None where not given (or the command's defaults).

    ``typed`` names the flags typed on the command line, which a --layer refuses.
    """

    input_size: str | None = None
    kernel: str | None = None
    stride: str | None = None
    padding: str | None = None
    dilation: str | None = None
    output_padding: str | None = None
    padding_mode: str | None = None
    transposed: bool = False
    dims: int | None = None
    in_channels: int | None = None
    out_channels: int | None = None
    groups: int | None = None
    bias: bool = False
    layer: str | None = None
    preset: Preset | None = None
    typed: frozenset[str] = frozenset()

    def blamed(self, error: ConvanimError) -> ConvanimError:
        """``error`` naming what the user typed: the --layer or --preset that gave its
        argument when the argument's own flag was not typed."""
        argument = error.argument
        if argument in self.typed:
            return error
        if self.layer is not None and argument in LAYER_GIVES:
            rule = f"{TORCH_NAMES.get(argument, argument)}: {_torch_fields(error.rule)}"
            return ConvanimError("layer", rule, error.axis)
        if self.preset is not None and argument in PRESET_GIVES:
            if argument == "kernel" and self.preset is not Preset.POINTWISE:
                pass  # only pointwise sets the kernel: a kernel left at its default, below
            elif argument in ("out_channels", "groups") and "in_channels" in self.typed:
                return ConvanimError("in_channels", error.rule, error.axis)  # they follow --cin
            else:
                return ConvanimError("preset", error.rule, error.axis)
        if argument == "kernel" and "input_size" in self.typed:  # the kernel is the default's
            return ConvanimError("input_size", error.rule, error.axis)
        return error

    def spec(
        self, transposed: bool | None = None, max_axes: int | None = None, channels: bool = False
    ) -> ConvSpec:
        """The ConvSpec the flags describe (see ``operation``); a pooling --layer is refused."""
        if self.preset is Preset.SEPARABLE and not channels:
            raise ConvanimError(
                "preset", "separable is two layers: convanim gif and convanim shape show it"
            )
        op = self.operation(transposed, max_axes, channels)
        if isinstance(op, Pooling):
            rule = f"{quoted(self.layer)} is pooling, and this command draws a convolution"
            raise ConvanimError("layer", rule)
        return op

    def operation(
        self, transposed: bool | None = None, max_axes: int | None = None, channels: bool = False
    ) -> ConvSpec | Pooling:
        """The ConvSpec the flags or the --layer describe, or the Pooling of a pooling layer.

        ``transposed`` asks for a transposed convolution or not (None: as -t or the
        layer says). ``max_axes`` refuses more axes, naming the flag that asked for
        them. Unless ``channels``, more than one channel and a typed --bias are refused:
        the command cannot draw them yet.
        """
        op = (
            self._flags_spec(transposed, max_axes)
            if self.layer is None
            else self._layer_op(self.layer, transposed)
        )
        spec = op.spec if isinstance(op, Pooling) else op
        if not channels and not spec.single_channel:
            source = (
                "layer" if self.layer else "in_channels" if spec.in_channels > 1 else "out_channels"
            )
            rule = (
                f"{spec.in_channels} input and {spec.out_channels} output channels are not drawn "
                "yet (convanim shape prints their arithmetic)"
            )
            raise ConvanimError(source, rule)
        if not channels and "bias" in self.typed:
            raise ConvanimError("bias", "the bias is not drawn yet (convanim shape prints it)")
        return op

    def separable(self) -> Separable:
        """The depthwise-separable pair of a ``--preset separable`` (see ``operation``)."""
        spec = self.spec(max_axes=2, channels=True)
        out = PRESET_OUT_CHANNELS
        if "out_channels" in self.typed and self.out_channels is not None:
            out = self.out_channels
        return Separable.of(spec, out)

    def over(self, spec: ConvSpec) -> SpecFlags:
        """These flags over ``spec``: every spec flag not typed keeps ``spec``'s value, so a
        command with a spec of its own (a scene's) changes only what the user typed. Its
        axes are kept too, unless --dims or a flag typed per axis says how many. A --layer
        sets the rest itself; a --preset its channels.
        """
        if self.layer is not None:
            return self
        counts = [
            len(text.split(","))
            for name in AXIS_FLAGS
            if name in self.typed and (text := getattr(self, name)) is not None
        ]
        if self.dims is not None and "dims" in self.typed:
            ndim = self.dims
        else:
            ndim = max(counts) if max(counts, default=1) > 1 else spec.ndim
        kept: dict[str, Any] = {"dims": ndim}
        for name in AXIS_FLAGS:
            entries = [_axis_text(value) for value in getattr(spec, name)]
            if len(set(entries)) == 1:  # one number for every axis, however many
                kept[name] = entries[0]
            elif len(entries) == ndim:
                kept[name] = ",".join(entries)
        for name in ("padding_mode", "in_channels", "out_channels", "groups", "bias", "transposed"):
            kept[name] = getattr(spec, name)
        return replace(self, **{k: v for k, v in kept.items() if k not in self.typed})

    def _layer_op(self, text: str, transposed: bool | None) -> ConvSpec | Pooling:
        """The op of the --layer ``text`` on the input size of --i (or the guide's)."""
        layer = parse_layer(text)
        clashing = [name for name in LAYER_GIVES if name in self.typed]
        if clashing:
            raise ConvanimError(clashing[0], "{layer} sets it already: give one of them")
        asked = transposed if transposed is not None else (True if self.transposed else None)
        if asked is not None and asked != layer.transposed:
            kinds = {True: "a transposed convolution", False: "a convolution"}
            kind = "pooling" if layer.pool else kinds[layer.transposed]
            who = "{transposed} asks for" if "transposed" in self.typed else "this command takes"
            raise ConvanimError("layer", f"{quoted(text)} is {kind}, but {who} {kinds[asked]}")
        sizes = None if self.input_size is None else integers("input_size", self.input_size)
        return layer.build(sizes[0] if sizes and len(sizes) == 1 else sizes)

    def _flags_spec(self, transposed: bool | None, max_axes: int | None) -> ConvSpec:
        """The ConvSpec of the spec flags; unset flags take ConvSpec's defaults."""
        text = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("kernel", "stride", "padding", "dilation", "output_padding"):
            text[name] = str(SPEC_DEFAULTS[name]) if text[name] is None else text[name]
        parsed: dict[str, Any] = {
            name: _padding(text[name]) if name == "padding" else integers(name, text[name])
            for name in ("kernel", "stride", "padding", "dilation", "output_padding")
        }
        if self.input_size is not None:
            parsed["input_size"] = integers("input_size", self.input_size)
        longest = max((len(values) for values in parsed.values() if len(values) > 1), default=2)
        ndim = self.dims or longest
        longest_flag = next((n for n, v in parsed.items() if len(v) == ndim), "dims")
        source = "dims" if self.dims else longest_flag
        check_axes(source, ndim)
        if max_axes is not None and ndim > max_axes:
            most = "1 or 2" if max_axes == 2 else f"1 to {max_axes}"
            rule = (
                f"gives {ndim} axes, but a picture has {most} (shape prints the arithmetic of any)"
            )
            raise ConvanimError(source, rule)
        for name, values in parsed.items():
            if len(values) not in (1, ndim):
                raise ConvanimError(name, f"has {len(values)} values but the spec has {ndim} axes")
            parsed[name] = values * ndim if len(values) == 1 else values
        transposed = self.transposed if transposed is None else transposed
        if "input_size" not in parsed:
            parsed["input_size"] = default_input_size(transposed=transposed, **parsed)
        if isinstance(parsed["padding"][0], str):  # a name applies to every axis
            parsed["padding"] = parsed["padding"][0]
        channels = {
            name: SPEC_DEFAULTS[name] if getattr(self, name) is None else getattr(self, name)
            for name in ("in_channels", "out_channels", "groups")
        }
        if self.preset is not None:
            if "groups" in self.typed:
                raise ConvanimError("groups", "{preset} sets it already: give one of them")
            channels.update(
                preset_channels(
                    self.preset,
                    self.in_channels if "in_channels" in self.typed else None,
                    self.out_channels if "out_channels" in self.typed else None,
                    "kernel" in self.typed,
                )
            )
            parsed["kernel"] = (channels.pop("kernel", parsed["kernel"][0]),) * ndim
            if "input_size" not in self.typed:
                kernels = {k: v for k, v in parsed.items() if k != "input_size"}
                parsed["input_size"] = default_input_size(transposed=transposed, **kernels)
        mode = SPEC_DEFAULTS["padding_mode"] if self.padding_mode is None else self.padding_mode
        return ConvSpec(
            transposed=transposed, **parsed, **channels, bias=self.bias, padding_mode=mode
        )


#: The end of --i's help where the guide's default applies (not for a command with its own).
GUIDE_INPUT_DEFAULT = " Default: the guide's (5 in, or 5 out if -t)."
_SPEC_OPTIONS: dict[str, tuple[type, typer.models.OptionInfo]] = {
    "input_size": (
        str,
        typer.Option(
            "--i",
            "--input",
            rich_help_panel=SPEC,
            help="Input size: 5, or per axis 5,7 (or 3,5,5: gif draws 1 to 3 axes)."
            + GUIDE_INPUT_DEFAULT,
        ),
    ),
    "kernel": (
        str,
        typer.Option("--k", "--kernel", rich_help_panel=SPEC, help="Kernel size: 3 or 3,2."),
    ),
    "stride": (
        str,
        typer.Option("--s", "--stride", rich_help_panel=SPEC, help="Stride: 2 or 2,1."),
    ),
    "padding": (
        str,
        typer.Option(
            "--p",
            "--padding",
            rich_help_panel=SPEC,
            help="Padding: 1, per axis 1,0, per side 1:2, or same | valid | full (conv only).",
        ),
    ),
    "dilation": (
        str,
        typer.Option("--d", "--dilation", rich_help_panel=SPEC, help="Dilation: 1 or 2,1."),
    ),
    "output_padding": (
        str,
        typer.Option(
            "--op",
            "--output-padding",
            rich_help_panel=SPEC,
            help="Output padding of a transposed conv: 1,0.",
        ),
    ),
    "padding_mode": (
        str,
        typer.Option(
            "--padding-mode",
            rich_help_panel=SPEC,
            help="What the padding holds: zeros, or a copy of an input cell: reflect | "
            "replicate | circular (conv only; PyTorch's padding_mode).",
        ),
    ),
    "transposed": (
        bool,
        typer.Option(
            "-t", "--transposed", rich_help_panel=SPEC, metavar="", help="A transposed convolution."
        ),
    ),
    "dims": (
        int,
        typer.Option(
            "--dims",
            min=1,
            rich_help_panel=SPEC,
            help="Number of axes when every value is one number [2]; gif draws 1 to 3.",
        ),
    ),
    "in_channels": (
        int,
        typer.Option("--cin", "--in-channels", rich_help_panel=SPEC, help="Input channels."),
    ),
    "out_channels": (
        int,
        typer.Option("--cout", "--out-channels", rich_help_panel=SPEC, help="Output channels."),
    ),
    "groups": (
        int,
        typer.Option(
            "--groups",
            rich_help_panel=SPEC,
            help="Channel groups: each output channel reads its group's inputs.",
        ),
    ),
    "bias": (
        bool,
        typer.Option("--bias", rich_help_panel=SPEC, metavar="", help="A bias per output channel."),
    ),
    "preset": (
        Preset,
        typer.Option(
            "--preset",
            rich_help_panel=SPEC,
            help="depthwise (--groups = --cin), pointwise (--k 1) or separable (depthwise, "
            "then pointwise); printed as the flags it stands for.",
        ),
    ),
    "layer": (
        str,
        typer.Option(
            "--layer",
            rich_help_panel=SPEC,
            help='A PyTorch layer instead of the flags, read not run: "nn.Conv2d(4, 2, 3, '
            'stride=2)"; Conv, ConvTranspose, MaxPool, AvgPool 1d/2d/3d. --i gives its input size.',
        ),
    ),
}


KEYWORD = inspect.Parameter.KEYWORD_ONLY


def typed_names(context: typer.Context, names: Iterable[str]) -> tuple[str, ...]:
    """Which of the parameters ``names`` were typed on the command line, in their order
    (not left at their defaults, whatever their values)."""
    return tuple(
        name
        for name in names
        if getattr(context.get_parameter_source(name), "name", None) == "COMMANDLINE"
    )


def with_spec_flags(
    *,
    transposed: bool | None = None,
    optional: bool = False,
    hidden: tuple[str, ...] = (),
    **defaults: str,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the spec flags; its first parameter receives them as a ``SpecFlags``
    (and a parameter of type ``typer.Context``, the command's context).

    The flags are added to its signature once, here. ``transposed`` fixes -t (and
    hides it); ``optional`` leaves every flag unset by default; ``hidden`` names flags
    the command reads only to refuse (left out of its help); ``defaults`` set a
    command's own defaults (as the flags would be typed).
    """

    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        parameters = []
        for name, (kind, option) in _SPEC_OPTIONS.items():
            if name == "transposed" and transposed is not None:
                continue
            default: Any = False if kind is bool else None
            if not optional and name in defaults:
                default = defaults[name]  # the command's own, which typer's help shows
                option = copy.copy(option)
                option.help = (option.help or "").removesuffix(GUIDE_INPUT_DEFAULT)
            elif not optional and name in SPEC_DEFAULTS:
                default = str(SPEC_DEFAULTS[name])
            if name in hidden:
                option = copy.copy(option)
                option.hidden = True
            annotation = Annotated[kind if kind is bool else kind | None, option]  # type: ignore[valid-type]
            parameters.append(
                inspect.Parameter(name, KEYWORD, default=default, annotation=annotation)
            )
        own = list(inspect.signature(function, eval_str=True).parameters.values())[1:]
        # A parameter of type typer.Context receives the command's context (typer gives one).
        wants_context = [p.name for p in own if p.annotation is typer.Context]
        own = [p.replace(kind=KEYWORD) for p in own if p.annotation is not typer.Context]
        context = inspect.Parameter("spec_context", KEYWORD, annotation=typer.Context)

        @functools.wraps(function)
        def command(spec_context: typer.Context, **values: Any) -> None:
            flags = {name: values.pop(name, None) for name in _SPEC_OPTIONS}
            flags["transposed"] = bool(flags["transposed"]) if transposed is None else transposed
            typed = frozenset(typed_names(spec_context, _SPEC_OPTIONS))
            values.update({name: spec_context for name in wants_context})
            spec_flags = SpecFlags(**flags, typed=typed)
            try:
                function(spec_flags, **values)
            except ConvanimError as error:
                raise spec_flags.blamed(error) from None

        command.__signature__ = inspect.Signature([context, *parameters, *own])  # type: ignore[attr-defined]
        return command

    return decorate
