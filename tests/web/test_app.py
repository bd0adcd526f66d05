"""The application factory, routes, headers and error handling."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from qgkg.errors import StoreError

DESIGN_ROUTES = [
    "/",
    "/sparql",
    "/id/<path:rest>",
    "/network",
    "/dumps",
    "/dumps/<name>",
    "/.well-known/void",
    "/ontology",
    "/shapes",
    "/validation",
    "/search",
]


def test_create_app_registers_every_design_route(app: Flask) -> None:
    rules = {r.rule for r in app.url_map.iter_rules()}
    missing = [r for r in DESIGN_ROUTES if r not in rules]
    assert not missing


def test_create_app_reads_settings_at_call_time(
    corpus_store: Path, monkeypatch: pytest.MonkeyPatch, make_app
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QGKG_STORE", str(corpus_store))
    monkeypatch.setenv("QGKG_QUERY_TIMEOUT", "7")
    from web.app import create_app

    app = create_app()
    try:
        assert app.config["QUERY_TIMEOUT"] == 7.0
        assert app.extensions["qgkg"].settings.store == corpus_store
    finally:
        app.extensions["qgkg"].queries.close()
    app2 = make_app(corpus_store, QUERY_TIMEOUT=3)
    assert app2.extensions["qgkg"].queries.timeout == 3.0


def test_create_app_fails_on_an_empty_store(tmp_path: Path) -> None:
    from web.app import create_app

    with pytest.raises(StoreError, match="no graph built"):
        create_app({"STORE": str(tmp_path / "none")})


@pytest.mark.parametrize("path", ["/", "/sparql", "/dumps", "/ontology", "/nope", "/id/nope"])
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_errors_html_for_browsers_json_and_plain_for_clients(client: FlaskClient) -> None:
    html = client.get("/id/no/such/thing", headers={"Accept": "text/html"})
    assert html.status_code == 404 and html.mimetype == "text/html" and "404" in html.get_data(as_text=True)
    js = client.get("/id/no/such/thing", headers={"Accept": "application/json"})
    assert js.status_code == 404 and js.get_json()["status"] == 404
    plain = client.get("/id/no/such/thing", headers={"Accept": "*/*"})
    assert plain.status_code == 404
    assert plain.mimetype in ("text/plain", "text/html", "text/turtle")


def test_error_pages_show_no_stack_trace(client: FlaskClient) -> None:
    r = client.get("/sparql?query=SELECT%20%3Fx%20WHERE%20%7B", headers={"Accept": "application/json"})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body
    assert "syntax" in r.get_json()["message"].lower()


def test_static_files_are_served_with_nosniff(client: FlaskClient) -> None:
    for name in ("style.css", "app.js"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
