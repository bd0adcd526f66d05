"""``/id/...``: content negotiation, suffixes, HEAD, 404 and traversal."""

from __future__ import annotations

import json

import pytest
import rdflib
from flask.testing import FlaskClient

AGENCY = "/id/agency/shanghai/market-regulation"
IRI = "https://w3id.org/qgkg/id/agency/shanghai/market-regulation"
FORMATS = [
    ("text/turtle", "turtle", "ttl"),
    ("application/n-triples", "nt", "nt"),
    ("application/ld+json", "json-ld", "jsonld"),
    ("application/rdf+xml", "xml", "rdf"),
]


@pytest.mark.parametrize(("media", "parser", "suffix"), FORMATS, ids=[f[2] for f in FORMATS])
def test_resource_negotiates_rdf_by_accept_and_suffix(
    client: FlaskClient, media: str, parser: str, suffix: str
) -> None:
    for r in (client.get(AGENCY, headers={"Accept": media}), client.get(f"{AGENCY}.{suffix}")):
        assert r.status_code == 200 and r.mimetype == media
        g = rdflib.Graph().parse(data=r.get_data(), format=parser)
        assert (rdflib.URIRef(IRI), rdflib.namespace.SKOS.prefLabel, None) in g
        # the labels of what it links to come along
        city = rdflib.URIRef("https://w3id.org/qgkg/id/city/shanghai")
        assert (city, rdflib.namespace.SKOS.prefLabel, None) in g
    assert "Accept" in client.get(AGENCY, headers={"Accept": media}).headers["Vary"]


def test_resource_html_advertises_its_twins(client: FlaskClient) -> None:
    r = client.get(AGENCY, headers={"Accept": "text/html"})
    assert r.mimetype == "text/html" and "Accept" in r.headers["Vary"]
    link = r.headers["Link"]
    for suffix in ("ttl", "nt", "jsonld", "rdf"):
        assert f"<{AGENCY}.{suffix}>" in link
    body = r.get_data(as_text=True)
    assert f'<link rel="alternate" type="text/turtle" href="{AGENCY}.ttl">' in body
    assert f'href="{AGENCY}.jsonld"' in body


def test_resource_head_works(client: FlaskClient) -> None:
    r = client.head(AGENCY, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle" and r.get_data() == b""


@pytest.mark.parametrize(
    "path", ["/id/agency/nowhere/nothing", "/id/agency/nowhere/nothing.ttl", "/id/city/atlantis"]
)
def test_unknown_resource_is_404(client: FlaskClient, path: str) -> None:
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 404
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/id/../../etc/passwd",
        "/id/..%2F..%2Fetc%2Fpasswd",
        "/id/%2e%2e/manifest.json",
        "/id/city/../../../manifest.json",
        "/id/city/shanghai/..",
        "/id//etc/passwd",
    ],
)
def test_path_traversal_on_id_is_404(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert b"root:" not in r.get_data() and b'"sources"' not in r.get_data()


def test_jsonld_is_json(client: FlaskClient) -> None:
    data = json.loads(client.get(f"{AGENCY}.jsonld").get_data())
    assert isinstance(data, (list, dict))
