"""Which command-line arguments are URLs, and the ``--urls FILE`` list (one URL a line, ``#`` comments)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from qgkg.errors import FetchError


def is_url(text: str) -> bool:
    """True for an absolute ``http://`` or ``https://`` URL with a host.

    >>> is_url("http://127.0.0.1:8000/plan.html"), is_url("plans/a.txt"), is_url("ftp://x/y")
    (True, False, False)
    """
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def read_url_file(path: Path) -> list[str]:
    """The URLs of a list file: one a line, blank lines and ``#`` comments (whole-line or trailing) skipped.

    Raises:
        FetchError: the file cannot be read, or a line is not an http(s) URL (named with its line number).
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise FetchError(f"{path}: cannot read the URL list ({reason})") from None
    urls: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not entry:
            continue
        if not is_url(entry):
            raise FetchError(f"{path}:{number}: not an http(s) URL: {entry[:80]!r}")
        urls.append(entry)
    return urls
