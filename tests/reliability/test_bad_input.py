"""Bad input through the real command line: ``qgkg extract`` and ``qgkg build`` on each generated file.

Each answers in bounded time and memory, with a one-line reason naming the file (exit 1 for
extract, 3 for build) or success where the input is valid, and the store keeps every plan it
held. The figures go to ``test-output/bad-inputs.json`` (and docs/RELIABILITY.md).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qgkg.build import build
from qgkg.cli import bundled_corpus

from .badfiles import CASES, BadFile
from .procs import QG, Run, current_version, plans, quads, run_qgkg

EXTRACT_TIMEOUT = 90.0
BUILD_TIMEOUT = 120.0
PEAK_MB_LIMIT = 1500.0
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "bad-inputs.json"
BASE_PLANS = ("shanghai-2021-plan.txt", "beijing-2024-notice.txt")


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding two bundled plans, copied for each case."""
    root = tmp_path_factory.mktemp("base-store")
    build(root, [bundled_corpus() / name for name in BASE_PLANS], jobs=1)
    return root


@pytest.fixture(scope="module")
def figures() -> Iterator[list[dict[str, Any]]]:
    """Rows of the inputs table, written to test-output/bad-inputs.json after the module."""
    rows: list[dict[str, Any]] = []
    yield rows
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


def _row(case: BadFile, command: str, run: Run) -> dict[str, Any]:
    lines = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    return {"input": case.case, "file": case.name, "command": command, "exit": run.code,
            "message": lines[0] if lines else "", "seconds": round(run.seconds, 2), "peak_mb": round(run.peak_mb)}


def _check_bounded(run: Run) -> None:
    assert not run.timed_out, f"killed after {run.seconds:.0f} s"
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.peak_mb < PEAK_MB_LIMIT


def _check_refusal(case: BadFile, run: Run) -> None:
    errors = sorted({line for line in run.stderr.splitlines() if line.startswith("error:")})
    assert len(errors) == 1, run.stderr[-2000:]  # (qgkg build prints it twice: the same line)
    assert case.name in errors[0] and case.reason in errors[0].lower(), errors[0]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_qgkg_extract_answers_bad_input(case: BadFile, tmp_path: Path, figures: list[dict[str, Any]]) -> None:
    path = case.write(tmp_path)
    run = run_qgkg(["extract", "--format", "nt", str(path)], timeout=EXTRACT_TIMEOUT)
    figures.append(_row(case, "qgkg extract", run))
    _check_bounded(run)
    if case.expect == "refused":
        assert run.code == 1
        _check_refusal(case, run)
        assert not run.stdout.strip()
    elif case.expect == "kept":
        assert run.code == 0, run.stderr[-2000:]
        assert f"<{QG}Plan>" in run.stdout and f"<{QG}Activity>" not in run.stdout
        assert case.reason in run.stderr.lower()
    else:
        assert run.code == 0, run.stderr[-2000:]
        assert f"<{QG}Activity>" in run.stdout


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_qgkg_build_answers_bad_input_and_keeps_plans(case: BadFile, tmp_path: Path, base_store: Path,
                                                      figures: list[dict[str, Any]]) -> None:
    store = tmp_path / "store"
    shutil.copytree(base_store, store, symlinks=True)
    before_version, before_plans, before_quads = current_version(store), plans(store), quads(store)
    path = case.write(tmp_path)
    run = run_qgkg(["build", "-q", "--jobs", "1", "--store", str(store), str(path)], timeout=BUILD_TIMEOUT)
    figures.append(_row(case, "qgkg build", run))
    _check_bounded(run)
    after_plans = plans(store)
    assert before_plans <= after_plans
    if case.expect == "refused":
        assert run.code == 3
        _check_refusal(case, run)
        assert current_version(store) == before_version
        assert quads(store) == before_quads
    else:
        assert run.code == 0, run.stderr[-2000:]
        assert len(after_plans) > len(before_plans)



@pytest.mark.slow
def test_extract_file_reads_all_5000_activities(tmp_path: Path) -> None:
    from loaders.plan import extract_file

    case = next(c for c in CASES if c.name == "many.txt")
    assert extract_file(case.write(tmp_path)).activity_count == 5000


ADJACENT_HEADINGS = "2023年上海市“质量月”活动情况\n黄浦区\n静安区\n一、开展质量宣传活动\n"  # once a loader crash


@pytest.mark.slow
def test_qgkg_build_loads_adjacent_district_headings_with_a_warning(tmp_path: Path, base_store: Path) -> None:
    """A district heading with no event of its own is a warning, not a crash, and the rest is loaded."""
    store = tmp_path / "store"
    shutil.copytree(base_store, store, symlinks=True)
    before = quads(store)
    path = tmp_path / "districts.txt"
    path.write_text(ADJACENT_HEADINGS, encoding="utf-8")
    run = run_qgkg(["build", "-q", "--jobs", "1", "--store", str(store), str(path)], timeout=BUILD_TIMEOUT)
    assert run.code == 0 and "Traceback" not in run.stderr, run.stderr
    assert "district heading 黄浦区 without an event" in run.stdout
    assert before < quads(store)


@pytest.mark.slow
def test_qgkg_extract_loads_adjacent_district_headings_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "districts.txt"
    path.write_text(ADJACENT_HEADINGS, encoding="utf-8")
    run = run_qgkg(["extract", str(path)], timeout=EXTRACT_TIMEOUT)
    assert run.code == 0 and "Traceback" not in run.stderr
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning:")]
    assert any("without an event" in w and path.name in w for w in warnings)
