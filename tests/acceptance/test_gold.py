"""Gold scoring of the extraction on every bundled plan (the rules of the team's score tool)."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from rdflib import Graph

from loaders.plan import extract_file

from .scoring import score

GOLD_DIR = Path(__file__).resolve().parents[1] / "data" / "gold"
GOLD = sorted(GOLD_DIR.glob("*.json"))


def _plan_path(name: str) -> Path:
    return Path(str(files("qgkg_corpus") / "plans" / name))


def _graph_of(name: str) -> Graph:
    extraction = extract_file(_plan_path(name))
    graph = Graph()
    for plan in extraction.plans:
        graph += plan.graph
    graph += extraction.entities
    return graph


@pytest.fixture(scope="module", params=GOLD, ids=[p.stem for p in GOLD])
def scored(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    gold = json.loads(request.param.read_text(encoding="utf-8"))
    return gold, score(gold, _graph_of(gold["file"]))


def test_gold_activities_f1(scored) -> None:  # type: ignore[no-untyped-def]
    gold, result = scored
    assert result.activities >= 0.95, result.misses


def test_gold_agencies_f1(scored) -> None:  # type: ignore[no-untyped-def]
    gold, result = scored
    assert result.agencies >= 0.90, result.misses


def test_gold_programmes_f1(scored) -> None:  # type: ignore[no-untyped-def]
    gold, result = scored
    assert result.programmes >= 0.80, result.misses


def test_gold_city_and_year(scored) -> None:  # type: ignore[no-untyped-def]
    gold, result = scored
    assert result.city_ok in (True, None)
    assert result.year_ok


def test_gold_spliced_fragment_found_and_not_leaked(scored) -> None:  # type: ignore[no-untyped-def]
    gold, result = scored
    if "spliced_fragment" not in gold:
        pytest.skip("no spliced fragment in this plan")
    assert result.fragment_found == len(gold["spliced_fragment"]["activities"])
    assert result.fragment_leaked == 0
