"""Detecting page-layout splices: a block of another document pasted into the middle of an item.

A splice shows as an item line that stops mid-word (no closing punctuation), followed by lines
of another layout (``部门：任务`` lines naming ministries, not numbered like the host), and then a
line that continues the broken sentence (``…人居质量等重点领`` + block + ``域，组织召开…``).
The block is cut out of the host (replaced by line breaks of the same length, so that every span
stays valid) and returned as a fragment of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.segment import Line, dept_name, is_open, item_number, split_lines

MIN_ENTRIES = 2  # department lines a block needs to count as another document (guess)


@dataclass(frozen=True)
class Splice:
    """A spliced block: its span in the text and the lines around it."""

    start: int
    end: int
    host_end: int  # end of the broken host line
    resume_start: int  # start of the line that continues the host's sentence
    entries: int  # department lines in the block


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
        elif item_number(text) is not None:
            return None
        previous_open = is_open(text)
        j += 1
    if entries < MIN_ENTRIES or j >= len(lines):
        return None
    return j, entries


def detect_splices(text: str) -> list[Splice]:
    """Every spliced block in ``text`` (simplified or repaired: only line shapes are used)."""
    lines = split_lines(text)
    host_entries = 0
    found: list[Splice] = []
    i = 0
    while i < len(lines) - 2:
        line = lines[i]
        if is_open(line.text) and not dept_name(line.text):
            end = _block_end(lines, i + 1)
            if end is not None:
                stop, entries = end
                resume = lines[stop]
                if item_number(resume.text) is None and not dept_name(resume.text):
                    found.append(Splice(lines[i + 1].start, lines[stop - 1].end, line.end, resume.start, entries))
                    i = stop
                    continue
        if dept_name(line.text):
            host_entries += 1
        i += 1
    # In a document that is itself department-by-department, such lines are not foreign.
    return found if host_entries < MIN_ENTRIES else []


def cut(text: str, splices: list[Splice]) -> str:
    """``text`` with every spliced block replaced by line breaks (same length: spans stay valid)."""
    chars = list(text)
    for splice in splices:
        for k in range(splice.start, splice.end):
            chars[k] = "\n"
    return "".join(chars)


def keep_only(text: str, splice: Splice) -> str:
    """``text`` with everything but one block replaced by line breaks (same length)."""
    return "\n" * splice.start + text[splice.start:splice.end] + "\n" * (len(text) - splice.end)
