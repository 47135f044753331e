"""The one way convanim writes a file: complete, or not at all.

Every output (animations, figures, Manim videos, the gallery) goes through
``write_atomically``: the bytes land in a hidden temporary file beside the
target, which is renamed over it once complete. A failed or interrupted write
(an exception, Ctrl-C, or SIGTERM, which acts as Ctrl-C while a write is under
way) leaves neither a partial file nor a new folder behind. ``check_destination``
says beforehand, creating nothing, whether a path can be written at all.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import BinaryIO, cast

from convanim.errors import ConvanimError


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived during a write: raised like Ctrl-C, so that clean-up code runs."""

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


class Stop:
    """The program's handler of Ctrl-C and SIGTERM (installed by ``convanim.cli.main``).

    It raises KeyboardInterrupt (``Terminated`` for SIGTERM) and remembers the signal:
    should a library swallow the interrupt (NumPy clears any error raised while it
    looks up a special method, numpy gh-14801), ``write_atomically`` raises it again
    before a file is put in place, so a stopped program still leaves nothing.
    """

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        self.check()

    def check(self) -> None:
        """Raise the interrupt again if a signal asked to stop."""
        if self.signum == signal.SIGINT:
            raise KeyboardInterrupt
        if self.signum is not None:
            raise Terminated(self.signum)


STOP = Stop()


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Inside, SIGTERM raises ``Terminated`` (a KeyboardInterrupt) instead of killing at once.

    ``finally`` blocks and context managers then run as after Ctrl-C. Only the
    main thread can take signals, and only SIGTERM's default action is replaced
    (a handler someone else installed stays as it is); further SIGTERMs are
    ignored until the block is left, so they cannot cut the clean-up short.
    The previous handler is back on leaving. Nested blocks are harmless.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated(signum)

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def check_destination(path: Path) -> None:
    """Refuse, creating nothing, a ``path`` that cannot be written (ConvanimError on ``out``).

    The checks a file system allows before the bytes exist: ``path`` is no
    folder, each name it adds fits the file system, and its nearest existing
    ancestor is a folder we may write in.
    """
    try:
        if path.is_dir():
            raise ConvanimError("out", f"{path}: cannot write ({os.strerror(errno.EISDIR)})")
        ancestor = next(p for p in path.parents if p.exists() or p == p.parent)
        longest = max(len(os.fsencode(name)) for name in path.relative_to(ancestor).parts)
        if hasattr(os, "pathconf") and longest > os.pathconf(ancestor, "PC_NAME_MAX"):
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))
    except OSError as error:  # a name too long, a folder we may not search, ...
        raise ConvanimError("out", f"{path}: cannot write ({_reason(error)})") from None
    if not ancestor.is_dir():
        reason = os.strerror(errno.ENOTDIR)
        raise ConvanimError("out", f"{path}: cannot create the folder ({reason})")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        read_only = hasattr(os, "statvfs") and os.statvfs(ancestor).f_flag & os.ST_RDONLY
        reason = os.strerror(errno.EROFS if read_only else errno.EACCES)
        verb = "write" if ancestor == path.parent else "create the folder"
        raise ConvanimError("out", f"{path}: cannot {verb} ({reason})")


def _reason(error: OSError) -> str:
    """What went wrong, in the system's words when it gave some."""
    return error.strerror or str(error)


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a path the system cannot even look up does not."""
    try:
        return path.exists()
    except OSError:
        return False


#: The temporary file keeps this many bytes of the target's name, so that it fits wherever
#: the target does (file systems allow names of 255 bytes).
TEMPORARY_NAME_BYTES = 200


class _Guarded:
    """A file that keeps its first failed write and drops it and every later one.

    An encoder that meets a failed write (PyAV's, on a full disk) raises an error
    of its own and fails again when it is closed; through this the writer
    finishes, and ``write_atomically`` reports the failure in the system's words.
    """

    def __init__(self, handle: BinaryIO):
        self._handle = handle
        self.failure: OSError | None = None

    def write(self, data: bytes) -> int:
        if self.failure is not None:
            return len(data)
        try:
            return self._handle.write(data)
        except OSError as error:
            self.failure = error
            return len(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> int:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename; returns bytes.

    The folders ``path`` needs are made here, just before the temporary file,
    and taken back if the write does not complete. Any failure of the file
    system (a full disk, a read-only one, a name too long) is a ConvanimError
    on ``out`` saying why, whoever met it first.
    """
    with terminate_as_interrupt():
        created = [parent for parent in reversed(path.parents) if not _exists(parent)]
        short = os.fsdecode(os.fsencode(path.name)[:TEMPORARY_NAME_BYTES])
        temporary = path.with_name(f".{short}.{os.getpid()}.part")
        try:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                reason = _reason(error)
                raise ConvanimError("out", f"{path}: cannot create the folder ({reason})") from None
            with open(temporary, "wb") as raw:
                handle = _Guarded(raw)
                write(cast(BinaryIO, handle))
                if handle.failure is not None:  # the writer went on without the bytes
                    raise handle.failure
            STOP.check()  # an interrupt swallowed on the way
            os.replace(temporary, path)
        except OSError as error:
            raise ConvanimError("out", f"{path}: cannot write ({_reason(error)})") from None
        finally:
            with contextlib.suppress(OSError):  # absent, or on a file system that refuses
                temporary.unlink()
            if not _exists(path):  # nothing written: take back the folders made for it
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
