"""Animated SVG from the same drawing, read back by a small model of how a browser shows it.

``Shown`` parses a written document independently of the writer: the CSS keyframes,
delays and moves, ``<use>`` of definitions, relative path data, inherited classes.
At the time of each frame it lists what is visible, in stacking order, as (kind,
points, paint); the drawing's own primitives for that frame must be exactly that
list. The browser tests (test_browser.py) check the pixels in Chromium.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

import numpy as np
import pytest
from typer.testing import CliRunner

from convanim.cli import app
from convanim.draw.frames import CellShape, Disc, Drawing, Label, Primitive, Ring, Segment
from convanim.draw.style import Style
from convanim.geometry import ConvSpec, Pooling, PoolMode
from convanim.integrations.gallery import GUIDE_SPECS
from convanim.pipeline import animate_to_file, drawing, svg_text, write_still
from convanim.story.board import View, still_index
from convanim.story.values import ValueSource

SVG = "{http://www.w3.org/2000/svg}"
SPEC = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
TRANSPOSED = ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
DURATION = 700


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _declarations(text: str) -> dict[str, str]:
    return dict(part.split(":", 1) for part in text.split(";") if part)


@dataclass
class Shown:
    """A written SVG as a browser would show it, frame by frame (see the module docstring)."""

    root: ElementTree.Element
    rules: dict[str, dict[str, str]]  # class -> declarations (light)
    dark: dict[str, dict[str, str]]  # class -> declarations in the dark colour scheme
    keyframes: dict[str, list[tuple[float, str]]]  # name -> [(percent, value)], sorted
    animation: dict[str, str]  # class -> keyframes name
    cycle: float  # ms
    still_classes: bool  # whether the reduced-motion block shows class z

    @classmethod
    def parse(cls, text: str) -> Shown:
        root = ElementTree.fromstring(text)
        css = root.find(f"{SVG}style").text or ""
        scope = "#" + root.get("id")
        dark_block = re.search(r"@media \(prefers-color-scheme:dark\)\{(.*?\})\}", css)
        rules, dark = {}, {}
        for block, target in ((css, rules), (dark_block[1] if dark_block else "", dark)):
            for name, body in re.findall(re.escape(scope) + r" \.(p\d+)\{([^}]*)\}", block):
                target.setdefault(name, _declarations(body))
        keyframes = {}
        for name, body in re.findall(r"@keyframes (\w+)\{((?:[^{}]*\{[^}]*\})*)\}", css):
            steps = []
            for selectors, value in re.findall(r"([\d.,%]+)\{([^}]*)\}", body):
                steps += [(float(s.rstrip("%")), value) for s in selectors.split(",")]
            keyframes[name] = sorted(steps)
        moving = css.split("@media (prefers-reduced-motion")[0]  # the rules while in motion
        animation = dict(
            re.findall(re.escape(scope) + r" \.(\w+)\{animation(?:-name)?:(\w+)", moving)
        )
        cycle = re.search(r"animation:(?:\w+ )?([\d.]+)(m?s) step-end", css)
        scale = 1 if cycle is None or cycle[2] == "ms" else 1000
        return cls(
            root,
            rules,
            dark,
            keyframes,
            animation,
            0.0 if cycle is None else float(cycle[1]) * scale,
            ".z{visibility:visible}" in css,
        )

    def _visible(self, element: ElementTree.Element, time: float | None) -> bool:
        """Visibility of the element itself at ``time`` (None: reduced motion)."""
        style = element.get("style")
        if style is None:
            return True
        classes = element.get("class", "").split()
        if time is None:
            return self.still_classes and "z" in classes
        delay = _seconds(re.search(r"--d:([\d.]+m?s)", style)[1])
        if time < delay:
            return False
        (name,) = [self.animation[c] for c in classes if c in self.animation]
        percent = (time - delay) % self.cycle / self.cycle * 100
        value = [v for p, v in self.keyframes[name] if p <= percent + 1e-9][-1]
        return value == "visibility:visible"

    def _shift(self, element: ElementTree.Element, time: float | None) -> np.ndarray:
        for name in element.get("class", "").split():
            frames = self.keyframes.get(self.animation.get(name, ""), [])
            if frames and "transform" in frames[0][1] and time is not None:
                percent = time % self.cycle / self.cycle * 100
                value = [v for p, v in frames if p <= percent + 1e-9][-1]
                if value == "transform:none":
                    return np.zeros(2)
                x, y = re.search(r"translate\(([-\d.]+)px,([-\d.]+)px\)", value).groups()
                return np.array([float(x), float(y)])
        return np.zeros(2)

    def at(self, time: float | None, dark: bool = False) -> list[tuple]:
        """What is visible at ``time`` ms (None: with reduced motion), in stacking order:
        (kind, points rounded to 0.01 px, declarations)."""
        definitions = {d.get("id"): d for defs in self.root.iter(f"{SVG}defs") for d in defs}
        shown: list[tuple] = []

        def walk(element, offset, paint, visible):
            tag = element.tag.removeprefix(SVG)
            if tag in ("title", "style", "defs"):
                return
            visible = visible and self._visible(element, time)
            offset = offset + self._shift(element, time)
            names = [c for c in element.get("class", "").split() if c in self.rules]
            if names:
                paint = {**self.rules[names[0]], **(self.dark.get(names[0], {}) if dark else {})}
            if tag in ("svg", "g"):
                for child in element:
                    walk(child, offset, paint, visible)
                return
            if not visible:
                return
            if tag == "use":
                at = offset + np.array([float(element.get("x", 0)), float(element.get("y", 0))])
                walk(definitions[element.get("href")[1:]], at, paint, True)
            elif tag == "path":
                for points, closed in _subpaths(element.get("d")):
                    kind = "cell" if closed else "segment"
                    shown.append((kind, _rounded(points + offset), paint))
            elif tag == "circle":
                centre = [float(element.get("cx", 0)), float(element.get("cy", 0))]
                kind = "ring" if paint.get("fill") == "none" else "disc"
                shown.append((kind, _rounded(np.array([centre]) + offset), paint))
            elif tag == "text":
                at = [float(element.get("x", 0)), float(element.get("y", 0))]
                shown.append(("text:" + element.text, _rounded(np.array([at]) + offset), paint))

        walk(self.root, np.zeros(2), {}, True)
        return shown


def _seconds(text: str) -> float:
    return float(text[:-2]) if text.endswith("ms") else float(text[:-1]) * 1000


def _rounded(points: np.ndarray) -> tuple:
    return tuple(map(tuple, np.round(np.asarray(points, dtype=float), 2)))


def _subpaths(data: str) -> list[tuple[np.ndarray, bool]]:
    """The subpaths of path data made of m, l (implicit), h, v and z, relative or not."""
    tokens = re.findall(r"[MmLlHhVvZz]|-?[\d.]+", data)
    current, start = np.zeros(2), np.zeros(2)
    paths: list[tuple[list, bool]] = []
    command, first = "", True
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.isalpha():
            command = token
            index += 1
            if command in "zZ":
                paths[-1] = (paths[-1][0], True)
                current = start.copy()
            continue
        if command in "hHvV":
            value = float(token)
            axis = 0 if command in "hH" else 1
            current = current.copy()
            current[axis] = value + (current[axis] if command.islower() else 0)
            paths[-1][0].append(current)
            index += 1
            continue
        point = np.array([float(tokens[index]), float(tokens[index + 1])])
        index += 2
        relative = command.islower() and not (command == "m" and first)
        current = current + point if relative else point
        if command in "mM":
            start = current.copy()
            paths.append(([current], False))
            command = "l" if command == "m" else "L"  # implicit lines follow a move
        else:
            paths[-1][0].append(current)
        first = False
    return [(np.array(points), closed) for points, closed in paths]


def expected(laid_out: Drawing, index: int, transparent: bool = False) -> list[tuple]:
    """What frame ``index`` of the drawing draws, in order, as ``Shown.at`` reports it
    (leaving out the page and the background patches under the upper plane)."""
    frame = laid_out.frames[index]
    primitives = [*laid_out.lower, *frame.below, *laid_out.upper, *frame.above]
    return [_as_shown(p) for p in primitives]


def _as_shown(primitive: Primitive) -> tuple:
    if isinstance(primitive, CellShape):
        paint = {"fill": "none" if primitive.fill is None else _hex(primitive.fill)}
        paint |= {"stroke": _hex(primitive.outline), "stroke-width": str(primitive.width)}
        return ("cell", _rounded(primitive.corners), paint)
    if isinstance(primitive, Segment):
        paint = {"stroke": _hex(primitive.colour), "stroke-width": str(primitive.width)}
        return ("segment", _rounded([primitive.start, primitive.end]), paint)
    if isinstance(primitive, Ring):
        paint = {"stroke": _hex(primitive.colour), "stroke-width": str(primitive.width)}
        return ("ring", _rounded([primitive.centre]), paint)
    if isinstance(primitive, Disc):
        return ("disc", _rounded([primitive.centre]), {"fill": _hex(primitive.colour)})
    assert isinstance(primitive, Label)
    paint = {"fill": _hex(primitive.colour), "font-size": f"{primitive.size}px"}
    return ("text:" + primitive.text, _rounded([primitive.centre]), paint)


def _comparable(shown: list[tuple], background: str | None) -> list[tuple]:
    """``Shown.at`` without the page and background patches; paints cut to the keys that
    ``expected`` states, and closed cells' repeated first point dropped."""
    out = []
    for kind, points, paint in shown:
        if kind == "cell" and paint == {"fill": background}:  # the page, or under the plane
            continue
        keys = {"fill", "stroke", "stroke-width", "font-size"}
        if kind in ("segment", "ring"):
            keys -= {"fill"}
        if kind == "disc":
            keys = {"fill"}
        out.append((kind, points, {k: v for k, v in paint.items() if k in keys}))
    return out


CASES = {
    "canvas": (SPEC, {}),
    "transposed": (TRANSPOSED, {}),
    "scatter": (TRANSPOSED, {"view": View.SCATTER, "values": ValueSource()}),
    "scatter-overlap": (TRANSPOSED, {"view": View.SCATTER, "overlap": True}),
    "flat-values": (SPEC, {"view": View.FLAT, "values": ValueSource()}),
    "max-pool": (SPEC, {"view": View.FLAT, "pooling": Pooling(SPEC, PoolMode.MAX)}),
    "dark-dilated": (ConvSpec(input_size=7, kernel=3, dilation=2), {"style": Style(theme="dark")}),
    "1d-flat": (ConvSpec(input_size=8, kernel=3, stride=2), {"view": View.FLAT}),
    "3d": (ConvSpec(input_size=(2, 4, 4), kernel=(2, 3, 3), stride=(1, 2, 2), padding=1), {}),
    "3d-flat-values": (
        ConvSpec(input_size=(2, 3, 3), kernel=2, transposed=True),
        {"view": View.FLAT, "values": ValueSource()},
    ),
    "3d-scatter-values": (
        ConvSpec(input_size=(2, 2, 2), kernel=3, stride=2, padding=1, transposed=True),
        {"view": View.SCATTER, "values": ValueSource(), "overlap": True},
    ),
    **{name: (spec, {"style": Style(labels=False)}) for name, spec in GUIDE_SPECS.items()},
}


@pytest.mark.parametrize("case", CASES)
def test_every_frame_shows_exactly_the_drawings_primitives_in_order(tmp_path, case):
    spec, options = CASES[case]
    path = tmp_path / "a.svg"
    animate_to_file(spec, path, duration=DURATION, **options)
    shown = Shown.parse(path.read_text())
    laid_out, _ = drawing(spec, **options)
    background = _hex(laid_out.background)
    count = len(laid_out.frames)
    assert shown.cycle == count * DURATION
    for index in range(count):
        for moment in (0.05, 0.5, 0.95):  # early, middle and late in the frame's slot
            time = (index + moment) * DURATION
            assert _comparable(shown.at(time), background) == expected(laid_out, index)
    # The second cycle repeats the first.
    assert shown.at((count + 1.5) * DURATION) == shown.at(1.5 * DURATION)
    # With reduced motion, the still frame stands.
    still = expected(laid_out, still_index(count))
    assert _comparable(shown.at(None), background) == still


def test_a_broken_model_or_order_would_be_caught(tmp_path):
    """The comparison above is sharp: the neighbouring frame, or two primitives swapped, differ."""
    path = tmp_path / "a.svg"
    animate_to_file(SPEC, path)
    shown = Shown.parse(path.read_text())
    laid_out, _ = drawing(SPEC)
    now = _comparable(shown.at(4.5 * 1000), "#ffffff")
    assert now != expected(laid_out, 5)
    swapped = expected(laid_out, 4)
    swapped[-1], swapped[-2] = swapped[-2], swapped[-1]
    assert now != swapped


def test_theme_auto_holds_both_palettes(tmp_path):
    document, _ = svg_text(SPEC, style=Style(theme="auto"), values=ValueSource())
    shown = Shown.parse(document)
    light, _ = drawing(SPEC, values=ValueSource())
    dark, _ = drawing(SPEC, style=Style(theme="dark"), values=ValueSource())
    for index in (0, 4, 8):
        time = (index + 0.5) * 1000
        assert _comparable(shown.at(time), "#ffffff") == expected(light, index)
        assert _comparable(shown.at(time, dark=True), _hex(dark.background)) == expected(
            dark, index
        )


@pytest.mark.parametrize("frame", [1, 5, 9])
def test_a_still_svg_is_that_frame_and_does_not_move(tmp_path, frame):
    still = write_still(SPEC, tmp_path / "a.svg", frame=frame, values=ValueSource())
    text = still.path.read_text()
    assert "@keyframes" not in text and "animation" not in text
    laid_out, _ = drawing(SPEC, values=ValueSource())
    shown = Shown.parse(text)
    assert _comparable(shown.at(0.0), "#ffffff") == expected(laid_out, frame - 1)


@pytest.mark.parametrize("view", [View.CANVAS, View.FLAT])
def test_svg_is_safe_self_contained_xml(tmp_path, view):
    path = tmp_path / "a.svg"
    animate_to_file(SPEC, path, view=view, values=ValueSource())
    text = path.read_text()
    root = ElementTree.fromstring(text)
    assert root.tag == f"{SVG}svg"
    for banned in ("<script", "foreignObject", "url(", "@import", "xlink"):
        assert banned not in text
    for element in root.iter():
        assert not any(name.startswith("on") for name in element.attrib)
        href = element.get("href")
        assert href is None or (
            href.startswith("#") and root.find(f".//*[@id='{href[1:]}']") is not None
        )
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(root.get("id")) for i in ids)
    assert "prefers-reduced-motion" in text


def test_two_documents_share_no_names(tmp_path):
    """Inlined side by side in one page, two animations must not restyle each other."""
    first, _ = svg_text(SPEC)
    second, _ = svg_text(TRANSPOSED)
    names = [ElementTree.fromstring(doc).get("id") for doc in (first, second)]
    assert names[0] != names[1]
    for document, name in zip((first, second), names):
        css = ElementTree.fromstring(document).find(f"{SVG}style").text
        rules = re.findall(r"(?:^|\})([^{}@]+)\{", css)
        assert all(rule.startswith(f"#{name} ") for rule in rules if "%" not in rule)
        assert all(k.startswith(name) for k in re.findall(r"@keyframes (\w+)", css))


def test_svg_text_is_real_text_and_bytes_are_reproducible(tmp_path):
    first = animate_to_file(SPEC, tmp_path / "a.svg", values=ValueSource())
    second = animate_to_file(SPEC, tmp_path / "b.svg", values=ValueSource())
    assert first.path.read_bytes() == second.path.read_bytes()
    root = ElementTree.fromstring(first.path.read_text())
    texts = {t.text for t in root.iter(f"{SVG}text")}
    laid_out, _ = drawing(SPEC, values=ValueSource())
    printed = {s.text for i in range(9) for s in laid_out.frames[i].above if isinstance(s, Label)}
    assert printed and printed <= texts
    assert root.find(f"{SVG}title").text.startswith("Convolution of a 5x5 input")


def test_transparent_svg_has_no_page(tmp_path):
    clear = animate_to_file(SPEC, tmp_path / "c.svg", transparent=True)
    opaque = animate_to_file(SPEC, tmp_path / "d.svg")
    page = "h404v444h-404z"
    assert page not in clear.path.read_text() and page in opaque.path.read_text()


def test_cli_writes_svg_stills_and_auto(tmp_path):
    runner = CliRunner()
    out = tmp_path / "x.svg"
    result = runner.invoke(app, ["gif", "--k", "3", "--s", "2", "--p", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: 9 frames, 404x444 px, ")
    for suffix, magic in ((".png", b"\x89PNG"), (".pdf", b"%PDF-"), (".svg", b"<svg")):
        still = tmp_path / f"s{suffix}"
        args = ["gif", "--k", "3", "--frame", "2", "-o", str(still)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{still}: frame 2 of 9, ")
        assert still.read_bytes().startswith(magic)
    result = runner.invoke(
        app, ["gif", "--k", "3", "--theme", "auto", "-o", str(tmp_path / "a.gif")]
    )
    assert result.exit_code == 2 and "--theme" in result.output and ".svg" in result.output


def test_merged_order_survives_many_insertions_into_one_gap():
    """Forty frames each put a new element between the same two: the ranks that keep the
    order run out of room (about twenty halvings) and are numbered again, order intact."""
    from convanim.render.vector.svg import _Item, _merge

    def item(name: str) -> _Item:
        return _Item("text", name, "p0", 0.0, 0.0)

    first, last = item("first"), item("last")
    middles = [item(f"new {k}") for k in range(40)]
    order, shown = _merge([[first, middle, last] for middle in middles])
    assert order == [first, *middles, last]
    assert shown[0] == shown[-1] == list(range(40))
    assert shown[1:-1] == [[k] for k in range(40)]
