"""Animated SVG from the same drawing: safe to embed, timed like the GIF, text as text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest
from typer.testing import CliRunner

from convanim.animation import animate_to_file, drawing
from convanim.cli import app
from convanim.drawing import Label
from convanim.geometry import ConvSpec
from convanim.storyboard import View
from convanim.values import ValueSource

SVG = "{http://www.w3.org/2000/svg}"
SPEC = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)


def frame_groups(root: ElementTree.Element) -> list[ElementTree.Element]:
    return [g for g in root.iter(f"{SVG}g") if "f" in g.get("class", "").split()]


@pytest.mark.parametrize("view", [View.CANVAS, View.FLAT])
def test_svg_is_safe_xml_with_one_timed_group_per_frame_part(tmp_path, view):
    path = tmp_path / "a.svg"
    result = animate_to_file(SPEC, path, view=view, duration=700, values=ValueSource())
    text = path.read_text()
    root = ElementTree.fromstring(text)
    assert root.tag == f"{SVG}svg"
    for banned in ("<script", "foreignObject", "href=", "url(", "@import"):
        assert banned not in text
    groups = frame_groups(root)
    assert len(groups) == 2 * result.frames  # below and above the upper plane, per frame
    delays = sorted({int(re.search(r"animation-delay:(\d+)ms", g.get("style"))[1]) for g in groups})
    assert delays == [700 * index for index in range(result.frames)]
    assert f"animation:slot {700 * result.frames}ms step-end infinite" in text
    still = [g for g in groups if "still" in g.get("class")]
    assert len(still) == 2  # the reduced-motion frame, both its parts
    assert "prefers-reduced-motion" in text


def test_svg_text_is_the_drawings_text(tmp_path):
    """Every number and label the drawing prints is real text in the SVG, frame by frame."""
    path = tmp_path / "a.svg"
    animate_to_file(SPEC, path, values=ValueSource())
    root = ElementTree.fromstring(path.read_text())
    laid_out, _ = drawing(SPEC, values=ValueSource())
    groups = frame_groups(root)
    for index in range(len(laid_out.frames)):
        frame = laid_out.frames[index]
        expected = sorted(s.text for s in frame.below if isinstance(s, Label))
        shown = sorted(t.text for t in groups[index].iter(f"{SVG}text"))
        assert shown == expected


def test_svg_bytes_are_reproducible_and_transparent_has_no_page(tmp_path):
    first = animate_to_file(SPEC, tmp_path / "a.svg")
    second = animate_to_file(SPEC, tmp_path / "b.svg")
    assert first.path.read_bytes() == second.path.read_bytes()
    clear = animate_to_file(SPEC, tmp_path / "c.svg", transparent=True)
    root = ElementTree.fromstring(clear.path.read_text())
    assert not [r for r in root.iter(f"{SVG}rect")]
    assert [r for r in ElementTree.fromstring(first.path.read_text()).iter(f"{SVG}rect")]


def test_cli_writes_svg(tmp_path):
    out = tmp_path / "x.svg"
    result = CliRunner().invoke(app, ["gif", "--k", "3", "--s", "2", "--p", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: 9 frames, 404x444 px, ")
    assert "<title>Convolution of a 5x5 input" in out.read_text()
