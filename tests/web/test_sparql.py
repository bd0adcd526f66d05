"""``/sparql`` with Flask's test client: the SPARQL 1.1 Protocol, formats, refusals and the editor."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
import rdflib
from flask.testing import FlaskClient

from graph.store import EmbeddedStore
from qgkg.config import DEFAULT_BASE

SELECT = (
    "SELECT ?p ?n WHERE { ?p a <https://w3id.org/qgkg/ontology#Plan> ; <http://purl.org/dc/terms/source> ?n }"
    " ORDER BY ?p"
)
CONSTRUCT = "CONSTRUCT { ?p a ?t } WHERE { ?p a <https://w3id.org/qgkg/ontology#Plan> , ?t }"
ASK = "ASK { ?p a <https://w3id.org/qgkg/ontology#Plan> }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _plans(store: Path) -> int:
    return EmbeddedStore(store, base=DEFAULT_BASE).manifest["counts"]["plans"]


def test_query_by_get_post_form_and_post_direct(client: FlaskClient, corpus_store: Path) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    answers = [
        client.get("/sparql", query_string={"query": SELECT}, headers=accept),
        client.post("/sparql", data={"query": SELECT}, headers=accept),
        client.post("/sparql", data=SELECT.encode(), content_type="application/sparql-query", headers=accept),
    ]
    for r in answers:
        assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"
        assert len(r.get_json()["results"]["bindings"]) == _plans(corpus_store)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_results_formats(client: FlaskClient, corpus_store: Path, accept: str, media: str) -> None:
    r = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == media
    body = r.get_data(as_text=True)
    n = _plans(corpus_store)
    if "json" in media:
        assert len(json.loads(body)["results"]["bindings"]) == n
    elif "xml" in media:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert len(ElementTree.fromstring(body).findall(f"{ns}results/{ns}result")) == n
    elif media == "text/csv":
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0] == ["p", "n"] and len(rows) == n + 1
    else:
        lines = body.strip().split("\n")
        assert lines[0] == "?p\t?n" and lines[1].startswith("<https://")


@pytest.mark.parametrize(
    ("accept", "parser"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_graph_formats(client: FlaskClient, corpus_store: Path, accept: str, parser: str) -> None:
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    g = rdflib.Graph().parse(data=r.get_data(), format=parser)
    assert len(set(g.subjects())) == _plans(corpus_store)


def test_ask_answers_boolean(client: FlaskClient) -> None:
    assert client.get("/sparql", query_string={"query": ASK}).get_json() == {"head": {}, "boolean": True}
    xml = client.get(
        "/sparql", query_string={"query": ASK}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert b"<boolean>true</boolean>" in xml.get_data()


def test_default_and_named_graph_uri_are_honoured(client: FlaskClient) -> None:
    plan = "https://w3id.org/qgkg/id/plan/shanghai-2021-plan"
    q = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/qgkg/ontology#Plan> }"
    one = client.get("/sparql", query_string={"query": q, "default-graph-uri": plan}).get_json()
    assert one["results"]["bindings"][0]["n"]["value"] == "1"
    none = client.get(
        "/sparql", query_string={"query": q, "default-graph-uri": "http://example.org/none"}
    ).get_json()
    assert none["results"]["bindings"][0]["n"]["value"] == "0"
    qn = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    named = client.post("/sparql", data={"query": qn, "named-graph-uri": plan}).get_json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [plan]


@pytest.mark.parametrize("query", ["SELECT ?x WHERE {", "SELEC * WHERE {}", "SELECT * WHERE { ?s ?p }"])
def test_malformed_query_is_400_with_the_parser_message(client: FlaskClient, query: str) -> None:
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    assert r.status_code == 400 and "syntax error" in r.get_json()["message"]


def test_endpoint_without_a_query_describes_the_service(client: FlaskClient) -> None:
    """SPARQL 1.1 Service Description §2: GET on the endpoint with no query answers the description
    (Turtle unless another RDF format is asked for); asking for results without a query is a 400."""
    import rdflib

    for accept in (None, "*/*", "text/turtle"):
        r = client.get("/sparql", headers={"Accept": accept} if accept else {})
        assert r.status_code == 200 and r.mimetype == "text/turtle", accept
        g = rdflib.Graph().parse(data=r.get_data(as_text=True), format="turtle")
        sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
        assert any(g.triples((None, rdflib.RDF.type, sd.Service)))
    assert client.get("/sparql", headers={"Accept": "application/sparql-results+json"}).status_code == 400
    assert client.post("/sparql", data={}).status_code == 400


def test_bad_protocol_requests_are_4xx(client: FlaskClient) -> None:
    assert client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D").status_code == 400
    assert client.post("/sparql", data=b"ASK {}", content_type="text/plain").status_code == 415
    assert client.post("/sparql", data=b"query=ASK%7B%7D").status_code in (400, 415)
    assert client.put("/sparql", data=b"ASK {}").status_code == 405
    latin = 'ASK { ?s ?p "caf\xe9" }'.encode("latin-1")
    assert client.post("/sparql", data=latin, content_type="application/sparql-query").status_code == 400
    assert (
        client.post(
            "/sparql", data=latin, content_type="application/sparql-query; charset=ISO-8859-1"
        ).status_code
        == 400
    )


UPDATES = [
    "INSERT DATA { <http://e.org/a> <http://e.org/b> <http://e.org/c> }",
    "CLEAR ALL",
    "DROP ALL",
    "LOAD <http://127.0.0.1:9/x.ttl>",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_and_store_unchanged(client: FlaskClient, update: str) -> None:
    def count() -> str:
        return client.get("/sparql", query_string={"query": COUNT}).get_json()["results"]["bindings"][0]["n"][
            "value"
        ]

    before = count()
    answers = [
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", data=update.encode(), content_type="application/sparql-update"),
        client.get("/sparql", query_string={"update": update}),
        client.get("/sparql", query_string={"query": update}),
        client.post("/sparql", data=update.encode(), content_type="application/sparql-query"),
    ]
    assert all(r.status_code in (400, 403) for r in answers), [r.status_code for r in answers]
    assert count() == before


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service   <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(client: FlaskClient, query: str) -> None:
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    assert r.status_code == 400 and "SERVICE" in r.get_json()["message"]


def test_no_query_by_accept(client: FlaskClient) -> None:
    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert sd.status_code == 200 and sd.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=sd.get_data(), format="turtle")
    sdns = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, rdflib.RDF.type, sdns.Service) in g
    editor = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert editor.status_code == 200 and b"query-form" in editor.get_data()
    assert client.get("/sparql", headers={"Accept": "application/sparql-results+json"}).status_code == 400


def test_cors_for_get(client: FlaskClient) -> None:
    r = client.get("/sparql", query_string={"query": ASK}, headers={"Origin": "http://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options(
        "/sparql", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert pre.status_code == 204 and "GET" in pre.headers["Access-Control-Allow-Methods"]


def test_result_limit_truncates_with_a_signal(corpus_store: Path, make_app) -> None:  # type: ignore[no-untyped-def]
    client = make_app(corpus_store, RESULT_LIMIT=5).test_client()
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200 and len(r.get_json()["results"]["bindings"]) == 5
    assert r.headers["X-QGKG-Truncated"] == "true" and "truncated" in r.headers["Warning"]
    g = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert len(g.get_data().strip().split(b"\n")) == 5 and g.headers["X-QGKG-Truncated"] == "true"
    html = client.get(
        "/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/html"}
    )
    assert b"Truncated" in html.get_data()
    small = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "X-QGKG-Truncated" not in small.headers


def test_editor_lists_canned_queries_with_params_as_fields(client: FlaskClient) -> None:
    from graph.queries import canned_queries

    body = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    for q in canned_queries().values():
        assert f"/sparql?name={q.name}" in body
    page = client.get("/sparql?name=page_agency_coleaders", headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    assert 'name="agency"' in page and "required" in page


def test_editor_runs_canned_query_with_bound_param(client: FlaskClient) -> None:
    agency = "https://w3id.org/qgkg/id/agency/shanghai/market-regulation"
    r = client.get(
        "/sparql",
        query_string={"name": "page_agency_activities", "agency": agency},
        headers={"Accept": "text/html"},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "/id/plan/shanghai-" in body
    for fmt in ("json", "xml", "csv", "tsv"):
        assert f"format={fmt}" in body
    assert 'id="permalink"' in body
    api = client.get(
        "/sparql", query_string={"name": "page_agency_activities", "agency": agency, "format": "csv"}
    )
    assert api.status_code == 200 and api.mimetype == "text/csv" and b"shanghai" in api.get_data()
    bad = client.get(
        "/sparql",
        query_string={"name": "page_agency_activities", "agency": "not an iri> } DROP ALL"},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 400 and "not an IRI" in bad.get_json()["message"]


def test_editor_result_iris_link_to_entity_pages(client: FlaskClient) -> None:
    body = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    assert 'href="/id/plan/shanghai-2021-plan"' in body


@pytest.mark.parametrize("name", ["agency_activities", "agency_description", "page_agency_coleaders"])
def test_analyst_queries_with_a_parameter_run_in_the_editor(client: FlaskClient, name: str) -> None:
    agency = "https://w3id.org/qgkg/id/agency/shanghai/market-regulation"
    r = client.get("/sparql", query_string={"name": name, "agency": agency, "format": "json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["results"]["bindings"]
