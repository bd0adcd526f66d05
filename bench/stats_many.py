"""The statistics step when many plans change at once (docs/BENCHMARKS.md, "Statistics of many changed plans").

    python -m bench.stats_many --files 1000 WORK_DIR

Builds ``--files`` tiny plans (``bench.tiny``), changes every file, and times the statistics step
of the rebuild twice on copies of the same store: reading the changed plans' graphs as one
default graph of that many graphs (the old way), and reading the union once (what
``graph.derived.stats.write_stats`` does past ``FEW_GRAPHS`` changed plans). Both must give the
same ``stats.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

import graph.derived.stats as stats
from bench.tiny import write_tiny
from graph.build import build as build_store
from qgkg.build import POST_BUILD_STEPS, build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("work", type=Path)
    args = parser.parse_args()
    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    files = work / "files"
    write_tiny(files, args.files)
    t = time.perf_counter()
    build(work / "store", [files])
    print(f"first build of {args.files} tiny plans: {time.perf_counter() - t:.1f} s")
    for f in files.iterdir():
        f.write_text(f.read_text(encoding="utf-8") + "三、开展质量月宣传。\n", encoding="utf-8")
    seconds: dict[str, float] = {}
    for way, few in (("list of graphs", 10**9), ("union", 64)):
        store = work / f"store-{few}"
        shutil.copytree(work / "store", store, symlinks=True)

        def clocked(version: Path, ox_store: Any, delta: Any, _way: str = way, _few: int = few) -> None:
            stats.FEW_GRAPHS = _few
            t0 = time.perf_counter()
            stats.write_stats(version, ox_store, delta)
            seconds[_way] = time.perf_counter() - t0

        steps = tuple(clocked if s is stats.write_stats else s for s in POST_BUILD_STEPS)
        build_store(store, [files], steps=steps)
        print(f"rebuild of {args.files} changed plans, statistics step reading a {way}: {seconds[way]:.2f} s")
    a, b = (json.loads((work / f"store-{n}" / "current" / "stats.json").read_text(encoding="utf-8"))
            for n in (10**9, 64))
    print("same stats.json:", a["plans"] == b["plans"] and a["counts"] == b["counts"])


if __name__ == "__main__":
    main()
