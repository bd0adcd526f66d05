"""Time-limited SPARQL for the web: user queries run in worker processes that are killed on timeout.

pyoxigraph cannot cancel a running query, so a query that runs past the limit is
stopped by killing the process that runs it; a fresh worker replaces it, and the
other workers keep answering meanwhile.

.. warning::
   This runs user-supplied SPARQL. ``SERVICE`` is refused before a query is sent
   (the server makes no outbound request), updates are refused (the workers open
   the store read-only and only call ``query``), each query has a time limit and
   each result a size limit (rows or triples beyond it are cut, and the outcome
   says so).
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graph.query.errors import syntax_error
from graph.query.guard import DEFAULT_MEMORY, confine_worker, memory_limit
from graph.query.prefixes import PROLOGUE_LINES, predeclared, with_prologue
from graph.query.results import MEDIA_TYPES, write_boolean, write_solutions
from graph.store import Dataset, EmbeddedStore, GraphStore, Value, check_query_allowed
from graph.store.formats import RdfFormat, ResultFormat
from graph.store.protocol import ReadTimeoutError
from graph.store.results import write_triples
from qgkg.errors import QgkgError, QueryError

TABLE = "table"  # the format of a job whose rows go to an HTML table, not to bytes


class QueryTimeoutError(QueryError):
    """A query ran past the time limit and was stopped."""


class ServiceBusyError(QueryError):
    """Every worker stayed busy for longer than the time limit."""


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


def _worker_main(conn: Any, memory: int = DEFAULT_MEMORY) -> None:
    """The loop of a worker process: confined (``graph.query.guard``), open the store read-only, answer jobs."""
    confine_worker(memory)
    store: EmbeddedStore | None = None
    while True:
        try:
            job: QueryJob = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
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

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryService:
    """A small pool of query worker processes with a time limit per query."""

    def __init__(self, *, workers: int = 2, timeout: float = 30.0, memory: int | None = None) -> None:
        self.size = max(1, workers)
        self.timeout = timeout
        self.memory = memory_limit() if memory is None else memory  # address-space cap of a worker, bytes
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._alive = 0
        self.killed = 0  # workers stopped on timeout, for the record

    def _acquire(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._alive < self.size:
                self._alive += 1
                try:
                    return _Worker(self._ctx, self.memory)
                except BaseException:
                    self._alive -= 1
                    raise
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise ServiceBusyError(
                f"every query worker stayed busy for {self.timeout:g} s; try again later"
            ) from None

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._alive -= 1

    def run(self, job: QueryJob, *, remote: Any = None) -> QueryOutcome:
        """Run a job in a worker; stop it and raise QueryTimeoutError past the time limit.

        With ``remote`` (a ``graph.store.remote.RemoteStore``) the job runs over HTTP instead: a socket can
        be abandoned, and the HTTP timeout of the remote store (``Settings.query_timeout``) is the limit.
        """
        check_query_allowed(job.sparql)
        text = job.sparql  # the user's text; it runs with the predeclared prefixes and base before it
        job = replace(job, sparql=with_prologue(text, job.base))
        if remote is not None:
            try:
                return run_job(remote, job)
            except (TimeoutError, ReadTimeoutError) as exc:
                raise QueryTimeoutError(f"the remote store did not answer within {self.timeout:g} s") from exc
        worker = self._acquire()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
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
        self._idle.put(worker)
        if status == "ok":
            outcome: QueryOutcome = payload
            return outcome
        if status == "syntax":
            raise syntax_error(payload, text, line_offset=PROLOGUE_LINES, known_prefixes=predeclared(job.base))
        raise QueryError(f"the query failed: {payload}")

    def close(self) -> None:
        """Stop every idle worker."""
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(worker)


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
