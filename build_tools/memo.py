"""``iparchive memo check FILE…``: is every citation of a memo still right?

A memo (a lawyer's Word file, a Markdown or text note, an HTML page, or a
folder of them) cites the archive two ways, and both are found:

* links: canonical URLs (``<site_url>/notices/<id>.html#<clause>``, what the
  page buttons copy when the site has a public address), local-copy links
  (``file:///…/site/notices/<id>.html#s2-3``, ``http://127.0.0.1:8000/notices/…``
  from ``iparchive serve``) and relative links (``notices/<id>.html#art-82``,
  ``../notices/…``) — in a .docx as hyperlinks (``w:hyperlink`` with its
  relationship, as Word, LibreOffice and the archive's own Word downloads and
  「摘录」 files write them; ``HYPERLINK`` field codes), and as URLs typed in
  the text of any format; Markdown ``[text](url)``; HTML ``<a href>``;
* textual citations: ``《中华人民共和国专利法》第二十条``, with 款 and 项
  (``第七十三条第二款``, ``第十条第一款第（三）项``), a notice's ``二（三）``
  (seed 002, cited by the title of the plan it issues, as its page copies it), a version
  (``《…》（2007年通过）第十条``), the short title people write
  (``《专利法》第二十条``: the archive's title with 中华人民共和国 before
  it) -- found and parsed by ``search.citation.find`` (the parser of the
  search box's and ``iparchive cite``'s citations) -- and 文号 (``国知发保字〔2021〕7号``, ``docnumber.DOCNO_RE`` /
  ``ORDER_RE``, spelled as ``normalise_doc_number`` spells them).

Each is resolved against the built archive: the records
(``site/data/archive.json``: clauses and their texts, works and versions,
validity, 施行日期), ``source_texts/redirects.yml`` and the retired ids of
``anchors.lock`` (``>new_id``), the text history of ``anchors.lock``
(``old_fp@date``) with the earlier texts of ``clause-history.lock``.
Statuses (``STATUSES``, most severe last):

* ``ok`` — the clause is there, unchanged since the memo's date;
* ``external`` — a textual citation of a document the archive does not hold
  (shown, not an error);
* ``moved`` — the clause id was renumbered: the old link still lands (the
  page redirects) and ``--fix`` writes the new one;
* ``changed`` — the clause's text changed on or after the memo's date (old
  and new text from the clause history);
* ``superseded`` — the cited version of a law was replaced (by which, in
  force from when);
* ``repealed`` — the cited document is repealed or no longer in force;
* ``not_found`` — no such document, or no such clause (anchor) in it.

The memo's date: a .docx's core properties (``modified``, else
``created``), else the file's modification time; ``--since`` overrides.
Exit codes (``EXIT_BY_STATUS``): 0 every citation ok (or external); 1 some
moved (the links still land); 4 some changed or superseded (read again); 5
some repealed or not found; 2 a file could not be read or the archive is not
built (the other files are still checked); 3 usage error.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
import urllib.parse
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .permanence.anchors import HISTORY_NAME, load_history, load_lock, load_redirects, read_archive
from .clauses.clauseids import article_id, parse_article
from .docnumber import DOCNO_RE, ORDER_RE, normalise_doc_number
from .errors import SourceError
from .siteurl import recorded_site_url
from search import citation
from search.citation import Cite

__all__ = ["Archive", "Citation", "MemoFile", "STATUSES", "EXIT_BY_STATUS", "MEMO_SUFFIXES", "check_files",
           "read_memo", "find_citations", "fix_copy", "format_table", "report_json", "exit_code", "MemoError"]

STATUSES = {  # status -> (Chinese label, severity)
    "ok": ("有效", 0), "external": ("文库未收录", 0), "moved": ("已移动", 1), "changed": ("文字已改", 4),
    "superseded": ("版本已被取代", 4), "repealed": ("已废止/失效", 5), "not_found": ("找不到", 5),
}
EXIT_BY_STATUS = {s: sev for s, (_, sev) in STATUSES.items()}
EXIT_UNREADABLE = 2
MEMO_SUFFIXES = (".docx", ".md", ".markdown", ".txt", ".html", ".htm")
JSON_SCHEMA = "iparchive-memo/1"

NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
REPEALED_WORDS = ("废止", "失效", "失去效力")
SUPERSEDED_WORDS = ("已被修改", "取代", "已修订", "已修正")


class MemoError(SourceError):
    """A memo that cannot be read (named, with the reason)."""


# ------------------------------------------------------------------ the archive

@dataclass
class DocRecord:
    id: str
    title: str
    citation: str
    doc_number: Optional[str]
    work_id: Optional[str]
    version: Optional[str]
    validity: Optional[str]
    date_effective: Optional[str]
    date: Optional[str]  # the version's date: last amendment, else published / written
    clauses: dict[str, tuple[str, str]]  # id -> (label, text)
    forwarded_title: Optional[str] = None  # the plan a 印发 notice issues: cited by its own title


class Archive:
    """What ``memo check`` resolves against, read from a built archive."""

    def __init__(self, root: Path):
        self.root = Path(root)
        src = self.root / "source_texts"
        # archive.json.gz since issue 29 (anchors.read_archive; an older site's archive.json too)
        folder = next((p for p in (self.root / "site" / "data", self.root / "docs" / "data")
                       if (p / "archive.json.gz").is_file() or (p / "archive.json").is_file()), None)
        if folder is None:
            raise MemoError(self.root / "site", "文库尚未构建（缺少 site/data/archive.json.gz），请先运行 iparchive build")
        try:
            data = read_archive(folder)
        except (OSError, ValueError, EOFError) as e:
            raise MemoError(folder / "archive.json.gz", f"无法读取文库数据：{e}") from None
        built = recorded_site_url(self.root / "search" / "index")
        self.site_url = (data.get("site_url") or built or "").rstrip("/")
        self.docs: dict[str, DocRecord] = {}
        for d in data.get("documents", []):
            clauses: dict[str, tuple[str, str]] = {}
            stack = list(reversed(d.get("clauses") or []))
            while stack:
                c = stack.pop()
                clauses[c["id"]] = (c.get("label") or "", c.get("text") or "")
                stack.extend(reversed(c.get("children") or []))
            amend = [a.get("date") for a in d.get("amendments") or [] if a.get("date")]
            self.docs[d["id"]] = DocRecord(
                d["id"], d.get("title") or "", d.get("citation") or d.get("title") or "", d.get("doc_number"),
                d.get("work_id"), d.get("version"), d.get("validity"), d.get("date_effective"),
                (max(amend) if amend else None) or d.get("date_published") or d.get("date_written"), clauses,
                (d.get("forwarded") or {}).get("title"))
        self.redirects: dict[str, dict[str, str]] = {k: dict(v) for k, v in load_redirects(src / "redirects.yml").items()}
        lock = load_lock(src / "anchors.lock")
        for doc, ids in lock.items():  # retired ids the lock keeps as >new_id
            for cid, fp in ids.items():
                if fp.startswith(">"):
                    self.redirects.setdefault(doc, {}).setdefault(cid, fp[1:])
        self.history = lock.history  # (doc, clause) -> [(old fingerprint, date)], oldest first
        self.old_texts = load_history(src / HISTORY_NAME)
        self.works: dict[str, list[DocRecord]] = {}
        for r in self.docs.values():
            if r.work_id:
                self.works.setdefault(r.work_id, []).append(r)
        for versions in self.works.values():
            versions.sort(key=lambda r: (r.date or "", r.id))
        self.by_title: dict[str, list[DocRecord]] = {}
        self.by_number: dict[str, list[DocRecord]] = {}
        for r in self.docs.values():
            self.by_title.setdefault(_title_key(r.title), []).append(r)
            if r.forwarded_title and _title_key(r.forwarded_title) != _title_key(r.title):
                self.by_title.setdefault(_title_key(r.forwarded_title), []).append(r)
            if r.doc_number:
                key = normalise_doc_number(r.doc_number) or r.doc_number
                self.by_number.setdefault(key, []).append(r)

    def url(self, doc_id: str, clause_id: str = "") -> str:
        path = f"notices/{doc_id}.html" + (f"#{clause_id}" if clause_id else "")
        return f"{self.site_url}/{path}" if self.site_url else path

    def resolve_clause(self, doc_id: str, clause_id: str) -> Optional[str]:
        """The clause id a (possibly retired) id lands on, following redirects; None if none."""
        doc = self.docs.get(doc_id)
        if doc is None:
            return None
        seen = set()
        while clause_id not in doc.clauses:
            if clause_id in seen or clause_id not in self.redirects.get(doc_id, {}):
                return None
            seen.add(clause_id)
            clause_id = self.redirects[doc_id][clause_id]
        return clause_id

    def later_versions(self, r: DocRecord) -> list[DocRecord]:
        if not r.work_id:
            return []
        versions = self.works.get(r.work_id, [])
        return [v for v in versions if (v.date or "") > (r.date or "") and v.id != r.id]

    def version_at(self, versions: list[DocRecord], day: Optional[str]) -> DocRecord:
        """The version a citation without a version label meant on ``day``:
        the latest dated on or before it (else the oldest)."""
        if not day:
            return versions[-1]
        before = [v for v in versions if (v.date or "") <= day]
        return before[-1] if before else versions[0]


def _title_key(title: str) -> str:
    t = re.sub(r"[\s\u3000]+", "", title).replace("〈", "《").replace("〉", "》").replace("<", "《").replace(">", "》")
    return t.removeprefix("中华人民共和国")


# ------------------------------------------------------------------ reading memos

@dataclass
class Link:
    url: str
    text: str  # the link's text (a hyperlink's runs; the URL itself when typed)
    where: str  # 第3段, 第12行
    unit: int  # paragraph / line index: textual citations beside a link to the same document are the link's


@dataclass
class MemoFile:
    path: Path
    kind: str  # docx | md | txt | html
    units: list[str]  # paragraphs or lines
    links: list[Link]
    date: Optional[str]  # YYYY-MM-DD
    date_source: str  # 文档属性 modified / created, 文件修改时间, --since
    unit_name: str = "段"
    places: list[str] = field(default_factory=list)  # each unit's place when not 第N{unit_name} (a .docx's footnotes)


def _docx_date(z: zipfile.ZipFile) -> tuple[Optional[str], str]:
    try:
        core = z.read("docProps/core.xml").decode("utf-8")
    except KeyError:
        return None, ""
    for tag in ("modified", "created"):
        m = re.search(rf"<dcterms:{tag}[^>]*>\s*(\d{{4}}-\d\d-\d\d)", core)
        if m:
            return m.group(1), f"文档属性 {tag}"
    return None, ""


# the parts of a .docx that carry text, and how a place in each is named
DOCX_PARTS = (("word/document.xml", "第{}段"), ("word/footnotes.xml", "脚注{}"), ("word/endnotes.xml", "尾注{}"))


def _docx_paragraphs(root, where: str, w: str):
    """(place, paragraph) in reading order: the body's numbered 第N段; a
    note's paragraphs by the note's number (脚注1), separators left out."""
    if where.startswith("第"):
        for k, p in enumerate(root.iter(f"{w}p")):
            yield where.format(k + 1), p
        return
    for note in root:
        if note.get(f"{w}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        for p in note.iter(f"{w}p"):
            yield where.format(note.get(f"{w}id")), p


def read_docx(path: Path) -> MemoFile:
    """Paragraphs (body and tables in order, then footnotes and endnotes,
    where legal memos put their citations) with their hyperlinks:
    ``w:hyperlink`` (relationship target, ``w:anchor`` appended) and
    ``HYPERLINK`` field codes."""
    from lxml import etree  # here: only .docx memos need the XML parser

    parts: list[tuple[bytes, bytes, str]] = []
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "word/document.xml" not in names:
                raise KeyError("word/document.xml")
            for name, where in DOCX_PARTS:
                if name in names:
                    rels_name = name.replace("word/", "word/_rels/") + ".rels"
                    rels = z.read(rels_name) if rels_name in names else b"<Relationships/>"
                    parts.append((z.read(name), rels, where))
            date, source = _docx_date(z)
    except (zipfile.BadZipFile, KeyError, OSError) as e:
        raise MemoError(path, f"不是可读取的 Word（.docx）文件：{e}") from None
    w, r_id = "{%s}" % NS["w"], "{%s}id" % NS["r"]
    units: list[str] = []
    places: list[str] = []
    links: list[Link] = []
    for xml, rels_xml, where in parts:
        try:
            root = etree.fromstring(xml)
            rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(rels_xml)}
        except etree.XMLSyntaxError as e:
            raise MemoError(path, f"Word 文件内容损坏：{e}") from None
        for place, p in _docx_paragraphs(root, where, w):
            unit = len(units)
            text: list[str] = []
            field_code = ""
            for el in p.iter(f"{w}t", f"{w}tab", f"{w}br", f"{w}hyperlink", f"{w}instrText", f"{w}fldChar"):
                tag = el.tag[len(w):]
                if tag == "t":
                    text.append(el.text or "")
                elif tag in ("tab", "br"):
                    text.append(" ")
                elif tag == "instrText":
                    field_code += el.text or ""
                elif tag == "fldChar" and el.get(f"{w}fldCharType") == "end":
                    m = re.search(r'HYPERLINK\s+"([^"]+)"(?:\s+\\l\s+"([^"]+)")?', field_code)
                    if m:
                        links.append(Link(m.group(1) + (f"#{m.group(2)}" if m.group(2) else ""), "", place, unit))
                    field_code = ""
                elif tag == "hyperlink":
                    target = rels.get(el.get(r_id), "") if el.get(r_id) else ""
                    anchor = el.get(f"{w}anchor")
                    if target:
                        shown = "".join(t.text or "" for t in el.iter(f"{w}t"))
                        links.append(Link(target + (f"#{anchor}" if anchor else ""), shown, place, unit))
            units.append("".join(text))
            places.append(place)
    # a field code's display text follows it: give it the paragraph's text
    for link in links:
        if not link.text:
            link.text = units[link.unit]
    return MemoFile(path, "docx", units, links, date, source, places=places)


URL_RE = re.compile(r"(?:https?://|file:///?)[^\s<>\"'（）()，。；、\u3000]+|(?<![\w/.])(?:\.\./)*notices/[\w.-]+\.html(?:#[\w-]+)?")
MD_LINK_RE = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _file_date(path: Path) -> tuple[str, str]:
    return dt.date.fromtimestamp(path.stat().st_mtime).isoformat(), "文件修改时间"


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise MemoError(path, "无法识别文件编码（应为 UTF-8 或 GB18030）")


def read_text_memo(path: Path, kind: str) -> MemoFile:
    """Markdown / text: lines, ``[text](url)`` links and typed URLs."""
    lines = _decode(path).splitlines()
    links: list[Link] = []
    units: list[str] = []
    for k, line in enumerate(lines):
        taken: list[tuple[int, int]] = []
        if kind == "md":
            for m in MD_LINK_RE.finditer(line):
                links.append(Link(m.group(2), m.group(1), f"第{k + 1}行", k))
                taken.append(m.span())
        for m in URL_RE.finditer(line):
            if not any(a <= m.start() < b for a, b in taken):
                links.append(Link(m.group(0).rstrip(".,;:>）)】"), m.group(0), f"第{k + 1}行", k))
        units.append(MD_LINK_RE.sub(r"\1", line) if kind == "md" else line)
    date, source = _file_date(path)
    return MemoFile(path, kind, units, links, date, source, "行")


def read_html_memo(path: Path) -> MemoFile:
    """HTML: block texts and every ``<a href>`` (an e-mail saved as HTML, a wiki page)."""
    from selectolax.lexbor import LexborHTMLParser  # here: only HTML memos need the parser

    tree = LexborHTMLParser(_decode(path))
    units: list[str] = []
    links: list[Link] = []
    block = "p, li, td, th, h1, h2, h3, h4, h5, h6, blockquote, pre, div"
    # the innermost blocks (a <p> inside an <li> or a mail client's <div>s): each link once
    blocks = [n for n in tree.css(block) if len(n.css(block)) == 1] or ([tree.body] if tree.body else [])
    for k, node in enumerate(blocks):
        units.append(node.text(separator="", strip=False))
        for a in node.css("a[href]"):
            links.append(Link(a.attributes.get("href") or "", a.text(), f"第{k + 1}段", k))
        for m in URL_RE.finditer(units[-1]):
            if not any(m.group(0) in (lk.url, lk.text) for lk in links if lk.unit == k):
                links.append(Link(m.group(0).rstrip(".,;:"), m.group(0), f"第{k + 1}段", k))
    date, source = _file_date(path)
    return MemoFile(path, "html", units, links, date, source)


def read_memo(path: Path) -> MemoFile:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        memo = read_docx(path)
        for k, text in enumerate(memo.units):
            have = {lk.url for lk in memo.links if lk.unit == k}
            for m in URL_RE.finditer(text):
                url = m.group(0).rstrip(".,;:>）)】")
                if url not in have and not any(url == lk.text for lk in memo.links if lk.unit == k):  # typed, not linked
                    memo.links.append(Link(url, url, memo.places[k], k))
        if memo.date is None:
            memo.date, memo.date_source = _file_date(path)
        return memo
    if suffix in (".md", ".markdown"):
        return read_text_memo(path, "md")
    if suffix == ".txt":
        return read_text_memo(path, "txt")
    if suffix in (".html", ".htm"):
        return read_html_memo(path)
    raise MemoError(path, f"不支持的文件类型 {suffix or '（无扩展名）'}：可检查 .docx、.md、.txt、.html")


def memo_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the memos inside folders (sorted; hidden files and ~$ lock files left out)."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in MEMO_SUFFIXES and not f.name.startswith((".", "~$")) \
                        and ".checked." not in f.name:
                    yield f
        else:
            yield p


# ------------------------------------------------------------------ citations

@dataclass
class Citation:
    kind: str  # link | text | docno
    where: str
    text: str  # as found: the link text, the 《》 citation, the 文号
    url: Optional[str] = None
    doc_id: Optional[str] = None
    clause_id: Optional[str] = None
    status: str = "ok"
    message: str = ""
    new_clause: Optional[str] = None
    new_url: Optional[str] = None
    changed_on: Optional[str] = None
    old_text: Optional[str] = None
    new_text: Optional[str] = None
    superseded_by: Optional[dict] = None
    notes: list[str] = field(default_factory=list)  # shown under the row
    cite: Optional[Cite] = None  # a textual citation as parsed (search/citation.py): 《title》, version, clause

    @property
    def label(self) -> str:
        return STATUSES[self.status][0]


NOTICE_PATH_RE = re.compile(r"(?:^|/)notices/([A-Za-z0-9][\w.-]*?)\.html$")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

def archive_link(url: str, archive: Archive) -> Optional[tuple[str, str]]:
    """(doc id, clause id) if ``url`` points into the archive: its canonical
    address, a local copy (file://, 127.0.0.1) or a relative link; None else."""
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    m = NOTICE_PATH_RE.search(urllib.parse.unquote(parts.path))
    if not m:
        return None
    doc_id, frag = m.group(1), urllib.parse.unquote(parts.fragment)
    canonical = bool(archive.site_url) and url.startswith(archive.site_url + "/")
    local = parts.scheme == "file" or (parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS)
    relative = not parts.scheme and not parts.netloc
    if canonical or local or relative or doc_id in archive.docs:
        return doc_id, frag
    return None


def _clause_in(doc: DocRecord, cid: str) -> Optional[str]:
    """A textual 第X条第一款 in a law: ``art-X-p1``, or ``art-X`` when the article has one 款."""
    if cid in doc.clauses:
        return cid
    art = parse_article(cid)
    if art and art.para == 1:
        plain = article_id(art.article, art.sub, 0, art.item)  # the grammar's id without the 第一款
        if plain in doc.clauses:
            return plain
    return None


def find_citations(memo: MemoFile, archive: Archive) -> list[Citation]:
    out: list[Citation] = []
    linked_docs: dict[int, set[str]] = {}
    for link in memo.links:
        hit = archive_link(link.url, archive)
        if hit is None:
            continue
        out.append(Citation("link", link.where, link.text.strip() or link.url, url=link.url,
                            doc_id=hit[0], clause_id=hit[1]))
        linked_docs.setdefault(link.unit, set()).add(hit[0])
    for k, text in enumerate(memo.units):
        where = memo.places[k] if memo.places else f"第{k + 1}{memo.unit_name}"
        near = linked_docs.get(k, set())
        spans: list[tuple[int, int]] = []
        for m, cite in citation.find(text):
            cands = archive.by_title.get(_title_key(cite.title), [])
            if cands and any(c.id in near for c in cands):
                continue  # the paragraph links the document: the link is the citation
            cid = cite.clause_id()
            if not cid and not cands:
                continue  # a title alone that the archive does not hold: not a citation to check
            spans.append(m.span())
            out.append(Citation("text", where, m.group(0), clause_id=cid, cite=cite))
        for rx in (DOCNO_RE, ORDER_RE):
            for m in rx.finditer(text):
                if any(a <= m.start() < b for a, b in spans):
                    continue
                number = normalise_doc_number(m.group(0))
                if not number:
                    continue
                cands = archive.by_number.get(number, [])
                if cands and any(c.id in near for c in cands):
                    continue
                spans.append(m.span())
                out.append(Citation("docno", where, number))
    return out


# ------------------------------------------------------------------ resolution

def _changes_since(archive: Archive, doc_id: str, cid: str, day: Optional[str]) -> Optional[tuple[str, Optional[str]]]:
    """(date, the text before it) of the first change of the clause on or after ``day``."""
    if not day:
        return None
    for fp, date in archive.history.get((doc_id, cid), []):
        if date >= day:
            old = next((e.get("text") for e in archive.old_texts.get(doc_id, {}).get(cid, [])
                        if e.get("fingerprint") == fp), None)
            return date, old
    return None


def _short(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def resolve(c: Citation, archive: Archive, day: Optional[str]) -> Citation:
    """Fill ``status``, ``message`` and the details of one citation."""
    if c.kind == "docno":
        cands = archive.by_number.get(c.text, [])
        if not cands:
            c.status, c.message = "external", "文库未收录此文号的文件"
            return c
        c.doc_id = archive.version_at(cands, day).id if len(cands) > 1 else cands[0].id
    elif c.kind == "text":
        title, version = (c.cite.title, c.cite.version) if c.cite else ("", None)
        cands = archive.by_title.get(_title_key(title), [])
        if not cands:
            c.status, c.message = "external", f"文库未收录《{title}》"
            return c
        cands = sorted(cands, key=lambda r: (r.date or "", r.id))
        labelled = [r for r in cands if version and r.version and (version in r.version or r.version in version)]
        doc = labelled[0] if labelled else archive.version_at(cands, day)
        if version and not labelled:
            c.notes.append(f"文库没有“{version}”版本，按引用日期对应的 {doc.version or '现有'} 版本核对")
        c.doc_id = doc.id
        if c.clause_id:
            found = _clause_in(doc, c.clause_id)
            if found is None:
                c.status, c.message = "not_found", f"{doc.citation}没有{c.text[c.text.rfind('》') + 1:]}（#{c.clause_id}）"
                return c
            c.clause_id = found
        c.url = archive.url(c.doc_id, c.clause_id or "")
    return _resolve_link(c, archive, day)


def _resolve_link(c: Citation, archive: Archive, day: Optional[str]) -> Citation:
    doc = archive.docs.get(c.doc_id or "")
    if doc is None:
        c.status, c.message = "not_found", f"文库中没有文件 {c.doc_id}"
        return c
    cid = c.clause_id or ""
    if cid:
        landed = archive.resolve_clause(doc.id, cid)
        if landed is None:
            c.status, c.message = "not_found", f"{doc.citation}中没有条款 #{cid}（锚点不存在，也没有重定向）"
            return c
        if landed != cid:
            c.status = "moved"
            c.new_clause, c.new_url = landed, archive.url(doc.id, landed)
            c.message = f"条款 #{cid} 已改为 #{landed}（{doc.clauses[landed][0]}），新链接 {c.new_url}"
        change = _changes_since(archive, doc.id, landed, day)
        if change:
            c.status = "changed"
            c.changed_on, c.old_text = change
            c.new_text = doc.clauses[landed][1]
            was = f"原文：{_short(c.old_text)}" if c.old_text else "原文字未保存"
            c.message = (f"{doc.clauses[landed][0]}的文字于 {c.changed_on} 更改（备忘录日期 {day}）；"
                         f"{was}；现文：{_short(c.new_text)}") + (f"；另：{c.message}" if c.new_clause else "")
    later = archive.later_versions(doc)
    validity = doc.validity or ""
    if any(w in validity for w in REPEALED_WORDS) and not later:
        c.status, c.message = "repealed", f"{doc.citation}：{validity}" + (f"；{c.message}" if c.message else "")
        return c
    if later or any(w in validity for w in SUPERSEDED_WORDS):
        nxt = later[0] if later else None
        current = later[-1] if later else None
        if nxt is not None:
            start = nxt.date_effective or nxt.date
            c.superseded_by = {"doc_id": nxt.id, "citation": nxt.citation, "version": nxt.version,
                               "in_force_from": start, "date_effective_known": bool(nxt.date_effective),
                               "current": current.id if current else None}
            same = ""
            if cid and (c.new_clause or cid) in nxt.clauses and doc.clauses.get(c.new_clause or cid):
                a = re.sub(r"\s+", "", doc.clauses[c.new_clause or cid][1])
                b = re.sub(r"\s+", "", nxt.clauses[c.new_clause or cid][1])
                same = "；新版本中该条文字未变" if a == b else f"；新版本该条：{_short(nxt.clauses[c.new_clause or cid][1])}"
            when = f"自 {start} 起施行" if nxt.date_effective else f"{start} 起的新版本，施行日期未载明"
            msg = f"{doc.citation}已被{nxt.citation}取代（{when}）{same}"
        else:
            msg = f"{doc.citation}：{validity}"
        prior = c.message if c.status in ("moved", "changed") else ""
        c.status, c.message = "superseded", msg + (f"；另：{prior}" if prior else "")
        if any(w in validity for w in REPEALED_WORDS):
            c.notes.append(validity)
        return c
    if c.status == "ok":
        label = doc.clauses[cid][0] if cid else ""
        c.message = f"{doc.citation}{label}" + (f"（{doc.validity}）" if doc.validity else "")
    return c


# ------------------------------------------------------------------ the command

@dataclass
class FileReport:
    path: Path
    kind: str = ""
    date: Optional[str] = None
    date_source: str = ""
    citations: list[Citation] = field(default_factory=list)
    error: Optional[str] = None
    fixed: Optional[Path] = None


def check_files(paths: Iterable[Path], archive: Archive, since: Optional[str] = None) -> list[FileReport]:
    """Every memo: its citations resolved.  A file that cannot be read is a
    report with ``error`` set; the others are still checked."""
    out = []
    for path in memo_files(paths):
        rep = FileReport(path)
        try:
            memo = read_memo(path)
        except MemoError as e:
            rep.error = str(e)
            out.append(rep)
            continue
        except OSError as e:
            rep.error = f"{path}: 无法读取（{e.strerror or e}）"
            out.append(rep)
            continue
        rep.kind = memo.kind
        rep.date, rep.date_source = (since, "--since") if since else (memo.date, memo.date_source)
        rep.citations = [resolve(c, archive, rep.date) for c in find_citations(memo, archive)]
        out.append(rep)
    return out


def exit_code(reports: list[FileReport]) -> int:
    code = max((EXIT_BY_STATUS[c.status] for r in reports for c in r.citations), default=0)
    if any(r.error for r in reports):
        code = max(code, EXIT_UNREADABLE)
    return code


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _clip(text: str, width: int) -> str:
    out, w = "", 0
    for ch in text:
        cw = _width(ch)
        if w + cw > width - 1:
            return out + "…"
        out, w = out + ch, w + cw
    return out


def format_table(reports: list[FileReport], archive: Archive) -> str:
    lines = [f"文库：{archive.root}" + (f"（{archive.site_url}）" if archive.site_url else "")]
    counts: dict[str, int] = {}
    for r in reports:
        if r.error:
            lines += ["", f"== {r.path}", f"  无法读取：{r.error}"]
            continue
        lines += ["", f"== {r.path}（{len(r.citations)} 处引用；备忘录日期 {r.date or '未知'}，据{r.date_source or '—'}）"]
        if not r.citations:
            lines.append("  未发现指向本文库的链接或引用")
            continue
        lines.append("  " + _pad("位置", 8) + _pad("引用", 44) + _pad("状态", 14) + "说明")
        for c in r.citations:
            counts[c.status] = counts.get(c.status, 0) + 1
            cited = c.text if c.kind != "link" else f"{c.text}（{c.doc_id}#{c.clause_id}）" if c.text != c.url else c.url
            lines.append("  " + _pad(c.where, 8) + _pad(_clip(cited.replace("\n", " "), 42), 44)
                         + _pad(c.label, 14) + c.message)
            lines += [f"{'':10}{n}" for n in c.notes]
        if r.fixed:
            lines.append(f"  已写出更正副本：{r.fixed}（原文件未改动）")
    total = sum(counts.values())
    summary = "，".join(f"{STATUSES[s][0]} {counts[s]}" for s in STATUSES if counts.get(s))
    lines += ["", f"共 {total} 处引用：{summary or '无'}"]
    return "\n".join(lines)


def report_json(reports: list[FileReport], archive: Archive) -> dict:
    def cite(c: Citation) -> dict:
        d = asdict(c)
        d.pop("cite")  # the JSON keeps its fields: a textual citation's 《title》 and printed version
        d.update(title=c.cite.title if c.cite else None, version=c.cite.version if c.cite else None,
                 status_label=c.label)
        return d

    return {"schema": JSON_SCHEMA, "archive": str(archive.root), "site_url": archive.site_url or None,
            "files": [{"file": str(r.path), "kind": r.kind, "date": r.date, "date_source": r.date_source,
                       "error": r.error, "fixed_copy": str(r.fixed) if r.fixed else None,
                       "citations": [cite(c) for c in r.citations]} for r in reports],
            "summary": {s: sum(1 for r in reports for c in r.citations if c.status == s) for s in STATUSES},
            "exit_code": exit_code(reports)}


# ------------------------------------------------------------------ --fix

def fixed_path(path: Path) -> Path:
    """``memo.docx`` -> ``memo.checked.docx`` beside it (never the original)."""
    return path.with_name(f"{path.stem}.checked{path.suffix}")


def _replace_urls(text: str, moves: dict[str, str]) -> str:
    if not moves:
        return text
    rx = re.compile("|".join(re.escape(u) for u in sorted(moves, key=len, reverse=True)) + r"(?![\w-])")
    return rx.sub(lambda m: moves[m.group(0)], text)


def fix_copy(report: FileReport, out: Optional[Path] = None) -> Optional[Path]:
    """A copy of the memo with every moved link pointing at its new clause
    (hyperlink targets, field codes and the URLs shown as text); the original
    is never opened for writing.  None when nothing moved."""
    moves: dict[str, str] = {}
    for c in report.citations:
        if c.new_url and c.url and c.kind == "link":
            old = c.url
            # keep the link's own form: a local copy stays local, a relative link relative
            new = old[: old.rfind("#") + 1] + c.new_clause if "#" in old else c.new_url
            moves[old] = new
    if not moves:
        return None
    src = report.path
    dest = Path(out) if out else fixed_path(src)
    if dest.resolve() == src.resolve():
        raise MemoError(dest, "更正副本不能覆盖原文件")
    if report.kind == "docx":
        xml_moves = {k.replace("&", "&amp;"): v.replace("&", "&amp;") for k, v in moves.items()}
        with zipfile.ZipFile(src) as zin:
            items = [(info, zin.read(info.filename)) for info in zin.infolist()]
        tmp = dest.with_name(dest.name + ".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info, data in items:
                if info.filename.endswith((".xml", ".rels")) and info.filename.startswith("word/"):
                    data = _replace_urls(data.decode("utf-8"), xml_moves).encode("utf-8")
                zout.writestr(info, data)
        os.replace(tmp, dest)
    else:
        text = _decode(src)
        dest.write_text(_replace_urls(text, moves), encoding="utf-8")
    report.fixed = dest
    return dest
