"""Fixtures for the store and CLI tests: real stores built from the bundled corpus in tmp folders, and the
same corpus built into real SPARQL servers (``remote_build``: Oxigraph server, then Virtuoso 7)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from qgkg.build import build
from qgkg.cli import bundled_corpus
from tests.graph.sparql_servers import STARTERS, RemoteBuild


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The bundled plans folder (package data)."""
    return bundled_corpus()


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """A store built once from the bundled corpus; read-only tests share it."""
    root = tmp_path_factory.mktemp("store")
    build(root, [corpus], jobs=1)
    return root


@pytest.fixture()
def corpus_copy(tmp_path: Path, corpus: Path) -> Path:
    """A writable copy of the bundled corpus."""
    dest = tmp_path / "plans"
    shutil.copytree(corpus, dest)
    return dest


@pytest.fixture(scope="session", params=sorted(STARTERS))
def remote_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built_store: Path,
                 corpus: Path) -> Iterator[RemoteBuild]:
    """Each real SPARQL server in turn (skipped when not installed), on free loopback ports over a new
    database, with the bundled corpus built into it by ``build_remote``; stopped afterwards."""
    from graph.build.remote import build_remote
    from qgkg.config import Settings

    server = STARTERS[request.param](tmp_path_factory.mktemp(request.param))
    try:
        local = tmp_path_factory.mktemp(f"{request.param}-local")
        report = build_remote(Settings(store=local, endpoint=server.url), [corpus], jobs=1)
        assert not report.errors, report.errors
        yield RemoteBuild(request.param, server.url, local, built_store, server)
    finally:
        server.stop()
