"""Repairing a version's side files: each damaged or missing one is written again from the Oxigraph store.

The Oxigraph store is the source of truth; the statistics, network tables, dumps and search
index are what the post-build steps (``graph.build.steps``) derive from it. ``rebuild_side_files``
runs the steps of the damaged parts on the version in place (each step writes a temporary file
and renames it over the old one, so a reader sees the old file or the new one), then records the
new files' digests in the manifest. The graph itself cannot be repaired from anything: a damaged
Oxigraph store is refused (``graph.store.versions.damaged``).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

import pyoxigraph as ox

from graph.build.steps import BuildDelta, PostBuildStep
from graph.store import Version, reference_graph_iri
from graph.store.integrity import Problem, file_records
from graph.store.versions import REPAIRABLE
from qgkg.errors import StoreError


def full_delta(store: ox.Store, base: str) -> BuildDelta:
    """A delta that makes every step write its output from the whole store (no previous version)."""
    ref = reference_graph_iri(base)
    plans = frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != ref)
    return BuildDelta(None, frozenset(), plans, base, frozenset(), static_reloaded=True)


def rebuild_side_files(version: Path, problems: list[Problem], steps: Mapping[str, PostBuildStep], *,
                       base: str, others: Mapping[str, Callable[[Path], None]] | None = None) -> list[str]:
    """Write the damaged parts of ``version`` again; return one line per part rebuilt.

    ``steps`` maps a part (``network.sqlite``, ``dumps`` …) to the post-build step that writes it;
    ``others`` maps the parts not written from the graph by a step (``validation.json``) to a function
    of the version folder. A write that fails is a one-line ``StoreError``.
    """
    others = others or {}
    parts = sorted({p.part for p in problems})
    refused = [p for p in parts if p not in REPAIRABLE or (p not in steps and p not in others)]
    if refused:
        raise StoreError(f"{Path(version) / refused[0]}: cannot be rebuilt from the graph")
    files = Version(version)
    done: list[str] = []
    try:
        store = ox.Store.read_only(str(files.oxigraph))
        for part in parts:
            target = Path(version) / part
            if part == "dumps" and target.is_dir():
                shutil.rmtree(target)  # unlink, never rewrite: segments may be hard links shared with other versions
            if part in steps:
                steps[part](Path(version), store, full_delta(store, base))
            else:
                others[part](Path(version))
            done.append(f"{target}: rebuilt from the Oxigraph store")
        manifest = files.manifest()
        integrity = dict(manifest.integrity or {})
        kept = {k: v for k, v in dict(integrity.get("files", {})).items() if k.split("/", 1)[0] not in parts}
        kept.update(file_records(version, only=parts))
        integrity["files"] = dict(sorted(kept.items()))
        manifest.integrity = integrity
        files.write_manifest(manifest)
    except (OSError, sqlite3.Error, RuntimeError) as exc:  # a read-only or full folder; RocksDB's I/O errors
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())
        raise StoreError(f"{version}: cannot repair ({reason})") from None
    return done
