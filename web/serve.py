"""``qgkg serve``: the app behind waitress, a production WSGI server (never Flask's debug server).

Slow clients cannot starve the others (docs/RELIABILITY.md, "Serving"): waitress reads headers
and bodies in its event loop, not in the worker threads, so a half-sent request holds only a
connection; up to ``Settings.connection_limit`` (1,000) connections are kept open, and one
that stays silent for ``Settings.channel_timeout`` (30 s) without a request in progress is
closed (checked every ``cleanup_interval``). A request being answered is never cut: the query
time limit covers it. For a public site, a reverse proxy with per-client limits belongs in front.

User SPARQL cannot starve the pages (docs/RELIABILITY.md, "Fairness between clients"): a query
holds a waitress thread while it runs or waits for a query worker, and the admission
(``graph/query/admission.py``) lets at most ``workers + queue`` queries in at once; waitress
gets that many threads *on top of* ``threads``, so ``threads`` are always left for pages,
search, the network and dumps.
"""

from __future__ import annotations

import logging

from graph.query.admission import QueryLimits
from qgkg.config import Settings


def server_threads(page_threads: int, limits: QueryLimits) -> int:
    """Waitress threads: ``page_threads`` kept for everything but user SPARQL, plus one for each query
    the admission can let in (running or waiting)."""
    return page_threads + limits.capacity


def run(settings: Settings, *, host: str = "127.0.0.1", port: int = 5000, threads: int = 8) -> None:
    """Serve the graph until interrupted; prints the address it listens on."""
    import waitress

    from web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app({"SETTINGS": settings})
    queries = app.extensions["qgkg"].queries
    proxy: dict[str, object] = {}
    if settings.trusted_proxy:  # the client's address comes from the proxy's X-Forwarded-For
        proxy = {"trusted_proxy": settings.trusted_proxy, "trusted_proxy_headers": {"x-forwarded-for"},
                 "clear_untrusted_proxy_headers": True}
    server = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=server_threads(threads, queries.limits),
        max_request_body_size=app.config["MAX_CONTENT_LENGTH"] * 2,  # the app answers 413 up to here
        max_request_header_size=app.config["MAX_QUERY_STRING"] * 2 + 16 * 1024,
        connection_limit=settings.connection_limit,
        channel_timeout=settings.channel_timeout,
        cleanup_interval=max(1, min(30, settings.channel_timeout // 3)),
        backlog=1024,
        ident="qgkg",
        **proxy,
    )
    if not settings.endpoint:  # a remote store's queries run over HTTP, without workers
        queries.start()  # every query worker up before the first request
    actual = server.effective_port  # type: ignore[union-attr]
    limits = queries.limits
    print(
        f"qgkg serving {settings.store if not settings.endpoint else settings.endpoint} "
        f"on http://{host}:{actual}/",
        flush=True,
    )
    print(
        f"user SPARQL: {limits.workers} workers, {queries.timeout:g} s limit, {limits.per_client} running + "
        f"{limits.client_queue} waiting per client, {limits.queue} waiting in all; "
        f"{threads} threads kept for pages",
        flush=True,
    )
    try:
        server.run()
    finally:
        queries.close()
