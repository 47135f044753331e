"""The documentation site as its readers see it: built once, opened from file:// in
Debian's Chromium (headless, driven by Playwright) in the light and the dark colour scheme.

On every page of ``PAGES``: the formulas are drawn (no raw TeX delimiters in the text) in
the colour of the text, nothing is asked for outside file://, the page is light or dark
as the scheme asks and so are its animations, and nothing overflows the page sideways on a
wide screen or a phone's. To check another page, add its name to ``PAGES``. Screenshots are
saved in each test's tmp_path, to be looked at.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import browser
import numpy as np
import pytest

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: The pages checked, by their document names (``docs/NAME.rst``, built as ``NAME.html``).
PAGES = ("index", "adjoint", "explorer")
SCHEMES = ("light", "dark")
WIDE = (1280, 800)  # a laptop's viewport (width, height) in CSS pixels
NARROW = (390, 844)  # a phone's (an iPhone 12 to 15)
LOCAL = "file:"  # every request stays on the reader's disk
RAW_DELIMITERS = ("\\(", "\\)", "\\[", "\\]")  # TeX that no renderer replaced

# Luma (Rec. 709 weights on sRGB values, 0 black to 1 white) of what the reader sees.
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])
#: A page or a picture reads as light above this median luma, as dark below DARK_BELOW
#: (Furo's backgrounds: white, and #131416 at 0.08; the pictures' palettes alike).
LIGHT_ABOVE = 0.7
DARK_BELOW = 0.3
#: A formula's darkest pixel on a light page (its brightest on a dark one) is at least
#: this far from the page's median luma: the glyphs are painted, in the text's contrast.
INK_CONTRAST = 0.5

#: Each formula's SVG and each picture: its box in page coordinates and its computed fill.
_BOXES = """selector => Array.from(document.querySelectorAll(selector), element => {
    const box = element.getBoundingClientRect();
    return {
        label: element.getAttribute("aria-label") || element.getAttribute("alt") || "",
        x: box.left + window.scrollX, y: box.top + window.scrollY,
        width: box.width, height: box.height,
        fill: getComputedStyle(element).fill,
    };
})"""
FORMULAS = ".math svg"
PICTURES = "figure img"
#: Elements that scroll sideways but are no code block (a ``pre`` may scroll inside itself):
#: Furo's content column scrolls rather than widen the page when something overflows it.
_SIDEWAYS_SCROLLERS = """() => Array.from(document.querySelectorAll("body *"))
    .filter(element => element.tagName !== "PRE")
    .filter(element => ["auto", "scroll"].includes(getComputedStyle(element).overflowX))
    .filter(element => element.scrollWidth > element.clientWidth)
    .map(element => `${element.tagName}.${element.className}: ${element.scrollWidth} px`)"""
_ALL_IMAGES_LOADED = "Array.from(document.images).every(image => image.complete)"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML site, built once as scripts/test.sh builds it: any warning fails it."""
    output = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    built = subprocess.run(
        [*command, str(DOCS), str(output)], capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, f"sphinx-build failed:\n{built.stderr}"
    return output


def _open(
    chromium: browser.Chromium, site: Path, page: str, scheme: str, size: tuple[int, int]
) -> browser.SvgPage:
    """``page`` of the site in a viewport of ``size``, once its images have loaded."""
    opened = chromium.open(site / f"{page}.html", size, color_scheme=scheme)
    try:
        opened.page.wait_for_function(_ALL_IMAGES_LOADED)
    except BaseException:
        opened.close()
        raise
    return opened


def _luma(pixels: np.ndarray) -> np.ndarray:
    """The luma of RGB pixels (uint8, last axis the channels), 0 to 1."""
    return pixels @ LUMA_WEIGHTS / 255


def _css_luma(colour: str) -> float:
    """The luma of a computed CSS colour, ``rgb(r, g, b)``."""
    channels = colour.removeprefix("rgb(").removesuffix(")").split(",")
    return float(_luma(np.array([float(channel) for channel in channels])))


def _crop(screenshot: np.ndarray, box: dict[str, Any]) -> np.ndarray:
    """The pixels of ``box`` (page coordinates) in a full-page screenshot."""
    left, top = round(box["x"]), round(box["y"])
    return screenshot[top : top + round(box["height"]), left : left + round(box["width"])]


def _full_page(opened: browser.SvgPage, path: Path) -> np.ndarray:
    """The whole page, saved at ``path`` and returned as an (height, width, 3) RGB array."""
    from PIL import Image

    opened.page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("page", PAGES)
def test_page_reads_in_its_colour_scheme(site, chromium, tmp_path, page, scheme):
    opened = _open(chromium, site, page, scheme, WIDE)
    try:
        text = opened.page.evaluate("document.body.innerText")
        raw = [delimiter for delimiter in RAW_DELIMITERS if delimiter in text]
        assert not raw, f"{page}: raw TeX {raw} in the text: a formula was not drawn"
        outside = [url for url in opened.requests if not url.startswith(LOCAL)]
        assert not outside, f"{page} asked for {outside}"

        screenshot = _full_page(opened, tmp_path / f"{page}-{scheme}.png")
        background = float(np.median(_luma(screenshot)))
        light = scheme == "light"
        if light:
            assert background > LIGHT_ABOVE, f"{page} in light mode: median luma {background}"
        else:
            assert background < DARK_BELOW, f"{page} in dark mode: median luma {background}"

        for formula in opened.page.evaluate(_BOXES, FORMULAS):
            where = f"{page} ({scheme}): formula {formula['label']!r}"
            assert formula["width"] > 0 and formula["height"] > 0, f"{where} has no size"
            fill = _css_luma(formula["fill"])
            assert (fill < DARK_BELOW) if light else (fill > LIGHT_ABOVE), f"{where}: fill {fill}"
            ink = _luma(_crop(screenshot, formula))
            contrast = background - ink.min() if light else ink.max() - background
            assert contrast > INK_CONTRAST, f"{where} is not painted: contrast {contrast}"

        for picture in opened.page.evaluate(_BOXES, PICTURES):
            where = f"{page} ({scheme}): picture {picture['label']!r}"
            shade = float(np.median(_luma(_crop(screenshot, picture))))
            assert (shade > LIGHT_ABOVE) if light else (shade < DARK_BELOW), f"{where}: {shade}"
    finally:
        opened.close()


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["wide", "narrow"])
@pytest.mark.parametrize("page", PAGES)
def test_page_does_not_overflow_sideways(site, chromium, tmp_path, page, size):
    """A code block may scroll inside itself; the page, and its content column, must not."""
    opened = _open(chromium, site, page, "light", size)
    try:
        opened.page.screenshot(path=str(tmp_path / f"{page}-{size[0]}px.png"), full_page=True)
        content = opened.page.evaluate("document.documentElement.scrollWidth")
        viewport = opened.page.evaluate("window.innerWidth")
        assert content <= viewport, f"{page} is {content} px wide in a {viewport} px viewport"
        scrollers = opened.page.evaluate(_SIDEWAYS_SCROLLERS)
        assert not scrollers, f"{page} scrolls sideways in a {viewport} px viewport: {scrollers}"
    finally:
        opened.close()
