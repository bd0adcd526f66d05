"""Home, search and the generic view of any IRI; entity pages are rendered here for ``/id/...``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, make_response, render_template, request

from graph.pages.entities import describe as rdf_description
from graph.pages.entities import entity_page
from graph.pages.home import home_page, search_page
from web.negotiate import SUFFIXES, alternates, html_or_rdf, vary
from web.state import store
from web.urls import twin_path

bp = Blueprint("pages", __name__)

TWIN_MEDIA = (
    ("ttl", "text/turtle"),
    ("nt", "application/n-triples"),
    ("jsonld", "application/ld+json"),
    ("rdf", "application/rdf+xml"),
)


@bp.get("/")
def home() -> str:
    """What the graph holds."""
    return render_template("pages/home.html", page=home_page(store()))


@bp.get("/search")
def search() -> str:
    """Plans, agencies, activities and programmes by any of their labels (traditional or simplified)."""
    return render_template("pages/search.html", page=search_page(store(), request.args.get("q", "")))


def render_entity(page: Any) -> Response:
    """An entity page with its machine-readable twins advertised (``Link`` header and ``<link>``)."""
    iri = page.entity.iri
    twins = [(twin_path(iri, ext), media) for ext, media in TWIN_MEDIA]
    body = render_template(
        f"pages/{page.entity.kind if page.entity.kind != 'resource' else 'generic'}.html",
        page=page,
        entity=page.entity,
        twins=twins,
    )
    response = make_response(body)
    response.headers["Link"] = alternates(twins)
    return vary(response)


def rdf_response(iri: str, fmt: Any) -> Response:
    """The RDF description of a resource, or 404."""
    body = rdf_description(store(), iri, fmt)
    if body is None:
        abort(404, description=f"{iri} is not described in this graph")
    response = Response(body, mimetype=fmt.media_type)
    return vary(response)


def entity_response(iri: str, fmt: Any) -> Response:
    """A resource in ``fmt`` (an RDF format), or its HTML page (``fmt`` None); 404 when the graph does not know it."""
    if fmt is not None:
        return rdf_response(iri, fmt)
    page = entity_page(store(), iri)
    if page is None:
        abort(404, description=f"{iri} is not described in this graph")
    return render_entity(page)


@bp.get("/describe")
def describe() -> Response:
    """Any IRI (also outside this graph's base): its statements, in and out, as HTML or RDF."""
    iri = request.args.get("iri", "").strip()
    if not iri or any(c in iri for c in ' <>"{}|\\^`') or ":" not in iri:
        abort(400, description="give an absolute IRI in ?iri=")
    return entity_response(iri, SUFFIXES.get(request.args.get("format", "")) or html_or_rdf())
