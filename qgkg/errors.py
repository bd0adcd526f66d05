"""One small error hierarchy; every message is one line naming the file or IRI and the reason."""

from __future__ import annotations


class QgkgError(Exception):
    """Root of every error qgkg raises on purpose.

    The command line turns it into a one-line message and exit code 1; the web app
    into a 400 (bad input) or 500 (I/O) without a stack trace.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class DecodeError(QgkgError):
    """A plan file could not be read or decoded with confidence."""


class RepairError(QgkgError):
    """Text repair failed in a way that must not be ignored."""


class ExtractionError(QgkgError):
    """A plan decoded but yielded nothing usable (e.g. no activities)."""


class StoreError(QgkgError):
    """The store could not be opened, locked, read or written."""


class QueryError(QgkgError):
    """A SPARQL query is malformed, refused, too slow or unknown."""


class ValidationFailedError(QgkgError):
    """SHACL validation found violations."""


class FetchError(QgkgError):
    """A web page could not be fetched: HTTP error, timeout, robots.txt refusal, not HTML, too large."""
