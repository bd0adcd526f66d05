"""``/ontology``, ``/shapes``, ``/validation`` and ``/.well-known/void``: meaning and checks."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from graph.meta.docs import ontology_doc, ontology_turtle, shapes_doc
from graph.meta.void import void_graph
from graph.store.chunks import read_index
from graph.store.formats import RdfFormat
from graph.validate.store_checks import ensure_validation
from web.errors import wants_json
from web.negotiate import html_or_rdf, prefers_html, vary
from web.state import state

bp = Blueprint("meta", __name__)


def _rdf(graph, fmt: RdfFormat) -> Response:  # type: ignore[no-untyped-def]
    return vary(Response(graph.serialize(format=fmt.rdflib_name), mimetype=fmt.media_type))


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The ontology: documentation for browsers, Turtle (or another RDF format) by ``Accept`` or suffix."""
    fmt = RdfFormat.parse(ext) if ext in ("ttl", "nt", "jsonld", "rdf") else (None if ext is None else "404")
    if fmt == "404":
        return Response("not found\n", status=404, mimetype="text/plain")
    fmt = fmt or html_or_rdf()
    if fmt is not None:
        return _rdf(ontology_turtle(), fmt)  # type: ignore[arg-type]
    return vary(Response(render_template("meta/ontology.html", doc=ontology_doc())))


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    """The SHACL shapes: documentation for browsers, Turtle by ``Accept`` or suffix."""
    from shapes import shapes_graph

    base = state().settings.base
    if ext is not None and ext not in ("ttl", "nt", "jsonld", "rdf"):
        return Response("not found\n", status=404, mimetype="text/plain")
    fmt = RdfFormat.parse(ext) if ext else html_or_rdf()
    if fmt is not None:
        return _rdf(shapes_graph(base), fmt)
    return vary(Response(render_template("meta/shapes.html", shapes=shapes_doc(base))))


@bp.get("/validation")
def validation() -> Response:
    """The SHACL report of the current store (computed once per version, in the background), the files not
    loaded and the loaders' warnings (``qg:warning`` of each plan)."""
    version = state().holder.version
    report = (
        ensure_validation(state().settings, version) if version is not None else {"error": "remote store"}
    )
    store = state().holder.get()
    loader_warnings = [
        {"plan": r["plan"].value, "title": r["title"].value if "title" in r else None,
         "source": r["source"].value if "source" in r else None, "warning": r["warning"].value}
        for r in store.select("page_loader_warnings")
    ]
    if wants_json() and not prefers_html():
        response = jsonify({**report, "loader_warnings": loader_warnings} if report is not None
                           else {"status": "running", "loader_warnings": loader_warnings})
        response.status_code = 200 if report is not None else 202
        return response
    manifest = getattr(store, "manifest", None)
    failed = sorted((name, getattr(f, "error", "") or getattr(f, "reason", ""))
                    for name, f in (getattr(manifest, "failed", None) or {}).items())
    return Response(render_template("meta/validation.html", report=report, failed=failed,
                                    loader_warnings=loader_warnings, built_at=getattr(manifest, "built_at", "")), status=200)


@bp.get("/.well-known/void")
def void() -> Response:
    """The VoID and DCAT description of the dataset (Turtle unless another RDF format is asked for)."""
    from graph.derived.stats import read_stats

    holder = state().holder
    version = holder.version
    store = holder.get()
    manifest = getattr(store, "manifest", None)
    counts = manifest.counts.to_json() if manifest is not None and manifest.counts is not None else {}
    dumps = read_index(version) if version is not None else None
    stats = read_stats(version) if version is not None else None
    examples = [p for p in list((stats or {}).get("plans", {}))[:3]]
    site = request.host_url
    graph = void_graph(site=site, base=state().settings.base, counts=counts, dumps=dumps, examples=examples)
    if prefers_html():  # a browser: the same description as a page, with the Turtle under it
        turtle = graph.serialize(format="turtle")
        info = (dumps or {}).get("void", {})
        body = render_template("meta/void.html", turtle=turtle, counts=counts,
                               classes=sorted(info.get("classes", {}).items()),
                               properties=sorted(info.get("properties", {}).items()),
                               files=(dumps or {}).get("files", []), site=site)
        return vary(Response(body, mimetype="text/html"))
    fmt = html_or_rdf(default_html=False) or RdfFormat.TTL
    return _rdf(graph, fmt)
