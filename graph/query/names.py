"""Query parameters given by name: ``--param city=上海市`` binds the same IRI as ``--param city=<…/city/shanghai>``.

A parameter named for a kind of entity (``city``, ``county``, ``province``, ``district``,
``jurisdiction``, ``agency``, ``programme`` …) takes an IRI, a zh-Hans or zh-Hant label, an
alias, an English name or a code; the name is looked up once with the ``entities_by_name``
query. No match, or more than one, is a ``QueryError`` that says so and names the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from graph.queries import CannedQuery, Param
from graph.store import GraphStore
from loaders.script import to_simplified
from qgkg.config import ONTOLOGY_NS
from qgkg.errors import QueryError

_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|^`\\]*$")
JURISDICTION = ONTOLOGY_NS + "Jurisdiction"
# parameter name -> the classes tried in turn (the first one with a match is used)
ENTITY_PARAMS: dict[str, tuple[str, ...]] = {
    "city": (ONTOLOGY_NS + "City", JURISDICTION),
    "county": (ONTOLOGY_NS + "County", JURISDICTION),
    "district": (ONTOLOGY_NS + "District", JURISDICTION),
    "province": (ONTOLOGY_NS + "Province", JURISDICTION),
    "jurisdiction": (JURISDICTION,),
    "where": (JURISDICTION,),
    "agency": (ONTOLOGY_NS + "Agency", "http://www.w3.org/ns/org#Organization"),
    "programme": (ONTOLOGY_NS + "Programme",),
}
MAX_NAMED = 8


def is_iri(text: str) -> bool:
    """True when ``text`` is written as an absolute IRI.

    >>> is_iri("https://w3id.org/qgkg/id/city/shanghai"), is_iri("上海市")
    (True, False)
    """
    return bool(_IRI.match(text.strip()))


def resolve_name(store: GraphStore, param: str, text: str) -> str:
    """The IRI of the one entity of the kind ``param`` names that is called ``text``."""
    want = text.strip()
    classes = ENTITY_PARAMS.get(param)
    if classes is None:
        raise QueryError(f"parameter {param}: not an IRI: {want!r}")
    for cls in classes:
        rows = store.select("entities_by_name", text=want, simplified=to_simplified(want), **{"class": cls})
        found = {r["entity"].value: (r["name"].value if "name" in r else "") for r in rows}
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            named = [f"{name or iri} <{iri}>" for iri, name in sorted(found.items())]
            more = f" and {len(named) - MAX_NAMED} more" if len(named) > MAX_NAMED else ""
            raise QueryError(
                f"parameter {param}: {want!r} names {len(found)} entities: {'; '.join(named[:MAX_NAMED])}{more}; "
                "give one of their IRIs or a fuller name"
            )
    kind = classes[0].rsplit("#", 1)[-1].lower()
    raise QueryError(
        f"parameter {param}: not an IRI, and no {kind} is called {want!r} (give its name, an alias or its IRI)"
    )


def resolve_params(store: GraphStore, query: CannedQuery, params: Mapping[str, str]) -> dict[str, str]:
    """``params`` with every entity parameter given by name replaced by the entity's IRI."""
    out = dict(params)
    for name, raw in params.items():
        if raw is None or str(raw).strip() == "" or name not in ENTITY_PARAMS:
            continue
        declared = next((p for p in query.params if p.name == name), None)
        if declared is not None and declared.kind != "iri":
            continue
        if not is_iri(str(raw)):
            out[name] = resolve_name(store, name, str(raw))
    return out


def plain_query(name: str, text: str, params: Mapping[str, str]) -> CannedQuery:
    """A query file without a header, with its parameters' kinds taken from the values given (all optional)."""
    declared = []
    for key, raw in params.items():
        value = str(raw).strip()
        if key in ENTITY_PARAMS or is_iri(value):
            kind = "iri"
        elif re.fullmatch(r"-?\d+", value):
            kind = "integer"
        else:
            kind = "string"
        declared.append(Param(key, kind, True, ""))
    return CannedQuery(name, name, "", tuple(declared), text)
