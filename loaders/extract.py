"""Extraction rules: plan facts (title, year, theme, issuer, dates, cited documents) and, per
activity, its title, lead and supporting agencies, programmes and event date.

Pure functions over (simplified) text; they return plain values and surface forms. Resolving
surface forms to agencies is the gazetteer's job, minting IRIs that of ``iris``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

from loaders.segment import _DAMAGED_SUB, _ENUM, _ITEM, _SUB, Mention, Segment, dept_name, item_number, split_lines

ORG_SUFFIXES = ("办公室", "委员会", "领导小组", "小组", "总局", "总署", "局", "委", "部", "会", "协会", "联合会",
                "中心", "院", "所", "厅", "署", "集团", "政府", "机构", "组织", "单位", "公司", "部门", "团",
                "联", "协", "社", "台", "站", "队", "处")
_ORG = "(?:" + "|".join(sorted(ORG_SUFFIXES, key=len, reverse=True)) + ")"
_CUT = re.compile(r"[。；;！？!?\n]")
_COMMA = re.compile(r"[，,]")
_TRAILING_PAREN = re.compile(r"[（(]([^（）()]{2,200})[）)]\s*[。.]?\s*$")
_LIST_SPLIT = re.compile(r"[、，,；;]")
_JOINER = re.compile(r"(及|和|与)")
_PREFIX_ONLY = ("市", "区", "县", "省")
_ROLE = re.compile(r"(?:^|[，,。；;：:、（(\s])(?:由|请)?(?P<name>[\u4e00-\u9fff]{2,40}?" + _ORG
                   + r")(?:等单位|等部门|等)?(?P<verb>牵头|负责|主办|承办|配合|参与|协办)")
_LEAD_VERBS = {"牵头": "lead", "负责": "lead", "主办": "lead", "承办": "lead", "配合": "support", "参与": "support",
               "协办": "support"}
_LEADING_WORDS = ("充分发挥", "发挥", "由", "请", "要", "组织", "并", "同时")
_REPORT_DATE = re.compile(r"^[^，,。]{0,14}?(?:月|日|期间)[^，,。]{0,6}?[，,]")
_REPORT_STOP = re.compile(r"组织|举办|开展|来到|走进|邀请|委托|召开|发布|举行|于|在|[，,。；;]")
_REPORT_SPLIT = re.compile(r"联合|会同|与|和|及|、")
_MONTH_DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR_CONTEXT = re.compile(r"(\d{4})年(?:\d{1,2}月|[^。，,]{0,10}?“?质量月)")
_ANY_YEAR = re.compile(r"((?:19|20)\d{2})年")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})-\d{1,2}-\d{1,2}")  # a page's publication date, the last resort
_NTH_MONTH = re.compile(r"第\s*([0-9]{1,2})\s*(?:个|届|次)?[^，,。]{0,6}?质量月"
                        r"|质量月[^，,。]{0,8}?第\s*([0-9]{1,2})\s*年")
FIRST_QUALITY_MONTH = 1978
_THEME_CHARS = re.compile(r"[\s，,、。“”\"'：:；;]")
_THEME = re.compile(r"主题为“([^”]{2,60})”|以“([^”]{2,60})”为主题")
_CITED = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【]\s*\d{4}\s*[〕\]］】]\s*\d{1,4}\s*号")
_ISSUER_IN_PROSE = re.compile(
    r"(?:^|[，,。])(?:\d{4}年[，,]?)?(?P<name>[\u4e00-\u9fff]{2,30}?(?:办公室|领导小组|局|委员会))"
    r"(?:等相关部门|等部门|将于|深入|坚持|会同)"
)
TITLE_MAX = 40  # a first sentence longer than this is cut at its first comma (guess from the gold)


def strip_marker(text: str) -> str:
    """The text without its leading marker (``1.``, ``(一)``, ``一是``)."""
    for regex in (_ITEM, _SUB, _DAMAGED_SUB):
        match = regex.match(text)
        if match:
            return text[match.end():]
    match = _ENUM.match(text)
    if match:
        return text[match.end():]
    name = dept_name(text)
    if name:
        return text[len(name) + 1:].lstrip()
    return text


def activity_title(text: str) -> str:
    """An activity's title: its first sentence (to 。 or ；), cut at the first comma when long.

    >>> activity_title("1.举办年度上海市“质量月”启动仪式。发布上海“质量月”活动安排")
    '举办年度上海市“质量月”启动仪式'
    >>> activity_title("1.立足首都城市战略定位,围绕国家重大战略实施和重点领域安全能力建设,择优培育发挥引领作用的企业。")
    '立足首都城市战略定位'
    """
    body = strip_marker(text).strip()
    body = _TRAILING_PAREN.sub("", body)
    sentence = _CUT.split(body, maxsplit=1)[0].strip()
    if len(sentence) > TITLE_MAX:
        head = _COMMA.split(sentence, maxsplit=1)[0].strip()
        if len(head) >= 4:
            sentence = head
    return sentence


def trailing_parenthesis(text: str) -> tuple[str, int] | None:
    """The trailing ``（…）`` of an item holding agency names, and its offset in ``text``."""
    match = _TRAILING_PAREN.search(text.rstrip())
    if not match:
        return None
    names = split_agency_list(match.group(1))
    if names and sum(1 for n in names if n.endswith(ORG_SUFFIXES)) * 2 >= len(names):
        return match.group(1), match.start(1)
    return None


def _split_joined(piece: str) -> list[str]:
    """``市行业质量工作促进会及相关成员单位`` → two names; ``文化和旅游部`` stays one."""
    from loaders.mentions import split_joined  # local: mentions is the agency recogniser's module

    return split_joined(piece, lambda name: name.endswith(ORG_SUFFIXES))


def split_agency_list(text: str) -> list[str]:
    """Agency names of a list: split on 、，； and on 及/和/与 between names; 市、区X → 市X, 区X.

    >>> split_agency_list("市、区质量工作领导小组办公室")
    ['市质量工作领导小组办公室', '区质量工作领导小组办公室']
    >>> split_agency_list("市市场监管局、市经济信息化委、有关质量技术机构和企业集团")
    ['市市场监管局', '市经济信息化委', '有关质量技术机构', '企业集团']
    """
    pieces = [p.strip() for p in _LIST_SPLIT.split(text) if p.strip()]
    merged: list[str] = []
    for i, piece in enumerate(pieces):
        if piece in _PREFIX_ONLY and i + 1 < len(pieces) and pieces[i + 1][:1] in _PREFIX_ONLY:
            merged.append(piece + pieces[i + 1][1:])
        else:
            merged.append(piece)
    out: list[str] = []
    for piece in merged:
        for name in _split_joined(piece):
            name = name.strip()
            while name.endswith("等") and len(name) > 1:
                name = name[:-1]
            if name:
                out.append(name)
    return out


def _strip_leading_words(name: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in _LEADING_WORDS:
            if name.startswith(word) and len(name) > len(word) + 1:
                name, changed = name[len(word):], True
    return name


def role_mentions(text: str) -> list[Mention]:
    """Agencies named with a role verb: ``由X牵头``, ``X负责``, ``X配合`` (lead or support)."""
    out: list[Mention] = []
    for match in _ROLE.finditer(text):
        name = _strip_leading_words(match.group("name"))
        role = _LEAD_VERBS[match.group("verb")]
        for part in split_agency_list(name):
            out.append(Mention(part, role, match.start("name")))
    return out


def item_mentions(text: str) -> list[Mention]:
    """Agencies of a numbered or (一) item: the trailing parenthesis, else role phrases."""
    paren = trailing_parenthesis(text)
    if paren:
        content, offset = paren
        return [Mention(name, "lead", offset) for name in split_agency_list(content)]
    return role_mentions(text)


def report_mentions(body: str) -> list[Mention]:
    """Organisers of a reported event: the subject of its first sentence after the date
    (``9月3日,静安区市场监管局组织…``, ``…市场监管局联合市眼镜行业协会,…``)."""
    first = body.strip()
    date = _REPORT_DATE.match(first)
    if date:
        first = first[date.end():]
    stop = _REPORT_STOP.search(first)
    clause = first[: stop.start()] if stop else first
    from loaders.mentions import split_names  # local: mentions imports this module's neighbours

    out = []
    for name in split_names(clause):
        name = name.strip()
        if len(name) >= 3 and name.endswith(ORG_SUFFIXES):
            out.append(Mention(name, "lead", body.find(name)))
    return out


def event_paragraph(body: str) -> str:
    """The paragraph of a report that tells the event: the first one with a date, else the first.

    Later paragraphs are background (figures, history, quotes) and are not searched for organisers
    or programmes (a rule from one report: a guess for unseen ones)."""
    paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
    for paragraph in paragraphs:
        if _MONTH_DAY.search(paragraph[:20]) or re.match(r"^\d{1,2}月", paragraph):
            return paragraph
    return paragraphs[0] if paragraphs else ""


def department_mentions(segment: Segment) -> list[Mention]:
    """The department of a ``部门：任务`` line leads it."""
    return [Mention(segment.marker, "lead", 0)] if segment.marker else []


def event_date(text: str, year: int | None) -> dt.date | None:
    """The date of a reported event: the first ``9月3日`` (with the plan's year) in its text."""
    match = _MONTH_DAY.search(text[:80])
    if not match:
        return None
    y = int(match.group(1)) if match.group(1) else year
    if y is None:
        return None
    try:
        return dt.date(y, int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def find_year(title: str, text: str, signature_date: dt.date | None) -> int | None:
    """The plan's year: from its title, else ``2021年9月`` / ``2022年全市“质量月”``, else the 落款 date."""
    for source in (title,):
        match = _ANY_YEAR.search(source)
        if match:
            return int(match.group(1))
    match = _NTH_MONTH.search(text)
    if match:  # 第46个“质量月”: the first was held in 1978
        return FIRST_QUALITY_MONTH - 1 + int(match.group(1) or match.group(2))
    match = _YEAR_CONTEXT.search(text)
    if match:
        return int(match.group(1))
    if signature_date:
        return signature_date.year
    themed = year_of_theme(text)
    if themed is not None:
        return themed
    match = _ANY_YEAR.search(text) or _ISO_DATE.search(text)
    return int(match.group(1)) if match else None


@lru_cache(maxsize=1)
def _national_themes() -> dict[str, int]:
    import yaml

    data = yaml.safe_load(files("loaders").joinpath("reference/themes.yaml").read_text(encoding="utf-8"))
    return {_THEME_CHARS.sub("", str(theme)): int(year) for year, theme in data["national_themes"].items()}


def year_of_theme(text: str) -> int | None:
    """The year whose national theme the text quotes (reference/themes.yaml), or None.

    >>> year_of_theme("今年全国“质量月”的主题是“加强市场监管 建设质量强国”。")
    2018
    """
    flat = _THEME_CHARS.sub("", text)
    years = {year for theme, year in _national_themes().items() if theme in flat}
    return years.pop() if len(years) == 1 else None


def find_theme(segments: Iterable[Segment], text: str) -> str | None:
    """The theme: the line under 活动主题 / after 主题:, else ``主题为“…”`` / ``以“…”为主题``."""
    for seg in segments:
        if seg.kind == "theme":
            value = re.sub(r"^(?:活动)?主题\s*[:：]\s*", "", seg.text).strip()
            if value and "主题" not in value[:3]:
                return value
    match = _THEME.search(text)
    return (match.group(1) or match.group(2)) if match else None


def find_signature(segments: Iterable[Segment]) -> tuple[str | None, dt.date | None]:
    """The 落款: issuing organisation (lines before the date, joined) and the date."""
    names: list[str] = []
    date: dt.date | None = None
    for seg in segments:
        if seg.kind != "signature":
            continue
        match = _FULL_DATE.fullmatch(seg.text.strip())
        if match:
            try:
                date = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                date = None
        else:
            names.append(seg.text.strip())
    return ("".join(names) or None), date


def issuer_in_prose(text: str) -> str | None:
    """The issuer named in a plan's first paragraph (``市质量工作领导小组办公室等相关部门将于…``)."""
    match = _ISSUER_IN_PROSE.search(text)
    return match.group("name") if match else None


def cited_documents(text: str) -> list[str]:
    """Document numbers cited in the text (``济发〔2018〕36号``), in order, without repeats."""
    seen: dict[str, None] = {}
    for match in _CITED.finditer(text):
        number = re.sub(r"\s+", "", match.group(0))
        number = re.sub(r"^.*?(?=[\u4e00-\u9fff]{1,6}[〔\[［【])", "", number) if len(number) > 14 else number
        seen.setdefault(number, None)
    return list(seen)


def document_kind(layout: str, segments: Iterable[Segment], text: str) -> str:
    """plan, notice or report: a district report layout is a report; an addressee line or
    通知 in the opening makes a notice."""
    if layout == "district_report":
        return "report"
    segs = list(segments)
    if any(s.kind == "addressee" for s in segs) or "通知如下" in text[:600] or "通知" in text[:60]:
        return "notice"
    return "plan"


def slogans(segments: Iterable[Segment]) -> list[str]:
    """The slogans listed under 口号 (markers and the heading line dropped)."""
    out = []
    for seg in segments:
        if seg.kind == "slogans":
            value = re.sub(r"^(?:宣传|活动)?口号\s*[:：]?", "", strip_marker(seg.text)).strip()
            if value:
                out.append(value)
    return out


def about_quality(text: str) -> bool:
    """True when a text is about quality work at all (a document with no 质量 is no Quality-Month plan)."""
    return "质量" in text or "品质" in text


from loaders.programmes import mask_company_names, mask_names, programme_triggers, programmes_in  # noqa: E402,F401

# -- self-checks ---------------------------------------------------------------------------------
# Item markers at the start of a line, recognised line by line with the segmenter's own marker
# rules (damaged markers such as "?�16." included) but without its assembly of lines into items,
# so that a merged, split or lost item shows as a difference between items seen and activities.
_SECTION_MARKER = re.compile(r"^[?？]?.{0,2}?[（(][一二三四五六七八九十]{1,3}[)）]")
# Parts of a plan whose numbered lines are not activities by design (slogan lists, attachments,
# requirements, contacts, the signature).
_NOT_ITEMS = ("slogans", "attachments", "requirements", "contacts", "signature", "addressee")


def _is_item_line(text: str, layout: str) -> bool:
    if layout == "numbered":
        return item_number(text) is not None
    if layout == "chinese_sections":
        return _SECTION_MARKER.match(text) is not None
    return bool(layout == "enumeration" and _ENUM.match(text))


def count_items_seen(text: str, layout: str, segments: list[Segment]) -> int | None:
    """Item marker lines of ``text`` outside the named non-activity parts.

    Returns None for layouts whose items have no marker of their own (reports, department lines).

    >>> count_items_seen("前言\\n1.开展活动。\\n?�2.举办论坛。\\n", "numbered", [])
    2
    """
    if layout not in ("numbered", "chinese_sections", "enumeration"):
        return None
    excluded = [(s.start, s.end) for s in segments if s.kind in _NOT_ITEMS]
    return sum(
        1
        for line in split_lines(text)
        if _is_item_line(line.text, layout) and not any(a <= line.start < b for a, b in excluded)
    )
