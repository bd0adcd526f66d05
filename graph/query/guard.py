"""The walls of a query worker process: a hard memory cap and no network.

A worker calls ``confine_worker`` once, before it opens the store:

* ``RLIMIT_AS`` caps its address space (``QGKG_QUERY_MEMORY``, default 2 GiB): a query that
  grows without bound (a cross product sorted by ``ORDER BY``) fails its allocation and the
  worker dies instead of filling the machine; ``QueryService`` replaces it and tells the
  client in one line (``QueryMemoryError``).
* Where the kernel lets an unprivileged process do it (Linux user namespaces), the worker moves
  into a network namespace of its own, with no interface but a downed loopback: even a
  ``SERVICE`` that got past ``graph.store.guard`` could reach nothing. Where it cannot, the
  parser check stands alone.
"""

from __future__ import annotations

import ctypes
import os
import resource

DEFAULT_MEMORY = 2 * 1024**3  # bytes of address space a query worker may map
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def memory_limit() -> int:
    """The address-space cap of a query worker, in bytes (``QGKG_QUERY_MEMORY``, in MiB, or the default)."""
    raw = os.environ.get("QGKG_QUERY_MEMORY", "").strip()
    return int(float(raw) * 1024**2) if raw else DEFAULT_MEMORY


def confine_worker(memory: int) -> bool:
    """Cap this process's address space at ``memory`` bytes and cut it off the network; True when
    the network could be cut."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    return _leave_network()


def _leave_network() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET)) == 0
    except (OSError, AttributeError):
        return False
