"""The embedded store: a read-only view of one version of an on-disk Oxigraph store (``graph.store.versions``).

.. warning::
   ``query`` runs user-supplied SPARQL in this process: ``SERVICE`` is refused by the callers,
   but there is no time limit here (pyoxigraph cannot cancel a query). The web app runs user
   queries in worker processes that can be stopped (``graph.query.service``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from graph.store.api import GraphStore
from graph.store.chunks import dump_from_chunks
from graph.store.dataset import Dataset
from graph.store.formats import RdfFormat
from graph.store.manifest import Manifest
from graph.store.results import damage_error, is_damage
from graph.store.values import PREFIXES
from graph.store.versions import StoreDir, Version, damaged
from qgkg.errors import QueryError, StoreError

log = logging.getLogger("qgkg.store")


class EmbeddedStore(GraphStore):
    """A read-only view of the current version of an on-disk store."""

    warning: str | None  # the ``current`` link's problem, when it had one

    def __init__(self, root: Path, *, base: str, check: bool = True) -> None:
        """Open the current version (see ``StoreDir.current``: a missing or dangling ``current`` link
        falls back to the newest complete version, with a warning logged on ``qgkg.store``).

        With ``check`` (the default) the version's integrity record is checked cheaply first
        (``graph.store.integrity.quick_check``): a missing or damaged file is a one-line
        ``StoreError`` naming it and the command that repairs it; it is never served.
        """
        self.dir = StoreDir(root)
        self.base = base
        version = self.dir.current()
        problem = self.dir.link_problem()
        if version is None:
            raise StoreError(problem or f"{root}: no graph built yet (run 'qgkg build')")
        if problem:
            log.warning("%s", problem)
        self.warning = problem
        if check:
            problems = Version(version).problems()
            if problems:
                raise damaged(version, problems, self.dir.root)
        self._open(version)

    @classmethod
    def at_version(cls, version: Path, *, base: str) -> EmbeddedStore:
        """A view of the given version folder (``STORE/versions/vNNN``), current or not."""
        store = cls.__new__(cls)
        store.dir = StoreDir(Path(version).parent.parent)
        store.base = base
        store.warning = None
        store._open(Path(version))
        return store

    def _open(self, version: Path) -> None:
        self.version: Path = version
        self.files = Version(version)
        try:
            self._store = ox.Store.read_only(str(self.files.oxigraph))
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"{self.files.oxigraph}: cannot open the store ({' '.join(str(exc).split())}); "
                             f"restore an earlier version ('qgkg store rollback VERSION') "
                             "or rebuild ('qgkg build --clean')") from None

    def source_path(self, sha256: str) -> Path | None:
        """The kept bytes a plan was read from (``STORE/sources/<sha256>``), or None."""
        return self.dir.source(sha256)

    @cached_property
    def manifest(self) -> Manifest:
        """The version's manifest."""
        return self.files.manifest()

    def is_stale(self) -> bool:
        """True when a newer build has become current since this view was opened."""
        cur = self.dir.current()
        return cur is not None and cur != self.version

    def _run(self, sparql: str, dataset: Dataset) -> Any:
        try:
            return self._store.query(sparql, **dataset.oxigraph_options())
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except (RuntimeError, ValueError, OSError) as exc:
            if is_damage(exc):  # RocksDB read a block whose checksum fails: the store, not the query
                raise damage_error(exc) from None
            raise QueryError(f"SPARQL query failed: {exc}") from exc

    def quads(self) -> Iterator[Any]:
        """Every statement, graph by graph (pyoxigraph quads, for the store's writers)."""
        return iter(self._store.quads_for_pattern(None, None, None, None))

    def dump(self, out: IO[bytes], fmt: RdfFormat) -> int:
        """Stream the whole graph; triple formats get the union of all graphs.

        A version with per-graph dump chunks (``graph.store.chunks``) streams them, decompressed;
        otherwise the store is serialized. Either way nothing grows with the dump.
        """
        streamed = dump_from_chunks(self.version, out, fmt)
        if streamed is not None:
            return streamed
        counter = _Counter()
        if fmt.is_dataset:
            ox.serialize(counter.wrap(self.quads()), out, fmt.oxigraph, prefixes=PREFIXES)
        else:
            triples = (q.triple for q in self.quads())
            ox.serialize(counter.wrap(triples), out, fmt.oxigraph, prefixes=PREFIXES)
        return counter.n

    def close(self) -> None:
        """Drop the handle (pyoxigraph closes on garbage collection)."""
        self._store = None


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def wrap(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            self.n += 1
            yield item
