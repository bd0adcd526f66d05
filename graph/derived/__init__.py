"""The side tables a build writes into each version, as post-build steps (``graph.build.steps``).

* ``stats``: ``stats.json``, the home page's statistics (``write_stats``)
* ``network_tables``: ``network.sqlite``, network tables and the canned answers' facts (``write_network_tables``)
* ``dumps``: the dumps' chunks and index (``write_dumps``), with ``chunk_writer`` and ``reference_parts``
* ``search_index``: ``search.sqlite``, the full-text index of labels (``write_search_index``)

Each step updates the previous version's output with what the build changed (``BuildDelta``).
The shell passes them to the build (``qgkg.build.POST_BUILD_STEPS``).
"""
