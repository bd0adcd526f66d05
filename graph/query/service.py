"""Time-limited SPARQL for the web: user queries run in worker processes that are killed on timeout.

pyoxigraph cannot cancel a running query, so a query that runs past the limit is
stopped by killing the process that runs it; a fresh worker replaces it at once, and the
other workers keep answering meanwhile. Who may use a worker, and when, is
``graph.query.admission``'s: a per-client limit and a bounded queue. A query that runs
longer than ``DEMOTE_AFTER`` gives way: its worker's CPU priority is lowered (nice
``DEMOTED_NICE``), so that long queries cannot slow the short ones and the pages on a
small machine.

.. warning::
   This runs user-supplied SPARQL. ``SERVICE`` is refused before the engine sees a
   query (the worker checks the text first, off the network where the kernel allows;
   a remote store's queries are checked in the server before they are sent: the
   server makes no outbound request), updates are refused (the workers open
   the store read-only and only call ``query``), each query has a time limit and
   each result a size limit (rows or triples beyond it are cut, and the outcome
   says so).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graph.query.admission import Admission, QueryLimits, ServiceBusyError
from graph.query.errors import syntax_error
from graph.query.guard import DEFAULT_MEMORY, confine_worker, memory_limit
from graph.query.prefixes import PROLOGUE_LINES, predeclared, with_prologue
from graph.query.results import MEDIA_TYPES, write_boolean, write_solutions
from graph.store import Dataset, EmbeddedStore, GraphStore, Value, check_query_allowed
from graph.store.formats import RdfFormat, ResultFormat
from graph.store.results import write_triples
from qgkg.errors import QgkgError, QueryError

TABLE = "table"  # the format of a job whose rows go to an HTML table, not to bytes
START_TIMEOUT = 60.0  # seconds a new worker may take to import and say it is ready
DEMOTE_AFTER = 1.0  # seconds a query runs at normal CPU priority
DEMOTED_NICE = 10  # the worker's nice value after that (a tenth of a normal process's share of the CPU)

__all__ = ["QueryJob", "QueryOutcome", "QueryService", "QueryTimeoutError", "ServiceBusyError", "WorkerDiedError"]


class QueryTimeoutError(QueryError):
    """A query ran past the time limit and was stopped."""


class WorkerDiedError(QueryError):
    """The worker running a query died (most often at its memory cap); it was replaced."""


@dataclass(frozen=True)
class QueryJob:
    """One user query: where it runs, over which dataset, and how its result is written."""

    sparql: str
    version: str  # the store version folder (its ``oxigraph`` folder is opened read-only)
    results_format: str = ResultFormat.JSON.value  # for SELECT and ASK, or TABLE
    graph_format: str = RdfFormat.TTL.value  # for CONSTRUCT and DESCRIBE, or TABLE
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: tuple[tuple[str, Value], ...] = ()  # canned-query parameters, bound as VALUES
    limit: int = 10_000
    base: str = ""


@dataclass(frozen=True)
class QueryOutcome:
    """A query's answer: serialised bytes, or rows for a table."""

    kind: str  # "solutions", "boolean" or "graph"
    media_type: str = ""
    body: bytes = b""
    truncated: bool = False
    count: int = 0
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = field(default=())  # Value or None per variable
    boolean: bool | None = None
    seconds: float = 0.0


def run_job(store: GraphStore, job: QueryJob) -> QueryOutcome:
    """Run a job on a store (in a worker process, or over HTTP for a remote store); the dataset is
    ``graph.store.dataset``'s rule."""
    started = time.perf_counter()
    dataset = Dataset(job.default_graphs, job.named_graphs)
    result = store.query(job.sparql, params=dict(job.substitutions) or None, dataset=dataset)
    if result.kind == "boolean":
        value = bool(result.boolean)
        if job.results_format == TABLE:
            return QueryOutcome("boolean", boolean=value, seconds=time.perf_counter() - started)
        fmt = ResultFormat(job.results_format)
        return QueryOutcome("boolean", MEDIA_TYPES[fmt], write_boolean(value, fmt), boolean=value,
                            seconds=time.perf_counter() - started)
    if result.kind == "solutions":
        rows, truncated = _first(result.rows(), job.limit)
        seconds = time.perf_counter() - started
        if job.results_format == TABLE:
            return QueryOutcome("solutions", truncated=truncated, count=len(rows), variables=result.variables,
                                rows=tuple(rows), seconds=seconds)
        fmt = ResultFormat(job.results_format)
        return QueryOutcome("solutions", MEDIA_TYPES[fmt], write_solutions(result.variables, rows, fmt),
                            truncated=truncated, count=len(rows), variables=result.variables, seconds=seconds)
    triples, truncated = _first(result.triples(), job.limit)
    seconds = time.perf_counter() - started
    if job.graph_format == TABLE:
        return QueryOutcome("graph", truncated=truncated, count=len(triples),
                            variables=("subject", "predicate", "object"), rows=tuple(triples), seconds=seconds)
    rdf = RdfFormat(job.graph_format)
    body = write_triples(triples, rdf, prefixes=rdf in (RdfFormat.TTL, RdfFormat.TRIG, RdfFormat.RDFXML))
    return QueryOutcome("graph", rdf.media_type, body, truncated=truncated, count=len(triples), seconds=seconds)


def _first(items: Any, limit: int) -> tuple[list[Any], bool]:
    """At most ``limit`` items, and whether there were more."""
    kept: list[Any] = []
    for item in items:
        if len(kept) >= limit:
            return kept, True
        kept.append(item)
    return kept, False


@functools.lru_cache(maxsize=256)
def _refusal(sparql: str) -> str | None:
    """Why ``check_query_allowed`` refuses a query, or None; remembered, as analysts send the same text again."""
    try:
        check_query_allowed(sparql)
    except QueryError as exc:
        return str(exc)
    return None


def _worker_main(conn: Any, memory: int = DEFAULT_MEMORY) -> None:
    """The loop of a worker process: confined (``graph.query.guard``), open the store read-only, answer jobs.

    A job holds the user's text: the worker checks it (``check_query_allowed``: rdflib's parser takes
    20-50 ms of CPU for an analyst query, which the server's own process, serving pages, is spared) and
    puts the prologue before it.
    """
    confine_worker(memory)
    store: EmbeddedStore | None = None
    conn.send(("ready", None))  # imported and confined: the pool may hand it jobs
    while True:
        try:
            job: QueryJob = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        refused = _refusal(job.sparql)
        if refused is not None:
            conn.send(("refused", refused))
            continue
        job = replace(job, sparql=with_prologue(job.sparql, job.base))
        try:
            if store is None or str(store.version) != job.version:
                store = EmbeddedStore.at_version(Path(job.version), base=job.base)
            conn.send(("ok", run_job(store, job)))
        except QueryError as exc:  # the engine's own error is the one to tell
            cause = exc.__cause__ or exc
            if isinstance(cause, SyntaxError):
                conn.send(("syntax", " ".join(str(cause).split())))
            else:
                conn.send(("error", " ".join(f"{type(cause).__name__}: {cause}".split())))
        except (OSError, ValueError, RuntimeError, QgkgError) as exc:  # raised while reading the results
            conn.send(("error", " ".join(f"{type(exc).__name__}: {exc}".split())))


class _Worker:
    def __init__(self, ctx: Any, memory: int = DEFAULT_MEMORY) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.process = ctx.Process(target=_worker_main, args=(child, memory), daemon=True,
                                   name="qgkg-sparql-worker")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the worker says it is ready (True), or died or took longer than ``timeout`` (False)."""
        if not self.ready:
            try:
                self.ready = self.conn.poll(timeout) and self.conn.recv()[0] == "ready"
            except (EOFError, OSError):
                return False
        return self.ready

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryService:
    """A small pool of query worker processes with a time limit per query, behind an ``Admission``."""

    def __init__(self, *, workers: int | None = None, timeout: float = 30.0, memory: int | None = None,
                 limits: QueryLimits | None = None) -> None:
        limits = limits or QueryLimits()
        if workers is not None:
            limits = replace(limits, workers=max(1, workers))
        self.limits = limits
        self.size = limits.workers
        self.timeout = timeout
        self.memory = memory_limit() if memory is None else memory  # address-space cap of a worker, bytes
        self.admission = Admission(limits, run_limit=timeout)
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._alive = 0
        self.killed = 0  # workers stopped on timeout or found dead, for the record

    def start(self) -> None:
        """Start every worker and wait until each is ready (a server does, so that the first queries wait for
        no start-up)."""
        spawned = []
        while True:
            with self._lock:
                if self._alive >= self.size:
                    break
                self._alive += 1
            spawned.append(self._spawn())
        for worker in spawned:
            self._admit_when_ready(worker)

    def _spawn(self) -> _Worker:
        """A new worker process (``_alive`` already counts it)."""
        try:
            return _Worker(self._ctx, self.memory)
        except BaseException:
            with self._lock:
                self._alive -= 1
            raise

    def _admit_when_ready(self, worker: _Worker) -> None:
        """Put a worker among the idle ones once it is ready, so that no query waits for a start-up."""
        if worker.wait_ready(START_TIMEOUT):
            self._idle.put(worker)
        else:
            self._discard(worker, renew=False)

    def _acquire(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            spawn = self._alive < self.size
            if spawn:
                self._alive += 1
        if spawn:
            return self._spawn()
        try:  # a replacement still starting, or queries run outside the admission (it lets ``size`` in at most)
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise ServiceBusyError(
                f"every query worker stayed busy for {self.timeout:g} s; try again later", 5
            ) from None

    def _discard(self, worker: _Worker, *, renew: bool = True) -> None:
        """Kill a worker; with ``renew``, start its replacement at once: it joins the idle workers when ready,
        and meanwhile the others answer."""
        worker.kill()
        with self._lock:
            self._alive -= 1
            if not renew or self._alive >= self.size:
                return
            self._alive += 1
        fresh = self._spawn()
        threading.Thread(target=self._admit_when_ready, args=(fresh,), daemon=True,
                         name="qgkg-sparql-worker-start").start()

    def run(self, job: QueryJob, *, remote: Any = None, client: str = "-") -> QueryOutcome:
        """Run a job in a worker once ``client`` is admitted; stop it and raise QueryTimeoutError past the
        time limit. A refused query raises a ``graph.query.admission.RefusedError`` at once.

        With ``remote`` (a ``graph.store.remote.RemoteStore``) the job runs over HTTP instead: a socket can
        be abandoned, and the HTTP timeout of the remote store (``Settings.query_timeout``) is the limit.
        """
        with self.admission.place(client):
            if remote is not None:
                check_query_allowed(job.sparql)
                try:
                    return run_job(remote, replace(job, sparql=with_prologue(job.sparql, job.base)))
                except TimeoutError as exc:
                    raise QueryTimeoutError(
                        f"the remote store did not answer within {self.timeout:g} s"
                    ) from exc
            return self._run_in_worker(job)

    def _run_in_worker(self, job: QueryJob) -> QueryOutcome:
        text = job.sparql  # the user's text: the worker checks it and runs it after the prologue
        worker = self._acquire()
        demoted = False
        try:
            if not worker.wait_ready(START_TIMEOUT):
                raise EOFError
            worker.conn.send(job)
            ready = worker.conn.poll(min(DEMOTE_AFTER, self.timeout))
            if not ready and self.timeout > DEMOTE_AFTER:
                demoted = _set_nice(worker.process.pid, DEMOTED_NICE)
                ready = worker.conn.poll(self.timeout - DEMOTE_AFTER)
            if not ready:
                self._discard(worker)
                self.killed += 1
                raise QueryTimeoutError(
                    f"the query ran past the time limit of {self.timeout:g} s and was stopped"
                )
            status, payload = worker.conn.recv()
        except QgkgError:
            raise
        except (EOFError, OSError, BrokenPipeError):
            self._discard(worker)
            self.killed += 1
            raise WorkerDiedError(
                f"the query worker died ({_exit_reason(worker.process.exitcode)}; its memory cap is "
                f"{self.memory / 1024**3:g} GiB) and was replaced; simplify the query or add a LIMIT"
            ) from None
        if demoted and not _set_nice(worker.process.pid, 0):
            self._discard(worker)  # cannot be given its priority back (not privileged): a fresh one instead
        else:
            self._idle.put(worker)
        if status == "ok":
            outcome: QueryOutcome = payload
            return outcome
        if status == "refused":
            raise QueryError(payload)
        if status == "syntax":
            raise syntax_error(payload, text, line_offset=PROLOGUE_LINES, known_prefixes=predeclared(job.base))
        raise QueryError(f"the query failed: {payload}")

    def pids(self) -> list[int]:
        """The process ids of the idle workers (for tests and the record)."""
        return [w.process.pid for w in list(self._idle.queue) if w.process.pid is not None]

    def close(self) -> None:
        """Stop every idle worker."""
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(worker, renew=False)


def _set_nice(pid: int | None, value: int) -> bool:
    """Set the nice value of every thread of a process; False when not allowed (or the process is gone)."""
    if pid is None:
        return False
    try:
        tasks = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tasks = [pid]
    try:
        for tid in tasks:
            os.setpriority(os.PRIO_PROCESS, tid, value)
    except (PermissionError, ProcessLookupError):
        return False
    return True


def _exit_reason(code: int | None) -> str:
    """How a worker process ended, in words."""
    import signal

    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"
