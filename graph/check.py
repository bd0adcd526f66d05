"""SHACL validation of a whole store, plan by plan (linear in the corpus, parallel)."""

from __future__ import annotations

import io
import itertools
import os
from typing import Any

from graph.store import Dataset, GraphStore, Results, Value, open_store, reference_graph_iri
from graph.store.formats import RdfFormat
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
_OWN_SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"
_PLANS = """
SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a <https://w3id.org/qgkg/ontology#Plan> } } ORDER BY ?g
"""


def _ntriples(result: Results) -> str:
    out = io.BytesIO()
    result.serialize(out, RdfFormat.NT)
    return out.getvalue().decode("utf-8")


def plan_graph_with_context(store: GraphStore, plan: str) -> str:
    """A plan's named graph plus the reference descriptions of what it refers to, as N-Triples."""
    ref = reference_graph_iri(store.base)
    params = {"g": Value("iri", plan), "ref": Value("iri", ref)}
    dataset = Dataset(default_graphs=(), named_graphs=(plan, ref))
    parts = []
    for sparql in (_PLAN_GRAPH, _REFERENCED):
        used = {k: v for k, v in params.items() if f"?{k}" in sparql}
        parts.append(_ntriples(store.query(sparql, params=used, dataset=dataset)))
    return "".join(parts)


def plan_graph_and_focus(store: GraphStore, plan: str) -> tuple[str, tuple[str, ...]]:
    """A plan's graph with its context (N-Triples), and the IRIs its own graph describes: the focus
    nodes of its report (the shared entities it names are reported with the reference graph)."""
    text = plan_graph_with_context(store, plan)
    own = store.query(_OWN_SUBJECTS, dataset=Dataset(default_graphs=(plan,)))
    return text, tuple(sorted(row[0].value for row in own.rows() if row[0] is not None and row[0].is_iri))


def reference_graph_text(store: GraphStore) -> str:
    """The reference graph as N-Triples."""
    ref = reference_graph_iri(store.base)
    return _ntriples(store.query(_PLAN_GRAPH, params={"g": Value("iri", ref)},
                                 dataset=Dataset(default_graphs=(), named_graphs=(ref,))))


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
