"""The ``.. convanim::`` directive for Sphinx: an animation rendered at build time by ``convanim gif``.

In ``conf.py``, ``extensions = ["convanim.integrations.sphinx"]``; in a page::

    .. convanim::
       :k: 3
       :s: 2
       :p: 1
       :transposed:
       :view: scatter
       :caption: Each input cell stamps the kernel onto the output.

The options are the flags of ``convanim gif`` without their dashes (``:transposed:``,
``:values:`` and ``:no-labels:`` take no value), parsed by the command line's own flags
into the library's request, so they mean, and are refused, exactly as there. Besides them: ``:format: svg|gif``
(svg by default), ``:alt:`` (by default a sentence from the spec) and ``:caption:``,
which makes a figure. ``.. convanim-net::`` takes ``convanim net``'s flags for a
network's picture (``:preset: wavenet``, ``:view: tree``, ``:cell: 15``), and
``.. convanim-explorer::`` embeds the static explorer of listed values (``:k: 2,3,4``,
``:p: 0:2``), as ``convanim explore --html`` writes it. HTML
builders show the animation, LaTeX builders a PDF still of
its middle frame (``:frame: N`` shows frame N alone, in both; theme auto, which follows
the reader's screen, is light on paper). Files are cached in the build tree under a
hash of convanim's version, the flags and the format, so an unchanged directive is not
rendered again; the build log counts them ("convanim: rendered 2, cached 13").
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from convanim import __version__
from convanim.cli.embedded import PROGRAM, CommandResult, Flag, command_flags, gif_request
from convanim.cli.flags import FLAGS
from convanim.errors import ConvanimError
from convanim.integrations import explorer
from convanim.integrations.explorer.page import FRONT, MODULE, STYLE
from convanim.integrations.explorer.state import CONTROLS
from convanim.integrations.explorer.static import FRAME_HEIGHT, embedded_page
from convanim.render.encode.files import write_bytes

COMMAND = "gif"
#: Flags of ``convanim gif`` the directive sets itself, or that only print.
LEFT_OUT = ("out", "markdown", "html")
FORMATS = ("svg", "gif")  # what HTML builders show
STILL = "pdf"  # what LaTeX builders include: one frame, as vectors
CACHE_FOLDER = "convanim"  # in the doctree folder, beside Sphinx's own cache
DIGEST_CHARACTERS = 16  # of the sha256 that names a render: 64 bits
ALT_SUFFIX = "-alt.txt"  # no dot after the digest, so ``digest.*`` never matches it
COUNTS_ATTRIBUTE = "convanim_render_counts"  # on the build environment

GIF_FLAGS = command_flags(COMMAND, leave_out=LEFT_OUT)
NETWORK_COMMAND = "net"
#: Flags of ``convanim net`` the ``convanim-net`` directive takes: those of its pictures.
NETWORK_LEFT_OUT = ("out", "as_json", "from_input", "model")
NETWORK_FLAGS = command_flags(NETWORK_COMMAND, leave_out=NETWORK_LEFT_OUT)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderCount:
    """How many directives of a build were rendered, and how many found in the cache."""

    rendered: int = 0
    cached: int = 0

    def __add__(self, other: RenderCount) -> RenderCount:
        return RenderCount(self.rendered + other.rendered, self.cached + other.cached)


@dataclass(frozen=True)
class Render:
    """The files of one directive: ``stem`` plus ``.svg`` or ``.gif``, and ``.pdf``."""

    stem: Path
    alt: str
    fresh: bool  # rendered by this build, not found in the cache


def gif_arguments(options: dict[str, Any], command: str = COMMAND) -> list[str]:
    """The ``convanim gif`` (or ``net``) arguments of a directive's options, in the
    command's own order.

    >>> gif_arguments({"transposed": None, "k": "3", "caption": "Stamps"})
    ['gif', '--k', '3', '-t']
    """
    arguments = [command]
    flags = NETWORK_FLAGS if command == NETWORK_COMMAND else GIF_FLAGS
    for name, flag in flags.items():
        if name in options:
            arguments += [flag.option, options[name]] if flag.takes_value else [flag.option]
    return arguments


def render(
    options: dict[str, Any], file_format: str, folder: Path, command: str = COMMAND
) -> Render | CommandResult:
    """The animation and the still a directive's ``options`` describe, in ``folder``,
    rendered unless cached; the command line's refusal when the options are refused.

    The options are parsed by ``convanim gif``'s own flags into a request, which the
    library draws: the still at ``:frame:``, else at the frame that stands for the
    animation; theme auto, which follows the reader's screen, is light on paper.
    """
    arguments = gif_arguments(options, command)
    key = json.dumps([__version__, arguments, file_format])
    stem = folder / hashlib.sha256(key.encode()).hexdigest()[:DIGEST_CHARACTERS]
    alt_file = stem.with_name(stem.name + ALT_SUFFIX)
    files = [stem.with_suffix(f".{file_format}"), stem.with_suffix(f".{STILL}"), alt_file]
    if all(path.is_file() for path in files):
        return Render(stem, alt_file.read_text(encoding="utf-8"), fresh=False)
    parsed = gif_request(arguments[1:], command)
    if isinstance(parsed, CommandResult):
        return parsed
    assert parsed.request is not None
    try:
        if parsed.frame is None:
            parsed.request.write(files[0])
        else:  # frame N alone, as the command line writes it (a .gif still is refused)
            parsed.request.write_still(files[0], parsed.frame)
        parsed.request.still().write_still(files[1], parsed.frame)
    except ConvanimError as error:  # what only drawing finds: a budget, a frame number
        return CommandResult(2, "", error.message(FLAGS))
    alt = parsed.request.title
    write_bytes(alt.encode(), alt_file)  # last: the cache is complete once it exists
    return Render(stem, alt, fresh=True)


def _format(argument: str) -> str:
    return directives.choice(argument, FORMATS)


def _options(flags: dict[str, Flag]) -> dict[str, Callable[[str], Any]]:
    """A directive's options: the command's flags, then format, alt and caption."""
    return {
        **{
            name: directives.unchanged_required if flag.takes_value else directives.flag
            for name, flag in flags.items()
        },
        "format": _format,
        "alt": directives.unchanged_required,
        "caption": directives.unchanged_required,
    }


class ConvanimDirective(SphinxDirective):
    """``.. convanim::`` with the flags of ``convanim gif`` as options."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = _options(GIF_FLAGS)
    command: ClassVar[str] = COMMAND

    def run(self) -> list[nodes.Node]:
        folder = Path(self.env.doctreedir) / CACHE_FOLDER
        file_format = self.options.get("format", FORMATS[0])
        result = render(self.options, file_format, folder, self.command)
        if isinstance(result, CommandResult):
            logger.warning(
                "convanim: %s (in `%s`)",
                result.error,
                shlex.join([PROGRAM, *gif_arguments(self.options, self.command)]),
                location=self.get_location(),
                type="convanim",
                subtype="options",
            )
            return []
        counts, page = _counts(self.env), self.env.docname
        one = RenderCount(rendered=1) if result.fresh else RenderCount(cached=1)
        counts[page] = counts.get(page, RenderCount()) + one
        # A path from the source folder; ".*" lets each builder take its format.
        relative = Path(os.path.relpath(result.stem, self.env.srcdir)).as_posix()
        image = nodes.image(uri=f"/{relative}.*", alt=self.options.get("alt", result.alt))
        self.set_source_info(image)
        if "caption" not in self.options:
            return [image]
        text, messages = self.state.inline_text(self.options["caption"], self.lineno)
        figure = nodes.figure("", image, nodes.caption(self.options["caption"], "", *text))
        self.set_source_info(figure)
        return [figure, *messages]


class ConvanimNetDirective(ConvanimDirective):
    """``.. convanim-net::`` with the flags of ``convanim net``'s pictures as options."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = _options(NETWORK_FLAGS)
    command: ClassVar[str] = NETWORK_COMMAND


class ConvanimExplorerDirective(SphinxDirective):
    """``.. convanim-explorer::``: the static explorer in the page, its options the flags of
    ``convanim explore --html`` without dashes, each a list (``:k: 2,3,4``) or a range
    (``:p: 0:2``); ``:net:`` for a network's, ``:height:`` in pixels."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        **{control.key: directives.unchanged for listed in CONTROLS.values() for control in listed},
        "net": directives.flag,
        "height": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        options = dict(self.options)
        network = "net" in options
        options.pop("net", None)
        height = options.pop("height", FRAME_HEIGHT)
        flags = {key: True if value is None else value for key, value in options.items()}
        for name in (MODULE, STYLE):  # a changed front end is embedded again
            self.env.note_dependency(str(resources.files(explorer).joinpath(f"{FRONT}/{name}")))
        try:
            html = embedded_page(flags, network, height)
        except ConvanimError as error:
            words = [PROGRAM, "explore", "--html", "page.html"]
            words += ["--net"] if network else []
            for key, value in flags.items():
                words += [f"--{key}"] + ([] if value is True else [str(value)])
            logger.warning(
                "convanim: %s (in `%s`)",
                error.message({key: f"--{key}" for key in flags}),
                shlex.join(words),
                location=self.get_location(),
                type="convanim",
                subtype="options",
            )
            return []
        return [nodes.raw("", html, format="html")]


def _counts(env: BuildEnvironment) -> dict[str, RenderCount]:
    """This build's counts by page: a parallel read merges the pages each process read."""
    counts = getattr(env, COUNTS_ATTRIBUTE, None)
    if counts is None:
        counts = {}
        setattr(env, COUNTS_ATTRIBUTE, counts)
    assert isinstance(counts, dict)
    return counts


def _reset_counts(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    setattr(env, COUNTS_ATTRIBUTE, {})


def _merge_counts(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    theirs = _counts(other)
    _counts(env).update((page, theirs[page]) for page in docnames if page in theirs)


def _report_counts(app: Sphinx, exception: Exception | None) -> None:
    if exception is None:
        total = sum(_counts(app.env).values(), RenderCount())
        logger.info("convanim: rendered %d, cached %d", total.rendered, total.cached)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive (Sphinx calls this for ``extensions = ["convanim.integrations.sphinx"]``)."""
    app.add_directive("convanim", ConvanimDirective)
    app.add_directive("convanim-net", ConvanimNetDirective)
    app.add_directive("convanim-explorer", ConvanimExplorerDirective)
    app.connect("env-before-read-docs", _reset_counts)
    app.connect("env-merge-info", _merge_counts)
    app.connect("build-finished", _report_counts)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
