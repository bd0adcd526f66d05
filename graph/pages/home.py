"""The home page (from the build's statistics) and the search page (from the version's full-text index)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graph.derived.search_index import SEARCH_TYPES as SEARCH_KINDS  # page kind of each searched type
from graph.derived.search_index import open_index
from graph.derived.search_index import search as search_index
from graph.derived.stats import compute_stats, read_stats
from graph.pages.models import HomePage, Ref, SearchPage, make_ref, tail, text_of
from graph.store import EmbeddedStore, GraphStore
from loaders.script import to_simplified


def home_page(store: GraphStore) -> HomePage:
    """The home page: counts, plans by jurisdiction and year, programmes (from the build's statistics)."""
    version = store.version if isinstance(store, EmbeddedStore) else None
    stats = read_stats(version) if version is not None else None
    if stats is None:
        stats = compute_stats(store)
    manifest = store.manifest if isinstance(store, EmbeddedStore) else None
    counts = dict(stats["counts"])
    triples = manifest.total.triples if manifest is not None else store.count_triples()  # remote: ask it
    counts.setdefault("triples", triples)
    if triples:
        counts["triples"] = triples
    cells: dict[str, dict[str, list[Ref]]] = defaultdict(lambda: defaultdict(list))
    wheres: dict[str, Ref] = {}
    for p in stats["plans"].values():
        where = Ref(p["where"], p.get("whereName") or tail(p["where"]))
        wheres[where.iri] = where
        cells[where.iri][p["year"]].append(Ref(p["iri"], p.get("title") or tail(p["iri"])))
    years = tuple(sorted({y for c in cells.values() for y in c}))
    table = tuple(
        (wheres[w], tuple(tuple(sorted(cells[w].get(y, []), key=lambda r: r.iri)) for y in years))
        for w in sorted(wheres, key=lambda k: wheres[k].label)
    )
    programmes = tuple((Ref(p["iri"], p["name"], p.get("en")), p["activities"]) for p in stats["programmes"])
    return HomePage(
        counts, years, table, programmes, version.name if version else "", manifest.built_at if manifest else ""
    )




SEARCH_ORDER = ("plan", "agency", "activity", "programme", "city", "resource")
SEARCH_LIMIT = 200  # rows of the SPARQL search; with the index, the best this many of each kind
SEARCH_PER_KIND = 100


def search_page(store: GraphStore, q: str) -> SearchPage:
    """Resources with a label containing ``q`` (traditional input is converted to simplified first).

    Answered from the version's full-text index (``graph.derived.search_index``) when it has one,
    otherwise with the ``page_search`` query (a remote store, or a version built before the index).
    """
    q = " ".join(q.split())[:200]
    if not q:
        return SearchPage(q, q)
    simplified = to_simplified(q)
    conn = open_index(store.version) if isinstance(store, EmbeddedStore) else None
    if conn is not None:
        try:
            return _indexed_search(conn, q, simplified)
        finally:
            conn.close()
    groups: dict[str, dict[str, tuple[Ref, str]]] = defaultdict(dict)
    rows = store.select("page_search", q=simplified)
    for r in rows:
        kind = SEARCH_KINDS.get(r["type"].value, "resource")
        iri = r["resource"].value
        groups[kind].setdefault(iri, (make_ref(iri, r.get("name")), text_of(r, "matched")))
    out = tuple((k, tuple(groups[k].values())) for k in SEARCH_ORDER if groups.get(k))
    found = {k: len(v) for k, v in out}
    return SearchPage(q, simplified, out, sum(found.values()), found, len(rows) >= SEARCH_LIMIT)


def _indexed_search(conn: Any, q: str, simplified: str) -> SearchPage:
    groups: dict[str, list[tuple[Ref, str]]] = defaultdict(list)
    found: dict[str, int] = {}
    for hit in search_index(conn, simplified, per_kind=SEARCH_PER_KIND):
        groups[hit.kind].append((make_ref(hit.iri, hit.name), hit.matched))
        found[hit.kind] = hit.found
    out = tuple((k, tuple(groups[k])) for k in SEARCH_ORDER if groups.get(k))
    limited = any(found[k] > len(v) for k, v in out)
    return SearchPage(q, simplified, out, sum(found.values()), found, limited)
