"""The qgkg web app: a browser, a SPARQL endpoint, linked data and dumps (``create_app``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory (see ``web.app.create_app``)."""
    from web.app import create_app as _create_app

    return _create_app(config)
