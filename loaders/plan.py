"""The extraction pipeline: a plan file → its plan graphs (main plan, spliced fragments) and the
descriptions of the shared entities they refer to (docs/MODEL.md).

decode → repair → simplify (same length, so spans hold in the repaired text) → cut spliced blocks
→ segment (layout chosen on the text) → extract → mint IRIs → graphs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

from loaders import extract, iris
from loaders.decode import Decoded, read_plan_file
from loaders.entities import ZH, ZH_HANT, Entities, place_iri
from loaders.furniture import find_furniture, mask
from loaders.gazetteer import AgencyRef, gazetteer
from loaders.jurisdiction import resolve_jurisdiction
from loaders.layouts import BY_NAME, Choice, choose
from loaders.model import Extraction, Origin, PlanGraph, WebSource
from loaders.numbered import segment_department_colon
from loaders.places import COUNTRY, Place, places
from loaders.programmes import mask_names, programmes_in
from loaders.repair import repair
from loaders.script import to_simplified
from loaders.segment import Segment
from loaders.splice import Splice, cut, detect_splices, keep_only
from loaders.web import read_page
from ontology import QG
from qgkg.config import DEFAULT_BASE
from qgkg.errors import ExtractionError

log = logging.getLogger(__name__)
_NON_ACTIVITY_WARN = ("fragment-tail", "unrecognised")


def simplify_same_length(text: str) -> str:
    """``to_simplified`` keeping every offset: character by character when phrases change length."""
    simple = to_simplified(text)
    if len(simple) == len(text):
        return simple
    chars = [to_simplified(c) for c in text]
    return "".join(c if len(c) == 1 else o for c, o in zip(chars, text))


# -- activities --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What an activity inherits from its plan."""

    plan: URIRef
    area: URIRef
    city: URIRef | None
    city_place: Place | None
    year: URIRef | None
    year_value: int | None
    repaired: str
    agency_place: AgencyContext | None = None  # where 市…/县…/区… mentions resolve


@dataclass(frozen=True)
class AgencyContext:
    """Where a plan's bodies are: 市… resolves in ``city`` (a city, or the province for 省…), 县…/区…
    (and 市… in a county-level city's plan) in ``unit``; with ``unknown`` (a masked or spammed place)
    local bodies are the plan's own, never merged with another plan's."""

    city: Place | None
    unit: Place | None = None
    unknown: bool = False


def _agency_context(place: Place, city: Place | None) -> AgencyContext:
    if place.level in ("city", "province"):
        return AgencyContext(place)
    if place.level in ("county", "district"):
        return AgencyContext(city, place)
    return AgencyContext(None, unknown=place.level == "unknown")


def resolve_agency(surface: str, context: AgencyContext, plan: URIRef) -> AgencyRef | None:
    """The agency a mention names in a plan (the gazetteer's answer, kept to the plan when its
    place is unknown and the name is a local one)."""
    ref = gazetteer().resolve(surface, context.city, context.unit)
    if ref is not None and context.unknown and not ref.known and ref.scope == ("cn",):
        ref = replace(ref, scope=("unknown", str(plan).rsplit("/", 1)[-1]))
    return ref


def _district_of(marker: str | None, city: Place | None) -> Place | None:
    if not marker or city is None:
        return None
    return places().district_named(city, marker)


def add_activity(g: Graph, ents: Entities, ctx: Context, seg: Segment, position: int, choice: Choice) -> None:
    """The triples of one activity (in the plan graph) and its agencies (in the entities)."""
    act = iris.activity(ctx.plan, position)
    original = seg.render(ctx.repaired)
    g.add((act, RDF.type, QG.Activity))
    g.add((act, QG.plan, ctx.plan))
    g.add((act, QG.jurisdiction, ctx.area))
    if ctx.city is not None:
        g.add((act, QG.city, ctx.city))
    if ctx.year is not None:
        g.add((act, QG.year, ctx.year))
    title = seg.title or extract.activity_title(seg.text)
    g.add((act, RDFS.label, Literal(title, lang=ZH)))
    g.add((act, QG.text, Literal(seg.text, lang=ZH)))
    if original != seg.text:
        g.add((act, QG.originalText, Literal(original, lang=ZH_HANT)))
    g.add((act, QG.marker, Literal(seg.marker or str(position))))
    g.add((act, QG.position, Literal(position, datatype=XSD.integer)))
    if seg.section:
        g.add((act, QG.section, Literal(seg.section, lang=ZH)))
    g.add((act, QG.spanStart, Literal(seg.start, datatype=XSD.integer)))
    g.add((act, QG.spanEnd, Literal(seg.end, datatype=XSD.integer)))
    reported = choice.name == "district_report"
    context = ctx.agency_place or AgencyContext(None)
    if reported:
        context = AgencyContext(context.city, _district_of(seg.marker, ctx.city_place))
    scope = seg.text
    if reported:
        scope = (seg.title or "") + "\n" + extract.event_paragraph(seg.text[len(seg.title or ""):])
    if reported or choice.name == "prose":
        date = extract.event_date(scope if reported else seg.text, ctx.year_value)
        if date:
            g.add((act, QG.date, Literal(date.isoformat(), datatype=XSD.date)))
    mentions = choice.mentions(seg)
    seen: set[tuple[URIRef, str]] = set()
    for mention in mentions:
        ref = resolve_agency(mention.surface, context, ctx.plan)
        if ref is None:
            continue
        surface_original = _original_surface(mention.surface, seg.text, original)
        agent = ents.agency(ref, mention.surface, surface_original)
        if (agent, mention.role) in seen or (mention.role == "support" and (agent, "lead") in seen):
            continue
        seen.add((agent, mention.role))
        g.add((act, QG.leadAgency if mention.role == "lead" else QG.supportAgency, agent))
        assoc = BNode()
        g.add((act, PROV.qualifiedAssociation, assoc))
        g.add((assoc, RDF.type, PROV.Association))
        g.add((assoc, PROV.agent, agent))
        g.add((assoc, PROV.hadRole, QG.Lead if mention.role == "lead" else QG.Support))
        g.add((assoc, QG.surface, Literal(surface_original or mention.surface)))
    for code in programmes_in(mask_names(scope, [m.surface for m in mentions])):
        g.add((act, QG.programme, ents.programme(code)))


def _original_surface(surface: str, simple: str, original: str) -> str | None:
    """The mention as written (original script), found at the same offset in the original text."""
    if len(simple) != len(original):
        return None
    at = simple.find(surface)
    return original[at: at + len(surface)] if at >= 0 else None


CLOSE_MARGIN = 2  # a runner-up this close (in plausible activities) is recorded on the plan
FRAGMENT_CHOICE = Choice(BY_NAME["department_colon"], [], 0)  # how a spliced block's entries are read


# -- plans ---------------------------------------------------------------------------------------
def _check_numbering(segments: list[Segment]) -> list[str]:
    warnings = []
    previous: dict[str | None, int] = {}
    for seg in segments:
        if seg.kind != "activity" or not seg.marker:
            continue
        number = seg.marker.rsplit(")", 1)[-1]
        if not number.isdigit():
            continue
        key = seg.section if "(" in seg.marker else None
        n = int(number)
        last = previous.get(key)
        if last is not None and n != last + 1:
            warnings.append(f"numbering {'repeat' if n <= last else 'gap'}: {seg.marker} follows {last}"
                            f" (span {seg.start}-{seg.end})")
        previous[key] = n
    sections = [s for s in segments if s.kind == "section"]
    for sec in sections:
        if not any(s.kind == "activity" and s.section == sec.text for s in segments):
            warnings.append(f"section without items: {sec.text[:20]} (span {sec.start}-{sec.end})")
    for seg in segments:
        if seg.note and seg.kind in ("section", *_NON_ACTIVITY_WARN):
            warnings.append(f"{seg.note} (span {seg.start}-{seg.end})")
    return warnings


def extract_file(path: Path, *, base: str = DEFAULT_BASE) -> Extraction:
    """Extract a plan file: its plan graphs (main plan first, then spliced fragments) and entities.

    Raises:
        DecodeError: the file is empty or cannot be decoded.
        ExtractionError: the text is about no quality work at all.
    """
    path = Path(path)
    decoded = read_plan_file(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    origin = Origin(kind="file", media_type=media_type_of(path.name))
    return extract_decoded(decoded, source=path.name, sha=sha, origin=origin, path=path, base=base)


def extract_page(data: bytes, web: WebSource, *, charset: str | None = None, base: str = DEFAULT_BASE) -> Extraction:
    """Extract a fetched web page (its bytes as fetched, ``charset`` from the HTTP header) like a file.

    The plan's ``dcterms:source`` is the URL asked for; its provenance (final URL, HTTP status,
    retrieval time, the publication date htmldate found) goes into the plan graph.

    Raises:
        DecodeError: the page cannot be decoded or has no article text.
        ExtractionError: the article is about no quality work at all.
    """
    page = read_page(data, url=web.url, header_charset=charset)
    origin = Origin(kind="web", media_type=web.media_type, web=web, published=page.published)
    return extract_decoded(page.decoded, source=web.url, sha=hashlib.sha256(data).hexdigest(), origin=origin,
                           path=None, base=base)


def extract_decoded(decoded: Decoded, *, source: str, sha: str, origin: Origin, path: Path | None,
                    base: str = DEFAULT_BASE) -> Extraction:
    """The rest of the pipeline once the text is decoded (shared by files and web pages)."""
    repaired, notes = repair(decoded.text)
    simple = simplify_same_length(repaired)
    splices = detect_splices(simple)
    host = cut(simple, splices)
    if not extract.about_quality(host):
        raise ExtractionError(f"{source}: no Quality-Month content (no 质量 in the text): not a plan")
    furniture = find_furniture(host)
    choice = choose(mask(host, furniture))
    layout, segments = choice.name, choice.segments
    activities = [s for s in segments if s.kind == "activity"]
    ents = Entities(base)
    warnings = _check_numbering(segments)
    if not activities:
        warnings.append("no activities found: no layout strategy recognised the text")
    elif layout == "prose":
        warnings.append(f"no structured layout recognised: read as prose ({len(activities)} activities)")

    title_lines = [s.text for s in segments if s.kind == "title"]
    issuer_name, issued = extract.find_signature(segments)
    year = extract.find_year("".join(title_lines), host, issued)
    found = resolve_jurisdiction(host)
    place = found.place
    if found.note:
        warnings.append(found.note)
    kind = extract.document_kind(layout, segments, host)
    title = "".join(title_lines) or _default_title(year, place, kind)

    plan_iri = iris.plan(source, base)
    g = Graph()
    area = ents.place(place)
    city_place = found.city
    city_iri = ents.place(city_place) if city_place is not None else None
    year_iri = ents.year(year) if year else None
    g.add((plan_iri, RDF.type, QG.Plan))
    g.add((plan_iri, DCTERMS.title, Literal(title, lang=ZH)))
    _provenance(g, plan_iri, source, sha)
    _origin(g, plan_iri, origin)
    g.add((plan_iri, QG.jurisdiction, area))
    if city_iri is not None:
        g.add((plan_iri, QG.city, city_iri))
    if year_iri is not None:
        g.add((plan_iri, QG.year, year_iri))
    else:
        warnings.append("year not found")
    g.add((plan_iri, QG.documentKind, Literal(kind)))
    g.add((plan_iri, QG.layout, Literal(f"{layout} {choice.plausible}")))
    if choice.runner_up and choice.runner_up_plausible >= choice.plausible - CLOSE_MARGIN:
        g.add((plan_iri, QG.layoutRunnerUp, Literal(f"{choice.runner_up} {choice.runner_up_plausible}")))
    if issued:
        g.add((plan_iri, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.date)))
    prose = "\n".join(s.text for s in segments if s.kind in ("title", "preamble", "theme", "section-intro"))
    theme = extract.find_theme(segments, prose)
    if theme:
        g.add((plan_iri, QG.theme, Literal(theme, lang=ZH)))
    for slogan in extract.slogans(segments):
        g.add((plan_iri, QG.slogan, Literal(slogan, lang=ZH)))
    issuer_surface = issuer_name or extract.issuer_in_prose(
        "\n".join(s.text for s in segments if s.kind in ("preamble", "title"))[:400])
    if issuer_surface:
        ref = resolve_agency(issuer_surface, _agency_context(place, city_place), plan_iri)
        if ref is not None:
            g.add((plan_iri, QG.issuer, ents.agency(ref, issuer_surface)))
    g.add((plan_iri, QG.encoding, Literal(decoded.encoding)))
    for note in notes:
        g.add((plan_iri, QG.repairNote, Literal(note)))
    g.add((plan_iri, QG.repairedText, Literal(repaired)))
    g.add((plan_iri, QG.originalText, Literal(decoded.text)))
    for cited in extract.cited_documents(host):
        g.add((plan_iri, QG.cites, ents.document(cited)))
    ctx = Context(plan_iri, area, city_iri, city_place, year_iri, year, repaired,
                  agency_place=_agency_context(place, city_place))
    for position, seg in enumerate(activities, start=1):
        add_activity(g, ents, ctx, seg, position, choice)
    seen = extract.count_items_seen(host, layout, segments)
    if seen is not None:
        g.add((plan_iri, QG.itemsSeen, Literal(seen, datatype=XSD.integer)))
        if seen != len(activities):
            warnings.append(f"{seen} item markers seen in the text, {len(activities)} activities extracted")
    g.add((plan_iri, QG.activityCount, Literal(len(activities), datatype=XSD.integer)))

    plans = [PlanGraph(plan_iri, g)]
    for number, splice in enumerate(splices, start=1):
        plans.append(_fragment(splice, number, simple, repaired, source, sha, base, plan_iri, title, year, ents,
                               warnings))
    for warning in warnings:
        g.add((plan_iri, QG.warning, Literal(warning)))
        log.warning("extraction warning: %s", warning, extra={"plan": source, "layout": layout})
    return Extraction(source=source, path=path, sha256=sha, plans=tuple(plans), entities=ents.graph,
                      warnings=tuple(f"{source}: {w}" for w in warnings))


def _provenance(g: Graph, plan: URIRef, source: str, sha: str) -> None:
    web = source.startswith(("http://", "https://"))
    g.add((plan, DCTERMS.source, Literal(source, datatype=XSD.anyURI) if web else Literal(source)))
    g.add((plan, QG.sha256, Literal(sha)))


def _origin(g: Graph, plan: URIRef, origin: Origin) -> None:
    """What kind of source the plan was read from, its media type, and for a web page how it was retrieved."""
    g.add((plan, QG.sourceKind, Literal(origin.kind)))
    g.add((plan, DCTERMS["format"], Literal(origin.media_type)))
    web = origin.web
    if web is None:
        return
    g.add((plan, QG.retrievedFrom, Literal(web.final_url, datatype=XSD.anyURI)))
    g.add((plan, QG.httpStatus, Literal(web.status, datatype=XSD.integer)))
    g.add((plan, PROV.generatedAtTime, Literal(web.retrieved_at, datatype=XSD.dateTime)))
    if origin.published:
        g.add((plan, QG.publishedDate, Literal(origin.published, datatype=XSD.date)))


MEDIA_TYPES = {".txt": "text/plain", ".text": "text/plain", ".html": "text/html", ".htm": "text/html",
               ".xhtml": "application/xhtml+xml", ".pdf": "application/pdf",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def media_type_of(name: str) -> str:
    """The media type of a plan file by its extension (``text/plain`` for text with another extension).

    >>> media_type_of("a.PDF"), media_type_of("notes.md")
    ('application/pdf', 'text/plain')
    """
    return MEDIA_TYPES.get(Path(name).suffix.lower(), "text/plain")


def _default_title(year: int | None, place: Place, kind: str) -> str:
    noun = {"notice": "活动通知", "report": "活动报道"}.get(kind, "活动安排")
    return f"{year or ''}年{place.name}“质量月”{noun}" if year else f"{place.name}“质量月”{noun}"


def _fragment(splice: Splice, number: int, simple: str, repaired: str, source: str, sha: str, base: str,
              main: URIRef, title: str, year: int | None, ents: Entities, warnings: list[str]) -> PlanGraph:
    """A spliced block as a plan of its own: national when its departments are national bodies."""
    iri = iris.fragment(source, number, base)
    segments = segment_department_colon(keep_only(simple, splice))
    acts = [s for s in segments if s.kind == "activity"]
    refs = [gazetteer().resolve(s.marker or "", None) for s in acts]
    national = sum(1 for r in refs if r is not None and r.known and r.scope == ("cn",))
    warnings.append(f"spliced fragment found: {len(acts)} department entries, span {splice.start}-{splice.end},"
                    f" taken out of the host item as {iri.rsplit('/', 1)[-1]}")
    for seg in segments:
        if seg.kind == "fragment-tail":
            warnings.append(f"fragment {number} begins with the tail of a cut-off entry (span {seg.start}-{seg.end})")
    if national * 2 < max(len(acts), 1):
        warnings.append(f"fragment {number}: departments not recognised as national; jurisdiction set to the country")
    g = Graph()
    area = ents.place(COUNTRY)
    year_iri = ents.year(year) if year else None
    g.add((iri, RDF.type, QG.Plan))
    g.add((iri, DCTERMS.title, Literal(f"{title}（拼接片段{number}）", lang=ZH)))
    _provenance(g, iri, source, sha)
    g.add((iri, PROV.wasDerivedFrom, main))
    g.add((iri, QG.documentKind, Literal("fragment")))
    g.add((iri, QG.jurisdiction, area))
    if year_iri is not None:
        g.add((iri, QG.year, year_iri))
    ctx = Context(iri, area, None, None, year_iri, year, repaired)
    for position, seg in enumerate(acts, start=1):
        add_activity(g, ents, ctx, seg, position, FRAGMENT_CHOICE)
    g.add((iri, QG.itemsSeen, Literal(len(acts), datatype=XSD.integer)))
    g.add((iri, QG.activityCount, Literal(len(acts), datatype=XSD.integer)))
    return PlanGraph(iri, g)


__all__ = ["extract_file", "extract_page", "extract_decoded", "media_type_of", "simplify_same_length", "Entities",
           "place_iri", "OWL", "dt"]
