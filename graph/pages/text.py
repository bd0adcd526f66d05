"""Text for the entity pages: agency mentions and activity spans marked in text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from loaders.script import to_simplified


@dataclass(frozen=True)
class Segment:
    """A run of text, linked to a resource (an agency mention, an activity) or plain."""

    text: str
    iri: str | None = None
    label: str | None = None


def mark_mentions(text: str, mentions: Iterable[tuple[str, str, str]]) -> tuple[Segment, ...]:
    """Split ``text`` at every occurrence of a mention (surface form, agency IRI, agency label).

    Longer forms win over shorter ones that overlap them; traditional forms are also
    looked for in their simplified spelling.

    >>> [s.text for s in mark_mentions("由市市场监管局负责", [("市市场监管局", "x", "X")])]
    ['由', '市市场监管局', '负责']
    """
    forms: dict[str, tuple[str, str]] = {}
    for form, iri, label in mentions:
        for variant in {form, to_simplified(form)}:
            if variant.strip():
                forms.setdefault(variant, (iri, label))
    taken = [False] * len(text)
    hits: list[tuple[int, int, str, str]] = []
    for form in sorted(forms, key=len, reverse=True):
        start = text.find(form)
        while start >= 0:
            end = start + len(form)
            if not any(taken[start:end]):
                hits.append((start, end, *forms[form]))
                for i in range(start, end):
                    taken[i] = True
            start = text.find(form, end)
    return _cut(text, sorted(hits))


def mark_spans(text: str, spans: Sequence[tuple[int, int, str, str]]) -> tuple[Segment, ...]:
    """Split ``text`` at the given (start, end, IRI, label) spans; overlapping or bad spans are skipped."""
    clean: list[tuple[int, int, str, str]] = []
    last = 0
    for start, end, iri, label in sorted(spans):
        if 0 <= start < end <= len(text) and start >= last:
            clean.append((start, end, iri, label))
            last = end
    return _cut(text, clean)


def _cut(text: str, hits: Sequence[tuple[int, int, str, str]]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    pos = 0
    for start, end, iri, label in hits:
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], iri, label))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return tuple(out)
