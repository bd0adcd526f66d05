"""The synthetic corpus generator: deterministic for a seed, and its texts load."""

from __future__ import annotations

from pathlib import Path

from bench.generate import LAYOUTS, generate, generate_plan
from graph.build import extract_one


def test_generate_plan_is_deterministic_for_a_seed() -> None:
    assert generate_plan(1, 7) == generate_plan(1, 7)
    assert generate_plan(1, 7) != generate_plan(2, 7)


def test_generate_prefix_of_larger_corpus(tmp_path: Path) -> None:
    generate(tmp_path / "a", 5, 3)
    generate(tmp_path / "b", 8, 3)
    small = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    large = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert small.items() <= large.items()


def test_generate_covers_every_layout() -> None:
    kinds = {generate_plan(1, i)[0].split("-")[-2] for i in range(60)}
    assert kinds == {f.__name__.removeprefix("layout_") for f in LAYOUTS}


def test_generated_texts_load(tmp_path: Path) -> None:
    generate(tmp_path, 12, 1)
    results = [extract_one(str(p), "https://w3id.org/qgkg/id/") for p in sorted(tmp_path.iterdir())]
    loaded = [r for r in results if r.error is None]
    assert len(loaded) >= len(results) * 2 // 3, [r.error for r in results if r.error]
    assert all(r.activities > 0 and r.plans for r in loaded)
