"""The static part of the reference graph: the ontology and the programme scheme, with the resource base applied."""

from __future__ import annotations

import hashlib
from typing import Any

import pyoxigraph as ox

from graph.store import reference_graph_iri
from ontology import ONTOLOGY_FILES, ontology_text


def static_digest() -> str:
    """SHA-256 of the ontology and programme scheme, to tell when the reference graph needs them again."""
    return hashlib.sha256(static_reference_text().encode("utf-8")).hexdigest()


def static_reference_text() -> str:
    """The ontology files' text, as loaded."""
    return "\n".join(ontology_text(name) for name in ONTOLOGY_FILES)


def load_static_reference(
    main: ox.Store, contrib: ox.Store, base: str, loaded: str
) -> tuple[set[Any], int | None]:
    """(Re)load the ontology and programme scheme into the reference graph when they changed.

    Returns the entity subjects to merge again (all of them after a reload, the reference
    graph being cleared; none otherwise) and the reference graph's new size (None: unchanged).
    ``loaded`` is the digest of the ontology the previous version was built with.
    """
    if loaded == static_digest():
        return set(), None
    ref = ox.NamedNode(reference_graph_iri(base))
    if main.contains_named_graph(ref):
        main.remove_graph(ref)
    static = {ox.Quad(t.subject, t.predicate, t.object, ref) for t in static_triples(base)}
    main.extend(static)
    return {q.subject for q in contrib.quads_for_pattern(None, None, None, None)}, len(static)


def static_triples(base: str) -> list[ox.Triple]:
    """The ontology and the programme scheme, with the resource base applied."""
    out: list[ox.Triple] = []
    for name in ONTOLOGY_FILES:
        data = ontology_text(name).replace("https://w3id.org/qgkg/id/", base)
        out.extend(ox.parse(data.encode("utf-8"), ox.RdfFormat.TURTLE))
    return out
