"""Extraction rules of loaders/extract.py, on real snippets of the bundled plans."""

from __future__ import annotations

import datetime as dt

import pytest

from loaders.extract import (
    activity_title,
    cited_documents,
    event_date,
    event_paragraph,
    find_year,
    issuer_in_prose,
    item_mentions,
    report_mentions,
    role_mentions,
    split_agency_list,
)
from loaders.programmes import programmes_in


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("1.举办年度上海市“质量月”启动仪式。发布上海“质量月”活动安排。(市质量工作领导小组办公室)",
         "举办年度上海市“质量月”启动仪式"),
        ("1. 召开全市质量大会，表彰年度市长质量奖和质量金奖获奖组织和个人。",
         "召开全市质量大会，表彰年度市长质量奖和质量金奖获奖组织和个人"),
        ("3. 推动一批重点领域质量提升，围绕消费品、高端装备制造业、核心基础零部件及原材料、农产品与食品药品、"
         "服务业等重点领域，组织召开质量提升交流研讨。", "推动一批重点领域质量提升"),
        ("1.立足首都城市战略定位,围绕国家重大战略实施和重点领域安全能力建设,择优培育发挥引领带动作用的质量强国领军企业。",
         "立足首都城市战略定位"),
        ("(一)广泛开展质量主题宣传活动。发挥市质量强市及品牌战略推进工作领导小组办公室牵头抓总的作用。",
         "广泛开展质量主题宣传活动"),
        ("商务部：组织开展“诚信兴商宣传月”活动，提升企业诚信经营意识。",
         "组织开展“诚信兴商宣传月”活动，提升企业诚信经营意识"),
    ],
    ids=["sentence", "short-with-comma", "long-cut-at-comma", "ascii-comma", "paragraph", "department"],
)
def test_activity_title_first_clause(text: str, title: str) -> None:
    assert activity_title(text) == title


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("市、区质量工作领导小组办公室", ["市质量工作领导小组办公室", "区质量工作领导小组办公室"]),
        ("市市场监管局、市行业质量工作促进会及相关成员单位、相关企业集团等",
         ["市市场监管局", "市行业质量工作促进会", "相关成员单位", "相关企业集团"]),
        ("市市场监管局、市经济信息化委、有关质量技术机构和企业集团",
         ["市市场监管局", "市经济信息化委", "有关质量技术机构", "企业集团"]),
        ("市总工会、团市委、市质量协会,相关区市场监管局,相关企业集团等",
         ["市总工会", "团市委", "市质量协会", "相关区市场监管局", "相关企业集团"]),
        ("市民政局、市文化和旅游局", ["市民政局", "市文化和旅游局"]),
    ],
    ids=["shared-body", "ji-joiner", "he-joiner", "mixed-commas", "he-inside-name"],
)
def test_split_agency_list(text: str, names: list[str]) -> None:
    assert split_agency_list(text) == names


def test_item_mentions_trailing_parenthesis_are_leads() -> None:
    text = "8.开展企业首席质量官交流活动。推动企业高质量发展。(市市场监管局、各区市场监管局、相关企业集团等)"
    assert [(m.surface, m.role) for m in item_mentions(text)] == [
        ("市市场监管局", "lead"), ("各区市场监管局", "lead"), ("相关企业集团", "lead")]


def test_item_mentions_ignores_non_agency_parenthesis() -> None:
    assert item_mentions("印发《医疗质量安全核心制度要点（2018年版）》并组织宣传培训。") == []


def test_role_mentions_lead_verb() -> None:
    text = ("(一)广泛开展质量主题宣传活动。发挥市质量强市及品牌战略推进工作领导小组办公室牵头抓总的作用,"
            "牵头组织举办启动仪式。")
    office = "市质量强市及品牌战略推进工作领导小组办公室"
    assert [(m.surface, m.role) for m in role_mentions(text)] == [(office, "lead")]


def test_role_mentions_support_verb() -> None:
    mentions = role_mentions("由市市场监管局牵头,市教育局配合,开展质量教育进校园活动。")
    assert [(m.surface, m.role) for m in mentions] == [("市市场监管局", "lead"), ("市教育局", "support")]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("9月3日,黄浦区市场监管局联合市眼镜行业协会,邀请眼镜验配行业专家,走进上海市第八中学。",
         ["黄浦区市场监管局", "市眼镜行业协会"]),
        ("9月3日,静安区市场监管局组织上海雷允上药业西区有限公司等企业举办活动。", ["静安区市场监管局"]),
        ("9月12日上午,徐汇区市场监督管理局联合上海市药材有限公司来到长桥街道邻里汇。",
         ["徐汇区市场监督管理局", "上海市药材有限公司"]),
        ("9月6日,闵行区举办“质量月”启动仪式。", []),
    ],
    ids=["lianhe", "zuzhi", "morning", "bare-district"],
)
def test_report_mentions_organisers(body: str, names: list[str]) -> None:
    assert [m.surface for m in report_mentions(body)] == names


def test_event_paragraph_skips_caption() -> None:
    body = "嘉定区举办“卓行越远”质量论坛\n9月11日下午,嘉昆太三地市场监管局于嘉定区举办论坛。\n论坛邀请各路专家。"
    assert event_paragraph(body).startswith("9月11日下午")


def test_event_date_uses_plan_year() -> None:
    assert event_date("9月3日,黄浦区市场监管局联合市眼镜行业协会", 2019) == dt.date(2019, 9, 3)
    assert event_date("9月质量月期间,虹口区委托第三方机构", 2019) is None


def test_find_year_title_then_context_then_signature() -> None:
    assert find_year("——2018年上海“质量月”主要活动安排", "", None) == 2018
    assert find_year("", "相关部门将于2021年9月开展上海市“质量月”活动。", None) == 2021
    assert find_year("", "现将2022年全市“质量月”活动安排如下", None) == 2022
    assert find_year("", "无年份", dt.date(2024, 8, 20)) == 2024


def test_cited_documents_by_number() -> None:
    text = "《关于开展质量提升行动加快质量强市建设的实施方案》(济发〔2018〕36号)、《规划》(济质强发〔2021〕1号)"
    assert cited_documents(text) == ["济发〔2018〕36号", "济质强发〔2021〕1号"]


def test_issuer_in_prose() -> None:
    text = "为全面贯彻落实决策部署,市质量工作领导小组办公室等相关部门将于2021年9月开展上海市“质量月”活动。"
    assert issuer_in_prose(text) == "市质量工作领导小组办公室"


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("8.开展企业首席质量官交流活动。", ["chief_quality_officer"]),
        ("18.开展质量基础设施“一站式”服务行动。", ["nqi_one_stop"]),
        ("组织上海德诺产品检测有限公司等企业举办“质量月”宣传咨询便民活动。", []),
    ],
    ids=["cqo", "one-stop", "company-name-masked"],
)
def test_programmes_in_trigger_terms(text: str, codes: list[str]) -> None:
    assert programmes_in(text) == codes


def test_subject_mentions_of_an_enumerated_item() -> None:
    """The subjects of an enumerated item's sentences (how the enumeration strategy reads it)."""
    from loaders.extract import strip_marker
    from loaders.mentions import clause_mentions_of

    def subject_mentions(text: str) -> list:  # type: ignore[type-arg]
        return clause_mentions_of(strip_marker(text))

    text = "一是开展企业首席质量官交流活动。市市场监管局、市商务委开展企业首席质量官交流活动。"
    assert [m.surface for m in subject_mentions(text)] == ["市市场监管局", "市商务委"]
    assert subject_mentions("一是召开全市质量大会。表彰年度获奖组织。") == []


@pytest.mark.parametrize(
    "text,year",
    [
        ("今年9月是全国第45个“质量月”。", 2022),
        ("今年是开展全国“质量月”活动的第41年。", 2018),
        ("活动以“推动质量变革创新 促进质量强国建设”为主题。", 2022),
        ("发布时间：2020-09-08\n县局开展质量宣传。", 2020),
    ],
    ids=["nth-month", "nth-year", "national-theme", "page-date"],
)
def test_find_year_without_a_year_in_the_title(text: str, year: int) -> None:
    assert find_year("", text, None) == year
