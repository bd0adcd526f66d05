"""SHACL over the merged reference descriptions of the entities a build touched (the plans were validated
in the workers), and the version's ``validation.json`` from both."""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.build.children import worker_pool
from graph.build.static import static_triples
from graph.build.workers import FileResult
from graph.store import reference_graph_iri


class _ReferenceCheck:
    """SHACL over the reference descriptions of the touched entities: in a worker process, beside the
    post-build steps, when there are many (a full build); here, when there are few."""

    BACKGROUND = 300  # entities: above this, the check runs in a worker process

    def __init__(self, scope: set[str], text: str, base: str) -> None:
        # The store is not passed in: pyshacl keeps tracebacks whose frames would keep it open.
        self.scope = scope
        self.pool: ProcessPoolExecutor | None = None
        self.future: Future[list[dict[str, Any]]] | None = None
        self.rows: list[dict[str, Any]] = []
        if not scope:
            return
        if len(scope) > self.BACKGROUND:
            self.pool = worker_pool(1)
            self.future = self.pool.submit(_validate_reference_text, text, base)
        else:
            self.rows = _validate_reference_text(text, base)

    def results(self) -> list[dict[str, Any]]:
        """The result rows whose focus is a touched entity (waits for the worker)."""
        if self.future is not None and self.pool is not None:
            self.rows = self.future.result()
            self.pool.shutdown()
            self.future = self.pool = None
        return [r for r in self.rows if r["focus"] in self.scope]

    def cancel(self) -> None:
        """Stop the worker, if any (the build failed)."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.kill()


def check_reference(main: ox.Store, touched: set[Any], static_reloaded: bool, base: str) -> _ReferenceCheck:
    """Start checking the reference descriptions a build merged again (and the static ones it reloaded)."""
    scope = reference_scope(touched, static_reloaded, base)
    text = reference_text(main, scope, base)
    # pyshacl keeps tracebacks whose frames reach this one (f_back): it must not hold the store, or the
    # store stays open (compacting its files) after the build is done with it
    del main
    return _ReferenceCheck(scope, text, base)


def reference_scope(touched: set[Any], static_reloaded: bool, base: str) -> set[str]:
    """The entities whose reference descriptions a build checks again: those it merged, and the
    ontology's and programme scheme's subjects when it loaded them again."""
    scope = {str(s.value) for s in touched if isinstance(s, ox.NamedNode)}
    if static_reloaded:
        scope |= {t.subject.value for t in static_triples(base) if isinstance(t.subject, ox.NamedNode)}
    return scope


def reference_text(main: ox.Store, scope: set[str], base: str) -> str:
    """N-Triples of the reference descriptions of the entities in ``scope``, with the descriptions
    of what they name (so that class constraints can be checked)."""
    ref = ox.NamedNode(reference_graph_iri(base))
    quads: list[ox.Quad] = []
    named: set[Any] = set()
    for iri in sorted(scope):
        for q in main.quads_for_pattern(ox.NamedNode(iri), None, None, ref):
            quads.append(q)
            if isinstance(q.object, ox.NamedNode) and q.object.value not in scope:
                named.add(q.object)
    for node in named:
        quads.extend(main.quads_for_pattern(node, None, None, ref))
    return ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def _validate_reference_text(text: str, base: str) -> list[dict[str, Any]]:
    """SHACL result rows (dicts) for an N-Triples text (runs in a worker process on a full build)."""
    from rdflib import Graph

    from graph.validate.shacl import validate_graph  # local: pyshacl is loaded where it runs

    data = Graph()
    data.parse(data=text, format="nt")
    return [asdict(r) for r in validate_graph(data, base=base).results]


def write_report(version: Path, previous: Path | None, results: list[FileResult],
                 checking: _ReferenceCheck, base: str, digest: str) -> None:
    """Write ``validation.json``: the previous reports of unchanged plans, the reports of the plans
    just extracted, and the reference graph's report with its touched entities validated again."""
    from graph.validate.reports import build_report, write_validation  # local: the module loads pyshacl

    data = build_report(version, previous, digest=digest, replaced={r.source for r in results},
                        entries=[e for r in results for e in r.reports], reference=reference_graph_iri(base),
                        rechecked=checking.scope, reference_rows=checking.results())
    write_validation(version, data)
