"""Detecting page-layout splices: a block of another document pasted into a plan.

Two shapes are recognised (both are guesses about unseen layouts, made from the Shanghai 2018
plan and the bench generator):

* a **broken sentence**: an item line stops mid-word (no closing punctuation), lines of another
  layout follow (``部门：任务`` lines, not numbered like the host), then a line continues the broken
  sentence (``…人居质量等重点领`` + block + ``域，组织召开…``);
* a **foreign run** between complete lines: two or more ``部门：任务`` lines naming *national*
  bodies (gazetteer level national) inside a document whose own structure is another layout
  (numbered items, (一) sections or district headings).

The block is cut out of the host (replaced by line breaks of the same length, so that every span
stays valid) and returned as a fragment of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.segment import _SUB, _TOP, Line, blank, dept_name, is_open, item_number, split_lines, zone_of_line

MIN_ENTRIES = 2  # department lines a block needs to count as another document (guess)
_ENUM_START = re.compile(r"^[一二三四五六七八九十]{1,3}是")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")


@dataclass(frozen=True)
class Splice:
    """A spliced block: its span in the text and the lines around it."""

    start: int
    end: int
    host_end: int  # end of the line before the block
    resume_start: int  # start of the line after the block (-1 at the end of the text)
    entries: int  # department lines in the block


def _is_heading(text: str) -> bool:
    from loaders.places import places

    return bool(_TOP.match(text) or _SUB.match(text) or zone_of_line(text) or _DATE_LINE.match(text)
                or text in places().district_names)


def _block_end(lines: list[Line], first: int) -> tuple[int, int] | None:
    """Index past the block that starts at ``first`` and its number of department lines."""
    entries = 0
    j = first
    previous_open = True  # the host line was open: the first block line may be a cut-off tail
    while j < len(lines):
        text = lines[j].text
        if dept_name(text):
            entries += 1
        elif not previous_open and entries:
            break  # a closed entry followed by a non-department line: the host resumes here
        elif not previous_open:
            return None  # only one cut-off tail paragraph may come before the first department
        elif item_number(text) is not None or _is_heading(text):
            return None
        previous_open = is_open(text)
        j += 1
    if entries < MIN_ENTRIES or j >= len(lines):
        return None
    return j, entries


def _broken_sentence(lines: list[Line]) -> list[tuple[int, int, int]]:
    """(first, stop, entries) of blocks that sit inside a broken sentence."""
    found = []
    i = 0
    while i < len(lines) - 2:
        line = lines[i]
        if is_open(line.text) and not dept_name(line.text) and not _is_heading(line.text):
            end = _block_end(lines, i + 1)
            if end is not None:
                stop, entries = end
                resume = lines[stop].text
                if item_number(resume) is None and not dept_name(resume) and not _is_heading(resume):
                    found.append((i + 1, stop, entries))
                    i = stop
                    continue
        i += 1
    return found


def _is_national(name: str) -> bool:
    from loaders.gazetteer import gazetteer  # local: the gazetteer is only needed here

    ref = gazetteer().resolve(name, None)
    return ref is not None and ref.known and ref.scope == ("cn",)


def _foreign_runs(lines: list[Line], taken: set[int]) -> list[tuple[int, int, int]]:
    """(first, stop, entries) of runs of national department lines between complete lines."""
    runs = []
    i = 0
    while i < len(lines):
        if i in taken or not dept_name(lines[i].text):
            i += 1
            continue
        j, entries = i, 0
        while j < len(lines) and j not in taken:
            name = dept_name(lines[j].text)
            if name:
                if not _is_national(name):
                    break
                entries += 1
            elif not is_open(lines[j - 1].text):
                break
            j += 1
        before = lines[i - 1].text if i > 0 else ""
        if entries >= MIN_ENTRIES and i > 0 and (not is_open(before) or _is_heading(before)):
            runs.append((i, j, entries))
        i = max(j, i + 1)
    return runs


def _host_structure(lines: list[Line], skip: set[int]) -> int:
    """Lines outside the blocks that belong to another layout (items, sections, district heads) or
    name departments that are not national (a city's own department list)."""
    from loaders.places import places

    districts = places().district_names
    return sum(1 for k, line in enumerate(lines) if k not in skip and (
        item_number(line.text) is not None or _SUB.match(line.text) or _ENUM_START.match(line.text)
        or line.text in districts or (dept_name(line.text) and not _is_national(dept_name(line.text) or ""))))


def detect_splices(text: str) -> list[Splice]:
    """Every spliced block in ``text`` (simplified or repaired: only line shapes are used)."""
    lines = split_lines(text)
    blocks = _broken_sentence(lines)
    taken = {k for first, stop, _ in blocks for k in range(first, stop)}
    runs = _foreign_runs(lines, taken)
    run_lines = {k for first, stop, _ in runs for k in range(first, stop)}
    if _host_structure(lines, taken | run_lines) < MIN_ENTRIES:
        runs = []  # the document is itself department by department: its lines are not foreign
    blocks = sorted(blocks + runs)
    host_entries = sum(1 for k, line in enumerate(lines)
                       if k not in taken and k not in run_lines and dept_name(line.text))
    if host_entries >= MIN_ENTRIES and not runs:
        return []  # a department-colon document: such lines are its own
    return [
        Splice(lines[first].start, lines[stop - 1].end, lines[first - 1].end if first else 0,
               lines[stop].start if stop < len(lines) else -1, entries)
        for first, stop, entries in blocks
    ]


def cut(text: str, splices: list[Splice]) -> str:
    """``text`` with every spliced block replaced by line breaks (same length: spans stay valid)."""
    return blank(text, [(splice.start, splice.end) for splice in splices])


def keep_only(text: str, splice: Splice) -> str:
    """``text`` with everything but one block replaced by line breaks (same length)."""
    return "\n" * splice.start + text[splice.start:splice.end] + "\n" * (len(text) - splice.end)
