"""Programme diffusion: where and when each programme first appears, and how often it comes up each year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from graph.network.source import Entity, NetworkSource, open_source
from graph.store import GraphStore


@dataclass(frozen=True)
class ProgrammeDiffusion:
    """One programme across cities and years."""

    iri: str
    code: str
    label: str
    label_en: str
    first_year: int | None  # the earliest year any activity concerns it
    first_places: list[Entity]  # the cities (or jurisdictions) where it appears that year
    per_year: dict[int, int]  # activities per year, all places together
    cells: dict[tuple[str, int], int] = field(default_factory=dict)  # (place IRI, year) -> activities
    total: int = 0
    places: list[Entity] = field(default_factory=list)  # every place where it appears, by name


@dataclass(frozen=True)
class Diffusion:
    """The diffusion table of every programme, with the places and years that span the heat maps."""

    programmes: list[ProgrammeDiffusion]
    places: list[Entity]  # every city or jurisdiction with a plan, by name (a blank row is then "zero")
    years: list[int]  # every year with a plan
    max_cell: int
    coverage: dict[tuple[str, int], int] = field(default_factory=dict)  # (place, year) -> plans held

    def has_plan(self, place: str, year: int) -> bool:
        """True when the store holds a plan of ``place`` in ``year``: a zero there means none, not unknown."""
        return (place, year) in self.coverage


def diffusion(store: GraphStore, *, source: NetworkSource | None = None) -> Diffusion:
    """The diffusion table: first city and year per programme, activities per year and per city × year, and
    which places and years the store holds plans of (so that "no plan" and "zero" read apart)."""
    source = source or open_source(store)
    rows = source.diffusion_rows()
    cells: dict[str, dict[tuple[str, int], int]] = defaultdict(dict)
    for programme, place, year, n in rows:
        cells[programme][(place, year)] = n
    covered = source.coverage_rows()
    coverage = {(w, y): plans for w, y, plans, _n in covered}
    where = {r[1] for r in rows} | {w for w, _y in coverage}
    places = source.entities(where)
    place_list = sorted((places.get(p) or Entity(p, "Jurisdiction", None, None, None, None, False, None)
                         for p in where), key=lambda e: (e.label, e.iri))
    by_iri = {e.iri: e for e in place_list}
    schemes = {e.iri: e for e in source.programmes()}
    out = []
    for iri in sorted(set(schemes) | set(cells), key=lambda i: (schemes[i].code or i) if i in schemes else i):
        prog = schemes.get(iri) or Entity(iri, "Programme", None, None, None, None, False, None)
        c = cells.get(iri, {})
        per_year: dict[int, int] = defaultdict(int)
        for (_place, year), n in c.items():
            per_year[year] += n
        first = min(per_year, default=None)
        first_places = sorted((by_iri[p] for (p, y) in c if y == first), key=lambda e: (e.label, e.iri))
        out.append(ProgrammeDiffusion(iri=iri, code=prog.code or iri.rsplit("/", 1)[-1], label=prog.label,
                                      label_en=prog.label_en or "", first_year=first, first_places=first_places,
                                      per_year=dict(sorted(per_year.items())), cells=c, total=sum(c.values()),
                                      places=[e for e in place_list if any(p == e.iri for p, _y in c)]))
    years = sorted({r[2] for r in rows} | {y for _w, y in coverage})
    return Diffusion(out, place_list, years, max((r[3] for r in rows), default=0), coverage)
