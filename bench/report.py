"""Turn the suite's figures into docs/BENCHMARKS.md (targets, ratios against rdflib, notes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _s(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return "—"
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.1f} s"


def _ratio(base: Any, ours: Any) -> str:
    if isinstance(base, (int, float)) and isinstance(ours, (int, float)) and ours > 0:
        return f"{base / ours:.0f}×" if base / ours >= 10 else f"{base / ours:.1f}×"
    return "—"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def _phases(label: str, phases: dict[str, float], steps: dict[str, float]) -> list[str]:
    """One table row: the build's phases, with the post-build steps inside theirs."""
    if not phases and not steps:
        return []
    inner = ", ".join(f"{k.split('.')[-2]} {_s(v)}" for k, v in steps.items())
    parts = [f"{k.replace('_', ' ')} {_s(v)}" + (f" ({inner})" if k == "post_build" and inner else "")
             for k, v in phases.items()] or [inner]
    return [f"| {label} | {'; '.join(parts)} | — | — |"]


def write_report(fig: dict[str, Any], out: Path) -> None:
    """Write the Markdown report."""
    m = fig["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench.run` (bench/run.py); the synthetic corpus comes from",
        "`python -m bench.generate --plans N --seed 1 DIR` (every layout of the bundled plans, traditional",
        "and damaged variants, cities of the division table, years 2005–2024). Whole pipeline: loaders included.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores (shared with other work while measured), "
        f"{m['memory_mb']} MB; Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        f"Command: `{fig['command']}`. Figures are medians of {fig['runs']} runs unless said otherwise.",
        "",
    ]
    for key in sorted((k for k in fig if k.isdigit()), key=int):
        f = fig[key]
        ex, b, q = f["extraction"], f["build"], f["queries"]
        rd = f.get("rdflib", {})
        lines += [
            f"## {int(key):,} plans ({f['corpus_mb']:.1f} MB of text, {b['triples']:,} triples, "
            f"{b['activities']:,} activities)",
            "",
            "| figure | qgkg | rdflib in-memory Graph | ratio |",
            "|---|---|---|---|",
            f"| extraction ({ex['files']} files, {ex['errors']} refused by the loaders) | "
            f"{ex['plans_per_s']:.1f} plans/s, {ex['mb_per_s']:.2f} MB/s | — | — |",
            f"| full build, loaders and SHACL included (median of {f['full_runs']}; "
            f"{b.get('validated_graphs', '?')} graphs validated: {b.get('violations', '?')} violation(s), "
            f"{b.get('warnings', '?')} warning(s)) | {_s(b['full_s'])} | "
            f"load N-Triples {_s(rd.get('load_s'))} | — |",
            *_phases("… where the full build spends its time", b.get("phase_seconds", {}),
                     b.get("post_build_seconds", {})),
            f"| store size on disk | {b['store_bytes'] / 1e6:.0f} MB | — | — |",
            f"| one-file incremental rebuild | {_s(b['incremental_s'])} | — | — |",
        ]
        lines += _phases("… where the last one spends its time", b.get("incremental_phase_seconds", {}),
                         b.get("incremental_post_build_steps", {}))
        qs = f.get("queries_sparql", {})
        for name, t in q.items():
            base = rd.get("queries", {}).get(name)
            how = f" (from build-time tables; the SPARQL alone: {_s(qs[name])})" if name in qs else ""
            lines.append(f"| query `{name}`{how} | {_s(t)} | {_s(base)} | {_ratio(base, t)} |")
        d = f["dump"]
        lines.append(f"| dump (N-Quads) | {d['per_s']:,.0f} statements/s, peak RSS {d['peak_mb']:.0f} MB "
                     f"(process at rest {d['baseline_mb']:.0f} MB) | serialize N-Triples {_s(rd.get('serialize_s'))} | "
                     f"{_ratio(rd.get('serialize_s'), d['seconds'])} |")
        sh = f.get("shacl", {})
        lines.append(f"| SHACL re-check of the whole store (`qgkg validate --recheck`, per plan, parallel; "
                     f"a build validates what it extracts) | {_s(sh.get('seconds', sh.get('error')))} | "
                     f"whole graph {_s(rd.get('shacl_s'))} | {_ratio(rd.get('shacl_s'), sh.get('seconds'))} |")
        w = f.get("web", {})
        if "entity" in w:
            lines += [
                f"| entity page p50 / p99 (200 requests) | {_s(w['entity']['p50'])} / "
                f"{_s(w['entity']['p99'])} | — | — |",
                f"| network page p50 / p99 (200 requests) | {_s(w['network']['p50'])} / "
                f"{_s(w['network']['p99'])} | — | — |",
                f"| requests/s, 8 concurrent clients (entity page) | {w['rps_8_clients']:.0f} | — | — |",
            ]
            for key_, label in (("plan", "plan page"), ("search", "search page, `市场监管局`"),
                                ("search_short", "search page, `质量` (two characters)")):
                if key_ in w:
                    lines.append(f"| {label} p50 / p99 (50 requests) | {_s(w[key_]['p50'])} / "
                                 f"{_s(w[key_]['p99'])} | — | — |")
        else:
            lines.append(f"| web | {w.get('error', 'not measured')} | — | — |")
        lines.append("")
        if int(key) >= 10000:
            worst = max((t for t in q.values() if isinstance(t, float)), default=None)
            analyst = {n: t for n, t in q.items() if not n.startswith(("page_", "stats_", "network_"))}
            worst_analyst = max((t for t in analyst.values() if isinstance(t, float)), default=None)
            slow = ", ".join(f"`{n}` {_s(t)}" for n, t in q.items() if isinstance(t, float) and t >= 1) or "none"
            lines += [
                "### Targets (10,000 plans)",
                "",
                "| target | measured | |",
                "|---|---|---|",
                f"| full build, loaders and SHACL included, < 10 min | {_s(b['full_s'])} | "
                f"{_verdict(b['full_s'] < 600)} |",
                f"| incremental one-file rebuild < 2 s | {_s(b['incremental_s'])} | "
                f"{_verdict(b['incremental_s'] < 2)} |",
                f"| every canned analyst query p50 < 1 s | slowest {_s(worst_analyst)} | "
                f"{_verdict(worst_analyst < 1 if worst_analyst is not None else None)} |",
                f"| (also) every query behind the web pages p50 < 1 s | slowest {_s(worst)}; over 1 s: {slow} | "
                f"{_verdict(worst < 1 if worst is not None else None)} |",
                f"| dump ≥ 300,000 triples/s | {d['per_s']:,.0f}/s | {_verdict(d['per_s'] >= 300_000)} |",
            ]
            if "entity" in w:
                lines += [
                    f"| entity page p50 < 100 ms | {_s(w['entity']['p50'])} | {_verdict(w['entity']['p50'] < 0.1)} |",
                    f"| network page < 1 s | {_s(w['network']['p50'])} | {_verdict(w['network']['p50'] < 1)} |",
                ]
            lines.append("")
    notes = Path(__file__).with_name("NOTES.md")
    if notes.is_file():
        lines += [notes.read_text(encoding="utf-8")]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
