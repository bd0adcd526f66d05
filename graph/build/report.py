"""The summary a build returns (and the CLI prints)."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.store.manifest import Counts


@dataclass
class BuildReport:
    """The summary a build prints."""

    version: str = ""
    files_seen: int = 0
    files_extracted: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    plans: int = 0
    activities: int = 0
    agencies: int = 0
    triples: int = 0
    seconds: float = 0.0
    pages_fetched: int = 0  # web pages whose bytes the server sent (200)
    pages_not_modified: int = 0  # web pages the server answered 304 Not Modified (reused from the cache)
    requests: int = 0  # HTTP requests the build sent (robots.txt included)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, counts: Counts) -> None:
        """Take the store's counts."""
        self.plans, self.activities = counts.plans, counts.activities
        self.agencies, self.triples = counts.agencies, counts.triples
