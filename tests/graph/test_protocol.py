"""How the remote client speaks HTTP (graph/store/protocol.py): the way of asking each server answers,
falling back where one refuses, and one-line errors instead of hangs.

The servers here are real and on loopback: an Oxigraph server behind a small proxy that refuses one way
of asking (as some servers do), and a socket that accepts connections and never answers.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graph.store.protocol import _UPDATE_WAY, forget, server_of
from graph.store.remote import RemoteStore, RemoteWriter, derive_endpoints
from qgkg.config import Settings
from qgkg.errors import StoreError
from tests.graph.sparql_servers import SparqlServer, start_oxigraph
from tests.graph.test_cli import assert_one_line_error, qgkg

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


@dataclass
class Refusing:
    """A proxy to a real server that answers ``status`` to the requests ``refuses`` picks."""

    upstream: str  # http://127.0.0.1:PORT
    refuse: set[tuple[str, str]] = field(default_factory=set)  # (method, content type or path prefix)
    status: int = 415
    seen: list[tuple[str, str]] = field(default_factory=list)

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        """Serve on a free loopback port; yields the proxy's base URL."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                kind = self.headers.get("Content-Type", "").split(";")[0]
                proxy.seen.append((self.command, kind or self.path))
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                if (self.command, kind) in proxy.refuse or any(
                        self.command == m and self.path.startswith(p) for m, p in proxy.refuse):
                    self.send_response(proxy.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                req = urllib.request.Request(proxy.upstream + self.path, data=body or None, headers=headers,
                                             method=self.command)
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, rtype, data = r.status, r.headers.get("Content-Type", ""), r.read()
                except urllib.error.HTTPError as exc:
                    status, rtype, data = exc.code, exc.headers.get("Content-Type", ""), exc.read()
                self.send_response(status)
                if rtype:
                    self.send_header("Content-Type", rtype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815 (http.server names them)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def _refusing(oxigraph: SparqlServer, refuse: set[tuple[str, str]], status: int = 415) -> Refusing:
    return Refusing(oxigraph.url.rsplit("/", 1)[0], refuse, status)


def test_form_refused_falls_back_to_a_direct_post(oxigraph: SparqlServer) -> None:
    proxy = _refusing(oxigraph, {("POST", "application/x-www-form-urlencoded")})
    with proxy.running() as base:
        try:
            store = RemoteStore(Settings(endpoint=base + "/query"))
            assert store.ask("ASK {}")
            assert server_of(base + "/query", timeout=5).way == "direct"
            assert ("POST", "application/sparql-query") in proxy.seen
        finally:
            forget(base + "/query")


def test_both_posts_refused_falls_back_to_get(oxigraph: SparqlServer) -> None:
    proxy = _refusing(oxigraph, {("POST", "/query")}, status=405)
    with proxy.running() as base:
        try:
            store = RemoteStore(Settings(endpoint=base + "/query"))
            assert store.select_query("SELECT (1 AS ?one) WHERE {}")[0]["one"].value == "1"
            assert server_of(base + "/query", timeout=5).way == "get"
        finally:
            forget(base + "/query")


def test_update_form_refused_falls_back_to_a_direct_post(oxigraph: SparqlServer) -> None:
    proxy = _refusing(oxigraph, {("POST", "application/x-www-form-urlencoded")})
    with proxy.running() as base:
        try:
            writer = RemoteWriter(derive_endpoints(base + "/query"))
            writer.update("INSERT DATA { GRAPH <http://e/g-update> { <http://e/s> <http://e/p> \"更新\" } }")
            assert _UPDATE_WAY[base + "/update"] == "direct"
            direct = RemoteStore(Settings(endpoint=oxigraph.url))
            assert direct.ask('ASK { GRAPH <http://e/g-update> { ?s ?p "更新" } }')
        finally:
            forget(base + "/update")


def test_graph_store_refused_writes_by_update(oxigraph: SparqlServer) -> None:
    with _refusing(oxigraph, {("PUT", "/store")}, status=405).running() as base:
        writer = RemoteWriter(derive_endpoints(base + "/query"))
        nt = "".join(f'<http://e/s{i}> <http://e/p> "第{i}" .\n' for i in range(2500))  # three INSERT DATA chunks
        writer.replace_graphs([("http://e/g-gsp", nt)])
        assert not writer.use_gsp
    remote = RemoteStore(Settings(endpoint=oxigraph.url))
    rows = remote.select_query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://e/g-gsp> { ?s ?p ?o } }")
    assert rows[0]["n"].value == "2500"


@pytest.fixture()
def silent_server() -> Iterator[str]:
    """A loopback socket that accepts connections, reads the request and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def test_server_that_never_answers_is_a_one_line_error(silent_server: str) -> None:
    store = RemoteStore(Settings(endpoint=silent_server, query_timeout=0.5))
    with pytest.raises(StoreError) as info:
        store.ask("ASK { ?s ?p ?o }")
    message = str(info.value)
    assert "\n" not in message and message.startswith(silent_server)
    assert "answered no SPARQL query" in message and "no answer in 0.5 s" in message
    forget(silent_server)


def test_cli_against_a_server_that_never_answers_exits_1_with_one_line(
    silent_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QGKG_QUERY_TIMEOUT", "0.5")
    proc = qgkg("query", "ASK {}", "--endpoint", silent_server, store=tmp_path)
    assert proc.returncode == 1
    assert_one_line_error(proc, silent_server, "answered no SPARQL query")
