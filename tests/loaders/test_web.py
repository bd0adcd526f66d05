"""``loaders.web``: a fetched page's bytes to the article's text (charset, trafilatura, htmldate)."""

from __future__ import annotations

import pytest

from loaders.decode import decode_markup as decode_page
from loaders.web import read_page
from qgkg.errors import DecodeError

ARTICLE = ["上海市2021年“质量月”活动安排"] + [
    f"　　第{n}段：为做好今年“质量月”活动，各有关单位要按照本安排认真组织实施，确保活动取得实效。" for n in range(1, 6)]


def page(charset: str, *, table: str = "") -> str:
    body = "".join(f"<p>{line}</p>" for line in ARTICLE[1:])
    return (f'<html><head><meta charset="{charset}"><title>{ARTICLE[0]}_门户网站</title>'
            '<meta property="article:published_time" content="2021-08-20"></head><body>'
            '<div class="nav"><a href="/">首页</a> <a href="/zw/">政务公开</a></div>'
            f'<div class="main"><h1>{ARTICLE[0]}</h1>{body}{table}</div>'
            '<div class="foot">版权所有 网站标识码 000000</div></body></html>')


@pytest.mark.parametrize(("data", "header", "encoding", "how"), [
    (page("gb2312").encode("utf-8"), "utf-8", "utf-8", "HTTP header utf-8"),
    (page("utf-8").encode("gbk"), "gbk", "gb18030", "HTTP header gbk"),
    (page("gbk").encode("gbk"), "utf-8", "gb18030", "meta charset gbk"),  # the header's utf-8 does not decode
    (page("gbk").encode("gbk"), None, "gb18030", "meta charset gbk"),
    (page("big5").encode("gbk"), None, "gb18030", "detected"),  # neither declaration holds: detection
], ids=["utf8-header-over-meta", "gbk-header-over-meta", "header-wrong-meta-right", "meta-only", "both-wrong"])
def test_decode_page_trusts_header_then_meta_then_detection(data: bytes, header: str | None, encoding: str,
                                                            how: str) -> None:
    decoded = decode_page(data, "http://127.0.0.1:1/p.html", header)
    assert decoded.encoding == encoding and how in decoded.note
    assert "质量月" in decoded.text


def test_read_page_keeps_the_article_drops_the_furniture_and_finds_the_date() -> None:
    result = read_page(page("utf-8").encode("utf-8"), url="http://127.0.0.1:1/zw/p.html", header_charset="utf-8")
    lines = result.decoded.text.split("\n")
    assert lines[0] == ARTICLE[0] and len(lines) == len(ARTICLE)
    assert "首页" not in result.decoded.text and "网站标识码" not in result.decoded.text
    assert result.published == "2021-08-20" and result.title == ARTICLE[0]


def test_read_page_keeps_a_table_as_rows_of_tab_separated_cells() -> None:
    table = ("<table><tr><th>序号</th><th>活动名称</th><th>牵头单位</th></tr>"
             "<tr><td>1</td><td>质量月启动仪式</td><td>市市场监管局</td></tr>"
             "<tr><td>2</td><td>首席质量官培训</td><td>市经济信息化委</td></tr></table>")
    text = read_page(page("utf-8", table=table).encode("utf-8"), url="http://127.0.0.1:1/t.html").decoded.text
    assert "序号\t活动名称\t牵头单位" in text.split("\n")
    assert "1\t质量月启动仪式\t市市场监管局" in text.split("\n")


def test_read_page_without_an_article_is_one_line() -> None:
    with pytest.raises(DecodeError, match=r"^http://127.0.0.1:1/e.html: no article text found on the page"):
        read_page("<html><body><div class='nav'><a href='/'>首页</a></div></body></html>".encode(),
                  url="http://127.0.0.1:1/e.html")
