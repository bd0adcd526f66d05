"""Where a plan was read from, and the file as read: the plan page's "Original" and download.

``plan_origin`` reads the plan's own statements (no query): its ``dcterms:source`` (a file
name, or the URL of a web page), ``qg:sourceKind``, the retrieval facts of a web page, and
the sha256 its bytes are kept under; and asks the store whether this machine keeps those bytes
(``GraphStore.source_path``: ``STORE/sources`` for the embedded store, the endpoint's local
folder for a remote one). ``source_file`` answers the download ``/sources/<sha256>`` with one
named query (``page_source_file``): only the bytes of a plan in the graph are served.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from graph.pages.models import DCT, PROV, QG, Entity, PlanOrigin, SourceFile
from graph.store import GraphStore

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CODEC = re.compile(r"^[a-z0-9_-]+$")
_SAFE_NAME = re.compile(r"[^\w.\-]+")


def is_url(text: str) -> bool:
    """True for an http(s) URL (a web page's ``dcterms:source``)."""
    return text.startswith(("http://", "https://"))


def download_name(source: str, media_type: str) -> str:
    """The name a download is saved under: a file's own name, a page's last path segment (``.html`` added).

    >>> download_name("http://127.0.0.1:8000/zw/2022/", "text/html"), download_name("上海.txt", "text/plain")
    ('page.html', '上海.txt')
    """
    if not is_url(source):
        return source.rsplit("/", 1)[-1] or "plan"
    last = unquote(urlsplit(source).path.rsplit("/", 1)[-1])
    stem = _SAFE_NAME.sub("-", last).strip("-.") or "page"
    return stem if stem.lower().endswith((".html", ".htm", ".xhtml")) or "html" not in media_type else stem + ".html"


def plan_origin(store: GraphStore, entity: Entity) -> PlanOrigin | None:
    """The plan's origin from its statements, or None when it has no ``dcterms:source``; ``kept`` says
    whether the bytes as read can be downloaded here."""
    source = entity.first(DCT + "source")
    if source is None:
        return None
    web = is_url(source)
    kind = entity.first(QG + "sourceKind") or ("web" if web else "file")
    media = entity.first(DCT + "format") or ("text/html" if web else "application/octet-stream")
    sha = entity.first(QG + "sha256")
    sha = sha if sha and _SHA256.match(sha) else None
    return PlanOrigin(
        kind=kind,
        source=source,
        url=source if web else None,
        final_url=entity.first(QG + "retrievedFrom"),
        retrieved_at=entity.first(PROV + "generatedAtTime"),
        status=entity.first(QG + "httpStatus"),
        published=entity.first(QG + "publishedDate"),
        sha256=sha,
        media_type=media,
        filename=download_name(source, media),
        kept=sha is not None and store.source_path(sha) is not None,
    )


def source_file(store: GraphStore, sha256: str) -> SourceFile | None:
    """The download of the bytes of digest ``sha256`` (1 query), or None when no plan was read from them."""
    if not _SHA256.match(sha256):
        return None
    rows = store.select("page_source_file", sha256=sha256)
    if not rows:
        return None
    row = rows[0]
    source = row["source"].value
    media = row["format"].value if row.get("format") else "application/octet-stream"
    encoding = (row["encoding"].value if row.get("encoding") else "").lower()
    if media.startswith("text/") and _CODEC.match(encoding):
        media += f"; charset={encoding}"
    return SourceFile(sha256, row["plan"].value, media, download_name(source, media))
