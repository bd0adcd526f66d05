"""Interrupted and concurrent work: SIGKILLed builds, two builds at once, a rebuild under a live server.

The kill moments are random on purpose (seeded, so a failure can be replayed): half the
trials kill after a random fraction of a full build's duration, half once the new version
folder holds a random number of files. After each kill the store must open and answer with
the previous graph, statement for statement.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from graph.store import StoreDir
from qgkg.build import build
from qgkg.cli import bundled_corpus

from .procs import current_version, plans, quads, run_qgkg

TRIALS = 20
SEED = 20240907
GENERATED_PLANS = 12
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "kill-trials.json"
COUNT_PLANS = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/qgkg/ontology#Plan> }"


def generated_plans(folder: Path, count: int, seed: int) -> Path:
    """Synthetic plans of every layout (bench.generate), written into ``folder``."""
    from bench.generate import generate

    generate(folder, count, seed)
    return folder


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled corpus: the 'previous graph' of every trial."""
    root = tmp_path_factory.mktemp("template") / "store"
    build(root, [bundled_corpus()], jobs=1)
    return root


def _build_command(store: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "qgkg.cli", "build", "-q", "--jobs", "1", "--store", str(store), str(folder)]


def _files_in(folder: Path) -> int:
    return sum(len(files) for _dir, _dirs, files in os.walk(folder))


def _versions(store: Path) -> set[Path]:
    versions = store / "versions"
    return set(versions.iterdir()) if versions.is_dir() else set()


def _kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool]) -> bool:
    """SIGKILL ``proc`` as soon as ``ready()``; False when it ended first."""
    while proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            return True
    return False


@pytest.mark.slow
def test_build_killed_at_random_moments_leaves_the_previous_graph(tmp_path: Path, template: Path) -> None:
    rng = random.Random(SEED)
    folder = generated_plans(tmp_path / "plans", GENERATED_PLANS, SEED)
    # one full build, uninterrupted: its duration and its file count scale the kill moments
    full = tmp_path / "full"
    shutil.copytree(template, full, symlinks=True)
    run = run_qgkg(["build", "-q", "--jobs", "1", "--store", str(full), str(folder)], timeout=300)
    assert run.code == 0, run.stderr[-2000:]
    duration, new_graph = run.seconds, quads(full)
    version_files = _files_in(StoreDir(full).current())

    store = tmp_path / "store"
    shutil.copytree(template, store, symlinks=True)
    previous_graph, previous_version = quads(template), current_version(template)
    trials: list[dict[str, object]] = []
    for trial in range(TRIALS):
        existing = _versions(store)  # abandoned versions of earlier trials stay until a build completes
        proc = subprocess.Popen(_build_command(store, folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.monotonic()
        if trial % 2 == 0:
            moment = rng.uniform(0.0, 1.1) * duration
            event = f"after {moment:.2f} s"
            killed = _kill_when(proc, lambda: time.monotonic() - started >= moment)
        else:
            wanted = rng.randint(1, version_files)
            event = f"once the new version holds {wanted} files"

            def enough(wanted: int = wanted, existing: set[Path] = existing) -> bool:
                return any(_files_in(new) >= wanted for new in _versions(store) - existing)

            killed = _kill_when(proc, enough)
        graph = quads(store)  # opens the store and reads every statement
        switched = current_version(store) != previous_version
        if killed and not switched:
            assert graph == previous_graph, f"trial {trial}, killed {event}"
        else:
            # the build finished, or was killed after its atomic switch (while pruning old versions):
            # the complete new graph, never a mix; then back to the previous store for the next trial
            assert killed or proc.returncode == 0
            assert graph == new_graph, f"trial {trial}: {'killed ' + event if killed else 'finished'} after the switch"
            shutil.rmtree(store)
            shutil.copytree(template, store, symlinks=True)
        trials.append({"trial": trial, "kill": event, "killed": killed,
                       "seconds": round(time.monotonic() - started, 2), "graph": "new" if switched else "previous"})
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps({"seed": SEED, "full_build_seconds": round(duration, 2),
                                  "version_files": version_files, "trials": trials}, indent=1), encoding="utf-8")
    assert sum(1 for t in trials if t["killed"] and t["graph"] == "previous") >= TRIALS // 2
    # after all the abandoned versions, a build still completes and gives the same graph as an uninterrupted one
    run = run_qgkg(["build", "-q", "--jobs", "1", "--store", str(store), str(folder)], timeout=300)
    assert run.code == 0, run.stderr[-2000:]
    assert quads(store) == new_graph
    assert len(list((store / "versions").iterdir())) <= 2  # abandoned versions pruned


@pytest.mark.slow
def test_two_builds_at_once_one_refuses_neither_corrupts(tmp_path: Path, template: Path) -> None:
    folder = generated_plans(tmp_path / "plans", GENERATED_PLANS, SEED + 1)
    reference = tmp_path / "reference"
    shutil.copytree(template, reference, symlinks=True)
    build(reference, [folder], jobs=1)
    store = tmp_path / "store"
    shutil.copytree(template, store, symlinks=True)
    procs = [subprocess.Popen(_build_command(store, folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 1], outcomes
    refusal = next(err for code, err in outcomes if code == 1)
    assert refusal.strip().count("\n") == 0 and "another build is running" in refusal
    assert "Traceback" not in refusal
    assert quads(store) == quads(reference)


def _count(url: str) -> int:
    query = urllib.parse.urlencode({"query": COUNT_PLANS})
    request = urllib.request.Request(f"{url}/sparql?{query}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.load(response)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.slow
@pytest.mark.server
def test_server_serves_old_graph_during_cli_rebuild_then_the_new(tmp_path: Path, template: Path,
                                                                 start_server) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    shutil.copytree(template, store, symlinks=True)
    folder = generated_plans(tmp_path / "plans", GENERATED_PLANS, SEED + 2)
    server = start_server(store)
    before = _count(server.url)
    assert before == len(plans(store))
    proc = subprocess.Popen(_build_command(store, folder), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: list[int] = []
    while proc.poll() is None:
        seen.append(_count(server.url))
    assert proc.returncode == 0
    after = len(plans(store))
    assert after > before
    assert before in seen  # the old graph was served while the build ran
    assert set(seen) <= {before, after}  # never a half-built graph
    assert _count(server.url) == after  # the first request after the switch sees the new graph
