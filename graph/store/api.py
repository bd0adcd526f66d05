"""The store API: what every backend offers, with plain Python values (nothing above sees the engine).

``query`` returns a ``Results`` (``graph.store.results``); ``select`` runs a canned query (a
``graph/queries/*.rq`` file) and returns rows of ``Value``; ``dump`` writes the whole graph.
Which graphs a query sees is ``graph.store.dataset``'s rule; parameters are bound by
``graph.store.binding``.

.. warning::
   ``query`` runs user-supplied SPARQL: ``SERVICE`` is refused by the callers that take user
   text (``check_query_allowed``), but there is no time limit on the embedded store (pyoxigraph
   cannot cancel a query). The web app runs user queries in worker processes that can be
   stopped (``graph.query.service``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from graph.queries import get_query
from graph.store.binding import check_params, inject_values, substitutions, value_params
from graph.store.dataset import UNION, Dataset
from graph.store.formats import RdfFormat
from graph.store.results import Results
from graph.store.values import Value

REFERENCE_GRAPH_PATH = "graph/reference"


def reference_graph_iri(base: str) -> str:
    """The IRI of the reference graph (ontology, programme scheme, shared entities)."""
    return base + REFERENCE_GRAPH_PATH


class GraphStore(ABC):
    """What every backend offers: SPARQL over the union of all graphs, and dumps."""

    base: str
    version: Path | None = None  # the version folder an embedded store reads (None: a remote store)

    @abstractmethod
    def _run(self, sparql: str, dataset: Dataset) -> Any:
        """Run SPARQL text over ``dataset``: the engine's result, or an iterator of its triples."""

    def query(self, sparql: str, *, params: Mapping[str, Value] | None = None, dataset: Dataset = UNION) -> Results:
        """Run SPARQL with ``params`` bound (as a one-row ``VALUES``) over ``dataset``."""
        return Results.of(self._run(bound_text(sparql, params), dataset.for_query(sparql)))

    def raw_query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[Any, Any] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Any:
        """The engine's own result object (pyoxigraph ``QuerySolutions``, ``QueryBoolean`` or
        ``QueryTriples``), for tests that compare backends term by term; code uses ``query``."""
        # Bound as one-row VALUES joined into every group, the same way on both backends, so both
        # give the same answers (pyoxigraph's own ``substitutions`` would need every bound
        # variable in the SELECT projection, and a remote server has none).
        text = inject_values(sparql, substitutions) if substitutions else sparql
        return self._run(text, Dataset.of(default_graph, named_graphs).for_query(sparql))

    def source_path(self, sha256: str) -> Path | None:
        """The kept bytes a plan was read from (``sources/<sha256>`` on this machine), or None."""
        return None

    @abstractmethod
    def dump(self, out: IO[bytes], fmt: RdfFormat) -> int:
        """Write the whole graph to ``out``; return the number of statements written."""

    @abstractmethod
    def close(self) -> None:
        """Release the store."""

    # --- plain-value helpers ---------------------------------------------------------------

    def select_query(self, sparql: str, **params: object) -> list[dict[str, Value]]:
        """Run a SELECT; rows map variable names to ``Value`` (unbound variables are absent)."""
        return self.query(sparql, params=value_params(params)).dicts()

    def select(self, name: str, **params: object) -> list[dict[str, Value]]:
        """Run the canned query ``name`` (a ``graph/queries/*.rq`` file) with bound parameters."""
        query = get_query(name)
        return self.query(query.text, params=check_params(query, params)).dicts()

    def dicts(self, name: str, **params: object) -> list[dict[str, str]]:
        """Like ``select`` with every value as a string."""
        return [{k: v.value for k, v in row.items()} for row in self.select(name, **params)]

    def ask(self, sparql: str) -> bool:
        """Run an ASK query."""
        return bool(self.query(sparql).boolean)

    def count_triples(self) -> int:
        """Number of statements in all graphs."""
        rows = self.select_query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"].value) if rows else 0


def bound_text(sparql: str, params: Mapping[str, Value] | None) -> str:
    """``sparql`` with ``params`` joined in as one-row ``VALUES`` (both backends bind this way)."""
    return inject_values(sparql, substitutions(params)) if params else sparql
