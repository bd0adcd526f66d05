"""Writing a build into the new version's Oxigraph stores: plan graphs, contributions, merged descriptions, counts.

The main store holds one named graph per plan and the reference graph; the ``contrib`` store
holds each file's entity descriptions under its main plan's IRI. The reference description of
an entity is the union of every file's contribution, rewritten for the entities a build
touched (``merge_entities``). The remote build keeps its contributions the same way
(``replace_contributions``, ``merged_description``) and writes through the Graph Store Protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from graph.build.static import static_triples
from graph.build.workers import FileResult
from graph.store import UNION, Results, reference_graph_iri
from graph.store.manifest import Counts, Source

BULK_THRESHOLD = 200_000  # quads: above this, a build writes with the bulk loader
QG = "https://w3id.org/qgkg/ontology#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_AGENCY = ox.NamedNode(QG + "Agency")


def _parse_nt(text: str, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    for triple in ox.parse(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES):
        yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)


def _graph_subjects(store: ox.Store, graph: ox.NamedNode) -> set[Any]:
    return {q.subject for q in store.quads_for_pattern(None, None, None, graph)}


def _graph_size(store: ox.Store, graph: ox.NamedNode) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _extend(store: ox.Store, quads: list[ox.Quad]) -> None:
    if len(quads) > BULK_THRESHOLD:
        store.bulk_extend(quads)
    else:
        store.extend(quads)


def replace_contributions(contrib: ox.Store, results: list[FileResult],
                          old_graphs: Callable[[FileResult], Iterable[str]]) -> set[Any]:
    """Replace each file's entity descriptions (kept under its main plan's IRI); return the subjects touched:
    those the file described before (in the graphs ``old_graphs`` names) and those it describes now."""
    touched: set[Any] = set()
    for r in results:
        for g in old_graphs(r):
            node = ox.NamedNode(g)
            touched |= _graph_subjects(contrib, node)
            if contrib.contains_named_graph(node):
                contrib.remove_graph(node)
    quads = [q for r in results if r.entities for q in _parse_nt(r.entities, ox.NamedNode(r.plans[0][0]))]
    touched |= {q.subject for q in quads}
    _extend(contrib, quads)
    return touched


def apply_results(main: ox.Store, contrib: ox.Store, results: list[FileResult], sources: dict[str, Source]) -> set[Any]:
    """Replace the named graphs of every changed source (recording it in ``sources``); return the entity
    subjects touched."""
    for r in results:
        for g in sources[r.source].graphs if r.source in sources else ():
            node = ox.NamedNode(g)
            if main.contains_named_graph(node):
                main.remove_graph(node)
    touched = replace_contributions(contrib, results, lambda r: sources[r.source].graphs if r.source in sources else ())
    size = sum(len(nt) for r in results for _iri, nt in r.plans) // 150  # ~150 bytes a statement
    for r in results:
        sources[r.source] = Source(r.sha256, [iri for iri, _nt in r.plans], r.activities, len(r.plans), 0)
    for payload in _nquads_batches(results, sources):
        if size > BULK_THRESHOLD:
            main.bulk_load(payload, ox.RdfFormat.N_QUADS)
        else:
            main.load(payload, ox.RdfFormat.N_QUADS)
    return touched


def _nquads_batches(results: list[FileResult], sources: dict[str, Source], batch: int = 32 << 20) -> Iterator[bytes]:
    """Every plan's statements as N-Quads text in batches of about ``batch`` bytes, counting them
    per source: the store's bulk loader parses them without a Python object per statement.

    A plan's N-Triples come from an rdflib graph, a set: one line per distinct statement, each
    ending in `` .``; a line never holds a raw newline (N-Triples escapes it).
    """
    parts: list[str] = []
    size = 0
    for r in results:
        entry = sources[r.source]
        for iri, nt in r.plans:
            suffix = f" <{iri}> .\n"
            lines = [line[:-1].rstrip() + suffix for line in nt.split("\n") if line.strip()]
            entry.triples = (entry.triples or 0) + len(lines)
            parts.append("".join(lines))
            size += len(parts[-1])
            if size >= batch:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


def merged_description(contrib: ox.Store, subject: Any) -> set[tuple[Any, Any]]:
    """The (predicate, object) pairs of an entity's reference description: every file's contribution."""
    return {(q.predicate, q.object) for q in contrib.quads_for_pattern(subject, None, None, None)}


def merge_entities(main: ox.Store, contrib: ox.Store, touched: set[Any], base: str) -> tuple[int, int]:
    """Rewrite the reference description of every touched entity from all plans' contributions.

    Returns the change in the reference graph's size and in the number of agencies.
    """
    ref = ox.NamedNode(reference_graph_iri(base))
    static_subjects = {t.subject for t in static_triples(base)}
    d_triples = d_agencies = 0
    new: list[ox.Quad] = []
    for subject in sorted(touched - static_subjects, key=str):  # sorted: the same writes whatever the order
        old = list(main.quads_for_pattern(subject, None, None, ref))
        for q in old:
            main.remove(q)
        seen = merged_description(contrib, subject)
        new.extend(ox.Quad(subject, p, o, ref) for p, o in seen)
        d_triples += len(seen) - len(old)
        was_agency = any(q.predicate == _RDF_TYPE and q.object == _AGENCY for q in old)
        d_agencies += ((_RDF_TYPE, _AGENCY) in seen) - was_agency
    _extend(main, new)
    return d_triples, d_agencies


def _count(store: ox.Store, sparql: str) -> int:
    rows = list(Results.of(store.query(sparql, **UNION.oxigraph_options())).rows())
    return int(rows[0][0].value) if rows and rows[0][0] is not None else 0


def counts(main: ox.Store, sources: dict[str, Source], old: Counts, ref_triples: int, d_agencies: int,
           base: str) -> Counts:
    """The manifest's counts, kept from the delta (a scan only for stores built before counts were kept)."""
    if old.reference_triples is None or any(e.triples is None or e.plans is None for e in sources.values()):
        return Counts(
            plans=_count(main, f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{QG}Plan> }}"),
            activities=_count(main, f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a <{QG}Activity> }}"),
            agencies=_count(main, f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{QG}Agency> }}"),
            triples=len(main),
            reference_triples=_graph_size(main, ox.NamedNode(reference_graph_iri(base))),
        )
    return Counts(
        plans=sum(e.plans or 0 for e in sources.values()),
        activities=sum(e.activities for e in sources.values()),
        agencies=old.agencies + d_agencies,
        triples=sum(e.triples or 0 for e in sources.values()) + ref_triples,
        reference_triples=ref_triples,
    )
