"""The network tables: activities, their lead agencies and programmes, and the facts of the canned answers.

A co-lead self-join over the whole on-disk store is slow at scale (FACTS.md: ~40 s at
10M triples), so each build writes ``network.sqlite`` inside its version folder::

    activity(iri, plan, jurisdiction, city, year)   one row per activity
    lead(activity, agency)                           one row per lead agency of an activity
    concerns(activity, programme)                    one row per programme of an activity
    entity(iri, kind, label_zh, label_en, level, city, collective, code)
                                                     agencies, cities, jurisdictions, programmes
    term(id, kind, value, lang, datatype)            every RDF term of a fact, as ``graph.store.Value``
    fact(p, s, o, g)                                 one row per quad of the predicates in
                                                     ``FACT_PREDICATES``, by term id (g 0: default graph)

``fact`` keeps the statements the canned analyst queries read exactly as the store holds
them (several values, the same statement in two graphs), so that ``graph.query.canned``
answers those queries with the very rows the SPARQL gives.

An incremental build copies the previous version's table and replaces only the rows
of the plans it removed or added. The same tables can be filled from SPARQL
(``fill_from_sparql``) for a store that has no cache, e.g. a remote one.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.store import Version, reference_graph_iri
from qgkg.config import ONTOLOGY_NS
from qgkg.errors import StoreError

SCHEMA_VERSION = 2

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
SKOS_NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
TIME_YEAR = ox.NamedNode("http://www.w3.org/2006/time#year")
DCTERMS = "http://purl.org/dc/terms/"


def _qg(name: str) -> ox.NamedNode:
    return ox.NamedNode(ONTOLOGY_NS + name)


QG_ACTIVITY = _qg("Activity")
QG_PLAN, QG_CITY, QG_JURISDICTION, QG_YEAR = _qg("plan"), _qg("city"), _qg("jurisdiction"), _qg("year")
QG_LEAD, QG_PROGRAMME = _qg("leadAgency"), _qg("programme")
QG_LEVEL, QG_COLLECTIVE = _qg("level"), _qg("collective")

# The predicates of the ``fact`` table; a fact's ``p`` is the position here plus one.
FACT_PREDICATES: tuple[ox.NamedNode, ...] = (
    RDF_TYPE, QG_PLAN, QG_JURISDICTION, QG_CITY, QG_YEAR, RDFS_LABEL, SKOS_PREF, SKOS_NOTATION, QG_LEAD,
    QG_PROGRAMME, ox.NamedNode(DCTERMS + "title"), ox.NamedNode(DCTERMS + "source"), _qg("documentKind"),
)
FACT_CLASSES = frozenset({QG_ACTIVITY, _qg("Plan")})  # the only rdf:type statements kept
FACTS_SIGNATURE = " ".join(p.value for p in FACT_PREDICATES) + " | " + " ".join(sorted(c.value for c in FACT_CLASSES))

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS activity(iri TEXT PRIMARY KEY, plan TEXT NOT NULL, jurisdiction TEXT, city TEXT,
                                    year INTEGER);
CREATE TABLE IF NOT EXISTS lead(activity TEXT NOT NULL, agency TEXT NOT NULL, PRIMARY KEY(activity, agency))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS concerns(activity TEXT NOT NULL, programme TEXT NOT NULL,
                                    PRIMARY KEY(activity, programme)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity(iri TEXT PRIMARY KEY, kind TEXT, label_zh TEXT, label_en TEXT, level TEXT,
                                  city TEXT, collective INTEGER, code TEXT);
CREATE INDEX IF NOT EXISTS activity_plan ON activity(plan);
CREATE INDEX IF NOT EXISTS activity_city_year ON activity(city, year);
CREATE INDEX IF NOT EXISTS activity_year ON activity(year);
CREATE INDEX IF NOT EXISTS lead_agency ON lead(agency);
CREATE INDEX IF NOT EXISTS concerns_programme ON concerns(programme);
CREATE TABLE IF NOT EXISTS term(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL, lang TEXT NOT NULL,
                                datatype TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS term_value ON term(value);
CREATE TABLE IF NOT EXISTS fact(p INTEGER NOT NULL, s INTEGER NOT NULL, o INTEGER NOT NULL, g INTEGER NOT NULL,
                                PRIMARY KEY(p, s, o, g)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fact_pos ON fact(p, o, s);
CREATE INDEX IF NOT EXISTS fact_graph ON fact(g);
"""

EntityRow = tuple[str, str, str | None, str | None, str | None, str | None, int, str | None]


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables (idempotent)."""
    conn.executescript(SCHEMA)
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))


def open_cache(path: Path) -> sqlite3.Connection:
    """Open a finished cache read-only (safe to share between threads: nothing writes it).

    A file that is not a readable SQLite database is a one-line ``StoreError`` naming it, not
    ``sqlite3.DatabaseError`` on the page that reads it.
    """
    uri = f"file:{path}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.Error as exc:
        raise unreadable_table(path, exc) from None
    return conn


def unreadable_table(path: Path, exc: BaseException) -> StoreError:
    """The one-line error of a damaged side table, naming it and the command that rebuilds it."""
    root = Path(path).parent.parent.parent  # STORE/versions/vN/FILE
    return StoreError(f"{path}: damaged ({' '.join(str(exc).split())}); "
                      f"repair it with 'qgkg check-store --repair --store {root}'")


def write_network_tables(version: Path, store: ox.Store, delta: Any) -> None:
    """Post-build step: write ``network.sqlite`` in ``version`` (incrementally from the previous one)."""
    merged = None if getattr(delta, "static_reloaded", True) else set(getattr(delta, "touched", ()))
    write_cache(version, store, delta.previous, delta.removed, delta.added, reference_graph_iri(delta.base),
                merged=merged)


def write_cache(version: Path, store: ox.Store, previous: Path | None, removed: Iterable[str],
                added: Iterable[str], reference_graph: str, *, merged: set[str] | None = None) -> Path:
    """Write ``version/network.sqlite`` from the previous version's table and the changed plan graphs.

    ``merged``: the entities whose reference description the build rewrote (None: the whole
    reference graph may have changed, e.g. the ontology was loaded again).
    """
    target = Version(version).network_tables
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    old = Version(previous).network_tables if previous is not None else None
    reusable = old is not None and old.is_file() and _schema_of(old) == SCHEMA_VERSION
    ref = ox.NamedNode(reference_graph)
    if reusable:
        assert old is not None
        shutil.copyfile(old, tmp)
        graphs = sorted(set(removed) | set(added))
    else:
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g != ref)
    conn = sqlite3.connect(tmp)
    try:
        create_schema(conn)
        touched: set[str] = set()
        if reusable:
            touched |= _delete_plans(conn, graphs)
        years: dict[str, int | None] = {}
        for g in graphs:
            touched |= _insert_plan(conn, store, ox.NamedNode(g), years)
        _refresh_entities(conn, store, ref, touched)
        write_facts(conn, store, graphs if reusable else None, ref, touched=merged)
        conn.commit()
    finally:
        conn.close()
    tmp.replace(target)
    return target


def _schema_of(path: Path) -> int | None:
    try:
        conn = open_cache(path)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        finally:
            conn.close()
    except (sqlite3.Error, StoreError):
        return None
    return int(row[0]) if row else None


def _delete_plans(conn: sqlite3.Connection, plans: list[str]) -> set[str]:
    """Delete the rows of ``plans``; return the entities they referred to (to refresh)."""
    touched: set[str] = set()
    for plan in plans:
        acts = [r[0] for r in conn.execute("SELECT iri FROM activity WHERE plan = ?", (plan,))]
        for a in acts:
            touched.update(r[0] for r in conn.execute("SELECT agency FROM lead WHERE activity = ?", (a,)))
            conn.execute("DELETE FROM lead WHERE activity = ?", (a,))
            conn.execute("DELETE FROM concerns WHERE activity = ?", (a,))
        conn.execute("DELETE FROM activity WHERE plan = ?", (plan,))
    return touched


def _objects(store: ox.Store, pred: ox.NamedNode, graph: ox.NamedNode) -> Iterator[tuple[str, Any]]:
    for q in store.quads_for_pattern(None, pred, None, graph):
        if isinstance(q.subject, ox.NamedNode):
            yield q.subject.value, q.object


def _year_of(store: ox.Store, year: Any, years: dict[str, int | None]) -> int | None:
    key = year.value if isinstance(year, ox.NamedNode | ox.Literal) else str(year)
    if key not in years:
        value: int | None = None
        if isinstance(year, ox.Literal):
            value = _int(year.value)
        else:
            for pred in (TIME_YEAR, RDFS_LABEL):
                for q in store.quads_for_pattern(year, pred, None, None):
                    value = _int(q.object.value)
                    if value is not None:
                        break
                if value is not None:
                    break
        years[key] = value
    return years[key]


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def _insert_plan(conn: sqlite3.Connection, store: ox.Store, graph: ox.NamedNode,
                 years: dict[str, int | None]) -> set[str]:
    """Insert the activities of one plan graph; return the entities they refer to."""
    activities = {s for s, o in _objects(store, RDF_TYPE, graph) if o == QG_ACTIVITY}
    if not activities:
        return set()
    fields: dict[str, dict[str, str | int | None]] = {a: {} for a in activities}
    for name, pred in (("plan", QG_PLAN), ("jurisdiction", QG_JURISDICTION), ("city", QG_CITY)):
        for s, o in _objects(store, pred, graph):
            if s in fields and isinstance(o, ox.NamedNode):
                fields[s][name] = o.value
    for s, o in _objects(store, QG_YEAR, graph):
        if s in fields:
            fields[s]["year"] = _year_of(store, o, years)
    touched: set[str] = set()
    rows = []
    for a in sorted(activities):
        f = fields[a]
        rows.append((a, f.get("plan") or graph.value, f.get("jurisdiction"), f.get("city"), f.get("year")))
        touched.update(str(v) for k, v in f.items() if k in ("jurisdiction", "city") and v)
    conn.executemany("INSERT OR REPLACE INTO activity VALUES (?, ?, ?, ?, ?)", rows)
    for table, pred in (("lead", QG_LEAD), ("concerns", QG_PROGRAMME)):
        pairs = sorted({(s, o.value) for s, o in _objects(store, pred, graph)
                        if s in activities and isinstance(o, ox.NamedNode)})
        conn.executemany(f"INSERT OR IGNORE INTO {table} VALUES (?, ?)", pairs)
        touched.update(p[1] for p in pairs)
    return touched


def _refresh_entities(conn: sqlite3.Connection, store: ox.Store, ref: ox.NamedNode, touched: set[str]) -> None:
    """Rewrite the entity rows of ``touched`` and of every programme and city from the reference graph."""
    for cls in ("Programme", "City"):
        touched.update(q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, _qg(cls), ref)
                       if isinstance(q.subject, ox.NamedNode))
    rows = [describe_entity(iri, store.quads_for_pattern(ox.NamedNode(iri), None, None, ref))
            for iri in sorted(touched)]
    conn.executemany("INSERT OR REPLACE INTO entity VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def describe_entity(iri: str, quads: Iterable[Any]) -> EntityRow:
    """An ``entity`` row from the statements about ``iri`` (pyoxigraph quads or triples)."""
    types: set[str] = set()
    zh: list[str] = []
    en: list[str] = []
    other: list[str] = []
    level = city = code = None
    collective = 0
    for q in quads:
        p, o = q.predicate, q.object
        if p == RDF_TYPE:
            types.add(o.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1])
        elif p in (SKOS_PREF, RDFS_LABEL) and isinstance(o, ox.Literal):
            lang = (o.language or "").lower()
            bucket = zh if lang.startswith("zh") and p == SKOS_PREF else en if lang.startswith("en") else other
            bucket.append(o.value)
        elif p == QG_LEVEL:
            level = o.value
        elif p == QG_CITY and isinstance(o, ox.NamedNode):
            city = o.value
        elif p == QG_COLLECTIVE:
            collective = 1 if o.value.lower() in ("true", "1") else 0
        elif p == SKOS_NOTATION:
            code = o.value
    if "CollectiveAgency" in types:
        collective = 1
    kind = entity_kind(types, collective)
    label_zh = min(zh) if zh else (min(other) if other else None)
    return (iri, kind, label_zh, min(en) if en else None, level, city, collective, code)


KIND_ORDER = ("CollectiveAgency", "Agency", "Organization", "Programme", "City", "District", "Province",
              "Country", "Jurisdiction")


def entity_kind(types: set[str], collective: int) -> str:
    """The most specific kind among the types: CollectiveAgency, Agency, Organization, Programme, City, …"""
    if collective and ("Agency" in types or "Organization" in types or not types):
        return "CollectiveAgency"
    for k in KIND_ORDER:
        if k in types:
            return k
    return "Organization" if not types else sorted(types)[0]


# --- the fact table ----------------------------------------------------------------------------

TermKey = tuple[str, str, str, str]
_CHUNK = 50_000


def term_key(term: Any) -> TermKey:
    """``(kind, value, lang, datatype)`` of a pyoxigraph term, as ``graph.store.to_value`` reads it."""
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, "", "")
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.language or "", term.datatype.value if term.datatype else "")
    return ("literal", str(term), "", "")


class _Terms:
    """Term ids: the table's rows, and the new ones to insert."""

    def __init__(self, conn: sqlite3.Connection, *, preload: bool = True) -> None:
        self.conn = conn
        self.ids: dict[TermKey, int] = {}
        self.lazy = not preload  # look terms up in the table one by one (a small incremental build)
        if preload:
            rows = conn.execute("SELECT id, kind, value, lang, datatype FROM term")
            self.ids = {(k, v, lang, dt): i for i, k, v, lang, dt in rows}
            self.next = max(self.ids.values(), default=0) + 1
        else:
            self.next = (conn.execute("SELECT MAX(id) FROM term").fetchone()[0] or 0) + 1
        self.by_term: dict[Any, int] = {}
        self.new: list[tuple[int, str, str, str, str]] = []

    def _lookup(self, key: TermKey) -> int | None:
        found = self.ids.get(key)
        if found is None and self.lazy:
            kind, value, lang, datatype = key
            row = self.conn.execute("SELECT id FROM term WHERE value = ? AND kind = ? AND lang = ? AND datatype = ?",
                                    (value, kind, lang, datatype)).fetchone()
            found = row[0] if row else None
        return found

    def id(self, term: Any) -> int:
        """The id of ``term`` (a new one when the table does not hold it)."""
        found = self.by_term.get(term)
        if found is not None:
            return found
        key = term_key(term)
        found = self._lookup(key)
        if found is None:
            found = self.next
            self.next += 1
            self.ids[key] = found
            self.new.append((found, *key))
        self.by_term[term] = found
        return found

    def graph(self, graph: Any) -> int:
        """The ``g`` of a graph name: 0 for the default graph."""
        return 0 if graph is None or isinstance(graph, ox.DefaultGraph) else self.id(graph)

    def flush(self) -> None:
        """Insert the new terms."""
        self.conn.executemany("INSERT INTO term VALUES (?, ?, ?, ?, ?)", self.new)
        self.new.clear()


def write_facts(conn: sqlite3.Connection, store: ox.Store, changed: list[str] | None, ref: ox.NamedNode, *,
                touched: set[str] | None = None) -> None:
    """Fill ``fact`` from every graph (``changed`` None) or replace the rows of the changed plan graphs.

    The default graph is read again at every build, and so is the reference graph, but for the
    descriptions of the ``touched`` entities only when they are given (a build rewrites the
    reference descriptions of those entities and of no other).
    """
    terms = _Terms(conn, preload=changed is None)
    sources: list[Any]
    if changed is None:
        conn.execute("DELETE FROM fact")
        sources = [None]
    else:
        sources = [ox.NamedNode(g) for g in changed] + [ox.DefaultGraph()]
        if touched is None:
            sources.append(ref)
        conn.executemany("DELETE FROM fact WHERE g = ?", [(terms.graph(g),) for g in sources])
    rows: list[tuple[int, int, int, int]] = []

    def add(code: int, pred: ox.NamedNode, quads: Iterable[Any]) -> None:
        for q in quads:
            if pred == RDF_TYPE and q.object not in FACT_CLASSES:
                continue
            rows.append((code, terms.id(q.subject), terms.id(q.object), terms.graph(q.graph_name)))
            if len(rows) >= _CHUNK:
                conn.executemany("INSERT OR IGNORE INTO fact VALUES (?, ?, ?, ?)", rows)
                rows.clear()

    for code, pred in enumerate(FACT_PREDICATES, 1):
        for graph in sources:
            add(code, pred, store.quads_for_pattern(None, pred, None, graph))
    if changed is not None and touched is not None:
        g = terms.graph(ref)
        for iri in sorted(touched):
            node = ox.NamedNode(iri)
            sid = terms.id(node)
            for code, pred in enumerate(FACT_PREDICATES, 1):
                conn.execute("DELETE FROM fact WHERE p = ? AND s = ? AND g = ?", (code, sid, g))  # the primary key
                add(code, pred, store.quads_for_pattern(node, pred, None, ref))
    conn.executemany("INSERT OR IGNORE INTO fact VALUES (?, ?, ?, ?)", rows)
    terms.flush()
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('facts', ?)", (FACTS_SIGNATURE,))
    conn.execute("DELETE FROM meta WHERE key LIKE 'answer:%'")  # answers are computed when asked
    conn.execute("DROP TABLE IF EXISTS answer_row")
