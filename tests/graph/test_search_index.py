"""The search index gives the hits of the SPARQL search, on the bundled corpus and a synthetic one,
after a full build and after an incremental one."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.generate import generate, generate_plan
from graph.derived.search_index import matching_types, open_index, search
from graph.pages.home import search_page
from graph.queries import get_query
from graph.store import EmbeddedStore
from graph.store.versions import SEARCH_INDEX as INDEX_FILE
from loaders.script import to_simplified
from qgkg.build import build
from qgkg.config import DEFAULT_BASE

QUERIES = [
    "局",  # one character
    "市场",  # two characters
    "市场监管局",
    "市場監管局",  # traditional script
    "质量月",
    "开展",
    "Shanghai",
    "MARKET",  # case
    "chief_quality",  # a programme code
    "2021",
    "没有这个词语的标题",  # no hit
    '"',
    'a"b',
    "*",
    "质量*",
    "(",
    "(质量) OR 标准",
    "NEAR(质量 标准)",
    "-",
    "^质量",
]


def _sparql_hits(store: EmbeddedStore, q: str) -> set[tuple[str, str]]:
    """The rows of page_search without its LIMIT of 200, as (resource, type)."""
    text = get_query("page_search").text.replace("LIMIT 200", "")
    return {(r["resource"].value, r["type"].value) for r in store.select_query(text, q=q)}


def _index_hits(store: EmbeddedStore, q: str) -> set[tuple[str, str]]:
    conn = open_index(store.version)
    assert conn is not None, f"{store.version} has no search index"
    try:
        return matching_types(conn, q)
    finally:
        conn.close()


def _assert_same_hits(root: Path, queries: list[str]) -> None:
    store = EmbeddedStore(root, base=DEFAULT_BASE)
    for q in queries:
        simplified = to_simplified(q)
        assert _index_hits(store, simplified) == _sparql_hits(store, simplified), q


def _labels(root: Path, limit: int) -> list[str]:
    """Labels taken from the data: an agency alias, an activity title, parts of them (1, 2, 4 characters)."""
    store = EmbeddedStore(root, base=DEFAULT_BASE)
    rows = store.select_query(
        "SELECT ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#altLabel>|"
        f"<http://www.w3.org/2000/01/rdf-schema#label> ?l }} ORDER BY ?l LIMIT {limit}"
    )
    out: list[str] = []
    for r in rows:
        label = r["l"].value
        out += [label, label[:1], label[1:3], label[-4:]]
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A small synthetic corpus (fixed seed) and a store built from it."""
    root = tmp_path_factory.mktemp("synthetic")
    plans = root / "plans"
    generate(plans, 24, 7)
    store = root / "store"
    build(store, [plans], jobs=1)
    yield plans, store


@pytest.mark.parametrize("q", QUERIES)
def test_search_index_same_hits_as_sparql_on_bundled_corpus(built_store: Path, q: str) -> None:
    _assert_same_hits(built_store, [q])


def test_search_index_same_hits_as_sparql_on_synthetic_corpus(synthetic: tuple[Path, Path]) -> None:
    _plans, store = synthetic
    _assert_same_hits(store, QUERIES + _labels(store, 40))


def test_search_index_special_characters_do_not_raise(built_store: Path) -> None:
    conn = open_index(EmbeddedStore(built_store, base=DEFAULT_BASE).version)
    assert conn is not None
    for q in ['"', '""', "'", "*", "(", ")", "^", ":", "AND", "质量 OR", '"质量"', "\\", "%", "_", "\x00"]:
        search(conn, q)
        matching_types(conn, q)


def test_search_index_ranks_exact_label_first(built_store: Path) -> None:
    conn = open_index(EmbeddedStore(built_store, base=DEFAULT_BASE).version)
    assert conn is not None
    hits = [h for h in search(conn, "上海市市场监督管理局") if h.kind == "agency"]
    assert hits[0].iri == DEFAULT_BASE + "agency/shanghai/market-regulation"
    assert hits[0].matched == "上海市市场监督管理局"


def test_search_index_incremental_rebuild_keeps_same_hits(tmp_path: Path, synthetic: tuple[Path, Path]) -> None:
    plans, store = synthetic
    plans_copy, store_copy = tmp_path / "plans", tmp_path / "store"
    shutil.copytree(plans, plans_copy)
    shutil.copytree(store, store_copy, symlinks=True)
    # one file now holds another plan (another city and agencies): its old entities may lose their only plan
    changed = sorted(plans_copy.iterdir())[0]
    _name, data = generate_plan(7, 500)
    changed.write_bytes(data)
    before = EmbeddedStore(store_copy, base=DEFAULT_BASE).version
    report = build(store_copy, [plans_copy], jobs=1)
    assert report.files_extracted == 1
    after = EmbeddedStore(store_copy, base=DEFAULT_BASE).version
    assert after != before
    conn = sqlite3.connect(after / INDEX_FILE)
    updates = conn.execute("SELECT value FROM meta WHERE key = 'updates'").fetchone()
    conn.close()
    assert updates == ("1",)  # copied from the previous version and updated, not rebuilt
    _assert_same_hits(store_copy, QUERIES + _labels(store_copy, 40))


def test_search_page_falls_back_to_sparql_without_index(tmp_path: Path, synthetic: tuple[Path, Path]) -> None:
    _plans, store = synthetic
    copy = tmp_path / "store"
    shutil.copytree(store, copy, symlinks=True)
    s = EmbeddedStore(copy, base=DEFAULT_BASE)
    indexed = {q: search_page(s, q) for q in ("市场监管局", "質量月", _labels(copy, 1)[0])}
    (s.version / INDEX_FILE).unlink()
    for q, page in indexed.items():
        fallback = search_page(s, q)
        assert not page.limited and not fallback.limited, q
        assert page.total > 0, q
        assert {k: {r.iri for r, _m in v} for k, v in fallback.groups} == {
            k: {r.iri for r, _m in v} for k, v in page.groups
        }, q
