"""Listing pages of bounded size (issue 29): the document list, the region,
year, type and status pages and the timelines in pages of
``LIST_PAGE_SIZE`` entries, page 1 at its old URL; and a document page's
bytes bounded by its clause text.

A real archive (the seeds, the 43 gov.cn pages, 民法典合同编 and a fixed
sample of lawrefbook laws) is written twice, once in one page per listing
and once with a page size of 4 (``IPARCHIVE_LIST_PAGE_SIZE``); the second is
built by MkDocs and link-checked.
"""
from __future__ import annotations

import posixpath
import re
from collections import Counter

import pytest
from lxml import html as lxml_html

from build_tools.pipeline import enrich_stage, staged_paths
from build_tools.publish.site import run_mkdocs
from build_tools.settings import LIST_PAGE_BYTES, LIST_PAGE_ENV, overridden
from build_tools.build.render import write_docs
from build_tools.publish.linkcheck import linkcheck
from build_tools.render.common import page_file, pager, split_pages
from build_tools.render import pages as document_pages, tags
from build_tools.render.tags import region_pages
from conftest import ROOT
from factories import clause, notice
from support.loaders import mixed_notices

SMALL = 4  # entries a page in the paginated build
LISTINGS = re.compile(r"^(notices/index|notices/page/\d+|tags/(region|year|type|status)/.*|tags/cited/(index|page/\d+|ext-[^/]+(/page/\d+)?)|generated/timeline.*"
                      r"|works/(index|page/\d+)|works/validity/.*)\.md$")
# a document's link in a list (raw HTML; the document list links "<id>.html" from notices/)
LINK = re.compile(r'href="(?:\.\./)*(?:notices/)?([^"#/]+)\.html(#[^"]*)?"')
PAGER = re.compile(r'<nav class="pager".*?</nav>')


def _links(md: str) -> list[tuple[str, str]]:
    return LINK.findall(PAGER.sub("", md))


def test_page_files_keep_page_one_at_its_url():
    assert page_file("notices/index.md", 1) == "notices/index.md"
    assert page_file("notices/index.md", 2) == "notices/page/2.md"
    assert page_file("tags/year/2020.md", 3) == "tags/year/2020/page/3.md"
    assert page_file("generated/timeline.md", 2) == "generated/timeline/page/2.md"
    assert split_pages(list(range(9)), 4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]
    assert split_pages([], 4) == [[]]


def _targets(nav: str, here: str) -> dict[str, str]:
    """label -> site path of each link of a pager on page ``here``."""
    return {label: posixpath.normpath(posixpath.join(posixpath.dirname(here), href))
            for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


def test_pager_counts_and_links_in_chinese():
    assert pager("notices/index.md", 1, 1, 3) == []  # one page: no navigation
    nav = "".join(pager("notices/index.md", 2, 7, 25))
    assert "共 25 件，第 2/7 页" in nav and '<strong aria-current="page">第2页</strong>' in nav
    assert _targets(nav, "notices/page/2.html") == {
        "上一页": "notices/index.html", "第1页": "notices/index.html", "第3页": "notices/page/3.html",
        "第4页": "notices/page/4.html", "第7页": "notices/page/7.html", "下一页": "notices/page/3.html"}
    assert nav.count("…") == 1  # pages 5 and 6 behind a gap
    last = "".join(pager("tags/year/2020.md", 7, 7, 25))
    assert '<span class="pager-off">下一页</span>' in last
    assert _targets(last, "tags/year/2020/page/7.html")["第1页"] == "tags/year/2020.html"


def test_documents_without_a_region_go_on_pages_of_their_own_when_many(monkeypatch):
    """The 地区不详 list of tags/region/index: in the index while it fits a
    page, else on tags/region/unknown.html and its pages, every document once."""
    docs = [notice(f"u{i:02d}", date_written=f"2020-01-{i + 1:02d}", clauses=[clause("s1", "一、条款")])
            for i in range(11)] + [notice("k1", region="昆明市", clauses=[clause("s1", "一、条款")])]
    monkeypatch.setenv(LIST_PAGE_ENV, "20")
    whole = region_pages(docs)
    assert "tags/region/unknown.md" not in whole and len(_links(whole["tags/region/index.md"])) == 11
    monkeypatch.setenv(LIST_PAGE_ENV, "4")
    paged = region_pages(docs)
    pages = _pages_of("tags/region/unknown.md", paged)
    assert len(pages) == 3 and _links(paged["tags/region/index.md"]) == []
    assert "[地区不详的文件](../../tags/region/unknown.md)（11 件）" in paged["tags/region/index.md"]
    assert Counter(i for p in pages for i, _ in _links(paged[p])) == Counter(f"u{i:02d}" for i in range(11))
    assert "共 11 件，第 3/3 页" in paged[pages[-1]] and pages[-1] == "tags/region/unknown/page/3.md"


@pytest.fixture(scope="module")
def archive():
    notices = mixed_notices(29, 20)
    _, enr = enrich_stage(notices)
    return notices, enr


@pytest.fixture(scope="module")
def written(archive, tmp_path_factory):
    """docs path -> Markdown of the listings, in one page and in pages of SMALL."""
    notices, enr = archive
    out = {}
    for name, size in (("whole", 10 ** 6), ("paged", SMALL)):
        docs = tmp_path_factory.mktemp(f"docs-{name}")
        # an external document cited from more than 2 documents: its own pages (tags.CITED_INLINE)
        with overridden({LIST_PAGE_ENV: str(size)}), pytest.MonkeyPatch.context() as mp:
            mp.setattr(tags, "CITED_INLINE", 2)
            stats = write_docs(notices, docs, related=enr, search="pagefind")
        out[name] = {f: (docs / f).read_text(encoding="utf-8") for f in stats.files if LISTINGS.match(f)}
    return out


def _entries(page: str, md: str) -> int:
    """Entries of a listing page: documents, works, external documents (a row)
    or, on the pages of an external document cited from many, the citing
    documents (their clauses)."""
    return len(re.findall(r'<div class="doc-clauses"' if page.startswith("tags/cited/ext-") else r"<li[ >]|<tr data-", md))


def _pages_of(first: str, pages: dict[str, str]) -> list[str]:
    out, k = [], 1
    while page_file(first, k) in pages:
        out.append(page_file(first, k))
        k += 1
    return out


def test_every_listing_lists_the_same_documents_across_its_pages(written, archive):
    whole, paged = written["whole"], written["paged"]
    assert len(paged) > len(whole)
    assert any(p.startswith("works/validity/") and "/page/" in p for p in paged)  # validity lists too (772 KB at 1x)
    assert len(_links(whole["tags/cited/index.md"])) > SMALL  # issue 29: the cited list and the work index too
    assert any(re.fullmatch(r"tags/cited/ext-[^/]+\.md", p) for p in paged)  # cited from many: pages of its own
    assert page_file("tags/cited/index.md", 2) in paged and "works/index.md" in paged
    firsts = [p for p in whole if "/page/" not in p]
    covered = set()
    for first in firsts:
        pages = _pages_of(first, paged)
        covered |= set(pages)
        moved = _pages_of("tags/region/unknown.md", paged) if first == "tags/region/index.md" else []
        links = Counter(m for p in pages + moved for m in _links(paged[p]))
        assert links == Counter(_links(whole[first])), first  # every entry once, nothing lost or added
        assert _entries(first, whole[first]) <= SMALL or len(pages) > 1, first
        for k, p in enumerate(pages, 1):
            items = _entries(p, paged[p])
            assert items <= SMALL, (p, items)
            if len(pages) > 1:
                assert f"第 {k}/{len(pages)} 页" in paged[p], p
    # the 地区不详 list of the region index: on pages of its own once longer than a page
    unknown = {n.id for n in archive[0] if n.region is None}
    moved = _pages_of("tags/region/unknown.md", paged)
    assert {i for p in moved for i, _ in _links(paged[p])} == (unknown if len(unknown) > SMALL else set())
    covered |= set(moved)
    assert covered == set(paged)  # no stray page outside a listing's chain
    # the document list reaches every document
    listed = {i for p in _pages_of("notices/index.md", paged) for i, _ in _links(paged[p])}
    assert listed == {n.id for n in archive[0]}


@pytest.fixture(scope="module")
def site(archive, tmp_path_factory):
    notices, enr = archive
    paths = staged_paths(ROOT, tmp_path_factory.mktemp("paged-site"))
    with overridden({LIST_PAGE_ENV: str(SMALL)}), pytest.MonkeyPatch.context() as mp:
        mp.setattr(tags, "CITED_INLINE", 2)  # the "all citing documents" links and pages are link-checked too
        mp.setattr(document_pages, "CITED_BY_SHOWN", 1)  # and a document's 被引用 pages (tags/cited-by/)
        write_docs(notices, paths.docs, related=enr, search="pagefind")
    run_mkdocs(ROOT, paths.site, config=paths.config, search="pagefind")
    return paths.site


def test_paginated_site_links_resolve_and_next_walks_every_page(site, archive):
    assert linkcheck(site) == []
    assert list((site / "tags/cited-by").glob("*.html"))  # made, built and checked
    pages, url = [], site / "notices/index.html"
    while url is not None:
        pages.append(url)
        doc = lxml_html.fromstring(url.read_bytes())
        nxt = doc.xpath('//nav[@class="pager"][1]//a[@rel="next"]/@href')
        url = (url.parent / nxt[0]).resolve() if nxt else None
    assert len(pages) == -(-len(archive[0]) // SMALL) == len(list((site / "notices/page").glob("*.html"))) + 1
    for f in site.rglob("*.html"):
        rel_path = f.relative_to(site).as_posix()
        if not (rel_path.startswith("notices/") and "/page/" not in rel_path and rel_path != "notices/index.html"):
            assert f.stat().st_size <= LIST_PAGE_BYTES, rel_path


def test_document_page_bytes_bounded_by_its_clause_text(site, archive):
    """A document page's bytes <= 3x its clause text (UTF-8) + 60 KB, on every
    document of the archive (民法典合同编: 526 articles)."""
    over = []
    for n in archive[0]:
        text = sum(len((c.text or "").encode()) for c in n.walk()) + len(n.title.encode())
        size = (site / "notices" / f"{n.id}.html").stat().st_size
        if size > 3 * text + 60_000:
            over.append((n.id, size, text))
    assert not over, over
