"""PyTorch layers as convanim ops: ``nn.Conv2d(4, 2, 3, stride=2)`` read, never evaluated.

``parse_layer`` reads PyTorch's own call syntax with ``ast``; ``from_torch`` reads the
same arguments from a module's attributes (duck-typed: torch is not imported). Both
give a ``Layer``, which has no input size: ``Layer.build`` makes the ConvSpec, or
the Pooling of a pooling layer. Names, positional order, defaults and rules are
PyTorch's; everything else is refused with a ConvanimError naming ``layer`` (or
``module``) and quoting what was given.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convanim.errors import ConvanimError, quoted
from convanim.geometry import ConvSpec, Pooling, PoolMode, default_input_size
from convanim.geometry.pooling import ceil_mode_refusal
from convanim.geometry.spec import IntOrSequence

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
}
_PER_AXIS = ("kernel_size", "stride", "padding", "dilation", "output_padding")
_FLAGS = ("bias", "return_indices", "ceil_mode", "count_include_pad")
_PADDING_NAMES = ("same", "valid")  # PyTorch's, for convolutions only
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")  # PyTorch's
#: Arguments whose names print(module) writes bare (padding=same): read as those strings.
_BARE_NAMES = ("padding", "padding_mode")
#: Longest layer text read: a call a person types is far shorter.
LAYER_MAX_CHARS = 500
_QUOTED_MAX_CHARS = 80  # longer text is quoted cut short in a message
_EXAMPLE = "a layer call like nn.Conv2d(1, 1, 3)"


def _source(text: str) -> str:
    """``text`` quoted for a message, cut short when long."""
    if len(text) > _QUOTED_MAX_CHARS:
        text = text[: _QUOTED_MAX_CHARS - 3] + "..."
    return quoted(text)


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
    source: str  # what was given, quoted for messages
    argument: str  # what it was given as: "layer" or "module"

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


def _layer(name: str, given: dict[str, Any], argument: str, source: str) -> Layer:
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
        if mode not in _PADDING_MODES:
            raise refuse(f"padding_mode: must be one of {_PADDING_MODES}, got {quoted(mode)}")
        if signature is _CONV_TRANSPOSE:
            raise refuse(f"padding_mode: {name} pads with zeros only (PyTorch's rule)")
        if _pads(arguments, ndim):
            raise refuse(
                f"padding_mode: convanim pads with zeros only ('zeros'), got {quoted(mode)} "
                "(with padding 0 any mode will do)"
            )
    if arguments.get("divisor_override") is not None:
        raise refuse("divisor_override: only None (the window's own divisor) is drawn")
    return Layer(name, arguments, source, argument)


def _pads(arguments: dict[str, Any], ndim: int) -> bool:
    """Whether a checked convolution's padding adds cells (its padding_mode matters)."""
    padding = arguments["padding"]
    if padding == "same":  # d*(k-1) cells per axis
        kernel, dilation = (
            value if isinstance(value, tuple) else (value,) * ndim
            for value in (arguments["kernel_size"], arguments["dilation"])
        )
        return any(d * (k - 1) for k, d in zip(kernel, dilation))
    return padding != "valid" and any(padding if isinstance(padding, tuple) else (padding,))


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
    try:
        call = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise refuse(f"not a Python expression: expected {_EXAMPLE}") from None
    name = (_called_name(call.func) if isinstance(call, ast.Call) else None) or ""
    if not isinstance(call, ast.Call) or name not in SIGNATURES:
        names = ", ".join(SIGNATURES)
        raise refuse(f"expected one of {names}, called as X(...), nn.X(...) or torch.nn.X(...)")
    signature = SIGNATURES[name]
    if any(isinstance(node, ast.Starred) for node in call.args) or any(
        keyword.arg is None for keyword in call.keywords
    ):
        raise refuse("* and ** arguments are not read: write every argument out")
    if len(call.args) > len(signature):
        raise refuse(f"{name} takes at most {len(signature)} positional arguments here")
    nodes = dict(zip(signature, call.args))
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
    return _layer(name, given, "layer", source)


def from_torch(module: Any, input_size: IntOrSequence | None = None) -> ConvSpec | Pooling:
    """The op of a PyTorch layer module on an input of ``input_size`` (see ``Layer.build``).

    Reads PyTorch's attributes (``in_channels``, ``kernel_size``, ``bias``, ...) of a
    Conv1d/2d, ConvTranspose1d/2d, MaxPool1d/2d or AvgPool1d/2d, or of a subclass;
    torch itself is never imported, so any object with those names will do.

    >>> class Conv2d:  # a stand-in with PyTorch's attribute names
    ...     in_channels, out_channels, kernel_size, stride, padding = 4, 8, (3, 3), (2, 2), (1, 1)
    ...     dilation, groups, bias, padding_mode = (1, 1), 2, None, "zeros"
    >>> from_torch(Conv2d(), input_size=(7, 7)).weight_shape
    (8, 2, 3, 3)
    """
    names = [kind.__name__ for kind in type(module).__mro__]
    name = next((each for each in names if each in SIGNATURES), None)
    if name is None:
        choices = ", ".join(SIGNATURES)
        raise ConvanimError(
            "module", f"must be one of torch.nn's {choices}, got {_source(type(module).__name__)}"
        )
    given = {}
    for parameter in SIGNATURES[name]:
        if not hasattr(module, parameter):
            raise ConvanimError("module", f"{name} has no attribute {parameter}")
        given[parameter] = getattr(module, parameter)
    if name.startswith("Conv"):  # a module holds its bias tensor, or None
        given["bias"] = given["bias"] is not None
    return _layer(name, given, "module", _source(repr(module))).build(input_size)
