"""Per-document downloads under ``data/notices/`` (linked from each page).

For every document, four files a lawyer can take away:

* ``<id>.txt`` — the normalised text (``Notice.body``, as the clause tree
  reproduces it) under a header with the citation and permanent address;
* ``<id>.md`` — Markdown with every clause id as an anchor
  (``<a id="s2-3"></a>``), so a link ``#s2-3`` works in the copy too;
* ``<id>.json`` — the document's record, the same object as in
  ``data/archive.json`` (``exports.document``);
* ``<id>.docx`` — a Word file (python-docx's package), since memos are
  written in Word: the title, the card (效力, 施行日期, 版本 where known,
  the metadata, the source as a link), 引用信息 (plain citation, permanent
  address, the GB/T 7714-2015 form with its 引用日期 left for the reader,
  生成日期: a date frozen at build time was wrongly printed as the
  引用日期), then the text: chapters and sections as Word headings, each
  clause a bookmark named by its id in Word's form (``s2_3``, ``art_82``: word_bookmark) whose printed
  number links to the clause's canonical URL (a clause without one, a 款,
  ends with a ¶ link), numbers apart from the text (「第一条　为了…」:
  lawrefbook laws print 「第一条为了…」, ``split_number``).

Issue 29 (site bytes per document): the record is written gzipped
(``<id>.json.gz``, 45 -> 9 KB a document on 354 real documents), and the
JSON, TXT and Markdown downloads are made in the browser from it
(``site.js``, ``madeDownloads``): the JSON is its text, the others the same
bytes as :func:`text_file` and :func:`markdown_file`; the page carries
their header lines (``data-head``).  The TXT and Markdown files were the
clause text twice more (~32 KB a document).  Only a TXT the clauses do not give back byte for
byte (run-in items split off one body line: 「…问题：一是…；二是…」,
``cn-2005-89c3d8``, ``yunnan-nd-82fc80``; 3 of 115 documents) is still
written as a file (:func:`text_on_demand`).  The Markdown is always made in
the browser: it is built from the clauses alone.

The Word file is made in the browser too (issue 29: 15.6 KB a document on
the whole corpus, the largest download left): site.js ``wordFile`` writes
the same ``word/document.xml`` and hyperlink relationships as
:func:`docx_bytes` (the reference, kept for tests and the CLI) from the record, the
page's header lines (``data-head``) and card lines (``data-card``: :func:`card_lines`),
and the package parts of :func:`word_template` (``data/word-template.json``,
one file for the site: python-docx's template trimmed as below), zipped with
the browser's ``CompressionStream("deflate-raw")`` (stored where it has none).
Its 生成日期 is the day it is downloaded.
"""
from __future__ import annotations

import functools
import gzip
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from lxml import etree

from ..clauses.clauseids import kinds_where
from ..fsutil import replace_bytes
from ..models import Attachment, Notice
from .common import LOCAL_COPY_NOTE, clause_url, region_label, type_family, write_if_changed

DOWNLOAD_DIR = "data/notices"
WORD_TEMPLATE = "data/word-template.json"  # the Word file's package parts, for site.js (word_template)
# clause kinds printed as headings in the Word file (一、 sections, 第一章, 标题)
DOCX_HEADINGS = kinds_where("heading_level")  # kind -> Word heading level (clauseids.KINDS)


def word_bookmark(clause_id: str) -> str:
    """A clause id as a Word bookmark name: Word takes letters, digits and ``_``
    only, a letter first, at most 40 characters (``s2-3`` -> ``s2_3``,
    ``art-82-p2`` -> ``art_82_p2``; ids are ASCII and start with a letter)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", clause_id)
    return (name if name[:1].isalpha() else "c_" + name)[:40]


# kinds of the downloads made in the browser, and the name each is saved as
ON_DEMAND = {"txt": ".txt", "md": ".md", "json": ".json", "docx": ".docx"}  # site.js madeDownloads: the kinds it makes from the record
# str.strip()'s whitespace (site.js strips the same characters: JS trim() differs on U+001C-U+001F, U+FEFF)
PY_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
           "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


RECORD_GZIP_LEVEL = 1  # 3.2 MB for 16 MB of records in 0.3 s; level 6: 2.8 MB in 1.1 s (354 real documents)


def record_path(doc_id: str) -> str:
    """Site-relative path of a document's JSON record, gzipped (the .json
    download is made from it in the browser; archive.json is streamed from it)."""
    return f"{DOWNLOAD_DIR}/{doc_id}.json.gz"


def record_bytes(record: str) -> bytes:
    """The record file: ``record`` (one line, no newline: ``exports.stream_archive``
    puts the file as it is into archive.json.gz), gzipped with no name and no
    time in its header (the same record gives the same bytes).  The JSON
    download is this text and a newline (site.js)."""
    return gzip.compress(record.encode("utf-8"), RECORD_GZIP_LEVEL, mtime=0)


def read_record_file(path: Path) -> bytes:
    """The JSON text of a record file (gzipped or, from older builds, plain)."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def clause_text(n: Notice) -> str:
    """The text as the browser makes it from the record: every clause's text
    stripped, the empty ones left out, one per line."""
    return "\n".join(t for t in (c.text.strip(PY_SPACE) for c in n.walk()) if t)


def text_on_demand(n: Notice) -> bool:
    """Does the browser's TXT (:func:`clause_text`) give :func:`text_file`'s bytes?"""
    return clause_text(n) == n.body.strip()


def text_path(doc_id: str) -> str:
    """Where a TXT the browser cannot make is written."""
    return f"{DOWNLOAD_DIR}/{doc_id}.txt"


def written_files(n: Notice) -> list[str]:
    """Site-relative paths of the download files written for ``n``: its JSON
    record and, when the browser cannot make it, its TXT (the Word file is made in the browser)."""
    return [record_path(n.id)] + ([] if text_on_demand(n) else [text_path(n.id)])


def attachment_files(n: Notice) -> list[tuple[str, str, Attachment]]:
    """(site-relative path, file name to save as, entry) of each held attachment's
    original file: ``data/notices/<id>.att<N>.<ext>`` (ids have no dots: no
    clash with another document's downloads)."""
    out = []
    for a in n.attachments:
        if a.held:
            name = a.held.rsplit("/", 1)[-1]
            ext = Path(name).suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,5}", Path(name).suffix) else ""
            out.append((f"{DOWNLOAD_DIR}/{n.id}.att{a.number}{ext}", name, a))
    return out


def original_file(n: Notice) -> Optional[tuple[str, str]]:
    """(site-relative path, file name to save as) of the original of a document read from an office
    file (PDF, DOCX, DOC/WPS added alone): ``data/notices/<id>.original.<ext>``, saved under the
    name it was added with."""
    if not n.source_path or n.format not in {"pdf", "docx", "doc"}:
        return None
    suffix = Path(n.source_file).suffix
    ext = suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,5}", suffix) else ""
    return f"{DOWNLOAD_DIR}/{n.id}.original{ext}", n.source_file


def _copy_if_changed(src: Optional[str], dest: Path) -> bool:
    try:
        data = Path(src).read_bytes() if src else None
    except OSError:
        data = None
    if data is None:
        return False
    if not (dest.is_file() and dest.stat().st_size == len(data) and dest.read_bytes() == data):
        dest.parent.mkdir(parents=True, exist_ok=True)
        replace_bytes(dest, data)  # a new file: the site may hold a hard link to the old one
    return True


def gbt_citation(prefix: str, url: str, accessed: str) -> str:
    """GB/T 7714-2015 electronic resource: ``机关. 题名[EB/OL]. (日期)[引用日期]. URL.``
    (``prefix``: ``pages.gbt_prefix``, the form the page buttons copy)."""
    return prefix + f"[{accessed}]. {url}."


def header_lines(n: Notice, site_url: str) -> list[str]:
    """Citation and metadata lines shared by the TXT, Markdown and Word files."""
    url = clause_url(site_url, n.id)
    lines = [f"引用：{n.citation(None)}", f"永久链接：{url}" + ("" if site_url else "（本地副本链接，仅本机可用）")]
    if n.issuer:
        lines.append("发文机关：" + "，".join(n.issuer))
    if n.doc_number:
        lines.append(f"发文字号：{n.doc_number}")
    if n.date:
        lines.append(f"日期：{n.date}" + ("（推定）" if n.date_basis == "inferred" else ""))
    lines.append(f"地区：{region_label(n)}")
    if n.doc_type:
        lines.append(f"文种：{type_family(n.doc_type)}")
    if n.status and n.status != "正式":
        lines.append(f"状态：{n.status}")
    if n.source_url:
        lines.append(f"来源：{n.source_url}")
    return lines


def text_file(n: Notice, site_url: str) -> str:
    return "\n".join([n.title, "", *header_lines(n, site_url), "", "—" * 20, "", n.body.strip(), ""])


def markdown_file(n: Notice, site_url: str) -> str:
    out = [f"# {n.title}", ""] + [f"- {line}" for line in header_lines(n, site_url)] + [""]
    for c in n.walk():
        out.append(f'<a id="{c.id}"></a>')
        text = c.text.strip()
        out += ([f"**{line}**" if i == 0 and c.kind in DOCX_HEADINGS else line
                 for i, line in enumerate(text.split("\n"))] if text else [f"（{c.label}）"])
        out.append("")
    return "\n".join(out)


# python-docx builds the package (styles, relationships, content types) once;
# the body is written as WordprocessingML text: python-docx's add_paragraph
# costs 1.1 s per 1,000 clauses (measured on 200 lawrefbook laws), ~400 s on
# the 358,046 clauses of the whole corpus, against ~2 s this way.
# parts Word does without (issue 29: the custom XML sample, web settings, app properties and
# list numbering of python-docx's template, no style kept uses it; with styles.xml's latent
# style table, ~4 KB of every file)
_DROP = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "customXml/item1.xml", "customXml/_rels/item1.xml.rels",
         "customXml/itemProps1.xml", "word/webSettings.xml", "docProps/app.xml", "word/numbering.xml")
_KEEP_STYLES = {"Normal", "Title", "Heading1", "Heading2", "Heading3", "Heading4", "Heading5", "Heading6",
                "DefaultParagraphFont", "TableNormal", "NoList", "TitleChar", "Heading1Char", "Heading2Char",
                "Heading3Char", "Heading4Char", "Heading5Char", "Heading6Char"}
_NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@functools.cache
def docx_package() -> tuple[dict[str, bytes], str, str]:
    """(parts of python-docx's default package, trimmed to what these files
    use; document.xml text before the body content; the final sectPr)."""
    buf = io.BytesIO()
    Document().save(buf)
    with zipfile.ZipFile(buf) as z:
        parts = {name: z.read(name) for name in z.namelist() if name not in _DROP}
    styles = etree.fromstring(parts["word/styles.xml"])
    for st in styles.findall(f"{{{_NS_W}}}style"):
        if st.get(f"{{{_NS_W}}}styleId") not in _KEEP_STYLES:
            styles.remove(st)
    for latent in styles.findall(f"{{{_NS_W}}}latentStyles"):  # optional: Word's defaults for styles not defined
        styles.remove(latent)
    parts["word/styles.xml"] = etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)
    for rels in ("_rels/.rels", "word/_rels/document.xml.rels"):
        tree = etree.fromstring(parts[rels])
        for rel in list(tree):
            if any(rel.get("Target", "").endswith(d.split("/")[-1]) for d in _DROP):
                tree.remove(rel)
        parts[rels] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)
    types = etree.fromstring(parts["[Content_Types].xml"])
    for o in list(types):
        if o.get("PartName", "").lstrip("/") in _DROP:
            types.remove(o)
    parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
    doc = parts.pop("word/document.xml").decode("utf-8")
    head, rest = doc.split("<w:body>", 1)
    sect = rest[rest.index("<w:sectPr"):]
    return parts, head + "<w:body>", sect


def word_template() -> str:
    """``data/word-template.json``: the parts site.js puts in every Word file it
    makes (:func:`docx_package`'s, as text: each is XML), the text of
    ``word/document.xml`` before the body and the final ``w:sectPr``."""
    parts, head, sect = docx_package()
    return json.dumps({"parts": {k: v.decode("utf-8") for k, v in parts.items()}, "head": head, "sect": sect},
                      ensure_ascii=False, separators=(",", ":")) + "\n"


def _xml(text: str) -> str:
    return xml_escape(_XML_BAD.sub("", text))


def _attr(text: str) -> str:
    return xml_escape(_XML_BAD.sub("", text), {'"': "&quot;"})


def _run(text: str, bold: bool = False, link: bool = False) -> str:
    props = ("<w:b/>" if bold else "") + ('<w:color w:val="0563C1"/><w:u w:val="single"/>' if link else "")
    return (f"<w:r>{f'<w:rPr>{props}</w:rPr>' if props else ''}"
            f'<w:t xml:space="preserve">{_xml(text)}</w:t></w:r>')


def _para(text: str, style: str = "", bold: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    lead = _run(bold, bold=True) if bold else ""
    return f"<w:p>{ppr}{lead}{_run(text) if text else ''}</w:p>"


class Links:
    """The hyperlink relationships of one Word file (``word/_rels/document.xml.rels``)."""

    REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"

    def __init__(self):
        self.ids: dict[str, str] = {}

    def link(self, url: str, text: str, bold: bool = False) -> str:
        """A ``w:hyperlink`` to ``url`` showing ``text``."""
        rid = self.ids.setdefault(url, f"rIdL{len(self.ids) + 1}")
        return f'<w:hyperlink r:id="{rid}" w:history="1">{_run(text, bold=bold, link=True)}</w:hyperlink>'

    def rels(self, base: bytes) -> bytes:
        extra = "".join(f'<Relationship Id="{rid}" Type="{self.REL}" Target="{_attr(url)}" TargetMode="External"/>'
                        for url, rid in self.ids.items())
        return base.replace(b"</Relationships>", extra.encode("utf-8") + b"</Relationships>")


# a clause's printed number at the start of its text: 第一条 第一章 第二节 第三款 (laws: the
# words run on, 第一条为了…), 一、 （三） (3) 1. 1.2.1 (notices: their punctuation parts them)
LAW_NUMBER_RE = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+(?:条(?:之[一二三四五六七八九十]+)?|章|节|编|分编|部分|款)")
NUMBER_RE = re.compile(r"（[一二三四五六七八九十百零〇\d]+）|\([一二三四五六七八九十百\d]+\)|[一二三四五六七八九十百]+、"
                       r"|\d+(?:\.\d+)+(?=\s)|\d+[.．、]")


def split_number(text: str) -> tuple[str, str, str]:
    """(printed number, what parts it from the text, the rest) of a clause's
    first line: ``第一条为了…`` -> (``第一条``, ``\u3000``, ``为了…``) (lawrefbook
    laws print no space); ``第一章　总则`` keeps its space; ``（三）加强…`` ->
    (``（三）``, '', ``加强…``) (seed 002); no number: ('', '', text)."""
    m = LAW_NUMBER_RE.match(text)
    if m:
        rest = text[m.end():]
        gap = rest[:len(rest) - len(rest.lstrip())]
        return m.group(0), (gap or "\u3000") if rest.strip() else "", rest.lstrip()
    m = NUMBER_RE.match(text)
    if m and m.end() < len(text):
        rest = text[m.end():]
        return m.group(0), rest[:len(rest) - len(rest.lstrip())], rest.lstrip()
    return "", "", text


def card_lines(n: Notice) -> list[tuple[str, str]]:
    """(label, value) rows of the card at the top of the Word file: validity,
    施行日期, version where known (状态 for a draft follows in ``header_lines``)."""
    rows = []
    if n.validity:
        rows.append(("效力", n.validity))
    if n.date_effective:
        rows.append(("施行日期", n.date_effective))
    if n.version_label:
        rows.append(("版本", n.version_label))
    elif n.amendments:
        last = n.amendments[-1]
        rows.append(("版本", f"{last.date[:4]}年{last.kind}"))
    return rows


def _core(n: Notice, generated: str) -> bytes:
    stamp = f"{generated}T00:00:00Z"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_xml(n.title)}</dc:title><dc:creator>知识产权政策文库</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "<dc:language>zh-CN</dc:language></cp:coreProperties>").encode("utf-8")


def docx_link(site_url: str, doc_id: str, clause_id: Optional[str] = None) -> str:
    """The address a Word file links to: the canonical URL; without a
    site_url, the page relative to the file's own place (``data/notices/``)."""
    url = clause_url(site_url, doc_id, clause_id)
    return url if site_url else "../../" + url


def docx_bytes(n: Notice, site_url: str, generated: str, gbt: str) -> bytes:
    """The Word file: title; the card (效力, 施行日期, 版本, metadata, source);
    引用信息 (citation, permanent link, GB/T 7714 with the 引用日期 left to
    the reader, 生成日期); the text, each clause a bookmark named by its id
    whose printed number links to the clause's canonical URL, section and
    chapter headings as Word headings."""
    parts, head, sect = docx_package()
    links = Links()
    url = clause_url(site_url, n.id)
    local = "" if site_url else f"（{LOCAL_COPY_NOTE}）"
    body = [_para(n.title, "Title")]
    for label, value in card_lines(n):
        body.append(_para(value, bold=label + "："))
    for line in header_lines(n, site_url)[2:]:
        label, _, value = line.partition("：")
        if label == "来源" and value.startswith(("http://", "https://")):
            body.append(f"<w:p>{_run('来源：', bold=True)}{links.link(value, value)}</w:p>")
        else:
            body.append(_para(value, bold=label + "："))
    body.append(_para("引用信息", "Heading1"))
    body.append(_para(n.citation(None), bold="引用："))
    body.append(f"<w:p>{_run('永久链接：', bold=True)}{links.link(docx_link(site_url, n.id), url)}{_run(local)}</w:p>")
    body.append(_para(gbt_citation(gbt, url, "引用日期"), bold="GB/T 7714："))
    body.append(_para(f"{generated}（本文件由文库生成的日期；引用时请在方括号内填写您查阅的日期）", bold="生成日期："))
    body.append(_para("正文", "Heading1"))
    for k, c in enumerate(n.walk()):
        lines = c.text.strip().split("\n") if c.text.strip() else []
        target = docx_link(site_url, n.id, c.id)
        mark = f'<w:bookmarkStart w:id="{k}" w:name="{_attr(word_bookmark(c.id))}"/>'
        first = lines[0] if lines else ""
        number, gap, rest = split_number(first)
        style = f"Heading{min(DOCX_HEADINGS[c.kind] + 1, 6)}" if c.kind in DOCX_HEADINGS and lines else ""
        ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        if number:  # the number is the clause's link, apart from its text
            runs = links.link(target, number, bold=True) + _run(gap + rest)
        elif first:  # a paragraph (款), preamble: its text, then a ¶ linking it
            runs = _run(first) + links.link(target, "\u00b6")
        else:
            runs = links.link(target, f"（{c.label or c.id}）")
        body.append(f"<w:p>{ppr}{mark}{runs}<w:bookmarkEnd w:id=\"{k}\"/></w:p>")
        body += [_para(line) for line in lines[1:]]
    out = io.BytesIO()
    rels = "word/_rels/document.xml.rels"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in [("[Content_Types].xml", parts["[Content_Types].xml"]),
                           ("word/document.xml", (head + "".join(body) + sect).encode("utf-8")),
                           ("docProps/core.xml", _core(n, generated)),
                           (rels, links.rels(parts[rels]))] + \
                [(k, v) for k, v in parts.items() if k not in ("[Content_Types].xml", "docProps/core.xml", rels)]:
            z.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ---------------------------------------------------------------- the registry of per-document outputs

ATT_KIND = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".wps": "WPS", ".xls": "Excel", ".xlsx": "Excel",
            ".et": "WPS 表格", ".ofd": "OFD", ".zip": "压缩包", ".rar": "压缩包", ".7z": "压缩包", ".txt": "文本"}


@dataclass(frozen=True)
class Link:
    """One link of a page's 下载本文件 line: ``href`` site-relative, saved as
    ``name``; ``make``: the kind site.js makes from the record (``ON_DEMAND``),
    "" for a file."""
    href: str
    name: str
    label: str
    make: str = ""
    cls: str = "download"


@dataclass(frozen=True)
class Made:
    """What an output is made from, besides the document: ``record`` its one-line
    JSON record (``exports.document``), ``gbt`` the GB/T 7714 prefix (``pages.gbt_prefix``)."""
    docs_dir: Path
    site_url: str
    record: str
    gbt: str


class Output:
    """One per-document output (a download, a copied original ...): a new one is
    one subclass registered in ``OUTPUTS`` (``register_output``).  The write stage
    asks every output for ``files`` (the page cache checks they are there; a file
    no output names any more is removed as stale), calls ``write`` per document
    (in worker processes on large archives) and the page lists ``links``."""

    def files(self, n: Notice) -> list[str]:
        """docs-relative paths this output writes for ``n``."""
        return []

    def links(self, n: Notice) -> list[Link]:
        """Its links on ``n``'s page (the 下载本文件 line)."""
        return []

    def write(self, n: Notice, made: Made) -> None:
        """Write ``files(n)``, each only when its content changed."""


class TextOutput(Output):
    """The TXT: made in the browser, or a file where the clauses do not give it back."""

    def files(self, n):
        return [] if text_on_demand(n) else [text_path(n.id)]

    def links(self, n):
        if text_on_demand(n):
            return [Link(record_path(n.id), f"{n.id}.txt", "纯文本（TXT）", make="txt")]
        return [Link(text_path(n.id), f"{n.id}.txt", "纯文本（TXT）")]

    def write(self, n, made):
        for path in self.files(n):
            write_if_changed(made.docs_dir / path, text_file(n, made.site_url))


class MarkdownOutput(Output):
    """The Markdown with clause anchors: always made in the browser from the record."""

    def links(self, n):
        return [Link(record_path(n.id), f"{n.id}.md", "Markdown（含条款编号）", make="md")]


class RecordOutput(Output):
    """The gzipped JSON record; the JSON download is made from it in the browser."""

    def files(self, n):
        return [record_path(n.id)]

    def links(self, n):
        return [Link(record_path(n.id), f"{n.id}.json", "数据记录（JSON）", make="json")]

    def write(self, n, made):
        write_if_changed(made.docs_dir / record_path(n.id), record_bytes(made.record))


class WordOutput(Output):
    """The Word file: made in the browser from the record (site.js ``wordFile``; ``docx_bytes`` is its reference)."""

    def links(self, n):
        return [Link(record_path(n.id), f"{n.id}.docx", "Word 文档（含引用信息）", make="docx")]


class OriginalOutput(Output):
    """The original of a document read from an office file, under the name it was added with."""

    def files(self, n):
        orig = original_file(n)
        return [orig[0]] if orig else []

    def links(self, n):
        orig = original_file(n)
        if not orig:
            return []
        kind = ATT_KIND.get(Path(orig[1]).suffix.lower(), "文件")
        return [Link(orig[0], orig[1], f"原件（{kind}）", cls="download original")]

    def write(self, n, made):
        for path in self.files(n):
            _copy_if_changed(n.source_path, made.docs_dir / path)


class AttachmentOutput(Output):
    """Each held attachment's original (linked from the 附件 list, not the downloads line)."""

    def files(self, n):
        return [p for p, _, _ in attachment_files(n)]

    def write(self, n, made):
        for rel_path, _, a in attachment_files(n):
            _copy_if_changed(a.path, made.docs_dir / rel_path)


# in the order of the page's links (files first, then those made in the browser)
OUTPUTS: list[Output] = [TextOutput(), MarkdownOutput(), RecordOutput(), WordOutput(), OriginalOutput(),
                         AttachmentOutput()]


def register_output(output: Output) -> None:
    """Add a per-document output (its files written, cached and swept like the rest)."""
    OUTPUTS.append(output)


def unregister_output(output: Output) -> None:
    OUTPUTS.remove(output)


def output_names() -> list[str]:
    """The registered outputs by class, in order (part of each page's cache key)."""
    return [f"{type(o).__module__}.{type(o).__qualname__}" for o in OUTPUTS]


def output_files(n: Notice) -> list[str]:
    """docs-relative paths of every per-document file written for ``n`` (besides its page)."""
    return [p for o in OUTPUTS for p in o.files(n)]


def download_links(n: Notice) -> list[Link]:
    """The links of ``n``'s 下载本文件 line, in order."""
    return [link for o in OUTPUTS for link in o.links(n)]


def write_document_downloads(n: Notice, docs_dir: Path, site_url: str, record: str, gbt: str) -> list[Path]:
    """Every output of one document (``OUTPUTS``); the write stage calls it per
    document, in worker processes on large archives."""
    made = Made(Path(docs_dir), site_url, record, gbt)
    for output in OUTPUTS:
        output.write(n, made)
    return [made.docs_dir / p for p in output_files(n)]
