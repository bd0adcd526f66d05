"""Which graphs a query sees: the one rule, used by the embedded store, the remote store and the web's query workers.

* Nothing given (``UNION``): the default graph is the union of every graph (each plan's named
  graph and the reference graph), and ``GRAPH ?g`` reaches every named graph.
* ``default_graphs`` given: the default graph is their union (an empty tuple: an empty default graph).
* Only ``named_graphs`` given: the default graph is empty, as the SPARQL 1.1 Protocol says of a
  request with ``named-graph-uri`` and no ``default-graph-uri``.
* ``named_graphs`` given: ``GRAPH`` reaches those graphs only.
* The query's own ``FROM`` / ``FROM NAMED`` clauses count exactly as ``default-graph-uri`` /
  ``named-graph-uri`` do, when the request names no graphs (the Protocol's graphs win when it
  does): ``FROM`` alone gives no named graphs, ``FROM NAMED`` alone an empty default graph
  (``Dataset.for_query``, applied by ``GraphStore.query`` on both backends).

An Oxigraph server is asked for its union default graph with ``union-default-graph``; another
SPARQL server gives its own default graph when nothing is named (see docs/REMOTE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset of a query: its default graph and the named graphs it may reach."""

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None

    @classmethod
    def of(cls, default: list[str] | tuple[str, ...] | None, named: list[str] | tuple[str, ...] | None) -> Dataset:
        """A dataset from optional lists of graph IRIs."""
        return cls(None if default is None else tuple(default), None if named is None else tuple(named))

    def for_query(self, sparql: str) -> Dataset:
        """The dataset a query runs over: this one, or, when this names no graphs, the query's FROM clauses.

        >>> UNION.for_query("SELECT * FROM <http://a> WHERE { ?s ?p ?o }")
        Dataset(default_graphs=('http://a',), named_graphs=())
        """
        if not self.is_union:
            return self
        from graph.store.guard import query_dataset

        clauses = query_dataset(sparql)
        if not clauses.has_dataset:
            return self
        return Dataset(clauses.from_graphs or (), clauses.from_named or ())

    @property
    def is_union(self) -> bool:
        """True when the default graph is the union of all graphs."""
        return self.default_graphs is None and self.named_graphs is None

    def oxigraph_options(self) -> dict[str, Any]:
        """The keyword arguments of ``pyoxigraph.Store.query`` for this dataset.

        >>> Dataset(named_graphs=("http://g",)).oxigraph_options()["default_graph"]
        []
        """
        options: dict[str, Any] = {}
        if self.default_graphs is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in self.default_graphs]
        elif self.named_graphs is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = []
        if self.named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(g) for g in self.named_graphs]
        return options

    def protocol_params(self, *, oxigraph: bool) -> list[tuple[str, str]]:
        """The URL parameters of a SPARQL 1.1 Protocol request for this dataset.

        >>> Dataset().protocol_params(oxigraph=True)
        [('union-default-graph', '')]
        """
        params: list[tuple[str, str]] = []
        if self.is_union and oxigraph:
            params.append(("union-default-graph", ""))
        params += [("default-graph-uri", g) for g in self.default_graphs or ()]
        params += [("named-graph-uri", g) for g in self.named_graphs or ()]
        return params


UNION = Dataset()
