"""The prefixes every user query gets for free, and the base IRI relative IRIs resolve against.

The endpoint, the CLI and the editor put one line before the user's text::

    BASE <https://w3id.org/qgkg/id/> PREFIX qg: <…> PREFIX id: <…> …

so ``SELECT * WHERE { ?a qg:leadAgency ?b }`` and ``CONSTRUCT { <s> <p> 1 } WHERE {}`` run as
written. SPARQL lets a later ``PREFIX``/``BASE`` redeclare an earlier one, so a query's own
declarations win. The line is one line: an engine's error at line ``n`` is at the user's line
``n - PROLOGUE_LINES``.
"""

from __future__ import annotations

from graph.store.values import PREFIXES

PROLOGUE_LINES = 1

STANDARD = {
    **PREFIXES,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
}
ORDER = ("qg", "id", "skos", "rdfs", "rdf", "xsd", "org", "prov", "dcterms", "time", "owl", "sh", "void", "dcat")


def predeclared(base: str) -> dict[str, str]:
    """The predeclared prefixes, in the order the editor lists them (``id:`` is the resource base).

    >>> list(predeclared("https://w3id.org/qgkg/id/"))[:3]
    ['qg', 'id', 'skos']
    """
    table = {**STANDARD, "id": base}
    return {name: table[name] for name in ORDER if table[name]}


def prologue(base: str) -> str:
    """The one line put before a user query: ``BASE`` and every predeclared prefix."""
    decls = " ".join(f"PREFIX {name}: <{iri}>" for name, iri in predeclared(base).items())
    return (f"BASE <{base}> " if base else "") + f"{decls}\n"


def with_prologue(sparql: str, base: str) -> str:
    """``sparql`` with the predeclared prefixes and base before it (its own declarations win).

    >>> with_prologue("ASK {}", "http://e/id/").splitlines()[1]
    'ASK {}'
    """
    return prologue(base) + sparql


COMMON_TERMS = (
    "rdf:type", "rdfs:label", "rdfs:comment", "skos:prefLabel", "skos:altLabel", "skos:notation", "skos:definition",
    "skos:inScheme", "dcterms:title", "dcterms:source", "dcterms:issued", "time:year", "org:Organization",
    "prov:Activity", "prov:wasDerivedFrom", "owl:Class", "xsd:integer", "xsd:gYear", "xsd:string",
)


def completion_terms() -> list[str]:
    """What the editor completes: every ``qg:`` term of the ontology, the common standard terms and the prefixes.

    >>> terms = completion_terms()
    >>> "qg:leadAgency" in terms and "skos:prefLabel" in terms and "dcat:" in terms
    True
    """
    from ontology import QG

    qg = sorted(f"qg:{name}" for name in QG.__annotations__ if not name.startswith("_"))
    return qg + list(COMMON_TERMS) + [f"{name}:" for name in ORDER]
