"""SHACL validation of a whole store, plan by plan (linear in the corpus, parallel), and the report of a
version built without one (computed once, in the background, for the /validation page)."""

from __future__ import annotations

import io
import itertools
import os
import threading
from pathlib import Path
from typing import Any

from graph.store import Dataset, GraphStore, Results, StoreDir, Value, Version, open_store, reference_graph_iri
from graph.store.formats import RdfFormat
from graph.validate.reports import (
    REPORT_FORMAT,
    current_reports,
    read_validation,
    report_entry,
    report_from_entry,
    summary,
    write_validation,
)
from graph.validate.shacl import shapes_digest, validate_stream
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
    if not settings.endpoint:
        current = StoreDir(settings.store).current()
        if current is not None:
            Version(current).manifest()  # a corrupt manifest is an error, not a conforming store
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
    version = StoreDir(settings.store).current()
    data = current_reports(version, shapes_digest(settings.base))
    return None if data is None else {e["graph"]: report_from_entry(e) for e in data.get("graphs", [])}


_running: set[str] = set()
_running_lock = threading.Lock()


def validate_version(settings: Settings, version: Path) -> None:
    """Validate the store and keep the report in the version folder (runs in a background thread)."""
    try:
        reports = validate_store(settings, jobs=1)
        data = summary([report_entry(name, r) for name, r in reports.items()],
                       shapes_sha256=shapes_digest(settings.base), version=Path(version).name)
    except Exception as exc:  # the report says why it could not be made
        error = " ".join(f"{type(exc).__name__}: {exc}".split())
        data = {"format": REPORT_FORMAT, "version": Path(version).name, "error": error}
    write_validation(version, data)


def ensure_validation(settings: Settings, version: Path) -> dict[str, Any] | None:
    """The kept report, or None after starting its computation in the background."""
    report = read_validation(version)
    if report is not None:
        return report
    with _running_lock:
        if str(version) not in _running:
            _running.add(str(version))
            threading.Thread(target=validate_version, args=(settings, version), daemon=True).start()
    return None
