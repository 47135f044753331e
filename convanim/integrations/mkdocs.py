"""A ```` ```convanim ```` fence for MkDocs: its body is ``convanim gif``'s flags, the page gets
the animated SVG inline.

It is a custom fence of pymdownx.superfences, so any Python-Markdown site can use it.
In ``mkdocs.yml``::

    markdown_extensions:
      - pymdownx.superfences:
          custom_fences:
            - name: convanim
              class: convanim
              validator: !!python/name:convanim.integrations.mkdocs.validator
              format: !!python/name:convanim.integrations.mkdocs.fence

        - convanim.integrations.mkdocs

The last line is optional: it refuses a fence header superfences would not read (an
option without a quoted value, ``alt=``), which would otherwise leave the fence as
text and swallow the next one.

In a page (``caption`` and ``alt`` are optional; the SVG's own label comes from the spec)::

    ```convanim caption="Each input cell stamps the kernel onto the output"
    --k 3 --s 2 --p 1 -t --view scatter
    ```

A body that starts with ``net`` takes ``convanim net``'s flags instead, and shows a
network's picture (``net --preset wavenet --view tree``); one that starts with
``explore`` takes ``convanim explore --html``'s and embeds the static explorer of the
listed values (``explore --k 2,3,4 --s 1,2 --p 0:2``).

The flags are parsed by the command line's own flags into the library's request, so
they mean, and are refused, exactly as there; ``-o`` is refused, as the fence puts the animation in the page. A refused fence logs the command's ``error:`` line as a MkDocs warning, which
``mkdocs build --strict`` turns into a failed build, and shows it on the page.
"""

from __future__ import annotations

import logging
import shlex
from html import escape
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from pymdownx.superfences import RE_NESTED_FENCE_START

from convanim.cli.embedded import PROGRAM, CommandResult, gif_request
from convanim.cli.flags import FLAGS
from convanim.errors import ConvanimError
from convanim.integrations.explorer.state import ARGUMENTS, read_arguments
from convanim.integrations.explorer.static import embedded_page

COMMAND = "gif"
NETWORK_COMMAND = "net"  # a body starting with it takes convanim net's flags
EXPLORER_COMMAND = "explore"  # and with it, convanim explore --html's: the static explorer
HEADER_OPTIONS = ("caption", "alt")
#: The option a header superfences would not read becomes: the fence shows the refusal.
_UNREAD = "convanim_unread"
#: Under "mkdocs", where ``mkdocs build --strict`` counts warnings.
logger = logging.getLogger("mkdocs.plugins.convanim")


def validator(
    language: str, inputs: dict[str, str], options: dict[str, str], attrs: Any, md: Any
) -> bool:
    """Take the fence header's ``caption`` and ``alt``; warn about any other option."""
    for name, value in inputs.items():
        if name in (*HEADER_OPTIONS, _UNREAD):
            options[name] = value
        else:
            known = " and ".join(HEADER_OPTIONS)
            logger.warning("convanim: unknown fence option %r (the fence takes %s)", name, known)
    return True


def fence(
    source: str, language: str, class_name: str, options: dict[str, str], md: Any, **kwargs: Any
) -> str:
    """The HTML of one fence: a figure holding the animated SVG that ``convanim gif`` draws
    from the flags in ``source``, or the command's error.

    >>> html = fence("--k 3 --s 2 --p 1", "convanim", "convanim", {"caption": "Stride 2"}, None)
    >>> html.startswith('<figure class="convanim"><svg'), "<figcaption>Stride 2</figcaption>" in html
    (True, True)
    """
    if _UNREAD in options:
        rule = f'the fence options {options[_UNREAD]} are not read: quote each value, alt="..."'
        return _refuse(source, rule)
    try:
        arguments = shlex.split(source)
    except ValueError as error:  # an unclosed quote
        return _refuse(source, str(error))
    if arguments[:1] == [EXPLORER_COMMAND]:  # the static explorer of the listed values
        return _explorer(source, arguments[1:])
    command = COMMAND
    if arguments[:1] == [NETWORK_COMMAND]:  # a network's picture: convanim net's flags
        command, arguments = NETWORK_COMMAND, arguments[1:]
    parsed = gif_request(arguments, command)
    if isinstance(parsed, CommandResult):
        return _refuse(source, parsed.error)
    assert parsed.request is not None
    try:
        svg = parsed.request.svg(parsed.frame)[0].strip()
    except ConvanimError as error:  # what only drawing finds: a budget
        return _refuse(source, error.message(FLAGS))
    if "alt" in options:  # an img role's own label overrides what it holds
        svg = f'<div role="img" aria-label="{escape(options["alt"])}">{svg}</div>'
    caption = options.get("caption")
    figcaption = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="{escape(class_name)}">{svg}{figcaption}</figure>'


def _explorer(source: str, arguments: list[str]) -> str:
    """The static explorer of ``convanim explore --html``'s flags (``--net`` first for a
    network's), as an iframe that carries the page."""
    network = arguments[:1] == ["--net"]
    try:
        flags = read_arguments(arguments[network:], network, listed=True)
        return embedded_page(flags, network)
    except ConvanimError as error:
        return _refuse(source, error.renamed(ARGUMENTS).message(FLAGS))


def _refuse(source: str, error: str) -> str:
    words = source.split()
    own = (NETWORK_COMMAND, EXPLORER_COMMAND)
    typed = words if words[:1] and words[0] in own else [COMMAND, *words]
    command = " ".join([PROGRAM, *typed])
    logger.warning("convanim: %s (in the fence `%s`)", error, command)
    return f'<pre class="convanim-error">{escape(command)}\nerror: {escape(error)}</pre>'


class _UnreadHeaders(Preprocessor):
    """Turns a convanim fence header superfences would not read into one that it reads and
    ``fence`` refuses, so the fence is not left as text swallowing the next one."""

    def run(self, lines: list[str]) -> list[str]:
        return [self._readable(line) for line in lines]

    @staticmethod
    def _readable(line: str) -> str:
        prefix = len(line) - len(line.lstrip(" \t>"))  # indentation and block quotes
        header = RE_NESTED_FENCE_START.match(line, prefix)
        if header is None or header["lang"] != "convanim" or not header["unrecognized"]:
            return line
        unread = header["unrecognized"].strip().replace('"', "'")
        return f'{line[: header.end("lang")]} {_UNREAD}="{unread}"'


class UnreadHeaderExtension(Extension):
    """The ``convanim.integrations.mkdocs`` Markdown extension (see the module docstring)."""

    def extendMarkdown(self, md: Markdown) -> None:
        # Before superfences' fences (priority 25), after whitespace is normalised (30).
        md.preprocessors.register(_UnreadHeaders(md), "convanim_unread_headers", 28)


def makeExtension(**kwargs: Any) -> UnreadHeaderExtension:
    """Python-Markdown's entry point for ``- convanim.integrations.mkdocs`` in ``markdown_extensions``."""
    return UnreadHeaderExtension(**kwargs)
