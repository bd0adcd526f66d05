"""Jinja helpers: links to entities, labels of terms, the search box; autoescape stays on."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from graph.store import PREFIXES, Value
from qgkg.errors import QgkgError
from web import urls


def curie(iri: str) -> str:
    """A compact name for a well-known IRI (``qg:Plan``, ``id:city/shanghai``), or the IRI itself."""
    base = urls.base()
    if iri.startswith(base) and len(iri) > len(base):
        return "id:" + iri[len(base) :]
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    if iri == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
        return "rdf:type"
    return iri


def term_text(value: Any) -> str:
    """The text of a term for display."""
    if isinstance(value, Value):
        return value.value
    return str(getattr(value, "value", value))


def register(app: Flask) -> None:
    """Install filters and globals."""
    app.jinja_env.globals.update(
        entity_href=urls.entity_href,
        entity_path=urls.entity_path,
        twin_path=urls.twin_path,
        query_permalink=urls.query_permalink,
        results_download=urls.results_download,
        source_download=urls.source_download,
    )
    app.jinja_env.filters["curie"] = curie
    app.jinja_env.filters["term"] = term_text

    @app.context_processor
    def cite() -> dict[str, Any]:
        """The dataset's citation, for the footer of every page."""
        from graph.meta.citation import citation
        from web.state import state

        try:
            st = state()
            store = st.holder.get()
            manifest = getattr(store, "manifest", None)
            version = store.version.name if store.version is not None else ""
            return {"citation": citation(st.settings.base, store_version=version,
                                         built_at=getattr(manifest, "built_at", "") or "")}
        except (QgkgError, OSError, KeyError, RuntimeError):  # an error page renders without a store
            return {"citation": None}

    @app.context_processor
    def search_box() -> dict[str, Any]:
        return {"search_q": request.args.get("q", "") if request.endpoint == "pages.search" else ""}
