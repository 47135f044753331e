"""The examples in the README and in every docstring run as written."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import convanim

README = Path(__file__).resolve().parent.parent / "README.md"
#: Modules that need Manim; their examples run only where it is installed.
NEEDS_MANIM = ("convanim.render.manim", "convanim.scenes")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = [convanim.__name__]
    for module in pkgutil.walk_packages(convanim.__path__, prefix="convanim."):
        if not module.name.startswith(NEEDS_MANIM) and module.name != "convanim.__main__":
            names.append(module.name)
    return names


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 3
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=FLAGS)
    names: dict[str, object] = {}  # the blocks run in order, as one session
    for number, block in enumerate(blocks):
        assert block.lstrip().startswith(">>>"), f"README python block {number} is no doctest"
        test = parser.get_doctest(block, names, f"README block {number}", str(README), 0)
        runner.run(test, clear_globs=False)
        names.update(test.globs)
    assert runner.failures == 0
    assert (tmp_path / "renders" / "stamps.webp").exists()


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(name), optionflags=FLAGS)
    assert result.failed == 0
