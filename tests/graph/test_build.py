"""Builds: atomic versions, incremental updates, stable IRIs, one build at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.build import BuildLock
from graph.store import EmbeddedStore, StoreDir
from qgkg.build import build
from qgkg.config import DEFAULT_BASE
from qgkg.errors import StoreError

QG = "https://w3id.org/qgkg/ontology#"


def all_quads(root: Path) -> set[str]:
    """Every statement of the current version, as sorted N-Quads lines (blank nodes renamed)."""
    store = EmbeddedStore(root, base=DEFAULT_BASE)
    lines = set()
    for q in store.quads():
        lines.add(" ".join(_canon(t) for t in (q.subject, q.predicate, q.object, q.graph_name)))
    return lines


def _canon(term: object) -> str:
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def plan_graphs(root: Path) -> dict[str, str]:
    """Each named graph of the current version as canonical sorted text."""
    store = EmbeddedStore(root, base=DEFAULT_BASE)
    out: dict[str, list[str]] = {}
    for q in store.quads():
        out.setdefault(q.graph_name.value, []).append(" ".join(_canon(t) for t in (q.subject, q.predicate, q.object)))
    return {g: "\n".join(sorted(v)) for g, v in out.items()}


def test_build_bundled_corpus_counts(built_store: Path) -> None:
    manifest = StoreDir(built_store).manifest()
    assert len(manifest["sources"]) == 5
    assert manifest["counts"]["plans"] >= 6  # five files and the national fragment of the 2018 plan
    assert manifest["counts"]["activities"] >= 70
    assert manifest["counts"]["triples"] > 1000


def test_build_every_plan_in_its_own_named_graph(built_store: Path) -> None:
    store = EmbeddedStore(built_store, base=DEFAULT_BASE)
    rows = store.select_query(
        f"SELECT ?g ?p WHERE {{ GRAPH ?g {{ ?p a <{QG}Plan> }} }}"
    )
    assert rows and all(r["g"].value == r["p"].value for r in rows)
    # and the reference graph holds the shared entities, not the plans
    ref = DEFAULT_BASE + "graph/reference"
    assert store.ask(f"ASK {{ GRAPH <{ref}> {{ ?a a <{QG}Agency> }} }}")
    assert not store.ask(f"ASK {{ GRAPH ?g {{ ?a a <{QG}Agency> }} FILTER(?g != <{ref}>) }}")


def test_build_unchanged_files_keep_the_version(tmp_path: Path, corpus_copy: Path) -> None:
    first = build(tmp_path / "s", [corpus_copy], jobs=1)
    again = build(tmp_path / "s", [corpus_copy], jobs=1)
    assert again.files_unchanged == 5 and again.files_extracted == 0
    assert again.version == first.version


def test_build_changed_file_replaces_only_its_graph(tmp_path: Path, corpus_copy: Path) -> None:
    root = tmp_path / "s"
    build(root, [corpus_copy], jobs=1)
    before = plan_graphs(root)
    target = corpus_copy / "shanghai-2021-plan.txt"
    text = target.read_text(encoding="utf-8")
    extra = "21.開展質量開放日活動。組織企業開放生產線。(市市場監管局)"
    target.write_text(text.rstrip("\n") + "\n" + extra + "\n", encoding="utf-8")
    report = build(root, [corpus_copy], jobs=1)
    assert report.files_extracted == 1 and report.files_unchanged == 4
    after = plan_graphs(root)
    changed = {g for g in before.keys() | after.keys() if before.get(g) != after.get(g)}
    plan = DEFAULT_BASE + "plan/shanghai-2021-plan"
    assert plan in changed
    assert changed <= {plan, DEFAULT_BASE + "graph/reference"}
    store = EmbeddedStore(root, base=DEFAULT_BASE)
    n = store.select_query(f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a <{QG}plan> <{plan}> }}")[0]["n"].value
    assert int(n) == 21


def test_build_iris_do_not_depend_on_order_or_jobs(tmp_path: Path, corpus: Path) -> None:
    files = sorted(corpus.iterdir())
    a, b = tmp_path / "a", tmp_path / "b"
    build(a, files, jobs=1)
    for f in reversed(files):  # one file at a time, in the opposite order, in parallel workers
        build(b, [f], jobs=2)
    assert all_quads(a) == all_quads(b)


def test_build_refuses_while_another_build_runs(tmp_path: Path, corpus: Path) -> None:
    root = tmp_path / "s"
    with BuildLock(root):
        with pytest.raises(StoreError, match="another build is running"):
            build(root, [corpus], jobs=1)


def test_build_clean_starts_from_empty(tmp_path: Path, corpus: Path) -> None:
    root = tmp_path / "s"
    build(root, [corpus / "jinan-2022-notice.txt"], jobs=1)
    build(root, [corpus / "shanghai-2021-plan.txt"], jobs=1)
    assert len(StoreDir(root).manifest()["sources"]) == 2
    build(root, [corpus / "shanghai-2021-plan.txt"], jobs=1, clean=True)
    assert list(StoreDir(root).manifest()["sources"]) == ["shanghai-2021-plan.txt"]


def test_build_killed_midway_leaves_previous_store(tmp_path: Path, corpus: Path, corpus_copy: Path) -> None:
    root = tmp_path / "s"
    build(root, [corpus / "jinan-2022-notice.txt"], jobs=1)
    before = all_quads(root)
    previous = StoreDir(root).current()
    env = dict(os.environ, QGKG_STORE=str(root))
    proc = subprocess.Popen(
        [sys.executable, "-m", "qgkg.cli", "build", "-q", "--jobs", "1", str(corpus_copy)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    # kill it once it has started writing its new version (not by a timer)
    versions = root / "versions"
    try:
        while proc.poll() is None:
            if any(p.name > previous.name for p in versions.iterdir()):
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=120)
    assert StoreDir(root).current() == previous
    assert all_quads(root) == before
    # and the next build works and prunes the abandoned version
    build(root, [corpus_copy], jobs=1)
    assert len(StoreDir(root).manifest()["sources"]) == 5
