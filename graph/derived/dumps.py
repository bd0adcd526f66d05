"""Dumps of a store version: five formats, gzipped, each with its size, count and sha256.

Every named graph (each plan graph and the reference graph) is serialized once per
format as a gzip member (``graph.derived.chunk_writer``); a dump file is the concatenation of the
members, served and exported straight from them (nothing is assembled on disk). The
post-build step ``write_dumps`` keeps the previous version's members of the graphs a build
did not touch and serializes only the graphs it wrote plus the reference graph, so its cost
follows the change, not the store. JSON-LD is assembled the same way: its members are the
node objects of one top-level array (the union, like Turtle and N-Triples), with the brackets and
commas as members of their own.

``VERSION/dumps/dumps.json`` describes the files (size, statements, sha256 once known)
and carries the VoID tallies (statements per property and class, entities), kept per
graph in the chunk index and summed here. The sha256 of a whole file needs all its bytes,
so it is computed on first request (``file_sha256``), or by the background process the
web app starts, and cached as ``NAME.sha256``.

A version without chunks (built before them, or by a build whose previous version had
none) gets them from ``python -m graph.derived.dumps VERSION`` in the background, under a lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.derived.chunk_writer import DEFAULT_GRAPH_KEY, ChunkReport, ChunkSource, GraphTally, graph_key, write_chunks
from graph.derived.reference_parts import reference_sources
from graph.store import Version, reference_graph_iri
from graph.store.chunks import (
    DUMP_FORMATS,
    INDEX,
    INDEX_DB,
    cached_sha256,
    connect,
    dump_name,
    dump_sizes,
    has_chunks,
    open_dump,
    read_index,
)

LOCK = "dumps.lock"
INDEX_FORMAT = 2


_MEMO: dict[tuple[str, str], str] = {}  # digests that could not be cached on disk (a read-only store)


def file_sha256(version: Path, name: str) -> str:
    """The sha256 of a whole dump file, computed once (reading every byte) and cached beside the index."""
    folder = Version(version).dumps
    known = cached_sha256(folder, name) or _MEMO.get((str(version), name))
    if known:
        return known
    h = hashlib.sha256()
    if (folder / name).is_file():  # an assembled file (versions written before chunks)
        src: Any = (folder / name).open("rb")
    else:
        src = open_dump(version, name)
    with src:
        while block := src.read(1 << 20):
            h.update(block)
    digest = h.hexdigest()
    tmp = folder / f".{name}.sha256.{os.getpid()}"
    try:
        tmp.write_text(f"{digest}  {name}\n", encoding="ascii")
        os.replace(tmp, folder / f"{name}.sha256")
    except OSError:  # a read-only store: the digest is still right, only not cached on disk
        _MEMO[(str(version), name)] = digest
    return digest


# --- writing ---------------------------------------------------------------------------------


def _previous_dumps(delta: Any) -> tuple[Path | None, dict[str, Any] | None]:
    """The previous version's dumps folder and index, when it has chunks to reuse."""
    previous = getattr(delta, "previous", None)
    if previous is None:
        return None, None
    folder = Version(previous).dumps
    index = read_index(previous)
    if index is None or index.get("format") != INDEX_FORMAT or not has_chunks(folder):
        return None, None
    return folder, index


def _graph_source(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> ChunkSource:
    return graph_key(graph), lambda: list(store.quads_for_pattern(None, None, None, graph))


def _default_graph_sources(store: ox.Store) -> list[ChunkSource]:
    quads = store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    return [_graph_source(store, ox.DefaultGraph())] if next(iter(quads), None) is not None else []


def write_version_dumps(
    version: Path, store: ox.Store, *, base: str | None = None, delta: Any = None
) -> dict[str, Any]:
    """Write the chunks of ``version`` (reusing the previous version's when ``delta`` allows) and its index."""
    started = time.perf_counter()
    out_dir = Version(version).dumps
    prev_dir, prev_index = _previous_dumps(delta)
    sources = _default_graph_sources(store)
    stale: set[str] = {DEFAULT_GRAPH_KEY}
    base = base or getattr(delta, "base", None)
    ref = ox.NamedNode(reference_graph_iri(base)) if base else None
    if prev_dir is not None:
        sources += [_graph_source(store, ox.NamedNode(g)) for g in delta.added]
        stale |= set(delta.removed) | set(delta.added)
    else:
        sources += [_graph_source(store, g) for g in store.named_graphs() if g != ref]
    meta: dict[str, str] = {}
    if ref is not None:
        ref_sources, ref_stale, meta = reference_sources(store, ref, str(base), prev_dir, delta)
        sources += ref_sources
        stale |= ref_stale
    report, gone, added = write_chunks(
        out_dir, sources, segment=Path(version).name, previous=prev_dir, stale=stale, meta=meta
    )
    void = _void_totals(out_dir, prev_index.get("void") if prev_index else None, gone, added)
    index = _index(version, report, void, time.perf_counter() - started)
    tmp_index = out_dir / f".{INDEX}.{os.getpid()}"
    tmp_index.write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp_index, out_dir / INDEX)
    return index


def _void_totals(
    out_dir: Path, previous: dict[str, Any] | None, gone: dict[str, GraphTally], added: dict[str, GraphTally]
) -> dict[str, Any]:
    """The VoID tallies: the previous totals minus the graphs dropped plus the graphs written."""
    props: Counter[str] = Counter(previous.get("properties", {}) if previous else {})
    classes: Counter[str] = Counter(previous.get("classes", {}) if previous else {})
    triples = previous.get("triples", 0) if previous else 0
    for sign, tallies in ((-1, gone.values()), (1, added.values())):
        for t in tallies:
            triples += sign * t.statements
            props.update({k: sign * n for k, n in t.properties.items()})
            classes.update({k: sign * n for k, n in t.classes.items()})
    db = connect(out_dir / INDEX_DB, readonly=True)
    try:
        (owned,) = db.execute("SELECT COALESCE(SUM(owned), 0) FROM tally").fetchone()
        (foreign,) = db.execute("SELECT COUNT(DISTINCT subject) FROM foreign_subject").fetchone()
    finally:
        db.close()
    return {
        "triples": triples,
        "entities": owned + foreign,
        "properties": {k: n for k, n in props.most_common() if n > 0},
        "classes": {k: n for k, n in classes.most_common() if n > 0},
    }


def _index(version: Path, report: ChunkReport, void: dict[str, Any], seconds: float) -> dict[str, Any]:
    sizes = dump_sizes(Version(version).dumps)
    files = [
        {
            "name": dump_name(fmt),
            "format": fmt.value,
            "media_type": fmt.media_type,
            "size": sizes[fmt],
            "triples": void["triples"],
            "sha256": None,
        }
        for fmt in DUMP_FORMATS
    ]
    return {
        "format": INDEX_FORMAT,
        "version": Path(version).name,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(seconds, 3),
        "files": files,
        "void": void,
        "chunks": {
            "chunks": report.chunks,
            "written": report.written,
            "reused": report.reused,
            "segments_linked": report.segments_linked,
            "segments_compacted": report.segments_compacted,
            "bytes_written": report.bytes_written,
        },
    }


def write_dumps(version: Path, store: ox.Store, delta: Any) -> None:
    """Post-build step: serialize the graphs this build wrote and the reference graph; reuse the rest."""
    write_version_dumps(version, store, delta=delta)


def write_all(version: Path, store: ox.Store, base: str | None = None) -> dict[str, Any]:
    """Write every chunk of ``store`` into ``version/dumps`` and its index (no reuse); return the index."""
    return write_version_dumps(version, store, base=base or _version_base(version))


def _version_base(version: Path) -> str | None:
    try:
        base = Version(version).manifest().base
    except (OSError, ValueError):
        return None
    return base or None


# --- lazily, in the background ---------------------------------------------------------------


def dumps_state(version: Path) -> str:
    """``ready``, ``running`` (a process holds the lock) or ``missing``."""
    if read_index(version) is not None:
        return "ready"
    lock = Version(version).dumps / LOCK
    if not lock.exists():
        return "missing"
    with lock.open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return "running"
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return "missing"


def _pending_hashes(version: Path) -> list[str]:
    info = read_index(version)
    return [] if info is None else [f["name"] for f in info["files"] if not f.get("sha256")]


_started: set[str] = set()
_started_lock = threading.Lock()


def ensure_dumps(version: Path) -> str:
    """Start the background process unless the dumps (and their sha256) exist or are being written.

    Returns the state of the dumps themselves: ``ready`` as soon as they can be served.
    """
    state = dumps_state(version)
    if state == "running" or (state == "ready" and not _pending_hashes(version)):
        return state
    with _started_lock:
        key = str(version)
        if key in _started:
            return state if state == "ready" else "running"
        _started.add(key)
        proc = subprocess.Popen(
            [sys.executable, "-m", "graph.derived.dumps", str(version)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        threading.Thread(target=proc.wait, daemon=True).start()  # reap it when it ends
    return state if state == "ready" else "running"


def run_locked(version: Path, *, hashes: Iterable[str] | None = None) -> int:
    """Write the chunks of ``version`` if it has none, then the sha256 of each file (the background process)."""
    out_dir = Version(version).dumps
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / LOCK).open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0
        if read_index(version) is None:
            write_all(Path(version), ox.Store.read_only(str(Version(version).oxigraph)))
        for name in _pending_hashes(version) if hashes is None else hashes:
            file_sha256(Path(version), name)
    return 0


if __name__ == "__main__":
    sys.exit(run_locked(Path(sys.argv[1])))
