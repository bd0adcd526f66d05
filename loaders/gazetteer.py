"""The agency gazetteer: surface forms of agencies → one canonical agency (reference data in YAML).

Resolution is deterministic and depends only on the surface form and the plan's city (and, in a
district's report, that district): 市市场监管局 in a Shanghai plan and 上海市市场监督管理局 are one
agency; 市市场监管局 in a Beijing plan is another; 各区市场监管局 is the collective of a city's
district bureaus. Names the gazetteer does not know are still minted, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from loaders import iris
from loaders.places import Place, places

_TRAILING = "等"
_LEADING = ("由",)


@dataclass(frozen=True)
class AgencyRef:
    """One resolved agency: its IRI key, canonical name and description."""

    scope: tuple[str, ...]  # ("cn",) | ("province", slug) | (city slug,) | (city slug, district slug)
    ident: str
    canonical: str
    en: str | None = None
    level: str | None = None
    collective: bool = False
    city: Place | None = None
    district: Place | None = None
    province: Place | None = None  # for a province's own bodies (no city)
    parent: tuple[tuple[str, ...], str] | None = None
    known: bool = True

    def iri(self, base: str) -> Any:
        """The agency's IRI."""
        return iris.agency(self.scope, self.ident, base)

    def parent_iri(self, base: str) -> Any:
        """The IRI of its parent body, when the gazetteer gives one."""
        return iris.agency(self.parent[0], self.parent[1], base) if self.parent else None


def clean_surface(surface: str) -> str:
    """A mention without spaces, a leading 由 and a trailing 等.

    >>> clean_surface(" 由市市场监管局等 ")
    '市市场监管局'
    """
    text = "".join(surface.split())
    for lead in _LEADING:
        if text.startswith(lead) and len(text) > len(lead) + 1:
            text = text[len(lead):]
    while text.endswith(_TRAILING) and len(text) > 1:
        text = text[: -len(_TRAILING)]
    return text


def _body(form: str, placeholder: str) -> str | None:
    if form.startswith(placeholder):
        return form[len(placeholder):]
    return None


class Gazetteer:
    """Lookups built from ``loaders/reference/agencies.yaml``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.national: dict[str, dict[str, Any]] = {}
        for entry in data.get("national", []):
            for name in (entry["canonical"], *entry.get("aliases", [])):
                self.national[name] = entry
        self.city_bodies: dict[str, dict[str, Any]] = {}
        self.city_literals: list[tuple[str, dict[str, Any]]] = []
        for entry in data.get("city", []):
            for form in (entry["canonical"], *entry.get("aliases", [])):
                body = _body(form, "{city}") or (form[1:] if form.startswith("市") else None)
                if body:
                    self.city_bodies.setdefault(body, entry)
                else:
                    self.city_literals.append((form, entry))
        self.city_by_id = {entry["id"]: entry for entry in data.get("city", [])}
        self.district_bodies: dict[str, dict[str, Any]] = {}
        for entry in data.get("district", []):
            for form in (entry["canonical"], *entry.get("aliases", [])):
                body = _body(form, "{district}")
                if body:
                    self.district_bodies.setdefault(body, entry)
        self.collectives: list[tuple[str, dict[str, Any]]] = []
        for entry in data.get("collectives", []):
            for form in (entry["canonical"], *entry.get("aliases", [])):
                self.collectives.append((form, entry))
        self.collective_prefixes: tuple[str, ...] = tuple(
            sorted(data.get("collective_prefixes", []), key=len, reverse=True)
        )
        self.province_bodies: dict[str, dict[str, Any]] = {}
        for entry in data.get("province", []):
            for form in (entry["canonical"], *entry.get("aliases", [])):
                body = _body(form, "{province}") or (form[1:] if form.startswith("省") else None)
                self.province_bodies.setdefault(body or form, entry)
        self.province_collective_prefixes: tuple[str, ...] = tuple(
            sorted(data.get("province_collective_prefixes", []), key=len, reverse=True)
        )
        self.junk = frozenset(data.get("junk", []))
        self.local_collective_prefixes: tuple[str, ...] = tuple(
            sorted(data.get("local_collective_prefixes", []), key=len, reverse=True))

    # -- resolution -------------------------------------------------------------------------
    def resolve(self, surface: str, city: Place | None, district: Place | None = None) -> AgencyRef | None:
        """The agency a (zh-Hans) mention names in a plan of ``city``; None for junk forms."""
        text = clean_surface(surface)
        if not text or text in self.junk:
            return None
        if text in self.national:
            return self._national(self.national[text])
        if city is not None and city.level == "province":
            return self._resolve_provincial(text, city)
        table = places()
        ctx = city
        explicit = _explicit_city(text)
        if explicit is not None:
            ctx, text = explicit[0], "市" + text[len(explicit[1]):]
            if ctx != city:
                district = None
        elif ctx is not None and text.startswith(ctx.short) and not text.startswith(ctx.name):
            rest = text[len(ctx.short):]
            if rest.startswith("市"):
                text = rest
        if text.startswith("本市"):
            text = text[1:]
        if ctx is None:
            return self._unknown(text, scope=("cn",), city=None, district=None, level=None)
        for named in sorted(table.districts(ctx), key=lambda d: -len(d.name)):
            if text.startswith(named.name) and len(text) > len(named.name):
                return self._district(text[len(named.name):], ctx, named)
        if district is not None and len(text) > 1 and text[0] in _unit_words(district):
            return self._district(text[1:], ctx, district)  # 区X in a district's plan, 县X in a county's
        for prefix in self.collective_prefixes:
            if text.startswith(prefix) and len(text) > len(prefix) + 1 and not text.startswith("区域"):
                return self._collective(text[len(prefix):], ctx)
        if text.startswith("市") and text[1:] in self.city_bodies:
            return self._city(self.city_bodies[text[1:]], ctx)
        for form, entry in self.city_literals:
            if text == form.replace("{city}", ctx.name):
                return self._city(entry, ctx)
        for form, entry in self.collectives:
            if text == form.replace("{city}", ctx.name):
                return self._fixed_collective(entry, ctx)
        if text.startswith(self.local_collective_prefixes):
            return self._local_collective(text, ctx, district)
        if text.startswith("市"):
            return self._unknown(ctx.name + text[1:], scope=(ctx.slug,), city=ctx, district=None, level="municipal")
        return self._unknown(text, scope=(ctx.slug,), city=ctx, district=None, level=None)

    def _resolve_provincial(self, text: str, province: Place) -> AgencyRef:
        """A mention in a provincial plan: 省X is the province's X, 各市X the collective of its cities' X.

        A guess about provincial plans (none is bundled): their bodies are named 省…厅/委/局 the
        way a city's are named 市…局/委, and a named city's body (济南市市场监管局) is that city's.
        """
        explicit = _explicit_city(text)
        if explicit is not None and not text.startswith(province.name):
            return self.resolve(text, explicit[0])
        if text.startswith(province.name):
            text = "省" + text[len(province.name):]
        elif text.startswith(province.short) and text[len(province.short):].startswith("省"):
            text = text[len(province.short):]
        scope = ("province", province.slug)
        for prefix in self.province_collective_prefixes:
            body = text[len(prefix):]
            if text.startswith(prefix) and body in self.city_bodies:
                entry = self.city_bodies[body]
                canonical = province.name + prefix + entry["canonical"].replace("{city}", "")
                return AgencyRef(scope=scope, ident="cities-" + entry["id"], canonical=canonical,
                                 en=f"City bodies of {province.name_en}", level="municipal", collective=True,
                                 province=province)
        entry = self.province_bodies.get(text[1:] if text.startswith("省") else text)
        if entry is not None:
            return AgencyRef(scope=scope, ident=entry["id"], canonical=_fill_province(entry["canonical"], province),
                             en=_fill_province(entry.get("en"), province), level="provincial", province=province)
        canonical = province.name + text[1:] if text.startswith("省") else text
        return AgencyRef(scope=scope, ident=iris.unknown_agency_id(canonical), canonical=canonical,
                         level="provincial" if text.startswith("省") else None, province=province, known=False)

    # -- builders -----------------------------------------------------------------------------
    def _national(self, entry: dict[str, Any]) -> AgencyRef:
        return AgencyRef(scope=("cn",), ident=entry["id"], canonical=entry["canonical"], en=entry.get("en"),
                         level=entry.get("level", "national"))

    def _city(self, entry: dict[str, Any], city: Place) -> AgencyRef:
        parent = entry.get("parent")
        return AgencyRef(
            scope=(city.slug,), ident=entry["id"], canonical=_fill(entry["canonical"], city),
            en=_fill(entry.get("en"), city), level=entry.get("level", "municipal"), city=city,
            parent=((city.slug,), parent) if parent else None,
        )

    def _district(self, body: str, city: Place, district: Place) -> AgencyRef:
        entry = self.district_bodies.get(body)
        if entry is None and body in self.city_bodies:
            entry = None  # a city body under a district name is still a district body: mint it
        if entry is None:
            return self._unknown(district.name + body, scope=(city.slug, district.slug), city=city,
                                 district=district, level="district")
        return AgencyRef(
            scope=(city.slug, district.slug), ident=entry["id"], canonical=_fill(entry["canonical"], city, district),
            en=_fill(entry.get("en"), city, district), level="district", city=city, district=district,
        )

    def _collective(self, body: str, city: Place) -> AgencyRef:
        entry = self.district_bodies.get(body)
        if entry is not None and entry.get("collective"):
            canonical = city.name + "各区" + entry["canonical"].replace("{district}", "")
            en = _fill(entry.get("en"), city, None)
            return AgencyRef(scope=(city.slug,), ident=entry["collective"], canonical=canonical,
                             en=f"District bodies of {city.name_en}: {en}" if en else None,
                             level="district", collective=True, city=city)
        canonical = city.name + "各区" + body
        return AgencyRef(scope=(city.slug,), ident=iris.unknown_agency_id(canonical), canonical=canonical,
                         level="district", collective=True, city=city, known=False)

    @staticmethod
    def _local_collective(text: str, city: Place, unit: Place | None) -> AgencyRef:
        """各乡镇人民政府, 各街道, 各县（市、区）质监局: the collective actor of the plan's own unit."""
        owner = unit or city
        canonical = text if text.startswith(owner.name) else owner.name + text.lstrip("全市县区")
        scope = (city.slug, unit.slug) if unit is not None else (city.slug,)
        return AgencyRef(scope=scope, ident=iris.unknown_agency_id(canonical), canonical=canonical,
                         level="district" if unit is None else "township", collective=True, city=city,
                         district=unit, known=False)

    def _fixed_collective(self, entry: dict[str, Any], city: Place) -> AgencyRef:
        return AgencyRef(scope=(city.slug,), ident=entry["id"], canonical=_fill(entry["canonical"], city),
                         en=_fill(entry.get("en"), city), level=entry.get("level"), collective=True, city=city)

    @staticmethod
    def _unknown(canonical: str, *, scope: tuple[str, ...], city: Place | None, district: Place | None,
                 level: str | None) -> AgencyRef:
        return AgencyRef(scope=scope, ident=iris.unknown_agency_id(canonical), canonical=canonical, level=level,
                         city=city, district=district, known=False)


def _unit_words(unit: Place) -> str:
    """The words a county-level unit's own bodies start with: 区 for a district, 县 for a county, 市
    for a county-level city (市市场监督管理局 in 桐城市's plan), 旗 for a banner.

    >>> _unit_words(Place(level="county", adcode="340881", name="桐城市", short="桐城", slug="tongcheng", name_en=""))
    '市'
    """
    return "区" if unit.level == "district" else unit.name[-1]


def _fill(template: str | None, city: Place, district: Place | None = None) -> str | None:
    if template is None:
        return None
    out = template.replace("{city}", city.name).replace("{city_en}", city.name_en)
    if district is not None:
        out = out.replace("{district}", district.name).replace("{district_en}", district.name_en)
    else:
        out = out.replace("{district_en} District", "District").replace("{district}", "")
    return out


def _fill_province(template: str | None, province: Place) -> str | None:
    if template is None:
        return None
    return template.replace("{province}", province.name).replace("{province_en}", province.name_en)


@lru_cache(maxsize=4096)
def _explicit_city(text: str) -> tuple[Place, str] | None:
    """The city whose full name starts ``text`` (上海市市场监管局 → 上海市), if any."""
    best: tuple[Place, str] | None = None
    for place in places().cities:
        longer = best is None or len(place.name) > len(best[1])
        if longer and text.startswith(place.name) and len(text) > len(place.name):
            best = (place, place.name)
    return best


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer, read once from the package data."""
    text = files("loaders").joinpath("reference/agencies.yaml").read_text(encoding="utf-8")
    return Gazetteer(yaml.safe_load(text))
