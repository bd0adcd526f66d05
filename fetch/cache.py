"""The fetch cache of a store: what each URL answered last, and the bodies, kept by sha256.

``STORE/fetch/<sha1 of the URL>.json`` holds a ``CacheEntry`` (final URL, status, time,
sha256, media type, charset, ETag, Last-Modified); the body is ``STORE/sources/<sha256>``,
the folder where a build also keeps every plan file as read (the plan page's download). A
rebuild revalidates each URL with ``If-None-Match``/``If-Modified-Since`` and reuses the body
on ``304 Not Modified``. Every write is atomic (a temporary file renamed): a build killed
mid-way leaves entries that are whole or absent. The cache is a cache: deleting it costs a
full download, never a plan.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class CacheEntry:
    """What a URL answered the last time it gave a body."""

    url: str
    final_url: str
    status: int
    fetched_at: str  # ISO 8601 UTC time of the response that gave the body
    sha256: str
    content_type: str  # the media type, without parameters
    charset: str | None = None  # the charset parameter of Content-Type, when the server sent one
    etag: str | None = None
    last_modified: str | None = None


def keep_blob(folder: Path, data: bytes, sha256: str | None = None) -> str:
    """Write ``data`` as ``folder/<sha256>`` unless it is there already; return the digest."""
    digest = sha256 or hashlib.sha256(data).hexdigest()
    target = folder / digest
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{digest}.{os.getpid()}.{threading.get_ident()}"
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return digest


class FetchCache:
    """Entries by URL in ``folder``, bodies by sha256 in ``blobs`` (safe to share between threads)."""

    def __init__(self, folder: Path, blobs: Path) -> None:
        self.folder = Path(folder)
        self.blobs = Path(blobs)

    def _entry_path(self, url: str) -> Path:
        return self.folder / (hashlib.sha1(url.encode("utf-8")).hexdigest() + ".json")

    def get(self, url: str) -> CacheEntry | None:
        """The entry of ``url`` whose body is still kept, or None (unknown, unreadable, body gone)."""
        try:
            data = json.loads(self._entry_path(url).read_text(encoding="utf-8"))
            entry = CacheEntry(**{f.name: data.get(f.name) for f in fields(CacheEntry)})
        except (OSError, ValueError, TypeError):
            return None
        if entry.url != url or not SHA256_HEX.match(str(entry.sha256)) or not self.blob(entry.sha256).is_file():
            return None
        return entry

    def put(self, entry: CacheEntry, body: bytes) -> None:
        """Keep ``body`` (by its sha256) and the entry of its URL."""
        keep_blob(self.blobs, body, entry.sha256)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._entry_path(entry.url)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(asdict(entry), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def blob(self, sha256: str) -> Path:
        """The path of a body (which may not exist)."""
        return self.blobs / sha256

    def digests(self) -> set[str]:
        """The sha256 of every body an entry refers to (what pruning the blobs must keep)."""
        out: set[str] = set()
        for path in self.folder.glob("*.json") if self.folder.is_dir() else ():
            try:
                out.add(str(json.loads(path.read_text(encoding="utf-8"))["sha256"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return out
