"""RDF terms as plain Python values, and the prefixes qgkg writes: the engine's terms stop here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

PREFIXES = {
    "qg": "https://w3id.org/qgkg/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "time": "http://www.w3.org/2006/time#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class Value:
    """One RDF term as plain Python: ``kind`` is ``iri``, ``literal`` or ``bnode``."""

    kind: str
    value: str
    lang: str | None = None
    datatype: str | None = None

    def __str__(self) -> str:
        return self.value

    @property
    def is_iri(self) -> bool:
        """True for an IRI."""
        return self.kind == "iri"

    def sparql_json(self) -> dict[str, str]:
        """The term as the SPARQL 1.1 JSON results format writes it (a plain string has no datatype).

        >>> Value("literal", "上海市", "zh-hans").sparql_json()
        {'type': 'literal', 'value': '上海市', 'xml:lang': 'zh-hans'}
        """
        if self.kind == "iri":
            return {"type": "uri", "value": self.value}
        if self.kind == "bnode":
            return {"type": "bnode", "value": self.value}
        out = {"type": "literal", "value": self.value}
        if self.lang:
            out["xml:lang"] = self.lang
        elif self.datatype and self.datatype not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = self.datatype
        return out

    def ntriples(self) -> str:
        """The term in N-Triples syntax (``<iri>``, ``"text"@zh-hans``, ``_:b0``).

        >>> Value("literal", 'say "hi"', "en").ntriples()
        '"say \\\\"hi\\\\""@en'
        """
        return str(to_term(self))


def to_value(term: Any) -> Value | None:
    """A pyoxigraph term as a ``Value``."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Value("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return Value("bnode", term.value)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else None
        return Value("literal", term.value, term.language, dt)
    return Value("literal", str(term))


def to_term(value: Value) -> Any:
    """A ``Value`` as a pyoxigraph term (a literal without a datatype is an ``xsd:string``)."""
    if value.kind == "iri":
        return ox.NamedNode(value.value)
    if value.kind == "bnode":
        return ox.BlankNode(value.value)
    if value.lang:
        return ox.Literal(value.value, language=value.lang)
    return ox.Literal(value.value, datatype=ox.NamedNode(value.datatype or XSD_STRING))
