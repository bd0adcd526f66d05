"""Descriptions of the service and the dataset: the SPARQL service description and VoID/DCAT."""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DATA_LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
SOURCES_RIGHTS = (
    "The plans are public government information (政府信息公开) published by the city governments and "
    "market regulation authorities named in each plan; qgkg keeps each file's name and sha256 as provenance."
)


def service_description(endpoint: str, base: str) -> Graph:
    """The SPARQL 1.1 service description of the endpoint."""
    g = Graph()
    g.bind("sd", SD)
    svc = URIRef(endpoint)
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, svc))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        g.add((svc, SD.resultFormat, FORMATS[fmt]))
    dataset = BNode()
    g.add((svc, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "The default graph is the union of every plan's named graph and "
                f"the reference graph <{base}graph/reference>.",
                lang="en",
            ),
        )
    )
    return g


def void_graph(
    *, site: str, base: str, counts: dict[str, int], dumps: dict[str, Any] | None, examples: list[str]
) -> Graph:
    """The VoID and DCAT description of the dataset (``site`` is this server's root URL, ending in /)."""
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF), ("spdx", SPDX)):
        g.bind(prefix, ns)
    ds = URIRef(site + ".well-known/void#qgkg")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add(
        (
            ds,
            DCTERMS.title,
            Literal("qgkg: a knowledge graph of China's quality-governance actors", lang="en"),
        )
    )
    g.add((ds, DCTERMS.title, Literal("质量治理行动者知识图谱", lang="zh-Hans")))
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "Cities, agencies, activities, programmes and years extracted from city 质量月 plans.",
                lang="en",
            ),
        )
    )
    g.add((ds, DCTERMS.license, DATA_LICENCE))
    g.add((ds, DCTERMS.rights, Literal(SOURCES_RIGHTS, lang="en")))
    g.add(
        (
            ds,
            DCTERMS.source,
            Literal("city 质量月 plans, notices and reports (see each qg:Plan's dcterms:source)"),
        )
    )
    g.add((ds, FOAF.homepage, URIRef(site)))
    g.add((ds, VOID.uriSpace, Literal(base)))
    g.add((ds, VOID.vocabulary, URIRef("https://w3id.org/qgkg/ontology#")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(site + "sparql")))
    g.add((ds, VOID.uriLookupEndpoint, URIRef(site + "search?q=")))
    for ex in examples:
        g.add((ds, VOID.exampleResource, URIRef(ex)))
    if counts.get("triples"):
        g.add((ds, VOID.triples, Literal(counts["triples"], datatype=XSD.integer)))
    service = URIRef(site + "sparql")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.servesDataset, ds))
    g.add((ds, DCAT.distribution, _distribution(g, site + "sparql", "SPARQL endpoint", None, None)))
    if dumps:
        _add_dumps(g, ds, site, dumps)
    return g


def _add_dumps(g: Graph, ds: URIRef, site: str, dumps: dict[str, Any]) -> None:
    """The VoID tallies and one DCAT distribution per dump file, from the dumps index."""
    info = dumps.get("void", {})
    if info.get("entities"):
        g.add((ds, VOID.entities, Literal(info["entities"], datatype=XSD.integer)))
    # partitions and checksums are named nodes, listed in IRI order: the description reads the same every time
    for i, (cls, n) in enumerate(sorted(info.get("classes", {}).items())):
        part = URIRef(f"{ds}-class-{i + 1:03d}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for i, (prop, n) in enumerate(sorted(info.get("properties", {}).items())):
        part = URIRef(f"{ds}-property-{i + 1:03d}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))
    for f in dumps.get("files", []):
        url = site + "dumps/" + f["name"]
        g.add((ds, VOID.dataDump, URIRef(url)))
        dist = _distribution(g, url, f["name"], f["media_type"], f["size"])
        g.add((dist, DCAT.downloadURL, URIRef(url)))
        g.add(
            (
                dist,
                DCAT.compressFormat,
                URIRef("http://www.iana.org/assignments/media-types/application/gzip"),
            )
        )
        g.add((dist, VOID.triples, Literal(f["triples"], datatype=XSD.integer)))
        if f.get("sha256"):  # known once computed (on first request of the file's .sha256)
            checksum = URIRef(url + "#sha256")
            g.add((dist, SPDX.checksum, checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(f["sha256"], datatype=XSD.hexBinary)))
        g.add((ds, DCAT.distribution, dist))


def _distribution(g: Graph, url: str, title: str, media: str | None, size: int | None) -> URIRef:
    dist = URIRef(url + "#distribution")
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, URIRef(url)))
    g.add((dist, DCTERMS.title, Literal(title)))
    g.add((dist, DCTERMS.license, DATA_LICENCE))
    if media:
        g.add((dist, DCAT.mediaType, URIRef("http://www.iana.org/assignments/media-types/" + media)))
    if size is not None:
        g.add((dist, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    return dist
