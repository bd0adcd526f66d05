"""Real SPARQL servers for the remote-store tests: Oxigraph server and Virtuoso 7, on free loopback ports.

Nothing is installed here: a server whose program is missing makes its tests skip, with the
package to install in the reason (``.ci/run`` installs both). Each server gets a temporary
database folder, is polled until it answers (no fixed sleep), and is stopped afterwards.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 180.0  # seconds a server may take to come up on a busy two-core machine


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SparqlServer:
    """A running SPARQL server: its name, query URL and process."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    admin: list[str] | None = None  # Virtuoso: the isql command line that runs SQL as dba (append exec=…)

    def sql(self, statement: str) -> None:
        """Run one SQL statement as the administrator (Virtuoso only)."""
        assert self.admin is not None, f"{self.name} has no SQL console"
        done = subprocess.run([*self.admin, f"exec={statement}"], stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"{statement}: {done.stdout} {done.stderr}")

    def stop(self) -> None:
        """SIGTERM (both servers shut down cleanly on it), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class _ExitedError(RuntimeError):
    """The server process ended before it answered (a port taken meanwhile, most likely)."""


def _wait_until_answers(server: SparqlServer) -> None:
    """Poll an ``ASK {}`` GET until the server answers 200 (fail if it exits or takes too long)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(server.url + "?query=ASK%7B%7D", timeout=5).close()
            return
        except (urllib.error.URLError, OSError):
            exited = server.process.poll() is not None
            if exited or time.monotonic() > deadline:
                server.stop()
                tail = server.log.read_text("utf-8", "replace")[-2000:] if server.log.exists() else ""
                raise (_ExitedError if exited else RuntimeError)(f"{server.name} did not start:\n{tail}") from None
            time.sleep(0.1)  # polling for readiness, not timing anything


def _started(start: Callable[[], SparqlServer], attempts: int = 3) -> SparqlServer:
    """``start()`` until its server answers: a free port can be taken between the check and the bind."""
    for attempt in range(attempts):
        try:
            return start()
        except _ExitedError:
            if attempt + 1 == attempts:
                raise
    raise AssertionError("unreachable")


def start_oxigraph(folder: Path) -> SparqlServer:
    """``oxigraph serve`` (PyPI package ``oxigraph``) on a free port over a new database in ``folder``."""
    exe = shutil.which("oxigraph")
    if exe is None:
        pytest.skip("the oxigraph server (PyPI package 'oxigraph') is not installed")
    folder.mkdir(parents=True, exist_ok=True)

    def start() -> SparqlServer:
        port = free_port()
        log = folder / "oxigraph.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([exe, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                                    stdout=out, stderr=subprocess.STDOUT)
        server = SparqlServer("oxigraph", f"http://127.0.0.1:{port}/query", proc, log)
        _wait_until_answers(server)
        return server

    return _started(start)


VIRTUOSO_INI = """\
; written by tests/graph/sparql_servers.py: a throw-away Virtuoso on loopback ports
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
DefaultIsolation = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 10
MaxClientConnections = 10
KeepAliveTimeout = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
"""


def virtuoso_programs() -> tuple[str, str] | None:
    """``virtuoso-t`` and its ``isql`` from the Debian package, or None when it is not installed."""
    exe = shutil.which("virtuoso-t") or next(
        (p for p in ("/usr/lib/virtuoso-opensource-7/bin/virtuoso-t",) if Path(p).exists()), None)
    isql = shutil.which("isql-vt") or shutil.which("isql-v")
    return (exe, isql) if exe and isql else None


def start_virtuoso(folder: Path) -> SparqlServer:
    """Virtuoso 7 (Debian ``virtuoso-opensource-7-bin``) over a new database in ``folder``; the ``SPARQL``
    user may update (``GRANT SPARQL_UPDATE``), so that ``/sparql`` and ``/sparql-graph-crud`` write."""
    programs = virtuoso_programs()
    if programs is None:
        pytest.skip("Virtuoso 7 is not installed (Debian package virtuoso-opensource-7-bin; .ci/run installs it)")
    exe, isql = programs
    db = folder / "db"

    def start() -> SparqlServer:
        shutil.rmtree(db, ignore_errors=True)  # a new database each attempt
        db.mkdir(parents=True)
        sql_port, http_port = free_port(), free_port()
        ini = db / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(db=db, sql_port=sql_port, http_port=http_port), "utf-8")
        proc = subprocess.Popen([exe, "+foreground", "+configfile", str(ini)], cwd=db,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = SparqlServer("virtuoso", f"http://127.0.0.1:{http_port}/sparql", proc, db / "virtuoso.log",
                              [isql, f"127.0.0.1:{sql_port}", "dba", "dba"])
        _wait_until_answers(server)
        return server

    server = _started(start)
    deadline = time.monotonic() + START_TIMEOUT
    while True:  # the SQL port may come up a moment after the HTTP one: poll it too
        try:
            server.sql('GRANT SPARQL_UPDATE TO "SPARQL";')
            return server
        except (RuntimeError, subprocess.TimeoutExpired):
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.2)  # polling for readiness, not timing anything


@dataclass(frozen=True)
class RemoteBuild:
    """The bundled corpus built into a real SPARQL server, beside ``built_store`` (the embedded one)."""

    server: str  # "oxigraph" or "virtuoso"
    url: str  # the query URL (--endpoint)
    local: Path  # the remote build's local state (--store of the remote commands)
    embedded: Path  # the embedded store built from the same corpus
    running: SparqlServer  # the server itself


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
