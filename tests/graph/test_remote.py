"""The remote store against real servers (Oxigraph server, Virtuoso 7): the same answers as the embedded store."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.build.remote import build_remote
from graph.queries import canned_queries
from graph.store import EmbeddedStore, bind_params
from graph.store.binding import inject_values
from graph.store.formats import RdfFormat
from graph.store.remote import RemoteStore, derive_endpoints
from qgkg.config import Settings
from qgkg.errors import QueryError, StoreError
from tests.graph.sparql_servers import RemoteBuild, free_port

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def both(remote_build: RemoteBuild) -> tuple[EmbeddedStore, RemoteStore]:
    """The bundled corpus in the embedded store and in the server (Oxigraph server, then Virtuoso 7)."""
    settings = Settings(store=remote_build.local, endpoint=remote_build.url)
    return EmbeddedStore(remote_build.embedded, base=settings.base), RemoteStore(settings)


def _term(term: object) -> str:
    """A term as compared across servers: blank nodes made alike, literals lower-cased (Virtuoso gives
    language tags in another case), and an empty simple literal taken as unbound (Virtuoso's
    GROUP_CONCAT of nothing is ``""`` where Oxigraph leaves the variable unbound: both show as empty)."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal):
        return "" if str(term) == '""' else str(term).lower()
    return str(term)


def _sampled(text: str) -> set[str]:
    """The variables a query binds with ``SAMPLE``: any one value of the group is a right answer."""
    return set(re.findall(r"SAMPLE\s*\([^()]*\)\s+AS\s+\?(\w+)", text, re.IGNORECASE))


def _concatenated(text: str) -> dict[str, str]:
    """The variables a query binds with ``GROUP_CONCAT``, with their separators: the order of the
    joined values is left to the engine, so they are compared sorted."""
    found = re.findall(r'GROUP_CONCAT\s*\([^()]*?separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', text,
                       re.IGNORECASE)
    return {name: sep for sep, name in found}


def _answers(store: EmbeddedStore | RemoteStore, name: str, params: dict[str, str]) -> Counter[tuple[str, ...]]:
    """A query's answers as a multiset of rows (or triples), compared as ``_term`` says; ``SAMPLE``d
    columns are left out, ``GROUP_CONCAT``ed ones sorted."""
    query = canned_queries()[name]
    result = store.raw_query(query.text, substitutions=bind_params(query, params))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables if v.value not in _sampled(query.text)]
        joined = _concatenated(query.text)

        def cell(row: ox.QuerySolution, n: str) -> str:
            term = row[n]
            if n in joined and isinstance(term, ox.Literal):
                return joined[n].join(sorted(term.value.split(joined[n])))
            return _term(term)

        return Counter(tuple(cell(row, n) for n in names) for row in result)
    return Counter((_term(t.subject), _term(t.predicate), _term(t.object)) for t in result)


def _params_for(embedded: EmbeddedStore, name: str) -> list[dict[str, str]]:
    """Parameter sets to try: none (when all are optional) and values taken from the data."""
    query = canned_queries()[name]
    samples = {
        "agency": "SELECT ?v WHERE { ?a <https://w3id.org/qgkg/ontology#leadAgency> ?v } ORDER BY ?v LIMIT 1",
        "city": "SELECT ?v WHERE { ?p <https://w3id.org/qgkg/ontology#city> ?v } ORDER BY ?v LIMIT 1",
        "programme": "SELECT ?v WHERE { ?a <https://w3id.org/qgkg/ontology#programme> ?v } ORDER BY ?v LIMIT 1",
        "plan": "SELECT ?v WHERE { ?v a <https://w3id.org/qgkg/ontology#Plan> } ORDER BY ?v LIMIT 1",
        "iri": "SELECT ?v WHERE { ?a <https://w3id.org/qgkg/ontology#leadAgency> ?v } ORDER BY ?v LIMIT 1",
        "year": "SELECT ?v WHERE { ?y <http://www.w3.org/2006/time#year> ?x BIND(STR(?x) AS ?v) } ORDER BY ?v LIMIT 1",
        "year-iri": "SELECT ?v WHERE { ?v <http://www.w3.org/2006/time#year> ?x } ORDER BY ?v LIMIT 1",
        "activity": "SELECT ?v WHERE { ?v a <https://w3id.org/qgkg/ontology#Activity> } ORDER BY ?v LIMIT 1",
        "class": "SELECT ?v WHERE { ?c a ?v FILTER(?v = <https://w3id.org/qgkg/ontology#City>) } LIMIT 1",
    }
    sets: list[dict[str, str]] = []
    if all(p.optional for p in query.params):
        sets.append({})
    full: dict[str, str] = {}
    for p in query.params:
        if p.kind == "string":
            full[p.name] = "质量" if p.name == "q" else "上海市"  # a word inside labels; a whole name
        elif (key := p.name + ("-iri" if p.name == "year" and p.kind == "iri" else "")) in samples:
            rows = embedded.select_query(samples[key])
            if rows:
                full[p.name] = rows[0]["v"].value
    if full and all(p.name in full for p in query.params if not p.optional):
        sets.append(full)
    return sets


def test_remote_canned_queries_same_answers_as_embedded(both: tuple[EmbeddedStore, RemoteStore]) -> None:
    embedded, remote = both
    compared: set[str] = set()
    refused: set[str] = set()
    for name in canned_queries():
        for params in _params_for(embedded, name):
            try:
                local_rows = _answers(embedded, name, params)
            except RuntimeError:
                # pyoxigraph 0.5 refuses a substitution of a variable the SELECT does not project
                # (reported to the queries' owner); nothing to compare against
                refused.add(name)
                continue
            remote_rows = _answers(remote, name, params)
            assert remote_rows == local_rows, (name, params)  # order-insensitive: ties
            compared.add(name)
    assert set(canned_queries()) - compared <= refused


def test_remote_build_twice_skips_unchanged_files(both: tuple[EmbeddedStore, RemoteStore], corpus: Path) -> None:
    _embedded, remote = both
    report = build_remote(remote.settings, [corpus], jobs=1, quiet=True)
    assert report.files_extracted == 0
    assert report.files_unchanged == report.files_seen > 0


def test_remote_counts_equal_embedded(both: tuple[EmbeddedStore, RemoteStore]) -> None:
    embedded, remote = both
    assert remote.count_triples() == embedded.count_triples()
    assert remote.count_triples() == embedded.manifest["counts"]["triples"]


def test_remote_dump_streams_every_statement(both: tuple[EmbeddedStore, RemoteStore]) -> None:
    embedded, remote = both
    out = io.BytesIO()
    n = remote.dump(out, RdfFormat.NQ)
    local = io.BytesIO()
    assert n == embedded.dump(local, RdfFormat.NQ)
    quads = list(ox.parse(out.getvalue(), ox.RdfFormat.N_QUADS))
    assert len(quads) == n


def test_remote_construct_returns_query_triples(both: tuple[EmbeddedStore, RemoteStore]) -> None:
    _embedded, remote = both
    result = remote.raw_query("CONSTRUCT { ?p a ?t } WHERE { ?p a ?t } LIMIT 3")
    assert isinstance(result, ox.QueryTriples)
    assert len(list(result)) == 3
    assert remote.ask("ASK { ?s a <https://w3id.org/qgkg/ontology#Plan> }")


def test_remote_bad_query_is_a_query_error(both: tuple[EmbeddedStore, RemoteStore]) -> None:
    _embedded, remote = both
    with pytest.raises(QueryError):
        remote.raw_query("SELECT ?x WHERE { ?x ")


def test_remote_unreachable_server_is_a_store_error() -> None:
    store = RemoteStore(Settings(endpoint=f"http://127.0.0.1:{free_port()}/query"))
    with pytest.raises(StoreError, match="cannot reach"):
        store.raw_query("ASK {}")


@pytest.mark.parametrize(
    ("query", "update", "gsp"),
    [
        ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
        ("http://h:3030/qg/query", "http://h:3030/qg/update", "http://h:3030/qg/data"),
        ("http://h:3030/qg/sparql", "http://h:3030/qg/update", "http://h:3030/qg/data"),
        ("http://h:7200/repositories/qg", "http://h:7200/repositories/qg/statements",
         "http://h:7200/repositories/qg/rdf-graphs/service"),
        ("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
        ("http://h:7001/", None, None),
    ],
    ids=["oxigraph", "fuseki-query", "fuseki-sparql", "graphdb", "virtuoso", "qlever"],
)
def test_derive_endpoints_by_server_convention(query: str, update: str | None, gsp: str | None) -> None:
    e = derive_endpoints(query)
    assert (e.update, e.gsp) == (update, gsp)


def test_derive_endpoints_overrides_win() -> None:
    e = derive_endpoints("http://h:7878/query", update="http://u/", gsp="http://g/")
    assert (e.update, e.gsp) == ("http://u/", "http://g/")


@pytest.mark.parametrize("name", sorted(canned_queries()))
def test_inject_values_parses_for_every_canned_query(name: str) -> None:
    query = canned_queries()[name]
    subs = {ox.Variable(p.name): (ox.Literal("2021", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
                                  if p.kind in ("integer", "year") else ox.Literal("x") if p.kind == "string"
                                  else ox.NamedNode("https://w3id.org/qgkg/id/x")) for p in query.params}
    text = inject_values(query.text, subs)
    assert text.count("VALUES") >= query.text.count("VALUES") + len(subs)
    ox.Store().query(text)  # parses and runs


def test_inject_values_skips_construct_template_and_values_blocks() -> None:
    subs = {ox.Variable("x"): ox.NamedNode("http://e/x")}
    text = inject_values("CONSTRUCT { ?x ?p ?o } WHERE { VALUES ?p { <http://e/p> } ?x ?p ?o }", subs)
    assert text == ("CONSTRUCT { ?x ?p ?o } WHERE { VALUES ?x { <http://e/x> } VALUES ?p { <http://e/p> } ?x ?p ?o }")
