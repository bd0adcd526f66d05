"""Where places are named in a document: the zones of a page (headline, head, source lines,
signature, body) and every place name in it, found in the table of loaders/places.py.

Full names of every province, city, county and district; short names (株洲, 甘肃) of provinces and
cities only, since those of counties (柯桥, 平邑) are too often ordinary words, unless they follow
their city (绍兴柯桥); names shared by several places (朝阳区, 城区) only when a place named elsewhere
in the text tells which. Cue words are in ``reference/places.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from loaders.places import Place, Places, places

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE_END = re.compile(r"[。；;！？!?]")


@dataclass(frozen=True)
class Mention:
    """A place named in the text."""

    place: Place
    start: int
    end: int
    zone: str  # title | head | meta | signature | body
    agency: bool = False  # the prefix of a body's name (芙蓉区市场监管局)
    unit: str | None = None  # the unit word of the name as written (区 for 罗江区, the table's 罗江县)
    chained: bool = False  # another name follows at once (长沙市 in 长沙市芙蓉区)
    located: bool = False  # named as where something happens (在天元区…, 走进岳塘区…)


# -- cue words ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Cues:
    data: dict[str, Any]

    def words(self, key: str) -> tuple[str, ...]:
        return tuple(sorted((str(w) for w in self.data.get(key) or ()), key=len, reverse=True))

    def number(self, key: str) -> int:
        return int(self.data[key])


@lru_cache(maxsize=1)
def cues() -> _Cues:
    text = files("loaders").joinpath("reference/places.yaml").read_text(encoding="utf-8")
    return _Cues(yaml.safe_load(text))


@lru_cache(maxsize=1)
def regexes() -> dict[str, re.Pattern[str]]:
    c = cues()
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
    units: dict[str, str | None] = cues().data["place_units"]
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


def _head_lines(filled: list[tuple[int, str]]) -> tuple[list[int], int | None]:
    """The indices of the head's lines (every line up to the headline, addressee lines left out)
    and of the headline."""
    c = cues()
    top = []
    for i, line in filled[: c.number("head_max_lines")]:
        if len(line) >= c.number("paragraph_chars") and _SENTENCE_END.search(line):
            break
        top.append((i, line))

    def navigation(line: str) -> bool:
        if line.startswith(c.words("title_labels")):
            return False
        tokens = line.split()
        menu = len(tokens) >= 3 and all(len(t) <= c.number("menu_item_chars") for t in tokens)
        return menu or any(m in line for m in c.words("navigation_marks"))

    titles = [k for k, (_, line) in enumerate(top) if not navigation(line)]
    for words in (c.words("headline_words"), c.words("title_words")):
        named = [k for k in titles if any(w in top[k][1] for w in words)]
        if named:
            titles = named
            break
    last = titles[0] if titles else len(top) - 1
    head = [i for i, line in top[: last + 1] if not line.endswith(c.words("addressee_ends"))]
    return head, top[last][0] if titles else None


def _spam_words(text: str) -> int:
    lowered = text.lower()
    return sum(1 for word in cues().words("spam_words") if word.lower() in lowered)


def zones(text: str) -> list[tuple[int, int, str]]:
    """Each line's span and zone: title (the headline), head, meta (a source or issuer line),
    signature or body."""
    c, meta = cues(), regexes()["meta"]
    lines = _lines(text)
    filled = [i for i, (s, e) in enumerate(lines) if text[s:e].strip()]
    head_lines, title = _head_lines([(i, text[lines[i][0]:lines[i][1]].strip()) for i in filled])
    head = set(head_lines)
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
            zone = "title" if i == title else "head" if i in head else "signature" if i in signature else "body"
            if _spam_words(line) >= 2:
                zone = "spam"  # a gambling line's 澳门 names no issuer
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
        # prefecture-level units and municipalities only: 东方 (东方市), 文昌, 天门 are ordinary words
        if place.short != place.name and place.short not in names and place.adcode.endswith("00"):
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
    c = cues()
    name, _, short, unit = alias
    after = text[i + len(name): i + len(name) + 8]  # enough for every stop word
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
                if len(raw.candidates) == 1 and raw.candidates[0].level in ("city", "province") and not any(
                        text.startswith(a[0], i) for a in index.get(text[i: i + 1], ())):
                    i = _unit_short_after(text, i, raw.candidates[0], table, out)
                break
        else:
            i += 1
    return out


def _unit_short_after(text: str, i: int, above: Place, table: Places, out: list[_Raw]) -> int:
    """A county or district named by its short name right after its city or province (绍兴柯桥,
    山东平邑)."""
    for unit in table.units_by_short(above):
        if text.startswith(unit.short, i) and not text.startswith(unit.name, i):
            out.append(_Raw(i, i + len(unit.short), (unit,), prefixed=True))
            return i + len(unit.short)
    return i


def _resolve(raws: list[_Raw], table: Places) -> tuple[list[tuple[_Raw, Place]], list[_Raw]]:
    """Each mention with its one place, and the mentions left ambiguous: an ambiguous name (朝阳区,
    城区) resolves only when exactly one of its candidates lies in a place named unambiguously."""
    known = {r.candidates[0] for r in raws if len(r.candidates) == 1}
    context = {p for place in known for p in table.lineage(place)[:-1]}
    out, ambiguous = [], []
    for raw in raws:
        if len(raw.candidates) == 1:
            out.append((raw, raw.candidates[0]))
            continue
        fitting = [p for p in raw.candidates if any(q in context for q in table.lineage(p)[1:-1])]
        if len(fitting) == 1:
            out.append((raw, fitting[0]))
        else:
            ambiguous.append(raw)
    return out, ambiguous


def mentions(text: str) -> list[Mention]:
    """Every place named in ``text`` with its zone (ambiguous names left out)."""
    return list(_names(text)[0])


def ambiguous_names(text: str) -> list[tuple[int, int, tuple[Place, ...]]]:
    """The spans of names shared by several places that the text does not tell apart, with the
    places they may name."""
    return [(raw.start, raw.end, raw.candidates) for raw in _names(text)[1]]


@lru_cache(maxsize=8)
def _names(text: str) -> tuple[tuple[Mention, ...], tuple[_Raw, ...]]:
    table = places()
    spans = zones(text)
    body_re = regexes()["body"]
    resolved, ambiguous = _resolve(_scan(text, table), table)
    starts = {raw.start for raw, _ in resolved}
    locations = cues().words("location_words")
    out, z = [], 0
    for raw, place in resolved:
        while z < len(spans) - 1 and spans[z][1] < raw.start:
            z += 1
        chained = raw.end in starts  # 长沙市芙蓉区…: the body belongs to the last name
        agency = not chained and bool(body_re.match(text, raw.end))
        located = text.endswith(locations, 0, raw.start)
        out.append(Mention(place, raw.start, raw.end, spans[z][2], agency, raw.unit or unit_word(place), chained,
                           located))
    return tuple(out), tuple(ambiguous)
