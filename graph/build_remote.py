"""The remote build (moved into graph.build in the next step)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from graph.store.remote import RemoteStore, RemoteWriter
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
_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
def _endpoint_key(url: str) -> str:
    """A folder name for an endpoint's local state."""
    import hashlib

    readable = re.sub(r"[^A-Za-z0-9]+", "-", urllib.parse.urlsplit(url).netloc + urllib.parse.urlsplit(url).path)
    return f"{readable.strip('-')[:60]}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:8]}"


def remote_sources(store: RemoteStore) -> dict[str, dict[str, Any]]:
    """The files the server holds plans of: source → {sha256, graphs}."""
    sources: dict[str, dict[str, Any]] = {}
    for row in store.select_query(_REMOTE_PLANS):
        entry = sources.setdefault(row["source"].value, {"sha256": row["sha"].value, "graphs": []})
        entry["graphs"].append(row["g"].value)
    for entry in sources.values():
        entry["graphs"].sort()
    return sources


def _nt(triples: Iterable[ox.Triple]) -> str:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def build_remote(
    settings: Settings,
    targets: list[Any],
    *,
    clean: bool = False,
    jobs: int | None = None,
    quiet: bool = False,
) -> Any:
    """Add or update the plans of ``targets`` on the remote store, one named graph per plan.

    Files whose name and sha256 the server already holds are skipped. The entity
    descriptions each plan contributed are kept in a local store under
    ``STORE/remote/<endpoint>/`` and merged into the reference graph, as the embedded
    build does; the reference graph is rewritten only for the entities touched.
    Not atomic as a whole: each graph (or each update batch) is replaced atomically.
    """
    import hashlib
    import json
    import os
    import shutil
    import sys
    import time
    from pathlib import Path

    from graph.build import BuildLock, BuildReport, extract_all, find_plan_files, sha256_file, static_triples
    from graph.store import reference_graph_iri

    started = time.perf_counter()
    store = RemoteStore(settings)
    writer = RemoteWriter(store.endpoints)
    base = settings.base
    ref = reference_graph_iri(base)
    local = Path(settings.store) / "remote" / _endpoint_key(store.endpoints.query)
    report = BuildReport(version=store.endpoints.query)
    with BuildLock(local):
        state_path = local / "state.json"
        state: dict[str, Any] = {}
        if state_path.is_file() and not clean:
            state = json.loads(state_path.read_text(encoding="utf-8"))
        files = find_plan_files([Path(t) for t in targets])
        report.files_seen = len(files)
        on_server = remote_sources(store)
        if clean:
            writer.replace_graphs([], [g for e in on_server.values() for g in e["graphs"]] + [ref])
            on_server = {}
        if not state or state.get("base") != base:
            # no local contributions for this endpoint: every file is extracted again, so that
            # the entity descriptions can be merged (plans from elsewhere keep theirs as they are)
            shutil.rmtree(local / "contrib", ignore_errors=True)
            state = {}
        todo = []
        for path in files:
            known = on_server.get(path.name)
            if state and known and known["sha256"] == sha256_file(path):
                report.files_unchanged += 1
            else:
                todo.append(path)
        bar: Any = None
        if not quiet and todo:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), unit="file", desc="extracting", file=sys.stderr)

        def progress(r: Any) -> None:
            if bar is not None:
                bar.update(1)

        try:
            results = extract_all(todo, base, jobs or os.cpu_count() or 1, progress)
        finally:
            if bar is not None:
                bar.close()
        good = [r for r in results if r.error is None]
        report.errors = [r.error for r in results if r.error]
        report.warnings = [w for r in good for w in r.warnings]
        report.files_extracted = len(good)

        contrib = ox.Store(str(local / "contrib"))
        touched: set[Any] = set()
        drop: list[str] = []
        for r in good:
            new_graphs = {iri for iri, _nt in r.plans}
            old = set(on_server.get(r.source, {}).get("graphs", [])) | set(
                state.get("sources", {}).get(r.source, {}).get("graphs", []))
            drop.extend(sorted(old - new_graphs))
            for g in old | new_graphs:
                node = ox.NamedNode(g)
                touched |= {q.subject for q in contrib.quads_for_pattern(None, None, None, node)}
                contrib.remove_graph(node) if contrib.contains_named_graph(node) else None
            if r.entities:
                node = ox.NamedNode(r.plans[0][0])
                quads = [ox.Quad(t.subject, t.predicate, t.object, node)
                         for t in ox.parse(r.entities.encode("utf-8"), ox.RdfFormat.N_TRIPLES)]
                contrib.extend(quads)
                touched |= {q.subject for q in quads}
        writer.replace_graphs(((iri, nt) for r in good for iri, nt in r.plans), drop)

        static = static_triples(base)
        static_subjects = {t.subject for t in static}
        digest = hashlib.sha256(_nt(static).encode("utf-8")).hexdigest()
        full = clean or state.get("static_sha256") != digest or not writer.endpoints.update
        subjects = {q.subject for q in contrib.quads_for_pattern(None, None, None, None)} if full else touched
        merged: list[ox.Triple] = []
        for s in sorted(subjects - static_subjects, key=str):
            pairs = {(q.predicate, q.object) for q in contrib.quads_for_pattern(s, None, None, None)}
            merged.extend(ox.Triple(s, p, o) for p, o in sorted(pairs, key=str))
        if full:
            writer.replace_graphs([(ref, _nt(static) + _nt(merged))])
        elif subjects:
            iris = " ".join(str(s) for s in subjects - static_subjects if isinstance(s, ox.NamedNode))
            writer.update(
                f"DELETE {{ GRAPH <{ref}> {{ ?s ?p ?o }} }}\n"
                f"WHERE {{ VALUES ?s {{ {iris} }} GRAPH <{ref}> {{ ?s ?p ?o }} }} ;\n"
                f"INSERT DATA {{ GRAPH <{ref}> {{\n{_nt(merged)}}} }}"
            )
        contrib.flush()
        sources = dict(state.get("sources", {}))
        for r in good:
            sources[r.source] = {"sha256": r.sha256, "graphs": sorted(iri for iri, _nt in r.plans)}
        state = {"endpoint": store.endpoints.query, "base": base, "static_sha256": digest, "sources": sources}
        tmp = state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, state_path)
        counts = store.select_query(_COUNTS)[0]
        report.plans = int(counts["plans"].value)
        report.activities = int(counts["activities"].value)
        report.agencies = int(counts["agencies"].value)
        report.triples = int(store.select_query(_TRIPLES)[0]["n"].value)
    report.seconds = time.perf_counter() - started
    return report
