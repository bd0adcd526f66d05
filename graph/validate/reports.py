"""``validation.json``: the one schema and the one writer of a version's SHACL reports.

Layout (``REPORT_FORMAT`` 2)::

    {"format": 2, "checked_at": ISO-8601 UTC, "shapes_sha256": DIGEST, "version": "v0000000003",
     "conforms": bool, "violations": int, "warnings": int,
     "graphs": [{"graph": IRI, "source": FILE (plan graphs), "conforms", "violations", "warnings",
                 "results": [ResultRow fields ...], "error": TEXT (when the validator failed)}, ...]}

or ``{"format": 2, "version": ..., "error": TEXT}`` when no report could be made. A build writes
it (``build_report``: the previous version's entries of what it did not touch, and the new
ones); ``graph.validate.store_checks`` writes it for a version built without reports. Readers
trust it only when ``shapes_sha256`` is the digest of the current shapes and ``version`` is the
version it sits in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from graph.store.versions import Version, write_json
from graph.validate.shacl import ResultRow, ValidationReport

REPORT_FORMAT = 2


def report_entry(graph: str, report: ValidationReport, **extra: Any) -> dict[str, Any]:
    """One graph's report as plain JSON data (an entry of ``graphs``)."""
    return {"graph": graph, **extra, "conforms": report.conforms, "violations": report.violations,
            "warnings": report.warnings, "results": [asdict(r) for r in report.results]}


def entry_from_rows(graph: str, rows: Iterable[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A graph's report entry from result rows (dicts of ``ResultRow`` fields)."""
    results = sorted(rows, key=lambda r: (r["severity"], r["focus"], r["shape"], r["path"] or "", r["value"] or ""))
    violations = sum(1 for r in results if r["severity"] == "Violation")
    warnings = sum(1 for r in results if r["severity"] == "Warning")
    return {"graph": graph, **extra, "conforms": violations == 0, "violations": violations,
            "warnings": warnings, "results": results}


def error_entry(graph: str, error: str, **extra: Any) -> dict[str, Any]:
    """The entry of a graph the validator failed on (``report_from_entry`` counts it as a violation)."""
    return {"graph": graph, **extra, "conforms": False, "violations": 0, "warnings": 0, "results": [],
            "error": error}


def summary(entries: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """The whole report from its graph entries."""
    return {
        "format": REPORT_FORMAT,
        "checked_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        **extra,
        "conforms": all(e["conforms"] for e in entries),
        "violations": sum(e["violations"] for e in entries),
        "warnings": sum(e["warnings"] for e in entries),
        "graphs": entries,
    }


def report_from_entry(entry: dict[str, Any]) -> ValidationReport:
    """A ``ValidationReport`` back from a stored entry."""
    rows = tuple(ResultRow(**r) for r in entry.get("results", []))
    violations = entry["violations"]
    if entry.get("error"):  # the validator failed on this graph: say so as a violation
        rows += (ResultRow(focus=entry["graph"], path=None, shape="", severity="Violation",
                           message=f"could not be validated: {entry['error']}"),)
        violations += 1
    return ValidationReport(conforms=entry["conforms"], violations=violations,
                            warnings=entry["warnings"], results=rows, text="")


def read_validation(version: Path) -> dict[str, Any] | None:
    """The stored report of a version, or None."""
    try:
        data: dict[str, Any] = json.loads(Version(version).validation.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def write_validation(version: Path, data: dict[str, Any]) -> None:
    """Write a version's report (atomically)."""
    write_json(Version(version).validation, data)


def current_reports(version: Path | None, digest: str) -> dict[str, Any] | None:
    """The report of ``version`` when it was made there with the shapes of ``digest``, else None."""
    data = read_validation(version) if version is not None else None
    if data is None or data.get("shapes_sha256") != digest or data.get("version") != Path(str(version)).name:
        return None
    return data


def build_report(version: Path, previous: Path | None, *, digest: str, replaced: set[str],
                 entries: Iterable[dict[str, Any]], reference: str | None, rechecked: set[str],
                 reference_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A build's report: the previous version's entries of the sources it did not replace, the
    ``entries`` of the plans it extracted, and the reference graph's entry with the rows of the
    ``rechecked`` entities replaced by ``reference_rows`` (none when ``reference`` is None: the
    remote build checks plans only)."""
    old = _previous(previous, digest)
    kept = [e for e in old.get("graphs", []) if e.get("graph") != reference and e.get("source") not in replaced]
    graphs = sorted([*kept, *entries], key=lambda e: e["graph"])
    if reference is not None:
        old_ref = next((e for e in old.get("graphs", []) if e.get("graph") == reference), None)
        rows = [r for r in (old_ref or {}).get("results", []) if r["focus"] not in rechecked]
        graphs.append(entry_from_rows(reference, [*rows, *reference_rows]))
    return summary(graphs, shapes_sha256=digest, version=Path(version).name)


def _previous(previous: Path | None, digest: str) -> dict[str, Any]:
    data = read_validation(previous) if previous is not None else None
    return data if data is not None and data.get("shapes_sha256") == digest else {}
