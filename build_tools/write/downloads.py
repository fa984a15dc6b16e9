"""Per-document downloads under ``data/notices/`` (linked from each page).

For every document, four files a lawyer can take away:

* ``<id>.txt`` — the normalised text (``Notice.body``, as the clause tree
  reproduces it) under a header with the citation and permanent address;
* ``<id>.md.txt`` — Markdown with every clause id as an anchor
  (``<a id="s2-3"></a>``), so a link ``#s2-3`` works in the copy too; the
  page's link saves it as ``<id>.md`` (MkDocs would render a ``.md`` under
  docs/ as a page, hence the served name);
* ``<id>.json`` — the document's record, the same object as in
  ``data/archive.json`` (``exports.document``);
* ``<id>.docx`` — a Word file (python-docx) opening with the citation block
  (plain citation, permanent address, GB/T 7714-2015 form), then the
  metadata and the text, since memos are written in Word.

The Word file is rebuilt only when its content changes: the digest of its
inputs is kept in the zip comment (python-docx stamps times into the
package, so equal bytes cannot be compared).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

from docx import Document
from docx.shared import Pt

from ..models import Notice
from .common import ThemeIndex, clause_url, region_label, type_family, write_if_changed
from .exports import document
from .xrefs import Citing

DOWNLOAD_DIR = "data/notices"
DOCX_VERSION = "1"  # bump when the Word layout changes
# clause kinds printed as headings in the Word file (一、 sections, 第一章, 标题)
DOCX_HEADINGS = {"heading": 1, "part": 1, "chapter": 1, "section": 2, "subchapter": 2, "attachment": 1}


def download_files(doc_id: str) -> list[tuple[str, str, str]]:
    """(site-relative path, file name to save as, Chinese label) per download."""
    base = f"{DOWNLOAD_DIR}/{doc_id}"
    return [(f"{base}.txt", f"{doc_id}.txt", "纯文本（TXT）"),
            (f"{base}.md.txt", f"{doc_id}.md", "Markdown（含条款编号）"),
            (f"{base}.json", f"{doc_id}.json", "数据记录（JSON）"),
            (f"{base}.docx", f"{doc_id}.docx", "Word 文档（含引用信息）")]


def gbt_citation(n: Notice, url: str, accessed: str) -> str:
    """GB/T 7714-2015 electronic resource: ``机关. 题名[EB/OL]. (日期)[引用日期]. URL.``"""
    who = "，".join(n.issuer) if n.issuer else "佚名"
    s = f"{who}. {n.title}[EB/OL]."
    if n.date_published or n.date:
        s += f" ({n.date_published or n.date})"
    return s + f"[{accessed}]. {url}."


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


def docx_bytes(n: Notice, site_url: str, accessed: str) -> bytes:
    """The Word file: title, 引用信息 block, metadata, text."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(11)
    doc.core_properties.title = n.title
    doc.core_properties.language = "zh-CN"
    doc.add_heading(n.title, level=0)
    url = clause_url(site_url, n.id)
    doc.add_heading("引用信息", level=2)
    for label, value in (("引用", n.citation(None)), ("永久链接", url + ("" if site_url else "（本地副本链接，仅本机可用）")),
                         ("GB/T 7714", gbt_citation(n, url, accessed))):
        p = doc.add_paragraph()
        p.add_run(label + "：").bold = True
        p.add_run(value)
    for line in header_lines(n, site_url)[2:]:
        doc.add_paragraph(line)
    doc.add_heading("正文", level=2)
    for c in n.walk():
        text = c.text.strip()
        if not text:
            continue
        lines = text.split("\n")
        if c.kind in DOCX_HEADINGS:
            doc.add_heading(lines[0], level=min(DOCX_HEADINGS[c.kind] + 2, 9))
            lines = lines[1:]
        for line in lines:
            doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _docx_digest(n: Notice, site_url: str, record: str) -> str:
    return hashlib.sha1(f"{DOCX_VERSION}|{site_url}|{record}".encode()).hexdigest()


def write_docx(path: Path, n: Notice, site_url: str, record: str) -> bool:
    """Write ``path`` unless it already holds this content (zip comment digest)."""
    digest = _docx_digest(n, site_url, record).encode()
    try:
        with zipfile.ZipFile(path) as z:
            if z.comment == digest:
                return False
    except (OSError, zipfile.BadZipFile):
        pass
    data = docx_bytes(n, site_url, dt.date.today().isoformat())
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as z:
        z.comment = digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return True


def write_downloads(notices: list[Notice], docs_dir: Path, site_url: str,
                    cited_by: dict[str, list[Citing]], themes: ThemeIndex) -> list[Path]:
    """Every document's four downloads; returns the paths (all of them)."""
    out: list[Path] = []
    for n in notices:
        paths = [Path(docs_dir) / p for p, _, _ in download_files(n.id)]
        txt, md, js, docx = paths
        record = json.dumps(document(n, site_url, cited_by.get(n.id, []), themes), ensure_ascii=False, indent=1)
        write_if_changed(txt, text_file(n, site_url))
        write_if_changed(md, markdown_file(n, site_url))
        write_if_changed(js, record + "\n")
        write_docx(docx, n, site_url, record)
        out += paths
    return out
