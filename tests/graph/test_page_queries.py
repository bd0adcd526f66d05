"""The page queries rewritten for speed give the rows of their plain formulation."""

from __future__ import annotations

from pathlib import Path

from graph.store import EmbeddedStore
from qgkg.config import DEFAULT_BASE

# page_plan_activities as first written: OPTIONALs of two patterns (a hash join over the whole store)
PLAIN_PLAN_ACTIVITIES = """
PREFIX qg: <https://w3id.org/qgkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?activity ?position ?marker ?title ?start ?end (GROUP_CONCAT(DISTINCT ?leadName; separator="、") AS ?leads)
WHERE {
  ?activity qg:plan <PLAN> ; qg:position ?position .
  OPTIONAL { ?activity qg:marker ?marker }
  OPTIONAL { ?activity rdfs:label ?title }
  OPTIONAL { ?activity qg:spanStart ?start ; qg:spanEnd ?end }
  OPTIONAL { ?activity qg:leadAgency/skos:prefLabel ?leadName }
}
GROUP BY ?activity ?position ?marker ?title ?start ?end
ORDER BY ?position
"""


def test_page_plan_activities_same_rows_as_plain_query(built_store: Path) -> None:
    store = EmbeddedStore(built_store, base=DEFAULT_BASE)
    plans = [r["p"].value for r in store.select_query("SELECT ?p WHERE { ?p a <https://w3id.org/qgkg/ontology#Plan> }")]
    assert len(plans) >= 5
    seen = []
    for plan in plans:
        rows = store.select("page_plan_activities", plan=plan)
        assert all(r.pop("plan").value == plan for r in rows)
        assert rows == store.select_query(PLAIN_PLAN_ACTIVITIES.replace("PLAN", plan)), plan
        seen += rows
    assert any("start" in r and "leads" in r and r["leads"].value for r in seen)  # spans and leads are compared
