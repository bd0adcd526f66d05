"""Synthetic 质量月 plan texts in every layout of the bundled plans, deterministic for a seed.

    python -m bench.generate --plans 1000 --seed 1 OUT_DIR

Plan ``i`` depends only on ``(seed, i)``, so the first 1,000 plans of a 10,000-plan corpus
are the 1,000-plan corpus. Layouts: numbered items with trailing agency parentheses,
(一)-sections with restarting items, 一是…二是 paragraphs, 部门：任务 lines, the district
report, and variants: traditional script with pinyin glosses, GBK-offset damage, a spliced
block of another document, GB18030 or Big5 bytes. Cities come from the division table
(``loaders.places``, read from package ``cpca``), years 2005–2024.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bench.phrases import (
    ACTIVITIES,
    CITY_AGENCIES,
    COLLECTIVE_AGENCIES,
    DETAILS,
    NATIONAL_AGENCIES,
    ORDINALS,
    SECTIONS,
    THEMES,
)


@dataclass(frozen=True)
class City:
    """A city of the division table, with some of its districts."""

    name: str  # 上海市
    short: str  # 上海
    slug: str
    districts: tuple[str, ...]


@lru_cache(maxsize=1)
def cities() -> tuple[City, ...]:
    """Prefecture-level cities and municipalities with at least three districts, in table order."""
    from loaders.places import places

    table = places()
    out = []
    for c in table.cities:
        if c.city is not None:  # county-level cities: keep the list to prefecture level
            continue
        districts = tuple(d.name for d in table.districts_of.get(c.adcode, []) if d.name.endswith("区"))
        if len(districts) >= 3:
            out.append(City(c.name, c.short, c.slug, districts))
    return tuple(out)


def _activity(rng: random.Random) -> tuple[str, str]:
    verb, obj, _trigger = rng.choice(ACTIVITIES)
    title = f"{verb}{obj}"
    details = "；".join(rng.sample(DETAILS, rng.randint(1, 3)))
    return title, f"{title}。{details}。"


def _agencies(rng: random.Random, k: int | None = None) -> list[str]:
    k = k or rng.choice((1, 1, 2, 2, 3))
    chosen = rng.sample(CITY_AGENCIES, k)
    if rng.random() < 0.25:
        chosen.append(rng.choice(COLLECTIVE_AGENCIES))
    return chosen


def _header(rng: random.Random, city: City, year: int, kind: str) -> list[str]:
    theme = rng.choice(THEMES)
    if kind == "notice":
        return [f"关于开展{year}年{city.name}“质量月”活动的通知", "",
                f"{city.short}市有关部门，各区质量工作领导小组办公室：",
                f"为深入实施质量强国战略，推动{city.short}高质量发展，定于{year}年9月开展{city.name}“质量月”活动。"
                "现将有关事项通知如下：", "一、活动主题", theme, "二、重点活动内容"]
    return [f"{year}年{city.name}“质量月”活动安排", "",
            f"为全面贯彻落实质量强国战略，市质量工作领导小组办公室等相关部门将于{year}年9月开展{city.name}“质量月”活动。",
            f"本年度活动主题为“{theme}”。主要活动如下。"]


def _footer(rng: random.Random, city: City, year: int) -> list[str]:
    return ["三、活动要求", "（一）高度重视，精心组织。各单位要结合实际，制定活动方案。",
            f"联系人：王{rng.choice('伟芳敏静丽强磊军洋勇')}；联系电话：{rng.randint(10000000, 99999999)}",
            f"{city.name}质量工作领导小组办公室", f"{year}年8月{rng.randint(10, 28)}日"]


def layout_numbered(rng: random.Random, city: City, year: int) -> list[str]:
    """Numbered items, each ending with its lead agencies in parentheses."""
    lines = _header(rng, city, year, "plan")
    for n in range(1, rng.randint(15, 40) + 1):
        _title, text = _activity(rng)
        lines.append(f"{n}.{text}（{'、'.join(_agencies(rng))}）")
    return lines + _footer(rng, city, year)


def layout_sections(rng: random.Random, city: City, year: int) -> list[str]:
    """(一)-sections, items numbered afresh in each section, agencies in parentheses."""
    lines = _header(rng, city, year, "notice")
    for s, section in enumerate(rng.sample(SECTIONS, rng.randint(3, 5))):
        lines.append(f"（{ORDINALS[s]}）{section}")
        for n in range(1, rng.randint(4, 9) + 1):
            _title, text = _activity(rng)
            lines.append(f"{n}.{text}（{'、'.join(_agencies(rng))}）")
    return lines + _footer(rng, city, year)


def layout_yishi(rng: random.Random, city: City, year: int) -> list[str]:
    """A report in 一是…二是 paragraphs, agencies named in the text."""
    lines = [f"{city.name}市场监管局扎实推进{year}年“质量月”活动", "",
             f"{year}年，{city.name}市场监管局深入贯彻质量强国战略，推动全市质量工作稳步提升。"]
    for k in range(rng.randint(5, 10)):
        title, text = _activity(rng)
        agencies = "、".join(_agencies(rng))
        lines.append(f"{ORDINALS[k]}是{title}。{agencies}{text}")
    return lines


def layout_department(rng: random.Random, city: City, year: int) -> list[str]:
    """部门：任务 lines, one agency and its tasks per line."""
    lines = _header(rng, city, year, "notice")
    for agency in rng.sample(CITY_AGENCIES, rng.randint(8, 20)):
        tasks = "；".join(_activity(rng)[1].rstrip("。") for _ in range(rng.randint(1, 3)))
        lines.append(f"{agency}：{tasks}。")
    return lines + _footer(rng, city, year)


def layout_districts(rng: random.Random, city: City, year: int) -> list[str]:
    """The district report: district heading, event title, dated paragraph."""
    lines = [f"推动高质量发展 {city.short}各区在行动", ""]
    for district in rng.sample(city.districts, min(len(city.districts), rng.randint(3, 12))):
        title, text = _activity(rng)
        lines += [district, title,
                  f"9月{rng.randint(1, 28)}日，{district}市场监管局联合有关单位{text}", f"{district}{title}"]
    return lines


LAYOUTS: tuple[Callable[[random.Random, City, int], list[str]], ...] = (
    layout_numbered, layout_sections, layout_yishi, layout_department, layout_districts,
)


def _spliced_block(rng: random.Random) -> list[str]:
    return [f"{agency}：{_activity(rng)[1]}" for agency in rng.sample(NATIONAL_AGENCIES, rng.randint(3, 6))]


def _with_glosses(rng: random.Random, text: str) -> str:
    from pypinyin import Style, pinyin

    out = []
    for ch in text:
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.06:
            reading = pinyin(ch, style=Style.TONE)[0][0]
            if any(c in reading for c in "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"):
                out.append(f"({reading})")
    return "".join(out)


def _gbk_offset(line: str, rng: random.Random) -> str:
    """Damage the start of a line as a one-byte-off GBK decoding does."""
    k = min(len(line), rng.randint(4, 10))
    head = line[:k].encode("gbk", errors="replace")
    damaged = (b"\xa1" + head).decode("gbk", errors="replace")
    return "?" + damaged + line[k:]


def generate_plan(seed: int, i: int) -> tuple[str, bytes]:
    """File name and bytes of synthetic plan ``i`` (depends only on ``seed`` and ``i``)."""
    rng = random.Random(f"{seed}:{i}")
    all_cities = cities()
    city = all_cities[rng.randrange(len(all_cities))]
    year = rng.randint(2005, 2024)
    layout = rng.choice(LAYOUTS)
    lines = layout(rng, city, year)
    variant = rng.random()
    if variant < 0.10 and len(lines) > 8:  # a block of another document spliced into the middle
        at = rng.randint(4, len(lines) - 3)
        lines[at:at] = _spliced_block(rng)
    text = "\n".join(lines) + "\n"
    encoding = "utf-8"
    if 0.10 <= variant < 0.30:
        from loaders.script import to_traditional

        text = to_traditional(text)
        if rng.random() < 0.5:
            text = _with_glosses(rng, text)
        elif rng.random() < 0.5:
            encoding = "big5"
    elif 0.30 <= variant < 0.38:
        damaged = [(_gbk_offset(line, rng) if line and rng.random() < 0.15 else line) for line in text.split("\n")]
        text = "\n".join(damaged)
    elif 0.38 <= variant < 0.48:
        encoding = "gb18030"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    kind = layout.__name__.removeprefix("layout_")
    return f"{city.slug}-{year}-{kind}-{i:06d}.txt", data


def generate(out: Path, plans: int, seed: int) -> int:
    """Write ``plans`` plan files into ``out``; return the number of bytes written."""
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(plans):
        name, data = generate_plan(seed, i)
        (out / name).write_bytes(data)
        total += len(data)
    return total


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m bench.generate --plans N --seed S OUT_DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    size = generate(args.out, args.plans, args.seed)
    print(f"wrote {args.plans} plans ({size / 1e6:.1f} MB) to {args.out}")


if __name__ == "__main__":
    main()
