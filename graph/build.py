"""Building a store: extract changed files in parallel, write a new version, switch to it.

A build never writes the version that readers use. It hard-links a copy of the
current version (Oxigraph's ``backup``: immutable files are linked, not copied),
replaces the named graphs of changed files there, re-merges the descriptions of
the entities those plans touch, runs the post-build steps (statistics, dumps,
network figures) and only then switches ``current``. Killing it at any moment
leaves the previous version current and intact; a lock lets one build run at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.store import StoreDir, reference_graph_iri
from qgkg.config import DEFAULT_BASE
from qgkg.errors import QgkgError, StoreError

SUPPORTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".docx", ".pdf")


@dataclass(frozen=True)
class FileResult:
    """What extracting one file gave, in a form that crosses process boundaries."""

    path: str
    source: str
    sha256: str
    plans: tuple[tuple[str, str], ...] = ()  # (plan IRI, N-Triples of its named graph)
    entities: str = ""  # N-Triples of the entity descriptions
    activities: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    reports: tuple[dict[str, Any], ...] = ()  # one SHACL report entry per plan (graph.validate.reports.report_entry)
    stat: tuple[tuple[str, int], ...] = ()  # size, mtime_ns and hashed_ns, taken before the file was read


@dataclass
class BuildReport:
    """The summary a build prints."""

    version: str = ""
    files_seen: int = 0
    files_extracted: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    plans: int = 0
    activities: int = 0
    agencies: int = 0
    triples: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def find_plan_files(paths: Iterable[Path]) -> list[Path]:
    """Plan files under the given files and folders, sorted; a missing path is an error."""
    found: dict[Path, Path] = {}  # resolved path -> path as found
    for path in paths:
        if not path.exists():
            raise QgkgError(f"{path}: no such file or folder")
        if path.is_dir():
            root = path.resolve()
            for p in _walk(path):
                link = p.is_symlink()
                _keep(found, (root / p.relative_to(path)).resolve() if link else root / p.relative_to(path), p, link)
        else:
            _keep(found, path.resolve(), path, path.is_symlink())
    return sorted(found.values(), key=lambda p: (p.name, str(p)))


def _keep(found: dict[Path, Path], real: Path, path: Path, link: bool) -> None:
    """Record ``path`` for the file ``real``, a file under its own name rather than a link's."""
    if real not in found or (not link and found[real].is_symlink()):
        found[real] = path


def _walk(folder: Path) -> Iterator[Path]:
    """Plan files under ``folder`` by one ``scandir`` per folder (no ``stat`` per file where the
    folder entry says what it is); links to folders are not followed (no cycles)."""
    stack = [folder]
    while stack:
        here = stack.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in SUPPORTED_SUFFIXES:
                    yield Path(entry.path)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract_one(path_str: str, base: str, validate: bool = False) -> FileResult:
    """Extract one file (runs in a worker process); errors become a one-line ``error``.

    With ``validate``, each plan is also validated with the SHACL shapes here, on its small
    graph plus the descriptions of the entities it names, while it is at hand.
    """
    return extract_batch([path_str], base, validate)[0]


def extract_batch(path_strs: list[str], base: str, validate: bool = False) -> list[FileResult]:
    """Extract a few files (runs in a worker process) and, with ``validate``, validate all their
    plans in one SHACL pass (see ``graph.validate.shacl.validate_plans``)."""
    done = [_extract(p, base) for p in path_strs]
    reports = _validate_extractions([ex for _r, ex in done if ex is not None], base) if validate else {}
    return [replace(r, reports=tuple(reports[str(p.iri)] for p in ex.plans)) if ex is not None and reports else r
            for r, ex in done]


def _extract(path_str: str, base: str) -> tuple[FileResult, Any]:
    from loaders.plan import extract_file

    path = Path(path_str)
    try:
        stat = tuple(_stat_entry(path).items())
        digest = sha256_file(path)
    except OSError as exc:
        return FileResult(path_str, path.name, "", error=f"{path}: cannot read ({exc.strerror or exc})"), None
    try:
        ex = extract_file(path, base=base)
    except QgkgError as exc:
        return FileResult(path_str, path.name, digest, error=str(exc), stat=stat), None
    except Exception as exc:  # a loader bug must not take the build down: report it per file
        return FileResult(path_str, path.name, digest, error=f"{path}: internal error in the loader ({exc!r})",
                          stat=stat), None
    plans = tuple((str(p.iri), p.graph.serialize(format="nt")) for p in ex.plans)
    result = FileResult(
        path_str,
        ex.source,
        ex.sha256,
        plans=plans,
        entities=ex.entities.serialize(format="nt"),
        activities=ex.activity_count,
        warnings=tuple(ex.warnings),
        stat=stat,
    )
    return result, ex


def _validate_extractions(extractions: list[Any], base: str) -> dict[str, dict[str, Any]]:
    """Report entries by plan IRI for the plans of several extractions, validated in one pass."""
    from graph.validate.reports import error_entry, report_entry
    from graph.validate.shacl import validate_plans

    plans = [(str(p.iri), p.graph, ex.entities, ex.source) for ex in extractions for p in ex.plans]
    try:
        reports = validate_plans([(iri, graph, entities) for iri, graph, entities, _src in plans], base=base)
    except Exception as exc:  # a validator failure is reported with the plans, not fatal to the build
        if len(extractions) > 1:  # find the one it comes from
            out: dict[str, dict[str, Any]] = {}
            for ex in extractions:
                out.update(_validate_extractions([ex], base))
            return out
        error = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        return {iri: error_entry(iri, error, source=src) for iri, _g, _e, src in plans}
    return {iri: report_entry(iri, reports[iri], source=src) for iri, _g, _e, src in plans}


INLINE_FILES = 4  # at most this many files are extracted in this process, without a worker pool
BATCH_FILES = 8  # files a worker extracts, and validates in one SHACL pass, at a time


def extract_all(paths: list[Path], base: str, jobs: int, progress: Callable[[FileResult], None], *,
                validate: bool = False) -> list[FileResult]:
    """Extract (and with ``validate``, validate) files in ``jobs`` worker processes, in the order of ``paths``."""
    results: list[FileResult] = []
    size = max(1, min(BATCH_FILES, len(paths) // (jobs * 4) or 1))
    batches = [[str(p) for p in paths[i:i + size]] for i in range(0, len(paths), size)]
    if jobs <= 1 or len(paths) <= INLINE_FILES:  # starting workers costs more than a few files
        done: Iterable[list[FileResult]] = (extract_batch(b, base, validate) for b in batches)
        for batch in done:
            for r in batch:
                progress(r)
                results.append(r)
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        n = len(batches)
        for batch in pool.map(extract_batch, batches, [base] * n, [validate] * n):
            for r in batch:
                progress(r)
                results.append(r)
    return results


class BuildLock:
    """An exclusive, non-blocking lock on the store folder."""

    def __init__(self, root: Path) -> None:
        self.path = root / "build.lock"
        self.fh: Any = None

    def __enter__(self) -> BuildLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = self.path.open("a+")
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.seek(0)
            holder = self.fh.read().strip() or "another process"
            self.fh.close()
            raise StoreError(f"{self.path.parent}: another build is running ({holder}); try again when it ends")
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()}")
        self.fh.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()


@dataclass(frozen=True)
class BuildDelta:
    """What a build changed, for post-build steps that update their outputs incrementally."""

    previous: Path | None  # the previous version folder (its cached outputs can be reused), or None
    removed: frozenset[str]  # plan graph IRIs removed or replaced
    added: frozenset[str]  # plan graph IRIs written by this build
    base: str
    touched: frozenset[str] = frozenset()  # entity IRIs whose reference description was merged again
    static_reloaded: bool = True  # the ontology and programme scheme were (re)loaded: the whole reference changed


# Post-build steps: ``step(version_folder, store, delta)`` runs on the new version, with the
# read-write store open, before the version becomes current. A step writes its outputs
# (statistics, network figures, dumps) inside the version folder. Listed as (module, function)
# so that a module that is not there is skipped.
PostBuildStep = Callable[[Path, ox.Store, BuildDelta], None]
POST_BUILD_STEPS: list[tuple[str, str]] = [
    ("graph.stats", "write_stats"),
    ("graph.network", "write_network_cache"),
    ("graph.dumps", "write_dumps"),
    ("graph.search_index", "write_search_index"),
]


def _run_post_build(version: Path, store: ox.Store, delta: BuildDelta) -> dict[str, float]:
    """Run the post-build steps; return the seconds each took (kept in the manifest)."""
    import importlib

    seconds: dict[str, float] = {}
    for module, name in POST_BUILD_STEPS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue  # an optional step whose module is not installed
        started = time.perf_counter()
        getattr(mod, name)(version, store, delta)
        seconds[f"{module}.{name}"] = round(time.perf_counter() - started, 4)
    return seconds


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
) -> BuildReport:
    """Add or update the plans of ``paths`` in the store at ``root`` (see the module docstring).

    With ``validate`` (the default) every plan extracted is validated with the SHACL shapes in
    the same worker, and the reference descriptions the build touched are validated after the
    merge; the reports are kept in the version's ``validation.json`` (see ``graph.validate.reports``).
    """
    started = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    report = BuildReport()
    root = Path(root)
    with BuildLock(root):
        sdir = StoreDir(root)
        files = find_plan_files(paths)
        report.files_seen = len(files)
        previous = None if clean else sdir.current()
        old_manifest: dict[str, Any] = {} if previous is None else sdir.manifest().to_json()
        old_sources: dict[str, dict[str, Any]] = old_manifest.get("sources", {})
        if old_manifest and old_manifest.get("base", base) != base:
            raise StoreError(f"{root}: built with base {old_manifest.get('base')}, not {base}; use --clean")

        from graph.validate.shacl import shapes_digest
        from loaders.version import extractor_version

        digest = shapes_digest(base) if validate else None
        extractor = extractor_version()  # a loader change (code or YAML) re-extracts every file
        todo: list[Path] = []
        seen: dict[str, dict[str, int]] = {}
        old_failed: dict[str, dict[str, Any]] = old_manifest.get("failed", {})
        failed: dict[str, dict[str, Any]] = {}
        for path in files:
            known = old_sources.get(path.name)
            memo = old_failed.get(path.name)
            if (known and known.get("extractor") == extractor and (digest is None or known.get("shacl") == digest)
                    and _unchanged(path, known, seen)):
                report.files_unchanged += 1
            elif memo and memo.get("extractor") == extractor and _unchanged(path, memo, {}):
                failed[path.name] = memo  # failed before, unchanged since: the same error, without a retry
            else:
                todo.append(path)
        if on_files:
            on_files(len(todo))
        phases: dict[str, float] = {"scan": time.perf_counter() - started}
        results = extract_all(todo, base, jobs, progress or (lambda r: None), validate=validate)
        phases["extract"] = time.perf_counter() - started - sum(phases.values())
        good = [r for r in results if r.error is None]
        for r in results:
            if r.error is not None and r.sha256:
                failed[Path(r.path).name] = {"error": r.error, "sha256": r.sha256, "extractor": extractor,
                                             **dict(r.stat)}
        report.errors = [r.error for r in results if r.error] + [
            m["error"] for name, m in sorted(failed.items()) if name in old_failed and m is old_failed[name]]
        report.warnings = [w for r in good for w in r.warnings]
        report.files_extracted = len(good)

        static_digest = _static_digest()
        if previous is not None and not good and old_manifest.get("static_sha256") == static_digest:
            # nothing to change: the current version stays current
            if seen or failed != old_failed:  # but remember new stats and failures (hints only)
                _refresh_manifest(previous, old_manifest, seen, failed)
            counts = old_manifest.get("counts", {})
            report.version = previous.name
            report.plans = counts.get("plans", 0)
            report.activities = counts.get("activities", 0)
            report.agencies = counts.get("agencies", 0)
            report.triples = counts.get("triples", 0)
            report.seconds = time.perf_counter() - started
            return report
        version = sdir.new_version_path()
        checking: _ReferenceCheck | None = None
        try:
            version.mkdir(parents=True)
            if previous is not None:
                ox.Store.read_only(str(previous / "oxigraph")).backup(str(version / "oxigraph"))
                ox.Store.read_only(str(previous / "contrib")).backup(str(version / "contrib"))
            main = ox.Store(str(version / "oxigraph"))
            contrib = ox.Store(str(version / "contrib"))
            sources = dict(old_sources)
            removed = frozenset(g for r in good for g in old_sources.get(r.source, {}).get("graphs", []))
            added = frozenset(iri for r in good for iri, _nt in r.plans)
            old_counts: dict[str, int] = old_manifest.get("counts", {})
            touched, _removed_triples = _apply(main, contrib, good, sources)
            for name, stat in seen.items():  # files found unchanged by hashing: remember their stat
                sources[name] = {**sources[name], **stat}
            for r in good:
                sources[r.source].update(dict(r.stat))
                sources[r.source]["extractor"] = extractor
                if digest is not None:
                    sources[r.source]["shacl"] = digest
            reloaded, static_size = _load_static_reference(main, contrib, base, old_manifest)
            touched |= reloaded
            ref_triples = static_size if static_size is not None else old_counts.get("reference_triples", 0)
            if static_size is not None:
                old_counts = {**old_counts, "agencies": 0} if "reference_triples" in old_counts else old_counts
            d_ref, d_agencies = _merge_entities(main, contrib, touched, base)
            phases["write"] = time.perf_counter() - started - sum(phases.values())
            delta = BuildDelta(previous, removed, added, base,
                               frozenset(t.value for t in touched if isinstance(t, ox.NamedNode)),
                               static_reloaded=static_size is not None)
            if digest is not None:  # runs beside the post-build steps when there is much to check
                scope = _reference_scope(touched, static_size is not None, base)
                checking = _ReferenceCheck(scope, _reference_text(main, scope, base), base)
            counts = _counts(main, sources, old_counts, ref_triples + d_ref, d_agencies, base)
            step_seconds = _run_post_build(version, main, delta)
            phases["post_build"] = time.perf_counter() - started - sum(phases.values())
            if checking is not None and digest is not None:
                _write_validation(version, previous, good, checking, base, digest)
                phases["reference_shacl_wait"] = time.perf_counter() - started - sum(phases.values())
            manifest = _manifest(sources, base, counts)
            manifest["failed"] = failed
            manifest["post_build_seconds"] = step_seconds
            main.flush()
            contrib.flush()
            del main, contrib
            phases["finish"] = time.perf_counter() - started - sum(phases.values())
            manifest["phase_seconds"] = {k: round(v, 3) for k, v in phases.items()}
            (version / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        except BaseException:
            import shutil

            if checking is not None:
                checking.cancel()
            shutil.rmtree(version, ignore_errors=True)
            raise
        sdir.switch_to(version)
        sdir.prune()
        report.version = version.name
        report.plans = manifest["counts"]["plans"]
        report.activities = manifest["counts"]["activities"]
        report.agencies = manifest["counts"]["agencies"]
        report.triples = manifest["counts"]["triples"]
    report.seconds = time.perf_counter() - started
    return report


def _stat_entry(path: Path) -> dict[str, int]:
    """What a later build compares to skip hashing: size, mtime and when the hash was taken
    (call it before reading the file)."""
    now = time.time_ns()
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "hashed_ns": now}


RACY_NS = 2_000_000_000  # a file changed this close to its hashing may change again unseen by its mtime


def _unchanged(path: Path, known: dict[str, Any], seen: dict[str, dict[str, int]]) -> bool:
    """True when ``path`` still has the content recorded in ``known``.

    Size and mtime decide without reading the file, as git does, unless the file was modified
    within ``RACY_NS`` of being hashed (a change in the same clock tick keeps the mtime); then,
    and whenever size or mtime differ, the content is hashed. A file found unchanged by its
    hash gets its new stat recorded in ``seen``.
    """
    try:
        stat = _stat_entry(path)
    except OSError:
        return False  # extraction reports the error
    if (known.get("size") == stat["size"] and known.get("mtime_ns") == stat["mtime_ns"]
            and stat["mtime_ns"] + RACY_NS < known.get("hashed_ns", 0)):
        return True
    if known.get("sha256") != sha256_file(path):
        return False
    seen[path.name] = stat
    return True


def _refresh_manifest(version: Path, manifest: dict[str, Any], seen: dict[str, dict[str, int]],
                      failed: dict[str, dict[str, Any]]) -> None:
    """Record new file stats and failures in a version's manifest, replacing it atomically (the graph
    is unchanged: these only spare later builds some reading)."""
    sources = manifest.get("sources", {})
    for name, stat in seen.items():
        sources[name] = {**sources[name], **stat}
    manifest["failed"] = failed
    tmp = version / f".manifest.json.{os.getpid()}"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, version / "manifest.json")


class _ReferenceCheck:
    """SHACL over the reference descriptions of the touched entities: in a worker process, beside the
    post-build steps, when there are many (a full build); here, when there are few."""

    BACKGROUND = 300  # entities: above this, the check runs in a worker process

    def __init__(self, scope: set[str], text: str, base: str) -> None:
        # The store is not passed in: pyshacl keeps tracebacks whose frames would keep it open.
        from concurrent.futures import Future

        self.scope = scope
        self.pool: ProcessPoolExecutor | None = None
        self.future: Future[list[dict[str, Any]]] | None = None
        self.rows: list[dict[str, Any]] = []
        if not scope:
            return
        if len(scope) > self.BACKGROUND:
            self.pool = ProcessPoolExecutor(max_workers=1)
            self.future = self.pool.submit(_validate_reference_text, text, base)
        else:
            self.rows = _validate_reference_text(text, base)

    def results(self) -> list[dict[str, Any]]:
        """The result rows whose focus is a touched entity (waits for the worker)."""
        if self.future is not None and self.pool is not None:
            self.rows = self.future.result()
            self.pool.shutdown()
            self.future = self.pool = None
        return [r for r in self.rows if r["focus"] in self.scope]

    def cancel(self) -> None:
        """Stop the worker, if any (the build failed)."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.kill()


def _write_validation(version: Path, previous: Path | None, results: list[FileResult],
                      checking: _ReferenceCheck, base: str, digest: str) -> None:
    """Write ``validation.json``: the previous reports of unchanged plans, the reports of the plans
    just extracted, and the reference graph's report with its touched entities validated again."""
    from graph.validate.reports import build_report, write_validation

    data = build_report(version, previous, digest=digest, replaced={r.source for r in results},
                        entries=[e for r in results for e in r.reports], reference=reference_graph_iri(base),
                        rechecked=checking.scope, reference_rows=checking.results())
    write_validation(version, data)


def _reference_scope(touched: set[Any], static_reloaded: bool, base: str) -> set[str]:
    """The entities whose reference descriptions a build checks again: those it merged, and the
    ontology's and programme scheme's subjects when it loaded them again."""
    scope = {str(s.value) for s in touched if isinstance(s, ox.NamedNode)}
    if static_reloaded:
        scope |= {t.subject.value for t in static_triples(base) if isinstance(t.subject, ox.NamedNode)}
    return scope


def _reference_text(main: ox.Store, scope: set[str], base: str) -> str:
    """N-Triples of the reference descriptions of the entities in ``scope``, with the descriptions
    of what they name (so that class constraints can be checked)."""
    ref = ox.NamedNode(reference_graph_iri(base))
    quads: list[ox.Quad] = []
    named: set[Any] = set()
    for iri in sorted(scope):
        for q in main.quads_for_pattern(ox.NamedNode(iri), None, None, ref):
            quads.append(q)
            if isinstance(q.object, ox.NamedNode) and q.object.value not in scope:
                named.add(q.object)
    for node in named:
        quads.extend(main.quads_for_pattern(node, None, None, ref))
    return ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def _validate_reference_text(text: str, base: str) -> list[dict[str, Any]]:
    """SHACL result rows (dicts) for an N-Triples text (runs in a worker process on a full build)."""
    from dataclasses import asdict

    from rdflib import Graph

    from graph.validate.shacl import validate_graph

    data = Graph()
    data.parse(data=text, format="nt")
    return [asdict(r) for r in validate_graph(data, base=base).results]


def _parse_nt(text: str, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    for triple in ox.parse(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES):
        yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)


def _graph_subjects(store: ox.Store, graph: ox.NamedNode) -> set[Any]:
    return {q.subject for q in store.quads_for_pattern(None, None, None, graph)}


BULK_THRESHOLD = 200_000  # quads: above this, a build writes with the bulk loader


def _graph_size(store: ox.Store, graph: ox.NamedNode) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _apply(
    main: ox.Store, contrib: ox.Store, results: list[FileResult], sources: dict[str, dict[str, Any]]
) -> tuple[set[Any], int]:
    """Replace the named graphs of every changed source; return the entity subjects touched and
    the number of plan-graph statements removed (for the manifest's counts, kept without a scan)."""
    touched: set[Any] = set()
    removed_triples = 0
    for r in results:
        old = sources.get(r.source, {})
        for g in old.get("graphs", []):
            node = ox.NamedNode(g)
            touched |= _graph_subjects(contrib, node)
            if main.contains_named_graph(node):
                if "triples" not in old:
                    removed_triples += _graph_size(main, node)
                main.remove_graph(node)
            if contrib.contains_named_graph(node):
                contrib.remove_graph(node)
        removed_triples += old.get("triples", 0)
    size = sum(len(nt) for r in results for _iri, nt in r.plans) // 150  # ~150 bytes a statement
    for r in results:
        sources[r.source] = {"sha256": r.sha256, "graphs": [iri for iri, _nt in r.plans],
                             "activities": r.activities, "plans": len(r.plans), "triples": 0}
    for payload in _nquads_batches(results, sources):
        if size > BULK_THRESHOLD:
            main.bulk_load(payload, ox.RdfFormat.N_QUADS)
        else:
            main.load(payload, ox.RdfFormat.N_QUADS)
    entity_quads: list[ox.Quad] = []
    for r in results:
        if r.entities:
            # entity descriptions are kept per file, under the main plan's IRI, in the contrib store
            node = ox.NamedNode(r.plans[0][0])
            entity_quads.extend(_parse_nt(r.entities, node))
    touched |= {q.subject for q in entity_quads}
    if len(entity_quads) > BULK_THRESHOLD:
        contrib.bulk_extend(entity_quads)
    else:
        contrib.extend(entity_quads)
    return touched, removed_triples


def _nquads_batches(results: list[FileResult], sources: dict[str, dict[str, Any]],
                    batch: int = 32 << 20) -> Iterator[bytes]:
    """Every plan's statements as N-Quads text in batches of about ``batch`` bytes, counting them
    per source: the store's bulk loader parses them without a Python object per statement.

    A plan's N-Triples come from an rdflib graph, a set: one line per distinct statement, each
    ending in `` .``; a line never holds a raw newline (N-Triples escapes it).
    """
    parts: list[str] = []
    size = 0
    for r in results:
        entry = sources[r.source]
        for iri, nt in r.plans:
            suffix = f" <{iri}> .\n"
            lines = [line[:-1].rstrip() + suffix for line in nt.split("\n") if line.strip()]
            entry["triples"] += len(lines)
            parts.append("".join(lines))
            size += len(parts[-1])
            if size >= batch:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


def _static_digest() -> str:
    """SHA-256 of the ontology and programme scheme, to tell when the reference graph needs them again."""
    return hashlib.sha256(_static_reference_text().encode("utf-8")).hexdigest()


def _static_reference_text() -> str:
    from ontology import ONTOLOGY_FILES, ontology_text

    return "\n".join(ontology_text(name) for name in ONTOLOGY_FILES)


def _load_static_reference(
    main: ox.Store, contrib: ox.Store, base: str, old_manifest: dict[str, Any]
) -> tuple[set[Any], int | None]:
    """(Re)load the ontology and programme scheme into the reference graph when they changed.

    Returns the entity subjects to merge again (all of them after a reload, the reference
    graph being cleared; none otherwise) and the reference graph's new size (None: unchanged).
    """
    digest = _static_digest()
    if old_manifest.get("static_sha256") == digest:
        return set(), None
    ref = ox.NamedNode(reference_graph_iri(base))
    if main.contains_named_graph(ref):
        main.remove_graph(ref)
    static = {ox.Quad(t.subject, t.predicate, t.object, ref) for t in static_triples(base)}
    main.extend(static)
    return {q.subject for q in contrib.quads_for_pattern(None, None, None, None)}, len(static)


def static_triples(base: str) -> list[ox.Triple]:
    """The ontology and the programme scheme, with the resource base applied."""
    from ontology import ONTOLOGY_FILES, ontology_text

    out: list[ox.Triple] = []
    for name in ONTOLOGY_FILES:
        data = ontology_text(name).replace("https://w3id.org/qgkg/id/", base)
        out.extend(ox.parse(data.encode("utf-8"), ox.RdfFormat.TURTLE))
    return out


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_AGENCY = ox.NamedNode("https://w3id.org/qgkg/ontology#Agency")


def _merge_entities(main: ox.Store, contrib: ox.Store, touched: set[Any], base: str) -> tuple[int, int]:
    """Rewrite the reference description of every touched entity from all plans' contributions.

    Returns the change in the reference graph's size and in the number of agencies.
    """
    ref = ox.NamedNode(reference_graph_iri(base))
    static_subjects = {t.subject for t in static_triples(base)}
    d_triples = d_agencies = 0
    new: list[ox.Quad] = []
    for subject in sorted(touched - static_subjects, key=str):  # sorted: the same writes whatever the order
        old = list(main.quads_for_pattern(subject, None, None, ref))
        for q in old:
            main.remove(q)
        seen = {(q.predicate, q.object) for q in contrib.quads_for_pattern(subject, None, None, None)}
        new.extend(ox.Quad(subject, p, o, ref) for p, o in seen)
        d_triples += len(seen) - len(old)
        was_agency = any(q.predicate == _RDF_TYPE and q.object == _AGENCY for q in old)
        d_agencies += ((_RDF_TYPE, _AGENCY) in seen) - was_agency
    if len(new) > BULK_THRESHOLD:
        main.bulk_extend(new)
    else:
        main.extend(new)
    return d_triples, d_agencies


def _count(store: ox.Store, sparql: str) -> int:
    rows = list(store.query(sparql, use_default_graph_as_union=True))
    return int(rows[0][0].value) if rows else 0


def _counts(
    main: ox.Store,
    sources: dict[str, dict[str, Any]],
    old_counts: dict[str, int],
    ref_triples: int,
    d_agencies: int,
    base: str,
) -> dict[str, int]:
    """The manifest's counts, kept from the delta (a scan only for stores built before counts were kept)."""
    qg = "https://w3id.org/qgkg/ontology#"
    if "reference_triples" not in old_counts or any("triples" not in e or "plans" not in e for e in sources.values()):
        return {
            "plans": _count(main, f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{qg}Plan> }}"),
            "activities": _count(main, f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a <{qg}Activity> }}"),
            "agencies": _count(main, f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{qg}Agency> }}"),
            "triples": len(main),
            "reference_triples": _graph_size(main, ox.NamedNode(reference_graph_iri(base))),
        }
    return {
        "plans": sum(e["plans"] for e in sources.values()),
        "activities": sum(e["activities"] for e in sources.values()),
        "agencies": old_counts.get("agencies", 0) + d_agencies,
        "triples": sum(e["triples"] for e in sources.values()) + ref_triples,
        "reference_triples": ref_triples,
    }


def _manifest(sources: dict[str, dict[str, Any]], base: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "format": 1,
        "base": base,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "static_sha256": _static_digest(),
        "sources": sources,
        "counts": counts,
    }
