"""The issuing unit of a document: the country, a province, a city, a county or a district.

Read from the whole simplified text, page furniture included, because a county's news often
names its county only in the site's name, the source line or the footer. Three kinds of
evidence, with the cue words in ``reference/places.yaml``:

* **where a place is named**: in the head (site name, breadcrumbs, headline, date bar), in a
  source or issuer line (来源：…, 发布机构 | …, 主办：…) or in the signature, which name the issuer;
  or in the body, as the prefix of a body's name (绍兴市柯桥区市场监管局) or merely in passing
  (an event held 在天元区神农城广场);
* **the voice**: the issuer's own bodies carry only their unit word (县质监局, 区教育局,
  市市场监管局, 省市场监管局) and it speaks of 全县/我区/本市, so the unit word most used tells the
  level of the issuer;
* **national actors** (质检总局, 国家…委, 教育部) under a headline naming 全国, and **masks** (xx县).

The issuer is the place named in the head, source or signature whose unit word is the voice's
(the most specific on a tie); failing that, the one body-named place of the voice's unit; a
local voice with no real place gives the unknown place, with a note saying why.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from loaders.places import COUNTRY, UNKNOWN, Place, Places, places

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE_END = re.compile(r"[。；;！？!?]")
_DATE_ONLY = re.compile(r"^[\d\s年月日.\-/:：]+$")
STRONG_ZONES = ("head", "meta", "signature")


@dataclass(frozen=True)
class Mention:
    """A place named in the text."""

    place: Place
    start: int
    end: int
    zone: str  # head | meta | signature | body
    agency: bool = False  # the prefix of a body's name (芙蓉区市场监管局)
    unit: str | None = None  # the unit word of the name as written (区 for 罗江区, the table's 罗江县)


@dataclass(frozen=True)
class Finding:
    """The issuing unit of a document, with the note a caller should log when it is unknown."""

    place: Place
    note: str | None = None
    mentions: tuple[Mention, ...] = field(default=(), repr=False)
    voice: str | None = None  # the unit word of the issuer's own bodies (县, 区, 市, 州, 省), if clear

    @property
    def city(self) -> Place | None:
        """The prefecture-level city (qg:city): the place itself for a city, None above cities and
        for the unknown place."""
        return places().city_of(self.place)


# -- cue words ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Cues:
    data: dict[str, Any]

    def words(self, key: str) -> tuple[str, ...]:
        return tuple(sorted((str(w) for w in self.data.get(key) or ()), key=len, reverse=True))

    def number(self, key: str) -> int:
        return int(self.data[key])


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    text = files("loaders").joinpath("reference/places.yaml").read_text(encoding="utf-8")
    return _Cues(yaml.safe_load(text))


@lru_cache(maxsize=1)
def _regexes() -> dict[str, re.Pattern[str]]:
    c = _cues()
    ends = "|".join(map(re.escape, c.words("body_ends")))
    labels = "|".join(map(re.escape, c.words("meta_labels")))
    seps = "".join(re.escape(s) for s in c.words("meta_separators"))
    return {
        "body": re.compile(rf"[\u4e00-\u9fff]{{0,{c.number('body_max_chars') - 1}}}?(?:{ends})"),
        "meta": re.compile(rf"(?:{labels})\s*[{seps}]"),
        "national": re.compile("|".join(f"(?:{p})" for p in c.data["national_bodies"])),
        "masked": re.compile(c.data["masked"]),
    }


def unit_word(place: Place) -> str | None:
    """The unit word the bodies of ``place`` are named with (县 for 武功县, 市 for 桐城市).

    >>> unit_word(places().by_code["532924"]), unit_word(places().by_code["532900"])
    ('县', '州')
    """
    if place.level in ("country", "unknown"):
        return None
    units: dict[str, str | None] = _cues().data["place_units"]
    for suffix in sorted(units, key=len, reverse=True):
        if place.name.endswith(suffix):
            return units[suffix]
    return None


# -- zones ----------------------------------------------------------------------------------------
def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        out.append((pos, pos + len(stripped)))
        pos += len(line)
    return out


def _head_lines(filled: list[tuple[int, str]]) -> list[int]:
    """The indices of the head's lines: every line up to the headline (addressee lines left out)."""
    c = _cues()
    top = []
    for i, line in filled[: c.number("head_max_lines")]:
        if len(line) >= c.number("paragraph_chars") and _SENTENCE_END.search(line):
            break
        top.append((i, line))

    def navigation(line: str) -> bool:
        return any(m in line for m in c.words("navigation_marks")) and not line.startswith(c.words("title_labels"))

    titles = [k for k, (_, line) in enumerate(top) if not navigation(line)]
    for words in (c.words("headline_words"), c.words("title_words")):
        named = [k for k in titles if any(w in top[k][1] for w in words)]
        if named:
            titles = named
            break
    last = titles[0] if titles else len(top) - 1
    return [i for i, line in top[: last + 1] if not line.endswith(c.words("addressee_ends"))]


def zones(text: str) -> list[tuple[int, int, str]]:
    """Each line's span and zone: head, meta (a source or issuer line), signature or body."""
    c, meta = _cues(), _regexes()["meta"]
    lines = _lines(text)
    filled = [i for i, (s, e) in enumerate(lines) if text[s:e].strip()]
    head = set(_head_lines([(i, text[lines[i][0]:lines[i][1]].strip()) for i in filled]))
    signature: set[int] = set()
    for i in filled[-c.number("signature_lines"):]:
        line = "".join(text[lines[i][0]:lines[i][1]].split())
        if (len(line) <= c.number("signature_chars") and not _SENTENCE_END.search(line)
                and line.endswith(c.words("signature_ends")) and i not in head):
            signature.add(i)
    out = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if len(line.strip()) <= c.number("meta_line_chars") and meta.search(line):
            zone = "meta"
        else:
            zone = "head" if i in head else "signature" if i in signature else "body"
        out.append((s, e, zone))
    return out


# -- place names ----------------------------------------------------------------------------------
_Alias = tuple[str, tuple[Place, ...], bool, str | None]  # name, places, is a short name, unit word


@lru_cache(maxsize=1)
def _aliases() -> dict[str, list[_Alias]]:
    """Names by first character, longest first.

    Besides full names: short names of provinces and cities (株洲, 甘肃), 大理州 for 大理白族自治州,
    and the 区 a county became (撤县设区: 罗江县 → 罗江区, 赣县 → 赣县区, 长乐市 → 长乐区), which the
    table (of 2016) does not know yet; such a mention keeps the unit word 区 it was written with.
    """
    table = places()
    names: dict[str, list[Place]] = {name: list(ps) for name, ps in table.by_name.items()}
    became: dict[str, list[Place]] = {}
    for place in table.counties:
        alias = (place.short if place.short != place.name else place.name) + "区"
        if place.name.endswith(("县", "市")) and not place.name.endswith("自治县") and alias not in names:
            became.setdefault(alias, []).append(place)
    shorts: dict[str, list[Place]] = {}
    for place in [*table.provinces, *table.cities]:
        if place.short != place.name and place.short not in names and (place.city is None):
            shorts.setdefault(place.short, []).append(place)
    for place in table.by_code.values():  # 大理州 for 大理白族自治州, 长阳县 for 长阳土家族自治县
        for suffix, unit in (("自治州", "州"), ("自治县", "县"), ("自治旗", "旗")):
            alias = place.short + unit
            if place.name.endswith(suffix) and alias != place.name and alias not in names:
                names.setdefault(alias, []).append(place)
    index: dict[str, list[_Alias]] = {}
    for name, ps in names.items():
        index.setdefault(name[0], []).append((name, tuple(ps), False, None))
    for name, ps in became.items():
        index.setdefault(name[0], []).append((name, tuple(ps), False, "区"))
    for name, ps in shorts.items():
        index.setdefault(name[0], []).append((name, tuple(ps), True, None))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


def _is_cjk(char: str) -> bool:
    return bool(_CJK.match(char))


@dataclass
class _Raw:
    start: int
    end: int
    candidates: tuple[Place, ...]
    prefixed: bool = False
    unit: str | None = None


def _accept(text: str, i: int, alias: _Alias, previous: _Raw | None) -> bool:
    c = _cues()
    name, _, short, unit = alias
    after = text[i + len(name):]
    if short:
        return not after.startswith(c.words("short_name_stops"))
    for suffix, stops in (c.data.get("name_stops") or {}).items():
        if name.endswith(suffix) and after.startswith(tuple(stops)):
            return False
    if len(name) <= c.number("short_full_name_chars") or unit is not None:  # 和县, 城区; 会同区 is 会同 + 区…
        return i == 0 or not _is_cjk(text[i - 1]) or (previous is not None and previous.end == i)
    return True


def _scan(text: str, table: Places) -> list[_Raw]:
    """Every place name in ``text``, leftmost-longest, with a city's unit named by its short name
    right after the city (绍兴柯桥) and candidates narrowed by the city or province before them."""
    index, out, i = _aliases(), [], 0
    while i < len(text):
        previous = out[-1] if out else None
        for alias in index.get(text[i], ()):
            name, candidates, _, unit = alias
            if text.startswith(name, i) and _accept(text, i, alias, previous):
                raw = _Raw(i, i + len(name), candidates, unit=unit)
                if previous is not None and previous.end == i:
                    inside = tuple(p for p in candidates if any(
                        q in table.lineage(p)[1:] for q in previous.candidates))
                    if inside:
                        raw.candidates, raw.prefixed = inside, True
                out.append(raw)
                i = raw.end
                if len(candidates) == 1 and candidates[0].level == "city":
                    i = _unit_short_after(text, i, candidates[0], table, out)
                break
        else:
            i += 1
    return out


def _unit_short_after(text: str, i: int, city: Place, table: Places, out: list[_Raw]) -> int:
    for unit in sorted(table.districts(city), key=lambda u: -len(u.short)):
        if len(unit.short) >= 2 and unit.short != unit.name and text.startswith(unit.short, i) \
                and not text.startswith(unit.name, i):
            out.append(_Raw(i, i + len(unit.short), (unit,), prefixed=True))
            return i + len(unit.short)
    return i


def _resolve(raws: list[_Raw], table: Places) -> list[tuple[_Raw, Place]]:
    """Each mention with its one place: an ambiguous name (朝阳区, 城区) only when exactly one of
    its candidates lies in a place named unambiguously elsewhere in the text."""
    known = {r.candidates[0] for r in raws if len(r.candidates) == 1}
    context = {p for place in known for p in table.lineage(place)[:-1]}
    out = []
    for raw in raws:
        if len(raw.candidates) == 1:
            out.append((raw, raw.candidates[0]))
            continue
        fitting = [p for p in raw.candidates if any(q in context for q in table.lineage(p)[1:-1])]
        if len(fitting) == 1:
            out.append((raw, fitting[0]))
    return out


def mentions(text: str) -> list[Mention]:
    """Every place named in ``text`` with its zone (ambiguous names left out)."""
    table = places()
    spans = zones(text)
    body_re = _regexes()["body"]
    resolved = _resolve(_scan(text, table), table)
    starts = {raw.start for raw, _ in resolved}
    out, z = [], 0
    for raw, place in resolved:
        while z < len(spans) - 1 and spans[z][1] < raw.start:
            z += 1
        chained = raw.end in starts  # 长沙市芙蓉区…: the body belongs to the last name
        agency = not chained and bool(body_re.match(text, raw.end))
        out.append(Mention(place, raw.start, raw.end, spans[z][2], agency, raw.unit or unit_word(place)))
    return out


# -- the voice ------------------------------------------------------------------------------------
def voice_counts(text: str, named: list[tuple[int, int]]) -> Counter[str]:
    """How often each unit word names a body of the issuer (县质监局) or its own unit (全县), in
    ``text`` with the spans of place names blanked out."""
    c = _cues()
    chars = list(text)
    for start, end in named:
        chars[start:end] = "#" * (end - start)
    blank = "".join(chars)
    units: dict[str, str | None] = c.data["place_units"]
    counts: Counter[str] = Counter()
    words, stops, allowed, blockers = (c.words(k) for k in (
        "voice_words", "unit_word_stops", "unit_word_allowed", "unit_word_blockers"))
    own = c.words("own_unit_prefixes")
    body_re = _regexes()["body"]
    i = 0
    while i < len(blank):
        word = next((w for w in words if blank.startswith(w, i)), None)
        if word is None:
            i += 1
            continue
        unit = units.get(word)
        after, end = blank[i + len(word):], i + len(word)
        if blank[:i].endswith(own) and not after.startswith(stops):
            counts[unit or word] += 1
            i = end
            continue
        if blank[:i].endswith(blockers) or (after.startswith(stops) and not after.startswith(allowed)):
            i += 1
            continue
        body = body_re.match(blank, end)
        if body:
            counts[unit or word] += 1
            i = body.end()
        else:
            i += 1
    return counts


def _dominant(counts: Counter[str]) -> str | None:
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


# -- the decision ---------------------------------------------------------------------------------
@dataclass
class _Evidence:
    strong: int = 0
    agency: int = 0
    plain: int = 0
    first: int = 0
    units: set[str] = field(default_factory=set)


def _evidence(found: list[Mention]) -> dict[Place, _Evidence]:
    out: dict[Place, _Evidence] = {}
    for m in found:
        ev = out.setdefault(m.place, _Evidence(first=m.start))
        if m.unit:
            ev.units.add(m.unit)
        if m.zone in STRONG_ZONES:
            ev.strong += 1
        elif m.agency:
            ev.agency += 1
        else:
            ev.plain += 1
    return out


def _best(candidates: list[Place], ev: dict[Place, _Evidence]) -> Place:
    return max(candidates, key=lambda p: (ev[p].strong, ev[p].agency + ev[p].plain, p.specificity,
                                          -ev[p].first))


def _only(candidates: list[Place]) -> Place | None:
    return candidates[0] if len(candidates) == 1 else None


def resolve_jurisdiction(text: str) -> Finding:
    """The issuing unit of a document and, for the unknown place, the reason (see the module doc)."""
    return _resolve_cached(text)


@lru_cache(maxsize=8)
def _resolve_cached(text: str) -> Finding:
    table, c, rx = places(), _cues(), _regexes()
    found = mentions(text)
    spans = zones(text)
    head = "".join(text[s:e] for s, e, zone in spans if zone == "head")
    counts = voice_counts(text, [(m.start, m.end) for m in found])
    voice = _dominant(counts)
    ev = _evidence(found)
    local = sum(counts.values()) + sum(e.agency for e in ev.values())
    national = len(rx["national"].findall(text))
    titled_national = any(w in head for w in c.words("national_words"))

    def finding(place: Place, note: str | None = None) -> Finding:
        return Finding(place, note, tuple(found), voice)

    if titled_national and national > local and not counts:
        return finding(COUNTRY)
    strong = [p for p, e in ev.items() if e.strong]
    if strong:
        voiced = [p for p in strong if voice in ev[p].units]
        if voiced:
            return finding(_best(voiced, ev))
        # a city's page carrying one county's or district's news: that unit's bodies act, in its voice
        inner = _only([p for p, e in ev.items() if e.agency and not e.strong and p.specificity > 2
                       and any(table.contains(s, p) for s in strong)])
        if inner is not None and voice in ev[inner].units:
            return finding(inner)
        if not (voice and rx["masked"].search(head)):
            return finding(_best(strong, ev))
    masked = rx["masked"].findall(text)
    if masked:
        return finding(UNKNOWN, f"place name masked in the text ({masked[0]}): jurisdiction unknown")
    named = [p for p, e in ev.items() if e.agency and (not voice or voice in e.units)]
    if not named:
        named = [p for p, e in ev.items() if not voice or voice in e.units]
    choice = _only(named) or _unique_top(named, ev)
    if choice is not None:
        return finding(choice)
    if titled_national or national > local:
        return finding(COUNTRY)
    return finding(UNKNOWN, _unknown_note(head, counts))


def _unique_top(candidates: list[Place], ev: dict[Place, _Evidence]) -> Place | None:
    ranked = sorted(candidates, key=lambda p: -(ev[p].agency * 2 + ev[p].plain))
    if len(ranked) >= 2 and ev[ranked[0]].agency * 2 + ev[ranked[0]].plain >= 2 * (
            ev[ranked[1]].agency * 2 + ev[ranked[1]].plain):
        return ranked[0]
    return None


def _unknown_note(head: str, counts: Counter[str]) -> str:
    lowered = head.lower()
    spam = [w for w in _cues().words("spam_words") if w.lower() in lowered]
    if counts:
        units = "、".join(f"{u}…" for u, _ in counts.most_common(2))
        reason = f"local bodies ({units}) but no place named"
        if spam:
            reason += f"; spam where the name was ({spam[0]})"
        return f"{reason}: jurisdiction unknown"
    return "no place named: jurisdiction unknown"


def find_jurisdiction(text: str) -> Place:
    """The issuing unit of a document (its qg:jurisdiction); the unknown place when the text names
    none (see ``jurisdiction_note``)."""
    return resolve_jurisdiction(text).place


def jurisdiction_note(text: str) -> str | None:
    """Why the jurisdiction of ``text`` is unknown (a masked or missing place name), else None."""
    return resolve_jurisdiction(text).note
