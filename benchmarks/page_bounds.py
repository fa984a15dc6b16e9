"""Which pages of a built site break issue 29's bounds (a report, not a test):
a listing page (every HTML page but a document's) over ``LIST_PAGE_BYTES``, a
document page (``notices/<id>.html``) over 3x its clause text (UTF-8, with its
title) + 60 KB, the rule of tests/test_pagination.py.

    .venv/bin/python -m benchmarks.page_bounds <site dir> [--top N]

The clause text is read from the page itself (its ``.clause-text`` blocks,
or the body where a document has no clauses), so any built site will do.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lxml import html as lxml_html

from build_tools.settings import LIST_PAGE_BYTES

DOC_SLACK = 60_000


def clause_text_bytes(page: bytes) -> int:
    tree = lxml_html.fromstring(page)
    blocks = tree.xpath('//div[contains(concat(" ", normalize-space(@class), " "), " clause-text ")]')
    title = tree.xpath('//h1[@id="iparchive-title"]')
    return sum(len(b.text_content().encode()) for b in blocks) + sum(len(t.text_content().encode()) for t in title)


def scan(site: Path) -> tuple[list[tuple[int, str]], list[tuple[int, int, str]], int]:
    """(listing pages over the bound, document pages over their rule, pages read)."""
    listings, documents, n = [], [], 0
    for f in sorted(site.rglob("*.html")):
        rel = f.relative_to(site).as_posix()
        if rel.startswith(("assets/", "pagefind/", "search/")):
            continue
        n += 1
        size = f.stat().st_size
        if rel.startswith("notices/") and rel.count("/") == 1 and rel != "notices/index.html":
            if size <= DOC_SLACK:
                continue
            text = clause_text_bytes(f.read_bytes())
            if size > 3 * text + DOC_SLACK:
                documents.append((size, text, rel))
        elif size > LIST_PAGE_BYTES:
            listings.append((size, rel))
    return sorted(listings, reverse=True), sorted(documents, reverse=True), n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="站点中超出页面大小上限的页面（issue 29）")
    ap.add_argument("site", type=Path)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args(argv)
    if not args.site.is_dir():
        print(f"错误：{args.site} 不是目录", file=sys.stderr)
        return 2
    listings, documents, n = scan(args.site)
    print(f"读取 {n} 个页面；列表页上限 {LIST_PAGE_BYTES} 字节，文件页上限 3×条文文字+{DOC_SLACK} 字节")
    print(f"超出上限的列表页：{len(listings)}")
    for size, rel in listings[:args.top]:
        print(f"  {size:>9}  {rel}")
    print(f"超出上限的文件页：{len(documents)}")
    for size, text, rel in documents[:args.top]:
        print(f"  {size:>9}  条文 {text:>8}  上限 {3 * text + DOC_SLACK:>9}  {rel}")
    return 1 if listings or documents else 0


if __name__ == "__main__":
    sys.exit(main())
