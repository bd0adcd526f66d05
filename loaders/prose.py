"""Strategies for documents written as prose: news stories, overview reports, notices without
item markers.

A paragraph is read sentence by sentence. A sentence names activities when it is
- a list of the month's activities after an opener (主要活动包括：A；B；C / 将开展“A”、“B”等 /
  包括召开…、发布…、举办…);
- a series of clauses each led by a body (市市场监管局将…；市教育局将…);
- a reported event (9月14日上午，…在…举行 / 同时，…开展…);
and paragraphs led by a topic (——聚焦X，… / X方面，A；B / 质量开放日，…) are one activity each,
or one per ；-clause. Statistics, counts (共开展91项活动), background, quotations and intentions
(下一步…) are named non-activities. The cue words are in ``reference/cues.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from loaders.cues import cues
from loaders.mentions import clause_mentions, dedupe, strip_lead_in, subject_mentions
from loaders.segment import Line, Mention, Segment, special_lines, split_lines

_SENTENCE_END = re.compile(r"[。！？!?]+")
_CLAUSES = re.compile(r"[；;]+")
_DAY = re.compile(r"\d{1,2}月\d{1,2}日|\d{1,2}月[上中下]旬")
_EVENT_VERB = re.compile(r"举行|举办|开展|召开|组织|走进|来到|深入|启动|开幕")
_NAMED_EVENT = re.compile(r"(?:开展|举办|举行|召开)[^，,。；;]{0,30}?(?:活动|仪式|大会|论坛|竞赛|大赛|培训班|培训|"
                          r"讲座|开放日|宣传周|宣传日|专项整治|检查|抽查|推进会|交流会|座谈会|发布会|评选)")
_QUOTED = re.compile(r"“([^”]{2,30})”")
_QUOTED_RUN = re.compile(r"\s*(?:“[^”]{2,30}”[、，,和及与]?){2,}")
_PLACE_LEAD = re.compile(r"^[^，,。]{1,6}[上中后时]，")  # 课堂上，/ 仪式中，: where the event went on
_REPORTING = re.compile(r"表示|介绍|说|指出|提醒|强调|认为")
_AGENCY_PREDICATE = re.compile(r"^(?:将于?[^，,。；;]{0,12}?|还将|也将|还|也|分别|同步|共同|先后|陆续)?"
                               r"(?:联合|会同|组织|开展|举办|召开|发布|推动|推进|制作|走进|深入|实施|启动|评选|"
                               r"布设|设立|建设|对|在|为|于)")
_TOPIC_DASH = re.compile(r"^[—\-－]{1,2}\s*([^，,。；;]{2,20})[，,：:]")
_TOPIC_AREA = re.compile(r"^([^，,。；;“”]{2,12}?)方面[，,：:]")
_TOPIC_COMMA = re.compile(r"^([^，,。；;]{2,16})[，,]")


@dataclass(frozen=True)
class Span:
    """A piece of the text with its offsets."""

    start: int
    end: int
    text: str


def sentences(line: Line) -> list[Span]:
    """The sentences of a paragraph, each ending with its 。！？ (doubled marks kept together)."""
    out: list[Span] = []
    pos = 0
    for match in _SENTENCE_END.finditer(line.text):
        out.append(Span(line.start + pos, line.start + match.end(), line.text[pos:match.end()]))
        pos = match.end()
    if pos < len(line.text):
        out.append(Span(line.start + pos, line.end, line.text[pos:]))
    return [s for s in out if s.text.strip("。！？!? ")]


def clauses(span: Span, splitter: re.Pattern[str] = _CLAUSES) -> list[Span]:
    """The ；-clauses of a sentence (or the pieces ``splitter`` cuts), with their offsets."""
    out: list[Span] = []
    pos = 0
    for match in splitter.finditer(span.text):
        out.append(Span(span.start + pos, span.start + match.start(), span.text[pos:match.start()]))
        pos = match.end()
    out.append(Span(span.start + pos, span.end, span.text[pos:]))
    return [c for c in out if c.text.strip("。，,；; ")]


def has_activity(text: str) -> bool:
    """True when a clause names an activity (a verb or noun of the cue list) and is not a statistic,
    a count, a quotation or an intention."""
    c = cues()
    return bool(c.activity_cue.search(text)) and not c.not_activity.search(text)


def _activity(span: Span, *, title: str | None = None, mentions: list[Mention] | None = None,
              section: str | None = None, marker: str | None = None) -> Segment:
    text = span.text.strip()
    lead = span.text.find(text[:1]) if text else 0
    start = span.start + max(lead, 0)
    return Segment("activity", marker, section, text, start, start + len(text), title=title,
                   parts=((start, start + len(text), ""),), mentions=tuple(dedupe(mentions or [])))


def _other(span: Span, kind: str) -> Segment:
    return Segment(kind, None, None, span.text, span.start, span.end, parts=((span.start, span.end, ""),))


# -- lists -------------------------------------------------------------------------------------
def _opener(text: str, key: str) -> tuple[int, str] | None:
    """The first list opener of ``key`` in ``text`` (position, word), or None."""
    found = None
    for word in sorted(cues().words(key), key=len, reverse=True):
        at = text.find(word)
        if at >= 0 and (found is None or at < found[0]):
            found = (at, word)
    return found


def list_items(span: Span) -> list[Span] | None:
    """The items of a list of activities in a sentence, or None: after 包括 (；-clauses or
    verb phrases joined by 、), or a run of quoted names after 开展 (“A”、“B”和“C”等活动)."""
    strong = _opener(span.text, "list_openers")
    if strong is not None:
        begin = strong[0] + len(strong[1])
        while begin < len(span.text) and span.text[begin] in "：:，, ":
            begin += 1
        body = Span(span.start + begin, span.end, span.text[begin:])
        items = clauses(body)
        if len(items) < 2:
            items = _verb_phrases(body)
        items = [_trim_count(i) for i in items]
        if len(items) >= 2 and sum(has_activity(i.text) for i in items) >= 2:
            return items
    weak = _opener(span.text, "quoted_list_openers")
    if weak is not None:
        run = _QUOTED_RUN.match(span.text, weak[0] + len(weak[1]))
        if run:
            return [Span(span.start + q.start(), span.start + q.end(), q.group(0))
                    for q in _QUOTED.finditer(span.text, run.start(), run.end())]
    return None


def _verb_phrases(body: Span) -> list[Span]:
    """``召开…、发布…、举办…等`` → one span per 、-piece that starts with an activity verb."""
    pieces = clauses(body, re.compile(r"、"))
    out: list[Span] = []
    for piece in pieces:
        if out and not cues().activity_cue.match(piece.text):
            last = out[-1]
            out[-1] = Span(last.start, piece.end, body.text[last.start - body.start: piece.end - body.start])
        else:
            out.append(piece)
    return out if len(out) >= 2 else []


def _trim_count(span: Span) -> Span:
    """An item without a trailing ``等30余项活动`` / ``等`` / final mark."""
    text = re.sub(r"(?:等[^，,。；;]{0,12}?(?:活动|工作))?[。；;，,]*$", "", span.text)
    text = re.sub(r"等$", "", text)
    return Span(span.start, span.start + len(text), text)


# -- one paragraph -----------------------------------------------------------------------------
def agency_clauses(span: Span) -> list[tuple[Span, list[Mention]]]:
    """Clauses of a sentence each led by a body with an activity predicate (X将组织…；Y将开展…)."""
    pieces: list[Span] = []
    for clause in clauses(span):
        pieces.extend(_split_before_subjects(clause))
    out = []
    for piece in pieces:
        subjects = [m for m in subject_mentions(piece.text) if m.role == "lead"]
        if not subjects:
            continue
        rest = strip_lead_in(piece.text)
        predicate = rest[rest.find(subjects[-1].surface) + len(subjects[-1].surface):]
        predicate = re.sub(r"^等[^，,。；;]{0,8}?(?:部门|单位)?", "", predicate)
        if _AGENCY_PREDICATE.match(predicate) and has_activity(predicate) and not _REPORTING.search(predicate[:8]):
            out.append((piece, clause_mentions(piece.text)))
    return out


def _split_before_subjects(clause: Span) -> list[Span]:
    """A clause cut at every ``，X将`` where X is a body (此外，A将举办…，B将开展…)."""
    cuts = [m.start() + 1 for m in re.finditer(r"[，,](?=[^，,。；;]{2,20}?(?:将|还将|也将))", clause.text)
            if subject_mentions(clause.text[m.start() + 1:])]
    bounds = [0, *cuts, len(clause.text)]
    return [Span(clause.start + a, clause.start + b, clause.text[a:b]) for a, b in zip(bounds, bounds[1:])
            if clause.text[a:b].strip("，, ")]


def is_event(span: Span) -> bool:
    """A reported event: a day (9月14日, 当天) or an opener (同时，) and an event verb."""
    body = span.text.strip()
    opener = cues().starts_with("event_openers", body)
    head = strip_lead_in(body)[:40]  # 为进一步…，9月12日，…: the date after a purpose clause
    dated = _DAY.search(body[:40]) is not None or _DAY.search(head) is not None \
        or any(w in body[:20] for w in cues().words("event_times"))
    return (dated or opener is not None) and bool(_EVENT_VERB.search(body)) and has_activity(body) \
        and not _REPORTING.search(body[:30])


def event_mentions(text: str) -> list[Mention]:
    """The organisers of a reported event: role phrases, else the subject after its date (为…，9月12日，
    X联合Y在…开展… → X, Y)."""
    day = _DAY.search(text[:80])
    found = clause_mentions(text[day.start():] if day else text, people=True)
    return found if any(m.role == "lead" for m in found) else clause_mentions(text, people=True)


def event_title(text: str) -> str:
    """The event a sentence reports: ``…的X活动在…举行`` → X活动; else the clause after its date.

    >>> event_title("9月3日，由市质量办主办的株洲市2019年“质量月”活动启动仪式在天元区举行。")
    '株洲市2019年“质量月”活动启动仪式'
    """
    match = re.search(r"的([^，,。；;的]{4,40}?)在[^，,。；;]{0,30}?(?:举行|举办|开幕|召开)", text)
    if match:
        return match.group(1)
    match = _NAMED_EVENT.search(text)
    if match:
        return match.group(0)
    match = re.search(r"(?:开展|举办|召开|举行|组织)(“[^”]{2,30}”[^，,。；;]{0,12}|[^，,。；;]{2,30})", text)
    if match:
        return match.group(0)
    return re.split(r"[，,。；;]", strip_lead_in(text), maxsplit=1)[0]


def clause_title(text: str) -> str:
    """A body-led clause's title: its first clause after dates and connecting words.

    >>> clause_title("此外，国家认监委将组织开展“认证有效性”宣传周活动")
    '国家认监委将组织开展“认证有效性”宣传周活动'
    """
    return re.split(r"[，,。；;]", strip_lead_in(text), maxsplit=1)[0]


def topic_head(text: str) -> tuple[str, str] | None:
    """(kind, topic) of a paragraph led by a topic: ``——聚焦X，``, ``X方面，``, ``X，`` (dash, area, comma)."""
    for kind, regex in (("dash", _TOPIC_DASH), ("area", _TOPIC_AREA), ("comma", _TOPIC_COMMA)):
        match = regex.match(text)
        if match:
            head = match.group(1)
            c = cues()
            if kind == "comma" and (c.starts_with("lead_ins", head) or c.starts_with("background", head)
                                    or re.search(r"\d|今年|我市|全市|全县|期间|为|按照|根据|围绕|通过|近年|"
                                                 r"记者|据|的|了|是|在|[上中后时前里]$", head)
                                    or subject_mentions(head)):
                return None
            return kind, head
    return None


def read_topic(line: Line, kind: str, topic: str) -> list[Segment]:
    """A topic paragraph: one activity per ；-clause under an area (X方面，A；B), else one activity."""
    body_start = line.text.find(topic) + len(topic)
    body_start += 1 + (2 if kind == "area" else 0)
    span = Span(line.start, line.end, line.text)
    rest = Span(line.start + body_start, line.end, line.text[body_start:])
    items = clauses(rest)
    if kind == "area" or (len(items) >= 2 and all(has_activity(i.text) for i in items)):
        return [_activity(i, mentions=clause_mentions(i.text), section=topic) for i in items]
    mentions: list[Mention] = []
    for sentence in sentences(Line(rest.start, rest.end, rest.text)):
        mentions.extend(clause_mentions(sentence.text))
    title = topic if kind == "comma" else None
    if kind == "dash":
        title = re.split(r"[。；;]", line.text.lstrip("—-－ "), maxsplit=1)[0]
    return [_activity(span, title=title, mentions=mentions)]


def with_gaps(span: Span, found: list[Segment]) -> list[Segment]:
    """``found`` with every stretch of the sentence between them (a list's opener, a lead-in
    clause) as a named non-activity, so that no text is dropped unnamed."""
    out: list[Segment] = []
    pos = span.start
    for seg in sorted(found, key=lambda s: s.start):
        gap = span.text[pos - span.start: seg.start - span.start]
        if gap.strip("，,。；;：:、 　"):
            out.append(_other(Span(pos, seg.start, gap), "text"))
        out.append(seg)
        pos = max(pos, seg.end)
    tail = span.text[pos - span.start:]
    if tail.strip("，,。；;：:、 　"):
        out.append(_other(Span(pos, span.end, tail), "text"))
    return out


def read_sentence(span: Span) -> list[Segment]:
    """The activities a sentence names (a list, body-led clauses, an event), else a non-activity."""
    if cues().starts_with("background", span.text.strip()):
        return [_other(span, "background")]
    items = list_items(span)
    if items is not None:
        head = span.text[: items[0].start - span.start]
        shared = [m for m in subject_mentions(head) if m.role == "lead"]
        return with_gaps(span, [_activity(i, mentions=clause_mentions(i.text) or shared) for i in items])
    led = agency_clauses(span)
    if led:
        dated = len(led) == 1 and is_event(span)  # 9月6日，X在…举办…: a reported event led by X
        return with_gaps(span, [_activity(piece, title=event_title(piece.text) if dated else clause_title(piece.text),
                                          mentions=event_mentions(piece.text) if dated else mentions)
                                for piece, mentions in led])
    if is_event(span):
        return [_activity(span, title=event_title(span.text), mentions=event_mentions(span.text))]
    kind = "summary" if cues().count.search(span.text) else "text"
    return [_other(span, kind)]


def _continues(sentence: Span, same_paragraph: bool) -> bool:
    body = sentence.text.strip()
    if _REPORTING.search(body) or cues().starts_with("background", body):
        return False
    return same_paragraph or cues().starts_with("continuation", body) is not None \
        or _PLACE_LEAD.match(body) is not None


def _extend(seg: Segment, span: Span) -> Segment:
    """An event with the sentence that continues it (its text, for programmes and dates)."""
    joiner = "" if span.start == seg.end else "\n"
    return replace(seg, text=seg.text + joiner + span.text, end=span.end,
                   parts=seg.parts + ((span.start, span.end, joiner),))


def segment_prose(text: str) -> list[Segment]:
    """Activities of a document written as prose (news story, overview report, notice)."""
    lines = split_lines(text)
    roles = special_lines(lines)
    heads = {i: topic_head(line.text) for i, line in enumerate(lines) if i not in roles}
    comma_topics = sum(1 for h in heads.values() if h and h[0] == "comma")
    out: list[Segment] = []
    event: int | None = None  # the last reported event: later sentences may continue it
    for i, line in enumerate(lines):
        if i in roles:
            out.append(_other(Span(line.start, line.end, line.text), roles[i]))
            continue
        head = heads.get(i)
        if head and (head[0] != "comma" or comma_topics >= 2) and has_activity(line.text) \
                and not cues().starts_with("background", line.text):
            out.extend(read_topic(line, *head))
            event = None
            continue
        attached = False
        for sentence in sentences(line):
            if event is not None and _continues(sentence, attached) and not is_event(sentence) \
                    and list_items(sentence) is None and not agency_clauses(sentence):
                out[event] = _extend(out[event], sentence)
                attached = True
                continue
            found = read_sentence(sentence)
            out.extend(found)
            if any(f.kind == "activity" for f in found):
                event = len(out) - 1 if is_event(sentence) else None
                attached = event is not None
    return out if any(s.kind == "activity" for s in out) else _headline_event(out)


def _headline_event(segments: list[Segment]) -> list[Segment]:
    """A story that tells no dated or body-led event in its text but names one in its headline
    (县市场监管局开展“质量月”计量惠民活动): the headline's event, told by the first paragraph."""
    title = next((s for s in segments if s.kind == "title" and has_activity(s.text)
                  and not any(word in s.text for word in cues().words("document_words"))), None)
    body = next((i for i, s in enumerate(segments) if s.kind in ("text", "summary") and title is not None
                 and s.start > title.start), None)
    if title is None or body is None:
        return segments
    paragraph = segments[body]
    mentions = subject_mentions(title.text) + clause_mentions(paragraph.text, people=True)
    out = list(segments)
    out[body] = _activity(Span(paragraph.start, paragraph.end, paragraph.text), title=event_title(title.text),
                          mentions=mentions)
    return out
