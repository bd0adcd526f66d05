"""SHACL validation of a whole store, plan by plan (linear in the corpus, parallel)."""

from __future__ import annotations

import os
from typing import Any

from rdflib import Graph

from graph.store import GraphStore, open_store, reference_graph_iri
from qgkg.config import Settings

_PLAN_GRAPH = """
CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }
"""
_REFERENCED = """
CONSTRUCT { ?e ?p ?v } WHERE {
  GRAPH ?g { ?s ?q ?e } FILTER(isIRI(?e))
  GRAPH ?ref { ?e ?p ?v }
}
"""
_PLANS = """
SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a <https://w3id.org/qgkg/ontology#Plan> } } ORDER BY ?g
"""


def plan_graph_with_context(store: GraphStore, plan: str) -> str:
    """A plan's named graph plus the reference descriptions of what it refers to, as N-Triples."""
    import pyoxigraph as ox

    ref = reference_graph_iri(store.base)
    subs = {ox.Variable("g"): ox.NamedNode(plan), ox.Variable("ref"): ox.NamedNode(ref)}
    parts = []
    for sparql in (_PLAN_GRAPH, _REFERENCED):
        used = {k: v for k, v in subs.items() if f"?{k.value}" in sparql}
        triples = store.raw_query(sparql, substitutions=used, default_graph=[], named_graphs=[plan, ref])
        parts.append(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    return "".join(parts)


def reference_graph_text(store: GraphStore) -> str:
    """The reference graph as N-Triples."""
    import pyoxigraph as ox

    ref = reference_graph_iri(store.base)
    triples = store.raw_query(_PLAN_GRAPH, substitutions={ox.Variable("g"): ox.NamedNode(ref)},
                              default_graph=[], named_graphs=[ref])
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def validate_store(settings: Settings, *, jobs: int | None = None) -> dict[str, Any]:
    """Validate every plan graph (with its context) and the reference graph; reports by graph IRI."""
    from graph.validate import validate_many

    store = open_store(settings)
    plans = [row["g"].value for row in store.select_query(_PLANS)]
    items: list[tuple[str, Graph]] = []
    for plan in plans:
        g = Graph()
        g.parse(data=plan_graph_with_context(store, plan), format="nt")
        items.append((plan, g))
    ref = Graph()
    ref.parse(data=reference_graph_text(store), format="nt")
    items.append((reference_graph_iri(store.base), ref))
    return validate_many(items, jobs=jobs or os.cpu_count() or 1, base=settings.base)
