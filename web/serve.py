"""``qgkg serve``: the app behind waitress, a production WSGI server (never Flask's debug server).

Slow clients cannot starve the others (docs/RELIABILITY.md, "Serving"): waitress reads headers
and bodies in its event loop, not in the worker threads, so a half-sent request holds only a
connection; up to ``Settings.connection_limit`` (1,000) connections are kept open, and one
that stays silent for ``Settings.channel_timeout`` (30 s) without a request in progress is
closed (checked every ``cleanup_interval``). A request being answered is never cut: the query
time limit covers it. For a public site, a reverse proxy with per-client limits belongs in front.
"""

from __future__ import annotations

import logging

from qgkg.config import Settings


def run(settings: Settings, *, host: str = "127.0.0.1", port: int = 5000, threads: int = 8) -> None:
    """Serve the graph until interrupted; prints the address it listens on."""
    import waitress

    from web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app({"SETTINGS": settings})
    server = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=app.config["MAX_CONTENT_LENGTH"] * 2,  # the app answers 413 up to here
        max_request_header_size=app.config["MAX_QUERY_STRING"] * 2 + 16 * 1024,
        connection_limit=settings.connection_limit,
        channel_timeout=settings.channel_timeout,
        cleanup_interval=max(1, min(30, settings.channel_timeout // 3)),
        backlog=1024,
        ident="qgkg",
    )
    actual = server.effective_port  # type: ignore[union-attr]
    print(
        f"qgkg serving {settings.store if not settings.endpoint else settings.endpoint} "
        f"on http://{host}:{actual}/",
        flush=True,
    )
    try:
        server.run()
    finally:
        app.extensions["qgkg"].queries.close()
