"""The page dataclasses (what each template renders) and the helpers that fill them from query rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.pages.text import Segment
from graph.store import Value
from qgkg.config import ONTOLOGY_NS

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
QG = ONTOLOGY_NS

# the page kind of a resource, by its rdf:type (first match wins)
KINDS = (
    (QG + "Agency", "agency"),
    (ORG + "Organization", "agency"),
    (QG + "Activity", "activity"),
    (QG + "Plan", "plan"),
    (QG + "Programme", "programme"),
    (QG + "Year", "year"),
    (QG + "City", "city"),
    (QG + "Jurisdiction", "city"),
)


@dataclass(frozen=True)
class Ref:
    """A link to a resource with its zh-Hans (or plain) label and its English one."""

    iri: str
    label: str
    en: str | None = None


@dataclass(frozen=True)
class Statement:
    """One statement about (or pointing to) the page's resource, with the value's labels."""

    property: str
    value: Value
    label: str | None = None
    en: str | None = None


@dataclass(frozen=True)
class Entity:
    """What every entity page shows in its header: the IRI, kind, labels and all outgoing statements."""

    iri: str
    kind: str
    label: str
    en: str | None
    statements: tuple[Statement, ...]

    def values(self, prop: str) -> list[Value]:
        """The values of one property."""
        return [s.value for s in self.statements if s.property == prop]

    def first(self, prop: str) -> str | None:
        """The first value of one property, as text."""
        vals = self.values(prop)
        return vals[0].value if vals else None

    def refs(self, prop: str) -> list[Ref]:
        """The IRI values of one property, with their labels."""
        return [
            make_ref(s.value.value, s.label, s.en)
            for s in self.statements
            if s.property == prop and s.value.is_iri
        ]


@dataclass(frozen=True)
class ActivityRow:
    """An activity in a list: its link, year and plan."""

    activity: Ref
    year: str = ""
    plan: Ref | None = None
    where: Ref | None = None
    marker: str = ""
    leads: str = ""


@dataclass(frozen=True)
class AgencyPage:
    """An agency: names and aliases, level, city, parent; activities led by year; co-leads; programmes."""

    entity: Entity
    aliases: tuple[str, ...]
    level: str | None
    city: Ref | None
    parent: Ref | None
    activities_by_year: tuple[tuple[str, tuple[ActivityRow, ...]], ...]
    coleaders: tuple[tuple[Ref, int], ...]
    programmes: tuple[tuple[Ref, int], ...]


@dataclass(frozen=True)
class CityPage:
    """A city: plans by year, agencies by activities led, programmes by year (a table)."""

    entity: Entity
    plans_by_year: tuple[tuple[str, tuple[tuple[Ref, str, int], ...]], ...]  # year → (plan, kind, activities)
    agencies: tuple[tuple[Ref, int], ...]
    years: tuple[str, ...]
    programmes: tuple[tuple[Ref, tuple[int, ...]], ...]  # programme → counts per year of ``years``


@dataclass(frozen=True)
class ActivityPage:
    """An activity: its text with agency mentions linked, leads, supports, programmes, where it comes from."""

    entity: Entity
    segments: tuple[Segment, ...]
    leads: tuple[Ref, ...]
    supports: tuple[Ref, ...]
    programmes: tuple[Ref, ...]
    plan: Ref | None
    year: Ref | None
    city: Ref | None
    section: str | None
    marker: str | None
    span: tuple[int, int] | None


@dataclass(frozen=True)
class ProgrammePage:
    """A programme: a jurisdiction × year table of activity counts (None: no plan of that place and
    year), and the activities."""

    entity: Entity
    code: str | None
    years: tuple[str, ...]
    table: tuple[tuple[Ref, tuple[int | None, ...]], ...]
    activities: tuple[ActivityRow, ...]


@dataclass(frozen=True)
class PlanOrigin:
    """Where a plan was read from, and the file as read (downloadable by its sha256)."""

    kind: str  # "file" or "web"
    source: str  # the file name or the URL asked for
    url: str | None  # the original on the web (an http(s) dcterms:source), else None
    final_url: str | None  # a web page's URL after redirects
    retrieved_at: str | None  # a web page's retrieval time
    status: str | None  # a web page's HTTP status
    published: str | None  # a web page's publication date
    sha256: str | None  # the digest of the bytes as read: the download's name
    media_type: str  # the media type of the bytes as read
    filename: str  # the name a download is saved under
    kept: bool = False  # the bytes as read are kept on this machine: the download works


@dataclass(frozen=True)
class SourceFile:
    """The bytes a plan was read from, as the download ``/sources/<sha256>`` serves them."""

    sha256: str
    plan: str  # the IRI of the (main) plan read from them
    media_type: str  # with a charset parameter for text read with one known codec
    filename: str


@dataclass(frozen=True)
class PlanPage:
    """A plan: metadata, repair notes, text as written and as repaired (activities marked), fragments."""

    entity: Entity
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    original_text: str | None
    repaired: tuple[Segment, ...]
    activities: tuple[ActivityRow, ...]
    fragments: tuple[tuple[Ref, int], ...]
    derived_from: tuple[Ref, ...]
    origin: PlanOrigin | None = None  # where it was read from; None for a plan without dcterms:source


@dataclass(frozen=True)
class YearPage:
    """A year: its plans and activities."""

    entity: Entity
    plans: tuple[tuple[Ref, Ref | None, int], ...]  # plan, jurisdiction, activities
    activities: tuple[ActivityRow, ...]


@dataclass(frozen=True)
class GenericPage:
    """Any other resource: every statement about it, out and in, with labels."""

    entity: Entity
    incoming: tuple[Statement, ...]


@dataclass(frozen=True)
class HomePage:
    """What the graph holds, and its plans by jurisdiction and year."""

    counts: dict[str, int]
    years: tuple[str, ...]
    table: tuple[tuple[Ref, tuple[tuple[Ref, ...], ...]], ...]  # jurisdiction → plans per year of ``years``
    programmes: tuple[tuple[Ref, int], ...]
    version: str = ""
    built_at: str = ""


@dataclass(frozen=True)
class SearchPage:
    """Resources whose labels contain the text (searched in simplified script)."""

    q: str
    simplified: str
    groups: tuple[tuple[str, tuple[tuple[Ref, str], ...]], ...] = field(
        default=()
    )  # kind → (resource, match)
    total: int = 0  # resources found (more than are shown when ``limited``)
    found: dict[str, int] = field(default_factory=dict)  # kind → resources found (of which ``groups`` shows the best)
    limited: bool = False  # True when some hits are not shown


def make_ref(iri: str, label: Value | str | None = None, en: Value | str | None = None) -> Ref:
    """A link to a resource, labelled with its label (or the IRI's last segment)."""
    text = label.value if isinstance(label, Value) else label
    en_text = en.value if isinstance(en, Value) else en
    return Ref(iri, text or tail(iri), en_text)


def tail(iri: str) -> str:
    """The last segment of an IRI."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def int_of(row: dict[str, Value], key: str) -> int:
    """An integer column of a row (0 when absent or not a number)."""
    v = row.get(key)
    try:
        return int(v.value) if v else 0
    except ValueError:
        return 0


def text_of(row: dict[str, Value], key: str) -> str:
    """A text column of a row ("" when absent)."""
    v = row.get(key)
    return v.value if v else ""


def statements_of(rows: list[dict[str, Value]]) -> tuple[Statement, ...]:
    """Statements from the rows of ``page_out`` or ``page_in``."""
    return tuple(
        Statement(r["property"].value, r["value"], text_of(r, "valueLabel") or None, text_of(r, "valueLabelEn") or None)
        for r in rows
    )
