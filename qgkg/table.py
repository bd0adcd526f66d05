"""Plain-text tables of SELECT results for the terminal."""

from __future__ import annotations

import unicodedata
from typing import IO

from graph.store import PREFIXES, Results
from graph.store.formats import RdfFormat


def shorten(iri: str) -> str:
    """An IRI in prefixed form when a known prefix fits."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def print_table(result: Results, out: IO[bytes]) -> None:
    """Write a SELECT (as an aligned table), an ASK (yes/no) or a graph result (Turtle)."""
    if result.kind == "boolean":
        out.write(b"yes\n" if result.boolean else b"no\n")
        return
    if result.kind == "graph":
        result.serialize(out, RdfFormat.TTL)
        return
    names = list(result.variables)
    rows = []
    for solution in result.rows():
        rows.append(["" if v is None else (shorten(v.value) if v.is_iri else v.value).replace("\n", " ")
                     for v in solution])
    widths = [max([width(n)] + [width(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return " | ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths)).rstrip()

    text = [line(names), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
    text.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    out.write(("\n".join(text) + "\n").encode("utf-8"))
