"""Which web pages a build extracts: fetch (or revalidate) each URL, compare with the manifest.

``fetch_pages`` runs the ``fetch.Fetcher`` over the URLs with the store's cache
(``STORE/fetch``, bodies in ``STORE/sources``). A page is kept as it is, and not read again,
when the manifest holds its URL with the sha256 it has now (the server answered
``304 Not Modified``, or sent the same bytes), the same extractor and, when validating, the
same shapes: the incremental rule of files (``graph.build.scan``) applied to a URL. A page
that failed (HTTP error, timeout, robots.txt, not HTML, too large) is one line in the
report; the plan it gave before stays in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fetch import FetchCache, Fetched, Fetcher, FetchOptions
from graph.build.report import BuildReport
from graph.store.manifest import Source
from loaders.model import WebSource
from qgkg.errors import FetchError


@dataclass(frozen=True)
class PageJob:
    """A fetched page to extract: where its bytes are kept and how it was retrieved (crosses to a worker)."""

    url: str
    body: str  # the path of the bytes as fetched (STORE/sources/<sha256>)
    sha256: str
    charset: str | None  # the HTTP header's charset
    web: WebSource


@dataclass
class WebScan:
    """What a build does with its URLs."""

    todo: list[PageJob] = field(default_factory=list)
    unchanged: int = 0  # pages whose plan is kept as it is
    not_modified: int = 0  # pages the server answered 304 Not Modified (the cache's hits)
    downloaded: int = 0  # pages whose bytes were sent again (200)
    requests: int = 0  # HTTP requests sent, robots.txt included
    errors: list[str] = field(default_factory=list)

    @property
    def urls(self) -> set[str]:
        """The URLs of the pages to extract (a ``FileResult``'s ``path`` is its page's URL)."""
        return {job.url for job in self.todo}


def job_of(page: Fetched) -> PageJob:
    """The extraction job of a fetched page."""
    e = page.entry
    web = WebSource(url=page.url, final_url=e.final_url, status=e.status, retrieved_at=e.fetched_at,
                    media_type=e.content_type)
    return PageJob(page.url, str(page.body), e.sha256, e.charset, web)


def fetch_pages(urls: list[str], cache: FetchCache, options: FetchOptions, sources: Mapping[str, Source], *,
                extractor: str, shapes: str | None,
                progress: Callable[[str, Fetched | FetchError], None] | None = None) -> WebScan:
    """Fetch the URLs and sort them into pages to extract, pages kept and failures (see the module docstring)."""
    out = WebScan()
    unique = list(dict.fromkeys(urls))
    with Fetcher(cache, options) as fetcher:
        results = fetcher.fetch_all(unique, progress)
        out.requests = fetcher.requests
    for result in results:
        if isinstance(result, FetchError):
            out.errors.append(str(result))
            continue
        if result.not_modified:
            out.not_modified += 1
        else:
            out.downloaded += 1
        known = sources.get(result.url)
        if (known is not None and known.sha256 == result.entry.sha256 and known.extractor == extractor
                and (shapes is None or known.shacl == shapes)):
            out.unchanged += 1
        else:
            out.todo.append(job_of(result))
    return out


def fetch_for_build(urls: list[str], root: Path, options: FetchOptions, sources: Mapping[str, Source],
                    report: BuildReport, *, extractor: str, shapes: str | None,
                    progress: Callable[[str, Fetched | FetchError], None] | None = None) -> WebScan:
    """``fetch_pages`` with the cache of the folder ``root`` (``root/fetch``, bodies in ``root/sources``),
    counted in ``report``: pages seen, kept, downloaded, not modified, requests, one error line per failure.

    The embedded build passes the store's folder; the remote build its endpoint's local folder
    (``graph.store.remote.local_state``)."""
    web = fetch_pages(urls, cache_of(root), options, sources, extractor=extractor, shapes=shapes, progress=progress)
    report.files_seen += len(set(urls))
    report.files_unchanged += web.unchanged
    report.pages_fetched, report.pages_not_modified = web.downloaded, web.not_modified
    report.requests = web.requests
    report.errors += web.errors
    return web


def cache_of(root: Path) -> FetchCache:
    """The fetch cache of the store (or remote endpoint's local folder) at ``root``."""
    from graph.store import StoreDir

    sdir = StoreDir(root)
    return FetchCache(sdir.fetch_cache, sdir.sources)
