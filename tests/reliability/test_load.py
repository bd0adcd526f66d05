"""A bounded load test of ``qgkg serve`` on loopback: 20 concurrent clients for 45 seconds.

The mix: entity pages (HTML and Turtle), canned analyst queries through ``/sparql`` and a
dump download. Every request must succeed; latencies (p50, p99), requests per second and the
server's resident memory before and after go to ``test-output/load.json``.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.queries import canned_queries

CLIENTS = 20
SECONDS = 45.0
SEED = 7
MIX = (("page", 0.55), ("query", 0.35), ("dump", 0.10))
QUERIES = ("activities_by_city_year", "agencies_by_activities_led", "coleading_agency_pairs", "plans_by_city_year")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "load.json"
ENTITIES = """SELECT DISTINCT ?s WHERE {
  { ?s a <https://w3id.org/qgkg/ontology#Agency> } UNION { ?s a <https://w3id.org/qgkg/ontology#Plan> }
  UNION { ?s a <https://w3id.org/qgkg/ontology#Activity> } UNION { ?s a <https://w3id.org/qgkg/ontology#City> }
} ORDER BY ?s"""


@dataclass(frozen=True)
class Sample:
    """One request's kind, outcome and latency."""

    kind: str
    status: int
    seconds: float
    error: str = ""


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the query workers), in MB."""
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0) / 1024
        for task in Path(f"/proc/{current}/task").iterdir():
            try:
                stack.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return total


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank rule."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


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
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        started = time.monotonic()
        deadline = started + SECONDS
        await asyncio.gather(*(_client(http, random.Random(SEED * 100 + i), requests, deadline, samples)
                               for i in range(CLIENTS)))
        return samples, time.monotonic() - started


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
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    assert len(samples) > CLIENTS * 10
    assert not failed, figures["failures"]
    assert rss_after < 2 * rss_before + 200, figures
