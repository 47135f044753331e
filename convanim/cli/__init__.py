"""The ``convanim`` command line (``flags``: declarations and parsing; ``commands``: the
commands; ``failures``: every failure as one ``error:`` line and its exit code).

``main`` is the program. Ctrl-C or SIGTERM, from its first moment to its last,
ends it with one line, ``error: interrupted``, exit code 128 + the signal's
number (130, 143), and leaves no file behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any, NoReturn

from convanim.render.encode.files import STOP


def _interrupted(stop: KeyboardInterrupt) -> NoReturn:
    """Say that ``stop`` (Ctrl-C, or a ``Terminated``) ended the program, and end it with
    exit code 128 + the signal's number.

    At once (the clean-up has run as ``stop`` unwound): a normal exit would end with the
    signal itself instead, whenever the interrupt had passed through code Python ran by
    ``exec`` (as dataclasses do), however it was handled afterwards.
    """
    sys.stderr.write("error: interrupted\n")
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    sys.stderr.flush()
    os._exit(128 + getattr(stop, "signum", signal.SIGINT))


def main() -> None:
    """The ``convanim`` program. SIGTERM ends it like Ctrl-C, non-zero and leaving nothing."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # ignored by whoever started us
            signal.signal(signum, STOP)  # unwinds: partial files and temporary folders go
    try:
        from convanim.cli.commands import app  # the libraries: most of the start-up

        app(prog_name="convanim")
    except KeyboardInterrupt as stop:
        _interrupted(stop)


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer application, imported on first use
        from convanim.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["app", "main"]
