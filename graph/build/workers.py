"""Extracting plan files in worker processes, with each plan validated with SHACL where it is extracted.

A worker extracts a batch of files (``loaders.plan.extract_file``) and validates all their plans
in one SHACL pass (``graph.validate.shacl.validate_plans``); what crosses back to the build is
a ``FileResult`` of plain text (N-Triples) and report entries. The embedded and the remote build
both extract through ``extract_all``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graph.build.children import worker_pool
from graph.build.fetched import PageJob
from graph.build.scan import sha256_file, stat_entry
from graph.store.manifest import Stat
from qgkg.errors import QgkgError


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
    stat: Stat | None = None  # size, mtime_ns and hashed_ns, taken before the file was read


Job = str | PageJob  # a file's path, or a fetched page


def extract_one(path_str: Job, base: str, validate: bool = False) -> FileResult:
    """Extract one file (runs in a worker process); errors become a one-line ``error``.

    With ``validate``, each plan is also validated with the SHACL shapes here, on its small
    graph plus the descriptions of the entities it names, while it is at hand.
    """
    return extract_batch([path_str], base, validate)[0]


def extract_batch(path_strs: list[Job], base: str, validate: bool = False) -> list[FileResult]:
    """Extract a few files (runs in a worker process) and, with ``validate``, validate all their
    plans in one SHACL pass (see ``graph.validate.shacl.validate_plans``)."""
    done = [_extract(p, base) for p in path_strs]
    reports = _validate_extractions([ex for _r, ex in done if ex is not None], base) if validate else {}
    return [replace(r, reports=tuple(reports[str(p.iri)] for p in ex.plans)) if ex is not None and reports else r
            for r, ex in done]


def _extract_page(job: PageJob, base: str) -> tuple[FileResult, Any]:
    """Extract a fetched page from its kept bytes; errors name the URL."""
    from loaders.plan import extract_page

    try:
        data = Path(job.body).read_bytes()
    except OSError as exc:
        return FileResult(job.url, job.url, "", error=f"{job.url}: the page as fetched is gone ({exc.strerror})"), None
    try:
        ex = extract_page(data, job.web, charset=job.charset, base=base)
    except QgkgError as exc:
        return FileResult(job.url, job.url, job.sha256, error=str(exc)), None
    except Exception as exc:  # a loader bug must not take the build down: report it per page
        error = f"{job.url}: internal error in the loader ({exc!r})"
        return FileResult(job.url, job.url, job.sha256, error=error), None
    return _result(job.url, ex, None), ex


def _result(path_str: str, ex: Any, stat: Stat | None) -> FileResult:
    plans = tuple((str(p.iri), p.graph.serialize(format="nt")) for p in ex.plans)
    return FileResult(path_str, ex.source, ex.sha256, plans=plans, entities=ex.entities.serialize(format="nt"),
                      activities=ex.activity_count, warnings=tuple(ex.warnings), stat=stat)


def _extract(path_str: Job, base: str) -> tuple[FileResult, Any]:
    from loaders.plan import extract_file

    if not isinstance(path_str, str):
        return _extract_page(path_str, base)
    path = Path(path_str)
    try:
        stat = stat_entry(path)
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
    return _result(path_str, ex, stat), ex


def _validate_extractions(extractions: list[Any], base: str) -> dict[str, dict[str, Any]]:
    """Report entries by plan IRI for the plans of several extractions, validated in one pass."""
    from graph.validate.reports import error_entry, report_entry  # local: pyshacl is loaded by the workers only
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


def extract_all(paths: Sequence[Path | PageJob], base: str, jobs: int, progress: Callable[[FileResult], None], *,
                validate: bool = False) -> list[FileResult]:
    """Extract (and with ``validate``, validate) files and fetched pages in ``jobs`` worker processes, in
    the order of ``paths``."""
    results: list[FileResult] = []
    size = max(1, min(BATCH_FILES, len(paths) // (jobs * 4) or 1))
    batches: list[list[Job]] = [[p if isinstance(p, PageJob) else str(p) for p in paths[i:i + size]]
                                for i in range(0, len(paths), size)]
    if jobs <= 1 or len(paths) <= INLINE_FILES:  # starting workers costs more than a few files
        done: Iterable[list[FileResult]] = (extract_batch(b, base, validate) for b in batches)
        for batch in done:
            for r in batch:
                progress(r)
                results.append(r)
        return results
    with worker_pool(jobs) as pool:
        n = len(batches)
        for batch in pool.map(extract_batch, batches, [base] * n, [validate] * n):
            for r in batch:
                progress(r)
                results.append(r)
    return results
