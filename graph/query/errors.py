"""SPARQL syntax errors as one readable sentence, with the offending line and a caret.

The engine says ``error at 1:34: expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' …``;
the analyst reads::

    SPARQL syntax error at line 1, column 21: the prefix 'foo:' is not declared (declare it
    with PREFIX foo: <…>; predeclared: qg, id, skos, …).
      SELECT * WHERE { ?a foo:leadAgency ?b }
                          ^
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from qgkg.errors import QueryError

_AT = re.compile(r"error at (\d+):(\d+):?\s*(.*)", re.S)
_SKIP = re.compile(
    r"""'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>\s]*>|\#[^\n]*""", re.S
)
_PNAME = re.compile(r"(?<![\w?$:.\-])([A-Za-z][\w.\-]*)?:(?=[\w\-%\\]|\s|[;,.)}\]]|$)")
_DECL = re.compile(r"\bPREFIX\s+([A-Za-z][\w.\-]*)?:", re.I)


class QuerySyntaxError(QueryError):
    """A query the engine could not parse: where, why, and the line with a caret."""

    def __init__(self, line: int, column: int, reason: str, source_line: str) -> None:
        self.line, self.column, self.reason, self.source_line = line, column, reason, source_line
        self.sentence = f"SPARQL syntax error at line {line}, column {column}: {reason}."
        Exception.__init__(self, f"{self.sentence}\n  {source_line}\n  {caret(source_line, column)}")


def caret(source_line: str, column: int) -> str:
    """A caret under the ``column``-th character (1-based) of ``source_line``; wide characters count twice.

    >>> caret("上海 x", 4)
    '     ^'
    """
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in source_line[: max(column - 1, 0)])
    return " " * width + "^"


def _blank(sparql: str) -> str:
    return _SKIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), sparql)


def undeclared_prefix(sparql: str, known: Iterable[str]) -> tuple[int, int, str] | None:
    """The first prefixed name whose prefix is neither declared in ``sparql`` nor in ``known``: (line, column, prefix).

    >>> undeclared_prefix("SELECT * {\\n ?a foo:b ?c }", ["qg"])
    (2, 5, 'foo')
    """
    blanked = _blank(sparql)
    declared = set(known) | {m.group(1) or "" for m in _DECL.finditer(blanked)}
    for m in _PNAME.finditer(blanked):
        prefix = m.group(1) or ""
        if prefix not in declared and not re.match(r"\s*PREFIX\s*$", blanked[max(0, m.start() - 12) : m.start()], re.I):
            line = blanked.count("\n", 0, m.start()) + 1
            column = m.start() - (blanked.rfind("\n", 0, m.start()) + 1) + 1
            return line, column, prefix
    return None


def _expected(items: str) -> str:
    """The engine's list of expected tokens, in words."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current = ""
    for ch in items:
        if ch == '"':
            quoted = not quoted
        elif ch == "[" and not quoted:
            depth += 1
        elif ch == "]" and not quoted:
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    words: list[str] = []
    for part in parts:
        if not part or part == "[_]":
            continue
        if part.startswith("["):
            word = "a name" if "'A'" in part or "'0'" in part else "one of " + " ".join(re.findall(r"'([^']+)'", part))
        elif part == "IRI parsing failed":
            word = "a valid IRI"
        elif part == "Prefix not found":
            word = "a declared prefix"
        else:
            word = part.strip('"')
            word = f"'{word}'" if not word.isalpha() else word
        if word not in words:
            words.append(word)
    if not words:
        return "the query cannot be read here"
    if len(words) > 6:
        return "the text here cannot be read (expected " + ", ".join(words[:6]) + " …)"
    if len(words) == 1:
        return f"expected {words[0]}"
    return "expected " + ", ".join(words[:-1]) + " or " + words[-1]


def syntax_error(message: str, sparql: str, *, line_offset: int = 0, known_prefixes: Iterable[str] = ()) -> QueryError:
    """A ``QuerySyntaxError`` from the engine's message about ``sparql`` (the user's text, without the
    ``line_offset`` lines put before it); a plain ``QueryError`` when the message names no place."""
    known = list(known_prefixes)
    lines = sparql.splitlines() or [""]
    missing = undeclared_prefix(sparql, known)
    if missing is not None:
        line, column, prefix = missing
        hint = ", ".join(known)
        reason = f"the prefix '{prefix}:' is not declared (add PREFIX {prefix}: <…>" + (
            f"; predeclared: {hint})" if hint else ")"
        )
        return QuerySyntaxError(line, column, reason, lines[line - 1] if line <= len(lines) else "")
    m = _AT.search(" ".join(message.split()) if "\n" in message else message)
    if not m:
        return QueryError(f"SPARQL syntax error: {message}")
    line = max(1, int(m.group(1)) - line_offset)
    column = int(m.group(2))
    reason = _expected(m.group(3).removeprefix("expected one of").removeprefix("expected").strip())
    if line > len(lines):
        line, column = len(lines), len(lines[-1]) + 1
        reason = f"the query ends too early ({reason})"
    return QuerySyntaxError(line, column, reason, lines[line - 1])
