"""The agency recogniser: names of bodies in a clause, with their role (lead or support).

It reads names the gazetteer may not know, by their shape (an optional place prefix, a body, an
ending such as 局/委员会/领导小组办公室/股/队, all listed in ``reference/cues.yaml``), from four
kinds of context: field labels (牵头单位：X；配合单位：Y), role verbs (由X牵头, X配合, Y共同参与),
the subject of a clause (X联合Y举办…, X将组织…) and table columns (given by the table strategies).
Resolving a name to an agency is the gazetteer's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from loaders.cues import cues
from loaders.segment import Mention

# Words that end the subject of a clause: what follows a name is the predicate.
_STOP = ("将", "在", "于", "对", "为", "向", "把", "以", "从", "还", "也", "已", "先后", "陆续", "分别", "同步",
         "共同", "积极", "组织", "开展", "举办", "举行", "召开", "走进", "深入", "来到", "邀请", "发布", "启动",
         "推动", "推进", "制定", "印发", "围绕", "结合", "按照", "根据", "通过", "成立", "设立", "针对", "依托",
         "面向", "指导", "会同", "联合", "协同", "携手", "牵头", "负责", "主办", "承办", "配合", "协助", "参与",
         "参加", "出席", "的")
_PAREN = r"[（(][^（）()]{1,10}[）)]"
_DATE_LEAD = re.compile(
    r"^(?:\d{4}年)?(?:\d{1,2}月(?:\d{1,2}日)?(?:[上中下]旬)?(?:至\d{1,2}月?\d{1,2}日)?|\d{1,2}日)"
    r"(?:[上下]午|晚上|起|期间|以来)?[，,]?")
_SPLIT_LIST = re.compile(r"[、，,；;]")
_ATTENDS = re.compile(r"^[^，,。；;]{0,4}?(?:出席|参加|讲话|致辞|介绍|表示|说|指出|强调|提醒|接受|宣布|颁奖)")
_COUNT_TAIL = re.compile(r"(?:等[0-9一二三四五六七八九十百余多]*个?|[0-9一二三四五六七八九十百余多]+个?)"
                         r"(?:部门|单位|成员单位|机构|部委|企业)$|等$")


@lru_cache(maxsize=1)
def _name_pattern() -> str:
    """A body's name: CJK characters (and short parentheses) not crossing a stop word, then an ending."""
    stop = "|".join(re.escape(s) for s in sorted(_STOP, key=len, reverse=True))
    char = rf"(?:{_PAREN}|(?!{stop})[\u4e00-\u9fffA-Za-z])"
    verbs = "|".join(re.escape(v) for v in sorted(cues().words("not_name_starts"), key=len, reverse=True))
    return rf"(?!{verbs}){char}{{1,24}}(?:{cues().org_suffix})(?![门员托])"


@lru_cache(maxsize=1)
def _subject_regex() -> re.Pattern[str]:
    name = _name_pattern()
    joiner = r"(?:联合|会同|协同|携手|和|与|及|、)"
    return re.compile(rf"^(?P<names>{name}(?:{joiner}{name})*)(?P<tail>等[^，,。；;]{{0,8}}?(?:部门|单位)|等)?")


@lru_cache(maxsize=1)
def _role_regex() -> re.Pattern[str]:
    name = _name_pattern()
    return re.compile(rf"(?:^|(?<=[，,。；;：:、（(\s由请]))(?P<names>{name}(?:[、和及与]{name})*)"
                      rf"(?:等[^，,。；;]{{0,8}}?(?:部门|单位)|等)?(?P<verb>{cues().role_verb_pattern})")


def strip_lead_in(clause: str) -> str:
    """The clause without leading dates and connecting words (9月6日，/ 按照部署，/ 此外，/ “质量月”期间，).

    >>> strip_lead_in("按照部署，“质量月”期间，质检总局将组织开展交流")
    '质检总局将组织开展交流'
    >>> strip_lead_in("9月中旬起市质监局对全市加油站开展检查")
    '市质监局对全市加油站开展检查'
    """
    text = clause.strip().lstrip("——-－ 　")
    changed = True
    while changed:
        changed = False
        match = _DATE_LEAD.match(text)
        if match and match.end() > 0:
            text, changed = text[match.end():].lstrip("，, "), True
        clause = cues().starts_with("lead_in_clauses", text)
        comma = re.search(r"[，,]", text)
        if clause and comma and comma.start() <= 40 and len(text) > comma.end() + 2:
            text, changed = text[comma.end():], True
            continue
        word = cues().starts_with("lead_ins", text) or cues().starts_with("event_times", text)
        if word and len(text) > len(word) + 2:
            rest = text[len(word):]
            if rest[:1] in "，,":
                text, changed = rest[1:], True
            elif word not in ("今年", "并", "期间") or rest[:1] in "，,":
                text, changed = rest, True
    return text.lstrip("，, 由")


def split_names(text: str) -> list[str]:
    """Names of a list joined by 、，；/联合/会同/和/及/与 (和 only between whole names; parentheses kept).

    >>> split_names("市市场监督管理局联合市经信委、市住建委等12个部门")
    ['市市场监督管理局', '市经信委', '市住建委']
    >>> split_names("县工业和信息化局、各县（市、区）质监局")
    ['县工业和信息化局', '各县（市、区）质监局']
    """
    text = _COUNT_TAIL.sub("", text.strip())
    protected = re.sub(_PAREN, lambda m: m.group(0).replace("、", "\0"), text)
    out: list[str] = []
    for piece in _SPLIT_LIST.split(protected):
        for part in re.split(r"联合|会同|协同|携手", piece):
            out.extend(_split_and(part.replace("\0", "、")))
    return [n for n in (_COUNT_TAIL.sub("", n).strip() for n in out) if n and n not in cues().words("not_agencies")]


def _split_and(piece: str) -> list[str]:
    """``A和B`` → A, B when A already ends like a body (文化和旅游局 stays whole)."""
    suffix = re.compile(rf"(?:{cues().org_suffix})$")
    return split_joined(piece, lambda name: suffix.search(name) is not None)


def split_joined(piece: str, is_body: Callable[[str], bool]) -> list[str]:
    """``A和B`` / ``A及B`` / ``A与B`` → A, B where ``is_body(A)``; otherwise the joiner is part of a name.

    >>> split_joined("市质量协会及相关企业", lambda n: n.endswith("协会"))
    ['市质量协会', '相关企业']
    """
    parts = re.split(r"(和|与|及)", piece)
    out: list[str] = []
    current = parts[0]
    for joiner, nxt in zip(parts[1::2], parts[2::2]):
        if is_body(current) and nxt:
            out.append(current)
            current = nxt
        else:
            current += joiner + nxt
    out.append(current)
    return out


def subject_mentions(clause: str, *, offset: int = 0, people: bool = False) -> list[Mention]:
    """The bodies that are the subject of a clause (its leads), or of its support verb.

    With ``people``, a body acting through its staff (县质监局执法人员深入…) is a subject too, unless
    they only attend or speak (市政府分管副市长出席并讲话).

    >>> [m.surface for m in subject_mentions("9月6日，区市场监管局会同区经济和信息化局召开大会")]
    ['区市场监管局', '区经济和信息化局']
    """
    body = strip_lead_in(clause)
    match = _subject_regex().match(body)
    if not match:
        return []
    rest = body[match.end():]
    person = cues().starts_with("person_words", rest)
    if rest[:1] in "的之" or (person and (not people or _ATTENDS.match(rest[len(person):]))):
        return []  # 市政府分管副市长出席: the body's people, not the body acting
    role = "support" if cues().role_of_verb(_verb_at(rest)) == "support" else "lead"
    start = offset + clause.find(body)
    names = split_names(match.group("names"))
    name = _name_pattern()
    partners = re.match(rf"^(?:将|还将|也将|还|也)?(?:联合|会同|协同|携手)({name}(?:[、和及与]{name})*)", rest)
    if partners and role == "lead":
        names += split_names(partners.group(1))
    return [Mention(name, role, start) for name in names]


def _verb_at(text: str) -> str:
    match = re.match(rf"(?:{cues().role_verb_pattern})", text)
    return match.group(0) if match else ""


def role_mentions(text: str) -> list[Mention]:
    """Bodies named with a role verb anywhere in ``text``: 由X牵头, X负责, X配合, Y共同参与."""
    out: list[Mention] = []
    for match in _role_regex().finditer(text):
        role = cues().role_of_verb(match.group("verb")) or "lead"
        names = strip_lead_in(match.group("names"))
        for name in split_names(names):
            out.append(Mention(name, role, match.start("names")))
    return out


def field_mentions(text: str) -> list[Mention]:
    """Bodies under field labels (牵头单位：X；配合单位：Y、Z), in lines or a parenthesis."""
    c = cues()
    labels = list(c.field_pattern.finditer(text))
    out: list[Mention] = []
    for i, match in enumerate(labels):
        role = c.field_kind(match.group(1))
        if role not in ("lead", "support"):
            continue
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        value = re.split(r"[；;。\n]|[）)]\s*$", text[match.end():end].strip(), maxsplit=1)[0]
        out.extend(Mention(name, role, match.end()) for name in split_names(value.rstrip("）)")))
    return out


def dedupe(mentions: list[Mention]) -> list[Mention]:
    """Mentions without repeats of the same name and role (the first kept)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for m in mentions:
        if (m.surface, m.role) not in seen:
            seen.add((m.surface, m.role))
            out.append(m)
    return out


def clause_mentions(text: str, *, people: bool = False) -> list[Mention]:
    """Leads and supporters of one clause: its role phrases (由X牵头, X配合), else its subject."""
    roles = role_mentions(text)
    return roles if any(m.role == "lead" for m in roles) else subject_mentions(text, people=people) + roles


def clause_mentions_of(text: str) -> list[Mention]:
    """Bodies of every sentence of a paragraph (``clause_mentions`` of each); a body named twice is
    kept once."""
    out: list[Mention] = []
    for sentence in re.split(r"(?<=[。；;！？\n])", text):
        if sentence.strip():
            out.extend(clause_mentions(sentence))
    return dedupe(out)
