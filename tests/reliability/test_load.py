"""A bounded load test of ``qgkg serve`` on loopback: 20 concurrent clients for 45 seconds.

The mix: entity pages (HTML and Turtle), canned analyst queries through ``/sparql`` and a
dump download, from 20 clients on distinct loopback addresses (``tests/reliability/load.py``).
Every request must succeed; latencies (p50, p99), requests per second and the server's resident
memory before and after go to ``test-output/load.json``.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.queries import canned_queries
from tests.reliability.load import ENTITIES, OUTPUT, Sample, client_address, client_for, percentile, rss_mb

CLIENTS = 20
SECONDS = 45.0
SEED = 7
MIX = (("page", 0.55), ("query", 0.35), ("dump", 0.10))
QUERIES = ("activities_by_city_year", "agencies_by_activities_led", "coleading_agency_pairs", "plans_by_city_year")


def _requests(base: str, entities: list[str]) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """The requests of each kind: (path with query string, headers)."""
    canned = canned_queries()
    pages = []
    for iri in entities:
        path = "/id/" + iri.split("/id/", 1)[1]
        pages.append((path, {"Accept": "text/html"}))
        pages.append((path, {"Accept": "text/turtle"}))
    queries = [("/sparql?" + httpx.QueryParams({"query": canned[name].text}).__str__(),
                {"Accept": "application/sparql-results+json"}) for name in QUERIES]
    return {"page": pages, "query": queries, "dump": [("/dumps/qgkg.nt.gz", {})]}


async def _client(http: httpx.AsyncClient, rng: random.Random, requests: dict[str, Any], deadline: float,
                  samples: list[Sample]) -> None:
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        path, headers = rng.choice(requests[kind])
        started = time.monotonic()
        try:
            response = await http.get(path, headers=headers)
            await response.aread()
            samples.append(Sample(kind, response.status_code, time.monotonic() - started))
        except httpx.HTTPError as exc:
            samples.append(Sample(kind, 0, time.monotonic() - started, f"{type(exc).__name__}: {exc}"))


async def _load(base: str, requests: dict[str, Any]) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    clients = [client_for(base, client_address(i), timeout=60) for i in range(CLIENTS)]  # 20 distinct users
    try:
        started = time.monotonic()
        deadline = started + SECONDS
        await asyncio.gather(*(_client(http, random.Random(SEED * 100 + i), requests, deadline, samples)
                               for i, http in enumerate(clients)))
        return samples, time.monotonic() - started
    finally:
        for http in clients:
            await http.aclose()


@pytest.mark.slow
@pytest.mark.server
def test_serve_holds_20_clients_without_a_failed_request(tmp_path: Path, corpus_store: Path,
                                                        start_server) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    shutil.copytree(corpus_store, store, symlinks=True)
    server = start_server(store)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        answer = http.get("/sparql", params={"query": ENTITIES}, headers={"Accept": "application/sparql-results+json"})
        entities = [b["s"]["value"] for b in answer.json()["results"]["bindings"]]
        requests = _requests(server.url, entities)
        for kind in requests.values():  # warm-up: every request once, so that caches are filled
            for path, headers in kind:
                assert http.get(path, headers=headers).status_code == 200, path
    rss_before = rss_mb(server.process.pid)
    samples, elapsed = asyncio.run(_load(server.url, requests))
    rss_after = rss_mb(server.process.pid)
    failed = [s for s in samples if s.status != 200]
    latencies = [s.seconds for s in samples]
    figures = {
        "clients": CLIENTS, "seconds": round(elapsed, 1), "requests": len(samples), "failed": len(failed),
        "requests_per_second": round(len(samples) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1), "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "by_kind": {kind: {"requests": len(ks), "p50_ms": round(statistics.median(ks) * 1000, 1),
                           "p99_ms": round(percentile(ks, 99) * 1000, 1)}
                    for kind in requests
                    if (ks := [s.seconds for s in samples if s.kind == kind])},
        "server_rss_mb_before": round(rss_before), "server_rss_mb_after": round(rss_after),
        "distinct_requests": {kind: len(v) for kind, v in requests.items()},
        "failures": [f"{s.kind} {s.status} {s.error}" for s in failed[:20]],
    }
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "load.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    assert len(samples) > CLIENTS * 10
    assert not failed, figures["failures"]
    assert rss_after < 2 * rss_before + 200, figures
