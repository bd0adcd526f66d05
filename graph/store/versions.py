"""The on-disk store: a folder of immutable versions, and the one place that names a version's files.

A build writes a new version (hard-linked from the previous one, so unchanged data is not
copied) and switches the ``current`` link to it only when it is complete::

    STORE/
      current -> versions/v0000000003     (a symlink, replaced atomically)
      versions/v0000000003/               a Version: every file below is named by its properties
        oxigraph/        the graph: one named graph per plan + the reference graph
        contrib/         each plan's entity descriptions (named graph per plan), merged into the
                         reference graph; kept apart because Oxigraph's union does not de-duplicate
        manifest.json    plans, sources, sha256, counts, build time (``graph.store.manifest``)
        validation.json  the SHACL reports of the build (``graph.validate.reports``)
        network.sqlite   network tables and the facts of the canned answers (``graph.derived.network_tables``)
        search.sqlite    the full-text index of labels (``graph.derived.search_index``)
        stats.json       the home page's statistics (``graph.derived.stats``)
        dumps/           the dumps' chunks and index (``graph.derived.dumps``, read by ``graph.store.chunks``)
      build.lock         held by the one build that may run at a time
      sources/<sha256>   every plan's file or web page as read, by digest (``graph.build.sources``),
                         shared by the versions and offered for download on the plan page
      fetch/             the fetch cache: what each URL answered last (``fetch.cache``)
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.store.manifest import Manifest
from qgkg.errors import StoreError

if TYPE_CHECKING:
    from graph.store.integrity import Problem

_VERSION = re.compile(r"^v(\d{10})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MANIFEST = "manifest.json"
VALIDATION = "validation.json"
NETWORK_TABLES = "network.sqlite"
SEARCH_INDEX = "search.sqlite"
STATS = "stats.json"
DUMPS = "dumps"


class Version:
    """One version folder and the paths of its files (nothing else spells them)."""

    def __init__(self, path: Path | str | Version) -> None:
        self.path = path.path if isinstance(path, Version) else Path(path)

    def __repr__(self) -> str:
        return f"Version({str(self.path)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    @property
    def name(self) -> str:
        """The folder's name (``v0000000003``)."""
        return self.path.name

    @property
    def oxigraph(self) -> Path:
        """The Oxigraph store of the graph."""
        return self.path / "oxigraph"

    @property
    def contrib(self) -> Path:
        """The Oxigraph store of each plan's entity descriptions."""
        return self.path / "contrib"

    @property
    def manifest_file(self) -> Path:
        """``manifest.json``."""
        return self.path / MANIFEST

    @property
    def validation(self) -> Path:
        """``validation.json``: the SHACL reports."""
        return self.path / VALIDATION

    @property
    def network_tables(self) -> Path:
        """``network.sqlite``: the network tables and the facts the canned answers read."""
        return self.path / NETWORK_TABLES

    @property
    def search_index(self) -> Path:
        """``search.sqlite``: the full-text index of labels."""
        return self.path / SEARCH_INDEX

    @property
    def stats(self) -> Path:
        """``stats.json``: the home page's statistics."""
        return self.path / STATS

    @property
    def dumps(self) -> Path:
        """The folder of the dumps (chunks, segments, index, cached sha256 files)."""
        return self.path / DUMPS

    def is_complete(self) -> bool:
        """True when the build that wrote the version finished (its manifest is written last)."""
        return self.manifest_file.is_file()

    def manifest(self) -> Manifest:
        """The manifest; a missing or corrupt one is a one-line ``StoreError``."""
        try:
            return Manifest.from_json(json.loads(self.manifest_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
            raise StoreError(f"{self.manifest_file}: unreadable manifest ({' '.join(str(reason).split())}); "
                             "restore an earlier version ('qgkg store rollback VERSION') "
                             "or rebuild the store ('qgkg build --clean')") from None

    def problems(self, *, full: bool = False) -> list[Problem]:
        """What is wrong with the version against its integrity record: the cheap check of every open,
        or with ``full`` every file hashed and every graph digested again (``graph.store.integrity``)."""
        from graph.store.integrity import full_check, quick_check

        integrity = self.manifest().integrity
        return full_check(self.path, integrity) if full else quick_check(self.path, integrity)

    def write_manifest(self, manifest: Manifest) -> None:
        """Write the manifest (atomically: a reader sees the old one or the new one)."""
        write_json(self.manifest_file, manifest.to_json())


REPAIRABLE = ("network.sqlite", "search.sqlite", "stats.json", "dumps", "validation.json")


def repair_hint(problem: Problem, root: Path) -> str:
    """The command that repairs a problem: derived files are rebuilt from the Oxigraph store; the
    graph itself (and the manifest) can only be taken from another version or rebuilt."""
    if problem.part in REPAIRABLE:
        return f"repair it with 'qgkg check-store --repair --store {root}'"
    return (f"restore an earlier version ('qgkg store rollback VERSION --store {root}') "
            f"or rebuild ('qgkg build --clean --store {root} PATH...')")


def damaged(version: Path, problems: list[Problem], root: Path) -> StoreError:
    """The one-line error of a damaged version: the first problem, what repairs it, how many more."""
    first = next((p for p in problems if p.part not in REPAIRABLE), problems[0])
    more = f" ({len(problems) - 1} more problem(s): 'qgkg check-store --store {root}' lists them)" \
        if len(problems) > 1 else ""
    return StoreError(f"{first.line(version)}; {repair_hint(first, root)}{more}")


def write_json(path: Path, data: Any, *, indent: int | None = None) -> None:
    """Write JSON next to ``path`` and rename it over ``path``: readers never see half a file."""
    write_text(path, json.dumps(data, ensure_ascii=False, indent=indent))


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write text atomically (a temporary file renamed over ``path``)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding=encoding)
    os.replace(tmp, path)


DEFAULT_KEEP = 2  # versions a build keeps: the new current one and the one before it


@dataclass(frozen=True)
class VersionInfo:
    """One version folder as ``qgkg store list`` shows it."""

    name: str
    path: Path
    current: bool
    complete: bool
    plans: int | None = None  # None: incomplete, or its manifest is unreadable
    built_at: str = ""
    problem: str = ""  # why the manifest could not be read


class StoreDir:
    """The folder of versions behind an embedded store.

    ``current`` names the version readers use. When the link is missing or points to a folder
    that is gone or incomplete, readers fall back to the newest complete version, with a warning
    (``link_problem``); nothing is ever built over such a store without being asked.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def versions(self) -> Path:
        """Where versions live."""
        return self.root / "versions"

    @property
    def current_link(self) -> Path:
        """The symlink naming the current version."""
        return self.root / "current"

    @property
    def lock_file(self) -> Path:
        """The lock a build holds."""
        return self.root / "build.lock"

    @property
    def sources(self) -> Path:
        """The files and pages as read, named by their sha256."""
        return self.root / "sources"

    @property
    def fetch_cache(self) -> Path:
        """The fetch cache's entries (one JSON file per URL)."""
        return self.root / "fetch"

    def source(self, sha256: str) -> Path | None:
        """The kept bytes of digest ``sha256``, or None (not a lower-case hex digest, or not kept).

        The name is checked before it touches the file system: no path comes from a caller.
        """
        if not _SHA256.match(sha256):
            return None
        path = self.sources / sha256
        return path if path.is_file() else None

    def all_versions(self) -> list[Path]:
        """Every version folder, oldest first (complete or not)."""
        if not self.versions.is_dir():
            return []
        return sorted(p for p in self.versions.iterdir() if _VERSION.match(p.name) and p.is_dir())

    def complete_versions(self) -> list[Path]:
        """The complete version folders, oldest first."""
        return [p for p in self.all_versions() if Version(p).is_complete()]

    def linked(self) -> Path | None:
        """The complete version the ``current`` link names, or None (no link, dangling, incomplete)."""
        link = self.current_link
        if not link.is_symlink():
            return None
        target = self.root / os.readlink(link)
        return target if Version(target).is_complete() else None

    def link_problem(self) -> str | None:
        """One line saying what is wrong with the ``current`` link and what readers use instead, or None."""
        if self.linked() is not None:
            return None
        newest = self.complete_versions()
        if not self.current_link.is_symlink():
            if not newest:
                return None  # nothing built yet (or only interrupted first builds)
            what = "is missing"
        else:
            what = f"points to {os.readlink(self.current_link)}, which is missing or incomplete"
        if not newest:
            return (f"{self.current_link}: {what} and no complete version is left; rebuild the store "
                    f"(qgkg build --store {self.root} PATH...)")
        return (f"{self.current_link}: {what}; using {newest[-1].name}, the newest complete version "
                f"(choose another with 'qgkg store rollback VERSION --store {self.root}')")

    def current(self) -> Path | None:
        """The current version folder: the one ``current`` names, else the newest complete one
        (see ``link_problem``), else None when no complete version exists."""
        linked = self.linked()
        if linked is not None:
            return linked
        complete = self.complete_versions()
        return complete[-1] if complete else None

    def manifest(self) -> Manifest:
        """The current version's manifest (empty when there is none)."""
        cur = self.current()
        return Manifest() if cur is None else Version(cur).manifest()

    def is_empty(self) -> bool:
        """True when no complete build exists."""
        return self.current() is None

    def never_held_a_version(self) -> bool:
        """True for a folder that never held a version: no ``current`` link (even a dangling one) and
        no complete version. Only such a folder may be given the bundled corpus unasked."""
        return not self.current_link.is_symlink() and not self.complete_versions()

    def infos(self) -> list[VersionInfo]:
        """Every version, oldest first, with whether it is current and complete and what it holds."""
        cur = self.current()
        out: list[VersionInfo] = []
        for p in self.all_versions():
            v = Version(p)
            info = VersionInfo(p.name, p, p == cur, v.is_complete())
            if info.complete:
                try:
                    m = v.manifest()
                    info = replace(info, plans=m.total.plans, built_at=m.built_at)
                except StoreError as exc:
                    info = replace(info, problem=str(exc))
            out.append(info)
        return out

    def find(self, name: str) -> Path:
        """The version folder called ``name`` (``v0000000003``, ``v3`` or ``3``); a one-line error if none."""
        digits = name[1:] if name[:1] == "v" else name
        if not digits.isdigit():
            raise StoreError(f"{name}: not a version name (say v0000000003, v3 or 3; see 'qgkg store list')")
        path = self.versions / f"v{int(digits):010d}"
        if not path.is_dir():
            raise StoreError(f"{path}: no such version (see 'qgkg store list --store {self.root}')")
        return path

    def new_version_path(self) -> Path:
        """A fresh, not yet existing version folder, numbered after every existing one."""
        self.versions.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in self.versions.iterdir() if (m := _VERSION.match(p.name))]
        return self.versions / f"v{max(numbers, default=0) + 1:010d}"

    def switch_to(self, version: Path) -> None:
        """Make ``version`` current, atomically (a new symlink renamed over the old one)."""
        tmp = self.root / f".current.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(version, self.root), tmp)
        os.replace(tmp, self.current_link)
        _fsync_dir(self.root)

    def prune(self, *, keep: int = DEFAULT_KEEP) -> list[Path]:
        """Delete old and abandoned versions; return those deleted.

        The rule: the current version and the newest ``keep`` complete versions stay (``keep``
        counts the current one when it is among the newest); every other version, complete or
        abandoned by an interrupted build, is deleted. Only a build prunes, once its new version
        is current. A server that still has an older version open keeps reading it: on POSIX the
        files live until they are closed.
        """
        cur = self.current()
        complete = self.complete_versions()
        keep_set = set(complete[-max(keep, 1):]) | ({cur} if cur else set())
        deleted = []
        for p in self.all_versions():  # only one build runs at a time (the lock): no version is in progress
            if p not in keep_set:
                shutil.rmtree(p, ignore_errors=True)
                deleted.append(p)
        return deleted


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
