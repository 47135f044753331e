"""The explorer's state: ``convanim gif``'s flags (or ``convanim net``'s) as a query, read
by the command line itself, and what a page shows of them.

A state is a mapping from a control's key (a flag's name without its dashes: ``k``,
``p``, ``t``, ``cin``, ``ceil-mode``) to its text, as typed; a switch is on with ``1``.
``net=1`` asks for a network's picture (``convanim net``'s flags) instead of a layer's.
Every front end (the local page, the static page, the notebook widget) hands a state to
``shown`` and draws what it answers: the animated SVG with what the page prints beside
it, or the command line's one ``error:`` line and the key of the control it blames.
Nothing here does arithmetic: the request comes from the command line's own parsing,
the picture from the pipeline, the formula from ``convanim.text``.

>>> answer = shown(read_query("k=3&s=2&p=1"))
>>> answer["frames"], answer["shape"][0], answer["code"]
(9, 'convolution: 5x5 -> 3x3', ['torch.nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)'])
>>> shown(read_query("k=0"))["error"]
'--k (axis 0): must be positive, got 0'
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from convanim.cli.embedded import CommandResult, command_parameters, gif_request
from convanim.cli.flags import FLAGS, LAYER_GIVES
from convanim.draw.frames import CellShape, Drawing, Role
from convanim.errors import ConvanimError, quoted
from convanim.geometry import Pooling
from convanim.geometry.network import Network, projective_field, receptive_field
from convanim.geometry.spec import PADDING_MODES
from convanim.request import Request
from convanim.story.backward import Grad
from convanim.story.board import NetworkView, Reading, View, still_index
from convanim.story.presets import NetworkPreset, Preset, Separable
from convanim.text import network_lines, shape_lines

NET_KEY = "net"  # net=1: a network's picture, from convanim net's flags
ON = "1"  # a switch that is on
SWITCH_TEXTS = {
    "1": True,
    "true": True,
    "on": True,
    "0": False,
    "false": False,
    "off": False,
    "": False,
}
MAX_QUERY = 4096  # characters of a state's query: a PyTorch layer or a chain fits many times
THEME = "auto"  # the explorer's pictures follow the reader's colour scheme unless told


@dataclass(frozen=True)
class Control:
    """One control of the explorer: the flag it sets, how it is shown, and its help."""

    key: str  # the flag's name without its dashes: the query's key, the widget's trait (- as _)
    label: str
    kind: str  # "text", "switch" or "choice"
    group: str  # the fieldset it is shown in: layer, channels, picture, numbers, pooling, network
    choices: tuple[str, ...] = ()  # a choice's values ("" first: the command's default)
    help: str = ""  # the flag's own help text
    default: str = ""  # what the command line takes when the flag is not given ("": its own rule)
    flag: str = ""  # the flag as the command line spells it first: --k, -t

    @property
    def trait(self) -> str:
        """The widget's name for it: a Python identifier."""
        return self.key.replace("-", "_")


#: What each command's controls are, in the order the page shows them: group, key, label
#: and, for a choice, its values. A flag of the command line not listed here (-o, --frame,
#: --json, the budgets, the duration) has no control: the page holds the picture, the
#: player its speed, and the budgets stay the command line's.
_LAYER = (
    ("layer", "i", "input size", ()),
    ("layer", "k", "kernel", ()),
    ("layer", "s", "stride", ()),
    ("layer", "p", "padding", ()),
    ("layer", "d", "dilation", ()),
    ("layer", "op", "output padding", ()),
    ("layer", "padding-mode", "padding mode", PADDING_MODES),
    ("layer", "t", "transposed", None),
    ("layer", "dims", "axes", ()),
    ("channels", "cin", "in channels", ()),
    ("channels", "cout", "out channels", ()),
    ("channels", "groups", "groups", ()),
    ("channels", "bias", "bias", None),
    ("channels", "preset", "preset", tuple(preset.value for preset in Preset)),
    ("channels", "layer", "PyTorch layer", ()),
    ("picture", "view", "view", tuple(view.value for view in View)),
    ("picture", "reading", "reading", tuple(reading.value for reading in Reading)),
    ("picture", "overlap", "overlap counts", None),
    ("picture", "theme", "theme", ("auto", "light", "dark")),
    ("numbers", "values", "values", None),
    ("numbers", "seed", "seed", ()),
    ("numbers", "input-values", "input values", ()),
    ("numbers", "weights", "weights", ()),
    ("numbers", "bias-values", "bias values", ()),
    ("numbers", "grad", "gradient", tuple(grad.value for grad in Grad)),
    ("numbers", "grad-values", "dy", ()),
    ("pooling", "pool", "pooling", ("max", "avg")),
    ("pooling", "no-count-include-pad", "average over real cells", None),
    ("pooling", "ceil-mode", "ceil mode", None),
)
_NETWORK = (
    ("network", "preset", "network", tuple(preset.value for preset in NetworkPreset)),
    ("network", "layers", "PyTorch layers", ()),
    ("network", "i", "input size", ()),
    ("picture", "view", "view", tuple(view.value for view in NetworkView)),
    ("picture", "cell", "output cell", ()),
    ("picture", "from-input", "input cell", ()),
    ("picture", "theme", "theme", ("auto", "light", "dark")),
)


def _parameter(command: str, key: str) -> Any:
    """The command line's parameter that a control's key names: ``--key`` or ``-key``
    (``t``: ``-t/--transposed``)."""
    return next(
        parameter
        for parameter in command_parameters(command)
        if {f"--{key}", f"-{key}"} & {*parameter.opts, *parameter.secondary_opts}
    )


def _controls(command: str, table: tuple[tuple[str, str, str, Any], ...]) -> tuple[Control, ...]:
    controls = []
    for group, key, label, choices in table:
        parameter = _parameter(command, key)
        switch = bool(getattr(parameter, "is_flag", False))
        kind = "switch" if switch else "choice" if choices else "text"
        listed = ("", *choices) if choices else ()
        default = getattr(parameter.default, "value", parameter.default)  # an enum's value
        given = isinstance(default, (str, int)) and not isinstance(default, bool)
        shown_default = str(default) if given and kind == "text" else ""
        help_text, flag = parameter.help or "", parameter.opts[0]
        controls.append(Control(key, label, kind, group, listed, help_text, shown_default, flag))
    return tuple(controls)


CONTROLS = {"gif": _controls("gif", _LAYER), "net": _controls("net", _NETWORK)}
#: Every spelling of a flag with a control (--k, --kernel, -t), and its key as a flag (--t),
#: to the control's key.
_BLAMED = {
    spelling: control.key
    for command, controls in CONTROLS.items()
    for control in controls
    for spelling in (
        *_parameter(command, control.key).opts,
        *_parameter(command, control.key).secondary_opts,
        f"--{control.key}",
    )
}
#: Each control's keyword in the library (``k``: ``kernel``), to name it as a flag.
ARGUMENTS = {
    control.key: _parameter(command, control.key).name
    for command, controls in CONTROLS.items()
    for control in controls
}
_LOCK = threading.Lock()  # the command line's parsing captures standard error: one at a time
#: A network's views to try, in order, when none is asked for: its default (tree for 1-D,
#: layers for 2-D), else the counts, which fit the pixel budget where a tall stack does not.
NETWORK_DEFAULT_VIEWS = (NetworkView.TREE, NetworkView.LAYERS, NetworkView.COUNTS)


@dataclass(frozen=True)
class State:
    """What the explorer shows: the command (gif or net) and each control's text."""

    command: str
    flags: tuple[tuple[str, str], ...]  # (key, text), in the controls' order, unset ones left out

    @classmethod
    def of(cls, flags: Mapping[str, object], network: bool = False) -> State:
        """The state of ``flags`` (key to text; a switch to a bool or its text), each key
        checked against the command's controls; empty texts and off switches are unset.

        >>> State.of({"k": 3, "s": "2", "t": True}).query
        'k=3&s=2&t=1'
        """
        command = "net" if network else "gif"
        controls = {control.key: control for control in CONTROLS[command]}
        for key in flags:
            if key not in controls:
                known = ", ".join(controls)
                raise ConvanimError(key, f"is no control of the explorer; it has {known}")
        kept = []
        for control in CONTROLS[command]:
            value = flags.get(control.key)
            if control.kind == "switch":
                on = SWITCH_TEXTS.get(str(value).lower()) if not isinstance(value, bool) else value
                if on is None and value is not None:
                    rule = f"is a switch: give 1 or 0, got {quoted(value)}"
                    raise ConvanimError(control.key, rule)
                if on:
                    kept.append((control.key, ON))
            elif value is not None and str(value).strip():
                kept.append((control.key, str(value).strip()))
        return cls(command, tuple(kept))

    @property
    def query(self) -> str:
        """The state as a URL's query: ``k=3&s=2&p=1&t=1`` (with ``net=1`` first for a network)."""
        pairs = [(NET_KEY, ON)] if self.command == "net" else []
        return urlencode([*pairs, *self.flags])

    def command_line(self, request: Request) -> str:
        """The command that writes the same picture as ``request`` (drawn from this
        state): ``convanim gif --k 3 --s 2 --p 1 --theme auto``."""
        controls = {control.key: control for control in CONTROLS[self.command]}
        words = ["convanim", self.command]
        for key, text in self.flags:
            flag = controls[key].flag
            words += [flag] if controls[key].kind == "switch" else [flag, text]
        if self.command == "net" and "view" not in dict(self.flags):
            words += ["--view", request.view.value]
        if "theme" not in dict(self.flags):
            words += ["--theme", THEME]
        return shlex.join(words)

    def arguments(self) -> list[str]:
        """The command line's arguments for this state (theme auto unless one is given)."""
        controls = {control.key: control for control in CONTROLS[self.command]}
        arguments: list[str] = []
        for key, text in self.flags:
            flag = controls[key].flag
            if controls[key].kind == "switch":
                arguments.append(flag)
            else:  # --p=-1 is a value, where --p -1 would be read as a flag
                arguments.append(f"{flag}={text}")
        if "theme" not in dict(self.flags):
            arguments.append(f"--theme={THEME}")
        return arguments


def read_query(query: str) -> State:
    """The state a URL's query describes (refused: ConvanimError naming the key).

    >>> read_query("net=1&preset=wavenet&view=tree").arguments()
    ['--preset=wavenet', '--view=tree', '--theme=auto']
    """
    if len(query) > MAX_QUERY:
        raise ConvanimError("query", f"is {len(query):,} characters long; at most {MAX_QUERY:,}")
    pairs = parse_qsl(query, keep_blank_values=True)
    seen: dict[str, str] = {}
    for key, value in pairs:
        if key in seen:
            raise ConvanimError(key, "is given twice: give each control once")
        seen[key] = value
    network = SWITCH_TEXTS.get(seen.pop(NET_KEY, "").lower())
    if network is None:
        raise ConvanimError(NET_KEY, "is a switch: give 1 or 0")
    return State.of(seen, network)


def request_of(state: State, view: NetworkView | None = None) -> Request:
    """The request the command line makes of ``state``'s flags (refused: ``Refusal``, its
    message the command line's ``error:`` line, blaming the control's key); ``view``
    draws a network whose state names none."""
    arguments = state.arguments() + ([f"--view={view.value}"] if view is not None else [])
    with _LOCK:
        parsed = gif_request(arguments, state.command)
    if isinstance(parsed, CommandResult):
        raise Refusal(parsed.error)
    assert parsed.request is not None
    return parsed.request


def _drawn(state: State) -> tuple[Request, str, Drawing]:
    """The request of ``state`` and its animated SVG. A network without a view is drawn in
    the first of ``NETWORK_DEFAULT_VIEWS`` that draws it; refused, the first refusal that
    is not about the view says why."""
    views: tuple[NetworkView | None, ...] = (None,)
    if state.command == "net" and "view" not in dict(state.flags):
        views = NETWORK_DEFAULT_VIEWS
    refusals: list[ConvanimError] = []
    for view in views:
        try:
            request = request_of(state, view)
            document, drawing = request.svg()
        except ConvanimError as error:
            refusals.append(error)
            continue
        return request, document, drawing
    told = [error for error in refusals if not refusal_line(error).startswith("--view")]
    raise (told or refusals)[0]


class Refusal(ConvanimError):
    """The command line's refusal of a state, as its ``error:`` line says it."""

    def __init__(self, line: str):
        self.line = line
        super().__init__(_blamed(line), line)

    def __reduce__(self) -> tuple[type[Refusal], tuple[str]]:  # type: ignore[override]
        return Refusal, (self.line,)

    def message(self, names: Mapping[str, str]) -> str:
        """The command line's line, whatever the names: it names its flag already."""
        return self.line


def refusal_line(error: ConvanimError) -> str:
    """An error as the command line prints it, after ``error:``."""
    return error.line if isinstance(error, Refusal) else error.message(FLAGS)


def blamed_key(error: ConvanimError) -> str:
    """The key of the control an error blames ("" when it blames none of them)."""
    return error.argument if isinstance(error, Refusal) else _blamed(error.message(FLAGS))


def _blamed(line: str) -> str:
    """The key of the control whose flag begins an ``error:`` line (``--k (axis 0): ...``)."""
    return _BLAMED.get(line.split(":")[0].split(" ")[0], "")


def shown(state: State) -> dict[str, Any]:
    """What the page shows for ``state``, as JSON-ready data.

    On success: ``svg`` (the animated document), ``frames``, ``still`` (the frame it
    shows with reduced motion, from 0), ``duration`` (ms per frame), ``size`` ([width,
    height] in the SVG's units), ``title`` (its alt text), ``shape`` (``convanim
    shape``'s or ``convanim net``'s lines), ``code`` (the PyTorch layers), ``command``
    (the command line that writes the same SVG), ``targets`` ([frame, x0, y0, ..., x3,
    y3] per cell a frame is about: hover it to see that frame) and ``query``. On a
    refusal: ``error`` (the command line's line after ``error:``) and ``key`` (the
    control it blames, or "").
    """
    try:
        request, document, drawing = _drawn(state)
    except ConvanimError as error:
        return {"error": refusal_line(error), "key": blamed_key(error), "query": state.query}
    lines = _text(request)
    code = [line for line in lines if line.startswith("torch.")]
    return {
        "svg": document,
        "frames": len(drawing.frames),
        "still": still_index(len(drawing.frames)),
        "duration": request.duration,
        "size": list(drawing.size),
        "title": request.title,
        "shape": [line for line in lines if line not in code],
        "code": code,
        "targets": frame_targets(request, drawing),
        "command": state.command_line(request),
        "query": state.query,
    }


def _text(request: Request) -> list[str]:
    """What ``convanim shape`` (or ``convanim net``) prints of what ``request`` draws."""
    shown_ = request.shown
    if isinstance(shown_, Network):
        field = receptive_field(shown_, request.cell)
        reach = None if request.from_input is None else projective_field(shown_, request.from_input)
        return network_lines(shown_, field, reach)
    if isinstance(shown_, Separable):
        return [*shape_lines(shown_.depthwise), *shape_lines(shown_.pointwise)]
    if request.gradient is not None:  # the layer's own arithmetic, not its gradient's picture's
        return shape_lines(request.gradient.layer)
    op: Pooling | Any = request.pooling or request.spec
    return shape_lines(op)


def frame_targets(request: Request, drawing: Drawing) -> list[list[float]]:
    """The cells each frame is about, with that frame: the output cell it fills (an input
    cell that stamps, when the picture scatters), as [frame, 4 corners' x and y]; each
    cell with the first frame about it. A network's pictures have none."""
    if isinstance(request.shown, Network):
        return []
    scatters = request.view is View.SCATTER or (
        isinstance(request.view, View) and request.view.channels and request.reading.stamps
    )
    targets: dict[tuple[float, ...], int] = {}
    for index, frame in enumerate(drawing.frames):
        for primitive in (*frame.below, *frame.above):
            if (
                isinstance(primitive, CellShape)
                and primitive.role is Role.HIGHLIGHT
                and primitive.output is not scatters
            ):
                corners = tuple(round(float(v), 1) for v in primitive.corners.ravel())
                targets.setdefault(corners, index)
    return [[frame, *corners] for corners, frame in targets.items()]


def controls_json(controls: Mapping[str, tuple[Control, ...]] | None = None) -> dict[str, Any]:
    """Each command's controls (``CONTROLS`` unless given) as the front end reads them,
    with ``layer_sets`` (the keys a PyTorch layer gives, as ``--layer`` does) and
    ``first_network`` (the preset a network starts on)."""
    keys = {argument: key for key, argument in ARGUMENTS.items()}
    listed_controls = {
        command: [
            {
                "key": c.key,
                "label": c.label,
                "kind": c.kind,
                "choices": list(c.choices),
                "help": c.help,
                "group": c.group,
                "default": c.default,
            }
            for c in listed
        ]
        for command, listed in (CONTROLS if controls is None else controls).items()
    }
    return {
        **listed_controls,
        "layer_sets": [keys[argument] for argument in LAYER_GIVES if argument in keys],
        "first_network": NetworkPreset.WAVENET.value,
    }


def read_arguments(
    arguments: list[str], network: bool = False, listed: bool = False
) -> dict[str, str | bool]:
    """The controls' flags as typed on a command line (``--k 3 -t --p=1``), key to text
    (True for a switch); with ``listed``, a switch may list 0,1 too.

    >>> read_arguments(["--kernel", "3", "-t", "--p=-1"])
    {'k': '3', 't': True, 'p': '-1'}
    """
    controls = {control.key: control for control in CONTROLS["net" if network else "gif"]}
    flags: dict[str, str | bool] = {}
    position = 0
    while position < len(arguments):
        token = arguments[position]
        spelling, equals, text = token.partition("=")
        key = _BLAMED.get(spelling)
        if key is None or key not in controls:
            what = "flag" if token.startswith("-") else "argument"
            known = " ".join(control.flag for control in controls.values())
            raise ConvanimError(
                "explore", f"no such {what} {quoted(token)}; the controls are {known}"
            )
        position += 1
        switch = controls[key].kind == "switch"
        if not equals and not switch:
            if position == len(arguments):
                raise ConvanimError(key, "needs a value")
            text = arguments[position]
            position += 1
        elif (
            not equals
            and listed
            and position < len(arguments)
            and arguments[position].replace(",", "").strip("01") == ""
        ):  # a switch listing both states: -t 0,1
            text, equals = arguments[position], "="
            position += 1
        if key in flags:
            raise ConvanimError(key, "is given twice: give each flag once")
        flags[key] = text if equals or not switch else True
    return flags
