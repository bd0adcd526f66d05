"""A remote SPARQL 1.1 server as the store: reads through the Protocol, writes through the Graph Store Protocol.

``RemoteStore`` answers the same ``GraphStore`` API as the embedded store, with the
same result objects (pyoxigraph ``QuerySolutions``/``QueryBoolean``/``QueryTriples``),
so that the CLI, the network code and the web app do not know which one they talk to.
``build_remote`` writes one named graph per plan, like the embedded build.

Endpoints are derived from the query URL when they can be (``--update-endpoint`` and
``--gsp-endpoint`` win): Oxigraph server ``/query`` → ``/update``, ``/store``; Fuseki
``/DS/query`` or ``/DS/sparql`` → ``/DS/update``, ``/DS/data``; GraphDB
``/repositories/ID`` → ``/repositories/ID/statements``, ``/repositories/ID/rdf-graphs/service``;
Virtuoso ``/sparql`` → ``/sparql``, ``/sparql-graph-crud``. See docs/REMOTE.md.

.. warning::
   ``raw_query`` sends user-supplied SPARQL to the server: ``SERVICE`` is refused by the
   callers (``check_query_allowed``); the time limit is ``Settings.query_timeout`` on the
   HTTP exchange, and the server's own limits apply.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph as ox

from graph.bind import inject_values
from graph.formats import RdfFormat
from graph.store import PREFIXES, GraphStore
from qgkg.config import Settings
from qgkg.errors import QueryError, StoreError

_ACCEPT = (
    "application/sparql-results+json, text/tab-separated-values;q=0.9, "
    "application/n-triples;q=0.8, text/turtle;q=0.5, application/sparql-results+xml;q=0.4"
)
_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
}
_GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}


@dataclass(frozen=True)
class Endpoints:
    """The three URLs of a SPARQL server; ``update`` or ``gsp`` is None when the server has none."""

    query: str
    update: str | None
    gsp: str | None
    oxigraph: bool = False  # an Oxigraph server: ask for its union default graph per request


def derive_endpoints(query: str, *, update: str | None = None, gsp: str | None = None) -> Endpoints:
    """The update and Graph Store URLs of a query URL, by the servers' conventions (overrides win).

    >>> e = derive_endpoints("http://127.0.0.1:7878/query")
    >>> (e.update, e.gsp, e.oxigraph)
    ('http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store', True)
    >>> e = derive_endpoints("http://h:3030/qg/sparql")
    >>> (e.update, e.gsp)
    ('http://h:3030/qg/update', 'http://h:3030/qg/data')
    """
    parts = urllib.parse.urlsplit(query)
    path = parts.path.rstrip("/")

    def at(p: str) -> str:
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, p, "", ""))

    d_update: str | None = None
    d_gsp: str | None = None
    oxigraph = False
    if path == "/query":  # Oxigraph server
        d_update, d_gsp, oxigraph = at("/update"), at("/store"), True
    elif m := re.fullmatch(r"(/[^/]+)/(query|sparql)", path):  # Fuseki /DS/query, /DS/sparql
        d_update, d_gsp = at(m.group(1) + "/update"), at(m.group(1) + "/data")
    elif re.fullmatch(r"/repositories/[^/]+", path):  # GraphDB, RDF4J
        d_update, d_gsp = at(path + "/statements"), at(path + "/rdf-graphs/service")
    elif path in ("/sparql", "/sparql-auth"):  # Virtuoso
        d_update, d_gsp = query, at("/sparql-graph-crud" + ("-auth" if path.endswith("auth") else ""))
    return Endpoints(query, update or d_update, gsp or d_gsp, oxigraph)


def endpoints_of(settings: Settings) -> Endpoints:
    """The endpoints the settings name."""
    if not settings.endpoint:
        raise StoreError("no SPARQL endpoint given (--endpoint or QGKG_ENDPOINT)")
    return derive_endpoints(settings.endpoint, update=settings.update_endpoint, gsp=settings.gsp_endpoint)


# --- substitutions -------------------------------------------------------------------------------

# --- HTTP ------------------------------------------------------------------------------------------


def _open(req: urllib.request.Request, what: str, timeout: float) -> Any:
    try:
        return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode("utf-8", "replace")
        first = next((line for line in body.splitlines() if line.strip()), exc.reason)
        if exc.code == 400:
            raise QueryError(f"{what}: the server refused the request: {first}") from None
        raise StoreError(f"{what}: HTTP {exc.code} {first}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"{what}: cannot reach the server ({reason})") from None


def _media_type(response: Any) -> str:
    return str(response.headers.get("Content-Type", "")).split(";")[0].strip().lower()


class RemoteStore(GraphStore):
    """A SPARQL 1.1 server spoken to over HTTP (the union of its graphs is the graph)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base = settings.base
        self.endpoints = endpoints_of(settings)
        self.timeout = settings.query_timeout

    def raw_query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Any:
        """Run SPARQL on the server; return pyoxigraph result objects, like the embedded store."""
        text = inject_values(sparql, substitutions) if substitutions else sparql
        params: list[tuple[str, str]] = []
        if default_graph is None and named_graphs is None and self.endpoints.oxigraph:
            params.append(("union-default-graph", ""))
        params += [("default-graph-uri", g) for g in default_graph or []]
        params += [("named-graph-uri", g) for g in named_graphs or []]
        if default_graph == [] and named_graphs:
            pass  # named graphs only: the Protocol gives an empty default graph
        url = self.endpoints.query + ("?" + urllib.parse.urlencode(params) if params else "")
        req = urllib.request.Request(
            url,
            data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": _ACCEPT},
            method="POST",
        )
        response = _open(req, self.endpoints.query, self.timeout)
        media = _media_type(response)
        try:
            if media in _RESULT_TYPES:
                return ox.parse_query_results(response, _RESULT_TYPES[media])  # streamed
            if media in _GRAPH_TYPES:
                return _as_query_triples(ox.parse(response, _GRAPH_TYPES[media]))
        except SyntaxError as exc:
            raise StoreError(f"{self.endpoints.query}: unreadable answer ({exc})") from None
        response.close()
        raise StoreError(f"{self.endpoints.query}: unexpected answer type {media or 'none'}")

    def dump(self, out: IO[bytes], fmt: RdfFormat) -> int:
        """Stream every graph: a Graph Store GET of the dataset where possible, else a streamed SELECT."""
        quads = self._dataset_quads()
        n = 0

        def counted(items: Iterable[Any]) -> Iterator[Any]:
            nonlocal n
            for item in items:
                n += 1
                yield item

        if fmt.is_dataset:
            ox.serialize(counted(quads), out, fmt.oxigraph, prefixes=PREFIXES)
        else:
            ox.serialize(counted(q.triple for q in quads), out, fmt.oxigraph, prefixes=PREFIXES)
        return n

    def _dataset_quads(self) -> Iterator[ox.Quad]:
        if self.endpoints.gsp and self.endpoints.oxigraph:
            req = urllib.request.Request(self.endpoints.gsp, headers={"Accept": "application/n-quads"})
            response = _open(req, self.endpoints.gsp, max(self.timeout, 3600))
            if _media_type(response) == "application/n-quads":
                return iter(ox.parse(response, ox.RdfFormat.N_QUADS))
            response.close()
        req = urllib.request.Request(
            self.endpoints.query,
            data=b"SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            headers={"Content-Type": "application/sparql-query", "Accept": "text/tab-separated-values"},
            method="POST",
        )
        response = _open(req, self.endpoints.query, max(self.timeout, 3600))
        fmt = _RESULT_TYPES.get(_media_type(response), ox.QueryResultsFormat.TSV)
        return (ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in ox.parse_query_results(response, fmt))

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""


def _as_query_triples(triples: Iterable[ox.Triple]) -> Any:
    """Triples as a pyoxigraph ``QueryTriples`` (the type the callers test for)."""
    mem = ox.Store()
    mem.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return mem.query("CONSTRUCT WHERE { ?s ?p ?o }")


# --- writing -----------------------------------------------------------------------------------------

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
_BATCH_BYTES = 4 << 20


class RemoteWriter:
    """Replaces named graphs on the server: Graph Store PUTs, or batched SPARQL Updates without GSP."""

    def __init__(self, endpoints: Endpoints, *, timeout: float = 600.0) -> None:
        if not endpoints.gsp and not endpoints.update:
            raise StoreError(f"{endpoints.query}: no update or Graph Store endpoint known; "
                             "give --update-endpoint or --gsp-endpoint")
        self.endpoints = endpoints
        self.timeout = timeout
        self.requests = 0

    def _send(self, url: str, method: str, body: bytes | None, content_type: str | None) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        req = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            _open(req, url, self.timeout).close()
        except StoreError as exc:
            if method == "DELETE" and "HTTP 404" in str(exc):
                return  # the graph was not there
            raise
        self.requests += 1

    def update(self, sparql: str) -> None:
        """Run one SPARQL Update request."""
        if not self.endpoints.update:
            raise StoreError(f"{self.endpoints.query}: no update endpoint known; give --update-endpoint")
        self._send(self.endpoints.update, "POST", sparql.encode("utf-8"), "application/sparql-update; charset=utf-8")

    def replace_graphs(self, put: Iterable[tuple[str, str]], drop: Iterable[str] = ()) -> None:
        """Write each ``(graph IRI, N-Triples)`` as the whole content of its graph; drop the others."""
        if self.endpoints.gsp:
            for iri in drop:
                self._send(self._gsp_url(iri), "DELETE", None, None)
            for iri, nt in put:
                self._send(self._gsp_url(iri), "PUT", nt.encode("utf-8"), "application/n-triples")
            return
        ops = [f"DROP SILENT GRAPH <{iri}>" for iri in drop]
        ops += [f"DROP SILENT GRAPH <{iri}> ;\nINSERT DATA {{ GRAPH <{iri}> {{\n{nt}}} }}" for iri, nt in put]
        batch: list[str] = []
        size = 0
        for op in ops:  # one request per batch: each batch is applied atomically
            if batch and size + len(op) > _BATCH_BYTES:
                self.update(" ;\n".join(batch))
                batch, size = [], 0
            batch.append(op)
            size += len(op)
        if batch:
            self.update(" ;\n".join(batch))

    def _gsp_url(self, iri: str) -> str:
        gsp = str(self.endpoints.gsp)
        return gsp + ("&" if "?" in gsp else "?") + urllib.parse.urlencode({"graph": iri})


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
