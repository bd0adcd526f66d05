"""Parameters of a query: checked against a canned query's header, and bound into the SPARQL text as a
one-row ``VALUES`` joined into the query's groups; and ``SERVICE`` refused.

Both backends bind canned-query parameters this way (pyoxigraph's own ``substitutions``
would need every bound variable in the SELECT projection, and remote servers have none),
so the embedded and the remote store give the same answers. Terms are serialised by
pyoxigraph, never pasted from user text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from graph.queries import CannedQuery
from graph.store.guard import check_query
from graph.store.values import Value, to_term
from qgkg.errors import QueryError

_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|^`\\]*$")
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def check_query_allowed(sparql: str) -> None:
    """Refuse SERVICE, and over-long or over-nested queries, by parsing them (``graph.store.guard``)."""
    check_query(sparql)


def check_params(query: CannedQuery, params: Mapping[str, object]) -> dict[str, Value]:
    """User parameters of a canned query as terms, checked against its header (names, kinds, required ones)."""
    values: dict[str, Value] = {}
    for name, raw in params.items():
        if raw is None or raw == "":
            continue
        p = query.param(name)
        text = str(raw).strip()
        if p.kind == "iri":
            if not _IRI.match(text):
                raise QueryError(f"parameter {name}: not an IRI: {text!r}")
            values[name] = Value("iri", text)
        elif p.kind in ("integer", "year"):
            if not re.fullmatch(r"-?\d+", text):
                raise QueryError(f"parameter {name}: not an integer: {text!r}")
            values[name] = Value("literal", text, None, XSD_INTEGER)
        else:
            values[name] = Value("literal", text)
    missing = [p.name for p in query.params if not p.optional and p.name not in params]
    if missing:
        raise QueryError(f"query {query.name!r} needs parameter(s): {', '.join(missing)}")
    return values


def substitutions(values: Mapping[str, Value]) -> dict[ox.Variable, Any]:
    """Terms by variable, as ``inject_values`` (and pyoxigraph) take them."""
    return {ox.Variable(name): to_term(v) for name, v in values.items()}


def bind_params(query: CannedQuery, params: Mapping[str, object]) -> dict[ox.Variable, Any]:
    """User parameters as pyoxigraph substitutions (for ``GraphStore.raw_query``), checked as ``check_params`` does."""
    return substitutions(check_params(query, params))


def value_params(params: Mapping[str, object]) -> dict[str, Value]:
    """Plain Python values as terms: a ``Value`` as it is, an http(s) string as an IRI, a bool or an int typed."""
    out: dict[str, Value] = {}
    for name, value in params.items():
        if isinstance(value, Value):
            out[name] = Value("iri", value.value) if value.is_iri else Value("literal", value.value)
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            out[name] = Value("iri", value)
        elif isinstance(value, bool):
            out[name] = Value("literal", str(value).lower(), None, XSD_BOOLEAN)
        elif isinstance(value, int):
            out[name] = Value("literal", str(value), None, XSD_INTEGER)
        else:
            out[name] = Value("literal", str(value))
    return out

_SKIP = re.compile(
    r"""'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>\s]*>|\#[^\n]*""",
    re.DOTALL,
)
_STRUCTURE = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|WHERE)\b|[{}]", re.IGNORECASE)


def _outer_where_brace(sparql: str) -> int:
    """Offset of the ``{`` that opens the outermost WHERE group (after a CONSTRUCT template)."""
    blanked = _SKIP.sub(lambda m: " " * len(m.group(0)), sparql)
    form = ""
    depth = 0
    template_done = False
    where_seen = False
    for m in _STRUCTURE.finditer(blanked):
        token = m.group(0).upper()
        if token == "{":
            if depth == 0 and (where_seen or form != "CONSTRUCT" or template_done):
                return m.start()
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0 and form == "CONSTRUCT":
                template_done = True
        elif depth == 0:
            if token == "WHERE":
                where_seen = True
            elif not form:
                form = token
    raise QueryError("cannot bind parameters: the query has no WHERE group")


def _group_braces(sparql: str) -> list[int]:
    """Offsets of the ``{`` of every group graph pattern of the query (WHERE clause and below).

    Skipped: a CONSTRUCT template, ``VALUES`` data blocks, and a group that only holds a
    sub-SELECT (whose own WHERE group is listed instead).
    """
    blanked = _SKIP.sub(lambda m: " " * len(m.group(0)), sparql)
    start = _outer_where_brace(sparql)
    found = []
    for m in re.finditer(r"\{", blanked[start:]):
        at = start + m.start()
        before = blanked[:at].rstrip()
        if re.search(r"\bVALUES\s*(?:[?$]\w+|\([^()]*\))$", before, re.IGNORECASE):
            continue
        if re.search(r"\b(?:OPTIONAL|MINUS)$", before, re.IGNORECASE):
            # the group is the right side of a left join (or a minus): the binding reaches it
            # through the join, and a VALUES inside would make the engine evaluate it unbound first
            continue
        if re.match(r"\s*SELECT\b", blanked[at + 1 :], re.IGNORECASE):
            continue
        found.append(at)
    return found


def inject_values(sparql: str, substitutions: Mapping[ox.Variable, Any]) -> str:
    """Emulate pyoxigraph ``substitutions`` on a remote server: ``VALUES`` at the top of every group.

    Joining a one-row ``VALUES`` into every group (sub-SELECTs included) binds the
    variable wherever it is in scope, as SEP-0007's substitution does; it differs only
    for ``MINUS`` groups that share no other variable, and for ``BIND … AS`` the variable.

    >>> inject_values("SELECT ?x WHERE { ?x ?p ?city }", {ox.Variable("city"): ox.NamedNode("http://e/c")})
    'SELECT ?x WHERE { VALUES ?city { <http://e/c> } ?x ?p ?city }'
    """
    if not substitutions:
        return sparql
    values = " ".join(f"VALUES ?{var.value} {{ {term} }}" for var, term in substitutions.items())
    try:
        braces = _group_braces(sparql)
    except QueryError:
        if re.match(r"\s*(PREFIX|BASE|DESCRIBE)\b", sparql, re.IGNORECASE) and re.search(
            r"\bDESCRIBE\b", sparql, re.IGNORECASE
        ):
            return f"{sparql.rstrip()} WHERE {{ {values} }}"
        raise
    out = sparql
    for at in reversed(braces):
        out = f"{out[: at + 1]} {values}{out[at + 1 :]}"
    return out
