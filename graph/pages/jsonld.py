"""JSON-LD of an entity, compacted with a ``@context`` of the ontology's prefixes (as an analyst writes them).

``{"@context": {"qg": "https://w3id.org/qgkg/ontology#", "id": "https://w3id.org/qgkg/id/", …},
"@graph": [{"@id": "id:city/shanghai", "@type": "qg:City", "skos:prefLabel": {"@language": "zh-hans", …}}]}``
reads with any JSON-LD processor (rdflib, pyld) as the same triples as the Turtle twin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import rdflib

from graph.query.prefixes import predeclared
from graph.store import Value
from graph.store.formats import RdfFormat
from graph.store.results import write_triples


def context(base: str) -> dict[str, str]:
    """The ``@context``: every predeclared prefix of the SPARQL endpoint (``id:`` is the resource base)."""
    return dict(predeclared(base))


def compact_jsonld(triples: Iterable[tuple[Value, Value, Value]], base: str) -> bytes:
    """The triples as compacted JSON-LD with the ``@context`` of ``context(base)``; subjects in a stable order."""
    graph = rdflib.Graph()
    graph.parse(data=write_triples(list(triples), RdfFormat.NT).decode("utf-8"), format="nt")
    ctx = context(base)
    data = json.loads(graph.serialize(format="json-ld", context=ctx, auto_compact=True))
    nodes = data.get("@graph", [data] if "@id" in data else [])
    nodes = [{k: v for k, v in n.items() if k != "@context"} for n in nodes]
    nodes.sort(key=lambda n: str(n.get("@id", "")))
    return json.dumps({"@context": ctx, "@graph": nodes}, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
