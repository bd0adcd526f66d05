"""The table of jurisdictions (loaders/places.py) and the issuing unit of a document
(loaders/jurisdiction.py), on short texts written for these tests in the manner of real pages."""

from __future__ import annotations

import pytest

from loaders.jurisdiction import find_jurisdiction, jurisdiction_note, resolve_jurisdiction, unit_word
from loaders.places import COUNTRY, UNKNOWN, places
from loaders.plan import place_iri

BASE = "https://w3id.org/qgkg/id/"


def named(name: str, parent: str | None = None):  # type: ignore[no-untyped-def]
    """The one place of the table with this full name (under ``parent`` when given)."""
    table = places()
    found = [p for p in table.by_name[name] if parent is None or parent in [q.name for q in table.lineage(p)]]
    assert len(found) == 1, (name, found)
    return found[0]


# -- the table -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "parent", "level"), [
    ("福鼎市", None, "county"), ("桐城市", None, "county"), ("什邡市", None, "county"),
    ("武功县", None, "county"), ("宾川县", None, "county"), ("鄂托克旗", None, "county"),
    ("长阳土家族自治县", None, "county"), ("定安县", None, "county"),
    ("黄浦区", "上海市", "district"), ("芙蓉区", None, "district"), ("江宁区", None, "district"),
    ("浦东新区", None, "district"),
    ("宁德市", None, "city"), ("大理白族自治州", None, "city"), ("上海市", None, "city"),
    ("图木舒克市", None, "city"), ("仙桃市", None, "city"),
    ("甘肃省", None, "province"), ("广西壮族自治区", None, "province"),
], ids=lambda v: str(v))
def test_places_level(name: str, parent: str | None, level: str) -> None:
    assert named(name, parent).level == level


@pytest.mark.parametrize(("name", "parent", "chain"), [
    ("武功县", None, ["咸阳市", "陕西省", "全国"]),
    ("桐城市", None, ["安庆市", "安徽省", "全国"]),
    ("黄浦区", "上海市", ["上海市", "全国"]),
    ("上海市", None, ["全国"]),
    ("仙桃市", None, ["湖北省", "全国"]),
    ("定安县", None, ["海南省", "全国"]),
    ("大理白族自治州", None, ["云南省", "全国"]),
    ("甘肃省", None, ["全国"]),
], ids=lambda v: str(v))
def test_places_lineage_up_to_the_country(name: str, parent: str | None, chain: list[str]) -> None:
    assert [p.name for p in places().lineage(named(name, parent))[1:]] == chain


@pytest.mark.parametrize(("name", "parent", "city"), [
    ("武功县", None, "咸阳市"), ("芙蓉区", None, "长沙市"), ("宾川县", None, "大理白族自治州"),
    ("桐城市", None, "安庆市"), ("黄浦区", "上海市", "上海市"), ("宁德市", None, "宁德市"),
    ("图木舒克市", None, "图木舒克市"), ("定安县", None, None), ("甘肃省", None, None),
], ids=lambda v: str(v))
def test_places_city_of(name: str, parent: str | None, city: str | None) -> None:
    found = places().city_of(named(name, parent))
    assert (found.name if found else None) == city


def test_places_city_of_country_and_unknown_is_none() -> None:
    assert places().city_of(COUNTRY) is None and places().city_of(UNKNOWN) is None
    assert places().parent(COUNTRY) is None and places().parent(UNKNOWN) == COUNTRY


@pytest.mark.parametrize(("name", "parent", "iri"), [
    ("上海市", None, "city/shanghai"), ("黄浦区", "上海市", "district/shanghai/huangpu"),
    ("济南市", None, "city/jinan"), ("桐城市", None, "county/anqing/tongcheng"),
    ("武功县", None, "county/xianyang/wugong"), ("仙桃市", None, "city/xiantao"),
    ("定安县", None, "county/hainan/dingan"), ("山东省", None, "province/shandong"),
], ids=lambda v: str(v))
def test_place_iri(name: str, parent: str | None, iri: str) -> None:
    assert str(place_iri(named(name, parent), BASE)) == BASE + iri


def test_place_iri_country_and_unknown() -> None:
    assert str(place_iri(COUNTRY, BASE)) == BASE + "country/cn"
    assert str(place_iri(UNKNOWN, BASE)) == BASE + "place/unknown"


def test_place_iris_unique_over_the_table() -> None:
    table = places()
    iris = [place_iri(p, BASE) for p in table.by_code.values()]
    assert len(set(iris)) == len(iris)


@pytest.mark.parametrize(("name", "parent", "unit"), [
    ("武功县", None, "县"), ("桐城市", None, "市"), ("芙蓉区", None, "区"), ("大理白族自治州", None, "州"),
    ("广西壮族自治区", None, "区"), ("甘肃省", None, "省"), ("鄂托克旗", None, "旗"),
], ids=lambda v: str(v))
def test_unit_word(name: str, parent: str | None, unit: str) -> None:
    assert unit_word(named(name, parent)) == unit


# -- the issuing unit --------------------------------------------------------------------------------
COUNTY_SITE = """青川县人民政府网
首页 | 新闻中心 | 部门动态 | 政务公开
县市场监管局举办“质量月”集中宣传活动
发布时间：2022-09-10 09:12  来源：县市场监管局
9月8日上午，县市场监管局联合县教育局、县农业农村局在县城广场举办“质量月”集中宣传活动，现场发放宣传资料900余份，解答群众咨询150余人次。
下一步，县市场监管局将继续推进质量强县建设，营造全县重视质量的氛围。
【打印】【关闭】
主办：青川县人民政府办公室  技术支持：县大数据中心
"""

COUNTY_CITY = """福鼎市2021年“质量月”活动方案
为深入推进质量强市建设，结合我市实际，制定本方案。
一、举办启动仪式。9月上旬在市区广场举办全市“质量月”启动仪式。（牵头单位：市市场监管局）
二、开展质量教育进校园活动。（牵头单位：市教育局；配合单位：市市场监管局）
福鼎市质量强市工作领导小组办公室
2021年8月25日
"""

DISTRICT_WITH_CITY = """杭州市西湖区2020年“质量月”活动安排
为推进质量强区建设，现将全区“质量月”活动安排如下。
1.举办全区质量工作推进会。（牵头单位：区市场监管局）
2.开展计量惠民进社区活动。（牵头单位：区市场监管局；配合单位：各街道）
"""

CITY_NEWS = """湘潭新闻网 > 本地新闻
湘潭启动2020年“质量月”活动
2020-09-03 08:40  来源：湘潭日报
9月2日，由市质量强市工作领导小组办公室主办的“质量月”启动仪式在雨湖区万达广场举行，市市场监管局、市教育局等20余个部门参加，现场为市长质量奖获奖企业授牌。
据悉，市市场监管局还将在岳塘区、湘潭县组织“计量惠民”服务，全市共安排各类活动30余项。
"""

CITY_ROUNDUP = """宜宾各区县多形式开展“质量月”活动
来源：宜宾市市场监督管理局
翠屏区
9月6日，翠屏区市场监管局举办质量知识竞赛，区内20余家企业参加。
南溪区
9月10日，南溪区市场监管局联合区教育局开展质量教育进校园活动。
江安县
9月15日，江安县市场监管局在县城开展计量器具免费检定。
"""

PROVINCE = """湖北省人民政府 > 部门动态
我省部署开展2021年“质量月”活动
来源：省市场监管局
记者从省市场监管局获悉，今年9月全省将开展“质量月”活动，省市场监管局联合省教育厅、省总工会等部门围绕质量提升开展系列活动，各市州同步组织。
"""

NATIONAL = """市场监管总局等部门关于开展2023年全国“质量月”活动的通知
各省、自治区、直辖市和新疆生产建设兵团有关部门：
为动员全社会关注质量，市场监管总局、国家发展改革委、工业和信息化部、教育部等部门决定在全国开展“质量月”活动。
工业和信息化部将组织品牌培育活动；教育部将推动质量教育进校园；全国总工会将组织群众性质量活动。
"""

MASKED = """xx县2019年“质量月”活动方案
为提高全县质量总体水平，经局党组研究，决定在全县开展“质量月”活动。
一、成立xx县质监局“质量月”活动领导小组。
二、开展质量宣传咨询日活动。（责任单位：县质监局质量股）
三、开展计量器具专项检查。（责任单位：县质监局计量股）
"""

SPAM_NAME = """澳门葡京娱乐官方网站县质监局开展“质量月”宣传活动
来源：县质监局
9月12日，县质监局在县城广场开展“质量月”宣传咨询活动，县工商局、县食药监局参加，全县20余家企业参与展示。
"""

AMBIGUOUS = """朝阳区开展“质量月”系列活动
来源：朝阳区市场监管局
9月5日，区市场监管局联合区教育局开展质量教育进校园活动，全区30余所学校参加。
"""

AMBIGUOUS_RESOLVED = """长春市朝阳区开展“质量月”系列活动
来源：朝阳区市场监管局
9月5日，区市场监管局联合区教育局开展质量教育进校园活动，全区30余所学校参加。
"""

PROVINCE_CITY = """仙桃市2020年“质量月”活动方案
为深入推进质量强市建设，现就开展全市“质量月”活动安排如下。
一、召开全市质量工作会议。（牵头单位：市市场监管局）
二、开展“质量开放日”活动。（牵头单位：市市场监管局；配合单位：市教育局）
"""

CITY_PAGE_COUNTY_NEWS = """咸阳新闻网 > 县区动态
质量知识走进校园
来源：咸阳日报
9月10日，武功县市场监管局联合县教育局走进县城第二小学，开展“质量月”质量教育主题课。县市场监管局工作人员向学生讲解产品标识知识，全县共有12所学校参加。
"""

SHORT_NAMES = """临沂平邑开展“质量月”活动
来源：县市场监管局
9月5日，县市场监管局在县城举办金银花产业质量提升交流会，全县30余家企业参加。
"""


PROVINCE_SHORT_COUNTY = """浙江德清开展“质量月”系列活动
来源：县融媒体中心
9月5日，县市场监管局联合县教育局开展质量进校园活动，全县20余所学校参加。
"""

NATIONAL_ROUNDUP = """各地多形式开展“质量月”活动
来源：市场监管总局网站
9月以来，北京市市场监管局举办质量论坛，上海市市场监管局开展质量开放日，广东省市场监管局组织质量培训。市场监管总局有关负责人表示，国家认监委、国家标准委将继续推进相关工作。
"""

CITY_VOICE_VENUE_ONLY = """我市“质量月”启动仪式在醴陵举行
9月3日，市质量强市工作领导小组办公室在醴陵市举行全市“质量月”启动仪式，市市场监管局、市教育局参加，全市共安排活动30余项。
"""


@pytest.mark.parametrize(("text", "place", "city", "level"), [
    (COUNTY_SITE, "青川县", "广元市", "county"),
    (COUNTY_CITY, "福鼎市", "宁德市", "county"),
    (DISTRICT_WITH_CITY, "西湖区", "杭州市", "district"),
    (CITY_NEWS, "湘潭市", "湘潭市", "city"),
    (CITY_ROUNDUP, "宜宾市", "宜宾市", "city"),
    (PROVINCE, "湖北省", None, "province"),
    (NATIONAL, "全国", None, "country"),
    (AMBIGUOUS_RESOLVED, "朝阳区", "长春市", "district"),
    (PROVINCE_CITY, "仙桃市", "仙桃市", "city"),
    (CITY_PAGE_COUNTY_NEWS, "武功县", "咸阳市", "county"),
    (SHORT_NAMES, "平邑县", "临沂市", "county"),
    (PROVINCE_SHORT_COUNTY, "德清县", "湖州市", "county"),
    (NATIONAL_ROUNDUP, "全国", None, "country"),
], ids=["county-named-in-site-and-footer", "county-level-city", "district-with-its-city",
        "city-news-event-in-a-district", "city-roundup-of-its-districts", "province", "national",
        "ambiguous-district-resolved-by-city", "city-under-a-province", "city-page-county-news",
        "county-short-name-after-city", "county-short-name-after-province", "national-roundup-of-places"])
def test_resolve_jurisdiction(text: str, place: str, city: str | None, level: str) -> None:
    found = resolve_jurisdiction(text)
    assert (found.place.name, found.place.level) == (place, level)
    assert (found.city.name if found.city else None) == city
    assert found.note is None and jurisdiction_note(text) is None


@pytest.mark.parametrize(("text", "reason"), [
    (MASKED, "masked in the text (xx县)"),
    (SPAM_NAME, "spam where the name was"),
    (AMBIGUOUS, "ambiguous place name 朝阳区"),
    (CITY_VOICE_VENUE_ONLY, "local bodies (市…) but no place named"),
], ids=["masked-county", "name-replaced-by-spam", "ambiguous-district", "city-voice-venue-only"])
def test_resolve_jurisdiction_unknown_place(text: str, reason: str) -> None:
    found = resolve_jurisdiction(text)
    assert found.place == UNKNOWN and found.city is None
    assert found.note is not None and reason in found.note and "jurisdiction unknown" in found.note


def test_find_jurisdiction_local_document_never_national_by_default() -> None:
    text = "2019年“质量月”活动方案\n县质监局牵头，在全县开展质量宣传活动。根据质检总局通知要求，全县同步开展。\n"
    assert find_jurisdiction(text) == UNKNOWN


def test_find_jurisdiction_no_place_no_voice_is_unknown() -> None:
    assert find_jurisdiction("关于开展质量宣传活动的安排\n各单位要认真组织，确保取得实效。\n") == UNKNOWN


@pytest.mark.parametrize("text", [
    "平邑金银花质量提升交流会在县城举行\n9月5日，交流会举行。\n",
    "开展质量强县示范县创建活动\n9月5日，创建活动启动。\n",
], ids=["county-short-name-alone", "word-holding-a-county-name"])
def test_find_jurisdiction_no_county_from_ordinary_words(text: str) -> None:
    assert find_jurisdiction(text).level not in ("county", "district")


def test_find_jurisdiction_voice_is_the_county_level_city() -> None:
    # the prefecture names the site, the county-level city the headline: the city's own voice (市…)
    text = "安庆市人民政府网\n桐城市召开2018年“质量月”活动推进会\n来源：桐城市市场监督管理局\n" \
           "9月5日，市市场监督管理局召开推进会，全市60余家企业参加。\n主办：安庆市人民政府办公室\n"
    assert find_jurisdiction(text).name == "桐城市"
