"""Descriptions of the shared entities a file's plans refer to (jurisdictions, years, programmes,
agencies, cited documents), for the reference graph; IRIs come from ``loaders.iris``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SKOS, TIME, XSD

from loaders import iris
from loaders.gazetteer import AgencyRef, gazetteer
from loaders.places import COUNTRY, Place, places
from ontology import QG

ZH, ZH_HANT, EN = "zh-Hans", "zh-Hant", "en"


@dataclass
class Entities:
    """Descriptions of the shared entities a file's plans refer to (for the reference graph)."""

    base: str
    graph: Graph = field(default_factory=Graph)

    def place(self, place: Place) -> URIRef:
        """Describe a jurisdiction and every unit above it (qg:within, up to the country); return its IRI.

        A county or district also gets qg:city and qg:jurisdiction: the prefecture-level city it lies in.
        """
        iri = place_iri(place, self.base)
        g = self.graph
        if (iri, RDF.type, QG.Jurisdiction) in g:
            return iri
        cls = {"country": QG.Country, "province": QG.Province, "city": QG.City, "county": QG.County,
               "district": QG.District, "unknown": QG.Jurisdiction}[place.level]
        g.add((iri, RDF.type, cls))
        g.add((iri, RDF.type, QG.Jurisdiction))
        g.add((iri, SKOS.prefLabel, Literal(place.name, lang=ZH)))
        g.add((iri, RDFS.label, Literal(place.name_en, lang=EN)))
        if place.adcode:
            g.add((iri, QG.adcode, Literal(place.adcode)))
        table = places()
        city = table.city_of(place) if place.level in ("county", "district") else None
        if city is not None:
            city_iri = self.place(city)
            g.add((iri, QG.city, city_iri))
            g.add((iri, QG.jurisdiction, city_iri))
        above = table.parent(place)
        if above is not None:
            g.add((iri, QG.within, self.place(above)))
        return iri

    def year(self, value: int) -> URIRef:
        """Describe a year; return its IRI."""
        iri = iris.year(value, self.base)
        self.graph.add((iri, RDF.type, QG.Year))
        self.graph.add((iri, TIME.year, Literal(f"{value:04d}", datatype=XSD.gYear)))
        self.graph.add((iri, RDFS.label, Literal(f"{value:04d}")))
        return iri

    def programme(self, code: str) -> URIRef:
        """Describe a programme (type, notation, scheme); return its IRI."""
        iri = iris.programme(code, self.base)
        self.graph.add((iri, RDF.type, QG.Programme))
        self.graph.add((iri, RDF.type, SKOS.Concept))
        self.graph.add((iri, SKOS.inScheme, QG.Programmes))
        self.graph.add((iri, SKOS.notation, Literal(code)))
        for label in _programme_labels().get(code, ()):
            self.graph.add((iri, SKOS.prefLabel, label))
        return iri

    def agency(self, ref: AgencyRef, surface: str | None = None, original: str | None = None) -> URIRef:
        """Describe an agency with the surface forms it was seen under; return its IRI."""
        iri = ref.iri(self.base)
        g = self.graph
        g.add((iri, RDF.type, QG.Agency))
        g.add((iri, RDF.type, ORG.Organization))
        if ref.collective:
            g.add((iri, RDF.type, QG.CollectiveAgency))
        g.add((iri, SKOS.prefLabel, Literal(ref.canonical, lang=ZH)))
        if surface and surface != ref.canonical:
            g.add((iri, SKOS.altLabel, Literal(surface, lang=ZH)))
        if original and surface and original != surface:
            g.add((iri, SKOS.altLabel, Literal(original, lang=ZH_HANT)))
        if ref.en:
            g.add((iri, RDFS.label, Literal(ref.en, lang=EN)))
        if ref.level:
            g.add((iri, QG.level, Literal(ref.level)))
        g.add((iri, QG.collective, Literal(ref.collective)))
        area = ref.district or ref.city or ref.province
        g.add((iri, QG.jurisdiction, self.place(area) if area else self.place(COUNTRY)))
        if ref.city is not None:
            g.add((iri, QG.city, self.place(ref.city)))
        parent = ref.parent_iri(self.base)
        if parent is not None and ref.city is not None:
            entry = gazetteer().city_by_id.get(ref.parent[1]) if ref.parent else None
            if entry:
                self.agency(gazetteer()._city(entry, ref.city))
            g.add((iri, ORG.subOrganizationOf, parent))
        return iri

    def document(self, number: str) -> URIRef:
        """Describe a cited document; return its IRI."""
        iri = iris.document(number, self.base)
        self.graph.add((iri, RDF.type, QG.CitedDocument))
        self.graph.add((iri, SKOS.notation, Literal(number)))
        self.graph.add((iri, RDFS.label, Literal(number)))
        return iri


def place_iri(place: Place, base: str) -> URIRef:
    """The IRI of a jurisdiction (the unknown place included)."""
    if place.level == "country":
        return iris.country(base)
    if place.level == "unknown":
        return iris.unknown_place(base)
    if place.level == "province":
        return iris.province(place.slug, base)
    if place.level == "city":
        return iris.city(place.slug, base)
    if place.level == "county":
        above = places().parent(place)
        return iris.county(above.slug if above is not None else "cn", place.slug, base)
    parent = places().parent_city(place)
    return iris.district(parent.slug if parent else "cn", place.slug, base)


@lru_cache(maxsize=1)
def _programme_labels() -> dict[str, tuple[Literal, ...]]:
    """The programmes' labels by code, read once from ``ontology/programmes.ttl``."""
    from importlib.resources import files

    try:
        text = files("ontology").joinpath("programmes.ttl").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    g = Graph().parse(data=text, format="turtle")
    return {str(code): tuple(g.objects(concept, SKOS.prefLabel)) for concept, code in g.subject_objects(SKOS.notation)}
