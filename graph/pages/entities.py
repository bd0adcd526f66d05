"""The entity pages: one function per kind of resource, a handful of named queries, a dataclass.

Views call exactly one of these functions; templates render the dataclass (``graph.pages.models``).
No function here issues a query per row.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graph.pages.jsonld import compact_jsonld
from graph.pages.models import (
    DCT,
    KINDS,
    ORG,
    PROV,
    QG,
    RDF_TYPE,
    RDFS,
    SKOS,
    ActivityPage,
    ActivityRow,
    AgencyPage,
    CityPage,
    Entity,
    GenericPage,
    PlanPage,
    ProgrammePage,
    Ref,
    Statement,
    YearPage,
    int_of,
    make_ref,
    statements_of,
    tail,
    text_of,
)
from graph.pages.sources import plan_origin
from graph.pages.text import mark_mentions, mark_spans
from graph.queries import get_query
from graph.store import GraphStore, check_params
from graph.store.results import write_triples


def load_entity(store: GraphStore, iri: str) -> tuple[Entity, tuple[Statement, ...]] | None:
    """The entity header and, for unknown kinds, the incoming statements; None when unknown."""
    out = statements_of(store.select("page_out", iri=iri))
    types = [s.value.value for s in out if s.property == RDF_TYPE]
    kind = next((k for t, k in KINDS if t in types), "resource")
    incoming: tuple[Statement, ...] = ()
    if kind == "resource":
        incoming = statements_of(store.select("page_in", iri=iri))
        if not out and not incoming:
            return None
    labels = [
        s
        for s in out
        if s.property in (SKOS + "prefLabel", DCT + "title", RDFS + "label") and not s.value.is_iri
    ]
    zh = next((s.value.value for s in labels if (s.value.lang or "").lower() in ("zh-hans", "zh", "")), None)
    en = next((s.value.value for s in labels if (s.value.lang or "").lower().startswith("en")), None)
    return Entity(iri, kind, zh or en or tail(iri), en if zh else None, out), incoming


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
        by_year[text_of(r, "year")].append(
            ActivityRow(
                make_ref(r["activity"].value, r.get("title")),
                text_of(r, "year"),
                make_ref(r["plan"].value, r.get("planTitle")),
            )
        )
    coleaders = tuple(
        (make_ref(r["other"].value, r.get("name")), int_of(r, "activities"))
        for r in store.select("page_agency_coleaders", agency=entity.iri)
    )
    programmes = tuple(
        (make_ref(r["programme"].value, r.get("name")), int_of(r, "activities"))
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
        by_year[text_of(r, "year")].append(
            (make_ref(r["plan"].value, r.get("title")), text_of(r, "kind"), int_of(r, "activities"))
        )
    agencies = tuple(
        (make_ref(r["agency"].value, r.get("name")), int_of(r, "activities"))
        for r in store.select("page_city_agencies", city=entity.iri)
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    names: dict[str, Ref] = {}
    for r in store.select("page_city_programmes", city=entity.iri):
        iri = r["programme"].value
        names[iri] = make_ref(iri, r.get("name"))
        counts[iri][text_of(r, "year")] = int_of(r, "activities")
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
        agent = make_ref(r["agent"].value, r.get("name"))
        (leads if text_of(r, "role") == "lead" else supports)[agent.iri] = agent
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
    """A programme's page (2 queries): a jurisdiction × year table (``None`` where the jurisdiction has no
    plan that year, 0 where its plan has no activity of the programme) and the activities."""
    rows = store.select("page_programme_activities", programme=entity.iri)
    activities = tuple(
        ActivityRow(
            make_ref(r["activity"].value, r.get("title")),
            text_of(r, "year"),
            make_ref(r["plan"].value),
            make_ref(r["where"].value, r.get("whereName")),
        )
        for r in rows
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wheres: dict[str, Ref] = {}
    for a in activities:
        assert a.where is not None
        wheres[a.where.iri] = a.where
        counts[a.where.iri][a.year] += 1
    # which of these jurisdictions and years have a plan at all: a blank there is "no plan", not "zero"
    planned = {(r["where"].value, r["year"].value) for r in store.select("page_programme_coverage", programme=entity.iri)}
    years = tuple(sorted({a.year for a in activities} | {y for w, y in planned if w in wheres}))
    table = tuple(
        (wheres[w], tuple(counts[w][y] if counts[w].get(y) else (0 if (w, y) in planned else None) for y in years))
        for w in sorted(wheres, key=lambda k: wheres[k].label)
    )
    return ProgrammePage(entity, entity.first(SKOS + "notation"), years, table, activities)


def plan_page(store: GraphStore, entity: Entity) -> PlanPage:
    """A plan's page (3 queries): text as written and as repaired, activities marked by their spans."""
    activities: list[ActivityRow] = []
    spans: list[tuple[int, int, str, str]] = []
    for r in store.select("page_plan_activities", plan=entity.iri):
        ref = make_ref(r["activity"].value, r.get("title"))
        activities.append(ActivityRow(ref, marker=text_of(r, "marker"), leads=text_of(r, "leads")))
        if r.get("start") and r.get("end"):
            spans.append(
                (int_of(r, "start"), int_of(r, "end"), ref.iri, f"{text_of(r, 'marker')} {ref.label}".strip())
            )
    fragments = tuple(
        (make_ref(r["fragment"].value, r.get("title")), int_of(r, "activities"))
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
        plan_origin(store, entity),
    )


def year_page(store: GraphStore, entity: Entity) -> YearPage:
    """A year's page (2 queries)."""
    plans = tuple(
        (
            make_ref(r["plan"].value, r.get("title")),
            make_ref(r["where"].value, r.get("whereName")),
            int_of(r, "activities"),
        )
        for r in store.select("page_year_plans", year=entity.iri)
    )
    activities = tuple(
        ActivityRow(
            make_ref(r["activity"].value, r.get("title")), plan=make_ref(r["plan"].value), marker=text_of(r, "position")
        )
        for r in store.select("page_year_activities", year=entity.iri)
    )
    return YearPage(entity, plans, activities)


def describe(store: GraphStore, iri: str, fmt: Any) -> bytes | None:
    """The resource's description plus the labels of what it links to, in ``fmt``; None if unknown."""
    query = get_query("page_describe")
    triples = list(store.query(query.text, params=check_params(query, {"iri": iri})).triples())
    if not triples:
        return None
    if fmt.value == "jsonld":
        return compact_jsonld(triples, store.base)
    return write_triples(triples, fmt, prefixes=fmt.value in ("ttl", "rdf"))
