"""A version's ``manifest.json``: the files it holds, their plans and counts, and how it was built.

The JSON layout (what ``to_json`` writes and ``from_json`` reads, older versions' fields
optional)::

    {"format": 1, "base": ..., "built_at": ..., "static_sha256": ...,
     "sources": {FILE NAME or URL: {"sha256", "graphs", "activities", "plans", "triples",
                                    "size", "mtime_ns", "hashed_ns", "extractor", "shacl", "kind"}},
     "counts": {"plans", "activities", "agencies", "triples", "reference_triples"},
     "failed": {FILE NAME: {"error", "sha256", "extractor", "size", "mtime_ns", "hashed_ns"}},
     "post_build_seconds": {...}, "phase_seconds": {...},
     "integrity": {"format", "files", "graphs"}}

``integrity`` is the version's integrity record (``graph.store.integrity``): the digest of every
other file and a count and digest of each graph's quads, taken when the build finished.

``size``/``mtime_ns``/``hashed_ns`` say when a file can be taken as unchanged without reading
it (``graph.build.scan``); ``extractor`` is ``loaders.version.extractor_version()`` and ``shacl``
the digest of the shapes the file's plans were validated with: either changed, the file is
extracted again. ``kind`` says what the source is: ``file`` (keyed by its file name) or ``web``
(keyed by its URL; no stat: ``graph.build.fetched`` revalidates it over HTTP); absent in
versions built before it was kept (files).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class Stat:
    """What a later build compares to skip hashing a file: size, mtime, and when its hash was taken."""

    size: int
    mtime_ns: int
    hashed_ns: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stat | None:
        """The stat fields of a manifest entry, or None when it has none."""
        if not all(k in data for k in ("size", "mtime_ns", "hashed_ns")):
            return None
        return cls(int(data["size"]), int(data["mtime_ns"]), int(data["hashed_ns"]))

    def to_json(self) -> dict[str, int]:
        """The fields as a manifest entry holds them."""
        return {"size": self.size, "mtime_ns": self.mtime_ns, "hashed_ns": self.hashed_ns}


@dataclass
class Source:
    """A plan file the version holds: its content digest, the plan graphs it gave and their size."""

    sha256: str
    graphs: list[str] = field(default_factory=list)
    activities: int = 0
    plans: int | None = None  # None: a version built before counts were kept
    triples: int | None = None
    stat: Stat | None = None
    extractor: str | None = None
    shacl: str | None = None
    kind: str | None = None  # "file" or "web"; None: a version built before it was kept (a file)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Source:
        """An entry of ``sources``."""
        return cls(str(data.get("sha256", "")), list(data.get("graphs", [])), int(data.get("activities", 0)),
                   data.get("plans"), data.get("triples"), Stat.from_json(data), data.get("extractor"),
                   data.get("shacl"), data.get("kind"))

    def to_json(self) -> dict[str, Any]:
        """The entry as the manifest holds it (absent fields left out)."""
        out: dict[str, Any] = {"sha256": self.sha256, "graphs": self.graphs, "activities": self.activities}
        for key in ("plans", "triples"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.stat is not None:
            out.update(self.stat.to_json())
        for key in ("extractor", "shacl", "kind"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Failure:
    """A file that failed to load: the error is reported again, without a retry, until the file changes."""

    error: str
    sha256: str
    extractor: str | None = None
    stat: Stat | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Failure:
        """An entry of ``failed``."""
        return cls(str(data.get("error", "")), str(data.get("sha256", "")), data.get("extractor"),
                   Stat.from_json(data))

    def to_json(self) -> dict[str, Any]:
        """The entry as the manifest holds it."""
        out: dict[str, Any] = {"error": self.error, "sha256": self.sha256}
        if self.extractor is not None:
            out["extractor"] = self.extractor
        if self.stat is not None:
            out.update(self.stat.to_json())
        return out


@dataclass(frozen=True)
class Counts:
    """What the store holds (``reference_triples`` None: a version built before it was kept)."""

    plans: int = 0
    activities: int = 0
    agencies: int = 0
    triples: int = 0
    reference_triples: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Counts:
        """The ``counts`` object."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def to_json(self) -> dict[str, int]:
        """The object as the manifest holds it."""
        out = {"plans": self.plans, "activities": self.activities, "agencies": self.agencies, "triples": self.triples}
        if self.reference_triples is not None:
            out["reference_triples"] = self.reference_triples
        return out


@dataclass
class Manifest:
    """A version's manifest (``Version.manifest()``); ``manifest["counts"]`` reads the JSON layout."""

    base: str = ""
    built_at: str = ""
    static_sha256: str = ""
    sources: dict[str, Source] = field(default_factory=dict)
    counts: Counts | None = None
    failed: dict[str, Failure] = field(default_factory=dict)
    post_build_seconds: dict[str, float] | None = None  # seconds each post-build step took
    phase_seconds: dict[str, float] | None = None  # seconds each phase of the build took
    integrity: dict[str, Any] | None = None  # graph.store.integrity: files' and graphs' digests
    format: int = MANIFEST_FORMAT

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """A manifest from its JSON document (every field optional)."""
        counts = data.get("counts")
        integrity = data.get("integrity")
        if integrity is not None and not isinstance(integrity, dict):
            raise ValueError("its integrity record is not an object")
        return cls(
            base=str(data.get("base", "")),
            built_at=str(data.get("built_at", "")),
            static_sha256=str(data.get("static_sha256", "")),
            sources={k: Source.from_json(v) for k, v in data.get("sources", {}).items()},
            counts=Counts.from_json(counts) if counts is not None else None,
            failed={k: Failure.from_json(v) for k, v in data.get("failed", {}).items()},
            post_build_seconds=data.get("post_build_seconds"),
            phase_seconds=data.get("phase_seconds"),
            integrity=integrity,
            format=int(data.get("format", MANIFEST_FORMAT)),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON document."""
        out: dict[str, Any] = {"format": self.format, "base": self.base, "built_at": self.built_at,
                               "static_sha256": self.static_sha256,
                               "sources": {k: s.to_json() for k, s in self.sources.items()}}
        if self.counts is not None:
            out["counts"] = self.counts.to_json()
        out["failed"] = {k: f.to_json() for k, f in self.failed.items()}
        if self.post_build_seconds is not None:
            out["post_build_seconds"] = self.post_build_seconds
        if self.phase_seconds is not None:
            out["phase_seconds"] = self.phase_seconds
        if self.integrity is not None:
            out["integrity"] = self.integrity
        return out

    def __getitem__(self, key: str) -> Any:
        """A field of the JSON layout (``manifest["counts"]["plans"]``), for scripts and tests that read the file."""
        return self.to_json()[key]

    @property
    def total(self) -> Counts:
        """The counts (zeros when the version has none)."""
        return self.counts or Counts()
