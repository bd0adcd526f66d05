"""``/sparql``: the SPARQL 1.1 Protocol (query only) and, for browsers, the query editor.

.. warning::
   Runs user-supplied SPARQL: updates and ``SERVICE`` are refused, each query has
   a time limit (its worker process is killed past it) and each result a size limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from graph.meta.void import service_description
from graph.queries import CannedQuery, canned_queries, get_query
from graph.query.names import resolve_params
from graph.query.prefixes import completion_terms, predeclared
from graph.query.service import TABLE, QueryJob, QueryOutcome
from graph.store import check_params
from graph.store.formats import RdfFormat, ResultFormat
from qgkg.errors import QueryError
from web import negotiate
from web.state import client_key, state

bp = Blueprint("sparql", __name__)

RESERVED = {"query", "update", "name", "format", "default-graph-uri", "named-graph-uri"}
INTERNAL_PREFIXES = ("page_", "stats_", "network_")  # queries behind the pages, listed apart in the editor
FORMAT_ARG = {
    "json": ResultFormat.JSON,
    "xml": ResultFormat.XML,
    "csv": ResultFormat.CSV,
    "tsv": ResultFormat.TSV,
}


@dataclass(frozen=True)
class ProtocolRequest:
    """What a request to the endpoint asks for, after the protocol's rules are applied."""

    query: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    canned: CannedQuery | None = None
    params: dict[str, str] = field(default_factory=dict)


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise QueryError(f"give one {name!r} parameter, not {len(values)}")
    return values[0] if values else None


def parse_protocol() -> ProtocolRequest:
    """Read a GET, a form POST or a direct ``application/sparql-query`` POST (400/415 otherwise)."""
    args = request.args
    graphs_from = args
    if request.method == "POST":
        ctype = request.mimetype
        if ctype == "application/sparql-update" or "update" in request.form or "update" in args:
            abort(403, description="this endpoint is read-only: SPARQL Update is refused")
        if ctype == "application/x-www-form-urlencoded":
            query = _one(request.form.getlist("query"), "query")
            graphs_from = (
                request.form
                if ("default-graph-uri" in request.form or "named-graph-uri" in request.form)
                else args
            )
        elif ctype == "application/sparql-query":
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise QueryError(f"the query must be UTF-8, not {charset}")
            try:
                query = request.get_data(cache=False).decode("utf-8")
            except UnicodeDecodeError:
                raise QueryError("the query is not valid UTF-8") from None
        elif not ctype:
            raise QueryError(
                "a POST needs a Content-Type: application/x-www-form-urlencoded or application/sparql-query"
            )
        else:
            abort(
                415,
                description=f"unsupported Content-Type {ctype!r}: use application/x-www-form-urlencoded "
                "or application/sparql-query",
            )
        if "query" in args and query is not None:
            raise QueryError("give the query once, not in the URL and the body")
        query = query if query is not None else _one(args.getlist("query"), "query")
    else:
        if "update" in args:
            abort(403, description="this endpoint is read-only: SPARQL Update is refused")
        query = _one(args.getlist("query"), "query")
    default = tuple(graphs_from.getlist("default-graph-uri")) or None
    named = tuple(graphs_from.getlist("named-graph-uri")) or None
    for iri in (default or ()) + (named or ()):
        if not iri or any(c in iri for c in ' <>"{}|\\^`') or ":" not in iri:
            raise QueryError(f"not an absolute IRI: {iri!r}")
    canned = None
    params: dict[str, str] = {}
    name = args.get("name")
    if name:
        canned = get_query(name)
        params = {p.name: args.get(p.name, "") for p in canned.params if p.name not in RESERVED}
        if not query:
            query = canned.text
    if query is not None and not query.strip():
        raise QueryError("the query is empty")
    return ProtocolRequest(query, default, named, canned, params)


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def _job(preq: ProtocolRequest, results_format: str, graph_format: str) -> QueryJob:
    st = state()
    store = st.store
    subs: tuple[tuple[str, Any], ...] = ()
    if preq.canned is not None and _same(preq.query, preq.canned.text):
        params = resolve_params(store, preq.canned, preq.params)  # entity parameters given by name
        subs = tuple(check_params(preq.canned, params).items())
    assert preq.query is not None
    return QueryJob(
        preq.query,
        str(store.version) if store.version is not None else "",
        results_format,
        graph_format,
        preq.default_graphs,
        preq.named_graphs,
        subs,
        st.result_limit,
        store.base,
    )


def _remote() -> Any:
    """The remote store when this server reads one (its queries run over HTTP), else None."""
    store = state().store
    return None if store.version is not None else store


def _editor(
    preq: ProtocolRequest | None,
    outcome: QueryOutcome | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    queries = canned_queries()
    internal = [(n, q) for n, q in queries.items() if n.startswith(INTERNAL_PREFIXES)]
    analyst = [(n, q) for n, q in queries.items() if not n.startswith(INTERNAL_PREFIXES)]
    body = render_template(
        "sparql/editor.html",
        labels=result_labels(outcome),
        analyst=analyst,
        internal=internal,
        preq=preq,
        outcome=outcome,
        error=error,
        prefixes=predeclared(state().store.base),
        terms=completion_terms(),
        limit=state().result_limit,
        timeout=state().queries.timeout,
    )
    return Response(body, status=status, mimetype="text/html")


MAX_LABELLED = 2000  # IRIs of a result given their names beside them in the editor's table


def result_labels(outcome: QueryOutcome | None) -> dict[str, str]:
    """Names of the IRIs in a result table, from the version's search index (none for a remote store)."""
    store = state().store
    if outcome is None or not outcome.rows or store.version is None:
        return {}
    from graph.derived.search_index import names, open_index

    iris = list(dict.fromkeys(t.value for row in outcome.rows for t in row
                              if t is not None and getattr(t, "kind", "") == "iri"))[:MAX_LABELLED]
    conn = open_index(store.version)
    if conn is None:
        return {}
    try:
        return names(conn, iris)
    finally:
        conn.close()


def _cors(response: Response) -> Response:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return negotiate.vary(response)


@bp.route("/sparql", methods=["GET", "POST", "HEAD"], provide_automatic_options=False)
def endpoint() -> Response:
    """The SPARQL 1.1 Protocol query operation; the editor for browsers."""
    html = negotiate.prefers_html() and request.args.get("format") in (None, "", "html")
    try:
        preq = parse_protocol()
    except QueryError as exc:
        if html:
            return _cors(_editor(None, error=str(exc), status=400))
        raise
    if preq.query is None:
        if html:
            return _cors(_editor(preq))
        # SPARQL 1.1 Service Description §2: the endpoint dereferenced by GET without a query
        # answers its description; only a client that asks for query results by name gets a 400
        rdf = negotiate.rdf_format()
        asks_results = "sparql-results" in request.headers.get("Accept", "")
        if (
            rdf is not None
            and negotiate.result_format() is None
            or request.args.get("format") in ("ttl", "rdf")
            or request.method in ("GET", "HEAD") and not asks_results
        ):
            fmt = rdf or RdfFormat.TTL
            body = service_description(request.base_url, state().settings.base).serialize(
                format=fmt.rdflib_name
            )
            return _cors(Response(body, mimetype=fmt.media_type))
        raise QueryError(
            "no query: give one in 'query' (GET or form POST) or as an application/sparql-query body"
        )
    if html:
        try:
            outcome = state().queries.run(_job(preq, TABLE, TABLE), remote=_remote(), client=client_key())
        except QueryError as exc:
            from web.errors import retry_after, status_of

            page = _editor(preq, error=str(exc), status=status_of(exc))
            wait = retry_after(exc)
            if wait is not None:
                page.headers["Retry-After"] = str(wait)
            return _cors(page)
        return _cors(_editor(preq, outcome))
    fmt_arg = request.args.get("format", "")
    results = FORMAT_ARG.get(fmt_arg) or negotiate.result_format() or ResultFormat.JSON
    graph = negotiate.SUFFIXES.get(fmt_arg) or negotiate.rdf_format() or RdfFormat.TTL
    outcome = state().queries.run(_job(preq, results.value, graph.value), remote=_remote(),
                                 client=client_key())
    response = Response(outcome.body, mimetype=outcome.media_type)
    if fmt_arg:
        ext = fmt_arg if fmt_arg in FORMAT_ARG or fmt_arg in negotiate.SUFFIXES else "txt"
        response.headers["Content-Disposition"] = f'attachment; filename="query-result.{ext}"'
    response.headers["X-QGKG-Result-Count"] = str(outcome.count)
    if outcome.truncated:
        response.headers["X-QGKG-Truncated"] = "true"
        response.headers["Warning"] = f'199 - "result truncated to {outcome.count} rows (the limit)"'
    response.headers["X-QGKG-Query-Seconds"] = f"{outcome.seconds:.3f}"
    return _cors(response)


@bp.route("/sparql", methods=["OPTIONS"])
def preflight() -> Response:
    """CORS preflight."""
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response
