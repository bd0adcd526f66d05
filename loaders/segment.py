"""The building blocks of segmenting: segments and lines with their spans, item and section
markers, zones (from ``reference/layout.yaml``), title and signature lines.

The layout strategies built on them are in ``loaders.numbered`` (numbered items, (一) paragraphs,
一是 enumerations, department lines, district round-ups), ``loaders.tables``, ``loaders.headings``
and ``loaders.prose``; ``loaders.layouts`` registers them and chooses one by detection on the text,
never by file name. Spans are offsets in the text given (the repaired text, or its simplified form,
which has the same length). Every line of the text ends up in exactly one segment: an activity, a
named non-activity (preamble, section, requirements, contacts, slogans, …) or a ``warning``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

import yaml

NUMERALS = "一二三四五六七八九十"
# A marker may follow a few characters of GBK-offset damage ("?�2.开展…"): the "?" and up to three
# garbage characters before it are tolerated (a guess from the bench generator's damage).
_DAMAGE = r"(?:[?？][^0-9０-９\n]{0,3}?)?"
# Any number of digits, so that item 10,000 never merges into item 9,999 (loaders.limits caps the
# items of a file); a "." followed by a digit is a decimal or a date (2022.9.1), not a marker.
_ITEM = re.compile(
    r"^" + _DAMAGE + r"([0-9０-９]+)\s*(?:[、．]|\.(?![0-9０-９]))\s*|^[（(]([0-9０-９]+)[）)]\s*"
)
_SUB = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]\s*")
# A (一) marker damaged by GBK offset mojibake: a replacement character within its first three
# characters, then the closing parenthesis (。ㄈ�）, 。�六）).
_DAMAGED_SUB = re.compile(r"^[^\s]{0,2}\ufffd[^\s（(]{0,2}[）)]\s*(?=[\u4e00-\u9fff])")
_TOP = re.compile(r"^([一二三四五六七八九十]{1,3})、\s*")
_ENUM = re.compile(r"([一二三四五六七八九十]{1,3})是")
_DEPT = re.compile(r"^([\u4e00-\u9fff]{2,16}?)[：:]\s*(?=\S)")
# A department-colon line names an agency: its name ends like one (guess for unseen layouts).
_AGENCY_END = ("部", "委", "局", "总署", "署", "办", "办公室", "会", "院", "厅", "行", "中心", "联", "协", "组")
_OPEN_END = re.compile(r"[\u3400-\u9fffA-Za-z0-9，,、]$")


@dataclass(frozen=True)
class Mention:
    """An agency named in an activity, as written (zh-Hans), with its role."""

    surface: str
    role: str  # lead | support
    start: int  # offset in the activity's text (-1 when unknown)


@dataclass(frozen=True)
class Segment:
    """A piece of a plan: an activity or a named non-activity, with its span in the text."""

    kind: str  # activity | preamble | title | section | section-intro | requirements | theme | slogans | …
    marker: str | None
    section: str | None
    text: str
    start: int
    end: int
    title: str | None = None  # the title line of a report's activity
    parts: tuple[tuple[int, int, str], ...] = field(default=(), compare=False)  # (start, end, joiner)
    note: str | None = None  # why a segment is a warning, or what was recovered
    mentions: tuple[Mention, ...] | None = field(default=None, compare=False)  # read by the strategy itself

    def render(self, source: str) -> str:
        """This segment's text taken from ``source`` (any text of the same length as the one segmented)."""
        if not self.parts:
            return source[self.start:self.end]
        return "".join(joiner + source[a:b] for a, b, joiner in self.parts)


@dataclass(frozen=True)
class Line:
    """One non-empty line: its stripped text and span."""

    start: int
    end: int
    text: str


def split_lines(text: str) -> list[Line]:
    """Non-empty lines with their spans (leading/trailing spaces excluded)."""
    out = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip(" \t\u3000\ufeff")
        if stripped:
            lead = len(body) - len(body.lstrip(" \t\u3000\ufeff"))
            out.append(Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw)
    return out


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    r"""``text`` with every span replaced by line breaks: the same length, so spans stay valid.

    >>> blank("ab\ncd", [(0, 2)])
    '\n\n\ncd'
    """
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\n" * (end - start)
    return "".join(chars)


def is_open(text: str) -> bool:
    """True when a line stops mid-sentence (no closing punctuation): the next line continues it."""
    return bool(_OPEN_END.search(text))


def numeral_value(numeral: str) -> int:
    """Value of a Chinese numeral up to 99 (一 → 1, 十二 → 12)."""
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + NUMERALS.index(numeral[1]) + 1
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return (NUMERALS.index(tens) + 1) * 10 + (NUMERALS.index(ones) + 1 if ones else 0)
    return NUMERALS.index(numeral) + 1


def numeral_text(value: int) -> str:
    """Chinese numeral for 1–99."""
    if value <= 10:
        return NUMERALS[value - 1]
    tens, ones = divmod(value, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def item_number(text: str) -> int | None:
    """The number of an item line (``1.``, ``1、``, ``１．``, ``(1)``), or None."""
    match = _ITEM.match(text)
    if not match:
        return None
    digits = match.group(1) or match.group(2)
    return int(digits.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


@lru_cache(maxsize=1)
def _layout_data() -> dict[str, object]:
    return dict(yaml.safe_load(files("loaders").joinpath("reference/layout.yaml").read_text(encoding="utf-8")))


def zone_of_heading(heading: str) -> str | None:
    """The zone a heading opens (activities, requirements, theme, …), or None when unknown."""
    zones = _layout_data()["zones"]
    assert isinstance(zones, dict)
    for zone, words in zones.items():
        if any(word in heading for word in words):
            return str(zone)
    return None


def zone_of_line(text: str) -> str | None:
    """The zone a line opens by starting with a keyword (附件:, 联系人:, 口号:), or None."""
    body = text.lstrip("（(【[ ")
    words = _layout_data()["line_keywords"]
    assert isinstance(words, list)
    for word in sorted(words, key=len, reverse=True):
        if body.startswith(word):
            rest = body[len(word):].lstrip()
            if not rest or rest[0] in ":：" or (word == "附件" and rest[0].isdigit()) or rest.startswith("及"):
                return zone_of_heading(word) or "contacts"
    return None


def dept_name(text: str) -> str | None:
    """The department of a ``部门：任务`` line (商务部：组织开展…), or None."""
    match = _DEPT.match(text)
    if match and match.group(1).endswith(_AGENCY_END) and zone_of_line(text) is None:
        return match.group(1)
    return None


# -- building segments ---------------------------------------------------------------------------
@dataclass
class _Block:
    kind: str
    lines: list[Line]
    number: int | None = None  # item number
    numeral: int | None = None  # section numeral value
    marker: str | None = None
    note: str | None = None

    def closed(self) -> bool:
        return not is_open(self.lines[-1].text)


def _segment(block: _Block, section: str | None, *, strip_marker: bool = False) -> Segment:
    parts: list[tuple[int, int, str]] = []
    previous: Line | None = None
    for line in block.lines:
        joiner = "" if previous is None or is_open(previous.text) else "\n"
        parts.append((line.start, line.end, joiner))
        previous = line
    text = "".join(joiner + line.text for line, (_, _, joiner) in zip(block.lines, parts))
    return Segment(kind=block.kind, marker=block.marker, section=section, text=text,
                   start=block.lines[0].start, end=block.lines[-1].end, parts=tuple(parts), note=block.note)


_ACTIVE = ("start", "activities", "unknown")
# Only prose continues over a line break; title, signature, slogan, contact lines stand alone.
_JOINABLE = ("activity", "orphan", "preamble", "requirements", "section-intro")
_JOIN_ZONES = (*_ACTIVE, "requirements", "preamble")


def _zone_kind(zone: str) -> str:
    return {"unknown": "activity", "activities": "activity", "start": "preamble"}.get(zone, zone)


_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_ORG_END = ("办公室", "小组", "局", "委", "委员会", "会", "政府", "部", "厅", "中心")
_SHORT_LINE = re.compile(r"^[^。；;，,:：]{2,40}$")


def special_lines(lines: list[Line]) -> dict[int, str]:
    """Lines whose role shows on their own: leading title lines, the addressee line, the signature
    (落款: the last date-only line and up to two short organisation lines before it)."""
    roles: dict[int, str] = {}
    for i, line in enumerate(lines[:4]):
        text = line.text
        if text.endswith((":", "：")) and i == len(roles):
            roles[i] = "addressee"
            break
        if len(text) <= 60 and "。" not in text and not _TOP.match(text) and not _SUB.match(text) \
                and item_number(text) is None and i == len(roles) and "，" not in text and "," not in text:
            roles[i] = "title"
            continue
        break
    if roles and all(r == "title" for r in roles.values()) and len(roles) == len(lines[:4]):
        roles.clear()
    dates = [i for i, line in enumerate(lines) if _DATE_LINE.match(line.text)]
    signed = [i for i in dates if i > 0 and lines[i - 1].text.endswith(_ORG_END)]
    if signed:
        last = signed[-1]
        roles[last] = "signature"
        for j in (last - 1, last - 2):
            if j >= 0 and j not in roles and _SHORT_LINE.match(lines[j].text) and item_number(lines[j].text) is None \
                    and zone_of_line(lines[j].text) is None and all(k == last or k > j for k in roles if k >= j):
                roles[j] = "signature"
            else:
                break
    return roles
