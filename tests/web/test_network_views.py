"""The network blueprint: /network, its downloads, /programmes; over a real store with its network table."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from flask.testing import FlaskClient

from qgkg.config import DEFAULT_BASE
from tests.graph.test_network import CITY_BUREAU, DISTRICT_BUREAUS, JN_MR, PLANS, write_version
from web.app import create_app


@pytest.fixture()
def client(tmp_path: Path) -> FlaskClient:
    """The app over the small TriG store of the network tests (a real store with its network table)."""
    write_version(tmp_path / "store", PLANS)
    return create_app({"STORE": tmp_path / "store", "TESTING": True}).test_client()


def test_network_page_draws_every_node_linked_to_its_agency_page(client: FlaskClient) -> None:
    r = client.get("/network")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    svg = html[html.index("<svg"): html.index("</svg>")]
    assert svg.count("<circle") == 7
    assert '<a href="/id/agency/shanghai/market-regulation" data-wd="10">' in svg
    assert "<title>上海市市场监督管理局: 9 activities, weighted degree 10</title>" in svg
    assert 'src="/static/network.js"' in html and "<script>" not in html  # no inline script (CSP)


def test_network_page_table_has_the_drawing_numbers(client: FlaskClient) -> None:
    html = client.get("/network?city=上海&year=2021").get_data(as_text=True)
    table = html[html.index('class="sortable node-figures"'):]
    row = re.search(r"上海市市场监督管理局</a>.*?</tr>", table, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(0))
    assert cells[2:5] == ["8", "3", "9"]  # activities, degree, weighted degree
    assert "济南" not in table


@pytest.mark.parametrize("query", ["year=1999", "city=北京", "programme=no_such"], ids=["year", "city", "programme"])
def test_network_page_unknown_selection_is_404_with_a_message(client: FlaskClient, query: str) -> None:
    r = client.get(f"/network?{query}")
    assert r.status_code == 404  # a city, year or programme without plans (issue 13)
    assert 'class="message"' in r.get_data(as_text=True)
    empty = client.get(f"/network.json?{query}", headers={"Accept": "application/json"})
    assert empty.status_code == 404 and "no " in json.loads(empty.data)["message"]


def test_network_page_bad_year_is_a_bad_request(client: FlaskClient) -> None:
    r = client.get("/network?year=soon", headers={"Accept": "text/plain"})
    assert r.status_code == 400 and "year" in r.get_data(as_text=True)


def test_network_page_small_multiples_by_year(client: FlaskClient) -> None:
    html = client.get("/network").get_data(as_text=True)
    assert html.count('class="year-panel"') == 3  # 2019, 2021, 2022


def test_network_gexf_dynamic_download(client: FlaskClient) -> None:
    r = client.get("/network.gexf?dynamic=1&collective=0")
    assert r.status_code == 200 and r.mimetype == "application/gexf+xml"
    g = nx.read_gexf(io.BytesIO(r.data))
    assert DISTRICT_BUREAUS not in g and g.graph["mode"] == "dynamic"
    assert "attachment" in r.headers["Content-Disposition"]


def test_network_graphml_honours_city_filter(client: FlaskClient) -> None:
    g = nx.read_graphml(io.BytesIO(client.get("/network.graphml?city=Jinan").data))
    assert set(g.nodes) == {JN_MR, DEFAULT_BASE + "agency/jinan/education"}


def test_network_csv_edges_and_node_table(client: FlaskClient) -> None:
    edges = list(csv.DictReader(io.StringIO(client.get("/network.csv?min_weight=3").get_data(as_text=True))))
    pairs = [(e["source"], e["target"], e["weight"]) for e in edges]
    assert pairs == [(DISTRICT_BUREAUS, CITY_BUREAU, "7")]  # source < target
    nodes = list(csv.DictReader(io.StringIO(client.get("/network.csv?table=nodes").get_data(as_text=True))))
    assert len(nodes) == 7 and {"iri", "label_zh_hans", "label_en", "kind", "level", "collective"} <= set(nodes[0])


def test_network_json_loads_in_node_link_reader(client: FlaskClient) -> None:
    g = nx.node_link_graph(json.loads(client.get("/network.json?programme=chief_quality_officer").data),
                           edges="edges")
    assert g.edges[CITY_BUREAU, DISTRICT_BUREAUS]["weight"] == 2


def test_network_unknown_format_is_404(client: FlaskClient) -> None:
    assert client.get("/network.xlsx").status_code == 404


def test_programmes_page_heat_map(client: FlaskClient) -> None:
    html = client.get("/programmes").get_data(as_text=True)
    assert 'id="chief_quality_officer"' in html
    block = html[html.index('id="chief_quality_officer"'):]
    block = block[: block.index("</section>")]
    assert "First in 2019: 上海市" in block and 'class="heat-' in block
    assert client.get("/programmes/chief_quality_officer").status_code == 200
    assert client.get("/programmes/nothing").status_code == 404


@pytest.mark.parametrize("city", ["上海", "上海市", "shanghai", "Shanghai"], ids=["short", "full", "slug", "en"])
def test_network_page_form_keeps_the_city_selected(client: FlaskClient, city: str) -> None:
    html = client.get(f"/network?city={city}&year=2021").get_data(as_text=True)
    assert re.search(r'<option value="上海市"\s+selected>', html), city


def test_network_page_is_computed_once_per_store_version(tmp_path: Path) -> None:
    """A repeated page comes from the cache; a new store version is computed afresh."""
    root = tmp_path / "store"
    write_version(root, PLANS)
    client = create_app({"STORE": root, "TESTING": True}).test_client()
    first = client.get("/network").get_data(as_text=True)
    assert client.get("/network").get_data(as_text=True) == first
    assert first.count("<circle") > 7  # the drawing and the years' small multiples
    jinan = {k for k in PLANS if "jinan" in k}
    write_version(root, {k: v for k, v in PLANS.items() if k not in jinan}, previous_removed=jinan)
    after = client.get("/network").get_data(as_text=True)
    svg = after[after.index("<svg"): after.index("</svg>")]
    assert svg.count("<circle") == 5  # Jinan's two agencies are gone
