"""HTTP for the remote store: timeouts, one-line errors, and the way each server wants its requests.

The SPARQL 1.1 Protocol allows three ways to send a query (form-encoded POST, a direct POST of
``application/sparql-query``, GET) and two for an update. Servers differ in what they answer:
Virtuoso 7.2 never answers a direct POST of a query (the connection stays silent), while every
server qgkg knows answers a form-encoded POST. So the first query to an endpoint is a probe
(``ASK {}``) with a short read timeout, tried in the order form-encoded POST, direct POST, GET;
the first way that answers is kept for that endpoint for the life of the process, and the probe
also tells Virtuoso apart (its ``Server`` header, or its answer to the ASK). Updates go
form-encoded (``update=``), then as a direct ``application/sparql-update`` POST where a server
refuses that (405, 415, 501).

Timeouts: ``CONNECT_TIMEOUT`` to open the connection, then the caller's read timeout for every
wait on the socket (``Settings.query_timeout`` for queries), so that a server that is down fails
at once and one that never answers fails with a one-line ``StoreError`` naming the timeout.
"""

from __future__ import annotations

import functools
import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qgkg.errors import QueryError, StoreError

CONNECT_TIMEOUT = 5.0  # seconds to open a TCP connection to the server
PROBE_TIMEOUT = 5.0  # seconds the probe's ``ASK {}`` may take before the next way of asking is tried
QUERY_WAYS = ("form", "direct", "get")
UPDATE_WAYS = ("form", "direct")
_REFUSED_WAY = (405, 406, 415, 501)  # statuses that mean "not this way of asking", not "bad query"


class HttpStatusError(StoreError):
    """The server answered with an error status (kept, so that callers can try another way)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ReadTimeoutError(StoreError):
    """The server accepted the request but sent no answer within the read timeout."""


@dataclass(frozen=True)
class Server:
    """What the probe learnt about a query endpoint."""

    way: str  # "form", "direct" or "get": how queries are sent
    software: str  # the Server header ("" when none)
    virtuoso: bool = False  # OpenLink Virtuoso: its answers need the adjustments of ``graph.store.virtuoso``


_SERVERS: dict[str, Server] = {}  # query URL -> what its probe learnt (per process)
_UPDATE_WAY: dict[str, str] = {}  # update URL -> the way of sending updates it answers


# --- connections with a connect timeout and a read timeout ------------------------------------------


class _ReadTimeout:
    """Mixed into an HTTP connection: its socket gets the read timeout once connected."""

    sock: Any

    def __init__(self, host: str, *, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)  # type: ignore[call-arg]
        self._read_timeout = read_timeout

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.sock.settimeout(self._read_timeout)


class _Connection(_ReadTimeout, http.client.HTTPConnection):
    """An HTTP connection whose socket gets the read timeout once connected."""


class _TlsConnection(_ReadTimeout, http.client.HTTPSConnection):
    """The same over TLS."""


class _Handler(urllib.request.HTTPHandler):
    def __init__(self, read_timeout: float) -> None:
        super().__init__()
        self.read_timeout = read_timeout

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_Connection, read_timeout=self.read_timeout), req)  # type: ignore[arg-type]


class _TlsHandler(urllib.request.HTTPSHandler):
    def __init__(self, read_timeout: float) -> None:
        super().__init__()
        self.read_timeout = read_timeout

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(  # type: ignore[arg-type]
            functools.partial(_TlsConnection, read_timeout=self.read_timeout), req, context=self._context  # type: ignore[attr-defined]
        )


def open_url(req: urllib.request.Request, what: str, *, read_timeout: float,
             connect_timeout: float = CONNECT_TIMEOUT) -> Any:
    """Send ``req``; the response once its headers are in, or a one-line error naming ``what``.

    Raises:
        QueryError: the server refused the request as bad (HTTP 400).
        HttpStatusError: any other error status.
        ReadTimeoutError: connected, but no answer within ``read_timeout`` seconds.
        StoreError: the server cannot be reached.
    """
    opener = urllib.request.build_opener(_Handler(read_timeout), _TlsHandler(read_timeout))
    try:
        return opener.open(req, timeout=connect_timeout)
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode("utf-8", "replace")
        text = re.sub(r"<[^>]*>", " ", body) if "<html" in body.lower() else body  # an HTML error page: its words
        first = next((line.strip() for line in text.splitlines() if line.strip()), str(exc.reason))
        if exc.code == 400:
            raise QueryError(f"{what}: the server refused the request: {first}") from None
        raise HttpStatusError(f"{what}: HTTP {exc.code} {first}{_hint(exc.code, first)}", exc.code) from None
    except TimeoutError:  # raised while waiting for the answer (the connection was made)
        raise ReadTimeoutError(f"{what}: the server did not answer within {read_timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            reason = f"no connection within {connect_timeout:g} s"
        raise StoreError(f"{what}: cannot reach the server ({reason})") from None
    except (OSError, http.client.HTTPException) as exc:
        raise StoreError(f"{what}: cannot reach the server ({exc or type(exc).__name__})") from None


def _hint(status: int, first: str) -> str:
    """What to do about a refusal to write, where the server's words say what it is."""
    if status in (401, 403) or "SR186" in first:
        return " (the server refuses writes; see docs/REMOTE.md for its update rights)"
    return ""


def media_type(response: Any) -> str:
    """The response's media type, lower-cased, without parameters."""
    return str(response.headers.get("Content-Type", "")).split(";")[0].strip().lower()


# --- queries ---------------------------------------------------------------------------------------


def query_request(url: str, way: str, sparql: str, params: Sequence[tuple[str, str]],
                  accept: str) -> urllib.request.Request:
    """A Protocol query request sent ``way`` (``form``, ``direct`` or ``get``)."""
    headers = {"Accept": accept}
    if way == "form":
        body = urllib.parse.urlencode([("query", sparql), *params]).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return urllib.request.Request(url, data=body, headers=headers, method="POST")
    if way == "direct":
        target = url + ("?" + urllib.parse.urlencode(params) if params else "")
        headers["Content-Type"] = "application/sparql-query; charset=utf-8"
        return urllib.request.Request(target, data=sparql.encode("utf-8"), headers=headers, method="POST")
    target = url + ("&" if "?" in url else "?") + urllib.parse.urlencode([("query", sparql), *params])
    return urllib.request.Request(target, headers=headers, method="GET")


def server_of(url: str, *, timeout: float) -> Server:
    """How the query endpoint wants its queries (probed once per process), or a one-line error.

    The probe sends ``ASK {}`` each way in turn with a read timeout of at most ``PROBE_TIMEOUT``;
    a way refused (405, 406, 415, 501) or left unanswered moves on to the next.
    """
    known = _SERVERS.get(url)
    if known is not None:
        return known
    tried: list[str] = []
    for way in QUERY_WAYS:
        req = query_request(url, way, "ASK {}", [], "application/sparql-results+json, */*;q=0.1")
        try:
            response = open_url(req, url, read_timeout=min(timeout, PROBE_TIMEOUT))
        except HttpStatusError as exc:
            if exc.status not in _REFUSED_WAY:
                raise
            tried.append(f"{_WAY_NAMES[way]}: HTTP {exc.status}")
            continue
        except ReadTimeoutError:
            tried.append(f"{_WAY_NAMES[way]}: no answer in {min(timeout, PROBE_TIMEOUT):g} s")
            continue
        with response:
            body = response.read(65536)
        software = str(response.headers.get("Server", "")).strip()
        # Virtuoso by its Server header, or (behind a proxy that rewrites it) by its way of answering an ASK
        found = Server(way, software, software.lower().startswith("virtuoso") or b"__ASK_RETVAL" in body)
        _SERVERS[url] = found
        return found
    raise StoreError(f"{url}: the server answered no SPARQL query ({'; '.join(tried)})")


_WAY_NAMES = {"form": "form-encoded POST", "direct": "direct POST", "get": "GET"}


def forget(url: str) -> None:
    """Forget what was learnt about an endpoint (a test restarting a server on the same port)."""
    _SERVERS.pop(url, None)
    _UPDATE_WAY.pop(url, None)


# --- updates ---------------------------------------------------------------------------------------


def send_update(url: str, sparql: str, *, read_timeout: float) -> None:
    """Run one SPARQL Update request: form-encoded, else a direct POST where the server refuses that."""
    ways = [_UPDATE_WAY[url]] if url in _UPDATE_WAY else list(UPDATE_WAYS)
    for i, way in enumerate(ways):
        if way == "form":
            req = urllib.request.Request(url, data=urllib.parse.urlencode({"update": sparql}).encode("utf-8"),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"},
                                         method="POST")
        else:
            req = urllib.request.Request(url, data=sparql.encode("utf-8"),
                                         headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                                         method="POST")
        try:
            open_url(req, url, read_timeout=read_timeout).close()
        except HttpStatusError as exc:
            if exc.status in _REFUSED_WAY and i + 1 < len(ways):
                continue
            raise
        _UPDATE_WAY[url] = way
        return
