"""SHACL at build time: the reports a build keeps equal a full validation of the store, also after
incremental builds; unchanged files are recognised by their stat without being read."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from bench.generate import generate
from graph.build import RACY_NS
from graph.validate import ValidationReport
from graph.validate.store_checks import stored_reports, validate_store
from loaders.version import extractor_version
from qgkg.build import build
from qgkg.config import Settings


def _rows(reports: dict[str, ValidationReport]) -> dict[str, set[tuple[object, ...]]]:
    return {g: {(r.focus, r.path, r.shape, r.severity, r.message, r.value) for r in rep.results}
            for g, rep in reports.items()}


def _assert_stored_equals_recheck(root: Path) -> dict[str, ValidationReport]:
    settings = Settings(store=root)
    stored = stored_reports(settings)
    assert stored is not None, "the build kept no reports"
    full = validate_store(settings, recheck=True, jobs=1)
    assert _rows(stored) == _rows(full)
    assert {g: (r.violations, r.warnings) for g, r in stored.items()} == {
        g: (r.violations, r.warnings) for g, r in full.items()}
    return stored


@pytest.fixture()
def synthetic(tmp_path: Path) -> Path:
    """Twelve generated plans; the seed gives district reports without a year (violations)."""
    plans = tmp_path / "plans"
    generate(plans, 12, 5)
    return plans


def _edited(path: Path) -> None:
    """Change a file's content keeping its size and mtime."""
    stat = path.stat()
    data = path.read_bytes()
    new = data.replace("质量".encode(), "品质".encode(), 1)
    assert new != data and len(new) == len(data)
    path.write_bytes(new)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _utf8_plan(folder: Path) -> Path:
    return next(f for f in sorted(folder.iterdir()) if "质量".encode() in f.read_bytes())


def _age(path: Path) -> None:
    """Make a file look modified long before it was hashed (as any file not just written)."""
    old = path.stat().st_mtime_ns - 10 * RACY_NS
    os.utime(path, ns=(old, old))


def test_stored_reports_equal_a_full_validation(tmp_path: Path, synthetic: Path) -> None:
    root = tmp_path / "store"
    build(root, [synthetic], jobs=2)
    stored = _assert_stored_equals_recheck(root)
    assert sum(r.violations for r in stored.values()) > 0, "the corpus was meant to have violations"
    assert validate_store(Settings(store=root)).keys() == stored.keys()


def test_incremental_build_revalidates_only_the_changed_file(tmp_path: Path, synthetic: Path) -> None:
    root = tmp_path / "store"
    files = sorted(synthetic.iterdir())
    for f in files:
        _age(f)
    build(root, [synthetic], jobs=1)
    before = json.loads((root / "current" / "validation.json").read_text(encoding="utf-8"))
    # a district report (no year: violations) takes the place of a plan that conforms, and back
    bad = next(f for f in files if "districts" in f.name)
    good = next(f for f in files if "numbered" in f.name)
    good.write_bytes(bad.read_bytes())
    report = build(root, [synthetic], jobs=1)
    assert (report.files_extracted, report.files_unchanged) == (1, len(files) - 1)
    after = _assert_stored_equals_recheck(root)
    changed = [g for g in after if g.rsplit("/", 1)[-1] in good.stem or good.stem in g]
    assert changed and all(after[g].violations > 0 for g in changed)
    unchanged = {e["graph"]: e for e in before["graphs"] if good.stem not in e["graph"]}
    now = json.loads((root / "current" / "validation.json").read_text(encoding="utf-8"))
    for entry in now["graphs"]:
        if entry["graph"] in unchanged and not entry["graph"].endswith("/reference"):
            assert entry == unchanged[entry["graph"]]


def test_unchanged_stat_is_trusted_and_clean_rehashes(tmp_path: Path, synthetic: Path) -> None:
    root = tmp_path / "store"
    target = _utf8_plan(synthetic)
    _age(target)
    build(root, [synthetic], jobs=1)
    _edited(target)
    assert build(root, [synthetic], jobs=1).files_extracted == 0  # size and mtime say unchanged: not read
    assert build(root, [synthetic], jobs=1, clean=True).files_extracted == len(list(synthetic.iterdir()))


def test_a_change_in_the_same_clock_tick_is_seen(tmp_path: Path, synthetic: Path) -> None:
    root = tmp_path / "store"
    target = _utf8_plan(synthetic)
    soon = time.time_ns() + 30 * RACY_NS  # modified within RACY_NS of its hashing, however slow the build
    os.utime(target, ns=(soon, soon))
    build(root, [synthetic], jobs=1)
    _edited(target)  # as if written again in the same clock tick
    assert build(root, [synthetic], jobs=1).files_extracted == 1


def test_new_shapes_revalidate_every_file(tmp_path: Path, synthetic: Path) -> None:
    root = tmp_path / "store"
    build(root, [synthetic], jobs=1)
    manifest_path = root / "current" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["sources"].values():
        entry["shacl"] = "0" * 64  # reports made with other shapes
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert build(root, [synthetic], jobs=1).files_extracted == len(list(synthetic.iterdir()))
    _assert_stored_equals_recheck(root)


def test_reports_of_another_version_are_not_used(tmp_path: Path, corpus_copy: Path) -> None:
    root = tmp_path / "store"
    build(root, [corpus_copy], jobs=1)
    path = root / "current" / "validation.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["version"] = "v0000000099"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert stored_reports(Settings(store=root)) is None
    assert validate_store(Settings(store=root), jobs=1)  # validated again from the store


def test_a_failed_file_is_not_retried_until_it_changes(tmp_path: Path, corpus_copy: Path) -> None:
    root = tmp_path / "store"
    broken = corpus_copy / "notes.txt"
    broken.write_text("这不是一份计划。\n", encoding="utf-8")
    _age(broken)
    first = build(root, [corpus_copy], jobs=1)
    assert len(first.errors) == 1 and "notes.txt" in first.errors[0]
    counted: list[int] = []
    again = build(root, [corpus_copy], jobs=1, on_files=counted.append)
    assert counted == [0] and again.errors == first.errors  # reported again, not extracted again
    shutil.copy(corpus_copy / "jinan-2022-notice.txt", broken)
    fixed = build(root, [corpus_copy], jobs=1, on_files=counted.append)
    assert counted[-1] == 1 and fixed.errors == [] and fixed.files_extracted == 1


def test_reference_checked_in_a_worker_gives_the_same_report(tmp_path: Path, corpus_copy: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.build import reference as build_module

    monkeypatch.setattr(build_module._ReferenceCheck, "BACKGROUND", 0)  # every build checks in a worker
    root = tmp_path / "store"
    build(root, [corpus_copy], jobs=1)
    manifest = json.loads((root / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert "reference_shacl_wait" in manifest["phase_seconds"]
    _assert_stored_equals_recheck(root)


def test_cli_validate_reads_the_kept_reports_or_rechecks(tmp_path: Path, corpus_copy: Path) -> None:
    from click.testing import CliRunner

    from qgkg.cli import main

    root = tmp_path / "store"
    runner = CliRunner()
    built = runner.invoke(main, ["build", str(corpus_copy), "--store", str(root), "--quiet"])
    assert built.exit_code == 0, built.output
    for extra in ([], ["--recheck"]):
        result = runner.invoke(main, ["validate", "--store", str(root), "--jobs", "1", *extra])
        assert result.exit_code == 0 and "conforms: 7 graph(s) validated" in result.output, result.output
    unvalidated = tmp_path / "unvalidated"
    built = runner.invoke(main, ["build", str(corpus_copy), "--store", str(unvalidated), "--quiet", "--no-validate"])
    assert built.exit_code == 0 and not (unvalidated / "current" / "validation.json").exists()
    assert stored_reports(Settings(store=unvalidated)) is None
    result = runner.invoke(main, ["validate", "--store", str(unvalidated), "--jobs", "1"])
    assert result.exit_code == 0 and "conforms: 7 graph(s) validated" in result.output, result.output


def test_no_store_stays_open_after_a_build(tmp_path: Path, corpus_copy: Path) -> None:
    """pyshacl keeps tracebacks; a frame holding the read-write store would keep it open (and a
    reader of the new version would then find files that the writer's compaction removed)."""
    import gc

    import pyoxigraph as ox

    root = tmp_path / "store"
    build(root, [corpus_copy / "jinan-2022-notice.txt"], jobs=1)
    gc.collect()
    gc.disable()
    try:
        build(root, [corpus_copy / "shanghai-2021-plan.txt"], jobs=1)
        assert not [o for o in gc.get_objects() if isinstance(o, ox.Store)]
    finally:
        gc.enable()


def test_a_loader_change_re_extracts_every_file(tmp_path: Path, synthetic: Path) -> None:
    root = tmp_path / "store"
    build(root, [synthetic], jobs=1)
    manifest_path = root / "current" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert {entry["extractor"] for entry in manifest["sources"].values()} == {extractor_version()}
    for entry in manifest["sources"].values():
        entry["extractor"] = "0" * 16  # graphs made by an older extractor
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert build(root, [synthetic], jobs=1).files_extracted == len(list(synthetic.iterdir()))
    assert build(root, [synthetic], jobs=1).files_extracted == 0
