"""The commands that read the graph: ``qgkg query``, ``qgkg export`` and ``qgkg network``."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import click

from graph.store.formats import RdfFormat, ResultFormat
from qgkg.errors import QgkgError
from qgkg.options import EXIT_CODES, one_line_errors, settings_from, store_options


@click.command(epilog=EXIT_CODES)
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", default=None,
              help="A .rq file, or the name of a bundled analyst query (see --list).")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter (repeatable); city, agency, programme … take an IRI or a name (上海市, Shanghai).")
@click.option("--list", "list_queries", is_flag=True, help="List the bundled analyst queries.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "csv", "tsv", "json"]), help="Result format (graphs print as Turtle).")
@store_options
@one_line_errors
def query(query: str | None, query_file: str | None, params: tuple[str, ...], list_queries: bool, fmt: str,
          **kwargs: Any) -> None:
    """Run a SPARQL query (QUERY text, or -f FILE) over the union of all graphs.

    The standard prefixes (qg, id, skos, rdfs, rdf, xsd, org, prov, dcterms, time, owl, sh,
    void, dcat) are predeclared and relative IRIs resolve against the resource base; a
    query's own PREFIX and BASE win. A .rq file needs no header.
    """
    from graph.queries import canned_queries, get_query, parse_query_file
    from graph.query.errors import syntax_error
    from graph.query.names import plain_query, resolve_params
    from graph.query.prefixes import PROLOGUE_LINES, predeclared, with_prologue
    from graph.store import check_params, check_query_allowed, open_store
    from qgkg.errors import QueryError
    from qgkg.table import print_table

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
            text = path.read_text(encoding="utf-8")
            canned = parse_query_file(path.stem, text, require_header=False)  # headers are optional
            if bound and not canned.params:
                canned = plain_query(path.stem, text, bound)  # kinds taken from the values given
        else:
            canned = get_query(query_file)
            text = canned.text
    elif str(query) in canned_queries():
        canned = get_query(str(query))  # `qgkg query NAME`: a bundled analyst query
        text = canned.text
    else:
        canned, text = None, str(query)
    check_query_allowed(text)
    if bound and not canned:
        canned = plain_query("query", text, bound)
    store = open_store(settings)
    if canned is not None:
        bound = resolve_params(store, canned, bound)  # entity parameters given by name become IRIs
    values = check_params(canned, bound) if canned else None
    if canned is not None and canned.name in canned_queries() and canned.text == get_query(canned.name).text:
        # the bundled query itself: answered from the build-time tables when the store has them
        from graph.query.canned import CannedAnswers

        result = CannedAnswers(store).results(canned, bound)
    else:
        try:  # with the standard prefixes and the base IRI predeclared (the query's own win)
            result = store.query(with_prologue(text, store.base), params=values)
        except QueryError as exc:
            if isinstance(exc.__cause__, SyntaxError):
                raise syntax_error(str(exc.__cause__), text, line_offset=PROLOGUE_LINES,
                                   known_prefixes=predeclared(store.base)) from None
            raise
    out = sys.stdout.buffer
    if fmt == "table":
        print_table(result, out)
    elif result.kind == "graph":
        result.serialize(out, RdfFormat.TTL)
    else:
        result.serialize(out, ResultFormat.parse(fmt))
    out.flush()


@click.command(epilog=EXIT_CODES)
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


@click.command(epilog=EXIT_CODES)
@click.option("--city", default=None, help="City name (上海市, 上海, Shanghai) or IRI.")
@click.option("--year", default=None, help="A year (2021) or a range (2019-2022).")
@click.option("--programme", default=None, help="Programme code, e.g. chief_quality_officer.")
@click.option("--min-weight", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--no-collective", is_flag=True, help="Leave out collective actors (各区市场监管局 …).")
@click.option("--no-generic", is_flag=True,
              help="Leave out generic categories (有关质量技术机构, 政府质量奖获奖组织 …).")
@click.option("--format", "fmt", required=True, type=click.Choice(["gexf", "graphml", "csv", "json"]))
@click.option("--dynamic", is_flag=True, help="GEXF with one spell per year (Gephi's timeline).")
@click.option("--table", type=click.Choice(["edges", "nodes"]), default="edges", show_default=True,
              help="CSV only: the edge list or the node table (with the figures).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of stdout.")
@store_options
@one_line_errors
def network(city: str | None, year: str | None, programme: str | None, min_weight: int, no_collective: bool,
            no_generic: bool, fmt: str, dynamic: bool, table: str, output: Path | None, **kwargs: Any) -> None:
    """Export the collaboration network (agencies linked when they co-lead an activity)."""
    from graph.network.collaboration import NetworkFilter, build_network, write_network
    from graph.store import open_store

    settings = settings_from(kwargs)
    store = open_store(settings)
    flt = NetworkFilter.parse(city=city, year=year, programme=programme, min_weight=min_weight,
                              collective=not no_collective, generic=not no_generic)
    net = build_network(store, flt)
    if net.graph.get("not_found"):  # an unknown city, year or programme is bad input: exit 1, nothing written
        raise QgkgError(net.graph["message"])
    if output is None:
        buf = io.BytesIO()
        write_network(net, buf, fmt, dynamic=dynamic, table=table)
        sys.stdout.buffer.write(buf.getvalue())
    else:
        with output.open("wb") as fh:
            write_network(net, fh, fmt, dynamic=dynamic, table=table)
    if net.number_of_nodes() == 0:
        click.echo("the selection is empty: no co-led activities match the filters", err=True)
