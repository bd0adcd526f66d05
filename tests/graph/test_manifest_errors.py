"""A corrupt manifest is a one-line error, never a conforming store (issue 16)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graph.store import StoreDir


@pytest.mark.parametrize("text", ["{not json", "[]", '{"sources": 7}'], ids=["not-json", "a-list", "bad-sources"])
def test_validate_with_a_corrupt_manifest_exits_1_in_one_line(built_store: Path, tmp_path: Path, text: str) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store, symlinks=True)
    current = StoreDir(store).current()
    assert current is not None
    (current / "manifest.json").write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "qgkg.cli", "validate", "--store", str(store)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout
    assert "unreadable manifest" in run.stderr and len(run.stderr.strip().splitlines()) == 1
