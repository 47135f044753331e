"""The explorer as one static page: every combination of the flags' listed values drawn
ahead, so the page works from ``file://`` with no server and no kernel.

``convanim explore --html out.html --k 2,3,4 --s 1,2 --p 0:2`` draws the 18 states
3 x 2 x 3 and writes one file; a state the command line refuses is kept as its
``error:`` line, which the page shows beside its control. The number of combinations
and an estimate of the bytes are checked before anything is drawn, and the bytes
again as the page grows, so no sweep exhausts memory.

>>> sweep = Sweep.of({"k": "2,3", "s": "1:2", "p": "1"})
>>> sweep.count, [state.query for state in sweep.states()][:2]
(4, ['k=2&s=1&p=1', 'k=2&s=2&p=1'])
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from html import escape
from typing import Any

from convanim.errors import ConvanimError, quoted
from convanim.integrations.explorer.page import page_html, script_json
from convanim.integrations.explorer.state import (
    CONTROLS,
    Control,
    Refusal,
    State,
    controls_json,
    shown,
)

MAX_STATES = 256  # combinations in one page
MAX_PAGE_BYTES = 40_000_000  # of the answers a page carries (a browser opens it at once)
#: The controls whose text is never a list: a PyTorch layer, a chain, numbers per cell.
WHOLE = ("layer", "layers", "input-values", "weights", "bias-values", "cell", "from-input")


def alternatives(key: str, text: str) -> tuple[str, ...]:
    """The values a flag's text lists: ``2,3,4``, or a range of integers ``0:2`` (both
    ends included); a layer, a chain or given numbers are one value.

    >>> alternatives("k", "2,3,4"), alternatives("p", "0:2"), alternatives("view", "canvas")
    (('2', '3', '4'), ('0', '1', '2'), ('canvas',))
    """
    if key in WHOLE:
        return (text,)
    listed: list[str] = []
    for part in text.split(","):
        part = part.strip()
        ends = part.split(":")
        if len(ends) == 2 and all(end.strip().lstrip("-").isdigit() for end in ends):
            first, last = (int(end) for end in ends)
            if last < first or last - first >= MAX_STATES:
                rule = f"a range runs up, at most {MAX_STATES} values: got {quoted(part)}"
                raise ConvanimError(key, rule)
            listed += [str(value) for value in range(first, last + 1)]
        elif part:
            listed.append(part)
    if not listed:
        raise ConvanimError(key, f"lists no value: got {quoted(text)}")
    return tuple(dict.fromkeys(listed))  # each value once, in the order given


@dataclass(frozen=True)
class Sweep:
    """The values listed for each control of one command, in the controls' order."""

    command: str
    values: tuple[tuple[str, tuple[str, ...]], ...]  # (key, alternatives)

    @classmethod
    def of(cls, flags: Mapping[str, str | bool], network: bool = False) -> Sweep:
        """The sweep of ``flags`` (key to its listed values; a switch to True, or to 0,1
        for both); refused (ConvanimError naming the key) past ``MAX_STATES`` states."""
        command = "net" if network else "gif"
        known = {control.key: control for control in CONTROLS[command]}
        for key in flags:
            if key not in known:
                State.of({key: ""}, network)  # refused as the explorer refuses it
        values = []
        for control in CONTROLS[command]:
            if control.key not in flags:
                continue
            given = flags[control.key]
            listed = ("1",) if given is True else alternatives(control.key, str(given))
            values.append((control.key, listed))
        sweep = cls(command, tuple(values))
        if sweep.count > MAX_STATES:
            sizes = " x ".join(str(len(listed)) for _, listed in values)
            rule = f"{sizes} = {sweep.count:,} combinations exceed the budget of {MAX_STATES}"
            raise ConvanimError(max(values, key=lambda kv: len(kv[1]))[0], rule)
        return sweep

    @property
    def count(self) -> int:
        """How many states the sweep draws."""
        total = 1
        for _, listed in self.values:
            total *= len(listed)
        return total

    def states(self) -> Iterator[State]:
        """Every combination, the last control's values varying fastest."""
        keys = [key for key, _ in self.values]
        for combination in itertools.product(*(listed for _, listed in self.values)):
            yield State.of(dict(zip(keys, combination)), self.command == "net")

    def controls(self) -> tuple[Control, ...]:
        """The page's controls: each swept one offers its listed values."""
        listed = dict(self.values)
        shown_controls = []
        for control in CONTROLS[self.command]:
            if control.key not in listed:
                continue
            if control.kind != "switch":
                control = replace(control, kind="choice", choices=listed[control.key])
            shown_controls.append(control)
        return tuple(shown_controls)


def static_page(sweep: Sweep, title: str = "convanim explorer") -> tuple[str, int]:
    """The page of every state of ``sweep``, and how many of them the command line refused
    (all of them: ``Refusal``, the first one's line).

    The first state's picture gives the estimate (its bytes times the count), checked
    against ``MAX_PAGE_BYTES`` before the others are drawn; the real total is checked
    as they are.
    """
    table: dict[str, dict[str, Any]] = {}
    total = refused = 0
    for number, state in enumerate(sweep.states()):
        answer = shown(state)
        size = len(script_json(answer).encode())  # what the page carries of it
        total += size
        if number == 0 and size * sweep.count > MAX_PAGE_BYTES:
            rule = (
                f"about {size * sweep.count:,} bytes of pictures ({sweep.count} of "
                f"{size:,} bytes) exceed the page's budget of {MAX_PAGE_BYTES:,}: list fewer values"
            )
            raise ConvanimError("html", rule)
        if total > MAX_PAGE_BYTES:
            rule = (
                f"the pictures pass the page's budget of {MAX_PAGE_BYTES:,} bytes: "
                "list fewer values"
            )
            raise ConvanimError("html", rule)
        refused += "error" in answer
        table[state.query] = answer
    if refused == sweep.count:  # a page with no picture: the first refusal says why
        first_refusal = next(iter(table.values()))
        raise Refusal(first_refusal["error"])
    first = next(sweep.states())
    fixed = {key: listed[0] for key, listed in sweep.values if len(listed) == 1}
    config = {
        "mode": "static",
        "controls": controls_json({sweep.command: sweep.controls(), _other(sweep.command): ()}),
        "state": {"net": sweep.command == "net", "values": dict(first.flags)},
        "fixed": {"net": sweep.command == "net", **fixed},
        "table": table,
    }
    return page_html(config, title), refused


def _other(command: str) -> str:
    return "gif" if command == "net" else "net"


FRAME_HEIGHT = 720  # px of an embedded explorer: the controls' column and a picture beside


def embedded_page(
    flags: Mapping[str, str | bool], network: bool = False, height: int = FRAME_HEIGHT
) -> str:
    """The static explorer of ``flags`` as an ``<iframe>`` that carries the page itself
    (``srcdoc``), for a documentation page: no file beside it, nothing to serve, and the
    page's styles and address stay its own."""
    page, _ = static_page(Sweep.of(flags, network))
    return (
        f'<iframe class="convanim-explorer-frame" title="convanim explorer" '
        f'style="width:100%;height:{int(height)}px;border:0" loading="lazy" '
        f'srcdoc="{escape(page, quote=True)}"></iframe>'
    )
