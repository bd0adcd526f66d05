"""Worker processes of a build die with it: a ``kill -9`` of ``qgkg build`` leaves no orphan behind.

Each worker asks the kernel for ``SIGKILL`` when its parent dies (Linux ``PR_SET_PDEATHSIG``),
then checks that the parent it was started by is still there (it may have died first). On a
system without ``prctl`` the workers still stop when they find their parent gone (the pool's
pipe closes), only later. The build lock does not depend on any of this: it is a POSIX record
lock owned by the build process alone (``graph.build.lock``), which forked workers never hold.
"""

from __future__ import annotations

import ctypes
import os
import signal
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a worker: be killed when the process ``parent`` ends (and end now if it already has)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pool's closed pipe stops the worker later
        pass
    if os.getppid() != parent:
        os._exit(1)


def worker_pool(max_workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process."""
    return ProcessPoolExecutor(max_workers=max_workers, initializer=die_with_parent, initargs=(os.getpid(),))
