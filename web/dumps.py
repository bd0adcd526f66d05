"""``/dumps``: the whole graph in five formats, gzipped, each with a ``.sha256``; once per version.

Files are looked up by name in the version's dumps index; no path is read from the request.
A dump is streamed from its per-graph gzip members (``graph.derived.dumps``), with ranges and
conditional requests; its ``.sha256`` is computed on first request and cached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request, send_file
from werkzeug.wsgi import wrap_file

from graph.derived.dumps import ensure_dumps, file_sha256
from graph.store import Version
from graph.store.chunks import DUMP_NAMES, is_chunked, open_dump, read_index
from web.errors import wants_json
from web.negotiate import prefers_html
from web.state import state

bp = Blueprint("dumps", __name__)


def _version():  # type: ignore[no-untyped-def]
    version = state().holder.version
    if version is None:
        abort(404, description="this server reads a remote endpoint: no dumps here")
    return version


@bp.get("/dumps")
def index() -> Response | str:
    """The list of dumps (HTML or JSON); starts writing them (or their sha256) when this version lacks them."""
    version = _version()
    status = ensure_dumps(version)
    info = read_index(version)
    if wants_json() and not prefers_html():
        response = jsonify({"status": status, "version": version.name, **(info or {})})
        if info is None:
            response.status_code = 202
        return response
    return render_template("dumps/index.html", status=status, info=info, version=version.name)


@bp.get("/dumps/<name>")
def file(name: str) -> Response:
    """One dump file or its ``.sha256``, streamed from disk."""
    version = _version()
    info = read_index(version)
    if info is None:
        if name in DUMP_NAMES or name.removesuffix(".sha256") in DUMP_NAMES:
            ensure_dumps(version)
            abort(503, description="the dumps of this version are being written; try again in a minute")
        abort(404)
    entries = {f["name"]: f for f in info["files"]}
    if name in entries:
        return _send(version, entries[name])
    if name.endswith(".sha256") and name.removesuffix(".sha256") in entries:
        f = entries[name.removesuffix(".sha256")]
        digest = f["sha256"] or file_sha256(version, f["name"])
        return Response(f"{digest}  {f['name']}\n", mimetype="text/plain")
    abort(404)


def _send(version: Path, f: dict[str, Any]) -> Response:
    """A dump file: assembled on disk (versions before chunks), or streamed from its members."""
    if not is_chunked(version):
        response = send_file(
            Version(version).dumps / f["name"],
            mimetype="application/gzip",
            as_attachment=True,
            download_name=f["name"],
            conditional=True,
            etag=f["sha256"],
        )
    else:
        reader = open_dump(version, f["name"])
        response = Response(
            wrap_file(request.environ, reader), mimetype="application/gzip", direct_passthrough=True
        )
        response.content_length = reader.size
        response.headers["Content-Disposition"] = f'attachment; filename="{f["name"]}"'
        response.set_etag(f["sha256"] or f"{version.name}-{f['name']}")  # a version's files never change
        response.make_conditional(request, accept_ranges=True, complete_length=reader.size)
    response.headers["X-QGKG-Triples"] = str(f["triples"])
    response.headers["X-QGKG-Content-Media-Type"] = f["media_type"]
    return response
