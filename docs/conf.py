"""Sphinx configuration of convanim's documentation, and its two page-building directives.

``.. command-line-help::`` prints every command's ``--help``, read from the command
line itself at build time; ``.. guide-gallery::`` shows the guide's animations with
``.. convanim::``, from ``convanim.integrations.gallery.GUIDE_SPECS``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import convanim
from convanim.cli import app
from convanim.cli.embedded import PROGRAM
from convanim.geometry import ConvSpec
from convanim.integrations.gallery import GUIDE_SPECS
from convanim.text import compact, padding_text

# The documentation's own extensions (not shipped in the package): mathtext_svg.
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

project = "convanim"
author = "the convanim authors"
copyright = author  # Furo's footer: "Copyright © the convanim authors"
release = version = convanim.__version__
extensions = ["sphinx.ext.autodoc", "convanim.integrations.sphinx", "mathtext_svg"]
exclude_patterns = ["_build"]
html_theme = "furo"  # light and dark, following the reader's colour scheme by default
html_math_renderer = "mathtext_svg"  # formulas drawn at build time: nothing fetched
html_static_path = ["_static"]
html_css_files = ["gallery.css"]
autodoc_member_order = "bysource"

HELP_WIDTH = 88  # characters per line of the printed help, whatever the terminal


class CommandLineHelp(SphinxDirective):
    """Each command's help as ``convanim COMMAND --help`` prints it, without colours."""

    def run(self) -> list[nodes.Node]:
        group = typer.main.get_command(app)
        root = group.context_class(
            group, info_name=PROGRAM, terminal_width=HELP_WIDTH, max_content_width=HELP_WIDTH
        )
        sections: list[nodes.Node] = [self._help(group, root)]
        for name in group.list_commands(root):  # type: ignore[attr-defined]
            command = group.get_command(root, name)  # type: ignore[attr-defined]
            context = command.context_class(command, info_name=name, parent=root)
            section = nodes.section(ids=[f"command-{name}"], names=[f"{PROGRAM} {name}"])
            section += nodes.title(text=f"{PROGRAM} {name}")
            section += self._help(command, context)
            sections.append(section)
        return sections

    @staticmethod
    def _help(command: Any, context: Any) -> nodes.literal_block:
        command.rich_markup_mode = None  # click's plain text: no boxes, no colour codes
        text = command.get_help(context)
        return nodes.literal_block(text, text, language="text")


def gallery_options(spec: ConvSpec) -> list[str]:
    """The directive options that draw ``spec``, as the gallery shows it: no labels, in
    the reader's light or dark colours.

    >>> gallery_options(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1))
    [':i: 5', ':k: 3', ':s: 2', ':p: 1', ':no-labels:', ':theme: auto']
    """
    options = [f":i: {compact(spec.input_size)}", f":k: {compact(spec.kernel)}"]
    if set(spec.stride) != {1}:
        options.append(f":s: {compact(spec.stride)}")
    if any(side for pair in spec.padding for side in pair):
        options.append(f":p: {padding_text(spec.padding)}")
    if set(spec.dilation) != {1}:
        options.append(f":d: {compact(spec.dilation)}")
    if any(spec.output_padding):
        options.append(f":op: {compact(spec.output_padding)}")
    if spec.transposed:
        options.append(":transposed:")
    return [*options, ":no-labels:", ":theme: auto"]


class GuideGallery(SphinxDirective):
    """The guide's animations, each a ``.. convanim::`` figure captioned with its name."""

    def run(self) -> list[nodes.Node]:
        lines = []
        for name, spec in GUIDE_SPECS.items():
            options = [*gallery_options(spec), f":caption: ``{name}``"]
            lines += [".. convanim::", *(f"   {option}" for option in options), ""]
        gallery = nodes.container(classes=["gallery"])
        source, _ = self.get_source_info()
        # Every generated line is attributed to this directive's line, for warnings.
        generated = StringList(lines, items=[(source, self.lineno - 1)] * len(lines))
        self.state.nested_parse(generated, self.lineno - 1, gallery)
        return [gallery]


def setup(app: Sphinx) -> None:
    app.add_directive("command-line-help", CommandLineHelp)
    app.add_directive("guide-gallery", GuideGallery)
