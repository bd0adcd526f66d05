"""Docstring examples of the pure modules run as tests (pyoxigraph's tests/test_doc.py habit)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import fetch
import graph
import loaders
import qgkg

MODULES = sorted(
    m.name
    for pkg in (loaders, fetch, graph, qgkg)
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
    if not m.name.rsplit(".", 1)[-1].startswith("_")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0, name
