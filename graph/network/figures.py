"""Figures of a collaboration network: centralities and communities per node, size and shape per network."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

SEED = 42  # communities, sampled betweenness and layouts are deterministic
EXACT_BETWEENNESS_MAX = 1000  # above this many nodes betweenness is estimated from SAMPLES pivots
SAMPLES = 300


@dataclass(frozen=True)
class NodeFigures:
    """One agency's place in the network."""

    iri: str
    label: str
    label_en: str
    kind: str
    level: str
    city_label: str
    collective: bool
    activities: int  # activities it leads in the selection
    degree: int  # partners
    weighted_degree: int  # co-led activities summed over partners
    betweenness: float  # normalised; estimated above EXACT_BETWEENNESS_MAX nodes
    pagerank: float  # weighted by co-led activities
    community: int  # 1 = the largest community (Louvain, fixed seed)


@dataclass(frozen=True)
class NetworkFigures:
    """The network as a whole."""

    nodes: int
    edges: int
    activities: int  # activities with at least one lead agency in the selection
    coled_activities: int  # activities with two or more lead agencies
    density: float
    components: int
    largest_component: int
    communities: int
    modularity: float
    betweenness_estimated: bool


def communities(net: nx.Graph) -> dict[str, int]:
    """Louvain communities (weighted, fixed seed), numbered 1… by size then by smallest IRI."""
    if net.number_of_nodes() == 0:
        return {}
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(net.nodes))
    ordered.add_weighted_edges_from(sorted((min(a, b), max(a, b), w) for a, b, w in net.edges(data="weight")))
    groups = nx.community.louvain_communities(ordered, weight="weight", seed=SEED)
    ranked = sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))
    return {n: i for i, g in enumerate(ranked, start=1) for n in g}


def compute(net: nx.Graph) -> tuple[NetworkFigures, list[NodeFigures]]:
    """Network figures and node figures (sorted by weighted degree, then name)."""
    comm = communities(net)
    n = net.number_of_nodes()
    estimated = n > EXACT_BETWEENNESS_MAX
    btw = nx.betweenness_centrality(net, k=SAMPLES if estimated else None, seed=SEED) if n else {}
    try:
        pr = nx.pagerank(net, weight="weight") if n else {}
    except nx.PowerIterationFailedConvergence:
        pr = nx.pagerank(net, weight="weight", max_iter=1000, tol=1e-4)
    nodes = []
    for iri, d in net.nodes(data=True):
        nodes.append(NodeFigures(
            iri=iri, label=d.get("label", iri), label_en=d.get("label_en", ""), kind=d.get("kind", ""),
            level=d.get("level", ""), city_label=d.get("city_label", ""), collective=bool(d.get("collective")),
            activities=int(d.get("activities", 0)), degree=net.degree(iri),
            weighted_degree=int(net.degree(iri, weight="weight")), betweenness=round(btw.get(iri, 0.0), 6),
            pagerank=round(pr.get(iri, 0.0), 6), community=comm.get(iri, 0)))
    nodes.sort(key=lambda f: (-f.weighted_degree, -f.activities, f.label, f.iri))
    return network_figures(net, comm, estimated=estimated), nodes


def network_figures(net: nx.Graph, comm: dict[str, int] | None = None, *, estimated: bool = False) -> NetworkFigures:
    """Size, density, components and modularity of ``net``."""
    comm = communities(net) if comm is None else comm
    groups: dict[int, set[str]] = {}
    for node, c in comm.items():
        groups.setdefault(c, set()).add(node)
    comps = list(nx.connected_components(net)) if net.number_of_nodes() else []
    modularity = 0.0
    if net.number_of_edges():
        modularity = nx.community.modularity(net, list(groups.values()), weight="weight")
    return NetworkFigures(
        nodes=net.number_of_nodes(), edges=net.number_of_edges(),
        activities=int(net.graph.get("activities", 0)), coled_activities=int(net.graph.get("coled_activities", 0)),
        density=round(nx.density(net), 6) if net.number_of_nodes() > 1 else 0.0,
        components=len(comps), largest_component=max((len(c) for c in comps), default=0),
        communities=len(groups), modularity=round(modularity, 6), betweenness_estimated=estimated)


def attach(net: nx.Graph, nodes: list[NodeFigures]) -> None:
    """Copy node figures onto the nodes of ``net`` (so that exports carry them)."""
    for f in nodes:
        net.nodes[f.iri].update(degree=f.degree, weighted_degree=f.weighted_degree, betweenness=f.betweenness,
                                pagerank=f.pagerank, community=f.community)
