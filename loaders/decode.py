"""Bytes and file formats to text. FIRST PASS: UTF-8 only (the decode issue replaces this)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qgkg.errors import DecodeError


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was obtained."""

    text: str
    encoding: str
    note: str


def read_plan_file(path: Path) -> Decoded:
    """Read a plan file and return its text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DecodeError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise DecodeError(f"{path}: empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    return Decoded(text=text, encoding="utf-8", note="utf-8")
