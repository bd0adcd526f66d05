"""``/.well-known/void``, ``/ontology``, ``/shapes`` and ``/validation``."""

from __future__ import annotations

from pathlib import Path

import rdflib
from flask.testing import FlaskClient

from graph.store import StoreDir
from graph.validate.store_checks import validate_version

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


def test_void_describes_dataset_endpoint_dumps_partitions_licence(client: FlaskClient) -> None:
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=r.get_data(), format="turtle")
    ds = next(g.subjects(rdflib.RDF.type, VOID.Dataset))
    assert (ds, rdflib.RDF.type, DCAT.Dataset) in g
    assert int(g.value(ds, VOID.triples)) > 1000
    assert str(g.value(ds, VOID.sparqlEndpoint)).endswith("/sparql")
    assert len(list(g.objects(ds, VOID.dataDump))) == 5
    assert len(list(g.objects(ds, VOID.classPartition))) > 5
    assert len(list(g.objects(ds, VOID.propertyPartition))) > 10
    assert list(g.objects(ds, VOID.exampleResource))
    assert g.value(ds, rdflib.namespace.DCTERMS.license) is not None
    xml = client.get("/.well-known/void", headers={"Accept": "application/rdf+xml"})
    assert xml.mimetype == "application/rdf+xml"


def test_ontology_html_and_turtle(client: FlaskClient) -> None:
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    for term in ("qg:Agency", "qg:leadAgency", "chief_quality_officer", "首席质量官"):
        assert term in html
    for r in (client.get("/ontology", headers={"Accept": "text/turtle"}), client.get("/ontology.ttl")):
        assert r.mimetype == "text/turtle"
        g = rdflib.Graph().parse(data=r.get_data(), format="turtle")
        assert (
            rdflib.URIRef("https://w3id.org/qgkg/ontology#Agency"),
            rdflib.RDF.type,
            rdflib.OWL.Class,
        ) in g
    assert client.get("/ontology.exe").status_code == 404


def test_shapes_html_and_turtle(client: FlaskClient) -> None:
    html = client.get("/shapes", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "ActivityShape" in html and "qg:plan" in html
    r = client.get("/shapes", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=r.get_data(), format="turtle")
    assert (None, rdflib.RDF.type, rdflib.namespace.SH.NodeShape) in g


def test_validation_report_of_the_current_store(tmp_path: Path, corpus_store: Path, make_app) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from qgkg.config import Settings

    store = tmp_path / "store"
    shutil.copytree(corpus_store, store, symlinks=True)
    version = StoreDir(store).current()
    assert version is not None
    client = make_app(store).test_client()
    validate_version(Settings(store=store), version)  # what the background thread does
    r = client.get("/validation", headers={"Accept": "application/json"})
    assert r.status_code == 200
    report = r.get_json()
    assert "error" not in report, report.get("error")
    assert isinstance(report["conforms"], bool) and report["graphs"]
    assert report["checked_at"].endswith("+00:00")  # when the shapes were checked, in UTC
    # the loaders' warnings: Shanghai 2018 holds a block of another document, which the loader noted
    warned = {(w["source"], w["warning"].split(":")[0]) for w in report["loader_warnings"]}
    assert ("shanghai-2018-plan.txt", "spliced fragment found") in warned
    html = client.get("/validation", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "violation(s)" in html
    assert 'id="loader-warnings"' in html and "spliced fragment found" in html
    assert "Checked " + report["checked_at"] in html
