"""Page furniture (loaders/furniture.py) on an invented saved page."""

from __future__ import annotations

from loaders.furniture import find_furniture, mask

PAGE = """城南区人民政府网
首页 | 政务公开 | 新闻中心 | 办事服务
当前位置：首页 > 新闻中心 > 部门动态
区市场监管局举办质量开放日
2022-09-21 10:05　来源：区市场监管局　浏览：88
9月20日，区市场监管局邀请市民走进区检测中心，开展质量开放日活动。
【打印本页】【关闭窗口】
相关新闻
区市场监管局召开质量工作会
全民健身日活动举行
最新娱乐平台,真人娱乐,体育投注官网,彩票开奖
"""


def test_find_furniture_names_every_line_that_is_not_the_document() -> None:
    kinds = {PAGE[f.start:f.end][:4]: f.kind for f in find_furniture(PAGE)}
    assert kinds == {"城南区人": "site", "首页 |": "menu", "当前位置": "breadcrumb", "2022": "dateline",
                     "【打印本": "links", "相关新闻": "related", "区市场监": "related", "全民健身": "related",
                     "最新娱乐": "related"}


def test_mask_keeps_offsets_and_the_article() -> None:
    masked = mask(PAGE, find_furniture(PAGE))
    assert len(masked) == len(PAGE)
    assert [line for line in masked.splitlines() if line.strip()] == [
        "区市场监管局举办质量开放日", "9月20日，区市场监管局邀请市民走进区检测中心，开展质量开放日活动。"]


def test_a_headline_with_a_spammed_name_is_kept() -> None:
    text = "开云体育官方网站县2022年“质量月”活动安排\n正文。"
    assert find_furniture(text) == []
