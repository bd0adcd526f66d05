"""Where the collaboration network reads its rows: the build-time cache, or SPARQL for a store without one."""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.derived.network_tables import EntityRow, create_schema, describe_entity, open_cache
from graph.store import GraphStore, Value, Version
from graph.store.values import to_term

REMOTE_TTL = 60.0  # seconds a table read from a remote store is reused


@dataclass(frozen=True)
class Entity:
    """An agency, city, jurisdiction or programme as the network shows it."""

    iri: str
    kind: str
    label_zh: str | None
    label_en: str | None
    level: str | None
    city: str | None
    collective: bool
    code: str | None

    @property
    def label(self) -> str:
        """The zh-Hans name, else the English one, else the IRI's last segment."""
        return self.label_zh or self.label_en or self.iri.rstrip("/").rsplit("/", 1)[-1]


def _entity(row: EntityRow | tuple[Any, ...]) -> Entity:
    return Entity(row[0], row[1] or "Organization", row[2], row[3], row[4], row[5], bool(row[6]), row[7])


LeadRow = tuple[str, int | None, str | None, str]  # activity, year, city, agency


class NetworkSource:
    """Read-only queries over the network tables."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self.conn.execute(sql, tuple(params)))

    def entities(self, iris: Iterable[str] | None = None, *, kinds: tuple[str, ...] = ()) -> dict[str, Entity]:
        """Entity descriptions by IRI (the given ones, or every one of the given kinds)."""
        if iris is None:
            marks = ",".join("?" * len(kinds))
            rows = self._rows(f"SELECT * FROM entity WHERE kind IN ({marks})", kinds)
        else:
            wanted = sorted(set(iris))
            rows = []
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                rows += self._rows(f"SELECT * FROM entity WHERE iri IN ({','.join('?' * len(chunk))})", chunk)
        return {r[0]: _entity(r) for r in rows}

    def cities(self) -> list[Entity]:
        """Every city with activities, by name."""
        iris = [r[0] for r in self._rows("SELECT DISTINCT city FROM activity WHERE city IS NOT NULL")]
        ents = self.entities(iris)
        return sorted((ents.get(i) or _entity((i, "City", None, None, None, None, 0, None)) for i in iris),
                      key=lambda e: e.label)

    def years(self) -> list[int]:
        """Every year with activities."""
        return [r[0] for r in self._rows("SELECT DISTINCT year FROM activity WHERE year IS NOT NULL ORDER BY year")]

    def programmes(self) -> list[Entity]:
        """Every programme of the scheme, by code."""
        ents = self.entities(kinds=("Programme",))
        return sorted(ents.values(), key=lambda e: (e.code or e.iri))

    def resolve_city(self, text: str) -> str | None:
        """The IRI of the city named ``text`` (IRI, zh-Hans name with or without 市, English name, slug)."""
        want = text.strip()
        fold = want.casefold()
        places = self.entities(kinds=("City", "District", "Province", "Country"))
        for e in [*places.values(), *self.cities()]:
            names = {e.iri, e.label_zh or "", (e.label_zh or "").removesuffix("市")}
            if want in names or fold == (e.label_en or "").casefold() or fold == e.iri.rsplit("/", 1)[-1]:
                return e.iri
        return None

    def resolve_programme(self, text: str) -> str | None:
        """The IRI of the programme given by code, IRI or name."""
        want = text.strip()
        for e in self.programmes():
            if want in (e.iri, e.code, e.label_zh) or want.casefold() == (e.label_en or "").casefold():
                return e.iri
        return None

    def lead_rows(self, *, city: str | None = None, year_from: int | None = None, year_to: int | None = None,
                  programme: str | None = None) -> list[LeadRow]:
        """(activity, year, city, agency) for every lead of every activity in the selection."""
        where, params = _where(city, year_from, year_to, programme)
        sql = (f"SELECT a.iri, a.year, a.city, l.agency FROM activity a JOIN lead l ON l.activity = a.iri"
               f"{where} ORDER BY a.iri, l.agency")
        return [(r[0], r[1], r[2], r[3]) for r in self._rows(sql, params)]

    def agency_programme_rows(self, *, city: str | None = None, year_from: int | None = None,
                              year_to: int | None = None, programme: str | None = None
                              ) -> list[tuple[str, str, int]]:
        """(agency, programme, activities) for the agency × programme network of the selection."""
        where, params = _where(city, year_from, year_to, programme)
        sql = ("SELECT l.agency, c2.programme, COUNT(DISTINCT a.iri) FROM activity a"
               " JOIN lead l ON l.activity = a.iri JOIN concerns c2 ON c2.activity = a.iri"
               f"{where} GROUP BY l.agency, c2.programme ORDER BY l.agency, c2.programme")
        return [(r[0], r[1], r[2]) for r in self._rows(sql, params)]

    def coverage_rows(self) -> list[tuple[str, int, int, int]]:
        """(where, year, plans, activities) for every place and year the store holds a plan of (with activities);
        ``where`` is the activity's city, else its jurisdiction, as in ``diffusion_rows``."""
        sql = ("SELECT COALESCE(a.city, a.jurisdiction) AS w, a.year, COUNT(DISTINCT a.plan), COUNT(*)"
               " FROM activity a WHERE a.year IS NOT NULL AND w IS NOT NULL GROUP BY w, a.year ORDER BY w, a.year")
        return [(r[0], r[1], r[2], r[3]) for r in self._rows(sql)]

    def diffusion_rows(self) -> list[tuple[str, str, int, int]]:
        """(programme, where, year, activities): ``where`` is the activity's city, else its jurisdiction."""
        sql = ("SELECT c.programme, COALESCE(a.city, a.jurisdiction) AS w, a.year, COUNT(*) FROM concerns c"
               " JOIN activity a ON a.iri = c.activity WHERE a.year IS NOT NULL AND w IS NOT NULL"
               " GROUP BY c.programme, w, a.year ORDER BY c.programme, a.year, w")
        return [(r[0], r[1], r[2], r[3]) for r in self._rows(sql)]


def _where(city: str | None, year_from: int | None, year_to: int | None,
           programme: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if city is not None:
        clauses.append("a.city = ?")
        params.append(city)
    if year_from is not None:
        clauses.append("a.year >= ?")
        params.append(year_from)
    if year_to is not None:
        clauses.append("a.year <= ?")
        params.append(year_to)
    if programme is not None:
        clauses.append("EXISTS (SELECT 1 FROM concerns c WHERE c.activity = a.iri AND c.programme = ?)")
        params.append(programme)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


_remote: weakref.WeakKeyDictionary[GraphStore, tuple[float, NetworkSource]] = weakref.WeakKeyDictionary()
_remote_lock = threading.Lock()


def cache_path(store: GraphStore) -> Path | None:
    """The build-time network table of an embedded store's current version, if it has one."""
    version = getattr(store, "version", None)
    if isinstance(version, Path) and Version(version).network_tables.is_file():
        return Version(version).network_tables
    return None


def open_source(store: GraphStore, *, use_cache: bool = True) -> NetworkSource:
    """The network tables of ``store``: its build-time cache, else a copy filled through SPARQL."""
    path = cache_path(store) if use_cache else None
    if path is not None:
        return NetworkSource(open_cache(path))
    with _remote_lock:
        hit = _remote.get(store)
        if use_cache and hit and time.monotonic() - hit[0] < REMOTE_TTL:
            return hit[1]
        source = NetworkSource(fill_from_sparql(store))
        _remote[store] = (time.monotonic(), source)
        return source


def fill_from_sparql(store: GraphStore) -> sqlite3.Connection:
    """An in-memory copy of the network tables, read with the ``network_*`` canned queries."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    create_schema(conn)
    rows = []
    for r in store.select("network_activities"):
        year = r.get("year")
        y = int(year.value[:4]) if year is not None and year.value[:4].isdigit() else None
        rows.append((r["activity"].value, r["plan"].value, _v(r.get("jurisdiction")), _v(r.get("city")), y))
    conn.executemany("INSERT OR REPLACE INTO activity VALUES (?, ?, ?, ?, ?)", rows)
    for table, query, col in (("lead", "network_leads", "agency"), ("concerns", "network_concerns", "programme")):
        pairs = {(r["activity"].value, r[col].value) for r in store.select(query) if r[col].is_iri}
        conn.executemany(f"INSERT OR IGNORE INTO {table} VALUES (?, ?)", sorted(pairs))
    statements: dict[str, list[_Statement]] = {}
    for r in store.select("network_entities"):
        statements.setdefault(r["entity"].value, []).append(_Statement(r["p"], r["o"]))
    conn.executemany("INSERT OR REPLACE INTO entity VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [describe_entity(iri, st) for iri, st in sorted(statements.items())])
    conn.commit()
    return conn


def _v(value: Value | None) -> str | None:
    return value.value if value is not None else None


class _Statement:
    """A (predicate, object) pair from SPARQL, shaped like a quad for ``describe_entity``."""

    def __init__(self, p: Value, o: Value) -> None:
        self.predicate = to_term(p)
        self.object = to_term(o)
