"""What the ``/network`` and ``/programmes`` pages show, computed in one call each (views stay thin)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from graph.network.collaboration import NetworkFilter, build_bipartite, build_network, network_years, year_slice
from graph.network.diffusion import Diffusion, diffusion
from graph.network.draw import Drawing, draw
from graph.network.figures import NetworkFigures, NodeFigures, compute, network_figures
from graph.network.source import Entity, open_source
from graph.store import GraphStore

MAX_YEAR_PANELS = 24
MAX_EDGE_ROWS = 300
MAX_BIPARTITE_ROWS = 60


@dataclass(frozen=True)
class EdgeRow:
    """One co-leading pair, for the table beside the drawing."""

    source: str
    source_label: str
    target: str
    target_label: str
    weight: int
    years: list[int]


@dataclass(frozen=True)
class YearPanel:
    """One small multiple: the selection's network in one year, with its figures."""

    year: int
    figures: NetworkFigures
    drawing: Drawing


@dataclass(frozen=True)
class BipartiteTable:
    """The agency × programme network as a matrix of activity counts."""

    programmes: list[Entity]
    rows: list[tuple[str, str, list[int], int]]  # agency IRI, label, counts per programme, total
    agencies: int  # all agencies in the bipartite network (rows shows the busiest)
    edges: int
    max_count: int


@dataclass(frozen=True)
class NetworkPage:
    """The context of ``/network``."""

    filter: NetworkFilter
    message: str | None  # why the selection is empty, when it is
    not_found: bool  # the selection names a city, year or programme without plans (the page is a 404)
    figures: NetworkFigures  # the whole selection
    nodes: list[NodeFigures]  # every node, by weighted degree
    edges: list[EdgeRow]  # the heaviest MAX_EDGE_ROWS pairs
    edge_total: int
    drawing: Drawing
    years: list[YearPanel]  # small multiples, one per year of the selection
    bipartite: BipartiteTable
    cities: list[Entity]  # for the filter form
    all_years: list[int]
    programmes: list[Entity]
    seconds: float  # time to compute the page


def network_page(store: GraphStore, flt: NetworkFilter, *, link: Callable[[str], str]) -> NetworkPage:
    """Build the network of the selection, its figures, drawing, yearly small multiples and bipartite table."""
    started = time.perf_counter()
    source = open_source(store)
    net = build_network(store, flt, source=source)
    figures, nodes = compute(net)
    # a larger canvas for a larger network, so that 500 nodes keep room between them
    n = net.number_of_nodes()
    width, height = (1200, 900) if n > 150 else (900, 640)
    drawing, positions = draw(net, nodes, link=link, width=width, height=height, labels=40 if n > 150 else 25)
    by_iri = {f.iri: f for f in nodes}
    panels = []
    for year in network_years(net)[-MAX_YEAR_PANELS:] if len(network_years(net)) > 1 else []:
        sub = year_slice(net, year)
        yearly = [replace(by_iri[n], weighted_degree=int(sub.degree(n, weight="weight")),
                          activities=int(sub.nodes[n]["activities"])) for n in sub.nodes]
        yearly.sort(key=lambda f: (-f.weighted_degree, f.label, f.iri))
        small, _ = draw(sub, yearly, link=link, width=300, height=220, positions=positions,
                        colours=drawing.colours, labels=8)
        panels.append(YearPanel(year, network_figures(sub), small))
    edges = sorted(net.edges(data=True), key=lambda e: (-e[2]["weight"], e[0], e[1]))
    edge_rows = [EdgeRow(a, net.nodes[a]["label"], b, net.nodes[b]["label"], d["weight"], d.get("years", []))
                 for a, b, d in edges[:MAX_EDGE_ROWS]]
    return NetworkPage(
        filter=flt, message=net.graph.get("message"), not_found=bool(net.graph.get("not_found")),
        figures=figures, nodes=nodes, edges=edge_rows,
        edge_total=net.number_of_edges(), drawing=drawing, years=panels,
        bipartite=bipartite_table(store, flt, source=source), cities=source.cities(), all_years=source.years(),
        programmes=source.programmes(), seconds=round(time.perf_counter() - started, 3))


def bipartite_table(store: GraphStore, flt: NetworkFilter, **kwargs: object) -> BipartiteTable:
    """The agency × programme matrix of the selection (busiest agencies first)."""
    net = build_bipartite(store, flt, **kwargs)  # type: ignore[arg-type]
    progs = sorted((n for n, d in net.nodes(data=True) if d.get("bipartite") == 1),
                   key=lambda n: net.nodes[n].get("code") or n)
    prog_entities = [Entity(p, "Programme", net.nodes[p].get("label_zh_hans") or None,
                            net.nodes[p].get("label_en") or None, None, None, False, net.nodes[p].get("code"))
                     for p in progs]
    rows = []
    for n, d in net.nodes(data=True):
        if d.get("bipartite") == 0:
            counts = [int(net.edges[n, p]["weight"]) if net.has_edge(n, p) else 0 for p in progs]
            rows.append((n, str(d.get("label", n)), counts, sum(counts)))
    rows.sort(key=lambda r: (-r[3], r[1], r[0]))
    max_count = max((c for r in rows for c in r[2]), default=0)
    return BipartiteTable(prog_entities, rows[:MAX_BIPARTITE_ROWS], len(rows), net.number_of_edges(), max_count)


def programmes_page(store: GraphStore) -> Diffusion:
    """The context of ``/programmes``: the diffusion table of every programme."""
    return diffusion(store)
