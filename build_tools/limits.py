"""Bounds on what one input may cost: the single place for size limits.

Every command that reads a source (``iparchive add``, ``parse``, ``build``,
``check``) asks ``max_source_bytes(path)`` and reads through
``read_regular``; a sidecar through ``read_regular(path, SIDECAR_BYTES)``.
Issue 28 found three limits that disagreed (``add`` said 10 MB, the build
refused over 2 MB, so 5–9 MB files were accepted and then never published).

* ``SOURCE_BYTES``: per-suffix table of text sources; ``DEFAULT_SOURCE_BYTES``
  for the others.  Office files (PDF, DOCX, DOC/WPS, RTF) are bounded by
  what their first bytes say they are (``OFFICE_BYTES``, ``office_bound``:
  images and fonts make them large, a .doc may be saved under a .html name),
  and the text taken out of one by ``MAX_TEXT_BYTES`` (office.py).
  A page carries ~650 bytes of anchors and citation buttons per clause:
  a 9 MB text of short paragraphs became a 96 MB page (issue 11).  The
  largest real document (人民检察院刑事诉讼规则, lawrefbook) is 0.31 MB.
* ``MAX_CLAUSES``: clauses of one document (a 1.999 MB file of one-line
  clauses made a 90 MB page, issue 28).  The most in the real corpus:
  see ``tests/test_security.py`` (every seed and lawrefbook law is under it).
* ``MAX_TITLE_CHARS``: a title (declared by a page, or in a sidecar) longer
  than this is none: a 10,000-character ``<title>``/ArticleTitle took 30 s in
  the title patterns (200,000: past five minutes), and a title is repeated
  on every clause of its page (``data-cite``).  The longest real one is 86
  characters (a lawrefbook interpretation).
* ``MAX_NESTING`` / ``flatten_deep(root)``: elements of an HTML page nested
  deeper than the bound are unwrapped (their text kept, one level up)
  before the recursive reader walks it: 10,000 nested ``<div>``s ended in
  RecursionError (「内部错误」, the page refused).  The deepest real page
  nests 21 levels (attachments/006-page.html; html.parser, as read.py).
* ``read_regular(path, limit)``: opens without following a FIFO or device
  (``O_NONBLOCK``, then ``fstat``): ``parse /dev/zero`` read until memory
  ran out, a FIFO blocked forever (issue 28); reads at most ``limit`` bytes.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import SourceError

MB = 1_000_000
DEFAULT_SOURCE_BYTES = 2 * MB
SOURCE_BYTES: dict[str, int] = {
    ".txt": 2 * MB, ".text": 2 * MB, ".md": 2 * MB, ".html": 2 * MB, ".htm": 2 * MB,
}
MIB = 1024 * 1024
OFFICE_BYTES: dict[str, int] = {"pdf": 60 * MIB, "docx": 40 * MIB, "ole": 40 * MIB, "rtf": 40 * MIB}
MAX_TEXT_BYTES = 2 * MB  # text taken out of an office file (UTF-8), as a text source's bound
SIDECAR_BYTES = 256 * 1024  # a sidecar is a few hundred bytes; notes may be long
MAX_CLAUSES = 6000  # the most of any real document: 人民检察院刑事诉讼规则, 1,876 with its items


class TooLarge(SourceError):
    """A file over its bound (message in Chinese, names the bound)."""


class NotRegular(SourceError):
    """A FIFO, device, socket or directory where a file was expected."""


def office_kind(head: bytes, tail: bytes = b"") -> str | None:
    """``pdf`` / ``docx`` / ``ole`` (Word 97 .doc, .wps) / ``rtf`` from a file's
    first 1 KiB and last 2 KiB (``office.size_limit`` and the bounds below),
    None for text.  As ``office.sniff``: a PDF header may follow junk only in
    a file that ends like a PDF (a text that mentions %PDF- stays text)."""
    head = head[:1024]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-") or (b"%PDF-" in head and b"%%EOF" in tail):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    return None


def office_bound(path: Path | str) -> int | None:
    """The bound of an office file by its first bytes; None for a text source
    (or a file that cannot be opened: the read reports it).  Never blocks on
    a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        kind = office_kind(*_ends(fd))
    finally:
        os.close(fd)
    return OFFICE_BYTES[kind] if kind else None


def _ends(fd: int) -> tuple[bytes, bytes]:
    """The first 1 KiB and the last 2 KiB of an open regular file."""
    size = os.fstat(fd).st_size
    return os.pread(fd, 1024, 0), os.pread(fd, 2048, max(0, size - 2048))


def max_source_bytes(path: Path | str) -> int:
    """The size bound of a source file: an office file's by its bytes, else by its suffix."""
    return office_bound(path) or SOURCE_BYTES.get(Path(path).suffix.lower(), DEFAULT_SOURCE_BYTES)


def too_large_message(size: int, limit: int) -> str:
    return (f"文件过大（{size / MB:.1f} MB，上限 {limit / MB:.0f} MB；文库中最大的法律约 0.3 MB）："
            "每个条款的页面带锚点与引用按钮，这样的文件会生成近十倍大的页面，不予收录；请确认文件是否正确或拆分后再添加")


def check_regular(path: Path | str) -> os.stat_result:
    """``os.stat`` of ``path``; NotRegular unless it is a regular file (never opens it)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegular(path, "不是普通文件（目录、设备、管道或套接字），不予读取")
    return st


def read_regular(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default: its
    source bound).  NotRegular for FIFOs/devices (opened non-blocking, so a
    FIFO never blocks), TooLarge past the bound (only ``limit + 1`` bytes
    are ever read: a file growing while read is caught too)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(path, "不是普通文件（目录、设备、管道或套接字），不予读取")
        if limit is None:
            kind = office_kind(*_ends(fd))
            limit = OFFICE_BYTES[kind] if kind else SOURCE_BYTES.get(Path(path).suffix.lower(), DEFAULT_SOURCE_BYTES)
        if st.st_size > limit:
            raise TooLarge(path, too_large_message(st.st_size, limit))
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise TooLarge(path, too_large_message(total, limit))
        return b"".join(chunks)
    finally:
        os.close(fd)


MAX_URL_CHARS = 2048  # a source address (browsers and servers agree on ~2,000)
MAX_TITLE_CHARS = 300  # characters of a title or other one-line field; real titles: at most 86
MAX_NESTING = 120  # element depth of an HTML page the reader walks (real pages: at most 21)


_LINE_BREAKING = {"p", "div", "br", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "pre", "blockquote", "section",
                  "article", "h1", "h2", "h3", "h4", "h5", "h6", "center", "form"}


def _lines_of(el) -> list[str]:
    """The text under ``el``, a new line at each element that breaks a line in a browser."""
    lines, cur = [], []
    for node in el.descendants:  # a generator: no recursion
        if hasattr(node, "contents"):
            if node.name in _LINE_BREAKING and cur:
                lines.append("".join(cur))
                cur = []
        elif type(node).__name__ == "NavigableString":  # not comments, CDATA, declarations
            cur.append(str(node))
    if cur:
        lines.append("".join(cur))
    return [x for x in lines if x.strip()]


def flatten_deep(soup, limit: int = MAX_NESTING) -> int:
    """Replace the inside of every element of a BeautifulSoup tree that sits
    at depth ``limit`` and has elements below it by its text, a ``<br>``
    where a block began (nothing of the text is lost, only the markup below
    the bound), walking without recursion; returns how many were flattened
    (0 for every real page).  Unwrapping level by level instead took bs4
    O(depth) per element: 100,000 nested ``<span>``s ran past five minutes."""
    frontier = []
    stack = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        for child in getattr(node, "contents", ()):
            if not hasattr(child, "contents"):
                continue
            if depth + 1 < limit:
                stack.append((child, depth + 1))
            elif any(hasattr(c, "contents") for c in child.contents):
                frontier.append(child)
    for el in frontier:
        lines = _lines_of(el)
        el.clear()
        for k, line in enumerate(lines):
            if k:
                el.append(soup.new_tag("br"))
            el.append(line)
    return len(frontier)
