"""A remote SPARQL 1.1 server as the store: reads through the Protocol, writes through the Graph Store Protocol.

``RemoteStore`` answers the same ``GraphStore`` API as the embedded store, so that the CLI,
the network code and the web app do not know which one they talk to; ``RemoteWriter``
replaces named graphs for ``graph.build.remote``, which writes one named graph per plan,
like the embedded build.

Endpoints are derived from the query URL when they can be (``--update-endpoint`` and
``--gsp-endpoint`` win): Oxigraph server ``/query`` → ``/update``, ``/store``; Fuseki
``/DS/query`` or ``/DS/sparql`` → ``/DS/update``, ``/DS/data``; GraphDB
``/repositories/ID`` → ``/repositories/ID/statements``, ``/repositories/ID/rdf-graphs/service``;
Virtuoso ``/sparql`` → ``/sparql``, ``/sparql-graph-crud``. See docs/REMOTE.md.

.. warning::
   ``query`` sends user-supplied SPARQL to the server: ``SERVICE`` is refused by the
   callers (``check_query_allowed``); the time limit is ``Settings.query_timeout`` on the
   HTTP exchange, and the server's own limits apply.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph as ox

from graph.store.api import GraphStore
from graph.store.dataset import Dataset
from graph.store.formats import RdfFormat
from graph.store.values import PREFIXES
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

    def _run(self, sparql: str, dataset: Dataset) -> Any:
        """POST the query; the parsed answer: a pyoxigraph result, or an iterator of triples."""
        params = dataset.protocol_params(oxigraph=self.endpoints.oxigraph)
        url = self.endpoints.query + ("?" + urllib.parse.urlencode(params) if params else "")
        req = urllib.request.Request(
            url,
            data=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": _ACCEPT},
            method="POST",
        )
        response = _open(req, self.endpoints.query, self.timeout)
        media = _media_type(response)
        try:
            if media in _RESULT_TYPES:
                return ox.parse_query_results(response, _RESULT_TYPES[media])  # streamed
            if media in _GRAPH_TYPES:
                return ox.parse(response, _GRAPH_TYPES[media])  # streamed
        except SyntaxError as exc:
            raise StoreError(f"{self.endpoints.query}: unreadable answer ({exc})") from None
        response.close()
        raise StoreError(f"{self.endpoints.query}: unexpected answer type {media or 'none'}")

    def raw_query(self, sparql: str, **options: Any) -> Any:
        """Like ``GraphStore.raw_query``: pyoxigraph's result objects, as the embedded store gives them."""
        result = super().raw_query(sparql, **options)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            return result
        return _as_query_triples(result)

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
    """Triples as a pyoxigraph ``QueryTriples``: only ``raw_query`` (the engine's own objects, for tests
    comparing backends) needs one; ``query`` streams the parsed triples as they come."""
    mem = ox.Store()
    mem.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return mem.query("CONSTRUCT WHERE { ?s ?p ?o }")


# --- writing -----------------------------------------------------------------------------------------

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
