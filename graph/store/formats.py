"""Formats named once: user strings and media types are converted to these enums at the edge."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import pyoxigraph as ox


class RdfFormat(Enum):
    """RDF serialisations qgkg reads and writes."""

    NQ = "nq"
    TRIG = "trig"
    TTL = "ttl"
    NT = "nt"
    JSONLD = "jsonld"
    RDFXML = "rdf"

    @classmethod
    def parse(cls, value: str) -> RdfFormat:
        """A format from a user string (``ttl``, ``turtle``, ``nquads``, ``json-ld`` …)."""
        key = value.strip().lower().lstrip(".")
        return _member(cls, _ALIASES.get(key, key), "RDF format", value)

    @property
    def oxigraph(self) -> ox.RdfFormat:
        """The pyoxigraph format."""
        return _OX[self]

    @property
    def media_type(self) -> str:
        """The IANA media type."""
        return _MEDIA[self]

    @property
    def extension(self) -> str:
        """The usual file extension, without the dot."""
        return self.value

    @property
    def is_dataset(self) -> bool:
        """True when the format keeps named graphs."""
        return self in (RdfFormat.NQ, RdfFormat.TRIG)

    @property
    def rdflib_name(self) -> str:
        """The name rdflib's parser and serialiser use."""
        return _RDFLIB[self]


_ALIASES = {
    "nquads": "nq",
    "n-quads": "nq",
    "turtle": "ttl",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "rdfxml": "rdf",
    "rdf/xml": "rdf",
    "xml": "rdf",
    "owl": "rdf",
}

_OX = {
    RdfFormat.NQ: ox.RdfFormat.N_QUADS,
    RdfFormat.TRIG: ox.RdfFormat.TRIG,
    RdfFormat.TTL: ox.RdfFormat.TURTLE,
    RdfFormat.NT: ox.RdfFormat.N_TRIPLES,
    RdfFormat.JSONLD: ox.RdfFormat.JSON_LD,
    RdfFormat.RDFXML: ox.RdfFormat.RDF_XML,
}

_MEDIA = {
    RdfFormat.NQ: "application/n-quads",
    RdfFormat.TRIG: "application/trig",
    RdfFormat.TTL: "text/turtle",
    RdfFormat.NT: "application/n-triples",
    RdfFormat.JSONLD: "application/ld+json",
    RdfFormat.RDFXML: "application/rdf+xml",
}

_RDFLIB = {
    RdfFormat.NQ: "nquads",
    RdfFormat.TRIG: "trig",
    RdfFormat.TTL: "turtle",
    RdfFormat.NT: "nt",
    RdfFormat.JSONLD: "json-ld",
    RdfFormat.RDFXML: "xml",
}


class ResultFormat(Enum):
    """Tabular output of SELECT/ASK queries."""

    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    XML = "xml"

    @classmethod
    def parse(cls, value: str) -> ResultFormat:
        """A result format from a user string."""
        return _member(cls, value.strip().lower(), "result format", value)

    @property
    def oxigraph(self) -> ox.QueryResultsFormat:
        """The pyoxigraph results format (TABLE has none)."""
        return {
            ResultFormat.CSV: ox.QueryResultsFormat.CSV,
            ResultFormat.TSV: ox.QueryResultsFormat.TSV,
            ResultFormat.JSON: ox.QueryResultsFormat.JSON,
            ResultFormat.XML: ox.QueryResultsFormat.XML,
        }[self]


E = TypeVar("E", bound=Enum)


def _member(cls: type[E], key: str, what: str, given: str) -> E:
    """The member of ``cls`` whose value is ``key``, or a ValueError naming the accepted values."""
    try:
        return cls(key)
    except ValueError:
        names = ", ".join(str(f.value) for f in cls)
        raise ValueError(f"unknown {what} {given!r} (expected one of: {names})") from None
