"""SHACL validation of a whole store, plan by plan (linear in the corpus, parallel)."""

from __future__ import annotations

import itertools
import os
from typing import Any

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


def plan_graph_and_focus(store: GraphStore, plan: str) -> tuple[str, tuple[str, ...]]:
    """A plan's graph with its context (N-Triples), and the IRIs its own graph describes: the focus
    nodes of its report (the shared entities it names are reported with the reference graph)."""
    import pyoxigraph as ox

    text = plan_graph_with_context(store, plan)
    own = store.raw_query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }", default_graph=[plan])
    return text, tuple(sorted(row["s"].value for row in own if isinstance(row["s"], ox.NamedNode)))


def reference_graph_text(store: GraphStore) -> str:
    """The reference graph as N-Triples."""
    import pyoxigraph as ox

    ref = reference_graph_iri(store.base)
    triples = store.raw_query(_PLAN_GRAPH, substitutions={ox.Variable("g"): ox.NamedNode(ref)},
                              default_graph=[], named_graphs=[ref])
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def validate_store(settings: Settings, *, jobs: int | None = None, recheck: bool = False) -> dict[str, Any]:
    """SHACL reports by graph IRI: every plan graph (with its context) and the reference graph.

    An embedded store keeps the reports its builds made (``validation.json``, see
    ``graph.build``); they are returned when they were made with the current shapes, unless
    ``recheck``. Otherwise plan graphs are read from the store one at a time and streamed to
    the worker processes, so memory does not grow with the corpus.
    """
    from graph.validate import validate_stream

    if not recheck and not settings.endpoint:
        stored = stored_reports(settings)
        if stored is not None:
            return stored
    store = open_store(settings)
    plans = [row["g"].value for row in store.select_query(_PLANS)]
    ref = reference_graph_iri(store.base)
    items = itertools.chain(
        ((plan, *plan_graph_and_focus(store, plan)) for plan in plans),
        [(ref, reference_graph_text(store))],
    )
    return dict(validate_stream(items, jobs=jobs or os.cpu_count() or 1, base=settings.base))


def stored_reports(settings: Settings) -> dict[str, Any] | None:
    """The reports the current version's build wrote, or None when it has none for the current shapes."""
    from graph.docs import read_validation
    from graph.store import StoreDir
    from graph.validate import report_from_entry, shapes_digest

    version = StoreDir(settings.store).current()
    data = read_validation(version) if version is not None else None
    if data is None or data.get("shapes_sha256") != shapes_digest(settings.base) or data.get("version") != version.name:
        return None
    return {e["graph"]: report_from_entry(e) for e in data.get("graphs", [])}
