"""Values handed from the loaders to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef


@dataclass(frozen=True)
class PlanGraph:
    """One ``qg:Plan`` and everything whose subject belongs to it (its named graph)."""

    iri: URIRef
    graph: Graph


@dataclass(frozen=True)
class Extraction:
    """What one file yields: its plans (main first, then spliced fragments) and the
    descriptions of the shared entities they refer to (for the reference graph)."""

    source: str
    path: Path
    sha256: str
    plans: tuple[PlanGraph, ...]
    entities: Graph
    warnings: tuple[str, ...] = field(default=())

    @property
    def activity_count(self) -> int:
        """Number of activities over all plans of the file."""
        from ontology import QG  # local: keep this module import-light

        return sum(len(set(p.graph.subjects(QG.plan, p.iri))) for p in self.plans)
