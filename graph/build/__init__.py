"""Building a store: scan the plan files, extract and validate them in workers, write a new version.

* ``scan``: which files changed (stat, sha256, extractor and shapes digests in the manifest)
* ``workers``: extraction and per-plan SHACL in worker processes (``FileResult``)
* ``write``: plan graphs, contributions and merged entity descriptions into Oxigraph; counts
* ``static``: the ontology and programme scheme in the reference graph
* ``reference``: SHACL of the merged descriptions, and the version's ``validation.json``
* ``steps``: ``BuildDelta`` and the post-build steps the shell passes in
* ``embedded``: ``build`` (a new version of an on-disk store); ``remote``: ``build_remote``
* ``lock``, ``report``: one build at a time; the summary it returns
"""

from __future__ import annotations

from graph.build.embedded import build
from graph.build.lock import BuildLock
from graph.build.report import BuildReport
from graph.build.scan import RACY_NS, find_plan_files, sha256_file
from graph.build.static import static_triples
from graph.build.steps import BuildDelta, PostBuildStep
from graph.build.workers import FileResult, extract_all, extract_one

__all__ = [
    "RACY_NS", "BuildDelta", "BuildLock", "BuildReport", "FileResult", "PostBuildStep", "build", "extract_all",
    "extract_one", "find_plan_files", "sha256_file", "static_triples",
]
