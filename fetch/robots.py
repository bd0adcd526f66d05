"""robots.txt per origin, read once per build with protego (RFC 9309 rules).

An answer of 4xx (no robots.txt) allows everything; 5xx or no answer at all disallows
everything for that origin (RFC 9309, 2.3.1.4: the server may be unable to say what it
forbids); a body over ``MAX_ROBOTS_BYTES`` is read up to that size.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from protego import Protego

MAX_ROBOTS_BYTES = 512 * 1024


class Robots:
    """Whether a user agent may fetch a URL; ``get(url) -> (status, body) | None`` fetches robots.txt."""

    def __init__(self, agent: str, get: Callable[[str], tuple[int, bytes] | None]) -> None:
        self.agent = agent
        self._get = get
        self._rules: dict[str, Protego | bool] = {}  # origin -> rules, or True (all allowed) / False (none)
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def _origin_rules(self, url: str) -> Protego | bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one request for robots.txt per origin, even with several pages in flight
            if origin not in self._rules:
                self._rules[origin] = self._read(origin)
            return self._rules[origin]

    def _read(self, origin: str) -> Protego | bool:
        answer = self._get(origin + "/robots.txt")
        if answer is None:
            return False
        status, body = answer
        if 400 <= status < 500:
            return True
        if status >= 500 or status < 200 or status >= 300:
            return False
        return Protego.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace"))

    def allowed(self, url: str) -> bool:
        """True when robots.txt of the URL's origin lets our agent fetch it."""
        rules = self._origin_rules(url)
        if isinstance(rules, bool):
            return rules
        return bool(rules.can_fetch(url, self.agent))

    def crawl_delay(self, url: str) -> float | None:
        """The ``Crawl-delay`` robots.txt asks of our agent, if any."""
        rules = self._origin_rules(url)
        if isinstance(rules, bool):
            return None
        delay = rules.crawl_delay(self.agent)
        return float(delay) if delay is not None else None
