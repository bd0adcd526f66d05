"""What every command shares: the store options, settings from them, one-line errors, exit codes, the bundled corpus."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

import click

from qgkg.config import Settings
from qgkg.errors import QgkgError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = """\b
Exit codes: 0 success · 1 failure (bad input, no store, a damaged
store, a full disk or read-only folder, bad query, SHACL violations) ·
2 usage error · 3 build done but some files or web pages failed (404,
timeout, robots.txt, not HTML, no article: one line each)."""


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
