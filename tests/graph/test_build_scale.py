"""Builds at scale: the same output whatever --jobs, counts kept from the delta equal a full recount."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from qgkg.build import build


def _graphs(root: Path) -> dict[str, Graph]:
    store = ox.Store.read_only(str(root / os.readlink(root / "current") / "oxigraph"))
    out: dict[str, Graph] = {}
    for g in store.named_graphs():
        nt = ox.serialize((q.triple for q in store.quads_for_pattern(None, None, None, g)),
                          format=ox.RdfFormat.N_TRIPLES)
        out[g.value] = Graph().parse(data=nt.decode("utf-8"), format="nt")
    return out


def _manifest(root: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((root / "current" / "manifest.json").read_text(encoding="utf-8"))
    return data


def test_build_output_identical_whatever_jobs(tmp_path: Path, corpus: Path) -> None:
    build(tmp_path / "one", [corpus], jobs=1)
    build(tmp_path / "two", [corpus], jobs=2)
    one, two = _graphs(tmp_path / "one"), _graphs(tmp_path / "two")
    assert one.keys() == two.keys()
    for iri in one:
        assert isomorphic(one[iri], two[iri]), iri
    assert _manifest(tmp_path / "one")["counts"] == _manifest(tmp_path / "two")["counts"]


def _recount(root: Path) -> dict[str, int]:
    store = ox.Store.read_only(str(root / os.readlink(root / "current") / "oxigraph"))
    qg = "https://w3id.org/qgkg/ontology#"

    def count(sparql: str) -> int:
        return int(next(iter(store.query(sparql, use_default_graph_as_union=True)))[0].value)

    return {
        "plans": count(f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{qg}Plan> }}"),
        "activities": count(f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a <{qg}Activity> }}"),
        "agencies": count(f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{qg}Agency> }}"),
        "triples": len(store),
    }


def test_incremental_counts_equal_a_full_recount(tmp_path: Path, corpus_copy: Path) -> None:
    root = tmp_path / "store"
    build(root, [corpus_copy], jobs=1)
    counts = _manifest(root)["counts"]
    assert isinstance(counts, dict)
    assert {k: counts[k] for k in ("plans", "activities", "agencies", "triples")} == _recount(root)
    victim = sorted(corpus_copy.iterdir())[0]
    text = victim.read_text(encoding="utf-8")
    victim.write_text(text[: len(text) * 2 // 3], encoding="utf-8")  # a shorter plan: fewer activities
    report = build(root, [corpus_copy], jobs=1)
    assert report.files_extracted == 1
    counts = _manifest(root)["counts"]
    assert isinstance(counts, dict)
    assert {k: counts[k] for k in ("plans", "activities", "agencies", "triples")} == _recount(root)
