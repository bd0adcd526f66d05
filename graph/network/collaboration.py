"""The collaboration network: agencies linked when they co-lead an activity, weighted by how many.

``build_network(store, NetworkFilter.parse(...))`` reads the network table written at
build time (``graph.derived.network_tables``) or, for a store without one, the same rows through
SPARQL; ``graph.network.figures`` computes centralities and communities,
``graph.network.export`` writes GEXF, GraphML, CSV and node-link JSON.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx

from graph.network.export import FORMATS, write_network
from graph.network.generic import is_generic
from graph.network.source import Entity, NetworkSource, open_source
from graph.store import GraphStore
from qgkg.errors import QueryError

__all__ = ["FORMATS", "NetworkFilter", "build_network", "build_bipartite", "write_network"]

_YEAR = re.compile(r"^\s*(\d{4})\s*(?:(?:-|–|\.\.|to)\s*(\d{4})?\s*)?$")


@dataclass(frozen=True)
class NetworkFilter:
    """Which co-led activities make the network; every field left at its default selects everything."""

    city: str | None = None  # as given: IRI, 上海市, 上海, Shanghai or shanghai
    year_from: int | None = None
    year_to: int | None = None
    programme: str | None = None  # code (chief_quality_officer), IRI or name
    min_weight: int = 1  # edges lighter than this are dropped, and the agencies they leave alone
    collective: bool = True  # keep collective actors (各区市场监管局 …)
    generic: bool = True  # keep generic categories (有关质量技术机构, 政府质量奖获奖组织 …; graph.network.generic)

    @classmethod
    def parse(cls, *, city: str | None = None, year: str | int | None = None, programme: str | None = None,
              min_weight: int | str | None = 1, collective: bool | str | None = True,
              generic: bool | str | None = True) -> NetworkFilter:
        """A filter from user strings; a malformed value raises ``QueryError``.

        >>> NetworkFilter.parse(city="上海", year="2019-2021", min_weight="2").year_to
        2021
        """
        y0 = y1 = None
        if year is not None and str(year).strip():
            m = _YEAR.match(str(year))
            if not m:
                raise QueryError(f"year: want 2021 or a range 2019-2022, got {str(year)!r}")
            y0 = int(m.group(1))
            y1 = int(m.group(2)) if m.group(2) else (None if str(year).strip() != m.group(1) else y0)
            if y1 is not None and y1 < y0:
                raise QueryError(f"year: the range {year!r} ends before it starts")
        try:
            mw = int(str(min_weight).strip()) if min_weight not in (None, "") else 1
        except ValueError:
            raise QueryError(f"min_weight: not a whole number: {min_weight!r}") from None
        if mw < 1:
            raise QueryError(f"min_weight: must be 1 or more, got {mw}")
        if isinstance(collective, str):
            collective = collective.strip().lower() not in ("0", "false", "no", "off")
        if isinstance(generic, str):
            generic = generic.strip().lower() not in ("0", "false", "no", "off")
        return cls(city=(city or "").strip() or None, year_from=y0, year_to=y1,
                   programme=(programme or "").strip() or None, min_weight=mw,
                   collective=True if collective is None else bool(collective),
                   generic=True if generic is None else bool(generic))

    @property
    def year_text(self) -> str:
        """The year selection as a user writes it ('' when all years)."""
        if self.year_from is None:
            return ""
        if self.year_to == self.year_from:
            return str(self.year_from)
        return f"{self.year_from}-{self.year_to or ''}"

    def params(self) -> dict[str, str]:
        """The filter as URL query parameters (defaults left out)."""
        out = {"city": self.city or "", "year": self.year_text, "programme": self.programme or "",
               "min_weight": str(self.min_weight) if self.min_weight != 1 else "",
               "collective": "" if self.collective else "0", "generic": "" if self.generic else "0"}
        return {k: v for k, v in out.items() if v}

    def describe(self) -> str:
        """A one-line summary of the selection."""
        parts = [f"city {self.city}" if self.city else "all cities",
                 f"years {self.year_text}" if self.year_text else "all years"]
        if self.programme:
            parts.append(f"programme {self.programme}")
        if self.min_weight > 1:
            parts.append(f"weight ≥ {self.min_weight}")
        if not self.collective:
            parts.append("without collective actors")
        if not self.generic:
            parts.append("without generic categories")
        return ", ".join(parts)


@dataclass(frozen=True)
class Resolved:
    """A filter with city and programme turned into IRIs (``message`` says why nothing can match).

    ``not_found``: the selection names a city, programme or year the store has no plan for (the web
    answers 404 and the CLI exits 1), as against a selection that exists but has no co-led activity.
    """

    flt: NetworkFilter
    city: str | None
    programme: str | None
    message: str | None = None
    not_found: bool = False


def resolve(source: NetworkSource, flt: NetworkFilter) -> Resolved:
    """Turn names into IRIs; an unknown name, or a city or year without plans, selects nothing, with a message."""
    city = programme = None
    if flt.city:
        city = source.resolve_city(flt.city)
        if city is None or city not in {c.iri for c in source.cities()}:
            have = ", ".join(c.label for c in source.cities()[:12])
            return Resolved(flt, None, None, f"no plan of a city named {flt.city!r} in the store (cities: {have})",
                            True)
    if flt.programme:
        programme = source.resolve_programme(flt.programme)
        if programme is None:
            return Resolved(flt, city, None, f"no programme {flt.programme!r} in the scheme", True)
    if flt.year_from is not None:
        years = source.years()
        hi = flt.year_to if flt.year_to is not None else 9999
        if not any(flt.year_from <= y <= hi for y in years):
            span = f"{years[0]}–{years[-1]}" if years else "none"
            return Resolved(flt, city, programme, f"no plan of the year {flt.year_text} in the store (years: {span})",
                            True)
    return Resolved(flt, city, programme)


def node_attributes(e: Entity, cities: dict[str, Entity]) -> dict[str, Any]:
    """The attributes every export carries for an agency node."""
    city = cities.get(e.city) if e.city else None
    return {"iri": e.iri, "label": e.label, "label_zh_hans": e.label_zh or "", "label_en": e.label_en or "",
            "kind": e.kind, "level": e.level or "", "city": e.city or "",
            "city_label": city.label if city else "", "collective": e.collective}


def build_network(store: GraphStore, flt: NetworkFilter | None = None, *,
                  source: NetworkSource | None = None) -> nx.Graph:
    """The co-lead network of the selection: a node per lead agency, an edge per co-leading pair.

    Nodes are keyed by IRI. Edges carry ``weight`` (co-led activities), ``years``,
    ``cities`` and ``activities``, plus ``year_weights`` ({year: activities}).
    ``graph["message"]`` explains an empty selection.
    """
    flt = flt or NetworkFilter()
    source = source or open_source(store)
    res = resolve(source, flt)
    net = nx.Graph(filter=flt.describe(), city=res.city or "", programme=res.programme or "",
                   year_from=flt.year_from or "", year_to=flt.year_to or "")
    if res.message:
        net.graph["message"] = res.message
        net.graph["not_found"] = res.not_found
        net.graph["activities"] = 0
        return net
    rows = source.lead_rows(city=res.city, year_from=flt.year_from, year_to=flt.year_to, programme=res.programme)
    entities = source.entities({r[3] for r in rows})
    cities = source.entities({e.city for e in entities.values() if e.city})
    leads: dict[str, list[str]] = defaultdict(list)
    meta: dict[str, tuple[int | None, str | None]] = {}
    for activity, year, city, agency in rows:
        ent = entities.get(agency)
        if not flt.collective and ent is not None and ent.collective:
            continue
        if not flt.generic and ent is not None and is_generic(ent):
            continue
        leads[activity].append(agency)
        meta[activity] = (year, city)
    node_years: dict[str, Counter[int]] = defaultdict(Counter)
    for activity, agencies in leads.items():
        year = meta[activity][0]
        for a in agencies:
            node_years[a][year if year is not None else 0] += 1
    for agency in sorted(node_years):
        ent = entities.get(agency) or Entity(agency, "Organization", None, None, None, None, False, None)
        years = node_years[agency]
        net.add_node(agency, **node_attributes(ent, cities), activities=sum(years.values()),
                     years=sorted(y for y in years if y), year_activities=dict(years))
    for activity in sorted(leads):
        agencies = sorted(set(leads[activity]))
        year, city = meta[activity]
        for i, a in enumerate(agencies):
            for b in agencies[i + 1 :]:
                if not net.has_edge(a, b):
                    net.add_edge(a, b, weight=0, activities=[], year_weights=Counter(), cities=set())
                d = net.edges[a, b]
                d["weight"] += 1
                d["activities"].append(activity)
                d["year_weights"][year or 0] += 1
                if city:
                    d["cities"].add(city)
    for _a, _b, d in net.edges(data=True):
        d["years"] = sorted(y for y in d["year_weights"] if y)
        d["year_weights"] = dict(sorted(d["year_weights"].items()))
        d["cities"] = sorted(d["cities"])
    if flt.min_weight > 1:
        net.remove_edges_from([(a, b) for a, b, w in net.edges(data="weight") if w < flt.min_weight])
        net.remove_nodes_from([n for n in list(net.nodes) if net.degree(n) == 0])
    net.graph["activities"] = len(leads)
    net.graph["coled_activities"] = sum(1 for agencies in leads.values() if len(set(agencies)) > 1)
    per_year: Counter[int] = Counter(meta[a][0] or 0 for a in leads)
    coled: Counter[int] = Counter(meta[a][0] or 0 for a, ags in leads.items() if len(set(ags)) > 1)
    net.graph["year_activities"] = dict(sorted(per_year.items()))
    net.graph["year_coled"] = dict(sorted(coled.items()))
    if net.number_of_nodes() == 0:
        net.graph["message"] = f"no lead agencies match the selection ({flt.describe()})"
    return net


def year_slice(net: nx.Graph, year: int) -> nx.Graph:
    """The part of ``net`` active in ``year``: edge weights are that year's co-led activities."""
    sub = nx.Graph(**net.graph, year=year)
    sub.graph["activities"] = net.graph.get("year_activities", {}).get(year, 0)
    sub.graph["coled_activities"] = net.graph.get("year_coled", {}).get(year, 0)
    for n, d in net.nodes(data=True):
        if d.get("year_activities", {}).get(year):
            sub.add_node(n, **{**d, "activities": d["year_activities"][year]})
    for a, b, d in net.edges(data=True):
        w = d.get("year_weights", {}).get(year, 0)
        if w:
            sub.add_edge(a, b, **{**d, "weight": w, "activities": [], "years": [year], "year_weights": {year: w}})
    return sub


def network_years(net: nx.Graph) -> list[int]:
    """The years in which some node of ``net`` leads an activity."""
    return sorted({y for _n, d in net.nodes(data=True) for y in d.get("years", [])})


def build_bipartite(store: GraphStore, flt: NetworkFilter | None = None, *,
                    source: NetworkSource | None = None) -> nx.Graph:
    """The agency × programme network: an edge when an agency leads activities concerning a programme."""
    flt = flt or NetworkFilter()
    source = source or open_source(store)
    res = resolve(source, flt)
    net = nx.Graph(filter=flt.describe())
    if res.message:
        net.graph["message"] = res.message
        return net
    rows = source.agency_programme_rows(city=res.city, year_from=flt.year_from, year_to=flt.year_to,
                                        programme=res.programme)
    ents = source.entities({r[0] for r in rows} | {r[1] for r in rows})
    cities = source.entities({e.city for e in ents.values() if e.city})
    for agency, programme, n in rows:
        a = ents.get(agency) or Entity(agency, "Organization", None, None, None, None, False, None)
        if not flt.collective and a.collective:
            continue
        if not flt.generic and is_generic(a):
            continue
        p = ents.get(programme) or Entity(programme, "Programme", None, None, None, None, False, None)
        net.add_node(agency, **node_attributes(a, cities), bipartite=0)
        net.add_node(programme, **node_attributes(p, cities), code=p.code or "", bipartite=1)
        if n >= flt.min_weight:
            net.add_edge(agency, programme, weight=n)
    net.remove_nodes_from([n for n in list(net.nodes) if net.degree(n) == 0])
    if net.number_of_nodes() == 0:
        net.graph["message"] = f"no agency leads an activity of a programme in the selection ({flt.describe()})"
    return net


def with_filter(flt: NetworkFilter, **changes: Any) -> NetworkFilter:
    """A copy of ``flt`` with some fields changed."""
    return replace(flt, **changes)
