"""Canned analyst queries answered from the build-time tables of ``network.sqlite``.

A whole-graph aggregate over the on-disk store takes seconds at 10,000 plans (FACTS.md);
the same answer from the version's ``term`` and ``fact`` tables (``graph.derived.network_tables``)
takes a fraction of that. Each answer here is the SQL rendering of one ``graph/queries/*.rq``
file over the ``fact`` table, which holds every quad of the predicates those queries read,
duplicates across graphs included: the joins then give the same solutions, with the same
multiplicities, as SPARQL over the union default graph.

The contract: for every query here and every parameter value, ``answer`` gives exactly the
rows the SPARQL gives on the embedded store (same variables, terms, language tags,
datatypes, unbound variables absent, same ORDER BY; rows whose ORDER BY keys tie come in
an order SPARQL leaves open). ``tests/graph/test_materialized.py`` checks it on real
stores. Where the tables cannot give that answer exactly (no tables, an older schema,
ORDER BY keys Oxigraph does not compare as a total order, a year label that is not a plain
integer), ``answer`` returns None and the SPARQL runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.derived.network_tables import (
    DCTERMS,
    FACT_PREDICATES,
    FACTS_SIGNATURE,
    QG_ACTIVITY,
    QG_CITY,
    QG_JURISDICTION,
    QG_LEAD,
    QG_PLAN,
    QG_PROGRAMME,
    QG_YEAR,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA_VERSION,
    SKOS_NOTATION,
    SKOS_PREF,
    open_cache,
)
from graph.queries import CannedQuery, get_query
from graph.query.order import RDF_LANG_STRING, XSD_INTEGER, XSD_STRING, NotMaterializedError, integer, order_rows
from graph.store import GraphStore, Results, Value, Version, check_params
from qgkg.config import ONTOLOGY_NS
from qgkg.errors import StoreError


def _code(pred: Any) -> int:
    """The ``p`` of a predicate in the ``fact`` table (a predicate term, or its IRI)."""
    iri = getattr(pred, "value", pred)
    return [p.value for p in FACT_PREDICATES].index(iri) + 1


TYPE, PLAN, JUR, CITY, YEAR = _code(RDF_TYPE), _code(QG_PLAN), _code(QG_JURISDICTION), _code(QG_CITY), _code(QG_YEAR)
LABEL, PREF, NOTATION, LEAD = _code(RDFS_LABEL), _code(SKOS_PREF), _code(SKOS_NOTATION), _code(QG_LEAD)
PROGRAMME = _code(QG_PROGRAMME)
TITLE, SOURCE = _code(DCTERMS + "title"), _code(DCTERMS + "source")
KIND = _code(ONTOLOGY_NS + "documentKind")


Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Answer:
    """How one canned query is answered: its variables, which are counts, its ORDER BY, and the SQL."""

    columns: tuple[str, ...]
    counts: frozenset[str]
    order: tuple[tuple[str, bool], ...]  # (variable, descending)
    rows: Callable[[sqlite3.Connection, dict[str, Any]], Rows]


# --- the answers --------------------------------------------------------------------------------


def _iri_id(conn: sqlite3.Connection, iri: str) -> int | None:
    row = conn.execute("SELECT id FROM term WHERE value = ? AND kind = 'iri'", (iri,)).fetchone()
    return int(row[0]) if row else None


def _activities_by_city_year(conn: sqlite3.Connection, params: dict[str, Any]) -> Rows:
    activity = _iri_id(conn, QG_ACTIVITY.value)
    if activity is None:
        return []
    return conn.execute(
        f"""SELECT j.o, n.o, yl.o, COUNT(DISTINCT pl.o), COUNT(*)
        FROM fact t
        CROSS JOIN fact pl ON pl.p = {PLAN} AND pl.s = t.s
        CROSS JOIN fact j ON j.p = {JUR} AND j.s = t.s
        CROSS JOIN fact y ON y.p = {YEAR} AND y.s = t.s
        CROSS JOIN fact yl ON yl.p = {LABEL} AND yl.s = y.o
        LEFT JOIN fact n ON n.p = {PREF} AND n.s = j.o
        WHERE t.p = {TYPE} AND t.o = ?
        GROUP BY j.o, n.o, yl.o""",
        (activity,),
    ).fetchall()


def _agencies_by_activities_led(conn: sqlite3.Connection, params: dict[str, Any]) -> Rows:
    city = params.get("city")
    if city is None:
        source, args = f"fact l WHERE l.p = {LEAD}", ()
    else:
        city_id = _iri_id(conn, city.value)
        if city_id is None:
            return []
        source = f"fact c CROSS JOIN fact l ON l.p = {LEAD} AND l.s = c.s WHERE c.p = {CITY} AND c.o = ?"
        args = (city_id,)
    return conn.execute(
        f"""SELECT l.o, n.o, COUNT(DISTINCT l.s), COUNT(DISTINCT pl.o), COUNT(DISTINCT w.o)
        FROM (SELECT DISTINCT l.s AS s, l.o AS o FROM {source}) l
        CROSS JOIN fact pl ON pl.p = {PLAN} AND pl.s = l.s
        CROSS JOIN fact w ON w.p = {JUR} AND w.s = l.s
        LEFT JOIN fact n ON n.p = {PREF} AND n.s = l.o
        GROUP BY l.o, n.o""",
        args,
    ).fetchall()


def _year_label_ids(conn: sqlite3.Connection, year: Any) -> list[int]:
    """Ids of the year labels whose ``xsd:integer`` cast equals ``year`` (a bound xsd:integer)."""
    wanted = integer(year.value, typed=True)
    if wanted is None:
        raise NotMaterializedError("the year parameter is not an integer Oxigraph compares")
    ids = []
    labels = conn.execute(
        f"""SELECT t.id, t.kind, t.value, t.lang, t.datatype FROM term t WHERE t.id IN
        (SELECT DISTINCT yl.o FROM fact y CROSS JOIN fact yl ON yl.p = {LABEL} AND yl.s = y.o WHERE y.p = {YEAR})"""
    )
    for tid, kind, value, lang, datatype in labels:
        if kind != "literal" or lang or datatype == RDF_LANG_STRING:
            continue  # the cast is an error: the FILTER drops the solution
        if datatype not in (XSD_STRING, XSD_INTEGER):
            raise NotMaterializedError(f"a year label of datatype {datatype}")
        if integer(value, typed=datatype == XSD_INTEGER) == wanted:
            ids.append(int(tid))
    return ids


def _coleading_agency_pairs(conn: sqlite3.Connection, params: dict[str, Any]) -> Rows:
    city, year = params.get("city"), params.get("year")
    where = [f"la.p = {LEAD}"]
    args: list[Any] = []
    if city is not None:
        city_id = _iri_id(conn, city.value)
        if city_id is None:
            return []
        where.append(f"EXISTS (SELECT 1 FROM fact c WHERE c.p = {CITY} AND c.s = la.s AND c.o = ?)")
        args.append(city_id)
    if year is not None:
        ids = _year_label_ids(conn, year)
        if not ids:
            return []
        where.append(
            f"""EXISTS (SELECT 1 FROM fact y CROSS JOIN fact yl ON yl.p = {LABEL} AND yl.s = y.o
            WHERE y.p = {YEAR} AND y.s = la.s AND yl.o IN ({", ".join(str(i) for i in ids)}))"""
        )
    return conn.execute(
        f"""WITH pair AS (
            SELECT DISTINCT la.s AS s, la.o AS a, lb.o AS b
            FROM fact la
            CROSS JOIN fact lb ON lb.p = {LEAD} AND lb.s = la.s
            CROSS JOIN term ta ON ta.id = la.o
            CROSS JOIN term tb ON tb.id = lb.o
            WHERE {" AND ".join(where)} AND ta.kind != 'bnode' AND tb.kind != 'bnode' AND ta.value < tb.value)
        SELECT pair.a, na.o, pair.b, nb.o, COUNT(DISTINCT pair.s)
        FROM pair
        LEFT JOIN fact na ON na.p = {PREF} AND na.s = pair.a
        LEFT JOIN fact nb ON nb.p = {PREF} AND nb.s = pair.b
        GROUP BY pair.a, na.o, pair.b, nb.o""",
        args,
    ).fetchall()


def _programme_diffusion(conn: sqlite3.Connection, params: dict[str, Any]) -> Rows:
    return conn.execute(
        f"""SELECT pr.o, c.o, w.o, n.o, yl.o, COUNT(*)
        FROM fact pr
        CROSS JOIN fact w ON w.p = {JUR} AND w.s = pr.s
        CROSS JOIN fact y ON y.p = {YEAR} AND y.s = pr.s
        CROSS JOIN fact yl ON yl.p = {LABEL} AND yl.s = y.o
        CROSS JOIN fact c ON c.p = {NOTATION} AND c.s = pr.o
        LEFT JOIN fact n ON n.p = {PREF} AND n.s = w.o
        WHERE pr.p = {PROGRAMME}
        GROUP BY pr.o, c.o, w.o, n.o, yl.o"""
    ).fetchall()


def _plans_by_city_year(conn: sqlite3.Connection, params: dict[str, Any]) -> Rows:
    plan = _iri_id(conn, ONTOLOGY_NS + "Plan")
    if plan is None:
        return []
    return conn.execute(
        f"""SELECT t.s, ti.o, n.o, yl.o, k.o, src.o, COUNT(act.s)
        FROM fact t
        CROSS JOIN fact w ON w.p = {JUR} AND w.s = t.s
        CROSS JOIN fact y ON y.p = {YEAR} AND y.s = t.s
        CROSS JOIN fact yl ON yl.p = {LABEL} AND yl.s = y.o
        CROSS JOIN fact src ON src.p = {SOURCE} AND src.s = t.s
        LEFT JOIN fact ti ON ti.p = {TITLE} AND ti.s = t.s
        LEFT JOIN fact k ON k.p = {KIND} AND k.s = t.s
        LEFT JOIN fact n ON n.p = {PREF} AND n.s = w.o
        LEFT JOIN fact act ON act.p = {PLAN} AND act.o = t.s
        WHERE t.p = {TYPE} AND t.o = ?
        GROUP BY t.s, ti.o, n.o, yl.o, k.o, src.o""",
        (plan,),
    ).fetchall()


ANSWERS: dict[str, Answer] = {
    "activities_by_city_year": Answer(
        ("jurisdiction", "name", "year", "plans", "activities"), frozenset({"plans", "activities"}),
        (("name", False), ("year", False)), _activities_by_city_year),
    "agencies_by_activities_led": Answer(
        ("agency", "name", "activities", "plans", "jurisdictions"), frozenset({"activities", "plans", "jurisdictions"}),
        (("activities", True), ("name", False)), _agencies_by_activities_led),
    "coleading_agency_pairs": Answer(
        ("a", "aName", "b", "bName", "coled"), frozenset({"coled"}),
        (("coled", True), ("aName", False), ("bName", False)), _coleading_agency_pairs),
    "programme_diffusion": Answer(
        ("programme", "code", "where", "whereName", "year", "activities"), frozenset({"activities"}),
        (("code", False), ("year", False), ("whereName", False)), _programme_diffusion),
    "plans_by_city_year": Answer(
        ("plan", "title", "whereName", "year", "kind", "source", "activities"), frozenset({"activities"}),
        (("whereName", False), ("year", False), ("plan", False)), _plans_by_city_year),
}


# --- the entry point ------------------------------------------------------------------------------


def answer(version: Path, query: CannedQuery, params: Mapping[str, object]) -> list[dict[str, Value]] | None:
    """The rows of ``query`` from ``version``'s tables, or None when the SPARQL must run."""
    spec = ANSWERS.get(query.name)
    path = Version(version).network_tables
    if spec is None or not path.is_file():
        return None
    bound = check_params(query, params)  # the SPARQL's checks and errors
    try:
        conn = open_cache(path)
    except (sqlite3.Error, StoreError):  # the SPARQL gives the same rows
        return None
    try:
        if not _has_facts(conn):
            return None
        raw = _stored_rows(conn, query.name, len(spec.columns)) if not bound else None
        if raw is None:
            raw = spec.rows(conn, bound)
        terms_at = [i for i, c in enumerate(spec.columns) if c not in spec.counts]
        ids = {row[i] for row in raw for i in terms_at if row[i] is not None}
        terms = _values(conn, ids)
    except NotMaterializedError:
        return None
    finally:
        conn.close()
    counts: dict[int, Value] = {}
    rows: list[dict[str, Value]] = []
    for row in raw:
        out: dict[str, Value] = {}
        for c, x in zip(spec.columns, row, strict=True):
            if x is None:
                continue
            if c in spec.counts:
                v = counts.get(x)
                if v is None:
                    v = counts[x] = Value("literal", str(x), None, XSD_INTEGER)
                out[c] = v
            else:
                out[c] = terms[x]
        rows.append(out)
    return order_rows(rows, spec.order, spec.columns)


def _has_facts(conn: sqlite3.Connection) -> bool:
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('schema', 'facts')").fetchall())
    except sqlite3.Error:
        return False
    return meta.get("schema") == str(SCHEMA_VERSION) and meta.get("facts") == FACTS_SIGNATURE


def _stored_rows(conn: sqlite3.Connection, name: str, width: int) -> Rows | None:
    """The rows a version built before answers were computed on demand kept for ``name``, or None."""
    if conn.execute("SELECT 1 FROM meta WHERE key = ?", (f"answer:{name}",)).fetchone() is None:
        return None
    cols = ", ".join(f"c{i}" for i in range(width))
    return conn.execute(f"SELECT {cols} FROM answer_row WHERE query = ?", (name,)).fetchall()


def _values(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Value]:
    out: dict[int, Value] = {}
    todo = sorted(ids)
    for i in range(0, len(todo), 500):
        chunk = todo[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        for tid, kind, value, lang, datatype in conn.execute(
            f"SELECT id, kind, value, lang, datatype FROM term WHERE id IN ({marks})", chunk
        ):
            out[tid] = Value(kind, value, lang or None, datatype or None)
    return out


# --- the wrapper ------------------------------------------------------------------------------------


class CannedAnswers:
    """A store whose canned analyst queries are answered from its version's tables when they can be.

    ``select`` and ``results`` give the table's rows (the SPARQL's exact rows, see the module
    docstring) and fall back to the SPARQL; everything else is the wrapped store's. The shell
    wraps the store it opens for ``qgkg query``; a remote store has no tables and runs the SPARQL.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def answer(self, query: CannedQuery, params: Mapping[str, object]) -> list[dict[str, Value]] | None:
        """The rows from the tables, or None when the SPARQL must run."""
        version = self.store.version
        return answer(version, query, params) if version is not None else None

    def select(self, name: str, **params: object) -> list[dict[str, Value]]:
        """Like ``GraphStore.select``, from the tables when they give the answer."""
        rows = self.answer(get_query(name), params)
        return rows if rows is not None else self.store.select(name, **params)

    def results(self, query: CannedQuery, params: Mapping[str, object]) -> Results:
        """The answer to a canned query as ``Results`` (from the tables when they give it)."""
        rows = self.answer(query, params)
        if rows is not None:
            return Results.from_rows(ANSWERS[query.name].columns, rows)
        return self.store.query(query.text, params=check_params(query, params))
