"""A version's dumps as the store reads them: the chunk index, and dump files assembled from their members.

Every named graph of a version is serialized once per format as a gzip member (written by
``graph.derived.dumps``); a dump file is the concatenation of its members. Layout inside
``Version.dumps``::

    dumps.json           the files (size, statements, sha256 once known) and the VoID tallies
    chunks.sqlite        where each (graph, format) member lives, and each graph's VoID tally
    segments/NAME.seg    members appended one after the other
    NAME.sha256          a dump file's sha256, once computed

Nothing here writes; nothing is assembled on disk: readers stream the members.
"""

from __future__ import annotations

import bisect
import gzip
import io
import json
import os
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from graph.store.formats import RdfFormat
from graph.store.versions import Version
from qgkg.errors import StoreError

CHUNK_FORMATS = (RdfFormat.NQ, RdfFormat.TRIG, RdfFormat.TTL, RdfFormat.NT, RdfFormat.JSONLD)
DUMP_FORMATS = CHUNK_FORMATS
INDEX = "dumps.json"
INDEX_DB = "chunks.sqlite"
SEGMENTS = "segments"
PART_SEP = "\t"  # between a graph IRI and a part in a chunk key (never in an IRI)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS segment (name TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunk (
    graph TEXT NOT NULL, fmt TEXT NOT NULL, segment TEXT NOT NULL,
    offset INTEGER NOT NULL, length INTEGER NOT NULL, PRIMARY KEY (graph, fmt));
CREATE TABLE IF NOT EXISTS tally (
    graph TEXT PRIMARY KEY, statements INTEGER NOT NULL, owned INTEGER NOT NULL,
    properties TEXT NOT NULL, classes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS foreign_subject (graph TEXT NOT NULL, subject TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS foreign_by_graph ON foreign_subject (graph);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open a chunk index (read-only ones are immutable: their version never changes).

    A read-only index that is not a readable SQLite database is a one-line ``StoreError``.
    """
    if readonly:
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            root = Path(path).parent.parent.parent.parent  # STORE/versions/vN/dumps/chunks.sqlite
            raise StoreError(f"{path}: damaged ({' '.join(str(exc).split())}); "
                             f"repair it with 'qgkg check-store --repair --store {root}'") from None
        return db
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA)
    return db


def dump_name(fmt: RdfFormat) -> str:
    """The file name of a dump (``qgkg.nq.gz`` …)."""
    return f"qgkg.{fmt.extension}.gz"


DUMP_NAMES = {dump_name(f): f for f in DUMP_FORMATS}


def read_index(version: Path) -> dict[str, Any] | None:
    """The dumps index of a version (with every sha256 known so far), or None when it has none yet."""
    folder = Version(version).dumps
    try:
        data: dict[str, Any] = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for f in data.get("files", []):
        if not f.get("sha256"):
            f["sha256"] = cached_sha256(folder, f["name"])
    return data


def cached_sha256(folder: Path, name: str) -> str | None:
    """The sha256 of dump ``name`` computed earlier, or None."""
    try:
        text = (folder / f"{name}.sha256").read_text(encoding="ascii")
    except OSError:
        return None
    return text.split()[0] if text.strip() else None


def is_chunked(version: Path) -> bool:
    """True when the version's dumps are served from per-graph chunks (not assembled files)."""
    folder = Version(version).dumps
    return (folder / INDEX).is_file() and has_chunks(folder)


def open_dump(version: Path, name: str) -> DumpReader:
    """A seekable reader over the gzip bytes of dump ``name`` of a chunked version."""
    return DumpReader(Version(version).dumps, DUMP_NAMES[name])


def iter_dump_text(version: Path, fmt: RdfFormat) -> Iterator[bytes]:
    """The decompressed text of a chunked version's dump, in blocks (memory stays flat)."""
    return iter_decompressed(Version(version).dumps, fmt)


def dump_from_chunks(version: Path, out: IO[bytes], fmt: RdfFormat) -> int | None:
    """Copy the version's dump of ``fmt`` to ``out``, decompressed; the statements written, or None
    when the version has no chunks of it."""
    if fmt not in DUMP_FORMATS or not is_chunked(version):
        return None
    info = read_index(version)
    entry = next((f for f in (info or {}).get("files", []) if f["format"] == fmt.value), None)
    if entry is None:
        return None
    for block in iter_dump_text(version, fmt):
        out.write(block)
    return int(entry["triples"])

_JSONLD_OPEN, _JSONLD_SEP, _JSONLD_CLOSE = (gzip.compress(b, mtime=0) for b in (b"[", b",\n", b"]\n"))
_READ_BLOCK = 1 << 18  # compressed bytes read at a time
_OUT_BLOCK = 1 << 20  # decompressed bytes handed on at a time


@dataclass(frozen=True)
class Piece:
    """One gzip member of a dump: a range of a segment file, or bytes held here (JSON-LD's brackets)."""

    length: int
    segment: str = ""
    offset: int = 0
    data: bytes = b""


def dump_pieces(dumps_dir: Path, fmt: RdfFormat) -> list[Piece]:
    """The members of one format's dump, in chunk order (the default graph, then by graph IRI and part)."""
    return list(iter_pieces(dumps_dir, fmt))


def iter_pieces(dumps_dir: Path, fmt: RdfFormat) -> Iterator[Piece]:
    """Like ``dump_pieces``, one row at a time (memory does not grow with the number of graphs)."""
    db = connect(dumps_dir / INDEX_DB, readonly=True)
    try:
        rows = db.execute("SELECT segment, offset, length FROM chunk WHERE fmt = ? ORDER BY graph", (fmt.value,))
        framed = fmt is RdfFormat.JSONLD
        if framed:
            yield Piece(len(_JSONLD_OPEN), data=_JSONLD_OPEN)
        for i, (segment, offset, length) in enumerate(rows):
            if framed and i:
                yield Piece(len(_JSONLD_SEP), data=_JSONLD_SEP)
            yield Piece(length, segment, offset)
        if framed:
            yield Piece(len(_JSONLD_CLOSE), data=_JSONLD_CLOSE)
    finally:
        db.close()


def dump_sizes(dumps_dir: Path) -> dict[RdfFormat, int]:
    """The size in bytes of each format's dump file."""
    db = connect(dumps_dir / INDEX_DB, readonly=True)
    try:
        rows = db.execute("SELECT fmt, SUM(length), COUNT(*) FROM chunk GROUP BY fmt").fetchall()
    finally:
        db.close()
    sizes = {RdfFormat(fmt): total for fmt, total, _n in rows}
    n = {RdfFormat(fmt): count for fmt, _t, count in rows}.get(RdfFormat.JSONLD, 0)
    framing = len(_JSONLD_OPEN) + len(_JSONLD_CLOSE) + max(0, n - 1) * len(_JSONLD_SEP)
    sizes[RdfFormat.JSONLD] = sizes.get(RdfFormat.JSONLD, 0) + framing
    return {fmt: sizes.get(fmt, 0) for fmt in CHUNK_FORMATS}


def has_chunks(dumps_dir: Path) -> bool:
    """True when the folder holds a complete chunk index."""
    return (dumps_dir / INDEX_DB).is_file()


class DumpReader(io.RawIOBase):
    """A seekable, read-only view of one dump file assembled from its members (nothing is copied)."""

    def __init__(self, dumps_dir: Path, fmt: RdfFormat) -> None:
        super().__init__()
        self.dir = dumps_dir / SEGMENTS
        self.pieces = dump_pieces(dumps_dir, fmt)
        self.starts: list[int] = []
        total = 0
        for p in self.pieces:
            self.starts.append(total)
            total += p.length
        self.size = total
        self.pos = 0
        self._fds: dict[str, int] = {}

    def readable(self) -> bool:
        """Always true."""
        return True

    def seekable(self) -> bool:
        """Always true."""
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move within the assembled file."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def tell(self) -> int:
        """The position in the assembled file."""
        return self.pos

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the member under the current position (one member per call)."""
        if self.pos >= self.size:
            return 0
        i = bisect.bisect_right(self.starts, self.pos) - 1
        piece, within = self.pieces[i], self.pos - self.starts[i]
        n = min(len(buffer), piece.length - within)
        if piece.segment:
            data = os.pread(self._fd(piece.segment), n, piece.offset + within)
        else:
            data = piece.data[within : within + n]
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)

    def _fd(self, segment: str) -> int:
        fd = self._fds.get(segment)
        if fd is None:
            fd = self._fds[segment] = os.open(self.dir / f"{segment}.seg", os.O_RDONLY)
        return fd

    def close(self) -> None:
        """Close the segment files."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        super().close()


def iter_decompressed(dumps_dir: Path, fmt: RdfFormat) -> Iterator[bytes]:
    """The dump's text, member by member, in blocks of bounded size (memory does not grow with the dump)."""
    seg_dir = dumps_dir / SEGMENTS
    fds: dict[str, int] = {}
    try:
        for piece in iter_pieces(dumps_dir, fmt):
            if not piece.segment:
                yield zlib.decompress(piece.data, wbits=31)
                continue
            fd = fds.get(piece.segment)
            if fd is None:
                fd = fds[piece.segment] = os.open(seg_dir / f"{piece.segment}.seg", os.O_RDONLY)
            z = zlib.decompressobj(wbits=31)
            done = 0
            while done < piece.length:
                block = os.pread(fd, min(_READ_BLOCK, piece.length - done), piece.offset + done)
                if not block:
                    raise OSError(f"{seg_dir / piece.segment}.seg: truncated segment")
                done += len(block)
                yield z.decompress(block, _OUT_BLOCK)
                while z.unconsumed_tail:
                    yield z.decompress(z.unconsumed_tail, _OUT_BLOCK)
            yield z.flush()
    finally:
        for fd in fds.values():
            os.close(fd)
