"""Script normalisation with OpenCC: traditional → simplified for labels, matching and IRIs."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese to simplified; simplified text passes unchanged.

    >>> to_simplified("質量監管")
    '质量监管'
    """
    return str(_converter().convert(text))


def is_changed_by_simplification(text: str) -> bool:
    """True when the text holds traditional characters that simplification changes."""
    return to_simplified(text) != text
