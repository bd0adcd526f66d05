"""How to cite the dataset: title, version, date, licence and IRI, shown at the foot of every page."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

TITLE = "qgkg: a knowledge graph of China's quality-governance actors"
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class Citation:
    """The parts of a citation of one version of the dataset."""

    title: str
    version: str
    date: str
    licence: str
    licence_url: str
    iri: str

    def text(self) -> str:
        """The citation as one line.

        >>> Citation("T", "0.1.0 (store v1)", "2026-12-02", "CC BY 4.0", "u", "https://w3id.org/qgkg/").text()
        'T, version 0.1.0 (store v1), 2026-12-02. CC BY 4.0. https://w3id.org/qgkg/'
        """
        when = f", {self.date}" if self.date else ""
        return f"{self.title}, version {self.version}{when}. {self.licence}. {self.iri}"


def dataset_iri(base: str) -> str:
    """The dataset's IRI: the resource base without its ``id/`` (``https://w3id.org/qgkg/``)."""
    return base[: -len("id/")] if base.endswith("/id/") else base


def citation(base: str, *, store_version: str = "", built_at: str = "") -> Citation:
    """The citation of the dataset as this server holds it (store version and build date when known)."""
    try:
        code = version("qgkg")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
        code = "unknown"
    ver = f"{code} (store {store_version})" if store_version else code
    return Citation(TITLE, ver, built_at[:10], LICENCE, LICENCE_URL, dataset_iri(base))
