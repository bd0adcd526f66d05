"""Errors are handled in one place: HTML for browsers, JSON or plain text for clients, never a trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from graph.query.admission import RefusedError, TooManyQueriesError
from graph.query.service import QueryTimeoutError, WorkerDiedError
from qgkg.errors import QgkgError, QueryError, StoreError

log = logging.getLogger("qgkg.web")


def wants_html() -> bool:
    """True when the client prefers HTML (a browser)."""
    best = request.accept_mimetypes.best_match(["text/plain", "application/json", "text/html"])
    return (
        best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["text/plain"]
    )


def wants_json() -> bool:
    """True when the client prefers JSON over plain text."""
    accept = request.accept_mimetypes
    return (
        accept["application/json"] > accept["text/plain"]
        or accept["application/sparql-results+json"] > accept["text/plain"]
    )


def error_response(status: int, title: str, message: str, *, retry_after: int | None = None) -> Response:
    """The one error response, in the representation the client prefers; 429 and 503 say when to retry."""
    if wants_html():
        body = render_template("error.html", status=status, title=title, message=message)
        response = Response(body, status=status, mimetype="text/html")
    elif wants_json():
        response = jsonify({"status": status, "error": title, "message": message})
        response.status_code = status
    else:
        response = Response(f"{status} {title}: {message}\n", status=status, mimetype="text/plain")
    if status in (429, 503):
        response.headers["Retry-After"] = str(retry_after or 5)
    return response


def status_of(exc: QgkgError) -> int:
    """The HTTP status of a qgkg error: bad input is 400, a client over its share of the query workers
    429, a stopped query or a full queue 503, I/O 500."""
    if isinstance(exc, TooManyQueriesError):
        return 429
    if isinstance(exc, (QueryTimeoutError, RefusedError, WorkerDiedError)):
        return 503
    if isinstance(exc, QueryError):
        return 400
    if isinstance(exc, StoreError):
        return 503
    return 400


def retry_after(exc: Exception) -> int | None:
    """Seconds a refused query's client should wait (``RefusedError.retry_after``), else None."""
    return exc.retry_after if isinstance(exc, RefusedError) else None


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = error_response(exc.code or 500, exc.name, exc.description or exc.name)
        if exc.code == 405 and exc.response is None:
            allowed = getattr(exc, "valid_methods", None)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(QgkgError)
    def qgkg_error(exc: QgkgError) -> Response:
        status = status_of(exc)
        titles = {400: "Bad Request", 429: "Too Many Requests", 503: "Service Unavailable"}
        return error_response(status, titles.get(status, "Error"), str(exc), retry_after=retry_after(exc))

    @app.errorhandler(Exception)
    def internal_error(exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.path)
        return error_response(
            500, "Internal Server Error", "the server failed to answer; the error was logged"
        )
