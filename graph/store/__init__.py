"""The engine face: the store API, the embedded and remote backends, versions, binding, formats.

Everything above ``graph.store`` reads and writes RDF through these names; only this package
(and the build's writers, which load the on-disk stores) imports pyoxigraph.

* ``api``: ``GraphStore`` (``query``, ``select``, ``dump``), ``reference_graph_iri``
* ``embedded``, ``remote``: the two backends; ``open_store`` picks one from the settings
* ``versions``, ``manifest``: the folder of versions, ``Version`` (every file of a version), ``Manifest``
* ``dataset``: which graphs a query sees; ``binding``: parameters and ``SERVICE``
* ``results``: ``Results``; ``values``: ``Value``, ``PREFIXES``; ``formats``: ``RdfFormat``, ``ResultFormat``
* ``chunks``: reading a version's dumps
"""

from __future__ import annotations

from graph.store.api import GraphStore, reference_graph_iri
from graph.store.binding import bind_params, check_params, check_query_allowed
from graph.store.dataset import UNION, Dataset
from graph.store.embedded import EmbeddedStore
from graph.store.manifest import Manifest
from graph.store.results import Results, solutions_to_rows
from graph.store.values import PREFIXES, Value
from graph.store.versions import StoreDir, Version
from qgkg.config import Settings

__all__ = [
    "PREFIXES", "UNION", "Dataset", "EmbeddedStore", "GraphStore", "Manifest", "Results", "StoreDir", "Value",
    "Version", "bind_params", "check_params", "check_query_allowed", "open_store", "reference_graph_iri",
    "solutions_to_rows",
]


def open_store(settings: Settings) -> GraphStore:
    """The store the settings name: a remote SPARQL endpoint or the embedded store."""
    if settings.endpoint:
        from graph.store.remote import RemoteStore

        return RemoteStore(settings)
    return EmbeddedStore(settings.store, base=settings.base)
