"""Programmes an activity concerns: the trigger terms of ``ontology/programmes.ttl`` found in its
text, outside the names of companies, institutes and the agencies it names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def programme_triggers() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(code, trigger terms) of every programme, read from ``ontology/programmes.ttl``."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    try:
        text = files("ontology").joinpath("programmes.ttl").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return ()
    graph = Graph().parse(data=text, format="turtle")
    out = []
    for concept, code in sorted(graph.subject_objects(SKOS.notation), key=lambda item: str(item[1])):
        terms = tuple(sorted({str(label) for label in graph.objects(concept, SKOS.altLabel)
                              if (getattr(label, "language", None) or "").lower() in ("zh-hans", "zh", "")}))
        out.append((str(code), terms))
    return tuple(out)


_COMPANY = re.compile(r"[^，,、。；;：:“”\n]*?(?:有限公司|分公司|公司|研究院|研究所)")


def mask_company_names(text: str) -> str:
    """The text with company and institute names blanked: 南德认证检测(中国)有限公司 names a firm,
    not a certification activity.

    >>> mask_company_names("组织上海德诺产品检测有限公司等")
    '＿＿＿＿＿＿＿＿＿＿＿＿＿＿等'
    """
    return _COMPANY.sub(lambda m: "＿" * len(m.group(0)), text)


def mask_names(text: str, names: Iterable[str]) -> str:
    """The text with every agency name blanked: 标准计量股 names a body, not a standardization activity.

    >>> mask_names("开展计量惠民服务（责任单位：标准计量股）", ["标准计量股"])
    '开展计量惠民服务（责任单位：＿＿＿＿＿）'
    """
    for name in sorted(set(names), key=len, reverse=True):
        if len(name) >= 2:
            text = text.replace(name, "＿" * len(name))
    return text


def programmes_in(text: str) -> list[str]:
    """Codes of the programmes whose trigger terms occur in the (simplified) text, outside names
    of companies and institutes."""
    text = mask_company_names(text)
    return [code for code, terms in programme_triggers() if any(term in text for term in terms)]
