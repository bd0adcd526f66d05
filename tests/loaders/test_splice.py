"""Splice detection of loaders/splice.py, on the spliced block of the Shanghai 2018 plan."""

from __future__ import annotations

from loaders.numbered import segment_department_colon
from loaders.splice import cut, detect_splices, keep_only

HOST = """3. 推动一批重点领域质量提升，围绕消费品、城市精细化管理、人居质量等重点领

准培训班；开展推进兽药生产环节追溯专项督查及生猪屠宰标准化建设。

商务部：组织开展“诚信兴商宣传月”活动，提升企业诚信经营意识。

文化和旅游部：开展全国旅游市场秩序综合整治“利剑行动”专项督查工作；开展全国旅行社诚信经营培训，

发布旅行社诚信经营“十不准”等。

海关总署：组织开展出口知识产权优势企业知识产权保护“龙腾”行动。

域，组织召开质量提升交流研讨。

4.组织重点领域企业开展重点产品质量攻关活动，发布一批攻关成果，组织交流分享。
"""


def test_detect_splices_finds_the_block_between_broken_sentence_halves() -> None:
    [splice] = detect_splices(HOST)
    assert HOST[splice.start:].startswith("准培训班")
    assert HOST[:splice.end].endswith("“龙腾”行动。")
    assert HOST[splice.resume_start:].startswith("域，组织召开")
    assert splice.entries == 3


def test_cut_keeps_length_and_rejoins_host() -> None:
    host = cut(HOST, detect_splices(HOST))
    assert len(host) == len(HOST)
    assert "商务部" not in host
    joined = "".join(host.split())
    assert "人居质量等重点领域，组织召开质量提升交流研讨。" in joined


def test_keep_only_gives_the_fragment_departments() -> None:
    [splice] = detect_splices(HOST)
    segments = segment_department_colon(keep_only(HOST, splice))
    assert [s.marker for s in segments if s.kind == "activity"] == ["商务部", "文化和旅游部", "海关总署"]


def test_detect_splices_none_in_a_department_document() -> None:
    text = "商务部：组织开展活动，\n\n提升意识。\n\n海关总署：组织开展行动。\n\n广电总局：加大宣传。\n"
    assert detect_splices(text) == []


def test_detect_splices_none_without_foreign_block() -> None:
    text = "1. 召开全市质量大会，表彰年度\n\n市长质量奖和质量金奖获奖组织和个人。\n\n2. 发布年度白皮书。\n"
    assert detect_splices(text) == []


FOREIGN_RUN = """二、重点活动内容
1.开展企业首席质量官交流活动。推广先进质量管理方法和经验。（市市场监管局）
商务部：组织开展“诚信兴商宣传月”活动。
海关总署：组织开展知识产权保护“龙腾”行动。
2.举办质量大讲堂系列讲座。发布一批典型案例。（市质量工作领导小组办公室）
"""

CITY_DEPARTMENTS = """二、重点活动内容
商务部：举办“质量月”启动仪式。
广电总局：开展QC小组成果发表活动。
市总工会：组织市民质量满意度测评。
市教委：举办质量大讲堂系列讲座。
"""


def test_detect_splices_foreign_run_of_national_departments_between_items() -> None:
    [splice] = detect_splices(FOREIGN_RUN)
    assert FOREIGN_RUN[splice.start:splice.end].startswith("商务部")
    assert FOREIGN_RUN[:splice.end].endswith("“龙腾”行动。")


def test_detect_splices_national_run_inside_a_city_department_list() -> None:
    [splice] = detect_splices(CITY_DEPARTMENTS)
    assert CITY_DEPARTMENTS[splice.start:splice.end].splitlines()[-1].startswith("广电总局")


def test_detect_splices_district_heading_is_not_a_tail() -> None:
    text = ("樊城区\n举办市长质量奖颁奖仪式\n9月3日，樊城区市场监管局举办颁奖仪式。\n樊城区举办市长质量奖颁奖仪式\n"
            "襄城区\n广电总局：开展QC小组成果发表活动。\n海关总署：发布年度质量状况白皮书。\n开展服务质量监测和检查\n")
    [splice] = detect_splices(text)
    assert text[splice.start:].startswith("广电总局")
