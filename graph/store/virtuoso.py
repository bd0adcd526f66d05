"""What Virtuoso 7 answers differently from the SPARQL 1.1 standards, and how the remote store evens it out.

Measured on Virtuoso Open Source 7.2.5 (Debian's ``virtuoso-opensource-7-bin``):

* Its default graph (and ``GRAPH ?g``) also holds its own system graphs (the RDF-view metadata
  ``virtrdf#``, ``ldp#`` and ``localuriqaserver``): 2,496 triples on an empty database. A query
  that names no graph gets ``DEFINE input:default-graph-exclude`` / ``input:named-graph-exclude``
  for them (``without_system_graphs``); one that names a graph is sent as it is, because on
  7.2.5 any such ``DEFINE`` makes a constant ``GRAPH <iri> { … }`` match nothing, and its default
  graph keeps them. The triple count and the dump leave them out in any case (``leave_out``).
* An ASK is answered as a one-row SELECT of ``__ASK_RETVAL`` (``1`` or ``0``), in JSON and XML;
  it is turned back into a boolean.
* Blank nodes in SPARQL JSON results are written ``nodeID://b10000``, which is not a blank-node
  label (pyoxigraph refuses it); the prefix is dropped while the answer streams by.
* Booleans come back as ``"0"``/``"1"`` typed ``xsd:boolean`` (valid, but not the canonical form the
  embedded store gives): they are written ``false``/``true`` while the answer streams by.
* A simple literal with non-ASCII characters in a ``VALUES`` block matches nothing (the same
  literal in a triple pattern or a FILTER does), and a non-ASCII ``GROUP_CONCAT`` separator
  (``、``) joins as ``?``: such literals are sent as ``"…"^^xsd:string``, the same RDF term
  (which Virtuoso reads as a wide string).
* A CONSTRUCT asked for in SPARQL JSON comes back as a non-standard table: CONSTRUCT and DESCRIBE
  ask for N-Triples only.
* Its TSV results quote the header and give IRIs without angle brackets (not the W3C TSV
  format): only its JSON results are read.
* Language tags come back lower-cased (``zh-hans``), as pyoxigraph 0.5 writes them too.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
ACCEPT_RESULTS = "application/sparql-results+json"
ACCEPT_TRIPLES = "application/n-triples, text/turtle;q=0.5"
_ASK_VARIABLE = "__ASK_RETVAL"
_XSD_BOOLEAN = rb"http://www\.w3\.org/2001/XMLSchema#boolean"
_BOOLEAN_IRI = b"<http://www.w3.org/2001/XMLSchema#boolean>"
Fixes = tuple[tuple["re.Pattern[bytes]", bytes], ...]
JSON: Fixes = (
    (re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://'), rb"\1"),
    (re.compile(rb'("datatype"\s*:\s*"' + _XSD_BOOLEAN + rb'"\s*,\s*"value"\s*:\s*")0"'), rb'\1false"'),
    (re.compile(rb'("datatype"\s*:\s*"' + _XSD_BOOLEAN + rb'"\s*,\s*"value"\s*:\s*")1"'), rb'\1true"'),
)
NTRIPLES: Fixes = (
    (re.compile(rb'"0"\^\^<' + _XSD_BOOLEAN + rb">"), b'"false"^^' + _BOOLEAN_IRI),
    (re.compile(rb'"1"\^\^<' + _XSD_BOOLEAN + rb">"), b'"true"^^' + _BOOLEAN_IRI),
)
_KEEP = 160  # bytes held back between reads, so that a match split across two reads is still found
_TOKEN = re.compile(
    r'<[^<>"{}|^`\\\s]*>'  # an IRI
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"  # long strings
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"  # strings
    r"|#[^\n]*|[A-Za-z_]\w*|\S"  # a comment, a word, any other character
)
_XSD_STRING = "^^<http://www.w3.org/2001/XMLSchema#string>"


def leave_out(graph_var: str, graphs: tuple[str, ...] = SYSTEM_GRAPHS) -> str:
    """A FILTER that keeps ``graphs`` out of ``GRAPH ?graph_var`` (empty when there are none).

    >>> leave_out("g", ("http://a",))
    'FILTER(?g NOT IN (<http://a>))'
    """
    return f"FILTER(?{graph_var} NOT IN ({', '.join(f'<{g}>' for g in graphs)}))" if graphs else ""


def without_system_graphs(sparql: str) -> str:
    """``sparql`` with ``DEFINE``s that leave Virtuoso's system graphs out of its dataset, when that is safe.

    On 7.2.5 such a ``DEFINE`` makes a constant ``GRAPH <iri> { … }`` match nothing, so a query that
    names a graph (``GRAPH <iri>``, ``GRAPH prefix:name``, ``FROM``) is sent as it is; a query that
    does not is given them, for the default graph and for ``GRAPH ?g``.

    >>> without_system_graphs("SELECT * { GRAPH <http://g> { ?s ?p ?o } }")
    'SELECT * { GRAPH <http://g> { ?s ?p ?o } }'
    >>> without_system_graphs("SELECT * { GRAPH ?g { ?s ?p ?o } }").count("DEFINE")
    6
    """
    tokens = [m.group() for m in _TOKEN.finditer(sparql) if not m.group().startswith("#")]
    for i, tok in enumerate(tokens):
        word = tok.upper()
        if word == "FROM" or (word == "GRAPH" and i + 1 < len(tokens) and tokens[i + 1][0] not in "?$"):
            return sparql
    lines = [f"DEFINE input:default-graph-exclude <{g}>" for g in SYSTEM_GRAPHS]
    lines += [f"DEFINE input:named-graph-exclude <{g}>" for g in SYSTEM_GRAPHS]
    return "\n".join(lines) + "\n" + sparql


def query_form(sparql: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the first such keyword outside strings,
    IRIs and comments (Virtuoso answers a CONSTRUCT asked for in SPARQL JSON with a table).

    >>> query_form('PREFIX s: <http://e/SELECT#> # ASK\\nCONSTRUCT WHERE { ?s ?p "ASK" }')
    'CONSTRUCT'
    """
    for m in _TOKEN.finditer(sparql):
        word = m.group().upper()
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word
    return "SELECT"


def typed_strings(sparql: str) -> str:
    """``sparql`` with each non-ASCII simple literal of a ``VALUES`` block, and a non-ASCII
    ``GROUP_CONCAT`` separator, written ``"…"^^xsd:string`` (the same RDF term): Virtuoso 7.2 reads
    those two as narrow strings, so that such a ``VALUES`` literal matches nothing and ``、`` joins
    as ``?`` (a literal in a triple pattern or a FILTER is read right).

    >>> typed_strings('SELECT (GROUP_CONCAT(?n; separator="、") AS ?all) { VALUES ?q { "质量" "a" "乙"@zh } }')
    'SELECT (GROUP_CONCAT(?n; separator="、"^^<http://www.w3.org/2001/XMLSchema#string>) AS ?all) \
{ VALUES ?q { "质量"^^<http://www.w3.org/2001/XMLSchema#string> "a" "乙"@zh } }'
    """
    out: list[str] = []
    last = 0
    state = ""  # "values" after the keyword, "block" inside its braces, "separator" after SEPARATOR
    for m in _TOKEN.finditer(sparql):
        tok = m.group()
        word = tok.upper()
        if state in ("", "separator") and word in ("VALUES", "SEPARATOR"):
            state = word.lower()
        elif state == "values" and tok == "{":
            state = "block"
        elif state == "block" and tok == "}":
            state = ""
        elif state in ("block", "separator") and tok[0] in "\"'":
            long_string = tok.startswith(("'''", '"""'))
            if not tok.isascii() and not long_string and not sparql.startswith(("@", "^^"), m.end()):
                out.append(sparql[last:m.end()] + _XSD_STRING)
                last = m.end()
            if state == "separator":
                state = ""
    out.append(sparql[last:])
    return "".join(out)


class StreamFix:
    """A readable stream with byte-level corrections applied as it is read (Virtuoso's answers).

    >>> import io
    >>> raw = b'{"o": { "type": "bnode", "value": "nodeID://b10000" }}'
    >>> StreamFix(io.BytesIO(raw), JSON).read(4096)
    b'{"o": { "type": "bnode", "value": "b10000" }}'
    """

    def __init__(self, raw: Any, fixes: Fixes) -> None:
        self.raw = raw
        self.fixes = fixes
        self._held = b""
        self._done = False

    def _fix(self, data: bytes) -> bytes:
        for pattern, repl in self.fixes:
            data = pattern.sub(repl, data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of the corrected stream (all of it with ``size < 0``)."""
        if size is None or size < 0:
            data = self._fix(self._held + self.raw.read())
            self._held, self._done = b"", True
            return data
        while not self._done and len(self._held) <= _KEEP:
            chunk = self.raw.read(max(size, 8192))
            if not chunk:
                self._done = True
            self._held = self._fix(self._held + chunk)
        if self._done:
            out, self._held = self._held[:size], self._held[size:]
            return out
        cut = max(0, min(size, len(self._held) - _KEEP))
        out, self._held = self._held[:cut], self._held[cut:]
        return out

    def close(self) -> None:
        """Close the underlying response."""
        self.raw.close()


def as_boolean(result: Any) -> Any:
    """An ASK answered as Virtuoso's one-row ``__ASK_RETVAL`` SELECT, as a pyoxigraph boolean result."""
    if not isinstance(result, ox.QuerySolutions) or [v.value for v in result.variables] != [_ASK_VARIABLE]:
        return result
    row = next(iter(result), None)
    value = row is not None and row[_ASK_VARIABLE] is not None and row[_ASK_VARIABLE].value not in ("0", "false")
    return ox.parse_query_results(b'{"head": {}, "boolean": %s}' % (b"true" if value else b"false"),
                                  ox.QueryResultsFormat.JSON)
