"""Run ``qgkg`` as a real subprocess with a time limit, an address-space limit and its peak memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.store import EmbeddedStore, StoreDir
from qgkg.config import DEFAULT_BASE

ADDRESS_SPACE_LIMIT = 6 * 1024**3  # a runaway process fails instead of taking the machine down
QG = "https://w3id.org/qgkg/ontology#"


@dataclass(frozen=True)
class Run:
    """How a ``qgkg`` subprocess ended."""

    code: int  # exit code; -9 when killed at the time limit
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float  # peak resident memory of the process (and the children it waited for)
    timed_out: bool


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def run_qgkg(args: Sequence[str], *, timeout: float, env: dict[str, str] | None = None) -> Run:
    """Run ``python -m qgkg.cli ARGS``; kill it after ``timeout`` seconds; measure its peak RSS."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "qgkg.cli", *args], stdout=out, stderr=err, env=full_env,
                                preexec_fn=_limit_memory)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   seconds, usage.ru_maxrss / 1024, seconds >= timeout and proc.returncode < 0)


def quads(root: Path) -> set[tuple[str, str, str, str]]:
    """Every statement of the store's current version (blank nodes renamed alike)."""
    def canon(term: object) -> str:
        return "_:b" if isinstance(term, ox.BlankNode) else str(term)

    store = EmbeddedStore(root, base=DEFAULT_BASE)
    return {(canon(q.subject), canon(q.predicate), canon(q.object), canon(q.graph_name)) for q in store.quads()}


def plans(root: Path) -> set[str]:
    """The IRIs of the plans in the store's current version."""
    store = EmbeddedStore(root, base=DEFAULT_BASE)
    return {row["p"].value for row in store.select_query(f"SELECT DISTINCT ?p WHERE {{ ?p a <{QG}Plan> }}")}


def current_version(root: Path) -> str | None:
    """The name of the current version folder."""
    cur = StoreDir(root).current()
    return cur.name if cur is not None else None
