"""Many tiny plan files, for timing a build's scaling in the number of files (docs/RELIABILITY.md, issue 16).

    python -m bench.tiny --files 5000 OUT_DIR
    /usr/bin/time -f "%e s %M KB" qgkg build -q --store /tmp/s OUT_DIR

Each file is three lines: a title naming one of 20 cities and a year, and two numbered items,
each led by an agency; the second agency is distinct per file modulo 97 and city, so the
reference graph grows with the files (5,000 files: 1,960 agencies).
"""

from __future__ import annotations

import argparse
from pathlib import Path

CITIES = ("上海市", "北京市", "济南市", "青岛市", "杭州市", "宁波市", "南京市", "苏州市", "广州市", "深圳市",
          "成都市", "武汉市", "西安市", "郑州市", "长沙市", "合肥市", "福州市", "厦门市", "昆明市", "贵阳市")


def write_tiny(out: Path, files: int) -> None:
    """Write ``files`` tiny plan files into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        city = CITIES[i % len(CITIES)]
        (out / f"plan-{i:05d}.txt").write_text(
            f"{city}{2000 + i % 25}年质量月活动方案\n一、开展第{i}次质量宣传活动（{city}市场监督管理局负责）。\n"
            f"二、组织质量开放日{i}（{city}第{i % 97}检测中心）。\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    write_tiny(args.out, args.files)


if __name__ == "__main__":
    main()
