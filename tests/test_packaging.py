"""What installs: every convanim package, the scenes as convanim.scenes, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_installed_and_scenes_only_under_convanim():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "convanim").rglob("__init__.py")
    }
    expected = on_disk | {"convanim.scenes"}
    assert set(settings["packages"]) == expected
    assert settings["package-dir"] == {"convanim.scenes": "scenes"}
    assert (ROOT / "scenes" / "__init__.py").exists()
