"""Which files a build reads: the plan files under the given paths, and which of them changed.

A file is taken as unchanged, and not read, when the manifest (``graph.store.manifest``)
holds it with the same size and mtime as git does, unless it was modified within ``RACY_NS``
of being hashed; otherwise its bytes are hashed and compared. It is extracted again anyway when
the loaders changed (``loaders.version.extractor_version()``, kept per source as ``extractor``)
or, in a validating build, the shapes did (``shacl``). A file that failed and has not changed
is reported again without a retry.
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graph.store.manifest import Failure, Source, Stat
from qgkg.errors import QgkgError

SUPPORTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".docx", ".pdf")
RACY_NS = 2_000_000_000  # a file changed this close to its hashing may change again unseen by its mtime


def find_plan_files(paths: Iterable[Path], *, skipped: list[str] | None = None) -> list[Path]:
    """Plan files under the given files and folders, sorted; a missing path is an error.

    A bad entry inside a folder (a symlink loop, a dangling or unreadable entry, a name that is
    not UTF-8) does not stop the others: it is skipped with one line in ``skipped`` naming it
    (escaped, see ``shown``). Without ``skipped``, the first bad entry is an error.
    """
    problems: list[str] = [] if skipped is None else skipped
    found: dict[Path, Path] = {}  # resolved path -> path as found
    for path in paths:
        if not path.exists():
            raise QgkgError(f"{shown(path)}: no such file or folder")
        if path.is_dir():
            root = path.resolve()
            for p in _walk(path, problems):
                link = p.is_symlink()
                try:
                    real = (root / p.relative_to(path)).resolve(strict=True) if link else root / p.relative_to(path)
                except (OSError, RuntimeError) as exc:
                    problems.append(f"{shown(p)}: skipped ({_reason(exc)})")
                    continue
                _keep(found, real, p, link)
        else:
            _keep(found, path.resolve(), path, path.is_symlink())
        if problems and skipped is None:
            raise QgkgError(problems[0])
    return sorted(found.values(), key=lambda p: (p.name, str(p)))


def shown(path: Path | str) -> str:
    """A path as one printable line: bytes that are not UTF-8 and control characters escaped.

    >>> shown(Path("plans") / b"\\xb0\\xa1.txt".decode("utf-8", "surrogateescape"))
    'plans/\\\\xb0\\\\xa1.txt'
    """
    text = os.fsencode(str(path)).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "a symbolic link loop"
    if isinstance(exc, FileNotFoundError):
        return "a dangling symbolic link"
    return getattr(exc, "strerror", None) or type(exc).__name__


def _keep(found: dict[Path, Path], real: Path, path: Path, link: bool) -> None:
    """Record ``path`` for the file ``real``, a file under its own name rather than a link's."""
    if real not in found or (not link and found[real].is_symlink()):
        found[real] = path


def _walk(folder: Path, problems: list[str]) -> Iterator[Path]:
    """Plan files under ``folder`` by one ``scandir`` per folder (no ``stat`` per file where the
    folder entry says what it is); links to folders are not followed (no cycles). Entries that
    cannot be read or named are listed in ``problems`` and skipped."""
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError as exc:
            problems.append(f"{shown(here)}: skipped ({_reason(exc)})")
            continue
        for entry in entries:
            if not _is_utf8(entry.name):
                problems.append(f"{shown(entry.path)}: skipped (the file name is not UTF-8)")
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                    continue
                if os.path.splitext(entry.name)[1].lower() not in SUPPORTED_SUFFIXES:
                    continue
                if entry.is_symlink():
                    os.stat(entry.path)  # raises on a loop or a dangling link
                if entry.is_file():
                    yield Path(entry.path)
            except OSError as exc:
                problems.append(f"{shown(entry.path)}: skipped ({_reason(exc)})")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def stat_entry(path: Path) -> Stat:
    """What a later build compares to skip hashing: size, mtime and when the hash was taken
    (call it before reading the file)."""
    now = time.time_ns()
    st = path.stat()
    return Stat(st.st_size, st.st_mtime_ns, now)


def unchanged(path: Path, sha256: str, known: Stat | None, seen: dict[str, Stat]) -> bool:
    """True when ``path`` still has the content ``sha256`` it had when ``known`` was taken.

    Size and mtime decide without reading the file, unless the file was modified within
    ``RACY_NS`` of being hashed (a change in the same clock tick keeps the mtime); then, and
    whenever size or mtime differ, the content is hashed. A file found unchanged by its hash
    gets its new stat recorded in ``seen``.
    """
    try:
        stat = stat_entry(path)
    except OSError:
        return False  # extraction reports the error
    if (known is not None and known.size == stat.size and known.mtime_ns == stat.mtime_ns
            and stat.mtime_ns + RACY_NS < known.hashed_ns):
        return True
    if sha256 != sha256_file(path):
        return False
    seen[path.name] = stat
    return True


@dataclass
class Scan:
    """What a build has to do with the files it was given."""

    files: list[Path]
    todo: list[Path] = field(default_factory=list)  # files to extract
    unchanged: int = 0  # files kept as they are
    seen: dict[str, Stat] = field(default_factory=dict)  # new stats of files found unchanged by hashing
    failed: dict[str, Failure] = field(default_factory=dict)  # earlier failures of files unchanged since


def scan(files: list[Path], sources: Mapping[str, Source], failures: Mapping[str, Failure], *,
         extractor: str, shapes: str | None) -> Scan:
    """Sort ``files`` into those to extract and those kept, by the manifest's ``sources`` and
    ``failures`` (``shapes``: the digest a validating build needs, None when it does not validate)."""
    out = Scan(files)
    for path in files:
        known = sources.get(path.name)
        memo = failures.get(path.name)
        if (known is not None and known.extractor == extractor and (shapes is None or known.shacl == shapes)
                and unchanged(path, known.sha256, known.stat, out.seen)):
            out.unchanged += 1
        elif memo is not None and memo.extractor == extractor and unchanged(path, memo.sha256, memo.stat, {}):
            out.failed[path.name] = memo  # failed before, unchanged since: the same error, without a retry
        else:
            out.todo.append(path)
    return out
