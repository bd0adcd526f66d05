"""The extractor's version: a digest of the loaders' code and reference data.

A build stores it per source in the manifest, so that the next build after a change to the
loaders (code or YAML) extracts every file again instead of keeping graphs made by older rules.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """Hex SHA-256 (first 16 digits) over every ``.py`` and ``.yaml`` file of the loaders package.

    >>> len(extractor_version())
    16
    """
    h = hashlib.sha256()
    root = resources.files("loaders")
    for entry in sorted(_files(root), key=lambda e: e[0]):
        name, data = entry
        h.update(name.encode("utf-8") + b"\0" + data + b"\0")
    return h.hexdigest()[:16]


def _files(folder: resources.abc.Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    """(relative name, bytes) of the loader files under ``folder``, reference data included."""
    out: list[tuple[str, bytes]] = []
    for item in folder.iterdir():
        name = f"{prefix}{item.name}"
        if item.is_dir():
            if item.name != "__pycache__":
                out.extend(_files(item, name + "/"))
        elif item.name.endswith((".py", ".yaml")):
            out.append((name, item.read_bytes()))
    return out
