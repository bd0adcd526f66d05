"""Per-graph dump chunks: each named graph serialized once per format, as a gzip member.

A dump in N-Quads, N-Triples, TriG, Turtle or JSON-LD is the concatenation of one gzip
member per graph (JSON-LD adds ``[``, ``,`` and ``]`` members around its node objects), so a
dump file is a valid multi-member gzip file and a build only serializes the graphs it changed.

Layout inside ``VERSION/dumps/``::

    chunks.sqlite        where each (graph, format) member lives, and each graph's VoID tally
    segments/NAME.seg    members appended one after the other; a segment is written once by
                         the build that named it and hard-linked into later versions

A build copies the previous version's ``chunks.sqlite``, forgets the graphs it replaced,
links the segments still in use (and copies the few live members out of segments that are
mostly dead, so that dead bytes stay under half of what is kept) and appends the graphs it
wrote, plus the reference graph, to a new segment.

Entities (VoID ``void:entities``: distinct IRI subjects) are counted without a union of
every subject: a plan graph's subjects are minted under its own IRI (the plan, its
activities, fragments), and those *owned* subjects are counted per graph; every other
subject (the reference graph's, or a plan's that is not under its IRI) is kept by name and
counted once over all graphs. This is exact as long as an owned subject sits in one graph
only, which the IRI scheme (docs/MODEL.md) guarantees and the tests check against the store.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from graph.store.chunks import INDEX_DB, PART_SEP, SEGMENTS, connect
from graph.store.formats import RdfFormat
from graph.store.values import PREFIXES

COMPRESSLEVEL = 6
DEFAULT_GRAPH_KEY = ""  # the default graph's key in the index (qgkg writes none, but a store may have one)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDF_TYPE = ox.NamedNode(RDF_TYPE)

@dataclass
class GraphTally:
    """What one graph adds to the VoID description."""

    statements: int = 0
    owned: int = 0
    foreign: set[str] = field(default_factory=set)
    properties: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class ChunkReport:
    """What writing the chunks of a version did (kept in the dumps index)."""

    chunks: int  # graphs, or parts of a graph (the reference graph is split by subject)
    written: int
    reused: int
    segments_linked: int
    segments_compacted: int
    bytes_written: int


def graph_key(graph: ox.NamedNode | ox.DefaultGraph) -> str:
    """The index key of a graph: its IRI, or ``""`` for the default graph."""
    return graph.value if isinstance(graph, ox.NamedNode) else DEFAULT_GRAPH_KEY


def tally_quads(key: str, quads: list[ox.Quad]) -> GraphTally:
    """Count one graph's statements per property and class, and its subjects (owned or not)."""
    t = GraphTally(statements=len(quads))
    t.properties.update(q.predicate.value for q in quads)
    t.classes.update(q.object.value for q in quads if q.predicate == _RDF_TYPE and isinstance(q.object, ox.NamedNode))
    subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    prefix = key + "/"
    owned = {s for s in subjects if s == key or s.startswith(prefix)} if key else set()
    t.owned = len(owned)
    t.foreign = subjects - owned
    return t


def serialize_graph(quads: list[ox.Quad]) -> dict[RdfFormat, bytes]:
    """One graph's statements in every chunk format, uncompressed (JSON-LD: its node objects, without brackets)."""
    triples = [q.triple for q in quads]
    out = {
        RdfFormat.NQ: ox.serialize(quads, None, ox.RdfFormat.N_QUADS),
        RdfFormat.NT: ox.serialize(triples, None, ox.RdfFormat.N_TRIPLES),
        RdfFormat.TRIG: ox.serialize(quads, None, ox.RdfFormat.TRIG, prefixes=PREFIXES),
        RdfFormat.TTL: ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes=PREFIXES),
    }
    doc = ox.serialize(triples, None, ox.RdfFormat.JSON_LD).strip()  # the union, as the other triple formats
    if not (doc.startswith(b"[") and doc.endswith(b"]")):
        raise ValueError("JSON-LD serialization is not an array")  # pyoxigraph's documented shape
    out[RdfFormat.JSONLD] = doc[1:-1]
    for fmt, data in out.items():
        if data and not data.endswith(b"\n") and fmt is not RdfFormat.JSONLD:
            out[fmt] = data + b"\n"
    return out


class SegmentWriter:
    """Append gzip members to one new segment file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.stem
        self.fh: IO[bytes] | None = None
        self.size = 0

    def append(self, member: bytes) -> tuple[int, int]:
        """Write a member; return its (offset, length)."""
        if self.fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = self.path.open("wb")
        offset = self.size
        self.fh.write(member)
        self.size += len(member)
        return offset, len(member)

    def close(self) -> None:
        """Flush to disk (fsync: the version is switched to after this)."""
        if self.fh is not None:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()


def _forget(db: sqlite3.Connection, keys: Iterable[str]) -> dict[str, GraphTally]:
    """Drop graphs from the index; return their tallies (what they added to the totals)."""
    import json

    gone: dict[str, GraphTally] = {}
    for key in keys:
        row = db.execute("SELECT statements, owned, properties, classes FROM tally WHERE graph = ?", (key,)).fetchone()
        if row is None:
            continue
        foreign = {s for (s,) in db.execute("SELECT subject FROM foreign_subject WHERE graph = ?", (key,))}
        gone[key] = GraphTally(row[0], row[1], foreign, Counter(json.loads(row[2])), Counter(json.loads(row[3])))
        for table in ("chunk", "tally", "foreign_subject"):
            db.execute(f"DELETE FROM {table} WHERE graph = ?", (key,))  # noqa: S608 (fixed table names)
    return gone


def _record(db: sqlite3.Connection, key: str, t: GraphTally) -> None:
    import json

    db.execute(
        "INSERT INTO tally VALUES (?, ?, ?, ?, ?)",
        (key, t.statements, t.owned, json.dumps(t.properties), json.dumps(t.classes)),
    )
    db.executemany("INSERT INTO foreign_subject VALUES (?, ?)", [(key, s) for s in sorted(t.foreign)])


def _carry_segments(db: sqlite3.Connection, old_dir: Path, new_dir: Path, writer: SegmentWriter) -> tuple[int, int]:
    """Link the previous segments still in use; move live members out of mostly dead ones."""
    linked = compacted = 0
    live = dict(db.execute("SELECT segment, SUM(length) FROM chunk GROUP BY segment").fetchall())
    for name, size in db.execute("SELECT name, size FROM segment").fetchall():
        used = live.get(name, 0)
        if used and used * 2 >= size:
            (new_dir / SEGMENTS).mkdir(parents=True, exist_ok=True)
            os.link(old_dir / SEGMENTS / f"{name}.seg", new_dir / SEGMENTS / f"{name}.seg")
            linked += 1
            continue
        if used:
            rows = db.execute("SELECT graph, fmt, offset, length FROM chunk WHERE segment = ?", (name,)).fetchall()
            with (old_dir / SEGMENTS / f"{name}.seg").open("rb") as fh:
                for key, fmt, offset, length in rows:
                    fh.seek(offset)
                    new_offset, _ = writer.append(fh.read(length))
                    db.execute(
                        "UPDATE chunk SET segment = ?, offset = ? WHERE graph = ? AND fmt = ?",
                        (writer.name, new_offset, key, fmt),
                    )
            compacted += 1
        db.execute("DELETE FROM segment WHERE name = ?", (name,))
    return linked, compacted


ChunkSource = tuple[str, Callable[[], list[ox.Quad]]]  # (chunk key, reads the chunk's statements)


def graph_of(key: str) -> str:
    """The graph IRI of a chunk key (a part of a graph is keyed ``IRI<TAB>part``)."""
    return key.split(PART_SEP, 1)[0]


def write_chunks(
    out_dir: Path,
    sources: Iterable[ChunkSource],
    *,
    segment: str,
    previous: Path | None = None,
    stale: Iterable[str] = (),
    meta: dict[str, str] | None = None,
) -> tuple[ChunkReport, dict[str, GraphTally], dict[str, GraphTally]]:
    """Write one chunk per source into ``out_dir`` (a version's dumps folder).

    With ``previous`` (an earlier version's dumps folder), its index is copied, the
    ``stale`` keys (and those of ``sources``) are dropped from it and its segments are
    reused; otherwise the index starts empty. ``meta`` values are kept in the index.
    Returns the report and the tallies of the chunks dropped and of those written, for
    updating the VoID totals.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / INDEX_DB
    tmp = out_dir / f".{INDEX_DB}.{os.getpid()}"
    if previous is not None:
        shutil.copyfile(previous / INDEX_DB, tmp)
    db = connect(tmp)
    todo = sorted(dict(sources).items())
    writer = SegmentWriter(out_dir / SEGMENTS / f"{segment}.seg")
    try:
        gone = _forget(db, set(stale) | {key for key, _read in todo})
        linked = compacted = 0
        if previous is not None:
            linked, compacted = _carry_segments(db, previous, out_dir, writer)
        added: dict[str, GraphTally] = {}
        for key, read in todo:
            quads = read()
            if not quads:
                continue
            for fmt, data in serialize_graph(quads).items():
                member = gzip.compress(data, compresslevel=COMPRESSLEVEL, mtime=0)
                offset, length = writer.append(member)
                db.execute("INSERT INTO chunk VALUES (?, ?, ?, ?, ?)", (key, fmt.value, writer.name, offset, length))
            added[key] = tally_quads(graph_of(key), quads)
            _record(db, key, added[key])
        writer.close()
        if writer.size:
            db.execute("INSERT INTO segment VALUES (?, ?)", (writer.name, writer.size))
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", sorted((meta or {}).items()))
        (count,) = db.execute("SELECT COUNT(*) FROM tally").fetchone()
        db.commit()
    finally:
        db.close()
    os.replace(tmp, db_path)
    report = ChunkReport(count, len(added), count - len(added), linked, compacted, writer.size)
    return report, gone, added


def read_meta(dumps_dir: Path) -> dict[str, str]:
    """The values a build kept in a chunk index (e.g. how the reference graph is split)."""
    db = connect(dumps_dir / INDEX_DB, readonly=True)
    try:
        return dict(db.execute("SELECT name, value FROM meta").fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        db.close()


def keys_of(dumps_dir: Path, graph: str) -> dict[str, set[str]]:
    """The chunk keys of one graph (whole or in parts) in an index, each with its IRI subjects."""
    db = connect(dumps_dir / INDEX_DB, readonly=True)
    try:
        keys = {k for (k,) in db.execute(
            "SELECT graph FROM tally WHERE graph = ? OR substr(graph, 1, ?) = ?",
            (graph, len(graph) + 1, graph + PART_SEP),
        )}
        out: dict[str, set[str]] = {k: set() for k in keys}
        for key in keys:
            out[key] = {s for (s,) in db.execute("SELECT subject FROM foreign_subject WHERE graph = ?", (key,))}
    finally:
        db.close()
    return out
