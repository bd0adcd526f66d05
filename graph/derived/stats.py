"""Statistics for the home page, written once per store version (``stats.json``) by a post-build step.

A build that changes a few files updates the previous version's statistics with
the rows of the changed plans only, so it stays fast on a large store.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from graph.queries import get_query
from graph.store import UNION, Dataset, GraphStore, Value, Version, reference_graph_iri, solutions_to_rows
from graph.store.versions import write_json
from qgkg.config import ONTOLOGY_NS

QG = ONTOLOGY_NS
_KIND_KEYS = {
    QG + "Agency": "agencies",
    QG + "Programme": "programmes",
    QG + "City": "cities",
    QG + "Jurisdiction": "jurisdictions",
    QG + "Year": "years",
}


# Oxigraph evaluates a default graph given as a list of graphs in time that grows with the square
# of their number (1,000 graphs: ~100x slower than the union); past this many changed plans the
# statistics are read again from the union, in one pass (docs/BENCHMARKS.md, "Statistics of many changed plans").
FEW_GRAPHS = 64


def read_stats(version: Path) -> dict[str, Any] | None:
    """The statistics of a version, or None when they were not written (shared between calls: do not modify).

    A version's file never changes once written, so it is parsed once per process
    (7 MB and 0.25 s at 10,000 plans: too much for every home page).
    """
    path = Version(version).stats
    try:
        st = path.stat()
    except OSError:
        return None
    return _load_stats(str(path), st.st_ino, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _load_stats(path: str, _inode: int, _mtime_ns: int, _size: int) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def plan_rows(
    rows: list[dict[str, Value]], programme_rows: list[dict[str, Value]]
) -> dict[str, dict[str, Any]]:
    """One record per plan from the rows of ``stats_plans`` and ``stats_plan_programmes``."""
    plans: dict[str, dict[str, Any]] = {}
    for r in rows:
        iri = r["plan"].value
        plans[iri] = {
            "iri": iri,
            "where": r["where"].value,
            "year": r["year"].value,
            "title": r["title"].value if "title" in r else "",
            "whereName": r["whereName"].value if "whereName" in r else "",
            "kind": r["kind"].value if "kind" in r else "",
            "activities": int(r["activities"].value),
            "programmes": {},
        }
    for r in programme_rows:
        if r["plan"].value in plans:
            plans[r["plan"].value]["programmes"][r["programme"].value] = int(r["activities"].value)
    return plans


def assemble(
    plans: dict[str, dict[str, Any]], kinds: list[dict[str, Value]], programmes: list[dict[str, Value]]
) -> dict[str, Any]:
    """The statistics document from plan records, entity counts and programme labels."""
    counts = {
        "plans": len(plans),
        "activities": 0,
        "agencies": 0,
        "programmes": 0,
        "cities": 0,
        "years": 0,
        "jurisdictions": 0,
    }
    for r in kinds:
        key = _KIND_KEYS.get(r["type"].value)
        if key:
            counts[key] = int(r["n"].value)
    per_programme: dict[str, int] = {}
    for p in plans.values():
        for prog, n in p["programmes"].items():
            per_programme[prog] = per_programme.get(prog, 0) + n
    counts["activities"] = sum(int(p["activities"]) for p in plans.values())
    progs = [
        {
            "iri": r["programme"].value,
            "code": r["code"].value,
            "name": r["name"].value if "name" in r else r["code"].value,
            "en": r["nameEn"].value if "nameEn" in r else None,
            "activities": per_programme.get(r["programme"].value, 0),
        }
        for r in programmes
    ]
    return {"format": 1, "counts": counts, "plans": plans, "programmes": progs}


def compute_stats(store: GraphStore) -> dict[str, Any]:
    """Statistics of a whole store, through its query API (the fallback when no ``stats.json`` exists)."""
    plans = plan_rows(store.select("stats_plans"), store.select("stats_plan_programmes"))
    return assemble(plans, store.select("stats_entities"), store.select("stats_programmes"))


def write_stats(version: Path, store: Any, delta: Any) -> None:
    """Post-build step: write ``stats.json`` for a new version, reusing the previous one where it can."""
    previous = read_stats(delta.previous) if delta.previous is not None else None

    def rows(name: str, dataset: Dataset = UNION) -> list[dict[str, Value]]:
        return solutions_to_rows(store.query(get_query(name).text, **dataset.oxigraph_options()))

    if previous is not None and previous.get("format") == 1 and len(delta.added) <= FEW_GRAPHS:
        plans = {k: v for k, v in previous["plans"].items() if k not in delta.removed}
        if delta.added:
            changed = Dataset(default_graphs=(*sorted(delta.added), reference_graph_iri(delta.base)))
            plans.update(plan_rows(rows("stats_plans", changed), rows("stats_plan_programmes", changed)))
    else:  # a first build, or many changed plans: one pass over the union
        plans = plan_rows(rows("stats_plans"), rows("stats_plan_programmes"))
    data = assemble(plans, rows("stats_entities"), rows("stats_programmes"))
    write_json(Version(version).stats, data)
