"""How the program ends: every failure as one ``error:`` line on stderr and exit code 2.

``Commands`` is the command group that says so. The library's errors name keyword
arguments; ``Commands.main`` prints them once, with the flags that set them (``FLAGS``).
An interrupt goes on to the caller; a standard output that cannot be written is said once.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import typer
from typer.core import TyperGroup

from convanim.cli.flags import FLAGS
from convanim.errors import ConvanimError


class Commands(TyperGroup):
    """Every failure ends as one ``error:`` line on stderr and exit code 2.

    Ctrl-C (and SIGTERM, raised as it) goes on to the caller as KeyboardInterrupt,
    whom it concerns: ``convanim.cli.main`` says ``error: interrupted``, a
    documentation build stops. A standard output that cannot be written (a full
    disk) is said once; one closed early (``| head``) ends the program quietly.
    Typer's own switches (--help, the completion ones) show no type in the help.
    """

    def get_help_option(self, ctx: Any) -> Any:
        return _typeless(super().get_help_option(ctx))

    def get_command(self, ctx: Any, name: str) -> Any:
        command = super().get_command(ctx, name)
        if command is not None:  # its --help, like every switch, shows no <bool>
            _typeless(command.get_help_option(ctx))
        return command

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _interrupt_passes():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _interrupt_passes():
            return super().invoke(ctx)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        for parameter in self.params:  # typer's, added after __init__, writes in the home folder
            if parameter.name == "install_completion" and parameter.callback is not None:
                parameter.callback = _installing(parameter.callback)
            if parameter.name in ("install_completion", "show_completion"):
                _typeless(parameter)
        stdout = sys.stdout
        sys.stdout = _Stdout(stdout)
        try:
            code = super().main(*args, **kwargs)
        except _Interrupted as passing:
            raise passing.stop from None
        except _StdoutFailed as failure:
            code = _unwritable_stdout(stdout, failure.error)
        except ConvanimError as error:
            code = _fail(error.message(FLAGS))
        except typer.Abort:
            code = _fail("interrupted")
        except typer.TyperException as error:  # click's usage errors, as typer ships them
            # typer validates choices through pydantic, whose wording it passes on.
            message = error.format_message().replace("Value error, ", "")
            if type(error).__name__ == "NoArgsIsHelpError":  # no command: the help, as is
                typer.echo(message, err=True)
                code = 2
            else:
                code = _fail(message)
        except OSError as error:  # the system refused something no rule foresaw
            where = f"{error.filename}: " if error.filename else ""
            code = _fail(f"{where}{error.strerror or error}")
        finally:
            sys.stdout = stdout
        sys.exit(code or 0)


class _Interrupted(Exception):
    """Carries a KeyboardInterrupt past typer, which would make it a silent exit code 130."""

    def __init__(self, stop: KeyboardInterrupt):
        super().__init__()
        self.stop = stop


@contextlib.contextmanager
def _interrupt_passes() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt as stop:
        raise _Interrupted(stop) from None


class _StdoutFailed(Exception):
    """Standard output could not be written: ``error`` says why."""

    def __init__(self, error: OSError):
        super().__init__()
        self.error = error


class _Stdout:
    """Standard output, whose failures say that they are its own (``_StdoutFailed``)."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise _StdoutFailed(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise _StdoutFailed(error) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _unwritable_stdout(stdout: TextIO, error: OSError) -> int:
    """Say once that ``stdout`` failed, unless its reader left (``| head``): exit code 2 or 1.

    The rest of the output goes nowhere, so that leaving does not fail a second time.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no descriptor (in-process)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        os.close(devnull)
    if isinstance(error, BrokenPipeError):
        return 1
    return _fail(f"cannot write to standard output: {error.strerror or error}")


def _installing(install: Callable[..., Any]) -> Callable[..., Any]:
    """Typer's --install-completion, its file errors said as one line."""

    if getattr(install, "said", False):
        return install

    def callback(*args: Any) -> Any:
        try:
            return install(*args)
        except OSError as error:
            rule = f"{error.filename}: cannot write ({error.strerror or error})"
            raise ConvanimError("install_completion", rule) from None

    callback.said = True  # type: ignore[attr-defined]
    return callback


def _typeless(switch: Any) -> Any:
    """``switch`` (typer's --help, and --install-completion, --show-completion where they
    take no shell name) with no type in the help, as the program's own switches
    (``options._flag``): typer shows ``<bool>`` for a flag that takes no value."""
    if getattr(switch, "is_flag", False):
        switch.metavar = ""
    return switch


def _fail(message: str) -> int:
    typer.echo(f"error: {message}", err=True)
    return 2
