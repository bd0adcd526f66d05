"""The plan page's original URL and the download of the file as read (``/sources/<sha256>``).

A store is built here from a text file and from a GBK web page served by a real HTTP server on a
loopback port (``tests/pages_server.py``); the app reads it through the Flask test client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fetch import FetchOptions
from loaders.iris import plan as plan_iri
from qgkg.build import build
from qgkg.config import DEFAULT_BASE
from tests.graph.test_fetch import CHANGZHOU, WUXI, plan_page_bytes
from tests.pages_server import Route, page_server


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A store holding a file plan and a web plan (fetched through a redirect), with their bytes."""
    root = tmp_path_factory.mktemp("sources-store")
    text = root.parent / "wuxi-2022-plan.txt"
    text.write_text("\n".join(WUXI), encoding="utf-8")
    page = plan_page_bytes(CHANGZHOU, "gb2312", "gbk")
    with page_server() as server:
        server.routes["/go/cz"] = Route(status=302, headers={"Location": "/zw/2021/changzhou.html"})
        server.routes["/zw/2021/changzhou.html"] = Route(page, content_type="text/html; charset=GBK")
        url = server.url("/go/cz")
        report = build(root / "s", [text], urls=[url], fetch=FetchOptions(delay=0, retries=0), jobs=1)
        final = server.url("/zw/2021/changzhou.html")
    assert report.errors == []
    return {"store": root / "s", "text": text, "page": page, "url": url, "final": final}


@pytest.fixture()
def client(built: dict[str, object], make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(built["store"]).test_client()


def _path(iri: str) -> str:
    return "/id/" + iri[len(DEFAULT_BASE):]


def test_plan_page_links_the_original_url_and_the_page_as_fetched(built: dict[str, object],
                                                                    client: FlaskClient) -> None:
    url, page = str(built["url"]), bytes(built["page"])  # type: ignore[arg-type]
    html = client.get(_path(plan_iri(url))).get_data(as_text=True)
    sha = hashlib.sha256(page).hexdigest()
    assert f'<a class="original" href="{url}"' in html
    assert str(built["final"]) in html and "HTTP 200" in html
    assert f'<a class="download" href="/sources/{sha}" download="cz.html">cz.html</a>' in html
    assert "Page as fetched" in html


def test_download_of_a_web_page_is_the_page_as_fetched(built: dict[str, object], client: FlaskClient) -> None:
    page = bytes(built["page"])  # type: ignore[arg-type]
    sha = hashlib.sha256(page).hexdigest()
    response = client.get(f"/sources/{sha}")
    assert response.status_code == 200 and response.data == page
    assert response.headers["Content-Type"] == "text/html; charset=gb18030"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-QGKG-Plan"] == str(plan_iri(str(built["url"])))
    again = client.get(f"/sources/{sha}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_download_of_a_file_plan_is_the_file_as_read(built: dict[str, object], client: FlaskClient) -> None:
    text = Path(str(built["text"]))
    data = text.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    html = client.get(_path(plan_iri(text.name))).get_data(as_text=True)
    assert f'href="/sources/{sha}"' in html and "File as read" in html and 'class="original"' not in html
    response = client.get(f"/sources/{sha}")
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename=wuxi-2022-plan.txt' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("name", [
    "0" * 64,  # a digest no plan has
    "../../etc/passwd",
    "ABCDEF" + "0" * 58,  # upper case is not how digests are named
    "manifest.json",
], ids=["unknown-digest", "dot-dot", "upper-case", "other-file"])
def test_download_refuses_what_no_plan_was_read_from(client: FlaskClient, name: str) -> None:
    assert client.get(f"/sources/{name}").status_code == 404


@pytest.mark.server
def test_download_over_the_wire_from_qgkg_serve(built: dict[str, object],
                                                start_server: Callable[..., object]) -> None:
    """The same download through a real ``qgkg serve`` (waitress) on a loopback port."""
    import urllib.request

    server = start_server(built["store"])
    page = bytes(built["page"])  # type: ignore[arg-type]
    sha = hashlib.sha256(page).hexdigest()
    with urllib.request.urlopen(f"{server.url}/sources/{sha}", timeout=30) as response:  # type: ignore[attr-defined]
        assert response.status == 200 and response.read() == page
        assert response.headers["Content-Type"] == "text/html; charset=gb18030"
        assert response.headers["Content-Disposition"].startswith("attachment;")
