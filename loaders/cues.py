"""The cue words of ``reference/cues.yaml``, read once, with the patterns built from them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.resources import files
from typing import Any

import yaml


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of literal words, longest first (so 领导小组 wins over 小组)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class Cues:
    """Cue words by purpose (see the comments in ``cues.yaml``)."""

    data: dict[str, Any]

    @cached_property
    def _lists(self) -> dict[str, tuple[str, ...]]:
        return {key: tuple(str(w) for w in value) for key, value in self.data.items() if isinstance(value, list)}

    @cached_property
    def _longest_first(self) -> dict[str, tuple[str, ...]]:
        return {key: tuple(sorted(words, key=len, reverse=True)) for key, words in self._lists.items()}

    def words(self, key: str) -> tuple[str, ...]:
        """The words listed under ``key`` (a top-level list)."""
        return self._lists.get(key, ())

    def role_of_verb(self, verb: str) -> str | None:
        """lead or support for a role verb (牵头 → lead, 配合 → support), else None."""
        for role, verbs in self.data["role_verbs"].items():
            if verb in verbs:
                return str(role)
        return None

    @cached_property
    def role_verb_pattern(self) -> str:
        """Alternation of every role verb."""
        return _alternation([v for verbs in self.data["role_verbs"].values() for v in verbs])

    def field_kind(self, label: str) -> str | None:
        """The kind of a field label or column header (牵头单位 → lead, 活动名称 → title)."""
        label = re.sub(r"\s+", "", label)
        for kind, labels in self.data["fields"].items():
            if label in labels:
                return str(kind)
        return None

    @cached_property
    def field_pattern(self) -> re.Pattern[str]:
        """A field label followed by a colon (牵头单位：, 配合单位:)."""
        labels = [lab for kind in ("lead", "support", "content", "time", "place", "title")
                  for lab in self.data["fields"][kind]]
        return re.compile(rf"({_alternation(labels)})\s*[:：]")

    @cached_property
    def org_suffix(self) -> str:
        """Alternation of the endings of body names."""
        return _alternation(self.words("org_suffixes"))

    @cached_property
    def activity_cue(self) -> re.Pattern[str]:
        """An activity verb or noun."""
        return re.compile(_alternation(self.words("activity_verbs") + self.words("activity_nouns")))

    @cached_property
    def not_activity(self) -> re.Pattern[str]:
        """A cue of statistics, press events, intentions or themes (patterns allowed)."""
        return re.compile("|".join(self.words("not_activity")) + "|" + self.data["count_pattern"])

    @cached_property
    def count(self) -> re.Pattern[str]:
        """A count of activities (91项活动, 6个方面)."""
        return re.compile(self.data["count_pattern"])

    def starts_with(self, key: str, text: str) -> str | None:
        """The longest word of ``key`` that ``text`` starts with, or None."""
        for word in self._longest_first.get(key, ()):
            if text.startswith(word):
                return word
        return None


@lru_cache(maxsize=1)
def cues() -> Cues:
    """The cue words, read once from the package data."""
    text = files("loaders").joinpath("reference/cues.yaml").read_text(encoding="utf-8")
    return Cues(yaml.safe_load(text))
