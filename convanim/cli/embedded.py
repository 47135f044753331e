"""The command line run in-process, for documentation tools: the same flags, rules and wording.

``gif_request`` parses ``convanim gif``'s flags (or ``convanim net``'s, for a network's
picture) into the library's ``Request`` (the Sphinx directives and the MkDocs fence then
draw it through the library), or gives the
command's one ``error:`` line; ``run`` calls a command as the shell would and returns what
it printed; ``command_flags`` lists a command's flags, for tools that spell them as their
own options.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import typer

from convanim.cli.commands import ParsedRequest, app
from convanim.cli.failures import Commands
from convanim.cli.flags import FLAGS

PROGRAM = "convanim"
ERROR_PREFIX = "error: "


@dataclass(frozen=True)
class CommandResult:
    """What a command printed: its output on success, its one-line error on failure.

    >>> run(["shape", "--k", "3", "--s", "2"]).output.splitlines()[0]
    'convolution: 5x5 -> 2x2'
    >>> run(["shape", "--k", "0"]).error
    '--k (axis 0): must be positive, got 0'
    """

    code: int  # the exit code: 0 on success, 2 for bad input
    output: str  # standard output
    error: str  # the error line without its "error: ", or "" on success

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass(frozen=True)
class Flag:
    """One flag of a command, named as typed without its dashes (``k``, ``no-labels``)."""

    name: str
    option: str  # what goes on the command line: the flag's first spelling ("--k" for --kernel)
    takes_value: bool  # False for switches such as --transposed or --no-labels


def gif_request(arguments: Sequence[str], command: str = "gif") -> ParsedRequest | CommandResult:
    """The request ``convanim gif *arguments`` makes (with its still frame), parsed and
    checked by the command line's own flags and rules, nothing written; or the refusal.
    ``command`` "net" parses a network's picture (``convanim net ... --view``) instead.
    A documentation tool writes its own files: ``-o`` is refused.

    >>> gif_request(["--k", "3", "--s", "2"]).request.sizes
    '5x5 -> 2x2'
    >>> gif_request(["--k", "3", "-o", "a.gif"]).error
    '-o: the page holds the animation: drop -o'
    >>> gif_request(["--preset", "wavenet"], "net").error
    '--view: the page holds a picture: give --view tree, layers or counts'
    """
    parsed = ParsedRequest()
    result = run([command, *arguments], parsed)
    if not result.ok:
        return result
    if parsed.request is None:  # the command printed its help, or a network's table
        if command == "net" and "--help" not in arguments:
            return CommandResult(
                2, "", "--view: the page holds a picture: give --view tree, layers or counts"
            )
        return CommandResult(2, "", "--help: the page holds the animation: give its flags")
    if parsed.out is not None:
        return CommandResult(2, "", f"{FLAGS['out']}: the page holds the animation: drop -o")
    return parsed


def run(argv: Sequence[str], context: object = None) -> CommandResult:
    """Run ``convanim *argv`` in this process, capturing what it prints; ``context`` is the
    command's context object (see ``gif_request``).

    Output and errors are caught here, not printed, whatever the command does.
    """
    output, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
        try:
            _group().main(args=list(argv), prog_name=PROGRAM, obj=context)
            code = 0
        except SystemExit as ended:  # Commands.main always ends this way
            code = ended.code if isinstance(ended.code, int) else int(bool(ended.code))
    message = errors.getvalue().strip()
    return CommandResult(code, output.getvalue(), message.removeprefix(ERROR_PREFIX))


def command_flags(command: str, leave_out: Sequence[str] = ()) -> dict[str, Flag]:
    """The long flags of ``command`` by name, in declaration order, without the parameters
    named in ``leave_out``; both spellings of a flag (``k``, ``kernel``) are listed.

    >>> flags = command_flags("gif")
    >>> flags["kernel"].option, flags["no-labels"].takes_value
    ('--k', False)
    """
    flags: dict[str, Flag] = {}
    for parameter in command_parameters(command):
        if parameter.name in leave_out:
            continue
        switch = bool(getattr(parameter, "is_flag", False))
        spellings = [(spelling, parameter.opts[0]) for spelling in parameter.opts]
        spellings += [(spelling, spelling) for spelling in parameter.secondary_opts]
        for spelling, option in spellings:
            if spelling.startswith("--"):
                name = spelling.removeprefix("--")
                flags[name] = Flag(name, option, not switch)
    return flags


def command_parameters(command: str) -> list[Any]:
    """The options of ``command`` (click's parameters: ``opts``, ``secondary_opts``, ``help``)."""
    return [p for p in _group().commands[command].params if p.param_type_name == "option"]


@functools.cache
def _group() -> Commands:
    """The program's click group, built once (typer builds it from every signature)."""
    group = typer.main.get_command(app)
    assert isinstance(group, Commands)
    return group
