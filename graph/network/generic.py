"""Generic categories: lead "agencies" that name a kind of actor rather than a body (有关质量技术机构,
政府质量奖获奖组织, 各有关单位 …). They link everything to everything and blur the network, so the
drawing leaves them out by default (``NetworkFilter.generic``); the downloads keep them unless asked.

A category is recognised by its name, from the lookup below (data, not code paths): a name is
generic when it matches one of ``PATTERNS`` after the city's name is taken off its front.
Collective actors (各区市场监管局) are a separate flag of the graph (``qg:CollectiveAgency``).
"""

from __future__ import annotations

import re
from typing import Protocol

PATTERNS = (
    r"^(?:各?有关|相关|其他|其它|各类|各级|各相关)",  # 有关质量技术机构, 相关单位, 各有关部门
    r"获奖(?:组织|单位|企业|者)$",  # 政府质量奖获奖组织
    r"^(?:质量技术|技术|检验检测|认证|社会|行业)?(?:机构|单位|组织|企业|部门)$",  # 机构, 检验检测机构
    r"^(?:广大|重点|规模以上)",  # 广大企业, 重点企业
)
_GENERIC = re.compile("|".join(f"(?:{p})" for p in PATTERNS))
_PLACE = re.compile(r"^.{1,8}?[省市区县]")


class Named(Protocol):
    """What the test needs of an agency: its name and whether it is collective."""

    @property
    def label(self) -> str: ...

    collective: bool


def is_generic_name(name: str) -> bool:
    """True when ``name`` names a category of actors rather than one body.

    >>> names = ("有关质量技术机构", "政府质量奖获奖组织", "上海市市场监督管理局", "上海市相关企业集团")
    >>> [is_generic_name(n) for n in names]
    [True, True, False, True]
    """
    text = name.strip()
    if _GENERIC.search(text):
        return True
    rest = _PLACE.sub("", text, count=1)
    return rest != text and bool(_GENERIC.search(rest))


def is_generic(entity: Named) -> bool:
    """True for a generic category (collective actors are told apart by their own flag, not here)."""
    return not entity.collective and is_generic_name(entity.label)
