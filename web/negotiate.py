"""Content negotiation: ``Accept`` headers and file suffixes are turned into formats here, once."""

from __future__ import annotations

from flask import Response, request

from graph.store.formats import RdfFormat, ResultFormat

HTML = "text/html"
RDF_MEDIA = {
    "text/turtle": RdfFormat.TTL,
    "application/x-turtle": RdfFormat.TTL,
    "application/n-triples": RdfFormat.NT,
    "text/plain": RdfFormat.NT,
    "application/ld+json": RdfFormat.JSONLD,
    "application/json": RdfFormat.JSONLD,
    "application/rdf+xml": RdfFormat.RDFXML,
    "application/xml": RdfFormat.RDFXML,
}
RESULT_MEDIA = {
    "application/sparql-results+json": ResultFormat.JSON,
    "application/json": ResultFormat.JSON,
    "application/sparql-results+xml": ResultFormat.XML,
    "application/xml": ResultFormat.XML,
    "text/xml": ResultFormat.XML,
    "text/csv": ResultFormat.CSV,
    "text/tab-separated-values": ResultFormat.TSV,
}
SUFFIXES = {"ttl": RdfFormat.TTL, "nt": RdfFormat.NT, "jsonld": RdfFormat.JSONLD, "rdf": RdfFormat.RDFXML}


def _best(candidates: list[str]) -> str | None:
    accept = request.accept_mimetypes
    if not accept.provided:
        return None
    best = accept.best_match(candidates)
    return best if best and accept[best] > 0 else None


def html_or_rdf(default_html: bool = True) -> RdfFormat | None:
    """For a resource: None for HTML, else the RDF format the client prefers."""
    order = [HTML, "application/xhtml+xml", *RDF_MEDIA] if default_html else [*RDF_MEDIA, HTML]
    best = _best(order)
    if best is None or best in (HTML, "application/xhtml+xml"):
        return None if (best or default_html) else RdfFormat.TTL
    return RDF_MEDIA[best]


def prefers_html() -> bool:
    """True when the client ranks HTML above every machine format (browsers do; ``*/*`` does not)."""
    best = _best([*RESULT_MEDIA, *RDF_MEDIA, HTML, "application/xhtml+xml"])
    return best in (HTML, "application/xhtml+xml")


def result_format() -> ResultFormat | None:
    """The SPARQL results format the client asks for, if any."""
    best = _best(list(RESULT_MEDIA))
    return RESULT_MEDIA[best] if best else None


def rdf_format() -> RdfFormat | None:
    """The RDF format the client asks for, if any (``*/*`` alone gives Turtle)."""
    best = _best([m for m in RDF_MEDIA if m not in ("text/plain", "application/json", "application/xml")])
    return RDF_MEDIA[best] if best else None


def alternates(links: list[tuple[str, str]]) -> str:
    """A ``Link`` header value naming the machine-readable twins (url, media type)."""
    return ", ".join(f'<{url}>; rel="alternate"; type="{media}"' for url, media in links)


def vary(response: Response) -> Response:
    """Mark a negotiated response."""
    response.vary.add("Accept")
    return response
