"""Tests of loaders/decode.py on small real files of each kind, built in the tests."""

from __future__ import annotations

import doctest
import zipfile
from pathlib import Path

import docx
import pytest

import loaders.decode
from loaders.decode import read_plan_file
from qgkg.errors import DecodeError

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
SIMPLIFIED = (
    "为深入贯彻落实市委、市政府《关于开展质量提升行动加快质量强市建设的实施方案》要求,"
    "不断提高全社会质量意识和质量素养,加快推进建设质量强市,现将2022年全市“质量月”活动安排如下。\n"
    "二、活动主题\n争创标杆开新局 质量强市促发展\n"
)
TRADITIONAL = (
    "為全面貫徹落實黨中央、國務院和上海市委、市政府關於開展質量提升行動、推動高質量發展的決策部署,"
    "大力實施質量強國戰略,促進本市總體質量水平提升。\n1.舉辦年度上海市“質量月”啟動儀式。\n"
)


def test_decode_doctests() -> None:
    assert doctest.testmod(loaders.decode).failed == 0


@pytest.mark.parametrize("name", sorted(p.name for p in PLANS.glob("*.txt")))
def test_read_plan_file_bundled_plans_are_utf8(name: str) -> None:
    decoded = read_plan_file(PLANS / name)
    assert decoded.encoding == "utf-8"
    assert decoded.text == (PLANS / name).read_text(encoding="utf-8")


ENCODED = [
    ("utf-8-sig", SIMPLIFIED, "utf-8"),
    ("gb18030", SIMPLIFIED, "gb18030"),
    ("gbk", SIMPLIFIED, "gb18030"),
    ("gb18030", TRADITIONAL, "gb18030"),
    ("big5", TRADITIONAL, "cp950"),
    ("utf-16", SIMPLIFIED, "utf-16"),
    ("utf-16-le", SIMPLIFIED, "utf-16-le"),
    ("utf-16-be", TRADITIONAL, "utf-16-be"),
]


@pytest.mark.parametrize(("codec", "text", "expected"), ENCODED, ids=[f"{c}-{e}" for c, _, e in ENCODED])
def test_read_plan_file_detects_encoding(tmp_path: Path, codec: str, text: str, expected: str) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(text.encode(codec))
    decoded = read_plan_file(path)
    assert decoded.text == text
    assert decoded.encoding == expected
    assert decoded.note.startswith(expected)


def test_read_plan_file_mixed_lines(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    first, second = SIMPLIFIED.split("\n", 1)
    path.write_bytes(first.encode("utf-8") + b"\n" + second.encode("gb18030"))
    decoded = read_plan_file(path)
    assert decoded.text == SIMPLIFIED
    assert decoded.encoding == "utf-8+gb18030"
    assert "line by line" in decoded.note


REFUSED = [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b" \n\t\r\n ", "empty file"),
    ("binary.txt", bytes(range(256)) * 8, "binary content"),
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "unknown extension '.png'"),
    ("latin.txt", "Qualité, sécurité, régularité, contrôle".encode("latin-1"), "cannot tell the encoding"),
    ("notazip.docx", SIMPLIFIED.encode(), "not a .docx (not a zip archive)"),
    ("broken.pdf", b"%PDF-1.4\n garbage", "PDF"),
    ("fake.pdf", SIMPLIFIED.encode(), "not a PDF"),
]


@pytest.mark.parametrize(("name", "data", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_read_plan_file_refuses_with_one_line(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DecodeError) as info:
        read_plan_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and reason in message and "\n" not in message


def test_read_plan_file_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="cannot read"):
        read_plan_file(tmp_path / "absent.txt")


def test_read_plan_file_refuses_oversized_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(SIMPLIFIED.encode() * 10)
    monkeypatch.setattr(loaders.decode, "MAX_TEXT_BYTES", 100)
    with pytest.raises(DecodeError, match="file too large"):
        read_plan_file(path)


def test_read_plan_file_removes_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "ctrl.txt"
    path.write_bytes(("质量\x07月\r\n活动\x1b安排\t一").encode())
    decoded = read_plan_file(path)
    assert decoded.text == "质量月\n活动安排\t一"
    assert decoded.note.endswith("2 control characters removed")


def test_read_plan_file_unknown_extension_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_bytes(SIMPLIFIED.encode("gb18030"))
    assert read_plan_file(path).text == SIMPLIFIED


PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于开展2022年全市“质量月”活动的通知_济南市市场监督管理局</title>
<script>var nav = "首页 机构设置 政务公开";</script><style>.menu{color:red}</style></head>
<body>
<div id="top-nav"><a href="/">首页</a> <a href="/jg">机构设置</a> <a href="/zw">政务公开 信息公开 通知公告</a></div>
<div class="breadcrumb">当前位置：首页 &gt; 通知公告 &gt; 质量发展</div>
<div class="wrapper"><div class="left-menu"><ul><li>质量发展</li><li>标准化管理</li><li>计量管理</li></ul></div>
<div class="content"><h1>关于开展2022年全市“质量月”活动的通知</h1>
<div class="TRS_Editor"><p>市质量强市及品牌战略推进工作领导小组成员单位：</p>
<p>为深入贯彻落实市委、市政府要求，<span>不断提高</span>全社会质量意识和质量素养。</p>
<p>一、指导思想<br>以习近平新时代中国特色社会主义思想为指导。</p>
<table><tr><td>活动名称</td><td>牵头单位</td></tr><tr><td>质量开放日</td><td>市市场监管局</td></tr></table>
</div><div class="share">分享到：微信 微博</div></div></div>
<footer>主办单位：济南市市场监督管理局 版权所有 联系我们</footer>
</body></html>"""


def test_read_plan_file_html_article_body(tmp_path: Path) -> None:
    path = tmp_path / "notice.html"
    path.write_bytes(PAGE.encode("gb2312"))
    decoded = read_plan_file(path)
    lines = decoded.text.splitlines()
    assert lines[0] == "关于开展2022年全市“质量月”活动的通知"
    assert lines[1] == "市质量强市及品牌战略推进工作领导小组成员单位："
    assert "为深入贯彻落实市委、市政府要求，不断提高全社会质量意识和质量素养。" in lines
    assert "一、指导思想" in lines and "以习近平新时代中国特色社会主义思想为指导。" in lines
    assert "活动名称\t牵头单位" in lines and "质量开放日\t市市场监管局" in lines
    for boilerplate in ("首页", "当前位置", "标准化管理", "分享到", "版权所有", "var nav"):
        assert boilerplate not in decoded.text
    assert decoded.encoding == "gb18030"
    assert "meta charset gb2312" in decoded.note


def test_read_plan_file_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("2022年全市“质量月”活动安排")
    document.add_paragraph("一、活动主题")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "活动名称", "牵头单位"
    table.cell(1, 0).text, table.cell(1, 1).text = "质量开放日", "市市场监管局"
    document.add_paragraph("二、工作要求")
    path = tmp_path / "plan.docx"
    document.save(str(path))
    decoded = read_plan_file(path)
    assert decoded.text.splitlines() == [
        "2022年全市“质量月”活动安排",
        "一、活动主题",
        "活动名称\t牵头单位",
        "质量开放日\t市市场监管局",
        "二、工作要求",
    ]
    assert decoded.encoding == "docx" and "3 paragraphs, 1 tables" in decoded.note


def test_read_plan_file_docx_zip_bomb_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\x00" * (8 * 1024 * 1024))
    with pytest.raises(DecodeError, match="absurd compression ratio"):
        read_plan_file(path)


def test_read_plan_file_docx_without_document_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "质量月")
    with pytest.raises(DecodeError, match="no word/document.xml"):
        read_plan_file(path)


def _pdf(content: bytes) -> bytes:
    """A minimal one-page PDF whose page draws ``content`` (with a correct xref table)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_read_plan_file_pdf_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "plan.pdf"
    path.write_bytes(_pdf(b"BT /F1 12 Tf 72 720 Td (Quality Month 2024) Tj 0 -20 Td (Shanghai plan) Tj ET"))
    decoded = read_plan_file(path)
    assert "Quality Month 2024" in decoded.text and "Shanghai plan" in decoded.text
    assert decoded.encoding == "pdf"


def test_read_plan_file_pdf_without_text_layer_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf(b"0 0 m 100 100 l S"))
    with pytest.raises(DecodeError, match="PDF has no text layer"):
        read_plan_file(path)


def test_read_plan_file_reads_utf8_cut_inside_its_last_character(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    path.write_bytes(SIMPLIFIED.encode() + "月".encode()[:2])
    decoded = read_plan_file(path)
    assert decoded.text == SIMPLIFIED and "last character cut off: 2 bytes dropped" in decoded.note


def test_read_plan_file_drops_lone_surrogates_of_cesu_bytes(tmp_path: Path) -> None:
    path = tmp_path / "cesu.txt"
    path.write_bytes("质量".encode() + b"\xed\xa0\x80" + "月活动".encode())
    decoded = read_plan_file(path)
    assert decoded.text == "质量月活动" and "lone surrogates" in decoded.note


def test_read_plan_file_refuses_text_too_long_for_a_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(SIMPLIFIED.encode() * 10)  # 3 bytes a character: under the size limit, over the text limit
    monkeypatch.setattr(loaders.decode, "MAX_TEXT_CHARS", len(SIMPLIFIED) * 10 - 1)
    with pytest.raises(DecodeError, match="text too large for one plan"):
        read_plan_file(path)


def test_decode_html_deep_nesting_keeps_the_text(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 3000 + "<p>质量月活动安排</p>" + "</div>" * 3000 + "</body></html>",
                    encoding="utf-8")
    assert read_plan_file(path).text == "质量月活动安排"


def test_decode_html_comments_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "comment.html"
    path.write_text("<html><body><div><!-- 质量月活动安排 --></div></body></html>", encoding="utf-8")
    with pytest.raises(DecodeError, match="no Chinese text"):
        read_plan_file(path)
