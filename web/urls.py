"""Every URL the app prints is built here: entity IRIs map to ``/id/...`` paths of this server."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import request, url_for

from qgkg.config import ONTOLOGY_NS
from web.state import state

RDF_SUFFIXES = ("ttl", "nt", "jsonld", "rdf")


def base() -> str:
    """The resource IRI base of the served graph."""
    return state().settings.base


def entity_path(iri: str) -> str | None:
    """The local path of an IRI minted under the base (``{base}city/x`` → ``/id/city/x``), else None."""
    b = base()
    if iri.startswith(b) and len(iri) > len(b):
        return request.script_root + "/id/" + quote(iri[len(b) :], safe="/-_.~!$&'()*+,;=:@")
    return None


def entity_href(iri: str) -> str:
    """Where a link to ``iri`` should go: its local page, or a generic view for outside IRIs."""
    local = entity_path(iri)
    if local is not None:
        return local
    if iri.startswith(ONTOLOGY_NS):
        return url_for("meta.ontology") + "#" + quote(iri[len(ONTOLOGY_NS) :])
    return url_for("pages.describe", iri=iri)


def twin_path(iri: str, suffix: str) -> str:
    """The path of a machine-readable twin of a local entity (``.ttl``, ``.nt``, ``.jsonld``, ``.rdf``)."""
    local = entity_path(iri)
    return f"{local}.{suffix}" if local else url_for("pages.describe", iri=iri, format=suffix)


def query_permalink(name: str | None = None, query: str | None = None, **params: str) -> str:
    """A link to the editor with a canned query (and its parameters) or a query text filled in."""
    args: dict[str, str] = {}
    if name:
        args["name"] = name
    if query:
        args["query"] = query
    args.update({k: v for k, v in params.items() if v})
    return url_for("sparql.endpoint") + ("?" + urlencode(args) if args else "")


def results_download(query: str, fmt: str) -> str:
    """A link that runs ``query`` and downloads the result in ``fmt``."""
    return url_for("sparql.endpoint") + "?" + urlencode({"query": query, "format": fmt})


def source_download(sha256: str) -> str:
    """The download of a plan's file or web page as read, by the sha256 of its bytes (``/sources/<sha256>``)."""
    return url_for("sources.download", sha256=sha256)
