"""Fetch figures on loopback: ``python -m bench.fetch [--pages N] [--work DIR]``.

Starts an HTTP server on 127.0.0.1 (a port the OS chooses) serving N generated portal pages
(GBK, with menus, breadcrumbs and related headlines around a numbered plan; each with an ETag),
then measures, with the fetch delay off:

* ``fetch_pages_per_s``: ``fetch.Fetcher.fetch_all`` alone (robots.txt, GET, cache writes);
* ``build_pages_per_s``: ``qgkg build URL…`` of all pages into an empty store (fetch, article
  extraction, SHACL, writing the version and its side tables);
* ``rebuild``: a second build of the same URLs: conditional requests, the share answered
  ``304 Not Modified`` (the cache hit rate), the pages extracted again (none expected), its time.

With ``--endpoint URL`` (a SPARQL server's query URL, e.g. an ``oxigraph serve`` on loopback; its
database is written to) both builds go there (``qgkg build URL… --endpoint``): the plans are
written to the server, the cache is kept in the work folder's ``remote/<endpoint>/``.

Printed as JSON. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CITIES = ("无锡市", "常州市", "苏州市", "南通市", "扬州市", "镇江市", "泰州市", "徐州市")
ITEMS = (
    ("举办全市“质量月”启动仪式", "发布年度质量提升重点任务", "市市场监管局"),
    ("开展首席质量官培训", "面向重点产业企业开展任职培训", "市工业和信息化局"),
    ("开展“质量开放日”活动", "组织市民代表走进检验检测机构", "市市场监管局"),
    ("开展建设工程质量观摩", "组织在建重点工程开展标准化观摩", "市住房城乡建设局"),
    ("开展重点工业产品质量安全专项整治", "对电动自行车、儿童用品开展监督抽查", "市市场监管局"),
    ("开展品牌建设宣传周", "推介一批本地制造优质品牌", "市工业和信息化局"),
)


def page(n: int) -> bytes:
    """The n-th generated page: a city and year by n, four to six items, furniture around them."""
    city, year = CITIES[n % len(CITIES)], 2015 + n % 9
    items = ITEMS[: 4 + n % 3]
    lines = [f"　　为推动质量强市建设，结合我市实际，制定{year}年“质量月”活动方案（第{n}号）。", "　　一、主要活动"]
    lines += [f"　　{i}.{t}。{d}。（牵头单位：{a}）" for i, (t, d, a) in enumerate(items, start=1)]
    lines += ["　　二、活动要求", "　　各牵头单位要细化方案，落实专人负责。",
              f"{city}质量强市工作领导小组办公室", f"{year}年8月25日"]
    title = f"{city}{year}年“质量月”活动方案"
    body = "\n".join(f"<p>{html.escape(x)}</p>" for x in lines)
    return f"""<html><head><meta charset="gbk"><title>{title}_门户网站</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/zw/">政务公开</a> <a href="/fw/">政务服务</a></div>
<div class="crumb">当前位置：首页 &gt; 通知公告</div><div class="main"><h1>{title}</h1>
<div class="info">发布时间：{year}-08-26　阅读：{100 + n}　评论 举报</div><div class="content">{body}</div>
<div class="xg"><h3>相关新闻</h3><ul><li>市领导调研重点项目</li><li>全市秋季招聘会举行</li></ul></div></div>
<div class="foot">版权所有 网站标识码 000000</div></body></html>""".encode("gbk")


def serve(pages: dict[str, bytes]) -> tuple[ThreadingHTTPServer, list[str]]:
    """A loopback server of ``pages`` (ETag = sha256), recording the If-None-Match of each request."""
    conditional: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            data = pages.get(self.path)
            if data is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match"):
                conditional.append(self.path)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=GBK")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, conditional


def main(argv: list[str]) -> int:
    """Measure and print."""
    from fetch import FetchCache, Fetcher, FetchOptions
    from graph.build.remote import build_remote
    from qgkg.build import build
    from qgkg.config import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--endpoint", default=None, help="build into this SPARQL server instead of a store")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="qgkg-bench-fetch-"))
    pages = {f"/zw/{n:05d}.html": page(n) for n in range(args.pages)}
    httpd, conditional = serve(pages)
    try:
        port = httpd.server_address[1]
        urls = [f"http://127.0.0.1:{port}{p}" for p in pages]
        options = FetchOptions(delay=0.0, timeout=10.0, retries=0)
        t0 = time.perf_counter()
        with Fetcher(FetchCache(work / "fetch-only" / "fetch", work / "fetch-only" / "sources"), options) as f:
            results = f.fetch_all(urls)
        fetch_s = time.perf_counter() - t0
        failed = sum(1 for r in results if isinstance(r, Exception))
        store = work / "store"
        shutil.rmtree(store, ignore_errors=True)

        def build_all() -> object:
            if args.endpoint:
                return build_remote(Settings(store=store, endpoint=args.endpoint), [], urls=urls, fetch=options,
                                    jobs=2)
            return build(store, [], urls=urls, fetch=options, jobs=2)

        t0 = time.perf_counter()
        first: Any = build_all()
        build_s = time.perf_counter() - t0
        conditional.clear()
        t0 = time.perf_counter()
        second: Any = build_all()
        rebuild_s = time.perf_counter() - t0
    finally:
        httpd.shutdown()
        httpd.server_close()
    out = {
        "store": args.endpoint or "embedded",
        "pages": args.pages,
        "page_bytes_mean": round(sum(map(len, pages.values())) / len(pages)),
        "fetch_seconds": round(fetch_s, 3), "fetch_pages_per_s": round(args.pages / fetch_s, 1),
        "fetch_failed": failed,
        "build_seconds": round(build_s, 2), "build_pages_per_s": round(args.pages / build_s, 1),
        "build_extracted": first.files_extracted, "build_errors": len(first.errors), "plans": first.plans,
        "rebuild_seconds": round(rebuild_s, 2),
        "rebuild_conditional_requests": len(conditional),
        "rebuild_not_modified": second.pages_not_modified,
        "rebuild_cache_hit_rate": round(second.pages_not_modified / args.pages, 3),
        "rebuild_extracted": second.files_extracted,
    }
    if not args.endpoint:  # a remote build has no version (its "version" is the endpoint's URL)
        out["rebuild_version_unchanged"] = first.version == second.version
    print(json.dumps(out, indent=1))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
