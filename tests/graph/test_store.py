"""The read API of the embedded store and the canned analyst queries, on the bundled corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.queries import canned_queries
from graph.store import EmbeddedStore, bind_params, check_query_allowed
from qgkg.config import DEFAULT_BASE
from qgkg.errors import QueryError, StoreError

QG = "https://w3id.org/qgkg/ontology#"
SH_MR = DEFAULT_BASE + "agency/shanghai/market-regulation"
SH_DISTRICT_MR = DEFAULT_BASE + "agency/shanghai/district-market-regulation-bureaus"


@pytest.fixture(scope="module")
def store(built_store: Path) -> EmbeddedStore:
    return EmbeddedStore(built_store, base=DEFAULT_BASE)


def test_open_store_without_build_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no graph built yet"):
        EmbeddedStore(tmp_path, base=DEFAULT_BASE)


def test_every_activity_has_every_required_property(store: EmbeddedStore) -> None:
    total = store.select_query(f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a <{QG}Activity> }}")[0]["n"].value
    complete = store.select_query(
        f"""PREFIX qg: <{QG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{
          ?a a qg:Activity ; qg:plan ?p ; qg:year ?y ; rdfs:label ?l ; qg:text ?t ; qg:marker ?m ; qg:position ?pos .
        }}"""
    )[0]["n"].value
    with_city = store.select_query(
        f"""PREFIX qg: <{QG}> SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{
          ?a a qg:Activity ; qg:plan ?p . ?p qg:city ?c . ?a qg:city ?c }}"""
    )[0]["n"].value
    city_plans = store.select_query(
        f"""PREFIX qg: <{QG}> SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a qg:Activity ; qg:plan/qg:city ?c }}"""
    )[0]["n"].value
    assert int(total) > 0 and complete == total
    assert with_city == city_plans


def test_every_canned_query_has_a_header_and_runs(store: EmbeddedStore) -> None:
    plan = DEFAULT_BASE + "plan/shanghai-2021-plan"
    by_name = {
        "agency": SH_MR,
        "programme": DEFAULT_BASE + "programme/chief_quality_officer",
        "plan": plan,
        "activity": plan + "/activity/8",
        "city": DEFAULT_BASE + "city/shanghai",
        "iri": SH_MR,
        "q": "市场监管",
    }
    by_kind = {"integer": "2021", "year": "2021", "string": "质量", "iri": DEFAULT_BASE + "year/2021"}
    for name, q in canned_queries().items():
        assert q.title and q.description, name
        bound = {p.name: by_name.get(p.name, by_kind[p.kind]) for p in q.params}
        if any(p.name == "year" and p.kind == "iri" for p in q.params):
            bound["year"] = DEFAULT_BASE + "year/2021"
        store.raw_query(q.text, substitutions=bind_params(q, bound))  # raises on a syntax error


def test_activities_by_city_year(store: EmbeddedStore) -> None:
    rows = store.dicts("activities_by_city_year")
    by = {(r.get("name"), r["year"]): int(r["activities"]) for r in rows}
    assert by[("上海市", "2021")] == 20
    assert by[("上海市", "2018")] == 20
    assert by[("济南市", "2022")] == 7
    assert by[("北京市", "2024")] == 19
    assert by[("全国", "2018")] == 5


def test_agencies_by_activities_led(store: EmbeddedStore) -> None:
    rows = store.dicts("agencies_by_activities_led")
    top = {r["agency"]: int(r["activities"]) for r in rows[:2]}
    # the city bureau and the collective of district bureaus lead ten activities each (Shanghai 2021)
    assert top == {SH_MR: 10, SH_DISTRICT_MR: 10}
    shanghai = store.dicts("agencies_by_activities_led", city=DEFAULT_BASE + "city/shanghai")
    assert all("shanghai" in r["agency"] for r in shanghai)
    assert len(shanghai) < len(rows)


def test_coleading_pairs_city_bureau_and_district_bureaus(store: EmbeddedStore) -> None:
    rows = store.dicts("coleading_agency_pairs", city=DEFAULT_BASE + "city/shanghai", year="2021")
    weights = {frozenset((r["a"], r["b"])): int(r["coled"]) for r in rows}
    assert weights[frozenset((SH_MR, SH_DISTRICT_MR))] == 7


def test_programme_activities_spans_cities(store: EmbeddedStore) -> None:
    rows = store.dicts("programme_activities", programme=DEFAULT_BASE + "programme/chief_quality_officer")
    cities = {r.get("whereName") for r in rows}
    assert {"上海市", "北京市"} <= cities


def test_agency_description_has_names(store: EmbeddedStore) -> None:
    rows = store.dicts("agency_description", agency=SH_MR)
    values = {r["value"] for r in rows}
    assert "上海市市场监督管理局" in values and "市市场监管局" in values


def test_missing_parameter_is_a_query_error(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="needs parameter"):
        store.select("agency_description")


@pytest.mark.parametrize(
    "query",
    ["SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "select * { service  <x:y> {} }"],
    ids=["upper", "lower"],
)
def test_service_is_refused(query: str) -> None:
    with pytest.raises(QueryError, match="SERVICE"):
        check_query_allowed(query)


def test_service_inside_a_string_is_not_refused() -> None:
    check_query_allowed('SELECT * WHERE { ?s ?p "SERVICE" }')
