"""Office formats: PDF, DOCX, DOC and WPS bytes -> the same ``SourceLine`` rows the other readers give.

``read.read_file`` asks ``sniff`` what the bytes are (never the name alone) and hands office
files to ``read_office``, which returns the reader's lines; ``read._finish`` then cleans them
like any other source.  Real input forms handled (../shared/corpus/attachments/):

* PDF with a text layer (``%PDF`` in the first KiB; 001-003, 005-009, 015, 017-019, 022):
  text lines with their positions from pdfplumber; removed as furniture into ``stripped`` with
  a reason: page numbers in every style (``- 1 -`` 001, ``— 1 —`` 003, ``－1－``, ``-1-``,
  ``第 1 页 共 N 页``), running headers and footers repeated at the top or bottom of the pages
  (``北京市人民政府规章`` / ``北京市人民政府发布`` 017-019), text placed outside the page box (017's
  stray ``X``); lines broken by the layout are joined into paragraphs (a line that reaches the
  right margin continues on the next unless that one is indented, also across pages); title
  lines set in a larger type one under the other are one heading (001's three-line title); a gap
  wider than the page's line pitch is paragraph spacing (LibreOffice PDFs of unindented text);
  characters set off the line in another font join it (002's 文号 digits); blank pages (005) give
  nothing; a text layer of unmapped glyphs ((cid:N), private-use characters; not seen in the corpus)
  is read as a scan.
  Library measured on the 13 pdf-text files (title, first/last line, 39 must_contain sentences,
  whitespace removed): pdfplumber 0.11.11, pdfminer.six 20260107 and pypdf 7.1.1 each find all;
  spaces inside Chinese words of justified lines (资 金的 75%留 存监 管, 001): pdfplumber 0,
  pdfminer.six and pypdf keep them (001: 19 CJK-space-CJK pairs each against pdfplumber's 10, all
  of those after 第X条 labels; pypdf also 51 on 006 and 38 on 007; on 005 pdfplumber keeps more,
  204 against 76 and 193, the printed space of “好年华 聚福州” each time); reading order: pypdf puts
  the page number above the page's first line (001 page 3); 第X条 labels stay on their line in
  all three; pdfminer.six returns every line as its own paragraph; time for all 13: pypdf 13.5 s,
  pdfminer.six 21 s, pdfplumber 25.5 s.  pdfplumber is used: the only one without broken words,
  and its line positions drive furniture and paragraph joining.
* PDF pages without text (scans: 004-att2, 010, 011; 002 page 2 is an image inside a text PDF):
  a whole scan gives one line 「扫描件，无文字层」 naming the page count; a missing page in a text
  PDF gives a visible note where the page was.  With OCR on (``IPARCHIVE_OCR=1`` or ``--ocr``)
  such pages are rasterised by pdftoppm at the scan's own resolution and read by tesseract (chi_sim,
  layout lines from its TSV, then the same furniture and joining rules), marked 「OCR 识别，未经校对」.
  Measured (share of each must_contain sentence's characters found in order): 004-att2 1.00 1.00
  1.00, 010 0.99 0.95 1.00, 011 0.99 0.95 1.00; 002's image page fills in all manifest lines.  At a
  fixed 300 dpi 004-att2 lost a line (0.71): a 200-dpi scan is not resampled.
* DOCX (a zip holding ``word/document.xml``; 012-014, 017-021): paragraphs in body order with
  the labels Word generates from ``numPr`` (017's ``第%1章　`` chineseCounting starting at 五; the
  DOCX LibreOffice makes of 004 (decimal) and 024 (chineseCountingThousand)), text boxes once (their
  ``mc:Fallback`` copy skipped: 017's footer), soft line breaks, tables as one line per
  row with cells joined by U+3000 (merged cells once, 014), nested tables, headers/footers listed
  in ``stripped``; U+200B and other zero-width marks removed (a title beginning with U+200B).
* DOC and WPS (OLE2 ``D0CF11E0``; 004, 016, 023 x3 written by WPS Office, 024-026 .wps; also such
  a file saved under an .html name) and RTF saved as .doc: converted to DOCX by LibreOffice
  headless in a temporary directory with a timeout, then read as DOCX.  Measured against antiword
  on the 5 .doc and 3 .wps files: see ``OLE_CONVERTER`` (LibreOffice 8/8 files with every manifest
  line, antiword 7/8).

The document title of an office file added alone (``printed_title``, declared as 版式标题, which
metadata takes as a format's own title): the heading printed over the text, found by its type (a
larger size: DOCX run sizes against the body's, 023-att1's 22 pt over 16 pt; a PDF's smaller step up
above the first body line, 005's 18 pt over 16 pt), else centred, else bold; skipping 附件N labels
(005, 023, 024, 026), 文号 lines, red headers ``…文件`` (002, 006) and ``公开`` marks (008); two
heading lines in a row are one title (006); never a table row (004's form, 014's and 026's tables).
Measured on the 29 files with text: 29/29 printed titles (24/29 before).

Every failure is a ``ReadError`` in Chinese naming the file: encrypted, corrupt, too large
(``MAX_BYTES`` per format, in one place), converter missing (what to install), converter timeout,
no runner given (``no_runner``).  This module starts no process: LibreOffice, pdftoppm and tesseract
are run by the ``runner`` its caller passes (``ToolRunner``; the build and the CLI pass
``build.tools.run_tool``, which kills the tool's whole process group past its timeout).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Protocol, Sequence

from .clean import ATTACHMENT_LABEL, CLAUSE_START_RE, SourceLine, looks_like_title
from ..docnumber import DOCNO_RE, ORDER_RE
from ..errors import SourceError
from ..models import Declared, Stripped
from ..limits import MAX_TEXT_BYTES, OFFICE_BYTES, office_bound
from ..settings import OCR_ENV, child_environment, env

__all__ = ["OfficeError", "OfficeRead", "ToolRunner", "no_runner", "sniff", "read_office", "printed_title", "PRINTED_TITLE", "size_limit", "MAX_BYTES", "MAX_TEXT_BYTES", "OFFICE_SUFFIXES", "ocr_enabled",
           "SCAN_NOTE", "OCR_NOTE"]

# Size bounds live in limits.py (the one place for add, parse and build): the largest file read per format
# (binary formats carry images and fonts, so they may exceed a text source's 2 MB) and the most text taken
# from one (MAX_TEXT_BYTES, the same 2 MB: a page is built from it).
MAX_BYTES = OFFICE_BYTES
MAX_PAGES = 800  # a PDF with more pages is refused (the 33-page 022 is the longest seen)
MAX_DOCX_XML = 80 * 1024 * 1024  # uncompressed word/document.xml (a zip bomb is refused)
CONVERT_TIMEOUT = 180  # seconds for one LibreOffice conversion
OCR_TIMEOUT = 120  # seconds for one page's rasterising or OCR
OFFICE_SUFFIXES = {".pdf", ".docx", ".doc", ".wps", ".rtf"}

SCAN_NOTE = "扫描件，无文字层"
OCR_NOTE = "OCR 识别，未经校对"
FORMAT_NAMES = {"pdf": "PDF", "docx": "Word（DOCX）", "ole": "Word 97（DOC/WPS）", "rtf": "RTF"}

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


class OfficeError(SourceError):
    """An office file that cannot be read (message in Chinese)."""


class ToolRunner(Protocol):
    """How a stage runs an external program: the build and the CLI pass ``build.tools.run_tool``
    (its own process group, killed whole past ``timeout``: ``subprocess.TimeoutExpired``;
    ``OSError`` when it cannot start).  The stages never start a process themselves."""

    def __call__(self, argv: Sequence[str], *, timeout: Optional[float] = None, cwd=None, env=None,
                 text: bool = False) -> subprocess.CompletedProcess: ...


def no_runner(path: Path, what: str) -> OfficeError:
    """The error for a file that needs an external program when the caller passed no runner."""
    return OfficeError(path, f"读取此文件需要调用外部程序（{what}），但调用方没有提供运行外部程序的 runner："
                             "请用 iparchive build / parse / add 读取，或在代码中传入 runner=build_tools.build.tools.run_tool")


@dataclass
class OfficeRead:
    """What an office reader gives ``read._finish``."""

    fmt: str  # "pdf" | "docx" | "doc"
    text: str  # the extracted lines, furniture included, one per line (SourceLine.no counts these)
    lines: list[SourceLine]
    declared: list[Declared] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    stripped: list[Stripped] = field(default_factory=list)


def size_limit(path: Path) -> Optional[int]:
    """The byte limit of an office file (by its first bytes), None for a text source (``limits.office_bound``)."""
    return office_bound(path)


def ocr_enabled() -> bool:
    """OCR of pages without text is opt-in: environment ``IPARCHIVE_OCR=1`` (the CLI's ``--ocr`` sets it)."""
    return env(OCR_ENV).lower() in {"1", "true", "yes", "on"}


# ------------------------------------------------------------------ sniffing

def sniff(data: bytes) -> Optional[str]:
    """The office format of these bytes ("pdf", "docx", "ole", "rtf") or None: by content, never by name."""
    head = data[:1024]
    # the header may follow up to 1 KiB of junk (as readers allow) only in a file that ends like a PDF:
    # a text that merely mentions %PDF- stays text
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-") or (b"%PDF-" in head and b"%%EOF" in data[-2048:]):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return "docx-bad"
        return "docx" if "word/document.xml" in names else None
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    return None


def read_office(path: Path, data: bytes, kind: Optional[str], runner: Optional[ToolRunner] = None) -> OfficeRead:
    """Read one office file (``kind`` from ``sniff``); raises OfficeError in Chinese.  ``runner``
    starts LibreOffice (DOC/WPS/RTF) and the OCR tools; without one such a file is an error."""
    if kind is None:
        raise OfficeError(path, f"扩展名为 {path.suffix}，但内容不是可识别的 PDF/Word 文件（二进制内容无法读取），可能已损坏或下载不完整")
    if kind == "docx-bad":
        raise OfficeError(path, "文件以 ZIP 标记开头但无法解压，DOCX 文件已损坏")
    limit = MAX_BYTES[kind]
    if len(data) > limit:
        raise OfficeError(path, f"{FORMAT_NAMES[kind]} 文件过大（{len(data) / 1048576:.1f} MB，"
                                f"上限 {limit // 1048576} MB），已跳过")
    if kind == "pdf":
        got = read_pdf(path, data, runner)
    elif kind == "docx":
        got = read_docx(path, data)
    elif kind == "ole" and b"W\x00o\x00r\x00d\x00D\x00o\x00c\x00u\x00m\x00e\x00n\x00t" not in data:
        raise OfficeError(path, "OLE 复合文件但不是 Word 文档（可能是 Excel 或 PowerPoint 文件），无法作为公文读取")
    else:
        got = read_converted(path, data, kind, runner)
    found = printed_title(got.lines)
    if found:
        got.declared.append(Declared("title", found[1], f"{PRINTED_TITLE}（第{found[0]}行）", found[0]))
    size = sum(len(sl.text.encode("utf-8")) + 1 for sl in got.lines)
    if size > MAX_TEXT_BYTES:
        raise OfficeError(path, f"提取出的文字过多（{size / 1e6:.1f} MB，上限 {MAX_TEXT_BYTES / 1e6:.0f} MB）："
                                "这样的文件会生成过大的页面，不予发布；请确认文件是否正确或拆分后再添加")
    return got


def _join(a: str, b: str) -> str:
    """Two pieces of one paragraph: no space between Chinese, one between Latin words."""
    if a and b and re.match(r"[A-Za-z0-9]", a[-1]) and re.match(r"[A-Za-z0-9]", b[0]):
        return a + " " + b
    return a + b


# ------------------------------------------------------------------ DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_CN_DIGITS = "零一二三四五六七八九"


def _chinese_counting(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest] if rest < 10 else (
            "一" + _chinese_counting(rest) if rest < 20 else _chinese_counting(rest)))
        return _CN_DIGITS[n // 100] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out, n = out + s, n - v
    return out


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def format_number(n: int, fmt: str) -> str:
    """One level's number as Word prints it for ``w:numFmt``."""
    if fmt in {"chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "japaneseCounting",
               "taiwaneseCounting", "ideographDigital", "taiwaneseCountingThousand"}:
        s = _chinese_counting(n)
        return s.translate(str.maketrans("一二三四五六七八九十百", "壹贰叁肆伍陆柒捌玖拾佰")) if fmt == "chineseLegalSimplified" else s
    if fmt in {"decimalFullWidth", "decimalFullWidth2"}:
        return str(n).translate({ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789"})
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "ideographTraditional":
        return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12]
    if fmt in {"none", "bullet"}:
        return ""
    return str(n)


class _Numbering:
    """Word's automatic numbering: ``numId``/``ilvl`` -> the label printed before a paragraph."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, dict]] = {}  # numId -> ilvl -> {fmt, text, start}
        self.abstract_of: dict[str, str] = {}
        self.counters: dict[str, list[int]] = {}  # abstractNumId -> counters per level
        self.style_num: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            root = None
        if root is not None:
            abstract: dict[str, dict[int, dict]] = {}
            for an in root.findall(f"{_W}abstractNum"):
                abstract[an.get(f"{_W}abstractNumId")] = {
                    int(lvl.get(f"{_W}ilvl", "0")): self._level(lvl) for lvl in an.findall(f"{_W}lvl")}
            for num in root.findall(f"{_W}num"):
                nid = num.get(f"{_W}numId")
                ref = num.find(f"{_W}abstractNumId")
                aid = ref.get(f"{_W}val") if ref is not None else None
                levels = {k: dict(v) for k, v in abstract.get(aid, {}).items()}
                for ov in num.findall(f"{_W}lvlOverride"):
                    ilvl = int(ov.get(f"{_W}ilvl", "0"))
                    lvl = ov.find(f"{_W}lvl")
                    if lvl is not None:
                        levels[ilvl] = self._level(lvl)
                    so = ov.find(f"{_W}startOverride")
                    if so is not None:
                        levels.setdefault(ilvl, {"fmt": "decimal", "text": f"%{ilvl + 1}.", "start": 1})
                        levels[ilvl]["start"] = int(so.get(f"{_W}val", "1"))
                        levels[ilvl]["restart"] = True
                self.levels[nid] = levels
                # lists sharing an abstract definition continue one count unless a start is overridden
                self.abstract_of[nid] = nid if any(v.get("restart") for v in levels.values()) else f"a{aid}"
        try:
            for st in document.styles:
                ppr = st.element.find(f"{_W}pPr")
                num = ppr.find(f"{_W}numPr") if ppr is not None else None
                if num is not None:
                    nid, ilvl = self._num_pr(num)
                    if nid:
                        self.style_num[st.style_id] = (nid, ilvl or 0)
        except (KeyError, AttributeError, ValueError):
            pass

    @staticmethod
    def _level(lvl) -> dict:
        def val(tag, default):
            el = lvl.find(f"{_W}{tag}")
            v = el.get(f"{_W}val") if el is not None else None
            return default if v is None else v
        return {"fmt": val("numFmt", "decimal"), "text": val("lvlText", ""), "start": int(val("start", "1")),
                "legal": lvl.find(f"{_W}isLgl") is not None}

    @staticmethod
    def _num_pr(num) -> tuple[Optional[str], Optional[int]]:
        nid_el, lvl_el = num.find(f"{_W}numId"), num.find(f"{_W}ilvl")
        nid = nid_el.get(f"{_W}val") if nid_el is not None else None
        ilvl = int(lvl_el.get(f"{_W}val", "0")) if lvl_el is not None else None
        return nid, ilvl

    def label(self, p) -> str:
        """The label Word prints before paragraph element ``p`` ("" when none)."""
        ppr = p.find(f"{_W}pPr")
        nid, ilvl = None, None
        if ppr is not None:
            num = ppr.find(f"{_W}numPr")
            if num is not None:
                nid, ilvl = self._num_pr(num)
            if nid is None:
                ps = ppr.find(f"{_W}pStyle")
                sid = ps.get(f"{_W}val") if ps is not None else None
                if sid in self.style_num:
                    nid, style_lvl = self.style_num[sid]
                    ilvl = style_lvl if ilvl is None else ilvl
        if not nid or nid == "0" or nid not in self.levels:
            return ""
        ilvl = ilvl or 0
        levels = self.levels[nid]
        if ilvl not in levels:
            return ""
        key = self.abstract_of[nid]
        counters = self.counters.setdefault(key, [])
        while len(counters) <= 8:
            counters.append(0)
        for k in range(9):  # a counter not yet used starts at its level's start
            if counters[k] == 0 and k != ilvl:
                counters[k] = levels.get(k, {}).get("start", 1) - 1 if k > ilvl else levels.get(k, {}).get("start", 1)
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] >= levels[ilvl]["start"] else levels[ilvl]["start"]
        for k in range(ilvl + 1, 9):
            counters[k] = 0
        lvl = levels[ilvl]
        if lvl["fmt"] == "bullet":
            return ""

        def repl(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            fmt = levels.get(k, {}).get("fmt", "decimal")
            if lvl.get("legal") and k < ilvl:
                fmt = "decimal"
            return format_number(counters[k] if k < len(counters) else 1, fmt)
        return re.sub(r"%([1-9])", repl, lvl["text"])


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _walk(el):
    """Elements under ``el`` in document order, leaving out ``mc:Fallback`` copies (a text box's
    VML fallback repeats its text: 017's footer ``- 1 -`` came out twice)."""
    for ch in el:
        if ch.tag == _MC_FALLBACK:
            continue
        yield ch
        yield from _walk(ch)


def _paragraph_text(p) -> list[str]:
    """The text of a paragraph element (runs, hyperlinks, fields' results, tabs, breaks), split at soft breaks."""
    parts: list[str] = []
    for el in _walk(p):
        tag = el.tag
        if tag == f"{_W}t":
            parts.append(el.text or "")
        elif tag == f"{_W}tab":
            parts.append(" ")
        elif tag in {f"{_W}br", f"{_W}cr"}:
            if el.get(f"{_W}type") != "page":
                parts.append("\n")
        elif tag == f"{_W}sym":
            ch = el.get(f"{_W}char", "")
            try:
                code = int(ch, 16)
                parts.append(chr(code - 0xF000 if code >= 0xF000 else code) if code not in range(0xF000, 0xF020) else "")
            except ValueError:
                pass
        elif tag == f"{_W}delText":
            continue
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
    text = "".join(parts).translate(_ZERO_WIDTH)
    return text.split("\n")


def _p_style(p, doc_styles: dict[str, str]) -> str:
    ppr = p.find(f"{_W}pPr")
    style = ""
    if ppr is not None:
        ps = ppr.find(f"{_W}pStyle")
        name = doc_styles.get(ps.get(f"{_W}val"), "") if ps is not None else ""
        if re.match(r"(heading [1-3]|title|标题 ?[1-3]?$)", name, re.I):
            return "heading"
        jc = ppr.find(f"{_W}jc")
        if jc is not None and jc.get(f"{_W}val") == "center":
            style = "center"
    runs = [r for r in p.iter(f"{_W}r") if "".join(t.text or "" for t in r.iter(f"{_W}t")).strip()]
    if runs and not style:
        def bold(r):
            rpr = r.find(f"{_W}rPr")
            b = rpr.find(f"{_W}b") if rpr is not None else None
            return b is not None and b.get(f"{_W}val", "true") not in {"0", "false", "off"}
        if all(bold(r) for r in runs):
            style = "bold"
    return style


def _style_sizes(document) -> tuple[dict[str, int], int]:
    """Font size (half-points) of each paragraph style, following ``basedOn``, and the document default."""
    default = 20  # Word's own default, 10 pt
    direct: dict[str, tuple[Optional[int], Optional[str]]] = {}
    try:
        root = document.styles.element
        sz = root.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr/{_W}sz")
        if sz is not None and (sz.get(f"{_W}val") or "").isdigit():
            default = int(sz.get(f"{_W}val"))
        for st in root.findall(f"{_W}style"):
            el = st.find(f"{_W}rPr/{_W}sz")
            base = st.find(f"{_W}basedOn")
            val = el.get(f"{_W}val") if el is not None else None
            direct[st.get(f"{_W}styleId") or ""] = (int(val) if val and val.isdigit() else None,
                                                     base.get(f"{_W}val") if base is not None else None)
    except (KeyError, AttributeError, ValueError):
        return {}, default

    def size(sid: str, depth: int = 0) -> int:
        own, base = direct.get(sid, (None, None))
        if own is not None:
            return own
        return size(base, depth + 1) if base and depth < 10 else default

    return {sid: size(sid) for sid in direct}, default


class _DocxLines:
    def __init__(self, numbering: _Numbering, styles: dict[str, str], sizes: tuple[dict[str, int], int] = ({}, 20)):
        self.numbering = numbering
        self.styles = styles
        self.style_sizes, self.default_size = sizes
        self.raw: list[str] = []
        self.lines: list[SourceLine] = []
        self.sizes: list[int] = []  # per line of ``lines``: its smallest text run's size (half-points)
        self.block = 0

    def add(self, text: str, style: str = "", cell: bool = False, block: int = 0, size: int = 0) -> None:
        self.raw.append(text)
        if text.strip():
            self.lines.append(SourceLine(len(self.raw), text, style, block=block, cell=cell))
            self.sizes.append(size)

    def _size(self, p) -> int:
        """The type size a paragraph is printed in: its smallest run with text (direct ``w:sz``, else the
        paragraph style's, else the document default); 0 when it has no text run."""
        ps = p.find(f"{_W}pPr/{_W}pStyle")
        base = self.style_sizes.get(ps.get(f"{_W}val"), self.default_size) if ps is not None else \
            self.style_sizes.get("Normal", self.default_size)
        got = []
        for r in p.iter(f"{_W}r"):
            if not "".join(t.text or "" for t in r.iter(f"{_W}t")).strip():
                continue
            sz = r.find(f"{_W}rPr/{_W}sz")
            val = sz.get(f"{_W}val") if sz is not None else None
            got.append(int(val) if val and val.isdigit() else base)
        return min(got) if got else 0

    def paragraph(self, p) -> None:
        label = self.numbering.label(p)
        pieces = _paragraph_text(p)
        pieces[0] = label + pieces[0]
        self.block += 1
        style = _p_style(p, self.styles)
        size = self._size(p)
        for s in pieces:
            self.add(s, style, block=self.block if len(pieces) > 1 else 0, size=size)

    def mark_large(self) -> None:
        """A paragraph set in a type at least 1.2 times the body's is a heading, as in the PDF reader
        (023-att1: the title in 22 pt 方正小标宋 over 16 pt body text, indented rather than centred)."""
        weight: dict[int, int] = {}
        for sl, size in zip(self.lines, self.sizes):
            if size and not sl.cell:
                weight[size] = weight.get(size, 0) + len(sl.text.strip())
        if not weight:
            return
        body = max(weight, key=lambda k: weight[k])
        for sl, size in zip(self.lines, self.sizes):
            if size >= body * 1.2 and not sl.cell and sl.style != "heading":
                sl.style = "heading"

    def table(self, tbl) -> None:
        for tr in tbl.iter(f"{_W}tr"):
            if _owner_table(tr) is not tbl:
                continue  # rows of a nested table are read with its cell
            cells: list[str] = []
            for tc in tr.findall(f"{_W}tc"):
                vmerge = tc.find(f"{_W}tcPr/{_W}vMerge")
                if vmerge is not None and vmerge.get(f"{_W}val") in (None, "continue"):
                    continue  # the continuation of a cell merged downwards: its text is in the first row
                texts: list[str] = []
                for el in tc:
                    if el.tag == f"{_W}p":
                        t = " ".join(x for x in _paragraph_text(el) if x.strip())
                        label = self.numbering.label(el)
                        if t.strip() or label:
                            texts.append(label + t)
                    elif el.tag == f"{_W}tbl":
                        if texts:
                            cells.append(" ".join(texts))
                            texts = []
                        if cells:
                            self.add("\u3000".join(c for c in cells if c), cell=len(cells) >= 2)
                            cells = []
                        self.table(el)
                    elif el.tag == f"{_W}sdt":
                        for p in el.iter(f"{_W}p"):
                            texts.append(" ".join(_paragraph_text(p)))
                cell = " ".join(t.strip() for t in texts if t.strip())
                if cell:
                    cells.append(cell)
            if cells:
                self.add("\u3000".join(cells), cell=len(cells) >= 2)

    def body(self, parent) -> None:
        for el in parent:
            if el.tag == f"{_W}p":
                self.paragraph(el)
            elif el.tag == f"{_W}tbl":
                self.table(el)
            elif el.tag in {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins", f"{_W}smartTag"}:
                self.body(el)


_QUALIFIER = re.compile(r"[（(][^（）()]{1,12}[）)]")  # （征求意见稿） （试行） （修订）


def _join_title_paragraphs(lines: list[SourceLine]) -> list[SourceLine]:
    """A title set as several centred (or heading/bold) paragraphs at the top is one line, as a
    ``<br>``-broken heading is in HTML (016: 太原市人民政府办公室 / 关于…实施意见 / （征求意见稿）;
    012, 025).  Only at the start (after an 附件 label), only short parts without sentence
    punctuation, never a 文号 or a red-header ``…文件`` line."""
    k = 0
    while k < len(lines) and k < 2 and ATTACHMENT_LABEL.fullmatch(lines[k].text.strip()):
        k += 1
    j = k
    while (j < len(lines) and lines[j].style in {"center", "heading", "bold"} and not lines[j].cell
           and len(lines[j].text.strip()) <= 40 and not re.search(r"[。；：:]|〔\d{4}〕|\d+号$|文件$", lines[j].text.strip())):
        j += 1
    group = lines[k:j]
    if len(group) < 2:
        return lines
    parts = [g.text.strip() for g in group]
    # a part may end like a title only if the rest is a qualifier: …实施意见 / （征求意见稿）
    for n, part in enumerate(parts[:-1]):
        if re.search(r"(通知|意见|方案|办法|规定|细则|决定|公告|通告|函|解读)$", part) and not all(
                _QUALIFIER.fullmatch(p) for p in parts[n + 1:]):
            return lines
    first = group[0]
    return lines[:k] + [SourceLine(first.no, "".join(parts), first.style, block=first.block)] + lines[j:]


_LABEL_PREFIX = re.compile(r"附件\s*(?:[0-9一二三四五六七八九十]+\s*[:：]?|[:：])\s*")
PRINTED_TITLE = "版式标题"  # the source of the title signal (metadata reads it as a format's own title)
_HEAD_SKIP = re.compile(r"(.{2,30}文件|[（(].*[）)]|.*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(特急|加急|急件|平急|特提|机密|秘密|绝密)"
                        r"(★.*)?|公\s*开|(不予|依申请|主动)公开|此件.*)")


def printed_title(lines: list[SourceLine]) -> Optional[tuple[int, str]]:
    """(line number, text) of the heading an office file prints over its text, or None.

    Read from the lines above the text itself (before the first table row, numbered clause, sentence
    or ``…：`` addressee line): the lines set as a heading (a larger type, Word's heading styles),
    else the centred ones, else the bold ones; never an ``附件N`` label (005, 023-att1, 026), a 文号,
    a red header ``…文件`` (002, 006), a date, a ``公开`` mark (008), an urgency mark or a bracketed note;
    consecutive heading lines are one title (006: 明溪县人民政府 / 关于印发…的通知); of several such runs
    the first that reads as a title (a 文种 ending) wins, else the first.  A table row is never a title:
    a form's or a table's own heading is the line above the table (004's 购房人申明陈述书, 014's
    不动产登记费一览表, 026's 新增医疗服务价格项目规范表)."""
    head: list[SourceLine] = []
    for sl in lines:
        t = sl.text.strip()
        if sl.cell or CLAUSE_START_RE.match(t) or "。" in t or t.endswith(("：", ":")) and not ATTACHMENT_LABEL.fullmatch(t):
            break
        head.append(sl)
        if len(head) >= 12:
            break

    def usable(t: str) -> bool:
        t = re.sub(r"\s+", "", t)
        return (4 <= len(t) <= 120 and not ATTACHMENT_LABEL.fullmatch(t) and not DOCNO_RE.fullmatch(t)
                and not ORDER_RE.fullmatch(t) and not _HEAD_SKIP.fullmatch(t))

    for styles in ({"heading"}, {"center"}, {"bold"}):
        runs: list[list[SourceLine]] = []
        prev = None
        for sl in head:
            t = _LABEL_PREFIX.sub("", sl.text.strip(), count=1)
            ok = sl.style in styles and usable(t)
            if ok:
                if prev is not None and runs and len(runs[-1]) < 3:
                    runs[-1].append(SourceLine(sl.no, t, sl.style))
                else:
                    runs.append([SourceLine(sl.no, t, sl.style)])
            prev = sl if ok else None
        if runs:
            texts = [(r[0].no, "".join(x.text for x in r)) for r in runs]
            return next((x for x in texts if looks_like_title(x[1])), texts[0])
    return None


def _owner_table(tr):
    el = tr.getparent()
    while el is not None and el.tag != f"{_W}tbl":
        el = el.getparent()
    return el


def read_docx(path: Path, data: bytes, fmt: str = "docx") -> OfficeRead:
    import docx  # python-docx loads only when a DOCX is read: text and HTML builds stay fast
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML:
                raise OfficeError(path, f"DOCX 正文解压后过大（{info.file_size / 1048576:.0f} MB），疑似压缩炸弹，已跳过")
            if info.flag_bits & 0x1:
                raise OfficeError(path, "DOCX 文件已加密，需要密码才能读取；请取得未加密的原件")
        document = docx.Document(io.BytesIO(data))
    except OfficeError:
        raise
    except Exception as e:  # python-docx/lxml raise many kinds for a damaged package
        raise OfficeError(path, f"DOCX 文件无法解析，可能已损坏（{type(e).__name__}）")
    styles = {}
    try:
        styles = {s.style_id: (s.name or "") for s in document.styles}
    except (KeyError, AttributeError, ValueError):
        pass
    out = _DocxLines(_Numbering(document), styles, _style_sizes(document))
    out.body(document.element.body)
    out.mark_large()
    out.lines = _join_title_paragraphs(out.lines)
    stripped: list[Stripped] = []
    seen: set[str] = set()
    try:
        for sec in document.sections:
            for kind, hf in (("页眉", sec.header), ("页脚", sec.footer), ("页眉", sec.first_page_header),
                             ("页脚", sec.first_page_footer)):
                if hf.is_linked_to_previous and hf is not sec.header and hf is not sec.footer:
                    continue
                for p in hf._element.iter(f"{_W}p"):  # python-docx has no public walk of header paragraphs' XML
                    t = " ".join(_paragraph_text(p)).strip()
                    if t and t not in seen:
                        seen.add(t)
                        stripped.append(Stripped(0, t, f"Word {kind}"))
    except (KeyError, AttributeError, ValueError):
        pass
    declared = []
    try:
        title = (document.core_properties.title or "").strip()
        if title:
            declared.append(Declared("doc_title", title, "文档属性“标题”", None))
    except (KeyError, AttributeError, ValueError):
        pass
    return OfficeRead(fmt, "\n".join(out.raw), out.lines, declared, {}, stripped)


# ------------------------------------------------------------------ DOC / WPS / RTF via LibreOffice

# Measured on the 5 .doc and 3 .wps files of the corpus (manifest title / first line / last line /
# must_contain, whitespace removed, punctuation normalised): LibreOffice 7.4 headless -> DOCX ->
# read_docx 8/8, 8/8, 8/8, 24/24; antiword 0.37.4 (-m UTF-8.txt) 8/8, 7/8, 8/8, 22/24 (it drops most
# cells of 026's wide table and 004's 人才信息 row).  antiword takes ~0.01 s a file, LibreOffice 2-4 s
# (a new process with a private profile each time); LibreOffice also keeps tables as rows and Word's
# numbering labels.  LibreOffice is used.
OLE_CONVERTER = "soffice"


def _soffice() -> Optional[str]:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for p in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice"):
        if os.path.exists(p):
            return p
    return None


def read_converted(path: Path, data: bytes, kind: str, runner: Optional[ToolRunner] = None) -> OfficeRead:
    """DOC/WPS (OLE Word 97) or RTF -> DOCX by LibreOffice headless (started by ``runner``), then the DOCX reader."""
    what = "Word 97（DOC）或 WPS 文件" if kind == "ole" else "RTF 文件"
    if runner is None:
        raise no_runner(path, f"LibreOffice，转换{what}")
    exe = _soffice()
    if exe is None:
        raise OfficeError(path, f"读取{what}需要 LibreOffice，但本机未安装：请运行 scripts/install-system-deps.sh"
                                f"（或 apt-get install libreoffice-writer-nogui）后重试")
    suffix = ".rtf" if kind == "rtf" else ".doc"
    with tempfile.TemporaryDirectory(prefix="iparchive-office-") as tmp:
        src = Path(tmp) / f"source{suffix}"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"  # a private profile: conversions running side by side never share a lock
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(Path(tmp) / "out"), str(src)]
        try:
            res = runner(cmd, timeout=CONVERT_TIMEOUT, cwd=tmp, env=child_environment(HOME=tmp))
        except subprocess.TimeoutExpired:
            raise OfficeError(path, f"LibreOffice 转换{what}超时（{CONVERT_TIMEOUT} 秒），文件可能已损坏或过于复杂")
        except OSError as e:
            raise OfficeError(path, f"无法运行 LibreOffice（{e.strerror or e}）：请运行 scripts/install-system-deps.sh")
        out = Path(tmp) / "out" / "source.docx"
        if res.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            detail = (res.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            raise OfficeError(path, f"LibreOffice 无法转换此{what}，文件可能已损坏或加密"
                                    + (f"（{detail[-1][:120]}）" if detail else ""))
        converted = out.read_bytes()
    doc = read_docx(path, converted, fmt="doc")
    doc.header["converted_by"] = "LibreOffice"
    return doc


# ------------------------------------------------------------------ PDF

@dataclass
class _PLine:
    """One laid-out line of a PDF page (points, origin top left)."""

    page: int  # 0-based
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    no: int = 0  # 1-based line in OfficeRead.text
    furniture: str = ""  # reason when removed
    style: str = ""


_CJK_CHAR = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK_CHAR}])[ \u00a0]+|[ \u00a0]+(?=[{_CJK_CHAR}])")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# page numbers: - 1 -, — 1 —, －1－, -1-, ·1·, 1, 第1页, 第 1 页 共 7 页, 1/7
_PAGE_NO = re.compile(r"[-—－–―~～·•*_\s]*(第)?\d{1,4}(页)?[-—－–―~～·•*_\s]*|(第\d{1,4}页)?[,，]?(共\d{1,4}页)[,，]?(第\d{1,4}页)?"
                      r"|\d{1,4}\s*[/／]\s*\d{1,4}|[-—－–―]?\s*[ivxlcIVXLC]{1,6}\s*[-—－–―]?")
_EDGE_TOP, _EDGE_BOTTOM = 2, 3  # lines at a page's top and bottom that may be running furniture


def _pdf_line_text(s: str) -> str:
    """A PDF line's text: layout spaces next to Chinese dropped (``2022 年 4 月`` -> ``2022年4月``)."""
    s = s.translate(_ZERO_WIDTH)
    s = _SPACE_BY_CJK.sub("", s)
    return re.sub(r"[ \u00a0]{2,}", " ", s).strip()


def _open_pdf(path: Path, data: bytes):
    import pdfplumber  # loads only when a PDF is read
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        n = len(pdf.pages)
    except Exception as e:  # pdfminer raises its own types (PDFSyntaxError, PDFPasswordIncorrect, …) and plain ones
        name = type(e).__name__ + " " + str(e)
        if re.search(r"Password|Encrypt", name, re.I):
            raise OfficeError(path, "PDF 文件已加密，需要密码才能读取；请取得未加密的原件")
        raise OfficeError(path, f"PDF 文件无法解析，可能已损坏或不完整（{type(e).__name__}）")
    if n == 0:
        pdf.close()
        raise OfficeError(path, "PDF 文件没有页面")
    if n > MAX_PAGES:
        pdf.close()
        raise OfficeError(path, f"PDF 页数过多（{n} 页，上限 {MAX_PAGES} 页），已跳过")
    return pdf


def _page_lines(page, index: int) -> tuple[list[_PLine], int]:
    """(text lines of one page, 0 or, for an image without text, the scan's own resolution in dpi;
    -1 for a text layer that cannot be decoded)."""
    try:
        raw = page.extract_text_lines(return_chars=True, strip=True)
    except Exception:  # a damaged content stream: the page is reported as unreadable below
        raw = []
    rows = [[c for c in ln.get("chars", []) if c.get("text", "").strip()] for ln in raw]
    rows = _merge_shifted([r for r in rows if r])
    out = []
    for chars in rows:
        sizes = sorted(float(c.get("size", 0)) for c in chars)
        size = sizes[len(sizes) // 2]
        out.append(_PLine(index, _chars_text(chars, size), min(float(c["x0"]) for c in chars),
                          max(float(c["x1"]) for c in chars), min(float(c["top"]) for c in chars),
                          max(float(c["bottom"]) for c in chars), size))
    text_chars = sum(len(re.sub(r"\s", "", l.text)) for l in out)
    # a text layer of glyph ids without a Unicode map reads as (cid:123) or private-use characters:
    # no usable text, like a scan
    garbled = sum(len(m) for l in out for m in re.findall(r"\(cid:\d+\)|[\ue000-\uf8ff]", l.text))
    if text_chars and garbled > 0.3 * text_chars:
        return [], -1
    area = float(page.width) * float(page.height) or 1.0
    covered, dpi = 0.0, 0
    for im in page.images:
        width = max(0.0, float(im["x1"]) - float(im["x0"]))
        covered += width * max(0.0, float(im["bottom"]) - float(im["top"]))
        try:
            dpi = max(dpi, round(float(im["srcsize"][0]) / (width / 72.0))) if width else dpi
        except (KeyError, TypeError, IndexError, ValueError, ZeroDivisionError):
            pass
    if text_chars < 10 and covered > 0.3 * area:
        # OCR at the scan's own resolution: resampling a 200-dpi scan to 300 dpi lost a line of 004-att2
        return out, min(max(dpi or 300, 200), 400)
    return out, 0


def _chars_text(chars: list[dict], size: float) -> str:
    """A line's text from its characters in reading order, a space where the layout leaves a gap."""
    chars = sorted(chars, key=lambda c: float(c["x0"]))
    out = ""
    prev = None
    for c in chars:
        if prev is not None and float(c["x0"]) - float(prev["x1"]) > 0.3 * size:
            out += " "
        out += c["text"]
        prev = c
    return out


def _merge_shifted(rows: list[list[dict]]) -> list[list[dict]]:
    """Characters set a little off the line in another font are part of it (002: the year and number
    of ``东公积金委〔2020〕2号`` sit 15 pt lower, inside the gaps the brackets leave)."""
    out: list[list[dict]] = []
    for row in rows:
        if out:
            prev = out[-1]
            size = max(float(c.get("size", 0)) for c in prev + row)
            top_prev = min(float(c["top"]) for c in prev)
            top = min(float(c["top"]) for c in row)
            fits = 0 <= top - top_prev < 1.0 * size and all(float(c["x1"]) <= float(p["x0"]) + 0.5 or float(c["x0"]) >= float(p["x1"]) - 0.5
                       for c in row for p in prev)
            inside = min(float(c["x0"]) for c in row) > min(float(p["x0"]) for p in prev) and \
                max(float(c["x1"]) for c in row) < max(float(p["x1"]) for p in prev)
            if 0 <= top - top_prev < 1.0 * size and fits and inside and len(row) < len(prev):
                out[-1] = prev + row
                continue
        out.append(row)
    return out


def _mode(values: list[float]) -> Optional[float]:
    if not values:
        return None
    rounded = [round(v) for v in values]
    best = max(set(rounded), key=lambda v: (rounded.count(v), -v))
    return float(best)


def _mark_furniture(pages: list[list[_PLine]], widths: list[float], heights: list[float]) -> None:
    """Page numbers, running headers/footers and text outside the page: ``furniture`` set on the line."""
    def key(s: str) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s", "", s.translate(_FULLWIDTH_DIGITS)))

    text_pages = [p for p in pages if p]
    for i, lines in enumerate(pages):
        for ln in lines:
            if ln.x0 >= widths[i] or ln.x1 <= 0 or ln.top >= heights[i] or ln.bottom <= 0:
                ln.furniture = f"页面外文字（第{i + 1}页）"
    counts: dict[str, int] = {}
    for lines in text_pages:
        inside = [ln for ln in lines if not ln.furniture]
        edge = inside[:_EDGE_TOP] + inside[-_EDGE_BOTTOM:]
        for k in {key(ln.text) for ln in edge}:
            counts[k] = counts.get(k, 0) + 1
    need = max(2, (len(text_pages) + 1) // 2)
    for i, lines in enumerate(pages):
        inside = [ln for ln in lines if not ln.furniture]
        top, bottom = inside[:_EDGE_TOP], inside[-_EDGE_BOTTOM:]
        for ln in top + bottom:
            where = "页眉" if ln in top and ln.top < heights[i] / 2 else "页脚"
            plain = re.sub(r"\s", "", ln.text.translate(_FULLWIDTH_DIGITS))
            if _PAGE_NO.fullmatch(plain) and re.search(r"\d|[ivxlcIVXLC]", plain):
                # a bare number or numeral is a page number only as the page's first or last line
                # (005: the 序号 cell 2 of a form's last row is not)
                if re.fullmatch(r"\d+|[ivxlcIVXLC]+", plain) and ln is not inside[0] and ln is not inside[-1]:
                    continue
                ln.furniture = f"页码（第{i + 1}页）"
            elif len(text_pages) >= 2 and counts.get(key(ln.text), 0) >= need and len(plain) <= 60:
                ln.furniture = f"{where}：每页重复（第{i + 1}页）"


@dataclass
class _Measure:
    """What the layout of a PDF's body lines says about its paragraphs (``_measure``)."""

    size: float  # the body's type size
    margins: dict[int, tuple[float, float]]  # page -> (left, right) of its full lines
    pitch: Optional[float]  # the closest frequent step between body lines
    indented_doc: bool  # paragraphs start with a first-line indent
    spaced_doc: bool  # paragraphs are set apart by a wider gap


def _measure(pages: list[list[_PLine]], body: list[_PLine]) -> _Measure:
    size = statistics.median(ln.size for ln in body) or 10.0
    doc_left = _mode([ln.x0 for ln in body if len(ln.text) >= 8]) or min(ln.x0 for ln in body)
    doc_right = _mode([ln.x1 for ln in body if len(ln.text) >= 8]) or max(ln.x1 for ln in body)
    # line pitch: a wider gap between two lines is paragraph spacing (Word's "space after", LibreOffice's
    # default body text), never a line broken by the layout (the document's closest frequent step between
    # body lines: a page of one-line paragraphs has only paragraph gaps)
    kept = [[x for x in lines if not x.furniture] for lines in pages]
    steps = [b.top - a.top for lines in kept for a, b in zip(lines, lines[1:])
             if abs(a.size - size) < 0.8 and abs(b.size - size) < 0.8 and 0.8 * size <= b.top - a.top <= 3 * size]
    low = min(steps) if steps else None
    pitch = _mode([d for d in steps if low is not None and d <= low * 1.15 + 0.5])
    spaced = sum(1 for d in steps if pitch and d > pitch * 1.25 + 1)  # paragraph gaps seen
    margins: dict[int, tuple[float, float]] = {}
    for i, lines in enumerate(kept):
        full = [ln for ln in lines if len(ln.text) >= 8]
        margins[i] = ((_mode([ln.x0 for ln in full]) or doc_left, _mode([ln.x1 for ln in full]) or doc_right)
                      if len(full) >= 4 else (doc_left, doc_right))
    # first-line indents (two characters, GB/T 9704) or paragraph spacing mark paragraph starts; where they do,
    # a line ending up to 4 characters short of the margin (text set ragged, a Latin word or a closing
    # quote carried over: LibreOffice's PDFs) still continues on an unindented next line
    indented = sum(1 for ln in body if 1.2 * ln.size <= ln.x0 - margins[ln.page][0] <= 2.8 * ln.size)
    return _Measure(size, margins, pitch, indented >= max(3, len(body) // 20), spaced >= max(3, len(body) // 20))


def _mark_styles(body: list[_PLine], m: _Measure) -> None:
    """Headings (a larger type) and centred lines."""
    size = m.size
    # above the first line of body text a smaller step up in type is the heading too (005: the title in
    # 18 pt 小标宋 over 16 pt 仿宋, one line, flush left)
    head = next((k for k, ln in enumerate(body) if abs(ln.size - size) < 0.8 and len(ln.text.strip()) >= 8), 0)
    for k, ln in enumerate(body):
        left, right = m.margins[ln.page]
        if ln.size >= size * 1.2 or (k < head and ln.size >= size * 1.1 and ln.size - size >= 1.5):
            ln.style = "heading"
        elif ln.x0 - left > 2.5 * ln.size and abs((ln.x0 - left) - (right - ln.x1)) < 1.5 * ln.size:  # more than an indent
            ln.style = "center"


def _continues(prev: _PLine, ln: _PLine, pages: list[list[_PLine]], m: _Measure) -> bool:
    """Whether ``ln`` continues the paragraph or heading ``prev`` ends."""
    left, _ = m.margins[ln.page]
    _, prev_right = m.margins[prev.page]
    same_size = abs(prev.size - ln.size) < 0.8
    if ln.page == prev.page:
        near = 0 <= ln.top - prev.bottom < 1.6 * ln.size and (
            m.pitch is None or ln.style == "heading" or ln.top - prev.top <= m.pitch * 1.25 + 1)
    else:  # the last line of a page and the first of the next
        near = ln.page == prev.page + 1 and prev is [x for x in pages[prev.page] if not x.furniture][-1] \
            and ln is [x for x in pages[ln.page] if not x.furniture][0]
    if prev.style == "heading" and ln.style == "heading":
        return same_size and near and ln.page == prev.page and "。" not in prev.text
    ended = re.search(r"[。！？；：]$", prev.text) is not None
    slack = 4.0 if m.indented_doc or (m.spaced_doc and ln.page == prev.page) else 1.5
    short = (1.0 if ended else slack) * prev.size  # how far from the margin a full line may end
    return (same_size and near and not prev.style and not ln.style == "heading"
            and prev.x1 >= prev_right - short and ln.x0 <= left + 0.6 * ln.size
            and not (ended and CLAUSE_START_RE.match(_pdf_line_text(ln.text))))


def _layout(pages: list[list[_PLine]], widths: list[float]) -> list[list[_PLine]]:
    """Body lines joined into paragraphs and headings; returns groups of lines (each group one output line)."""
    body = [ln for lines in pages for ln in lines if not ln.furniture]
    if not body:
        return []
    m = _measure(pages, body)
    _mark_styles(body, m)
    groups: list[list[_PLine]] = []
    for ln in body:
        if groups and _continues(groups[-1][-1], ln, pages, m):
            groups[-1].append(ln)
        else:
            groups.append([ln])
    return groups


def read_pdf(path: Path, data: bytes, runner: Optional[ToolRunner] = None) -> OfficeRead:
    pdf = _open_pdf(path, data)
    declared: list[Declared] = []
    try:
        meta = pdf.metadata or {}
        title = meta.get("Title")
        if isinstance(title, bytes):
            title = None
        if isinstance(title, str) and title.strip():
            declared.append(Declared("doc_title", title.strip(), "PDF 文档属性“标题”", None))
        pages: list[list[_PLine]] = []
        scanned: list[int] = []
        garbled: list[int] = []  # pages whose text layer cannot be decoded (read as scans)
        dpis: dict[int, int] = {}
        widths, heights = [], []
        for i, page in enumerate(pdf.pages):
            lines, dpi = _page_lines(page, i)
            widths.append(float(page.width))
            heights.append(float(page.height))
            pages.append(lines)
            if dpi:
                scanned.append(i)
                dpis[i] = dpi if dpi > 0 else 300
                if dpi < 0:
                    garbled.append(i)
    except OfficeError:
        raise
    except Exception as e:  # pdfminer fails in many ways on a broken file
        raise OfficeError(path, f"PDF 文件无法解析，可能已损坏或不完整（{type(e).__name__}）")
    finally:
        pdf.close()
    ocr = ocr_enabled() and bool(scanned)
    if ocr:
        for i in scanned:
            pages[i] = _ocr_page(path, data, i, dpis[i], runner)
    _mark_furniture(pages, widths, heights)
    raw: list[str] = []
    for lines in pages:
        for ln in lines:
            raw.append(ln.text)
            ln.no = len(raw)
    stripped = [Stripped(ln.no, ln.text, ln.furniture) for lines in pages for ln in lines if ln.furniture]
    groups = _layout(pages, widths)
    out: list[SourceLine] = []
    header: dict[str, str] = {"pages": str(len(pages))}
    notes_at: dict[int, str] = {}
    text_pages = [i for i, p in enumerate(pages) if p]
    if scanned and not ocr:
        if not text_pages:
            header["text_layer"] = "none"
            what = "文字层无法解码（字体缺少字符映射）" if garbled else "均为图像"
            out.append(SourceLine(1, f"【{SCAN_NOTE}：本 PDF 共 {len(pages)} 页，{what}，没有可提取的文字。请查看原件；"
                                     f"如需文字，可开启 OCR（iparchive --ocr 或环境变量 {OCR_ENV}=1）识别。】", "center"))
        else:
            header["text_layer"] = "partial"
            header["pages_without_text"] = ",".join(str(i + 1) for i in scanned)
            for i in scanned:
                what = "文字层无法解码（字体缺少字符映射）" if i in garbled else "为扫描图像，无文字层"
                notes_at[i] = f"【第{i + 1}页{what}，本页文字未能收录，请查看原件第{i + 1}页。】"
    elif ocr:
        header["ocr"] = ",".join(str(i + 1) for i in scanned)
        if len(scanned) == len(pages):
            header["text_layer"] = "none"
            notes_at[0] = (f"【{OCR_NOTE}：本 PDF 为{SCAN_NOTE}，全部 {len(pages)} 页的文字由扫描图像识别得到，"
                           f"可能有误，请以原件为准。】")
        else:
            header["text_layer"] = "partial"
            for i in scanned:
                notes_at[i] = f"【第{i + 1}页：{OCR_NOTE}。本页为扫描图像，以下至本页末的文字由图像识别得到，可能有误，请以原件为准。】"
    emitted: set[int] = set()
    for g in groups:
        for i in sorted(notes_at):
            if i not in emitted and i <= g[0].page:
                emitted.add(i)
                out.append(SourceLine(g[0].no, notes_at[i]))
        text = ""
        for ln in g:
            text = _join(text, _pdf_line_text(ln.text))
        if text:
            out.append(SourceLine(g[0].no, text, g[0].style))
    for i in sorted(notes_at):
        if i not in emitted:
            out.append(SourceLine(max(len(raw), 1), notes_at[i]))
    return OfficeRead("pdf", "\n".join(raw), out, declared, header, stripped)


def _ocr_page(path: Path, data: bytes, index: int, dpi: int, runner: Optional[ToolRunner]) -> list[_PLine]:
    """One page rasterised by pdftoppm and read by tesseract chi_sim (started by ``runner``); lines in points,
    like the text layer's."""
    if runner is None:
        raise no_runner(path, "pdftoppm 与 tesseract，OCR 识别扫描页")
    for tool, pkg in (("pdftoppm", "poppler-utils"), ("tesseract", "tesseract-ocr tesseract-ocr-chi-sim")):
        if shutil.which(tool) is None:
            raise OfficeError(path, f"OCR 需要 {tool}，但本机未安装：请运行 scripts/install-system-deps.sh（或 apt-get install {pkg}）")
    with tempfile.TemporaryDirectory(prefix="iparchive-ocr-") as tmp:
        src = Path(tmp) / "source.pdf"
        src.write_bytes(data)
        try:
            for cmd in (["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(index + 1), "-l", str(index + 1),
                         "-singlefile", str(src), str(Path(tmp) / "page")],
                        ["tesseract", str(Path(tmp) / "page.png"), "-", "-l", "chi_sim", "--psm", "3", "tsv"]):
                res = runner(cmd, timeout=OCR_TIMEOUT)
                if res.returncode != 0:
                    raise subprocess.CalledProcessError(res.returncode, cmd, res.stdout, res.stderr)
        except subprocess.TimeoutExpired:
            raise OfficeError(path, f"第{index + 1}页 OCR 超时（{OCR_TIMEOUT} 秒）")
        except subprocess.CalledProcessError as e:
            detail = (e.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            raise OfficeError(path, f"第{index + 1}页 OCR 失败" + (f"（{detail[-1][:120]}）" if detail else "")
                              + "；如缺少中文语言包，请安装 tesseract-ocr-chi-sim")
    scale = 72.0 / dpi
    rows: dict[tuple[str, str, str], list[tuple[float, float, float, float, str]]] = {}
    for line in res.stdout.decode("utf-8", "replace").splitlines()[1:]:
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        try:
            left, top, w, h, conf = int(f[6]), int(f[7]), int(f[8]), int(f[9]), float(f[10])
        except ValueError:
            continue
        if conf < 0:
            continue
        rows.setdefault((f[2], f[3], f[4]), []).append((left, top, left + w, top + h, f[11]))
    out: list[_PLine] = []
    for words in rows.values():
        words.sort()
        text = _pdf_line_text(" ".join(w[4] for w in words))
        if not text:
            continue
        heights = sorted(w[3] - w[1] for w in words)
        out.append(_PLine(index, text, words[0][0] * scale, max(w[2] for w in words) * scale,
                          min(w[1] for w in words) * scale, max(w[3] for w in words) * scale,
                          heights[len(heights) // 2] * scale))
    out.sort(key=lambda ln: (round(ln.top / 4), ln.x0))
    return out
