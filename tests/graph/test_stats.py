"""``stats.json`` after an incremental build equals the one a clean build writes, by either path:
a few changed plans (read from their own graphs) or many (read again from the union)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import graph.derived.stats as stats
from qgkg.build import build

SPECIMENS = Path(__file__).resolve().parents[1] / "data" / "specimens" / "plans"


def _stats(root: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((root / "current" / "stats.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("few", [64, 0], ids=["few-changed", "many-changed"])
def test_incremental_statistics_equal_a_clean_build(tmp_path: Path, corpus: Path, few: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "FEW_GRAPHS", few)
    files = tmp_path / "files"
    shutil.copytree(corpus, files)
    specimens = sorted(SPECIMENS.glob("*.txt"))[:3]
    for f in specimens:
        shutil.copy(f, files / f.name)
    build(tmp_path / "inc", [files], jobs=1)
    before = _stats(tmp_path / "inc")
    # one plan changes and one comes in (a build keeps the plans of files it is not given again)
    changed = files / specimens[0].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\n（五）开展质量开放日活动。（市市场监管局）\n",
                       encoding="utf-8")
    shutil.copy(sorted(SPECIMENS.glob("*.txt"))[3], files)
    build(tmp_path / "inc", [files], jobs=1)
    build(tmp_path / "clean", [files], jobs=1)
    incremental, clean = _stats(tmp_path / "inc"), _stats(tmp_path / "clean")
    assert incremental != before  # the change is seen
    assert incremental["counts"] == clean["counts"]
    assert incremental["plans"] == clean["plans"]
    assert incremental["programmes"] == clean["programmes"]
