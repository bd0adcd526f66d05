"""Answering queries: the web's time-limited service, result writers, and canned answers from the build's tables.

* ``service``: user SPARQL in worker processes, killed past the time limit (``QueryService``)
* ``admission``: who may use a worker now: a per-client limit, a bounded queue, fair hand-off (429/503)
* ``results``: SPARQL results writers (JSON, XML, CSV, TSV) over rows cut at the result limit
* ``canned``: the whole-graph analyst queries answered from ``network.sqlite`` (``CannedAnswers`` wraps a store)
* ``order``: ORDER BY as Oxigraph does it
"""
