"""Attachments (附件) of a document: the list a page prints and the files held with it.

A notice's attachment is often the policy itself (a 征求意见 notice's draft,
a 印发 notice's 办法).  This module

* reads the **attachment list** of a page (``attachment_list``) from
  - links to files (``FILE_EXTS``) anywhere in the HTML, also outside the
    content box, where the readers strip them as furniture: a ``附件：标题.pdf``
    link text (sites2-001 ``….docx``, attachments/007), a ``title``/``alt``
    attribute on a link whose text is only images (attachments/008, 009,
    sites2-022 ``<a title="关于….pdf"><img></a>``; attachments/002, 003 ``alt=``),
    ``download=`` (attachments/004), a generic text ``点击下载此文件``
    (sites2-011, attachments/001), a download API whose file is named in the
    query (``…/download?fileUrl=…&fileName=市政办发〔2022〕167号.pdf``,
    sites2-012; ``file-download?fileUrl=/…/af7a….doc``, sites2-018), a link
    written by a script (``document.write``/``innerHTML`` strings holding
    ``<a href=\\"./P0202….doc\\">``, sites2-033), the same file linked twice
    or four times (sites2-002: the absolute and the ``./`` address);
  - lines of the body: ``附件：标题`` / ``附件1：标题`` (sites2-012, -027),
    ``附件：1.标题`` then ``2.标题`` lines (sites2-007, -018), a bare ``附件1``
    with the title on the next line (seed 004, printed in the page);
  a line and a link naming the same attachment are one entry (title
  similarity, rapidfuzz: sites2-033 prints ``…措施(暂名)征求意见稿`` and links
  ``…措施（征求意见稿）.doc``);
* finds the **held files** of a source, ``<stem>.files/`` beside it, and maps
  each to its entry: the sidecar's ``attachments:`` list first, else by the
  link's file name, else by title similarity (file name or first lines),
  else in order (``match_files``);
* turns each held file into an **附件 section** (``attach``): read with
  ``read.read_file``, split by the same clause engine, ids prefixed
  ``att<N>-`` (``att1-s2-3``, ``att1-art-5``) under a heading clause
  ``att<N>`` (``附件N：标题``); the document's body grows by the same lines,
  so the conservation gate holds for the whole.  An attachment printed in
  the page itself (the engine already made its ``att<N>``) keeps that text.
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from bs4 import BeautifulSoup, Tag
from rapidfuzz import fuzz

from ..clauses.clauseids import attachment_id, attachment_label, part
from .clean import normalise_line
from ..errors import SourceError
from .metadata import extract
from ..models import Attachment, Clause, Notice, Problem
from .office import ToolRunner, size_limit
from .read import decode, read_file
from .sidecar import SidecarError, parse_sidecar
from ..clauses.structure import conservation_error, parse_structure

FILE_EXTS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "zip", "rar", "7z", "txt", "html", "htm", "md")
LINK_EXTS = frozenset(FILE_EXTS) - {"txt", "html", "htm", "md"}  # a page's links to these are attachments
FILES_SUFFIX = ".files"
MAX_TEXT_BYTES = 2_000_000  # its text, as pipeline.MAX_SOURCE_BYTES for a source: pages grow ~10x
_EXT_RE = re.compile(r"\.(" + "|".join(sorted(LINK_EXTS, key=len, reverse=True)) + r")$", re.I)
_GENERIC = re.compile(r"^(点击)?(此处)?(下载|查看|打开|浏览|预览)?(此|本)?(文件|附件|原文|原件|文档|全文)?(下载|查看)?$")
_PREFIX = re.compile(r"^(?:附件\s*(\d{1,2})?\s*[：:、.．]?\s*|(\d{1,2})\s*[.．、]\s*)")
_HEAD = re.compile(r"^附件\s*(\d{1,2})?\s*(?:[：:]\s*|\s+|(?=《)|$)(.*)$")
_ITEM = re.compile(r"^(\d{1,2})\s*[.．、]\s*(\S.*)$")
_TITLE_END = re.compile(r"[。；;，,]$")


def files_dir(source: Path | str) -> Path:
    """The folder of a source's held attachment files: ``<stem>.files/``."""
    source = Path(source)
    return source.with_name(source.stem + FILES_SUFFIX)


def held_files(source: Path | str) -> list[Path]:
    """Regular files in ``<stem>.files/`` (symlinks, dot files and special files left out)."""
    d = files_dir(source)
    if not d.is_dir() or d.is_symlink():
        return []
    return sorted(p for p in d.iterdir() if not p.name.startswith(".") and p.is_file() and not p.is_symlink())


def orphan_folders(sources: Path, files: list[Path]) -> list[Problem]:
    """``<stem>.files/`` folders with no source of that stem (``iparchive check``):
    their attachments belong to no document."""
    stems = {files_dir(f) for f in files}
    out = []
    for d in sorted(Path(sources).rglob("*" + FILES_SUFFIX)):
        if d.is_dir() and d not in stems:
            out.append(Problem(str(d), None, "warning", f"附件目录没有对应的原始文件（应有 {d.name[:-len(FILES_SUFFIX)]}.html 等）：其中的附件不属于任何文件"))
    return out


# ------------------------------------------------------------- the list

@dataclass
class _Entry:
    number: Optional[int]
    title: str
    href: Optional[str] = None
    file_name: Optional[str] = None
    source: str = "text"
    line: Optional[int] = None


def title_key(s: str) -> str:
    """A title for comparison: no extension, 附件/序号 prefix, spaces, quotes or brackets."""
    s = _EXT_RE.sub("", normalise_line(s or ""))
    s = _PREFIX.sub("", s)
    return re.sub(r"[\s《》〈〉“”\"'‘’（）()【】\[\]]", "", s)


def _split_prefix(text: str) -> tuple[Optional[int], str]:
    """(number, title) of ``附件2：标题`` / ``2.标题`` / ``1.附件1 标题`` (provincial-009: both prefixes)."""
    number = None
    while (m := _PREFIX.match(text)) and m.end() < len(text):
        num = m.group(1) or m.group(2)
        number = number or (int(num) if num else None)
        text = text[m.end():].strip()
    return number, text


def _title(text: str) -> str:
    return _EXT_RE.sub("", _split_prefix(text)[1]).strip() or text


def _file_name(href: str) -> Optional[str]:
    """The linked file's name: a ``fileName=``/``filename=`` query value, else the
    last path segment (of the path or of a ``fileUrl=`` value), if it has a file extension."""
    try:
        parts = urllib.parse.urlsplit(href.strip())
    except ValueError:
        return None
    query = urllib.parse.parse_qs(parts.query)
    cands = [v for k, vs in query.items() if k.lower() in ("filename", "name", "file_name") for v in vs]
    cands += [v.rsplit("/", 1)[-1] for k, vs in query.items() if k.lower() in ("fileurl", "file", "url", "path") for v in vs]
    cands.append(urllib.parse.unquote(parts.path.rsplit("/", 1)[-1]))
    return next((c.strip() for c in cands if _EXT_RE.search(c.strip())), None)


def _link_entry(a: Tag, line: Optional[int]) -> Optional[_Entry]:
    href = (a.get("href") or "").strip()
    texts = [" ".join(a.get_text(" ").split())] + [" ".join(str(a.get(k) or "").split()) for k in ("title", "alt", "download")]
    name = _file_name(href) if href and not href.lower().startswith(("javascript:", "mailto:")) else None
    if name is None:  # a download API without a name in its address: the printed name says it is a file
        name = next((t for t in texts if _EXT_RE.search(t)), None)
        if name is None or not href or href.startswith("#"):
            return None
    printed = [t for t in texts if t]
    title = next((t for t in printed if not _GENERIC.match(title_key(t))), printed[0] if printed else _EXT_RE.sub("", name))
    number, title = _split_prefix(normalise_line(title))
    return _Entry(number, _EXT_RE.sub("", title).strip() or title, href, name, "link", line)


_ANY_FILE = re.compile(r"\.(?:" + "|".join(sorted(LINK_EXTS, key=len, reverse=True)) + r")\b", re.I)
_SCRIPT_A = re.compile(r"<a\b[^>]*>.*?</a>", re.I | re.S)


def _in_article_list(a: Tag) -> bool:
    """A file link inside a list of links to other articles (a 相关文章 list
    after the text, sites2-003 ``6. 不动产登记费一览表``) is furniture, not an attachment."""
    box = a.find_parent(["ul", "ol"])
    if box is None:
        return False
    hrefs = [x.get("href") or "" for x in box.find_all("a", href=True)]
    pages = sum(1 for h in hrefs if not _file_name(h))
    return pages >= 3 and pages > len(hrefs) - pages


def link_entries(html: str) -> list[_Entry]:
    """Links to files in a page, in page order, one per file (see the module docstring)."""
    if not _ANY_FILE.search(html):  # most pages link no file: no second parse of the page
        return []
    soup = BeautifulSoup(html, "html.parser")
    found: list[_Entry] = []
    for a in soup.find_all("a"):
        e = _link_entry(a, a.sourceline)
        if e and not _in_article_list(a):
            found.append(e)
    for s in soup.find_all("script"):
        code = (s.string or "").replace("\\/", "/").replace('\\"', '"').replace("\\'", "'")
        for m in _SCRIPT_A.finditer(code):
            for a in BeautifulSoup(m.group(0), "html.parser").find_all("a"):
                e = _link_entry(a, s.sourceline)
                if e:
                    found.append(e)
    out: dict[str, _Entry] = {}
    for e in found:
        k = (e.file_name or "").lower()
        have = out.get(k)
        if have is None:
            out[k] = e
        elif _GENERIC.match(title_key(have.title)) and not _GENERIC.match(title_key(e.title)):
            out[k] = replace(e, line=have.line)  # a named link to the file a button linked first
    return list(out.values())


def text_entries(lines: list[str]) -> list[_Entry]:
    """``附件…`` lines of a body (1-based body line numbers in ``line``)."""
    out: list[_Entry] = []
    i = 0
    while i < len(lines):
        t = lines[i].strip()
        m = _HEAD.match(t) if t.startswith("附件") and len(t) <= 120 else None
        i += 1
        if not m:
            continue
        num = int(m.group(1)) if m.group(1) else None
        rest = m.group(2).strip()
        item = _ITEM.match(rest)
        if not rest and i < len(lines):
            nxt = lines[i].strip()
            if _ITEM.match(nxt) and _ITEM.match(nxt).group(1) == "1":
                item, i = _ITEM.match(nxt), i + 1
            elif nxt and len(nxt) <= 60 and not _TITLE_END.search(nxt) and not nxt.startswith("附件"):
                out.append(_Entry(num, _title(nxt), line=i))
                i += 1
                continue
        if item:  # 附件：1.标题 then 2.标题 …
            k = int(item.group(1))
            out.append(_Entry(k, _title(item.group(2).strip()), line=i))
            while i < len(lines) and (nm := _ITEM.match(lines[i].strip())) and int(nm.group(1)) == k + 1 \
                    and len(lines[i]) <= 100:
                k += 1
                out.append(_Entry(k, _title(nm.group(2).strip()), line=i + 1))
                i += 1
        elif rest and not _TITLE_END.search(rest) and not rest.startswith(("所列", "中", "内")):
            out.append(_Entry(num, _title(rest), line=i))
    return out


def _same(a: str, b: str) -> bool:
    ka, kb = title_key(a), title_key(b)
    if not ka or not kb:
        return False
    if ka == kb or (min(len(ka), len(kb)) >= 6 and (ka in kb or kb in ka)):
        return True
    return fuzz.ratio(ka, kb) >= 80


def attachment_list(html: Optional[str], body_lines: list[str], links: Optional[list[_Entry]] = None) -> list[Attachment]:
    """The document's 附件 list: body lines, then links not named by a line; numbered as printed, else in order.

    A later ``附件`` line naming an entry already listed is the heading of that
    attachment printed in the page (sites2-012, -027: ``附件：标题`` under the
    text, then ``附件`` / the title over the attachment's text), not a new entry.
    ``links``: ``link_entries(html)`` when the caller has them.  ``line``: the body
    line of a text entry, the source line of a link."""
    entries: list[_Entry] = []
    for e in text_entries(body_lines):
        if not any(_same(x.title, e.title) and (x.number is None or e.number is None or x.number == e.number)
                   for x in entries):
            entries.append(e)
    for link in (links if links is not None else link_entries(html) if html else []):
        twin = next((e for e in entries if e.source == "text" and e.href is None and
                     (_same(e.title, link.title) or (link.file_name and _same(e.title, link.file_name)))), None)
        if twin is None:
            entries.append(link)
        else:
            twin.href, twin.file_name, twin.source = link.href, link.file_name, "link+text"
            if not _GENERIC.match(title_key(link.title)):  # the file's own name as linked (sites2-033)
                twin.title = link.title
    out: list[Attachment] = []
    used: set[int] = set()
    for e in entries:
        n = e.number if e.number and e.number not in used else max(used, default=0) + 1
        used.add(n)
        out.append(Attachment(n, e.title, e.href, e.file_name, e.source, e.line))
    return out


# ------------------------------------------------------------- held files

def sidecar_attachments(source: Path) -> list[dict]:
    """The sidecar's ``attachments:`` entries ({number, file, title?}; validated by sidecar.py)."""
    side = source.with_suffix(".yml")
    if not side.is_file():
        return []
    try:
        values = parse_sidecar(side, side.read_text(encoding="utf-8")).values
    except (SidecarError, OSError, UnicodeDecodeError):
        return []
    items = values.get("attachments")
    return [x for x in items if isinstance(x, dict) and isinstance(x.get("file"), str)
            and isinstance(x.get("number"), int)] if isinstance(items, list) else []


def _first_text(path: Path, runner: Optional[ToolRunner] = None) -> str:
    try:
        return read_file(path, runner=runner).body[:300]
    except Exception:  # any reader failure (SourceError or a reader bug): matched by name or order only
        return ""


def match_files(entries: list[Attachment], files: list[Path], fixed: Optional[dict[str, int]] = None, *,
                runner: Optional[ToolRunner] = None) -> dict[str, int]:
    """file name -> entry number: ``fixed`` (the sidecar) first, then the link's
    file name, then title similarity with the file name, then the one file
    and the one link of a type, then title similarity with the file's first
    lines, then the remaining files to the remaining entries in order (same
    extension first).
    Files left over get numbers after the list.  ``runner``: as ``read.read_file``'s (a DOC's
    first lines need LibreOffice)."""
    fixed = dict(fixed or {})
    out = {f.name: fixed[f.name] for f in files if f.name in fixed}
    free = [e for e in entries if e.number not in out.values()]
    todo = [f for f in files if f.name not in out]

    def take(f: Path, e: Attachment) -> None:
        out[f.name] = e.number
        free.remove(e)
        todo.remove(f)

    for f in list(todo):
        e = next((e for e in free if e.file_name and e.file_name.lower() == f.name.lower()), None)
        if e:
            take(f, e)
    for f in list(todo):
        best = max(free, key=lambda e: fuzz.ratio(title_key(e.title), title_key(f.stem)), default=None)
        if best is not None and _same(best.title, f.stem):
            take(f, best)
    for f in list(todo):  # the one file of a type and the one entry linking that type (004: .doc and .pdf)
        ext = "." + f.suffix.lower().lstrip(".")
        same = [e for e in free if e.file_name and e.file_name.lower().endswith(ext)]
        if len(same) == 1 and sum(1 for g in todo if g.suffix.lower() == f.suffix.lower()) == 1:
            take(f, same[0])
    for f in list(todo):  # read only when names do not tell
        head = title_key(_first_text(f, runner)[:120])
        best = max(free, key=lambda e: fuzz.partial_ratio(title_key(e.title), head), default=None)
        if best is not None and head and len(title_key(best.title)) >= 4 and fuzz.partial_ratio(title_key(best.title), head) >= 85:
            take(f, best)
    for f in list(todo):
        ext = f.suffix.lower().lstrip(".")
        e = next((e for e in free if e.file_name and e.file_name.lower().endswith("." + ext)), None)
        if e is None:
            e = next((e for e in free if not e.file_name or not _EXT_RE.search(e.file_name)), None) or (free[0] if free else None)
        if e is not None:
            take(f, e)
    nxt = max([e.number for e in entries] + list(out.values()), default=0)
    for f in todo:
        nxt += 1
        out[f.name] = nxt
    return out


def _own_title(raw) -> str:
    """The title an attachment prints (the metadata stage's reading), for an
    entry the page names only 点击下载此文件 (sites2-011, attachments/001)."""
    try:
        return extract(raw).title or ""
    except Exception:  # a metadata bug must not cost the section: the file name then
        return ""


def _own_label(body: str) -> tuple[list[str], str]:
    """(leading lines, the rest): an attachment file's own ``附件`` / ``附件1`` /
    ``附件：`` line above its title (attachments/012 ``附件``) belongs to the
    section heading, not to a nested attachment (it made ``att1-att1-art-1``)."""
    lines = body.split("\n")
    if lines and re.fullmatch(r"附件\s*\d{0,2}\s*[：:]?", lines[0].strip()) and len(lines) > 1:
        return [lines[0]], "\n".join(lines[1:])
    return [], body


def _prefix(c: Clause, n: int) -> None:
    """Clause ``c`` of attachment ``n``'s own file, and everything under it, into the page's tree
    (ids and labels by the id grammar: ``att1-s2-3``, ``附件1 三（二）``)."""
    for x in c.walk():
        x.id = attachment_id(n, x.id)
        x.label = attachment_label(n, x.label)
        x.level += 1


def attach(notice: Notice, source: Path, html: Optional[str] = None, *, runner: Optional[ToolRunner] = None) -> list[Problem]:
    """Record ``notice``'s attachment list and append each held file as an 附件 section.

    Run after the page's own clauses are made.  ``html``: the page's decoded
    text (read from ``source`` when the notice is an HTML page and it is None).
    Returns warnings naming a held file that cannot be read; the page is
    published with that attachment offered as its original file only.
    ``runner``: as ``read.read_file``'s, for DOC/WPS files and OCR (the build passes it)."""
    source = Path(source)
    if html is None and notice.format == "html":
        try:
            html = decode(source.read_bytes(), source)[0]
        except (SourceError, OSError):
            html = None
    links = link_entries(html) if html else []
    entries = attachment_list(None, notice.body.split("\n"), links)
    lmap = notice.line_map
    entries = [replace(e, line=lmap[e.line - 1]) if e.source != "link" and e.line and 0 < e.line <= len(lmap) else e
               for e in entries]  # body line -> source line, as every other line of the record
    files = held_files(source)
    probs: list[Problem] = []
    curated = sidecar_attachments(source)
    names = {f.name for f in files}
    for item in curated:
        if item["file"] not in names:
            probs.append(Problem(str(source.with_suffix(".yml")), None, "warning",
                                 f"sidecar 的 attachments 列出附件{item['number']}的文件 {item['file']}，"
                                 f"但 {files_dir(source).name}/ 中没有此文件"))
    mapping = match_files(entries, files, {x["file"]: x["number"] for x in curated}, runner=runner) if files else {}
    by_num = {e.number: e for e in entries}
    for item in curated:  # a curated title replaces the printed one
        if isinstance(item.get("title"), str) and item["number"] in by_num:
            by_num[item["number"]] = replace(by_num[item["number"]], title=item["title"])
    for name, num in mapping.items():
        if num not in by_num:
            by_num[num] = Attachment(num, Path(name).stem, source="file")
    printed = {c.id for c in notice.clauses if c.kind == "attachment"}
    rel_dir = files_dir(source).name
    body, clauses = notice.body, list(notice.clauses)
    for num in sorted(by_num):
        e = by_num[num]
        own = part("attachment", num)  # att1: the section of attachment 1 (clauseids)
        held = next((f for f in files if mapping.get(f.name) == num), None)
        if held is None:
            by_num[num] = replace(e, status="正文已载" if own in printed else "未收录", section=own if own in printed else None)
            continue
        e = replace(e, held=f"{rel_dir}/{held.name}", path=str(held.resolve()))
        if own in printed:
            by_num[num] = replace(e, status="正文已载", section=own)
            continue
        try:
            limit = size_limit(held) or MAX_TEXT_BYTES  # office files: their own bounds (office.py); text as a source
            if held.stat().st_size > limit:
                raise SourceError(held, f"附件文件过大（{held.stat().st_size / 1048576:.1f} MB，上限 {limit / 1048576:.0f} MB）")
            raw = read_file(held, runner=runner)
        except SourceError as err:
            probs.append(Problem(str(held), err.line, "warning", f"附件{num}无法读取，页面只提供原件下载：{err.message}"))
            by_num[num] = replace(e, status="无法读取：" + err.message)
            continue
        except Exception as err:  # a reader bug must not stop the page
            probs.append(Problem(str(held), None, "warning", f"附件{num}读取出错（{type(err).__name__}），页面只提供原件下载"))
            by_num[num] = replace(e, status="无法读取")
            continue
        if len(raw.body.encode("utf-8")) > MAX_TEXT_BYTES:
            probs.append(Problem(str(held), None, "warning", f"附件{num}正文过长（{len(raw.body.encode('utf-8')) / 1e6:.1f} MB，"
                                                              f"上限 {MAX_TEXT_BYTES / 1e6:.0f} MB），页面只提供原件下载"))
            by_num[num] = replace(e, status="无法读取：正文过长")
            continue
        title = e.title if not _GENERIC.match(title_key(e.title)) else _own_title(raw) or held.stem
        heading = f"附件{num}：{title}"
        att_body = raw.body
        lead, rest = _own_label(att_body)
        res = parse_structure(rest, "notice", title)
        if conservation_error(rest, res.clauses) is not None:
            probs.append(Problem(str(held), None, "warning", f"附件{num}的条款切分未能还原全文，页面只提供原件下载"))
            by_num[num] = replace(e, status="无法切分")
            continue
        probs += [Problem(str(held), None, "warning", f"附件{num}" + (f"正文第{line + len(lead)}行" if line else "") + f"：{msg}")
                  for line, msg in res.warnings]  # lines of the text read, not of the file's bytes
        for c in res.clauses:
            _prefix(c, num)
        clauses.append(Clause(own, f"附件{num}", 1, "attachment", "\n".join([heading] + lead), num, None, res.clauses))
        body = body + "\n" + heading + "\n" + att_body
        by_num[num] = replace(e, title=title, status="已收录", section=own)  # a button text gives way to the file's own title
    notice.body, notice.clauses = body, clauses
    notice.attachments = [by_num[k] for k in sorted(by_num)]
    _account_stripped(notice, links)
    return probs


def _account_stripped(notice: Notice, links: list[_Entry]) -> None:
    """Stripped lines that are an attachment's link say so: the same source
    line as the link, holding its text (they are in the list, not lost)."""
    number = {e.file_name: e.number for e in notice.attachments if e.file_name}
    at: dict[int, list[_Entry]] = {}
    for link in links:
        if link.line and link.file_name in number:
            at.setdefault(link.line, []).append(link)
    for s in notice.stripped:
        k = title_key(s.text)
        near = [x for d in range(4) for x in at.get(s.line - d, [])]  # an <a> whose text starts a few lines below it
        link = next((x for x in near if k and (title_key(x.title) in k or title_key(x.file_name) in k)), None)
        if link is not None and not s.reason.startswith("附件"):
            s.reason = f"附件{number[link.file_name]}的链接（已记入附件列表）；{s.reason}"
