"""The canned queries: one ``.rq`` file per query in this package (``graph/queries/``), with a comment header.

A header looks like::

    # title: Agencies by number of activities led
    # description: Every lead organisation with the number of activities it leads.
    # param: city iri optional The city to restrict to (e.g. https://w3id.org/qgkg/id/city/shanghai)

``param`` lines declare ``name kind [optional] description``; ``kind`` is ``iri``,
``string``, ``integer`` or ``year``. Parameters are bound with pyoxigraph's
``substitutions`` (never pasted into the text): an optional parameter left out
stays unbound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from qgkg.errors import QueryError

_HEADER = re.compile(r"^#\s*(title|description|param):\s*(.*)$")
PARAM_KINDS = ("iri", "string", "integer", "year")


@dataclass(frozen=True)
class Param:
    """A declared query parameter."""

    name: str
    kind: str
    optional: bool
    description: str


@dataclass(frozen=True)
class CannedQuery:
    """One analyst query file."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str

    def param(self, name: str) -> Param:
        """The declared parameter ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        raise QueryError(f"query {self.name!r} has no parameter {name!r}")


def parse_query_file(name: str, text: str, *, require_header: bool = True) -> CannedQuery:
    """Read the header of a query file (without ``require_header``, a file with no header is titled by its name).

    >>> q = parse_query_file("x", "# title: T\\n# description: D\\n# param: a iri optional An IRI\\nSELECT * {}")
    >>> (q.title, q.params[0].kind, q.params[0].optional)
    ('T', 'iri', True)
    """
    fields: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            if line.strip() and not line.lstrip().startswith("#"):
                break
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "param":
            parts = value.split(None, 2)
            if len(parts) < 2 or parts[1] not in PARAM_KINDS:
                raise QueryError(f"{name}.rq: bad param line {value!r} (want: name kind [optional] description)")
            rest = parts[2] if len(parts) > 2 else ""
            optional = rest.startswith("optional")
            if optional:
                rest = rest[len("optional") :].strip()
            params.append(Param(parts[0], parts[1], optional, rest))
        else:
            fields[key] = value
    if not require_header:
        fields.setdefault("title", name)
        fields.setdefault("description", "")
    if "title" not in fields or "description" not in fields:
        raise QueryError(f"{name}.rq: header needs '# title:' and '# description:' lines")
    return CannedQuery(name, fields["title"], fields["description"], tuple(params), text)


@lru_cache(maxsize=1)
def canned_queries() -> dict[str, CannedQuery]:
    """Every query file of the package, by name (file stem), sorted."""
    folder = files(__name__)
    out: dict[str, CannedQuery] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            stem = entry.name[:-3]
            out[stem] = parse_query_file(stem, entry.read_text(encoding="utf-8"))
    return out


def get_query(name: str) -> CannedQuery:
    """The canned query ``name`` (file stem), or a QueryError listing the known ones."""
    queries = canned_queries()
    key = name[:-3] if name.endswith(".rq") else name
    if key not in queries:
        raise QueryError(f"no canned query {name!r} (known: {', '.join(queries)})")
    return queries[key]
