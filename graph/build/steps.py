"""Post-build steps: what a build tells the side tables it changed, and how it runs them.

A step is ``step(version_folder, store, delta)``: it runs on the new version with the read-write
Oxigraph store open, before the version becomes current, and writes its outputs inside the
version folder (statistics, network tables, dumps, search index: ``graph.derived``). The build
does not know them: the shell passes them in (``graph.derived.POST_BUILD_STEPS``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BuildDelta:
    """What a build changed, for post-build steps that update their outputs incrementally."""

    previous: Path | None  # the previous version folder (its cached outputs can be reused), or None
    removed: frozenset[str]  # plan graph IRIs removed or replaced
    added: frozenset[str]  # plan graph IRIs written by this build
    base: str
    touched: frozenset[str] = frozenset()  # entity IRIs whose reference description was merged again
    static_reloaded: bool = True  # the ontology and programme scheme were (re)loaded: the whole reference changed


PostBuildStep = Callable[[Path, Any, BuildDelta], None]  # (version folder, pyoxigraph Store, delta)


def step_name(step: PostBuildStep) -> str:
    """The name a step's time is kept under in the manifest (``graph.derived.stats.write_stats``)."""
    return f"{getattr(step, '__module__', '')}.{getattr(step, '__name__', repr(step))}"


def run_steps(steps: Iterable[PostBuildStep], version: Path, store: Any, delta: BuildDelta) -> dict[str, float]:
    """Run the post-build steps in order; return the seconds each took (kept in the manifest)."""
    seconds: dict[str, float] = {}
    for step in steps:
        started = time.perf_counter()
        step(version, store, delta)
        seconds[step_name(step)] = round(time.perf_counter() - started, 4)
    return seconds
