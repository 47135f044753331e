"""The one file writer: a file appears complete or not at all, and leaves no folder behind."""

from __future__ import annotations

import pytest

from convanim.errors import ConvanimError
from convanim.render.encode.files import copy_file, write_atomically, write_bytes


def test_written_file_has_the_bytes_and_no_temporary_remains(tmp_path):
    path = tmp_path / "deep" / "er" / "a.bin"
    assert write_bytes(b"abc", path) == 3
    assert path.read_bytes() == b"abc"
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.bin"]
    assert copy_file(path, tmp_path / "b.bin") == 3


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
