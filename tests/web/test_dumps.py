"""``/dumps``: files per format with size, count and sha256; lazy generation; no traversal."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from graph.derived.dumps import dumps_state, run_locked
from graph.store import StoreDir, Version
from graph.store.chunks import read_index
from graph.store.versions import DUMPS as DUMPS_DIR

FORMATS = {
    "qgkg.nq.gz": ox.RdfFormat.N_QUADS,
    "qgkg.trig.gz": ox.RdfFormat.TRIG,
    "qgkg.ttl.gz": ox.RdfFormat.TURTLE,
    "qgkg.nt.gz": ox.RdfFormat.N_TRIPLES,
    "qgkg.jsonld.gz": ox.RdfFormat.JSON_LD,
}


def test_dumps_index_lists_every_format(client: FlaskClient) -> None:
    info = client.get("/dumps", headers={"Accept": "application/json"}).get_json()
    assert info["status"] == "ready"
    assert {f["name"] for f in info["files"]} == set(FORMATS)
    html = client.get("/dumps", headers={"Accept": "text/html"}).get_data(as_text=True)
    for name in FORMATS:
        assert f'href="/dumps/{name}"' in html and f'href="/dumps/{name}.sha256"' in html


@pytest.mark.parametrize("name", list(FORMATS))
def test_dump_file_parses_with_the_stated_count_and_sha256(
    client: FlaskClient, corpus_store: Path, name: str
) -> None:
    info = {
        f["name"]: f for f in client.get("/dumps", headers={"Accept": "application/json"}).get_json()["files"]
    }
    r = client.get(f"/dumps/{name}")
    data = r.get_data()
    assert r.status_code == 200 and r.mimetype == "application/gzip"
    assert len(data) == info[name]["size"] == int(r.headers["Content-Length"])
    digest = hashlib.sha256(data).hexdigest()
    assert info[name]["sha256"] in (None, digest)  # None: not computed yet (it is, on first request)
    assert client.get(f"/dumps/{name}.sha256").get_data(as_text=True).split()[0] == digest
    again = {f["name"]: f for f in client.get("/dumps", headers={"Accept": "application/json"}).get_json()["files"]}
    assert again[name]["sha256"] == digest
    statements = list(ox.parse(gzip.decompress(data), FORMATS[name]))
    assert len(statements) == info[name]["triples"]
    manifest = StoreDir(corpus_store).manifest()
    assert info[name]["triples"] == manifest["counts"]["triples"]


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../manifest.json",
        "/dumps/..%2Fmanifest.json",
        "/dumps/%2e%2e%2fmanifest.json",
        "/dumps/dumps.json",
        "/dumps/dumps.lock",
        "/dumps/qgkg.xyz.gz",
        "/dumps/.hidden",
        "/dumps/..%2F..%2F..%2Fetc%2Fpasswd",
        "/dumps//etc/passwd",
    ],
)
def test_path_traversal_on_dumps_is_404(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert b"root:" not in r.get_data() and b'"sources"' not in r.get_data()


def test_dumps_are_written_lazily_for_a_version_without_them(
    tmp_path: Path, corpus_store: Path, make_app
) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    shutil.copytree(corpus_store, store, symlinks=True)
    version = StoreDir(store).current()
    assert version is not None
    shutil.rmtree(version / DUMPS_DIR)
    manifest = Version(version).manifest()
    manifest.integrity = None  # a version built before chunks was built before integrity records too
    Version(version).write_manifest(manifest)
    client = make_app(store).test_client()
    assert client.get("/dumps/qgkg.nt.gz").status_code == 503
    first = client.get("/dumps", headers={"Accept": "application/json"})
    assert first.status_code in (200, 202) and first.get_json()["status"] in ("running", "ready")
    run_locked(version)  # what the background process does; it takes the same lock, so this waits for nothing
    assert dumps_state(version) == "ready" and read_index(version) is not None
    assert client.get("/dumps/qgkg.nt.gz").status_code == 200


def test_dump_file_answers_ranges_and_conditional_requests(client: FlaskClient) -> None:
    whole = client.get("/dumps/qgkg.nq.gz")
    data = whole.get_data()
    part = client.get("/dumps/qgkg.nq.gz", headers={"Range": "bytes=100-4099"})
    assert part.status_code == 206 and part.get_data() == data[100:4100]
    tail = client.get("/dumps/qgkg.nq.gz", headers={"Range": f"bytes={len(data) - 10}-"})
    assert tail.get_data() == data[-10:]
    etag = whole.headers["ETag"]
    assert client.get("/dumps/qgkg.nq.gz", headers={"If-None-Match": etag}).status_code == 304
