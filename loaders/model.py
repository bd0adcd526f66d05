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
class WebSource:
    """How a web page was retrieved (``fetch`` fills it in; the loaders write it into the plan graph)."""

    url: str  # the URL asked for: the plan's dcterms:source
    final_url: str  # after redirects
    status: int  # the HTTP status of the answer that gave the bytes
    retrieved_at: str  # ISO 8601 UTC time of that answer
    media_type: str = "text/html"


@dataclass(frozen=True)
class Origin:
    """What kind of source a plan was read from (``file`` or ``web``), its media type, and for a page how."""

    kind: str
    media_type: str
    web: WebSource | None = None
    published: str | None = None  # a web page's publication date (htmldate), ISO


@dataclass(frozen=True)
class Extraction:
    """What one file yields: its plans (main first, then spliced fragments) and the
    descriptions of the shared entities they refer to (for the reference graph)."""

    source: str  # the file name, or the URL of a web page
    path: Path | None  # None for a web page
    sha256: str
    plans: tuple[PlanGraph, ...]
    entities: Graph
    warnings: tuple[str, ...] = field(default=())

    @property
    def activity_count(self) -> int:
        """Number of activities over all plans of the file."""
        from ontology import QG  # local: keep this module import-light

        return sum(len(set(p.graph.subjects(QG.plan, p.iri))) for p in self.plans)
