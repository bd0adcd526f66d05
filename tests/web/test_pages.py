"""Home, search and the entity pages of each kind, over the store built from the bundled corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from graph.store import EmbeddedStore
from qgkg.build import build
from qgkg.config import DEFAULT_BASE

HTML = {"Accept": "text/html"}
QG = "https://w3id.org/qgkg/ontology#"


def _first(store: Path, cls: str) -> str:
    s = EmbeddedStore(store, base=DEFAULT_BASE)
    rows = s.select_query(f"SELECT ?x WHERE {{ ?x a <{QG}{cls}> }} ORDER BY ?x LIMIT 1")
    return rows[0]["x"].value


def _path(iri: str) -> str:
    return "/id/" + iri[len(DEFAULT_BASE) :]


def test_home_shows_counts_and_plans_by_city_and_year(client: FlaskClient, corpus_store: Path) -> None:
    r = client.get("/", headers=HTML)
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    manifest = EmbeddedStore(corpus_store, base=DEFAULT_BASE).manifest
    assert f"{manifest['counts']['plans']:,}" in body
    for label in ("上海市", "济南市", "北京市"):
        assert label in body
    for link in ("/sparql", "/network", "/dumps", "/ontology"):
        assert f'href="{link}' in body


@pytest.mark.parametrize("q", ["市场监管局", "市場監管局"], ids=["simplified", "traditional"])
def test_search_finds_agencies_by_alias_in_either_script(client: FlaskClient, q: str) -> None:
    body = client.get("/search", query_string={"q": q}, headers=HTML).get_data(as_text=True)
    assert "/id/agency/" in body
    assert "市场监督管理局" in body


def test_search_empty_query_explains(client: FlaskClient) -> None:
    assert "simplified or traditional" in client.get("/search", headers=HTML).get_data(as_text=True)


def test_agency_page_shows_names_activities_coleads_programmes(client: FlaskClient) -> None:
    r = client.get("/id/agency/shanghai/market-regulation", headers=HTML)
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "上海市市场监督管理局" in body
    assert "Activities led" in body and "/id/plan/shanghai-" in body
    assert "Co-leads with" in body and "Programmes" in body


def test_city_page_shows_plans_agencies_programmes(client: FlaskClient) -> None:
    body = client.get("/id/city/shanghai", headers=HTML).get_data(as_text=True)
    assert "Plans by year" in body and "/id/plan/shanghai-2021-plan" in body
    assert "/id/agency/shanghai/market-regulation" in body
    assert "Programmes by year" in body


def test_activity_page_highlights_and_links_agency_mentions(client: FlaskClient, corpus_store: Path) -> None:
    s = EmbeddedStore(corpus_store, base=DEFAULT_BASE)
    rows = s.select_query(f"""SELECT ?a WHERE {{ ?a <{QG}leadAgency> ?x ; <{QG}plan> ?p .
        ?a <http://www.w3.org/ns/prov#qualifiedAssociation>/<{QG}surface> ?f }} ORDER BY ?a LIMIT 1""")
    body = client.get(_path(rows[0]["a"].value), headers=HTML).get_data(as_text=True)
    assert re.search(r'<a class="mention" href="/id/agency/[^"]+"', body)


def test_programme_page_has_city_year_table(client: FlaskClient) -> None:
    body = client.get("/id/programme/chief_quality_officer", headers=HTML).get_data(as_text=True)
    assert "Activities by jurisdiction and year" in body
    assert "2021" in body and "上海市" in body
    # "no plan" is told apart from "zero": Shanghai has a 2019 plan without a chief-quality-officer
    # activity (0), Beijing has no plan before 2024 (—)
    assert 'title="上海市 2019: 0 activities">0<' in body
    assert 'class="num no-plan" title="北京市 2018: no plan">—<' in body
    assert 'title="北京市 2024: 1 activities">1<' in body


def test_plan_page_shows_text_as_written_and_repaired(client: FlaskClient) -> None:
    body = client.get("/id/plan/shanghai-2021-plan", headers=HTML).get_data(as_text=True)
    assert "As written" in body and "As repaired" in body
    assert "舉辦" in body  # the original traditional script
    assert 'class="span-mark"' in body  # activities marked in the repaired text
    assert "Repair notes" in body


def test_plan_page_lists_spliced_fragment(client: FlaskClient) -> None:
    body = client.get("/id/plan/shanghai-2018-plan", headers=HTML).get_data(as_text=True)
    assert "/id/plan/shanghai-2018-plan/fragment-1" in body


def test_year_page_lists_plans(client: FlaskClient) -> None:
    body = client.get("/id/year/2021", headers=HTML).get_data(as_text=True)
    assert "/id/plan/shanghai-2021-plan" in body


def test_generic_page_shows_statements_in_and_out(client: FlaskClient) -> None:
    r = client.get("/describe", query_string={"iri": QG + "Agency"}, headers=HTML)
    assert r.status_code == 200
    assert "Statements pointing to it" in r.get_data(as_text=True)


def test_every_entity_page_answers(client: FlaskClient, corpus_store: Path) -> None:
    s = EmbeddedStore(corpus_store, base=DEFAULT_BASE)
    iris = [r["s"].value for r in s.select_query("SELECT DISTINCT ?s WHERE { ?s a ?t FILTER(isIRI(?s)) }")]
    local = [i for i in iris if i.startswith(DEFAULT_BASE)]
    assert len(local) > 50
    failed = [i for i in local if client.get(_path(i), headers=HTML).status_code != 200]
    assert failed == []


def test_script_in_an_activity_title_renders_as_text(tmp_path: Path, make_app) -> None:  # type: ignore[no-untyped-def]
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "hangzhou-2023-plan.txt").write_text(
        "为贯彻落实质量强国建设纲要，现将2023年杭州市“质量月”活动安排如下。\n"
        '1.举办<script>alert("x")</script>质量开放日活动。组织检验检测机构向公众开放实验室。（市市场监管局负责）\n'
        "2.开展首席质量官培训活动。组织企业首席质量官参加培训。（市市场监管局、市经信局负责）\n"
        "3.开展质量宣传活动。在网站、微信开设质量专栏。（市市场监管局负责）\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    build(store, [plans], jobs=1)
    client = make_app(store).test_client()
    shown = [
        "/id/plan/hangzhou-2023-plan/activity/1",
        "/id/plan/hangzhou-2023-plan",
        "/id/agency/hangzhou/market-regulation",
        "/search?q=script",
        "/id/year/2023",
    ]
    for path in [*shown, "/id/city/hangzhou", "/"]:
        r = client.get(path, headers=HTML)
        body = r.get_data(as_text=True)
        assert r.status_code == 200, path
        assert "<script>alert" not in body, path
        assert path not in shown or "&lt;script&gt;alert" in body, path
    query = "SELECT ?l WHERE { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    editor = client.get("/sparql", query_string={"query": query}, headers=HTML).get_data(as_text=True)
    assert "<script>alert" not in editor and "&lt;script&gt;alert" in editor
