"""The ``.. convanim::`` directive in real Sphinx builds: rendered once, cached, refused by line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SPHINX_BUILD = Path(sys.executable).parent / "sphinx-build"
CONF = 'extensions = ["convanim.integrations.sphinx"]\nproject = "test"\n'
CONV = "Convolution of a 3x3 input with kernel 2x2, stride 1, padding 0, giving a 2x2 output"
#: Two small animations, one a figure with its own alt text; lines 4 and 9 open them.
PAGE = """\
Animations
==========

.. convanim::
   :i: 3
   :k: 2
   :no-labels:

.. convanim::
   :i: 2
   :k: 2
   :s: 2
   :transposed:
   :view: scatter
   :values:
   :alt: Two stamps of a 2x2 kernel
   :caption: Stamps, *added up*.
"""
PARALLEL_PAGES = 6
COUNT = re.compile(r"convanim: rendered (\d+), cached (\d+)")


def write_project(folder: Path, page: str = PAGE) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "conf.py").write_text(CONF)
    (folder / "index.rst").write_text(page)
    return folder


def sphinx_build(source: Path, builder: str, *options: str) -> subprocess.CompletedProcess[str]:
    # -N: no colour codes in the log, whatever the terminal or CI environment says.
    command = [
        str(SPHINX_BUILD),
        "-N",
        "-b",
        builder,
        *options,
        str(source),
        str(source / "_build"),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def counts(done: subprocess.CompletedProcess[str]) -> tuple[int, int]:
    found = COUNT.search(done.stdout)
    assert found, done.stdout + done.stderr
    return int(found[1]), int(found[2])


@pytest.fixture(scope="module")
def html_project(tmp_path_factory):
    source = write_project(tmp_path_factory.mktemp("sphinx"))
    done = sphinx_build(source, "html", "-W")
    assert done.returncode == 0, done.stderr
    assert counts(done) == (2, 0)
    return source


def test_html_shows_each_animation_as_svg_with_alt_text(html_project):
    html = (html_project / "_build" / "index.html").read_text()
    images = re.findall(r'<img alt="([^"]*)" src="_images/([0-9a-f]+\.svg)" />', html)
    assert [alt for alt, _ in images] == [CONV, "Two stamps of a 2x2 kernel"]
    for _, name in images:
        svg = (html_project / "_build" / "_images" / name).read_text()
        assert svg.startswith("<svg") and "@keyframes" in svg
    first = (html_project / "_build" / "_images" / images[0][1]).read_text()
    assert f"<title>{CONV}</title>" in first
    assert "<text" not in first  # :no-labels: reached the command: no plane labels
    caption = re.search(r"<figcaption>\s*<p><span class=\"caption-text\">(.*?)</span>", html)
    assert caption and caption[1] == "Stamps, <em>added up</em>."


def test_rebuild_renders_nothing_unchanged_and_one_changed_directive(html_project):
    again = sphinx_build(html_project, "html", "-W", "-E")  # -E: every page read again
    assert again.returncode == 0, again.stderr
    assert counts(again) == (0, 2)
    page = html_project / "index.rst"
    page.write_text(page.read_text().replace(":view: scatter", ":view: canvas"))
    changed = sphinx_build(html_project, "html", "-W")
    assert changed.returncode == 0, changed.stderr
    assert counts(changed) == (1, 1)


def test_parallel_read_counts_the_renders_of_every_process(tmp_path):
    source = write_project(tmp_path / "docs")
    for size in range(2, PARALLEL_PAGES + 2):  # Sphinx reads in parallel from 6 changed pages
        page = f"Page {size}\n======\n\n.. convanim::\n   :i: {size}\n   :k: 2\n"
        (source / f"page{size}.rst").write_text(page)
    done = sphinx_build(source, "html", "-j", "2")
    assert done.returncode == 0, done.stderr
    assert re.search(r"reading sources\.\.\. \[ *\d+%\] \S+ \.\. ", done.stdout)  # in chunks
    assert counts(done) == (2 + PARALLEL_PAGES, 0)


def test_bad_option_is_a_warning_naming_line_and_flag(tmp_path):
    page = PAGE.replace(":k: 2\n   :no-labels:", ":k: 0\n   :no-labels:")
    source = write_project(tmp_path / "docs", page)
    done = sphinx_build(source, "html")
    assert done.returncode == 0, done.stderr
    warning = "index.rst:4: WARNING: convanim: --k (axis 0): must be positive, got 0"
    assert warning in done.stderr
    assert counts(done) == (1, 0)  # the good directive still renders
    strict = sphinx_build(source, "html", "-W", "-E")
    assert strict.returncode != 0
    assert "index.rst:4" in strict.stderr and "--k (axis 0): must be positive" in strict.stderr


def test_unknown_view_is_refused_in_the_command_lines_words(tmp_path):
    source = write_project(tmp_path / "docs", PAGE.replace(":view: scatter", ":view: stamps"))
    done = sphinx_build(source, "html")
    assert "index.rst:9: WARNING: convanim: Invalid value for '--view': 'stamps'" in done.stderr


def test_latex_includes_a_pdf_still_of_each_animation(tmp_path):
    source = write_project(tmp_path / "docs")
    done = sphinx_build(source, "latex", "-W")
    assert done.returncode == 0, done.stderr
    tex = next((source / "_build").glob("*.tex")).read_text()
    stills = re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{([0-9a-f]+)\}\.pdf\}", tex)
    assert len(stills) == 2
    for name in stills:
        assert (source / "_build" / f"{name}.pdf").read_bytes().startswith(b"%PDF-")


def test_command_line_imports_no_documentation_tool():
    code = (
        "import sys, convanim, convanim.cli, convanim.cli.embedded\n"
        "tools = ('sphinx', 'docutils', 'mkdocs', 'markdown', 'pymdownx')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in tools))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_directive_frame_shows_that_frame_alone_as_the_command_line_writes_it(tmp_path):
    """``:frame: N`` is frame N alone for HTML builders too: the bytes ``gif --frame N -o
    x.svg`` writes; as a GIF it is refused, as on the command line."""
    import subprocess
    import sys

    from convanim.cli.embedded import CommandResult
    from convanim.integrations.sphinx import render

    done = render({"k": "3", "s": "2", "frame": "2"}, "svg", tmp_path / "cache")
    assert not isinstance(done, CommandResult)
    still = tmp_path / "still.svg"
    command = ["gif", "--k", "3", "--s", "2", "--frame", "2", "-o", str(still)]
    subprocess.run([sys.executable, "-m", "convanim", *command], check=True, capture_output=True)
    assert done.stem.with_suffix(".svg").read_bytes() == still.read_bytes()
    refused = render({"k": "3", "frame": "2"}, "gif", tmp_path / "cache")
    assert isinstance(refused, CommandResult) and refused.error.startswith("-o: ")


def test_a_network_directive_draws_its_picture_and_refuses_a_table(tmp_path):
    """``.. convanim-net::`` takes convanim net's flags: a WaveNet-like tree as an SVG with
    the network's alt text; without --view there is no picture, and the warning says so."""
    page = """\
Networks
========

.. convanim-net::
   :layers: nn.Conv1d(1, 1, 2); nn.Conv1d(1, 1, 2, dilation=2)
   :i: 5
   :view: tree
   :cell: 0

.. convanim-net::
   :preset: wavenet
"""
    source = write_project(tmp_path / "docs", page)
    done = sphinx_build(source, "html")
    assert done.returncode == 0, done.stderr
    assert counts(done) == (1, 0)
    html = (source / "_build" / "index.html").read_text()
    (name,) = re.findall(r'src="_images/([0-9a-f]+\.svg)"', html)
    alt = "What output cell 0 of a network of 2 layers (input 5, output 2) sees, layer by layer"
    assert f'alt="{alt}"' in html
    assert (source / "_build" / "_images" / name).read_text().startswith("<svg")
    assert (
        "index.rst:10: WARNING: convanim: --view: the page holds a picture: give --view tree"
        ", layers or counts (in `convanim net --preset wavenet`)"
    ) in done.stderr
