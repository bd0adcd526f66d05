"""The shapes accept what the loaders make of the bundled plans, under the default and a custom base."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from rdflib import Graph

from graph.validate import validate_graph, validate_many
from loaders.plan import extract_file
from qgkg.config import DEFAULT_BASE

PLANS = sorted(Path(str(files("qgkg_corpus").joinpath("plans"))).glob("*.*"))


def plan_graphs(path: Path, base: str) -> list[tuple[str, Graph]]:
    """Each plan of a file with the entity descriptions of the file, as `qgkg extract` prints them."""
    extraction = extract_file(path, base=base)
    out = []
    for plan in extraction.plans:
        graph = Graph()
        graph += plan.graph
        graph += extraction.entities
        out.append((str(plan.iri), graph))
    return out


@pytest.mark.parametrize("path", PLANS, ids=[p.name for p in PLANS])
@pytest.mark.parametrize("base", [DEFAULT_BASE, "http://example.org/kg/"], ids=["default-base", "custom-base"])
def test_validate_graph_bundled_plan_conforms(path: Path, base: str) -> None:
    for name, graph in plan_graphs(path, base):
        report = validate_graph(graph, base=base)
        assert report.violations == 0, (name, [(r.shape, r.focus, r.message) for r in report.results][:5])
        assert name.startswith(base)


def test_validate_many_bundled_plans_in_two_workers() -> None:
    items = [item for path in PLANS for item in plan_graphs(path, DEFAULT_BASE)]
    reports = validate_many(items, jobs=2)
    assert list(reports) == [name for name, _ in items]
    assert all(r.conforms for r in reports.values())
