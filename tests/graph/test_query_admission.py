"""The admission of user SPARQL (``graph/query/admission.py``): per-client limits, a bounded queue, fair hand-off.

Real threads take and give back places; a test waits for a state (a query waiting, a place granted)
by polling the admission's figures with a generous deadline, never for a fixed time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from graph.query.admission import (
    Admission,
    QueryLimits,
    QueueFullError,
    ServiceBusyError,
    TooManyQueriesError,
)

DEADLINE = 30.0


def _until(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds (fail after DEADLINE seconds)."""
    end = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < end, "the admission never reached the state the test waits for"
        threading.Event().wait(0.01)


class _Waiter:
    """A thread that asks for a place for ``client`` and holds it until released."""

    def __init__(self, admission: Admission, client: str) -> None:
        self.admission = admission
        self.client = client
        self.ticket: Any = None
        self.error: Exception | None = None
        self.granted = threading.Event()
        self.done = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.ticket = self.admission.enter(self.client)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            self.error = exc
            self.done.set()
            return
        self.granted.set()
        self.release.wait(DEADLINE)
        self.admission.leave(self.ticket)
        self.done.set()

    def finish(self) -> None:
        self.release.set()
        self.thread.join(DEADLINE)


def _waiting(admission: Admission, client: str, count: int) -> Callable[[], bool]:
    return lambda: admission.snapshot().waiting.get(client, 0) == count


def test_admission_refuses_a_client_over_its_share_at_once_with_retry_after() -> None:
    admission = Admission(QueryLimits(workers=4, per_client=2, client_queue=1), run_limit=30)
    first, second = admission.enter("10.0.0.1"), admission.enter("10.0.0.1")
    third = _Waiter(admission, "10.0.0.1")  # over its running share: waits
    _until(_waiting(admission, "10.0.0.1", 1))
    with pytest.raises(TooManyQueriesError) as refused:
        admission.enter("10.0.0.1")
    assert 1 <= refused.value.retry_after <= 30
    message = str(refused.value)
    assert "\n" not in message and "10.0.0.1" in message and "2 running and 1 waiting" in message
    other = admission.enter("10.0.0.2")  # another client is not refused
    admission.leave(first)
    assert third.granted.wait(DEADLINE)
    figures = admission.snapshot()
    assert figures.refused_client == 1 and figures.running == {"10.0.0.1": 2, "10.0.0.2": 1}
    for ticket in (second, other):
        admission.leave(ticket)
    third.finish()
    assert admission.snapshot().running == {}


def test_admission_full_queue_is_503_at_once() -> None:
    admission = Admission(QueryLimits(workers=1, per_client=1, client_queue=4, queue=1), run_limit=30)
    held = admission.enter("a")
    waiter = _Waiter(admission, "b")
    _until(_waiting(admission, "b", 1))
    with pytest.raises(QueueFullError) as refused:
        admission.enter("c")
    assert "queue is full" in str(refused.value) and refused.value.retry_after >= 1
    admission.leave(held)
    assert waiter.granted.wait(DEADLINE)
    waiter.finish()


def test_admission_full_queue_turns_away_the_heaviest_client_not_a_light_one() -> None:
    admission = Admission(QueryLimits(workers=1, per_client=1, client_queue=4, queue=2), run_limit=30)
    held = admission.enter("a")
    heavy = [_Waiter(admission, "h") for _ in range(2)]
    _until(_waiting(admission, "h", 2))  # the queue is full
    light = _Waiter(admission, "c")  # gets a place: h's latest query is refused for it
    _until(lambda: sum(w.done.is_set() for w in heavy) == 1)
    (shed,) = [w for w in heavy if w.done.is_set()]
    assert isinstance(shed.error, QueueFullError) and "h has 2 queries" in str(shed.error)
    assert admission.snapshot().waiting == {"h": 1, "c": 1}
    with pytest.raises(QueueFullError):  # a newcomer of the heaviest client is the one refused
        admission.enter("h")
    admission.leave(held)
    (kept,) = [w for w in heavy if w is not shed]
    assert kept.granted.wait(DEADLINE)  # neither has a query running: first come, first served
    kept.finish()
    assert light.granted.wait(DEADLINE)
    light.finish()
    shed.finish()
    assert admission.snapshot().running == {} and admission.snapshot().waiting == {}


def test_admission_gives_a_freed_place_to_the_client_with_fewest_running() -> None:
    admission = Admission(QueryLimits(workers=2, per_client=2, client_queue=4, spare=0), run_limit=30)
    a1, a2 = admission.enter("a"), admission.enter("a")
    a3 = _Waiter(admission, "a")  # came first
    _until(_waiting(admission, "a", 1))
    b1 = _Waiter(admission, "b")  # came second, but b has nothing running
    _until(_waiting(admission, "b", 1))
    admission.leave(a1)
    assert b1.granted.wait(DEADLINE)
    assert not a3.granted.is_set() and admission.snapshot().waiting == {"a": 1}
    admission.leave(a2)
    assert a3.granted.wait(DEADLINE)
    a3.finish()
    b1.finish()


def test_admission_leaves_a_worker_free_for_others() -> None:
    admission = Admission(QueryLimits(workers=3, per_client=3, client_queue=4), run_limit=30)
    a1, a2 = admission.enter("a"), admission.enter("a")  # the second only because two stay free
    a3 = _Waiter(admission, "a")  # the last free worker is not a's
    _until(_waiting(admission, "a", 1))
    b1 = admission.enter("b")  # b's first query takes it at once
    assert admission.snapshot().running == {"a": 2, "b": 1}
    for ticket in (a1, a2, b1):
        admission.leave(ticket)
    assert a3.granted.wait(DEADLINE)
    a3.finish()


def test_admission_gives_up_after_the_wait_with_503() -> None:
    admission = Admission(QueryLimits(workers=1), run_limit=30, wait=0.2)
    held = admission.enter("a")
    with pytest.raises(ServiceBusyError) as busy:
        admission.enter("b")
    assert "waited 0.2 s" in str(busy.value)
    assert admission.snapshot().waiting == {} and admission.snapshot().gave_up == 1
    admission.leave(held)
    admission.leave(admission.enter("b"))


def test_admission_place_is_given_back_when_the_query_fails() -> None:
    admission = Admission(QueryLimits(workers=1), run_limit=30)
    with pytest.raises(RuntimeError), admission.place("a"):
        raise RuntimeError("the query failed")
    with admission.place("b"):
        assert admission.snapshot().running == {"b": 1}


@pytest.mark.parametrize("field", ["workers", "per_client"])
def test_query_limits_refuse_zero_workers_or_share(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be at least 1"):
        QueryLimits(**{field: 0})
