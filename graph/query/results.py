"""Writers for SPARQL query results (JSON, XML, CSV, TSV) over plain rows, so that results can be cut.

The engine serialises a whole result and cannot stop at a limit; these writers take the rows
the caller kept (at most the result limit) instead. Terms are ``graph.store.Value`` or None.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from graph.store import Value
from graph.store.formats import ResultFormat
from graph.store.values import RDF_LANG_STRING, XSD_STRING

Row = Sequence[Any]

MEDIA_TYPES = {
    ResultFormat.JSON: "application/sparql-results+json",
    ResultFormat.XML: "application/sparql-results+xml",
    ResultFormat.CSV: "text/csv",
    ResultFormat.TSV: "text/tab-separated-values",
}


def _xml_term(term: Value) -> str:
    if term.kind == "iri":
        return f"<uri>{escape(term.value)}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    attrs = ""
    if term.lang:
        attrs = f" xml:lang={quoteattr(term.lang)}"
    elif term.datatype and term.datatype not in (XSD_STRING, RDF_LANG_STRING):
        attrs = f" datatype={quoteattr(term.datatype)}"
    return f"<literal{attrs}>{escape(term.value)}</literal>"


def _csv_term(term: Value | None) -> str:
    if term is None:
        return ""
    if term.kind == "bnode":
        return f"_:{term.value}"
    return term.value


def write_solutions(variables: Sequence[str], rows: Sequence[Row], fmt: ResultFormat) -> bytes:
    """Serialise SELECT rows (one term or None per variable) in ``fmt``."""
    if fmt is ResultFormat.JSON:
        bindings = [
            {v: t.sparql_json() for v, t in zip(variables, row, strict=True) if t is not None} for row in rows
        ]
        doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt is ResultFormat.XML:
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            for v, t in zip(variables, row, strict=True):
                if t is not None:
                    parts.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if fmt is ResultFormat.CSV:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow([_csv_term(t) for t in row])
        return buf.getvalue().encode("utf-8")
    if fmt is ResultFormat.TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else t.ntriples() for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"no SPARQL results writer for {fmt.value}")


def write_boolean(value: bool, fmt: ResultFormat) -> bytes:
    """Serialise an ASK answer in ``fmt``."""
    word = "true" if value else "false"
    if fmt is ResultFormat.JSON:
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt is ResultFormat.XML:
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    if fmt is ResultFormat.CSV:
        return f"_askResult\r\n{word}\r\n".encode()
    return f"?_askResult\n{word}\n".encode()
