"""What the app holds between requests: the open store (reopened after a rebuild) and the query workers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import current_app

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


class AppState:
    """``app.extensions["qgkg"]``."""

    def __init__(self, settings: Settings, config: dict[str, Any]) -> None:
        self.settings = settings
        self.holder = StoreHolder(settings)
        self.queries = QueryService(
            workers=int(config["QUERY_WORKERS"]), timeout=float(config["QUERY_TIMEOUT"])
        )
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
