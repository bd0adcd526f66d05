"""The application's build: ``graph.build`` with the post-build steps that write the side tables.

The build itself knows no step; the shell names them here, in the order they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.build import BuildReport, PostBuildStep
from graph.build import build as build_store
from graph.derived.dumps import write_dumps
from graph.derived.network_tables import write_network_tables
from graph.derived.search_index import write_search_index
from graph.derived.stats import write_stats

POST_BUILD_STEPS: tuple[PostBuildStep, ...] = (write_stats, write_network_tables, write_dumps, write_search_index)

# the part of a version (``graph.store.versions.Version``) each step writes: what ``qgkg check-store
# --repair`` runs again when that part is damaged or missing
SIDE_FILE_STEPS: dict[str, PostBuildStep] = {
    "stats.json": write_stats, "network.sqlite": write_network_tables, "dumps": write_dumps,
    "search.sqlite": write_search_index,
}


def build(root: Path, paths: list[Path], **options: Any) -> BuildReport:
    """``graph.build.build`` with ``POST_BUILD_STEPS`` (statistics, network tables, dumps, search index)."""
    return build_store(root, paths, steps=POST_BUILD_STEPS, **options)
