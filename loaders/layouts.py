"""The layout strategies and how one is chosen for a document.

A strategy segments a text into activities and named non-activities, and reads the agency
mentions of its activities in the way its layout writes them (a trailing parenthesis, field lines,
a department before a colon, table columns, the subject of a clause). ``choose`` runs them all:
the first, in the order of ``LAYOUTS``, whose activities are at least two and mostly plausible
(their text names an activity: a verb or noun of the cue list) explains the document; when none
does, the one with the most plausible activities. The general prose strategy comes last, so that
a document with no structure a strategy recognises still yields the activities it tells of.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from loaders import extract
from loaders.cues import cues
from loaders.headings import segment_top_items
from loaders.mentions import clause_mentions, clause_mentions_of, dedupe, field_mentions, role_mentions
from loaders.numbered import (
    segment_chinese_sections,
    segment_department_colon,
    segment_district_report,
    segment_enumeration,
    segment_numbered,
)
from loaders.prose import has_activity, segment_prose
from loaders.segment import Mention, Segment
from loaders.tables import segment_table_lines, segment_table_pipe

PLAUSIBLE = 0.5  # share of a strategy's activities that must name an activity for it to be taken
SURE = 12  # plausible activities past which the strategies after the chosen one are not run (for speed)


def numbered_mentions(seg: Segment) -> list[Mention]:
    """An item's bodies: field labels (牵头单位：…), else its trailing parenthesis or role phrases,
    else the subjects of its sentences."""
    fields = field_mentions(seg.text)
    if any(m.role == "lead" for m in fields):
        return fields
    paren = extract.trailing_parenthesis(seg.text)
    if paren and re.search(cues().role_verb_pattern, paren[0]):  # （省局X处牵头，各市局配合）
        return role_mentions(paren[0])
    return extract.item_mentions(seg.text) or clause_mentions_of(extract.strip_marker(seg.text))


def enumeration_mentions(seg: Segment) -> list[Mention]:
    """A 一是… (or 一、…) item's bodies: field labels, else role phrases and the subject of each of
    its sentences."""
    fields = field_mentions(seg.text)
    if any(m.role == "lead" for m in fields):
        return fields
    return extract.item_mentions(seg.text) or clause_mentions_of(extract.strip_marker(seg.text))


def own_mentions(seg: Segment) -> list[Mention]:
    """The mentions a strategy read while segmenting (table columns, clause subjects)."""
    return list(seg.mentions or ())


def report_mentions(seg: Segment) -> list[Mention]:
    """A district report's event: the subject (and role phrases) of its first dated sentence."""
    event = extract.event_paragraph(seg.text[len(seg.title or ""):])
    return extract.report_mentions(event) or clause_mentions(re.split(r"(?<=[。；;！？])", event, maxsplit=1)[0])


@dataclass(frozen=True)
class Strategy:
    """A named layout: how it segments a text and how it reads an activity's bodies."""

    name: str
    segment: Callable[[str], list[Segment]]
    mentions: Callable[[Segment], list[Mention]]


LAYOUTS: tuple[Strategy, ...] = (
    Strategy("district_report", segment_district_report, report_mentions),
    Strategy("numbered", segment_numbered, numbered_mentions),
    Strategy("chinese_sections", segment_chinese_sections, numbered_mentions),
    Strategy("department_colon", segment_department_colon, extract.department_mentions),
    Strategy("table_pipe", segment_table_pipe, own_mentions),
    Strategy("table_lines", segment_table_lines, own_mentions),
    Strategy("enumeration", segment_enumeration, enumeration_mentions),
    Strategy("top_items", segment_top_items, enumeration_mentions),
    Strategy("prose", segment_prose, own_mentions),
)
BY_NAME = {s.name: s for s in LAYOUTS}


@dataclass(frozen=True)
class Choice:
    """The strategy that read a document, its segments, and the runner-up."""

    strategy: Strategy
    segments: list[Segment]
    plausible: int
    runner_up: str | None = None
    runner_up_plausible: int = 0

    @property
    def name(self) -> str:
        """The chosen strategy's name."""
        return self.strategy.name

    def mentions(self, seg: Segment) -> list[Mention]:
        """The bodies named in one of its activities, read the strategy's way."""
        return dedupe(self.strategy.mentions(seg))


def plausible_count(segments: list[Segment]) -> tuple[int, int]:
    """(activities, activities whose text names an activity)."""
    acts = [s for s in segments if s.kind == "activity"]
    return len(acts), sum(1 for s in acts if has_activity(s.title or s.text) or has_activity(s.text))


def choose(text: str) -> Choice:
    """The strategy that explains ``text`` (see the module's docstring)."""
    tried: list[tuple[Strategy, list[Segment], int]] = []
    chosen: tuple[Strategy, list[Segment], int] | None = None
    for strategy in LAYOUTS:
        segments = strategy.segment(text)
        total, plausible = plausible_count(segments)
        tried.append((strategy, segments, plausible))
        if chosen is None and total >= 2 and plausible >= PLAUSIBLE * total:
            chosen = tried[-1]
            if plausible >= SURE:
                break  # a long reading: the later strategies could not come within the margin
    if chosen is None:
        chosen = max(tried, key=lambda t: (t[2], -LAYOUTS.index(t[0])))
    others = sorted((t for t in tried if t[0] is not chosen[0]), key=lambda t: -t[2])
    runner = others[0] if others and others[0][2] > 0 else None
    return Choice(chosen[0], chosen[1], chosen[2], runner[0].name if runner else None, runner[2] if runner else 0)


def segment(text: str) -> tuple[str, list[Segment]]:
    """The chosen strategy's name and segments (``choose`` without the runner-up)."""
    choice = choose(text)
    return choice.name, choice.segments
