"""Unit tests of loaders/repair.py on real snippets of the bundled plans."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import loaders.repair
from loaders.repair import (
    normalise_controls,
    normalise_whitespace,
    realign_gbk_offset,
    repair,
    strip_pinyin_glosses,
)

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"


def test_repair_doctests() -> None:
    assert doctest.testmod(loaders.repair).failed == 0


GLOSSES = [
    ("發(fā)展", "發展"),
    ("各地區(qū)各部門", "各地區各部門"),
    ("有關行業(yè)協(xié)會", "有關行業協會"),
    ("推動數(shù)字化轉型,實現(xiàn)高質量發(fā)展", "推動數字化轉型,實現高質量發展"),
    ("嚴格執(zhí)行中央八項規(guī)定", "嚴格執行中央八項規定"),
    ("重點產(chǎn)品質量攻關", "重點產品質量攻關"),
    ("持續(xù)開展", "持續開展"),
    ("質量創（chuàng）新", "質量創新"),
]


@pytest.mark.parametrize(("text", "expected"), GLOSSES, ids=[g[0] for g in GLOSSES])
def test_strip_pinyin_glosses_removes_toned_syllables(text: str, expected: str) -> None:
    new, notes = strip_pinyin_glosses(text)
    assert new == expected
    assert notes == [f"pinyin glosses removed: {text.count('(') + text.count('（')}"]


KEEP = [
    "《上海市質量狀況白皮書(2021年)》",
    "關于開展質量提升行動的指導意見(征求意見稿)",
    "質量宣傳活動(市市場監管局)",
    "(一)廣泛開展主題宣傳",
    "（一）廣泛開展主題宣傳",
    "中國質量(中国)",
    "失效模式分析(FMEA)",
    "空气质量指数(AQI)、主要",
    "QC小组(qc)",
    "济发〔2018〕36号",
]


@pytest.mark.parametrize("text", KEEP, ids=KEEP)
def test_strip_pinyin_glosses_keeps_real_parentheses(text: str) -> None:
    assert strip_pinyin_glosses(text) == (text, [])


MOJIBAKE = [
    ("?。ㄋ模﹪绤柎驌糍|量違法行為,維護公平競爭秩序", "（四）嚴厲打擊質量違法行為,維護公平競爭秩序"),
    ("?。ㄒ唬V泛開展主題宣傳,推進質量強國建設", "（一）廣泛開展主題宣傳,推進質量強國建設"),
    ("?。ㄎ澹V泛開展質量惠民行動,推動質量社會共治", "（五）廣泛開展質量惠民行動,推動質量社會共治"),
    ("?。ㄈ┘訌娰|量人才建設,推進質量變革創新", "（三）加強質量人才建設,推進質量變革創新"),
    ("?。ǘ┓e極動員,廣泛參與。", "（二）積極動員,廣泛參與。"),
    ("開展北京市“質量月”活動?,F將有關事項通知如下:", "開展北京市“質量月”活動。現將有關事項通知如下:"),
    ("(四)及時總結,報送信息?;顒娱_展過程中要注重", "(四)及時總結,報送信息。活動開展過程中要注重"),
    ("聯系人?;顒咏Y束后及時總結", "聯系人。活動結束后及時總結"),
]
# A paragraph of the same notice gives the bigram evidence a whole document would.
CONTEXT = (
    "\n深入開展“質量月”活動,廣泛動員各行各業。上海市“質量月”活動。"
    "加強質量人才建設。廣泛開展質量宣傳,推動質量發展。"
)


@pytest.mark.parametrize(("text", "expected"), MOJIBAKE, ids=[m[1][:8] for m in MOJIBAKE])
def test_realign_gbk_offset_recovers_shifted_runs(text: str, expected: str) -> None:
    new, notes = realign_gbk_offset(text + CONTEXT)
    assert new.removesuffix(CONTEXT).lstrip("\u3000") == expected
    assert notes and notes[0].startswith("GBK mojibake realigned: 1 runs")


def test_realign_gbk_offset_recovers_a_lost_word_from_document_bigrams() -> None:
    text = "發布上?!百|量月”活動安排、《上海市質量狀況白皮書(2021年)》"
    assert realign_gbk_offset(text)[0] == "發布上海“質量月”活動安排、《上海市質量狀況白皮書(2021年)》"


def test_realign_gbk_offset_marks_lost_bytes() -> None:
    text = "?。ㄈ﹪栏褚螅_保實效。有關活動組織主體要嚴格執行中央八項規定"
    new, notes = realign_gbk_offset(text)
    assert new.startswith("\u3000（三）嚴格") and new.endswith("保實效。有關活動組織主體要嚴格執行中央八項規定")
    lost = new.count("\ufffd")
    assert lost >= 1
    assert notes == [f"GBK mojibake realigned: 1 runs, {lost} characters lost (marked \ufffd)"]


CLEAN_QUESTION_MARKS = [
    "是否合格?请核实",
    "质量好不好?Yes",
    "?",
    "问卷(第1题?)",
    "口号?质量强国",
]


@pytest.mark.parametrize("text", CLEAN_QUESTION_MARKS, ids=CLEAN_QUESTION_MARKS)
def test_realign_gbk_offset_leaves_real_question_marks(text: str) -> None:
    assert realign_gbk_offset(text) == (text, [])


def test_normalise_controls_drops_controls_and_keeps_tabs() -> None:
    assert normalise_controls("质量\u200b月\t活动\x07\r\n") == ("质量月\t活动\n", ["control characters removed: 2"])


def test_normalise_whitespace_turns_unicode_spaces_into_ascii() -> None:
    text = "\u3000\u3000加强质量支撑\u00a0共建质量强国\u3000\n二、活动主题"
    assert normalise_whitespace(text) == ("加强质量支撑 共建质量强国\n二、活动主题", ["spaces normalised: 6"])


def test_repair_beijing_notice_markers_and_notes() -> None:
    text, notes = repair((PLANS / "beijing-2024-notice.txt").read_text(encoding="utf-8"))
    lines = text.splitlines()
    markers = [line[:3] for line in lines if line.startswith("（")]
    assert markers[:5] == ["（一）", "（三）", "（四）", "（五）", "（二）"]
    assert "?" not in text
    assert "活動。現將有關事項通知如下" in lines[1]
    assert not any(ch in text for ch in "ㄋ﹪绤驌糍ㄒ唬娰娱顒")
    assert notes[0] == "GBK mojibake realigned: 10 runs, 2 characters lost (marked \ufffd)"
    assert notes[1] == "pinyin glosses removed: 130"


@pytest.mark.parametrize("name", sorted(p.name for p in PLANS.glob("*.txt")))
def test_repair_bundled_plans_idempotent(name: str) -> None:
    once, _ = repair((PLANS / name).read_text(encoding="utf-8"))
    assert repair(once) == (once, [])


@pytest.mark.parametrize("name", ["jinan-2022-notice.txt", "shanghai-2018-plan.txt"])
def test_repair_clean_simplified_plan_unchanged_but_spaces(name: str) -> None:
    raw = (PLANS / name).read_text(encoding="utf-8")
    text, notes = repair(raw)
    assert [line.strip() for line in raw.splitlines()] == text.splitlines()
    assert all(note.startswith("spaces normalised") for note in notes)


def test_restore_line_breaks_on_a_flattened_real_plan() -> None:
    """Shanghai 2021 with every line break lost: its 20 items start lines again."""
    from importlib.resources import files

    from loaders.repair import restore_line_breaks

    text = files("qgkg_corpus").joinpath("plans/shanghai-2021-plan.txt").read_text(encoding="utf-8")
    flat = text.replace("\n", "")
    restored, notes = restore_line_breaks(flat)
    assert notes == ["line breaks restored before item markers: 20"]
    assert [line.split(".", 1)[0] for line in restored.splitlines()[1:]] == [str(n) for n in range(1, 21)]
    assert restore_line_breaks(restored) == (restored, [])  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "1.开展活动。\n2.举办论坛。",  # lines intact
        "增长2.5倍。" * 100,  # a decimal is not a marker
        "第一段。" * 200,  # long prose without markers
    ],
    ids=["intact", "decimal", "prose"],
)
def test_restore_line_breaks_leaves_other_text_alone(text: str) -> None:
    from loaders.repair import restore_line_breaks

    assert restore_line_breaks(text) == (text, [])
