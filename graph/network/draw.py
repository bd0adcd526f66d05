"""A deterministic drawing of the network, as geometry for an SVG template (no markup here).

Positions come from a force layout with a fixed seed over the nodes in IRI order, so the
same selection always gives the same picture; the small multiples by year reuse the
positions of the whole selection so that a node stays in place from year to year.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from graph.network.figures import SEED, NodeFigures

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")
OTHER = "#c7c7c7"  # communities beyond the palette
MAX_DRAWN = 500  # larger selections draw their MAX_DRAWN heaviest nodes (the table lists all)

Positions = dict[str, tuple[float, float]]


@dataclass(frozen=True)
class DrawnNode:
    """A circle: position, radius, fill, the link to the agency page, the hover text and an optional label."""

    iri: str
    x: float
    y: float
    r: float
    colour: str
    href: str
    title: str
    label: str
    weighted_degree: int = 0
    label_x: float = 0.0  # where the label is written (SVG text x, y and text-anchor)
    label_y: float = 0.0
    anchor: str = "start"


@dataclass(frozen=True)
class DrawnEdge:
    """A line between two nodes, as wide as its weight."""

    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    title: str


@dataclass(frozen=True)
class Drawing:
    """Everything the SVG template needs."""

    width: int
    height: int
    nodes: list[DrawnNode]
    edges: list[DrawnEdge]
    shown: int
    total: int
    colours: dict[int, str]  # community -> fill
    label_threshold: int = 0  # every drawn node with a weighted degree above this is labelled
    font: float = 11.0  # the labels' font size (px), as the stylesheet sets it


def palette_for(communities: Iterable[int]) -> dict[int, str]:
    """Fills for the communities of the drawn nodes: the most drawn ones get the palette, the rest grey."""
    counts = Counter(communities)
    ranked = sorted(counts, key=lambda c: (-counts[c], c))
    return {c: PALETTE[i] for i, c in enumerate(ranked[: len(PALETTE)])}


def drawn_subgraph(net: nx.Graph, figures: list[NodeFigures], max_nodes: int = MAX_DRAWN) -> nx.Graph:
    """The nodes to draw: all of them, or the ``max_nodes`` heaviest (figures come sorted by weight)."""
    keep = sorted(f.iri for f in figures[:max_nodes])
    sub = nx.Graph()
    sub.add_nodes_from(keep)
    pairs = net.subgraph(keep).edges(data="weight")
    sub.add_weighted_edges_from(sorted((min(a, b), max(a, b), w) for a, b, w in pairs))
    return sub


def layout(sub: nx.Graph) -> Positions:
    """Positions in the unit square, deterministic for a given graph.

    Each connected component gets its own force layout (fixed seed) in a square whose side
    grows with the square root of its size; the squares are packed in rows, largest first,
    so that the main component fills the picture and isolated agencies line up beside it.
    """
    if sub.number_of_nodes() == 0:
        return {}
    comps = sorted((sorted(c) for c in nx.connected_components(sub)), key=lambda c: (-len(c), c[0]))
    sides = [math.sqrt(len(c)) for c in comps]
    row_width = max(sides[0], 1.3 * math.sqrt(sum(x * x for x in sides)))
    pos: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for comp, side in zip(comps, sides, strict=True):
        if x > 0 and x + side > row_width + 1e-9:
            x, y, row_height = 0.0, y + row_height, 0.0
        inner = _component_layout(sub.subgraph(comp))
        pad = 0.12 * side if len(comp) > 1 else 0.0
        for v, (px, py) in inner.items():
            pos[v] = (x + pad + px * (side - 2 * pad), y + pad + py * (side - 2 * pad))
        x += side
        row_height = max(row_height, side)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    x0, y0 = min(xs), min(ys)
    sx, sy = (max(xs) - x0) or 1.0, (max(ys) - y0) or 1.0
    return {v: ((p[0] - x0) / sx if len(pos) > 1 else 0.5, (p[1] - y0) / sy if len(pos) > 1 else 0.5)
            for v, p in pos.items()}


def _component_layout(comp: nx.Graph) -> Positions:
    """A connected component laid out in the unit square."""
    n = comp.number_of_nodes()
    if n == 1:
        return {next(iter(comp.nodes)): (0.5, 0.5)}
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(comp.nodes))
    ordered.add_weighted_edges_from(sorted((min(a, b), max(a, b), w) for a, b, w in comp.edges(data="weight")))
    k = 1.6 / math.sqrt(n)  # a little more room than networkx's default, for labels
    raw = nx.spring_layout(ordered, seed=SEED, weight="weight", k=k, iterations=80 if n <= 200 else 50)
    xs = [float(p[0]) for p in raw.values()]
    ys = [float(p[1]) for p in raw.values()]
    sx, sy = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return {v: ((float(p[0]) - min(xs)) / sx, (float(p[1]) - min(ys)) / sy) for v, p in raw.items()}


def draw(net: nx.Graph, figures: list[NodeFigures], *, link: Callable[[str], str], width: int = 900,
         height: int = 640, positions: Positions | None = None, labels: int = 25,
         max_nodes: int = MAX_DRAWN, colours: dict[int, str] | None = None) -> tuple[Drawing, Positions]:
    """Geometry of ``net``: node size by weighted degree, colour by community, edge width by weight.

    Returns the drawing and the unit-square positions; pass both ``positions`` and the drawing's
    ``colours`` to the years' small multiples so that a node keeps its place and colour.
    """
    sub = drawn_subgraph(net, figures, max_nodes)
    if positions is None:
        positions = layout(sub)
    by_iri = {f.iri: f for f in figures}
    small = width < 400
    margin = 14 if small else 40
    max_wd = max((by_iri[n].weighted_degree for n in sub.nodes if n in by_iri), default=0) or 1
    max_w = max((w for _a, _b, w in sub.edges(data="weight")), default=1) or 1
    # radii shrink with crowding: the largest node gets about half the room one node has
    room = math.sqrt((width - 2 * margin) * (height - 2 * margin) / max(1, sub.number_of_nodes()))
    r_max = max(4.0, min(8.0 if small else 17.0, 0.3 * room))
    r_min = min(2.0 if small else 3.0, r_max / 2)
    if colours is None:
        colours = palette_for(by_iri[n].community for n in sub.nodes if n in by_iri)

    def xy(iri: str) -> tuple[float, float]:
        px, py = positions.get(iri, (0.5, 0.5))
        return round(margin + px * (width - 2 * margin), 1), round(margin + py * (height - 2 * margin), 1)

    edges = []
    for a, b, w in sorted(sub.edges(data="weight"), key=lambda e: (e[2], e[0], e[1])):
        (x1, y1), (x2, y2) = xy(a), xy(b)
        scale = 3.0 if small else 6.0
        edges.append(DrawnEdge(x1, y1, x2, y2, round(0.5 + scale * w / max_w, 2),
                               f"{_name(net, a)} — {_name(net, b)}: {w}"))
    def radius(iri: str) -> float:
        wd = by_iri[iri].weighted_degree if iri in by_iri else 0
        return r_min + (r_max - r_min) * math.sqrt(wd / max_wd)

    # labels go to the heaviest nodes first, each where it stays inside the canvas and overlaps no label
    # placed before it (and, if it can, no node); the first node that finds no place sets the threshold
    font = SMALL_FONT if small else FONT
    ranked = sorted(sub.nodes, key=lambda n: (-(by_iri[n].weighted_degree if n in by_iri else 0), n))
    wanted = ranked[: max(labels, 0)]
    circles = [(*xy(n), radius(n)) for n in sub.nodes]
    spots = place_labels([(iri, *xy(iri), radius(iri), _name(net, iri)) for iri in wanted],
                         width=width, height=height, font=font, circles=circles)
    failed = [n for n in wanted if n not in spots]
    first_gap = failed[0] if failed else (ranked[len(wanted)] if len(ranked) > len(wanted) else None)
    threshold = (by_iri[first_gap].weighted_degree if first_gap in by_iri else 0) if first_gap else 0
    nodes = []
    for iri in sorted(sub.nodes, key=lambda n: (by_iri[n].weighted_degree if n in by_iri else 0, n)):
        f = by_iri.get(iri)
        wd = f.weighted_degree if f else 0
        x, y = xy(iri)
        title = f"{_name(net, iri)}: {f.activities if f else 0} activities, weighted degree {wd}"
        lx, ly, anchor = spots.get(iri, (0.0, 0.0, "start"))
        nodes.append(DrawnNode(iri, x, y, round(radius(iri), 1), colours.get(f.community if f else 0, OTHER),
                               link(iri), title, _name(net, iri) if iri in spots else "", wd, lx, ly, anchor))
    drawing = Drawing(width, height, nodes, edges, sub.number_of_nodes(), net.number_of_nodes(), colours,
                      threshold, font)
    return drawing, positions


FONT, SMALL_FONT = 11.0, 9.0  # px: the labels' font size in the drawing and in the small multiples
CJK_EM, OTHER_EM = 1.05, 0.62  # a character's advance, in ems (generous, so that boxes never undercount)
# where a label may go around its node, in order of preference: (dx, dy) in node radii + gaps, anchor
SPOTS = (("right", 0), ("left", 0), ("above", 0), ("below", 0), ("right", -1), ("right", 1), ("left", -1),
         ("left", 1))

Box = tuple[float, float, float, float]


def text_width(text: str, font: float) -> float:
    """The width of ``text`` at ``font`` px, estimated from its characters (CJK ones are square)."""
    return sum((CJK_EM if ord(ch) > 0x2E80 else OTHER_EM) * font for ch in text)


def label_box(x: float, y: float, r: float, text: str, *, font: float = FONT, spot: tuple[str, int] = ("right", 0),
              reach: float = 1.0) -> tuple[Box, tuple[float, float, str]]:
    """The box a label takes at ``spot`` around its node, and where its text goes (x, y, anchor).

    ``reach`` pushes the label further from the node (1: just beside it).
    """
    side, shift = spot
    w = text_width(text, font)
    h = font + 3
    gap = 2 + (reach - 1) * (r + font)
    base = font * 0.35  # from the text's baseline down to the centre of its box
    cy = y + shift * h
    if side == "right":
        left, anchor, tx = x + r + gap, "start", x + r + gap
    elif side == "left":
        left, anchor, tx = x - r - gap - w, "end", x - r - gap
    else:
        left, anchor, tx = x - w / 2, "middle", x
        cy = y - r - gap - h / 2 if side == "above" else y + r + gap + h / 2
    box = (left, cy - h / 2, left + w, cy + h / 2)
    return box, (round(tx, 1), round(cy + base, 1), anchor)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(candidates: list[tuple[str, float, float, float, str]], *, width: float = 1e9,
                 height: float = 1e9, font: float = FONT,
                 circles: Sequence[tuple[float, float, float]] = ()) -> dict[str, tuple[float, float, str]]:
    """Where each candidate's label is written (x, y, anchor): inside the canvas, overlapping no label placed
    before it and, where some spot allows, no node; a candidate with no such spot gets no label.

    >>> spots = place_labels([("a", 50, 50, 2, "甲乙丙"), ("b", 55, 50, 2, "丁"), ("c", 995, 40, 2, "戊己")],
    ...                      width=1000, height=100)
    >>> sorted(spots), spots["c"][2]
    (['a', 'b', 'c'], 'end')
    """
    placed: list[Box] = []
    discs = [(cx - r, cy - r, cx + r, cy + r) for cx, cy, r in circles]
    chosen: dict[str, tuple[float, float, str]] = {}
    for iri, x, y, r, text in candidates:
        own = (x - r, y - r, x + r, y + r)
        fallback = None
        for reach in (1.0, 2.0, 3.0):
            for spot in SPOTS:
                box, where = label_box(x, y, r, text, font=font, spot=spot, reach=reach)
                if box[0] < 1 or box[1] < 1 or box[2] > width - 1 or box[3] > height - 1:
                    continue
                if any(_overlaps(box, b) for b in placed):
                    continue
                if not any(_overlaps(box, d) for d in discs if d != own):
                    fallback = (box, where)
                    break
                fallback = fallback or (box, where)
            else:
                continue
            break
        if fallback is not None:
            placed.append(fallback[0])
            chosen[iri] = fallback[1]
    return chosen


def _name(net: nx.Graph, iri: str) -> str:
    d = net.nodes[iri] if iri in net else {}
    return str(d.get("label") or iri)
