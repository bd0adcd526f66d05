"""What the load tests share: clients on distinct loopback addresses, samples, percentiles, server memory.

Each client is its own remote address (``127.0.0.N``: Linux routes all of 127/8 on loopback, and a
socket bound to such a source address reaches a server on 127.0.0.1), as distinct users would be:
the server's per-client limit on user SPARQL keys clients by address.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ENTITIES = """SELECT DISTINCT ?s WHERE {
  { ?s a <https://w3id.org/qgkg/ontology#Agency> } UNION { ?s a <https://w3id.org/qgkg/ontology#Plan> }
  UNION { ?s a <https://w3id.org/qgkg/ontology#Activity> } UNION { ?s a <https://w3id.org/qgkg/ontology#City> }
} ORDER BY ?s"""
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@dataclass(frozen=True)
class Sample:
    """One request's kind, outcome and latency."""

    kind: str
    status: int
    seconds: float
    error: str = ""
    detail: str = ""  # the first line of an error body


def client_address(index: int) -> str:
    """The loopback source address of client ``index`` (127.0.0.10 and up)."""
    return f"127.0.0.{10 + index}"


def client_for(base: str, address: str, *, timeout: float = 120.0) -> httpx.AsyncClient:
    """An HTTP client whose connections come from ``address``."""
    return httpx.AsyncClient(base_url=base, timeout=timeout,
                             transport=httpx.AsyncHTTPTransport(local_address=address))


def entity_paths(base: str) -> list[str]:
    """The ``/id/…`` path of every agency, plan, activity and city."""
    with httpx.Client(base_url=base, timeout=120) as http:
        answer = http.get("/sparql", params={"query": ENTITIES}, headers={"Accept": "application/sparql-results+json"})
        answer.raise_for_status()
    return ["/id/" + b["s"]["value"].split("/id/", 1)[1] for b in answer.json()["results"]["bindings"]]


def sparql_path(query: str) -> str:
    """``/sparql?query=…``."""
    return "/sparql?" + str(httpx.QueryParams({"query": query}))


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
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                stack.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return total


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank rule."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def figures_of(samples: list[Sample]) -> dict[str, Any]:
    """Requests, errors (anything but 200), p50 and p99 in ms of some samples."""
    latencies = [s.seconds for s in samples]
    if not latencies:
        return {"requests": 0}
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if s.status != 200),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }
