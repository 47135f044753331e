"""The explorer in a notebook: ``convanim.explore()``, an anywidget widget (JupyterLab,
Notebook 7, VS Code, Colab and marimo show it).

Its traits are the controls, named as the command line's flags without their dashes
(``k``, ``s``, ``p``, ``d``, ``op``, ``i``, ``t``, ``cin``, ``ceil_mode``, ...: text,
or a bool for a switch), and ``net`` for a network's picture. On every change the
Python side draws the state as the command line would: ``svg`` holds the picture,
``error`` the last refusal ("" when none), ``shown`` all the page shows. The front
end is the explorer's one module.

>>> widget = explore(k=3, s=2, p=1)  # doctest: +SKIP
>>> widget.p = "5"  # doctest: +SKIP
>>> widget.error  # doctest: +SKIP
'--p (axis 0): ...'
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import anywidget
import traitlets

from convanim.errors import ConvanimError, quoted
from convanim.geometry import ConvSpec
from convanim.geometry.network import Network
from convanim.integrations.explorer.page import FRONT, MODULE, PACKAGE, STYLE
from convanim.integrations.explorer.state import (
    CONTROLS,
    State,
    blamed_key,
    controls_json,
    refusal_line,
    shown,
)
from convanim.text import padding_text

#: Each control once (a layer's and a network's share i, view, preset and theme).
_CONTROLS = {control.key: control for listed in CONTROLS.values() for control in listed}
_TRAITS = {control.trait: control for control in _CONTROLS.values()}


def _trait(kind: str) -> traitlets.TraitType:
    """A switch's trait is a bool; every other control's text, a number cast to it (k = 3)."""
    trait = traitlets.Bool(False) if kind == "switch" else traitlets.CUnicode("")
    return trait.tag(sync=True)


class _Explorer(anywidget.AnyWidget):
    """The explorer's widget (``explore`` makes one)."""

    _esm = resources.files(PACKAGE).joinpath(f"{FRONT}/{MODULE}")
    _css = resources.files(PACKAGE).joinpath(f"{FRONT}/{STYLE}")
    controls = traitlets.Dict().tag(sync=True)
    net = traitlets.Bool(False).tag(sync=True)
    shown = traitlets.Dict().tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **traits: Any):
        super().__init__(controls=controls_json(), **traits)
        self.observe(self._switched, names=["net"])
        self.observe(self._redraw, names=list(_TRAITS))
        self._redraw()

    def _switched(self, change: object) -> None:
        """A layer's view and preset mean nothing to a network, nor a network's to a layer:
        both are cleared, and the picture drawn once."""
        self.unobserve(self._redraw, names=list(_TRAITS))
        try:
            self.view = self.preset = ""
        finally:
            self.observe(self._redraw, names=list(_TRAITS))
        self._redraw()

    def state(self) -> State:
        """The state the traits describe (refused: ConvanimError naming the trait)."""
        command = "net" if self.net else "gif"
        values = {control.key: getattr(self, control.trait) for control in CONTROLS[command]}
        return State.of(values, self.net)

    def _redraw(self, change: object = None) -> None:
        try:
            answer = shown(self.state())
        except ConvanimError as error:
            answer = {"error": refusal_line(error), "key": blamed_key(error), "query": ""}
        with self.hold_sync():
            self.shown = answer
            self.error = answer.get("error", "")
            if "svg" in answer:
                self.svg = answer["svg"]


Explorer = type(
    "Explorer",
    (_Explorer,),
    {
        "__doc__": _Explorer.__doc__,
        "__module__": __name__,
        **{name: _trait(control.kind) for name, control in _TRAITS.items()},
    },
)


def explore(spec: ConvSpec | Network | None = None, **flags: Any) -> Any:
    """The explorer as a notebook widget, starting from ``spec`` (a layer or a network)
    and the flags given (named as the command line's, without dashes: ``k=3``,
    ``t=True``, ``view="scatter"``; a flag given wins over the spec's).

    Refused (ConvanimError) for a flag the explorer has no control for; a value the
    command line refuses is shown as the widget's ``error``, as in the page.
    """
    for name in flags:
        if name not in _TRAITS and name != "net":
            known = ", ".join(["net", *_TRAITS])
            raise ConvanimError(name, f"is no control of the explorer; it takes {known}")
    given = {**_spec_flags(spec), **flags}
    traits = {
        name: _switch(name, value)
        if name == "net" or _TRAITS[name].kind == "switch"
        else _text(name, value)
        for name, value in given.items()
    }
    return Explorer(**traits)


def _switch(name: str, value: object) -> bool:
    """A switch as given: a bool, or 1 and 0 (as the command line's flags are typed)."""
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise ConvanimError(name, f"is a switch: give True or False, got {quoted(value)}")


def _text(name: str, value: object) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    if not isinstance(value, (str, int)):
        raise ConvanimError(name, f"takes text or a whole number, got {quoted(value)}")
    return str(value)


def _spec_flags(spec: ConvSpec | Network | None) -> dict[str, Any]:
    """The flags that draw ``spec``: a layer's spec flags, a network's chain and input."""
    if spec is None:
        return {}
    if isinstance(spec, Network):
        layers = "; ".join(stage.text for stage in spec.stages)
        return {"net": True, "layers": layers, "i": ",".join(map(str, spec.input_size))}
    if not isinstance(spec, ConvSpec):
        raise ConvanimError("spec", f"must be a ConvSpec or a Network, got {quoted(spec)}")
    flags: dict[str, Any] = {
        "dims": str(spec.ndim),
        "i": _axes(spec.input_size),
        "k": _axes(spec.kernel),
        "s": _axes(spec.stride),
        "p": padding_text(spec.padding),
        "d": _axes(spec.dilation),
        "op": _axes(spec.output_padding),
        "t": spec.transposed,
        "cin": str(spec.in_channels),
        "cout": str(spec.out_channels),
        "groups": str(spec.groups),
        "bias": spec.bias,
    }
    defaults: dict[str, Any] = {control.trait: control.default for control in _TRAITS.values()}
    defaults |= {"dims": "2", "t": False, "bias": False}  # the command line's, not given
    return {name: value for name, value in flags.items() if defaults.get(name) != value}


def _axes(values: tuple[int, ...]) -> str:
    """Per-axis values as a flag takes them: one number when every axis agrees."""
    return str(values[0]) if len(set(values)) == 1 else ",".join(map(str, values))
