"""Jurisdictions from the reference table of administrative divisions shipped with ``cpca``.

The table (``cpca/resources/adcodes.csv``: 12-digit codes, names) is read as a file, without
importing cpca itself. Provinces have codes ``PP0000``, prefecture-level units ``PPCC00``, counties
and districts ``PPCCDD``. Levels follow DESIGN.md:

* ``province``: provinces and autonomous regions;
* ``city``: prefecture-level units (地级市, 自治州, 地区, 盟), the four municipalities (北京, 上海,
  天津, 重庆: province-level, but cities here) and county-level cities with no prefecture above
  them (省直辖县级市 such as 仙桃市, 图木舒克市);
* ``county``: 县, 自治县, 旗, 县级市 under a prefecture (桐城市), and counties with no prefecture
  (定安县, 神农架林区);
* ``district``: 市辖区 (黄浦区, 芙蓉区), new areas and special districts of a city.

Each place knows the unit directly above it (``Places.parent``: district/county → city → province
→ country; a municipality's district → the municipality; a municipality → the country; a 省直辖
unit → its province) and the prefecture-level city it lies in (``Places.city_of``).

Slugs are pinyin (pypinyin) of the name without its administrative suffix (上海市 → shanghai,
浦东新区 → pudong: the suffix 新区 is stripped like 区), made unique over the static table: when two
entities of the same namespace share a slug (抚州/福州), each gets ``-{province slug}`` appended
(fuzhou-jiangxi, fuzhou-fujian), and the adcode if that is still not enough. The namespaces are
those of the IRIs minted before counties were told apart (cities; the districts and counties of
one city), so that no existing slug changes; a county whose slug then clashes inside its own IRI
namespace gets its adcode appended.
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
LEVELS = ("country", "province", "city", "county", "district", "unknown")
_GROUP_ROWS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "市辖县"}
# Longest first: the administrative suffix stripped to make short names and slugs.
_SUFFIX = re.compile(
    r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|新区|林区|地区|省|市|区|县|旗|盟)$"
)
_ETHNIC = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,8}?族)+$")
_SPECIFICITY = {"unknown": 0, "country": 0, "province": 1, "city": 2, "county": 3, "district": 3}


@dataclass(frozen=True)
class Place:
    """One jurisdiction: the country, a province, a city, a county or a district (or the unknown place)."""

    level: str  # one of LEVELS
    adcode: str  # 6 digits ("" for the country and the unknown place)
    name: str  # full zh-Hans name, e.g. 上海市
    short: str  # name without suffix, e.g. 上海
    slug: str
    name_en: str
    province: str | None = None  # adcode of the province (None for the country, provinces, municipalities)
    city: str | None = None  # adcode of the prefecture-level city a county or district lies in
    parent: str | None = None  # adcode of the unit directly above ("" = the country; None for the country)

    @property
    def is_country(self) -> bool:
        """True for the country."""
        return self.level == "country"

    @property
    def is_unknown(self) -> bool:
        """True for the unknown place (a masked or missing place name)."""
        return self.level == "unknown"

    @property
    def specificity(self) -> int:
        """0 for the country, 1 a province, 2 a city, 3 a county or district."""
        return _SPECIFICITY[self.level]


COUNTRY = Place(level="country", adcode="", name="全国", short="全国", slug="cn", name_en="China")
UNKNOWN = Place(level="unknown", adcode="", name="未知地区", short="未知地区", slug="unknown",
                name_en="unknown place", parent="")


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


@dataclass(frozen=True)
class _Row:
    level: str
    code: str
    name: str
    province: str | None
    city: str | None  # the prefecture-level city above (None for provinces, cities, 省直辖 units)
    parent: str  # "" for the country
    legacy: str  # the slug namespace of the first model: "city" or "district"


def _classify(code: str, name: str, by_code: dict[str, str]) -> _Row | None:
    prov = code[:2] + "0000"
    muni = code[:2] in MUNICIPALITIES
    if code.endswith("0000"):
        return _Row("city" if muni else "province", code, name, None, None, "", "city" if muni else "province")
    if code.endswith("00"):
        return None if muni else _Row("city", code, name, prov, None, prov, "city")
    prefecture = prov if muni else code[:4] + "00"
    county_like = name.endswith(("县", "旗")) or (name.endswith("市") and not muni)
    if prefecture not in by_code:  # 省直辖: directly under the province
        level = "city" if name.endswith("市") else "county"
        return _Row(level, code, name, prov, None, prov, "city" if name.endswith("市") else "district")
    if muni:
        level = "county" if county_like else "district"
    else:
        level = "district" if name.endswith("区") and not name.endswith("林区") else "county"
        if not name.endswith(("区", "县", "旗", "市")):
            level = "county"  # islands and other county-level units
    legacy = "city" if name.endswith("市") else "district"
    return _Row(level, code, name, None if muni else prov, prefecture, prefecture, legacy)


class Places:
    """The table of jurisdictions, with lookups by name and code."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        by_code = dict(rows)
        raw = [r for r in (_classify(code, name, by_code) for code, name in rows) if r is not None]
        slugs = self._slugs(raw, by_code)
        self.by_code: dict[str, Place] = {}
        for r in raw:
            slug = slugs[r.code]
            self.by_code[r.code] = Place(
                level=r.level, adcode=r.code, name=r.name, short=short_name(r.name), slug=slug,
                name_en=" ".join(part.capitalize() for part in slug.split("-")[:1]) or slug,
                province=r.province, city=r.city, parent=r.parent,
            )
        self.provinces = [p for p in self.by_code.values() if p.level == "province"]
        self.cities = [p for p in self.by_code.values() if p.level == "city"]
        self.counties = [p for p in self.by_code.values() if p.level == "county"]
        self.units = [p for p in self.by_code.values() if p.level in ("county", "district")]
        self.districts_of: dict[str, list[Place]] = defaultdict(list)
        self.by_name: dict[str, list[Place]] = defaultdict(list)
        for place in self.by_code.values():
            self.by_name[place.name].append(place)
            if place.city and place.level in ("district", "county"):
                self.districts_of[place.city].append(place)

    @staticmethod
    def _slugs(raw: list[_Row], by_code: dict[str, str]) -> dict[str, str]:
        def legacy_ns(r: _Row) -> str:
            return f"district:{r.city}" if r.legacy == "district" else r.legacy

        base = {r.code: pinyin_slug(r.name) for r in raw}
        counts = Counter((legacy_ns(r), base[r.code]) for r in raw)
        out: dict[str, str] = {}
        for r in raw:
            slug = base[r.code]
            if counts[(legacy_ns(r), slug)] > 1 and r.province:
                slug = f"{slug}-{pinyin_slug(by_code.get(r.province, ''))}"
            out[r.code] = slug
        seen = Counter((legacy_ns(r), out[r.code]) for r in raw)
        for r in raw:
            if seen[(legacy_ns(r), out[r.code])] > 1:
                out[r.code] = f"{out[r.code]}-{r.code}"
        # counties get IRIs of their own (id:county/{parent}/{slug}): unique inside that namespace too
        county_ns = Counter((r.parent, out[r.code]) for r in raw if r.level == "county")
        for r in raw:
            if r.level == "county" and county_ns[(r.parent, out[r.code])] > 1:
                out[r.code] = f"{out[r.code]}-{r.code}"
        return out

    # -- the hierarchy ----------------------------------------------------------------------------
    def parent(self, place: Place) -> Place | None:
        """The unit directly above (the object of qg:within); None for the country."""
        if place.parent is None or place.is_country:
            return None
        return self.by_code.get(place.parent, COUNTRY) if place.parent else COUNTRY

    def lineage(self, place: Place) -> list[Place]:
        """The place and every unit above it, up to the country.

        >>> [p.name for p in places().lineage(places().by_code["340881"])]
        ['桐城市', '安庆市', '安徽省', '全国']
        """
        out = [place]
        while (above := self.parent(out[-1])) is not None:
            out.append(above)
        return out

    def city_of(self, place: Place) -> Place | None:
        """The prefecture-level city (qg:City) a place is or lies in; None above cities, for the
        unknown place and for counties directly under a province.

        >>> places().city_of(places().by_code["340881"]).name, places().city_of(places().by_code["310101"]).name
        ('安庆市', '上海市')
        """
        if place.level == "city":
            return place
        if place.level in ("county", "district") and place.city:
            return self.by_code.get(place.city)
        return None

    def parent_city(self, place: Place) -> Place | None:
        """The city a district or county belongs to (None for everything else)."""
        return self.by_code.get(place.city) if place.city else None

    def province_of(self, place: Place) -> Place | None:
        """The province of a place (None for municipalities and their districts)."""
        return self.by_code.get(place.province) if place.province else None

    def contains(self, outer: Place, inner: Place) -> bool:
        """True when ``inner`` is ``outer`` or lies in it."""
        return outer.is_country or outer in self.lineage(inner)

    # -- lookups ------------------------------------------------------------------------------------
    def districts(self, city: Place) -> list[Place]:
        """Districts and counties (county-level cities included) of a city."""
        return self.districts_of.get(city.adcode, [])

    def units_by_short(self, above: Place) -> list[Place]:
        """The counties and districts of a city or province with a short name of their own (柯桥 for
        柯桥区), longest short name first."""
        return _units_by_short(self, above.adcode)

    def district_named(self, city: Place, name: str) -> Place | None:
        """The district or county of ``city`` whose full name is ``name``."""
        return next((d for d in self.districts(city) if d.name == name), None)

    @property
    def district_names(self) -> frozenset[str]:
        """Full names of every district and county of a city (for detecting district headings)."""
        return _district_names(self)


@lru_cache(maxsize=1)
def _district_names(places: Places) -> frozenset[str]:
    return frozenset(p.name for p in places.units if p.city)


@lru_cache(maxsize=512)
def _units_by_short(table: Places, code: str) -> list[Place]:
    units = [u for u in table.units if code in (u.city, u.province) and u.short != u.name and len(u.short) >= 2]
    return sorted(units, key=lambda u: -len(u.short))


@lru_cache(maxsize=1)
def places() -> Places:
    """The table, read once."""
    return Places(_read_table())

