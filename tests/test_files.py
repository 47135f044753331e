"""The one file writer: a file appears complete or not at all, and leaves no folder behind."""

from __future__ import annotations

import signal
import threading

import pytest

from convanim.errors import ConvanimError
from convanim.render.encode.files import (
    Terminated,
    check_destination,
    copy_file,
    terminate_as_interrupt,
    write_atomically,
    write_bytes,
)


def test_written_file_has_the_bytes_and_no_temporary_remains(tmp_path):
    path = tmp_path / "deep" / "er" / "a.bin"
    assert write_bytes(b"abc", path) == 3
    assert path.read_bytes() == b"abc"
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.bin"]
    assert copy_file(path, tmp_path / "b.bin") == 3


def test_a_name_as_long_as_the_system_allows_is_written(tmp_path):
    """The temporary file's name stays within the limit its target's name fits in."""
    path = tmp_path / ("b" * 251 + ".gif")  # 255 bytes
    assert write_bytes(b"abc", path) == 3
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_failed_write_leaves_neither_file_nor_the_folders_it_made(tmp_path):
    (tmp_path / "kept").mkdir()
    path = tmp_path / "kept" / "new" / "newer" / "a.gif"

    def refuse(handle):
        handle.write(b"partial")
        raise ConvanimError("out", "refused half way")

    with pytest.raises(ConvanimError, match="refused half way"):
        write_atomically(path, refuse)
    assert [p.name for p in tmp_path.rglob("*")] == ["kept"]


def test_interrupted_write_leaves_nothing(tmp_path):
    def interrupted(handle):
        handle.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "a.gif", interrupted)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_destination_names_the_output(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConvanimError) as caught:
        write_bytes(b"x", blocker / "a.gif")
    assert caught.value.argument == "out"
    assert "cannot create the folder" in caught.value.rule


def test_destination_is_checked_without_creating_anything(tmp_path):
    check_destination(tmp_path / "new" / "newer" / "a.gif")  # fine: made when written
    check_destination(tmp_path / "a.gif")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConvanimError, match="cannot create the folder") as caught:
        check_destination(blocker / "deeper" / "a.gif")
    assert caught.value.argument == "out"
    (tmp_path / "taken.gif").mkdir()
    with pytest.raises(ConvanimError, match="cannot write"):
        check_destination(tmp_path / "taken.gif")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["file", "taken.gif"]


def test_sigterm_raises_an_interrupt_inside_the_block_only():
    """The handler itself is called here; a real signal is sent in test_streaming."""
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        pytest.skip("something else handles SIGTERM in this process")
    with terminate_as_interrupt():
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        with terminate_as_interrupt():  # nested: the outer block keeps its handler
            assert signal.getsignal(signal.SIGTERM) is handler
        with pytest.raises(KeyboardInterrupt) as caught:
            handler(signal.SIGTERM, None)
        assert isinstance(caught.value, Terminated) and caught.value.signum == signal.SIGTERM
        # A second SIGTERM must not cut the clean-up short.
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_sigterm_is_left_alone_off_the_main_thread_and_when_handled_elsewhere():
    seen = []

    def in_thread() -> None:
        with terminate_as_interrupt():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGTERM)]

    def own(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, own)
    try:
        with terminate_as_interrupt():
            assert signal.getsignal(signal.SIGTERM) is own
        assert signal.getsignal(signal.SIGTERM) is own
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_write_runs_with_sigterm_as_an_interrupt(tmp_path):
    handlers = []
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        pytest.skip("something else handles SIGTERM in this process")
    write_atomically(
        tmp_path / "a.bin", lambda handle: handlers.append(signal.getsignal(signal.SIGTERM))
    )
    assert callable(handlers[0]) and handlers[0] is not signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
