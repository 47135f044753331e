"""PyTorch layers as convanim ops: ``nn.Conv2d(4, 2, 3, stride=2)`` read, never evaluated.

``parse_layer`` reads PyTorch's own call syntax with ``ast``; ``from_torch`` reads the
same arguments from a module's attributes (duck-typed: torch is not imported). Both
give a ``Layer``, which has no input size: ``Layer.build`` makes the ConvSpec, or
the Pooling of a pooling layer. Names, positional order, defaults and rules are
PyTorch's; everything else is refused with a ConvanimError naming ``layer`` (or
``module``) and quoting what was given.

Chains of layers (``parse_chain`` for ``;``-separated calls, ``parse_model`` for the
text ``print(model)`` writes for an nn.Sequential, ``from_torch`` of a Sequential)
are read the same way into ``ChainLayer`` items; ``build_network`` builds them, layer on
layer, into a ``geometry.network.Network``, checking channels and axes on the way.
"""

from __future__ import annotations

import ast
import functools
import numbers
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from convanim.errors import ConvanimError, quoted
from convanim.geometry import ConvSpec, Pooling, PoolMode, default_input_size
from convanim.geometry.network import MAX_STAGES, Network, Stage, Upsample, op_sizes
from convanim.geometry.pooling import ceil_mode_refusal
from convanim.geometry.spec import PADDING_MODES, IntOrSequence

# Each layer's arguments that change the arithmetic, in PyTorch's positional order,
# with PyTorch's defaults; ``...`` marks a required argument.
_CONV: dict[str, Any] = {
    "in_channels": ...,
    "out_channels": ...,
    "kernel_size": ...,
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "groups": 1,
    "bias": True,
    "padding_mode": "zeros",
}
_CONV_TRANSPOSE: dict[str, Any] = {
    "in_channels": ...,
    "out_channels": ...,
    "kernel_size": ...,
    "stride": 1,
    "padding": 0,
    "output_padding": 0,
    "groups": 1,
    "bias": True,
    "dilation": 1,
    "padding_mode": "zeros",
}
_MAX_POOL: dict[str, Any] = {
    "kernel_size": ...,
    "stride": None,  # None: the kernel size
    "padding": 0,
    "dilation": 1,
    "return_indices": False,  # what the module returns, not what it computes
    "ceil_mode": False,
}
_AVG_POOL_1D: dict[str, Any] = {
    "kernel_size": ...,
    "stride": None,
    "padding": 0,
    "ceil_mode": False,
    "count_include_pad": True,
}
SIGNATURES: dict[str, dict[str, Any]] = {
    "Conv1d": _CONV,
    "Conv2d": _CONV,
    "ConvTranspose1d": _CONV_TRANSPOSE,
    "ConvTranspose2d": _CONV_TRANSPOSE,
    "MaxPool1d": _MAX_POOL,
    "MaxPool2d": _MAX_POOL,
    "AvgPool1d": _AVG_POOL_1D,
    "AvgPool2d": {**_AVG_POOL_1D, "divisor_override": None},
    "Conv3d": _CONV,
    "ConvTranspose3d": _CONV_TRANSPOSE,
    "MaxPool3d": _MAX_POOL,
    "AvgPool3d": {**_AVG_POOL_1D, "divisor_override": None},
}
_PER_AXIS = ("kernel_size", "stride", "padding", "dilation", "output_padding")
_FLAGS = ("bias", "return_indices", "ceil_mode", "count_include_pad")
_PADDING_NAMES = ("same", "valid")  # PyTorch's, for convolutions only

#: Arguments whose names print(module) writes bare (padding=same): read as those strings.
_BARE_NAMES = ("padding", "padding_mode", "mode")
#: Longest layer text read: a call a person types is far shorter.
LAYER_MAX_CHARS = 500
_QUOTED_MAX_CHARS = 80  # longer text is quoted cut short in a message
_EXAMPLE = "a layer call like nn.Conv2d(1, 1, 3)"


def _cut(text: str) -> str:
    """``text`` cut short for a message when long."""
    return text if len(text) <= _QUOTED_MAX_CHARS else text[: _QUOTED_MAX_CHARS - 3] + "..."


def _source(text: str) -> str:
    """``text`` quoted for a message, cut short when long."""
    return quoted(_cut(text))


def _refusal(argument: str, source: str, problem: str) -> ConvanimError:
    """The error for what ``source`` (as given for ``argument``) gets wrong."""
    return ConvanimError(argument, f"{source}: {problem}")


def _escaped(message: str) -> str:
    """A finished message inside a rule: its braces doubled, never read as argument fields."""
    return message.replace("{", "{{").replace("}", "}}")


@dataclass(frozen=True)
class Layer:
    """A PyTorch layer without its input size.

    >>> layer = parse_layer("nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2)")
    >>> spec = layer.build(input_size=3)
    >>> spec.output_size, spec.weight_shape, spec.bias
    ((6, 6), (4, 1, 3, 3), True)
    """

    name: str  # PyTorch's class name: "ConvTranspose2d", "MaxPool1d", ...
    arguments: dict[str, Any]  # every argument of its signature by PyTorch's name, defaults filled
    source: str  # how messages name it: the text quoted, or "layer 3 (<text>)" in a chain
    argument: str  # what it was given as: "layer", "module", or a chain's "layers" or "model"
    text: str  # the text as given (a module's repr)

    @property
    def ndim(self) -> int:
        return int(self.name[-2])

    @property
    def transposed(self) -> bool:
        return self.name.startswith("ConvTranspose")

    @property
    def pool(self) -> PoolMode | None:
        """The pooling mode of a pooling layer, None for a convolution."""
        if self.name.startswith("MaxPool"):
            return PoolMode.MAX
        return PoolMode.AVG if self.name.startswith("AvgPool") else None

    def _spatial(self) -> dict[str, Any]:
        """The ConvSpec arguments of the kernel's axes (a pooling's windows)."""
        given = self.arguments
        spatial = {
            "kernel": given["kernel_size"],
            "stride": given["stride"],
            "padding": given["padding"],
            "dilation": given.get("dilation", 1),  # average pooling has none
        }
        if self.pool is None:
            spatial["output_padding"] = given.get("output_padding", 0)
        return spatial

    def _input_size(self, input_size: IntOrSequence | None) -> Sequence[Any]:
        """``input_size`` with one value per axis of the layer; the guide's when None."""
        if isinstance(input_size, (tuple, list)):
            if len(input_size) != self.ndim:
                layer = f"{{{self.argument}}} {self.name}"
                rule = f"has {len(input_size)} values but {layer} has {self.ndim} axes"
                raise ConvanimError("input_size", rule)
            return input_size
        if input_size is not None:  # one value for every axis; ConvSpec checks it
            return (input_size,) * self.ndim
        per_axis = {
            name: value if isinstance(value, tuple) else (value,) * self.ndim
            for name, value in self._spatial().items()
        }
        return default_input_size(
            kernel=per_axis["kernel"],
            stride=per_axis["stride"],
            padding=per_axis["padding"],
            dilation=per_axis["dilation"],
            output_padding=per_axis.get("output_padding", (0,) * self.ndim),
            transposed=self.transposed,
        )

    def build(self, input_size: IntOrSequence | None = None) -> ConvSpec | Pooling:
        """The op on an input of ``input_size`` (one value for every axis, or one per axis):
        a ConvSpec, or a Pooling for a pooling layer. Without it, the guide's input size
        (5 cells in, or out of a transposed convolution).

        >>> parse_layer("nn.MaxPool2d(2)").build((4, 6)).windows.output_size
        (2, 3)
        """
        sizes = self._input_size(input_size)
        given = self.arguments
        try:
            if self.pool is None:
                return ConvSpec(
                    sizes,
                    **self._spatial(),
                    transposed=self.transposed,
                    in_channels=given["in_channels"],
                    out_channels=given["out_channels"],
                    groups=given["groups"],
                    bias=given["bias"],
                    padding_mode=given["padding_mode"],
                )
            try:
                windows = ConvSpec(sizes, **self._spatial())
            except ConvanimError as error:
                raise ceil_mode_refusal(error) if given["ceil_mode"] else error from None
            include_pad = given.get("count_include_pad", True)
            return Pooling(windows, self.pool, include_pad, given["ceil_mode"])
        except ConvanimError as error:
            if error.argument == "input_size":  # the input size is not the layer's
                raise
            problem = _escaped(error.message({"kernel": "kernel_size"}))
            raise _refusal(self.argument, self.source, problem) from None


def _layer(name: str, given: dict[str, Any], argument: str, source: str, text: str) -> Layer:
    """The Layer of ``name`` with the arguments ``given`` by PyTorch's names, checked."""
    signature, ndim = SIGNATURES[name], int(name[-2])
    refuse = functools.partial(_refusal, argument, source)

    for parameter in given:
        if parameter in ("device", "dtype"):
            raise refuse(f"{parameter} does not change the arithmetic: drop it")
        if parameter not in signature:
            raise refuse(
                f"{name} has no argument {_source(parameter)}; it takes {', '.join(signature)}"
            )
    missing = [each for each, default in signature.items() if default is ... and each not in given]
    if missing:
        raise refuse(f"{name} needs {missing[0]}")
    arguments = {**signature, **given}
    for parameter, value in arguments.items():
        if isinstance(value, list):
            arguments[parameter] = value = tuple(value)
        if parameter in _PER_AXIS and isinstance(value, tuple) and len(value) != ndim:
            raise refuse(f"{parameter}: {name} takes one value or {ndim}, got {len(value)}")
        if parameter in _FLAGS and not isinstance(value, bool):
            raise refuse(f"{parameter}: must be True or False, got {quoted(value)}")
    if arguments["stride"] is None:  # pooling's default
        arguments["stride"] = arguments["kernel_size"]
    for parameter in _PER_AXIS:
        values = arguments.get(parameter, 0)
        values = values if isinstance(values, tuple) else (values,)
        if parameter == "padding" and isinstance(values[0], str) and len(values) == 1:
            continue  # a padding name, checked below
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in values):
            shown = quoted(arguments[parameter])
            raise refuse(f"{parameter}: expected an integer or a tuple of {ndim}, got {shown}")
    padding = arguments["padding"]
    if isinstance(padding, str):
        if signature is not _CONV:
            raise refuse(f"padding: {name} takes integers, got {_source(padding)}")
        if padding not in _PADDING_NAMES:
            raise refuse(
                f"padding: must be an integer or one of {_PADDING_NAMES}, got {_source(padding)}"
            )
        stride = arguments["stride"]
        if padding == "same" and set(stride if isinstance(stride, tuple) else (stride,)) != {1}:
            raise refuse("padding='same' needs stride 1 (PyTorch's rule for strided convolutions)")
    mode = arguments.get("padding_mode", "zeros")
    if mode != "zeros":
        if mode not in PADDING_MODES:
            raise refuse(f"padding_mode: must be one of {PADDING_MODES}, got {quoted(mode)}")
        if signature is _CONV_TRANSPOSE:
            raise refuse(f"padding_mode: {name} pads with zeros only (PyTorch's rule)")
    if arguments.get("divisor_override") is not None:
        raise refuse("divisor_override: only None (the window's own divisor) is drawn")
    return Layer(name, arguments, source, argument, text)


def _called_name(function: ast.expr) -> str | None:
    """X of ``X(...)``, ``nn.X(...)`` or ``torch.nn.X(...)``; None for any other callee."""
    if isinstance(function, ast.Name):
        return function.id
    if not isinstance(function, ast.Attribute):
        return None
    owner = function.value
    if isinstance(owner, ast.Name) and owner.id == "nn":
        return function.attr
    if (
        isinstance(owner, ast.Attribute)
        and owner.attr == "nn"
        and isinstance(owner.value, ast.Name)
        and owner.value.id == "torch"
    ):
        return function.attr
    return None


def _call(text: str, refuse: Callable[[str], ConvanimError]) -> tuple[str, ast.Call | None]:
    """The called layer name of ``text`` and its call, ("", None) when it is no layer call."""
    try:
        call = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise refuse(f"not a Python expression: expected {_EXAMPLE}") from None
    if not isinstance(call, ast.Call):
        return "", None
    return _called_name(call.func) or "", call


def _given(
    name: str, parameters: Sequence[str], call: ast.Call, refuse: Callable[[str], ConvanimError]
) -> dict[str, Any]:
    """The literal arguments of ``call`` by name, positional ones in the order ``parameters``."""
    if any(isinstance(node, ast.Starred) for node in call.args) or any(
        keyword.arg is None for keyword in call.keywords
    ):
        raise refuse("* and ** arguments are not read: write every argument out")
    if len(call.args) > len(parameters):
        raise refuse(f"{name} takes at most {len(parameters)} positional arguments here")
    nodes = dict(zip(parameters, call.args))
    for keyword in call.keywords:
        if keyword.arg in nodes:
            raise refuse(f"{name} got two values for {keyword.arg}")
        nodes[str(keyword.arg)] = keyword.value
    given = {}
    for parameter, node in nodes.items():
        if parameter in _BARE_NAMES and isinstance(node, ast.Name):  # as print(module) writes
            given[parameter] = node.id
            continue
        try:
            given[parameter] = ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            shown = _source(ast.unparse(node))
            raise refuse(
                f"{parameter}: expected a literal (a number, a tuple, True, False, None or "
                f"a string), got {shown}"
            ) from None
    return given


def parse_layer(text: str) -> Layer:
    """The layer a PyTorch call describes, read with ``ast`` and never evaluated.

    Accepts ``X(...)``, ``nn.X(...)`` and ``torch.nn.X(...)`` for X one of
    ``SIGNATURES``, with positional and keyword arguments that are literals:
    integers, tuples of them, True, False, None and strings.

    >>> parse_layer("torch.nn.Conv1d(2, 4, kernel_size=3, padding='same', bias=False)").build(8).output_size
    (8,)
    >>> parse_layer("nn.Conv2d(1, 1, 3).cuda()")
    Traceback (most recent call last):
    ...
    convanim.errors.ConvanimError: layer: 'nn.Conv2d(1, 1, 3).cuda()': expected one of ...
    """
    if not isinstance(text, str):
        raise ConvanimError("layer", f"must be text, {_EXAMPLE}; got {quoted(text)}")
    source = _source(text)
    refuse = functools.partial(_refusal, "layer", source)

    if len(text) > LAYER_MAX_CHARS:
        raise refuse(f"longer than {LAYER_MAX_CHARS} characters: expected {_EXAMPLE}")
    name, call = _call(text, refuse)
    if call is None or name not in SIGNATURES:
        names = ", ".join(SIGNATURES)
        raise refuse(f"expected one of {names}, called as X(...), nn.X(...) or torch.nn.X(...)")
    given = _given(name, tuple(SIGNATURES[name]), call, refuse)
    return _layer(name, given, "layer", source, text.strip())


def _module_layer(module: Any, name: str, argument: str, source: str, text: str) -> Layer:
    """The Layer of a module of class ``name`` (one of ``SIGNATURES``), from its attributes."""
    given = {}
    for parameter in SIGNATURES[name]:
        if not hasattr(module, parameter):
            raise _refusal(argument, source, f"{name} has no attribute {parameter}")
        given[parameter] = getattr(module, parameter)
    if name.startswith("Conv"):  # a module holds its bias tensor, or None
        given["bias"] = given["bias"] is not None
    return _layer(name, given, argument, source, text)


def _class_names(module: Any) -> list[str]:
    """The class names of ``module`` and its bases, its own first."""
    return [kind.__name__ for kind in type(module).__mro__]


def _sequential(module: Any) -> bool:
    """Whether ``module`` is an nn.Sequential; a subclass with its own forward is refused."""
    base = next((kind for kind in type(module).__mro__ if kind.__name__ == "Sequential"), None)
    if base is None:
        return False
    if getattr(type(module), "forward", None) is not getattr(base, "forward", None):
        shown = _source(type(module).__name__)
        raise ConvanimError("module", f"{shown} is a Sequential with its own forward: not a chain")
    return True


def from_torch(
    module: Any, input_size: IntOrSequence | None = None
) -> ConvSpec | Pooling | Network:
    """The op of a PyTorch layer module on an input of ``input_size`` (see ``Layer.build``),
    or the Network of an ``nn.Sequential`` (see ``network``; it needs ``input_size``).

    Reads PyTorch's attributes (``in_channels``, ``kernel_size``, ``bias``, ...) of a
    Conv1d/2d/3d, ConvTranspose1d/2d/3d, MaxPool1d/2d/3d or AvgPool1d/2d/3d, or of a subclass;
    a Sequential's children in order (nested ones flattened), each as ``parse_chain``
    reads its text. torch itself is never imported, so any object with those names will do.

    >>> class Conv2d:  # a stand-in with PyTorch's attribute names
    ...     in_channels, out_channels, kernel_size, stride, padding = 4, 8, (3, 3), (2, 2), (1, 1)
    ...     dilation, groups, bias, padding_mode = (1, 1), 2, None, "zeros"
    >>> from_torch(Conv2d(), input_size=(7, 7)).weight_shape
    (8, 2, 3, 3)
    >>> class Sequential:
    ...     def children(self):
    ...         return iter([Conv2d(), Conv2d()])
    >>> from_torch(Sequential(), input_size=(7, 7))
    Traceback (most recent call last):
    ...
    convanim.errors.ConvanimError: module: layer 2 (...): reads 4 channels, but layer 1 (...) gives 8
    """
    if _sequential(module):
        if input_size is None:
            raise ConvanimError("input_size", "a Sequential needs one: its layers' sizes follow it")
        return build_network(_module_items(module), input_size)
    name = next((each for each in _class_names(module) if each in SIGNATURES), None)
    if name is None:
        choices = ", ".join(SIGNATURES)
        raise ConvanimError(
            "module",
            f"must be one of torch.nn's {choices} or an nn.Sequential, "
            f"got {_source(type(module).__name__)}",
        )
    text = repr(module)
    return _module_layer(module, name, "module", _source(text), text).build(input_size)


# Layers that map each cell to itself, with their parameters in PyTorch's positional
# order (None: any arguments). Normalisation's statistics are not drawn: its cells pass.
_NORM = ("num_features", "eps", "momentum", "affine", "track_running_stats")
_DROPOUT = ("p", "inplace")
PASS_THROUGH: dict[str, tuple[str, ...] | None] = {
    "ReLU": ("inplace",),
    "ReLU6": ("inplace",),
    "LeakyReLU": ("negative_slope", "inplace"),
    "PReLU": ("num_parameters", "init"),
    "ELU": ("alpha", "inplace"),
    "CELU": ("alpha", "inplace"),
    "SELU": ("inplace",),
    "GELU": ("approximate",),
    "SiLU": ("inplace",),
    "Mish": ("inplace",),
    "Sigmoid": (),
    "Tanh": (),
    "Hardtanh": ("min_val", "max_val", "inplace"),
    "Hardsigmoid": ("inplace",),
    "Hardswish": ("inplace",),
    "Softplus": ("beta", "threshold"),
    "Softsign": (),
    "Softmax": ("dim",),
    "LogSoftmax": ("dim",),
    "Softmax2d": (),
    "BatchNorm1d": _NORM,
    "BatchNorm2d": _NORM,
    "InstanceNorm1d": _NORM,
    "InstanceNorm2d": _NORM,
    "GroupNorm": ("num_groups", "num_channels", "eps", "affine"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine", "bias"),
    "Dropout": _DROPOUT,
    "Dropout1d": _DROPOUT,
    "Dropout2d": _DROPOUT,
    "AlphaDropout": _DROPOUT,
    "Identity": None,
}
_REQUIRED = ("num_features", "num_groups", "num_channels", "normalized_shape")
UPSAMPLE: dict[str, tuple[str, ...]] = {
    "Upsample": ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
    "UpsamplingNearest2d": ("size", "scale_factor", "mode"),  # mode: as print(model) writes
}
#: Padding layers that add cells holding a constant: as a 1-cell kernel with that padding.
PADS: dict[str, tuple[str, ...]] = {
    "ZeroPad1d": ("padding",),
    "ZeroPad2d": ("padding",),
    "ConstantPad1d": ("padding", "value"),
    "ConstantPad2d": ("padding", "value"),
}
#: Padding layers whose cells copy input cells: refused (their paths are another story).
_COPYING_PADS = ("ReflectionPad", "ReplicationPad", "CircularPad")
#: Modes that copy input cell j // s to output cell j for a whole factor s.
_NEAREST = ("nearest", "nearest-exact")
#: Layers after which no spatial picture is left; they and what follows end a chain.
CHAIN_ENDS = (
    "Flatten",
    "Linear",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
)
_CHAIN = (
    "convanim reads a chain of convolutions, transposed convolutions, poolings, nearest "
    "upsamplings and layers that pass each cell through (activations, normalisation, "
    "dropout, Identity), ended by Flatten, Linear or adaptive pooling"
)
#: Longest model text read (print(model) of a chain of ``MAX_STAGES`` long layers).
MODEL_MAX_CHARS = MAX_STAGES * LAYER_MAX_CHARS


def _suffix_ndim(name: str) -> int | None:
    """2 for BatchNorm2d, 1 for Dropout1d, None for a name without a 1d/2d suffix."""
    return int(name[-2]) if name[-2:] in ("1d", "2d") else None


@dataclass(frozen=True)
class PassThrough:
    """A layer that maps each cell to itself: an activation, normalisation, dropout, Identity.

    >>> parse_chain("nn.BatchNorm2d(16, eps=1e-05)")[0].channels
    16
    """

    name: str
    text: str  # as given
    source: str  # how messages name it: "layer 2 (<text>)"
    argument: str
    channels: int | None  # what it declares (num_features, num_channels), for the channel check

    @property
    def ndim(self) -> int | None:
        return _suffix_ndim(self.name)


@dataclass(frozen=True)
class UpsampleLayer:
    """Nearest upsampling by a whole factor, one for every axis or one per axis.

    >>> parse_chain("nn.Upsample(scale_factor=(2.0, 3.0), mode='nearest')")[0].scale
    (2, 3)
    """

    name: str
    scale: int | tuple[int, ...]
    text: str
    source: str
    argument: str

    @property
    def ndim(self) -> int | None:
        return len(self.scale) if isinstance(self.scale, tuple) else _suffix_ndim(self.name)


@dataclass(frozen=True)
class ChainEnd:
    """Where the spatial chain ends (Flatten, Linear, adaptive pooling), and what follows it.

    >>> parse_chain("nn.Conv1d(1, 4, 3); nn.Flatten(); nn.Linear(24, 10)")[1]
    ChainEnd(name='Flatten', text='nn.Flatten()', source='layer 2 (nn.Flatten())', argument='layers', after=('nn.Linear(24, 10)',))
    """

    name: str
    text: str
    source: str
    argument: str
    after: tuple[str, ...]  # the layers after it, as given, not read


@dataclass(frozen=True)
class PadLayer:
    """Zero or constant padding, per axis (before, after), first axis first.

    PyTorch lists the last axis first: ``ZeroPad2d((left, right, top, bottom))``.

    >>> parse_chain("nn.ZeroPad2d((1, 2, 3, 4))")[0].padding
    ((3, 4), (1, 2))
    """

    name: str
    padding: tuple[tuple[int, int], ...]
    text: str
    source: str
    argument: str

    @property
    def ndim(self) -> int:
        return len(self.padding)


ChainLayer = Layer | PassThrough | UpsampleLayer | PadLayer | ChainEnd


def _named(position: int, text: str, line: int | None = None) -> str:
    """How messages name layer ``position`` of a chain (on ``line`` of a model's text)."""
    where = f" on line {line}" if line is not None else ""
    return _escaped(f"layer {position}{where} ({_cut(text)})")


def _pass_through(
    name: str, given: dict[str, Any], text: str, source: str, argument: str
) -> PassThrough:
    """The PassThrough of ``name`` with the arguments ``given`` by PyTorch's names, checked."""
    refuse = functools.partial(_refusal, argument, source)
    parameters = PASS_THROUGH[name]
    if parameters is not None:
        for parameter in given:
            if parameter not in parameters:
                raise refuse(f"{name} has no argument {_source(parameter)}")
        for parameter in parameters:
            if parameter in _REQUIRED and parameter not in given:
                raise refuse(f"{name} needs {parameter}")
    counts: dict[str, Any] = {
        key: given[key] for key in ("num_features", "num_groups", "num_channels") if key in given
    }
    if name == "PReLU" and given.get("num_parameters", 1) != 1:  # one weight, or one per channel
        counts["num_parameters"] = given["num_parameters"]
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise refuse(f"{key}: must be a whole number >= 1, got {quoted(value)}")
    if name == "GroupNorm" and counts["num_channels"] % counts["num_groups"]:
        raise refuse("num_channels must be divisible by num_groups (PyTorch's rule)")
    if name in ("Softmax", "LogSoftmax") and given.get("dim") != 1:
        raise refuse(
            f"dim: convanim passes a softmax over the channels only (dim=1), got "
            f"{quoted(given.get('dim'))}: over a spatial axis every cell reads the whole axis"
        )
    channels = next(
        (
            counts[key]
            for key in ("num_features", "num_channels", "num_parameters")
            if key in counts
        ),
        None,
    )
    return PassThrough(name, text, source, argument, channels)


def _upsample(
    name: str, given: dict[str, Any], text: str, source: str, argument: str
) -> UpsampleLayer:
    """The UpsampleLayer of ``name`` with the arguments ``given``, checked."""
    refuse = functools.partial(_refusal, argument, source)
    for parameter in given:
        if parameter not in UPSAMPLE[name]:
            raise refuse(f"{name} has no argument {_source(parameter)}")
    mode = given.get("mode", "nearest")
    if mode not in _NEAREST:
        raise refuse(
            f"mode: convanim draws nearest upsampling only (mode='nearest'), got {quoted(mode)}"
        )
    if given.get("size") is not None:
        raise refuse("size: give scale_factor instead (convanim draws whole factors)")
    factor = given.get("scale_factor")
    factors = factor if isinstance(factor, (tuple, list)) else (factor,)
    if factor is None or not all(
        isinstance(f, (int, float)) and not isinstance(f, bool) and f >= 1 and float(f).is_integer()
        for f in factors
    ):
        raise refuse(
            f"scale_factor: must be a whole number >= 1 or one per axis, got {quoted(factor)}"
        )
    scale: int | tuple[int, ...] = int(factors[0])
    if isinstance(factor, (tuple, list)):
        scale = tuple(int(f) for f in factors)
        if _suffix_ndim(name) not in (None, len(scale)):
            raise refuse(f"scale_factor: {name} takes one factor or {_suffix_ndim(name)}")
    return UpsampleLayer(name, scale, text, source, argument)


def _pad(name: str, given: dict[str, Any], text: str, source: str, argument: str) -> PadLayer:
    """The PadLayer of ``name`` with the arguments ``given``, checked."""
    refuse = functools.partial(_refusal, argument, source)
    ndim = _suffix_ndim(name)
    assert ndim is not None
    padding = given.get("padding")
    sides = (padding,) * 2 * ndim if isinstance(padding, int) else padding
    if (
        not isinstance(sides, (tuple, list))
        or len(sides) != 2 * ndim
        or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in sides)
    ):
        raise refuse(
            f"padding: must be a whole number >= 0 or {2 * ndim} of them (last axis first), "
            f"got {quoted(padding)}"
        )
    pairs = tuple((int(sides[2 * k]), int(sides[2 * k + 1])) for k in range(ndim))
    return PadLayer(name, pairs[::-1], text, source, argument)


def _chain_item(text: str, argument: str, source: str) -> ChainLayer:
    """The chain layer ``text`` describes (a ChainEnd without what follows it)."""
    refuse = functools.partial(_refusal, argument, source)
    if len(text) > LAYER_MAX_CHARS:
        raise refuse(f"longer than {LAYER_MAX_CHARS} characters: expected {_EXAMPLE}")
    name, call = _call(text, refuse)
    if call is None:
        raise refuse(f"expected a layer call like nn.Conv2d(1, 1, 3): {_CHAIN}")
    if name in CHAIN_ENDS:
        return ChainEnd(name, text, source, argument, ())
    if name in SIGNATURES:
        return _layer(
            name, _given(name, tuple(SIGNATURES[name]), call, refuse), argument, source, text
        )
    if name in UPSAMPLE:
        return _upsample(name, _given(name, UPSAMPLE[name], call, refuse), text, source, argument)
    if name in PADS:
        return _pad(name, _given(name, PADS[name], call, refuse), text, source, argument)
    if name is not None and name.startswith(_COPYING_PADS):
        raise refuse(
            f"{name} copies input cells into its padding; convanim reads zero or constant "
            "padding here (ZeroPad2d, ConstantPad2d)"
        )
    if name in PASS_THROUGH:
        parameters = PASS_THROUGH[name]
        if parameters is None:  # takes anything, reads nothing
            return PassThrough(name, text, source, argument, None)
        return _pass_through(name, _given(name, parameters, call, refuse), text, source, argument)
    shown = _source(name or ast.unparse(call.func))
    raise refuse(f"{shown} is not a layer of a chain: {_CHAIN}")


def _chain(texts: Sequence[tuple[str, str]], argument: str) -> tuple[ChainLayer, ...]:
    """The chain of (text, source) pairs: read up to the first ChainEnd, which keeps the rest."""
    if len(texts) > MAX_STAGES:
        raise ConvanimError(argument, f"{len(texts):,} layers exceed the budget of {MAX_STAGES:,}")
    items: list[ChainLayer] = []
    for index, (text, source) in enumerate(texts):
        item = _chain_item(text, argument, source)
        if isinstance(item, ChainEnd):
            after = tuple(rest for rest, _ in texts[index + 1 :])
            return (*items, ChainEnd(item.name, text, source, argument, after))
        items.append(item)
    return tuple(items)


def parse_chain(text: str, argument: str = "layers") -> tuple[ChainLayer, ...]:
    """The layers of a chain written as PyTorch calls separated by ``;``, read as
    ``parse_layer`` reads one, never evaluated (see ``PASS_THROUGH``, ``UPSAMPLE``,
    ``CHAIN_ENDS`` for the other layers read); errors name ``argument``.

    >>> [type(layer).__name__ for layer in parse_chain("nn.Conv2d(3, 8, 3); nn.ReLU(); nn.MaxPool2d(2)")]
    ['Layer', 'PassThrough', 'Layer']
    >>> parse_chain("nn.Conv2d(3, 8, 3); nn.Upsample(scale_factor=2, mode='bilinear')")
    Traceback (most recent call last):
    ...
    convanim.errors.ConvanimError: layers: layer 2 (nn.Upsample(...)): mode: convanim draws nearest upsampling only ...
    """
    if not isinstance(text, str):
        raise ConvanimError(
            argument, f"must be text, layer calls separated by ';'; got {quoted(text)}"
        )
    if len(text) > MODEL_MAX_CHARS:
        raise ConvanimError(argument, f"longer than {MODEL_MAX_CHARS:,} characters")
    parts = [part.strip() for part in text.split(";")]
    if not any(parts):
        raise ConvanimError(argument, "no layers: expected layer calls separated by ';'")
    for position, part in enumerate(parts, start=1):
        if not part:
            raise ConvanimError(
                argument, f"layer {position} is empty (two ';' with nothing between)"
            )
    return _chain(
        [(part, _named(position, part)) for position, part in enumerate(parts, 1)], argument
    )


_MODEL_LINE = re.compile(r"\(([^()\s]+)\): (.+)")  # "(0): Conv2d(...)", "(features): Sequential("


def parse_model(text: str) -> tuple[ChainLayer, ...]:
    """The layers of the text ``print(model)`` writes for an ``nn.Sequential``, nested
    Sequentials flattened in order, each line read as ``parse_chain`` reads a layer.

    >>> model = '''Sequential(
    ...   (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))
    ...   (1): ReLU(inplace=True)
    ... )'''
    >>> [layer.text for layer in parse_model(model)]
    ['Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))', 'ReLU(inplace=True)']
    """
    if not isinstance(text, str):
        raise ConvanimError("model", f"must be the text print(model) writes; got {quoted(text)}")
    if len(text) > MODEL_MAX_CHARS:
        raise ConvanimError("model", f"longer than {MODEL_MAX_CHARS:,} characters")
    opened: list[int] = []  # the lines of the Sequentials not closed yet
    closed = False
    modules: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        refuse = functools.partial(_refusal, "model", _escaped(f"line {number} ({_cut(stripped)})"))
        if closed:
            raise refuse("after the Sequential's closing ')': print one nn.Sequential")
        if not opened:
            if stripped not in ("Sequential(", "Sequential()"):
                raise refuse(
                    f"expected Sequential(, as print(model) begins an nn.Sequential: {_CHAIN}"
                )
            closed = stripped == "Sequential()"
            opened += [number] * (not closed)
            continue
        if stripped == ")":
            opened.pop()
            closed = not opened
            continue
        match = _MODEL_LINE.fullmatch(stripped)
        if match is None:
            raise refuse("expected a module line like (0): Conv2d(...), or ')'")
        module = match[2]
        if module == "Sequential(":
            opened.append(number)
        elif module.endswith("("):
            raise refuse(f"{_source(module[:-1])} holds modules that are not a chain: {_CHAIN}")
        elif module != "Sequential()":
            modules.append((number, module))
    if opened:
        raise ConvanimError("model", f"the Sequential opened on line {opened[-1]} is not closed")
    if not modules:
        raise ConvanimError("model", "no layers: expected the text print(model) writes")
    return _chain(
        [
            (module, _named(position, module, line))
            for position, (line, module) in enumerate(modules, 1)
        ],
        "model",
    )


def _children(module: Any) -> Iterator[Any]:
    """The leaves of a Sequential in order, nested Sequentials flattened (at most one past
    the budget of stages, so that an endless one stops)."""
    stack = [iter(module.children())]
    count = 0
    while stack and count <= MAX_STAGES:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif _sequential(child):
            stack.append(iter(child.children()))
        else:
            count += 1
            yield child


def _module_items(module: Any) -> tuple[ChainLayer, ...]:
    """The chain of a Sequential's modules, read from their attributes."""
    items: list[ChainLayer] = []
    children = list(_children(module))
    if len(children) > MAX_STAGES:
        raise ConvanimError("module", f"more layers than the budget of {MAX_STAGES:,}")
    for position, child in enumerate(children, start=1):
        text = " ".join(repr(child).split())
        source = _named(position, text)
        names = _class_names(child)
        name = next(
            (each for each in names if each in {**SIGNATURES, **PASS_THROUGH, **UPSAMPLE, **PADS}),
            None,
        )
        if any(each in CHAIN_ENDS for each in names):
            after = tuple(" ".join(repr(rest).split()) for rest in children[position:])
            return (*items, ChainEnd(names[0], text, source, "module", after))
        if name in SIGNATURES:
            items.append(_module_layer(child, name, "module", source, text))
        elif name in UPSAMPLE:
            given = {key: getattr(child, key) for key in ("size", "scale_factor", "mode")}
            items.append(_upsample(name, given, text, source, "module"))
        elif name in PADS:
            items.append(_pad(name, {"padding": child.padding}, text, source, "module"))
        elif name is not None:
            parameters = PASS_THROUGH[name] or ()
            given = {key: getattr(child, key) for key in parameters if hasattr(child, key)}
            items.append(_pass_through(name, given, text, source, "module"))
        else:
            raise _refusal(
                "module", source, f"{_source(names[0])} is not a layer of a chain: {_CHAIN}"
            )
    if not items:
        raise ConvanimError("module", "an empty Sequential: no layers")
    return tuple(items)


def build_network(
    layers: Sequence[ChainLayer], input_size: IntOrSequence, in_channels: int | None = None
) -> Network:
    """The Network of a chain on an input of ``input_size`` (one value for every axis, or
    one per axis) with ``in_channels`` channels (None: the first layer's), up to its end.

    Each layer is built on the previous one's output; channels and axes are checked
    from layer to layer.

    >>> net = build_network(parse_chain("nn.Conv2d(3, 8, 3, padding=1); nn.ReLU(); nn.MaxPool2d(2)"), 8)
    >>> net.sizes
    ((8, 8), (8, 8), (8, 8), (4, 4))
    >>> build_network(parse_chain("nn.Conv2d(3, 8, 3); nn.Conv2d(4, 8, 3)"), 8)
    Traceback (most recent call last):
    ...
    convanim.errors.ConvanimError: layers: layer 2 (nn.Conv2d(4, 8, 3)): reads 4 channels, but layer 1 (nn.Conv2d(3, 8, 3)) gives 8
    """
    layers = tuple(layers)
    if not layers:
        raise ConvanimError("layers", "a network needs at least one layer")
    argument = layers[0].argument
    spatial: list[Layer | PassThrough | UpsampleLayer | PadLayer] = []
    for each in layers:
        if isinstance(each, ChainEnd):
            break
        spatial.append(each)
    if not spatial:
        raise _refusal(argument, layers[0].source, "ends the spatial chain before any layer of it")
    axes = [(each.ndim, each.source) for each in spatial if each.ndim is not None]
    if isinstance(input_size, (tuple, list)):
        sizes, ndim, first = tuple(input_size), len(input_size), f"the input_size {input_size}"
    elif axes:
        ndim, first = axes[0]
        sizes = (input_size,) * ndim
    else:
        raise ConvanimError("input_size", "give one size per axis: no layer says how many axes")
    for axis_count, source in axes:
        if axis_count != ndim:
            raise _refusal(argument, source, f"is {axis_count}-D, but {first} is {ndim}-D")
    if not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) and int(n) >= 1 for n in sizes
    ):
        raise ConvanimError("input_size", f"must be whole numbers >= 1, got {quoted(input_size)}")
    start = size = tuple(int(n) for n in sizes)
    channels, giver = in_channels, "the input has"
    stages = []
    for each in spatial:
        op: ConvSpec | Pooling | Upsample | None = None
        reads = each.channels if isinstance(each, PassThrough) else None
        if isinstance(each, Layer) and each.pool is None:
            reads = each.arguments["in_channels"]
        if reads is not None and channels is not None and reads != channels:
            raise _refusal(argument, each.source, f"reads {reads} channels, but {giver} {channels}")
        if isinstance(each, Layer):  # its errors name it by its source
            op = each.build(size)
            if (
                isinstance(op, ConvSpec)
                and op.padding_mode != "zeros"
                and any(map(any, op.padding))
            ):
                rule = (
                    f"padding_mode: a network's layers pad with zeros here, got "
                    f"{quoted(op.padding_mode)} (convanim gif --layer draws the copies of one layer)"
                )
                raise _refusal(argument, each.source, rule)
        elif isinstance(each, UpsampleLayer):
            scale = each.scale if isinstance(each.scale, tuple) else (each.scale,) * ndim
            op = Upsample(size, scale)
        elif isinstance(each, PadLayer):  # a 1-cell kernel over the padded input
            op = ConvSpec(size, kernel=1, padding=each.padding)
        if isinstance(each, Layer) and each.pool is None:
            channels, giver = each.arguments["out_channels"], f"{each.source} gives"
        elif reads is not None and channels is None:
            channels, giver = reads, f"{each.source} gives"
        stages.append(Stage(each.text, op))
        size = op_sizes(op, size)
    return Network(start, tuple(stages))
