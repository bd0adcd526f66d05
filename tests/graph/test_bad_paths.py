"""Bad entries in a plans folder are skipped with one line each, the name escaped; the others load (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from graph.build.scan import find_plan_files
from graph.store import EmbeddedStore
from qgkg.config import DEFAULT_BASE

PLAN = "https://w3id.org/qgkg/ontology#Plan"


def _bad_folder(corpus_copy: Path) -> Path:
    (corpus_copy / "loop.txt").symlink_to("loop.txt")
    (corpus_copy / "a.txt").symlink_to("b.txt")
    (corpus_copy / "b.txt").symlink_to("a.txt")
    (corpus_copy / "gone.txt").symlink_to("nowhere.txt")
    (corpus_copy / "sub").mkdir()
    (corpus_copy / "sub" / "up").symlink_to("..")  # a link to a folder: not followed, not a problem
    name = os.fsencode(corpus_copy) + b"/\xb0\xa1-gbk-name.txt"
    with open(name, "wb") as fh:
        fh.write("2021年质量月活动方案\n一、开展质量宣传。\n".encode())
    return corpus_copy


def test_find_plan_files_skips_bad_entries_with_one_line_each(corpus_copy: Path) -> None:
    folder = _bad_folder(corpus_copy)
    skipped: list[str] = []
    files = find_plan_files([folder], skipped=skipped)
    assert sorted(p.name for p in files) == sorted(p.name for p in folder.iterdir() if not p.is_symlink()
                                                   and p.is_file() and "gbk" not in p.name)
    assert sorted(line.split(": ")[0].rsplit("/", 1)[1] for line in skipped) == [
        "\\xb0\\xa1-gbk-name.txt", "a.txt", "b.txt", "gone.txt", "loop.txt"]
    assert all(line.isprintable() for line in skipped)
    assert any("symbolic link loop" in line for line in skipped)
    assert any("not UTF-8" in line for line in skipped)


def test_build_of_a_folder_with_bad_entries_loads_the_others(corpus_copy: Path, tmp_path: Path) -> None:
    folder = _bad_folder(corpus_copy)
    store = tmp_path / "store"
    run = subprocess.run([sys.executable, "-m", "qgkg.cli", "build", "-q", "--jobs", "1", "--store", str(store),
                          str(folder)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 3, run.stderr  # some files failed; the build itself went through
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 5 and all("skipped" in line for line in errors)
    assert any("\\xb0\\xa1-gbk-name.txt" in line for line in errors)
    rows = EmbeddedStore(store, base=DEFAULT_BASE).select_query(
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?p a <{PLAN}> ; <http://purl.org/dc/terms/source> ?s }}")
    assert int(rows[0]["n"].value) == 5  # the five bundled plan files
