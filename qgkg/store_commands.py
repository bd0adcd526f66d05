"""``qgkg check-store`` and ``qgkg store list|rollback``: a store that checks itself, and its versions.

A version's manifest records the digest of every other file and a count and digest of each
graph's quads (``graph.store.integrity``). ``check-store`` compares them all again; with
``--repair`` the side files (statistics, network tables, dumps, search index, SHACL report) are
written again from the Oxigraph store, which is the source of truth. A damaged graph cannot be
repaired: ``qgkg store rollback`` makes an earlier version current, or the store is rebuilt.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from graph.store import StoreDir, Version
from graph.store.integrity import Problem
from graph.store.versions import REPAIRABLE, damaged, repair_hint
from qgkg.config import Settings
from qgkg.errors import StoreError
from qgkg.options import EXIT_CODES, one_line_errors, settings_from, store_options


def current_version(settings: Settings) -> Path:
    """The current version of the embedded store, with the ``current`` link's warning on stderr."""
    if settings.endpoint:
        raise StoreError(f"{settings.endpoint}: a remote store has no versions to check (use --store)")
    sdir = StoreDir(settings.store)
    version = sdir.current()
    problem = sdir.link_problem()
    if version is None:
        raise StoreError(problem or f"{settings.store}: no graph built yet (run 'qgkg build')")
    if problem:
        click.echo(f"warning: {problem}", err=True)
    return version


def repair(settings: Settings, version: Path, problems: list[Problem]) -> list[str]:
    """Write the damaged side files of ``version`` again from its Oxigraph store; one line per file.

    It holds the build lock: no build copies (or prunes) the version while it is repaired.
    """
    from graph.build.lock import BuildLock
    from graph.build.repair import rebuild_side_files
    from graph.validate.store_checks import validate_version
    from qgkg.build import SIDE_FILE_STEPS

    with BuildLock(settings.store):
        return rebuild_side_files(version, problems, SIDE_FILE_STEPS, base=settings.base,
                                  others={"validation.json": lambda v: validate_version(settings, v)})


def repair_on_open(settings: Settings) -> list[str]:
    """The cheap check of the current version; damaged side files rebuilt (one line each), a damaged
    graph refused with one line. Run by ``qgkg serve`` before it serves."""
    version = current_version(settings)
    problems = Version(version).problems()
    graph = [p for p in problems if p.part not in REPAIRABLE]
    if graph:
        raise damaged(version, graph, settings.store)
    return repair(settings, version, problems) if problems else []


def full_problems(settings: Settings) -> tuple[Path, list[Problem]]:
    """The current version and what the full check finds wrong with it."""
    version = current_version(settings)
    return version, Version(version).problems(full=True)


@click.command("check-store", epilog=EXIT_CODES)
@store_options
@click.option("--repair", "do_repair", is_flag=True,
              help="Write damaged or missing side files again from the Oxigraph store.")
@click.option("--quick", is_flag=True, help="Only the cheap check every open runs (sizes, small files' digests).")
@one_line_errors
def check_store(do_repair: bool, quick: bool, **kwargs: Any) -> None:
    """Check the current version against the digests its build recorded; exit 1 if anything is wrong.

    Every file of the version is hashed and every graph's quads are counted and digested again
    from Oxigraph. Each problem is one line naming the file and what repairs it; --repair
    rebuilds the side files (statistics, network tables, dumps, search index, SHACL report)
    from the Oxigraph store. A damaged graph is repaired only by 'qgkg store rollback' or a
    rebuild.
    """
    settings = settings_from(kwargs)
    started = time.perf_counter()
    version = current_version(settings)
    files = Version(version)
    problems = files.problems(full=not quick)
    if do_repair:
        fixable = [p for p in problems if p.part in REPAIRABLE]
        for line in repair(settings, version, fixable) if fixable else []:
            click.echo(f"repaired: {line}")
        problems = [p for p in problems if p.part not in REPAIRABLE]
    for p in problems:
        click.echo(f"error: {p.line(version)}; {repair_hint(p, settings.store)}", err=True)
    if problems:
        sys.exit(1)
    integrity = files.manifest().integrity or {}
    graphs = integrity.get("graphs", {}).get("oxigraph", {})
    click.echo(f"{version}: intact ({'quick check' if quick else 'full check'}: {len(integrity.get('files', {}))} "
               f"files, {len(graphs)} graphs, {sum(n for n, _d in graphs.values())} quads) "
               f"in {time.perf_counter() - started:.2f} s")


@click.group("store", epilog=EXIT_CODES)
def store_group() -> None:
    """Show the versions of the store and choose which one is current."""


@store_group.command("list", epilog=EXIT_CODES)
@store_options
@one_line_errors
def store_list(**kwargs: Any) -> None:
    """List the versions: which is current, complete or not, how many plans, when built."""
    settings = settings_from(kwargs)
    sdir = StoreDir(settings.store)
    problem = sdir.link_problem()
    if problem:
        click.echo(f"warning: {problem}", err=True)
    infos = sdir.infos()
    if not infos:
        raise StoreError(f"{settings.store}: no versions (run 'qgkg build')")
    for info in infos:
        mark = "*" if info.current else " "
        if not info.complete:
            state = "incomplete (being built, or an interrupted build: the next build deletes it)"
        elif info.problem:
            state = f"unreadable manifest: {info.problem}"
        else:
            state = f"{info.plans} plans, built {info.built_at}"
        click.echo(f"{mark} {info.name}  {state}")


@store_group.command("rollback", epilog=EXIT_CODES)
@click.argument("version")
@store_options
@one_line_errors
def store_rollback(version: str, **kwargs: Any) -> None:
    """Make VERSION (v0000000003, v3 or 3) current, atomically; the newer versions are kept.

    The version must be complete and pass the cheap integrity check. The next build starts
    from it; pruning keeps the newest versions (see 'qgkg build --keep').
    """
    settings = settings_from(kwargs)
    sdir = StoreDir(settings.store)
    target = sdir.find(version)
    files = Version(target)
    if not files.is_complete():
        raise StoreError(f"{target}: incomplete (an interrupted build): it cannot be made current")
    problems = files.problems()
    if problems:
        raise damaged(target, problems, settings.store)
    from graph.build.lock import BuildLock

    before = sdir.linked()
    with BuildLock(settings.store):  # not while a build is about to switch or prune
        try:
            sdir.switch_to(target)
        except OSError as exc:
            raise StoreError(f"{sdir.current_link}: cannot switch ({exc.strerror or exc})") from None
    click.echo(f"current is now {target.name} (was {before.name if before else 'none'})")
