"""``qgkg build URL…``: fetching against a real HTTP server on a loopback port, started here.

The server (``tests/pages_server.py``) serves pages these tests write: a GBK portal page with
furniture around the article, pages whose header and meta charsets disagree, a redirect, a
404, a slow page, robots.txt, a page that changes between builds and one that does not. The
texts are invented, in the style of tests/data/specimens. Never an outside address.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from fetch import FetchCache, Fetcher, FetchOptions, read_url_file
from graph.store import StoreDir, Version
from qgkg.build import build
from qgkg.cli import main
from qgkg.errors import FetchError
from tests.pages_server import PageServer, Route, page_server, portal_page

QG = "https://w3id.org/qgkg/ontology#"
FAST = FetchOptions(delay=0.0, timeout=5.0, retries=0, backoff=0.0)

WUXI = """无锡市2022年“质量月”活动方案
　　为推动质量强市建设，结合我市实际，制定本方案。
　　一、活动主题
　　推进质量强国建设
　　二、主要活动
　　1.举办全市“质量月”启动仪式。9月上旬在市民中心举办启动仪式，发布年度质量提升重点任务。（牵头单位：市市场监管局；配合单位：市工业和信息化局）
　　2.开展首席质量官培训。面向重点产业企业开展首席质量官任职培训。（牵头单位：市工业和信息化局）
　　3.开展“质量开放日”活动。组织市民代表走进检验检测机构，体验质量检测过程。（牵头单位：市市场监管局；配合单位：市教育局）
　　4.开展建设工程质量观摩。组织在建重点工程开展质量安全标准化观摩。（牵头单位：市住房城乡建设局）
　　5.开展重点工业产品质量安全专项整治。对电动自行车、儿童用品开展监督抽查。（牵头单位：市市场监管局；配合单位：市公安局）
　　三、活动要求
　　各牵头单位要细化方案，落实专人负责，及时报送活动信息。
无锡市质量强市工作领导小组办公室
2022年8月25日""".split("\n")

CHANGZHOU = """常州市2021年“质量月”活动安排
　　为深入开展质量提升行动，现将今年“质量月”活动安排如下。
　　1.召开全市质量大会。表彰市长质量奖获奖组织，部署质量强市重点工作。（牵头单位：市市场监管局）
　　2.开展质量基础设施“一站式”服务进企业活动。组织计量、标准、认证、检验检测机构上门服务。（牵头单位：市市场监管局；配合单位：市科技局）
　　3.开展“品牌建设”宣传周。推介一批常州制造优质品牌。（牵头单位：市工业和信息化局）
常州市质量强市工作领导小组办公室
2021年8月30日""".split("\n")


def plan_page_bytes(lines: list[str], charset: str, codec: str | None = None) -> bytes:
    """A portal page around ``lines`` declaring ``charset`` in its meta tag, encoded with ``codec``."""
    return portal_page(lines, charset=charset).encode(codec or charset)


def select(root: Path, sparql: str) -> list[list[str | None]]:
    """Rows of a query over the current version (union of the named graphs)."""
    store = ox.Store.read_only(str(Version(StoreDir(root).current()).oxigraph))
    return [[t.value if t is not None else None for t in row]
            for row in store.query(sparql, use_default_graph_as_union=True)]


def activities(root: Path, source: str) -> list[tuple[str, str, str]]:
    """(marker, label, lead agencies) of every activity of the plan whose dcterms:source is ``source``."""
    rows = select(root, f"""
        SELECT ?marker ?label (GROUP_CONCAT(STR(?lead); separator=" ") AS ?leads) WHERE {{
          ?plan <http://purl.org/dc/terms/source> ?src . FILTER(STR(?src) = {source!r})
          ?a <{QG}plan> ?plan ; <{QG}marker> ?marker ; <http://www.w3.org/2000/01/rdf-schema#label> ?label .
          OPTIONAL {{ ?a <{QG}leadAgency> ?lead }}
        }} GROUP BY ?marker ?label""".replace("'", '"'))
    return sorted((m or "", lab or "", " ".join(sorted((leads or "").split()))) for m, lab, leads in rows)


def plan_count(root: Path) -> int:
    return len(select(root, f"SELECT ?p WHERE {{ ?p a <{QG}Plan> }}"))


@pytest.fixture()
def server() -> Iterator[PageServer]:
    """A page server on a loopback port, for one test."""
    with page_server() as s:
        yield s


def test_build_url_gbk_portal_page_gives_the_activities_of_the_same_text_as_a_file(
        server: PageServer, tmp_path: Path) -> None:
    page = plan_page_bytes(WUXI, "gb2312", "gbk")
    server.routes["/zw/2022/wuxi.html"] = Route(page, content_type="text/html")  # no charset in the header
    url = server.url("/zw/2022/wuxi.html")
    report = build(tmp_path / "web", [], urls=[url], fetch=FAST, jobs=1)
    assert report.errors == [] and report.files_extracted == 1
    text_file = tmp_path / "wuxi.txt"
    text_file.write_text("\n".join(WUXI), encoding="utf-8")
    build(tmp_path / "file", [text_file], jobs=1)
    from_web, from_file = activities(tmp_path / "web", url), activities(tmp_path / "file", "wuxi.txt")
    assert len(from_web) == 5 and from_web == from_file
    assert all(leads for _m, _l, leads in from_web)
    text = select(tmp_path / "web", f"SELECT ?t WHERE {{ ?p <{QG}originalText> ?t ; a <{QG}Plan> }}")[0][0] or ""
    assert text.startswith(WUXI[0]) and text.endswith(WUXI[-1])
    for furniture in ("首页", "当前位置", "阅读", "举报", "相关新闻", "版权所有", "打印本页"):
        assert furniture not in text


def test_build_url_plan_carries_its_provenance_and_keeps_the_page(server: PageServer, tmp_path: Path) -> None:
    page = plan_page_bytes(WUXI, "gb2312", "gbk")
    server.routes["/wuxi.html"] = Route(page)
    url = server.url("/wuxi.html")
    build(tmp_path / "s", [], urls=[url], fetch=FAST, jobs=1)
    rows = select(tmp_path / "s", f"""
        SELECT ?kind ?final ?status ?time ?sha ?published ?format ?dt WHERE {{
          ?p a <{QG}Plan> ; <http://purl.org/dc/terms/source> ?src ; <{QG}sourceKind> ?kind ;
             <{QG}retrievedFrom> ?final ; <{QG}httpStatus> ?status ; <http://www.w3.org/ns/prov#generatedAtTime> ?time ;
             <{QG}sha256> ?sha ; <{QG}publishedDate> ?published ; <http://purl.org/dc/terms/format> ?format .
          BIND(DATATYPE(?src) AS ?dt) FILTER(STR(?src) = "{url}") }}""")
    assert len(rows) == 1
    kind, final, status, time, sha, published, fmt, dt = rows[0]
    assert (kind, final, status, published, fmt) == ("web", url, "200", "2022-08-26", "text/html")
    assert dt == "http://www.w3.org/2001/XMLSchema#anyURI" and time and time.startswith("20")
    assert sha == hashlib.sha256(page).hexdigest()
    assert (StoreDir(tmp_path / "s").sources / sha).read_bytes() == page  # the page as fetched, by its digest
    manifest = StoreDir(tmp_path / "s").manifest()
    assert manifest.sources[url].kind == "web" and manifest.sources[url].sha256 == sha


@pytest.mark.parametrize(("header", "meta", "codec"), [
    ("utf-8", "gb2312", "utf-8"),  # a UTF-8 page whose meta tag says GB2312: the header wins
    ("gbk", "utf-8", "gbk"),  # a GBK page whose meta tag says UTF-8: the header wins
    ("utf-8", "gbk", "gbk"),  # a GBK page whose header says UTF-8: it does not decode, the meta tag is taken
], ids=["utf8-page-meta-gb2312", "gbk-page-meta-utf8", "gbk-page-header-utf8"])
def test_build_url_charset_header_then_meta(server: PageServer, tmp_path: Path, header: str, meta: str,
                                            codec: str) -> None:
    server.routes["/cz.html"] = Route(plan_page_bytes(CHANGZHOU, meta, codec),
                                      content_type=f"text/html; charset={header}")
    url = server.url("/cz.html")
    report = build(tmp_path / "s", [], urls=[url], fetch=FAST, jobs=1)
    assert report.errors == []
    acts = activities(tmp_path / "s", url)
    assert [m for m, _l, _a in acts] == ["1", "2", "3"]
    assert acts[0][1].startswith("召开全市质量大会")
    encoding = select(tmp_path / "s", f"SELECT ?e WHERE {{ ?p <{QG}encoding> ?e }}")[0][0]
    assert encoding == ("utf-8" if codec == "utf-8" else "gb18030")


def test_build_url_redirect_keeps_the_url_asked_and_the_final_one(server: PageServer, tmp_path: Path) -> None:
    server.routes["/old/cz.html"] = Route(status=301, headers={"Location": "/new/cz.html"})
    server.routes["/new/cz.html"] = Route(plan_page_bytes(CHANGZHOU, "utf-8"))
    url = server.url("/old/cz.html")
    report = build(tmp_path / "s", [], urls=[url], fetch=FAST, jobs=1)
    assert report.errors == []
    rows = select(tmp_path / "s", f"SELECT ?src ?final WHERE {{ ?p <{QG}retrievedFrom> ?final ;"
                                  " <http://purl.org/dc/terms/source> ?src }")
    assert rows == [[url, server.url("/new/cz.html")]]


def test_build_url_failures_are_one_line_each_exit_3_and_the_store_keeps_its_plans(
        server: PageServer, tmp_path: Path) -> None:
    slow = threading.Event()
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    server.routes["/good.html"] = Route(plan_page_bytes(CHANGZHOU, "utf-8"))
    server.routes["/private/secret.html"] = Route(plan_page_bytes(WUXI, "utf-8"))
    server.routes["/slow.html"] = Route(plan_page_bytes(WUXI, "utf-8"), wait=slow)
    server.routes["/plan.pdf"] = Route(b"%PDF-1.4 not a page", content_type="application/pdf")
    server.routes["/empty.html"] = Route(
        "<html><body><div class='nav'><a href='/'>首页</a> <a href='/zw/'>政务公开</a></div></body></html>".encode())
    store = tmp_path / "s"
    wuxi = tmp_path / "wuxi.txt"
    wuxi.write_text("\n".join(WUXI), encoding="utf-8")
    build(store, [wuxi], jobs=1)
    before = select(store, f"SELECT ?p WHERE {{ ?p a <{QG}Plan> }}")
    bad = {"/missing.html": "HTTP 404", "/slow.html": "timed out", "/private/secret.html": "refused by robots.txt",
           "/plan.pdf": "not an HTML page (application/pdf)", "/empty.html": "no article text"}
    listing = tmp_path / "urls.txt"
    listing.write_text("# pages of the test server\n" + "\n".join(server.url(p) for p in bad) + "\n",
                       encoding="utf-8")
    try:
        result = CliRunner().invoke(main, [
            "build", "--store", str(store), "-q", "-j", "1", "--fetch-delay", "0", "--fetch-timeout", "0.5",
            "--fetch-retries", "0", "--urls", str(listing), server.url("/good.html"), str(wuxi)])
    finally:
        slow.set()
    assert result.exit_code == 3, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(bad)
    for path, reason in bad.items():
        line = next(e for e in errors if server.url(path) in e)
        assert reason in line, line
    assert server.requests_for("/private/secret.html") == []  # robots.txt was asked first, and obeyed
    after = {r[0] for r in select(store, f"SELECT ?p WHERE {{ ?p a <{QG}Plan> }}")}
    assert {r[0] for r in before} < after and len(after) == len(before) + 1  # kept, plus the good page


def test_build_url_changed_page_is_extracted_again_unchanged_page_answers_304(
        server: PageServer, tmp_path: Path) -> None:
    store = tmp_path / "s"
    changing = plan_page_bytes(WUXI, "utf-8")
    server.routes["/changing.html"] = Route(changing, etag='"v1"')
    server.routes["/still.html"] = Route(plan_page_bytes(CHANGZHOU, "utf-8"),
                                         last_modified="Mon, 30 Aug 2021 08:00:00 GMT")
    server.routes["/plain.html"] = Route(plan_page_bytes(CHANGZHOU, "gb2312", "gbk"))  # no ETag, no Last-Modified
    urls = [server.url("/changing.html"), server.url("/still.html"), server.url("/plain.html")]
    first = build(store, [], urls=urls, fetch=FAST, jobs=1)
    assert first.files_extracted == 3 and first.pages_fetched == 3
    assert len(activities(store, urls[0])) == 5

    extra = "　　6.开展质量志愿服务进社区活动。组织质量志愿者开展咨询服务。（牵头单位：市市场监管局）"
    server.routes["/changing.html"] = Route(plan_page_bytes([*WUXI[:10], extra, *WUXI[10:]], "utf-8"), etag='"v2"')
    second = build(store, [], urls=urls, fetch=FAST, jobs=1)
    assert server.requests_for("/changing.html")[-1].headers.get("if-none-match") == '"v1"'
    assert server.requests_for("/still.html")[-1].headers.get("if-modified-since") == "Mon, 30 Aug 2021 08:00:00 GMT"
    assert (second.files_extracted, second.files_unchanged) == (1, 2)  # only the changed page was read again
    assert (second.pages_fetched, second.pages_not_modified) == (2, 1)  # /plain.html: sent again, same sha256
    assert len(activities(store, urls[0])) == 6

    version = StoreDir(store).current()
    third = build(store, [], urls=urls, fetch=FAST, jobs=1)
    assert server.requests_for("/changing.html")[-1].headers.get("if-none-match") == '"v2"'
    assert (third.files_extracted, third.files_unchanged, third.pages_not_modified) == (0, 3, 2)
    assert StoreDir(store).current() == version  # nothing re-extracted: the version stays current

    server.routes["/changing.html"] = Route(b"gone", status=404, content_type="text/plain")
    fourth = build(store, [], urls=urls, fetch=FAST, jobs=1)
    assert fourth.errors == [f"{urls[0]}: HTTP 404 Not Found"]
    assert len(activities(store, urls[0])) == 6 and StoreDir(store).current() == version  # the plan is kept


def test_fetcher_retries_retriable_answers_only(server: PageServer, tmp_path: Path) -> None:
    server.routes["/busy.html"] = Route(plan_page_bytes(CHANGZHOU, "utf-8"), statuses=[503, 503])
    server.routes["/gone.html"] = Route(b"gone", status=410, content_type="text/plain")
    cache = FetchCache(tmp_path / "fetch", tmp_path / "sources")
    with Fetcher(cache, FetchOptions(delay=0, timeout=5, retries=2, backoff=0)) as fetcher:
        page = fetcher.fetch(server.url("/busy.html"))
        with pytest.raises(FetchError, match="HTTP 410"):
            fetcher.fetch(server.url("/gone.html"))
    assert page.entry.status == 200 and len(server.requests_for("/busy.html")) == 3
    assert len(server.requests_for("/gone.html")) == 1  # a 410 is not retried
    ua = server.requests_for("/busy.html")[0].headers["user-agent"]
    assert ua.startswith("qgkg/") and "https://w3id.org/qgkg/" in ua


def test_fetcher_refuses_a_page_over_the_size_cap(server: PageServer, tmp_path: Path) -> None:
    server.routes["/big.html"] = Route(plan_page_bytes(WUXI, "utf-8"))
    cache = FetchCache(tmp_path / "fetch", tmp_path / "sources")
    with Fetcher(cache, FetchOptions(delay=0, retries=0, max_bytes=1000)) as fetcher:
        with pytest.raises(FetchError, match="too large"):
            fetcher.fetch(server.url("/big.html"))
    assert not (tmp_path / "sources").exists()


def test_fetcher_too_many_redirects(server: PageServer, tmp_path: Path) -> None:
    server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    with Fetcher(FetchCache(tmp_path / "f", tmp_path / "s"), FetchOptions(delay=0, retries=0)) as fetcher:
        with pytest.raises(FetchError, match="too many redirects"):
            fetcher.fetch(server.url("/loop"))


def test_read_url_file_skips_comments_and_names_a_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "urls.txt"
    good.write_text("# plans\nhttp://127.0.0.1:1/a.html  # first\n\n  https://127.0.0.1:1/b.html\n", encoding="utf-8")
    assert read_url_file(good) == ["http://127.0.0.1:1/a.html", "https://127.0.0.1:1/b.html"]
    bad = tmp_path / "bad.txt"
    bad.write_text("http://127.0.0.1:1/a.html\nplans/b.txt\n", encoding="utf-8")
    with pytest.raises(FetchError, match=r"bad.txt:2: not an http\(s\) URL"):
        read_url_file(bad)


def test_fetcher_keeps_to_the_per_host_limit(server: PageServer, tmp_path: Path) -> None:
    """Four pages of one host, four workers, two requests at once to a host: the server sees two at a time.

    The server holds each request until a second one is in flight (a barrier of two): the pages are
    fetched in parallel, and the most the server saw at once is the per-host limit (a third request
    arriving while a pair is held would be counted)."""
    barrier = threading.Barrier(2, timeout=10)
    lock = threading.Lock()
    state = {"now": 0, "most": 0}

    def gate() -> None:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        try:
            barrier.wait()
        finally:
            with lock:
                state["now"] -= 1

    page = plan_page_bytes(CHANGZHOU, "utf-8")
    for n in range(4):
        server.routes[f"/p{n}.html"] = Route(page, gate=gate)
    options = FetchOptions(delay=0, timeout=20, retries=0, per_host=2, workers=4)
    with Fetcher(FetchCache(tmp_path / "f", tmp_path / "s"), options) as fetcher:
        results = fetcher.fetch_all([server.url(f"/p{n}.html") for n in range(4)])
    assert all(not isinstance(r, FetchError) for r in results)
    assert state["most"] == 2


def test_fetcher_honours_the_crawl_delay_of_robots_txt_for_its_agent(server: PageServer, tmp_path: Path) -> None:
    server.routes["/robots.txt"] = Route(b"User-agent: qgkg\nCrawl-delay: 3\nDisallow: /drafts/\n\n"
                                         b"User-agent: *\nDisallow: /\n", content_type="text/plain")
    with Fetcher(FetchCache(tmp_path / "f", tmp_path / "s"), FetchOptions(delay=0.5)) as fetcher:
        assert fetcher.delay_for(server.url("/a.html")) == 3.0  # our group, not '*', applies
        assert fetcher.robots.allowed(server.url("/a.html"))
        assert not fetcher.robots.allowed(server.url("/drafts/a.html"))
    assert len(server.requests_for("/robots.txt")) == 1
