"""A real ``qgkg serve`` (waitress) on a loopback port, with real clients and hostile requests."""

from __future__ import annotations

import http.client
import select
import shutil
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import rdflib

from tests.conftest import LiveServer

pytestmark = pytest.mark.server

PLAN = "https://w3id.org/qgkg/ontology#Plan"
SELECT = f"SELECT ?p ?t WHERE {{ ?p a <{PLAN}> ; <http://purl.org/dc/terms/title> ?t }} ORDER BY ?p"
CONSTRUCT = f"CONSTRUCT {{ ?p a <{PLAN}> }} WHERE {{ ?p a <{PLAN}> }}"
COUNT_PLANS = f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{PLAN}> }}"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CLOSURE = "SELECT (COUNT(*) AS ?n) WHERE { ?x (<http://e.org/p>|!<http://e.org/p>)* ?y . ?z ?q ?w }"


def _raw(
    server: LiveServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str | None = None,
) -> tuple[int, bytes]:
    """One request, from the loopback address ``source`` when given (another client for the per-client limit)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60,
                                      source_address=(source, 0) if source else None)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def _count_plans(url: str) -> int:
    from SPARQLWrapper import JSON, SPARQLWrapper

    sw = SPARQLWrapper(url + "/sparql")
    sw.setQuery(COUNT_PLANS)
    sw.setReturnFormat(JSON)
    return int(sw.query().convert()["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]


def test_sparqlwrapper_select_json_and_xml(live_server: LiveServer, corpus_store: Path) -> None:
    from SPARQLWrapper import JSON, XML, SPARQLWrapper

    sw = SPARQLWrapper(live_server.url + "/sparql")
    sw.setQuery(SELECT)
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]  # type: ignore[index]
    assert any(r["p"]["value"].endswith("/plan/shanghai-2021-plan") for r in rows)
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert len(doc.getElementsByTagName("result")) == len(rows)  # type: ignore[union-attr]


def test_sparqlwrapper_construct_turtle(live_server: LiveServer) -> None:
    from SPARQLWrapper import TURTLE, SPARQLWrapper

    sw = SPARQLWrapper(live_server.url + "/sparql")
    sw.setQuery(CONSTRUCT)
    sw.setReturnFormat(TURTLE)
    data = sw.query().convert()
    g = rdflib.Graph().parse(data=data, format="turtle")
    assert len(g) == _count_plans(live_server.url)


def test_rdflib_sparqlstore(live_server: LiveServer) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(live_server.url + "/sparql", returnFormat="xml")
    g = rdflib.Graph(store=store)
    rows = list(g.query(SELECT))
    assert len(rows) == _count_plans(live_server.url)
    assert all(isinstance(r[0], rdflib.URIRef) for r in rows)


def test_pandas_reads_a_csv_result(live_server: LiveServer) -> None:
    import pandas as pd

    url = live_server.url + "/sparql?" + urllib.parse.urlencode({"query": SELECT, "format": "csv"})
    frame = pd.read_csv(url)
    assert list(frame.columns) == ["p", "t"]
    assert len(frame) == _count_plans(live_server.url)
    assert frame["t"].str.contains("质量月").any()


def test_service_to_a_listening_socket_is_refused_and_never_connects(live_server: LiveServer) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        for method in ("GET", "POST"):
            if method == "GET":
                status, body = _raw(live_server, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
            else:
                status, body = _raw(
                    live_server,
                    "POST",
                    "/sparql",
                    query.encode(),
                    {"Content-Type": "application/sparql-query"},
                )
            assert status == 400 and b"SERVICE" in body
        readable, _, _ = select.select([listener], [], [], 0)
        assert readable == []  # no connection is waiting to be accepted
    finally:
        listener.close()


def test_post_body_over_the_limit_is_413(live_server: LiveServer) -> None:
    body = b"query=" + b"%20" * ((1 << 20) // 3 + 10)  # just over the 1 MiB limit
    status, _ = _raw(
        live_server, "POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 413


def test_query_string_over_the_limit_is_414_or_400(live_server: LiveServer) -> None:
    path = "/sparql?query=" + "ASK%7B%7D" + "%20" * 20_000
    status, _ = _raw(live_server, "GET", path)
    assert status in (414, 400, 431)


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../manifest.json",
        "/dumps/../../../../etc/passwd",
        "/dumps/..%2f..%2fmanifest.json",
        "/id/../../etc/passwd",
        "/id/../manifest.json",
        "/id/..%2f..%2fetc%2fpasswd",
        "/static/../../manifest.json",
    ],
)
def test_path_traversal_over_the_wire_is_404(live_server: LiveServer, path: str) -> None:
    status, body = _raw(live_server, "GET", path)
    assert status == 404
    assert b"root:" not in body and b'"sources"' not in body


def test_pathological_query_is_stopped_while_others_are_answered(corpus_store: Path, start_server) -> None:  # type: ignore[no-untyped-def]
    limit = 3.0
    server = start_server(corpus_store, env={"QGKG_QUERY_TIMEOUT": str(limit)})
    _raw(server, "GET", "/sparql?query=ASK%7B%7D")  # the first worker is up
    for query in (CROSS_PRODUCT, CLOSURE):
        done: dict[str, float] = {}
        result: dict[str, tuple[int, bytes]] = {}

        def slow(query: str = query) -> None:
            result["slow"] = _raw(
                server,
                "GET",
                "/sparql?" + urllib.parse.urlencode({"query": query}),
                headers={"Accept": "application/json"},
                source="127.0.0.2",  # another client: this one's own queries wait behind its running one
            )
            done["slow"] = time.monotonic()

        started = time.monotonic()
        thread = threading.Thread(target=slow)
        thread.start()
        page = _raw(server, "GET", "/id/agency/shanghai/market-regulation", headers={"Accept": "text/turtle"})
        ask = _raw(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": COUNT_PLANS}))
        answered = time.monotonic()
        thread.join(timeout=limit + 30)
        assert page[0] == 200 and ask[0] == 200
        assert answered < done["slow"]  # answered while the slow query was still running
        status, body = result["slow"]
        assert status == 503 and b"time limit" in body
        assert done["slow"] - started < limit + 5.0
    assert _count_plans(server.url) > 0  # a fresh worker answers after the kills


def test_server_serves_the_old_graph_during_a_rebuild_then_the_new(
    tmp_path: Path, corpus_store: Path, start_server
) -> None:  # type: ignore[no-untyped-def]
    from qgkg.build import build

    store = tmp_path / "store"
    shutil.copytree(corpus_store, store, symlinks=True)
    server = start_server(store)
    before = _count_plans(server.url)
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "hangzhou-2023-plan.txt").write_text(
        "为贯彻落实质量强国建设纲要，现将2023年杭州市“质量月”活动安排如下。\n"
        "1.举办质量开放日活动。组织检验检测机构向公众开放实验室。（市市场监管局负责）\n"
        "2.开展首席质量官培训活动。组织企业首席质量官参加培训。（市市场监管局、市经信局负责）\n",
        encoding="utf-8",
    )
    seen: list[int] = []
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            build(store, [plans], jobs=1)
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=rebuild)
    thread.start()
    while thread.is_alive():
        seen.append(_count_plans(server.url))
    thread.join()
    assert not errors
    assert set(seen) <= {before, before + 1}
    assert _count_plans(server.url) == before + 1
    status, body = _raw(server, "GET", "/id/plan/hangzhou-2023-plan", headers={"Accept": "text/turtle"})
    assert status == 200 and b"hangzhou" in body
    assert b"hangzhou" in _raw(server, "GET", "/", headers={"Accept": "text/html"})[1]


def test_live_headers_and_escaping(live_server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=30)
    conn.request("GET", "/", headers={"Accept": "text/html"})
    r = conn.getresponse()
    r.read()
    assert "script-src 'self'" in r.getheader("Content-Security-Policy", "")
    assert r.getheader("X-Content-Type-Options") == "nosniff"
    assert r.getheader("Server", "").startswith("qgkg") or r.getheader("Server") is not None
    conn.close()
