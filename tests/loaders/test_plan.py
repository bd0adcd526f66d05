"""The pipeline of loaders/plan.py on the bundled plans and on bad input."""

from __future__ import annotations

import hashlib
from importlib.resources import files
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from loaders.extract import count_items_seen
from loaders.plan import extract_file
from ontology import QG
from qgkg.errors import DecodeError, ExtractionError

BASE = "https://w3id.org/qgkg/id/"


def _plan(name: str) -> Path:
    return Path(str(files("qgkg_corpus") / "plans" / name))


@pytest.fixture(scope="module")
def sh2021():  # type: ignore[no-untyped-def]
    return extract_file(_plan("shanghai-2021-plan.txt"))


@pytest.fixture(scope="module")
def sh2018():  # type: ignore[no-untyped-def]
    return extract_file(_plan("shanghai-2018-plan.txt"))


def test_extract_file_provenance(sh2021) -> None:  # type: ignore[no-untyped-def]
    g, plan = sh2021.plans[0].graph, sh2021.plans[0].iri
    data = _plan("shanghai-2021-plan.txt").read_bytes()
    assert plan == URIRef(BASE + "plan/shanghai-2021-plan")
    assert g.value(plan, DCTERMS.source) == Literal("shanghai-2021-plan.txt")
    assert str(g.value(plan, QG.sha256)) == hashlib.sha256(data).hexdigest() == sh2021.sha256
    assert str(g.value(plan, QG.originalText)).startswith("為全面貫徹")
    assert "發(fā)" not in str(g.value(plan, QG.repairedText))
    assert any("pinyin" in str(n) for n in g.objects(plan, QG.repairNote))


def test_extract_file_activity_triples(sh2021) -> None:  # type: ignore[no-untyped-def]
    g = sh2021.plans[0].graph
    act = URIRef(BASE + "plan/shanghai-2021-plan/activity/8")
    assert g.value(act, RDFS.label) == Literal("开展企业首席质量官交流活动", lang="zh-Hans")
    assert g.value(act, QG.marker) == Literal("8")
    assert g.value(act, QG.position) == Literal(8, datatype=XSD.integer)
    assert str(g.value(act, QG.originalText)).startswith("8.開展企業首席質量官")
    repaired = str(g.value(sh2021.plans[0].iri, QG.repairedText))
    start, end = int(g.value(act, QG.spanStart)), int(g.value(act, QG.spanEnd))
    assert repaired[start:end].startswith("8.開展企業首席質量官交流活動")
    leads = set(g.objects(act, QG.leadAgency))
    assert URIRef(BASE + "agency/shanghai/market-regulation") in leads
    assert URIRef(BASE + "agency/shanghai/district-market-regulation-bureaus") in leads
    assert URIRef(BASE + "programme/chief_quality_officer") in set(g.objects(act, QG.programme))
    surfaces = {str(g.value(a, QG.surface)) for a in g.objects(act, PROV.qualifiedAssociation)}
    assert "市市場監管局" in surfaces


def test_extract_file_agency_entities(sh2021) -> None:  # type: ignore[no-untyped-def]
    e = sh2021.entities
    agency = URIRef(BASE + "agency/shanghai/market-regulation")
    assert (agency, RDF.type, QG.Agency) in e
    assert e.value(agency, SKOS.prefLabel) == Literal("上海市市场监督管理局", lang="zh-Hans")
    alts = set(e.objects(agency, SKOS.altLabel))
    assert Literal("市市场监管局", lang="zh-Hans") in alts and Literal("市市場監管局", lang="zh-Hant") in alts
    collective = URIRef(BASE + "agency/shanghai/district-market-regulation-bureaus")
    assert (collective, RDF.type, QG.CollectiveAgency) in e
    assert e.value(collective, QG.collective) == Literal(True)


def test_extract_file_plan_graph_never_describes_shared_entities(sh2021) -> None:  # type: ignore[no-untyped-def]
    g = sh2021.plans[0].graph
    assert not list(g.subjects(RDF.type, QG.Agency))
    assert not list(g.subjects(RDF.type, QG.City))


def test_extract_file_city_year_entities(sh2021) -> None:  # type: ignore[no-untyped-def]
    e = sh2021.entities
    city, year = URIRef(BASE + "city/shanghai"), URIRef(BASE + "year/2021")
    assert e.value(city, SKOS.prefLabel) == Literal("上海市", lang="zh-Hans")
    assert e.value(city, QG.adcode) == Literal("310000")
    assert e.value(year, RDFS.label) == Literal("2021")
    assert sh2021.plans[0].graph.value(sh2021.plans[0].iri, QG.city) == city


def test_extract_file_spliced_fragment_is_national(sh2018) -> None:  # type: ignore[no-untyped-def]
    assert len(sh2018.plans) == 2
    frag = sh2018.plans[1]
    g = frag.graph
    assert frag.iri == URIRef(BASE + "plan/shanghai-2018-plan/fragment-1")
    assert g.value(frag.iri, QG.documentKind) == Literal("fragment")
    assert g.value(frag.iri, PROV.wasDerivedFrom) == sh2018.plans[0].iri
    assert g.value(frag.iri, QG.jurisdiction) == URIRef(BASE + "country/cn")
    assert g.value(frag.iri, QG.city) is None
    assert g.value(frag.iri, QG.sha256) == sh2018.plans[0].graph.value(sh2018.plans[0].iri, QG.sha256)
    leads = {str(o) for a in g.subjects(QG.plan, frag.iri) for o in g.objects(a, QG.leadAgency)}
    assert leads == {BASE + f"agency/cn/{x}" for x in ("mofcom", "mct", "nhc", "gacc", "nrta")}
    assert any("spliced fragment" in w for w in sh2018.warnings)


def test_extract_file_host_item_rejoined(sh2018) -> None:  # type: ignore[no-untyped-def]
    g = sh2018.plans[0].graph
    text = str(g.value(URIRef(BASE + "plan/shanghai-2018-plan/activity/3"), QG.text))
    assert "人居质量等重点领域，组织召开质量提升交流研讨。" in text
    assert "商务部" not in text


def test_extract_file_notice_facts() -> None:
    ex = extract_file(_plan("jinan-2022-notice.txt"))
    g, plan = ex.plans[0].graph, ex.plans[0].iri
    assert g.value(plan, QG.documentKind) == Literal("notice")
    assert g.value(plan, DCTERMS.issued) == Literal("2022-08-23", datatype=XSD.date)
    assert g.value(plan, QG.theme) == Literal("争创标杆开新局 质量强市促发展", lang="zh-Hans")
    cited = {str(ex.entities.value(d, SKOS.notation)) for d in g.objects(plan, QG.cites)}
    assert cited == {"济发〔2018〕36号", "济质强发〔2021〕1号", "济质强办发〔2022〕5号"}


def test_extract_file_report_dates_and_kind() -> None:
    ex = extract_file(_plan("shanghai-2019-report.txt"))
    g, plan = ex.plans[0].graph, ex.plans[0].iri
    assert g.value(plan, QG.documentKind) == Literal("report")
    act = URIRef(BASE + "plan/shanghai-2019-report/activity/1")
    assert g.value(act, QG.marker) == Literal("黄浦区")
    assert g.value(act, QG.date) == Literal("2019-09-03", datatype=XSD.date)
    assert URIRef(BASE + "agency/shanghai/huangpu/market-regulation") in set(g.objects(act, QG.leadAgency))


def test_extract_file_slogans_not_activities() -> None:
    ex = extract_file(_plan("beijing-2024-notice.txt"))
    g, plan = ex.plans[0].graph, ex.plans[0].iri
    assert len(list(g.objects(plan, QG.slogan))) == 15
    assert ex.activity_count == 19


def test_extract_file_base_override() -> None:
    ex = extract_file(_plan("jinan-2022-notice.txt"), base="http://example.org/kg/")
    assert str(ex.plans[0].iri) == "http://example.org/kg/plan/jinan-2022-notice"


def test_extract_file_is_deterministic() -> None:
    a = extract_file(_plan("shanghai-2021-plan.txt"))
    b = extract_file(_plan("shanghai-2021-plan.txt"))
    assert set(a.entities) == set(b.entities)
    assert {t for t in a.plans[0].graph if not any(map(_is_bnode, t))} == {
        t for t in b.plans[0].graph if not any(map(_is_bnode, t))}


def _is_bnode(term: object) -> bool:
    from rdflib import BNode

    return isinstance(term, BNode)


def test_extract_file_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(DecodeError, match="empty.txt"):
        extract_file(path)


def test_extract_file_without_activities_is_a_plan_with_a_warning(tmp_path: Path) -> None:
    """A Quality-Month text with nothing a strategy reads is kept: its metadata, no activity, a warning."""
    path = tmp_path / "prose.txt"
    path.write_text("本市将于九月开展质量月活动，具体安排另行通知。\n", encoding="utf-8")
    ex = extract_file(path)
    assert ex.activity_count == 0
    assert (ex.plans[0].iri, RDF.type, QG.Plan) in ex.plans[0].graph
    assert any("no activities found" in w for w in ex.warnings)


def test_extract_file_refuses_text_about_no_quality_work(tmp_path: Path) -> None:
    path = tmp_path / "recipe.txt"
    path.write_text("红烧肉做法：五花肉切块，冷水下锅焯水。\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match=r"recipe.txt: no Quality-Month content"):
        extract_file(path)



def test_items_seen_counts_markers_outside_slogans_and_attachments() -> None:
    """Beijing 2024 numbers its 15 slogans like items; they are not items seen, so no warning."""
    path = Path(str(files("qgkg_corpus").joinpath("plans").joinpath("beijing-2024-notice.txt")))
    ex = extract_file(path)
    main = ex.plans[0]
    assert (main.iri, QG.itemsSeen, Literal(19, datatype=XSD.integer)) in main.graph
    assert not any("item markers seen" in w for w in ex.warnings)


@pytest.mark.parametrize(
    ("text", "layout", "expected"),
    [
        ("前言\n1.开展活动。\n2.举办论坛。\n", "numbered", 2),
        ("1.甲。\n2.乙。3.丙。\n", "numbered", 2),  # a marker inside a line is not at a line start
        ("（一）甲\n（二）乙\n", "chinese_sections", 2),
        ("头\n", "district_report", None),
    ],
    ids=["numbered", "run-on", "sections", "report"],
)
def test_count_items_seen(text: str, layout: str, expected: int | None) -> None:
    assert count_items_seen(text, layout, []) == expected


PROVINCIAL_PLAN = (
    "山东省2023年“质量月”活动方案\n"
    "1.举办全省“质量月”启动仪式。(省市场监管局、团省委)\n"
    "2.开展质量提升行动。(山东省工业和信息化厅、各市市场监管局)\n"
    "3.开展质量开放日活动。(济南市市场监管局、省质量协会)\n"
)


def test_provincial_plan_resolves_province_bodies(tmp_path: Path) -> None:
    """省X in a provincial plan is that province's body; 各市X the collective of its cities' X."""
    plan = tmp_path / "shandong-2023.txt"
    plan.write_text(PROVINCIAL_PLAN, encoding="utf-8")
    ex = extract_file(plan)
    g = ex.plans[0].graph + ex.entities
    base = "https://w3id.org/qgkg/id/"
    main = ex.plans[0].iri
    assert (main, QG.jurisdiction, URIRef(base + "province/shandong")) in g
    assert (main, QG.city, None) not in g
    leads = {str(o) for o in g.objects(None, QG.leadAgency)}
    assert {
        base + "agency/province/shandong/market-regulation",
        base + "agency/province/shandong/youth-league",
        base + "agency/province/shandong/industry-informatization",
        base + "agency/province/shandong/cities-market-regulation",
        base + "agency/province/shandong/quality-association",
        base + "agency/jinan/market-regulation",  # a named city's body stays that city's
    } == leads
    smr = URIRef(base + "agency/province/shandong/market-regulation")
    assert str(g.value(smr, SKOS.prefLabel)) == "山东省市场监督管理局"
    assert (smr, QG.jurisdiction, URIRef(base + "province/shandong")) in g
    assert (URIRef(base + "agency/province/shandong/cities-market-regulation"), RDF.type, QG.CollectiveAgency) in g


def test_provincial_bodies_of_two_provinces_are_distinct(tmp_path: Path) -> None:
    for name, text in (("shandong.txt", PROVINCIAL_PLAN), ("jiangsu.txt", PROVINCIAL_PLAN.replace("山东", "江苏"))):
        (tmp_path / name).write_text(text, encoding="utf-8")
    sd = extract_file(tmp_path / "shandong.txt").plans[0].graph
    js = extract_file(tmp_path / "jiangsu.txt").plans[0].graph
    assert set(sd.objects(None, QG.leadAgency)).isdisjoint(
        o for o in js.objects(None, QG.leadAgency) if "/province/" in str(o)
    )
