"""Property-based fuzzing of decode, repair, script and segment (beyond tests/loaders/test_repair_properties.py).

Decode raises nothing but ``DecodeError`` and never returns a wrong text silently; repair
loses no CJK character of clean text to control noise and leaves traditional text alone;
segmenting plan-like tag soup never raises and its spans stay inside the text; extraction of
such text raises only ``QgkgError``.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from loaders.decode import decode_html, read_plan_file
from loaders.layouts import LAYOUTS, segment
from loaders.repair import repair
from loaders.script import to_simplified, to_traditional
from qgkg.errors import DecodeError, QgkgError

CJK = "质量月活动安排市场监督管理局开展强国建设品牌标准计量认证检验检测企业服务宣传培训区县政府年工作组织"
PUNCT = "，。、；：“”《》（）"
WORD = st.text(alphabet=CJK + PUNCT, min_size=4, max_size=30)
CLEAN_CJK = st.lists(WORD, min_size=2, max_size=8).map("\n".join)
MARKERS = ("一、", "二、", "（一）", "（二）", "1.", "2.", "10.", "(1)", "1、", "一是", "二是", "?�2.", "黄浦区",
           "市市场监管局：", "联系人：", "附件", "2023年9月1日", "（市市场监管局）", "\u3000", "", "")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PLAN_LINE = st.tuples(st.sampled_from(MARKERS), st.text(alphabet=CJK + PUNCT + "()（）12?:：", max_size=40)).map(
    "".join)
PLAN_LIKE = st.lists(PLAN_LINE, min_size=0, max_size=25).map("\n".join)
CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u200b", "\ufeff",
                           "\ud800", "\udfff"])


def _read(data: bytes, suffix: str = ".txt") -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        return read_plan_file(path).text


@FAST
@given(st.text(max_size=300))
def test_read_plan_file_reads_any_utf8_text_or_refuses_it_as_empty(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    try:
        decoded = _read(data)
    except DecodeError as exc:
        assert "empty" in str(exc) and "\n" not in str(exc)
    else:
        clean = repair(text.replace("\r\n", "\n").replace("\r", "\n"))[0]
        assert repair(decoded)[0] == clean


@FAST
@given(CLEAN_CJK, st.sampled_from(["gb18030", "utf-16", "utf-16-le", "utf-8"]))
@example(text="““““\n“““、", codec="utf-16-le")  # once read as UTF-8 control characters
def test_read_plan_file_never_returns_a_wrong_reading(text: str, codec: str) -> None:
    try:
        decoded = _read(text.encode(codec))
    except DecodeError:
        return  # refusing an ambiguous file is allowed; guessing wrong is not
    assert decoded == text


@FAST
@given(CLEAN_CJK)
def test_read_plan_file_big5_is_read_back_or_refused(text: str) -> None:
    traditional = to_traditional(text)
    data = "".join(ch for ch in traditional if ch.encode("cp950", "ignore")).encode("cp950")
    try:
        decoded = _read(data)
    except DecodeError:
        return
    assert decoded == data.decode("cp950")


@FAST
@given(st.lists(st.tuples(st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<table><tr><td>", "</td>", "<br>",
                                           "<script>x</script>", "<nav class=menu>", "<!--", "-->", "&nbsp;",
                                           "&#xD800;", "<meta charset=gbk>", "<", ">", "</span>", "<article>"]),
                          st.text(alphabet=CJK + PUNCT + " <>&;", max_size=20)), max_size=30))
def test_decode_html_raises_only_decode_error(parts: list[tuple[str, str]]) -> None:
    data = "".join(tag + text for tag, text in parts).encode("utf-8")
    try:
        decoded = decode_html(data, Path("page.html"))
    except DecodeError as exc:
        assert str(exc).startswith("page.html: ")
    else:
        assert decoded.text.strip()


@SLOW
@given(st.lists(st.tuples(st.sampled_from(["word/document.xml", "[Content_Types].xml", "_rels/.rels", "x"]),
                          st.binary(max_size=200)), max_size=4))
def test_read_plan_file_docx_of_random_members_raises_only_decode_error(members: list[tuple[str, bytes]]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in dict(members).items():  # one member per name
            archive.writestr(name, data)
    try:
        _read(buf.getvalue(), ".docx")
    except DecodeError:
        pass


@FAST
@given(CLEAN_CJK, st.lists(st.tuples(st.integers(min_value=0), CONTROL), max_size=10))
def test_repair_removes_control_noise_without_losing_cjk(text: str, noise: list[tuple[int, str]]) -> None:
    noisy = text
    for at, ch in noise:
        at %= len(noisy) + 1
        noisy = noisy[:at] + ch + noisy[at:]
    assert repair(noisy)[0] == text


@FAST
@given(CLEAN_CJK)
def test_repair_leaves_clean_traditional_text_unchanged(text: str) -> None:
    traditional = to_traditional(text)
    assert repair(traditional) == (traditional, [])


@FAST
@given(st.text(max_size=200))
def test_to_simplified_never_raises_and_keeps_simplified_text(text: str) -> None:
    simple = to_simplified(text)
    assert isinstance(simple, str)
    clean = "".join(ch for ch in text if ch in CJK + PUNCT)
    assert to_simplified(clean) == clean


def test_segment_district_report_two_headings_in_a_row() -> None:
    """Two district headings in a row (once an IndexError): the first becomes a warning segment."""
    layout, segments = segment("黄浦区\n黄浦区\n一、")
    assert layout == "district_report"
    assert [(s.kind, s.note) for s in segments][0] == ("unrecognised", "district heading 黄浦区 without an event")


@FAST
@given(st.one_of(PLAN_LIKE, st.text(max_size=400)))
def test_segment_never_raises_and_spans_stay_inside_the_text(text: str) -> None:
    layout, segments = segment(text)
    assert layout in {lay.name for lay in LAYOUTS} | {"none"}
    for seg in segments:
        assert 0 <= seg.start <= seg.end <= len(text)
        for start, end, _joiner in seg.parts:
            assert seg.start <= start <= end <= seg.end


@FAST
@given(PLAN_LIKE)
def test_every_layout_never_raises(text: str) -> None:
    for lay in LAYOUTS:
        lay.segment(text)


@SLOW
@given(PLAN_LIKE)
def test_extract_file_raises_only_qgkg_errors(text: str) -> None:
    from loaders.plan import extract_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.txt"
        path.write_text("2023年上海市“质量月”活动方案\n" + text, encoding="utf-8")
        try:
            extraction = extract_file(path)
        except QgkgError as exc:
            assert "\n" not in str(exc)
        else:
            assert extraction.plans
