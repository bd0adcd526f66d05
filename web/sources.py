"""``/sources/<sha256>``: the file or web page a plan was read from, as the build read it.

The name is a sha256 digest checked before anything else; the bytes are served only when a
plan in the graph records that digest (``graph.pages.sources.source_file``) and this machine
keeps them (``GraphStore.source_path``: ``STORE/sources/<sha256>``, or for ``serve --endpoint``
the endpoint's local folder, ``STORE/remote/<endpoint>/sources/``). No path is read from the
request. The answer is an attachment (a browser saves it, it never renders it here)
with the plan's media type, the file's own name (or the page's), an ETag (the digest: the
bytes never change) and conditional and range requests.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file

from graph.pages.sources import source_file
from web.state import state

bp = Blueprint("sources", __name__)


@bp.get("/sources/<sha256>")
def download(sha256: str) -> Response:
    """The bytes a plan was read from, by their sha256 (404 when no plan of the graph has that digest)."""
    store = state().store
    found = source_file(store, sha256)
    if found is None:
        abort(404, description=f"no plan of this graph was read from bytes with sha256 {sha256[:64]}")
    path = store.source_path(found.sha256)
    if path is None:
        abort(404, description=f"the file as read ({found.filename}) is not kept on this server; rebuild with "
                               "'qgkg build --clean' here to keep it")
    response = send_file(path, mimetype=found.media_type, as_attachment=True, download_name=found.filename,
                         conditional=True, etag=found.sha256, max_age=86400)
    response.headers["Content-Type"] = found.media_type  # the charset of the bytes, not Flask's utf-8
    response.headers["X-QGKG-Plan"] = found.plan
    return response
