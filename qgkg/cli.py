"""The ``qgkg`` command line.

Exit codes (every command):
  0  success
  1  failure: bad input, no store, a damaged store (one line naming the file), a full disk or a
     read-only store folder (the previous version stays current), a refused or malformed query,
     SHACL violations
  2  usage error (unknown option, missing argument)
  3  build finished, but some files or web pages could not be loaded (the others were; the
     store keeps every plan it had)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from graph.store.formats import RdfFormat
from graph.store.versions import DEFAULT_KEEP
from qgkg.config import ONTOLOGY_NS, Settings
from qgkg.errors import QgkgError
from qgkg.options import EXIT_CODES, bundled_corpus, one_line_errors, settings_from, store_options
from qgkg.read_commands import export, network, query
from qgkg.store_commands import check_store, store_group

__all__ = ["bundled_corpus", "main"]


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
    if logging.getLogger("qgkg.store").getEffectiveLevel() > logging.WARNING:
        logging.getLogger("qgkg.store").setLevel(logging.WARNING)  # a dangling 'current' link is always said


@main.command(epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, metavar="[PATH|URL]...")
@store_options
@click.option("--urls", "url_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A file of URLs to fetch, one a line ('#' starts a comment).")
@click.option("--clean", is_flag=True, help="Start from an empty store.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes [default: CPU count].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--no-validate", is_flag=True,
              help="Skip SHACL while building (then 'qgkg validate' checks the whole store).")
@click.option("--fetch-delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between two requests to one host (robots.txt Crawl-delay wins when longer).")
@click.option("--fetch-timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True,
              help="Seconds to wait for a server to connect or send.")
@click.option("--fetch-retries", type=click.IntRange(min=0, max=10), default=2, show_default=True,
              help="Further attempts after a timeout, a connection failure or HTTP 429/5xx.")
@click.option("--keep", type=click.IntRange(min=1), default=DEFAULT_KEEP, show_default=True,
              help="Complete versions to keep (the new one included); older and interrupted ones are deleted.")
@one_line_errors
def build(paths: tuple[str, ...], url_file: Path | None, clean: bool, jobs: int | None, quiet: bool,
          no_validate: bool, fetch_delay: float, fetch_timeout: float, fetch_retries: int, keep: int,
          **kwargs: Any) -> None:
    """Add or update plans in the store from files and web pages (default: the bundled corpus).

    Files already in the store with the same name and content are kept as they are (a
    file whose size and modification time are unchanged is not read again; --clean reads
    everything); a changed file replaces its plan's named graph. Each plan extracted is
    validated with the SHACL shapes, and the reports are kept for 'qgkg validate'. A file
    that failed and has not changed is reported again, not retried. The build is atomic:
    a failed or interrupted build (a full disk, a read-only folder) leaves the previous store
    as it was. Each version records the digests of its files and graphs ('qgkg check-store').
    Once the new version is current, the newest --keep complete versions stay and older ones
    are deleted ('qgkg store list', 'qgkg store rollback').

    An http(s) URL (given as an argument or listed with --urls) is fetched politely:
    robots.txt is honoured, requests to one host are spaced by --fetch-delay, failures
    that may pass are retried with backoff, and answers over 16 MiB or not HTML are
    refused. The article is taken from the page (trafilatura) and read like a file; the
    plan records the URL, the final URL, the HTTP status, the retrieval time, the sha256
    of the page and its publication date. Pages are cached in the store: a rebuild asks
    with If-None-Match/If-Modified-Since and does not read an unchanged page again. A page
    that fails is one line naming the URL and the reason; the others are built, the
    store keeps every plan it had, and the exit code is 3.

    With --endpoint, the plans go to the SPARQL server, and what the build keeps locally
    (the files sent, the fetch cache, the pages and files as read) lives in the --store
    folder, under remote/<endpoint>/.
    """
    from fetch import FetchOptions, is_url, read_url_file

    settings = settings_from(kwargs)
    urls = [p for p in paths if is_url(p)] + (read_url_file(url_file) if url_file else [])
    files = [Path(p) for p in paths if not is_url(p)]
    targets = files or ([] if urls else [bundled_corpus()])
    options = FetchOptions(delay=fetch_delay, timeout=fetch_timeout, retries=fetch_retries)
    report = run_build(settings, targets, clean=clean, jobs=jobs, quiet=quiet, validate=not no_validate,
                       urls=urls, fetch=options, keep=keep)
    print_report(report, settings)
    if report.errors:
        sys.exit(3)


def run_build(settings: Settings, targets: list[Path], *, clean: bool = False, jobs: int | None = None,
              quiet: bool = False, validate: bool = True, urls: list[str] | None = None, fetch: Any = None,
              keep: int = DEFAULT_KEEP) -> Any:
    """Build the embedded store (with the post-build steps) or the remote one, with progress bars on stderr."""
    from tqdm import tqdm

    from graph.build.remote import build_remote
    from qgkg.build import build as do_build

    bar: dict[str, Any] = {}

    def on_urls(n: int) -> None:
        bar["pages"] = tqdm(total=n, unit="page", desc="fetching", disable=quiet or n == 0, file=sys.stderr)

    def on_page(url: str, result: Any) -> None:
        if "pages" in bar:  # failures are listed once, in the summary
            bar["pages"].update(1)

    def on_files(n: int) -> None:
        if "pages" in bar:
            bar.pop("pages").close()
        bar["bar"] = tqdm(total=n, unit="file", desc="extracting", disable=quiet or n == 0, file=sys.stderr)

    def progress(result: Any) -> None:
        if "bar" in bar:  # errors are listed once, in the summary
            bar["bar"].update(1)

    try:
        if settings.endpoint:
            return build_remote(settings, targets, clean=clean, jobs=jobs, progress=progress, on_files=on_files,
                                validate=validate, urls=urls or (), fetch=fetch, on_urls=on_urls, on_page=on_page)
        return do_build(settings.store, targets, base=settings.base, clean=clean, jobs=jobs,
                        progress=progress, on_files=on_files, validate=validate, urls=urls or (), fetch=fetch,
                        on_urls=on_urls, on_page=on_page, keep=keep)
    finally:
        for b in bar.values():
            b.close()


def print_report(report: Any, settings: Settings) -> None:
    """The one-screen summary after a build."""
    where = settings.endpoint or str(settings.store)
    click.echo(
        f"built {where} ({report.version}) in {report.seconds:.1f} s: "
        f"{report.files_extracted} file(s) extracted, {report.files_unchanged} unchanged, {len(report.errors)} failed"
    )
    if getattr(report, "requests", 0):
        click.echo(f"web: {report.pages_fetched} page(s) downloaded, {report.pages_not_modified} not modified (304), "
                   f"{report.requests} HTTP request(s)")
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
    for prefix, ns in (("qg", ONTOLOGY_NS), ("id", settings.base), ("org", "http://www.w3.org/ns/org#"),
                       ("prov", "http://www.w3.org/ns/prov#"), ("skos", "http://www.w3.org/2004/02/skos/core#"),
                       ("dcterms", "http://purl.org/dc/terms/"), ("time", "http://www.w3.org/2006/time#")):
        dataset.bind(prefix, ns)  # readable Turtle/TriG: qg:leadAgency, not ns1:leadAgency
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
    with --recheck). A remote store is always validated. With --recheck the version's files and
    graphs are first checked against the digests its build recorded ('qgkg check-store').
    """
    from graph.store.versions import repair_hint
    from graph.validate.store_checks import validate_store
    from qgkg.store_commands import full_problems

    settings = settings_from(kwargs)
    if recheck and not settings.endpoint:
        version, problems = full_problems(settings)
        for p in problems:
            click.echo(f"error: {p.line(version)}; {repair_hint(p, settings.store)}", err=True)
        if problems:
            sys.exit(1)
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
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1),
              help="Server threads kept for pages, search, the network and dumps (user SPARQL gets its own).")
@click.option("--query-workers", type=click.IntRange(min=1), default=None,
              help="Worker processes that run user SPARQL [env QGKG_QUERY_WORKERS; default 6].")
@click.option("--query-timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds a user query may run before its worker is killed [env QGKG_QUERY_TIMEOUT; default 30].")
@click.option("--per-client", type=click.IntRange(min=1), default=None,
              help="User queries one client (remote address) may have running [env QGKG_PER_CLIENT; default 1].")
@click.option("--client-queue", type=click.IntRange(min=0), default=None,
              help="Further queries a client may have waiting; beyond them: 429 with Retry-After "
                   "[env QGKG_CLIENT_QUEUE; default 4].")
@click.option("--query-queue", type=click.IntRange(min=0), default=None,
              help="User queries waiting in all; beyond them: 503 with Retry-After [env QGKG_QUERY_QUEUE; default 16].")
@click.option("--trusted-proxy", default=None, metavar="ADDRESS",
              help="A reverse proxy whose X-Forwarded-For names the client (default: none, the remote "
                   "address is the client) [env QGKG_TRUSTED_PROXY].")
@store_options
@one_line_errors
def serve(host: str, port: int, threads: int, query_workers: int | None, query_timeout: float | None,
          per_client: int | None, client_queue: int | None, query_queue: int | None, trusted_proxy: str | None,
          **kwargs: Any) -> None:
    """Serve the graph on the web (builds the bundled corpus first in a folder that never held a version).

    A store whose 'current' link is missing or dangling is served from its newest complete
    version, with a warning, and never built over. Before serving, the current version is
    checked cheaply against the digests its build recorded; a damaged side file is rebuilt
    from the Oxigraph store (one line each), a damaged graph refused (one line).

    User SPARQL runs in worker processes, each query killed at the time limit. A client
    (a remote address) may have --per-client queries running and --client-queue more
    waiting; beyond that it gets 429 with Retry-After, and when --query-queue queries
    wait in all, 503 with Retry-After. Pages, search, the network and dumps never wait
    behind user queries: --threads server threads are kept for them.
    """
    from graph.store import StoreDir
    from qgkg.store_commands import repair_on_open
    from web.serve import run

    settings = settings_from(kwargs)
    if not settings.endpoint:
        if StoreDir(settings.store).never_held_a_version():
            click.echo(f"the store {settings.store} never held a version: building the bundled corpus first",
                       err=True)
            report = run_build(settings, [bundled_corpus()])
            print_report(report, settings)
        for line in repair_on_open(settings):
            click.echo(f"repaired: {line}", err=True)
    limits: dict[str, Any] = {"query_workers": query_workers, "query_timeout": query_timeout, "per_client": per_client,
                              "client_queue": client_queue, "query_queue": query_queue,
                              "trusted_proxy": trusted_proxy}
    run(dataclasses.replace(settings, **{k: v for k, v in limits.items() if v is not None}),
        host=host, port=port, threads=threads)


main.add_command(query)
main.add_command(check_store)
main.add_command(store_group)
main.add_command(export)
main.add_command(network)


if __name__ == "__main__":
    main()
