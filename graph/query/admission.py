"""Who may run a user query now: a bounded queue with a per-client limit, so that no client holds the pool.

The query workers are few (``QueryLimits.workers``) and a query may hold one for the whole time
limit, so user SPARQL is admitted, not merely queued:

* a client (a remote address) has at most ``per_client`` queries running, and at most
  ``per_client + client_queue`` running and waiting together; a query beyond that is refused at
  once (``TooManyQueriesError``, HTTP 429);
* at most ``queue`` queries wait in all; beyond that, the waiting query of the client with the
  most queries running and waiting (its latest) is refused at once (``QueueFullError``, HTTP 503)
  to make room, or the newcomer when its client holds as many: a full queue turns away the
  heaviest client first, never a light one on its account;
* a client's first running query may take any free worker, its later ones only while another
  worker stays free for somebody else (``spare``), so two clients never hold every worker;
* a freed worker goes to the waiting query whose client has the fewest running, then to the
  one that came first; a query waits at most ``wait`` seconds, by default the time limit and
  ``KILL_MARGIN`` (``ServiceBusyError``, HTTP 503).

Each refusal carries ``retry_after``: the seconds until one of the places it waited for is sure to
be free (a running query ends by its time limit at the latest).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from qgkg.errors import QueryError

KILL_MARGIN = 5.0  # seconds, beyond the time limit, that a waiting query allows for a worker to be killed


class RefusedError(QueryError):
    """A query refused or given up before it ran; ``retry_after`` is the seconds to wait before trying again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class TooManyQueriesError(RefusedError):
    """The client already has as many queries running and waiting as it may (HTTP 429)."""


class QueueFullError(RefusedError):
    """Every place in the query queue is taken (HTTP 503)."""


class ServiceBusyError(RefusedError):
    """A query waited for a worker for longer than it may (HTTP 503)."""


@dataclass(frozen=True)
class QueryLimits:
    """The sizes of the query pool and of its queue (``qgkg serve --query-workers --per-client …``)."""

    workers: int = 6  # queries running at once (worker processes)
    per_client: int = 1  # queries one client may have running
    client_queue: int = 4  # queries one client may have waiting
    queue: int = 16  # queries waiting in all
    spare: int = 1  # workers a client's second and later queries leave free for others

    def __post_init__(self) -> None:
        for name in ("workers", "per_client"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("client_queue", "queue", "spare"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be at least 0, not {getattr(self, name)}")

    @property
    def capacity(self) -> int:
        """The most queries admitted at once (running and waiting): the server threads they may hold."""
        return self.workers + self.queue


@dataclass(eq=False)
class _Ticket:
    client: str
    order: int
    granted: bool = False
    started: float = 0.0
    shed: QueueFullError | None = None  # set when a full queue gives its place to a client holding less


@dataclass
class AdmissionFigures:
    """What the admission did, for the record (and the load test)."""

    admitted: int = 0
    refused_client: int = 0  # 429
    refused_queue: int = 0  # 503, queue full
    gave_up: int = 0  # 503, waited too long
    waited: int = 0  # admitted after waiting
    longest_wait: float = 0.0
    running: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)


class Admission:
    """Places for running queries, handed out fairly; thread-safe (one per app)."""

    def __init__(self, limits: QueryLimits, *, run_limit: float, wait: float | None = None) -> None:
        self.limits = limits
        self.run_limit = run_limit  # seconds a running query may take (its worker is killed after)
        # seconds a query may wait for a place: a running query gives its place back within its time limit
        # (plus the moment it takes to kill its worker), so a query first in line is never turned away
        self.wait = run_limit + KILL_MARGIN if wait is None else wait
        self._cond = threading.Condition()
        self._free = limits.workers
        self._running: Counter[str] = Counter()
        self._waiting: Counter[str] = Counter()
        self._queue: list[_Ticket] = []
        self._active: list[_Ticket] = []
        self._order = itertools.count()
        self.figures = AdmissionFigures()

    @contextmanager
    def place(self, client: str) -> Iterator[None]:
        """Hold a place for one query of ``client`` while the block runs; raise a ``RefusedError`` instead."""
        ticket = self.enter(client)
        try:
            yield
        finally:
            self.leave(ticket)

    def enter(self, client: str) -> _Ticket:
        """Wait for a place (at most ``wait`` seconds) or be refused at once; the caller must ``leave`` it."""
        started = time.monotonic()
        with self._cond:
            ticket = _Ticket(client, next(self._order))
            self._queue.append(ticket)
            self._waiting[client] += 1
            self._dispatch()
            if not ticket.granted:
                self._refuse_if_over(ticket)
                try:
                    self._wait_for(ticket, started + self.wait)
                except BaseException:
                    if ticket in self._queue:  # interrupted while waiting: nothing may keep its place
                        self._drop(ticket)
                    elif ticket.granted:
                        self._release(ticket)
                    raise
                self.figures.waited += 1
                self.figures.longest_wait = max(self.figures.longest_wait, time.monotonic() - started)
            self.figures.admitted += 1
            return ticket

    def leave(self, ticket: _Ticket) -> None:
        """Give a place back (the query ended, failed or was stopped): the best waiting query gets it at once."""
        with self._cond:
            self._release(ticket)

    def _wait_for(self, ticket: _Ticket, deadline: float) -> None:
        """Wait until the ticket is granted; raise when it is shed from a full queue or the deadline passes."""
        while not ticket.granted:
            if ticket.shed is not None:  # its place in the queue went to a client holding less
                raise ticket.shed
            left = deadline - time.monotonic()
            if left <= 0:
                self._drop(ticket)
                self.figures.gave_up += 1
                raise ServiceBusyError(
                    f"the query waited {self.wait:g} s for a query worker and was not run; try again later",
                    self._soonest_free(),
                )
            self._cond.wait(left)

    def _release(self, ticket: _Ticket) -> None:
        if ticket in self._active:
            self._active.remove(ticket)
            self._running[ticket.client] -= 1
            if not self._running[ticket.client]:
                del self._running[ticket.client]
            self._free += 1
            self._dispatch()

    def snapshot(self) -> AdmissionFigures:
        """The figures so far, with the queries running and waiting per client now."""
        with self._cond:
            figures = AdmissionFigures(**{k: v for k, v in vars(self.figures).items()
                                          if k not in ("running", "waiting")})
            figures.running = dict(self._running)
            figures.waiting = dict(self._waiting)
            return figures

    def _may_run(self, client: str) -> bool:
        running = self._running[client]
        if running >= self.limits.per_client or self._free < 1:
            return False
        return running == 0 or self._free > self.limits.spare

    def _dispatch(self) -> None:
        """Give free places to waiting queries: fewest running for their client first, then first come."""
        granted = False
        while self._free > 0:
            candidates = [t for t in self._queue if self._may_run(t.client)]
            if not candidates:
                break
            best = min(candidates, key=lambda t: (self._running[t.client], t.order))
            self._queue.remove(best)
            self._waiting[best.client] -= 1
            if not self._waiting[best.client]:
                del self._waiting[best.client]
            self._running[best.client] += 1
            self._free -= 1
            best.granted = True
            best.started = time.monotonic()
            self._active.append(best)
            granted = True
        if granted:
            self._cond.notify_all()

    def _refuse_if_over(self, ticket: _Ticket) -> None:
        """Refuse a query that would wait beyond its client's share or the queue's size."""
        client = ticket.client
        running, waiting = self._running[client], self._waiting[client] - 1  # besides this one
        if running + waiting >= self.limits.per_client + self.limits.client_queue:
            self._drop(ticket)
            self.figures.refused_client += 1
            raise TooManyQueriesError(
                f"too many queries from {client}: {running} running and {waiting} waiting "
                f"(limit {self.limits.per_client} running + {self.limits.client_queue} waiting); "
                "wait for their answers before sending more",
                self._soonest_free(client),
            )
        if len(self._queue) > self.limits.queue:
            victim = max(self._queue, key=lambda t: (self._in_flight(t.client), t.order))
            if self._in_flight(victim.client) <= self._in_flight(client):
                victim = ticket  # nobody holds more than this client: the newcomer is the one refused
            self._drop(victim)
            self.figures.refused_queue += 1
            victim.shed = QueueFullError(
                f"the query queue is full ({self.limits.queue} waiting for {self.limits.workers} workers) and "
                f"{victim.client} has {self._in_flight(victim.client) + 1} queries in it or running; try again later",
                self._soonest_free(),
            )
            if victim is ticket:
                raise victim.shed
            self._cond.notify_all()

    def _in_flight(self, client: str) -> int:
        return self._running[client] + self._waiting[client]

    def _drop(self, ticket: _Ticket) -> None:
        self._queue.remove(ticket)
        self._waiting[ticket.client] -= 1
        if not self._waiting[ticket.client]:
            del self._waiting[ticket.client]

    def _soonest_free(self, client: str | None = None) -> int:
        """Whole seconds until a running query (of ``client``, or any) reaches its time limit at the latest."""
        ends = [t.started + self.run_limit for t in self._active if client is None or t.client == client]
        if not ends:
            return 1
        return math.ceil(max(0.0, min(ends) - time.monotonic()))
