"""The qgkg ontology (Turtle files in this data package) and its strict namespace.

``QG`` is an rdflib ``DefinedNamespace`` with ``_fail = True``: a misspelt term
raises at once. ``tests/ontology/test_ontology.py`` asserts that the names here
equal the terms declared in ``qgkg.ttl``.
"""

from __future__ import annotations

from importlib.resources import files

from rdflib import Graph, URIRef
from rdflib.namespace import DefinedNamespace, Namespace

ONTOLOGY_FILES = ("qgkg.ttl", "programmes.ttl")


class QG(DefinedNamespace):
    """Terms of ``https://w3id.org/qgkg/ontology#``."""

    _NS = Namespace("https://w3id.org/qgkg/ontology#")
    _fail = True

    # classes (DESIGN.md)
    Plan: URIRef
    Jurisdiction: URIRef
    Country: URIRef
    Province: URIRef
    City: URIRef
    County: URIRef
    District: URIRef
    Agency: URIRef
    Activity: URIRef
    Programme: URIRef
    Year: URIRef
    # classes added by qgkg
    CollectiveAgency: URIRef  # 各区市场监管局: the district bureaus of a city, as one actor
    CitedDocument: URIRef  # a document cited by its number, e.g. 济发〔2018〕36号
    Role: URIRef

    # the programme scheme and the roles (individuals)
    Programmes: URIRef
    Lead: URIRef
    Support: URIRef

    # properties (DESIGN.md)
    plan: URIRef
    jurisdiction: URIRef
    city: URIRef
    within: URIRef
    year: URIRef
    leadAgency: URIRef
    supportAgency: URIRef
    programme: URIRef
    text: URIRef
    marker: URIRef
    position: URIRef
    sha256: URIRef
    # properties added by qgkg
    originalText: URIRef  # the text as written (before script normalisation)
    repairedText: URIRef  # a plan's whole text after repair, the frame of every span
    repairNote: URIRef  # one line per repair kind: what was changed and how often
    encoding: URIRef  # the encoding the decoder chose, and how
    documentKind: URIRef  # plan, notice, report or fragment
    layout: URIRef  # the layout strategy that read the document, and its plausible activities
    layoutRunnerUp: URIRef  # the strategy second best, when close
    theme: URIRef
    slogan: URIRef
    issuer: URIRef
    section: URIRef  # the section heading an activity stands under
    spanStart: URIRef
    spanEnd: URIRef
    date: URIRef  # the date of a reported event
    cites: URIRef
    level: URIRef  # national, provincial, municipal, district
    collective: URIRef
    adcode: URIRef  # the administrative division code of a jurisdiction
    surface: URIRef  # a mention as written, on a qualified association
    itemsSeen: URIRef
    activityCount: URIRef
    warning: URIRef
    # where a plan was read from (a file or a web page) and how a page was retrieved
    sourceKind: URIRef  # "file" or "web"
    retrievedFrom: URIRef  # a web page's final URL, after redirects
    httpStatus: URIRef  # the HTTP status of the answer that gave the page
    publishedDate: URIRef  # the publication date found on the page (htmldate)


def ontology_graph() -> Graph:
    """The ontology and the programme scheme, parsed from the package's Turtle files."""
    graph = Graph()
    for name in ONTOLOGY_FILES:
        graph.parse(data=files(__name__).joinpath(name).read_text(encoding="utf-8"), format="turtle")
    return graph


def ontology_text(name: str = "qgkg.ttl") -> str:
    """One Turtle file of the ontology package, as text."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")
