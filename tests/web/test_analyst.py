"""The analyst's question set (issue 13), each answered through a real server on a loopback port and the CLI.

Prefix-less queries; a bad query's line and column; relative IRIs; parameters by name;
a plain .rq file; the ``coleading_agencies`` query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from qgkg.config import DEFAULT_BASE
from tests.conftest import LiveServer

pytestmark = pytest.mark.server

SHANGHAI = DEFAULT_BASE + "city/shanghai"
SH_MR = DEFAULT_BASE + "agency/shanghai/market-regulation"
PREFIXLESS = "SELECT * WHERE { ?a qg:leadAgency ?b } LIMIT 5"
BAD = "SELECT ?a WHERE {\n  ?a qg:leadAgency ?b .\n  FILTER(?b = }\n"


def qgkg(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``qgkg`` in a subprocess over ``store``."""
    env = {**os.environ, "QGKG_STORE": str(store)}
    return subprocess.run([sys.executable, "-m", "qgkg.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600)


def sparql_json(server: LiveServer, query: str, **params: str) -> dict:  # type: ignore[type-arg]
    r = httpx.get(server.url + "/sparql", params={"query": query, **params},
                  headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_prefixless_query_runs_on_the_endpoint_and_the_cli(live_server: LiveServer, corpus_store: Path) -> None:
    rows = sparql_json(live_server, PREFIXLESS)["results"]["bindings"]
    assert len(rows) == 5 and all(r["b"]["type"] == "uri" for r in rows)
    proc = qgkg(corpus_store, "query", PREFIXLESS, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["results"]["bindings"]) == 5


def test_a_query_s_own_prefix_wins(live_server: LiveServer, corpus_store: Path) -> None:
    query = "PREFIX qg: <http://example.org/other#> SELECT (qg:x AS ?x) WHERE {}"
    assert sparql_json(live_server, query)["results"]["bindings"][0]["x"]["value"] == "http://example.org/other#x"
    proc = qgkg(corpus_store, "query", query, "--format", "csv")
    assert "http://example.org/other#x" in proc.stdout


def test_relative_iris_resolve_against_the_base(live_server: LiveServer, corpus_store: Path) -> None:
    r = httpx.get(live_server.url + "/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                  headers={"Accept": "application/n-triples"}, timeout=60)
    assert r.status_code == 200, r.text
    assert f"<{DEFAULT_BASE}s> <{DEFAULT_BASE}p> " in r.text
    # a relative IRI names a resource of the graph
    rows = sparql_json(live_server, "SELECT ?n WHERE { <city/shanghai> skos:prefLabel ?n }")["results"]["bindings"]
    assert [r["n"]["value"] for r in rows] == ["上海市"]
    proc = qgkg(corpus_store, "query", "CONSTRUCT { <s> <p> 1 } WHERE {}")
    assert proc.returncode == 0 and f"<{DEFAULT_BASE}s>" in proc.stdout


def test_syntax_error_names_line_and_column_with_a_caret(live_server: LiveServer, corpus_store: Path) -> None:
    r = httpx.get(live_server.url + "/sparql", params={"query": BAD}, headers={"Accept": "text/plain"}, timeout=60)
    assert r.status_code == 400
    assert "SPARQL syntax error at line 3, column" in r.text
    lines = r.text.splitlines()
    at = next(i for i, line in enumerate(lines) if "FILTER(?b = }" in line)
    assert lines[at + 1].strip() == "^"
    assert "\\u{" not in r.text and "['" not in r.text  # no parser dump
    # the undeclared prefix is named where it is
    r = httpx.post(live_server.url + "/sparql", content=b"SELECT * WHERE {\n ?a foo:bar ?b }",
                   headers={"Content-Type": "application/sparql-query", "Accept": "text/plain"}, timeout=60)
    assert r.status_code == 400 and "line 2, column 5: the prefix 'foo:' is not declared" in r.text
    # the editor shows the same sentence
    r = httpx.get(live_server.url + "/sparql", params={"query": BAD}, headers={"Accept": "text/html"}, timeout=60)
    assert r.status_code == 400 and "SPARQL syntax error at line 3, column" in r.text and 'id="query-error"' in r.text
    proc = qgkg(corpus_store, "query", BAD)
    assert proc.returncode == 1 and "SPARQL syntax error at line 3, column" in proc.stderr
    assert "FILTER(?b = }" in proc.stderr and "Traceback" not in proc.stderr


def test_editor_lists_the_predeclared_prefixes_and_keeps_the_query_in_the_url(live_server: LiveServer) -> None:
    r = httpx.get(live_server.url + "/sparql", headers={"Accept": "text/html"}, timeout=60)
    body = r.text
    assert 'id="prefixes"' in body
    for name in ("qg", "id", "skos", "rdfs", "rdf", "xsd", "org", "prov", "dcterms", "time", "owl", "sh", "void",
                 "dcat"):
        assert f"<code>{name}:</code>" in body
    assert "qg:leadAgency" in body and "PREFIX" not in body.split('id="query"')[1].split("</textarea>")[0]
    js = httpx.get(live_server.url + "/static/app.js", timeout=60).text
    assert "history.replaceState" in js


@pytest.mark.parametrize("name", ["上海市", "上海", "Shanghai", "shanghai", "上海市"])
def test_param_by_name_equals_the_iri_form(live_server: LiveServer, corpus_store: Path, name: str) -> None:
    by_iri = qgkg(corpus_store, "query", "-f", "coleading_agencies", "-p", f"city={SHANGHAI}", "-p", "year=2021",
                  "--format", "csv")
    by_name = qgkg(corpus_store, "query", "-f", "coleading_agencies", "-p", f"city={name}", "-p", "year=2021",
                   "--format", "csv")
    assert by_iri.returncode == 0 and by_name.returncode == 0, by_name.stderr
    assert by_name.stdout == by_iri.stdout
    web = httpx.get(live_server.url + "/sparql", params={"name": "coleading_agencies", "city": name, "year": "2021",
                                                           "format": "csv"}, timeout=60)
    assert web.status_code == 200 and web.text.replace("\r\n", "\n") == by_iri.stdout.replace("\r\n", "\n")


def test_ambiguous_or_unknown_names_are_errors_naming_candidates(corpus_store: Path) -> None:
    proc = qgkg(corpus_store, "query", "-f", "coleading_agencies", "-p", "city=杭州市")
    assert proc.returncode == 1 and "no city is called '杭州市'" in proc.stderr
    q = "SELECT ?n WHERE { ?agency skos:prefLabel ?n }"
    ok = qgkg(corpus_store, "query", q, "-p", "agency=上海市市场监督管理局", "--format", "csv")
    assert ok.returncode == 0 and ok.stdout.split() == ["n", "上海市市场监督管理局"]


@pytest.fixture(scope="module")
def specimens_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the twenty specimen plans, where 市市场监管局 is an alias of agencies of two cities."""
    from qgkg.build import build

    root = tmp_path_factory.mktemp("specimens-store")
    build(root, [Path(__file__).resolve().parents[1] / "data" / "specimens" / "plans"], jobs=1)
    return root


def test_an_ambiguous_name_is_an_error_naming_the_candidates(specimens_store: Path) -> None:
    q = "SELECT ?n WHERE { ?agency skos:prefLabel ?n }"
    amb = qgkg(specimens_store, "query", q, "-p", "agency=市市场监管局")
    assert amb.returncode == 1 and "'市市场监管局' names 2 entities" in amb.stderr
    assert amb.stderr.count(f"<{DEFAULT_BASE}agency/") == 2 and "Traceback" not in amb.stderr


def test_plain_rq_file_without_header_runs(corpus_store: Path, tmp_path: Path) -> None:
    f = tmp_path / "mine.rq"
    f.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a a qg:Activity ; qg:city ?city }\n", encoding="utf-8")
    proc = qgkg(corpus_store, "query", "-f", str(f), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    total = int(proc.stdout.split()[1])
    bound = qgkg(corpus_store, "query", "-f", str(f), "-p", "city=上海市", "--format", "csv")
    assert bound.returncode == 0, bound.stderr
    assert 0 < int(bound.stdout.split()[1]) <= total


def test_coleading_agencies_ranks_the_market_regulator_first(live_server: LiveServer, corpus_store: Path) -> None:
    proc = qgkg(corpus_store, "query", "-f", "coleading_agencies", "-p", "city=上海市", "-p", "year=2021",
                "--format", "json")
    rows = json.loads(proc.stdout)["results"]["bindings"]
    assert rows[0]["agency"]["value"] == SH_MR and rows[0]["name"]["value"] == "上海市市场监督管理局"
    assert int(rows[0]["coled"]["value"]) > int(rows[1]["coled"]["value"])
    web = httpx.get(live_server.url + "/sparql", params={"name": "coleading_agencies", "city": "上海市",
                                                           "year": "2021"},
                    headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    assert web["results"]["bindings"][0]["agency"]["value"] == SH_MR


# --- the network -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["city=杭州市", "city=上海市&year=1999"], ids=["city-without-plan", "year"])
def test_unknown_city_or_year_is_404_on_the_web_and_exit_1_in_the_cli(live_server: LiveServer,
                                                                      corpus_store: Path, query: str) -> None:
    for path in ("/network", "/network.gexf"):
        r = httpx.get(f"{live_server.url}{path}?{query}", headers={"Accept": "text/plain"}, timeout=60)
        assert r.status_code == 404 and "no plan of" in r.text
    args = [a for kv in query.split("&") for a in (f"--{kv.split('=')[0]}", kv.split("=")[1])]
    proc = qgkg(corpus_store, "network", *args, "--format", "gexf")
    assert proc.returncode == 1 and "no plan of" in proc.stderr and proc.stdout == ""


def test_gexf_carries_position_size_and_colour_on_every_node(live_server: LiveServer) -> None:
    import io

    import networkx as nx

    r = httpx.get(live_server.url + "/network.gexf", params={"city": "上海市", "year": "2021"}, timeout=60)
    assert r.status_code == 200
    assert 'filename="network-shanghai-2021.gexf"' in r.headers["Content-Disposition"]
    g = nx.read_gexf(io.BytesIO(r.content))
    assert g.number_of_nodes() == 19
    for _n, d in g.nodes(data=True):
        viz = d["viz"]
        assert {"x", "y"} <= set(viz["position"]) and viz["size"] > 0 and {"r", "g", "b"} <= set(viz["color"])
    positions = {(d["viz"]["position"]["x"], d["viz"]["position"]["y"]) for _n, d in g.nodes(data=True)}
    assert len(positions) == 19  # a real layout, not one point
    sizes = {n: d["viz"]["size"] for n, d in g.nodes(data=True)}
    assert max(sizes, key=sizes.get) == SH_MR  # type: ignore[arg-type]
    r = httpx.get(live_server.url + "/network.csv", params={"year": "2021", "table": "nodes", "generic": "0"},
                  timeout=60)
    assert 'filename="network-all-cities-2021-no-generic-nodes.csv"' in r.headers["Content-Disposition"]


def test_the_drawing_leaves_out_generic_categories_by_default(live_server: LiveServer) -> None:
    drawn = httpx.get(live_server.url + "/network", params={"city": "上海市", "year": "2021"}, timeout=60).text
    kept = httpx.get(live_server.url + "/network", params={"city": "上海市", "year": "2021", "generic": "1"},
                     timeout=60).text
    svg = drawn[drawn.index("<svg"): drawn.index("</svg>")]
    assert "有关质量技术机构" not in svg and "政府质量奖获奖组织" not in svg and "上海市市场监督管理局" in svg
    assert "有关质量技术机构" in kept[kept.index("<svg"): kept.index("</svg>")]
    gexf = httpx.get(live_server.url + "/network.gexf", params={"city": "上海市", "year": "2021"}, timeout=60).text
    assert "有关质量技术机构" in gexf  # the downloads keep everything unless asked
    assert 'href="/network.gexf?city=%E4%B8%8A%E6%B5%B7%E5%B8%82&amp;year=2021&amp;generic=0"' in drawn


def test_every_node_above_the_threshold_is_labelled_inside_the_canvas(live_server: LiveServer) -> None:
    import re

    html = httpx.get(live_server.url + "/network", params={"city": "上海市", "year": "2021", "generic": "1"},
                     timeout=60).text
    svg = html[html.index("<svg"): html.index("</svg>")]
    threshold = int(re.search(r'data-label-threshold="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    nodes = re.findall(r'<a href="[^"]+" data-wd="(\d+)">(.*?)</a>', svg, re.S)
    assert len(nodes) == 19
    labelled = [(int(wd), body) for wd, body in nodes if "<text" in body]
    assert all("<text" in body for wd, body in nodes if int(wd) > threshold)
    assert any("上海市相关企业集团" in body for _wd, body in labelled)  # the third-largest node (issue 13)
    assert len(labelled) == 19  # this network is small enough for every name


# --- pages that cite -------------------------------------------------------------------------------------

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("how", ["suffix-jsonld", "suffix-json", "accept"])
def test_jsonld_is_compacted_with_a_context(live_server: LiveServer, how: str) -> None:
    import rdflib

    url = live_server.url + "/id/city/shanghai"
    if how == "accept":
        r = httpx.get(url, headers={"Accept": "application/ld+json"}, timeout=60)
    else:
        r = httpx.get(url + (".jsonld" if how == "suffix-jsonld" else ".json"), timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@context"]["qg"] == "https://w3id.org/qgkg/ontology#" and doc["@context"]["id"] == DEFAULT_BASE
    node = next(n for n in doc["@graph"] if n["@id"] == SHANGHAI)
    assert "qg:City" in node["@type"] and "skos:prefLabel" in node
    g = rdflib.Graph().parse(data=r.text, format="json-ld")
    assert (rdflib.URIRef(SHANGHAI), rdflib.SKOS.prefLabel, rdflib.Literal("上海市", lang="zh-hans")) in g


def test_void_is_html_for_browsers_and_stable_turtle_for_clients(live_server: LiveServer) -> None:
    page = httpx.get(live_server.url + "/.well-known/void", headers=HTML, timeout=60)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="void-facts"' in page.text and "SPARQL endpoint" in page.text
    first = httpx.get(live_server.url + "/.well-known/void", timeout=60).text
    again = httpx.get(live_server.url + "/.well-known/void", timeout=60).text
    assert first == again and "void:classPartition" in first and "_:" not in first


def test_navigation_programme_page_validation_and_citation(live_server: LiveServer) -> None:
    import re

    home = httpx.get(live_server.url + "/", headers=HTML, timeout=60).text
    assert '<a href="/programmes">Programmes</a>' in home
    prog = httpx.get(live_server.url + "/id/programme/chief_quality_officer", headers=HTML, timeout=60).text
    assert 'id="definition"' in prog and "chief quality officer" in prog.lower()
    triggers = prog[prog.index('id="trigger-terms"'):].split("</ul>")[0]
    assert "首席质量官" in triggers
    val = httpx.get(live_server.url + "/validation", headers=HTML, timeout=60).text
    if 'id="graphs-checked"' in val:  # the report is computed in the background on a first request
        table = val[val.index('id="graphs-checked"'):].split("</table>")[0]
        assert table.count("<tr>") >= 7 and "shanghai-2021-plan" in table
    for path in ("/", "/sparql", "/network", "/programmes", "/id/city/shanghai", "/validation", "/ontology"):
        body = httpx.get(live_server.url + path, headers=HTML, timeout=60).text
        cite = body[body.index('id="cite"'):].split("</div>")[0]
        text = " ".join(re.sub(r"<[^>]+>", "", cite).split())
        assert "qgkg: a knowledge graph" in text and "version 0.1.0 (store v" in text, path
        assert "CC BY 4.0" in cite and "https://w3id.org/qgkg/" in cite and "<time datetime=" in cite, path


# --- coverage in diffusion -------------------------------------------------------------------------------


def test_diffusion_marks_no_plan_apart_from_zero(live_server: LiveServer) -> None:
    import re

    html = httpx.get(live_server.url + "/programmes/chief_quality_officer", headers=HTML, timeout=60).text
    coverage = html[html.index('id="coverage"'):].split("</table>")[0]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', coverage, re.S))
    assert set(rows) == {"上海市", "全国", "北京市", "济南市"}
    assert 'title="上海市 2021: 1 plan(s)"' in rows["上海市"] and 'title="上海市 2022: no plan"' in rows["上海市"]
    heat = html[html.index('class="heat city-year"'):].split("</table>")[0]
    cells = dict(re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', heat, re.S))
    # Shanghai 2019 has a plan without the programme (zero); Shanghai 2022 has no plan at all
    assert 'title="上海市 2019: 0 activities">0</td>' in cells["上海市"]
    assert 'class="no-plan" title="上海市 2022: no plan"' in cells["上海市"]
    assert 'title="济南市 2022: 0 activities">0</td>' in cells["济南市"]
    overview = httpx.get(live_server.url + "/programmes", headers=HTML, timeout=60).text
    assert 'id="coverage"' in overview and "no plan" in overview


def test_editor_highlights_and_shows_labels_next_to_iris(live_server: LiveServer) -> None:
    r = httpx.get(live_server.url + "/sparql", params={"query": "SELECT ?agency WHERE { ?x qg:leadAgency ?agency }"},
                  headers=HTML, timeout=60)
    assert r.status_code == 200 and "sparql-highlight.js" in r.text
    assert '<span class="label">上海市市场监督管理局</span>' in r.text
    js = httpx.get(live_server.url + "/static/sparql-highlight.js", timeout=60)
    assert js.status_code == 200 and "qgkgHighlightSparql" in js.text
