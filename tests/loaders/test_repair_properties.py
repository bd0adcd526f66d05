"""Property tests of decoding and repair: never crash, idempotent, clean text kept whole."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.decode import read_plan_file
from loaders.repair import repair
from qgkg.errors import DecodeError

# Real characters of the plans: CJK (simplified), ASCII letters and digits, punctuation.
# No "?" (the signature of GBK mojibake) and no spaces at line ends (trimmed by design).
CJK = "质量月活动安排市场监督管理局开展强国建设品牌标准计量认证检验检测企业服务宣传培训区县政府年"
PUNCT = "，。、；：“”《》（）()-—12349"
ASCII = "QCAIFMEabcxyz"
WORD = st.text(alphabet=CJK + PUNCT + ASCII, min_size=1, max_size=30)
LINE = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
CLEAN = st.lists(LINE, min_size=1, max_size=8).map("\n".join)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.text(max_size=300))
def test_repair_never_raises_and_is_idempotent(text: str) -> None:
    once, _ = repair(text)
    assert repair(once) == (once, [])


@FAST
@given(st.text(alphabet="?。ㄋ模﹪绤柎驌糍|量ㄒ唬V泛開展,F;顒娱_!百\n質月", max_size=80))
def test_repair_idempotent_on_mojibake_alphabet(text: str) -> None:
    once, _ = repair(text)
    assert repair(once)[0] == once


@FAST
@given(CLEAN)
def test_repair_leaves_clean_simplified_text_unchanged(text: str) -> None:
    assert repair(text) == (text, [])


@FAST
@given(CLEAN, st.text(alphabet="?,;!|_FV", min_size=1, max_size=3), CLEAN)
def test_repair_keeps_every_cjk_character_around_noise(head: str, noise: str, tail: str) -> None:
    repaired, _ = repair(head + "\n" + noise + "\n" + tail)
    for ch in set(head + tail):
        if "\u4e00" <= ch <= "\u9fff":
            assert repaired.count(ch) >= (head + tail).count(ch)


@FAST
@given(st.binary(max_size=400), st.sampled_from([".txt", ".html", ".docx", ".pdf", ".dat"]))
def test_read_plan_file_raises_only_decode_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    try:
        decoded = read_plan_file(path)
    except DecodeError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
    else:
        assert decoded.text.strip()
        repair(decoded.text)
