"""The one way convanim writes a file: complete, or not at all.

Every output (animations, figures, Manim videos, the gallery) goes through
``write_atomically``: the bytes land in a hidden temporary file beside the
target, which is renamed over it once complete. A failed or interrupted write
leaves neither a partial file nor a new folder behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from convanim.errors import ConvanimError


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> int:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename; returns bytes."""
    created = [parent for parent in reversed(path.parents) if not parent.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConvanimError("out", f"{path}: cannot create the folder ({error.strerror})") from None
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except OSError as error:
        raise ConvanimError("out", f"{path}: cannot write ({error.strerror})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        if not path.exists():  # nothing written: take back the folders made for it
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
    return path.stat().st_size


def write_bytes(data: bytes, path: Path) -> int:
    """Write ``data`` to ``path`` atomically; returns its bytes."""
    return write_atomically(path, lambda handle: handle.write(data))


def copy_file(source: Path, path: Path) -> int:
    """Copy ``source`` to ``path`` atomically (a finished Manim render into place)."""
    with open(source, "rb") as handle:
        return write_atomically(path, lambda out: out.write(handle.read()))
