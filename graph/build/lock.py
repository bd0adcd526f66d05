"""One build at a time: an exclusive, non-blocking lock on the store folder.

The lock is a POSIX record lock (``fcntl.lockf``) on ``build.lock``, owned by the build process
alone: the worker processes it forks do not inherit it, and the kernel drops it the moment the
build dies, however it dies. The file records the holder (``pid N``) and is emptied when a build
ends; a build that finds it non-empty takes over the lock of a build that died, and says so
(``taken_over``, a warning in the build's summary). Record locks do not exclude within one
process, and closing any handle of the file drops them, so the locks this process holds are
also kept in a set, checked before the file is opened.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import Any

from qgkg.errors import StoreError

_HELD: set[str] = set()  # lock files this process holds
_HELD_LOCK = threading.Lock()


class BuildLock:
    """An exclusive, non-blocking lock on the store folder."""

    def __init__(self, root: Path) -> None:
        self.path = root / "build.lock"
        self.fh: Any = None
        self.taken_over: str | None = None  # the warning when a dead build's lock was taken over
        self.key = ""

    def __enter__(self) -> BuildLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.open("a").close()
        except OSError as exc:  # a read-only or full folder: nothing is written, the store stays as it was
            raise StoreError(f"{self.path}: cannot take the build lock ({exc.strerror or exc}); "
                             "nothing was changed") from None
        key = str(self.path.resolve())
        with _HELD_LOCK:
            if key in _HELD:
                raise StoreError(f"{self.path.parent}: another build is running (pid {os.getpid()}, this process); "
                                 "try again when it ends")
            self.fh = self.path.open("a+")
            try:
                fcntl.lockf(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # EACCES or EAGAIN: held by a live build
                self.fh.seek(0)
                holder = self.fh.read().strip() or "another process"
                self.fh.close()
                raise StoreError(f"{self.path.parent}: another build is running ({holder}); try again when it ends")
            _HELD.add(key)
        self.key = key
        self.fh.seek(0)
        previous = self.fh.read().strip()
        if previous:
            self.taken_over = (f"{self.path}: the build that held it ({previous}) is no longer running; "
                               "its lock was taken over")
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()}")
        self.fh.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.flush()
        fcntl.lockf(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()
        with _HELD_LOCK:
            _HELD.discard(self.key)
