"""Human-readable documentation of the ontology and the shapes."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from qgkg.config import ONTOLOGY_NS


@dataclass(frozen=True)
class Term:
    """A class, property or concept with its labels and definition."""

    iri: str
    local: str
    kind: str
    en: str
    zh: str
    definition: str
    domain: tuple[str, ...] = ()
    range: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    notation: str = ""
    triggers: tuple[str, ...] = ()


@dataclass(frozen=True)
class OntologyDoc:
    """The ontology's classes, properties, individuals and the programme scheme."""

    title: str
    version: str
    classes: tuple[Term, ...]
    properties: tuple[Term, ...]
    individuals: tuple[Term, ...]
    programmes: tuple[Term, ...]


def _lit(g: Graph, s: URIRef, p: URIRef, lang: str) -> str:
    for o in g.objects(s, p):
        if getattr(o, "language", None) and str(o.language).lower().startswith(lang.lower()):
            return str(o)
    return ""


def _term(g: Graph, s: URIRef, kind: str) -> Term:
    iri = str(s)
    local = iri[len(ONTOLOGY_NS) :] if iri.startswith(ONTOLOGY_NS) else iri.rsplit("/", 1)[-1]
    label = RDFS.label if (s, RDFS.label, None) in g else SKOS.prefLabel
    definition = _lit(g, s, SKOS.definition, "en") or _lit(g, s, RDFS.comment, "en")
    return Term(
        iri,
        local,
        kind,
        _lit(g, s, label, "en"),
        _lit(g, s, label, "zh"),
        definition,
        tuple(sorted(str(o) for o in g.objects(s, RDFS.domain))),
        tuple(sorted(str(o) for o in g.objects(s, RDFS.range))),
        tuple(sorted(str(o) for o in g.objects(s, RDFS.subClassOf) if isinstance(o, URIRef))),
        str(g.value(s, SKOS.notation) or ""),
        tuple(
            sorted(
                str(o)
                for o in g.objects(s, SKOS.altLabel)
                if str(getattr(o, "language", "")).lower().startswith("zh")
            )
        ),
    )


def ontology_doc() -> OntologyDoc:
    """The documentation of ``ontology/*.ttl``."""
    from ontology import ontology_graph

    g = ontology_graph()
    onto = next(g.subjects(RDF.type, OWL.Ontology), None)
    title = (
        (_lit(g, onto, URIRef("http://purl.org/dc/terms/title"), "en") or "qgkg ontology") if onto else "qgkg"
    )
    version = str(g.value(onto, OWL.versionInfo) or "") if onto else ""

    def of(types: tuple[URIRef, ...], kind: str) -> tuple[Term, ...]:
        subjects = {s for t in types for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)}
        return tuple(
            sorted(
                (_term(g, s, kind) for s in subjects if str(s).startswith(ONTOLOGY_NS)), key=lambda t: t.local
            )
        )

    programmes = tuple(
        sorted(
            (
                _term(g, s, "programme")
                for s in g.subjects(RDF.type, URIRef(ONTOLOGY_NS + "Programme"))
                if isinstance(s, URIRef)
            ),
            key=lambda t: t.notation,
        )
    )
    individuals = tuple(t for t in of((OWL.NamedIndividual,), "individual") if not t.notation)
    return OntologyDoc(
        title,
        version,
        of((OWL.Class,), "class"),
        of((OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty), "property"),
        individuals,
        programmes,
    )


def ontology_turtle() -> Graph:
    """The ontology and programme scheme as one rdflib graph."""
    from ontology import ontology_graph

    return ontology_graph()


@dataclass(frozen=True)
class ShapeProperty:
    """One property constraint of a node shape."""

    name: str
    path: str
    min_count: str
    max_count: str
    constraint: str
    severity: str
    message: str


@dataclass(frozen=True)
class Shape:
    """A node shape with its target and property constraints."""

    iri: str
    target: str
    message: str
    properties: tuple[ShapeProperty, ...]


def shapes_doc(base: str) -> tuple[Shape, ...]:
    """The documentation of ``shapes/qgkg.ttl``."""
    from shapes import shapes_graph

    g = shapes_graph(base)
    out = []
    for s in sorted(set(g.subjects(RDF.type, SH.NodeShape)), key=str):
        props = []
        for p in g.objects(s, SH.property):
            constraint = ", ".join(
                f"{k.split('#')[-1]} {g.value(p, k).n3(g.namespace_manager)}"  # type: ignore
                for k in (SH.datatype, SH["class"], SH.nodeKind, SH.pattern, SH.hasValue, SH.minLength)
                if g.value(p, k) is not None
            )
            props.append(
                ShapeProperty(
                    str(p),
                    str(g.value(p, SH.path) or ""),
                    str(g.value(p, SH.minCount) or ""),
                    str(g.value(p, SH.maxCount) or ""),
                    constraint,
                    str(g.value(p, SH.severity) or SH.Violation).split("#")[-1],
                    str(g.value(p, SH.message) or ""),
                )
            )
        out.append(
            Shape(
                str(s),
                str(g.value(s, SH.targetClass) or g.value(s, SH.targetSubjectsOf) or ""),
                str(g.value(s, SH.message) or ""),
                tuple(sorted(props, key=lambda x: x.path)),
            )
        )
    return tuple(out)
