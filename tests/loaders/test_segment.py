"""Layout rules of loaders/segment.py, on real snippets of the bundled plans."""

from __future__ import annotations

import pytest

from loaders.layouts import LAYOUTS, segment
from loaders.numbered import (
    segment_chinese_sections,
    segment_department_colon,
    segment_district_report,
    segment_enumeration,
    segment_numbered,
)
from loaders.segment import is_open, item_number

SHANGHAI_2018 = """质量提升 助力卓越的全球城市建设

——2018年上海“质量月”主要活动安排

深入贯彻实施《中共中央国务院关于开展质量提升行动的指导意见》，按照国务院、市政府

相关部署，结合本市实际，广泛开展多层次、多渠道、覆盖广的“质量月”活动。

（一）开展质量提升行动，打响上海“四大品牌”

1. 召开全市质量大会，表彰年度

市长质量奖和质量金奖获奖组织和个人。

2. 发布年度《上海市质量状况白皮书》。

（二）开展质量宣传活动，营造良好质量发展氛围

3.组建全市质量宣讲团。组织本市市政府质量奖获奖组织中高层管理人员。

4.开展旅游服务质量提升。开

展安全旅游、品质旅游、文明旅游大型咨询活动。
"""

BEIJING_DAMAGED = """二、重点活动内容
（一）广泛开展主题宣传,推进质量强国建设
深入学习领会党的二十届三中全会精神,牢固树立质量第一意识。
1.设计“2024年质量月”宣传动画、宣传海报传播质量月活动主题及口号;各地区各部门结合实际举办活动。
2.开展质量科普宣传进社区、进商超、进企业、进园区、进学校等活动。
?。ㄋ模﹪绤柎驌糍|量违法行为,维护公平竞争秩序
各区、各部门依法履职,促进和保护市场公平竞争。
1.聚焦食品药品安全、特种设备安全、产品质量安全的关键风险点。
2.在进出口商品领域开展法定检验商品以外商品抽查检验。
三、活动要求
(一)高度重视,精心策划。各单位(部门)要认真做好活动的整体策划和具体组织工作。
附件:2024年北京市“质量月”活动口号
北京市贯彻质量强国战略工作
领导小组办公室
2024年8月20日
口号:
1.实施质量强国战略 推动首都高质量发展
2.开展质量提升行动 推进质量强国建设
"""

JINAN = """市质量强市及品牌战略推进工作领导小组成员单位,各有关企业、单位:
为深入贯彻落实市委、市政府要求,现将2022年全市“质量月”活动安排如下。
一、指导思想
以习近平新时代中国特色社会主义思想为指导,加快建设质量强市。
二、活动主题
争创标杆开新局 质量强市促发展
三、活动重点
市第十二次党代会提出“勇当排头兵,开创新局面”的发展主题。
(一)广泛开展质量主题宣传活动。发挥市质量强市及品牌战略推进工作领导小组办公室牵头抓总的作用。
(二)不断加大质量教育力度。加大质量人才教育培训力度。
四、活动要求
(一)高度重视,精心组织。各单位要高度重视,结合自身实际,制定活动方案。
附件:1.2022年“质量月”市直部门拟开展的主要活动
2.2022年“质量月”各区县拟开展的主要活动
济南市质量强市及品牌战略推进工作领导小组
2022年8月23日"""

REPORT = """推动高质量发展 上海各区在行动

黄浦区

开展眼镜质量知识进校园公益宣讲活动

9月3日,黄浦区市场监管局联合市眼镜行业协会,走进上海市第八中学,开展公益宣讲活动。

静安区

开展“质量月”现场宣传咨询活动

9月3日,静安区市场监管局组织上海德诺产品检测有限公司等企业举办“质量月”宣传咨询便民活动。
"""


def _acts(segments):  # type: ignore[no-untyped-def]
    return [s for s in segments if s.kind == "activity"]


@pytest.mark.parametrize(
    ("line", "number"),
    [("1.举办年度", 1), ("1、开展", 1), ("１．开展", 1), ("12. 召开", 12), ("(3)开展", 3), ("（一）开展", None)],
    ids=["dot", "comma", "fullwidth", "space", "paren", "chinese"],
)
def test_item_number_markers(line: str, number: int | None) -> None:
    assert item_number(line) == number


@pytest.mark.parametrize(
    ("line", "expected"),
    [("1. 召开全市质量大会，表彰年度", True), ("2. 发布年度《上海市质量状况白皮书》。", False),
     ("（一）开展质量提升行动，打响上海“四大品牌”", False), ("开展全国旅行社诚信经营培训，", True)],
    ids=["mid-word", "full-stop", "closing-quote", "comma"],
)
def test_is_open_line_breaks(line: str, expected: bool) -> None:
    assert is_open(line) is expected


def test_segment_numbered_joins_page_breaks_and_keeps_sections() -> None:
    acts = _acts(segment_numbered(SHANGHAI_2018))
    assert [a.marker for a in acts] == ["1", "2", "3", "4"]
    assert acts[0].text == "1. 召开全市质量大会，表彰年度市长质量奖和质量金奖获奖组织和个人。"
    assert "开展安全旅游" in acts[3].text
    assert acts[2].section == "（二）开展质量宣传活动，营造良好质量发展氛围"


def test_segment_numbered_title_lines_are_not_preamble_text() -> None:
    kinds = [s.kind for s in segment_numbered(SHANGHAI_2018)[:3]]
    assert kinds == ["title", "title", "preamble"]


def test_segment_numbered_spans_point_into_the_text() -> None:
    for seg in segment_numbered(SHANGHAI_2018):
        assert SHANGHAI_2018[seg.start:seg.end].startswith(seg.text[:5])
        assert seg.render(SHANGHAI_2018) == seg.text


def test_segment_numbered_recovers_damaged_section_by_order() -> None:
    segments = segment_numbered(BEIJING_DAMAGED)
    assert [a.marker for a in _acts(segments)] == ["(一)1", "(一)2", "(二)1", "(二)2"]
    recovered = [s for s in segments if s.kind == "section" and s.note]
    assert len(recovered) == 1 and "recovered (二)" in recovered[0].note


def test_segment_numbered_requirements_slogans_signature_are_not_activities() -> None:
    kinds = {s.kind for s in segment_numbered(BEIJING_DAMAGED)}
    assert {"requirements", "slogans", "signature", "attachments", "section-intro"} <= kinds
    assert len(_acts(segment_numbered(BEIJING_DAMAGED))) == 4


def test_segment_numbered_ignores_numbered_attachments() -> None:
    assert _acts(segment_numbered(JINAN)) == []


def test_segment_chinese_sections_paragraphs_under_activity_heading() -> None:
    acts = _acts(segment_chinese_sections(JINAN))
    assert [a.marker for a in acts] == ["(一)", "(二)"]
    assert acts[0].section == "三、活动重点"


def test_segment_district_report_heading_title_paragraphs() -> None:
    acts = _acts(segment_district_report(REPORT))
    assert [(a.marker, a.title) for a in acts] == [
        ("黄浦区", "开展眼镜质量知识进校园公益宣讲活动"), ("静安区", "开展“质量月”现场宣传咨询活动")]
    assert acts[0].text.splitlines()[1].startswith("9月3日")


def test_segment_department_colon_one_activity_per_department() -> None:
    text = ("准培训班；开展推进兽药生产环节追溯专项督查。\n商务部：组织开展“诚信兴商宣传月”活动。\n"
            "文化和旅游部：开展诚信经营培训，\n发布旅行社诚信经营“十不准”等。\n")
    segments = segment_department_colon(text)
    assert [s.kind for s in segments] == ["fragment-tail", "activity", "activity"]
    assert segments[2].text == "文化和旅游部：开展诚信经营培训，发布旅行社诚信经营“十不准”等。"


def test_segment_enumeration_clauses() -> None:
    text = "一是着力完善质量提升政策措施。以市委为统领。\n二是全力打响“四大品牌”。认真贯彻落实。\n"
    assert [a.marker for a in _acts(segment_enumeration(text))] == ["一是", "二是"]


@pytest.mark.parametrize(
    ("text", "layout"),
    [(SHANGHAI_2018, "numbered"), (JINAN, "chinese_sections"), (REPORT, "district_report"),
     (BEIJING_DAMAGED, "numbered")],
    ids=["shanghai-2018", "jinan", "report", "beijing"],
)
def test_segment_chooses_layout_by_detection(text: str, layout: str) -> None:
    assert segment(text)[0] == layout
    assert layout in {lay.name for lay in LAYOUTS}


def test_segment_every_line_ends_up_in_a_segment() -> None:
    _, segments = segment(BEIJING_DAMAGED)
    covered = "".join(BEIJING_DAMAGED[a:b] for s in segments for a, b, _ in s.parts)
    assert len(covered.replace("\n", "")) == len("".join(BEIJING_DAMAGED.split("\n")))


def test_segment_numbered_tolerates_gbk_damage_before_markers() -> None:
    text = ("一、活动主题\n追求卓越 质量第一\n?《�、重点活动内容\n1.开展服务质量监测和检查。加强监督检查。\n"
            "?�2.开展缺陷消费品召回宣传。加强监督检查。\n3.开展服务质量监测和检查。面向中小企业。\n")
    assert [a.marker for a in _acts(segment_numbered(text))] == ["1", "2", "3"]
