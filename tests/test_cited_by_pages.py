"""A document page's 被引用 list stays bounded (issue 29 point 3): the page
shows the first CITED_BY_SHOWN citing documents and links the whole list,
which has pages of its own (``tags/cited-by/<id>.md``); every clause link the
whole list had stays reachable.

Real records: the archive's mixed sample (seeds, gov.cn pages, 民法典合同编,
20 lawrefbook laws) through the enrich stage; its most cited document (the
反不正当竞争法, cited clause by clause) gets its citing documents ``scale``
times (each again under another id: the copies a 5x archive holds).
"""
from __future__ import annotations

import dataclasses
import html
import posixpath
import re

import pytest

from build_tools.pipeline import enrich_stage
from build_tools.settings import LIST_PAGE_BYTES, LIST_PAGE_ENV, overridden
from build_tools.render.common import ThemeIndex, page_file
from build_tools.render.pages import (CITED_BY_SHOWN, CITED_BY_SHOWN_BYTES, cited_by_items, cited_by_pages,
                                     cited_by_path, render_notice)
from support.loaders import mixed_notices

FRAME = 100_000  # the site's frame around a page's own HTML, generously


@pytest.fixture(scope="module")
def archive():
    notices = mixed_notices(29, 20)
    _, enr = enrich_stage(notices)
    return notices, enr


def _scaled(notices, enr, scale: int):
    """(notices, cited_by, the most cited document) with its citing documents ``scale`` times."""
    top = max(enr.cited_by, key=lambda k: (len({c.source_id for c in enr.cited_by[k]}), k))
    byid = {n.id: n for n in notices}
    more, cites = [], list(enr.cited_by[top])
    for k in range(1, scale):
        for src_id in dict.fromkeys(c.source_id for c in enr.cited_by[top]):
            twin = byid[src_id].with_facts(id=f"{src_id}-x{k}")  # a new record (issue 24: records are frozen)
            more.append(twin)
        cites += [dataclasses.replace(c, source_id=f"{c.source_id}-x{k}") for c in enr.cited_by[top]]
    cited_by = dict(enr.cited_by)
    cited_by[top] = cites
    return notices + more, cited_by, byid[top]


def _page(n, all_notices, cited_by, enr) -> str:
    return render_notice(n, site_url="", notices={m.id: m for m in all_notices}, cited_by=cited_by,
                         external=enr.external, related={}, redirects={}, themes=ThemeIndex([]), enrichment=enr)


def _section(md: str) -> str:
    return md.split("## 被引用 {#sec-cited-by}", 1)[1].split("## 相关文件", 1)[0]


def _links(part: str, page: str, own: str) -> list[str]:
    """Every link of a 被引用 list, as a site path (a bare ``#x``: ``own``'s)."""
    ul = "".join(re.findall(r'<ul class="refs refs--in">.*?</ul>', part, re.S))
    here = posixpath.dirname(page)
    return [own + h if h.startswith("#") else posixpath.normpath(posixpath.join(here, h))
            for h in map(html.unescape, re.findall(r'href="([^"]*)"', ul))]


@pytest.mark.parametrize("scale", [1, 5, 30])
def test_document_page_shows_a_bounded_first_part_and_pages_hold_the_rest(archive, scale):
    notices, enr = archive
    all_notices, cited_by, top = _scaled(*archive, scale)
    own = f"notices/{top.id}.html"
    whole = cited_by_items(top, cited_by[top.id], {m.id: m for m in all_notices}, own)
    assert len(whole) == len({c.source_id for c in enr.cited_by[top.id]}) * scale
    part = _section(_page(top, all_notices, cited_by, enr))
    shown = _links(part, own, own)
    every_link = _links(f'<ul class="refs refs--in">{"".join(whole)}</ul>', own, own)
    assert len(part.encode()) <= CITED_BY_SHOWN_BYTES + 1_000
    assert part.count("<li>") <= CITED_BY_SHOWN
    with overridden({LIST_PAGE_ENV: "7"}):
        pages = cited_by_pages(all_notices, cited_by)
    first = cited_by_path(top.id)[: -len(".html")] + ".md"
    if part.count("<li>") == len(whole):
        assert shown == every_link and first not in pages and "refs-more" not in part
        return
    more = re.search(r'<p class="refs-more"><a href="([^"]+)">全部 (\d+) 件引用本文件的文件</a>', part)
    assert int(more.group(2)) == len(whole)
    assert posixpath.normpath(posixpath.join("notices", more.group(1))) == cited_by_path(top.id)
    got, k = [], 1
    while page_file(first, k) in pages:
        md = pages[page_file(first, k)]
        assert len(md.encode()) + FRAME <= LIST_PAGE_BYTES
        assert 0 < md.count("<li>") <= 7
        got += _links(md, page_file(first, k)[:-3] + ".html", own)
        k += 1
    # every link of the whole list, in its order, once; the page's part is its head
    assert got == every_link
    assert got[:len(shown)] == shown
    assert all(p.startswith("tags/cited-by/") for p in pages)


def test_the_page_does_not_grow_with_its_citations(archive):
    notices, enr = archive
    sizes = []
    for scale in (30, 90):  # both past the first part's bounds
        all_notices, cited_by, top = _scaled(*archive, scale)
        sizes.append(len(_page(top, all_notices, cited_by, enr).encode()))
    assert abs(sizes[1] - sizes[0]) < 200, sizes  # the count in the 全部 N 件 link alone differs
