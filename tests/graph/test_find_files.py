"""Which files a build reads: plan files under folders, once each, sorted by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.build import find_plan_files
from qgkg.errors import QgkgError


def test_plan_files_under_folders_once_each(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "z-plan.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "y-plan.HTML").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "notes.md").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "x-link.txt").symlink_to(tmp_path / "a" / "b" / "z-plan.txt")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)  # not followed
    found = find_plan_files([tmp_path / "a", tmp_path / "a" / "b" / "z-plan.txt", tmp_path])
    assert [p.name for p in found] == ["y-plan.HTML", "z-plan.txt"]


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(QgkgError, match="no such file or folder"):
        find_plan_files([tmp_path / "nope"])
