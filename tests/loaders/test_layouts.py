"""Layout strategies and their choice (loaders/layouts.py, prose.py, tables.py, headings.py) on
invented texts, one per layout family."""

from __future__ import annotations

from collections import Counter

import pytest

from loaders.layouts import LAYOUTS, choose

NEWS = """县市场监管局开展“质量月”计量惠民活动
　　近日，青石县市场监管局组织计量检定人员走进城关农贸市场，开展“质量月”计量惠民服务活动，为经营户免费检定电子秤80余台。
　　活动中，工作人员向经营户讲解了计量器具使用常识。据统计，当天共发放宣传资料300余份。
　　下一步，该局将继续加强计量监管。
"""
SEMICOLON = ("今年“质量月”期间，全市共安排4个方面20项活动。主要活动包括：发布全市质量发展报告；"
             "举办企业首席质量官培训班；由市总工会牵头举办QC小组成果发表赛；开展电动自行车质量安全专项整治。\n")
AGENCY_CLAUSES = ("按照安排，市市场监管局将开展质量开放日活动；市教育局将组织质量知识进校园；"
                  "团市委将举办青年质量创新大赛。\n")
TOPIC = """——聚焦校园，开展质量教育进课堂。9月10日，县市场监管局联合县教育局走进县实验小学，讲解产品标识常识。
——聚焦民生，开展计量惠民服务。9月17日，县市场监管局组织检定人员深入集贸市场，免费检定电子秤。
"""
QUOTED = """据介绍，活动期间各成员单位将陆续开展“茶叶品牌推介周”、“电梯安全宣传周”和“质量开放日”等20余项活动。
"""
PIPE = """| 序号 | 活动名称 | 活动内容 | 牵头单位 | 配合单位 |
| 1 | 质量宣传咨询日 | 在广场设咨询台 | 县市场监管局 | 县融媒体中心 |
| 2 | 首席质量官培训 | 开展企业培训 | 县工信局 | 县市场监管局 |
"""
LINES = """序号
活动名称
主要内容
责任单位
1
计量专项检查
对加油机开展计量检定
计量科
2
质量开放日
邀请市民参观实验室
市检验所
"""
HEADINGS = """一、举办“质量月”启动仪式
9月初，由县市场监管局牵头，在县城广场举办启动仪式。
二、开展质量开放日活动
组织中小学生走进县检验检测中心。（牵头单位：县教育局）
三、工作要求
各单位要高度重视。
"""


@pytest.mark.parametrize(
    "text,layout,titles,leads",
    [
        (NEWS, "prose", ["开展“质量月”计量惠民服务活动"], [["青石县市场监管局"]]),
        (SEMICOLON, "prose", ["发布全市质量发展报告", "举办企业首席质量官培训班", "由市总工会牵头举办QC小组成果发表赛",
                              "开展电动自行车质量安全专项整治"], [[], [], ["市总工会"], []]),
        (AGENCY_CLAUSES, "prose", ["市市场监管局将开展质量开放日活动", "市教育局将组织质量知识进校园",
                                   "团市委将举办青年质量创新大赛"], [["市市场监管局"], ["市教育局"], ["团市委"]]),
        (TOPIC, "prose", ["聚焦校园，开展质量教育进课堂", "聚焦民生，开展计量惠民服务"],
         [["县市场监管局", "县教育局"], ["县市场监管局"]]),
        (QUOTED, "prose", ["“茶叶品牌推介周”", "“电梯安全宣传周”", "“质量开放日”"], [[], [], []]),
        (PIPE, "table_pipe", ["质量宣传咨询日", "首席质量官培训"], [["县市场监管局"], ["县工信局"]]),
        (LINES, "table_lines", ["计量专项检查", "质量开放日"], [["计量科"], ["市检验所"]]),
        (HEADINGS, "top_items", ["举办“质量月”启动仪式", "开展质量开放日活动"], [["县市场监管局"], ["县教育局"]]),
    ],
    ids=["news-event", "semicolon-list", "agency-clauses", "topic-dash", "quoted-list", "pipe-table",
         "cell-per-line-table", "top-headings"],
)
def test_choose_reads_each_layout(text: str, layout: str, titles: list[str], leads: list[list[str]]) -> None:
    choice = choose(text)
    acts = [s for s in choice.segments if s.kind == "activity"]
    assert choice.name == layout
    assert [(s.title or s.text).strip("。") for s in acts] == titles
    assert [[m.surface for m in choice.mentions(s) if m.role == "lead"] for s in acts] == leads


def test_counts_statistics_and_intentions_are_not_activities() -> None:
    text = ("今年全市共开展6个方面91项活动。据统计，活动期间共发放资料3万份。"
            "下一步，市市场监管局将持续开展质量提升行动。\n9月5日，市市场监管局在人民广场举办质量宣传咨询活动。\n")
    acts = [s for s in choose(text).segments if s.kind == "activity"]
    assert [s.title for s in acts] == ["举办质量宣传咨询活动"]


def test_supporters_are_kept_apart_from_leads() -> None:
    choice = choose(PIPE)
    first = next(s for s in choice.segments if s.kind == "activity")
    pairs = [(m.surface, m.role) for m in choice.mentions(first)]
    assert pairs == [("县市场监管局", "lead"), ("县融媒体中心", "support")]


@pytest.mark.parametrize("text", [NEWS, SEMICOLON, AGENCY_CLAUSES, TOPIC, PIPE, LINES, HEADINGS])
def test_every_line_ends_in_a_named_segment(text: str) -> None:
    """Strict interpretation: the chosen strategy names every line it does not take as an activity."""
    segments = choose(text).segments
    covered = "".join(s.render(text) + ("" if (s.marker or "") in s.render(text) else s.marker or "")
                      for s in segments)
    assert Counter(_words(covered)) == Counter(_words(text))


def _words(text: str) -> list[str]:
    return [ch for ch in text if ch.isalnum()]


def test_the_layouts_are_ordered_specific_first() -> None:
    names = [s.name for s in LAYOUTS]
    assert names[0] == "district_report" and names[-1] == "prose"


@pytest.mark.parametrize(
    "text,title,leads",
    [
        ("县市场监管局开展“质量月”计量惠民活动\n为规范计量行为，县市场监管局检定人员走进农贸市场，为经营户检定电子秤。\n",
         "开展“质量月”计量惠民活动", ["县市场监管局"]),
        ("为深入贯彻质量强国建设纲要，进一步增强质量意识，9月12日，城西区市场监管局联合区教育局在区实验小学开展"
         "质量知识进校园活动。\n", "开展质量知识进校园活动", ["城西区市场监管局", "区教育局"]),
    ],
    ids=["event-only-in-the-headline", "date-after-a-purpose-clause"],
)
def test_news_events_are_found_where_stories_tell_them(text: str, title: str, leads: list[str]) -> None:
    choice = choose(text)
    acts = [s for s in choice.segments if s.kind == "activity"]
    assert [s.title for s in acts] == [title]
    assert [m.surface for m in choice.mentions(acts[0]) if m.role == "lead"] == leads


def test_inline_enumeration_of_actions_but_not_of_features() -> None:
    text = ("县市场监管局扎实开展“质量月”活动\n今年县市场监管局重点开展了以下活动：一是举办启动仪式；"
            "二是开展质量开放日活动；三是组织QC小组成果发表。\n今年的活动有三个特点：一是更加注重实效；二是更加注重群众参与；三是更加注重宣传。\n")
    choice = choose(text)
    assert choice.name == "enumeration"
    assert [s.marker for s in choice.segments if s.kind == "activity"] == ["一是", "二是", "三是"]


def test_a_notice_headline_is_no_event() -> None:
    text = "关于开展2023年“质量月”活动的通知\n各区市场监管局：\n现将有关事项通知如下，请认真落实。\n"
    assert not [s for s in choose(text).segments if s.kind == "activity"]
