"""The command line run in-process, for documentation tools: the same flags, rules and wording.

``run`` calls a command as the shell would and returns what it printed, or its one
``error:`` line; ``command_flags`` lists a command's flags, for tools that spell them
as their own options (the Sphinx directive, the MkDocs fence), and ``typed_parameters``
says which flags a command line sets.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import typer

from convanim.cli.commands import app
from convanim.cli.flags import Commands

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


def run(argv: Sequence[str]) -> CommandResult:
    """Run ``convanim *argv`` in this process, capturing what it prints.

    Output and errors are caught here, not printed, whatever the command does.
    """
    output, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
        try:
            _group().main(args=list(argv), prog_name=PROGRAM)
            code = 0
        except SystemExit as ended:  # Commands.main always ends this way
            code = ended.code if isinstance(ended.code, int) else int(bool(ended.code))
    message = errors.getvalue().strip()
    return CommandResult(code, output.getvalue(), message.removeprefix(ERROR_PREFIX))


def typed_parameters(argv: Sequence[str]) -> frozenset[str]:
    """The parameters ``convanim *argv`` sets on its command line, parsed and not run (as far
    as the flags parse: the run itself refuses the rest).

    >>> sorted(typed_parameters(["gif", "--k", "3", "-o", "a.svg"]))
    ['kernel', 'out']
    """
    command = _group().commands.get(argv[0]) if argv else None
    if command is None:
        return frozenset()
    context = command.make_context(argv[0], list(argv[1:]), resilient_parsing=True)
    return frozenset(
        name
        for name in context.params
        if getattr(context.get_parameter_source(name), "name", None) == "COMMANDLINE"
    )


def command_flags(command: str, leave_out: Sequence[str] = ()) -> dict[str, Flag]:
    """The long flags of ``command`` by name, in declaration order, without the parameters
    named in ``leave_out``; both spellings of a flag (``k``, ``kernel``) are listed.

    >>> flags = command_flags("gif")
    >>> flags["kernel"].option, flags["no-labels"].takes_value
    ('--k', False)
    """
    flags: dict[str, Flag] = {}
    for parameter in _group().commands[command].params:
        if parameter.param_type_name != "option" or parameter.name in leave_out:
            continue
        switch = bool(getattr(parameter, "is_flag", False))
        spellings = [(spelling, parameter.opts[0]) for spelling in parameter.opts]
        spellings += [(spelling, spelling) for spelling in parameter.secondary_opts]
        for spelling, option in spellings:
            if spelling.startswith("--"):
                name = spelling.removeprefix("--")
                flags[name] = Flag(name, option, not switch)
    return flags


def _group() -> Commands:
    group = typer.main.get_command(app)
    assert isinstance(group, Commands)
    return group
