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

from loaders.place_mentions import Mention, ambiguous_names, cues, mentions, regexes, unit_word, zones
from loaders.places import COUNTRY, UNKNOWN, Place, places

STRONG_ZONES = ("title", "head", "meta", "signature")


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


@lru_cache(maxsize=4)
def _word_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words))


# -- the voice ------------------------------------------------------------------------------------
def voice_counts(text: str, named: list[tuple[int, int]]) -> Counter[str]:
    """How often each unit word names a body of the issuer (县质监局) or its own unit (全县), in
    ``text`` with the spans of place names blanked out."""
    c = cues()
    chars = list(text)
    for start, end in named:
        chars[start:end] = "#" * (end - start)
    blank = "".join(chars)
    units: dict[str, str | None] = c.data["place_units"]
    counts: Counter[str] = Counter()
    words, stops, allowed, blockers = (c.words(k) for k in (
        "voice_words", "unit_word_stops", "unit_word_allowed", "unit_word_blockers"))
    own = c.words("own_unit_prefixes")
    body_re = regexes()["body"]
    word_re = _word_regex(words)
    i = 0
    while i < len(blank):
        found = word_re.search(blank, i)  # the next unit word (the first of the list where several start)
        if found is None:
            break
        i, word = found.start(), found.group(0)
        unit = units.get(word)
        end = i + len(word)
        after = blank[end: end + 8]  # enough for every stop word
        if blank.endswith(own, 0, i) and not after.startswith(stops):
            counts[unit or word] += 1
            i = end
            continue
        if blank.endswith(blockers, 0, i) or (after.startswith(stops) and not after.startswith(allowed)):
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
        if m.zone == "spam" or (m.zone == "body" and m.located and not m.agency):
            continue  # a gambling line's 澳门, a place where an event was held
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
    c, rx = cues(), regexes()
    found = mentions(text)
    head = "".join(text[s:e] for s, e, zone in zones(text) if zone in ("title", "head"))
    ambiguous = ambiguous_names(text)
    counts = voice_counts(text, [(m.start, m.end) for m in found] + [(a, b) for a, b, _ in ambiguous])
    voice = _dominant(counts)
    ev = _evidence(found)
    local = sum(counts.values()) + sum(e.agency for e in ev.values())
    national = len(rx["national"].findall(text))
    titled_national = any(w in head for w in c.words("national_words"))
    if titled_national and national > local:
        return Finding(COUNTRY, None, tuple(found), voice)
    place = _named_issuer(found, ev, voice, counts[voice] if voice else 0,
                          masked_head=bool(voice and rx["masked"].search(head)))
    if place is not None:
        return Finding(place, None, tuple(found), voice)
    masked = rx["masked"].findall(text)
    if masked:
        note = f"place name masked in the text ({masked[0]}): jurisdiction unknown"
        return Finding(UNKNOWN, note, tuple(found), voice)
    if national > local or (titled_national and not voice):
        return Finding(COUNTRY, None, tuple(found), voice)
    place = _body_issuer(ev, voice)
    if place is not None:
        return Finding(place, None, tuple(found), voice)
    top = "".join(text[s:e] for s, e, zone in zones(text) if zone in ("title", "head", "spam"))
    return Finding(UNKNOWN, _unknown_note(text, top, counts, ambiguous), tuple(found), voice)


def _named_issuer(found: list[Mention], ev: dict[Place, _Evidence], voice: str | None, strength: int, *,
                  masked_head: bool) -> Place | None:
    """The issuer among the places named in the title, head, source lines or signature."""
    table = places()
    strong = [p for p, e in ev.items() if e.strong]
    if not strong:
        return None
    voiced = [p for p in strong if voice in ev[p].units]
    if voiced:  # the first voiced place of the headline (长沙市芙蓉区 counts as 芙蓉区), else the best named
        titled = [m.place for m in found if m.zone == "title" and not m.chained and m.place in voiced]
        return titled[0] if titled else _best(voiced, ev)
    # a city's page carrying one county's or district's news: that unit's bodies act, in its voice
    inner = _only([p for p, e in ev.items() if e.agency and not e.strong and p.specificity > 2
                   and any(table.contains(s, p) for s in strong)])
    if inner is not None and voice in ev[inner].units:
        return inner
    if masked_head:
        return None
    # the voice is a unit above the places named (我市 … 在某县举行): the nearest such unit
    above = [q for p in strong for q in table.lineage(p)[1:] if voice and unit_word(q) == voice]
    if above:
        return min(above, key=lambda q: (-q.specificity, -(ev[q].strong if q in ev else 0)))
    ranks: dict[str, int] = cues().data["voice_ranks"]
    if voice and strength >= 2 and ranks.get(voice, 0) > max(p.specificity for p in strong):
        return None  # the voice of a county (县…) under a province named in passing: no unit named
    return _best(strong, ev)


def _body_issuer(ev: dict[Place, _Evidence], voice: str | None) -> Place | None:
    """The issuer when no place is named in the title, head, source lines or signature: the one
    place of the voice's unit whose bodies act in the body (绍兴市柯桥区市场监管局), else the one
    place of that unit named most."""
    named = [p for p, e in ev.items() if e.agency and (not voice or voice in e.units)]
    if not named:
        named = [p for p, e in ev.items() if not voice or voice in e.units]
    return _only(named) or _unique_top(named, ev)


def _unique_top(candidates: list[Place], ev: dict[Place, _Evidence]) -> Place | None:
    ranked = sorted(candidates, key=lambda p: -(ev[p].agency * 2 + ev[p].plain))
    if len(ranked) >= 2 and ev[ranked[0]].agency * 2 + ev[ranked[0]].plain >= 2 * (
            ev[ranked[1]].agency * 2 + ev[ranked[1]].plain):
        return ranked[0]
    return None


def _unknown_note(text: str, head: str, counts: Counter[str],
                  ambiguous: list[tuple[int, int, tuple[Place, ...]]]) -> str:
    if ambiguous:
        start, end, candidates = ambiguous[0]
        cities = "、".join((places().parent(p) or COUNTRY).name for p in candidates)
        return (f"ambiguous place name {text[start:end]} (in {cities}) and no other place named:"
                " jurisdiction unknown")
    lowered = head.lower()
    spam = [w for w in cues().words("spam_words") if w.lower() in lowered]
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
