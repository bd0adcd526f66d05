"""``qgkg build URL… --endpoint``: web pages built into real SPARQL servers (Oxigraph server, Virtuoso 7).

Each server is started here over a new database (``tests/graph/sparql_servers.py``; the session's
``remote_build`` server holds the bundled corpus and is compared with the embedded store by the other
tests, so these pages go elsewhere), and the pages come from a real HTTP server on a loopback port
(``tests/pages_server.py``). The plan graph of a page built into the server is the one the embedded
build gives for the same URL; a rebuild sends conditional requests and writes nothing; a 404 among good
URLs is one line and exit 3, and the server keeps every plan it had. ``serve --endpoint`` offers the
page as fetched for download from the endpoint's local folder, and only where this machine keeps it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask

from fetch import FetchOptions
from graph.build.remote import build_remote
from graph.store import EmbeddedStore, GraphStore, StoreDir
from graph.store.remote import RemoteStore, RemoteWriter, derive_endpoints, local_state
from loaders.iris import plan as plan_iri
from qgkg.build import build
from qgkg.config import DEFAULT_BASE, Settings
from tests.graph.sparql_servers import STARTERS, SparqlServer
from tests.graph.test_cli import qgkg
from tests.graph.test_fetch import CHANGZHOU, WUXI, plan_page_bytes
from tests.pages_server import PageServer, Route, page_server

pytestmark = pytest.mark.server

QG = "https://w3id.org/qgkg/ontology#"
PROV_TIME = "http://www.w3.org/ns/prov#generatedAtTime"
FAST = FetchOptions(delay=0.0, timeout=5.0, retries=0, backoff=0.0)
FETCH_ARGS = ("-q", "-j", "1", "--fetch-delay", "0", "--fetch-retries", "0", "--fetch-timeout", "5")


@dataclass
class Site:
    """A SPARQL server over a new database, the page server, and this machine's --store folder."""

    name: str
    server: SparqlServer
    pages: PageServer
    local: Path

    @property
    def settings(self) -> Settings:
        return Settings(store=self.local, endpoint=self.server.url)


@pytest.fixture(scope="module", params=sorted(STARTERS))
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Each real SPARQL server in turn (skipped when not installed), and a page server; stopped afterwards."""
    server = STARTERS[request.param](tmp_path_factory.mktemp(f"{request.param}-web"))
    try:
        with page_server() as pages:
            yield Site(request.param, server, pages, tmp_path_factory.mktemp(f"{request.param}-web-local"))
    finally:
        server.stop()


def _term(term: object) -> str:
    """A term as compared across stores: blank nodes alike, literals lower-cased (language tags' case)."""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    return str(term).lower() if isinstance(term, ox.Literal) else str(getattr(term, "value", term))


def plan_graphs(store: GraphStore, url: str) -> dict[str, set[tuple[str, str, str]]]:
    """The named graphs of the plans read from ``url``, as sets of compared triples."""
    rows = store.select_query(f"""
        SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a <{QG}Plan> ; <http://purl.org/dc/terms/source> ?src }}
                                   FILTER(STR(?src) = "{url}") }}""")
    out = {}
    for g in sorted(r["g"].value for r in rows):
        triples = store.raw_query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
        out[g] = {(_term(t.subject), _term(t.predicate), _term(t.object)) for t in triples}
    return out


def without_time(graphs: dict[str, set[tuple[str, str, str]]]) -> dict[str, set[tuple[str, str, str]]]:
    return {g: {t for t in ts if t[1] != PROV_TIME} for g, ts in graphs.items()}


def plans_on(store: GraphStore) -> set[str]:
    return {r["p"].value for r in store.select_query(f"SELECT ?p WHERE {{ GRAPH ?p {{ ?p a <{QG}Plan> }} }}")}


# --- a GBK portal page built into the server, as into the embedded store -------------------------------


@pytest.fixture(scope="module")
def wuxi(site: Site) -> dict[str, object]:
    """The GBK portal page (with an ETag) built into the server by ``qgkg build URL --endpoint``."""
    page = plan_page_bytes(WUXI, "gb2312", "gbk")
    site.pages.routes["/zw/2022/wuxi.html"] = Route(page, content_type="text/html", etag='"w1"')
    url = site.pages.url("/zw/2022/wuxi.html")
    proc = qgkg("build", url, "--endpoint", site.server.url, *FETCH_ARGS, store=site.local)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 file(s) extracted" in proc.stdout and "web: 1 page(s) downloaded" in proc.stdout
    return {"url": url, "page": page, "sha": hashlib.sha256(page).hexdigest()}


def test_remote_build_url_gives_the_plan_graph_of_the_embedded_build(site: Site, wuxi: dict[str, object],
                                                                      tmp_path: Path) -> None:
    url = str(wuxi["url"])
    report = build(tmp_path / "embedded", [], urls=[url], fetch=FAST, jobs=1)
    assert report.errors == []
    remote = plan_graphs(RemoteStore(site.settings), url)
    embedded = plan_graphs(EmbeddedStore(tmp_path / "embedded", base=DEFAULT_BASE), url)
    assert list(remote) == list(embedded) == [str(plan_iri(url))]
    for graph in (remote, embedded):  # each has its retrieval time; they differ (two fetches)
        assert sum(1 for t in graph[str(plan_iri(url))] if t[1] == PROV_TIME) == 1
    assert without_time(remote) == without_time(embedded)
    triples = remote[str(plan_iri(url))]
    activities = {s for s, p, o in triples if p == f"{QG}plan"}
    assert len(activities) == 5  # the five numbered items of the article, not the portal's furniture
    provenance = {p: o for s, p, o in triples if s == str(plan_iri(url))}
    assert provenance[f"{QG}sha256"] == f'"{wuxi["sha"]}"'
    assert provenance[f"{QG}httpStatus"].startswith('"200"')
    assert provenance[f"{QG}retrievedFrom"].startswith(f'"{url}"')
    kept = local_state(site.settings) / "sources" / str(wuxi["sha"])
    assert kept.read_bytes() == wuxi["page"]  # the page as fetched, kept in the endpoint's local folder


def test_remote_rebuild_sends_conditional_requests_and_rewrites_nothing(site: Site,
                                                                       wuxi: dict[str, object]) -> None:
    """The second build asks with If-None-Match, extracts nothing and writes nothing: a triple put into the
    plan's graph and one into the reference graph (about the plan's city) after the first build survive."""
    url = str(wuxi["url"])
    store = RemoteStore(site.settings)
    plan = str(plan_iri(url))
    city = store.select_query(f"SELECT ?c WHERE {{ GRAPH <{plan}> {{ <{plan}> <{QG}city> ?c }} }}")[0]["c"].value
    reference = f"{DEFAULT_BASE}graph/reference"
    writer = RemoteWriter(derive_endpoints(site.server.url))
    marks = f"INSERT DATA {{ GRAPH <{plan}> {{ <{plan}> <http://e/mark> \"kept\" }} " \
            f"GRAPH <{reference}> {{ <{city}> <http://e/mark> \"kept\" }} }}"
    writer.update_batched([marks])
    before = store.count_triples()
    asked = len(site.pages.requests_for("/zw/2022/wuxi.html"))
    try:
        report = build_remote(site.settings, [], urls=[url], fetch=FAST, jobs=1)
        assert report.errors == []
        assert (report.files_extracted, report.files_unchanged) == (0, 1)
        assert (report.pages_fetched, report.pages_not_modified) == (0, 1)
        sent = site.pages.requests_for("/zw/2022/wuxi.html")[asked:]
        assert [s.headers.get("if-none-match") for s in sent] == ['"w1"']
        for graph, subject in ((plan, plan), (reference, city)):
            assert store.ask(f'ASK {{ GRAPH <{graph}> {{ <{subject}> <http://e/mark> "kept" }} }}'), graph
        assert store.count_triples() == before
    finally:
        writer.update_batched([marks.replace("INSERT DATA", "DELETE DATA")])


def test_serve_endpoint_offers_the_page_as_fetched_only_where_it_is_kept(
        site: Site, wuxi: dict[str, object], make_app: Callable[..., Flask], tmp_path: Path) -> None:
    path = "/id/" + str(plan_iri(str(wuxi["url"])))[len(DEFAULT_BASE):]
    sha = str(wuxi["sha"])
    here = make_app(site.local, ENDPOINT=site.server.url).test_client()
    html = here.get(path).get_data(as_text=True)
    assert f'<a class="download" href="/sources/{sha}" download="wuxi.html">wuxi.html</a>' in html
    response = here.get(f"/sources/{sha}")
    assert response.status_code == 200 and response.data == wuxi["page"]
    assert response.headers["Content-Type"] == "text/html; charset=gb18030"

    elsewhere = make_app(tmp_path / "other-machine", ENDPOINT=site.server.url).test_client()
    html = elsewhere.get(path).get_data(as_text=True)
    assert 'class="download"' not in html and f"/sources/{sha}" not in html  # no broken link
    assert f'not kept on this server; the original is at <a href="{wuxi["url"]}"' in html
    assert elsewhere.get(f"/sources/{sha}").status_code == 404


# --- failures ----------------------------------------------------------------------------------------------


def test_remote_build_url_404_among_good_urls_is_one_line_exit_3_and_keeps_the_plans(
        site: Site, wuxi: dict[str, object], tmp_path: Path) -> None:
    first = site.pages.url("/zw/2021/changzhou.html")
    site.pages.routes["/zw/2021/changzhou.html"] = Route(plan_page_bytes(CHANGZHOU, "utf-8"))
    proc = qgkg("build", first, "--endpoint", site.server.url, *FETCH_ARGS, store=site.local)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store = RemoteStore(site.settings)
    before = plans_on(store)
    kept = plan_graphs(store, first)
    assert {str(plan_iri(first)), str(plan_iri(str(wuxi["url"])))} <= before

    site.pages.routes["/zw/2021/changzhou.html"] = Route(b"gone", status=404, content_type="text/plain")
    new = site.pages.url("/zw/2021/changzhou-copy.html")
    site.pages.routes["/zw/2021/changzhou-copy.html"] = Route(plan_page_bytes(CHANGZHOU, "gb2312", "gbk"))
    missing = site.pages.url("/zw/2021/missing.html")
    empty = site.pages.url("/zw/2021/empty.html")  # fetched, but no article: fails in the extraction
    site.pages.routes["/zw/2021/empty.html"] = Route(
        "<html><body><div class='nav'><a href='/'>首页</a> <a href='/zw/'>政务公开</a></div></body></html>".encode())
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# pages of the test server\n{new}\n{missing}  # not there\n{empty}\n", encoding="utf-8")
    proc = qgkg("build", first, "--urls", str(listing), "--endpoint", site.server.url, *FETCH_ARGS,
                store=site.local)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 3 and f"error: {first}: HTTP 404 Not Found" in errors
    assert f"error: {missing}: HTTP 404 Not Found" in errors
    assert any(e.startswith(f"error: {empty}: ") and "no article text" in e for e in errors), errors
    assert "1 file(s) extracted" in proc.stdout
    after = plans_on(store)
    assert after == before | {str(plan_iri(new))}  # the new page written, every earlier plan kept
    assert plan_graphs(store, first) == kept  # the plan of the page now 404 is as it was
    assert len({s for s, p, o in plan_graphs(store, new)[str(plan_iri(new))] if p == f"{QG}plan"}) == 3
    assert StoreDir(local_state(site.settings)).source(hashlib.sha256(
        plan_page_bytes(CHANGZHOU, "gb2312", "gbk")).hexdigest()) is not None
