"""Bytes and file formats to text: ``read_plan_file(path) -> Decoded``.

Rules (each refusal is a one-line ``DecodeError`` naming the file and the reason):

- Files larger than ``MAX_BYTES`` (``MAX_TEXT_BYTES`` for HTML, 4 bytes a character of
  ``MAX_TEXT_CHARS`` for text) are refused before they are read, and so is decoded text
  longer than ``MAX_TEXT_CHARS``: no plan is that long, and extraction time grows with the
  text (about 10 s a million characters).
- ``.txt`` (and unknown extensions): a BOM (UTF-8, UTF-16, UTF-32) wins; then strict UTF-8;
  then UTF-16 without BOM when the NUL bytes fall on one side of every pair; then
  charset-normalizer, whose guess is checked by decoding strictly with the codec and all of
  its Chinese neighbours (GB18030, Big5/CP950) and keeping the one whose CJK characters are
  common ones.  When no reading is Chinese-looking, or two are equally so, the file is
  refused: nothing is guessed silently.  NUL bytes otherwise mean a binary file: refused.
- Mixed encodings: when no codec reads the whole file, the file is read line by line, UTF-8
  where a line is valid UTF-8 and the best legacy codec elsewhere, if that codec reads every
  other line and the result is Chinese-looking; the note says how many lines each took.
- ``.html``/``.htm``: ``decode_html`` (charset from the BOM or ``<meta charset>``, then as
  text); the article body is kept.
- ``.docx``: checked as a zip (size and ratio limits against zip bombs) before python-docx
  opens it; paragraphs and tables in document order, a table row per line, cells joined
  by tabs.
- ``.pdf``: the text layer via pdfminer.six; a PDF without one is refused.
- Control characters other than ``\\n`` and ``\\t`` and lone surrogates are removed (and
  counted in the note); ``\\r\\n`` becomes ``\\n``.  Empty or whitespace-only text is refused.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, CData, NavigableString, Tag
from charset_normalizer import from_bytes

from loaders.limits import check_pdf_streams, check_text
from loaders.script import to_simplified
from qgkg.errors import DecodeError

MAX_BYTES = 64 * 1024 * 1024
MAX_TEXT_BYTES = 16 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 150
MAX_ZIP_MEMBERS = 2000
MIN_COMMON_SHARE = 0.6
MIN_CJK_SHARE = 0.2
MIN_SHARE_LEAD = 0.15

TEXT_SUFFIXES = frozenset({".txt", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Chinese legacy codecs, each the superset of its family.
_LEGACY = ("gb18030", "cp950", "big5hkscs")
_FAMILY = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "hz": "gb18030",
    "big5": "cp950", "cp950": "cp950", "big5hkscs": "big5hkscs",
}
_GROUP = {"gb18030": "gb", "cp950": "big5", "big5hkscs": "big5"}
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was obtained."""

    text: str
    encoding: str
    note: str


def read_plan_file(path: Path) -> Decoded:
    """Read a plan file (.txt, .html, .docx, .pdf, or text with another extension) as text."""
    path = Path(path)
    try:
        size = path.stat().st_size
        suffix = path.suffix.lower()
        limit = _size_limit(suffix)
        if size > limit:
            raise DecodeError(f"{path}: file too large ({size} bytes, limit {limit})")
        data = path.read_bytes()
    except OSError as exc:
        raise DecodeError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if suffix == ".docx":
        decoded = decode_docx(data, path)
    elif suffix == ".pdf":
        decoded = decode_pdf(data, path)
    elif suffix in HTML_SUFFIXES:
        decoded = decode_html(data, path)
    elif suffix in TEXT_SUFFIXES:
        decoded = decode_text(data, path)
    else:
        try:
            decoded = decode_text(data, path)
        except DecodeError as exc:
            reason = str(exc).removeprefix(f"{path}: ")
            raise DecodeError(f"{path}: unknown extension {suffix or '(none)'!r} and not text ({reason})") from exc
    return finish(decoded, path)


def _size_limit(suffix: str) -> int:
    """Bytes a file may have: a plain-text file over 4 bytes a character can't hold a plan's text."""
    if suffix in (".docx", ".pdf"):
        return MAX_BYTES
    if suffix in HTML_SUFFIXES:
        return MAX_TEXT_BYTES
    return min(MAX_TEXT_BYTES, 4 * MAX_TEXT_CHARS)


def finish(decoded: Decoded, path: Path | str) -> Decoded:
    """Remove control characters and lone surrogates; refuse empty text."""
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    text, removed = _CONTROLS.subn("", text)
    if not text.strip():
        raise DecodeError(f"{path}: empty file (no text after decoding)")
    if len(text) > MAX_TEXT_CHARS:
        raise DecodeError(f"{path}: text too large for one plan ({len(text)} characters, limit {MAX_TEXT_CHARS})")
    check_text(text, path)
    note = decoded.note + (f"; {removed} control characters removed" if removed else "")
    return Decoded(text=text, encoding=decoded.encoding, note=note)


def decode_text(data: bytes, path: Path | str) -> Decoded:
    """Decode plain-text bytes with a recorded, checked encoding decision."""
    if not data.strip():
        raise DecodeError(f"{path}: empty file")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"{path}: invalid {codec} after its BOM ({exc.reason})") from exc
            name = codec.replace("-sig", "")
            return Decoded(text, name, f"{name} (BOM)")
    if b"\x00" in data:  # NUL bytes: UTF-16 without BOM when one byte order reads as Chinese
        found = _best_codec(data, ("utf-16-le", "utf-16-be"), "")
        if found is not None:
            codec, share = found
            return Decoded(data.decode(codec), codec, f"{codec} (no BOM; common CJK {share:.2f})")
        plain = _plain_utf16(data)
        if plain is not None and _controls_in_utf8(data):
            return plain
    utf8 = decode_utf8(data)
    if utf8 is not None:
        return utf8
    if b"\x00" in data:
        return _decode_nul_bytes(data, path)
    return _decode_legacy(data, path)


def decode_utf8(data: bytes) -> Decoded | None:
    """UTF-8, strict or nearly: lone surrogates (CESU-8 bytes) and a cut-off last character are
    accepted and said in the note (``finish`` removes the surrogates); None when not UTF-8.

    >>> decode_utf8("质量月".encode()[:-1]).note
    'utf-8 (last character cut off: 2 bytes dropped)'
    """
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8 (strict)")
    except UnicodeDecodeError:
        pass
    body, notes = data, []
    try:
        body.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data" or exc.end != len(body) or len(body) - exc.start > 3:
            return None
        notes.append(f"last character cut off: {len(body) - exc.start} bytes dropped")
        body = body[: exc.start]
    try:
        text = body.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        notes.insert(0, "lone surrogates")
    return Decoded(text, "utf-8", f"utf-8 ({'; '.join(notes)})")


_C0 = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")
_PLAIN = re.compile(r"[\t\n\r\x20-\x7e\u2000-\u206f\u3000-\u9fff\uff00-\uffef]*")


def _controls_in_utf8(data: bytes) -> bool:
    """True when the bytes read as UTF-8 hold control characters no text has (a UTF-16 file's bytes)."""
    try:
        return _C0.search(data.decode("utf-8")) is not None
    except UnicodeDecodeError:
        return False


def _plain_utf16(data: bytes) -> Decoded | None:
    """UTF-16 without BOM whose reading is only ASCII, CJK and CJK punctuation (““““、), or None."""
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if text.strip() and _PLAIN.fullmatch(text):
            return Decoded(text, codec, f"{codec} (no BOM; plain CJK and punctuation)")
    return None


def _decode_nul_bytes(data: bytes, path: Path | str) -> Decoded:
    """UTF-16 without BOM (one byte order reads as Chinese, the other not); else binary."""
    found = _best_codec(data, ("utf-16-le", "utf-16-be"), "")
    if found is None:
        raise DecodeError(f"{path}: binary content (NUL bytes), not a text file")
    codec, share = found
    return Decoded(data.decode(codec), codec, f"{codec} (no BOM; common CJK {share:.2f})")


def _decode_legacy(data: bytes, path: Path | str) -> Decoded:
    guess = from_bytes(data).best()
    guess_name = guess.encoding if guess is not None else "none"
    chaos = f", chaos {guess.chaos:.2f}" if guess is not None else ""
    family = _FAMILY.get(guess_name.replace("_", "").replace("-", "").lower(), "")
    order = ([family] if family else []) + [c for c in _LEGACY if c != family]
    if len(data) % 2 == 0:
        order += ["utf-16-le", "utf-16-be"]
    found = _best_codec(data, tuple(order), family)
    if found is not None:
        codec, share = found
        note = f"{codec} (charset-normalizer: {guess_name}{chaos}; common CJK {share:.2f})"
        return Decoded(data.decode(codec), codec, note)
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed
    raise DecodeError(f"{path}: cannot tell the encoding (best guess {family or guess_name}, confidence too low)")


def _best_codec(data: bytes, order: tuple[str, ...], preferred: str) -> tuple[str, float] | None:
    """The codec whose strict reading is clearly the most Chinese-looking, with its share."""
    shares: dict[str, float] = {}
    for codec in order:
        try:
            shares[codec] = common_share(data.decode(codec))
        except UnicodeDecodeError:
            continue
    ranked = sorted(shares.items(), key=lambda item: (-item[1], order.index(item[0])))
    if not ranked or ranked[0][1] < MIN_COMMON_SHARE:
        return None
    best, share = ranked[0]
    rival = next((s for c, s in ranked[1:] if _GROUP.get(c, c) != _GROUP.get(best, best)), 0.0)
    if share - rival >= MIN_SHARE_LEAD or (best == preferred and share > rival):
        return best, share
    return None


def _decode_mixed(data: bytes) -> Decoded | None:
    """Line by line: UTF-8 where valid, else one legacy codec; None unless all lines read well."""
    lines = data.split(b"\n")
    utf8 = [i for i, line in enumerate(lines) if _is_utf8(line)]
    others = [lines[i] for i in range(len(lines)) if i not in set(utf8)]
    if not any(not lines[i].isascii() for i in utf8) or not others:
        return None
    for codec in _LEGACY:
        try:
            legacy = [line.decode(codec) for line in others]
        except UnicodeDecodeError:
            continue
        if common_share("\n".join(legacy)) < MIN_COMMON_SHARE:
            continue
        it = iter(legacy)
        text = "\n".join(line.decode("utf-8") if i in set(utf8) else next(it) for i, line in enumerate(lines))
        note = f"mixed: utf-8 ({len(utf8)} lines) + {codec} ({len(others)} lines), decoded line by line"
        return Decoded(text, f"utf-8+{codec}", note)
    return None


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def common_share(text: str) -> float:
    """Share of common characters among the non-ASCII visible ones; 0 if not Chinese-looking.

    Common: CJK characters whose simplified form is in GB2312 level 1, and CJK punctuation.
    A wrong codec yields rare characters, kana, symbols and private-use characters instead.
    Text whose visible characters are less than ``MIN_CJK_SHARE`` CJK scores 0.

    >>> common_share("质量强国建设，质量月"), common_share("hello world"), common_share("砮过辅龟囊いァ瓣㎝")
    (1.0, 0.0, 0.5555555555555556)
    """
    visible = [ch for ch in text if not ch.isspace()]
    wide = [ch for ch in visible if not ch.isascii()]
    cjk = "".join(ch for ch in wide if "\u4e00" <= ch <= "\u9fff")
    if not visible or len(cjk) < MIN_CJK_SHARE * len(visible):
        return 0.0
    common = sum(1 for ch in to_simplified(cjk) if _is_level1(ch))
    common += sum(1 for ch in wide if ch in _COMMON_PUNCT)
    return common / len(wide)


_COMMON_PUNCT = frozenset("，。、；：？！“”‘’（）《》〔〕【】—…·　")


def _is_level1(ch: str) -> bool:
    try:
        data = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(data) == 2 and 0xB0 <= data[0] <= 0xD7


# --- HTML ------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "nav", "header", "footer", "aside",
              "form", "button", "select", "svg")
_BOILERPLATE = re.compile(
    r"nav|menu|footer|breadcrumb|crumb|share|sidebar|toolbar|copyright|login|search|topbar|banner|related",
    re.IGNORECASE,
)
_CANDIDATES = ("article", "main", "section", "div", "td")
_BLOCKS = ("p", "div", "section", "article", "main", "li", "tr", "table", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
           "blockquote", "pre", "dd", "dt", "ul", "ol", "center")
_TIGHTEN = 0.8


_SCRIPTS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")


def visible_text(html: str) -> str:
    """The text of markup with scripts, styles and tags removed (for the plausibility check).

    >>> visible_text("<p>质量<b>月</b></p><script>var a='乱码';</script>")
    '质量月'
    """
    return _TAGS.sub("", _SCRIPTS.sub("", html))


def _codec(charset: str) -> str:
    name = charset.strip().lower()
    return _FAMILY.get(name.replace("-", "").replace("_", ""), name)


def decode_markup(data: bytes, label: str, header_charset: str | None = None) -> Decoded:
    """Markup as text: the HTTP header's charset (when given), then ``<meta charset>``, then detection.

    A BOM wins over declarations. A declared charset is taken only when it decodes the bytes
    strictly and its reading passes ``common_share``; otherwise ``decode_text`` detects it, and
    the note says which declarations were refused and why.
    """
    if not data.strip():
        raise DecodeError(f"{label}: empty page")
    if any(data.startswith(bom) for bom, _codec_name in _BOMS):
        decoded = decode_text(data, label)
        return Decoded(decoded.text, decoded.encoding, f"{decoded.note}; BOM wins over declarations")
    meta = _META_CHARSET.search(data[:4096])
    declared = [("HTTP header", header_charset), ("meta charset", meta.group(1).decode("ascii") if meta else None)]
    refused: list[str] = []
    for where, charset in declared:
        if not charset:
            continue
        codec = _codec(charset)
        try:
            text = data.decode(codec)
        except LookupError:
            refused.append(f"{where} {charset} unknown")
            continue
        except UnicodeDecodeError:
            refused.append(f"{where} {charset} does not decode")
            continue
        share = common_share(visible_text(text))
        if share >= MIN_COMMON_SHARE or (codec in ("utf-8", "ascii") and text.isascii()):
            note = f"{codec} ({where} {charset}; common CJK {share:.2f})"
            return Decoded(text, codec, note + "".join(f"; {r}" for r in refused))
        refused.append(f"{where} {charset} implausible (common CJK {share:.2f})")
    decoded = decode_text(data, label)
    return Decoded(decoded.text, decoded.encoding,
                   f"{decoded.note} (detected)" + "".join(f"; {r}" for r in refused))


def decode_html(data: bytes, path: Path) -> Decoded:
    """The article body of a web page as text, one paragraph per line.

    The charset comes from ``decode_markup`` (a BOM, then ``<meta charset>`` when its reading is
    plausible Chinese, then the text rules).  Scripts,
    styles, navigation, headers, footers, asides and forms are dropped, and so are elements
    whose id or class names navigation, menus, footers, breadcrumbs or share bars.  The body
    is the candidate (article, main, section, div, td) with the most CJK characters,
    tightened to a descendant candidate that holds at least 80% of them.
    """
    decoded = decode_markup(data, str(path))
    soup = BeautifulSoup(decoded.text, "lxml")
    doomed = [tag for tag in soup.find_all(True) if tag.name in _DROP_TAGS or _is_boilerplate(tag)]
    for tag in reversed(doomed):  # descendants first: each element is decomposed once, in linear time
        tag.decompose()
    body = _article_element(soup)
    if body is None:
        raise DecodeError(f"{path}: HTML page has no Chinese text")
    for br in body.find_all("br"):
        br.replace_with("\n")
    for cell in body.find_all(("td", "th")):
        cell.insert_after("\t")
    for block in body.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = ["\t".join(" ".join(cell.split()) for cell in line.strip().split("\t"))
             for line in body.get_text().split("\n")]
    text = "\n".join(line for line in lines if line)
    if not _cjk_count(text):
        raise DecodeError(f"{path}: HTML page has no Chinese text")
    heading = soup.find(["h1"]) or soup.find("title")
    title = heading.get_text(" ", strip=True) if heading is not None else ""
    if title and title not in text and _cjk_count(title):
        text = f"{title}\n{text}"
    label = body.name + (f"#{body.get('id')}" if body.get("id") else "")
    return Decoded(text, decoded.encoding, f"html {decoded.note}; article body <{label}>")


def _is_boilerplate(tag: Tag) -> bool:
    """An element whose id or class names navigation, menus, footers and the like."""
    if tag.name in ("html", "body", "article", "main"):
        return False
    names = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
    return bool(names.strip()) and _BOILERPLATE.search(names) is not None


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def _article_element(soup: BeautifulSoup) -> Tag | None:
    """The candidate element with the most CJK text, tightened to a dense descendant.

    Counts are summed bottom-up in one pass and the tightening descends only through
    elements dense enough, so that deeply nested pages take linear time.
    """
    root: Tag = soup.body or soup
    counts = _cjk_counts(root)
    best: Tag | None = None
    for tag in root.find_all(_CANDIDATES):
        if best is None or counts[id(tag)] > counts[id(best)]:
            best = tag
    if best is None:
        return root if counts[id(root)] else None
    if not counts[id(best)]:
        return None
    while True:
        dense = _first_dense(best, _TIGHTEN * counts[id(best)], counts)
        if dense is None:
            return best
        best = dense


_TEXT = (NavigableString, CData)  # not comments, doctypes or processing instructions (as ``get_text``)


def _cjk_counts(root: Tag) -> dict[int, int]:
    """CJK characters under every element of ``root`` (by ``id``), summed bottom-up."""
    tags = [root, *root.find_all(True)]
    counts: dict[int, int] = {}
    for tag in reversed(tags):  # children come after their parent in document order
        counts[id(tag)] = sum(counts[id(c)] if isinstance(c, Tag) else _cjk_count(str(c)) if type(c) in _TEXT else 0
                              for c in tag.contents)
    return counts


def _first_dense(top: Tag, threshold: float, counts: dict[int, int]) -> Tag | None:
    """The first candidate below ``top`` in document order holding at least ``threshold`` CJK characters."""
    stack = [c for c in reversed(top.contents) if isinstance(c, Tag)]
    while stack:
        tag = stack.pop()
        if counts[id(tag)] < threshold:
            continue  # nothing below it can hold more than it does
        if tag.name in _CANDIDATES:
            return tag
        stack.extend(c for c in reversed(tag.contents) if isinstance(c, Tag))
    return None


# --- DOCX ------------------------------------------------------------------------------------


def decode_docx(data: bytes, path: Path) -> Decoded:
    """Paragraphs and tables of a .docx in document order (a table row per line, cells by tabs)."""
    _check_zip(data, path)
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types on bad packages
        raise DecodeError(f"{path}: not a readable .docx ({type(exc).__name__})") from exc
    lines: list[str] = []
    paragraphs = tables = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
            paragraphs += 1
        elif tag == "tbl":
            tables += 1
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or cells[-1] != value:  # merged cells repeat
                        cells.append(value)
                lines.append("\t".join(cells))
    return Decoded("\n".join(lines), "docx", f"docx (python-docx): {paragraphs} paragraphs, {tables} tables")


def _check_zip(data: bytes, path: Path) -> None:
    """Refuse a .docx that is not a zip or would unpack to too much (zip bomb)."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DecodeError(f"{path}: not a .docx (not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DecodeError(f"{path}: damaged .docx archive ({exc})") from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise DecodeError(f"{path}: .docx has too many members ({len(members)})")
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise DecodeError(f"{path}: .docx unpacks to {total} bytes (limit {MAX_UNZIPPED_BYTES}): refused")
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1):
            raise DecodeError(f"{path}: .docx member {member.filename} has an absurd compression ratio: refused")
    if "word/document.xml" not in {m.filename for m in members}:
        raise DecodeError(f"{path}: not a .docx (no word/document.xml)")


# --- PDF -------------------------------------------------------------------------------------


def decode_pdf(data: bytes, path: Path) -> Decoded:
    """The text layer of a PDF (pdfminer.six); a PDF without one is refused."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise DecodeError(f"{path}: not a PDF (no %PDF- header)")
    check_pdf_streams(data, path)
    from pdfminer.high_level import extract_text
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        text = extract_text(io.BytesIO(data))
    except PDFSyntaxError as exc:
        raise DecodeError(f"{path}: damaged PDF ({exc})") from exc
    except Exception as exc:  # pdfminer raises many types (encryption, bad streams)
        raise DecodeError(f"{path}: unreadable PDF ({type(exc).__name__}: {exc})") from exc
    text = text.replace("\x0c", "\n")
    if not text.strip():
        raise DecodeError(f"{path}: PDF has no text layer")
    return Decoded(text, "pdf", "pdf text layer (pdfminer.six)")
