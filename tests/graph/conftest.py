"""Fixtures for the store and CLI tests: real stores built from the bundled corpus in tmp folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qgkg.build import build
from qgkg.cli import bundled_corpus


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
