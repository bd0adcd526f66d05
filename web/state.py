"""What the app holds between requests: the open store (reopened after a rebuild) and the query workers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import current_app, request

from graph.query.admission import QueryLimits
from graph.query.service import QueryService
from graph.store import EmbeddedStore, GraphStore, open_store
from qgkg.config import Settings


class StoreHolder:
    """The read-only store of the current version; a newer complete build is picked up on the next request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._store: GraphStore | None = None

    def get(self) -> GraphStore:
        """The open store, reopened first when a newer version became current."""
        store = self._store
        if store is not None and not (isinstance(store, EmbeddedStore) and store.is_stale()):
            return store
        with self._lock:
            store = self._store
            if store is None or (isinstance(store, EmbeddedStore) and store.is_stale()):
                store = open_store(self.settings)
                self._store = store  # the old view stays valid for requests still using it
            return store

    @property
    def version(self) -> Path | None:
        """The version folder of the open store (None for a remote store)."""
        store = self.get()
        return store.version if isinstance(store, EmbeddedStore) else None


def query_limits(config: Any) -> QueryLimits:
    """The admission of user SPARQL from the app's config (``web.app`` fills it from ``Settings``)."""
    return QueryLimits(
        workers=int(config["QUERY_WORKERS"]),
        per_client=int(config["PER_CLIENT"]),
        client_queue=int(config["CLIENT_QUEUE"]),
        queue=int(config["QUERY_QUEUE"]),
    )


def client_key() -> str:
    """Who sends the current request, for the per-client limit: its remote address.

    Behind a reverse proxy every request comes from the proxy; ``qgkg serve --trusted-proxy``
    makes waitress take the client's address from the proxy's ``X-Forwarded-For`` instead.
    """
    return request.remote_addr or "-"


class AppState:
    """``app.extensions["qgkg"]``."""

    def __init__(self, settings: Settings, config: dict[str, Any]) -> None:
        self.settings = settings
        self.holder = StoreHolder(settings)
        self.queries = QueryService(timeout=float(config["QUERY_TIMEOUT"]), limits=query_limits(config))
        self.result_limit = int(config["RESULT_LIMIT"])

    @property
    def store(self) -> GraphStore:
        """The current store."""
        return self.holder.get()


def state() -> AppState:
    """The state of the current app."""
    st: AppState = current_app.extensions["qgkg"]
    return st


def store() -> GraphStore:
    """The current store of the current app."""
    return state().store
