"""The reference graph's dump chunks: split by subject, so that a build rewrites only the parts it touched.

The reference graph changes at every build (the merged descriptions of the entities the
changed plans name) but only for those entities, listed in ``BuildDelta.touched``. Its
statements are split into parts: ``static`` (the ontology and programme scheme, and any
blank-node subject) and ``NNNN``, the bucket ``crc32(subject IRI) mod buckets`` of each
other subject, with ``buckets`` fixed when the whole graph is written (about
``PART_STATEMENTS`` statements a part). A build reads and writes again only the buckets of
the touched entities; a changed ontology, a missing ``touched`` or a previous version
without parts writes every part. Blank-node subjects come only from the ontology files (the
merged entity descriptions have IRI subjects, as ``touched`` does), so ``static`` changes
only with them; the tests compare the dumps with the store after incremental builds.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.build.static import static_digest, static_triples
from graph.derived.chunk_writer import PART_SEP, ChunkSource, keys_of, read_meta

PART_STATEMENTS = 500
MAX_BUCKETS = 512
STATIC = "static"


def bucket(subject: str, buckets: int) -> str:
    """The part of an entity's statements."""
    return f"{zlib.crc32(subject.encode('utf-8')) % buckets:04d}"


def part_key(ref: ox.NamedNode, part: str) -> str:
    """The chunk key of one part of the reference graph."""
    return f"{ref.value}{PART_SEP}{part}"


def reference_sources(
    store: ox.Store, ref: ox.NamedNode, base: str, previous: Path | None, delta: Any
) -> tuple[list[ChunkSource], set[str], dict[str, str]]:
    """The parts of the reference graph to write, the keys they replace, and the split to remember."""
    digest = static_digest()
    touched = getattr(delta, "touched", None)
    meta = read_meta(previous) if previous is not None else {}
    if previous is None or touched is None or meta.get("static_sha256") != digest or "ref_buckets" not in meta:
        return _all_parts(store, ref, base, previous, digest)
    buckets = int(meta["ref_buckets"])
    known = keys_of(previous, ref.value)
    static_subjects = known.get(part_key(ref, STATIC), set())
    todo: dict[str, set[str]] = defaultdict(set)
    for s in touched:
        if s not in static_subjects:
            todo[part_key(ref, bucket(s, buckets))].add(s)
    sources = [(key, _reader(store, ref, subjects | known.get(key, set()))) for key, subjects in todo.items()]
    return sources, set(todo), meta


def _reader(store: ox.Store, ref: ox.NamedNode, subjects: set[str]) -> Any:
    def read() -> list[ox.Quad]:
        return [q for s in sorted(subjects) for q in store.quads_for_pattern(ox.NamedNode(s), None, None, ref)]

    return read


def _all_parts(
    store: ox.Store, ref: ox.NamedNode, base: str, previous: Path | None, digest: str
) -> tuple[list[ChunkSource], set[str], dict[str, str]]:
    """Every part of the reference graph, read in one pass."""
    quads = list(store.quads_for_pattern(None, None, None, ref))
    buckets = max(1, min(MAX_BUCKETS, len(quads) // PART_STATEMENTS))
    static = {t.subject for t in static_triples(base)}
    by_subject: dict[Any, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_subject[q.subject].append(q)
    parts: dict[str, list[ox.Quad]] = defaultdict(list)
    for subject in sorted(by_subject, key=str):  # the same order as a part read subject by subject
        named = isinstance(subject, ox.NamedNode) and subject not in static
        parts[part_key(ref, bucket(subject.value, buckets) if named else STATIC)].extend(by_subject[subject])
    stale = set(keys_of(previous, ref.value)) if previous is not None else set()
    stale.add(ref.value)
    sources: list[ChunkSource] = [(key, _held(qs)) for key, qs in parts.items()]
    return sources, stale, {"static_sha256": digest, "ref_buckets": str(buckets)}


def _held(quads: list[ox.Quad]) -> Any:
    return lambda: quads
