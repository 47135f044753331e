"""The ``convanim`` command line (``flags``: declarations and parsing; ``commands``: the commands)."""

from convanim.cli.commands import app, main

__all__ = ["app", "main"]
