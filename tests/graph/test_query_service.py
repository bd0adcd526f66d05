"""``QueryService`` (``graph/query/service.py``) with real worker processes over the corpus store.

A query killed at the time limit gives its place and a fresh worker at once, so the query waiting
behind it is answered; a long query's worker runs at a lower CPU priority until it ends.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from graph.query.admission import QueryLimits
from graph.query.service import DEMOTED_NICE, QueryJob, QueryService, QueryTimeoutError
from graph.store import EmbeddedStore
from qgkg.config import DEFAULT_BASE

CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT_PLANS = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/qgkg/ontology#Plan> }"
BOUNDED_CROSS_PRODUCT = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . { SELECT ?g WHERE { ?g ?h ?i } LIMIT 5 } }"
)
DEADLINE = 60.0


def _nice(pid: int) -> int:
    """The nice value of a process (field 19 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def _until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < end, f"never: {what}"
        threading.Event().wait(0.02)


@pytest.fixture()
def service() -> QueryService:
    svc = QueryService(timeout=3.0, limits=QueryLimits(workers=1, per_client=1, client_queue=1), memory=2 * 1024**3)
    yield svc  # type: ignore[misc]
    svc.close()


def test_a_killed_query_frees_its_worker_at_once_for_the_one_waiting(corpus_store: Path,
                                                                     service: QueryService) -> None:
    version = str(EmbeddedStore(corpus_store, base=DEFAULT_BASE).version)
    service.start()
    (first_pid,) = service.pids()
    outcome: dict[str, object] = {}

    def run(name: str, sparql: str) -> None:
        try:
            outcome[name] = service.run(QueryJob(sparql, version, base=DEFAULT_BASE), client=name)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome[name] = exc

    slow = threading.Thread(target=run, args=("slow", CROSS_PRODUCT))
    slow.start()
    _until(lambda: service.admission.snapshot().running == {"slow": 1}, "the slow query runs")
    _until(lambda: _nice(first_pid) == DEMOTED_NICE, "the long query's worker gives way")
    cheap = threading.Thread(target=run, args=("cheap", COUNT_PLANS))
    cheap.start()  # the only worker is busy: it waits for the place
    _until(lambda: service.admission.snapshot().waiting == {"cheap": 1}, "the cheap query waits")
    slow.join(DEADLINE)
    cheap.join(DEADLINE)
    assert isinstance(outcome["slow"], QueryTimeoutError)
    answer = outcome["cheap"]
    assert not isinstance(answer, Exception), answer
    assert answer.count == 1 and b'"n"' in answer.body  # type: ignore[attr-defined]
    assert service.killed == 1 and service.admission.snapshot().waited == 1
    (fresh_pid,) = service.pids()
    assert fresh_pid != first_pid and _nice(fresh_pid) == 0


def test_a_worker_that_gave_way_is_back_at_normal_priority_or_replaced(corpus_store: Path) -> None:
    # a query that runs past DEMOTE_AFTER and ends by itself (~30 million rows counted: ~3 s here)
    version = str(EmbeddedStore(corpus_store, base=DEFAULT_BASE).version)
    service = QueryService(timeout=120.0, limits=QueryLimits(workers=1))
    try:
        service.start()
        (pid,) = service.pids()
        seen: list[int] = []
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                seen.append(_nice(pid))
                done.wait(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            job = QueryJob(BOUNDED_CROSS_PRODUCT, version, base=DEFAULT_BASE)
            started = time.monotonic()
            service.run(job)
            seconds = time.monotonic() - started
        finally:
            done.set()
            watcher.join()
        if seconds < 2.0:
            pytest.skip(f"the query ended in {seconds:.1f} s, too soon to be demoted on this machine")
        assert DEMOTED_NICE in seen
        (after,) = service.pids()
        assert _nice(after) == 0  # the same worker given its priority back (root), or a fresh one
    finally:
        service.close()
