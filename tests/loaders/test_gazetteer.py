"""Agency resolution of loaders/gazetteer.py."""

from __future__ import annotations

import pytest

from loaders.gazetteer import clean_surface, gazetteer
from loaders.places import places


def _city(code: str):  # type: ignore[no-untyped-def]
    return places().by_code[code]


SHANGHAI, BEIJING, JINAN = "310000", "110000", "370100"


@pytest.mark.parametrize(
    ("surface", "city", "key"),
    [
        ("市市场监管局", SHANGHAI, ("shanghai", "market-regulation")),
        ("上海市市场监督管理局", SHANGHAI, ("shanghai", "market-regulation")),
        ("上海市市场监管局", BEIJING, ("shanghai", "market-regulation")),
        ("市市场监管局", BEIJING, ("beijing", "market-regulation")),
        ("黄浦区市场监管局", SHANGHAI, ("shanghai", "huangpu", "market-regulation")),
        ("各区市场监管局", SHANGHAI, ("shanghai", "district-market-regulation-bureaus")),
        ("相关区市场监管局", SHANGHAI, ("shanghai", "district-market-regulation-bureaus")),
        ("各相关区市场监管局", SHANGHAI, ("shanghai", "district-market-regulation-bureaus")),
        ("区质量工作领导小组办公室", SHANGHAI, ("shanghai", "district-quality-work-leading-group-offices")),
        ("相关企业集团", SHANGHAI, ("shanghai", "enterprise-groups")),
        ("各相关企业集团", SHANGHAI, ("shanghai", "enterprise-groups")),
        ("团市委", SHANGHAI, ("shanghai", "youth-league")),
        ("市经信委", SHANGHAI, ("shanghai", "economy-informatization")),
        ("市经济信息化委", SHANGHAI, ("shanghai", "economy-informatization")),
        ("广电总局", None, ("cn", "nrta")),
        ("卫生健康委", None, ("cn", "nhc")),
        ("文化和旅游部", SHANGHAI, ("cn", "mct")),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_resolve_known_agencies(surface: str, city: str | None, key: tuple[str, ...]) -> None:
    ref = gazetteer().resolve(surface, _city(city) if city else None)
    assert ref is not None
    assert (*ref.scope, ref.ident) == key


def test_resolve_district_context_of_a_report() -> None:
    minhang = _city("310112")
    ref = gazetteer().resolve("区市场监管局", _city(SHANGHAI), minhang)
    assert ref is not None and (*ref.scope, ref.ident) == ("shanghai", "minhang", "market-regulation")


def test_resolve_collective_is_marked() -> None:
    ref = gazetteer().resolve("各区市场监管局", _city(SHANGHAI))
    assert ref is not None and ref.collective and ref.canonical == "上海市各区市场监督管理局"


def test_resolve_unknown_is_minted_deterministically_per_city() -> None:
    a = gazetteer().resolve("市行业质量工作促进会", _city(SHANGHAI))
    b = gazetteer().resolve("上海市行业质量工作促进会", _city(SHANGHAI))
    c = gazetteer().resolve("市行业质量工作促进会", _city(JINAN))
    assert a is not None and b is not None and c is not None
    assert a.ident == b.ident and a.ident.startswith("x-") and a.canonical == "上海市行业质量工作促进会"
    assert c.scope == ("jinan",) and c.canonical == "济南市行业质量工作促进会"


@pytest.mark.parametrize("surface", ["等", "有关单位", "相关成员单位", "各地区各部门"])
def test_resolve_junk_is_dropped(surface: str) -> None:
    assert gazetteer().resolve(surface, _city(SHANGHAI)) is None


def test_clean_surface() -> None:
    assert clean_surface("由市市场监管局等") == "市市场监管局"
