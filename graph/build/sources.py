"""The files as read: ``STORE/sources/<sha256>``, the bytes each plan was extracted from.

A build keeps the bytes of every file it extracted (copied, and only when they still have the
digest the plan records: a file edited since is not kept under a wrong name) and the fetch
cache keeps every page's bytes there (``fetch.cache``). The plan page offers them for download
by their sha256 (``/sources/<sha256>``): no path is ever taken from a request. Bytes that no
kept version and no cache entry refers to are removed after a build (``prune_sources``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from fetch.cache import SHA256_HEX, keep_blob
from graph.build.workers import FileResult
from graph.store import StoreDir, Version

MAX_KEPT_BYTES = 64 * 1024 * 1024  # the loaders' largest file: anything the build read fits


def keep_sources(sdir: StoreDir, results: Iterable[FileResult]) -> list[str]:
    """Copy the bytes of each extracted file into ``sources/`` (web pages are there already); the
    files that changed since they were read, one line each (their download is missing)."""
    skipped: list[str] = []
    for r in results:
        if r.error is not None or not r.sha256 or (sdir.sources / r.sha256).is_file():
            continue
        try:
            with open(r.path, "rb") as fh:
                data = fh.read(MAX_KEPT_BYTES + 1)
        except OSError as exc:
            skipped.append(f"{r.path}: the file as read is not kept ({exc.strerror or exc})")
            continue
        if hashlib.sha256(data).hexdigest() != r.sha256:
            skipped.append(f"{r.path}: changed while the build read it; the file as read is not kept")
            continue
        keep_blob(sdir.sources, data, r.sha256)
    return skipped


def prune_sources(sdir: StoreDir, cached: set[str]) -> int:
    """Remove the bytes no kept version's manifest and no fetch cache entry (``cached``) refers to;
    return how many were removed."""
    folder = sdir.sources
    if not folder.is_dir():
        return 0
    wanted = set(cached)
    versions = sdir.versions
    for path in versions.iterdir() if versions.is_dir() else ():
        v = Version(path)
        if v.is_complete():
            wanted |= {s.sha256 for s in v.manifest().sources.values()}
    removed = 0
    for blob in folder.iterdir():
        if SHA256_HEX.match(blob.name) and blob.name not in wanted:
            blob.unlink(missing_ok=True)
            removed += 1
    return removed

