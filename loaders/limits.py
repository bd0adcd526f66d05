"""Per-file caps that keep one hostile or absurd file from taking a build's memory (issue 16).

Each refusal is one line (a ``DecodeError`` naming the file, what was counted and the cap):

* ``MAX_LINES`` lines and ``MAX_ITEMS`` numbered item lines in a plan's text, checked right after
  decoding, before any segmenting (300,000 ``1、`` lines used to take 7.7 GB);
* ``MAX_INFLATED_BYTES`` of inflated (Flate) stream data in a PDF, checked by inflating the
  streams into nothing before pdfminer holds any of them (a 1 MB PDF inflating to 1 GB peaked
  at 2.2 GB); .docx archives have their own cap in ``loaders.decode`` (``MAX_UNZIPPED_BYTES``).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from qgkg.errors import DecodeError

MAX_LINES = 50_000  # the longest bundled or generated plan has a few hundred
MAX_ITEMS = 5_000  # numbered items; merged reports reach the low thousands
MAX_INFLATED_BYTES = 200 * 1024 * 1024

_ITEM_LINE = re.compile(r"^[^\S\n]*[(（]?[0-9０-９]+[）)]?[^\S\n]*[、．.)）]", re.M)
_STREAM = re.compile(rb"stream\r?\n")
_CHUNK = 1 << 16


def check_text(text: str, path: Path | str) -> None:
    """Refuse a text with more lines or numbered items than one plan can have."""
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines > MAX_LINES:
        raise DecodeError(f"{path}: {lines:,} lines, more than one plan can have (limit {MAX_LINES:,}): refused")
    items = sum(1 for _ in _ITEM_LINE.finditer(text))
    if items > MAX_ITEMS:
        raise DecodeError(f"{path}: {items:,} numbered items, more than one plan can have "
                          f"(limit {MAX_ITEMS:,}): refused")


def check_pdf_streams(data: bytes, path: Path) -> None:
    """Refuse a PDF whose compressed streams inflate to more than ``MAX_INFLATED_BYTES`` in all.

    Streams are inflated chunk by chunk and thrown away, so this check holds no more than one
    chunk at a time; a stream that is not zlib data (another filter, or damage) counts as its size.
    """
    total = 0
    for match in _STREAM.finditer(data):
        inflater = zlib.decompressobj()
        pos = match.end()
        try:
            while pos < len(data) and not inflater.eof:
                out = inflater.decompress(data[pos:pos + _CHUNK], _CHUNK)
                total += len(out)
                while inflater.unconsumed_tail and total <= MAX_INFLATED_BYTES:
                    out = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
                    total += len(out)
                if total > MAX_INFLATED_BYTES:
                    raise DecodeError(f"{path}: PDF streams inflate to over {MAX_INFLATED_BYTES:,} bytes "
                                      f"(limit {MAX_INFLATED_BYTES:,}): refused")
                pos += _CHUNK
        except zlib.error:
            continue
