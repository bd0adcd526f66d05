"""The network drawing at 500 nodes, in real headless Chromium: it renders, links and stays readable.

The store is synthetic (one city, one year, 500 agencies, co-leads drawn with a fixed seed) and
written the way a build writes a version, so that the page reads the same network table.
Screenshot: ``test-output/network-500-nodes.png`` (look at it).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.build import BuildDelta
from graph.derived.network_tables import write_network_tables as write_network_cache
from graph.store import StoreDir
from qgkg.config import DEFAULT_BASE
from tests.conftest import LiveServer
from tests.graph.test_network import PREFIXES, plan_trig
from tests.web.test_browser import OUT, _shot, browser  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.server]

NODES = 500
BUREAUS = ("市场监督管理局", "质量协会", "工业和信息化局", "商务局", "教育局", "文化和旅游局", "总工会", "检验检测中心")


def synthetic_store(root: Path, *, nodes: int = NODES, activities: int = 900, seed: int = 7) -> list[str]:
    """A store version holding one plan whose activities are co-led by ``nodes`` synthetic agencies."""
    rng = random.Random(seed)
    agencies = [f"{DEFAULT_BASE}agency/shanghai/x-synthetic-{i:04d}" for i in range(nodes)]
    ref = ["id:city\\/shanghai a qg:City, qg:Jurisdiction ; skos:prefLabel \"上海市\"@zh-Hans ; "
           "rdfs:label \"Shanghai\"@en .",
           "id:year\\/2021 a qg:Year ; time:year \"2021\"^^xsd:gYear ; rdfs:label \"2021\" ."]
    for i, iri in enumerate(agencies):
        name = f"上海市第{i + 1}{BUREAUS[i % len(BUREAUS)]}"
        ref.append(f"<{iri}> a qg:Agency, org:Organization ; skos:prefLabel \"{name}\"@zh-Hans ; "
                   f"qg:level \"municipal\" ; qg:collective false ; qg:city id:city\\/shanghai .")
    items = []
    weights = [1.0 / (1 + i) ** 0.8 for i in range(nodes)]  # a few hubs, a long tail, as in real plans
    for n in range(1, activities + 1):
        k = rng.choice((2, 2, 3, 4))
        leads = sorted(set(rng.choices(agencies, weights=weights, k=k)))
        items.append((n, f"活动{n}", leads, []))
    for iri in agencies:  # every agency co-leads at least once
        items.append((len(items) + 1, "联合活动", [iri, agencies[0]], []))
    plan = DEFAULT_BASE + "plan/synthetic-2021"
    sdir = StoreDir(root)
    version = sdir.new_version_path()
    version.mkdir(parents=True)
    store = ox.Store(str(version / "oxigraph"))
    store.load((PREFIXES + "GRAPH id:graph\\/reference {\n" + "\n".join(ref) + "\n}\n").encode("utf-8"),
               ox.RdfFormat.TRIG)
    store.load(plan_trig(plan, "shanghai", 2021, items).encode("utf-8"), ox.RdfFormat.TRIG)
    write_network_cache(version, store, BuildDelta(None, frozenset(), frozenset({plan}), DEFAULT_BASE))
    store.flush()
    del store
    manifest = {"base": DEFAULT_BASE, "sources": {}, "counts": {"plans": 1, "activities": len(items)}}
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    sdir.switch_to(version)
    return agencies


def test_network_of_500_nodes_renders_readably(
    browser, start_server: Callable[..., LiveServer], tmp_path: Path  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    agencies = synthetic_store(tmp_path / "store")
    server = start_server(tmp_path / "store")
    browser.get(server.url.rstrip("/") + "/network?city=上海市&year=2021")
    svg = browser.find_element("css selector", "svg")
    circles = svg.find_elements("css selector", "circle")
    links = {a.get_dom_attribute("href") for a in svg.find_elements("css selector", "a")}
    assert len(circles) == NODES
    assert len([h for h in links if h and "/id/agency/shanghai/x-synthetic-" in h]) == NODES
    # readable: the drawing is on screen at a sane size, and only the heaviest nodes carry a label
    size = svg.size
    assert 500 <= size["width"] <= 2000 and 400 <= size["height"] <= 2000
    labels = [t.text for t in svg.find_elements("css selector", "text") if t.text.strip()]
    assert 0 < len(labels) <= 40
    assert agencies  # the hubs are labelled by name
    assert any("上海市第1" in label for label in labels)
    _shot(browser, "network-500-nodes")
    assert (OUT / "network-500-nodes.png").stat().st_size > 10_000


LABEL_CHECK = """
const svg = arguments[0];
const frame = svg.getBoundingClientRect();
const threshold = Number(svg.dataset.labelThreshold);
const boxes = [], missing = [], outside = [];
svg.querySelectorAll("a[data-wd]").forEach(function (a) {
  const text = a.querySelector("text");
  if (!text) { if (Number(a.dataset.wd) > threshold) { missing.push(a.getAttribute("href")); } return; }
  const r = text.getBoundingClientRect();
  if (r.width === 0 || r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5
      || r.bottom > frame.bottom + 0.5) { outside.push(text.textContent); }
  boxes.push([text.textContent, r.left, r.top, r.right, r.bottom]);
});
const overlaps = [];
for (let i = 0; i < boxes.length; i++) {
  for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5 && a[2] < b[4] - 0.5 && b[2] < a[4] - 0.5) {
      overlaps.push(a[0] + " / " + b[0]);
    }
  }
}
return {threshold: threshold, labels: boxes.length, missing: missing, outside: outside, overlaps: overlaps};
"""


def check_labels(driver, svg) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Every node above the drawing's threshold has a label, inside the canvas, and no two labels overlap."""
    result = driver.execute_script(LABEL_CHECK, svg)
    assert result["missing"] == [] and result["outside"] == [] and result["overlaps"] == [], result
    return result  # type: ignore[no-any-return]


def test_network_labels_of_500_nodes_are_inside_and_apart(
    browser, start_server: Callable[..., LiveServer], tmp_path: Path  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    synthetic_store(tmp_path / "store")
    server = start_server(tmp_path / "store")
    browser.get(server.url.rstrip("/") + "/network?city=上海市&year=2021")
    result = check_labels(browser, browser.find_element("css selector", "svg.network-drawing"))
    assert result["labels"] >= 10
    _shot(browser, "network-500-labels")


def test_network_labels_of_shanghai_2021_every_node_named(
    browser, live_server: LiveServer  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    browser.get(live_server.url.rstrip("/") + "/network?city=上海市&year=2021&generic=1")
    svg = browser.find_element("css selector", "svg.network-drawing")
    result = check_labels(browser, svg)
    assert result["labels"] == 19 and result["threshold"] == 0
    assert "上海市相关企业集团" in svg.text
    _shot(browser, "network-shanghai-2021")
    # the small multiples of the whole corpus are labelled too
    browser.get(live_server.url.rstrip("/") + "/network")
    panels = browser.find_elements("css selector", ".year-panel svg")
    assert panels and all(check_labels(browser, p)["labels"] > 0 for p in panels)
