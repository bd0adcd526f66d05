"""Scoring of an extracted graph against a gold annotation, by the rules of the team's score tool
(score_extraction.py): activities matched by title (containment, or character-bigram Dice >= 0.5),
lead agencies matched by prefLabel/altLabel/rdfs:label, programmes by skos:notation, city and year
of the main plan, and spliced fragments found outside the main plan."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from scipy.optimize import linear_sum_assignment

from loaders.script import to_simplified

QG = Namespace("https://w3id.org/qgkg/ontology#")
_PUNCT = re.compile(r"[\s\"'“”‘’「」『』《》〈〉<>()（）\[\]【】、，,。.：:；;!！?？·…—\-]+")


def norm(text: object) -> str:
    """Simplified, without punctuation or spaces."""
    return _PUNCT.sub("", to_simplified(str(text)))


def norm_agency(text: object) -> str:
    """An agency name normalised, without a trailing 等."""
    return re.sub(r"等$", "", norm(text))


def similarity(a: str, b: str) -> float:
    """1.0 for containment (of at least 4 characters), else the bigram Dice coefficient."""
    a, b = norm(a), norm(b)
    if not a or not b:
        return 0.0
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and short in long_:
        return 1.0

    def grams(s: str) -> set[str]:
        return {s[i: i + 2] for i in range(len(s) - 1)} or {s}

    ga, gb = grams(a), grams(b)
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def f1(tp: int, fp: int, fn: int) -> float:
    """F1 (1.0 when there is nothing to find and nothing found)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return round(2 * p * r / (p + r), 3) if p + r else 0.0


@dataclass
class Score:
    """The figures of one plan."""

    activities: float
    agencies: float
    programmes: float
    city_ok: bool | None
    year_ok: bool
    fragment_found: int | None = None
    fragment_leaked: int | None = None
    misses: list[str] = field(default_factory=list)


def _activities(g: Graph, plan: URIRef) -> list[dict[str, Any]]:
    out = []
    for act in g.subjects(QG.plan, plan):
        agencies = []
        for ag in g.objects(act, QG.leadAgency):
            names = {norm_agency(x) for p in (SKOS.prefLabel, SKOS.altLabel, RDFS.label) for x in g.objects(ag, p)}
            agencies.append(names)
        codes = {str(g.value(p, SKOS.notation)) for p in g.objects(act, QG.programme)}
        out.append({"label": str(g.value(act, RDFS.label) or ""), "agencies": agencies, "programmes": codes})
    return out


def match(gold_items: list[dict[str, Any]], extracted: list[dict[str, Any]]) -> dict[int, int]:
    """One-to-one matching of gold items to extracted activities, as the team's score tool does it:
    as many pairs as possible (similarity >= 0.5), then the most similar (an optimal assignment)."""
    sims = {(a, b): s for a, gi in enumerate(gold_items) for b, ei in enumerate(extracted)
            if (s := similarity(gi["title"], ei["label"])) >= 0.5}
    if not sims:
        return {}
    cost = np.zeros((len(gold_items), len(extracted)))
    for (a, b), s in sims.items():
        cost[a, b] = -(1.0 + s)  # every pair outweighs any gain in similarity
    rows, cols = linear_sum_assignment(cost)
    return {int(a): int(b) for a, b in zip(rows, cols) if (a, b) in sims}


def score(gold: dict[str, Any], g: Graph) -> Score:
    """Score the graph ``g`` (plans and entities of one file) against ``gold``."""
    plans = [p for p in g.subjects(RDF.type, QG.Plan) if str(g.value(p, DCTERMS.source) or "").endswith(gold["file"])]
    per_plan = {p: _activities(g, p) for p in plans}
    main = max(plans, key=lambda p: len(match(gold["activities"], per_plan[p])))
    extracted = per_plan[main]
    m = match(gold["activities"], extracted)
    ag, pr, misses = [0, 0, 0], [0, 0, 0], []
    for gi, ei in m.items():
        gitem, eitem = gold["activities"][gi], extracted[ei]
        unmatched = list(eitem["agencies"])
        for name in (norm_agency(x) for x in gitem["lead_agencies"] if not x.startswith("?")):
            hit = next((e for e in unmatched if name in e), None)
            if hit is None:
                ag[2] += 1
                misses.append(f"{gitem['n']}: missing agency {name}")
            else:
                ag[0] += 1
                unmatched.remove(hit)
        for name in (norm_agency(x[1:]) for x in gitem["lead_agencies"] if x.startswith("?")):
            hit = next((e for e in unmatched if name in e), None)
            if hit is not None:
                unmatched.remove(hit)
        ag[1] += len(unmatched)
        misses.extend(f"{gitem['n']}: extra agency {sorted(e)[:1]}" for e in unmatched)
        gp, ep = set(gitem["programmes"]), eitem["programmes"]
        pr[0] += len(gp & ep)
        pr[1] += len(ep - gp)
        pr[2] += len(gp - ep)
    for gi, gitem in enumerate(gold["activities"]):
        if gi not in m:
            misses.append(f"{gitem['n']} not found: {gitem['title']}")
            ag[2] += sum(1 for x in gitem["lead_agencies"] if not x.startswith("?"))
            pr[2] += len(set(gitem["programmes"]))
    for ei, eitem in enumerate(extracted):
        if ei not in set(m.values()):
            ag[1] += len(eitem["agencies"])
            pr[1] += len(eitem["programmes"])
    city_labels = {norm(x) for c in g.objects(main, QG.city) for x in g.objects(c, SKOS.prefLabel)}
    area_labels = {norm(x) for c in g.objects(main, QG.jurisdiction) for x in g.objects(c, SKOS.prefLabel)}
    if gold.get("city_in_text") is False:
        city_ok = None
    elif gold["city"] == "全国":
        city_ok = not city_labels and area_labels <= {"全国", "中国", "中华人民共和国"}
    elif gold["city"].endswith(("省", "自治区")):
        city_ok = not city_labels and norm(gold["city"]) in area_labels
    else:
        city_ok = norm(gold["city"]) in city_labels
    if gold.get("jurisdiction") and city_ok is not False:
        # the issuing county or district itself (qg:jurisdiction), beside its city (qg:city)
        want = norm(gold["jurisdiction"])
        if not any(label == want or label.endswith(want) for label in area_labels):
            city_ok = False
            misses.append(f"jurisdiction: want {gold['jurisdiction']}, got {sorted(area_labels)}")
    year_ok = str(gold["year"]) in {str(x) for y in g.objects(main, QG.year) for x in g.objects(y, RDFS.label)}
    n_act = len(m)
    result = Score(
        activities=f1(n_act, len(extracted) - n_act, len(gold["activities"]) - n_act),
        agencies=f1(*ag), programmes=f1(*pr), city_ok=city_ok, year_ok=year_ok, misses=misses,
    )
    frag = gold.get("spliced_fragment")
    if frag:
        others = [a for p in plans if p != main for a in per_plan[p]]
        result.fragment_found = len(match(frag["activities"], others))
        result.fragment_leaked = len(match(frag["activities"], extracted))
    return result
