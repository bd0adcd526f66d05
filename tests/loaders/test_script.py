"""Tests of loaders/script.py (OpenCC) on real agency names and plan phrases."""

from __future__ import annotations

import doctest

import pytest

import loaders.script
from loaders.script import is_changed_by_simplification, to_simplified, to_traditional


def test_script_doctests() -> None:
    assert doctest.testmod(loaders.script).failed == 0


PAIRS = [
    ("北京市貫徹質量強國戰略工作領導小組辦公室", "北京市贯彻质量强国战略工作领导小组办公室"),
    ("市質量工作領導小組辦公室", "市质量工作领导小组办公室"),
    ("北京市市場監督管理局", "北京市市场监督管理局"),
    ("推動數字化轉型,實現高質量發展", "推动数字化转型,实现高质量发展"),
]


@pytest.mark.parametrize(("traditional", "simplified"), PAIRS, ids=[p[1] for p in PAIRS])
def test_to_simplified_real_names(traditional: str, simplified: str) -> None:
    assert to_simplified(traditional) == simplified
    assert to_simplified(simplified) == simplified
    assert is_changed_by_simplification(traditional) and not is_changed_by_simplification(simplified)


@pytest.mark.parametrize(("traditional", "simplified"), PAIRS, ids=[p[1] for p in PAIRS])
def test_to_traditional_round_trips_to_simplified(traditional: str, simplified: str) -> None:
    assert to_simplified(to_traditional(simplified)) == simplified
