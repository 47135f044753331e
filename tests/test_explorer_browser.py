"""The explorer in a real browser (Debian's Chromium, headless): the local page that a
``convanim explore --port 0 --no-browser`` subprocess serves, the static page that
``convanim explore --html`` writes (opened from file://), and the widget's front end
over a stand-in for anywidget's model.

What the page shows is checked against what the command line writes for the same flags:

- the inlined ``<svg>`` is ``convanim gif <flags> --theme auto``'s file as the browser's
  HTML parser serialises it (a self-closing ``<path/>`` comes back as ``<path></path>``),
  once the player's one rewrite is undone (it turns the still's reduced-motion rule into
  ``@media not all``, so that play and seek work for readers who ask for less motion);
- a frame the reader scrubs to, or hovers, is the raster frame of ``render_animation``,
  compared as ``test_browser`` compares the SVG file (its tolerances; text masked).

One Chromium and one server serve the whole module; the server is stopped with SIGINT
at the end and must exit 0 with nothing on standard error.
"""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_browser import (
    assert_other_picture,
    assert_same_picture,
    middle_of_slot,
)
from typer.testing import CliRunner

from convanim.cli import app
from convanim.integrations.explorer.page import MODULE, STYLE, front_file
from convanim.integrations.explorer.state import read_query, request_of, shown
from convanim.pipeline import drawing, render_animation
from convanim.story.board import still_index

pytestmark = pytest.mark.browser

START = ("--k", "3", "--s", "2", "--p", "1")  # the server's state, the guide's default layer
START_QUERY = "k=3&s=2&p=1"
#: The static page's sweep: the first combination is START; kernel 0 is refused.
SWEEP = ("--k", "3,2,0", "--s", "2,1", "--p", "1", "-t", "0,1")
VIEWPORT = {"width": 1280, "height": 900}  # the picture column fits the pictures at scale 1
SERVER_SECONDS = 30  # for the server's first line, and for it to stop
WAIT_MS = 10_000  # for a picture to come (the server draws one in well under a second)
STILL_MS = 1500  # how long a picture that should stand still is watched
MOVE_MS = 3000  # how long a playing picture is given to move (a frame lasts 1000 ms)
#: The player's one change to the inlined SVG: the still's rule, lifted (explorer.js).
STILL_RULE, LIFTED = "@media (prefers-reduced-motion:reduce)", "@media not all"
ROOT = ".convanim-explorer"
PICTURE = ".cx-picture svg"
#: A text as the browser's HTML parser reads and serialises it (as innerHTML does).
_PARSED = """text => {
    const template = document.createElement("template");
    template.innerHTML = text;
    return template.content.firstElementChild.outerHTML;
}"""
#: The picture's animations: each one's play state and clock (ms).
_CLOCK = """() => document.querySelector(".cx-picture")
    .getAnimations({subtree: true})
    .map(animation => [animation.playState, animation.currentTime])"""
#: The page position (CSS px) of a point in the picture's SVG user units.
_ON_SCREEN = """([x, y]) => {
    const svg = document.querySelector(".cx-picture svg");
    const point = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM());
    return [point.x, point.y];
}"""


# --- The browser, the server, the static page -------------------------------------------


@pytest.fixture(scope="module")
def server(chromium) -> Iterator[str]:
    """``convanim explore`` serving START on a free port: its address (ending in /).

    Stopped with SIGINT (Ctrl-C) when the module is done: it must exit 0, quietly."""
    command = [sys.executable, "-m", "convanim", "explore", *START, "--port", "0", "--no-browser"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()))
    reader.start()
    reader.join(SERVER_SECONDS)
    try:
        said = re.fullmatch(
            r"convanim explore: (http://127\.0\.0\.1:\d+/)\?(\S*)  \(Ctrl-C stops it\)\n",
            lines[0] if lines else "",
        )
        assert said, f"the server's first line: {lines!r}"
        assert said[2] == START_QUERY
        yield said[1]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=SERVER_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
    assert process.returncode == 0, f"the server exited {process.returncode}: {err}"
    assert "Traceback" not in err and not err.strip(), f"the server said on stderr: {err}"
    assert out == "convanim explore: stopped\n", f"the server's last words: {out!r}"


@pytest.fixture(scope="module")
def static_html(tmp_path_factory) -> Path:
    """The static page of SWEEP, as ``convanim explore --html`` writes it."""
    path = tmp_path_factory.mktemp("static") / "explorer.html"
    result = CliRunner().invoke(app, ["explore", "--html", str(path), *SWEEP])
    assert result.exit_code == 0, result.output
    assert "12 states, 4 refused" in result.output
    return path


@dataclass
class Page:
    """One explorer page in its own browser context, with what it asked for and said."""

    page: Any
    own: str | tuple[str, ...]  # what every request's URL starts with: the origin, the file
    requests: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # console errors and warnings, page errors

    @classmethod
    def open(cls, chromium, url: str, own: str, **options: Any) -> Page:
        context = chromium.browser.new_context(
            viewport=VIEWPORT, device_scale_factor=1, color_scheme="light", **options
        )
        context.set_default_timeout(WAIT_MS)
        opened = cls(context.new_page(), own)
        opened.page.on("request", lambda request: opened.requests.append(request.url))
        opened.page.on("console", opened._console)
        opened.page.on("pageerror", lambda error: opened.said.append(f"page error: {error}"))
        if url:
            opened.page.goto(url)
        return opened

    def _console(self, message: Any) -> None:
        if message.type not in ("error", "warning"):
            return
        url = message.location.get("url", "")
        self.said.append(f"{message.type}: {message.text} ({url})")

    def close(self) -> None:
        self.page.context.close()

    def shown(self, query: str) -> None:
        """Wait for the picture of ``query``."""
        self.page.wait_for_selector(f'{ROOT}[data-state=shown][data-query="{query}"]')

    def field(self, key: str) -> Any:
        return self.page.locator(f'.cx-fields [name="{key}"]')

    def note(self, key: str) -> Any:
        """The error line beside a control."""
        return self.page.locator(f'.cx-field:has([name="{key}"]) .cx-error')

    def type(self, key: str, text: str) -> None:
        """Type ``text`` into a text field, or choose it in a list (a static page's)."""
        control = self.field(key)
        if control.evaluate("node => node.tagName") == "SELECT":
            control.select_option(text)
        else:
            control.fill(text)  # fires one input event, as typing does

    def svg(self) -> str:
        assert self.page.locator(PICTURE).count() == 1, "the page shows no picture"
        return self.page.locator(PICTURE).evaluate("node => node.outerHTML")

    def frame_text(self) -> str:
        return self.page.locator(".cx-frame").text_content()

    def clock(self) -> list[list[Any]]:
        return self.page.evaluate(_CLOCK)

    def shot(self) -> np.ndarray:
        """The picture as an RGB array, one pixel per SVG user unit."""
        from PIL import Image

        box = self.page.locator(PICTURE).bounding_box()
        assert box["x"] == int(box["x"]) and box["y"] == int(box["y"]), f"off the pixel grid: {box}"
        png = self.page.locator(PICTURE).screenshot()
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    def assert_clean(self) -> None:
        """Nothing was fetched from elsewhere, and the console stayed quiet."""
        foreign = [url for url in self.requests if not url.startswith(self.own)]
        assert not foreign, f"the page asked elsewhere: {foreign}"
        assert not self.said, f"the page said: {self.said}"


def cli_svg(tmp_path: Path, flags: tuple[str, ...]) -> str:
    """What ``convanim gif <flags> --theme auto -o x.svg`` writes."""
    path = tmp_path / "cli.svg"
    result = CliRunner().invoke(app, ["gif", *flags, "--theme", "auto", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def assert_cli_picture(page: Page, tmp_path: Path, flags: tuple[str, ...]) -> None:
    """The page's picture is the command line's file for ``flags``, as the browser parses it."""
    written = cli_svg(tmp_path, flags)
    shown = page.svg()
    assert STILL_RULE in written and shown.count(LIFTED) <= 1
    parsed = page.page.evaluate(_PARSED, written)
    assert shown.replace(LIFTED, STILL_RULE) == parsed, f"the page's picture is not gif {flags}"


def shape_text(query: str) -> str:
    """What the page prints under the picture of ``query``: ``convanim shape``'s lines."""
    return "\n".join(shown(read_query(query))["shape"])


def view(server: str, query: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server}view.json?{query}") as answer:
        return json.load(answer)


@dataclass(frozen=True)
class Raster:
    """The raster frames of a state, in the light palette (the page's, in a light scheme)."""

    laid_out: Any
    frames: Any

    @classmethod
    def of(cls, query: str) -> Raster:
        request = request_of(read_query(query)).still()  # theme auto, light
        options = request.drawing_options
        laid_out, _ = drawing(request.shown, **options)
        frames, _ = render_animation(request.shown, **options)
        return cls(laid_out, frames)

    def assert_frame(self, shot: np.ndarray, index: int, what: str) -> None:
        raster = np.asarray(self.frames[index])
        assert_same_picture(shot, self.laid_out, raster, index, what)
        neighbour = (index + 1) % len(self.frames)
        assert_other_picture(shot, self.laid_out, np.asarray(self.frames[neighbour]), neighbour)


def assert_paused_at(page: Page, index: int, duration: int) -> None:
    """The page says frame ``index`` and every animation is paused in its slot."""
    clocks = page.clock()
    assert clocks, "the picture has no animation"
    wanted = middle_of_slot(index, duration)
    assert all(state == "paused" and time == wanted for state, time in clocks), (
        f"frame {index}: the clocks are {sorted(map(tuple, clocks))[:3]}..., not paused at {wanted}"
    )


# --- 1. A control's change shows the command line's picture ----------------------------


def test_a_change_on_the_local_page_shows_the_command_lines_picture(chromium, server, tmp_path):
    page = Page.open(chromium, f"{server}?{START_QUERY}", server)
    try:
        page.shown(START_QUERY)
        assert_cli_picture(page, tmp_path, START)
        page.type("k", "2")
        page.type("s", "1")
        page.shown("k=2&s=1&p=1")
        flags = ("--k", "2", "--s", "1", "--p", "1")
        assert_cli_picture(page, tmp_path, flags)
        # What the server sent is the file's text, byte for byte (the page's changes are
        # the HTML parser's and the player's).
        assert view(server, "k=2&s=1&p=1")["svg"] == cli_svg(tmp_path, flags)
        page.assert_clean()
    finally:
        page.close()


def test_a_change_on_the_static_page_shows_the_command_lines_picture(
    chromium, static_html, tmp_path
):
    url = static_html.as_uri()
    page = Page.open(chromium, url, url)
    try:
        page.shown(START_QUERY)
        assert_cli_picture(page, tmp_path, START)
        page.type("k", "2")
        page.type("s", "1")
        page.shown("k=2&s=1&p=1")
        assert_cli_picture(page, tmp_path, ("--k", "2", "--s", "1", "--p", "1"))
        page.assert_clean()
    finally:
        page.close()


# --- 2. The scrubber and the step buttons show the raster frames ------------------------


def test_scrubbing_shows_the_raster_frame(chromium, server):
    answer = view(server, START_QUERY)
    count, duration = answer["frames"], answer["duration"]
    raster = Raster.of(START_QUERY)
    assert count == len(raster.frames) == 9
    page = Page.open(chromium, f"{server}?{START_QUERY}", server)
    try:
        page.shown(START_QUERY)
        scrubber = page.page.locator(".cx-scrubber")
        scrubber.press("End")  # while playing: the scrubber's value wins over the clock's
        assert page.frame_text() == f"frame {count} of {count}"
        assert_paused_at(page, count - 1, duration)
        raster.assert_frame(page.shot(), count - 1, "scrubbed to the last frame")
        for _ in range(3):
            scrubber.press("ArrowLeft")
        assert page.frame_text() == f"frame {count - 3} of {count}"
        assert_paused_at(page, count - 4, duration)
        page.page.get_by_role("button", name="previous frame").click()
        page.page.get_by_role("button", name="previous frame").click()
        page.page.get_by_role("button", name="next frame").click()
        index = count - 5
        assert page.frame_text() == f"frame {index + 1} of {count}"
        assert scrubber.input_value() == str(index + 1)
        assert_paused_at(page, index, duration)
        raster.assert_frame(page.shot(), index, f"stepped to frame {index}")
        scrubber.press("Home")
        page.page.get_by_role("button", name="previous frame").click()  # wraps round
        assert page.frame_text() == f"frame {count} of {count}"
        page.assert_clean()
    finally:
        page.close()


# --- 3. Hovering an output cell shows its frame; a click pins it ------------------------


def test_hovering_a_cell_shows_its_frame_and_a_click_pins_it(chromium, server):
    answer = view(server, START_QUERY)
    count, duration = answer["frames"], answer["duration"]
    targets = {int(target[0]): target[1:] for target in answer["targets"]}
    assert sorted(targets) == list(range(count))  # each output cell has its frame
    raster = Raster.of(START_QUERY)
    page = Page.open(chromium, f"{server}?{START_QUERY}", server)

    def centre(index: int) -> tuple[float, float]:
        corners = np.reshape(targets[index], (4, 2))
        x, y = page.page.evaluate(_ON_SCREEN, corners.mean(axis=0).tolist())
        return x, y

    away = (20, VIEWPORT["height"] - 20)  # beside the picture, below the controls
    try:
        page.shown(START_QUERY)
        first, second = 2, 6
        page.page.mouse.move(*centre(first))
        assert page.frame_text() == f"frame {first + 1} of {count}"
        assert_paused_at(page, first, duration)
        raster.assert_frame(page.shot(), first, f"hovered frame {first}")
        page.page.mouse.move(*away)  # not pinned: the player plays again
        assert {state for state, _ in page.clock()} == {"running"}
        page.page.mouse.move(*centre(second))
        assert page.frame_text() == f"frame {second + 1} of {count}"
        assert_paused_at(page, second, duration)
        page.page.mouse.click(*centre(second))
        assert page.page.locator(".cx-picture.cx-pinned").count() == 1
        page.page.mouse.move(*centre(first))  # pinned: another cell does not take it
        page.page.mouse.move(*away)
        page.page.wait_for_timeout(duration * 1.5)
        assert page.frame_text() == f"frame {second + 1} of {count}"
        assert_paused_at(page, second, duration)
        page.assert_clean()
    finally:
        page.close()


# --- 4. A refusal is said beside its control; the last picture stays --------------------


REFUSED_K = "error: --k (axis 0): must be positive, got 0"


@pytest.mark.parametrize("where", ["local", "static"])
def test_a_refused_value_is_said_beside_its_control(chromium, server, static_html, where):
    if where == "local":
        page = Page.open(chromium, f"{server}?{START_QUERY}", server)
    else:
        page = Page.open(chromium, static_html.as_uri(), static_html.as_uri())
    try:
        page.shown(START_QUERY)
        before = page.svg()
        page.type("k", "0")
        page.page.wait_for_selector(f"{ROOT}[data-state=refused]")
        assert page.note("k").text_content() == REFUSED_K
        assert page.note("k").is_visible()
        assert page.field("k").get_attribute("aria-invalid") == "true"
        others = page.page.locator(".cx-error").all_text_contents()
        assert others.count("") == len(others) - 1, f"other error lines: {others}"
        assert page.svg() == before, "the last good picture was not kept"
        assert page.page.locator(".cx-shape").text_content() == shape_text(START_QUERY)
        page.type("k", "2")
        page.shown("k=2&s=2&p=1")
        assert page.note("k").text_content() == ""
        assert page.field("k").get_attribute("aria-invalid") is None
        assert page.svg() != before
        assert page.page.locator(".cx-shape").text_content() == shape_text("k=2&s=2&p=1")
        page.assert_clean()
    finally:
        page.close()


# --- 5. The address holds the state -----------------------------------------------------


TRANSPOSED = ("--k", "3", "--s", "2", "--p", "1", "-t")


def test_the_address_round_trips_the_state(chromium, server, tmp_path):
    page = Page.open(chromium, f"{server}?k=3&s=2&p=1&t=1", server)
    try:
        page.shown("k=3&s=2&p=1&t=1")
        values = {key: page.field(key).input_value() for key in ("k", "s", "p", "i")}
        assert values == {"k": "3", "s": "2", "p": "1", "i": ""}
        assert page.field("t").is_checked()
        assert_cli_picture(page, tmp_path, TRANSPOSED)
        page.type("p", "0")
        page.shown("k=3&s=2&p=0&t=1")
        assert page.page.evaluate("location.search") == "?k=3&s=2&p=0&t=1"
        assert page.page.locator(".cx-address").get_attribute("href") == "?k=3&s=2&p=0&t=1"
        page.field("t").uncheck()
        page.shown("k=3&s=2&p=0")
        assert page.page.evaluate("location.search") == "?k=3&s=2&p=0"
        page.page.reload()  # the address alone brings the state back
        page.shown("k=3&s=2&p=0")
        assert page.field("p").input_value() == "0" and not page.field("t").is_checked()
        page.assert_clean()
    finally:
        page.close()


def test_the_static_pages_hash_round_trips_the_state(chromium, static_html, tmp_path):
    url = static_html.as_uri()
    page = Page.open(chromium, f"{url}#k=3&s=2&p=1&t=1", url)
    try:
        page.shown("k=3&s=2&p=1&t=1")
        assert page.field("k").input_value() == "3" and page.field("s").input_value() == "2"
        assert page.field("t").is_checked() and page.field("p").is_disabled()
        assert_cli_picture(page, tmp_path, TRANSPOSED)
        page.type("s", "1")
        page.shown("k=3&s=1&p=1&t=1")
        assert page.page.evaluate("location.hash") == "#k=3&s=1&p=1&t=1"
        page.page.reload()
        page.shown("k=3&s=1&p=1&t=1")
        assert page.field("s").input_value() == "1"
        page.assert_clean()
    finally:
        page.close()


# --- 6. Reduced motion: still until played ----------------------------------------------


def test_reduced_motion_stands_still_until_played(chromium, server):
    page = Page.open(chromium, f"{server}?{START_QUERY}", server, reduced_motion="reduce")
    try:
        page.shown(START_QUERY)
        shot, clock, said = page.shot(), page.clock(), page.frame_text()
        # The SVG's own still (its reduced-motion rule holds): no animation runs, and the
        # frame said is the one it stands on.
        assert not clock or {state for state, _ in clock} == {"paused"}
        frames = int(said.split()[-1])
        assert said == f"frame {still_index(frames) + 1} of {frames}"
        page.page.wait_for_timeout(STILL_MS)
        assert page.clock() == clock and page.frame_text() == said
        assert np.array_equal(page.shot(), shot), "the reduced-motion picture moves"
        assert page.page.get_by_role("button", name="play").count() == 1
        page.page.get_by_role("button", name="play").click()
        page.page.wait_for_function(
            """said => document.querySelector(".cx-frame").textContent !== said""",
            arg=said,
            timeout=MOVE_MS,
        )
        assert {state for state, _ in page.clock()} == {"running"}
        assert not np.array_equal(page.shot(), shot), "played, the picture does not move"
        page.assert_clean()
    finally:
        page.close()


# --- 7. Nothing from elsewhere, nothing on the console ----------------------------------


def test_nothing_is_fetched_from_elsewhere(chromium, server, static_html):
    local = Page.open(chromium, f"{server}?{START_QUERY}", server)
    url = static_html.as_uri()
    static = Page.open(chromium, url, url)
    try:
        for page in (local, static):
            page.shown(START_QUERY)
            page.type("k", "0")
            page.page.wait_for_selector(f"{ROOT}[data-state=refused]")
            page.type("k", "2")
            page.shown("k=2&s=2&p=1")
            page.page.get_by_role("button", name="pause").click()
            page.page.get_by_role("button", name="next frame").click()
            page.page.wait_for_timeout(200)  # late requests (a favicon) and messages
            page.assert_clean()
        assert local.requests[0] == f"{server}?{START_QUERY}"
        assert all(u.startswith(f"{server}view.json?") for u in local.requests[1:])
        assert static.requests == [url], "the static page asked for more than itself"
    finally:
        local.close()
        static.close()


# --- 8. The widget's front end over a stand-in for anywidget's model --------------------


#: A stand-in for anywidget's model: the traits, and every call made of it.
_STAND_IN = """class StandIn {
  constructor(traits) { this.traits = traits; this.calls = []; this.listeners = {}; }
  get(name) { return this.traits[name]; }
  set(name, value) { this.calls.push(["set", name, value]); this.traits[name] = value; }
  save_changes() { this.calls.push(["save_changes"]); }
  on(event, callback) { (this.listeners[event] ??= []).push(callback); }
  off(event, callback) {
    this.listeners[event] = (this.listeners[event] ?? []).filter(c => c !== callback);
  }
  emit(event) { for (const callback of this.listeners[event] ?? []) callback(); }
  listening() { return Object.values(this.listeners).flat().length; }
}"""
#: Loads the widget's module as anywidget does (an ES module from its text) and renders.
_RENDER = """async ([esm, traits]) => {
    const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
    const widget = (await import(url)).default;
    const model = new StandIn(traits);
    const el = document.getElementById("widget");
    window.model = model;
    window.cleanup = await widget.render({model, el});
}"""
#: The kernel's side changed ``shown``: as anywidget's model, set it and say so.
_SYNC = """shown => { model.traits.shown = shown; model.emit("change:shown"); }"""


def test_the_widgets_front_end_over_a_stand_in_model(chromium, tmp_path):
    from convanim.integrations.explorer.widget import explore

    widget = explore(k=3, s=2, p=1)
    synced = widget.get_state()
    esm = synced["_esm"]
    assert esm == front_file(MODULE)
    traits = {name: value for name, value in synced.items() if not name.startswith("_")}
    page = Page.open(chromium, "", ("about:", "blob:"))
    try:
        style, stand_in = f"<style>{front_file(STYLE)}</style>", f"<script>{_STAND_IN}</script>"
        page.page.set_content(f"{style}<div id='widget'></div>{stand_in}")
        page.page.evaluate(_RENDER, [esm, json.loads(json.dumps(traits, default=str))])
        page.shown(START_QUERY)
        assert_cli_picture(page, tmp_path, START)

        page.page.evaluate("model.calls = []")
        page.type("k", "2")
        calls = page.page.evaluate("model.calls")
        assert calls == [["set", "k", "2"], ["save_changes"]]
        page.field("t").check()
        assert page.page.evaluate("model.calls")[2:] == [["set", "t", True], ["save_changes"]]

        # The kernel's side answers: the widget takes the traits the front end set.
        widget.k, widget.t = "2", True
        page.page.evaluate(_SYNC, widget.get_state()["shown"])
        page.shown("k=2&s=2&p=1&t=1")
        assert_cli_picture(page, tmp_path, ("--k", "2", "--s", "2", "--p", "1", "-t"))
        widget.k = "0"
        page.page.evaluate(_SYNC, widget.get_state()["shown"])
        assert page.note("k").text_content() == REFUSED_K

        assert page.page.evaluate("model.listening()") > 0
        page.page.evaluate("cleanup()")
        assert page.page.evaluate("model.listening()") == 0, "the view's clean-up left listeners"
        page.assert_clean()
    finally:
        page.close()
