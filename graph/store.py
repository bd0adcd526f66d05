"""The store behind a small, engine-free API: views and the CLI never import pyoxigraph.

On disk a store is a folder of immutable *versions*; a build writes a new version
(hard-linked from the previous one, so unchanged data is not copied) and switches
the ``current`` link to it only when it is complete::

    STORE/
      current -> versions/v0000000003     (a symlink, replaced atomically)
      versions/v0000000003/oxigraph/     the graph: one named graph per plan + the reference graph
      versions/v0000000003/contrib/      each plan's entity descriptions (named graph per plan),
                                         merged into the reference graph; kept apart because
                                         Oxigraph's union default graph does not de-duplicate
      versions/v0000000003/manifest.json plans, sources, sha256, counts, build time
      build.lock                         held by the one build that may run at a time

.. warning::
   ``query`` runs user-supplied SPARQL in this process: ``SERVICE`` is refused,
   but there is no time limit here (pyoxigraph cannot cancel a query). The web
   app runs user queries in worker processes that can be stopped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from graph.formats import RdfFormat, ResultFormat
from graph.queries import CannedQuery, get_query
from qgkg.config import Settings
from qgkg.errors import QueryError, StoreError

REFERENCE_GRAPH_PATH = "graph/reference"
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_VERSION = re.compile(r"^v(\d{10})$")


@dataclass(frozen=True)
class Value:
    """One RDF term as plain Python: ``kind`` is ``iri``, ``literal`` or ``bnode``."""

    kind: str
    value: str
    lang: str | None = None
    datatype: str | None = None

    def __str__(self) -> str:
        return self.value

    @property
    def is_iri(self) -> bool:
        """True for an IRI."""
        return self.kind == "iri"


def to_value(term: Any) -> Value | None:
    """A pyoxigraph term as a ``Value``."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Value("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return Value("bnode", term.value)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else None
        return Value("literal", term.value, term.language, dt)
    return Value("literal", str(term))


def reference_graph_iri(base: str) -> str:
    """The IRI of the reference graph (ontology, programme scheme, shared entities)."""
    return base + REFERENCE_GRAPH_PATH


def check_query_allowed(sparql: str) -> None:
    """Refuse SERVICE: the store makes no outbound request on a user's behalf."""
    if _SERVICE.search(_strip_strings_and_comments(sparql)):
        raise QueryError("SERVICE is not allowed: the store makes no outbound requests")


def _strip_strings_and_comments(sparql: str) -> str:
    sparql = re.sub(r"'''.*?'''|\"\"\".*?\"\"\"", " ", sparql, flags=re.S)
    sparql = re.sub(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", " ", sparql)
    sparql = re.sub(r"<[^<>\s]*>", " ", sparql)
    return re.sub(r"#[^\n]*", " ", sparql)


def bind_params(query: CannedQuery, params: Mapping[str, object]) -> dict[ox.Variable, Any]:
    """Turn user parameters into pyoxigraph substitutions, checking names and kinds."""
    subs: dict[ox.Variable, Any] = {}
    for name, raw in params.items():
        if raw is None or raw == "":
            continue
        p = query.param(name)
        text = str(raw).strip()
        if p.kind == "iri":
            if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|^`\\]*$", text):
                raise QueryError(f"parameter {name}: not an IRI: {text!r}")
            subs[ox.Variable(name)] = ox.NamedNode(text)
        elif p.kind in ("integer", "year"):
            if not re.fullmatch(r"-?\d+", text):
                raise QueryError(f"parameter {name}: not an integer: {text!r}")
            dt = "http://www.w3.org/2001/XMLSchema#integer"
            subs[ox.Variable(name)] = ox.Literal(text, datatype=ox.NamedNode(dt))
        else:
            subs[ox.Variable(name)] = ox.Literal(text)
    missing = [p.name for p in query.params if not p.optional and p.name not in params]
    if missing:
        raise QueryError(f"query {query.name!r} needs parameter(s): {', '.join(missing)}")
    return subs


class GraphStore(ABC):
    """What every backend offers: SPARQL over the union of all graphs, and dumps."""

    base: str

    @abstractmethod
    def raw_query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Any:
        """Run SPARQL and return the engine's result object (graph layer only)."""

    @abstractmethod
    def dump(self, out: IO[bytes], fmt: RdfFormat) -> int:
        """Write the whole graph to ``out``; return the number of statements written."""

    @abstractmethod
    def close(self) -> None:
        """Release the store."""

    # --- plain-value helpers ---------------------------------------------------------------

    def select_query(self, sparql: str, **params: object) -> list[dict[str, Value]]:
        """Run a SELECT; rows map variable names to ``Value`` (unbound variables are absent)."""
        result = self.raw_query(sparql, substitutions=_literal_subs(params))
        return solutions_to_rows(result)

    def select(self, name: str, **params: object) -> list[dict[str, Value]]:
        """Run the canned query ``name`` (a ``graph/queries/*.rq`` file) with bound parameters."""
        query = get_query(name)
        rows = self.materialized(query, params)
        if rows is not None:
            return rows
        result = self.raw_query(query.text, substitutions=bind_params(query, params))
        return solutions_to_rows(result)

    def materialized(self, query: CannedQuery, params: Mapping[str, object]) -> list[dict[str, Value]] | None:
        """The answer to a canned query from tables written at build time, or None to run the SPARQL."""
        return None

    def dicts(self, name: str, **params: object) -> list[dict[str, str]]:
        """Like ``select`` with every value as a string."""
        return [{k: v.value for k, v in row.items()} for row in self.select(name, **params)]

    def ask(self, sparql: str) -> bool:
        """Run an ASK query."""
        return bool(self.raw_query(sparql))

    def count_triples(self) -> int:
        """Number of statements in all graphs."""
        rows = self.select_query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"].value) if rows else 0

    def run_to(self, sparql: str, out: IO[bytes], fmt: ResultFormat | RdfFormat) -> None:
        """Run user SPARQL and serialise the result (SELECT/ASK: results format; graphs: RDF)."""
        check_query_allowed(sparql)
        result = self.raw_query(sparql)
        if isinstance(result, ox.QueryTriples):
            rdf = fmt if isinstance(fmt, RdfFormat) else RdfFormat.TTL
            result.serialize(out, rdf.oxigraph)
        else:
            res = fmt if isinstance(fmt, ResultFormat) else ResultFormat.JSON
            result.serialize(out, res.oxigraph)


def _literal_subs(params: Mapping[str, object]) -> dict[ox.Variable, Any]:
    subs: dict[ox.Variable, Any] = {}
    for name, value in params.items():
        if isinstance(value, Value):
            term: Any = ox.NamedNode(value.value) if value.is_iri else ox.Literal(value.value)
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            term = ox.NamedNode(value)
        elif isinstance(value, bool):
            term = ox.Literal(str(value).lower(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
        elif isinstance(value, int):
            term = ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        else:
            term = ox.Literal(str(value))
        subs[ox.Variable(name)] = term
    return subs


def solutions_to_rows(result: Any) -> list[dict[str, Value]]:
    """SELECT solutions as rows of ``Value`` (unbound variables are absent)."""
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("expected a SELECT query")
    names = [v.value for v in result.variables]
    rows: list[dict[str, Value]] = []
    for solution in result:
        row: dict[str, Value] = {}
        for name in names:
            v = to_value(solution[name])
            if v is not None:
                row[name] = v
        rows.append(row)
    return rows


# --- the on-disk layout ----------------------------------------------------------------------


class StoreDir:
    """The folder of versions behind an embedded store."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def versions(self) -> Path:
        """Where versions live."""
        return self.root / "versions"

    @property
    def current_link(self) -> Path:
        """The symlink naming the current version."""
        return self.root / "current"

    def current(self) -> Path | None:
        """The current version folder, or None when nothing was ever built."""
        link = self.current_link
        if not link.is_symlink():
            return None
        target = self.root / os.readlink(link)
        return target if (target / "manifest.json").is_file() else None

    def manifest(self) -> dict[str, Any]:
        """The current version's manifest (empty when there is none)."""
        cur = self.current()
        if cur is None:
            return {}
        data: dict[str, Any] = json.loads((cur / "manifest.json").read_text(encoding="utf-8"))
        return data

    def is_empty(self) -> bool:
        """True when no complete build exists."""
        return self.current() is None

    def new_version_path(self) -> Path:
        """A fresh, not yet existing version folder, numbered after every existing one."""
        self.versions.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in self.versions.iterdir() if (m := _VERSION.match(p.name))]
        return self.versions / f"v{max(numbers, default=0) + 1:010d}"

    def switch_to(self, version: Path) -> None:
        """Make ``version`` current, atomically (a new symlink renamed over the old one)."""
        tmp = self.root / f".current.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(version, self.root), tmp)
        os.replace(tmp, self.current_link)
        _fsync_dir(self.root)

    def prune(self, *, keep: int = 2) -> None:
        """Delete old and abandoned versions, keeping the current one and the ``keep - 1`` before it.

        A server that still has an older version open keeps reading it: on POSIX the
        files live until they are closed.
        """
        cur = self.current()
        if not self.versions.is_dir():
            return
        all_versions = sorted(p for p in self.versions.iterdir() if _VERSION.match(p.name))
        complete = [p for p in all_versions if (p / "manifest.json").is_file()]
        keep_set = set(complete[-keep:]) | ({cur} if cur else set())
        for p in all_versions:  # only one build runs at a time (the lock): no version is in progress
            if p not in keep_set:
                shutil.rmtree(p, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EmbeddedStore(GraphStore):
    """A read-only view of the current version of an on-disk store."""

    def __init__(self, root: Path, *, base: str) -> None:
        self.dir = StoreDir(root)
        self.base = base
        version = self.dir.current()
        if version is None:
            raise StoreError(f"{root}: no graph built yet (run 'qgkg build')")
        self.version = version
        try:
            self._store = ox.Store.read_only(str(version / "oxigraph"))
        except OSError as exc:
            raise StoreError(f"{version}: cannot open the store ({exc})") from exc
        self.manifest: dict[str, Any] = json.loads((version / "manifest.json").read_text(encoding="utf-8"))

    def materialized(self, query: CannedQuery, params: Mapping[str, object]) -> list[dict[str, Value]] | None:
        """Answer from the version's build-time tables (``graph.materialized``) when it can."""
        try:
            from graph.materialized import answer
        except ModuleNotFoundError as exc:
            if exc.name != "graph.materialized":
                raise
            return None
        return answer(self.version, query, params)

    def is_stale(self) -> bool:
        """True when a newer build has become current since this view was opened."""
        cur = self.dir.current()
        return cur is not None and cur != self.version

    def raw_query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Any:
        """Run SPARQL over the union of all graphs (or the given dataset)."""
        kwargs: dict[str, Any] = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            # Bound as one-row VALUES joined into every group, the same way as on a remote
            # store, so both backends give the same answers. pyoxigraph's own ``substitutions``
            # would need every bound variable in the SELECT projection.
            from graph.bind import inject_values

            sparql = inject_values(sparql, substitutions)
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except (RuntimeError, ValueError) as exc:
            raise QueryError(f"SPARQL query failed: {exc}") from exc

    def quads(self) -> Iterator[ox.Quad]:
        """Every statement, graph by graph."""
        return iter(self._store.quads_for_pattern(None, None, None, None))

    def dump(self, out: IO[bytes], fmt: RdfFormat) -> int:
        """Stream the whole graph; triple formats get the union of all graphs.

        A version with per-graph dump chunks (``graph.dumps``) streams them, decompressed;
        otherwise the store is serialized. Either way nothing grows with the dump.
        """
        streamed = _dump_from_chunks(self.version, out, fmt)
        if streamed is not None:
            return streamed
        counter = _Counter()
        if fmt.is_dataset:
            ox.serialize(counter.wrap(self.quads()), out, fmt.oxigraph, prefixes=PREFIXES)
        else:
            triples = (q.triple for q in self.quads())
            ox.serialize(counter.wrap(triples), out, fmt.oxigraph, prefixes=PREFIXES)
        return counter.n

    def close(self) -> None:
        """Drop the handle (pyoxigraph closes on garbage collection)."""
        self._store = None  # type: ignore[assignment]


def _dump_from_chunks(version: Path, out: IO[bytes], fmt: RdfFormat) -> int | None:
    """Copy the version's dump chunks of ``fmt`` to ``out``; None when the version has none."""
    from graph import dumps

    if fmt not in dumps.DUMP_FORMATS or not dumps.is_chunked(version):
        return None
    info = dumps.read_index(version)
    entry = next((f for f in (info or {}).get("files", []) if f["format"] == fmt.value), None)
    if entry is None:
        return None
    for block in dumps.iter_dump_text(version, fmt):
        out.write(block)
    return int(entry["triples"])


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def wrap(self, items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            self.n += 1
            yield item


PREFIXES = {
    "qg": "https://w3id.org/qgkg/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "time": "http://www.w3.org/2006/time#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def open_store(settings: Settings) -> GraphStore:
    """The store the settings name: a remote SPARQL endpoint or the embedded store."""
    if settings.endpoint:
        from graph.remote import RemoteStore

        return RemoteStore(settings)
    return EmbeddedStore(settings.store, base=settings.base)
