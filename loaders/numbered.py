"""The structured layout strategies: numbered items, (一) paragraphs, 一是 enumerations,
department-colon lines and district round-ups (each ``segment_x(text) -> list[Segment]``; the
registry that chooses among them is ``loaders.layouts``). The building blocks they share (lines,
markers, zones, segments) are in ``loaders.segment``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from loaders.segment import (
    _ACTIVE,
    _DAMAGED_SUB,
    _ENUM,
    _ITEM,
    _JOIN_ZONES,
    _JOINABLE,
    _SUB,
    _TOP,
    Line,
    Segment,
    _Block,
    _segment,
    _zone_kind,
    dept_name,
    is_open,
    item_number,
    numeral_text,
    numeral_value,
    special_lines,
    split_lines,
    zone_of_heading,
    zone_of_line,
)


def _damaged_heading(text: str) -> re.Match[str] | None:
    """A top heading whose marker was damaged (``?《�、重点活动内容``): a short line with ``、`` near
    its start and a zone keyword after it."""
    match = re.match(r"^[?？]?[^、，,。]{0,4}、", text)
    if match and len(text) <= 20 and zone_of_heading(text[match.end():]) is not None:
        return match
    return None


def _first_pass(lines: list[Line], *, subs_are_activities: bool) -> list[tuple[_Block, str]]:
    """Blocks of lines with the zone each stands in; items and sub-sections are not yet numbered."""
    blocks: list[tuple[_Block, str]] = []
    zone = "start"
    roles = special_lines(lines)
    for index, line in enumerate(lines):
        text = line.text
        if index in roles:
            blocks.append((_Block(roles[index], [line]), zone))
            continue
        top, sub, number = _TOP.match(text) or _damaged_heading(text), _SUB.match(text), item_number(text)
        damaged_sub = sub is None and subs_are_activities and _DAMAGED_SUB.match(text) is not None
        keyword_zone = zone_of_line(text)
        current = blocks[-1][0] if blocks else None
        if top:
            zone = zone_of_heading(text[top.end():]) or "unknown"
            blocks.append((_Block("heading", [line]), zone))
        elif keyword_zone:
            zone = keyword_zone
            blocks.append((_Block(zone, [line]), zone))
        elif sub and zone in _ACTIVE:
            kind = "activity" if subs_are_activities else "section"
            blocks.append((_Block(kind, [line], numeral=numeral_value(sub.group(1))), zone))
        elif damaged_sub and zone in _ACTIVE:
            blocks.append((_Block("activity", [line]), zone))
        elif number is not None and zone in _ACTIVE and not subs_are_activities:
            blocks.append((_Block("activity", [line], number=number), zone))
        elif current is not None and current.kind in _JOINABLE and not current.closed() and zone in _JOIN_ZONES:
            current.lines.append(line)
        elif zone in _ACTIVE:
            blocks.append((_Block("orphan", [line]), zone))
        else:
            blocks.append((_Block(_zone_kind(zone), [line]), zone))
    return blocks


def _resolve_numbered(blocks: list[tuple[_Block, str]]) -> tuple[list[Segment], bool]:
    """Number items and sections; recover damaged section headings by order; name every orphan."""
    bl = [b for b, _ in blocks]
    zones = [z for _, z in blocks]
    explicit_sections = any(b.kind == "section" for b in bl)
    # 1. restart of item numbering without a section heading: the first orphan since the last item
    #    is a damaged heading (its marker lost to mojibake); recover its numeral by order.
    last_number: int | None = None
    section_seen_since_item = False
    orphans_since_item: list[_Block] = []
    first_item_seen = False
    for block in bl:
        if block.kind == "section":
            section_seen_since_item = True
        elif block.kind == "orphan":
            orphans_since_item.append(block)
        elif block.kind == "activity" and block.number is not None:
            restart = last_number is not None and block.number <= last_number
            if not first_item_seen and explicit_sections and not section_seen_since_item and orphans_since_item:
                restart = True  # the first group lacks the heading its siblings have
            if restart and not section_seen_since_item and orphans_since_item:
                orphans_since_item[0].kind = "section"
                orphans_since_item[0].note = "recovered"
            last_number = block.number
            section_seen_since_item = False
            orphans_since_item = []
            first_item_seen = True
        elif block.kind == "heading":
            orphans_since_item = []
    # 2. section numerals: as written, or by order when recovered.
    numeral = 0
    for block in bl:
        if block.kind == "section":
            if block.numeral is not None:
                numeral = block.numeral
            else:
                numeral += 1
                block.numeral = numeral
                block.note = f"section marker damaged: recovered ({numeral_text(numeral)}) by order"
    # 3. markers: "(二)3" when numbering restarts per section, the number as written otherwise.
    numbers = [b.number for b in bl if b.kind == "activity" and b.number is not None]
    restarts = any(b <= a for a, b in zip(numbers, numbers[1:]))
    segments: list[Segment] = []
    section_label: str | None = None
    section_numeral: int | None = None
    seen_item_in_section = False
    for block, zone in zip(bl, zones):
        if block.kind == "section":
            section_numeral = block.numeral
            seg = _segment(block, None)
            section_label = seg.text
            seen_item_in_section = False
            block.marker = f"({numeral_text(block.numeral or 0)})"
            segments.append(replace(seg, marker=block.marker))
            continue
        if block.kind == "heading":
            section_label, section_numeral = None, None
        if block.kind == "activity" and block.number is not None:
            match = _ITEM.match(block.lines[0].text)
            written = (match.group(1) or match.group(2)) if match else str(block.number)
            restarted = restarts and section_numeral
            block.marker = f"({numeral_text(section_numeral or 0)}){block.number}" if restarted else written
            seen_item_in_section = True
        elif block.kind == "orphan":
            block.kind = "section-intro" if (section_label and not seen_item_in_section) else (
                "preamble" if zone == "start" and not numbers else "text")
        segments.append(_segment(block, section_label if block.kind != "heading" else None))
    return _attach_trailing_text(segments), explicit_sections


def _attach_trailing_text(segments: list[Segment]) -> list[Segment]:
    """A closed paragraph after an item, before the next item, is the item's next paragraph."""
    out: list[Segment] = []
    for seg in segments:
        if seg.kind == "text" and out and out[-1].kind == "activity":
            prev = out[-1]
            parts = prev.parts + tuple((a, b, "\n" if i == 0 else j) for i, (a, b, j) in enumerate(seg.parts))
            out[-1] = replace(prev, text=prev.text + "\n" + seg.text, end=seg.end, parts=parts)
        elif seg.kind == "text":
            out.append(replace(seg, kind="preamble" if not any(s.kind == "activity" for s in out) else "closing"))
        else:
            out.append(seg)
    return out


def segment_numbered(text: str) -> list[Segment]:
    """Numbered items (``1.``, ``1、``, ``１．``) under optional (一)/一、 sections."""
    segments, _ = _resolve_numbered(_first_pass(split_lines(text), subs_are_activities=False))
    return segments


def segment_chinese_sections(text: str) -> list[Segment]:
    """(一)-style paragraphs as the activities, under a 一、 heading such as 三、活动重点."""
    blocks = _first_pass(split_lines(text), subs_are_activities=True)
    has_activity_zone = any(z == "activities" for _, z in blocks)
    segments: list[Segment] = []
    section: str | None = None
    previous: int | None = None
    for block, zone in blocks:
        if block.kind == "heading":
            section = None
        if block.kind == "activity":
            if has_activity_zone and zone != "activities":
                block.kind = "section"  # (一) paragraphs outside the activity zone (guess: headings)
            elif block.numeral is not None:
                block.marker = f"({numeral_text(block.numeral)})"
            if block.kind == "activity" and block.numeral is None:  # a marker lost to mojibake: its numeral by order
                block.numeral = (previous or 0) + 1
                block.marker = f"({numeral_text(block.numeral)})"
                block.note = f"item marker damaged: recovered {block.marker} by order"
            previous = block.numeral
        elif block.kind == "orphan" and segments and segments[-1].kind == "activity" \
                and is_field_line(block.lines[0].text):
            segments[-1] = _with_lines(segments[-1], block.lines)  # 时间：/地点：/牵头单位： lines of the item
            continue
        elif block.kind == "orphan":
            block.kind = "preamble" if zone == "start" else "section-intro"
        seg = _segment(block, section)
        if block.kind == "heading":
            section = seg.text
        segments.append(seg)
    return segments


def is_field_line(text: str) -> bool:
    """True for a line that starts with a field label (活动时间：, 牵头单位：)."""
    from loaders.cues import cues  # local: the cue words are only needed by the field layouts

    match = cues().field_pattern.match(text)
    return match is not None


def _with_lines(seg: Segment, lines: list[Line]) -> Segment:
    """An item with the field lines that follow it, one per line."""
    parts = seg.parts + tuple((line.start, line.end, "\n") for line in lines)
    text = seg.text + "".join("\n" + line.text for line in lines)
    return replace(seg, text=text, end=lines[-1].end, parts=parts)


def segment_enumeration(text: str) -> list[Segment]:
    """Paragraphs enumerating with 一是…二是… (one activity per enumerated clause)."""
    segments: list[Segment] = []
    lines = split_lines(text)
    roles = special_lines(lines)
    for index, line in enumerate(lines):
        if index in roles:
            segments.append(_segment(_Block(roles[index], [line]), None))
            continue
        hits = [m for m in _ENUM.finditer(line.text) if m.start() == 0 or line.text[m.start() - 1] in "。；;，,：:"]
        if hits and hits[0].start() != 0 and _inline_enumeration(line.text, hits):
            a, b = line.start, line.start + hits[0].start()
            segments.append(Segment("preamble", None, None, line.text[:hits[0].start()], a, b, parts=((a, b, ""),)))
        elif len(hits) < 1 or hits[0].start() != 0:
            segments.append(Segment("preamble", None, None, line.text, line.start, line.end,
                                    parts=((line.start, line.end, ""),)))
            continue
        for i, hit in enumerate(hits):
            end = hits[i + 1].start() if i + 1 < len(hits) else len(line.text)
            a, b = line.start + hit.start(), line.start + end
            segments.append(Segment("activity", hit.group(0), None, line.text[hit.start():end], a, b,
                                    parts=((a, b, ""),)))
    return _join_open_segments(segments)


def _inline_enumeration(text: str, hits: list[re.Match[str]]) -> bool:
    """一是…二是… after a colon inside a paragraph (我县重点开展了以下活动：一是举办…；二是开展…),
    each item an action (一是更加注重… lists features, not activities)."""
    from loaders.cues import cues  # local: the cue words are only needed here and for field lines

    verbs = cues().words("activity_verbs")
    actions = sum(1 for h in hits if text[h.end():].startswith(verbs))
    return len(hits) >= 2 and text[hits[0].start() - 1] in "：:" and actions * 2 >= len(hits)


def _join_open_segments(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if out and is_open(out[-1].text) and seg.kind == "preamble" and out[-1].kind in _JOINABLE + ("summary",):
            prev = out[-1]
            out[-1] = replace(prev, text=prev.text + seg.text, end=seg.end, parts=prev.parts + seg.parts)
        else:
            out.append(seg)
    return out


def segment_department_colon(text: str) -> list[Segment]:
    """``部门：任务`` lines (商务部：组织开展…), one activity per department."""
    blocks: list[_Block] = []
    for line in split_lines(text):
        name = dept_name(line.text)
        if name:
            blocks.append(_Block("activity", [line], marker=name))
        elif blocks and not blocks[-1].closed():
            blocks[-1].lines.append(line)
        elif not blocks or blocks[-1].kind != "activity":
            kind = "fragment-tail" if not blocks else "preamble"
            blocks.append(_Block(kind, [line], note="text before the first department: the tail of a cut-off entry"
                                 if kind == "fragment-tail" else None))
        else:
            blocks.append(_Block("unrecognised", [line], note="line of no department inside a department list"))
    return [_segment(b, None) for b in blocks]


def is_place_heading(text: str, names: frozenset[str]) -> bool:
    """True for a line that is the name of a county-level unit, also under its newer suffix (a 县 that
    became a 区 or a 市 after the reference table was made: 罗江县 → 罗江区)."""
    if text in names:
        return True
    return len(text) >= 3 and text.endswith(("区", "市")) and text[:-1] + "县" in names


def segment_district_report(text: str) -> list[Segment]:
    """A report: district heading line (黄浦区), its title line, then dated paragraphs."""
    from loaders.places import places  # local: the table is only needed for this layout

    names = places().district_names
    lines = split_lines(text)
    heads = [i for i, line in enumerate(lines[:-1]) if is_place_heading(line.text, names)]
    if len(heads) < 2:
        return []
    segments: list[Segment] = []
    roles = special_lines(lines[: heads[0]])
    for i, line in enumerate(lines[: heads[0]]):
        kind = roles.get(i) or ("summary" if _ENUM.match(line.text) else "preamble")
        segments.append(_segment(_Block(kind, [line]), None))
    segments = _join_open_segments(segments)
    for n, head in enumerate(heads):
        stop = heads[n + 1] if n + 1 < len(heads) else len(lines)
        body = lines[head + 1: stop]
        if not body:  # a heading followed at once by another: no event to read, said as a warning
            segments.append(_segment(_Block("unrecognised", [lines[head]], marker=lines[head].text,
                                            note=f"district heading {lines[head].text} without an event"), None))
            continue
        title_seg = _segment(_Block("activity", body[:1]), None)
        rest = _segment(_Block("activity", body[1:]), None) if len(body) > 1 else None
        parts = title_seg.parts + (tuple((a, b, "\n" if i == 0 else j) for i, (a, b, j) in enumerate(rest.parts))
                                   if rest else ())
        text = title_seg.text + ("\n" + rest.text if rest else "")
        segments.append(Segment("activity", lines[head].text, None, text, body[0].start, body[-1].end,
                                title=body[0].text, parts=parts))
        segments.append(_segment(_Block("district-heading", [lines[head]], marker=lines[head].text), None))
    return sorted(segments, key=lambda s: s.start)
