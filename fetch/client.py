"""``Fetcher``: polite HTTP GETs of plan pages with httpx, kept in a ``FetchCache``.

Each page: robots.txt of its origin is asked first (``fetch.robots``); requests to one host
are spaced by ``FetchOptions.delay`` (or the robots.txt ``Crawl-delay`` when it is longer)
(cut to ``MAX_CRAWL_DELAY``) and at most ``per_host`` run at once; each has a timeout; timeouts, connection failures and
the answers 429, 500, 502, 503 and 504 are retried ``retries`` times with exponential
backoff (``Retry-After`` honoured up to ``MAX_RETRY_AFTER``), nothing else is; redirects are
followed up to ``max_redirects``, each hop asked of robots.txt; a body over ``max_bytes`` is
refused while it streams; an answer that is not HTML is refused. With a cached entry, the
request is conditional (``If-None-Match``, ``If-Modified-Since``) and ``304 Not Modified``
reuses the cached body. Every refusal is a one-line ``FetchError`` naming the URL and the reason.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from fetch.cache import CacheEntry, FetchCache
from fetch.robots import Robots
from qgkg.errors import FetchError

HOMEPAGE = "https://w3id.org/qgkg/"
RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is cut to this
MAX_CRAWL_DELAY = 60.0  # seconds: a longer robots.txt Crawl-delay is cut to this (a build must end)


def user_agent() -> str:
    """``qgkg/<version> (+<Homepage of pyproject>)``: who is asking, and where to read about it."""
    try:
        meta = metadata("qgkg")
        version = meta["Version"]
        home = next((u.split(",", 1)[1].strip() for u in meta.get_all("Project-URL") or []
                     if u.lower().startswith("homepage")), HOMEPAGE)
    except PackageNotFoundError:
        version, home = "0", HOMEPAGE
    return f"qgkg/{version} (+{home})"


@dataclass(frozen=True)
class FetchOptions:
    """How politely and how patiently to fetch (the ``--fetch-*`` options of ``qgkg build``)."""

    delay: float = 1.0  # seconds between two requests to one host
    timeout: float = 20.0  # seconds to connect, and between two reads of the answer
    retries: int = 2  # further attempts after a retriable failure
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_bytes: int = 16 * 1024 * 1024  # a larger answer is refused (the loaders' limit for HTML)
    max_redirects: int = 5
    per_host: int = 2  # requests to one host at once
    workers: int = 4  # requests at once, all hosts together
    agent: str = field(default_factory=user_agent)


@dataclass(frozen=True)
class Fetched:
    """A page as fetched (or as revalidated: ``not_modified``), its body kept at ``body``."""

    url: str
    entry: CacheEntry
    body: Path
    not_modified: bool = False

    def read(self) -> bytes:
        """The bytes of the page as fetched."""
        return self.body.read_bytes()


class _RetryError(Exception):
    """A retriable failure, with the reason to give if it is the last and the wait it asks for."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class _Host:
    """Per-host politeness: a semaphore (concurrency) and the earliest time of the next request."""

    def __init__(self, per_host: int) -> None:
        self.slots = threading.Semaphore(per_host)
        self.lock = threading.Lock()
        self.next_at = 0.0

    def wait_turn(self, delay: float) -> None:
        """Sleep until this host may be asked again, and reserve the slot after it."""
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            self.next_at = at + delay
        if at > now:
            time.sleep(at - now)


class Fetcher:
    """Fetches pages into a cache (see the module docstring); use as a context manager."""

    def __init__(self, cache: FetchCache, options: FetchOptions | None = None) -> None:
        self.options = options or FetchOptions()
        self.cache = cache
        self.requests: int = 0  # HTTP requests sent (robots.txt included)
        self._count_lock = threading.Lock()
        self._client = httpx.Client(
            headers={"User-Agent": self.options.agent,
                     "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"},
            timeout=httpx.Timeout(self.options.timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max(self.options.workers, 1) * 2),
            trust_env=False,  # no proxy from the environment: the URL is what is asked
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self.robots = Robots(self.options.agent, self._get_robots)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    # -- politeness ------------------------------------------------------------------------------
    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        with self._hosts_lock:
            return self._hosts.setdefault(key, _Host(max(self.options.per_host, 1)))

    def delay_for(self, url: str, robots: bool = True) -> float:
        """Seconds between two requests to the URL's host: ``delay``, or robots.txt's ``Crawl-delay`` when longer."""
        crawl = self.robots.crawl_delay(url) if robots else None
        return max(self.options.delay, min(crawl or 0.0, MAX_CRAWL_DELAY))

    def _send(self, url: str, headers: dict[str, str], *, robots: bool = True) -> tuple[httpx.Response, bytes]:
        """One GET, spaced and bounded per host; the body read up to the size cap."""
        host = self._host(url)
        delay = self.delay_for(url, robots)
        with host.slots:
            host.wait_turn(delay)
            with self._count_lock:
                self.requests += 1
            deadline = time.monotonic() + 5 * self.options.timeout
            with self._client.stream("GET", url, headers=headers) as response:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.options.max_bytes:
                    raise FetchError(f"{url}: too large ({declared} bytes, limit {self.options.max_bytes})")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.options.max_bytes:
                        raise FetchError(f"{url}: too large (over {self.options.max_bytes} bytes)")
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the answer took too long", request=response.request)
                    chunks.append(chunk)
                return response, b"".join(chunks)

    def _get_robots(self, url: str) -> tuple[int, bytes] | None:
        """robots.txt (redirects followed, a few): its status and body, or None when there is no answer."""
        for _hop in range(self.options.max_redirects + 1):
            try:
                response, body = self._attempts(url, {}, robots=False)
            except FetchError:
                return None
            if response.is_redirect and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            return response.status_code, body
        return None

    def _attempts(self, url: str, headers: dict[str, str], *, robots: bool = True) -> tuple[httpx.Response, bytes]:
        """``_send`` with retries and backoff for retriable failures only."""
        attempt = 0
        while True:
            try:
                try:
                    response, body = self._send(url, headers, robots=robots)
                except httpx.TimeoutException:
                    raise _RetryError(f"timed out (no answer within {self.options.timeout:g} s)") from None
                except httpx.TransportError as exc:
                    detail = " ".join(str(exc).split()) or "no reason"
                    raise _RetryError(f"cannot connect ({type(exc).__name__}: {detail})") from None
                if response.status_code in RETRIABLE_STATUS:
                    raise _RetryError(f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                                 _retry_after(response.headers.get("Retry-After")))
                return response, body
            except _RetryError as retry:
                if attempt >= self.options.retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    raise FetchError(f"{url}: {retry.reason}{tries}") from None
                wait = retry.wait if retry.wait is not None else self.options.backoff * 2 ** attempt
                time.sleep(min(wait, MAX_RETRY_AFTER))
                attempt += 1

    # -- pages -------------------------------------------------------------------------------------
    def fetch(self, url: str) -> Fetched:
        """Fetch ``url`` (conditionally when cached): the page, kept in the cache.

        Raises:
            FetchError: refused by robots.txt, an HTTP error, a timeout after the retries, too
                many redirects, too large, or not an HTML page.
        """
        cached = self.cache.get(url)
        here = url
        for _hop in range(self.options.max_redirects + 1):
            if not self.robots.allowed(here):
                raise FetchError(f"{url}: refused by robots.txt" + (f" ({here})" if here != url else ""))
            headers: dict[str, str] = {}
            if cached is not None and here == cached.final_url:
                if cached.etag:
                    headers["If-None-Match"] = cached.etag
                if cached.last_modified:
                    headers["If-Modified-Since"] = cached.last_modified
            response, body = self._attempts(here, headers)
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(f"{url}: HTTP {status} without a Location")
                here = urljoin(here, location)
                if urlsplit(here).scheme not in ("http", "https"):
                    raise FetchError(f"{url}: redirected to a non-HTTP address ({here[:80]})")
                continue
            if status == 304 and cached is not None:
                return Fetched(url, cached, self.cache.blob(cached.sha256), not_modified=True)
            if status != 200:
                raise FetchError(f"{url}: HTTP {status} {response.reason_phrase}".strip())
            media, charset = _content_type(response.headers.get("Content-Type", ""))
            if media and media not in HTML_TYPES:
                raise FetchError(f"{url}: not an HTML page ({media})")
            if not body.strip():
                raise FetchError(f"{url}: empty answer (no bytes)")
            entry = CacheEntry(url=url, final_url=str(here), status=status,
                               fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               sha256=hashlib.sha256(body).hexdigest(), content_type=media or "text/html",
                               charset=charset, etag=response.headers.get("ETag"),
                               last_modified=response.headers.get("Last-Modified"))
            self.cache.put(entry, body)
            return Fetched(url, entry, self.cache.blob(entry.sha256))
        raise FetchError(f"{url}: too many redirects (more than {self.options.max_redirects})")

    def fetch_all(self, urls: Iterable[str], progress: Callable[[str, Fetched | FetchError], None] | None = None,
                  ) -> list[Fetched | FetchError]:
        """Fetch every URL (``workers`` at once, politeness per host): a page or the error, in the given order."""
        urls = list(urls)

        def one(url: str) -> Fetched | FetchError:
            try:
                result: Fetched | FetchError = self.fetch(url)
            except FetchError as exc:
                result = exc
            except OSError as exc:  # the cache could not be written: this page fails, not the build
                result = FetchError(f"{url}: cannot keep the page ({exc.strerror or exc})")
            if progress is not None:
                progress(url, result)
            return result

        if len(urls) <= 1 or self.options.workers <= 1:
            return [one(u) for u in urls]
        with ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="qgkg-fetch") as pool:
            return list(pool.map(one, urls))


def _content_type(header: str) -> tuple[str, str | None]:
    """The media type (lower case) and charset parameter of a Content-Type header.

    >>> _content_type('text/html; charset="GBK"')
    ('text/html', 'gbk')
    """
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"\'').lower()
    return media.strip().lower(), charset


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
