"""Fairness between clients on ``/sparql``: a client over its share gets 429 with Retry-After at once,
other clients and the pages are answered meanwhile; the limits come from the settings and
``qgkg serve``'s options (docs/RELIABILITY.md, "Fairness between clients").

Distinct clients are distinct remote addresses: the Flask test client sets ``REMOTE_ADDR``; over the
wire, client sockets are bound to 127.0.0.x source addresses (Linux routes all of 127/8 on loopback).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from qgkg.cli import main
from tests.conftest import LiveServer

CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT_PLANS = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/qgkg/ontology#Plan> }"
DEADLINE = 60.0


def _until(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < end, f"never: {what}"
        threading.Event().wait(0.02)


def _sparql(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def _get(app: Flask, path: str, address: str, accept: str = "text/plain") -> tuple[int, dict[str, str], str]:
    response = app.test_client().get(path, headers={"Accept": accept}, environ_base={"REMOTE_ADDR": address})
    return response.status_code, dict(response.headers), response.get_data(as_text=True)


def test_a_client_over_its_share_gets_429_with_retry_after_while_others_are_answered(
    corpus_store: Path, make_app
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(corpus_store, QUERY_TIMEOUT=4, QUERY_WORKERS=2, PER_CLIENT=1, CLIENT_QUEUE=0)
    admission = app.extensions["qgkg"].queries.admission
    slow: dict[str, tuple[int, dict[str, str], str]] = {}
    thread = threading.Thread(target=lambda: slow.setdefault("r", _get(app, _sparql(CROSS_PRODUCT), "10.0.0.1")))
    thread.start()
    _until(lambda: admission.snapshot().running == {"10.0.0.1": 1}, "the slow query runs")

    status, headers, body = _get(app, _sparql(COUNT_PLANS), "10.0.0.1")
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 4
    assert body.startswith("429 Too Many Requests: too many queries from 10.0.0.1: 1 running and 0 waiting")
    assert body.count("\n") == 1 and "Traceback" not in body
    status, headers, body = _get(app, _sparql(COUNT_PLANS), "10.0.0.1", accept="application/json")
    assert status == 429 and json.loads(body)["status"] == 429 and "Retry-After" in headers
    status, headers, body = _get(app, _sparql(COUNT_PLANS), "10.0.0.1", accept="text/html")
    assert status == 429 and "Retry-After" in headers and "too many queries" in body  # the editor says it

    status, _, body = _get(app, _sparql(COUNT_PLANS), "10.0.0.2", accept="application/sparql-results+json")
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] != "0"
    status, _, _ = _get(app, "/id/agency/shanghai/market-regulation", "10.0.0.1", accept="text/turtle")
    assert status == 200  # pages are never refused
    assert admission.snapshot().running == {"10.0.0.1": 1}  # all of it while the slow query ran

    thread.join(DEADLINE)
    status, headers, body = slow["r"]
    assert status == 503 and "time limit" in body and "Retry-After" in headers
    figures = admission.snapshot()
    assert figures.refused_client == 3 and figures.running == {} and figures.waiting == {}


def test_query_limits_come_from_the_environment_and_config_wins(
    corpus_store: Path, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    for name, value in (("QUERY_WORKERS", "3"), ("PER_CLIENT", "1"), ("CLIENT_QUEUE", "2"), ("QUERY_QUEUE", "9")):
        monkeypatch.setenv(f"QGKG_{name}", value)
    limits = make_app(corpus_store).extensions["qgkg"].queries.limits
    assert (limits.workers, limits.per_client, limits.client_queue, limits.queue) == (3, 1, 2, 9)
    limits = make_app(corpus_store, QUERY_WORKERS=5, CLIENT_QUEUE=0).extensions["qgkg"].queries.limits
    assert (limits.workers, limits.per_client, limits.client_queue, limits.queue) == (5, 1, 0, 9)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--query-workers", "0"), ("--per-client", "0"), ("--client-queue", "-1"), ("--query-queue", "x"),
     ("--query-timeout", "0")],
)
def test_serve_refuses_bad_limits_as_a_usage_error(option: str, value: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "s"), option, value])
    assert result.exit_code == 2
    assert option in result.output and "Traceback" not in result.output


def _request(server: LiveServer, path: str, source: str, headers: dict[str, str] | None = None
             ) -> tuple[int, dict[str, str], bytes, float]:
    """GET over a socket bound to the source address ``source``; status, headers, body and seconds taken."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=DEADLINE, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Accept": "text/plain", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read(), time.monotonic() - started
    finally:
        conn.close()


@pytest.mark.server
def test_serve_options_limit_each_address_and_trust_only_the_proxy(corpus_store: Path, start_server) -> None:  # type: ignore[no-untyped-def]
    limit = 4.0
    server = start_server(corpus_store, args=("--query-workers", "3", "--per-client", "1", "--client-queue", "0",
                                              "--query-timeout", str(limit), "--trusted-proxy", "127.0.0.9"))
    for hostile, hostile_headers, other, other_headers in (
        ("127.0.0.2", {"X-Forwarded-For": "198.51.100.1"}, "127.0.0.3", {}),  # the header of a non-proxy is ignored
        ("127.0.0.9", {"X-Forwarded-For": "203.0.113.5"}, "127.0.0.9", {"X-Forwarded-For": "203.0.113.6"}),
    ):
        answers: list[tuple[int, dict[str, str], bytes, float]] = []
        threads = [threading.Thread(target=lambda: answers.append(
            _request(server, _sparql(CROSS_PRODUCT), hostile, hostile_headers))) for _ in range(2)]
        for thread in threads:
            thread.start()
        _until(lambda: len(answers) == 1, "one of the two slow queries is answered")
        status, headers, body, seconds = answers[0]
        assert status == 429, body  # refused at once, the other one runs
        assert seconds < limit and 1 <= int(headers["Retry-After"]) <= limit
        assert b"too many queries from" in body and body.count(b"\n") == 1
        cheap = _request(server, _sparql(COUNT_PLANS), other, other_headers)
        page = _request(server, "/id/agency/shanghai/market-regulation", hostile, {"Accept": "text/turtle"})
        assert len(answers) == 1  # both answered while the slow query still ran
        assert cheap[0] == 200 and page[0] == 200
        for thread in threads:
            thread.join(DEADLINE)
        status, headers, body, seconds = answers[1]
        assert status == 503 and b"time limit" in body and "Retry-After" in headers


@pytest.mark.server
def test_pages_are_answered_while_user_sparql_holds_every_place_it_may(corpus_store: Path, start_server) -> None:  # type: ignore[no-untyped-def]
    # one page thread, one query worker and one place in the queue: two held queries take the two threads
    # the admission may hold, a third is refused at once, and the page still has its own thread
    server = start_server(corpus_store, threads=1, args=("--query-workers", "1", "--query-queue", "1",
                                                         "--query-timeout", "5"))
    answers: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
    sources = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
    threads = [threading.Thread(target=lambda s=s: answers.setdefault(s, _request(server, _sparql(CROSS_PRODUCT), s)))
               for s in sources]
    for thread in threads:
        thread.start()
    _until(lambda: len(answers) == 1, "one of the three slow queries is answered")
    ((first, (status, headers, body, _)),) = answers.items()
    assert status == 503 and b"queue is full" in body and int(headers["Retry-After"]) >= 1, body
    page = _request(server, "/id/agency/shanghai/market-regulation", "127.0.0.5", {"Accept": "text/html"})
    search = _request(server, "/search?q=%E8%B4%A8%E9%87%8F", "127.0.0.5")
    assert page[0] == 200 and search[0] == 200
    assert len(answers) == 1  # answered while both held queries still ran or waited
    for thread in threads:
        thread.join(DEADLINE)
    assert sorted(answer[0] for answer in answers.values()) == [503, 503, 503]
    held = [answers[s][2] for s in sources if s != first]
    assert all(b"time limit" in body for body in held), held  # the waiting one ran when the first was killed
