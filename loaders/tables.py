"""Strategies for activity tables saved as text: pipe rows (``| 1 | 名称 | … |``) and tables
flattened one cell per line (a run of header lines, then rows of as many lines, each starting
with its number).

The columns are known by their headers (活动名称, 活动内容, 牵头单位, 配合单位, … in
``reference/cues.yaml``); a row becomes one activity whose leads and supporters are the bodies of
its lead and support columns. Rows of another table (a page's metadata: 索引号 | …) have no such
header and are not activities.
"""

from __future__ import annotations

import re

from loaders.cues import cues
from loaders.mentions import split_names
from loaders.segment import Line, Mention, Segment, special_lines, split_lines

_NUMBER = re.compile(r"^\d{1,3}$")


def _kinds(headers: list[str]) -> list[str | None]:
    return [cues().field_kind(h) for h in headers]


def _is_header(headers: list[str]) -> bool:
    kinds = _kinds(headers)
    return len(headers) >= 3 and sum(k is not None for k in kinds) >= 3 and ("title" in kinds or "content" in kinds)


def _row_segment(cells: list[tuple[int, int, str]], kinds: list[str | None]) -> Segment | None:
    """One table row as an activity: title from the name column (else the content), mentions from
    the lead and support columns."""
    by_kind: dict[str, str] = {}
    mentions: list[Mention] = []
    for (start, _end, value), kind in zip(cells, kinds):
        if kind in ("lead", "support"):
            mentions.extend(Mention(name, kind, start) for name in split_names(value))
        elif kind is not None and value:
            by_kind.setdefault(kind, value)
    title = by_kind.get("title") or by_kind.get("content")
    if not title:
        return None
    marker = by_kind.get("number")
    text = "\n".join(v for (_s, _e, v) in cells if v and v != marker)
    start, end = cells[0][0], cells[-1][1]
    parts = tuple((s, e, "" if i == 0 else "\n") for i, (s, e, v) in enumerate(cells) if v and v != marker)
    return Segment("activity", marker, None, text, start, end, title=title, parts=parts or ((start, end, ""),),
                   mentions=tuple(mentions))


def _pipe_cells(line: Line) -> list[tuple[int, int, str]]:
    cells = []
    pos = 0
    for raw in line.text.split("|"):
        value = raw.strip()
        lead = raw.find(value) if value else 0
        cells.append((line.start + pos + lead, line.start + pos + lead + len(value), value))
        pos += len(raw) + 1
    if line.text.startswith("|"):
        cells = cells[1:]
    if line.text.endswith("|"):
        cells = cells[:-1]
    return cells


def _spaced_cells(line: Line) -> list[tuple[int, int, str]]:
    """Cells of a row separated by tabs or runs of two or more spaces (a table copied as text)."""
    return [(line.start + m.start(), line.start + m.end(), m.group(0))
            for m in re.finditer(r"\S(?:(?!\t|\s{2}).)*", line.text)]


def _cells(line: Line) -> list[tuple[int, int, str]]:
    if "|" in line.text:
        return _pipe_cells(line)
    if "\t" in line.text or "  " in line.text:
        return _spaced_cells(line)
    return []


def segment_table_pipe(text: str) -> list[Segment]:
    """A table of rows with ``|``-separated cells (or cells apart by tabs or two spaces) under a header
    row naming its columns."""
    out: list[Segment] = []
    kinds: list[str | None] | None = None
    roles = special_lines(split_lines(text))
    for index, line in enumerate(split_lines(text)):
        cells = _cells(line)
        if len(cells) >= 3 and _is_header([c[2] for c in cells]):
            kinds = _kinds([c[2] for c in cells])
            out.append(Segment("table-header", None, None, line.text, line.start, line.end))
            continue
        if kinds is not None and len(cells) >= 2:
            row = _row_segment(cells, kinds + [None] * (len(cells) - len(kinds)))
            if row is not None:
                out.append(row)
                continue
        kind = roles.get(index, "text" if kinds is None else "closing")
        out.append(Segment(kind, None, None, line.text, line.start, line.end, parts=((line.start, line.end, ""),)))
    return out


def segment_table_lines(text: str) -> list[Segment]:
    """A table flattened one cell per line: a run of header lines, then rows as long, each led by
    its number (a row cut short at the end of the text keeps the cells it has)."""
    lines = split_lines(text)
    out: list[Segment] = []
    i = 0
    roles = special_lines(lines)
    while i < len(lines):
        width = _header_run(lines, i)
        if width < 3:
            kind = roles.get(i, "text")
            out.append(Segment(kind, None, None, lines[i].text, lines[i].start, lines[i].end,
                               parts=((lines[i].start, lines[i].end, ""),)))
            i += 1
            continue
        kinds = _kinds([line.text for line in lines[i:i + width]])
        out.append(Segment("table-header", None, None, "\n".join(x.text for x in lines[i:i + width]),
                           lines[i].start, lines[i + width - 1].end))
        i += width
        while i < len(lines) and _NUMBER.match(lines[i].text):
            cells = [(x.start, x.end, x.text) for x in lines[i:i + width]]
            row = _row_segment(cells, kinds[: len(cells)])
            if row is not None:
                out.append(row)
            i += width
    return out


def _header_run(lines: list[Line], i: int) -> int:
    """How many lines from ``i`` are column headers of one table (0 when fewer than three)."""
    n = 0
    while i + n < len(lines) and len(lines[i + n].text) <= 8 and cues().field_kind(lines[i + n].text) is not None:
        n += 1
    headers = [line.text for line in lines[i:i + n]]
    return n if n >= 3 and _is_header(headers) else 0
