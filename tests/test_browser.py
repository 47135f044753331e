"""The animated SVG in a real browser (Debian's Chromium, headless) against the raster frames.

Each SVG is written as users write it (``animate_to_file`` or the CLI), opened as the
page, every animation paused at the middle of frame i's time slot, and the screenshot
compared with frame i of ``render_animation`` with the same options:

- at each highlighted cell's projected centre the colours are equal, exactly (where a
  line or a number crosses the centre: at the nearest pixel clear of them);
- over the whole image the differences are anti-aliasing: small on average and thin,
  along lines, never an area.

Text is left out of the pixel comparison: Chromium draws DejaVu Sans, Pillow its own
default font. The planes' labels are turned off and the boxes of the printed numbers
masked. The file is also checked for what makes an SVG unsafe to embed, and the
reduced-motion still and the ``auto`` theme's two palettes are checked in the browser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from convanim.cli import app
from convanim.draw.frames import CellShape, Drawing, Label, Role, text_box
from convanim.draw.style import Style, Theme
from convanim.geometry import ConvSpec
from convanim.pipeline import DURATION, animate_to_file, drawing, render_animation
from convanim.story.board import still_index
from convanim.story.values import ValueSource

pytestmark = pytest.mark.browser

SVG = "{http://www.w3.org/2000/svg}"
SPEC = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
TRANSPOSED = ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True)
PLAIN = Style(labels=False)  # no plane labels: their font is the browser's, not Pillow's

# Tolerances, measured with Playwright 1.65 and Debian's Chromium 156 against Pillow 13 on
# every frame of the five cases below (all 61 frames; a frame's neighbours as the wrong frame).
#: Flat fills are painted in exactly the drawing's colours (Playwright forces the sRGB
#: profile, so nothing is colour-managed): all 610 probes of those frames differed by 0.
CENTRE_TOLERANCE = 0
#: A probe pixel's whole (2r+1)^2 neighbourhood has one colour in the raster frame, so no
#: edge, line or glyph lies within r pixels of it for anti-aliasing to reach.
CLEAR_RADIUS = 2
#: Pixels around a number's box that are left out too: the box is the layout's estimate
#: (no font is measured) and the browser's glyphs are not Pillow's.
TEXT_MARGIN = 2
#: A screenshot pixel is compared with the nearest colour among the raster pixels within
#: this many pixels: Pillow and Chromium place a line's pixels up to one pixel apart (a
#: 2-pixel outline at row y covers rows y and y + 1 in Pillow, y - 1 and y in an SVG).
NEIGHBOURHOOD = 1
#: Mean of that per-pixel difference (max over channels, 0-255) over the image, text left
#: out. Measured: 0.3 to 2.8 on the right frame (most on the oblique views' many slanted
#: edges), 3.1 to 11.1 on a neighbouring frame, about 190 in the other palette. Catches a
#: wrong colour anywhere; telling a neighbouring frame apart is the areas' job.
MEAN_TOLERANCE = 4.0
#: An area differs where a (2r+1)^2 square of pixels all differ from the raster frame by
#: more than AREA_COLOUR: anti-aliased lines are at most four pixels wide, a cell 28 or 44.
#: Measured: no such pixel on any right frame; 2494 or more on a neighbouring frame.
AREA_COLOUR = 32
AREA_RADIUS = 2
#: The reduced-motion check runs the real clock: short frames, so that a moving picture
#: changes quickly, and a still one is watched for longer than a whole cycle.
MOTION_FRAME_MS = 100
MOTION_TIMEOUT_MS = 3000  # how long a moving picture is given to change


@dataclass(frozen=True)
class Case:
    name: str
    spec: ConvSpec
    options: dict[str, Any]


CASES = [
    Case("canvas", SPEC, {"style": PLAIN}),
    Case("transposed", TRANSPOSED, {"style": PLAIN}),
    Case("scatter", TRANSPOSED, {"style": PLAIN, "view": "scatter"}),
    Case("flat values", SPEC, {"style": PLAIN, "view": "flat", "values": ValueSource(seed=0)}),
    Case("dark", SPEC, {"style": Style(theme="dark", labels=False)}),
]


# --- The file ---------------------------------------------------------------------------


def _local(name: str) -> str:
    """A tag or attribute name without its namespace."""
    return name.rpartition("}")[2]


def _assert_local_urls(text: str, where: str) -> None:
    for target in re.findall(r"url\(\s*['\"]?([^'\")\s]*)", text):
        assert target.startswith("#"), f"{where}: url({target}) points outside the document"


def assert_safe_svg(path: Path) -> None:
    """``path`` parses as an SVG document with no script, no foreign content, no event
    handler and no reference to anything outside itself."""
    text = path.read_text(encoding="utf-8")
    for banned in ("<!doctype", "<!entity", "@import", "javascript:"):
        assert banned not in text.lower(), f"{path.name} contains {banned}"
    root = ElementTree.fromstring(text)
    assert root.tag == f"{SVG}svg"
    for element in root.iter():
        tag = _local(element.tag)
        assert tag.lower() not in ("script", "foreignobject"), f"{path.name} has <{tag}>"
        for attribute, value in element.attrib.items():
            name = _local(attribute)
            assert not name.lower().startswith("on"), f"<{tag} {name}> handles an event"
            if name == "href":
                assert value.startswith("#"), f"<{tag} href={value!r}> is not a local #id"
            _assert_local_urls(value, f"<{tag} {name}>")
        _assert_local_urls(element.text or "", f"<{tag}> text")


UNSAFE = {
    "script": "<script>alert(1)</script>",
    "foreign object": "<foreignObject/>",
    "event handler": '<rect onclick="alert(1)"/>',
    "external href": '<use href="https://example.org/a.svg#b"/>',
    "external xlink:href": (
        '<use xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="other.svg#b"/>'
    ),
    "external url()": '<rect style="fill:url(https://example.org/p.svg#q)"/>',
    "external url() in CSS": "<style>.a{fill:url('p.svg#q')}</style>",
    "CSS import": '<style>@import "a.css";</style>',
    "not XML": "<g>",
}


@pytest.mark.parametrize("snippet", UNSAFE.values(), ids=UNSAFE.keys())
def test_the_safety_check_refuses_unsafe_svg(tmp_path, snippet):
    path = tmp_path / "unsafe.svg"
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg">{snippet}</svg>', encoding="utf-8")
    with pytest.raises((AssertionError, ElementTree.ParseError)):
        assert_safe_svg(path)


# --- Pictures ---------------------------------------------------------------------------


def _shifted(image: np.ndarray, dy: int, dx: int, fill: int) -> np.ndarray:
    """``image`` moved by (dy, dx) pixels, ``fill`` where it moved in from outside."""
    height, width = image.shape[:2]
    moved = np.full_like(image, fill)
    moved[max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = image[
        max(-dy, 0) : height - max(dy, 0), max(-dx, 0) : width - max(dx, 0)
    ]
    return moved


def _offsets(radius: int) -> list[tuple[int, int]]:
    return [(dy, dx) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)]


def _uniform(image: np.ndarray, radius: int) -> np.ndarray:
    """Pixels whose (2r+1)^2 neighbourhood, all inside the image, has their colour only."""
    image = image.astype(np.int32)  # room for the -1 that no colour equals
    same = [(_shifted(image, dy, dx, -1) == image).all(axis=-1) for dy, dx in _offsets(radius)]
    return np.logical_and.reduce(same)


def _everywhere(mask: np.ndarray, radius: int) -> np.ndarray:
    """Pixels whose whole (2r+1)^2 neighbourhood is in ``mask`` (an erosion)."""
    return np.logical_and.reduce([_shifted(mask, dy, dx, 0) for dy, dx in _offsets(radius)])


def text_mask(laid_out: Drawing, index: int, margin: int) -> np.ndarray:
    """The pixels of frame ``index`` within ``margin`` of a label's estimated box."""
    width, height = laid_out.size
    mask = np.zeros((height, width), dtype=bool)
    frame = laid_out.frames[index]
    for shape in (*laid_out.lower, *laid_out.upper, *frame.below, *frame.above):
        if isinstance(shape, Label):
            x0, y0, x1, y1 = text_box(shape) + np.array([-margin, -margin, margin, margin])
            mask[max(0, int(y0)) : int(np.ceil(y1)), max(0, int(x0)) : int(np.ceil(x1))] = True
    return mask


def _inside(corners: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The pixels a cell's quadrilateral covers."""
    from PIL import Image, ImageDraw

    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon([tuple(corner) for corner in corners], fill=1)
    return np.asarray(mask, dtype=bool)


def highlight_probes(laid_out: Drawing, index: int, raster: np.ndarray) -> list[tuple[int, int]]:
    """Per highlighted cell of frame ``index``: the pixel (x, y) nearest its projected centre
    that is inside the cell and clear of edges, lines and text in the raster frame."""
    frame = laid_out.frames[index]
    clear = _uniform(raster, CLEAR_RADIUS) & ~text_mask(laid_out, index, TEXT_MARGIN + CLEAR_RADIUS)
    rows, columns = np.indices(clear.shape)
    probes = []
    for shape in (*frame.below, *frame.above):
        if not (isinstance(shape, CellShape) and shape.role is Role.HIGHLIGHT):
            continue
        centre = shape.corners.mean(axis=0)
        candidates = clear & _inside(shape.corners, laid_out.size)
        assert candidates.any(), f"highlighted cell {shape.position} has no clear pixel"
        distance = np.hypot(columns + 0.5 - centre[0], rows + 0.5 - centre[1])
        y, x = np.unravel_index(np.argmin(np.where(candidates, distance, np.inf)), clear.shape)
        probes.append((int(x), int(y)))
    assert probes, f"frame {index} highlights nothing"
    return probes


def _difference(shot: np.ndarray, raster: np.ndarray, text: np.ndarray) -> tuple[float, int]:
    """Mean of each pixel's distance to the nearest raster colour within NEIGHBOURHOOD, and
    how many pixels lie in areas that differ (see AREA_COLOUR), text left out of both."""
    shot, raster = shot.astype(np.int32), raster.astype(np.int32)
    far = 256  # farther than any colour: pixels from outside the image never count as near
    nearest = np.minimum.reduce(
        [
            np.abs(shot - _shifted(raster, dy, dx, far)).max(axis=-1)
            for dy, dx in _offsets(NEIGHBOURHOOD)
        ]
    )
    plain = np.abs(shot - raster).max(axis=-1)
    areas = _everywhere((plain > AREA_COLOUR) & ~text, AREA_RADIUS)
    return float(nearest[~text].mean()), int(areas.sum())


def assert_same_picture(
    shot: np.ndarray, laid_out: Drawing, raster: np.ndarray, index: int, what: str
) -> None:
    """``shot`` is frame ``index`` of ``laid_out``, painted as ``raster``, but for anti-aliasing."""
    assert shot.shape == raster.shape, f"{what}: {shot.shape} px, the raster frame {raster.shape}"
    for x, y in highlight_probes(laid_out, index, raster):
        seen, painted = shot[y, x].tolist(), raster[y, x].tolist()
        assert max(abs(a - b) for a, b in zip(seen, painted)) <= CENTRE_TOLERANCE, (
            f"{what}: highlighted cell at pixel ({x}, {y}) is {tuple(seen)} in Chromium, "
            f"{tuple(painted)} in the raster frame"
        )
    mean, area = _difference(shot, raster, text_mask(laid_out, index, TEXT_MARGIN))
    assert mean < MEAN_TOLERANCE, f"{what}: mean difference {mean:.2f} >= {MEAN_TOLERANCE}"
    assert area == 0, f"{what}: {area} pixels in areas that differ from the raster frame"


def assert_other_picture(
    shot: np.ndarray, laid_out: Drawing, raster: np.ndarray, index: int
) -> None:
    """The comparison tells ``shot`` from another frame or palette: the tolerances are not loose."""
    mean, area = _difference(shot, raster, text_mask(laid_out, index, TEXT_MARGIN))
    assert mean >= MEAN_TOLERANCE or area > 0, "the comparison cannot tell this picture apart"


def frames_checked(count: int) -> list[int]:
    """First, second, the still, second to last and last."""
    return sorted({0, 1, still_index(count), count - 2, count - 1})


def middle_of_slot(index: int, duration: int) -> float:
    """Frame ``index`` is shown from ``index * duration`` for ``duration`` ms of each cycle."""
    return (index + 0.5) * duration


# --- In the browser ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_frame_in_chromium_is_the_raster_frame(chromium, tmp_path, case):
    written = animate_to_file(case.spec, tmp_path / "a.svg", **case.options)
    assert_safe_svg(written.path)
    laid_out, _ = drawing(case.spec, **case.options)
    frames, _ = render_animation(case.spec, **case.options)
    page = chromium.open(written.path, written.size)
    try:
        for index in frames_checked(written.frames):
            shot = page.at(middle_of_slot(index, written.duration))
            raster = np.asarray(frames[index])
            assert_same_picture(shot, laid_out, raster, index, f"{case.name}, frame {index}")
            neighbour = (index + 1) % written.frames
            assert_other_picture(shot, laid_out, np.asarray(frames[neighbour]), neighbour)
        assert page.requests == [page.url], "the page asked for more than its own file"
    finally:
        page.close()


def test_reduced_motion_shows_the_still_frame(chromium, tmp_path):
    written = animate_to_file(SPEC, tmp_path / "a.svg", duration=MOTION_FRAME_MS, style=PLAIN)
    cycle = written.frames * MOTION_FRAME_MS
    still = still_index(written.frames)
    laid_out, _ = drawing(SPEC, style=PLAIN)
    frames, _ = render_animation(SPEC, style=PLAIN)

    moving = chromium.open(written.path, written.size)
    try:  # the clock does run: without reduced motion the picture changes
        first = moving.screenshot()
        waited = 0
        while np.array_equal(first, moving.screenshot()):
            assert waited < MOTION_TIMEOUT_MS, "the animation does not move"
            moving.wait(MOTION_FRAME_MS)
            waited += MOTION_FRAME_MS
    finally:
        moving.close()

    page = chromium.open(written.path, written.size, reduced_motion="reduce")
    try:
        first = page.screenshot()
        page.wait(cycle + MOTION_FRAME_MS)  # every frame's slot has passed
        later = page.screenshot()
    finally:
        page.close()
    assert np.array_equal(first, later), "the reduced-motion picture moves"
    raster = np.asarray(frames[still])
    assert_same_picture(first, laid_out, raster, still, f"reduced motion, still frame {still}")


def _write_auto(path: Path, writer: str) -> None:
    """The light and dark palettes in one file, written by the API or the CLI."""
    if writer == "api":
        animate_to_file(SPEC, path, style=Style(theme="auto", labels=False))
        return
    size = [f"--{flag}={value}" for flag, value in (("i", 5), ("k", 3), ("s", 2), ("p", 1))]
    arguments = ["gif", *size, "--theme", "auto", "--no-labels", "-o", str(path)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("writer", ["api", "cli"])
@pytest.mark.parametrize("scheme", [Theme.LIGHT, Theme.DARK], ids=lambda theme: theme.value)
def test_theme_auto_follows_the_colour_scheme(chromium, tmp_path, scheme, writer):
    path = tmp_path / "auto.svg"
    _write_auto(path, writer)
    assert_safe_svg(path)
    style = Style(theme=scheme, labels=False)
    other = Style(theme=Theme.DARK if scheme is Theme.LIGHT else Theme.LIGHT, labels=False)
    laid_out, _ = drawing(SPEC, style=style)
    frames, _ = render_animation(SPEC, style=style)
    others, _ = render_animation(SPEC, style=other)
    page = chromium.open(path, laid_out.size, color_scheme=scheme.value)
    try:
        for index in (0, len(frames) - 1):
            shot = page.at(middle_of_slot(index, DURATION))
            what = f"theme auto, {scheme.value} scheme, frame {index}"
            assert_same_picture(shot, laid_out, np.asarray(frames[index]), index, what)
            assert_other_picture(shot, laid_out, np.asarray(others[index]), index)
    finally:
        page.close()
