"""SHACL validation of graphs with pyshacl: the shapes plus the ontology, no inference.

Each plan is validated on its own small rdflib graph (its named-graph triples plus the
descriptions of the entities it refers to), which takes 0.05–0.1 s; ``validate_many`` spreads
plans over worker processes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node

from ontology import ONTOLOGY_FILES, ontology_text
from qgkg.config import DEFAULT_BASE
from qgkg.errors import QgkgError
from shapes import rebase_text, shapes_graph

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ResultRow:
    """One SHACL validation result, as plain strings."""

    focus: str
    path: str | None
    shape: str
    severity: str  # "Violation", "Warning" or "Info"
    message: str
    value: str | None = None
    component: str = ""  # the sh:sourceConstraintComponent, e.g. "MinCountConstraintComponent"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one graph: conforms means no violation (warnings allowed)."""

    conforms: bool
    violations: int
    warnings: int
    results: tuple[ResultRow, ...]
    text: str


@lru_cache(maxsize=64)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class _PreparedQueryGraph(Graph):
    """A Graph that parses each SPARQL text once: pyshacl sends a SPARQL constraint's same text
    (with $this as an initial binding) for every focus node, and parsing is most of its cost."""

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Result:  # type: ignore[override]
        """Run a query, parsing a text query only the first time it is seen."""
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


@lru_cache(maxsize=4)
def _shapes(base: str) -> Graph:
    return shapes_graph(base)


@lru_cache(maxsize=4)
def ontology_for(base: str = DEFAULT_BASE) -> Graph:
    """The ontology and programme scheme, with programme IRIs under ``base`` (mixed into the data)."""
    graph = Graph()
    for name in ONTOLOGY_FILES:
        graph.parse(data=rebase_text(ontology_text(name), base), format="turtle")
    return graph


def _term(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, (URIRef, Literal)):
        return str(node)
    return node.n3()


def _message(report: Graph, result: Node) -> str:
    messages = sorted(report.objects(result, SH.resultMessage), key=lambda m: (
        not (isinstance(m, Literal) and (m.language or "en").lower().startswith("en")), str(m)))
    return str(messages[0]) if messages else ""


def _rows(report: Graph) -> tuple[ResultRow, ...]:
    rows = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        component = report.value(result, SH.sourceConstraintComponent)
        rows.append(ResultRow(
            focus=_term(report.value(result, SH.focusNode)) or "",
            path=_term(path) if not isinstance(path, BNode) else path.n3(),
            shape=_term(report.value(result, SH.sourceShape)) or "",
            severity=SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation"),  # type: ignore[arg-type]
            message=_message(report, result),
            value=_term(report.value(result, SH.value)),
            component=str(component).rsplit("#", 1)[-1] if component is not None else "",
        ))
    return tuple(sorted(rows, key=lambda r: (r.severity, r.focus, r.shape, r.path or "", r.value or "")))


def validate_graph(data: Graph, *, base: str = DEFAULT_BASE, focus: Iterable[str] | None = None) -> ValidationReport:
    """Validate one graph with the qgkg shapes over the graph plus the ontology, without inference.

    With ``focus``, only those nodes are checked against the shapes that target them (the rest of
    the graph is there to be looked at: types of the agencies an activity names, and so on).

    The ontology is mixed into a copy of ``data`` here rather than passed as pyshacl's
    ``ont_graph``: pyshacl copies only RDFS/OWL axioms from it (not the programme scheme's
    concepts), and deep-clones owl:NamedIndividuals along SKOS links without end.
    ``data`` itself is not modified.
    """
    mixed = _PreparedQueryGraph()
    mixed.addN((s, p, o, mixed) for s, p, o in data)
    mixed.addN((s, p, o, mixed) for s, p, o in ontology_for(base))
    options: dict[str, Any] = {}
    if focus is not None:
        nodes = sorted(set(focus))
        if not nodes:
            return ValidationReport(conforms=True, violations=0, warnings=0, results=(), text="")
        options["focus_nodes"] = nodes
    _, report, text = shacl_validate(
        mixed,
        shacl_graph=_shapes(base),
        inplace=True,
        inference="none",
        allow_warnings=True,
        abort_on_first=False,
        meta_shacl=False,
        advanced=False,
        **options,
    )
    return _report(_rows(report), str(text))


def _report(rows: tuple[ResultRow, ...], text: str = "") -> ValidationReport:
    """A report from its result rows: it conforms when none is a violation (warnings allowed)."""
    violations = sum(1 for r in rows if r.severity == "Violation")
    warnings = sum(1 for r in rows if r.severity == "Warning")
    return ValidationReport(conforms=violations == 0, violations=violations, warnings=warnings,
                            results=rows, text=text)


def _validate_ntriples(name: str, ntriples: str, base: str, focus: tuple[str, ...] | None = None) -> ValidationReport:
    graph = Graph()
    try:
        graph.parse(data=ntriples, format="nt")
    except Exception as exc:  # rdflib raises several unrelated types on bad N-Triples
        raise QgkgError(f"{name}: cannot read the graph to validate: {exc}") from exc
    return validate_graph(graph, base=base, focus=focus)


Item = tuple[str, str] | tuple[str, str, tuple[str, ...]]  # (name, N-Triples[, focus nodes])


def validate_stream(items: Iterable[Item], *, jobs: int, base: str = DEFAULT_BASE,
                    window: int | None = None) -> Iterator[tuple[str, ValidationReport]]:
    """Validate ``(name, N-Triples[, focus nodes])`` items in ``jobs`` worker processes; yield reports
    in input order.

    At most ``window`` items (default ``4 × jobs``) are in flight, so memory stays bounded
    whatever the number of items: a corpus of 10,000 plans is never held at once.
    """
    if jobs <= 1:
        for name, text, *focus in items:
            yield name, _validate_ntriples(name, text, base, *focus)
        return
    window = window or 4 * jobs
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: deque[tuple[str, Future[ValidationReport]]] = deque()
        for name, text, *focus in items:
            pending.append((name, pool.submit(_validate_ntriples, name, text, base, *focus)))
            if len(pending) >= window:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def validate_many(graphs: Iterable[tuple[str, Graph]], *, jobs: int,
                  base: str = DEFAULT_BASE) -> dict[str, ValidationReport]:
    """Validate named graphs (e.g. one per plan) in ``jobs`` worker processes; reports by name.

    Graphs travel to the workers as N-Triples; with ``jobs`` 1 they are validated in this process.
    """
    items = list(graphs)
    if jobs <= 1 or len(items) <= 1:
        return {name: validate_graph(graph, base=base) for name, graph in items}
    payload = ((name, graph.serialize(format="nt")) for name, graph in items)
    return dict(validate_stream(payload, jobs=min(jobs, len(items)), base=base))


# --- validation at build time ----------------------------------------------------------------
#
# A build validates each plan where it is extracted (in the worker process, on the plan's small
# rdflib graph plus the descriptions of the entities it refers to), and the merged reference
# descriptions of the entities the build touched. The reports go into the version folder
# (``validation.json``, written by ``graph.validate.reports``), so ``qgkg validate`` and the
# /validation page read them instead of validating again, and an incremental build validates
# only what it changed.


def shapes_digest(base: str = DEFAULT_BASE) -> str:
    """SHA-256 of what a report depends on besides the data: shapes, ontology and programme scheme."""
    import hashlib

    from shapes import shapes_text

    h = hashlib.sha256()
    h.update(rebase_text(shapes_text(), base).encode("utf-8"))
    for name in ONTOLOGY_FILES:
        h.update(rebase_text(ontology_text(name), base).encode("utf-8"))
    return h.hexdigest()


def with_context(plan: Graph, entities: Graph, into: Graph | None = None) -> Graph:
    """A plan's graph plus the descriptions of the entities it names (what ``qgkg validate`` checks)."""
    data = Graph() if into is None else into
    data.addN((s, p, o, data) for s, p, o in plan)
    named = {o for o in plan.objects() if isinstance(o, URIRef)}
    data.addN((s, p, o, data) for s, p, o in entities if s in named)
    return data


def own_subjects(plan: Graph) -> list[str]:
    """The IRIs a plan's graph describes: the focus nodes of its report (the plan, its activities,
    the documents it cites). The shared entities it names are reported with the reference graph."""
    return sorted({str(s) for s in plan.subjects() if isinstance(s, URIRef)})


def validate_plans(plans: list[tuple[str, Graph, Graph]], *, base: str = DEFAULT_BASE) -> dict[str, ValidationReport]:
    """Validate several plans in one pass: ``(plan IRI, plan graph, entity descriptions)`` each.

    One SHACL run over all of them (a run has a fixed cost that is larger than a small plan's),
    with the plans' own subjects as focus nodes; the results are then split by plan, each focus
    node belonging to the one plan whose graph describes it.
    """
    data = Graph()
    owners: dict[str, list[str]] = {}
    for iri, graph, entities in plans:
        with_context(graph, entities, into=data)
        for subject in own_subjects(graph):
            owners.setdefault(subject, []).append(iri)
    report = validate_graph(data, base=base, focus=owners)
    rows: dict[str, list[ResultRow]] = {iri: [] for iri, _g, _e in plans}
    for row in report.results:
        for iri in owners[row.focus]:
            rows[iri].append(row)
    return {iri: _report(tuple(found)) for iri, found in rows.items()}
