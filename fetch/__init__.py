"""Fetching plans from the web, politely: the I/O half of ``qgkg build URL…`` (docs/FETCH.md).

* ``client``: ``Fetcher`` (httpx): per-host delay and concurrency, timeouts, retries with
  backoff for retriable failures only, a size cap, redirects within a limit, robots.txt
* ``robots``: robots.txt per origin (protego)
* ``cache``: the on-disk cache keyed by URL (ETag/Last-Modified) whose bodies are kept by sha256
* ``urls``: which arguments are URLs, and the ``--urls FILE`` list

Nothing here reads HTML or builds a graph: ``loaders.web`` turns the bytes into a plan, and
``graph.build.fetched`` decides what a build extracts. This package imports only ``qgkg.errors``.
"""

from __future__ import annotations

from fetch.cache import CacheEntry, FetchCache
from fetch.client import Fetched, Fetcher, FetchOptions, user_agent
from fetch.urls import is_url, read_url_file

__all__ = ["CacheEntry", "FetchCache", "FetchOptions", "Fetched", "Fetcher", "is_url", "read_url_file", "user_agent"]
