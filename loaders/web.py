"""A web page's bytes to the article's text: ``read_page(data, url=…, header_charset=…) -> Page``.

The fetching is done elsewhere (``fetch``); this module only reads bytes, as ``loaders.decode``
does for files (a saved ``.html`` file keeps ``decode.decode_html``).

* Charset (``decode.decode_markup``, shared with saved .html files), in order of trust: the HTTP header's ``charset``, then ``<meta charset>`` (or
  ``http-equiv``), then detection (``decode.decode_text``: BOM, UTF-8, charset-normalizer
  checked against the Chinese codecs). A declared charset is taken only when it decodes the
  bytes strictly and its reading passes the plausibility check of ``decode.common_share``
  (the page's visible text, markup left out); otherwise the next one is tried, and the note
  says which was taken and why.
* The article: trafilatura (its balanced mode, then recall favoured when that finds fewer than
  ``MIN_ARTICLE_CJK`` Chinese characters; tables kept), rendered one paragraph or
  heading a line, a table row a line with its cells joined by tabs, a list item a line;
  the page's title is put first when the article does not hold it.
* The publication date: htmldate (original date preferred), from the markup only: nothing
  is downloaded here.
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.decode import Decoded, decode_markup, finish
from qgkg.errors import DecodeError

MIN_ARTICLE_CJK = 20  # an article with fewer Chinese characters is no article (a menu, a login box)


@dataclass(frozen=True)
class Page:
    """A page's article as text (``decoded``), its title and the publication date found (ISO, or None)."""

    decoded: Decoded
    title: str | None
    published: str | None


def article_text(html: str, label: str) -> tuple[str, str | None]:
    """The main text of a page (trafilatura) and its title, rendered as the module docstring says.

    Raises:
        DecodeError: trafilatura found no article text.
    """
    import trafilatura  # local: a heavy import that only web builds need
    from lxml import etree  # type: ignore[import-untyped]

    cjk, text, title = 0, "", None
    for recall in (False, True):  # trafilatura's balanced mode drops more furniture; recall when it finds nothing
        xml = trafilatura.extract(html, output_format="xml", include_tables=True, include_comments=False,
                                  include_formatting=False, include_links=False, include_images=False,
                                  with_metadata=True, favor_recall=recall, deduplicate=False)
        if not xml:
            continue
        doc = etree.fromstring(xml.encode("utf-8"))
        main = doc.find("main")
        lines: list[str] = []
        for block in main if main is not None else ():
            lines.extend(_block_lines(block))
        text = "\n".join(line for line in lines if line)
        cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        title = (doc.get("title") or "").strip() or None
        if cjk >= MIN_ARTICLE_CJK:
            return text, title
    raise DecodeError(f"{label}: no article text found on the page ({cjk} Chinese characters)")


def _flat(element: object) -> str:
    """An element's text with line breaks (``<lb/>``) kept and other whitespace runs collapsed."""
    parts: list[str] = []
    for node in element.iter():  # type: ignore[attr-defined]
        if node is not element and node.tag == "lb":
            parts.append("\n")
        if node.text and (node is element or node.tag != "lb"):
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n"))


def _block_lines(block: object) -> list[str]:
    tag = block.tag  # type: ignore[attr-defined]
    if tag == "table":
        return ["\t".join(_flat(cell).replace("\n", " ") for cell in row.iter("cell"))
                for row in block.iter("row")]  # type: ignore[attr-defined]
    if tag == "list":
        return [_flat(item) for item in block.iter("item")]  # type: ignore[attr-defined]
    return [_flat(block)]


def publication_date(html: str, url: str | None = None) -> str | None:
    """The page's publication date (``YYYY-MM-DD``) by htmldate, from the markup (and the URL's text), or None."""
    from htmldate import find_date  # local: only web builds need it

    try:
        found = find_date(html, url=url, original_date=True, outputformat="%Y-%m-%d", extensive_search=True)
    except Exception:  # htmldate on odd markup: no date rather than no plan
        return None
    return str(found) if found else None


def read_page(data: bytes, *, url: str, header_charset: str | None = None) -> Page:
    """A fetched page as a plan's text: charset, article, title first, date (see the module docstring).

    Raises:
        DecodeError: the page is empty, cannot be decoded, or has no article text.
    """
    decoded = decode_markup(data, url, header_charset)
    text, title = article_text(decoded.text, url)
    if title and title not in text and any("\u4e00" <= ch <= "\u9fff" for ch in title):
        text = f"{title}\n{text}"
    published = publication_date(decoded.text, url)
    page = Decoded(text, decoded.encoding, f"html {decoded.note}; article by trafilatura")
    return Page(finish(page, url), title, published)
