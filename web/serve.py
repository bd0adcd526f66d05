"""``qgkg serve``: the app behind waitress, a production WSGI server (never Flask's debug server)."""

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
        channel_timeout=max(120, int(app.config["QUERY_TIMEOUT"]) + 30),
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
