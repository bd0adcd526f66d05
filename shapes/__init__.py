"""The qgkg SHACL shapes (``qgkg.ttl`` in this data package), with the IRI base configurable."""

from __future__ import annotations

import re
from importlib.resources import files

from rdflib import Graph

from qgkg.config import DEFAULT_BASE
from qgkg.errors import QgkgError

SHAPES_FILE = "qgkg.ttl"
SHAPES_NS = "https://w3id.org/qgkg/shapes#"
_SAFE_BASE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>\\{}|^`]*/$")


def shapes_text() -> str:
    """The shapes as Turtle text, written for the default base ``https://w3id.org/qgkg/id/``."""
    return files(__name__).joinpath(SHAPES_FILE).read_text(encoding="utf-8")


def rebase_text(text: str, base: str = DEFAULT_BASE) -> str:
    """Turtle text with the default base replaced by ``base``, in IRIs and in regex patterns.

    Raises:
        QgkgError: ``base`` is not an absolute IRI ending in ``/`` that can stand in Turtle.
    """
    if base == DEFAULT_BASE:
        return text
    if not _SAFE_BASE.match(base):
        raise QgkgError(f"{base!r}: the IRI base must be an absolute IRI ending in '/'")
    # a regex written in a Turtle string: re.escape, then Turtle's own backslash escaping
    as_pattern = re.escape(DEFAULT_BASE).replace("\\", "\\\\")
    text = text.replace(as_pattern, re.escape(base).replace("\\", "\\\\"))
    return text.replace(DEFAULT_BASE, base)


def shapes_graph(base: str = DEFAULT_BASE) -> Graph:
    """The shapes graph, for resources minted under ``base``."""
    graph = Graph()
    graph.parse(data=rebase_text(shapes_text(), base), format="turtle")
    graph.bind("qgs", SHAPES_NS)
    return graph
