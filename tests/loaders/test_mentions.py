"""The agency recogniser (loaders/mentions.py) on invented snippets."""

from __future__ import annotations

import pytest

from loaders.mentions import field_mentions, role_mentions, split_names, strip_lead_in, subject_mentions


def _pairs(mentions: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(m.surface, m.role) for m in mentions]


@pytest.mark.parametrize(
    "clause,expected",
    [
        ("9月8日，县市场监管局会同县住建局在城东小区开展电梯检查", [("县市场监管局", "lead"), ("县住建局", "lead")]),
        ("区文旅局将联合区总工会举办导游服务技能比武", [("区文旅局", "lead"), ("区总工会", "lead")]),
        ("按照部署，“质量月”期间，省农业农村厅将开展农资打假", [("省农业农村厅", "lead")]),
        ("针对群众反映的问题，市市场监督管理局组织执法人员开展抽查", [("市市场监督管理局", "lead")]),
        ("镇人民政府、镇农技站等5个单位参加", [("镇人民政府", "support"), ("镇农技站", "support")]),
        ("市政府分管副市长出席并讲话", []),
        ("组建全市质量宣讲团", []),
        ("各县（市、区）市场监管局同步开展", [("各县（市、区）市场监管局", "lead")]),
    ],
    ids=["huitong", "jiang-lianhe", "lead-ins", "lead-in-clause", "support-verb", "official-not-body", "verb-not-body",
         "collective-with-parenthesis"],
)
def test_subject_mentions_reads_the_subject_and_its_role(clause: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(subject_mentions(clause)) == expected


def test_subject_mentions_people_of_a_body_act_for_it_only_when_asked() -> None:
    clause = "当天下午，县质监局执法人员深入商场开展电梯检查"
    assert subject_mentions(clause) == []
    assert _pairs(subject_mentions(clause, people=True)) == [("县质监局", "lead")]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("由区卫健委牵头，区教育局、区团委配合",
         [("区卫健委", "lead"), ("区教育局", "support"), ("区团委", "support")]),
        ("市质量协会主办、市电视台承办", [("市质量协会", "lead"), ("市电视台", "lead")]),
    ],
    ids=["lead-and-support", "host-and-organiser"],
)
def test_role_mentions(text: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(role_mentions(text)) == expected


def test_field_mentions_keep_lead_and_support_apart() -> None:
    text = "活动时间：9月中旬\n牵头单位：县科工局\n配合单位：县总工会、各乡镇人民政府"
    expected = [("县科工局", "lead"), ("县总工会", "support"), ("各乡镇人民政府", "support")]
    assert _pairs(field_mentions(text)) == expected


def test_split_names_keeps_names_with_he_and_parentheses_whole() -> None:
    assert split_names("县文化和旅游局、各县（市、区）质监局等8个部门") == ["县文化和旅游局", "各县（市、区）质监局"]


def test_strip_lead_in_drops_dates_and_connectives() -> None:
    assert strip_lead_in("近日，县市场监管局开展") == "县市场监管局开展"
    assert strip_lead_in("9月中旬起市质监局对加油站开展检查") == "市质监局对加油站开展检查"
