"""Jurisdictions from the reference table of administrative divisions shipped with ``cpca``.

The table (``cpca/resources/adcodes.csv``: 12-digit codes, names) is read as a file, without
importing cpca itself. Provinces have codes ``PP0000``, cities ``PPCC00``, districts and counties
``PPCCDD``. The four municipalities (北京, 上海, 天津, 重庆) are province-level *cities*: they are
``qg:City`` here, and their districts hang under them. County-level cities (e.g. 常熟市) are
``qg:City`` too, with their prefecture as parent.

Slugs are pinyin (pypinyin) of the name without its administrative suffix (上海市 → shanghai,
浦东新区 → pudong: the suffix 新区 is stripped like 区), made unique over the static table: when two
entities of the same namespace share a slug (抚州/福州), each gets ``-{province slug}`` appended
(fuzhou-jiangxi, fuzhou-fujian), and the adcode if that is still not enough.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from importlib.resources import files

import yaml
from pypinyin import lazy_pinyin

MUNICIPALITIES = ("11", "12", "31", "50")
_GROUP_ROWS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "市辖县"}
# Longest first: the administrative suffix stripped to make short names and slugs.
_SUFFIX = re.compile(
    r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|新区|林区|地区|省|市|区|县|旗|盟)$"
)
_ETHNIC = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,8}?族)+$")


@dataclass(frozen=True)
class Place:
    """One jurisdiction: the country, a province, a city or a district."""

    level: str  # country | province | city | district
    adcode: str  # 6 digits ("" for the country)
    name: str  # full zh-Hans name, e.g. 上海市
    short: str  # name without suffix, e.g. 上海
    slug: str
    name_en: str
    province: str | None = None  # adcode of the province (None for the country and provinces)
    city: str | None = None  # adcode of the city a district or county-level city belongs to

    @property
    def is_country(self) -> bool:
        """True for the country."""
        return self.level == "country"


COUNTRY = Place(level="country", adcode="", name="全国", short="全国", slug="cn", name_en="China")


def short_name(name: str) -> str:
    """The name without its administrative suffix, kept whole when that would leave one character.

    >>> short_name("浦东新区"), short_name("内蒙古自治区"), short_name("城区")
    ('浦东', '内蒙古', '城区')
    """
    short = _SUFFIX.sub("", name)
    match = _ETHNIC.match(short)
    if match and name.endswith(("自治州", "自治县", "自治旗")):
        short = match.group(1)
    return short if len(short) >= 2 else name


def pinyin_slug(name: str) -> str:
    """ASCII pinyin slug of a place name.

    >>> pinyin_slug("上海市"), pinyin_slug("浦东新区"), pinyin_slug("济南市")
    ('shanghai', 'pudong', 'jinan')
    """
    short = short_name(name)
    if name in _pinyin_names():
        return _pinyin_names()[name]
    syllables = lazy_pinyin(name)
    if len(syllables) != len(name):  # non-CJK characters were merged: fall back to the short name
        syllables = lazy_pinyin(short)
    fixes = _pinyin_fixes()
    fixed = [fixes.get(char, syl) for char, syl in zip(name, syllables)] if len(syllables) == len(name) else syllables
    joined = "".join(fixed[: len(short)])
    return re.sub(r"[^a-z]", "", joined.lower().replace("ü", "v"))


@lru_cache(maxsize=1)
def _pinyin_data() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(files("loaders").joinpath("reference/pinyin.yaml").read_text(encoding="utf-8"))
    return {key: {str(k): str(v) for k, v in (data.get(key) or {}).items()} for key in ("chars", "names")}


def _pinyin_fixes() -> dict[str, str]:
    return _pinyin_data()["chars"]


def _pinyin_names() -> dict[str, str]:
    return _pinyin_data()["names"]


def _read_table() -> list[tuple[str, str]]:
    dist = metadata.distribution("cpca")
    text = dist.locate_file("cpca/resources/adcodes.csv").read_text(encoding="utf-8")  # type: ignore[union-attr]
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        code, name = row["adcode"].strip(), row["name"].strip()
        if len(code) >= 6 and name and name not in _GROUP_ROWS:
            rows.append((code[:6], name))
    return sorted(set(rows))


class Places:
    """The table of jurisdictions, with lookups by name and code."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        by_code = dict(rows)
        raw: list[tuple[str, str, str, str | None, str | None]] = []  # level, code, name, province, city
        for code, name in rows:
            prov = code[:2] + "0000"
            if code.endswith("0000"):
                raw.append(("city" if code[:2] in MUNICIPALITIES else "province", code, name, None, None))
            elif code.endswith("00"):
                if code[:2] in MUNICIPALITIES:
                    continue
                raw.append(("city", code, name, prov, None))
            else:
                parent = code[:2] + "0000" if code[:2] in MUNICIPALITIES else code[:4] + "00"
                parent_city = parent if parent in by_code else None
                level = "city" if name.endswith("市") else "district"
                raw.append((level, code, name, prov if code[:2] not in MUNICIPALITIES else None, parent_city))
        slugs = self._slugs(raw, by_code)
        self.by_code: dict[str, Place] = {}
        for level, code, name, prov, city in raw:
            slug = slugs[code]
            self.by_code[code] = Place(
                level=level, adcode=code, name=name, short=short_name(name), slug=slug,
                name_en=" ".join(part.capitalize() for part in slug.split("-")[:1]) or slug,
                province=prov, city=city,
            )
        self.cities = [p for p in self.by_code.values() if p.level == "city"]
        self.provinces = [p for p in self.by_code.values() if p.level == "province"]
        self.districts_of: dict[str, list[Place]] = defaultdict(list)
        for place in self.by_code.values():
            if place.city and place.level in ("district", "city"):
                self.districts_of[place.city].append(place)

    @staticmethod
    def _slugs(raw: list[tuple[str, str, str, str | None, str | None]], by_code: dict[str, str]) -> dict[str, str]:
        def namespace(level: str, city: str | None) -> str:
            return f"district:{city}" if level == "district" else level

        base = {code: pinyin_slug(name) for _, code, name, _, _ in raw}
        counts = Counter((namespace(level, city), base[code]) for level, code, _, _, city in raw)
        out: dict[str, str] = {}
        for level, code, _, prov, city in raw:
            slug = base[code]
            if counts[(namespace(level, city), slug)] > 1 and prov:
                slug = f"{slug}-{pinyin_slug(by_code.get(prov, ''))}"
            out[code] = slug
        seen = Counter((namespace(level, city), out[code]) for level, code, _, _, city in raw)
        for level, code, _, _, city in raw:
            if seen[(namespace(level, city), out[code])] > 1:
                out[code] = f"{out[code]}-{code}"
        return out

    def parent_city(self, place: Place) -> Place | None:
        """The city a district (or county-level city) belongs to."""
        return self.by_code.get(place.city) if place.city else None

    def province_of(self, place: Place) -> Place | None:
        """The province of a place (None for municipalities and their districts)."""
        return self.by_code.get(place.province) if place.province else None

    def districts(self, city: Place) -> list[Place]:
        """Districts, counties and county-level cities of a city."""
        return self.districts_of.get(city.adcode, [])

    def district_named(self, city: Place, name: str) -> Place | None:
        """The district of ``city`` whose full name is ``name``."""
        return next((d for d in self.districts(city) if d.name == name), None)

    @property
    def district_names(self) -> frozenset[str]:
        """Full names of every district and county (for detecting district headings)."""
        return _district_names(self)


@lru_cache(maxsize=1)
def _district_names(places: Places) -> frozenset[str]:
    return frozenset(p.name for p in places.by_code.values() if p.city and p.name.endswith(("区", "县", "市")))


@lru_cache(maxsize=1)
def places() -> Places:
    """The table, read once."""
    return Places(_read_table())


def _city_patterns(table: Places) -> list[tuple[str, Place]]:
    pats: list[tuple[str, Place]] = []
    for place in table.cities:
        pats.append((place.name, place))
        # short names only for prefecture-level cities and municipalities: county-level ones
        # (东方, 开平) are too often ordinary words.
        if place.city is None and len(place.short) >= 2 and place.short != place.name:
            pats.append((place.short, place))
    return sorted(pats, key=lambda item: -len(item[0]))


@lru_cache(maxsize=1)
def _city_regex() -> tuple[re.Pattern[str], dict[str, list[Place]]]:
    pats = _city_patterns(places())
    lookup: dict[str, list[Place]] = defaultdict(list)
    for name, place in pats:
        lookup[name].append(place)
    return re.compile("|".join(re.escape(n) for n, _ in pats)), lookup


def city_mentions(text: str) -> list[tuple[int, Place]]:
    """Every city named in ``text`` (full name, or short name of a prefecture-level city)."""
    regex, lookup = _city_regex()
    out = []
    for match in regex.finditer(text):
        if text[match.end(): match.end() + 1] in ("区", "县") or text[match.end(): match.end() + 2] == "新区":
            continue  # 朝阳区 of Beijing is not 朝阳市, 大同区 of Daqing not 大同市
        candidates = lookup[match.group(0)]
        if len(candidates) == 1:
            out.append((match.start(), candidates[0]))
    return out


def _titled_province(text: str, *, lines: int = 1) -> Place | None:
    """A province named in the title (the first line) when no city is: the document is provincial.

    >>> _titled_province("山东省2023年“质量月”活动方案\\n1.举办启动仪式。(济南市市场监管局)").name
    '山东省'
    >>> _titled_province("2022年济南市“质量月”活动通知\\n山东省…") is None
    True
    """
    title = "\n".join([line for line in text.splitlines() if line.strip()][:lines])
    if city_mentions(title):
        return None
    named = [p for p in places().provinces if p.name in title]
    return max(named, key=lambda p: len(p.name)) if named else None


def find_jurisdiction(text: str, *, head_chars: int = 300, tail_chars: int = 300) -> Place:
    """The plan's jurisdiction from its (simplified) text: a city, else a province, else the country.

    A city named in the head (title, first lines) or the tail (落款, issuer) scores three times,
    any other mention once; the best-scoring city wins. Without a city in the head or tail, a
    province named in the head makes the document provincial; 全国 in the head, national.
    """
    head, tail = text[:head_chars], text[-tail_chars:]
    titled = _titled_province(text)
    if titled is not None:
        return titled
    scores: Counter[str] = Counter()
    first: dict[str, int] = {}
    for pos, place in city_mentions(text):
        weight = 3 if pos < head_chars or pos >= len(text) - tail_chars else 1
        scores[place.adcode] += weight
        first.setdefault(place.adcode, pos)
    table = places()
    strong = [code for code, score in scores.items() if score >= 3]
    if strong:
        best = max(strong, key=lambda code: (scores[code], -first[code]))
        return table.by_code[best]
    for region in (head, tail):
        for prov in sorted(table.provinces, key=lambda p: -len(p.name)):
            if prov.name in region:
                return prov
    if "全国" in head or "国家市场监督管理总局" in text:
        return COUNTRY
    if scores:
        best = max(scores, key=lambda code: (scores[code], -first[code]))
        return table.by_code[best]
    return COUNTRY
