"""Building an embedded store: extract changed files in parallel, write a new version, switch to it.

A build never writes the version that readers use. It hard-links a copy of the current
version (Oxigraph's ``backup``: immutable files are linked, not copied), replaces the named
graphs of changed files there (``graph.build.write``), re-merges the descriptions of the
entities those plans touch, validates them (``graph.build.reference``), runs the post-build
steps it is given (``graph.build.steps``) and only then switches ``current``. Killing it at
any moment leaves the previous version current and intact; a lock lets one build run at a time.

Which files are read again is ``graph.build.scan``'s decision; which web pages,
``graph.build.fetched``'s (URLs are fetched, or revalidated, under the build's lock). The bytes
of every file and page read are kept by sha256 (``graph.build.sources``).
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from fetch import FetchOptions
from graph.build.fetched import PageJob, WebScan, cache_of, fetch_for_build
from graph.build.lock import BuildLock
from graph.build.reference import check_reference, write_report
from graph.build.report import BuildReport
from graph.build.scan import Scan, find_plan_files, scan
from graph.build.sources import keep_sources, prune_sources
from graph.build.static import load_static_reference, static_digest
from graph.build.steps import BuildDelta, PostBuildStep, run_steps
from graph.build.workers import FileResult, extract_all
from graph.build.write import apply_results, counts, merge_entities
from graph.store import StoreDir, Version, reference_graph_iri
from graph.store.integrity import STORES, record, update_graph_digests
from graph.store.manifest import Counts, Failure, Manifest, Source, Stat
from graph.store.versions import DEFAULT_KEEP, REPAIRABLE, damaged
from qgkg.config import DEFAULT_BASE
from qgkg.errors import StoreError


@dataclass
class _Run:
    """What one build knows as it goes: the previous version, what to extract, what it got."""

    root: Path
    base: str
    validate: bool
    started: float = field(default_factory=time.perf_counter)
    previous: Path | None = None
    old: Manifest = field(default_factory=Manifest)
    shapes: str | None = None  # the shapes digest a validating build records per source
    extractor: str = ""
    scan: Scan | None = None
    web: WebScan = field(default_factory=WebScan)
    failed: dict[str, Failure] = field(default_factory=dict)
    good: list[FileResult] = field(default_factory=list)
    reuse_side_files: bool = True  # False: the previous version's side files are damaged; write them anew
    phases: dict[str, float] = field(default_factory=dict)

    def phase(self, name: str) -> None:
        """Record the time since the previous phase ended."""
        self.phases[name] = time.perf_counter() - self.started - sum(self.phases.values())


def build(
    root: Path,
    paths: list[Path],
    *,
    base: str = DEFAULT_BASE,
    clean: bool = False,
    jobs: int | None = None,
    progress: Callable[[FileResult], None] | None = None,
    on_files: Callable[[int], None] | None = None,
    validate: bool = True,
    steps: Iterable[PostBuildStep] = (),
    keep: int = DEFAULT_KEEP,
    urls: Sequence[str] = (),
    fetch: FetchOptions | None = None,
    on_urls: Callable[[int], None] | None = None,
    on_page: Callable[[str, object], None] | None = None,
) -> BuildReport:
    """Add or update the plans of ``paths`` and of the web pages at ``urls`` in the store at ``root``
    (see the module docstring).

    ``fetch`` says how politely and patiently to fetch (``fetch.FetchOptions``); ``on_urls(n)`` is
    called before fetching and ``on_page(url, page or error)`` after each page (a progress bar).

    With ``validate`` (the default) every plan extracted is validated with the SHACL shapes in
    the same worker, and the reference descriptions the build touched are validated after the
    merge; the reports are kept in the version's ``validation.json`` (``graph.validate.reports``).
    ``steps`` run on the new version before it becomes current (the shell passes
    ``graph.derived.POST_BUILD_STEPS``). Once the new version is current, old versions are pruned:
    the newest ``keep`` complete ones (and the current one) stay (``StoreDir.prune``).

    A write that fails (a full disk, a read-only folder) is a one-line ``StoreError`` naming the
    folder and the reason; the new version is removed and the previous one stays current.
    """
    run = _Run(Path(root), base, validate)
    report = BuildReport()
    with BuildLock(run.root) as lock:
        if lock.taken_over:
            report.warnings.append(lock.taken_over)
        sdir = StoreDir(run.root)
        _start(run, sdir, paths, clean, report)
        if urls:
            if on_urls:
                on_urls(len(urls))
            _fetch(run, list(urls), fetch or FetchOptions(), on_page, report)
        if on_files:
            on_files((len(run.scan.todo) if run.scan else 0) + len(run.web.todo))
        run.phase("scan")
        _extract(run, jobs or os.cpu_count() or 1, progress, report)
        report.warnings += keep_sources(sdir, run.good)
        if (run.previous is not None and not run.good and run.old.static_sha256 == static_digest()
                and run.reuse_side_files):
            _keep_current(run, report)  # nothing to change: the current version stays current
            _relink(sdir, run.previous, report)
        else:
            version = _new_version(sdir)
            manifest = _write_version(run, version, list(steps))
            _switch(sdir, version)
            sdir.prune(keep=keep)
            prune_sources(sdir, cache_of(run.root).digests())
            report.version = version.name
            report.count(manifest.total)
    report.seconds = time.perf_counter() - run.started
    return report


def _new_version(sdir: StoreDir) -> Path:
    try:
        return sdir.new_version_path()
    except OSError as exc:
        raise _write_error(sdir.versions, exc) from None


def _switch(sdir: StoreDir, version: Path) -> None:
    try:
        sdir.switch_to(version)
    except OSError as exc:
        shutil.rmtree(version, ignore_errors=True)
        raise _write_error(sdir.current_link, exc) from None


def _relink(sdir: StoreDir, version: Path, report: BuildReport) -> None:
    """Point a missing or dangling ``current`` link at the version the build kept (the fallback)."""
    if sdir.linked() == version:
        return
    try:
        sdir.switch_to(version)
    except OSError as exc:
        raise StoreError(f"{sdir.current_link}: cannot write ({exc.strerror or exc}); the store is unchanged") \
            from None
    report.warnings.append(f"{sdir.current_link}: pointed at {version.name} again")


def _write_error(where: Path, exc: BaseException) -> StoreError:
    """One line for a failed write: where, why, and that the previous version is untouched."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())
    return StoreError(f"{where}: cannot write ({reason}); the build was abandoned and the previous version "
                      "is still current")


def _start(run: _Run, sdir: StoreDir, paths: list[Path], clean: bool, report: BuildReport) -> None:
    """Read the previous manifest and decide which files to extract."""
    from graph.validate.shacl import shapes_digest  # local: the module loads pyshacl
    from loaders.version import extractor_version

    files = find_plan_files(paths, skipped=report.errors)
    report.files_seen = len(files)
    run.previous = None if clean else sdir.current()
    run.old = Manifest() if run.previous is None else Version(run.previous).manifest()
    if run.previous is not None:
        _check_previous(run, report)
    if run.previous is not None and run.old.base and run.old.base != run.base:
        raise StoreError(f"{run.root}: built with base {run.old.base}, not {run.base}; use --clean")
    run.shapes = shapes_digest(run.base) if run.validate else None
    run.extractor = extractor_version()  # a loader change (code or YAML) re-extracts every file
    run.scan = scan(files, run.old.sources, run.old.failed, extractor=run.extractor, shapes=run.shapes)
    run.failed = dict(run.scan.failed)
    report.files_unchanged = run.scan.unchanged


def _check_previous(run: _Run, report: BuildReport) -> None:
    """A damaged previous graph is refused (one line); damaged side files are not reused, with a warning."""
    assert run.previous is not None
    problems = Version(run.previous).problems()
    graph = [p for p in problems if p.part not in REPAIRABLE]
    if graph:
        raise damaged(run.previous, graph, run.root)
    if problems:
        run.reuse_side_files = False
        report.warnings.append(f"{problems[0].line(run.previous)}: not reused; the new version's side files are "
                               "written from the graph")


def _fetch(run: _Run, urls: list[str], options: FetchOptions, on_page: Callable[[str, object], None] | None,
           report: BuildReport) -> None:
    """Fetch (or revalidate) the URLs: pages to extract, pages kept, one error line per failure."""
    run.web = fetch_for_build(urls, run.root, options, run.old.sources, report, extractor=run.extractor,
                              shapes=run.shapes, progress=on_page)
    run.phase("fetch")


def _extract(run: _Run, jobs: int, progress: Callable[[FileResult], None] | None, report: BuildReport) -> None:
    """Extract (and validate) the files and pages to read; record failures and the report's errors and warnings.

    A page that fails is not recorded as a failure: it is fetched (cheaply: revalidated) and tried again."""
    assert run.scan is not None
    todo: list[Path | PageJob] = [*run.scan.todo, *run.web.todo]
    results = extract_all(todo, run.base, jobs, progress or (lambda r: None), validate=run.validate)
    run.phase("extract")
    run.good = [r for r in results if r.error is None]
    pages = run.web.urls
    for r in results:
        if r.error is not None and r.sha256 and r.path not in pages:
            run.failed[Path(r.path).name] = Failure(r.error, r.sha256, run.extractor, r.stat)
    old_failed = run.old.failed
    report.errors += [r.error for r in results if r.error] + [
        m.error for name, m in sorted(run.failed.items()) if name in old_failed and m is old_failed[name]]
    report.warnings += [w for r in run.good for w in r.warnings]
    report.files_extracted = len(run.good)


def _keep_current(run: _Run, report: BuildReport) -> None:
    """Keep the current version; remember new file stats and failures in its manifest (hints only)."""
    assert run.previous is not None and run.scan is not None
    if run.scan.seen or run.failed != run.old.failed:
        _record_stats(run.old.sources, run.scan.seen)
        run.old.failed = run.failed
        Version(run.previous).write_manifest(run.old)  # the graph is unchanged: these only spare later reading
    report.version = run.previous.name
    report.count(run.old.total)


def _record_stats(sources: dict[str, Source], seen: dict[str, Stat]) -> None:
    for name, stat in seen.items():  # files found unchanged by hashing: remember their stat
        sources[name] = replace(sources[name], stat=stat)


def _write_version(run: _Run, version: Path, steps: list[PostBuildStep]) -> Manifest:
    """Write the new version folder (removed again if anything fails); its manifest, written last."""
    checking: Any = None  # the reference check (graph.build.reference), when the build validates
    try:
        version.mkdir(parents=True)
        files = Version(version)
        if run.previous is not None:
            previous = Version(run.previous)
            ox.Store.read_only(str(previous.oxigraph)).backup(str(files.oxigraph))
            ox.Store.read_only(str(previous.contrib)).backup(str(files.contrib))
        main = ox.Store(str(files.oxigraph))
        contrib = ox.Store(str(files.contrib))
        manifest, delta, touched = _write_graphs(run, main, contrib)
        run.phase("write")
        if run.shapes is not None:  # runs beside the post-build steps when there is much to check
            checking = check_reference(main, touched, delta.static_reloaded, run.base)
        manifest.post_build_seconds = run_steps(steps, version, main, delta)
        run.phase("post_build")
        if checking is not None and run.shapes is not None:
            write_report(version, run.previous, run.good, checking, run.base, run.shapes)
            run.phase("reference_shacl_wait")
        graphs = _graph_digests(run, main, contrib, delta)
        main.flush()
        contrib.flush()
        del main, contrib
        manifest.integrity = _settled_record(version, graphs)
        run.phase("finish")
        manifest.phase_seconds = {k: round(v, 3) for k, v in run.phases.items()}
        files.write_manifest(manifest)
        return manifest
    except BaseException as exc:
        if checking is not None:
            checking.cancel()
        shutil.rmtree(version, ignore_errors=True)
        if isinstance(exc, OSError) or _is_io_error(exc):
            raise _write_error(version, exc) from None
        raise


_IO_WORDS = ("IO error", "No space left", "Read-only file system", "Permission denied",  # RocksDB (Oxigraph)
             "disk is full", "disk I/O error", "readonly database", "unable to open database")  # SQLite


def _is_io_error(exc: BaseException) -> bool:
    """True for an engine's failed write: Oxigraph reports RocksDB's I/O errors as RuntimeError, SQLite
    its own as OperationalError; anything else is a bug and keeps its traceback."""
    text = str(exc)
    return isinstance(exc, RuntimeError | sqlite3.OperationalError) and any(w in text for w in _IO_WORDS)


def _settled_record(version: Path, graphs: dict[str, Any]) -> dict[str, Any]:
    """The integrity record, once Oxigraph has closed the stores (RocksDB compacts in the background
    while a store is open, deleting and writing files): the record must see the final files."""
    gc.collect()  # a reference cycle (a kept traceback's frames) may still hold a store open
    integrity = record(version, graphs)
    if _oxigraph_files(version) != {k: v[0] for k, v in integrity["files"].items() if k.split("/")[0] in STORES}:
        raise StoreError(f"{version}: the Oxigraph store was still open while its digests were taken "
                         "(an internal error: please report it); the build was abandoned")
    return integrity


def _oxigraph_files(version: Path) -> dict[str, int]:
    return {p.relative_to(version).as_posix(): p.stat().st_size
            for name in STORES for p in sorted((version / name).iterdir()) if p.is_file()}


def _graph_digests(run: _Run, main: ox.Store, contrib: ox.Store, delta: BuildDelta) -> dict[str, Any]:
    """Each graph's count and digest (``graph.store.integrity``): the previous version's for the graphs
    this build did not rewrite; the reference graph is digested again (the build merges into it)."""
    previous = (run.old.integrity or {}).get("graphs", {}) if run.previous is not None else {}
    changed = set(delta.removed) | set(delta.added)
    ref = reference_graph_iri(run.base)
    return {
        "oxigraph": update_graph_digests(main, previous.get("oxigraph"), changed | {ref, ""}),
        "contrib": update_graph_digests(contrib, previous.get("contrib"), changed),
    }


def _write_graphs(run: _Run, main: ox.Store, contrib: ox.Store) -> tuple[Manifest, BuildDelta, set[Any]]:
    """Replace the changed plans' graphs, reload the static reference if it changed, merge the touched
    entities; the new manifest (without timings), the delta for the steps, and the touched subjects."""
    assert run.scan is not None
    old_sources = run.old.sources
    sources = dict(old_sources)
    removed = frozenset(g for r in run.good if r.source in old_sources for g in old_sources[r.source].graphs)
    added = frozenset(iri for r in run.good for iri, _nt in r.plans)
    old_counts = run.old.counts or Counts()
    touched = apply_results(main, contrib, run.good, sources)
    _record_stats(sources, run.scan.seen)
    pages = run.web.urls
    for r in run.good:
        sources[r.source] = replace(sources[r.source], stat=r.stat, extractor=run.extractor, shacl=run.shapes,
                                    kind="web" if r.path in pages else "file")
    reloaded, static_size = load_static_reference(main, contrib, run.base, run.old.static_sha256)
    touched |= reloaded
    ref_triples = static_size if static_size is not None else (old_counts.reference_triples or 0)
    if static_size is not None and old_counts.reference_triples is not None:
        old_counts = replace(old_counts, agencies=0)
    d_ref, d_agencies = merge_entities(main, contrib, touched, run.base)
    delta = BuildDelta(run.previous if run.reuse_side_files else None, removed, added, run.base,
                       frozenset(t.value for t in touched if isinstance(t, ox.NamedNode)),
                       static_reloaded=static_size is not None)
    total = counts(main, sources, old_counts, ref_triples + d_ref, d_agencies, run.base)
    manifest = Manifest(base=run.base, built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        static_sha256=static_digest(), sources=sources, counts=total, failed=run.failed)
    return manifest, delta, touched

