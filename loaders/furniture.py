"""Page furniture: the lines of a saved web page that are not the document (menus, breadcrumbs,
date bars, counters, print/close links, related headlines, footers, spam).

The lines are found with the cue words of ``reference/cues.yaml`` and masked with line breaks
of the same length, so that spans in the masked text stay spans in the repaired text. The place
names they hold (a county's site name, a footer's 主办) still count for the jurisdiction, which
is read from the unmasked text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.cues import cues
from loaders.segment import Line, blank, split_lines

_DATE_TIME = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_ONLY_DATE_TIME = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_BREADCRUMB = re.compile(r"\s*(?:>>?|＞|»|›)\s*")
_SENTENCE = re.compile(r"[。；;！？!?]")
_SHORT = 80


@dataclass(frozen=True)
class Furniture:
    """One line of page furniture and why it is one."""

    start: int
    end: int
    kind: str  # menu | breadcrumb | dateline | counter | links | related | footer | spam | site


def _spam_words(text: str) -> int:
    lowered = text.lower()
    return sum(1 for word in cues().words("spam") if word.lower() in lowered)


def line_kind(line: Line, index: int) -> str | None:
    """The furniture kind of one line, or None when it may be text of the document."""
    text = line.text.lstrip("（(【[ ")
    c = cues()
    if _spam_words(text) >= 2 and "质量" not in text:  # a headline with a name spammed over stays
        return "spam"
    if text.startswith(("|", "｜")):
        return None  # a table row
    if len(line.text) > _SHORT * 2 or (_SENTENCE.search(text) and len(text) > _SHORT):
        return None
    if text.count("|") + text.count("｜") >= 2 and not text.startswith(("|", "｜")):
        return "menu"
    if len(_BREADCRUMB.findall(text)) >= 1 and not _SENTENCE.search(text) and len(text) <= _SHORT:
        return "breadcrumb"
    if _ONLY_DATE_TIME.match(text):
        return "dateline"
    if _DATE_TIME.search(text) and any(w in text for w in c.words("dateline_words")) and not _SENTENCE.search(text):
        return "dateline"
    if c.starts_with("furniture_starts", text) or any(w in text for w in c.words("furniture_words")):
        return "links" if text.startswith(("打印", "关闭")) else "counter"
    if index == 0 and re.fullmatch(r"[\u4e00-\u9fff]{2,20}(?:网|网站|门户网站|政府网)", text):
        return "site"
    tokens = text.split()
    if len(tokens) >= 3 and all(len(t) <= 8 for t in tokens) and not _SENTENCE.search(text):
        return "menu"
    return None


def find_furniture(text: str) -> list[Furniture]:
    """Every furniture line of ``text``: lines of their own kind, and every short line after a
    related-headlines heading."""
    out: list[Furniture] = []
    tail = False
    tails = cues().words("furniture_tails")
    for index, line in enumerate(split_lines(text)):
        body = line.text.lstrip("【[（( ·")
        if not tail and any(word in body[:20] for word in tails) and len(body) <= 40:
            tail = True
        if tail and (len(line.text) <= _SHORT or _spam_words(line.text) >= 2):
            out.append(Furniture(line.start, line.end, "related"))
            continue
        kind = line_kind(line, index)
        if kind is not None:
            out.append(Furniture(line.start, line.end, kind))
    return out


def mask(text: str, furniture: list[Furniture]) -> str:
    """``text`` with every furniture line replaced by line breaks (same length)."""
    return blank(text, [(item.start, item.end) for item in furniture])
