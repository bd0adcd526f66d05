"""The ``qgkg`` command line.

Exit codes (every command):
  0  success
  1  failure: bad input, no store, a refused or malformed query, SHACL violations
  2  usage error (unknown option, missing argument)
  3  build finished, but some files could not be loaded (the others were)
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

import click

from graph.store.formats import RdfFormat, ResultFormat
from qgkg.config import Settings
from qgkg.errors import QgkgError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = """\b
Exit codes: 0 success · 1 failure (bad input, no store, bad query,
SHACL violations) · 2 usage error · 3 build done but some files failed."""


def bundled_corpus() -> Path:
    """The folder of the bundled plans (package data)."""
    return Path(str(files("qgkg_corpus").joinpath("plans")))


def store_options(func: F) -> F:
    """``--store``/``--endpoint`` and friends, shared by every command that touches the graph."""
    options = [
        click.option("--store", "store", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Store folder [env QGKG_STORE; default ~/.local/share/qgkg/store]."),
        click.option("--endpoint", default=None, help="SPARQL query URL of a remote store [env QGKG_ENDPOINT]."),
        click.option("--update-endpoint", default=None, help="SPARQL update URL, when it can't be derived."),
        click.option("--gsp-endpoint", default=None, help="Graph Store Protocol URL, when it can't be derived."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_from(kwargs: dict[str, Any]) -> Settings:
    """Settings from the environment with command-line options on top."""
    return Settings.from_env(
        store=kwargs.pop("store", None),
        endpoint=kwargs.pop("endpoint", None),
        update_endpoint=kwargs.pop("update_endpoint", None),
        gsp_endpoint=kwargs.pop("gsp_endpoint", None),
    )


def one_line_errors(func: F) -> F:
    """Turn a QgkgError into a one-line message and exit code 1 (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QgkgError as exc:
            raise click.ClickException(str(exc)) from None
        except (ValueError, OSError) as exc:
            raise click.ClickException(" ".join(str(exc).split())) from None

    return wrapper  # type: ignore[return-value]


@click.group(epilog=EXIT_CODES)
@click.version_option(package_name="qgkg")
def main() -> None:
    """qgkg: a knowledge graph of China's quality-governance actors.

    Build a store from 质量月 plans, validate it with SHACL, query it with SPARQL,
    export it, analyse the collaboration network and serve it on the web.
    """
    # Loader warnings reach the user once, in the command's own summary; QGKG_LOG_LEVEL=INFO
    # (or WARNING) shows the structured log lines as well.
    level = os.environ.get("QGKG_LOG_LEVEL", "ERROR").upper()
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=getattr(logging, level, logging.ERROR))


@main.command(epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@store_options
@click.option("--clean", is_flag=True, help="Start from an empty store.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes [default: CPU count].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--no-validate", is_flag=True,
              help="Skip SHACL while building (then 'qgkg validate' checks the whole store).")
@one_line_errors
def build(paths: tuple[Path, ...], clean: bool, jobs: int | None, quiet: bool, no_validate: bool,
          **kwargs: Any) -> None:
    """Add or update plans in the store (default: the bundled corpus).

    Files already in the store with the same name and content are kept as they are (a
    file whose size and modification time are unchanged is not read again; --clean reads
    everything); a changed file replaces its plan's named graph. Each plan extracted is
    validated with the SHACL shapes, and the reports are kept for 'qgkg validate'. A file
    that failed and has not changed is reported again, not retried. The build is atomic:
    a failed or interrupted build leaves the previous store as it was.
    """
    settings = settings_from(kwargs)
    targets = list(paths) or [bundled_corpus()]
    if settings.endpoint:
        from graph.build.remote import build_remote

        report = build_remote(settings, targets, clean=clean, jobs=jobs, quiet=quiet)
    else:
        report = run_build(settings, targets, clean=clean, jobs=jobs, quiet=quiet, validate=not no_validate)
    print_report(report, settings)
    if report.errors:
        sys.exit(3)


def run_build(settings: Settings, targets: list[Path], *, clean: bool = False, jobs: int | None = None,
              quiet: bool = False, validate: bool = True) -> Any:
    """Build with a progress bar on stderr."""
    from tqdm import tqdm

    from qgkg.build import build as do_build

    bar: dict[str, Any] = {}

    def on_files(n: int) -> None:
        bar["bar"] = tqdm(total=n, unit="file", desc="extracting", disable=quiet or n == 0, file=sys.stderr)

    def progress(result: Any) -> None:
        if "bar" in bar:  # errors are listed once, in the summary
            bar["bar"].update(1)

    try:
        return do_build(settings.store, targets, base=settings.base, clean=clean, jobs=jobs,
                        progress=progress, on_files=on_files, validate=validate)
    finally:
        if "bar" in bar:
            bar["bar"].close()


def print_report(report: Any, settings: Settings) -> None:
    """The one-screen summary after a build."""
    where = settings.endpoint or str(settings.store)
    click.echo(
        f"built {where} ({report.version}) in {report.seconds:.1f} s: "
        f"{report.files_extracted} file(s) extracted, {report.files_unchanged} unchanged, {len(report.errors)} failed"
    )
    click.echo(
        f"store holds {report.plans} plans, {report.activities} activities, "
        f"{report.agencies} agencies, {report.triples} triples"
    )
    if report.warnings:
        click.echo(f"{len(report.warnings)} warning(s):")
        for w in report.warnings[:20]:
            click.echo(f"  warning: {w}")
        if len(report.warnings) > 20:
            click.echo(f"  … and {len(report.warnings) - 20} more")
    for e in report.errors:
        click.echo(f"error: {e}", err=True)


@main.command(epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="ttl", show_default=True,
              type=click.Choice(["ttl", "nt", "trig", "jsonld", "nq"]), help="Output format.")
@click.option("--base", default=None, help="Resource IRI base [env QGKG_BASE].")
@one_line_errors
def extract(paths: tuple[Path, ...], fmt: str, base: str | None) -> None:
    """Print the graph of the given plan files, without a store.

    Each plan's triples plus the types and labels of every jurisdiction, year,
    agency and programme they refer to, so that the output reads on its own.
    """
    from rdflib import Dataset, Graph, URIRef

    from graph.build import find_plan_files
    from loaders.plan import extract_file

    settings = Settings.from_env(base=base)
    dataset = Dataset()
    failures = []
    entities = Graph()
    for path in find_plan_files(list(paths)):
        try:
            ex = extract_file(path, base=settings.base)
        except QgkgError as exc:
            failures.append(str(exc))
            click.echo(f"error: {exc}", err=True)
            continue
        except Exception as exc:  # a loader bug: one line naming the file, as build reports it
            failures.append(f"{path}: internal error in the loader ({exc!r})")
            click.echo(f"error: {failures[-1]}", err=True)
            continue
        for plan in ex.plans:
            g = dataset.graph(URIRef(plan.iri))
            for triple in plan.graph:
                g.add(triple)
        entities += ex.entities
        for w in ex.warnings:
            click.echo(f"warning: {w}", err=True)
    fmt_enum = RdfFormat.parse(fmt)
    if fmt_enum.is_dataset:
        ref = dataset.graph(URIRef(settings.base + "graph/reference"))
        for triple in entities:
            ref.add(triple)
        data = dataset.serialize(format=fmt_enum.rdflib_name)
    else:
        merged = Graph()
        for prefix, ns in dataset.namespaces():
            merged.bind(prefix, ns)
        for s, p, o, _g in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        merged += entities
        data = merged.serialize(format=fmt_enum.rdflib_name)
    click.echo(data, nl=False)
    if failures:
        sys.exit(1)


@main.command(epilog=EXIT_CODES)
@store_options
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes [default: CPU count].")
@click.option("--verbose", "-v", is_flag=True, help="Print every result, not only the per-plan summary.")
@click.option("--recheck", is_flag=True,
              help="Validate every graph again from the store instead of reading the reports the builds kept.")
@one_line_errors
def validate(jobs: int | None, verbose: bool, recheck: bool, **kwargs: Any) -> None:
    """Validate the store with the SHACL shapes, plan by plan; exit 1 on violations.

    Builds validate each plan they extract and keep the reports; this command reads them
    when they were made with the current shapes, and validates the store otherwise (or
    with --recheck). A remote store is always validated.
    """
    from graph.validate.store_checks import validate_store

    settings = settings_from(kwargs)
    summary = validate_store(settings, jobs=jobs, recheck=recheck)
    for name, rep in summary.items():
        if rep.violations or rep.warnings or verbose:
            click.echo(f"{name}: {rep.violations} violation(s), {rep.warnings} warning(s)")
            for row in rep.results if verbose else [r for r in rep.results if r.severity == "Violation"][:10]:
                click.echo(f"  {row.severity}: {row.focus} {row.path or ''}: {row.message}")
    violations = sum(r.violations for r in summary.values())
    warnings = sum(r.warnings for r in summary.values())
    if violations:
        click.echo(f"does not conform: {violations} violation(s), {warnings} warning(s) in {len(summary)} graph(s)")
        sys.exit(1)
    click.echo(f"conforms: {len(summary)} graph(s) validated, {warnings} warning(s)")


@main.command(epilog=EXIT_CODES)
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", default=None,
              help="A .rq file, or the name of a bundled analyst query (see --list).")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter of a bundled query (repeatable).")
@click.option("--list", "list_queries", is_flag=True, help="List the bundled analyst queries.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "csv", "tsv", "json"]), help="Result format (graphs print as Turtle).")
@store_options
@one_line_errors
def query(query: str | None, query_file: str | None, params: tuple[str, ...], list_queries: bool, fmt: str,
          **kwargs: Any) -> None:
    """Run a SPARQL query (QUERY text, or -f FILE) over the union of all graphs."""
    from graph.queries import canned_queries, get_query, parse_query_file
    from graph.store import check_params, check_query_allowed, open_store
    from graph.table import print_table

    if list_queries:
        for name, q in canned_queries().items():
            ps = " ".join(f"[{p.name}]" if p.optional else p.name for p in q.params)
            click.echo(f"{name} {ps}\n    {q.title}: {q.description}")
        return
    if bool(query) == bool(query_file):
        raise click.UsageError("give a QUERY or -f FILE (not both)")
    bound: dict[str, str] = {}
    for item in params:
        if "=" not in item:
            raise click.UsageError(f"--param wants NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        bound[k.strip()] = v
    settings = settings_from(kwargs)
    if query_file:
        path = Path(query_file)
        if path.is_file():
            canned = parse_query_file(path.stem, path.read_text(encoding="utf-8")) if path.suffix == ".rq" else None
            text = path.read_text(encoding="utf-8")
        else:
            canned = get_query(query_file)
            text = canned.text
    elif str(query) in canned_queries():
        canned = get_query(str(query))  # `qgkg query NAME`: a bundled analyst query
        text = canned.text
    else:
        canned, text = None, str(query)
    check_query_allowed(text)
    store = open_store(settings)
    values = check_params(canned, bound) if canned else None
    if bound and not canned:
        raise click.UsageError("--param needs a query file with '# param:' lines")
    if canned is not None and canned.name in canned_queries() and canned.text == get_query(canned.name).text:
        # the bundled query itself: answered from the build-time tables when the store has them
        from graph.query.canned import CannedAnswers

        result = CannedAnswers(store).results(canned, bound)
    else:
        result = store.query(text, params=values)
    out = sys.stdout.buffer
    if fmt == "table":
        print_table(result, out)
    elif result.kind == "graph":
        result.serialize(out, RdfFormat.TTL)
    else:
        result.serialize(out, ResultFormat.parse(fmt))
    out.flush()


@main.command(epilog=EXIT_CODES)
@click.option("--format", "fmt", required=True, type=click.Choice(["nq", "trig", "ttl", "nt", "jsonld"]),
              help="nq and trig keep one named graph per plan; the others give the union.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (gzipped when it ends in .gz) instead of stdout.")
@store_options
@one_line_errors
def export(fmt: str, output: Path | None, **kwargs: Any) -> None:
    """Export the whole graph."""
    from graph.store import open_store

    settings = settings_from(kwargs)
    store = open_store(settings)
    rdf = RdfFormat.parse(fmt)
    if output is None:
        n = store.dump(sys.stdout.buffer, rdf)
        sys.stdout.buffer.flush()
    elif output.exists() and not output.is_file():  # a device or a pipe (/dev/null): write to it as it is
        with output.open("wb") as fh:
            n = store.dump(io.BufferedWriter(fh), rdf)  # type: ignore[arg-type]
        click.echo(f"wrote {n} statements to {output}", err=True)
    else:
        tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        try:
            if output.suffix == ".gz":
                import gzip

                with gzip.open(tmp, "wb") as gz:
                    n = store.dump(gz, rdf)  # type: ignore[arg-type]
            else:
                with tmp.open("wb") as fh:
                    n = store.dump(io.BufferedWriter(fh), rdf)  # type: ignore[arg-type]
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
        click.echo(f"wrote {n} statements to {output}", err=True)


@main.command(epilog=EXIT_CODES)
@click.option("--city", default=None, help="City name (上海市, 上海, Shanghai) or IRI.")
@click.option("--year", default=None, help="A year (2021) or a range (2019-2022).")
@click.option("--programme", default=None, help="Programme code, e.g. chief_quality_officer.")
@click.option("--min-weight", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--no-collective", is_flag=True, help="Leave out collective actors (各区市场监管局 …).")
@click.option("--format", "fmt", required=True, type=click.Choice(["gexf", "graphml", "csv", "json"]))
@click.option("--dynamic", is_flag=True, help="GEXF with one spell per year (Gephi's timeline).")
@click.option("--table", type=click.Choice(["edges", "nodes"]), default="edges", show_default=True,
              help="CSV only: the edge list or the node table (with the figures).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of stdout.")
@store_options
@one_line_errors
def network(city: str | None, year: str | None, programme: str | None, min_weight: int, no_collective: bool,
            fmt: str, dynamic: bool, table: str, output: Path | None, **kwargs: Any) -> None:
    """Export the collaboration network (agencies linked when they co-lead an activity)."""
    from graph.network.collaboration import NetworkFilter, build_network, write_network
    from graph.store import open_store

    settings = settings_from(kwargs)
    store = open_store(settings)
    flt = NetworkFilter.parse(city=city, year=year, programme=programme, min_weight=min_weight,
                              collective=not no_collective)
    net = build_network(store, flt)
    if output is None:
        buf = io.BytesIO()
        write_network(net, buf, fmt, dynamic=dynamic, table=table)
        sys.stdout.buffer.write(buf.getvalue())
    else:
        with output.open("wb") as fh:
            write_network(net, fh, fmt, dynamic=dynamic, table=table)
    if net.number_of_nodes() == 0:
        click.echo("the selection is empty: no co-led activities match the filters", err=True)


@main.command(epilog=EXIT_CODES)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1))
@store_options
@one_line_errors
def serve(host: str, port: int, threads: int, **kwargs: Any) -> None:
    """Serve the graph on the web (builds the bundled corpus first if the store is empty)."""
    from graph.store import StoreDir
    from web.serve import run

    settings = settings_from(kwargs)
    if not settings.endpoint and StoreDir(settings.store).is_empty():
        click.echo(f"the store {settings.store} is empty: building the bundled corpus first", err=True)
        report = run_build(settings, [bundled_corpus()])
        print_report(report, settings)
    run(settings, host=host, port=port, threads=threads)


if __name__ == "__main__":
    main()
