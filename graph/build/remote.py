"""Building into a remote SPARQL server: the embedded build's scan and workers, sent by the Graph Store Protocol.

Files are chosen (``graph.build.scan``) and extracted, each plan validated with SHACL in its
worker (``graph.build.workers``), exactly as for the embedded store. The entity descriptions
each file contributed are kept in a local Oxigraph store and merged into the reference graph
(``graph.build.write``), as the embedded build does. The local state of an endpoint lives under
``STORE/remote/<endpoint>/``, laid out as a version folder: ``manifest.json`` (the files sent,
with their sha256, stats, extractor and shapes digest), ``contrib/`` and ``validation.json``
(the plans' reports). Web pages are fetched as the embedded build fetches them
(``graph.build.fetched``), with the endpoint's own fetch cache in that folder (``fetch/``, the
bytes in ``sources/``, where the files sent are kept too: the plan page's download, when
``serve --endpoint`` runs on this machine). Not atomic as a whole: each graph (or each update
batch) is replaced atomically.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from fetch import FetchOptions
from graph.build.fetched import WebScan, cache_of, fetch_for_build
from graph.build.lock import BuildLock
from graph.build.report import BuildReport
from graph.build.scan import find_plan_files, scan
from graph.build.sources import keep_sources, prune_sources
from graph.build.static import static_digest, static_triples
from graph.build.workers import FileResult, extract_all
from graph.build.write import merged_description, replace_contributions
from graph.store import StoreDir, Version, reference_graph_iri
from graph.store.manifest import Counts, Manifest, Source
from graph.store.remote import RemoteStore, RemoteWriter, insert_ops, local_state
from qgkg.config import Settings

_QG = "https://w3id.org/qgkg/ontology#"
_REMOTE_PLANS = f"""
SELECT ?g ?source ?sha WHERE {{
  GRAPH ?g {{ ?g a <{_QG}Plan> ; <http://purl.org/dc/terms/source> ?source ; <{_QG}sha256> ?sha }}
}}"""
_COUNTS = f"""
SELECT (COUNT(DISTINCT ?p) AS ?plans) (COUNT(DISTINCT ?a) AS ?activities) (COUNT(DISTINCT ?o) AS ?agencies) {{
  {{ GRAPH ?g {{ ?p a <{_QG}Plan> }} }} UNION {{ GRAPH ?g {{ ?a a <{_QG}Activity> }} }}
  UNION {{ GRAPH ?r {{ ?o a <{_QG}Agency> }} }}
}}"""


def remote_sources(store: RemoteStore) -> dict[str, Source]:
    """The files the server holds plans of, with their sha256 and graphs."""
    sources: dict[str, Source] = {}
    for row in store.select_query(_REMOTE_PLANS):
        entry = sources.setdefault(row["source"].value, Source(row["sha"].value))
        entry.graphs.append(row["g"].value)
    for entry in sources.values():
        entry.graphs.sort()
    return sources


def _nt(triples: Iterable[ox.Triple]) -> str:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def build_remote(
    settings: Settings,
    targets: list[Any],
    *,
    clean: bool = False,
    jobs: int | None = None,
    quiet: bool = True,
    progress: Callable[[FileResult], None] | None = None,
    on_files: Callable[[int], None] | None = None,
    validate: bool = True,
    urls: Sequence[str] = (),
    fetch: FetchOptions | None = None,
    on_urls: Callable[[int], None] | None = None,
    on_page: Callable[[str, object], None] | None = None,
) -> BuildReport:
    """Add or update the plans of ``targets`` and of the web pages at ``urls`` on the remote store, one
    named graph per plan.

    A file or page is sent again when it changed, the loaders or (with ``validate``) the shapes
    changed, or the server no longer holds its plans with the same sha256. Pages are fetched as
    the embedded build fetches them (``fetch``, ``on_urls`` and ``on_page`` as there), with the
    cache in the endpoint's local folder; a page that fails is one line in the report and its plan
    on the server is left as it is. The reference graph is rewritten only for the entities touched
    (all of it after a change of the ontology, or on a server without SPARQL Update). ``quiet`` is
    kept for older callers: the caller shows progress through ``progress`` and ``on_files``.
    """
    started = time.perf_counter()
    store = RemoteStore(settings)
    writer = RemoteWriter(store.endpoints)
    local = Version(local_state(settings))
    report = BuildReport(version=store.endpoints.query)
    with BuildLock(local.path) as lock:
        if lock.taken_over:
            report.warnings.append(lock.taken_over)
        state, on_server = _state(local, store, writer, settings.base, clean)
        held = {name: s for name, s in state.sources.items()
                if name in on_server and on_server[name].sha256 == s.sha256}  # the server still has them
        todo, shapes = _scan(targets, held, state, settings.base, validate, report)
        web = _fetch(local.path, list(urls), fetch or FetchOptions(), held, shapes, on_urls, on_page, report)
        if on_files:
            on_files(len(todo) + len(web.todo))
        good = _extract([*todo, *web.todo], settings.base, jobs, progress, validate, report)
        sdir = StoreDir(local.path)
        report.warnings += keep_sources(sdir, good)  # pages are kept by the fetch cache already
        contrib = ox.Store(str(local.contrib))
        touched = _send_plans(writer, contrib, good, state, on_server)
        _send_reference(writer, contrib, touched, settings.base, full=clean or state.static_sha256 != static_digest())
        contrib.flush()
        del contrib
        for r in good:
            state.sources[r.source] = Source(r.sha256, sorted(iri for iri, _nt in r.plans), r.activities,
                                             len(r.plans), stat=r.stat, extractor=_extractor(), shacl=shapes,
                                             kind="web" if r.path in web.urls else "file")
        if shapes is not None:
            _write_reports(local, good, shapes)
        state.base, state.static_sha256 = settings.base, static_digest()
        local.write_manifest(state)
        prune_sources(sdir, cache_of(local.path).digests() | {s.sha256 for s in state.sources.values()})
        report.count(_counts(store))
    report.seconds = time.perf_counter() - started
    return report


def _extractor() -> str:
    from loaders.version import extractor_version

    return extractor_version()


def _state(local: Version, store: RemoteStore, writer: RemoteWriter, base: str,
           clean: bool) -> tuple[Manifest, dict[str, Source]]:
    """The endpoint's local state (reset when it was made for another base, or with ``clean``) and
    what the server holds."""
    fresh = clean or not local.is_complete()
    state = Manifest() if fresh else local.manifest()
    on_server = remote_sources(store)
    if clean:
        writer.replace_graphs([], [g for e in on_server.values() for g in e.graphs] + [reference_graph_iri(base)])
        on_server = {}
    if fresh or state.base != base:
        # no local contributions for this endpoint: every file is extracted again, so that
        # the entity descriptions can be merged (plans from elsewhere keep theirs as they are)
        shutil.rmtree(local.contrib, ignore_errors=True)
        state = Manifest()
    return state, on_server


def _scan(targets: list[Any], held: dict[str, Source], state: Manifest, base: str, validate: bool,
          report: BuildReport) -> tuple[list[Path], str | None]:
    """Which files to extract (``graph.build.scan``), as the embedded build decides; and the shapes digest used."""
    from graph.validate.shacl import shapes_digest  # local: the module loads pyshacl

    files = find_plan_files([Path(t) for t in targets], skipped=report.errors)
    report.files_seen = len(files)
    shapes = shapes_digest(base) if validate else None
    todo = scan(files, held, {}, extractor=_extractor(), shapes=shapes)
    report.files_unchanged = todo.unchanged
    for name, stat in todo.seen.items():
        state.sources[name] = replace(state.sources[name], stat=stat)
    return todo.todo, shapes


def _fetch(root: Path, urls: list[str], options: FetchOptions, held: dict[str, Source], shapes: str | None,
           on_urls: Callable[[int], None] | None, on_page: Callable[[str, object], None] | None,
           report: BuildReport) -> WebScan:
    """Which pages to extract: fetched (or revalidated) into the cache under ``root`` and compared with
    what the server holds (``graph.build.fetched``), as the embedded build decides."""
    if not urls:
        return WebScan()
    if on_urls:
        on_urls(len(urls))
    return fetch_for_build(urls, root, options, held, report, extractor=_extractor(), shapes=shapes,
                           progress=on_page)


def _extract(todo: list[Any], base: str, jobs: int | None, progress: Callable[[FileResult], None] | None,
             validate: bool, report: BuildReport) -> list[FileResult]:
    """Extract (and validate) the files and pages, as the embedded build does; the results without errors.

    Nothing that failed is recorded: a file is read again next time, a page fetched (revalidated) again."""
    results = extract_all(todo, base, jobs or os.cpu_count() or 1, progress or (lambda r: None), validate=validate)
    good = [r for r in results if r.error is None]
    report.errors += [r.error for r in results if r.error]
    report.warnings += [w for r in good for w in r.warnings]
    report.files_extracted = len(good)
    return good


def _send_plans(writer: RemoteWriter, contrib: ox.Store, good: list[FileResult], state: Manifest,
                on_server: dict[str, Source]) -> set[Any]:
    """PUT every extracted plan graph, drop the graphs a changed file no longer gives; the touched subjects."""
    def old_graphs(r: FileResult) -> set[str]:
        held = on_server.get(r.source)
        known = state.sources.get(r.source)
        return set(held.graphs if held else ()) | set(known.graphs if known else ())

    drop = [g for r in good for g in sorted(old_graphs(r) - {iri for iri, _nt in r.plans})]
    touched = replace_contributions(contrib, good, lambda r: old_graphs(r) | {iri for iri, _nt in r.plans})
    writer.replace_graphs(((iri, nt) for r in good for iri, nt in r.plans), drop)
    return touched


def _send_reference(writer: RemoteWriter, contrib: ox.Store, touched: set[Any], base: str, *, full: bool) -> None:
    """Rewrite the reference descriptions of the touched entities (the whole reference graph when ``full``)."""
    ref = reference_graph_iri(base)
    static = static_triples(base)
    static_subjects = {t.subject for t in static}
    full = full or not writer.endpoints.update
    subjects = {q.subject for q in contrib.quads_for_pattern(None, None, None, None)} if full else touched
    merged: list[ox.Triple] = []
    for s in sorted(subjects - static_subjects, key=str):
        merged.extend(ox.Triple(s, p, o) for p, o in sorted(merged_description(contrib, s), key=str))
    if full:
        writer.replace_graphs([(ref, _nt(static) + _nt(merged))])
    elif subjects:
        iris = sorted(str(s) for s in subjects - static_subjects if isinstance(s, ox.NamedNode))
        deletes = [f"DELETE {{ GRAPH <{ref}> {{ ?s ?p ?o }} }}\n"
                   f"WHERE {{ VALUES ?s {{ {' '.join(iris[i:i + 500])} }} GRAPH <{ref}> {{ ?s ?p ?o }} }}"
                   for i in range(0, len(iris), 500)]  # short VALUES blocks: Virtuoso's parser has limits
        writer.update_batched(deletes + insert_ops(ref, _nt(merged)))


def _write_reports(local: Version, good: list[FileResult], shapes: str) -> None:
    """Keep the plans' reports beside the state (``qgkg validate`` checks a remote store again)."""
    from graph.validate.reports import build_report, write_validation

    data = build_report(local.path, local.path, digest=shapes, replaced={r.source for r in good},
                        entries=[e for r in good for e in r.reports], reference=None, rechecked=set(),
                        reference_rows=[])
    write_validation(local.path, data)


def _counts(store: RemoteStore) -> Counts:
    row = store.select_query(_COUNTS)[0]
    triples = store.count_triples()
    return Counts(int(row["plans"].value), int(row["activities"].value), int(row["agencies"].value), triples)
