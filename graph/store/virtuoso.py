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
* ``STR()`` of a non-ASCII simple literal written in the query (inline, or bound by ``VALUES`` or
  ``BIND``) gives ``"??"``, and a non-ASCII ``GROUP_CONCAT`` separator (``、``) joins as ``?``:
  ``wide_strings`` drops such ``STR()`` calls (the identity on a simple literal) and sends the
  separator as ``"…"^^xsd:string``.
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
    r"|#[^\n]*|[?$]\w+|[A-Za-z_]\w*|\S"  # a comment, a variable, a word, any other character
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


def wide_strings(sparql: str) -> str:
    """``sparql`` rewritten around Virtuoso 7.2's narrow reading of non-ASCII simple literals written in
    the query: ``STR()`` of one gives ``"??"`` (a literal in the data is read right), and a
    ``GROUP_CONCAT`` separator such as ``、`` joins as ``?``.

    ``STR(x)`` of a simple literal is the literal itself, so ``STR("…")`` and ``STR(?v)``, where every
    ``VALUES`` row binds ``?v`` to such a literal (the way parameters are bound), lose the ``STR``;
    a non-ASCII separator is written ``"…"^^xsd:string``, which Virtuoso reads as a wide string.
    (Typing the ``VALUES`` literals instead would change what they match: Virtuoso keeps RDF 1.0's
    difference between ``"x"`` and ``"x"^^xsd:string``.)

    >>> wide_strings('SELECT (GROUP_CONCAT(?n; separator="、") AS ?all) '
    ...              '{ VALUES ?q { "质量" } FILTER(CONTAINS(STR(?n), STR(?q)) || STR("乙") = STR(?n)) }')
    'SELECT (GROUP_CONCAT(?n; separator="、"^^<http://www.w3.org/2001/XMLSchema#string>) AS ?all) \
{ VALUES ?q { "质量" } FILTER(CONTAINS(STR(?n), (?q)) || ("乙") = STR(?n)) }'
    """
    tokens = [m for m in _TOKEN.finditer(sparql) if not m.group().startswith("#")]
    texts = [m.group() for m in tokens]
    simple = _simple_literal_variables(texts, sparql, tokens)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    for i, tok in enumerate(texts):
        word = tok.upper()
        if word == "STR" and i + 3 < len(texts) and texts[i + 1] == "(" and texts[i + 3] == ")":
            arg = texts[i + 2]
            if arg in simple or (_is_simple_literal(arg, sparql, tokens[i + 2].end()) and not arg.isascii()):
                edits.append((tokens[i].start(), tokens[i].end(), ""))
        elif word == "SEPARATOR" and i + 2 < len(texts) and texts[i + 1] == "=":
            lit = texts[i + 2]
            if lit[0] in "\"'" and not lit.isascii() and _is_simple_literal(lit, sparql, tokens[i + 2].end()):
                edits.append((tokens[i + 2].end(), tokens[i + 2].end(), _XSD_STRING))
    for start, end, text in reversed(edits):
        sparql = sparql[:start] + text + sparql[end:]
    return sparql


def _is_simple_literal(token: str, sparql: str, end: int) -> bool:
    """A string token with neither a language tag nor a datatype after it."""
    return token[0] in "\"'" and not sparql.startswith(("@", "^^"), end)


def _simple_literal_variables(texts: list[str], sparql: str, tokens: list[re.Match[str]]) -> set[str]:
    """The variables (``?v``) that every single-variable ``VALUES`` block binds to simple literals only."""
    good: set[str] = set()
    bad: set[str] = set()
    i = 0
    while i < len(texts):
        if texts[i].upper() == "VALUES" and i + 2 < len(texts) and texts[i + 1][0] in "?$" and texts[i + 2] == "{":
            var = "?" + texts[i + 1][1:]
            j = i + 3
            ok = True
            while j < len(texts) and texts[j] != "}":
                if not (_is_simple_literal(texts[j], sparql, tokens[j].end()) or texts[j].upper() == "UNDEF"):
                    ok = False
                j += 1
            (good if ok else bad).add(var)
            i = j
        i += 1
    return {v for v in good - bad} | {"$" + v[1:] for v in good - bad}


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
