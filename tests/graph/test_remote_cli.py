"""The commands over real SPARQL servers (Oxigraph server, Virtuoso 7), run as a user runs them: the same
output as over the embedded store built from the same corpus.

What may differ, and how it is compared: language tags' case (compared case-insensitively), blank-node
labels, the order of rows that tie under a query's ORDER BY and of the values GROUP_CONCAT joins (pages
are compared with their list items, table rows and joined names sorted), and what a remote store
does not have by design (the store version and date in the page footer, the build's full-text index
behind /search, dumps, the validation report).
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.build.remote import build_remote
from graph.store import EmbeddedStore
from graph.store.protocol import forget, server_of
from graph.store.remote import Endpoints, RemoteStore, RemoteWriter, derive_endpoints
from qgkg.build import build
from qgkg.config import Settings
from tests.conftest import LiveServer, run_server
from tests.graph.sparql_servers import RemoteBuild
from tests.graph.test_cli import assert_one_line_error, qgkg
from tests.graph.test_protocol import Refusing

pytestmark = pytest.mark.server


def _remote(rb: RemoteBuild, *args: str) -> str:
    """``qgkg ARGS --endpoint URL`` (its local state in ``rb.local``); stdout, or fail with stderr."""
    proc = qgkg(*args, "--endpoint", rb.url, store=rb.local)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _embedded(rb: RemoteBuild, *args: str) -> str:
    proc = qgkg(*args, store=rb.embedded)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_query_agencies_by_activities_led_csv_identical(remote_build: RemoteBuild) -> None:
    args = ("query", "-f", "agencies_by_activities_led", "--format", "csv")
    out = _remote(remote_build, *args)
    assert out == _embedded(remote_build, *args)
    assert out.count("\n") > 10


@pytest.mark.parametrize("args", [
    ("--format", "csv"), ("--format", "csv", "--table", "nodes"), ("--format", "json"),
    ("--format", "gexf"), ("--format", "graphml"), ("--format", "csv", "--city", "上海市", "--year", "2021"),
], ids=["edges", "nodes", "json", "gexf", "graphml", "shanghai-2021"])
def test_network_identical(remote_build: RemoteBuild, args: tuple[str, ...]) -> None:
    assert _remote(remote_build, "network", *args) == _embedded(remote_build, "network", *args)


def _quads(data: bytes) -> set[tuple[str, ...]]:
    return {tuple("_:b" if isinstance(t, ox.BlankNode) else str(t).lower() if isinstance(t, ox.Literal) else str(t)
                  for t in (q.subject, q.predicate, q.object, q.graph_name))
            for q in ox.parse(data, ox.RdfFormat.N_QUADS)}


def test_export_same_quads_in_the_same_graphs(remote_build: RemoteBuild, tmp_path: Path) -> None:
    for where, run in (("remote.nq", _remote), ("embedded.nq", _embedded)):
        run(remote_build, "export", "--format", "nq", "-o", str(tmp_path / where))
    remote = (tmp_path / "remote.nq").read_bytes()
    embedded = (tmp_path / "embedded.nq").read_bytes()
    assert remote.count(b"\n") == embedded.count(b"\n")  # as many statements (blank nodes included)
    assert _quads(remote) == _quads(embedded)


# --- serve --endpoint ------------------------------------------------------------------------------

PAGES = [
    "/", "/id/city/shanghai", "/id/agency/shanghai/market-regulation", "/id/plan/shanghai-2021-plan",
    "/id/plan/shanghai-2018-plan/fragment-1", "/id/year/2021", "/id/programme/chief_quality_officer", "/programmes",
    "/programmes/chief_quality_officer", "/network", "/network?city=上海市&year=2021", "/network.json", "/network.csv",
    "/describe?iri=https://w3id.org/qgkg/id/agency/shanghai/market-regulation",
    "/sparql?query=" + urllib.parse.quote("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"),
]
_ITEM = re.compile(r"(<(ul|ol|tbody)\b[^>]*>)(.*?)(</\2>)", re.S)


def _canonical(html: str) -> str:
    """A page with what may legitimately differ made alike: the footer's store version and date, the
    network's timing, and the order of list items, table rows and GROUP_CONCAT-joined names."""
    html = re.sub(r'<span class="version">[^<]*</span>(, <time[^>]*>[^<]*</time>)?', "", html)
    html = re.sub(r'<p class="meta">Store version.*?</p>', "", html, flags=re.S)
    html = re.sub(r"(Computed in</th><td>)[^<]*", r"\1", html)
    html = re.sub(r'(<span class="leads">— )([^<]*)',
                  lambda m: m.group(1) + "、".join(sorted(m.group(2).split("、"))), html)

    def sort_items(m: re.Match[str]) -> str:
        tag = "li" if m.group(2) in ("ul", "ol") else "tr"
        items = re.findall(rf"<{tag}\b.*?</{tag}>", m.group(3), re.S)
        return m.group(1) + "".join(sorted(items)) + m.group(4)

    return _ITEM.sub(sort_items, html)


def _get(server: LiveServer, path: str) -> tuple[int, str, str]:
    url = server.url + urllib.parse.quote(path, safe="/?=&%")
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode("utf-8")


@pytest.fixture(scope="module")
def two_servers(remote_build: RemoteBuild) -> Iterator[tuple[LiveServer, LiveServer]]:
    """``qgkg serve`` over the embedded store and ``qgkg serve --endpoint`` over the SPARQL server."""
    embedded = run_server(remote_build.embedded)
    try:
        remote = run_server(remote_build.local, {"QGKG_ENDPOINT": remote_build.url})
        try:
            yield embedded, remote
        finally:
            remote.stop()
    finally:
        embedded.stop()


@pytest.mark.parametrize("path", PAGES)
def test_serve_endpoint_pages_same_as_embedded(two_servers: tuple[LiveServer, LiveServer], path: str) -> None:
    embedded, remote = (_get(s, path) for s in two_servers)
    assert remote[0] == embedded[0] == 200, remote[2][:500]
    if "json" in embedded[1]:
        assert json.loads(remote[2]) == json.loads(embedded[2])
    else:
        assert _canonical(remote[2]) == _canonical(embedded[2])


def test_serve_endpoint_entity_as_turtle_same_triples(two_servers: tuple[LiveServer, LiveServer]) -> None:
    path = "/id/agency/shanghai/market-regulation.ttl"
    graphs = [{tuple(str(t).lower() for t in triple)
               for triple in ox.parse(_get(s, path)[2].encode(), ox.RdfFormat.TURTLE)} for s in two_servers]
    assert graphs[0] == graphs[1] and len(graphs[0]) > 5


# --- incremental rebuild -----------------------------------------------------------------------------


def test_remote_rebuild_sends_only_the_changed_file(remote_build: RemoteBuild, corpus: Path, tmp_path: Path) -> None:
    """A changed file replaces its plan on the server (the others are skipped); building the original
    back restores the server, so the session's other tests see the bundled corpus."""
    changed = tmp_path / "plans"
    shutil.copytree(corpus, changed)
    jinan = changed / "jinan-2022-notice.txt"
    jinan.write_text(jinan.read_text("utf-8").replace("不断加大质量教育力度", "不断加大质量培训力度"), "utf-8")
    settings = Settings(store=remote_build.local, endpoint=remote_build.url)
    try:
        report = build_remote(settings, [changed], jobs=1)
        assert (report.files_extracted, report.files_unchanged) == (1, report.files_seen - 1)
        local = tmp_path / "embedded"
        build(local, [changed], jobs=1)
        remote, embedded = RemoteStore(settings), EmbeddedStore(local, base=settings.base)
        ask = 'ASK { ?a <http://www.w3.org/2000/01/rdf-schema#label> "不断加大质量培训力度"@zh-Hans }'
        assert remote.ask(ask) and embedded.ask(ask)
        assert remote.count_triples() == embedded.count_triples()
        out = _remote(remote_build, "query", "-f", "agencies_by_activities_led", "--format", "csv")
        assert out == qgkg("query", "-f", "agencies_by_activities_led", "--format", "csv", store=local).stdout
    finally:
        report = build_remote(settings, [corpus], jobs=1)
    assert report.files_extracted == 1
    original = EmbeddedStore(remote_build.embedded, base=settings.base)
    assert RemoteStore(settings).count_triples() == original.count_triples()


# --- writing by SPARQL Update, and a server that refuses writes ----------------------------------------


def test_update_path_writes_large_graphs_with_blank_nodes(remote_build: RemoteBuild) -> None:
    """Without a Graph Store endpoint the writer sends Update requests: a graph larger than one
    INSERT may hold, with blank nodes (which Virtuoso refuses in INSERT DATA), arrives whole."""
    endpoints = derive_endpoints(remote_build.url)
    writer = RemoteWriter(Endpoints(endpoints.query, endpoints.update, None, endpoints.oxigraph))
    graph = "https://w3id.org/qgkg/id/test/update-path"
    plain = "".join(f'<http://e/s{i}> <http://e/p> "第{i}项"@zh-Hans .\n' for i in range(2500))
    blank = "".join(f'<http://e/s{i}> <http://e/note> _:n{i} .\n_:n{i} <http://e/text> "注{i}" .\n'
                    f'_:n{i} <http://e/at> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n' for i in range(700))
    remote = RemoteStore(Settings(store=remote_build.local, endpoint=remote_build.url))
    count = f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?b) AS ?b) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} " \
            "OPTIONAL { ?b <http://e/text> ?o } }"
    try:
        writer.replace_graphs([(graph, plain + blank)])
        row = remote.select_query(count)[0]
        assert (row["n"].value, row["b"].value) == ("4600", "700")
        note = '<http://e/s699> <http://e/note> ?n . ?n <http://e/text> "注699" ; <http://e/at> 699'
        assert remote.ask(f"ASK {{ GRAPH <{graph}> {{ {note} }} }}")
    finally:
        writer.replace_graphs([], [graph])
    assert remote.select_query(count)[0]["n"].value == "0"


def test_server_refusing_writes_is_one_line_and_keeps_the_store(remote_build: RemoteBuild, corpus: Path,
                                                                  tmp_path: Path) -> None:
    if remote_build.running.admin is None:
        pytest.skip(f"{remote_build.server} has no user rights to take away")
    changed = tmp_path / "plans"
    shutil.copytree(corpus, changed)
    (changed / "jinan-2022-notice.txt").write_text("一、新的活动\n1.市市场监管局开展质量宣传活动。\n", "utf-8")
    before = RemoteStore(Settings(endpoint=remote_build.url)).count_triples()
    remote_build.running.sql('REVOKE SPARQL_UPDATE FROM "SPARQL";')
    try:
        proc = qgkg("build", str(changed), "--endpoint", remote_build.url, store=remote_build.local)
    finally:
        remote_build.running.sql('GRANT SPARQL_UPDATE TO "SPARQL";')
    assert proc.returncode == 1
    assert_one_line_error(proc, "HTTP 403", "refuses writes")
    assert RemoteStore(Settings(endpoint=remote_build.url)).count_triples() == before


def test_build_clean_drops_and_rebuilds_the_same_graph(remote_build: RemoteBuild, corpus: Path) -> None:
    """``--clean`` drops qgkg's graphs on the server (by Update) and sends every file again."""
    proc = qgkg("build", str(corpus), "--clean", "--endpoint", remote_build.url, store=remote_build.local)
    assert proc.returncode == 0, proc.stderr
    settings = Settings(endpoint=remote_build.url)
    embedded = EmbeddedStore(remote_build.embedded, base=settings.base)
    assert RemoteStore(settings).count_triples() == embedded.count_triples()
    args = ("query", "-f", "agencies_by_activities_led", "--format", "csv")
    assert _remote(remote_build, *args) == _embedded(remote_build, *args)


def test_server_told_apart_behind_a_proxy(remote_build: RemoteBuild) -> None:
    """Virtuoso is recognised by its answer to the probe when a proxy hides its Server header, so that
    its answers are still evened out (here: an ASK, and a non-ASCII VALUES literal)."""
    base, path = remote_build.url.rsplit("/", 1)
    with Refusing(base).running() as proxy:
        url = f"{proxy}/{path}"
        try:
            store = RemoteStore(Settings(endpoint=url))
            assert store.ask("ASK { ?p a <https://w3id.org/qgkg/ontology#Plan> }")
            assert server_of(url, timeout=5).virtuoso == (remote_build.server == "virtuoso")
            assert not server_of(url, timeout=5).software.lower().startswith("virtuoso")
            named = 'VALUES ?n { "上海市" } ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(STR(?l) = ?n)'
            rows = store.select_query(f"SELECT DISTINCT ?c WHERE {{ {named} }}")
            assert [r["c"].value for r in rows] == ["https://w3id.org/qgkg/id/city/shanghai"]
        finally:
            forget(url)
