"""Pure text repairs. FIRST PASS: pinyin glosses only (the repair issue completes this)."""

from __future__ import annotations

import re

_GLOSS = re.compile(r"(?<=[\u3400-\u9fff])\(([a-zü]+[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*|[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)\)")


def strip_pinyin_glosses(text: str) -> tuple[str, list[str]]:
    """Drop pinyin glosses written after a character: ``發(fā)展`` → ``發展``."""
    new, count = _GLOSS.subn("", text)
    return new, ([f"pinyin glosses removed: {count}"] if count else [])


def repair(text: str) -> tuple[str, list[str]]:
    """Apply every repair in order; return the repaired text and one note per repair kind."""
    notes: list[str] = []
    for step in (strip_pinyin_glosses,):
        text, step_notes = step(text)
        notes.extend(step_notes)
    return text, notes
