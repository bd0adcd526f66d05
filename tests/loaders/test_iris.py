"""IRI minting of loaders/iris.py and jurisdiction slugs of loaders/places.py."""

from __future__ import annotations

import pytest

from loaders import iris
from loaders.jurisdiction import find_jurisdiction
from loaders.places import pinyin_slug, places

BASE = "https://w3id.org/qgkg/id/"


def test_iri_patterns_of_model_doc() -> None:
    assert str(iris.city("shanghai")) == f"{BASE}city/shanghai"
    assert str(iris.district("shanghai", "huangpu")) == f"{BASE}district/shanghai/huangpu"
    assert str(iris.year(2021)) == f"{BASE}year/2021"
    assert str(iris.agency(("cn",), "mofcom")) == f"{BASE}agency/cn/mofcom"
    assert str(iris.agency(("shanghai", "huangpu"), "market-regulation")) == (
        f"{BASE}agency/shanghai/huangpu/market-regulation")
    assert str(iris.plan("shanghai-2021-plan.txt")) == f"{BASE}plan/shanghai-2021-plan"
    assert str(iris.fragment("shanghai-2018-plan.txt", 1)) == f"{BASE}plan/shanghai-2018-plan/fragment-1"
    assert str(iris.activity(iris.plan("a.txt"), 3)) == f"{BASE}plan/a/activity/3"


def test_iris_follow_the_base() -> None:
    assert str(iris.city("jinan", "http://example.org/x")) == "http://example.org/x/city/jinan"


def test_unknown_agency_id_is_stable() -> None:
    assert str(iris.unknown_agency_id("上海市质量协会")) == iris.unknown_agency_id("上海市质量协会")
    assert iris.unknown_agency_id("上海市质量协会") != iris.unknown_agency_id("济南市质量协会")


def test_file_slug_without_ascii_letters() -> None:
    assert iris.file_slug("质量月.txt").startswith("x-")


@pytest.mark.parametrize(
    ("name", "slug"),
    [("上海市", "shanghai"), ("浦东新区", "pudong"), ("济南市", "jinan"), ("长宁区", "changning"),
     ("重庆市", "chongqing"), ("闵行区", "minhang")],
)
def test_pinyin_slug(name: str, slug: str) -> None:
    assert pinyin_slug(name) == slug


def test_slugs_disambiguated_within_table() -> None:
    table = places()
    assert table.by_code["350100"].slug == "fuzhou-fujian"
    assert table.by_code["361000"].slug == "fuzhou-jiangxi"
    assert table.by_code["310000"].level == "city"


@pytest.mark.parametrize(
    ("text", "name"),
    [("上海市“质量月”活动安排。本市将开展活动。", "上海市"),
     ("济南市质量强市及品牌战略推进工作领导小组", "济南市"),
     ("山东省“质量月”活动方案", "山东省"),
     ("全国“质量月”活动安排", "全国")],
    ids=["city", "issuer", "province", "national"],
)
def test_find_jurisdiction(text: str, name: str) -> None:
    assert find_jurisdiction(text).name == name


def test_find_jurisdiction_ignores_city_names_inside_district_names() -> None:
    text = ("推动高质量发展 北京各区在行动\n朝阳区\n开展活动\n9月3日，朝阳区市场监管局联合有关单位开展活动。\n"
            "朝阳区开展活动")
    assert find_jurisdiction(text).name == "北京市"
