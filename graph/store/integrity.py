"""A version's integrity record: the digest of every file, and a count and digest of each graph's quads.

The build writes the record into the version's manifest (``Manifest.integrity``), which is
written last and atomically, so one file vouches for all the others; the manifest itself is
checked by being read (a damaged one is a one-line ``StoreError``). The JSON layout::

    "integrity": {"format": 1,
                  "files":  {PATH: [SIZE, SHA256]},          every file but manifest.json and the
                                                              dumps' cached *.sha256 (written later)
                  "graphs": {"oxigraph": {IRI: [QUADS, DIGEST]},   "" is the default graph
                             "contrib":  {IRI: [QUADS, DIGEST]}}}

A graph's digest is order-independent: the sum, modulo 2**256, of the sha256 of each quad's
N-Quads text, so it can be computed by any scan and updated graph by graph. Two checks read it:

* ``quick_check`` (every open of the store the web app and the CLI read): each recorded file
  (but ``validation.json``, which ``graph.validate`` reads only when it names this version and
  the current shapes, and makes again when unreadable) is there with its size; the small side
  files (up to ``QUICK_HASH_LIMIT``) are hashed; a SQLite table must begin with SQLite's header.
  Milliseconds.
* ``full_check`` (``qgkg check-store``, ``qgkg validate --recheck``): every file hashed, and every
  graph's quads counted and digested again from Oxigraph. Oxigraph (RocksDB) verifies a block's
  checksum only when a read touches it, and a scan reads one of its indexes, so a flipped byte
  elsewhere is found by the file digests, not by Oxigraph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

INTEGRITY_FORMAT = 1
QUICK_HASH_LIMIT = 4 << 20  # side files up to 4 MiB are hashed on every open
SQLITE_HEADER = b"SQLite format 3\x00"
STORES = ("oxigraph", "contrib")
_MOD = 1 << 256
_UNRECORDED = ("manifest.json",)
# not checked on open: the SHACL report is read only when it names this version and the current shapes,
# and is made again when unreadable (``graph.validate``); the full check compares its digest
_NOT_ON_OPEN = ("validation.json",)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a version: the file (relative to the version folder) and why."""

    path: str
    reason: str

    @property
    def part(self) -> str:
        """The part of the version the file belongs to (``oxigraph``, ``dumps``, ``network.sqlite`` …)."""
        return self.path.split("/", 1)[0]

    def line(self, version: Path) -> str:
        """The one-line description, naming the file."""
        return f"{Path(version) / self.path}: {self.reason}"


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def recorded_files(version: Path) -> Iterator[Path]:
    """The files of a version the record covers (sorted): all but the manifest, temporary files and
    the dumps' cached digests, which a server writes after the build."""
    root = Path(version)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or path.is_symlink() or rel.as_posix() in _UNRECORDED:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        if rel.parts[0] == "dumps" and path.suffix == ".sha256":
            continue
        yield path


def file_records(version: Path, only: Iterable[str] | None = None) -> dict[str, list[Any]]:
    """``{relative path: [size, sha256]}`` of the version's files (those under the ``only`` parts)."""
    parts = None if only is None else set(only)
    root = Path(version)
    out: dict[str, list[Any]] = {}
    for path in recorded_files(root):
        rel = path.relative_to(root).as_posix()
        if parts is None or rel.split("/", 1)[0] in parts:
            out[rel] = [path.stat().st_size, file_sha256(path)]
    return out


def _graph_key(graph: Any) -> str:
    return "" if isinstance(graph, ox.DefaultGraph) else str(graph.value)


def graph_digests(store: ox.Store, graphs: Iterable[str] | None = None) -> dict[str, list[Any]]:
    """``{graph IRI: [quads, digest]}`` of every graph of ``store`` (or of the ``graphs`` named)."""
    sums: dict[str, list[int]] = {}
    if graphs is None:
        quads: Iterable[Any] = store.quads_for_pattern(None, None, None, None)
    else:
        quads = (q for g in graphs for q in store.quads_for_pattern(
            None, None, None, ox.DefaultGraph() if g == "" else ox.NamedNode(g)))
    for q in quads:
        acc = sums.setdefault(_graph_key(q.graph_name), [0, 0])
        acc[0] += 1
        acc[1] += int.from_bytes(hashlib.sha256(str(q).encode("utf-8")).digest(), "big")
    return {g: [n, f"{s % _MOD:064x}"] for g, (n, s) in sorted(sums.items())}


def update_graph_digests(store: ox.Store, previous: dict[str, list[Any]] | None,
                         changed: Iterable[str]) -> dict[str, list[Any]]:
    """The digests after a build that rewrote the ``changed`` graphs: the previous ones for the others.

    With no previous record every graph is digested.
    """
    if previous is None:
        return graph_digests(store)
    changed = set(changed)
    out = {g: v for g, v in previous.items() if g not in changed}
    present = {_graph_key(g) for g in store.named_graphs()}
    out = {g: v for g, v in out.items() if g == "" or g in present}
    out.update(graph_digests(store, sorted(changed)))
    return dict(sorted(out.items()))


def record(version: Path, graphs: dict[str, dict[str, list[Any]]]) -> dict[str, Any]:
    """The integrity record of a finished version folder (its stores closed), with the graphs' digests."""
    return {"format": INTEGRITY_FORMAT, "files": file_records(version), "graphs": graphs}


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _file_problems(version: Path, files: dict[str, list[Any]], *, full: bool) -> list[Problem]:
    problems: list[Problem] = []
    root = Path(version)
    for rel, (size, digest) in files.items():
        path = root / rel
        try:
            actual = path.stat().st_size
        except OSError:
            problems.append(Problem(rel, "missing"))
            continue
        if actual != size:
            problems.append(Problem(rel, f"damaged ({actual} bytes, the build wrote {size})"))
        elif path.suffix == ".sqlite" and not _looks_like_sqlite(path):
            problems.append(Problem(rel, "damaged (not a SQLite database)"))
        elif (full or (size <= QUICK_HASH_LIMIT and rel.split("/", 1)[0] not in STORES)) \
                and file_sha256(path) != digest:
            problems.append(Problem(rel, "damaged (its sha256 differs from the one the build recorded)"))
    return problems


def quick_check(version: Path, integrity: dict[str, Any] | None) -> list[Problem]:
    """The cheap check run on every open (see the module docstring); no record, nothing to check."""
    if not integrity:
        return []
    files = {k: v for k, v in dict(integrity.get("files", {})).items() if k not in _NOT_ON_OPEN}
    return _file_problems(version, files, full=False)


def full_check(version: Path, integrity: dict[str, Any] | None) -> list[Problem]:
    """Every file hashed and every graph counted and digested again (``qgkg check-store``)."""
    if not integrity:
        return [Problem("manifest.json", "no integrity record (a version built before qgkg kept one): "
                                         "nothing to compare; rebuild to get one")]
    problems = _file_problems(version, dict(integrity.get("files", {})), full=True)
    for name in STORES:
        if any(p.part == name for p in problems):
            continue  # its files already differ from the build's: that is the line to read
        expected = dict(integrity.get("graphs", {}).get(name, {}))
        try:
            actual = graph_digests(ox.Store.read_only(str(Path(version) / name)))
        except (OSError, RuntimeError, ValueError) as exc:
            problems.append(Problem(name, f"unreadable Oxigraph store ({' '.join(str(exc).split())})"))
            continue
        for g in sorted(set(expected) | set(actual)):
            if g not in actual:
                problems.append(Problem(name, f"graph <{g}> is missing ({expected[g][0]} quads recorded)"))
            elif g not in expected:
                problems.append(Problem(name, f"graph <{g}> was not written by the build"))
            elif actual[g] != expected[g]:
                problems.append(Problem(name, f"graph <{g}> differs from the build's ({actual[g][0]} quads, "
                                              f"{expected[g][0]} recorded; digest {actual[g][1][:12]}…)"))
    return problems
