"""A real HTTP server on a loopback port for the fetch tests, serving pages the tests write.

``PageServer`` runs ``http.server.ThreadingHTTPServer`` on 127.0.0.1 (port chosen by the OS) in
a thread. Each path answers a ``Route``: a status, a body, headers, an ETag or Last-Modified
honoured for conditional requests (304), a redirect, or a ``threading.Event`` it waits on
before answering (a slow page: the test sets the event when it is done). Every request is
recorded with its headers, so that tests can assert what a client sent. Never an outside address.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    wait: threading.Event | None = None  # answer only once this is set (or after 30 s)
    statuses: list[int] = field(default_factory=list)  # answered first, one per request, before ``status``
    gate: Callable[[], None] | None = None  # called (in the request's thread) before answering


@dataclass
class Seen:
    """A request the server received."""

    path: str
    headers: dict[str, str]


class PageServer:
    """The server: ``routes`` by path, ``seen`` requests, ``url(path)``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with server.lock:
                    server.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                    route = server.routes.get(self.path)
                    status = route.statuses.pop(0) if route is not None and route.statuses else None
                if route is None:
                    self._answer(404, b"not found", "text/plain", {})
                    return
                if route.wait is not None:
                    route.wait.wait(30)
                if route.gate is not None:
                    route.gate()
                headers = dict(route.headers)
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                if status is not None:
                    self._answer(status, b"try again", "text/plain", {})
                    return
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if (route.etag and inm == route.etag) or (not route.etag and route.last_modified
                                                          and ims == route.last_modified):
                    self._answer(304, b"", None, headers)
                    return
                self._answer(route.status, route.body, route.content_type, headers)

            def _answer(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str]) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)) if status != 304 else "0")
                self.end_headers()
                if status != 304:
                    try:
                        self.wfile.write(body)
                    except OSError:  # the client gave up (a timeout test)
                        pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="page-server", daemon=True)

    def url(self, path: str) -> str:
        """The URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_for(self, path: str) -> list[Seen]:
        """The requests the server received for ``path``."""
        with self.lock:
            return [s for s in self.seen if s.path == path]


@contextmanager
def page_server() -> Iterator[PageServer]:
    """A running ``PageServer``, shut down afterwards (every waiting route released first)."""
    server = PageServer()
    server.thread.start()
    try:
        yield server
    finally:
        for route in server.routes.values():
            if route.wait is not None:
                route.wait.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(10)


def portal_page(article_lines: list[str], *, charset: str = "gb2312", title_suffix: str = "_市人民政府门户网站",
                published: str = "2022-08-26") -> str:
    """A government-portal page around an article: menus, breadcrumbs, 阅读/评论/举报, related headlines, footer."""
    import html

    title, rest = article_lines[0], article_lines[1:]
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in rest)
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(title)}{title_suffix}</title><meta name="PubDate" content="{published} 09:30"></head>
<body>
<div class="top"><a href="/">首页</a> | <a href="/zw/">政务公开</a> | <a href="/fw/">政务服务</a>
 | <a href="/hd/">互动交流</a></div>
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="main">
<h1>{html.escape(title)}</h1>
<div class="info">发布时间：{published} 09:30　来源：市市场监管局　阅读：1024　【字体：大 中 小】</div>
<div class="content">
{body}
</div>
<div class="tools">【打印本页】【关闭窗口】 评论 举报 分享到：微信 微博</div>
<div class="xg"><h3>相关新闻</h3><ul><li><a href="/1.html">市领导调研重点项目建设情况</a></li>
<li><a href="/2.html">我市召开安全生产工作会议</a></li>
<li><a href="/3.html">全市秋季招聘会本周六举行</a></li></ul></div>
</div>
<div class="foot">主办：市人民政府办公室　版权所有　网站标识码 0000000001　备案号 00000000号</div>
</body></html>"""
