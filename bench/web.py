"""Web figures alone, on a store built by the suite: ``python -m bench.web STORE_DIR``.

Entity and network page latency (p50/p99 over 200 requests) and requests/s with 8 clients,
against a real ``qgkg serve`` (the same measurement as ``bench.run``'s web row), printed as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.run import bench_web, sample_params
from graph.store import EmbeddedStore
from qgkg.config import DEFAULT_BASE


def main(argv: list[str]) -> int:
    """Measure and print."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[0])
    params = sample_params(EmbeddedStore(root, base=DEFAULT_BASE))
    print(json.dumps(bench_web(root, params), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
