"""Two hostile clients must not deny service to the others (issue 15): a real ``qgkg serve`` on loopback,
20 clients for 60 seconds.

* 18 clients (127.0.0.10–27), one request at a time each, mix entity pages (HTML and Turtle),
  small SELECTs through ``/sparql`` (5-row SELECTs and the four canned analyst queries), search,
  the Shanghai 2021 network page and the N-Triples dump: every one must be answered (200), with a
  p99 under 1 s.
* 2 clients (127.0.0.2 and 127.0.0.3), 8 connections each, send queries that run into the time
  limit, again and again, one second after each answer (ignoring a longer Retry-After): each gets
  429 at once beyond its share (1 running + 4 waiting), 503 when its query is stopped at the time
  limit or has waited too long; never a 200, never a connection error.
* The server's memory (its process and its query workers), after a warm-up pass before and after,
  must come back within 10% of where it started.

The server runs with its defaults (6 query workers, 1 running + 4 waiting per client, 16 waiting in
all, 8 threads kept for pages) except the time limit, 10 s instead of 30 s, so that the hostile
queries are stopped six times in the minute and the last of them ends soon after it. Figures go to
``test-output/fair-load.json`` and docs/RELIABILITY.md ("Fairness between clients").
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.queries import canned_queries
from tests.reliability.load import (
    OUTPUT,
    Sample,
    client_address,
    client_for,
    entity_paths,
    figures_of,
    percentile,
    rss_mb,
    sparql_path,
)

SECONDS = float(os.environ.get("FAIR_LOAD_SECONDS", "60"))  # overridable to reproduce the docs' variants
TIME_LIMIT = 10.0
WAIT_LIMIT = TIME_LIMIT + 5.0  # graph.query.admission.KILL_MARGIN
CHEAP_CLIENTS = 18
HOSTILE = ("127.0.0.2", "127.0.0.3")
HOSTILE_CONNECTIONS = 8
HOSTILE_PAUSE = float(os.environ.get("FAIR_LOAD_PAUSE", "1"))  # 0: hostile clients retry at once
SEED = 15
MIX = (("page", 0.40), ("select", 0.30), ("search", 0.10), ("network", 0.10), ("dump", 0.10))
QG = "https://w3id.org/qgkg/ontology#"
SMALL_SELECTS = (
    f"SELECT ?p ?t WHERE {{ ?p a <{QG}Plan> ; <http://purl.org/dc/terms/title> ?t }} ORDER BY ?p LIMIT 5",
    f"SELECT ?a ?l WHERE {{ ?a a <{QG}Agency> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }} LIMIT 5",
    f"SELECT ?x ?m WHERE {{ ?x a <{QG}Activity> ; <{QG}marker> ?m }} LIMIT 5",
    f"SELECT ?c WHERE {{ ?c a <{QG}City> }} LIMIT 5",
)
SEARCHES = ("质量", "市场监督管理局", "上海", "标准化")
CANNED = ("activities_by_city_year", "agencies_by_activities_led", "coleading_agency_pairs", "plans_by_city_year")
LIMIT_HITTING = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _cheap_requests(base: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """The cheap requests of each kind: (path with query string, headers)."""
    pages = []
    for path in entity_paths(base):
        pages += [(path, {"Accept": "text/html"}), (path, {"Accept": "text/turtle"})]
    canned = canned_queries()
    selects = [sparql_path(q) for q in SMALL_SELECTS] + [sparql_path(canned[name].text) for name in CANNED]
    json_results = {"Accept": "application/sparql-results+json"}
    return {
        "page": pages,
        "select": [(path, json_results) for path in selects],
        "search": [("/search?" + str(httpx.QueryParams({"q": q})), {}) for q in SEARCHES],
        "network": [("/network?" + str(httpx.QueryParams({"city": "上海市", "year": "2021"})), {}),
                    ("/network.json?" + str(httpx.QueryParams({"city": "上海市", "year": "2021"})), {})],
        "dump": [("/dumps/qgkg.nt.gz", {})],
    }


async def _get(http: httpx.AsyncClient, kind: str, path: str, headers: dict[str, str]) -> Sample:
    started = time.monotonic()
    try:
        response = await http.get(path, headers={"Accept": "text/plain", **headers})
        body = await response.aread()
        detail = "" if response.status_code == 200 else body.decode("utf-8", "replace").split("\n", 1)[0][:200]
        if response.status_code in (429, 503):
            detail += f" [Retry-After {response.headers.get('Retry-After')}]"
        return Sample(kind, response.status_code, time.monotonic() - started, detail=detail)
    except httpx.HTTPError as exc:
        return Sample(kind, 0, time.monotonic() - started, f"{type(exc).__name__}: {exc}")


async def _cheap(http: httpx.AsyncClient, rng: random.Random, requests: dict[str, Any], deadline: float,
                 samples: list[Sample]) -> None:
    kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        path, headers = rng.choice(requests[kind])
        samples.append(await _get(http, kind, path, headers))


async def _hostile(http: httpx.AsyncClient, deadline: float, samples: list[Sample]) -> None:
    while time.monotonic() < deadline:
        samples.append(await _get(http, "hostile", sparql_path(LIMIT_HITTING), {"Accept": "application/json"}))
        await asyncio.sleep(HOSTILE_PAUSE)  # a client's own pacing, not a wait for the server


async def _load(base: str, requests: dict[str, Any]) -> tuple[list[Sample], list[Sample], float, float]:
    cheap: list[Sample] = []
    hostile: list[Sample] = []
    cheap_clients = [client_for(base, client_address(i)) for i in range(CHEAP_CLIENTS)]
    hostile_clients = [client_for(base, address) for address in HOSTILE]
    try:
        started = time.monotonic()
        deadline = started + SECONDS
        tasks = [asyncio.create_task(_cheap(http, random.Random(SEED * 100 + i), requests, deadline, cheap))
                 for i, http in enumerate(cheap_clients)]
        tasks += [asyncio.create_task(_hostile(http, deadline, hostile))
                  for http in hostile_clients for _ in range(HOSTILE_CONNECTIONS)]
        await asyncio.gather(*tasks)  # the hostile queries still out at the deadline are answered too
        return cheap, hostile, deadline - started, time.monotonic() - deadline
    finally:
        for http in cheap_clients + hostile_clients:
            await http.aclose()


def _timings(samples: list[Sample]) -> dict[str, Any]:
    """Count and latencies of refusals (their status is the point, not an error)."""
    return {k: v for k, v in figures_of(samples).items() if k != "errors"}


def _warm(base: str, requests: dict[str, Any], kinds: tuple[str, ...]) -> None:
    """Every request of the given kinds once, from one client (the query workers answer in turn)."""
    with httpx.Client(base_url=base, timeout=120) as http:
        for kind in kinds:
            for path, headers in requests[kind]:
                assert http.get(path, headers=headers).status_code == 200, path


@pytest.mark.slow
@pytest.mark.server
def test_two_hostile_clients_do_not_deny_service_to_18_others(tmp_path: Path, corpus_store: Path,
                                                              start_server) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    shutil.copytree(corpus_store, store, symlinks=True)
    server = start_server(store, args=("--query-timeout", str(TIME_LIMIT)))
    requests = _cheap_requests(server.url)
    _warm(server.url, requests, tuple(requests))
    rss_before = rss_mb(server.process.pid)
    cheap, hostile, elapsed, drain = asyncio.run(_load(server.url, requests))
    _warm(server.url, requests, ("select", "search", "network"))  # the workers that replaced killed ones load
    rss_after = rss_mb(server.process.pid)

    def by_status(status: int, text: str = "") -> list[Sample]:
        return [s for s in hostile if s.status == status and text in s.detail]

    refused_429, limit_503 = by_status(429), by_status(503, "time limit")
    waited_503, full_503 = by_status(503, "waited"), by_status(503, "queue is full")
    figures = {
        "command": "python -m pytest tests/reliability/test_fair_load.py",
        "server": f"qgkg serve --query-timeout {TIME_LIMIT:g} (other limits at their defaults)",
        "seconds": round(elapsed, 1), "drain_seconds": round(drain, 1), "hostile_pause": HOSTILE_PAUSE,
        "cheap_clients": CHEAP_CLIENTS, "hostile_clients": len(HOSTILE), "hostile_connections": HOSTILE_CONNECTIONS,
        "cheap": figures_of(cheap),
        "cheap_by_kind": {kind: figures_of([s for s in cheap if s.kind == kind]) for kind, _ in MIX},
        "hostile": {
            "requests": len(hostile),
            "429": _timings(refused_429),
            "503_time_limit": _timings(limit_503),
            "503_waited": _timings(waited_503),
            "503_queue_full": _timings(full_503),
            "other": sorted({f"{s.status} {s.error or s.detail}" for s in hostile
                             if s.status not in (429, 503)})[:10],
        },
        "server_rss_mb_before": round(rss_before), "server_rss_mb_after": round(rss_after),
        "rss_change_percent": round(100 * (rss_after - rss_before) / rss_before, 1),
        "cheap_failures": [f"{s.kind} {s.status} {s.error or s.detail}" for s in cheap if s.status != 200][:20],
        "retry_after_429": sorted({s.detail.rsplit("Retry-After ", 1)[-1].rstrip("]") for s in refused_429}),
    }
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "fair-load.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")

    latencies = [s.seconds for s in cheap]
    assert len(cheap) > CHEAP_CLIENTS * 20, figures
    assert not figures["cheap_failures"], figures
    assert percentile(latencies, 99) < 1.0, figures
    assert all(s.status in (429, 503) for s in hostile), figures  # refused or stopped, never run to the end
    assert refused_429 and limit_503, figures
    assert percentile([s.seconds for s in refused_429], 99) < 1.0, figures  # refused at once
    assert max(s.seconds for s in limit_503) < WAIT_LIMIT + TIME_LIMIT + 5, figures
    assert rss_after <= 1.10 * rss_before, figures
