"""One build at a time: an exclusive, non-blocking lock on the store folder."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

from qgkg.errors import StoreError


class BuildLock:
    """An exclusive, non-blocking lock on the store folder."""

    def __init__(self, root: Path) -> None:
        self.path = root / "build.lock"
        self.fh: Any = None

    def __enter__(self) -> BuildLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = self.path.open("a+")
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.seek(0)
            holder = self.fh.read().strip() or "another process"
            self.fh.close()
            raise StoreError(f"{self.path.parent}: another build is running ({holder}); try again when it ends")
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()}")
        self.fh.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()
