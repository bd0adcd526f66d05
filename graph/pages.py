"""The data behind each web page: one function per page, a handful of named queries, a dataclass.

Views call exactly one of these functions; templates render the dataclass. No
function here issues a query per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph.derived.search_index import SEARCH_TYPES as SEARCH_KINDS  # page kind of each searched type
from graph.derived.search_index import open_index
from graph.derived.search_index import search as search_index
from graph.derived.stats import read_stats
from graph.page_text import Segment, mark_mentions, mark_spans
from graph.store import EmbeddedStore, GraphStore, Value
from loaders.script import to_simplified
from qgkg.config import ONTOLOGY_NS

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
QG = ONTOLOGY_NS

# the page kind of a resource, by its rdf:type (first match wins)
KINDS = (
    (QG + "Agency", "agency"),
    (ORG + "Organization", "agency"),
    (QG + "Activity", "activity"),
    (QG + "Plan", "plan"),
    (QG + "Programme", "programme"),
    (QG + "Year", "year"),
    (QG + "City", "city"),
    (QG + "Jurisdiction", "city"),
)


@dataclass(frozen=True)
class Ref:
    """A link to a resource with its zh-Hans (or plain) label and its English one."""

    iri: str
    label: str
    en: str | None = None


@dataclass(frozen=True)
class Statement:
    """One statement about (or pointing to) the page's resource, with the value's labels."""

    property: str
    value: Value
    label: str | None = None
    en: str | None = None


@dataclass(frozen=True)
class Entity:
    """What every entity page shows in its header: the IRI, kind, labels and all outgoing statements."""

    iri: str
    kind: str
    label: str
    en: str | None
    statements: tuple[Statement, ...]

    def values(self, prop: str) -> list[Value]:
        """The values of one property."""
        return [s.value for s in self.statements if s.property == prop]

    def first(self, prop: str) -> str | None:
        """The first value of one property, as text."""
        vals = self.values(prop)
        return vals[0].value if vals else None

    def refs(self, prop: str) -> list[Ref]:
        """The IRI values of one property, with their labels."""
        return [
            _ref(s.value.value, s.label, s.en)
            for s in self.statements
            if s.property == prop and s.value.is_iri
        ]


@dataclass(frozen=True)
class ActivityRow:
    """An activity in a list: its link, year and plan."""

    activity: Ref
    year: str = ""
    plan: Ref | None = None
    where: Ref | None = None
    marker: str = ""
    leads: str = ""


@dataclass(frozen=True)
class AgencyPage:
    """An agency: names and aliases, level, city, parent; activities led by year; co-leads; programmes."""

    entity: Entity
    aliases: tuple[str, ...]
    level: str | None
    city: Ref | None
    parent: Ref | None
    activities_by_year: tuple[tuple[str, tuple[ActivityRow, ...]], ...]
    coleaders: tuple[tuple[Ref, int], ...]
    programmes: tuple[tuple[Ref, int], ...]


@dataclass(frozen=True)
class CityPage:
    """A city: plans by year, agencies by activities led, programmes by year (a table)."""

    entity: Entity
    plans_by_year: tuple[tuple[str, tuple[tuple[Ref, str, int], ...]], ...]  # year → (plan, kind, activities)
    agencies: tuple[tuple[Ref, int], ...]
    years: tuple[str, ...]
    programmes: tuple[tuple[Ref, tuple[int, ...]], ...]  # programme → counts per year of ``years``


@dataclass(frozen=True)
class ActivityPage:
    """An activity: its text with agency mentions linked, leads, supports, programmes, where it comes from."""

    entity: Entity
    segments: tuple[Segment, ...]
    leads: tuple[Ref, ...]
    supports: tuple[Ref, ...]
    programmes: tuple[Ref, ...]
    plan: Ref | None
    year: Ref | None
    city: Ref | None
    section: str | None
    marker: str | None
    span: tuple[int, int] | None


@dataclass(frozen=True)
class ProgrammePage:
    """A programme: a jurisdiction × year table of activity counts, and the activities."""

    entity: Entity
    code: str | None
    years: tuple[str, ...]
    table: tuple[tuple[Ref, tuple[int, ...]], ...]
    activities: tuple[ActivityRow, ...]


@dataclass(frozen=True)
class PlanPage:
    """A plan: metadata, repair notes, text as written and as repaired (activities marked), fragments."""

    entity: Entity
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    original_text: str | None
    repaired: tuple[Segment, ...]
    activities: tuple[ActivityRow, ...]
    fragments: tuple[tuple[Ref, int], ...]
    derived_from: tuple[Ref, ...]


@dataclass(frozen=True)
class YearPage:
    """A year: its plans and activities."""

    entity: Entity
    plans: tuple[tuple[Ref, Ref | None, int], ...]  # plan, jurisdiction, activities
    activities: tuple[ActivityRow, ...]


@dataclass(frozen=True)
class GenericPage:
    """Any other resource: every statement about it, out and in, with labels."""

    entity: Entity
    incoming: tuple[Statement, ...]


@dataclass(frozen=True)
class HomePage:
    """What the graph holds, and its plans by jurisdiction and year."""

    counts: dict[str, int]
    years: tuple[str, ...]
    table: tuple[tuple[Ref, tuple[tuple[Ref, ...], ...]], ...]  # jurisdiction → plans per year of ``years``
    programmes: tuple[tuple[Ref, int], ...]
    version: str = ""
    built_at: str = ""


@dataclass(frozen=True)
class SearchPage:
    """Resources whose labels contain the text (searched in simplified script)."""

    q: str
    simplified: str
    groups: tuple[tuple[str, tuple[tuple[Ref, str], ...]], ...] = field(
        default=()
    )  # kind → (resource, match)
    total: int = 0  # resources found (more than are shown when ``limited``)
    found: dict[str, int] = field(default_factory=dict)  # kind → resources found (of which ``groups`` shows the best)
    limited: bool = False  # True when some hits are not shown


def _ref(iri: str, label: Value | str | None = None, en: Value | str | None = None) -> Ref:
    text = label.value if isinstance(label, Value) else label
    en_text = en.value if isinstance(en, Value) else en
    return Ref(iri, text or _tail(iri), en_text)


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _int(row: dict[str, Value], key: str) -> int:
    v = row.get(key)
    try:
        return int(v.value) if v else 0
    except ValueError:
        return 0


def _s(row: dict[str, Value], key: str) -> str:
    v = row.get(key)
    return v.value if v else ""


def _statements(rows: list[dict[str, Value]]) -> tuple[Statement, ...]:
    return tuple(
        Statement(r["property"].value, r["value"], _s(r, "valueLabel") or None, _s(r, "valueLabelEn") or None)
        for r in rows
    )


def load_entity(store: GraphStore, iri: str) -> tuple[Entity, tuple[Statement, ...]] | None:
    """The entity header and, for unknown kinds, the incoming statements; None when unknown."""
    out = _statements(store.select("page_out", iri=iri))
    types = [s.value.value for s in out if s.property == RDF_TYPE]
    kind = next((k for t, k in KINDS if t in types), "resource")
    incoming: tuple[Statement, ...] = ()
    if kind == "resource":
        incoming = _statements(store.select("page_in", iri=iri))
        if not out and not incoming:
            return None
    labels = [
        s
        for s in out
        if s.property in (SKOS + "prefLabel", DCT + "title", RDFS + "label") and not s.value.is_iri
    ]
    zh = next((s.value.value for s in labels if (s.value.lang or "").lower() in ("zh-hans", "zh", "")), None)
    en = next((s.value.value for s in labels if (s.value.lang or "").lower().startswith("en")), None)
    return Entity(iri, kind, zh or en or _tail(iri), en if zh else None, out), incoming


def entity_page(store: GraphStore, iri: str) -> Any:
    """The page dataclass of any resource (by its kind), or None when the graph does not know it."""
    loaded = load_entity(store, iri)
    if loaded is None:
        return None
    entity, incoming = loaded
    builders = {
        "agency": agency_page,
        "city": city_page,
        "activity": activity_page,
        "programme": programme_page,
        "plan": plan_page,
        "year": year_page,
    }
    if entity.kind in builders:
        return builders[entity.kind](store, entity)
    return GenericPage(entity, incoming)


def agency_page(store: GraphStore, entity: Entity) -> AgencyPage:
    """An agency's page (4 queries)."""
    by_year: dict[str, list[ActivityRow]] = defaultdict(list)
    for r in store.select("page_agency_activities", agency=entity.iri):
        by_year[_s(r, "year")].append(
            ActivityRow(
                _ref(r["activity"].value, r.get("title")),
                _s(r, "year"),
                _ref(r["plan"].value, r.get("planTitle")),
            )
        )
    coleaders = tuple(
        (_ref(r["other"].value, r.get("name")), _int(r, "activities"))
        for r in store.select("page_agency_coleaders", agency=entity.iri)
    )
    programmes = tuple(
        (_ref(r["programme"].value, r.get("name")), _int(r, "activities"))
        for r in store.select("page_agency_programmes", agency=entity.iri)
    )
    cities = entity.refs(QG + "city") or entity.refs(QG + "jurisdiction")
    parents = entity.refs(ORG + "subOrganizationOf")
    aliases = tuple(sorted({v.value for v in entity.values(SKOS + "altLabel")} - {entity.label}))
    return AgencyPage(
        entity,
        aliases,
        entity.first(QG + "level"),
        cities[0] if cities else None,
        parents[0] if parents else None,
        tuple((y, tuple(rows)) for y, rows in sorted(by_year.items())),
        coleaders,
        programmes,
    )


def city_page(store: GraphStore, entity: Entity) -> CityPage:
    """A city's page (4 queries)."""
    by_year: dict[str, list[tuple[Ref, str, int]]] = defaultdict(list)
    for r in store.select("page_city_plans", city=entity.iri):
        by_year[_s(r, "year")].append(
            (_ref(r["plan"].value, r.get("title")), _s(r, "kind"), _int(r, "activities"))
        )
    agencies = tuple(
        (_ref(r["agency"].value, r.get("name")), _int(r, "activities"))
        for r in store.select("page_city_agencies", city=entity.iri)
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    names: dict[str, Ref] = {}
    for r in store.select("page_city_programmes", city=entity.iri):
        iri = r["programme"].value
        names[iri] = _ref(iri, r.get("name"))
        counts[iri][_s(r, "year")] = _int(r, "activities")
    years = tuple(sorted({y for c in counts.values() for y in c} | set(by_year)))
    table = tuple(
        (names[p], tuple(counts[p].get(y, 0) for y in years))
        for p in sorted(names, key=lambda k: names[k].label)
    )
    return CityPage(entity, tuple((y, tuple(v)) for y, v in sorted(by_year.items())), agencies, years, table)


def activity_page(store: GraphStore, entity: Entity) -> ActivityPage:
    """An activity's page (2 queries): its text with each agency mention highlighted and linked."""
    leads: dict[str, Ref] = {}
    supports: dict[str, Ref] = {}
    mentions: list[tuple[str, str, str]] = []
    for r in store.select("page_activity_agents", activity=entity.iri):
        agent = _ref(r["agent"].value, r.get("name"))
        (leads if _s(r, "role") == "lead" else supports)[agent.iri] = agent
        if r.get("form"):
            mentions.append((r["form"].value, agent.iri, agent.label))
    text = entity.first(QG + "text") or entity.label
    start, end = entity.first(QG + "spanStart"), entity.first(QG + "spanEnd")
    span = (int(start), int(end)) if start and end and start.isdigit() and end.isdigit() else None
    plans, years, cities = entity.refs(QG + "plan"), entity.refs(QG + "year"), entity.refs(QG + "city")
    return ActivityPage(
        entity,
        mark_mentions(text, mentions),
        tuple(leads.values()),
        tuple(supports.values()),
        tuple(entity.refs(QG + "programme")),
        plans[0] if plans else None,
        years[0] if years else None,
        cities[0] if cities else None,
        entity.first(QG + "section"),
        entity.first(QG + "marker"),
        span,
    )


def programme_page(store: GraphStore, entity: Entity) -> ProgrammePage:
    """A programme's page (2 queries): a jurisdiction × year table and the activities."""
    rows = store.select("page_programme_activities", programme=entity.iri)
    activities = tuple(
        ActivityRow(
            _ref(r["activity"].value, r.get("title")),
            _s(r, "year"),
            _ref(r["plan"].value),
            _ref(r["where"].value, r.get("whereName")),
        )
        for r in rows
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wheres: dict[str, Ref] = {}
    for a in activities:
        assert a.where is not None
        wheres[a.where.iri] = a.where
        counts[a.where.iri][a.year] += 1
    years = tuple(sorted({a.year for a in activities}))
    table = tuple(
        (wheres[w], tuple(counts[w].get(y, 0) for y in years))
        for w in sorted(wheres, key=lambda k: wheres[k].label)
    )
    return ProgrammePage(entity, entity.first(SKOS + "notation"), years, table, activities)


def plan_page(store: GraphStore, entity: Entity) -> PlanPage:
    """A plan's page (3 queries): text as written and as repaired, activities marked by their spans."""
    activities: list[ActivityRow] = []
    spans: list[tuple[int, int, str, str]] = []
    for r in store.select("page_plan_activities", plan=entity.iri):
        ref = _ref(r["activity"].value, r.get("title"))
        activities.append(ActivityRow(ref, marker=_s(r, "marker"), leads=_s(r, "leads")))
        if r.get("start") and r.get("end"):
            spans.append(
                (_int(r, "start"), _int(r, "end"), ref.iri, f"{_s(r, 'marker')} {ref.label}".strip())
            )
    fragments = tuple(
        (_ref(r["fragment"].value, r.get("title")), _int(r, "activities"))
        for r in store.select("page_plan_fragments", plan=entity.iri)
    )
    repaired = entity.first(QG + "repairedText") or ""
    return PlanPage(
        entity,
        tuple(v.value for v in entity.values(QG + "repairNote")),
        tuple(v.value for v in entity.values(QG + "warning")),
        entity.first(QG + "originalText"),
        mark_spans(repaired, spans),
        tuple(activities),
        fragments,
        tuple(entity.refs(PROV + "wasDerivedFrom")),
    )


def year_page(store: GraphStore, entity: Entity) -> YearPage:
    """A year's page (2 queries)."""
    plans = tuple(
        (
            _ref(r["plan"].value, r.get("title")),
            _ref(r["where"].value, r.get("whereName")),
            _int(r, "activities"),
        )
        for r in store.select("page_year_plans", year=entity.iri)
    )
    activities = tuple(
        ActivityRow(
            _ref(r["activity"].value, r.get("title")), plan=_ref(r["plan"].value), marker=_s(r, "position")
        )
        for r in store.select("page_year_activities", year=entity.iri)
    )
    return YearPage(entity, plans, activities)


def home_page(store: GraphStore) -> HomePage:
    """The home page: counts, plans by jurisdiction and year, programmes (from the build's statistics)."""
    version = store.version if isinstance(store, EmbeddedStore) else None
    stats = read_stats(version) if version is not None else None
    if stats is None:
        from graph.derived.stats import compute_stats

        stats = compute_stats(store)
    manifest = store.manifest if isinstance(store, EmbeddedStore) else None
    counts = dict(stats["counts"])
    triples = manifest.total.triples if manifest is not None else 0
    counts.setdefault("triples", triples)
    if triples:
        counts["triples"] = triples
    cells: dict[str, dict[str, list[Ref]]] = defaultdict(lambda: defaultdict(list))
    wheres: dict[str, Ref] = {}
    for p in stats["plans"].values():
        where = Ref(p["where"], p.get("whereName") or _tail(p["where"]))
        wheres[where.iri] = where
        cells[where.iri][p["year"]].append(Ref(p["iri"], p.get("title") or _tail(p["iri"])))
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
        groups[kind].setdefault(iri, (_ref(iri, r.get("name")), _s(r, "matched")))
    out = tuple((k, tuple(groups[k].values())) for k in SEARCH_ORDER if groups.get(k))
    found = {k: len(v) for k, v in out}
    return SearchPage(q, simplified, out, sum(found.values()), found, len(rows) >= SEARCH_LIMIT)


def _indexed_search(conn: Any, q: str, simplified: str) -> SearchPage:
    groups: dict[str, list[tuple[Ref, str]]] = defaultdict(list)
    found: dict[str, int] = {}
    for hit in search_index(conn, simplified, per_kind=SEARCH_PER_KIND):
        groups[hit.kind].append((_ref(hit.iri, hit.name), hit.matched))
        found[hit.kind] = hit.found
    out = tuple((k, tuple(groups[k])) for k in SEARCH_ORDER if groups.get(k))
    limited = any(found[k] > len(v) for k, v in out)
    return SearchPage(q, simplified, out, sum(found.values()), found, limited)


def describe(store: GraphStore, iri: str, fmt: Any) -> bytes | None:
    """The resource's description plus the labels of what it links to, in ``fmt``; None if unknown."""
    from graph.queries import get_query
    from graph.store import check_params
    from graph.store.results import write_triples

    query = get_query("page_describe")
    triples = list(store.query(query.text, params=check_params(query, {"iri": iri})).triples())
    if not triples:
        return None
    return write_triples(triples, fmt, prefixes=fmt.value in ("ttl", "rdf"))
