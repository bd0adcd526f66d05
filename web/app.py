"""The application factory: settings at call time, the store opened read-only, blueprints, limits, headers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, abort, request

from qgkg.config import Settings
from web.state import AppState

DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 1 << 20,  # a POST body over 1 MiB gets 413
    "MAX_QUERY_STRING": 32 * 1024,  # a query string over 32 KiB gets 414
    "JSON_AS_ASCII": False,
}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, newline and return are text

_SETTINGS_KEYS = {
    "STORE": "store",
    "ENDPOINT": "endpoint",
    "BASE": "base",
    "QUERY_TIMEOUT": "query_timeout",
    "RESULT_LIMIT": "result_limit",
}
_LIMIT_KEYS = {  # the admission of user SPARQL (graph/query/admission.py), from Settings unless given
    "QUERY_WORKERS": "query_workers",
    "PER_CLIENT": "per_client",
    "CLIENT_QUEUE": "client_queue",
    "QUERY_QUEUE": "query_queue",
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` (e.g. ``{"STORE": path, "QUERY_TIMEOUT": 5}``) wins over ``QGKG_*``.

    Keys: STORE, ENDPOINT, BASE (the graph), QUERY_TIMEOUT (seconds), RESULT_LIMIT (rows),
    QUERY_WORKERS, PER_CLIENT, CLIENT_QUEUE, QUERY_QUEUE (the admission of user SPARQL),
    MAX_CONTENT_LENGTH (bytes of a POST body), MAX_QUERY_STRING (bytes),
    plus any Flask setting. A ``SETTINGS`` key may hold a whole ``qgkg.config.Settings``.
    """
    config = dict(config or {})
    app = Flask(__name__)
    app.url_map.merge_slashes = False  # "/id//x" is a 404, not a redirect
    app.config.update(DEFAULTS)
    settings = config.pop("SETTINGS", None) or Settings.from_env(
        **{field: config.get(key) for key, field in _SETTINGS_KEYS.items()}
    )
    app.config.update(config)
    app.config.setdefault("QUERY_TIMEOUT", settings.query_timeout)
    app.config.setdefault("RESULT_LIMIT", settings.result_limit)
    app.config["QUERY_TIMEOUT"] = float(app.config.get("QUERY_TIMEOUT") or settings.query_timeout)
    app.config["RESULT_LIMIT"] = int(app.config.get("RESULT_LIMIT") or settings.result_limit)
    for key, name in _LIMIT_KEYS.items():
        value = app.config.get(key)
        app.config[key] = int(getattr(settings, name) if value is None else value)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    state = AppState(settings, app.config)
    state.holder.get()  # open read-only now: a missing store fails at start, not on the first request
    app.extensions["qgkg"] = state

    from web import dumps, errors, linked_data, meta, pages, sources, sparql

    for module in (pages, sparql, linked_data, dumps, meta, sources):
        app.register_blueprint(module.bp)
    try:
        from web import network
    except ModuleNotFoundError as exc:  # the network blueprint is optional until it lands
        if exc.name != "web.network":
            raise
    else:
        app.register_blueprint(network.bp)
    errors.register(app)

    from web.templating import register as register_templating

    register_templating(app)
    app.before_request(_limits)
    app.after_request(_security_headers)
    return app


def _limits() -> None:
    """Refuse over-long query strings (414) and bodies (413), and control characters in the path or any
    parameter (400), before any view reads them."""
    from flask import current_app

    if len(request.query_string) > current_app.config["MAX_QUERY_STRING"]:
        abort(414)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and limit is not None and request.content_length > limit:
        abort(413)
    fields = [request.path, *request.args.keys(), *request.args.values()]
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += [*request.form.keys(), *request.form.values()]
    elif request.method == "POST" and request.mimetype == "application/sparql-query":
        fields.append(request.get_data(as_text=True))
    for text in fields:
        bad = _CONTROL.search(text)
        if bad:
            abort(400, description=f"control character U+{ord(bad.group()):04X} in the request; remove it")


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
