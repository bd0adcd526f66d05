"""Docs checked by tests: the CLI reference and the README's commands."""

from __future__ import annotations

import re
from pathlib import Path

from graph.queries import canned_queries
from qgkg.clidoc import render

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8") == render(), (
        "docs/CLI.md is stale: run python -m qgkg.clidoc > docs/CLI.md"
    )


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"^python3 -m venv \.venv && \. \.venv/bin/activate && pip install -e '\.\[test\]' "
                        r"&& python -m pytest$", readme, re.M)
    assert command, "README must give the test command"
    assert command.group(0) in ci.splitlines()


def test_readme_names_every_bundled_query_folder_and_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("build", "extract", "validate", "query", "export", "network", "serve"):
        assert f"qgkg {command}" in readme
    assert canned_queries(), "no bundled queries"
