"""Settings read from ``QGKG_*`` environment variables at call time, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE = "https://w3id.org/qgkg/id/"
ONTOLOGY_NS = "https://w3id.org/qgkg/ontology#"


def default_store_dir() -> Path:
    """The store used when neither ``--store`` nor ``QGKG_STORE`` is given."""
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "qgkg" / "store"


@dataclass(frozen=True)
class Settings:
    """What a command or the web app needs to find the graph."""

    store: Path = field(default_factory=default_store_dir)
    endpoint: str | None = None
    update_endpoint: str | None = None
    gsp_endpoint: str | None = None
    base: str = DEFAULT_BASE
    query_timeout: float = 30.0
    result_limit: int = 10_000
    connection_limit: int = 1000  # open connections waitress keeps (QGKG_CONNECTION_LIMIT)
    channel_timeout: int = 30  # seconds a connection may stay silent mid-request or idle (QGKG_CHANNEL_TIMEOUT)
    query_workers: int = 6  # worker processes for user SPARQL (QGKG_QUERY_WORKERS)
    per_client: int = 1  # user queries one client (remote address) may have running (QGKG_PER_CLIENT)
    client_queue: int = 4  # and waiting besides (QGKG_CLIENT_QUEUE); beyond: 429
    query_queue: int = 16  # user queries waiting in all (QGKG_QUERY_QUEUE); beyond: 503
    trusted_proxy: str | None = None  # a reverse proxy whose X-Forwarded-For names the client (QGKG_TRUSTED_PROXY)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from the environment; keyword arguments that are not None win."""
        env: dict[str, object] = {}
        if os.environ.get("QGKG_STORE"):
            env["store"] = Path(os.environ["QGKG_STORE"])
        if os.environ.get("QGKG_ENDPOINT"):
            env["endpoint"] = os.environ["QGKG_ENDPOINT"]
        if os.environ.get("QGKG_BASE"):
            env["base"] = os.environ["QGKG_BASE"]
        if os.environ.get("QGKG_TRUSTED_PROXY"):
            env["trusted_proxy"] = os.environ["QGKG_TRUSTED_PROXY"]
        if os.environ.get("QGKG_QUERY_TIMEOUT"):
            env["query_timeout"] = float(os.environ["QGKG_QUERY_TIMEOUT"])
        for name in ("connection_limit", "channel_timeout", "query_workers", "per_client", "client_queue",
                     "query_queue"):
            if os.environ.get(f"QGKG_{name.upper()}"):
                env[name] = int(os.environ[f"QGKG_{name.upper()}"])
        env.update({k: v for k, v in overrides.items() if v is not None})
        if "store" in env:
            env["store"] = Path(str(env["store"]))
        base = str(env.get("base", DEFAULT_BASE))
        if not base.endswith("/"):
            env["base"] = base + "/"
        return cls(**env)  # type: ignore[arg-type]
