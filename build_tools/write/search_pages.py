"""Minimal HTML pages for Pagefind (large archives), one per document.

Pagefind's time goes into segmenting and indexing the text, not into the
page markup, so it does not need the built site: it indexes these pages,
written straight from the Notices, *while* MkDocs builds (two cores).  Each
page has the document's permanent path (``notices/<id>.html``) and one
heading per clause with the clause's permanent id, so Pagefind's
sub-results link to ``notices/<id>.html#s2-3`` on the real site::

    <html lang="zh"><body data-pagefind-body>
    <h1>题名</h1><p>文号 · 发文机关 · 日期</p>
    <h3 id="s2-3">二（三）</h3><p>条款文字…</p> …
"""
from __future__ import annotations

from pathlib import Path

from ..models import Notice
from .common import esc, write_if_changed


def search_page(n: Notice) -> str:
    meta = " · ".join(x for x in (n.doc_number, "，".join(n.issuer), n.date or "") if x)
    parts = ['<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">',
             f"<title>{esc(n.title)}</title></head><body data-pagefind-body>",
             f'<h1 data-pagefind-meta="title">{esc(n.title)}</h1>']
    if meta:
        parts.append(f"<p>{esc(meta)}</p>")
    for c in n.walk():
        parts.append(f'<h3 id="{esc(c.id)}">{esc(c.label) or esc(c.id)}</h3>')
        parts += [f"<p>{esc(line)}</p>" for line in c.text.split("\n") if line.strip()]
    if not n.clauses and n.body:
        parts += [f"<p>{esc(line)}</p>" for line in n.body.split("\n") if line.strip()]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_search_pages(notices: list[Notice], out: Path) -> list[str]:
    """Write ``out/notices/<id>.html`` for every notice (unchanged files are
    kept) and remove pages of documents no longer in the archive.  Returns
    the paths written."""
    out = Path(out)
    folder = out / "notices"
    folder.mkdir(parents=True, exist_ok=True)
    want = {f"{n.id}.html": n for n in notices}
    for old in folder.glob("*.html"):
        if old.name not in want:
            old.unlink()
    return [f"notices/{name}" for name, n in want.items() if write_if_changed(folder / name, search_page(n))]
