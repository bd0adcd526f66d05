"""Docstring examples of the pure modules run as tests (pyoxigraph's tests/test_doc.py habit)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import graph
import loaders

MODULES = sorted(
    f"{pkg.__name__}.{m.name}"
    for pkg in (loaders, graph)
    for m in pkgutil.iter_modules(pkg.__path__)
    if not m.name.startswith("_")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0, name
