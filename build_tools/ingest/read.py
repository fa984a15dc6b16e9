"""Read stage: raw bytes of one source file -> RawDocument.

Readers only turn bytes into source lines (``clean.SourceLine``: line
number, text, a style hint from the markup) plus what the format itself
declares; ``clean.clean`` then removes furniture, bars, footers and debris
the same way for every reader.  Real input forms handled:

* plain text (the seeds): one line per line, CRLF or LF;
* HTML: whole government pages (govcn2019: body in ``<p>`` inside
  ``#UCAP-CONTENT``, a metadata table ``<td>发文机关：</td><td>国务院</td>``;
  provincial jiangxi.gov.cn Hanweb pages: body in ``#zoom``, a metadata table
  with ``<td><b>文号:</b> 赣府厅字〔2020〕14号</td>`` cells, the heading in a
  ``<p class="sp_title">``, ``</br>`` written for ``<br>``); lines are
  ``<p>``/``<div>``/``<li>``/``<h1>``… blocks and ``<br>``/``<br/>``/``</br>``
  breaks, a table row is one line (cells joined), a ``<dt>`` label with its
  ``<dd>``; declared: ``<meta name=ArticleTitle|PubDate|ContentSource|
  ColumnName|Url|Keywords|SiteName>`` (provincial, 政府网站发展指引),
  ``og:title``/``og:url``, ``<link rel="canonical">``, ``<title>``;
  text outside the main content container (``CONTENT_CONTAINERS``) is kept
  as lines marked ``outside`` (stripped, never lost); a named container that holds
  less than half the page's running text is passed over for the smallest element
  holding most of it (sites2-013/035: ``id=content`` on a chat list or an empty box);
  a ``display:none`` block whose text is printed nowhere else is the content a script
  reveals (sites2-008/009 ``#DOCHTMLCON``); template tests on two literals
  (``ms-visible='"02"=="02"'``, sites2-016) decide which item shows; lines inside share,
  favourites, subscription and font-size widgets (``WIDGET_RE``, sites2-006) are marked;
* lawrefbook Markdown: ``# 标题``, dated lines, ``<!-- INFO END -->``,
  ``##`` headings, body, Hugo front matter (``_index.md``);
* other Markdown: ``#`` headings, ``**bold**`` lines, ``**发文字号**：…`` and
  ``- 公布日期：…`` field blocks, front matter ``title:``/``date:``;
* encodings: UTF-8 (with or without BOM), UTF-16 LE/BE with or without BOM,
  GB18030/GBK/GB2312 and anything charset-normalizer can identify.

Nothing is dropped silently: every removed line is listed in
``RawDocument.stripped`` with its source line and a reason.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import charset_normalizer
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from .clean import (FIELD_LABELS, TITLE_END_RE, SourceLine, clean, is_furniture, looks_like_title,
                    normalise_line, parse_bar)
from ..errors import SourceError
from ..textsafe import INVISIBLE, neutralise
from ..limits import flatten_deep, max_source_bytes, read_regular, too_large_message
from ..models import Declared, RawDocument, Stripped
from .office import OFFICE_SUFFIXES, OfficeError, ToolRunner, read_office, sniff

__all__ = ["ReadError", "decode", "detect_format", "read_file", "normalise_line", "is_furniture", "parse_bar",
           "TITLE_END_RE", "looks_like_title", "CONTENT_CONTAINERS"]



class ReadError(SourceError):
    """A source file that cannot be read as a document (message in Chinese)."""


# ---------------------------------------------------------------- decoding

def decode(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Return (text, encoding name).  Raises ReadError for empty/binary/undecodable."""
    if not data.strip():
        raise ReadError(path, "文件为空")
    if len(data) > max_source_bytes(path):  # the one bound of add, parse and build (limits.py)
        raise ReadError(path, too_large_message(len(data), max_source_bytes(path)))
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _strict(data, "utf-16", path)
        if _looks_binary(text) or not _plausible(text, "utf-16"):
            raise ReadError(path, "文件以 UTF-16 标记开头，但内容无法按 UTF-16 解码为可读文本")
        return text, "utf-16"
    if b"\x00" in data[:4096]:
        # UTF-16 without BOM: NULs (high bytes of ASCII such as line breaks and digits)
        # all on one side of each code unit; Chinese text may have few of them
        # (一 U+4E00 has a NUL low byte too): the side with more NULs decides the byte order
        # (一 U+4E00 has a NUL low byte too): the byte order whose text reads as Chinese wins
        if len(data) % 2 == 0:
            best = None
            for enc in ("utf-16-le", "utf-16-be"):
                try:
                    text = data.decode(enc)
                except UnicodeDecodeError:
                    continue
                score = _readable_share(text)
                if not _looks_binary(text) and score >= 0.95 and (best is None or score > best[0]):
                    best = (score, text, enc)
            if best is not None:
                return best[1], best[2]
        raise ReadError(path, "二进制文件（含 NUL 字节），不是文本公文")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    # mostly valid UTF-8 with a few broken bytes: refuse rather than drop characters
    lossy = data.decode("utf-8", errors="replace")
    good_cjk = len(re.findall(r"[\u3400-\u9fff]", lossy))
    if good_cjk > 20 and lossy.count("\ufffd") * 10 < good_cjk:
        line = data[:first_bad].count(b"\n") + 1
        raise ReadError(path, f"UTF-8 文本中含无效字节（第 {first_bad} 字节），无法无损解码；请取得完好的原件", line)
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        # charset-normalizer gives up on some GB18030 texts (govcn-037 saved as GB18030)
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = ""
        if text and not _looks_binary(text) and _readable(text):
            return text, "gb18030"
        raise ReadError(path, "无法识别文件编码，无法解码（不是 UTF-8/GB18030/UTF-16 文本）")
    enc = best.encoding.lower().replace("_", "-")
    if enc in {"gb2312", "gbk", "gb18030", "hz", "cp936"}:
        enc = "gb18030"  # superset: never lose a character
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        raise ReadError(path, f"按 {enc} 解码失败，文件可能已损坏")
    if _looks_binary(text) or not _plausible(text, enc):
        raise ReadError(path, f"无法可靠解码：按 {enc} 解码得到的不是中文或可读文本")
    return text, enc


def _plausible(text: str, enc: str) -> bool:
    """A non-CJK codec must give mostly ASCII text; a CJK one some Chinese."""
    if not text:
        return False
    high = sum(1 for ch in text if ord(ch) > 127)
    cjk = len(re.findall(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]", text))
    return high == 0 or cjk / high > 0.5


def _readable_share(text: str) -> float:
    """Share of Chinese, ASCII and CJK punctuation in decoded text (mojibake scores low)."""
    sample = text[:4096]
    good = sum(1 for ch in sample if ch.isascii() or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
               or ch in "\u2014\u2026\u201c\u201d\u2018\u2019\u00b7")
    return good / max(1, len(sample))


def _readable(text: str) -> bool:
    return _readable_share(text) >= 0.95


def _strict(data: bytes, enc: str, path) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ReadError(path, f"按 {enc} 解码失败（第 {e.start} 字节）", line)


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    bad = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f\x1b")
    return bad > len(sample) * 0.05


# ---------------------------------------------------------------- formats

def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    head = text.lstrip()[:2000].lower()
    if suffix in {".html", ".htm", ".shtml", ".xhtml"} or head.startswith(("<!doctype", "<html", "<div", "<table")) or ("<p" in head and "</p>" in head):
        return "html"
    if "<!-- INFO END -->" in text:
        return "lawmd"
    if suffix in {".md", ".markdown"}:
        # lawrefbook section indexes are front matter only
        return "lawmd" if path.name == "_index.md" else "markdown"
    return "text"


def read_file(path: Path | str, *, runner: ToolRunner | None = None) -> RawDocument:
    """Read one source file; raises ReadError with a Chinese message on bad input.  ``runner``
    (``office.ToolRunner``, passed in by the build or the CLI) starts the converters a DOC/WPS/RTF
    file or OCR needs; without one such a file is a ReadError saying so."""
    path = Path(path)
    try:
        data = read_regular(path)  # no FIFO or device is read; at most the size bound
    except SourceError as e:
        raise ReadError(path, e.message)
    except OSError as e:
        raise ReadError(path, f"无法读取文件：{e.strerror or e}")
    kind = sniff(data)  # PDF / DOCX / DOC / WPS by their bytes, whatever the name (office.py)
    if kind is not None or (path.suffix.lower() in OFFICE_SUFFIXES and data.strip() and b"\x00" in data[:4096]):
        return _read_office(path, data, kind, runner)
    text, encoding = decode(data, path)
    text = neutralise(text.replace("\r\n", "\n").replace("\r", "\n"))  # no bidi override reverses a title (textsafe.py)
    fmt = detect_format(path, text)
    if fmt == "html":
        doc = _read_html(path, text)
    elif fmt == "lawmd":
        doc = _read_lawmd(path, text)
    else:
        doc = _read_plain(path, text, fmt)
    doc.encoding = encoding
    if not doc.lines and fmt == "lawmd" and "title" not in doc.header:
        raise ReadError(path, "栏目索引文件（只有 front matter，没有标题和正文），不是一件文件，已跳过")
    if not doc.lines:
        raise ReadError(path, "去除网页框架后正文为空")
    return doc


def _read_office(path: Path, data: bytes, kind: str | None, runner: ToolRunner | None) -> RawDocument:
    try:
        got = read_office(path, data, kind, runner)
    except OfficeError as e:
        raise ReadError(path, e.message, e.line) from None
    doc = _finish(path, got.fmt, got.text, got.lines, got.declared, got.header, got.stripped)
    doc.encoding = "binary"
    if not doc.lines:
        raise ReadError(path, "文件中没有可读的文字（全部为空白或页面框架）")
    return doc


_ABSOLUTE_URL = re.compile(r"^https?://[^\s/?#]+", re.I)


def _finish(path: Path, fmt: str, text: str, lines: list[SourceLine], declared: list[Declared],
            header: dict[str, str] | None = None, stripped: list[Stripped] | None = None) -> RawDocument:
    for line in lines:  # HTML entities (&#x202E;) are decoded after read_file's pass
        if INVISIBLE.search(line.text):
            line.text = neutralise(line.text)
    for d in declared:
        d.value = neutralise(d.value)
    # a source address is absolute http(s) or nothing: a relative canonical or meta Url became a
    # link to a page the site does not have and failed every build's link check (issue 28)
    declared = [d for d in declared if d.field != "source_url" or _ABSOLUTE_URL.match(d.value)]
    c = clean(lines, fmt)
    head = {k: neutralise(v) for k, v in (header or {}).items()}
    for k, v in c.header.items():
        head.setdefault(k, v)
    if "source_url" in head and not _ABSOLUTE_URL.match(head["source_url"]):
        del head["source_url"]
    return RawDocument(path=path, format=fmt, encoding="", text=text, lines=c.lines, header=head,
                       stripped=list(stripped or []) + c.stripped,
                       declared=declared + [d for d in c.declared if d.field != "source_url" or _ABSOLUTE_URL.match(d.value)],
                       table_rows=c.table_rows)


# ---------------------------------------------------------------- plain text and Markdown

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_BOLD = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*$")


def _read_plain(path: Path, text: str, fmt: str) -> RawDocument:
    raw = text.split("\n")
    lines: list[SourceLine] = []
    declared: list[Declared] = []
    stripped: list[Stripped] = []
    start = 0
    if fmt == "markdown" and raw and raw[0].strip() == "---":  # front matter
        end = next((j for j in range(1, len(raw)) if raw[j].strip() == "---"), None)
        if end is not None:
            for k in range(1, end):
                m = re.match(r"\s*(title|date|source|url)\s*:\s*(.+)", raw[k])
                if m:
                    key = {"title": "title", "date": "date_published", "source": "issuer", "url": "source_url"}[m.group(1)]
                    declared.append(Declared(key, m.group(2).strip().strip("\"'"), "front matter", k + 1))
                stripped.append(Stripped(k + 1, raw[k].strip(), "front matter"))
            start = end + 1
    for i in range(start, len(raw)):
        s, style = raw[i], ""
        if fmt == "markdown":
            m = _MD_HEADING.match(s)
            if m:
                s, style = m.group(2), "heading" if len(m.group(1)) <= 3 else ""
            m = _MD_BOLD.match(s)
            if m:
                s, style = m.group(2), style or "bold"
            s = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", s)  # inline bold
        lines.append(SourceLine(i + 1, s, style))
    return _finish(path, fmt, text, lines, declared, stripped=stripped)


def _read_lawmd(path: Path, text: str) -> RawDocument:
    raw = text.split("\n")
    header: dict[str, str] = {}
    stripped: list[Stripped] = []
    lines: list[SourceLine] = []
    start = 0
    if raw and raw[0].strip() == "---":  # Hugo front matter
        for j in range(1, len(raw)):
            if raw[j].strip() == "---":
                for k in range(1, j):
                    m = re.match(r"\s*title\s*:\s*(.+)", raw[k])
                    if m:
                        header["title"] = m.group(1).strip().strip("\"'")
                    stripped.append(Stripped(k + 1, raw[k].strip(), "front matter"))
                start = j + 1
                break
    end_info = next((i for i, l in enumerate(raw) if l.strip() == "<!-- INFO END -->"), None)
    info: list[str] = []
    for i in range(start, len(raw)):
        no = i + 1
        s = raw[i].strip()
        if not s:
            continue
        if s == "<!-- INFO END -->":
            stripped.append(Stripped(no, s, "markdown 标记"))
            continue
        m = re.match(r"^(#{1,6})\s*(.*)$", s)
        if m and "title" not in header and m.group(1) == "#":
            header["title"] = normalise_line(m.group(2))
            header["title_line"] = str(no)
            continue
        if m and m.group(1) == "#" and "part" not in header and end_info is not None and i < end_info:
            # issue 25: a part printed under the shared title (民法典/侵权责任编.md: ``# 侵权责任编``)
            header["part"] = normalise_line(m.group(2))
            header["title"] = f"{header['title']}（{header['part']}）"
            stripped.append(Stripped(no, s, "分编标题，已并入标题"))
            continue
        if end_info is not None and i < end_info:
            info.append(normalise_line(s))
            lines.append(SourceLine(no, s))
            continue
        if m:
            s = m.group(2)
        lines.append(SourceLine(no, s))
    if info:
        header["info"] = "\n".join(info)
        header["info_lines"] = str(len(info))
    declared = [Declared("title", header["title"], f"Markdown 一级标题（第{header['title_line']}行）"
                         if "title_line" in header else "front matter", int(header.get("title_line", 0)) or None)] \
        if header.get("title") else []
    return _finish(path, "lawmd", text, lines, declared, header, stripped)


# ---------------------------------------------------------------- HTML

# Main-content containers, most specific first (the one place to add a site's layout):
# (attribute, pattern, where seen).  Text outside the first match is kept as ``outside`` lines.
CONTENT_CONTAINERS: list[tuple[str, re.Pattern, str]] = [
    ("id", re.compile(r"^UCAP-CONTENT$"), "govcn2019"),
    ("id", re.compile(r"^zoom$", re.I), "provincial (Hanweb: doZoom font-size box)"),
    ("class", re.compile(r"^(TRS_Editor|TRS_UEDITOR|Custom_UnionStyle|pages_content|article-content|article_content|"
                         r"art_con|con_text|news_content|detail-content|zw|content)$", re.I), "TRS/Hanweb CMS"),
    ("id", re.compile(r"^(js_content|p_content|fontzoom|zoomcon|BodyLabel|ozoom)$"), "WeChat articles, news-site CMSs"),
    ("class", re.compile(r"^(rich_media_content|rm_txt_con|article-body|articleBody)$"), "WeChat articles, news-site CMSs"),
    ("id", re.compile(r"^(content|article|zhengwen|main-content|mainText|text)$", re.I), "common CMS ids"),
    ("name", re.compile(r"^(article|main)$"), "HTML5 <article>/<main>"),
]
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "tbody",
           "thead", "tfoot", "section", "article", "main", "header", "footer", "nav", "aside", "blockquote", "pre",
           "center", "form", "address", "figure", "figcaption", "caption", "hr", "body", "td", "th", "fieldset"}
_SKIP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "head", "select", "option", "button"}
_META_FIELDS = {"articletitle": "title", "pubdate": "date_published", "contentsource": "issuer", "columnname": "column",
                "url": "source_url", "keywords": "keywords", "sitename": "site", "og:title": "title", "og:url": "source_url",
                # gov.cn pages after 2019, Open Graph articles
                "firstpublishedtime": "date_published", "publishdate": "date_published",
                "article:published_time": "date_published", "og:site_name": "site"}


def _container(soup: BeautifulSoup) -> Tag | None:
    """The main content element: the first ``CONTENT_CONTAINERS`` match that holds most of the
    page's prose; else the smallest element that does (a text-density signal, as readability,
    trafilatura and jusText use): sites2-013/035 have an ``id=content`` chat list or empty box,
    the notice sits in an unnamed ``<div>``."""
    total = _prose(soup)
    for attr, pat, _seen in CONTENT_CONTAINERS:
        if attr == "name":
            el = soup.find(pat)
        else:
            el = soup.find(attrs={attr: pat}) if attr == "id" else soup.find(class_=pat)
        if el is not None and len(el.get_text(strip=True)) >= 2:
            if total < 200 or _prose(el) >= 0.5 * total:
                return el
            break
    if total < 200:
        return None
    # one pass: each passage's length counts for every element above it
    held: dict[int, int] = {}
    for t in _passages(soup):
        for el in t.parents:
            held[id(el)] = held.get(id(el), 0) + len(t.strip())
    best = None
    for el in soup.find_all(["div", "td", "article", "section", "main", "table"]):
        if held.get(id(el), 0) >= 0.8 * total:
            best = el  # find_all is in document order: later matches lie inside earlier ones
    return best if best is not None and best.name != "body" else None


def _passages(el: Tag):
    """Text nodes of running text: outside links, ten or more characters, with sentence punctuation."""
    for t in el.find_all(string=True):
        if type(t) is NavigableString and t.find_parent("a") is None:
            s = t.strip()
            if len(s) >= 10 and re.search(r"[。，；]", s):
                yield t


def _prose(el: Tag) -> int:
    """Characters of running text in ``el`` (``_passages``)."""
    return sum(len(t.strip()) for t in _passages(el))


def _shown_by_script(el: Tag, container: Tag | None) -> bool:
    """A ``display:none`` block whose prose is printed nowhere else on the page is the content a
    script reveals (sites2-008/009: the notice in ``<div id=DOCHTMLCON style="display:none">``),
    not a copy for other devices."""
    own = _prose(el)
    if own < 200:
        return False
    sample = re.sub(r"\s", "", next((t for t in el.find_all(string=True) if len(t.strip()) >= 20 and re.search(r"[。，；]", t)), ""))[:20]
    if not sample:
        return False
    root = container if container is not None else el.find_parent("body") or el
    rest = re.sub(r"\s", "", root.get_text()).count(sample)
    return rest <= 1


# page widgets named by their markup: share rows, favourites, subscriptions, font size, read-aloud
# (fgk.chinatax.gov.cn ``<p class="share">``/``<p class="collect">``/``<p class="fontsize">``, bdshare/jiathis buttons)
WIDGET_RE = re.compile(r"(?:^|[-_\s])(share\w*|bdshare\w*|bdsharebuttonbox|jiathis\w*|fenxiang|collect|shoucang|favou?rites?|"
                       r"subscribe|dingyue|fontsize|font-size|zihao|yybb|readnum|viewcount)(?:$|[-_\s])", re.I)


def _style_of(el: Tag) -> str:
    if el.name in {"h1", "h2", "h3"}:
        return "heading"
    cls = " ".join(el.get("class") or []) + " " + (el.get("id") or "")
    if re.search(r"title|biaoti", cls, re.I) and el.name not in {"table", "tr", "td"}:
        return "heading"
    st = (el.get("style") or "").replace(" ", "").lower()
    if "text-align:center" in st or (el.get("align") or "").lower() == "center" or el.name == "center":
        return "center"
    return ""


class _Lines:
    """Linearises a parsed page into SourceLines: blocks and <br> end lines."""

    def __init__(self, container: Tag | None):
        self.container = container
        self.out: list[SourceLine] = []
        self.buf: list[str] = []
        self.buf_no = None
        self.line = 1
        self.bold_chars = 0
        self.link_chars = 0  # text inside <a href>: navigation menus are runs of such lines
        self.links = 0
        self.inside = container is None
        self.block = 0  # serial number of the current block element (lines split by <br> share it)
        self.blocks = 0
        self.pre = 0  # inside <pre>: a newline ends a line
        self.consumed: set[int] = set()  # ids of value rows already read with their header row
        self.widget = 0  # inside a WIDGET_RE element
        self.hidden = 0  # inside a display:none element (anywhere on the page)

    def flush(self, style: str = "") -> None:
        text = " ".join("".join(self.buf).split())  # HTML collapses white space (as the reader always did)
        if text:
            plain = re.sub(r"\s", "", text)
            if style != "heading" and plain and self.bold_chars >= len(plain):
                style = "bold"
            self.out.append(SourceLine(self.buf_no or self.line, text, style, outside=not self.inside, block=self.block,
                                       link=bool(plain) and self.link_chars >= 0.9 * len(plain), widget=self.widget > 0,
                                       hidden=self.hidden > 0))
        self.buf, self.buf_no, self.bold_chars, self.link_chars = [], None, 0, 0

    def text(self, s: str, bold: bool) -> None:
        if self.pre and "\n" in s:
            first, _, rest = s.partition("\n")
            self.text(first, bold)
            self.flush()
            self.line += 1
            self.text(rest, bold)
            return
        if s.strip() and self.buf_no is None:
            self.buf_no = self.line + s[: len(s) - len(s.lstrip())].count("\n")
        self.buf.append(s.replace("\n", " "))
        if bold:
            self.bold_chars += len(re.sub(r"\s", "", s))
        if self.links:
            self.link_chars += len(re.sub(r"\s", "", s))
        self.line += s.count("\n")

    def walk(self, el: Tag, style: str = "", bold: bool = False) -> None:
        for ch in el.children:
            if isinstance(ch, Comment):
                continue
            if isinstance(ch, NavigableString):
                if type(ch) is NavigableString:
                    self.text(str(ch), bold)
                continue
            if not isinstance(ch, Tag) or ch.name in _SKIP:
                continue
            if ch.sourceline:
                self.line = ch.sourceline
            entering = ch is self.container
            if entering:
                self.flush(style)
                self.inside = True
            # text the page hides (display:none copies for other devices) is listed, never body
            none = "display:none" in (ch.get("style") or "").replace(" ", "").lower() and not entering
            hidden = self.inside and none and not _shown_by_script(ch, self.container)
            concealed = none and (hidden or not self.inside)
            if concealed:
                self.flush(style)
                self.hidden += 1
            if hidden:
                self.flush(style)
                self.inside = False
            names = " ".join(ch.get("class") or []) + " " + (ch.get("id") or "")
            widget = bool(WIDGET_RE.search(names)) and ch is not self.container
            if widget:
                self.flush(style)
                self.widget += 1
            if ch.name == "br":
                self.flush(style)
            elif ch.name == "tr" and not ch.find(["p", "div", "br", "table", "li"]):
                self.flush(style)
                self.row(ch)
            elif ch.name == "dt" and ch.find_next_sibling("dd") is not None:
                self.flush(style)
                self.definition(ch)
            elif ch.name in _BLOCKS:
                self.flush(style)
                outer = self.block
                self.blocks += 1
                self.block = self.blocks
                own = _style_of(ch) or style
                self.pre += ch.name == "pre"
                self.walk(ch, own, bold)
                self.pre -= ch.name == "pre"
                self.flush(own)
                self.block = outer
            else:
                weight = re.search(r"font-weight:\s*(bold|[6-9]00)", ch.get("style") or "", re.I)
                link = ch.name == "a" and bool(ch.get("href"))
                self.links += link
                self.walk(ch, style, bold or ch.name in {"b", "strong"} or weight is not None)
                self.links -= link
            if widget:
                self.flush(style)
                self.widget -= 1
            if entering:
                self.flush(style)
                self.inside = False
            if hidden:
                self.flush(style)
                self.inside = True
            if concealed:
                self.flush(style)
                self.hidden -= 1

    def row(self, tr: Tag) -> None:
        if id(tr) in self.consumed:
            return
        cells = [c for c in tr.find_all(["td", "th"]) if not c.find(["td", "th"])]
        parts = []
        for c in cells:
            t = " ".join(c.get_text("").split())
            if re.sub(r"[\s\u3000:：]", "", t) in FIELD_LABELS:  # a label cell: 发文机关 | 国务院
                t = re.sub(r"[\s\u3000:：]", "", t) + "："
            parts.append(t)
        # a header row of labels over a row of values: 索引号 | 发文机关 … / 000014349 | 国务院 …
        below = tr.find_next_sibling("tr")
        if len(parts) >= 2 and all(p.endswith("：") and p[:-1] in FIELD_LABELS for p in parts) and below is not None:
            values = [" ".join(c.get_text("").split()) for c in below.find_all(["td", "th"]) if not c.find(["td", "th"])]
            if len(values) == len(parts) and not any(re.sub(r"[\s\u3000:：]", "", v) in FIELD_LABELS for v in values):
                parts = [p + v for p, v in zip(parts, values)]
                self.consumed.add(id(below))
        text = "\u3000".join(p for p in parts if p)
        if text.strip():  # a row of two or more cells is data; one cell per row only frames the page
            plain = re.sub(r"\s", "", text)
            linked = sum(len(re.sub(r"\s", "", a.get_text())) for a in tr.find_all("a", href=True))
            self.out.append(SourceLine(tr.sourceline or self.line, text, "", outside=not self.inside,
                                       cell=sum(1 for p in parts if p) >= 2, link=linked >= 0.9 * len(plain)))

    def definition(self, dt: Tag) -> None:
        dd = dt.find_next_sibling("dd")
        label = " ".join(dt.get_text("").split())
        key = re.sub(r"[\s\u3000:：]", "", label)
        value = " ".join(dd.get_text("").split())
        if key in FIELD_LABELS:
            self.out.append(SourceLine(dt.sourceline or self.line, f"{key}：{value}", "", outside=not self.inside))
            dd.extract()
        else:
            self.out.append(SourceLine(dt.sourceline or self.line, label, "", outside=not self.inside))


def _read_html(path: Path, text: str) -> RawDocument:
    # browsers read </br> (provincial pages) as <br>; html.parser would drop it
    soup = BeautifulSoup(re.sub(r"</br\s*>", "<br>", text, flags=re.I), "html.parser")
    flatten_deep(soup)  # 10,000 nested tags: the walk below recurses (issue 28; limits.MAX_NESTING)
    declared: list[Declared] = []
    for m in soup.find_all("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        value = " ".join((m.get("content") or "").split())
        if name in _META_FIELDS and value:
            declared.append(Declared(_META_FIELDS[name], value, f"meta {m.get('name') or m.get('property')}", m.sourceline))
    # 证监会 pages: PubDate is the page's build time, declared again as meta others 页面生成时间 (sites2-004/005)
    built = [" ".join((m.get("content") or "").split()) for m in soup.find_all("meta", attrs={"name": "others"})]
    built = [re.sub(r"^\D*", "", b) for b in built if "生成时间" in b]
    for k, d in enumerate(declared):
        if d.field == "date_published" and d.source.lower() == "meta pubdate" and d.value in built:
            declared[k] = Declared("page_built", d.value, f"{d.source}（与 meta others 页面生成时间相同：网页生成时间，非发布日期）", d.line)
    for link in soup.find_all("link"):
        if "canonical" in [r.lower() for r in (link.get("rel") or [])] and link.get("href"):
            declared.append(Declared("source_url", link["href"].strip(), "link canonical", link.sourceline))
    if soup.title and soup.title.get_text(strip=True):
        declared.append(Declared("page_title", " ".join(soup.title.get_text().split()), "<title>", soup.title.sourceline))
    for bad in soup(list(_SKIP - {"head"})):
        bad.decompose()
    _resolve_visibility(soup)
    header: dict[str, str] = {}
    title_tag = next((d.value for d in declared if d.field == "page_title"), None)
    if title_tag:
        header["html_title"] = title_tag
    root = soup.body or soup
    box = _container(soup)
    if soup.head is not None and root is not soup:
        soup.head.decompose()
    doc = None
    for container in dict.fromkeys([box, None]):
        lin = _Lines(container)
        lin.walk(root)
        lin.flush()
        doc = _finish(path, "html", text, _join_heading_breaks(lin.out), declared, header)
        if doc.lines:
            break
        # an empty content box (the notice only as an attached PDF, attachments/011) is no content
        # box: the page is read whole, the cleaning rules alone deciding what is furniture
    return doc


_VISIBLE_ATTRS = ("ms-visible", "v-show", "v-if", "ng-show", "ng-if", "x-show")
_LITERAL_TEST = re.compile(r"""\s*(["'])(.*?)\1\s*(===?|!==?)\s*(["'])(.*?)\4\s*""")


def _resolve_visibility(soup: BeautifulSoup) -> None:
    """Items a template engine shows by a test on two literals (sites2-016 four ``有效性`` items with
    ``ms-visible='"02"=="02"'``, only that one shown): the true one loses its ``display:none``, a false
    one gets it (its text is then listed, never body or metadata)."""
    for el in soup.find_all(lambda t: any(t.has_attr(a) for a in _VISIBLE_ATTRS)):
        expr = next(el[a] for a in _VISIBLE_ATTRS if el.has_attr(a))
        m = _LITERAL_TEST.fullmatch(expr if isinstance(expr, str) else "")
        if not m:
            continue
        shown = (m.group(2) == m.group(5)) != m.group(3).startswith("!")
        style = re.sub(r"display\s*:\s*none\s*;?", "", el.get("style") or "", flags=re.I)
        el["style"] = style if shown else style + ";display:none"


def _join_heading_breaks(lines: list[SourceLine]) -> list[SourceLine]:
    """A centred or bold title broken with <br> inside one block is one heading
    (govcn2019 ``国务院办公厅、中央军委办公厅<br>关于…<br>…的通知``): the parts
    of a styled block are joined when together they read as a title."""
    out: list[SourceLine] = []
    i = 0
    while i < len(lines):
        j = i + 1
        while j < len(lines) and lines[i].block and lines[j].block == lines[i].block:
            j += 1
        group = lines[i:j]
        parts = [normalise_line(sl.text) for sl in group]
        heading = all(sl.style in {"heading", "bold"} for sl in group) and not any(
            re.search(r"[。；：]|\d+年\d+月\d+日", p) for p in parts)
        if (len(group) > 1 and all(sl.style for sl in group) and all(len(p) <= 40 for p in parts)
                and not any(TITLE_END_RE.search(p) for p in parts[:-1])
                and (heading or looks_like_title("".join(parts)))):
            first = group[0]
            out.append(SourceLine(first.no, "".join(sl.text for sl in group), first.style, first.outside, first.block))
        else:
            out.extend(group)
        i = j
    return out
