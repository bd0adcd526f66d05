"""Script normalisation with OpenCC: traditional ↔ simplified for labels, matching and IRIs."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=2)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional Chinese to simplified; simplified text passes unchanged.

    >>> to_simplified("質量監管")
    '质量监管'
    >>> to_simplified("上海市市场监督管理局")
    '上海市市场监督管理局'
    """
    return str(_converter("t2s").convert(text))


def to_traditional(text: str) -> str:
    """Simplified Chinese to traditional (OpenCC ``s2t``), e.g. to search a traditional plan.

    >>> to_traditional("质量强国")
    '質量強國'
    """
    return str(_converter("s2t").convert(text))


def is_changed_by_simplification(text: str) -> bool:
    """True when the text holds traditional characters that simplification changes.

    >>> is_changed_by_simplification("質量月"), is_changed_by_simplification("质量月")
    (True, False)
    """
    return to_simplified(text) != text
