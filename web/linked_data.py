"""``/id/...``: every resource IRI, negotiated: HTML, Turtle, N-Triples, JSON-LD, RDF/XML.

No route reads a file path from the request: the path only names an IRI, looked up in the graph.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort

from web.negotiate import SUFFIXES, html_or_rdf
from web.pages import entity_response
from web.urls import base

bp = Blueprint("linked_data", __name__)


@bp.route("/id/<path:rest>", methods=["GET", "HEAD"])
def resource(rest: str) -> Response:
    """A resource as HTML (browsers) or RDF (by ``Accept`` or a ``.ttl/.nt/.jsonld/.rdf`` suffix)."""
    parts = rest.split("/")
    if any(p in ("", ".", "..") for p in parts) or any(c in rest for c in '\\\x00<>"{}|^` '):
        abort(404)
    fmt = None
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in SUFFIXES and "/" not in ext:
        rest, fmt = stem, SUFFIXES[ext]
    elif dot and ext == "json":  # an alias of .jsonld, as JSON clients guess it
        rest, fmt = stem, SUFFIXES["jsonld"]
    else:
        fmt = html_or_rdf()
    return entity_response(base() + rest, fmt)
