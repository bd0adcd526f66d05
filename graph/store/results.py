"""What a query gives, engine-free: solutions (variables and rows), a boolean, or triples.

``GraphStore.query`` returns a ``Results``; nothing above ``graph.store`` sees the engine's
result objects. A ``Results`` from the engine is streamed (its rows or triples can be read
once); one made from rows (``Results.from_rows``, e.g. the canned answers of
``graph.query.canned``) serialises exactly as the engine's would, through the engine's own
results writer, without a store.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

import pyoxigraph as ox

from graph.store.formats import RdfFormat, ResultFormat
from graph.store.values import PREFIXES, Value, to_term, to_value
from qgkg.errors import QueryError, StoreError

SOLUTIONS, BOOLEAN, GRAPH = "solutions", "boolean", "graph"
Triple = tuple[Value, Value, Value]


def is_damage(exc: BaseException) -> bool:
    """True for Oxigraph's report of a damaged data file (RocksDB's ``Corruption`` or an I/O error)."""
    text = str(exc)
    return isinstance(exc, OSError) or text.startswith("Corruption") or "IO error" in text


def damage_error(exc: BaseException) -> StoreError:
    """The one line for a read that met damaged data (RocksDB's message names the file)."""
    return StoreError(f"the store's Oxigraph data is damaged ({' '.join(str(exc).split())[:400]}); "
                      "'qgkg check-store' checks every file, 'qgkg store rollback VERSION' restores an earlier one")


@contextmanager
def engine_reads() -> Iterator[None]:
    """Turn a damaged-data error of the engine, met while results are read, into a one-line ``StoreError``."""
    try:
        yield
    except (RuntimeError, OSError) as exc:
        if is_damage(exc):
            raise damage_error(exc) from None
        raise


class Results:
    """The answer to one query: ``kind`` is ``solutions``, ``boolean`` or ``graph``."""

    def __init__(self, kind: str, *, variables: Sequence[str] = (), boolean: bool | None = None,
                 native: Any = None, rows: Iterable[dict[str, Value]] | None = None,
                 triples: Iterable[Any] | None = None) -> None:
        self.kind = kind
        self.variables = tuple(variables)
        self.boolean = boolean
        self._native = native  # the engine's QuerySolutions or QueryBoolean
        self._rows = rows  # rows of Values (from_rows)
        self._triples = triples  # pyoxigraph triples

    @classmethod
    def of(cls, result: Any) -> Results:
        """Results from the engine's result object, or from an iterable of pyoxigraph triples."""
        if isinstance(result, ox.QuerySolutions):
            return cls(SOLUTIONS, variables=[v.value for v in result.variables], native=result)
        if isinstance(result, ox.QueryBoolean):
            return cls(BOOLEAN, boolean=bool(result), native=result)
        return cls(GRAPH, triples=result)

    @classmethod
    def from_rows(cls, variables: Sequence[str], rows: Iterable[dict[str, Value]]) -> Results:
        """Solutions from rows of values (unbound variables absent)."""
        return cls(SOLUTIONS, variables=variables, rows=rows)

    def rows(self) -> Iterator[tuple[Value | None, ...]]:
        """The solutions, one tuple a row in the order of ``variables`` (None: unbound)."""
        self._expect(SOLUTIONS)
        if self._rows is not None:
            for row in self._rows:
                yield tuple(row.get(v) for v in self.variables)
            return
        width = range(len(self.variables))
        with engine_reads():
            for solution in self._native:
                yield tuple(to_value(solution[i]) for i in width)

    def dicts(self) -> list[dict[str, Value]]:
        """The solutions as dicts of the bound variables."""
        return [{v: x for v, x in zip(self.variables, row, strict=True) if x is not None} for row in self.rows()]

    def triples(self) -> Iterator[Triple]:
        """The triples of a CONSTRUCT or DESCRIBE."""
        self._expect(GRAPH)
        with engine_reads():
            for t in self._triples or ():
                yield (to_value(t.subject), to_value(t.predicate), to_value(t.object))  # type: ignore[misc]

    def serialize(self, out: IO[bytes], fmt: ResultFormat | RdfFormat | Any) -> None:
        """Write the whole result: solutions and booleans in a results format, triples in an RDF format
        (an engine format is taken as it is)."""
        target = fmt.oxigraph if isinstance(fmt, ResultFormat | RdfFormat) else fmt
        if self.kind == GRAPH:
            with engine_reads():
                ox.serialize(self._triples or (), out, target)
        elif self._native is not None:
            with engine_reads():
                self._native.serialize(out, target)
        else:  # rows: through the engine's results parser, so the bytes are the engine's
            self._parsed().serialize(out, target)

    def _parsed(self) -> Any:
        bindings = [{v: x.sparql_json() for v, x in zip(self.variables, row, strict=True) if x is not None}
                    for row in self.rows()]
        doc = {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}
        return ox.parse_query_results(io.BytesIO(json.dumps(doc).encode("utf-8")), ox.QueryResultsFormat.JSON)

    def _expect(self, kind: str) -> None:
        if self.kind != kind:
            raise QueryError(f"expected a {'SELECT' if kind == SOLUTIONS else 'CONSTRUCT or DESCRIBE'} query")


def solutions_to_rows(result: Results | Any) -> list[dict[str, Value]]:
    """SELECT solutions (``Results`` or the engine's object) as rows of ``Value`` (unbound variables absent)."""
    results = result if isinstance(result, Results) else Results.of(result)
    if results.kind != SOLUTIONS:
        raise QueryError("expected a SELECT query")
    return results.dicts()


def write_triples(triples: Iterable[Triple], fmt: RdfFormat, *, prefixes: bool = False) -> bytes:
    """Triples of values serialised in ``fmt`` (with qgkg's prefixes where the format has them)."""
    terms = [ox.Triple(to_term(s), to_term(p), to_term(o)) for s, p, o in triples]
    return ox.serialize(terms, format=fmt.oxigraph, prefixes=PREFIXES if prefixes else None) or b""
