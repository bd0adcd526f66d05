"""The ontology files: QG and qgkg.ttl agree, every term is documented, the programme scheme is
complete, and its trigger terms pick the right programmes in real plan snippets."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, TIME, XSD

from ontology import ONTOLOGY_FILES, QG, ontology_graph, ontology_text
from shapes import shapes_text

INVARIANTS = sorted((Path(__file__).parent / "invariants").glob("*.rq"))
ONTOLOGY = URIRef("https://w3id.org/qgkg/ontology")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
PROGRAMME = "https://w3id.org/qgkg/id/programme/"
CODES = ("chief_quality_officer", "nqi_one_stop", "quality_award", "qc_groups", "brand_building",
         "standardization", "metrology", "certification", "inspection_testing", "open_days",
         "quality_education", "market_enforcement")
TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual, SKOS.ConceptScheme)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return ontology_graph()


@pytest.fixture(scope="module")
def everything(onto: Graph) -> Graph:
    """Ontology, scheme and shapes in one graph (for the invariants)."""
    graph = Graph()
    graph += onto
    graph.parse(data=shapes_text(), format="turtle")
    return graph


def declared(graph: Graph) -> set[str]:
    return {str(s)[len(str(QG)):] for kind in TERM_KINDS for s in graph.subjects(RDF.type, kind)
            if str(s).startswith(str(QG))}


def test_ontology_terms_equal_qg_names(onto: Graph) -> None:
    names = {n for n in QG.__annotations__ if not n.startswith("_")}
    assert declared(onto) == names


def test_ontology_header(onto: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    for prop in (OWL.versionIRI, OWL.versionInfo, DCTERMS.modified, DCTERMS.license):
        assert onto.value(ONTOLOGY, prop) is not None, prop
    for prop in (DCTERMS.title, DCTERMS.description):
        tags = {o.language.lower() for o in onto.objects(ONTOLOGY, prop) if isinstance(o, Literal) and o.language}
        assert tags == {"en", "zh-hans"}, prop


def test_ontology_kinds_of_terms(onto: Graph) -> None:
    kinds = {name: {k for k in TERM_KINDS if (QG[name], RDF.type, k) in onto} for name in declared(onto)}
    assert kinds["Agency"] == {OWL.Class} and kinds["plan"] == {OWL.ObjectProperty}
    assert kinds["text"] == {OWL.DatatypeProperty} and kinds["Programmes"] == {SKOS.ConceptScheme}
    assert (QG.Lead, RDF.type, QG.Role) in onto and (QG.Support, RDF.type, QG.Role) in onto
    assert (QG.Programmes, RDF.type, SKOS.ConceptScheme) not in Graph().parse(
        data=ontology_text("qgkg.ttl"), format="turtle")


@pytest.mark.parametrize(("term", "prop", "target"), [
    (QG.Agency, RDFS.subClassOf, ORG.Organization),
    (QG.CollectiveAgency, RDFS.subClassOf, QG.Agency),
    (QG.Activity, RDFS.subClassOf, PROV.Activity),
    (QG.Programme, RDFS.subClassOf, SKOS.Concept),
    (QG.Plan, RDFS.subClassOf, PROV.Entity),
    (QG.Role, RDFS.subClassOf, PROV.Role),
    (QG.Country, RDFS.subClassOf, QG.Jurisdiction),
    (QG.Province, RDFS.subClassOf, QG.Jurisdiction),
    (QG.City, RDFS.subClassOf, QG.Jurisdiction),
    (QG.District, RDFS.subClassOf, QG.Jurisdiction),
    (QG.County, RDFS.subClassOf, QG.Jurisdiction),
    (QG.County, OWL.disjointWith, QG.District),
    (QG.within, RDFS.domain, QG.Jurisdiction),
    (QG.within, RDFS.range, QG.Jurisdiction),
    (QG.Year, RDFS.subClassOf, TIME.ProperInterval),
    (QG.leadAgency, RDFS.subPropertyOf, PROV.wasAssociatedWith),
    (QG.supportAgency, RDFS.subPropertyOf, PROV.wasAssociatedWith),
    (QG.cites, RDFS.subPropertyOf, DCTERMS.references),
    (QG.text, RDFS.subPropertyOf, DCTERMS.description),
    (QG.leadAgency, RDFS.range, ORG.Organization),
    (QG.plan, RDFS.range, QG.Plan),
    (QG.position, RDFS.range, XSD.integer),
], ids=lambda v: str(v).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
def test_ontology_alignment(onto: Graph, term: URIRef, prop: URIRef, target: URIRef) -> None:
    assert (term, prop, target) in onto


@pytest.mark.parametrize("path", INVARIANTS, ids=[p.stem for p in INVARIANTS])
def test_invariant_holds_on_rdflib(everything: Graph, path: Path) -> None:
    rows = list(everything.query(path.read_text(encoding="utf-8")))
    assert rows == [], [tuple(str(v) for v in row) for row in rows]  # type: ignore[union-attr]


@pytest.mark.parametrize("path", INVARIANTS, ids=[p.stem for p in INVARIANTS])
def test_invariant_holds_on_oxigraph(path: Path) -> None:
    store = ox.Store()
    for name in ONTOLOGY_FILES:
        store.load(ontology_text(name).encode("utf-8"), format=ox.RdfFormat.TURTLE)
    store.load(shapes_text().encode("utf-8"), format=ox.RdfFormat.TURTLE)
    rows = list(store.query(path.read_text(encoding="utf-8")))  # type: ignore[arg-type]
    assert rows == [], rows


def test_invariant_catches_a_missing_zh_hans_label(everything: Graph) -> None:
    graph = Graph()
    graph += everything
    graph.remove((QG.Plan, RDFS.label, Literal("方案", lang="zh-Hans")))
    query = (Path(__file__).parent / "invariants" / "term_without_zh_hans_label.rq").read_text(encoding="utf-8")
    assert [str(row[0]) for row in graph.query(query)] == [str(QG.Plan)]  # type: ignore[index]


def test_programmes_are_the_twelve_codes(onto: Graph) -> None:
    programmes = {str(s) for s in onto.subjects(RDF.type, QG.Programme)}
    assert programmes == {PROGRAMME + code for code in CODES}
    for code in CODES:
        notation = onto.value(URIRef(PROGRAMME + code), SKOS.notation)
        assert notation == Literal(code) and notation.datatype is None  # plain, as in the shapes


def triggers(onto: Graph) -> dict[str, list[str]]:
    """Trigger terms by programme code: the zh-Hans altLabels."""
    return {str(onto.value(s, SKOS.notation)): [str(a) for a in onto.objects(s, SKOS.altLabel)
                                                if isinstance(a, Literal) and (a.language or "").lower() == "zh-hans"]
            for s in onto.subjects(RDF.type, QG.Programme)}


def programmes_in(onto: Graph, text: str) -> set[str]:
    return {code for code, terms in triggers(onto).items() if any(t in text for t in terms)}


@pytest.mark.parametrize(("text", "expected"), [
    ("开展企业首席质量官交流活动。", {"chief_quality_officer"}),
    ("开展质量基础设施“一站式”服务行动。", {"nqi_one_stop"}),
    ("召开全市质量大会，表彰年度市长质量奖和质量金奖获奖组织和个人。", {"quality_award"}),
    ("邀请中国质量奖和市政府质量管理奖获奖企业分享经验。", {"quality_award"}),
    ("企业结合实际组织开展质量知识经验分享、质量技能挑战、QC小组活动等强化全员质量意识。", {"qc_groups"}),
    ("持续深化品牌培育工程。", {"brand_building"}),
    ("持续发挥标准化在促进首都治理体系和治理能力现代化中的支撑作用，发布一批地方标准。", {"standardization"}),
    ("聚焦重点产业链质量短板，提升计量、标准、认证认可、检验检测等质量基础能力。",
     {"metrology", "standardization", "certification", "inspection_testing"}),
    ("在食品检验、计量等领域组织“实验室开放活动”。", {"inspection_testing", "metrology", "open_days"}),
    ("举办质量大讲堂。", {"quality_education"}),
    ("举办“我是小小质量官”质量夏令营活动颁奖仪式。", {"quality_education"}),
    ("全面加强质量监管执法。", {"market_enforcement"}),
    ("开展产品质量安全整治。严查彻办旅游纪念品。", {"market_enforcement"}),
    ("打响青少年质量教育品牌“质成长”。", {"quality_education"}),
    ("开展市民质量体验活动。", set()),
    ("发布年度《上海市质量状况白皮书》。", set()),
], ids=["cqo", "one-stop", "mayor-award", "management-award", "qc", "brand", "standards", "nqi-quartet",
        "lab-open", "lecture", "summer-camp", "enforcement", "rectification", "education-brand-not-brand",
        "experience-not-open-day", "white-paper-none"])
def test_programme_triggers_on_real_snippets(onto: Graph, text: str, expected: set[str]) -> None:
    assert programmes_in(onto, text) == expected


def test_programme_triggers_documented_when_left_out(onto: Graph) -> None:
    for code in ("brand_building", "standardization", "certification", "open_days", "market_enforcement"):
        comment = str(onto.value(URIRef(PROGRAMME + code), RDFS.comment))
        assert "Left out" in comment, code


def test_ontology_files_parse_in_oxigraph() -> None:
    for name in ONTOLOGY_FILES:
        triples = list(ox.parse(ontology_text(name).encode("utf-8"), format=ox.RdfFormat.TURTLE))
        assert len(triples) == len(Graph().parse(data=ontology_text(name), format="turtle"))
