"""Materialised answers: the canned analyst queries from the build-time tables give the SPARQL's rows exactly."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bench.generate import generate, generate_plan
from graph.queries import get_query
from graph.query.canned import ANSWERS, CannedAnswers, answer
from graph.query.order import order_key
from graph.store import EmbeddedStore, Value, bind_params, solutions_to_rows
from graph.store.formats import ResultFormat
from graph.store.versions import NETWORK_TABLES as CACHE_FILE
from qgkg.build import build
from qgkg.cli import main
from qgkg.config import DEFAULT_BASE

QG = "https://w3id.org/qgkg/ontology#"
ID = DEFAULT_BASE
ABSENT_CITY = ID + "city/no-such-city"


@pytest.fixture(scope="module")
def synthetic_plans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 synthetic plans (fixed seed): many cities, years, layouts, spliced fragments."""
    out = tmp_path_factory.mktemp("synthetic-plans")
    generate(out, 40, 7)
    return out


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory, synthetic_plans: Path) -> Path:
    """A store built from the synthetic plans."""
    root = tmp_path_factory.mktemp("synthetic-store")
    build(root, [synthetic_plans], jobs=2)
    return root


def sparql_rows(store: EmbeddedStore, name: str, params: dict[str, Any]) -> list[dict[str, Value]]:
    """The canned query run as SPARQL on the store, bypassing the materialised answer."""
    query = get_query(name)
    return solutions_to_rows(store.raw_query(query.text, substitutions=bind_params(query, params)))


def tie_runs(rows: list[dict[str, Value]], name: str) -> list[tuple[Any, list[list[tuple[str, Value]]]]]:
    """Rows cut into runs of equal ORDER BY keys, each run as a sorted list (SPARQL leaves ties unordered)."""
    runs: list[tuple[Any, list[list[tuple[str, Value]]]]] = []
    for row in rows:
        key = tuple(order_key(row.get(var)) for var, _ in ANSWERS[name].order)
        if not runs or runs[-1][0] != key:
            runs.append((key, []))
        runs[-1][1].append(sorted(row.items()))
    return [(k, sorted(run, key=repr)) for k, run in runs]


def assert_same(store: EmbeddedStore, name: str, params: dict[str, Any]) -> list[dict[str, Value]]:
    """The materialised rows equal the SPARQL rows (order included, up to ties); return them."""
    expected = sparql_rows(store, name, params)
    got = answer(store.version, get_query(name), params)
    assert got is not None, f"{name} {params}: not materialised"
    assert len(got) == len(expected), f"{name} {params}"
    assert tie_runs(got, name) == tie_runs(expected, name), f"{name} {params}"
    return got


def cases(store: EmbeddedStore) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every materialised query without parameters, and with every city and year of the store and edge cases."""
    cities = sorted(r["c"].value for r in store.select_query(f"SELECT DISTINCT ?c {{ ?a <{QG}city> ?c }}"))
    years = sorted({int(r["y"].value) for r in store.select_query(
        f"SELECT DISTINCT ?y {{ ?a <{QG}year>/<http://www.w3.org/2000/01/rdf-schema#label> ?y }}")})
    assert cities and years
    for name in ANSWERS:
        yield name, {}
    for city in [*cities, ABSENT_CITY, QG + "Activity"]:
        yield "agencies_by_activities_led", {"city": city}
        yield "coleading_agency_pairs", {"city": city}
    for year in [*years, 1900]:
        yield "coleading_agency_pairs", {"year": year}
        yield "coleading_agency_pairs", {"year": str(year), "city": cities[0]}
    yield "coleading_agency_pairs", {"year": f"0{years[0]}"}  # the same integer, written otherwise
    yield "coleading_agency_pairs", {"year": "-0"}
    yield "agencies_by_activities_led", {"city": ""}  # an empty parameter stays unbound


@pytest.mark.parametrize("which", ["bundled", "synthetic"])
def test_every_materialised_query_gives_the_sparql_rows(which: str, built_store: Path, synthetic_store: Path) -> None:
    store = EmbeddedStore(built_store if which == "bundled" else synthetic_store, base=DEFAULT_BASE)
    nonempty = 0
    for name, params in cases(store):
        nonempty += bool(assert_same(store, name, params))
    assert nonempty >= 10


def test_synthetic_answers_are_not_trivial(synthetic_store: Path) -> None:
    store = EmbeddedStore(synthetic_store, base=DEFAULT_BASE)
    pairs = assert_same(store, "coleading_agency_pairs", {})
    assert len(pairs) > 20 and {r["coled"].datatype for r in pairs} == {"http://www.w3.org/2001/XMLSchema#integer"}
    by_city = assert_same(store, "activities_by_city_year", {})
    assert {r["name"].lang for r in by_city if "name" in r} == {"zh-hans"}  # as Oxigraph returns the tag
    plans = assert_same(store, "plans_by_city_year", {})
    assert any(r["activities"].value == "0" for r in plans) or all("kind" in r for r in plans)


def test_select_uses_the_materialised_answer(synthetic_store: Path) -> None:
    store = CannedAnswers(EmbeddedStore(synthetic_store, base=DEFAULT_BASE))
    assert store.select("programme_diffusion") == answer(store.version, get_query("programme_diffusion"), {})


def test_no_answer_without_tables_with_an_old_schema_or_for_other_queries(synthetic_store: Path,
                                                                           tmp_path: Path) -> None:
    store = EmbeddedStore(synthetic_store, base=DEFAULT_BASE)
    assert answer(tmp_path, get_query("coleading_agency_pairs"), {}) is None
    assert answer(store.version, get_query("agency_description"), {"agency": ID + "agency/cn/mofcom"}) is None
    old = tmp_path / CACHE_FILE
    shutil.copyfile(store.version / CACHE_FILE, old)
    conn = sqlite3.connect(old)
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    assert answer(tmp_path, get_query("coleading_agency_pairs"), {}) is None


def test_several_labels_give_several_rows(synthetic_store: Path, tmp_path: Path) -> None:
    """An agency with two skos:prefLabel values: two groups, as in SPARQL (added to a copy of the store)."""
    import pyoxigraph as ox

    from graph.derived.network_tables import write_cache

    root = tmp_path / "store"
    shutil.copytree(synthetic_store, root, symlinks=True)
    version = EmbeddedStore(root, base=DEFAULT_BASE).version
    agency = sparql_rows(EmbeddedStore(root, base=DEFAULT_BASE), "coleading_agency_pairs", {})[0]["a"].value
    ox_store = ox.Store(str(version / "oxigraph"))
    ref = ox.NamedNode(ID + "graph/reference")
    ox_store.add(ox.Quad(ox.NamedNode(agency), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                         ox.Literal("另一个名称", language="zh-Hans"), ref))
    ox_store.add(ox.Quad(ox.NamedNode(agency), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                         ox.Literal("Another name"), ox.NamedNode(ID + "graph/extra")))
    write_cache(version, ox_store, None, [], [], ref.value)
    ox_store.flush()
    del ox_store
    store = EmbeddedStore(root, base=DEFAULT_BASE, check=False)  # edited behind the build: its digests differ
    rows = assert_same(store, "agencies_by_activities_led", {})
    assert sum(r["agency"].value == agency for r in rows) == 3
    for name, params in cases(store):
        assert_same(store, name, params)


def test_incremental_build_keeps_the_equality(synthetic_plans: Path, tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    shutil.copytree(synthetic_plans, plans)
    root = tmp_path / "store"
    build(root, [plans], jobs=2)
    first = EmbeddedStore(root, base=DEFAULT_BASE).version
    changed = sorted(plans.iterdir())[3]
    changed.write_bytes(generate_plan(7, 500)[1])  # another city, year and layout under the same name
    (plans / generate_plan(7, 501)[0]).write_bytes(generate_plan(7, 501)[1])  # and one new file
    build(root, [plans], jobs=2)
    store = EmbeddedStore(root, base=DEFAULT_BASE)
    assert store.version != first
    for name, params in cases(store):
        assert_same(store, name, params)
    # the incremental tables answer as a clean build of the same files does
    clean = tmp_path / "clean"
    build(clean, [plans], jobs=2)
    fresh = EmbeddedStore(clean, base=DEFAULT_BASE)
    for name in ANSWERS:
        assert tie_runs(store.select(name), name) == tie_runs(fresh.select(name), name)


def test_a_plan_of_a_new_city_and_year_is_answered(corpus_copy: Path, tmp_path: Path) -> None:
    """An incremental build that brings entities the tables have never seen (a city, a year)."""
    root = tmp_path / "store"
    build(root, [corpus_copy / "jinan-2022-notice.txt"], jobs=1)
    build(root, [corpus_copy / "shanghai-2021-plan.txt"], jobs=1)
    store = EmbeddedStore(root, base=DEFAULT_BASE)
    sources = {r["source"].value for r in store.select("plans_by_city_year")}
    assert sources == {"jinan-2022-notice.txt", "shanghai-2021-plan.txt"}
    for name, params in cases(store):
        assert_same(store, name, params)


# --- the CLI ------------------------------------------------------------------------------------


def cli_output(store_root: Path, *args: str) -> bytes:
    result = CliRunner().invoke(main, ["query", *args, "--store", str(store_root)])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def engine_output(store: EmbeddedStore, name: str, params: dict[str, Any], fmt: str) -> bytes:
    query = get_query(name)
    out = io.BytesIO()
    store.raw_query(query.text, substitutions=bind_params(query, params)).serialize(
        out, ResultFormat.parse(fmt).oxigraph)
    return out.getvalue()


def _lines(data: bytes, fmt: str) -> tuple[Any, list[Any]]:
    if fmt == "json":
        doc = json.loads(data)
        return doc["head"], sorted(json.dumps(b, sort_keys=True) for b in doc["results"]["bindings"])
    lines = data.decode("utf-8").splitlines()
    return lines[0], sorted(lines[1:])


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
@pytest.mark.parametrize(("name", "params"), [
    ("coleading_agency_pairs", {}), ("activities_by_city_year", {}), ("plans_by_city_year", {}),
    ("agencies_by_activities_led", {"city": ID + "city/shanghai"}), ("programme_diffusion", {}),
])
def test_cli_serialises_the_materialised_rows_as_the_engine_does(built_store: Path, fmt: str, name: str,
                                                                  params: dict[str, Any]) -> None:
    store = EmbeddedStore(built_store, base=DEFAULT_BASE)
    args = [name, "--format", fmt] + [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
    got = cli_output(built_store, *args)
    expected = engine_output(store, name, params, fmt)
    assert _lines(got, fmt) == _lines(expected, fmt)
    assert got.count(b"\n") == expected.count(b"\n") and len(got) == len(expected)
    assert cli_output(built_store, "-f", name, "--format", fmt, *args[3:]) == got


def test_cli_table_and_ad_hoc_sparql(built_store: Path) -> None:
    table = cli_output(built_store, "coleading_agency_pairs").decode("utf-8")
    assert table.splitlines()[0].split(" | ")[0].strip() == "a" and "上海市市场监督管理局" in table
    adhoc = cli_output(built_store, f"SELECT (COUNT(*) AS ?n) {{ ?a a <{QG}Activity> }}", "--format", "csv")
    assert adhoc.decode().splitlines()[0] == "n"
