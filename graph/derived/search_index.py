"""A full-text index of every label (SQLite FTS5, trigram), written per store version by a post-build step.

``search.sqlite`` in the version folder answers the search page with the hits of the
``page_search`` query (a label that contains the text, case-insensitively) without
scanning every label of the store. Texts of three characters or more are looked up in the
trigram index (Chinese has no spaces, so words cannot be the unit); shorter ones scan the
label table with ``instr`` (every trigram index needs three characters).

A build that changes a few files copies the previous version's index and replaces only
the rows of the plan graphs it removed and added, and of the reference-graph entities it
touched. Rows are kept per named graph: a resource's types and labels are joined at query
time by IRI, as the union default graph joins them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.store import Version, reference_graph_iri
from qgkg.config import ONTOLOGY_NS

FORMAT = "2"
QG = ONTOLOGY_NS
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# the types page_search looks at, and the page kind of each
SEARCH_TYPES = {
    QG + "Plan": "plan",
    QG + "Agency": "agency",
    QG + "Activity": "activity",
    QG + "Programme": "programme",
    QG + "City": "city",
    QG + "Jurisdiction": "city",
}
LABELS = (SKOS + "prefLabel", SKOS + "altLabel", RDFS + "label", DCT + "title", SKOS + "notation")
NAMES = {SKOS + "prefLabel": 0, DCT + "title": 1, RDFS + "label": 2}  # the displayed name, by preference
TYPE_CODES = {t: n for n, t in enumerate(SEARCH_TYPES)}
MIN_TRIGRAM = 3

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE iris(id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
CREATE TABLE kinds(type INTEGER PRIMARY KEY, iri TEXT NOT NULL, kind TEXT NOT NULL);
CREATE TABLE types(graph INTEGER NOT NULL, iri INTEGER NOT NULL, type INTEGER NOT NULL);
CREATE INDEX types_iri ON types(iri);
CREATE INDEX types_graph ON types(graph, iri);
-- original: the label as written when lower-casing changed it; name: its preference as the displayed name
CREATE TABLE label_rows(id INTEGER PRIMARY KEY, graph INTEGER NOT NULL, iri INTEGER NOT NULL,
                        text TEXT NOT NULL, original TEXT, name INTEGER);
CREATE INDEX label_rows_graph ON label_rows(graph, iri);
CREATE INDEX label_rows_name ON label_rows(iri, name) WHERE name IS NOT NULL;
CREATE VIRTUAL TABLE labels USING fts5(text, content='label_rows', content_rowid='id',
                                       tokenize='trigram case_sensitive 1');
CREATE TRIGGER label_rows_ai AFTER INSERT ON label_rows BEGIN
  INSERT INTO labels(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER label_rows_ad AFTER DELETE ON label_rows BEGIN
  INSERT INTO labels(labels, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""


@dataclass(frozen=True)
class Hit:
    """One search result: the resource, its page kind, its name and the label that matched."""

    kind: str
    iri: str
    name: str | None
    matched: str
    found: int  # how many resources of this kind matched in all


# --- reading -------------------------------------------------------------------------------


def index_path(version: Path) -> Path:
    """Where a version keeps its search index."""
    return Version(version).search_index


def open_index(version: Path) -> sqlite3.Connection | None:
    """The version's index, read-only (a version never changes), or None when it has none."""
    path = index_path(version)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.Error:
        return None
    if row is None or row[0] != FORMAT:
        conn.close()
        return None
    return conn


def names(conn: sqlite3.Connection, iris: Iterable[str]) -> dict[str, str]:
    """The displayed name of each IRI that has one (skos:prefLabel, else dcterms:title, else rdfs:label)."""
    wanted = list(dict.fromkeys(iris))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT i.iri, COALESCE(r.original, r.text), r.name FROM iris i JOIN label_rows r ON r.iri = i.id"
            f" WHERE i.iri IN ({marks}) AND r.name IS NOT NULL ORDER BY i.iri, r.name, r.id", chunk)
        for iri, text, _name in rows:
            out.setdefault(iri, text)
    return out


def _hits_sql(q: str) -> tuple[str, dict[str, Any]]:
    """The label rows that contain ``q`` (lower-cased): a trigram lookup, or a scan for short text."""
    params: dict[str, Any] = {"q": q, "n": len(q)}
    if len(q) >= MIN_TRIGRAM:
        params["phrase"] = '"' + q.replace('"', '""') + '"'
        source = (
            "labels JOIN label_rows r ON r.id = labels.rowid"
            " WHERE labels MATCH :phrase AND instr(r.text, :q) > 0"
        )
    else:
        source = "label_rows r WHERE instr(r.text, :q) > 0"
    sql = f"""
        SELECT r.iri AS iri, COALESCE(r.original, r.text) AS matched,
               MIN((CASE WHEN r.text = :q THEN 0 WHEN substr(r.text, 1, :n) = :q THEN 1 ELSE 2 END) * 1000000
                   + length(r.text)) AS score
        FROM {source} GROUP BY r.iri"""
    return sql, params


def search(conn: sqlite3.Connection, q: str, *, per_kind: int = 100) -> list[Hit]:
    """Resources with a label containing ``q`` (case-insensitively), the best ``per_kind`` of each kind.

    Ranked within a kind: a label equal to the text, then one starting with it, then shorter labels.
    """
    if not q:
        return []
    hits, params = _hits_sql(q.lower())
    sql = f"""
        WITH hit AS ({hits}),
        ent AS (SELECT k.kind AS kind, h.iri AS iri, MIN(h.score) AS score, h.matched AS matched
                FROM hit h JOIN types t ON t.iri = h.iri JOIN kinds k ON k.type = t.type GROUP BY k.kind, h.iri),
        ranked AS (SELECT kind, iri, score, matched,
                          ROW_NUMBER() OVER (PARTITION BY kind ORDER BY score, iri) AS n,
                          COUNT(*) OVER (PARTITION BY kind) AS found
                   FROM ent)
        SELECT r.kind, i.iri,
               (SELECT COALESCE(m.original, m.text) AS label FROM label_rows m
                WHERE m.iri = r.iri AND m.name IS NOT NULL ORDER BY m.name, label LIMIT 1),
               r.matched, r.found
        FROM ranked r JOIN iris i ON i.id = r.iri
        WHERE r.n <= :limit ORDER BY r.kind, r.n"""
    params["limit"] = per_kind
    return [Hit(*row) for row in conn.execute(sql, params)]


def matching_types(conn: sqlite3.Connection, q: str) -> set[tuple[str, str]]:
    """Every (resource, type) whose label contains ``q``: the rows of ``page_search`` without its LIMIT."""
    if not q:
        return set()
    hits, params = _hits_sql(q.lower())
    sql = (
        f"SELECT DISTINCT i.iri, k.iri FROM ({hits}) h JOIN types t ON t.iri = h.iri"
        " JOIN kinds k ON k.type = t.type JOIN iris i ON i.id = h.iri"
    )
    return set(conn.execute(sql, params))


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """What one batch of quads adds to the index: types, labels and names, keyed by graph and subject."""

    types: list[tuple[str, str, str]]  # graph, subject, type
    labels: list[tuple[str, str, str, int | None]]  # graph, subject, label, preference as the name (or None)


def _graph_key(quad: ox.Quad) -> str:
    g = quad.graph_name
    return g.value if isinstance(g, ox.NamedNode) else ""


def _is_name(obj: Any) -> bool:
    if not isinstance(obj, ox.Literal):
        return False
    lang = (obj.language or "").lower()
    return lang in ("", "zh-hans") or lang.startswith("zh-hans-")


def collect(quads: Iterable[ox.Quad]) -> Rows:
    """Index rows from quads (type statements of the searched types and label statements; others ignored)."""
    rows = Rows([], [])
    for quad in quads:
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode):
            continue
        graph = _graph_key(quad)
        if predicate == RDF_TYPE:
            if isinstance(obj, ox.NamedNode) and obj.value in SEARCH_TYPES:
                rows.types.append((graph, subject.value, obj.value))
        elif predicate in LABELS and isinstance(obj, ox.Literal | ox.NamedNode):
            name = NAMES[predicate] if predicate in NAMES and _is_name(obj) else None
            rows.labels.append((graph, subject.value, obj.value, name))
    return rows


def _pattern_quads(store: ox.Store, graph: ox.NamedNode | None) -> Iterator[ox.Quad]:
    """The type statements of the searched types and the label statements of one graph (or all)."""
    rdf_type = ox.NamedNode(RDF_TYPE)
    for t in SEARCH_TYPES:
        yield from store.quads_for_pattern(None, rdf_type, ox.NamedNode(t), graph)
    for p in LABELS:
        yield from store.quads_for_pattern(None, ox.NamedNode(p), None, graph)


def _subject_quads(store: ox.Store, subjects: Iterable[str], graph: ox.NamedNode) -> Iterator[ox.Quad]:
    for s in subjects:
        yield from store.quads_for_pattern(ox.NamedNode(s), None, None, graph)


class _Writer:
    """Writes rows into an open index, interning IRIs."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.ids: dict[str, int] = {}

    def id(self, iri: str) -> int:
        got = self.ids.get(iri)
        if got is None:
            row = self.conn.execute("SELECT id FROM iris WHERE iri = ?", (iri,)).fetchone()
            got = row[0] if row else self.conn.execute("INSERT INTO iris(iri) VALUES (?)", (iri,)).lastrowid
            assert got is not None
            self.ids[iri] = got
        return got

    def existing(self, iri: str) -> int | None:
        row = self.conn.execute("SELECT id FROM iris WHERE iri = ?", (iri,)).fetchone()
        return row[0] if row else None

    def delete_graph(self, graph: str) -> None:
        gid = self.existing(graph)
        if gid is not None:
            for table in ("label_rows", "types"):
                self.conn.execute(f"DELETE FROM {table} WHERE graph = ?", (gid,))

    def delete_subjects(self, graph: str, subjects: Iterable[str]) -> None:
        gid = self.existing(graph)
        if gid is None:
            return
        for s in subjects:
            sid = self.existing(s)
            if sid is not None:
                for table in ("label_rows", "types"):
                    self.conn.execute(f"DELETE FROM {table} WHERE graph = ? AND iri = ?", (gid, sid))

    def add(self, rows: Rows) -> None:
        i = self.id
        self.conn.executemany(
            "INSERT INTO types(graph, iri, type) VALUES (?, ?, ?)",
            [(i(g), i(s), TYPE_CODES[t]) for g, s, t in rows.types],
        )
        self.conn.executemany(
            "INSERT INTO label_rows(graph, iri, text, original, name) VALUES (?, ?, ?, ?, ?)",
            [(i(g), i(s), label.lower(), None if label.lower() == label else label, name)
             for g, s, label, name in rows.labels],
        )


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")  # the version folder is discarded if the build fails
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def build_index(path: Path, store: ox.Store, base: str) -> None:
    """Write a new index of the whole store at ``path``."""
    path.unlink(missing_ok=True)
    conn = _connect(path)
    try:
        conn.executescript(SCHEMA)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("base", base)])
        conn.executemany("INSERT INTO kinds VALUES (?, ?, ?)", [(n, t, SEARCH_TYPES[t]) for t, n in TYPE_CODES.items()])
        _Writer(conn).add(collect(_pattern_quads(store, None)))
        conn.execute("COMMIT")
        conn.execute("INSERT INTO labels(labels) VALUES ('optimize')")
    finally:
        conn.close()


def update_index(
    path: Path,
    store: ox.Store,
    *,
    removed: Iterable[str],
    added: Iterable[str],
    reference: str,
    touched: Iterable[str],
) -> None:
    """Replace the rows of the removed and added plan graphs, and of the touched reference entities."""
    conn = _connect(path)
    try:
        writer = _Writer(conn)
        conn.execute("BEGIN")
        for g in sorted(set(removed) | set(added)):
            writer.delete_graph(g)
        for g in sorted(added):
            writer.add(collect(_pattern_quads(store, ox.NamedNode(g))))
        subjects = sorted(set(touched))
        writer.delete_subjects(reference, subjects)
        writer.add(collect(_subject_quads(store, subjects, ox.NamedNode(reference))))
        conn.execute(
            "INSERT INTO meta VALUES ('updates', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def touched_entities(version: Path, store: ox.Store, delta: Any) -> set[str] | None:
    """The reference-graph entities whose description the build may have changed, or None (unknown).

    The build merges, for every changed file, the entity descriptions the file contributed
    before (kept in the previous version's ``contrib`` store) and contributes now: the
    entities its plans refer to, with their parents and jurisdictions (reached through the
    reference graph). Programmes come from the static scheme and are always taken again.
    """
    given = getattr(delta, "touched", None)
    touched: set[str] = set(given) if given is not None else set()
    ref = ox.NamedNode(reference_graph_iri(delta.base))
    if given is None:
        try:
            old = ox.Store.read_only(str(Path(delta.previous) / "contrib"))
        except OSError:
            return None
        for g in delta.removed:
            touched.update(q.subject.value for q in old.quads_for_pattern(None, None, None, ox.NamedNode(g))
                           if isinstance(q.subject, ox.NamedNode))
        del old
        frontier = {
            q.object.value
            for g in delta.added
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))
            if isinstance(q.object, ox.NamedNode) and q.predicate.value != RDF_TYPE
            and q.object.value.startswith(delta.base)
        }
        while frontier:  # close over the reference graph's links (parent agency, city, province)
            touched |= frontier
            frontier = {
                q.object.value
                for s in frontier
                for q in store.quads_for_pattern(ox.NamedNode(s), None, None, ref)
                if isinstance(q.object, ox.NamedNode) and q.predicate.value != RDF_TYPE
                and q.object.value.startswith(delta.base)
            } - touched
    programme = ox.NamedNode(QG + "Programme")
    touched.update(q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), programme, ref))
    return touched


def _previous_usable(previous: Path | None, base: str) -> Path | None:
    if previous is None:
        return None
    conn = open_index(previous)
    if conn is None:
        return None
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'base'").fetchone()
    finally:
        conn.close()
    return index_path(previous) if row is not None and row[0] == base else None


def write_search_index(version: Path, store: ox.Store, delta: Any) -> None:
    """Post-build step: write ``search.sqlite``, from the previous version's index when there is one."""
    target = index_path(version)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    previous = _previous_usable(delta.previous, delta.base)
    touched = touched_entities(version, store, delta) if previous is not None else None
    if previous is not None and touched is not None:
        shutil.copyfile(previous, tmp)
        update_index(
            tmp,
            store,
            removed=delta.removed,
            added=delta.added,
            reference=reference_graph_iri(delta.base),
            touched=touched,
        )
    else:
        build_index(tmp, store, delta.base)
    os.replace(tmp, target)
