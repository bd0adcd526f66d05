"""The gate of user SPARQL (graph.store.guard): SERVICE found by parsing, nesting and size bounded, FROM honoured."""

from __future__ import annotations

import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.store import EmbeddedStore
from graph.store.guard import MAX_NESTING, check_query, nesting_depth
from qgkg.config import DEFAULT_BASE
from qgkg.errors import QueryError

PLAN = "https://w3id.org/qgkg/ontology#Plan"


def service_tricks(port: int) -> list[str]:
    """SERVICE written every way a text filter might miss it (the first is issue 16's)."""
    url = f"http://127.0.0.1:{port}/x"
    return [
        f'SELECT * WHERE {{\n# """\nSERVICE <{url}> {{ ?s ?p ?o }}\n# """\n}}',
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }} }}",
        f"PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE x:x {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"ASK {{ '''\n''' SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ]


@pytest.fixture()
def listener() -> Iterator[socket.socket]:
    """A listening loopback socket that no query may ever reach."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock
    readable, _, _ = select.select([sock], [], [], 0)
    sock.close()
    assert readable == [], "a query connected to the loopback listener"


@pytest.mark.parametrize("index", range(8))
def test_check_query_refuses_every_service(index: int) -> None:
    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        check_query(service_tricks(9)[index])


@pytest.mark.parametrize("query", [
    'SELECT ?service WHERE { ?service <http://e.org/service> "customer service" } # SERVICE <http://x/>',
    "PREFIX service: <http://e.org/> SELECT * WHERE { ?s service:p ?o }",
], ids=["word-in-variable-iri-string-comment", "prefix-named-service"])
def test_check_query_lets_the_word_service_through_where_it_is_no_service(query: str) -> None:
    check_query(query)


def test_check_query_bounds_nesting_and_size_in_one_line() -> None:
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    with pytest.raises(QueryError, match="nests brackets 5,000 deep") as info:
        check_query(deep)
    assert "\n" not in str(info.value)
    with pytest.raises(QueryError, match="too long"):
        check_query("ASK {} #" + "x" * 600_000)
    check_query("SELECT * WHERE " + "{" * (MAX_NESTING - 1) + "?s ?p ?o" + "}" * (MAX_NESTING - 1))
    assert nesting_depth('ASK { FILTER("((((") } # ((((') == 2


def test_query_cli_refuses_service_and_never_connects(built_store: Path, listener: socket.socket) -> None:
    for query in service_tricks(listener.getsockname()[1]):
        run = subprocess.run([sys.executable, "-m", "qgkg.cli", "query", "--store", str(built_store), query],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 1, run.stderr
        assert "SERVICE is not allowed" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_query_cli_on_5000_nested_groups_gives_one_line_not_a_segfault(built_store: Path) -> None:
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    run = subprocess.run([sys.executable, "-m", "qgkg.cli", "query", "--store", str(built_store), deep],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "nests brackets" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def _one_plan(store: EmbeddedStore) -> tuple[str, int]:
    rows = store.select_query(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?g a <{PLAN}> . ?s ?p ?o }} }} "
                              "GROUP BY ?g ORDER BY ?g LIMIT 1")
    return rows[0]["g"].value, int(rows[0]["n"].value)


def test_from_and_from_named_are_honoured_like_the_protocol_graphs(built_store: Path) -> None:
    store = EmbeddedStore(built_store, base=DEFAULT_BASE)
    plan, size = _one_plan(store)
    total = store.count_triples()
    assert 0 < size < total
    count = store.select_query(f"SELECT (COUNT(*) AS ?n) FROM <{plan}> WHERE {{ ?s ?p ?o }}")
    assert int(count[0]["n"].value) == size
    named = store.select_query(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{plan}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert int(named[0]["n"].value) == size
    empty = store.select_query(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{plan}> WHERE {{ ?s ?p ?o }}")
    assert int(empty[0]["n"].value) == 0  # FROM NAMED alone: an empty default graph
    no_named = store.select_query(f"SELECT (COUNT(*) AS ?n) FROM <{plan}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert int(no_named[0]["n"].value) == 0  # FROM alone: no named graphs


def test_query_cli_honours_from(built_store: Path) -> None:
    plan, size = _one_plan(EmbeddedStore(built_store, base=DEFAULT_BASE))
    run = subprocess.run([sys.executable, "-m", "qgkg.cli", "query", "--store", str(built_store), "--format", "csv",
                          f"SELECT (COUNT(*) AS ?n) FROM <{plan}> WHERE {{ ?s ?p ?o }}"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["n", str(size)]


LONG_CHAINS = {
    "plus": "ASK { FILTER(" + "+".join(["1"] * 20_000) + " > 0) }",
    "not": "ASK { FILTER(" + "!" * 20_000 + "true) }",
    "union": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 5_000) + " }",
    "path": "ASK { ?s " + "/".join(["<http://e.org/p>"] * 5_000) + " ?o }",
}


@pytest.mark.parametrize("name", sorted(LONG_CHAINS))
def test_query_cli_on_long_operator_chains_gives_one_line_not_a_segfault(built_store: Path, name: str) -> None:
    run = subprocess.run([sys.executable, "-m", "qgkg.cli", "query", "--store", str(built_store), LONG_CHAINS[name]],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, (run.returncode, run.stderr[-300:])  # was a segfault (139) or minutes of parsing
    assert "operators" in run.stderr and len(run.stderr.strip().splitlines()) == 1
