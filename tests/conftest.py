"""Shared fixtures: a store built from the bundled corpus, the Flask app and client, and a live server.

* ``corpus_store`` (session): a real store built once from the bundled plans in a tmp folder
  with ``qgkg.build.build``; read-only tests share it.
* ``make_app``: ``make_app(store, **config)`` builds an app with a store and config keys
  (``QUERY_TIMEOUT``, ``RESULT_LIMIT``, ``MAX_CONTENT_LENGTH`` …); its query workers are
  stopped at the end of the test.
* ``app`` / ``client`` (session / per test): the app over ``corpus_store`` and its test client.
* ``start_server``: ``start_server(store, env={...}, args=(...))`` runs ``qgkg serve`` (waitress) as a
  subprocess on 127.0.0.1, on a port the OS chooses, waits until it answers and returns a
  ``LiveServer`` (``url``, ``port``, ``process``); it is stopped at the end of the test.
* ``live_server`` (session): one such server over ``corpus_store``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from qgkg.build import build
from qgkg.cli import bundled_corpus

SERVER_START_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once from the bundled corpus (read-only for the tests that share it)."""
    root = tmp_path_factory.mktemp("corpus-store")
    build(root, [bundled_corpus()], jobs=1)
    return root


def _make(store: Path, config: dict[str, Any]) -> Flask:
    from web.app import create_app

    return create_app({"STORE": str(store), **config})


@pytest.fixture()
def make_app() -> Iterator[Callable[..., Flask]]:
    """A factory of apps over a given store with config keys; their workers are stopped afterwards."""
    apps: list[Flask] = []

    def factory(store: Path, **config: Any) -> Flask:
        app = _make(store, config)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["qgkg"].queries.close()


@pytest.fixture(scope="session")
def app(corpus_store: Path) -> Iterator[Flask]:
    """The app over the corpus store (query time limit 20 s)."""
    application = _make(corpus_store, {"QUERY_TIMEOUT": 20})
    application.config["TESTING"] = True
    yield application
    application.extensions["qgkg"].queries.close()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


@dataclass
class LiveServer:
    """A running ``qgkg serve``."""

    url: str
    port: int
    process: subprocess.Popen[str]
    store: Path

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def wait_until_responds(url: str, timeout: float = SERVER_START_TIMEOUT) -> None:
    """Poll ``url`` until it answers with any HTTP status (or fail after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def run_server(store: Path, env: dict[str, str] | None = None, *, threads: int = 8,
               args: tuple[str, ...] = ()) -> LiveServer:
    """Start ``qgkg serve --port 0 ARGS`` on loopback and wait until it answers."""
    full_env = {**os.environ, "QGKG_STORE": str(store), "PYTHONUNBUFFERED": "1", **(env or {})}
    cmd = [
        sys.executable,
        "-m",
        "qgkg.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--threads",
        str(threads),
        "--store",
        str(store),
        *args,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env)
    assert proc.stdout is not None
    port = None
    lines = []
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while port is None:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("qgkg serve ended before listening:\n" + "".join(lines))
        lines.append(line)
        m = re.search(r"on http://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("qgkg serve did not say where it listens:\n" + "".join(lines))
    # keep draining the server's output so that it never blocks on a full pipe
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    server = LiveServer(f"http://127.0.0.1:{port}", port, proc, store)
    try:
        wait_until_responds(server.url + "/")
    except OSError:
        server.stop()
        raise
    return server


@pytest.fixture()
def start_server() -> Iterator[Callable[..., LiveServer]]:
    """A factory of live servers, stopped at the end of the test."""
    servers: list[LiveServer] = []

    def factory(store: Path, env: dict[str, str] | None = None, **kwargs: Any) -> LiveServer:
        server = run_server(store, env, **kwargs)
        servers.append(server)
        return server

    yield factory
    for s in servers:
        s.stop()


@pytest.fixture(scope="session")
def live_server(corpus_store: Path) -> Iterator[LiveServer]:
    """One ``qgkg serve`` over the corpus store for the whole session."""
    server = run_server(corpus_store)
    yield server
    server.stop()
