"""Dumps per named graph: chunks reused across builds, dump files and exports equal to the store, VoID tallies."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import sqlite3
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from bench.generate import generate
from graph.derived.chunk_writer import INDEX_DB, PART_SEP, SEGMENTS, read_meta
from graph.derived.dumps import run_locked
from graph.store import EmbeddedStore, StoreDir, Version, reference_graph_iri
from graph.store.chunks import DUMP_NAMES, dump_name, open_dump, read_index
from graph.store.formats import RdfFormat
from graph.store.versions import DUMPS as DUMPS_DIR
from qgkg.build import build
from qgkg.config import DEFAULT_BASE

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
REFERENCE = reference_graph_iri(DEFAULT_BASE)
HOST = "shanghai-2018-plan.txt"  # a bundled plan with a spliced national fragment (a second graph)
REPLACEMENT = "jinan-2022-notice.txt"  # a bundled plan without one


@dataclass(frozen=True)
class History:
    """A store built twice: ``first``, then ``second`` after one file changed (and lost its fragment graph)."""

    root: Path
    first: Path
    second: Path
    changed: frozenset[str]  # graphs of the changed file in the second version
    dropped: frozenset[str]  # graphs the second version no longer has


def chunk_rows(version: Path) -> dict[tuple[str, str], tuple[str, int, int]]:
    """(graph, format) -> (segment, offset, length) of a version's chunk index."""
    db = sqlite3.connect(version / DUMPS_DIR / INDEX_DB)
    try:
        rows = db.execute("SELECT graph, fmt, segment, offset, length FROM chunk").fetchall()
    finally:
        db.close()
    return {(g, f): (s, o, n) for g, f, s, o, n in rows}


def member(version: Path, row: tuple[str, int, int]) -> bytes:
    """The bytes of one gzip member."""
    segment, offset, length = row
    with (version / DUMPS_DIR / SEGMENTS / f"{segment}.seg").open("rb") as fh:
        fh.seek(offset)
        return fh.read(length)


def graphs_of(version: Path, source: str) -> frozenset[str]:
    """The graph IRIs a source file has in a version."""
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    return frozenset(manifest["sources"][source]["graphs"])


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    from qgkg.cli import bundled_corpus

    base = tmp_path_factory.mktemp("dumps")
    plans = base / "plans"
    generate(plans, 8, 11)
    shutil.copy(bundled_corpus() / HOST, plans / HOST)
    root = base / "store"
    build(root, [plans], jobs=1)
    first = StoreDir(root).current()
    assert first is not None
    before = graphs_of(first, HOST)
    (plans / HOST).write_bytes((bundled_corpus() / REPLACEMENT).read_bytes())
    build(root, [plans], jobs=1)
    second = StoreDir(root).current()
    assert second is not None and second != first
    after = graphs_of(second, HOST)
    return History(root, first, second, after, before - after)


def store_quads(version: Path) -> set[ox.Quad]:
    """Every statement of a version, from its Oxigraph store."""
    return set(ox.Store.read_only(str(version / "oxigraph")).quads_for_pattern(None, None, None, None))


def test_write_dumps_serializes_only_the_changed_graphs_and_the_touched_reference_parts(history: History) -> None:
    first, second = read_index(history.first), read_index(history.second)
    assert first is not None and second is not None
    assert history.dropped, "the replaced plan should have lost its fragment graph"
    assert first["chunks"]["written"] == first["chunks"]["chunks"]  # no previous chunks: everything
    old, new = chunk_rows(history.first), chunk_rows(history.second)
    written = {key for key, _fmt in new if new[key, _fmt][0] == history.second.name}
    reference_parts = {key for key, _fmt in new if key.startswith(REFERENCE + PART_SEP)}
    assert set(history.changed) <= written <= set(history.changed) | reference_parts
    assert written & reference_parts  # the changed plan's entities were merged again
    assert second["chunks"]["written"] == len(written)
    assert second["chunks"]["reused"] == second["chunks"]["chunks"] - len(written)
    for (key, fmt), row in new.items():
        if key not in written:  # the very same bytes, in the first build's segment (linked) or moved out of it
            assert member(history.second, row) == member(history.first, old[key, fmt])


def test_write_dumps_rewrites_only_the_reference_parts_of_touched_entities(
    history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.build import BuildDelta
    from graph.derived import reference_parts as dump_reference
    from graph.derived.dumps import write_all, write_dumps

    monkeypatch.setattr(dump_reference, "PART_STATEMENTS", 20)  # many small parts, as in a large store
    first = tmp_path / "v1"
    first.mkdir()
    ox.Store.read_only(str(history.second / "oxigraph")).backup(str(first / "oxigraph"))
    shutil.copy(history.second / "manifest.json", first / "manifest.json")
    write_all(first, ox.Store.read_only(str(first / "oxigraph")), DEFAULT_BASE)
    second = tmp_path / "v2"
    second.mkdir()
    ox.Store.read_only(str(first / "oxigraph")).backup(str(second / "oxigraph"))
    store = ox.Store(str(second / "oxigraph"))
    ref = ox.NamedNode(REFERENCE)
    agency = next(q.subject for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None, ref)
                  if q.object.value.endswith("#Agency"))
    label = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    store.add(ox.Quad(agency, label, ox.Literal("一个新的写法", language="zh-Hans"), ref))
    write_dumps(second, store, BuildDelta(first, frozenset(), frozenset(), DEFAULT_BASE, frozenset({agency.value})))
    rows = chunk_rows(second)
    written = {key for key, _fmt in rows if rows[key, _fmt][0] == second.name}
    buckets = int(read_meta(second / DUMPS_DIR)["ref_buckets"])
    assert written == {f"{REFERENCE}{PART_SEP}{dump_reference.bucket(agency.value, buckets)}"}
    info = read_index(second)
    assert info is not None and info["chunks"]["chunks"] > 10
    quads = set(store.quads_for_pattern(None, None, None, None))
    with open_dump(second, "qgkg.nq.gz") as reader:
        assert set(ox.parse(gzip.decompress(reader.read()), ox.RdfFormat.N_QUADS)) == quads
    assert info["void"]["triples"] == len(quads)
    assert info["void"]["properties"][label.value] == sum(1 for q in quads if q.predicate == label)


def test_write_dumps_links_the_segments_it_keeps(history: History) -> None:
    info = read_index(history.second)
    assert info is not None
    linked = history.second / DUMPS_DIR / SEGMENTS / f"{history.first.name}.seg"
    if info["chunks"]["segments_linked"]:
        original = history.first / DUMPS_DIR / SEGMENTS / f"{history.first.name}.seg"
        assert linked.stat().st_ino == original.stat().st_ino  # a hard link, not a copy
    else:
        assert info["chunks"]["segments_compacted"] == 1 and not linked.exists()


def test_write_dumps_drops_the_chunks_of_removed_graphs(history: History) -> None:
    graphs = {g for g, _fmt in chunk_rows(history.second)}
    assert not graphs & history.dropped
    assert {key.split(PART_SEP)[0] for key in graphs} == {q.graph_name.value for q in store_quads(history.second)}


@pytest.mark.parametrize("name", list(DUMP_NAMES))
def test_dump_file_is_valid_gzip_and_equals_the_store(history: History, name: str, tmp_path: Path) -> None:
    fmt = DUMP_NAMES[name]
    with open_dump(history.second, name) as reader:
        data = reader.read()
    info = {f["name"]: f for f in (read_index(history.second) or {})["files"]}
    assert len(data) == info[name]["size"]
    path = tmp_path / name
    path.write_bytes(data)
    subprocess.run(["gzip", "-t", str(path)], check=True)
    text = gzip.decompress(data)
    expected = store_quads(history.second)
    parsed = list(ox.parse(text, fmt.oxigraph))
    assert len(parsed) == info[name]["triples"] == len(expected)
    if fmt.is_dataset:
        assert set(parsed) == expected  # one named graph per plan, and the reference graph
    else:
        assert {q.triple for q in parsed} == {q.triple for q in expected}
    rdflib_graph = rdflib.Dataset() if fmt.is_dataset else rdflib.Graph()
    rdflib_graph.parse(data=text, format=fmt.rdflib_name)
    if fmt.is_dataset:
        named = {str(c.identifier) for c in rdflib_graph.graphs() if len(c)}
        assert named == {q.graph_name.value for q in expected}


@pytest.mark.parametrize("fmt", [RdfFormat.NQ, RdfFormat.NT, RdfFormat.TRIG, RdfFormat.TTL, RdfFormat.JSONLD])
def test_export_streams_the_chunks_and_equals_the_store(history: History, fmt: RdfFormat) -> None:
    store = EmbeddedStore(history.root, base=DEFAULT_BASE)
    out = io.BytesIO()
    n = store.dump(out, fmt)
    with open_dump(history.second, dump_name(fmt)) as reader:
        assert out.getvalue() == gzip.decompress(reader.read())  # streamed from the chunks
    expected = store_quads(history.second)
    parsed = list(ox.parse(out.getvalue(), fmt.oxigraph))
    assert n == len(parsed) == len(expected)
    if fmt.is_dataset:
        assert set(parsed) == expected
    else:
        assert {q.triple for q in parsed} == {q.triple for q in expected}


def test_export_without_chunks_serializes_the_store(history: History, tmp_path: Path) -> None:
    root = tmp_path / "store"
    shutil.copytree(history.root, root, symlinks=True)
    version = StoreDir(root).current()
    assert version is not None
    shutil.rmtree(version / DUMPS_DIR)
    manifest = Version(version).manifest()
    manifest.integrity = None  # a version built before chunks was built before integrity records too
    Version(version).write_manifest(manifest)
    out = io.BytesIO()
    n = EmbeddedStore(root, base=DEFAULT_BASE).dump(out, RdfFormat.NQ)
    assert set(ox.parse(out.getvalue(), ox.RdfFormat.N_QUADS)) == store_quads(version)
    assert n == len(store_quads(version))
    run_locked(version)  # what the background process does: write every chunk, then each file's sha256
    info = read_index(version)
    assert info is not None and all(f["sha256"] for f in info["files"])
    assert info["void"] == (read_index(history.second) or {})["void"]


@pytest.mark.parametrize("which", ["first", "second"])
def test_void_tallies_equal_the_store(history: History, which: str) -> None:
    version = getattr(history, which)
    info = read_index(version)
    assert info is not None
    quads = store_quads(version)
    void = info["void"]
    assert void["triples"] == len(quads)
    assert void["entities"] == len({q.subject for q in quads if isinstance(q.subject, ox.NamedNode)})
    assert void["properties"] == dict(Counter(q.predicate.value for q in quads))
    classes = Counter(q.object.value for q in quads if q.predicate.value == RDF_TYPE)
    assert void["classes"] == dict(classes)


def test_file_sha256_is_the_digest_of_the_served_bytes(history: History) -> None:
    import hashlib

    from graph.derived.dumps import file_sha256

    for name in DUMP_NAMES:
        with open_dump(history.second, name) as reader:
            assert file_sha256(history.second, name) == hashlib.sha256(reader.read()).hexdigest()
    info = read_index(history.second)
    assert info is not None and all(f["sha256"] for f in info["files"])


def test_void_graph_states_the_store_counts_and_known_checksums(history: History) -> None:
    from graph.derived.dumps import file_sha256
    from graph.meta.void import SPDX, VOID, void_graph

    file_sha256(history.second, "qgkg.nq.gz")
    info = read_index(history.second)
    assert info is not None
    g = void_graph(site="http://localhost/", base=DEFAULT_BASE, counts={}, dumps=info, examples=[])
    ds = rdflib.URIRef("http://localhost/.well-known/void#qgkg")
    quads = store_quads(history.second)
    assert int(g.value(ds, VOID.entities)) == len({q.subject for q in quads if isinstance(q.subject, ox.NamedNode)})
    parts = list(g.objects(ds, VOID.propertyPartition))
    partitions = {str(g.value(p, VOID.property)): int(g.value(p, VOID.triples)) for p in parts}
    assert partitions == dict(Counter(q.predicate.value for q in quads))
    files = list(g.objects(ds, VOID.dataDump))
    dumps = {str(d): int(g.value(rdflib.URIRef(f"{d}#distribution"), VOID.triples)) for d in files}
    assert set(dumps) == {f"http://localhost/dumps/{name}" for name in DUMP_NAMES}
    assert set(dumps.values()) == {len(quads)}
    nq = rdflib.URIRef("http://localhost/dumps/qgkg.nq.gz#distribution")
    checksum = g.value(nq, SPDX.checksum)
    assert str(g.value(checksum, SPDX.checksumValue)) == file_sha256(history.second, "qgkg.nq.gz")
