"""The SHACL shapes on the examples in tests/shapes/examples, on rdflib and through Oxigraph."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH

from graph.validate import ValidationReport, validate_graph, validate_many
from qgkg.config import DEFAULT_BASE
from qgkg.errors import QgkgError
from shapes import SHAPES_NS, shapes_graph, shapes_text

EXAMPLES = Path(__file__).parent / "examples"
FILES = sorted(EXAMPLES.glob("*.ttl"))
VALID = [p for p in FILES if "-valid-" in p.name]
INVALID = [p for p in FILES if "-invalid-" in p.name]
PREFIXES = {
    "qgs:": SHAPES_NS,
    "qg:": "https://w3id.org/qgkg/ontology#",
    "rdfs:": "http://www.w3.org/2000/01/rdf-schema#",
    "skos:": "http://www.w3.org/2004/02/skos/core#",
    "dcterms:": "http://purl.org/dc/terms/",
    "time:": "http://www.w3.org/2006/time#",
    "prov:": "http://www.w3.org/ns/prov#",
}
QGS = Namespace(SHAPES_NS)
CONSTRAINTS = {SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.pattern, SH.languageIn, SH.sparql,
               SH.hasValue, SH.qualifiedValueShape, SH.nodeKind, SH.minInclusive}


def expand(curie: str) -> str | None:
    """A CURIE of an example header as a full IRI ("-" means none)."""
    if curie == "-":
        return None
    for prefix, ns in PREFIXES.items():
        if curie.startswith(prefix):
            return ns + curie[len(prefix):]
    raise ValueError(curie)


def expectation(path: Path) -> tuple[str, str | None]:
    """The (shape, path) an invalid example's header says must fail."""
    head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    shape = re.search(r"^# expect-shape: (\S+)$", head, re.M)
    result_path = re.search(r"^# expect-path: (\S+)$", head, re.M)
    assert shape and result_path, f"{path.name}: header lacks expect-shape / expect-path"
    return expand(shape.group(1)) or "", expand(result_path.group(1))


def load(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def through_oxigraph(path: Path) -> Graph:
    """Parse with Oxigraph, write N-Triples, read back with rdflib (tags come back lower-cased)."""
    store = ox.Store()
    store.load(path.read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=DEFAULT_BASE)
    quads = store.quads_for_pattern(None, None, None, None)
    text = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return Graph().parse(data=text, format="nt")


def failing(report: ValidationReport) -> set[tuple[str, str | None]]:
    return {(r.shape, r.path) for r in report.results}


def severity_of(shape: str) -> str:
    value = shapes_graph().value(URIRef(shape), SH.severity)
    return str(value).rsplit("#", 1)[-1] if value is not None else "Violation"


def test_examples_open_with_a_comment_saying_why() -> None:
    for path in FILES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        kind = "Valid:" if "-valid-" in path.name else "Invalid:"
        assert first.startswith(f"# {kind}"), path.name


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_validate_graph_valid_example_conforms(path: Path) -> None:
    report = validate_graph(load(path))
    assert report.conforms and report.results == () and (report.violations, report.warnings) == (0, 0)


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_validate_graph_invalid_example_fails_its_shape_only(path: Path) -> None:
    shape, result_path = expectation(path)
    report = validate_graph(load(path))
    assert failing(report) == {(shape, result_path)}
    severity = severity_of(shape)
    assert {r.severity for r in report.results} == {severity}
    assert report.conforms is (severity != "Violation")
    assert all(r.message for r in report.results)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_validate_graph_same_outcome_after_oxigraph_round_trip(path: Path) -> None:
    direct = validate_graph(load(path))
    round_tripped = validate_graph(through_oxigraph(path))
    assert failing(round_tripped) == failing(direct)
    assert round_tripped.conforms is direct.conforms


def test_oxigraph_round_trip_lower_cases_tags() -> None:
    graph = through_oxigraph(EXAMPLES / "02-valid-city-notice.ttl")
    tags = {o.language for o in graph.objects() if isinstance(o, Literal) and o.language}
    assert "zh-hans" in tags and "zh-Hans" not in tags
    assert validate_graph(graph).conforms


def test_every_constrained_shape_has_one_invalid_example() -> None:
    shapes = shapes_graph()
    constrained = {str(s) for s, p in shapes.subject_predicates() if p in CONSTRAINTS
                   and isinstance(s, URIRef) and str(s).startswith(SHAPES_NS)}
    expected = [expectation(p)[0] for p in INVALID]
    assert sorted(expected) == sorted(constrained)


def test_every_property_shape_is_named_with_a_message_and_severity() -> None:
    shapes = shapes_graph()
    for node_shape in shapes.subjects(RDF.type, SH.NodeShape):
        assert isinstance(node_shape, URIRef)
        for prop in shapes.objects(node_shape, SH.property):
            assert isinstance(prop, URIRef) and str(prop).startswith(SHAPES_NS), prop
            assert (prop, RDF.type, SH.PropertyShape) in shapes
    for shape in {s for s, p in shapes.subject_predicates() if p in CONSTRAINTS and isinstance(s, URIRef)}:
        messages = list(shapes.objects(shape, SH.message))
        assert messages and all(isinstance(m, Literal) and m.language == "en" for m in messages), shape
        assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning), shape


def test_validate_graph_leaves_data_unchanged() -> None:
    graph = load(EXAMPLES / "01-valid-city-plan.ttl")
    before = set(graph)
    validate_graph(graph)
    assert set(graph) == before


def test_validate_graph_agency_class_check_uses_ontology_without_inference() -> None:
    # the agencies of 01 are typed qg:Agency only; the same graph with the ontology's
    # subclass axiom removed from view (an untyped lead) must fail
    graph = load(EXAMPLES / "01-valid-city-plan.ttl")
    qg = Namespace("https://w3id.org/qgkg/ontology#")
    assert not list(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/org#Organization")))
    assert validate_graph(graph).conforms
    for agency in list(graph.subjects(RDF.type, qg.Agency)):
        graph.remove((agency, RDF.type, qg.Agency))
        graph.remove((agency, RDF.type, qg.CollectiveAgency))
    shapes = {r.shape for r in validate_graph(graph).results}
    assert {str(QGS["Activity-leadAgency"]), str(QGS["Activity-supportAgency"])} <= shapes


def test_validate_graph_custom_base() -> None:
    base = "http://example.org/kg/"
    text = (EXAMPLES / "01-valid-city-plan.ttl").read_text(encoding="utf-8").replace(DEFAULT_BASE, base)
    rebased = Graph().parse(data=text, format="turtle")
    assert validate_graph(rebased, base=base).conforms
    report = validate_graph(load(EXAMPLES / "01-valid-city-plan.ttl"), base=base)
    assert {r.shape for r in report.results} >= {str(QGS.BaseIRIShape)}
    assert not report.conforms


def test_shapes_graph_rewrites_base_in_pattern() -> None:
    patterns = {str(o) for o in shapes_graph("http://example.org/kg/").objects(QGS.BaseIRIShape, SH.pattern)}
    assert patterns == {r"^http://example\.org/kg/"}
    assert DEFAULT_BASE.replace(".", r"\\.") in shapes_text()


@pytest.mark.parametrize("base", ["example.org/kg/", "http://example.org/kg", 'http://e.org/"x/'],
                         ids=["relative", "no-slash", "quote"])
def test_shapes_graph_rejects_bad_base(base: str) -> None:
    with pytest.raises(QgkgError, match="IRI base"):
        shapes_graph(base)


def test_validate_many_matches_validate_graph() -> None:
    picks = [EXAMPLES / "01-valid-city-plan.ttl", INVALID[0], INVALID[-1]]
    graphs = [(p.name, load(p)) for p in picks]
    parallel = validate_many(graphs, jobs=2)
    assert list(parallel) == [p.name for p in picks]
    for name, graph in graphs:
        assert parallel[name] == validate_graph(graph)


def test_validation_report_is_frozen_and_has_text() -> None:
    report = validate_graph(load(INVALID[0]))
    assert "Constraint Violation" in report.text
    with pytest.raises(FrozenInstanceError):
        report.conforms = True  # type: ignore[misc]


def test_validate_graph_county_plan_needs_its_city() -> None:
    # a county within a city: its plans carry qg:city like a district's (DESIGN: qg:city is required
    # on plans and activities of a city, county or district)
    graph = load(EXAMPLES / "08-valid-county-plan.ttl")
    qg = Namespace("https://w3id.org/qgkg/ontology#")
    plan = URIRef(DEFAULT_BASE + "plan/tongcheng-2018-report")
    graph.remove((plan, qg.city, None))
    assert failing(validate_graph(graph)) == {(str(QGS["Plan-city"]), str(qg.city))}


def test_validate_graph_county_under_a_province_has_no_city() -> None:
    # 定安县 lies directly in its province: no qg:city is wanted
    text = (EXAMPLES / "08-valid-county-plan.ttl").read_text(encoding="utf-8")
    text = text.replace("qg:within <city/anqing> .", "qg:within <province/anhui> .")
    graph = Graph().parse(data=text, format="turtle")
    qg = Namespace("https://w3id.org/qgkg/ontology#")
    for subject in list(graph.subjects(qg.city, None)):
        graph.remove((subject, qg.city, None))
    assert validate_graph(graph).conforms
