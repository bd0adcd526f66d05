"""The command line, run as a user runs it: a real ``qgkg`` process per command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from qgkg.config import DEFAULT_BASE


def qgkg(*args: str, store: Path | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``qgkg`` in a subprocess and return the completed process."""
    env = dict(os.environ)
    if store is not None:
        env["QGKG_STORE"] = str(store)
    return subprocess.run(
        [sys.executable, "-m", "qgkg.cli", *args], env=env, capture_output=True, text=True, check=check, timeout=600
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr
    assert any(all(n in line for n in needles) for line in lines), proc.stderr


def test_help_lists_commands_and_exit_codes() -> None:
    proc = qgkg("--help", check=True)
    for command in ("build", "extract", "validate", "query", "export", "network", "serve"):
        assert command in proc.stdout
    assert "Exit codes" in proc.stdout


def test_validate_conforms(built_store: Path) -> None:
    proc = qgkg("validate", store=built_store)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conforms" in proc.stdout


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_export_triples_parse_with_rdflib_and_pyoxigraph(built_store: Path, fmt: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "qgkg.cli", "export", "--format", fmt],
        env=dict(os.environ, QGKG_STORE=str(built_store)), capture_output=True, check=True, timeout=300,
    )
    g = rdflib.Graph()
    g.parse(data=proc.stdout.decode("utf-8"), format={"nt": "nt", "ttl": "turtle", "jsonld": "json-ld"}[fmt])
    fmt_ox = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}[fmt]
    triples = list(ox.parse(proc.stdout, fmt_ox))
    assert len(g) > 1000
    assert len({(t.subject, t.predicate, t.object) for t in triples if not isinstance(t.subject, ox.BlankNode)}) > 1000


@pytest.mark.parametrize("fmt", ["trig", "nq"])
def test_export_datasets_keep_one_graph_per_plan(built_store: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"dump.{fmt}"
    qgkg("export", "--format", fmt, "-o", str(out), store=built_store, check=True)
    ds = rdflib.Dataset()
    ds.parse(out, format={"trig": "trig", "nq": "nquads"}[fmt])
    qg = rdflib.Namespace("https://w3id.org/qgkg/ontology#")
    found = [(s, g) for s, _p, _o, g in ds.quads((None, rdflib.RDF.type, qg.Plan, None))]
    assert len(found) >= 6
    assert all(s == (g.identifier if hasattr(g, "identifier") else g) for s, g in found)


def test_query_canned_file_with_param_as_json(built_store: Path) -> None:
    proc = qgkg(
        "query", "-f", "agency_description", "--param", f"agency={DEFAULT_BASE}agency/shanghai/market-regulation",
        "--format", "json", store=built_store, check=True,
    )
    data = json.loads(proc.stdout)
    assert any(b["value"]["value"] == "上海市市场监督管理局" for b in data["results"]["bindings"])


def test_query_text_as_table(built_store: Path) -> None:
    proc = qgkg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/qgkg/ontology#Plan> }",
                store=built_store, check=True)
    assert "(1 row)" in proc.stdout


def test_query_syntax_error_is_one_line(built_store: Path) -> None:
    proc = qgkg("query", "SELEC nothing", store=built_store)
    assert proc.returncode == 1
    assert_one_line_error(proc, "SPARQL syntax error")


def test_query_without_store_is_one_line(tmp_path: Path) -> None:
    proc = qgkg("query", "ASK {}", store=tmp_path / "nothing")
    assert proc.returncode == 1
    assert_one_line_error(proc, "no graph built yet")


def test_extract_prints_a_self_contained_graph(corpus: Path) -> None:
    proc = qgkg("extract", str(corpus / "jinan-2022-notice.txt"), "--format", "nt", check=True)
    g = rdflib.Graph()
    g.parse(data=proc.stdout, format="nt")
    qg = rdflib.Namespace("https://w3id.org/qgkg/ontology#")
    plan = next(g.subjects(rdflib.RDF.type, qg.Plan))
    city = g.value(plan, qg.city)
    assert str(g.value(city, rdflib.SKOS.prefLabel)) == "济南市"
    year = g.value(plan, qg.year)
    assert str(g.value(year, rdflib.RDFS.label)) == "2022"


def test_build_bad_inputs_go_on_and_exit_3(tmp_path: Path, corpus: Path) -> None:
    root = tmp_path / "s"
    qgkg("build", "-q", str(corpus / "jinan-2022-notice.txt"), store=root, check=True)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (bad / "noitems.txt").write_text("这是一段没有任何活动的文字。\n仅此而已。\n", encoding="utf-8")
    (bad / "shanghai-2021-plan.txt").write_bytes((corpus / "shanghai-2021-plan.txt").read_bytes())
    proc = qgkg("build", "-q", str(bad), store=root)
    assert proc.returncode == 3, proc.stderr
    assert_one_line_error(proc, "empty.txt")
    assert_one_line_error(proc, "image.txt")
    assert_one_line_error(proc, "noitems.txt")
    listed = qgkg("query", "-f", "plans_by_city_year", "--format", "csv", store=root, check=True).stdout
    assert "jinan-2022-notice.txt" in listed and "shanghai-2021-plan.txt" in listed


def test_build_missing_path_is_one_line(tmp_path: Path) -> None:
    proc = qgkg("build", str(tmp_path / "nope.txt"), store=tmp_path / "s")
    assert proc.returncode == 1
    assert_one_line_error(proc, "nope.txt", "no such file")


def test_build_unreadable_file_is_one_line(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file: an unreadable file cannot be made")
    f = tmp_path / "secret.txt"
    f.write_text("1.开展活动。", encoding="utf-8")
    f.chmod(0)
    proc = qgkg("build", str(f), store=tmp_path / "s")
    assert proc.returncode == 3
    assert_one_line_error(proc, "secret.txt", "cannot read")


def test_extract_format_trig_keeps_fragment_apart(corpus: Path) -> None:
    proc = qgkg("extract", str(corpus / "shanghai-2018-plan.txt"), "--format", "trig", check=True)
    ds = rdflib.Dataset()
    ds.parse(data=proc.stdout, format="trig")
    names = {str(g.identifier if hasattr(g, "identifier") else g) for *_t, g in ds.quads((None, None, None, None))}
    assert DEFAULT_BASE + "plan/shanghai-2018-plan" in names
    assert DEFAULT_BASE + "plan/shanghai-2018-plan/fragment-1" in names


def test_export_to_a_fifo_writes_into_it_and_keeps_it(built_store: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    copy = tmp_path / "copy.nq"
    with copy.open("wb") as sink:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=sink)
        proc = qgkg("export", "--format", "nq", "-o", str(fifo), store=built_store)
        reader.wait(timeout=120)
    out = copy.read_bytes()
    assert proc.returncode == 0, proc.stderr
    assert fifo.is_fifo()  # not replaced by a regular file (as /dev/null must not be)
    assert len(out.decode("utf-8").splitlines()) == len(ox.Dataset(ox.parse(out, ox.RdfFormat.N_QUADS)))
