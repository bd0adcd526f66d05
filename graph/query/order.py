"""ORDER BY as Oxigraph does it, for rows of values (the canned answers are sorted here, not by SQL)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from graph.store import Value

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_INTEGER = XSD + "integer"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_I64 = 2**63
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


class NotMaterializedError(Exception):
    """The tables cannot give the SPARQL's exact answer: run the SPARQL."""


def integer(text: str, *, typed: bool) -> int | None:
    """The value of ``xsd:integer(text)`` as Oxigraph casts it, or None for an error."""
    if not _INTEGER.fullmatch(text):
        if typed:
            raise NotMaterializedError(f"an ill-formed xsd:integer {text!r}")
        return None
    n = int(text)
    if not -_I64 <= n < _I64:
        raise NotMaterializedError(f"an integer out of Oxigraph's range {text!r}")
    return n


def order_key(value: Value | None) -> tuple[Any, ...]:
    """The sort key of one ORDER BY value: unbound < blank nodes < IRIs < literals.

    Literals compare as Oxigraph compares them when they are all strings (plain or with a
    language: by value, then datatype, then tag) or all integers (by value); other mixes
    have no total order there, and raise ``NotMaterializedError``.
    """
    if value is None:
        return (0,)
    if value.kind == "bnode":
        return (1,)
    if value.kind == "iri":
        return (2, value.value)
    if value.datatype in (XSD_STRING, RDF_LANG_STRING) or value.datatype is None:
        return (3, "s", value.value, value.datatype or XSD_STRING, value.lang or "")
    if value.datatype == XSD_INTEGER:
        return (3, "n", integer(value.value, typed=True))
    raise NotMaterializedError(f"ORDER BY over literals of datatype {value.datatype}")


def _literal_class(key: tuple[Any, ...]) -> str | None:
    return key[1] if key[0] == 3 else None


def order_rows(rows: list[dict[str, Value]], order: Iterable[tuple[str, bool]],
               columns: Iterable[str]) -> list[dict[str, Value]] | None:
    """``rows`` sorted by ``order`` the way Oxigraph sorts them (ties in a fixed order), or None."""
    cols = list(columns)

    def tie(row: dict[str, Value]) -> tuple[tuple[str, ...], ...]:
        return tuple((v.kind, v.value, v.lang or "", v.datatype or "") if (v := row.get(c)) else ("",) for c in cols)

    out = sorted(rows, key=tie)  # a fixed order for the rows whose ORDER BY keys tie
    for name, descending in reversed(list(order)):
        try:
            keys = {id(r): order_key(r.get(name)) for r in out}
        except NotMaterializedError:
            return None
        if len({c for k in keys.values() if (c := _literal_class(k))}) > 1:
            return None  # strings and numbers mixed: Oxigraph leaves them unordered
        out.sort(key=lambda r, keys=keys: keys[id(r)], reverse=descending)
    return out
