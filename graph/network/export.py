"""Writing the collaboration network: GEXF (static or dynamic), GraphML, CSV (edges or nodes), node-link JSON.

Every export carries, per node, its IRI (the node id, and an ``iri`` attribute), kind, level,
city, zh-Hans and English labels, the collective flag and the node figures; per edge,
the weight (co-led activities), years, cities and activity IRIs (space-separated in
GEXF, GraphML and CSV; lists in JSON).
"""

from __future__ import annotations

import csv
import io
import json
from typing import IO, Any

import networkx as nx

from graph.network.draw import MAX_DRAWN, OTHER, drawn_subgraph, layout, palette_for
from graph.network.figures import attach, compute
from qgkg.errors import QueryError

FORMATS = ("gexf", "graphml", "csv", "json")
MEDIA_TYPES = {"gexf": "application/gexf+xml", "graphml": "application/graphml+xml",
               "csv": "text/csv; charset=utf-8", "json": "application/json"}
NODE_COLUMNS = ("iri", "label", "label_zh_hans", "label_en", "kind", "level", "city", "city_label", "collective",
                "activities", "years", "degree", "weighted_degree", "betweenness", "pagerank", "community")
EDGE_COLUMNS = ("source", "target", "source_label", "target_label", "weight", "years", "cities", "activities")


def _flat(value: Any) -> Any:
    """A value GEXF and GraphML can hold: lists become space-separated text, {year: n} becomes '2021:3 …'."""
    if isinstance(value, dict):
        return " ".join(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return " ".join(str(v) for v in value)
    return value


def with_figures(net: nx.Graph) -> nx.Graph:
    """A copy of ``net`` with the node figures attached (computed once)."""
    out = net.copy()
    if out.number_of_nodes() and "community" not in next(iter(out.nodes.values())):
        attach(out, compute(out)[1])
    return out


def export_graph(net: nx.Graph, *, dynamic: bool = False, flat: bool = True) -> nx.Graph:
    """The graph as written: figures attached, attributes flattened, and spells per year when ``dynamic``."""
    src = with_figures(net)
    out = nx.Graph()
    out.graph.update({k: v for k, v in src.graph.items() if v is not None and not isinstance(v, dict | list)})
    for n, d in sorted(src.nodes(data=True)):
        attrs = {k: (_flat(v) if flat else v) for k, v in d.items() if v is not None}
        if dynamic:
            attrs["spells"] = [(y, y) for y in d.get("years", [])]
        out.add_node(n, **attrs)
    for a, b, d in sorted(src.edges(data=True), key=lambda e: (e[0], e[1])):
        attrs = {k: (_flat(v) if flat else v) for k, v in d.items() if v is not None}
        if dynamic:
            attrs["spells"] = [(y, y) for y in d.get("years", [])]
        out.add_edge(a, b, **attrs)
    if dynamic:
        out.graph["mode"] = "dynamic"
    return out


VIZ_WIDTH, VIZ_HEIGHT, VIZ_MARGIN = 1200.0, 900.0, 40.0
VIZ_MIN_SIZE, VIZ_MAX_SIZE = 3.0, 17.0


def viz_attributes(net: nx.Graph) -> dict[str, dict[str, Any]]:
    """GEXF ``viz`` of every node: the drawing's layout (``viz:position``, y up as Gephi has it), its node
    size (``viz:size``, by weighted degree) and its community colour (``viz:color``)."""
    if net.number_of_nodes() == 0:
        return {}
    _, figures = compute(net)
    sub = drawn_subgraph(net, figures, max(MAX_DRAWN, len(figures)))
    pos = layout(sub)
    colours = palette_for(f.community for f in figures)
    max_wd = max((f.weighted_degree for f in figures), default=0) or 1
    out: dict[str, dict[str, Any]] = {}
    for f in figures:
        px, py = pos.get(f.iri, (0.5, 0.5))
        hexa = colours.get(f.community, OTHER).lstrip("#")
        r, g, b = (int(hexa[i : i + 2], 16) for i in (0, 2, 4))
        out[f.iri] = {
            "position": {"x": round(VIZ_MARGIN + px * (VIZ_WIDTH - 2 * VIZ_MARGIN), 2),
                         "y": round(-(VIZ_MARGIN + py * (VIZ_HEIGHT - 2 * VIZ_MARGIN)), 2), "z": 0.0},
            "size": round(VIZ_MIN_SIZE + (VIZ_MAX_SIZE - VIZ_MIN_SIZE) * (f.weighted_degree / max_wd) ** 0.5, 2),
            "color": {"r": r, "g": g, "b": b, "a": 1.0},
        }
    return out


def write_network(net: nx.Graph, out: IO[bytes], fmt: str, *, dynamic: bool = False, table: str = "edges") -> None:
    """Write ``net`` as gexf, graphml, csv or json to a binary stream.

    ``dynamic`` (GEXF) gives every node and edge one spell per year it is active in, for
    Gephi's timeline; ``table`` (CSV) chooses the edge list (``edges``) or the node table (``nodes``).
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "gexf":
        graph = export_graph(net, dynamic=dynamic)
        for node, viz in viz_attributes(net).items():
            graph.nodes[node]["viz"] = viz
        nx.write_gexf(graph, out, version="1.2draft")
    elif fmt == "graphml":
        nx.write_graphml(export_graph(net), out)
    elif fmt == "json":
        data = nx.node_link_data(export_graph(net, flat=False), edges="edges")
        out.write(json.dumps(data, ensure_ascii=False, indent=1, default=_json_default).encode("utf-8"))
    elif fmt == "csv":
        out.write(csv_text(net, table=table).encode("utf-8"))
    else:
        raise QueryError(f"unknown network format {fmt!r} (known: {', '.join(FORMATS)})")


def _json_default(value: Any) -> Any:
    if isinstance(value, set | tuple):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def csv_text(net: nx.Graph, *, table: str = "edges") -> str:
    """The edge list or the node table as CSV (UTF-8, a header row, IRIs as ids)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if table == "nodes":
        g = with_figures(net)
        writer.writerow(NODE_COLUMNS)
        for _n, d in sorted(g.nodes(data=True)):
            writer.writerow([_csv(d.get(c, "")) for c in NODE_COLUMNS])
    elif table == "edges":
        writer.writerow(EDGE_COLUMNS)
        for a, b, d in sorted(((min(a, b), max(a, b), d) for a, b, d in net.edges(data=True)),
                              key=lambda e: (e[0], e[1])):
            writer.writerow([a, b, net.nodes[a].get("label", ""), net.nodes[b].get("label", ""), d["weight"],
                             _flat(d.get("years", [])), _flat(d.get("cities", [])), _flat(d.get("activities", []))])
    else:
        raise QueryError(f"table: want 'edges' or 'nodes', got {table!r}")
    return buf.getvalue()


def _csv(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _flat(value)
