"""Dumps of a store version: five formats, gzipped, each with its size, count and sha256.

Dumps are written once per store version into ``VERSION/dumps/`` and described by
``VERSION/dumps/dumps.json``; the same pass counts the statements per property and
per class for the VoID description.

When they are written: a post-build step writes them at once when the store is
small (at most ``EAGER_LIMIT`` statements, e.g. the bundled corpus, well under a
second), so that a small incremental build stays fast; on a large store a dump
takes minutes (10,000 plans: over a minute per format), so the post-build step
leaves them out and the web app starts ``python -m graph.dumps VERSION`` in the
background on the first request for a version that has none. A lock file makes
sure one process writes them.
"""

from __future__ import annotations

import fcntl
import gzip
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.build import sha256_file
from graph.formats import RdfFormat
from graph.store import PREFIXES

DUMP_FORMATS = (RdfFormat.NQ, RdfFormat.TRIG, RdfFormat.TTL, RdfFormat.NT, RdfFormat.JSONLD)
DUMPS_DIR = "dumps"
INDEX = "dumps.json"
LOCK = "dumps.lock"
EAGER_LIMIT = 200_000
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def dump_name(fmt: RdfFormat) -> str:
    """The file name of a dump (``qgkg.nq.gz`` …)."""
    return f"qgkg.{fmt.extension}.gz"


def read_index(version: Path) -> dict[str, Any] | None:
    """The dumps index of a version, or None when its dumps are not written (yet)."""
    try:
        data: dict[str, Any] = json.loads((Path(version) / DUMPS_DIR / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def _counted(quads: Iterator[ox.Quad], tally: dict[str, Any] | None) -> Iterator[ox.Quad]:
    """Pass quads through, counting statements per property and class, and subjects, into ``tally``."""
    for q in quads:
        if tally is not None:
            tally["n"] += 1
            tally["properties"][q.predicate.value] += 1
            if q.predicate.value == RDF_TYPE and isinstance(q.object, ox.NamedNode):
                tally["classes"][q.object.value] += 1
            if isinstance(q.subject, ox.NamedNode):
                tally["subjects"].add(q.subject.value)
        yield q


def write_all(version: Path, store: ox.Store) -> dict[str, Any]:
    """Write every dump of ``store`` into ``version/dumps`` and its index; return the index."""
    started = time.perf_counter()
    out_dir = Path(version) / DUMPS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    void: dict[str, Any] = {}
    for fmt in DUMP_FORMATS:
        tally: dict[str, Any] | None = None
        if fmt is RdfFormat.NQ:
            tally = {"n": 0, "properties": Counter(), "classes": Counter(), "subjects": set()}
        count = [0]

        def quads(tally: dict[str, Any] | None = tally, count: list[int] = count) -> Iterator[Any]:
            for q in _counted(iter(store.quads_for_pattern(None, None, None, None)), tally):
                count[0] += 1
                yield q if fmt.is_dataset else q.triple

        target = out_dir / dump_name(fmt)
        tmp = out_dir / f".{target.name}.{os.getpid()}.tmp"
        with (
            tmp.open("wb") as raw,
            gzip.GzipFile(filename=target.name, fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz,
        ):
            prefixes = PREFIXES if fmt in (RdfFormat.TTL, RdfFormat.TRIG) else None
            ox.serialize(quads(), gz, fmt.oxigraph, prefixes=prefixes)
        os.replace(tmp, target)
        digest = sha256_file(target)
        (out_dir / f"{target.name}.sha256").write_text(f"{digest}  {target.name}\n", encoding="ascii")
        files.append(
            {
                "name": target.name,
                "format": fmt.value,
                "media_type": fmt.media_type,
                "size": target.stat().st_size,
                "triples": count[0],
                "sha256": digest,
            }
        )
        if tally is not None:
            void = {
                "triples": tally["n"],
                "entities": len(tally["subjects"]),
                "properties": dict(tally["properties"].most_common()),
                "classes": dict(tally["classes"].most_common()),
            }
    index = {
        "format": 1,
        "version": Path(version).name,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.perf_counter() - started, 3),
        "files": files,
        "void": void,
    }
    tmp_index = out_dir / f".{INDEX}.{os.getpid()}"
    tmp_index.write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp_index, out_dir / INDEX)
    return index


def write_dumps(version: Path, store: ox.Store, delta: Any) -> None:
    """Post-build step: write the dumps now when the store is small; a large store gets them lazily."""
    quads = store.quads_for_pattern(None, None, None, None)
    if sum(1 for _ in itertools.islice(quads, EAGER_LIMIT + 1)) <= EAGER_LIMIT:
        write_all(version, store)


def dumps_state(version: Path) -> str:
    """``ready``, ``running`` (a process holds the lock) or ``missing``."""
    if read_index(version) is not None:
        return "ready"
    lock = Path(version) / DUMPS_DIR / LOCK
    if not lock.exists():
        return "missing"
    with lock.open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return "running"
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return "missing"


_started: set[str] = set()
_started_lock = threading.Lock()


def ensure_dumps(version: Path) -> str:
    """Start writing the dumps of ``version`` in the background unless they exist or are being written."""
    state = dumps_state(version)
    if state != "missing":
        return state
    with _started_lock:
        key = str(version)
        if key in _started and dumps_state(version) == "running":
            return "running"
        _started.add(key)
        proc = subprocess.Popen(
            [sys.executable, "-m", "graph.dumps", str(version)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        threading.Thread(target=proc.wait, daemon=True).start()  # reap it when it ends
    return "running"


def run_locked(version: Path) -> int:
    """Write the dumps of ``version`` under its lock (the background process)."""
    out_dir = Path(version) / DUMPS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / LOCK).open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0
        if read_index(version) is None:
            write_all(Path(version), ox.Store.read_only(str(Path(version) / "oxigraph")))
    return 0


if __name__ == "__main__":
    sys.exit(run_locked(Path(sys.argv[1])))
