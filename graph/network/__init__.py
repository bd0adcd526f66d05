"""The collaboration network: agencies linked when they co-lead an activity, weighted by how many.

* ``collaboration``: ``NetworkFilter`` and ``build_network`` / ``build_bipartite`` (networkx graphs)
* ``source``: the rows they read (the version's network tables, or SPARQL for a remote store)
* ``figures``: centralities and communities; ``draw``: a deterministic layout; ``export``: GEXF, GraphML, CSV, JSON
* ``diffusion``: where and when each programme appears
"""
