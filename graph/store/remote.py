"""A remote SPARQL 1.1 server as the store: reads through the Protocol, writes through the Graph Store
Protocol or SPARQL Update.

``RemoteStore`` answers the same ``GraphStore`` API as the embedded store, so that the CLI,
the network code and the web app do not know which one they talk to; ``RemoteWriter``
replaces named graphs for ``graph.build.remote``, which writes one named graph per plan,
like the embedded build. How requests are sent (form-encoded first, the way each server answers
learnt once), timeouts and one-line errors: ``graph.store.protocol``; what Virtuoso 7 answers
differently and how it is evened out: ``graph.store.virtuoso``.

Endpoints are derived from the query URL when they can be (``--update-endpoint`` and
``--gsp-endpoint`` win): Oxigraph server ``/query`` → ``/update``, ``/store``; Fuseki
``/DS/query`` or ``/DS/sparql`` → ``/DS/update``, ``/DS/data``; GraphDB
``/repositories/ID`` → ``/repositories/ID/statements``, ``/repositories/ID/rdf-graphs/service``;
Virtuoso ``/sparql`` → ``/sparql``, ``/sparql-graph-crud``. See docs/REMOTE.md.

.. warning::
   ``query`` sends user-supplied SPARQL to the server: ``SERVICE`` is refused by the
   callers (``check_query_allowed``); the time limit is ``Settings.query_timeout``, the read
   timeout of the HTTP exchange, and the server's own limits apply.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from graph.store import virtuoso
from graph.store.api import GraphStore
from graph.store.dataset import UNION, Dataset
from graph.store.formats import RdfFormat
from graph.store.protocol import HttpStatusError, media_type, open_url, query_request, send_update, server_of
from graph.store.values import PREFIXES
from graph.store.versions import StoreDir
from qgkg.config import Settings
from qgkg.errors import StoreError

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


def endpoint_key(url: str) -> str:
    """A folder name for an endpoint's local state: readable, and unique by a digest of the URL.

    >>> endpoint_key("http://127.0.0.1:8890/sparql")
    '127-0-0-1-8890-sparql-20d20046'
    """
    parts = urllib.parse.urlsplit(url)
    readable = re.sub(r"[^A-Za-z0-9]+", "-", parts.netloc + parts.path)
    return f"{readable.strip('-')[:60]}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:8]}"


def local_state(settings: Settings) -> Path:
    """The local folder of the endpoint the settings name: ``STORE/remote/<endpoint>/``.

    It holds what a remote build keeps on this machine (``graph.build.remote``): the files sent
    (``manifest.json``), the entity contributions, the plans' SHACL reports, the fetch cache of
    web pages (``fetch/``) and the bytes of every file and page as read (``sources/<sha256>``),
    laid out as in an embedded store's folder (``StoreDir``)."""
    return Path(settings.store) / "remote" / endpoint_key(endpoints_of(settings).query)


class RemoteStore(GraphStore):
    """A SPARQL 1.1 server spoken to over HTTP (the union of its graphs is the graph)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base = settings.base
        self.endpoints = endpoints_of(settings)
        self.timeout = settings.query_timeout

    def source_path(self, sha256: str) -> Path | None:
        """The bytes a plan was read from, when a build from this machine kept them (``local_state``)."""
        return StoreDir(local_state(self.settings)).source(sha256)

    def _run(self, sparql: str, dataset: Dataset) -> Any:
        """Send the query the way the server answers; the parsed answer: a pyoxigraph result, or triples."""
        url = self.endpoints.query
        server = server_of(url, timeout=self.timeout)
        params = dataset.protocol_params(oxigraph=self.endpoints.oxigraph)
        text, accept = sparql, _ACCEPT
        if server.virtuoso:
            text = virtuoso.wide_strings(sparql)
            text = virtuoso.without_system_graphs(text) if dataset.is_union else text
            graph = virtuoso.query_form(sparql) in ("CONSTRUCT", "DESCRIBE")
            accept = virtuoso.ACCEPT_TRIPLES if graph else virtuoso.ACCEPT_RESULTS
        response = open_url(query_request(url, server.way, text, params, accept), url, read_timeout=self.timeout)
        if cap := response.headers.get("X-SPARQL-MaxRows"):
            response.close()
            raise StoreError(f"{url}: the server cut the answer at {cap} rows (Virtuoso's ResultSetMaxRows "
                             "in virtuoso.ini: raise it)")
        media = media_type(response)
        try:
            if media in _RESULT_TYPES:
                if server.virtuoso:
                    fixed = virtuoso.StreamFix(response, virtuoso.JSON)
                    return virtuoso.as_boolean(ox.parse_query_results(fixed, _RESULT_TYPES[media]))
                return ox.parse_query_results(response, _RESULT_TYPES[media])  # streamed
            if media in _GRAPH_TYPES:
                if server.virtuoso:
                    return ox.parse(virtuoso.StreamFix(response, virtuoso.NTRIPLES), _GRAPH_TYPES[media])
                return ox.parse(response, _GRAPH_TYPES[media])  # streamed
        except SyntaxError as exc:
            raise StoreError(f"{url}: unreadable answer ({exc})") from None
        response.close()
        raise StoreError(f"{url}: unexpected answer type {media or 'none'}")

    def raw_query(self, sparql: str, **options: Any) -> Any:
        """Like ``GraphStore.raw_query``: pyoxigraph's result objects, as the embedded store gives them."""
        result = super().raw_query(sparql, **options)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            return result
        return _as_query_triples(result)

    def dump(self, out: IO[bytes], fmt: RdfFormat) -> int:
        """Stream every graph: a Graph Store GET of the dataset from an Oxigraph server, else one CONSTRUCT
        per named graph."""
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
            response = open_url(req, self.endpoints.gsp, read_timeout=max(self.timeout, 3600))
            if media_type(response) == "application/n-quads":
                return iter(ox.parse(response, ox.RdfFormat.N_QUADS))
            response.close()
        return self._graph_by_graph()

    def _graph_by_graph(self) -> Iterator[ox.Quad]:
        """Every named graph by its own CONSTRUCT: each answer stays below a server's cap on result
        rows (Virtuoso's ``ResultSetMaxRows``), and memory does not grow with the dump."""
        listing = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._leave_out('g')} }} ORDER BY ?g"
        graphs = [s["g"] for s in self._run(listing, UNION)]
        for g in graphs:
            n = 0
            for t in self._run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}", UNION):
                n += 1
                yield ox.Quad(t.subject, t.predicate, t.object, g)
            count = self.select_query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")
            if n < int(count[0]["n"].value):  # a CONSTRUCT cut short says nothing (Virtuoso's ResultSetMaxRows)
                raise StoreError(f"{self.endpoints.query}: the server gave {n} of the {count[0]['n'].value} "
                                 f"triples of {g}; raise its cap on answers (Virtuoso: ResultSetMaxRows)")

    def count_triples(self) -> int:
        """The number of triples in the named graphs (a server's own system graphs left out)."""
        rows = self.select_query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._leave_out('g')} }}")
        return int(rows[0]["n"].value) if rows else 0

    def _leave_out(self, graph_var: str) -> str:
        """A FILTER keeping the server's own system graphs (Virtuoso's) out of ``GRAPH ?graph_var``."""
        return virtuoso.leave_out(graph_var) if server_of(self.endpoints.query, timeout=self.timeout).virtuoso else ""

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""


def _as_query_triples(triples: Iterable[ox.Triple]) -> Any:
    """Triples as a pyoxigraph ``QueryTriples``: only ``raw_query`` (the engine's own objects, for tests
    comparing backends) needs one; ``query`` streams the parsed triples as they come."""
    mem = ox.Store()
    mem.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return mem.query("CONSTRUCT WHERE { ?s ?p ?o }")


# --- writing -----------------------------------------------------------------------------------------

_BATCH_BYTES = 4 << 20  # at most this much SPARQL Update text in one request
_CHUNK_TRIPLES = 1000  # triples per INSERT DATA: Virtuoso 7.2's parser gives up near 5,000 lines
_BNODE_LABEL = re.compile(r"(?<![\w\\])_:([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)")


class RemoteWriter:
    """Replaces named graphs on the server: Graph Store PUTs, or batched SPARQL Updates without GSP.

    A server without a Graph Store endpoint (the first PUT answers 404, 405 or 501) is written by
    SPARQL Update from then on, when it has an update endpoint; a refusal of rights (401, 403) is an
    error, since Update would be refused too. Graphs are dropped by Update where
    there is one (a GSP DELETE of a missing endpoint looks like a missing graph).
    """

    def __init__(self, endpoints: Endpoints, *, timeout: float = 600.0) -> None:
        if not endpoints.gsp and not endpoints.update:
            raise StoreError(f"{endpoints.query}: no update or Graph Store endpoint known; "
                             "give --update-endpoint or --gsp-endpoint")
        self.endpoints = endpoints
        self.timeout = timeout
        self.requests = 0
        self.use_gsp = endpoints.gsp is not None

    def _send(self, url: str, method: str, body: bytes | None, content_type: str | None) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        req = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            open_url(req, url, read_timeout=self.timeout).close()
        except HttpStatusError as exc:
            if method == "DELETE" and exc.status == 404:
                return  # the graph was not there
            raise
        self.requests += 1

    def update(self, sparql: str) -> None:
        """Run one SPARQL Update request."""
        if not self.endpoints.update:
            raise StoreError(f"{self.endpoints.query}: no update endpoint known; give --update-endpoint")
        send_update(self.endpoints.update, sparql, read_timeout=self.timeout)
        self.requests += 1

    def replace_graphs(self, put: Iterable[tuple[str, str]], drop: Iterable[str] = ()) -> None:
        """Write each ``(graph IRI, N-Triples)`` as the whole content of its graph; drop the others."""
        pending = iter(put)
        if self.use_gsp:
            for iri, nt in pending:
                try:
                    self._send(self._gsp_url(iri), "PUT", nt.encode("utf-8"), "application/n-triples")
                except HttpStatusError as exc:
                    if self.requests or not self.endpoints.update or exc.status not in (404, 405, 501):
                        raise
                    self.use_gsp = False  # no (writable) Graph Store here: SPARQL Update for the rest
                    pending = itertools.chain([(iri, nt)], pending)
                    break
        drop = list(drop)
        if self.use_gsp and not self.endpoints.update:
            for iri in drop:
                self._send(self._gsp_url(iri), "DELETE", None, None)
            drop = []
        self.update_batched([f"DROP SILENT GRAPH <{iri}>" for iri in drop]
                      + [op for iri, nt in pending for op in insert_ops(iri, nt, replace=True)])

    def update_batched(self, ops: Iterable[str]) -> None:
        """Send the operations, several to a request (each request is applied atomically)."""
        batch: list[str] = []
        size = 0
        for op in ops:
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


def insert_ops(graph: str, nt: str, *, replace: bool = False) -> list[str]:
    """Operations that insert N-Triples ``nt`` into ``graph``, at most about ``_CHUNK_TRIPLES`` triples each
    (preceded by ``DROP SILENT GRAPH`` with ``replace``).

    Triples that share a blank node stay in one operation, written ``INSERT { … } WHERE {}`` (the same
    effect as ``INSERT DATA``, which Virtuoso 7.2 refuses with a blank node: "not allowed in a constant
    clause"); the others go as ``INSERT DATA``.

    >>> insert_ops("http://g", "<http://s> <http://p> 1 .\\n", replace=True)
    ['DROP SILENT GRAPH <http://g>', 'INSERT DATA { GRAPH <http://g> {\\n<http://s> <http://p> 1 .\\n} }']
    >>> insert_ops("http://g", "<http://s> <http://p> _:b .\\n")
    ['INSERT { GRAPH <http://g> {\\n<http://s> <http://p> _:b .\\n} } WHERE {}']
    """
    ops = [f"DROP SILENT GRAPH <{graph}>"] if replace else []
    plain: list[str] = []
    groups: dict[str, list[str]] = {}  # a blank node's label -> the lines of its group (shared by the group)
    for line in nt.split("\n"):  # N-Triples: one triple a line
        if not line.strip():
            continue
        labels = _BNODE_LABEL.findall(line)
        if not labels:
            plain.append(line + "\n")
            continue
        group = [line + "\n"]
        for label in labels:
            other = groups.get(label)
            if other is not None and other is not group:
                other.extend(group)
                for key, value in groups.items():
                    if value is group:
                        groups[key] = other
                group = other
            groups[label] = group
    for i in range(0, len(plain), _CHUNK_TRIPLES):
        ops.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{''.join(plain[i:i + _CHUNK_TRIPLES])}}} }}")
    chunk: list[str] = []
    for group in {id(g): g for g in groups.values()}.values():
        if chunk and len(chunk) + len(group) > _CHUNK_TRIPLES:
            ops.append(f"INSERT {{ GRAPH <{graph}> {{\n{''.join(chunk)}}} }} WHERE {{}}")
            chunk = []
        chunk.extend(group)
    if chunk:
        ops.append(f"INSERT {{ GRAPH <{graph}> {{\n{''.join(chunk)}}} }} WHERE {{}}")
    return ops
