"""Per-file caps (loaders.limits) and item numbers that never merge (issue 16)."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from loaders.limits import MAX_INFLATED_BYTES, MAX_ITEMS, MAX_LINES
from loaders.plan import extract_file
from qgkg.errors import DecodeError
from tests.reliability.procs import run_qgkg

HEAD = "上海市2021年质量月活动方案\n"


def _bomb_pdf(path: Path, inflated: int) -> Path:
    """A PDF with one Flate stream of ``inflated`` zero bytes (compressed a megabyte at a time)."""
    packer = zlib.compressobj(9)
    block = b"\0" * (1 << 20)
    body = b"".join(packer.compress(block) for _ in range(inflated >> 20)) + packer.flush()
    head = b"%PDF-1.4\n1 0 obj << /Length " + str(len(body)).encode() + b" /Filter /FlateDecode >>\nstream\n"
    path.write_bytes(head + body
                     + b"\nendstream\nendobj\ntrailer << >>\n%%EOF\n")
    return path


def test_300000_item_lines_are_refused_in_one_line_with_little_memory(tmp_path: Path) -> None:
    plan = tmp_path / "huge.txt"
    plan.write_text(HEAD + "1、\n" * 300_000, encoding="utf-8")
    run = run_qgkg(["extract", str(plan)], timeout=300)
    assert run.code == 1, run.stderr[-500:]
    assert "300,001 lines" in run.stderr and f"limit {MAX_LINES:,}" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert run.peak_mb < 1024  # was 7.7 GB


def test_too_many_items_are_refused(tmp_path: Path) -> None:
    plan = tmp_path / "items.txt"
    plan.write_text(HEAD + "".join(f"{i}、开展质量宣传活动。\n" for i in range(1, MAX_ITEMS + 2)), encoding="utf-8")
    with pytest.raises(DecodeError, match=f"{MAX_ITEMS + 1:,} numbered items"):
        extract_file(plan)


def test_a_pdf_inflating_past_the_cap_is_refused_with_little_memory(tmp_path: Path) -> None:
    pdf = _bomb_pdf(tmp_path / "bomb.pdf", MAX_INFLATED_BYTES + (8 << 20))
    assert pdf.stat().st_size < 2 << 20
    run = run_qgkg(["extract", str(pdf)], timeout=300)
    assert run.code == 1 and "PDF streams inflate to over" in run.stderr, run.stderr[-500:]
    assert run.peak_mb < 512  # was 2.2 GB for 1 GB inflated


def test_item_10000_is_its_own_activity(tmp_path: Path) -> None:
    plan = tmp_path / "long.txt"
    plan.write_text(HEAD + "9998、开展质量宣传（市市场监管局负责）。\n9999、组织质量开放日（市科委负责）。\n"
                    "10000、举办质量讲堂（市教委负责）。\n", encoding="utf-8")
    ex = extract_file(plan)
    from rdflib import Namespace

    qg = Namespace("https://w3id.org/qgkg/ontology#")
    markers = sorted(str(m) for p in ex.plans for m in p.graph.objects(None, qg.marker))
    assert markers == ["10000", "9998", "9999"]
    texts = [str(t) for p in ex.plans for t in p.graph.objects(None, qg.text)]
    assert not any("开放日" in t and "讲堂" in t for t in texts)
