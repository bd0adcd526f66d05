"""``/dumps``: the whole graph in five formats, gzipped, each with a ``.sha256``; once per version.

Files are looked up by name in the version's dumps index; no path is read from the request.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, send_file

from graph.dumps import DUMPS_DIR, ensure_dumps, read_index
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
    """The list of dumps (HTML or JSON); starts writing them when this version has none yet."""
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
        known = {"qgkg.nq.gz", "qgkg.trig.gz", "qgkg.ttl.gz", "qgkg.nt.gz", "qgkg.jsonld.gz"}
        if name in known or name.removesuffix(".sha256") in known:
            ensure_dumps(version)
            abort(503, description="the dumps of this version are being written; try again in a minute")
        abort(404)
    entries = {f["name"]: f for f in info["files"]}
    folder = version / DUMPS_DIR
    if name in entries:
        f = entries[name]
        response = send_file(
            folder / f["name"],
            mimetype="application/gzip",
            as_attachment=True,
            download_name=f["name"],
            conditional=True,
            etag=f["sha256"],
        )
        response.headers["X-QGKG-Triples"] = str(f["triples"])
        response.headers["X-QGKG-Content-Media-Type"] = f["media_type"]
        return response
    if name.endswith(".sha256") and name.removesuffix(".sha256") in entries:
        f = entries[name.removesuffix(".sha256")]
        return Response(f"{f['sha256']}  {f['name']}\n", mimetype="text/plain")
    abort(404)
