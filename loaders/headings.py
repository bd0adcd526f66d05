"""A strategy for documents whose top headings are the activities themselves
(一、举办启动仪式 / 二、开展质量开放日, each followed by its paragraphs).

Headings that open a known zone (指导思想, 活动主题, 活动要求, …: ``reference/layout.yaml``) stay
non-activities; a heading of an unknown zone that names an activity (a verb or noun of the cue
list) is one, with every line up to the next heading.
"""

from __future__ import annotations

from dataclasses import replace

from loaders.cues import cues
from loaders.numbered import _first_pass
from loaders.segment import Segment, _segment, split_lines


def segment_top_items(text: str) -> list[Segment]:
    """一、-headed activities: the heading is the title, the lines under it the body."""
    out: list[Segment] = []
    current: int | None = None  # index in ``out`` of the open activity
    for block, zone in _first_pass(split_lines(text), subs_are_activities=False):
        seg = _segment(block, None)
        if block.kind == "heading":
            title = seg.text.split("、", 1)[-1].strip()
            if zone == "unknown" and cues().activity_cue.search(title):
                out.append(replace(seg, kind="activity", marker=seg.text.split("、", 1)[0], title=title))
                current = len(out) - 1
                continue
            current = None
        elif current is not None and block.kind in ("orphan", "activity", "section", "text"):
            prev = out[current]
            parts = prev.parts + tuple((a, b, "\n" if i == 0 else j) for i, (a, b, j) in enumerate(seg.parts))
            out[current] = replace(prev, text=prev.text + "\n" + seg.text, end=seg.end, parts=parts)
            continue
        kind = {"orphan": "preamble" if current is None and not out else "text", "activity": "text"}.get(
            seg.kind, seg.kind)
        out.append(replace(seg, kind=kind))
    return out
