"""Pure text repairs: each takes a ``str`` and returns ``(text, notes)``; no I/O, no rdflib.

``repair`` runs them in a fixed order and returns one note per repair kind, with counts,
for ``qg:repairNote``:

1. ``normalise_controls`` — drop control characters (except ``\\n`` and ``\\t``), lone
   surrogates and zero-width characters; ``\\r\\n``/``\\r`` become ``\\n``.
2. ``realign_gbk_offset`` — re-read runs of GBK text that were decoded one byte off
   (the model and the scoring are described in the section below).
3. ``strip_pinyin_glosses`` — drop ``(fā)``-style pinyin glosses written after a character.
4. ``normalise_whitespace`` — NBSP, ideographic and other Unicode spaces become ASCII
   spaces; spaces and tabs at both ends of a line go (indentation carries no meaning in
   plain-text plans; the segmenter works on markers).

Every step is idempotent and leaves clean simplified text unchanged (the property tests
in ``tests/loaders/test_repair_properties.py`` check both).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from loaders.script import to_simplified

Repair = Callable[[str], tuple[str, list[str]]]

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_LETTERS = "a-zü" + _TONED
# A gloss: one toned pinyin syllable in ASCII or full-width parentheses right after a CJK
# character (``發(fā)``); the tone mark is required, so ``(AQI)``, ``(一)``, ``(2021年)`` stay.
_GLOSS = re.compile(
    rf"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])[(（]"
    rf"(?=[{_PINYIN_LETTERS}]{{1,6}}[)）])[a-zü]{{0,4}}[{_TONED}][a-zü{_TONED}]{{0,4}}[)）]"
)
# What is left of a gloss whose character (and opening parenthesis) a decoding error ate:
# ``�lián)系人`` → ``�系人``.
_GLOSS_REMNANT = re.compile(rf"(?<=\ufffd)[(（]?[a-zü]{{0,4}}[{_TONED}][a-zü{_TONED}]{{0,4}}[)）]")

# Control characters except \t and \n, lone surrogates, zero-width and bidi marks, BOM.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)
# Unicode spaces other than the ASCII space and tab.
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_LINE_ENDS = re.compile(r"^[ \t]+|[ \t]+$", re.MULTILINE)


def normalise_controls(text: str) -> tuple[str, list[str]]:
    r"""Drop control characters (except ``\n``, ``\t``), lone surrogates and zero-width marks.

    >>> normalise_controls("质量\x00月\r\n")
    ('质量月\n', ['control characters removed: 1'])
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    new, count = _CONTROLS.subn("", text)
    return new, ([f"control characters removed: {count}"] if count else [])


def normalise_whitespace(text: str) -> tuple[str, list[str]]:
    """Turn NBSP and ideographic spaces into ASCII spaces; drop spaces at both ends of lines.

    The count is the Unicode spaces replaced plus the line ends trimmed.

    >>> normalise_whitespace("加强质量支撑\u3000共建质量强国 \\n")
    ('加强质量支撑 共建质量强国\\n', ['spaces normalised: 2'])
    """
    text, spaces = _SPACES.subn(" ", text)
    text, ends = _LINE_ENDS.subn("", text)
    count = spaces + ends
    return text, ([f"spaces normalised: {count}"] if count else [])


def strip_pinyin_glosses(text: str) -> tuple[str, list[str]]:
    """Drop pinyin glosses written after a character: ``發(fā)展`` → ``發展``.

    >>> strip_pinyin_glosses("推動高質量發(fā)展(2021年)")
    ('推動高質量發展(2021年)', ['pinyin glosses removed: 1'])
    """
    new, count = _GLOSS.subn("", text)
    new, remnants = _GLOSS_REMNANT.subn("", new)
    count += remnants
    return new, ([f"pinyin glosses removed: {count}"] if count else [])


# --- GBK realignment ---------------------------------------------------------------------
#
# Model.  Some publishing pipelines read GBK bytes one byte off: the lead byte of a
# character comes out as "?" and every following pair is read across character boundaries
# (the trail byte of one character + the lead byte of the next).  "。現將" = A1A3 AC46 8CA2
# comes out as "?" "，" (A3AC) "F" (46) "將": the wrong reading ends by itself where a
# trail byte in 0x40-0x7E is read as an ASCII character ("F", "|", "_").  Pairs that are
# invalid in the wrong reading are dropped (two bytes lost) or written "?", and full-width
# punctuation may have been folded to ASCII afterwards (",", ";", "!").
#
# Repair.  From each "?", re-encode the characters that follow (ASCII punctuation and
# digits as their full-width forms, an inner "?" as two unknown bytes) and read the bytes
# again one byte earlier (the first character is the lost lead byte + the first byte), up
# to where both readings meet.  Up to two dropped pairs are tried.  Every unknown byte is
# filled with the most plausible character, or U+FFFD when no candidate is clearly best.
# The new reading is kept only when it scores clearly better than the text as written.
# Plausibility: common punctuation, CJK characters whose simplified form is in GB2312
# level 1, bigrams seen elsewhere in the same document, "（一）"-style section markers;
# rare symbols (bopomofo, box drawing, small forms, kana, pinyin letters) score low.

_MAX_RUN = 32
_MAX_GAPS = 3
_MIN_COVER = 2
_GAP_COST = 2.0
_MIN_GAIN = 3.0
_MARGIN = 0.5
_BIGRAM_BONUS = 1.5
_MARKER_BONUS = 2.0
_UNKNOWN = "\ufffd"
_NUMERALS = frozenset("一二三四五六七八九十")
_OPEN = frozenset("（(")
_CLOSE = frozenset("）)")
_PUNCT = {
    "，": 1.6, "。": 1.5, "、": 1.4, "“": 1.3, "”": 1.3, "（": 1.2, "）": 1.2, "　": 1.2,
    "：": 1.1, "；": 1.1, "《": 1.0, "》": 1.0, "！": 0.8, "？": 0.8, "…": 0.7, "—": 0.7,
}
_CLOSING = frozenset("，。、；：！？）》”")
_LINE_START = frozenset("\n\u3000 （(")
_ASCII_PUNCT = frozenset(",.;:!?()")
_CJK_LEVEL_SCORE = {1: 1.0, 2: -0.5, 0: -1.5}
_LEADS = tuple(range(0x81, 0xFF))
_TRAILS = tuple(b for b in range(0x40, 0xFF) if b != 0x7F)

Byte = int | None
Unit = tuple[Byte, ...]


@dataclass(frozen=True)
class _Reading:
    text: str
    score: float


def _gb2312_level(text: str) -> int:
    try:
        data = text.encode("gb2312")
    except UnicodeEncodeError:
        return 0
    if len(data) != 2:
        return 0
    return 1 if data[0] <= 0xD7 else 2


@lru_cache(maxsize=65536)
def _char_score(ch: str) -> float:
    if ch in (_UNKNOWN, "?"):
        return -2.0
    if ch in _PUNCT:
        return _PUNCT[ch]
    code = ord(ch)
    if 0x4E00 <= code <= 0x9FFF:
        return _CJK_LEVEL_SCORE[_gb2312_level(to_simplified(ch))]
    if code < 0x80:
        if ch.isdigit():
            return 0.0
        if ch.isalpha():
            return -1.0
        return 0.5 if ch in _ASCII_PUNCT else -3.0
    return -3.0


def _score(run: str, before: str, after: str, bigrams: Counter[str], discount: int = 0) -> float:
    """Plausibility of ``run`` between ``before`` and ``after``; ``discount``: own bigrams in the text."""
    total = sum(_char_score(ch) for ch in run)
    head = before[-3:]
    full = head + run + after[:1]
    for j in range(len(head), len(head) + len(run)):
        ch = full[j]
        if j > 0 and not full[j - 1].isascii() and not ch.isascii():
            if bigrams[full[j - 1] + ch] - discount >= 1:
                total += _BIGRAM_BONUS
        at_start = j == 0 or full[j - 1] in _LINE_START
        if ch == "\u3000" and (j == 0 or full[j - 1] == "\n"):
            total += _MARKER_BONUS
        if ch in _CLOSING and at_start:
            total -= _MARKER_BONUS
        if ch in _NUMERALS and j > 0 and full[j - 1] in _OPEN:
            total += _MARKER_BONUS
        if ch in _CLOSE:
            window = full[max(0, j - 3) : j]
            if any(c in _OPEN for c in window) and not any(c in _CLOSE for c in window):
                total += _MARKER_BONUS
    end = len(head) + len(run)
    if run and end < len(full) and not run[-1].isascii() and not full[end].isascii():
        if bigrams[run[-1] + full[end]] - discount >= 1:
            total += _BIGRAM_BONUS
    return total


def _decode_pair(lead: int, trail: int) -> str:
    try:
        return bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return _UNKNOWN


def _run_bytes(chars: str) -> tuple[list[Byte], list[int]]:
    """GBK bytes of the characters as written, and the byte offset where each one starts."""
    data: list[Byte] = []
    starts: list[int] = []
    for ch in chars:
        code = ord(ch)
        if ch == "?":
            encoded: list[Byte] = [None, None]
        elif 0x21 <= code < 0x40:
            encoded = [0xA3, 0x80 + code]
        elif 0x40 <= code < 0x7F:
            encoded = [code]
        elif code < 0x80 or ch == _UNKNOWN:
            break
        else:
            try:
                raw = ch.encode("gbk")
            except UnicodeEncodeError:
                break
            encoded = list(raw)
        starts.append(len(data))
        data.extend(encoded)
    return data, starts


def _shifted_units(data: list[Byte], starts: list[int]) -> tuple[list[Unit], int] | None:
    """Read ``data`` one byte earlier; return the units and how many written characters they cover."""
    if not data or data[0] is None or data[0] < 0x40:
        return None
    bounds = {offset: k for k, offset in enumerate(starts)}
    bounds[len(data)] = len(starts)
    units: list[Unit] = [(None, data[0])]
    p = 1
    while p not in bounds:
        if p >= len(data):
            return None
        byte = data[p]
        if byte is not None and byte < 0x80:
            units.append((byte,))
            p += 1
        elif p + 1 < len(data):
            units.append((byte, data[p + 1]))
            p += 2
        else:
            return None
    return units, bounds[p]


def _candidates(unit: Unit) -> Iterator[str]:
    lead, trail = unit
    if lead is None and trail is None:
        return
    pairs = ((b, trail) for b in _LEADS) if lead is None else ((lead, b) for b in _TRAILS)
    for a, b in pairs:
        ch = _decode_pair(a, b)  # type: ignore[arg-type]
        if ch != _UNKNOWN:
            yield ch


@lru_cache(maxsize=4096)
def _fill(unit: Unit, before: str, after: str, bigrams_key: int) -> str:
    """The most plausible character for a pair with one lost byte, or U+FFFD."""
    bigrams = _BIGRAMS[bigrams_key]
    scored = sorted((_score(ch, before, after, bigrams), ch) for ch in _candidates(unit))
    if not scored:
        return _UNKNOWN
    best_score, best = scored[-1]
    if len(scored) > 1 and best_score - scored[-2][0] < _MARGIN:
        return _UNKNOWN
    return best


_BIGRAMS: dict[int, Counter[str]] = {}


def _known(unit: Unit) -> str:
    if len(unit) == 1:
        return chr(unit[0])  # type: ignore[arg-type]
    lead, trail = unit
    if lead is None or trail is None:
        return ""
    return _decode_pair(lead, trail)


def _dropped_pair_ok(first: str, second: str) -> bool:
    """A dropped pair (trail byte of ``first``, lead byte of ``second``) must be invalid GBK."""
    if _UNKNOWN in (first, second):
        return True
    trail, lead = first.encode("gbk")[-1], second.encode("gbk")[0]
    return trail >= 0x81 and _decode_pair(trail, lead) == _UNKNOWN


def _read(units: list[Unit], gaps: tuple[int, ...], before: str, after: str, key: int) -> _Reading | None:
    """The reading of ``units`` with a dropped pair inside each unit in ``gaps``; None if impossible."""
    expanded: list[Unit] = []
    for k, unit in enumerate(units):
        expanded.extend([(unit[0], None), (None, unit[1])] if k in gaps else [unit])
    chars: list[str] = []
    for k, unit in enumerate(expanded):
        ch = _known(unit)
        if not ch:
            following = _known(expanded[k + 1]) if k + 1 < len(expanded) else after
            ch = _fill(unit, (before + "".join(chars))[-3:], following[:1], key)
        chars.append(ch)
    splits = [k + sum(1 for g in gaps if g < k) for k in gaps]
    if not all(_dropped_pair_ok(chars[k], chars[k + 1]) for k in splits):
        return None
    text = "".join(chars)
    return _Reading(text, _score(text, before, after, _BIGRAMS[key]) - _GAP_COST * len(gaps))


def _best_reading(units: list[Unit], before: str, after: str, key: int) -> _Reading | None:
    """The best reading of ``units`` allowing up to ``_MAX_GAPS`` dropped pairs."""
    splittable = [k for k, u in enumerate(units) if k and len(u) == 2 and u[0] is not None
                  and u[1] is not None and u[0] >= 0x81]
    best: _Reading | None = None
    for size in range(_MAX_GAPS + 1):
        for gaps in combinations(splittable, size):
            reading = _read(units, gaps, before, after, key)
            if reading is not None and (best is None or reading.score > best.score):
                best = reading
    return best


def _realign_at(text: str, i: int, key: int) -> tuple[str, int] | None:
    """The repaired run starting at the "?" at ``i`` and the index after it, or None."""
    data, starts = _run_bytes(text[i + 1 : i + 1 + _MAX_RUN])
    shifted = _shifted_units(data, starts)
    if shifted is None:
        return None
    units, covered = shifted
    if covered < _MIN_COVER:
        return None
    end = i + 1 + covered
    before, after = text[max(0, i - 3) : i], text[end : end + 1]
    reading = _best_reading(units, before, after, key)
    if reading is None:
        return None
    written = _score(text[i:end], before, after, _BIGRAMS[key], discount=1)
    if reading.score - written < _MIN_GAIN:
        return None
    return reading.text, end


def _realign_pass(text: str) -> tuple[str, int, int]:
    key = len(_BIGRAMS)
    _BIGRAMS[key] = Counter(text[j : j + 2] for j in range(len(text) - 1))
    try:
        out: list[str] = []
        pos = runs = lost = 0
        for match in re.finditer(r"\?", text):
            i = match.start()
            if i < pos:
                continue
            found = _realign_at(text, i, key)
            if found is None:
                continue
            repaired, end = found
            out += [text[pos:i], repaired]
            pos = end
            runs += 1
            lost += repaired.count(_UNKNOWN)
        out.append(text[pos:])
        return "".join(out), runs, lost
    finally:
        del _BIGRAMS[key]
        _fill.cache_clear()


def realign_runs(text: str) -> tuple[str, int, int]:
    """Realign every damaged run until none is left; return the text, runs and lost characters."""
    runs = lost = 0
    while "?" in text:
        text, new_runs, new_lost = _realign_pass(text)
        if not new_runs:
            break
        runs += new_runs
        lost += new_lost
    return text, runs, lost


def realign_gbk_offset(text: str) -> tuple[str, list[str]]:
    """Re-read runs of GBK text that were decoded one byte off: ``?,F將`` → ``。現將``.

    A run starts at a ``?`` that stands for a lost lead byte; it is re-encoded to GBK and
    read again one byte later.  Characters whose bytes are lost are written as U+FFFD.
    """
    new, runs, lost = realign_runs(text)
    if not runs:
        return text, []
    return new, [f"GBK mojibake realigned: {runs} runs, {lost} characters lost (marked \ufffd)"]


# A page that lost its line breaks (a scraped article flattened into one paragraph) still shows
# where its items begin: a numbered or (一)-marker right after the end of a sentence. Only long
# lines holding several such markers are split, so ordinary prose is never touched (a guess
# about unseen layouts, made general: any line over LONG_LINE characters with MIN_INLINE markers).
LONG_LINE = 400
MIN_INLINE = 3
_INLINE_MARKER = re.compile(
    r"(?<=[。；;！!)）])[ \t\u3000]*(?=(?:\d{1,4}[、．]|\d{1,4}\.(?!\d)|[（(][一二三四五六七八九十]{1,3}[)）]|"
    r"[一二三四五六七八九十]{1,3}、))"
)


def restore_line_breaks(text: str) -> tuple[str, list[str]]:
    r"""Move item markers that follow a sentence end or a ")" inside a long line to the start of a line.

    >>> restore_line_breaks("活动如下。1." + "开展质量宣传活动，" * 50 + "。2.举办论坛。3.开展培训。")[1]
    ['line breaks restored before item markers: 3']
    >>> restore_line_breaks("1.开展活动。\n2.举办论坛。")
    ('1.开展活动。\n2.举办论坛。', [])
    """
    count = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if len(line) < LONG_LINE:
            continue
        marks = list(_INLINE_MARKER.finditer(line))
        if len(marks) < MIN_INLINE - 1:
            continue
        lines[i], n = _INLINE_MARKER.subn("\n", line)
        count += n
    if not count:
        return text, []
    return "\n".join(lines), [f"line breaks restored before item markers: {count}"]


STEPS: tuple[Repair, ...] = (
    normalise_controls,
    realign_gbk_offset,
    strip_pinyin_glosses,
    restore_line_breaks,
    normalise_whitespace,
)


def repair(text: str) -> tuple[str, list[str]]:
    """Apply every repair in order; return the repaired text and one note per repair kind.

    The steps run again until the text no longer changes (a later step can expose damage to
    an earlier one), so ``repair`` is idempotent; the counts of all rounds are summed.
    """
    notes: list[str] = []
    for _round in range(_MAX_ROUNDS):
        before = text
        for step in STEPS:
            text, step_notes = step(text)
            notes.extend(step_notes)
        if text == before:
            break
    return text, _merge_notes(notes)


_MAX_ROUNDS = 4


def _merge_notes(notes: list[str]) -> list[str]:
    """Merge notes of the same kind by summing their counts, in first-seen order."""
    totals: dict[str, list[int]] = {}
    for note in notes:
        template = re.sub(r"\d+", "{}", note)
        counts = [int(n) for n in re.findall(r"\d+", note)]
        previous = totals.get(template)
        totals[template] = counts if previous is None else [a + b for a, b in zip(previous, counts)]
    return [template.format(*counts) for template, counts in totals.items()]
