"""What a user query may be, checked before any engine sees it: size, nesting, no federation, its FROM clauses.

The check parses the query with a real SPARQL parser (rdflib's, after SPARQL's own ``\\uXXXX``
escapes are expanded, as every engine does) and walks the parse tree for ``SERVICE``: a
``SERVICE`` hidden in comments, strings or escapes is found as the engine would find it, and
a word "service" inside a string, an IRI or a comment is not mistaken for one. A query the
parser cannot read is refused only when its text holds the letters ``SERVICE`` at all (no
parser can read a ``SERVICE`` clause without them); otherwise the engine gives its own syntax
error. Before parsing, the size and the bracket nesting are bounded, so that neither the
parser nor the engine recurses without limit (5,000 nested ``{}`` used to crash the engine).

.. warning::
   This is the one gate for user-supplied SPARQL: the CLI (``qgkg query``) and the web's query
   workers (``graph.query.service``) call ``check_query`` before running a query.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from typing import Any

from qgkg.errors import QueryError

MAX_QUERY_BYTES = 512 * 1024  # a query text over this is refused (the web's own body limit is 1 MiB)
MAX_NESTING = 64  # brackets ({, (, [) open at once; analysts' queries stay under 10
MAX_OPERATORS = 1000  # operators (UNION, ||, +, !, /, ...): the engine nests a chain of them as deep as it is long
_PARSE_STACK = 256 * 1024 * 1024  # the parser's thread: rdflib's grammar recurses ~60 frames per bracket
_PARSE_RECURSION = 30_000

_OPEN = {"{": "}", "(": ")", "[": "]"}
_CLOSE = {"}", ")", "]"}
_SKIP = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\""  # long strings
    r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""  # short strings
    r"|<[^<>\"{}|^`\\\s]*>"  # IRIs
    r"|#[^\n]*",  # comments
    re.S,
)
_SERVICE_WORD = re.compile(r"service", re.I)
_parse_lock = threading.Lock()


@dataclass(frozen=True)
class CheckedQuery:
    """What the check learnt of a query: its ``FROM`` and ``FROM NAMED`` graphs (None when it has none)."""

    from_graphs: tuple[str, ...] | None = None
    from_named: tuple[str, ...] | None = None

    @property
    def has_dataset(self) -> bool:
        """True when the query names its own dataset."""
        return self.from_graphs is not None or self.from_named is not None


def check_query(sparql: str) -> CheckedQuery:
    """Refuse an over-long or over-nested query and any ``SERVICE``; return the query's dataset clauses.

    Raises:
        QueryError: one line saying why the query is refused.

    >>> check_query("SELECT * FROM <http://g> WHERE { ?s ?p ?o }").from_graphs
    ('http://g',)
    """
    size = len(sparql.encode("utf-8", "surrogatepass"))
    if size > MAX_QUERY_BYTES:
        raise QueryError(f"the query is too long ({size:,} bytes; the limit is {MAX_QUERY_BYTES:,})")
    expanded = _expand_escapes(sparql)
    depth = nesting_depth(expanded)
    if depth > MAX_NESTING:
        raise QueryError(f"the query nests brackets {depth:,} deep; the limit is {MAX_NESTING}")
    ops = operator_count(expanded)
    if ops > MAX_OPERATORS:
        raise QueryError(f"the query chains {ops:,} operators (UNION, ||, +, !, / ...); the limit is {MAX_OPERATORS:,}")
    parsed = _parse(expanded)
    if parsed is None:  # the parser could not read it: the engine will say why, unless it could hide a SERVICE
        if _SERVICE_WORD.search(expanded):
            raise QueryError("SERVICE is not allowed: the store makes no outbound requests "
                             "(the query could not be checked, and it contains the word SERVICE)")
        return CheckedQuery()
    tree, dataset = parsed
    if _has_service(tree):
        raise QueryError("SERVICE is not allowed: the store makes no outbound requests")
    return dataset


def nesting_depth(sparql: str) -> int:
    """The deepest bracket nesting of a query, strings, IRIs and comments left out.

    >>> nesting_depth('SELECT * WHERE { FILTER((1)) "{{{" }')
    3
    """
    text = _SKIP.sub(" ", sparql)
    depth = deepest = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
    return deepest


_TOKEN = re.compile(
    r"[?$][\w\u00b7-\uffff]+"  # variables
    r"|[A-Za-z_\u00c0-\uffff][\w.\-\u00b7-\uffff]*:[\w.\-:%\u00b7-\uffff]*|:[\w.\-:%\u00b7-\uffff]*"  # names
    r"|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\^\^|@[A-Za-z0-9-]+"  # numbers, datatype and language marks
    r"|(?P<op>\bUNION\b|\|\||&&|[-+*/|^!])"  # operators
    r"|[A-Za-z_]\w*",  # keywords
    re.I,
)


def operator_count(sparql: str) -> int:
    """How many operators a query chains, strings, IRIs, comments and names left out.

    >>> operator_count('SELECT * WHERE { ?a ex:has-part ?b FILTER(?b - 1 > -2 || !?c) } # a-b')
    5
    """
    return sum(1 for m in _TOKEN.finditer(_SKIP.sub(" ", sparql)) if m.group("op"))


def _expand_escapes(sparql: str) -> str:
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    try:
        return str(expandUnicodeEscapes(sparql))
    except (ValueError, OverflowError) as exc:
        raise QueryError(f"SPARQL syntax error: bad \\u escape ({exc})") from None


def _parse(sparql: str) -> tuple[Any, CheckedQuery] | None:
    """rdflib's parse tree of the query and its dataset clauses, or None when rdflib cannot read it
    (parsed on a thread with a deep stack)."""
    from rdflib.plugins.sparql.parser import parseQuery

    out: list[Any] = [None]

    def work() -> None:
        try:
            parsed = parseQuery(sparql)
            out[0] = (parsed, _dataset_clauses(parsed))
        except Exception:  # noqa: BLE001 - any failure of the parser means "not readable here"
            out[0] = None

    with _parse_lock:
        sys.setrecursionlimit(max(sys.getrecursionlimit(), _PARSE_RECURSION))
        old = threading.stack_size()
        threading.stack_size(_PARSE_STACK)
        try:
            thread = threading.Thread(target=work, name="qgkg-sparql-check", daemon=True)
            thread.start()
        finally:
            threading.stack_size(old)
        thread.join()
    return out[0]


def _has_service(node: Any) -> bool:
    """True when any node of the parse tree is a SERVICE pattern (walked without recursion)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern":
                return True
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(list(item))
    return False


def _dataset_clauses(parsed: Any) -> CheckedQuery:
    """The query's FROM and FROM NAMED IRIs, prefixed names resolved by rdflib's algebra translation."""
    from rdflib.plugins.sparql.algebra import translateQuery

    clauses = dict.get(parsed[1], "datasetClause") if len(parsed) > 1 else None
    if not clauses:
        return CheckedQuery()
    try:
        clauses = dict.get(translateQuery(parsed).algebra, "datasetClause") or clauses
    except Exception:  # noqa: BLE001 - the engine reports what is wrong with the query (an unknown prefix...)
        return CheckedQuery()
    default = tuple(str(c["default"]) for c in clauses if dict.get(c, "default") is not None)
    named = tuple(str(c["named"]) for c in clauses if dict.get(c, "named") is not None)
    return CheckedQuery(default, named)


_FROM_WORD = re.compile(r"\bfrom\b", re.I)


def query_dataset(sparql: str) -> CheckedQuery:
    """The ``FROM`` / ``FROM NAMED`` graphs of a query (parsed only when FROM is there as a word).

    >>> query_dataset("SELECT * FROM NAMED <http://g> WHERE { GRAPH ?g { ?s ?p ?o } }").from_named
    ('http://g',)
    """
    if "\\" not in sparql and not _FROM_WORD.search(_SKIP.sub(" ", sparql)):
        return CheckedQuery()  # no FROM keyword outside strings, IRIs and comments: nothing to parse
    expanded = _expand_escapes(sparql)
    if not _FROM_WORD.search(expanded) or nesting_depth(expanded) > MAX_NESTING:
        return CheckedQuery()
    parsed = _parse(expanded)
    return parsed[1] if parsed is not None else CheckedQuery()
