"""Issue 16 over the wire: a real ``qgkg serve`` on loopback against SSRF, deep nesting, memory bombs,
FROM, control characters, slow clients, and a read-only store's ``/dumps/*.sha256``."""

from __future__ import annotations

import http.client
import json
import os
import select
import shutil
import socket
import stat
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from graph.store import EmbeddedStore
from qgkg.config import DEFAULT_BASE
from tests.conftest import LiveServer
from tests.graph.test_query_guard import service_tricks

pytestmark = pytest.mark.server

PLAN = "https://w3id.org/qgkg/ontology#Plan"
MEMORY_BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?i"


def _get(server: LiveServer, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def _sparql(server: LiveServer, query: str, **params: str) -> tuple[int, bytes]:
    qs = urllib.parse.urlencode({"query": query, **params})
    return _get(server, "/sparql?" + qs, {"Accept": "application/sparql-results+json"})


def test_service_tricks_over_the_wire_are_refused_and_never_connect(live_server: LiveServer) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        for query in service_tricks(listener.getsockname()[1]):
            status, body = _sparql(live_server, query)
            assert status == 400 and b"SERVICE is not allowed" in body, body
        readable, _, _ = select.select([listener], [], [], 0)
        assert readable == []  # nothing ever connected
    finally:
        listener.close()


def test_5000_nested_groups_get_one_line_and_the_worker_lives(live_server: LiveServer) -> None:
    status, body = _get(live_server, "/sparql?" + urllib.parse.urlencode(
        {"query": "SELECT * WHERE " + "{" * 5000 + "}" * 5000}))
    assert status == 400 and b"nests brackets" in body and body.strip().count(b"\n") == 0
    status, _ = _sparql(live_server, "ASK {}")
    assert status == 200


def test_a_memory_bomb_kills_only_its_worker_and_the_client_is_told(corpus_store: Path, start_server) -> None:  # type: ignore[no-untyped-def]
    server = start_server(corpus_store, env={"QGKG_QUERY_MEMORY": "1024", "QGKG_QUERY_TIMEOUT": "120"})
    status, body = _sparql(server, MEMORY_BOMB)
    assert status == 503, body
    message = json.loads(body)["message"]
    assert "died" in message and "replaced" in message and "\n" not in message
    status, body = _sparql(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p a <{PLAN}> }}")
    assert status == 200  # a fresh worker answers


def test_from_is_honoured_like_default_graph_uri(live_server: LiveServer, corpus_store: Path) -> None:
    store = EmbeddedStore(corpus_store, base=DEFAULT_BASE)
    rows = store.select_query(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?g a <{PLAN}> . ?s ?p ?o }} }} "
                              "GROUP BY ?g ORDER BY ?g LIMIT 1")
    plan, size = rows[0]["g"].value, int(rows[0]["n"].value)

    def count(query: str, **params: str) -> int:
        status, body = _sparql(live_server, query, **params)
        assert status == 200, body
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    assert count(f"SELECT (COUNT(*) AS ?n) FROM <{plan}> WHERE {{ ?s ?p ?o }}") == size
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"default-graph-uri": plan}) == size
    assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{plan}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == size
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") > size


@pytest.mark.parametrize("path", [
    "/search?q=a%00b", "/search?q=%07", "/sparql?query=ASK%7B%7D%00", "/network?city=%00", "/network.json?year=%01",
    "/id/city/shanghai?x=%00", "/?q=%1b", "/describe?iri=%00", "/programmes?x%00=1", "/dumps?x=%7f",
    "/id/city/shang%00hai",
])
def test_control_characters_in_any_parameter_are_400(live_server: LiveServer, path: str) -> None:
    status, body = _get(live_server, path)
    assert status == 400, body
    assert b"control character" in body


def test_control_characters_in_a_posted_query_are_400(live_server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=60)
    try:
        conn.request("POST", "/sparql", body=b"ASK { FILTER(\"a\x00b\") }",
                     headers={"Content-Type": "application/sparql-query"})
        assert conn.getresponse().status == 400
    finally:
        conn.close()


def test_150_half_open_connections_do_not_starve_a_normal_client(live_server: LiveServer) -> None:
    slow: list[socket.socket] = []
    try:
        for _ in range(150):  # slowloris: a request line and one header, then silence
            s = socket.create_connection(("127.0.0.1", live_server.port), timeout=30)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        status, _ = _get(live_server, "/sparql?query=ASK%7B%7D")  # the 151st connection is answered
        assert status == 200
    finally:
        for s in slow:
            s.close()


def test_a_silent_half_sent_request_is_closed_by_the_server(corpus_store: Path, start_server) -> None:  # type: ignore[no-untyped-def]
    server = start_server(corpus_store, env={"QGKG_CHANNEL_TIMEOUT": "2"})
    s = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    try:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nquery=")
        assert s.recv(1024) == b""  # closed by the server (channel_timeout), not by our own timeout
    finally:
        s.close()


_SHA_SCRIPT = """
import sys
from web.app import create_app
app = create_app({"STORE": sys.argv[1]})
client = app.test_client()
names = [f["name"] for f in client.get("/dumps", headers={"Accept": "application/json"}).get_json()["files"]]
for name in names:
    r = client.get(f"/dumps/{name}.sha256")
    print(name, r.status_code, r.get_data(as_text=True).split()[0] if r.status_code == 200 else "")
app.extensions["qgkg"].queries.close()
"""


def test_dumps_sha256_on_a_read_only_store_is_served(corpus_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(corpus_store, store, symlinks=True)
    for sha in store.rglob("*.sha256"):
        sha.unlink()
    for path in [store, *store.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    prefix: list[str] = []
    if os.geteuid() == 0:  # root writes through permission bits: drop its capabilities in a user namespace
        if shutil.which("unshare") is None or subprocess.run(["unshare", "-U", "true"]).returncode != 0:
            pytest.skip("running as root without user namespaces: cannot make a store read-only")
        prefix = ["unshare", "-U"]
    try:
        run = subprocess.run([*prefix, sys.executable, "-c", _SHA_SCRIPT, str(store)], capture_output=True,
                             text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])
    finally:
        for path in [store, *store.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [line.split() for line in run.stdout.splitlines()]
    assert lines and all(status == "200" and len(digest) == 64 for _name, status, digest in lines), run.stdout
