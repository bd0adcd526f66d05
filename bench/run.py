"""The benchmark suite: ``python -m bench.run [--plans 1000,10000] [--runs 5] [--work DIR]``.

Generates the synthetic corpora, measures the whole pipeline (loaders, build, queries,
web, dumps, SHACL) and, side by side in the same run, the plain-rdflib baseline (rdflib's
in-memory Graph: load, every canned query, serialization, SHACL over the whole graph).
Writes docs/BENCHMARKS.md. Not a test: it takes minutes to hours.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.generate import generate
from bench.report import write_report

Figure = dict[str, Any]


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds of ``runs`` calls, and the last call's value."""
    times, value = [], None
    for _ in range(runs):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def du(path: Path) -> int:
    """Bytes under a folder (hard-linked files counted once)."""
    seen, total = set(), 0
    for p in path.rglob("*"):
        if p.is_file():
            st = p.stat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def sample_params(store: Any) -> dict[str, dict[str, str]]:
    """Parameter values for every canned query, taken from the data (the busiest ones)."""
    from graph.queries import canned_queries

    picks = {
        "agency": "SELECT ?v (COUNT(*) AS ?n) WHERE { ?a <https://w3id.org/qgkg/ontology#leadAgency> ?v } "
                  "GROUP BY ?v ORDER BY DESC(?n) LIMIT 1",
        "city": "SELECT ?v WHERE { ?p <https://w3id.org/qgkg/ontology#city> ?v } LIMIT 1",
        "programme": "SELECT ?v WHERE { ?v <http://www.w3.org/2004/02/skos/core#notation> ?c } ORDER BY ?v LIMIT 1",
        "plan": "SELECT ?v WHERE { ?v a <https://w3id.org/qgkg/ontology#Plan> } LIMIT 1",
        "activity": "SELECT ?v WHERE { ?v a <https://w3id.org/qgkg/ontology#Activity> } LIMIT 1",
        "year-iri": "SELECT ?v WHERE { ?v <http://www.w3.org/2006/time#year> ?x } ORDER BY DESC(?v) LIMIT 1",
    }
    values = {}
    for key, sparql in picks.items():
        rows = store.select_query(sparql)
        values[key] = rows[0]["v"].value if rows else ""
    values["iri"] = values["agency"]
    out: dict[str, dict[str, str]] = {}
    for name, q in canned_queries().items():
        params = {}
        for p in q.params:
            if p.kind == "string":
                params[p.name] = "质量"
            elif p.name == "year":
                params[p.name] = values["year-iri"] if p.kind == "iri" else values["year-iri"].rsplit("/", 1)[-1]
            elif p.name in values and not p.optional:
                params[p.name] = values[p.name]
        out[name] = params
    return out


def bench_extraction(corpus: Path, jobs: int) -> Figure:
    """Loaders alone, in ``jobs`` processes."""
    from graph.build import extract_all, find_plan_files

    files = find_plan_files([corpus])
    size = sum(f.stat().st_size for f in files)
    t = time.perf_counter()
    results = extract_all(files, "https://w3id.org/qgkg/id/", jobs, lambda r: None)
    dt = time.perf_counter() - t
    errors = sum(1 for r in results if r.error)
    return {"files": len(files), "seconds": dt, "plans_per_s": len(files) / dt, "mb_per_s": size / 1e6 / dt,
            "errors": errors, "activities": sum(r.activities for r in results)}


def bench_build(corpus: Path, root: Path, jobs: int, runs: int) -> Figure:
    """Full builds from empty (median of ``runs``), store size, one-file incremental rebuilds."""
    from qgkg.build import build

    def full() -> Any:
        shutil.rmtree(root, ignore_errors=True)
        return build(root, [corpus], jobs=jobs)

    full_s, report = timed(full, runs)
    store_bytes = du(root / os.readlink(root / "current"))
    validation = json.loads((root / "current" / "validation.json").read_text(encoding="utf-8"))
    return {"full_s": full_s, "triples": report.triples, "plans": report.plans, "activities": report.activities,
            "errors": len(report.errors), "store_bytes": store_bytes,
            "phase_seconds": _manifest(root).get("phase_seconds", {}),
            "post_build_seconds": _manifest(root).get("post_build_seconds", {}),
            "validated_graphs": len(validation["graphs"]), "violations": validation["violations"],
            "warnings": validation["warnings"], **bench_incremental(corpus, root, jobs, runs)}


def _manifest(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "current" / "manifest.json").read_text(encoding="utf-8"))
    return data


def bench_incremental(corpus: Path, root: Path, jobs: int, runs: int) -> Figure:
    """One-file incremental rebuilds of a built store (median of at least 5), then the file restored."""
    from qgkg.build import build

    one = sorted(corpus.iterdir())[len(list(corpus.iterdir())) // 2]
    original = one.read_bytes()
    counter = {"n": 0}

    def incremental() -> Any:
        counter["n"] += 1
        one.write_bytes(original + f"\n{counter['n']}.开展质量宣传活动。（市市场监管局）\n".encode())
        return build(root, [corpus], jobs=jobs)

    inc_s, inc_report = timed(incremental, max(runs, 5))
    manifest = _manifest(root)
    one.write_bytes(original)
    build(root, [corpus], jobs=jobs)
    return {"incremental_s": inc_s, "incremental_extracted": inc_report.files_extracted,
            "incremental_post_build_steps": manifest.get("post_build_seconds", {}),
            "incremental_phase_seconds": manifest.get("phase_seconds", {})}


INTERNAL_PREFIXES = ("page_", "stats_", "network_")  # queries behind the web pages, not the analysts' own


def is_analyst_query(name: str) -> bool:
    """True for the analyst queries (``qgkg query NAME``), not those behind the web pages."""
    return not name.startswith(INTERNAL_PREFIXES)


def bench_queries(root: Path, runs: int) -> tuple[Figure, dict[str, dict[str, str]], Figure]:
    """Latency of every canned query on the embedded store (median of ``runs``), as users get it
    (answers from build-time tables where the query has them), and of the SPARQL alone for
    the queries answered from tables."""
    from graph.queries import get_query
    from graph.query.canned import CannedAnswers
    from graph.store import EmbeddedStore

    store = CannedAnswers(EmbeddedStore(root, base="https://w3id.org/qgkg/id/"))
    params = sample_params(store)
    out: Figure = {}
    sparql: Figure = {}
    for name, p in params.items():
        try:
            out[name], rows = timed(lambda n=name, p=p: store.select(n, **p) if not n.startswith("page_describe")
                                    else list(store.raw_query(_text(n), substitutions=_subs(n, p))), runs)
            if not name.startswith("page_describe") and store.answer(get_query(name), p) is not None:
                sparql[name], _ = timed(lambda n=name, p=p: list(store.raw_query(_text(n), substitutions=_subs(n, p))),
                                        min(runs, 3))
        except Exception as exc:  # a query the engine refuses is reported, not fatal
            out[name] = f"error: {str(exc).splitlines()[0][:80]}"
    return out, params, sparql


def _text(name: str) -> str:
    from graph.queries import get_query

    return get_query(name).text


def _subs(name: str, params: dict[str, str]) -> Any:
    from graph.queries import get_query
    from graph.store import bind_params

    return bind_params(get_query(name), params)


def bench_dump(root: Path) -> Figure:
    """``qgkg export --format nq`` in a child process: triples/s and peak memory (max RSS)."""
    hwm = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"
    code = ("import sys,time,io;from pathlib import Path;from graph.store import EmbeddedStore;"
            "from graph.store.formats import RdfFormat;s=EmbeddedStore(Path(sys.argv[1]),base='https://w3id.org/qgkg/id/');"
            f"rest={hwm};out=open('/dev/null','wb');t=time.perf_counter();n=s.dump(io.BufferedWriter(out),RdfFormat.NQ);"
            f"dt=time.perf_counter()-t;print(n,dt,{hwm},rest)")
    # VmHWM (peak resident memory of this process image) is reset by exec, unlike ru_maxrss
    res = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    n, dt, rss, rest = res.stdout.split()
    return {"statements": int(n), "seconds": float(dt), "per_s": int(n) / float(dt),
            "peak_mb": int(rss) / 1024, "baseline_mb": int(rest) / 1024}


def bench_shacl(root: Path, jobs: int) -> Figure:
    """``qgkg validate --recheck``: SHACL again over every plan graph read from the store, in parallel
    (a build already validates what it extracts; this is the cost of checking a whole store again)."""
    from graph.validate.store_checks import validate_store
    from qgkg.config import Settings

    t = time.perf_counter()
    try:
        summary = validate_store(Settings(store=root), jobs=jobs, recheck=True)
        how = "qgkg validate --recheck"
    except RuntimeError:  # pyoxigraph 0.5 refuses check.py's substitution: validate the plan graphs directly
        summary = _validate_plan_graphs(root, jobs)
        how = "validate_many over each plan graph + referenced entities"
    return {"seconds": time.perf_counter() - t, "graphs": len(summary), "how": how,
            "violations": sum(r.violations for r in summary.values())}


def _validate_plan_graphs(root: Path, jobs: int) -> dict[str, Any]:
    import pyoxigraph as ox
    import rdflib

    from graph.store import reference_graph_iri
    from graph.validate import validate_many

    store = ox.Store.read_only(str(root / os.readlink(root / "current") / "oxigraph"))
    ref = ox.NamedNode(reference_graph_iri("https://w3id.org/qgkg/id/"))

    def items() -> Any:
        for g in store.named_graphs():
            if g == ref:
                continue
            quads = list(store.quads_for_pattern(None, None, None, g))
            objects = {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
            context = [q for o in objects for q in store.quads_for_pattern(o, None, None, ref)]
            graph = rdflib.Graph()
            nt = ox.serialize((q.triple for q in quads + context), format=ox.RdfFormat.N_TRIPLES)
            graph.parse(data=nt.decode("utf-8"), format="nt")
            yield g.value, graph

    return validate_many(items(), jobs=jobs)


def bench_rdflib(root: Path, params: dict[str, dict[str, str]], runs: int) -> Figure:
    """The plain-rdflib way: N-Triples into an in-memory Graph, queries, serialization, whole-graph SHACL."""
    import rdflib

    from graph.queries import canned_queries
    from graph.store import EmbeddedStore
    from graph.store.formats import RdfFormat

    store = EmbeddedStore(root, base="https://w3id.org/qgkg/id/")
    buf = io.BytesIO()
    store.dump(buf, RdfFormat.NT)
    data = buf.getvalue()
    load_s, graph = timed(lambda: rdflib.Graph().parse(data=data, format="nt"), runs)
    out: Figure = {"load_s": load_s, "triples": len(graph), "queries": {}}
    for name, q in canned_queries().items():
        bindings = {k: (rdflib.URIRef(v) if v.startswith("http") else rdflib.Literal(int(v)) if v.isdigit()
                        else rdflib.Literal(v)) for k, v in params.get(name, {}).items()}
        out["queries"][name] = _limited(lambda q=q, b=bindings: timed(
            lambda: list(graph.query(q.text, initBindings=b)), runs)[0], RDFLIB_LIMIT)
    out["serialize_s"], _ = timed(lambda: graph.serialize(format="nt", encoding="utf-8"), runs)
    try:
        import pyshacl

        from shapes import shapes_graph

        t = time.perf_counter()
        pyshacl.validate(graph, shacl_graph=shapes_graph(), inference="none")
        out["shacl_s"] = time.perf_counter() - t
    except Exception as exc:
        out["shacl_s"] = f"error: {str(exc).splitlines()[0][:80]}"
    return out


RDFLIB_LIMIT = 300.0  # seconds: an rdflib query still running then is reported as "> 300 s"


def _limited(fn: Callable[[], float], limit: float) -> float | str:
    """Run ``fn`` in a forked child (it shares the loaded graph) and stop it after ``limit`` seconds."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target() -> None:
        try:
            child.send(fn())
        except Exception as exc:
            child.send(f"error: {str(exc).splitlines()[0][:80]}")

    proc = ctx.Process(target=target)
    proc.start()
    if parent.poll(limit):
        value = parent.recv()
        proc.join()
        return value  # type: ignore[no-any-return]
    proc.kill()
    proc.join()
    return f"> {limit:.0f} s (stopped)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_web(root: Path, params: dict[str, dict[str, str]], requests: int = 200) -> Figure:
    """A real ``qgkg serve``: entity and network page latency (p50/p99) and requests/s with 8 clients."""
    port = _free_port()
    env = {**os.environ, "QGKG_STORE": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "qgkg.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    return {"error": "qgkg serve did not start"}
                time.sleep(0.2)
        agency = params.get("agency_activities", {}).get("agency", "")
        city = params.get("coleading_agency_pairs", {}).get("city", "")
        plan = params.get("page_plan_activities", {}).get("plan", "")
        urls = {"entity": base + agency.replace("https://w3id.org/qgkg/id/", "/id/"),
                "network": base + "/network?" + urllib.parse.urlencode({"city": city.rsplit("/", 1)[-1], "year": ""}),
                "plan": base + plan.replace("https://w3id.org/qgkg/id/", "/id/"),
                "search": base + "/search?" + urllib.parse.urlencode({"q": "市场监管局"}),
                "search_short": base + "/search?" + urllib.parse.urlencode({"q": "质量"})}

        def get(url: str) -> float:
            t = time.perf_counter()
            with urllib.request.urlopen(url, timeout=120) as r:
                r.read()
            return time.perf_counter() - t

        out: Figure = {}
        for key, url in urls.items():
            get(url)  # warm
            lat = sorted(get(url) for _ in range(requests if key in ("entity", "network") else requests // 4))
            out[key] = {"p50": lat[len(lat) // 2], "p99": lat[int(len(lat) * 0.99) - 1]}
        t = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(get, [urls["entity"]] * requests))
        out["rps_8_clients"] = requests / (time.perf_counter() - t)
        return out
    finally:
        proc.terminate()
        proc.wait(30)


def run_size(plans: int, work: Path, runs: int, jobs: int, log: Callable[[str], None]) -> Figure:
    """Every figure for one corpus size."""
    corpus = work / f"plans-{plans}"
    if not corpus.is_dir() or len(list(corpus.iterdir())) != plans:
        shutil.rmtree(corpus, ignore_errors=True)
        generate(corpus, plans, 1)
    root = work / f"store-{plans}"
    fig: Figure = {"plans": plans, "corpus_mb": du(corpus) / 1e6}
    full_runs = runs if plans <= 1000 else 1
    fig["full_runs"] = full_runs
    log(f"{plans}: extraction")
    fig["extraction"] = bench_extraction(corpus, jobs)
    log(f"{plans}: build x{full_runs}")
    fig["build"] = bench_build(corpus, root, jobs, full_runs)
    log(f"{plans}: queries")
    fig["queries"], params, fig["queries_sparql"] = bench_queries(root, runs)
    log(f"{plans}: dump")
    fig["dump"] = bench_dump(root)
    log(f"{plans}: web")
    try:
        fig["web"] = bench_web(root, params)
    except Exception as exc:
        fig["web"] = {"error": str(exc)[:120]}
    log(f"{plans}: shacl (re-check of the whole store)")
    try:
        fig["shacl"] = bench_shacl(root, jobs)
    except Exception as exc:
        fig["shacl"] = {"error": str(exc)[:120]}
    if plans <= 1000:
        log(f"{plans}: rdflib baseline")
        fig["rdflib"] = bench_rdflib(root, params, runs)
    return fig


def machine() -> Figure:
    """Machine and versions."""
    from importlib.metadata import version

    mem = 0
    with open("/proc/meminfo") as fh:
        mem = int(fh.readline().split()[1]) // 1024
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "versions": {p: version(p) for p in ("pyoxigraph", "rdflib", "pyshacl", "qgkg")}}


def main(argv: list[str] | None = None) -> None:
    """Run the suite and write docs/BENCHMARKS.md (and the raw figures as JSON beside the work folder)."""
    parser = argparse.ArgumentParser(description="qgkg benchmark suite")
    parser.add_argument("--plans", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "qgkg-bench")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md")
    parser.add_argument("--incremental-only", action="store_true",
                        help="Only measure the one-file rebuild again on the stores already built (figures kept).")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)

    raw = args.work / "figures.json"
    figures: Figure = json.loads(raw.read_text()) if raw.is_file() else {}
    figures["machine"] = machine()
    figures["command"] = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
    figures["runs"] = args.runs
    for n in (int(x) for x in args.plans.split(",")):
        if args.incremental_only:
            log(f"{n}: incremental rebuilds")
            figures[str(n)]["build"].update(
                bench_incremental(args.work / f"plans-{n}", args.work / f"store-{n}", args.jobs, args.runs))
        else:
            figures[str(n)] = run_size(n, args.work, args.runs, args.jobs, log)
        raw.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
        write_report(figures, args.out)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
