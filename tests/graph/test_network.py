"""The collaboration network: the build-time table, filters, figures and exports.

Two kinds of store: a small one written from TriG (items of the Shanghai 2021 plan and of
the Jinan 2022 notice, with their real lead agencies), and the store built from the
bundled corpus (``built_store``), where edge weights are checked against an independent
SPARQL count.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections import Counter
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from graph.build import BuildDelta
from graph.derived.network_tables import write_network_tables as write_network_cache
from graph.network.collaboration import NetworkFilter, build_bipartite, build_network, write_network
from graph.network.diffusion import diffusion
from graph.network.figures import compute
from graph.network.source import open_source
from graph.store import EmbeddedStore, StoreDir
from graph.store.versions import NETWORK_TABLES as CACHE_FILE
from qgkg.config import DEFAULT_BASE
from qgkg.errors import QueryError

ID = DEFAULT_BASE
SH = ID + "agency/shanghai/"
CITY_BUREAU = SH + "market-regulation"
DISTRICT_BUREAUS = SH + "district-market-regulation-bureaus"
PLAN21 = ID + "plan/shanghai-2021-plan"
PLAN19 = ID + "plan/shanghai-2019-report"
JINAN = ID + "plan/jinan-2022-notice"

PREFIXES = """
@prefix qg: <https://w3id.org/qgkg/ontology#> .
@prefix id: <https://w3id.org/qgkg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix org: <http://www.w3.org/ns/org#> .
"""

REFERENCE = PREFIXES + """
GRAPH id:graph\\/reference {
  id:city\\/shanghai a qg:City, qg:Jurisdiction ; skos:prefLabel "上海市"@zh-Hans ; rdfs:label "Shanghai"@en .
  id:city\\/jinan a qg:City, qg:Jurisdiction ; skos:prefLabel "济南市"@zh-Hans ; rdfs:label "Jinan"@en .
  id:year\\/2019 a qg:Year ; time:year "2019"^^xsd:gYear ; rdfs:label "2019" .
  id:year\\/2021 a qg:Year ; time:year "2021"^^xsd:gYear ; rdfs:label "2021" .
  id:year\\/2022 a qg:Year ; time:year "2022"^^xsd:gYear ; rdfs:label "2022" .
  id:programme\\/chief_quality_officer a qg:Programme ; skos:notation "chief_quality_officer" ;
      skos:prefLabel "首席质量官"@zh-Hans ; rdfs:label "Chief quality officer"@en .
  id:programme\\/quality_award a qg:Programme ; skos:notation "quality_award" ;
      skos:prefLabel "质量奖"@zh-Hans ; rdfs:label "Quality award"@en .
  id:programme\\/nqi_one_stop a qg:Programme ; skos:notation "nqi_one_stop" ;
      skos:prefLabel "质量基础设施“一站式”服务"@zh-Hans ; rdfs:label "NQI one-stop service"@en .
  id:agency\\/shanghai\\/market-regulation a qg:Agency, org:Organization ;
      skos:prefLabel "上海市市场监督管理局"@zh-Hans ; skos:altLabel "市市场监管局"@zh-Hans ;
      rdfs:label "Shanghai Municipal Administration for Market Regulation"@en ;
      qg:level "municipal" ; qg:collective false ; qg:city id:city\\/shanghai .
  id:agency\\/shanghai\\/district-market-regulation-bureaus a qg:Agency, qg:CollectiveAgency, org:Organization ;
      skos:prefLabel "上海市各区市场监督管理局"@zh-Hans ; skos:altLabel "各区市场监管局"@zh-Hans ;
      qg:level "district" ; qg:collective true ; qg:city id:city\\/shanghai .
  id:agency\\/shanghai\\/agriculture a qg:Agency, org:Organization ; skos:prefLabel "上海市农业农村委员会"@zh-Hans ;
      qg:level "municipal" ; qg:collective false ; qg:city id:city\\/shanghai .
  id:agency\\/shanghai\\/economy a qg:Agency, org:Organization ; skos:prefLabel "上海市经济和信息化委员会"@zh-Hans ;
      qg:level "municipal" ; qg:collective false ; qg:city id:city\\/shanghai .
  id:agency\\/shanghai\\/quality-office a qg:Agency, org:Organization ;
      skos:prefLabel "上海市质量工作领导小组办公室"@zh-Hans ; qg:level "municipal" ; qg:collective false ;
      qg:city id:city\\/shanghai .
  id:agency\\/jinan\\/market-regulation a qg:Agency, org:Organization ; skos:prefLabel "济南市市场监督管理局"@zh-Hans ;
      qg:level "municipal" ; qg:collective false ; qg:city id:city\\/jinan .
  id:agency\\/jinan\\/education a qg:Agency, org:Organization ; skos:prefLabel "济南市教育局"@zh-Hans ;
      qg:level "municipal" ; qg:collective false ; qg:city id:city\\/jinan .
}
"""


def activity(plan: str, n: int, city: str, year: int, title: str, leads: list[str], programmes: list[str]) -> str:
    """One activity of a plan graph, in Turtle."""
    lead = ", ".join(f"<{a}>" for a in leads)
    prog = "".join(f" ; qg:programme id:programme\\/{p}" for p in programmes)
    lead_part = f" ; qg:leadAgency {lead}" if leads else ""
    return (f"<{plan}/activity/{n}> a qg:Activity ; qg:plan <{plan}> ; qg:city id:city\\/{city} ;"
            f" qg:jurisdiction id:city\\/{city} ; qg:year id:year\\/{year} ; rdfs:label \"{title}\"@zh-Hans ;"
            f" qg:position {n}{lead_part}{prog} .\n")


ECON, AGRI, OFFICE = SH + "economy", SH + "agriculture", SH + "quality-office"
JN_MR, JN_EDU = ID + "agency/jinan/market-regulation", ID + "agency/jinan/education"
SHANGHAI_2021 = [  # items of the Shanghai 2021 plan and their leads (the gold's, within this fixture's agencies)
    (5, "开展上海市政府质量奖二十年交流活动", [OFFICE], ["quality_award"]),
    (7, "开展质量攻关和质量改进经验交流活动", [CITY_BUREAU, ECON], []),
    (8, "开展企业首席质量官交流活动", [CITY_BUREAU, DISTRICT_BUREAUS], ["chief_quality_officer"]),
    (10, "开展中小企业“万千百”质量公益培训活动", [CITY_BUREAU, DISTRICT_BUREAUS], ["chief_quality_officer"]),
    (12, "举办长三角区域质量提升活动", [CITY_BUREAU, DISTRICT_BUREAUS], []),
    (13, "加强产品质量监管执法", [CITY_BUREAU, AGRI, DISTRICT_BUREAUS], []),
    (16, "加强缺陷消费品召回监管", [CITY_BUREAU, DISTRICT_BUREAUS], []),
    (17, "举办“质量奖获奖组织质量开放日”活动", [CITY_BUREAU, DISTRICT_BUREAUS], ["quality_award"]),
    (18, "开展质量基础设施“一站式”服务行动", [CITY_BUREAU, DISTRICT_BUREAUS], ["nqi_one_stop"]),
    (19, "开展市民质量体验活动", [DISTRICT_BUREAUS], []),
]
SHANGHAI_2019 = [(1, "首席质量官培训", [CITY_BUREAU, ECON], ["chief_quality_officer"])]
JINAN_2022 = [(1, "质量月启动仪式", [JN_MR, JN_EDU], []), (2, "质量进校园", [JN_MR, JN_EDU], ["quality_award"])]


def plan_trig(plan: str, city: str, year: int, items: list[tuple[int, str, list[str], list[str]]]) -> str:
    """A plan's named graph in TriG."""
    body = f"<{plan}> a qg:Plan ; qg:city id:city\\/{city} ; qg:year id:year\\/{year} .\n"
    body += "".join(activity(plan, n, city, year, t, leads, progs) for n, t, leads, progs in items)
    return PREFIXES + f"GRAPH <{plan}> {{\n{body}}}\n"


PLANS = {PLAN21: ("shanghai", 2021, SHANGHAI_2021), PLAN19: ("shanghai", 2019, SHANGHAI_2019),
         JINAN: ("jinan", 2022, JINAN_2022)}


def write_version(root: Path, plans: dict[str, tuple[str, int, list]], *, previous_removed: set[str] | None = None
                  ) -> Path:
    """A store version written the way a build writes one: graphs, post-build network step, manifest, switch."""
    sdir = StoreDir(root)
    previous = sdir.current()
    version = sdir.new_version_path()
    version.mkdir(parents=True)
    store = ox.Store(str(version / "oxigraph"))
    store.load(REFERENCE.encode("utf-8"), ox.RdfFormat.TRIG)
    for plan, (city, year, items) in plans.items():
        store.load(plan_trig(plan, city, year, items).encode("utf-8"), ox.RdfFormat.TRIG)
    if previous is None:
        delta = BuildDelta(None, frozenset(), frozenset(plans), DEFAULT_BASE)
    else:
        delta = BuildDelta(previous, frozenset(previous_removed or ()), frozenset(previous_removed or ()),
                           DEFAULT_BASE)
    write_network_cache(version, store, delta)
    store.flush()
    del store
    (version / "manifest.json").write_text(json.dumps({"base": DEFAULT_BASE, "sources": {}}), encoding="utf-8")
    sdir.switch_to(version)
    return version


@pytest.fixture()
def small(tmp_path: Path) -> EmbeddedStore:
    """The TriG fixture as an embedded store with its network table."""
    write_version(tmp_path / "store", PLANS)
    return EmbeddedStore(tmp_path / "store", base=DEFAULT_BASE)


def weights(net: nx.Graph) -> dict[frozenset[str], int]:
    """Edge weights keyed by the unordered pair."""
    return {frozenset((a, b)): w for a, b, w in net.edges(data="weight")}


# --- the table and the network ----------------------------------------------------------------


def test_write_network_cache_writes_the_table_in_the_version(small: EmbeddedStore) -> None:
    conn = sqlite3.connect(small.version / CACHE_FILE)
    assert conn.execute("SELECT COUNT(*) FROM activity").fetchone()[0] == 13
    assert conn.execute("SELECT COUNT(*) FROM lead WHERE agency = ?", (CITY_BUREAU,)).fetchone()[0] == 9
    row = conn.execute("SELECT kind, label_zh, collective FROM entity WHERE iri = ?", (DISTRICT_BUREAUS,)).fetchone()
    assert row == ("CollectiveAgency", "上海市各区市场监督管理局", 1)


def test_build_network_shanghai_2021_city_and_district_bureaus_co_lead_seven(small: EmbeddedStore) -> None:
    net = build_network(small, NetworkFilter.parse(city="上海", year="2021"))
    edge = net.edges[CITY_BUREAU, DISTRICT_BUREAUS]
    assert edge["weight"] == 7
    assert sorted(int(a.rsplit("/", 1)[1]) for a in edge["activities"]) == [8, 10, 12, 13, 16, 17, 18]
    assert edge["years"] == [2021] and edge["cities"] == [ID + "city/shanghai"]


def test_build_network_without_filter_holds_every_lead_and_co_led_activity(small: EmbeddedStore) -> None:
    net = build_network(small)
    assert set(net.nodes) == {CITY_BUREAU, DISTRICT_BUREAUS, ECON, AGRI, OFFICE, JN_MR, JN_EDU}
    assert weights(net) == {frozenset((CITY_BUREAU, DISTRICT_BUREAUS)): 7, frozenset((CITY_BUREAU, ECON)): 2,
                            frozenset((CITY_BUREAU, AGRI)): 1, frozenset((AGRI, DISTRICT_BUREAUS)): 1,
                            frozenset((JN_MR, JN_EDU)): 2}
    assert net.degree(OFFICE) == 0  # leads alone: a node, no edge
    assert net.graph["activities"] == 13


def test_build_network_nodes_carry_iri_kind_level_city_labels_collective(small: EmbeddedStore) -> None:
    d = build_network(small).nodes[CITY_BUREAU]
    assert d["iri"] == CITY_BUREAU and d["kind"] == "Agency" and d["level"] == "municipal"
    assert d["city"] == ID + "city/shanghai" and d["city_label"] == "上海市"
    assert d["label_zh_hans"] == "上海市市场监督管理局"
    assert d["label_en"] == "Shanghai Municipal Administration for Market Regulation"
    assert d["collective"] is False
    assert build_network(small).nodes[DISTRICT_BUREAUS]["collective"] is True


@pytest.mark.parametrize("city", ["上海市", "上海", "Shanghai", "shanghai", ID + "city/shanghai"],
                         ids=["zh", "zh-short", "en", "slug", "iri"])
def test_filter_city_keeps_only_that_city(small: EmbeddedStore, city: str) -> None:
    net = build_network(small, NetworkFilter.parse(city=city))
    assert JN_MR not in net and CITY_BUREAU in net
    assert weights(net)[frozenset((CITY_BUREAU, ECON))] == 2


def test_filter_year_keeps_only_that_year(small: EmbeddedStore) -> None:
    net = build_network(small, NetworkFilter.parse(year="2019"))
    assert weights(net) == {frozenset((CITY_BUREAU, ECON)): 1}


def test_filter_year_range_includes_both_ends(small: EmbeddedStore) -> None:
    net = build_network(small, NetworkFilter.parse(year="2021-2022"))
    assert weights(net)[frozenset((CITY_BUREAU, ECON))] == 1
    assert JN_MR in net


def test_filter_programme_keeps_activities_of_the_programme(small: EmbeddedStore) -> None:
    net = build_network(small, NetworkFilter.parse(programme="chief_quality_officer"))
    assert weights(net) == {frozenset((CITY_BUREAU, DISTRICT_BUREAUS)): 2, frozenset((CITY_BUREAU, ECON)): 1}


def test_filter_min_weight_drops_light_edges_and_the_nodes_they_leave_alone(small: EmbeddedStore) -> None:
    net = build_network(small, NetworkFilter.parse(min_weight=2))
    assert weights(net) == {frozenset((CITY_BUREAU, DISTRICT_BUREAUS)): 7, frozenset((CITY_BUREAU, ECON)): 2,
                            frozenset((JN_MR, JN_EDU)): 2}
    assert AGRI not in net and OFFICE not in net


def test_filter_without_collective_drops_collective_actors(small: EmbeddedStore) -> None:
    net = build_network(small, NetworkFilter.parse(collective=False))
    assert DISTRICT_BUREAUS not in net
    assert weights(net)[frozenset((CITY_BUREAU, AGRI))] == 1


@pytest.mark.parametrize("kwargs", [{"year": "1999"}, {"city": "北京"}, {"programme": "no_such_thing"},
                                    {"city": "济南", "programme": "chief_quality_officer"}],
                         ids=["no-year", "unknown-city", "unknown-programme", "empty-combination"])
def test_build_network_empty_selection_gives_empty_network_with_message(small: EmbeddedStore,
                                                                         kwargs: dict[str, str]) -> None:
    net = build_network(small, NetworkFilter.parse(**kwargs))
    assert net.number_of_nodes() == 0 and net.graph["message"]
    figures, nodes = compute(net)
    assert figures.nodes == 0 and nodes == []
    for fmt in ("gexf", "graphml", "csv", "json"):
        write_network(net, io.BytesIO(), fmt)


@pytest.mark.parametrize("year", ["twenty", "2022-2019", "20211"], ids=["word", "backwards", "five-digits"])
def test_network_filter_parse_rejects_bad_years(year: str) -> None:
    with pytest.raises(QueryError, match="year"):
        NetworkFilter.parse(year=year)


def test_network_filter_parse_rejects_bad_min_weight() -> None:
    with pytest.raises(QueryError, match="min_weight"):
        NetworkFilter.parse(min_weight="0")


def test_open_source_sparql_fallback_gives_the_same_network(small: EmbeddedStore) -> None:
    cached = build_network(small)
    sparql = build_network(small, source=open_source(small, use_cache=False))
    assert weights(cached) == weights(sparql)
    assert dict(cached.nodes(data=True)) == dict(sparql.nodes(data=True))


def test_write_network_cache_incremental_equals_full(tmp_path: Path) -> None:
    root = tmp_path / "store"
    write_version(root, PLANS)
    changed = dict(PLANS)
    changed[PLAN19] = ("shanghai", 2019, [(1, "首席质量官培训", [CITY_BUREAU, AGRI], [])])
    incremental = write_version(root, changed, previous_removed={PLAN19})
    full = write_version(tmp_path / "fresh", changed)

    def dump(v: Path) -> list[list[tuple]]:
        conn = sqlite3.connect(v / CACHE_FILE)
        return [sorted(conn.execute(f"SELECT * FROM {t}")) for t in ("activity", "lead", "concerns", "entity")]

    assert dump(incremental) == dump(full)
    net = build_network(EmbeddedStore(root, base=DEFAULT_BASE))
    assert weights(net)[frozenset((CITY_BUREAU, AGRI))] == 2 and frozenset((CITY_BUREAU, ECON)) in weights(net)


# --- figures ---------------------------------------------------------------------------------


def test_compute_figures(small: EmbeddedStore) -> None:
    figures, nodes = compute(build_network(small))
    assert (figures.nodes, figures.edges, figures.components) == (7, 5, 3)
    top = nodes[0]
    assert top.iri == CITY_BUREAU and top.degree == 3 and top.weighted_degree == 10
    assert top.betweenness > 0 and 0 < top.pagerank < 1
    assert {n.community for n in nodes if n.iri in (JN_MR, JN_EDU)} != {top.community}
    assert figures.modularity > 0
    assert compute(build_network(small)) == (figures, nodes)  # deterministic


def test_build_bipartite_links_agencies_to_programmes(small: EmbeddedStore) -> None:
    net = build_bipartite(small)
    cqo = ID + "programme/chief_quality_officer"
    assert net.edges[CITY_BUREAU, cqo]["weight"] == 3
    assert net.nodes[cqo]["bipartite"] == 1 and net.nodes[CITY_BUREAU]["bipartite"] == 0
    assert nx.is_bipartite(net)


def test_diffusion_first_city_and_year_per_programme(small: EmbeddedStore) -> None:
    rows = {d.code: d for d in diffusion(small).programmes}
    cqo = rows["chief_quality_officer"]
    assert cqo.first_year == 2019 and [c.label for c in cqo.first_places] == ["上海市"]
    assert cqo.per_year == {2019: 1, 2021: 2}
    award = rows["quality_award"]
    assert award.first_year == 2021 and award.per_year == {2021: 2, 2022: 1}


# --- exports -----------------------------------------------------------------------------------


def _read(fmt: str, data: bytes) -> nx.Graph:
    if fmt == "gexf":
        return nx.read_gexf(io.BytesIO(data))
    if fmt == "graphml":
        return nx.read_graphml(io.BytesIO(data))
    return nx.node_link_graph(json.loads(data), edges="edges")


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json"])
def test_write_network_round_trips_through_networkx(small: EmbeddedStore, fmt: str) -> None:
    net = build_network(small)
    buf = io.BytesIO()
    write_network(net, buf, fmt)
    back = _read(fmt, buf.getvalue())
    assert set(back.nodes) == set(net.nodes)
    assert {frozenset((a, b)): float(w) for a, b, w in back.edges(data="weight")} == {
        k: float(v) for k, v in weights(net).items()}
    d = back.nodes[DISTRICT_BUREAUS]
    assert d["iri"] == DISTRICT_BUREAUS and d["kind"] == "CollectiveAgency" and d["level"] == "district"
    assert d["label_zh_hans"] == "上海市各区市场监督管理局" and d["collective"] in (True, "true")
    assert d["city"] == ID + "city/shanghai" and "label_en" in back.nodes[CITY_BUREAU]
    assert "pagerank" in d and "community" in d


def test_write_network_dynamic_gexf_has_one_spell_per_year(small: EmbeddedStore) -> None:
    buf = io.BytesIO()
    write_network(build_network(small), buf, "gexf", dynamic=True)
    back = nx.read_gexf(io.BytesIO(buf.getvalue()))
    assert back.graph["mode"] == "dynamic"
    assert sorted(back.nodes[CITY_BUREAU]["spells"]) == [(2019, 2019), (2021, 2021)]
    assert back.edges[JN_MR, JN_EDU]["spells"] == [(2022, 2022)]


def test_write_network_csv_edges_and_nodes(small: EmbeddedStore) -> None:
    import csv

    net = build_network(small)
    buf = io.BytesIO()
    write_network(net, buf, "csv")
    edges = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"))))
    assert Counter(int(e["weight"]) for e in edges) == Counter(weights(net).values())
    buf = io.BytesIO()
    write_network(net, buf, "csv", table="nodes")
    nodes = {r["iri"]: r for r in csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8")))}
    assert set(nodes) == set(net.nodes) and nodes[DISTRICT_BUREAUS]["collective"] == "true"


# --- the bundled corpus --------------------------------------------------------------------------

COLEADS = """
PREFIX qg: <https://w3id.org/qgkg/ontology#>
SELECT ?a ?b (COUNT(DISTINCT ?act) AS ?n) WHERE {
  ?act a qg:Activity ; qg:leadAgency ?a, ?b . FILTER(STR(?a) < STR(?b))
} GROUP BY ?a ?b
"""


@pytest.fixture(scope="module")
def corpus_store(request: pytest.FixtureRequest) -> EmbeddedStore:
    """The store built from the bundled corpus (skipped while the loaders are missing)."""
    pytest.importorskip("loaders.plan", reason="the plan loader is not there yet")
    return EmbeddedStore(request.getfixturevalue("built_store"), base=DEFAULT_BASE)


def test_build_network_corpus_weights_equal_an_independent_sparql_count(corpus_store: EmbeddedStore) -> None:
    net = build_network(corpus_store)
    expected = {frozenset((r["a"].value, r["b"].value)): int(r["n"].value)
                for r in corpus_store.select_query(COLEADS)}
    assert expected and weights(net) == expected
    leads = {r["a"].value for r in corpus_store.select_query(
        "SELECT DISTINCT ?a WHERE { ?x <https://w3id.org/qgkg/ontology#leadAgency> ?a }")}
    assert set(net.nodes) == leads


def test_build_network_corpus_shanghai_2021_seven_co_led_items(corpus_store: EmbeddedStore) -> None:
    net = build_network(corpus_store, NetworkFilter.parse(city="上海市", year="2021"))
    by_label = {d["label_zh_hans"]: n for n, d in net.nodes(data=True)}
    bureau = next(n for lab, n in by_label.items() if lab.endswith("市场监督管理局") and "各" not in lab
                  and not net.nodes[n]["collective"])
    collective = [n for n in net.neighbors(bureau) if net.nodes[n]["collective"]
                  and "市场监" in net.nodes[n]["label_zh_hans"]]
    assert len(collective) == 1, [net.nodes[n]["label_zh_hans"] for n in net.neighbors(bureau)]
    edge = net.edges[bureau, collective[0]]
    markers = sorted(int(a.rsplit("/", 1)[1]) for a in edge["activities"])
    assert markers == [8, 10, 12, 13, 16, 17, 18]


def test_build_network_corpus_sparql_fallback_agrees(corpus_store: EmbeddedStore) -> None:
    cached = build_network(corpus_store)
    sparql = build_network(corpus_store, source=open_source(corpus_store, use_cache=False))
    assert weights(cached) == weights(sparql) and set(cached.nodes) == set(sparql.nodes)


def test_compute_figures_corpus_weighted_degree_is_the_sum_of_weights(corpus_store: EmbeddedStore) -> None:
    net = build_network(corpus_store)
    _figures, nodes = compute(net)
    for f in nodes:
        assert f.weighted_degree == sum(net.edges[f.iri, m]["weight"] for m in net.neighbors(f.iri))
