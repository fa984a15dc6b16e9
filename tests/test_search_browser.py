"""Browser search finds exactly what the text says (issue 15), in real Chromium.

Two real builds (``pipeline.build_site``, the command-line index beside):

* the archive's own ``source_texts/`` with Material's search (from file://);
* seeds + govcn2019 + provincial + 12 lawrefbook files that speak of 惩罚性赔偿
  (86 documents) forced to Pagefind (over http).

Expected sets are the clauses whose normalised text holds the query,
computed from the CLI index's records by plain substring search
(``bench_search.truth``), so every assertion can fail.
"""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from benchmarks.bench_search import Query, build, index_records, topical_laws, truth
from build_tools.pipeline import source_files
from build_tools.serve import background_server as serve_site
from build_tools.write.search_pages import spaced, theme_name_map

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
HREF = re.compile(r"notices/([^/?#]+)\.html#(.+)$")
HREF_PAGE = re.compile(r"notices/([^/?#]+)\.html")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    b = build(tmp_path_factory.mktemp("small"), source_files(ROOT / "source_texts"), None)
    assert b["mode"] == "material"
    b["records"] = index_records(b["paths"].index)
    return b


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    files = (source_files(ROOT / "source_texts") + sorted((CORPUS / "govcn2019").glob("*.html"))
             + sorted((CORPUS / "provincial").glob("*.html")) + topical_laws("惩罚性赔偿", 12))
    b = build(tmp_path_factory.mktemp("large"), files, "pagefind")
    assert b["mode"] == "pagefind" and b["documents"] >= 80
    b["records"] = index_records(b["paths"].index)
    return b


@pytest.fixture()
def page(page):
    """conftest's page, which must end without script errors."""
    yield page
    # Material's own search worker (hidden behind our list) rejects a message
    # it does not know on these builds; not raised by pagefind-search.js
    errors = [e for e in page.errors if "Invalid message type" not in e]
    assert not errors, errors


@pytest.fixture(scope="module")
def server(large):
    httpd, base = serve_site(large["paths"].site)
    yield base
    httpd.shutdown()
    httpd.server_close()


def _pairs(hrefs) -> list[tuple[str, str]]:
    return [HREF.search(h).groups() for h in hrefs if HREF.search(h or "")]


def _idle(pg, results: str):
    pg.wait_for_timeout(150)
    pg.wait_for_selector(f"{results}[data-state='idle']", state="attached", timeout=60_000)


def material_search(pg, small, q: str) -> list[tuple[str, str]]:
    """Type ``q`` into Material's box (file://), reveal every hit."""
    pg.goto((small["paths"].site / "index.html").resolve().as_uri())
    box = pg.locator("input.md-search__input")
    box.click()
    box.press_sequentially(q, delay=20)
    _idle(pg, "ol.ipa-results")
    while pg.locator("button.ipa-more").is_visible():
        pg.locator("button.ipa-more").click()
        _idle(pg, "ol.ipa-results")
    return _pairs(pg.locator("ol.ipa-results a.md-search-result__link").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"))


def pagefind_search(pg, base: str, q: str, filters: dict | None = None) -> list[tuple[str, str]]:
    """Type ``q`` into the Pagefind box (http), 加载更多 and 该文件另有 until all show."""
    pg.goto(f"{base}/index.html")
    pg.locator("input.ipa-search__input").fill(q)
    _idle(pg, ".ipa-search__results")
    if filters:  # picked in the open panel, one after the other
        pg.wait_for_selector(".ipa-search__filters[data-ready='1']", state="attached", timeout=60_000)
        for name, value in filters.items():
            pg.locator(f"select.ipa-search__filter[name='{name}']").select_option(value)
            _idle(pg, ".ipa-search__results")
    while pg.locator(".ipa-search__more").is_visible():
        pg.locator(".ipa-search__more").click()
        _idle(pg, ".ipa-search__results")
    pg.evaluate("() => document.querySelectorAll('.ipa-hit__rest').forEach(b => b.click())")
    return _pairs(pg.locator(".ipa-search__results a.ipa-hit__clause").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"))


# ------------------------------------------------------------------ no browser


def test_spaced_pages_give_pagefind_one_word_per_character():
    """search_pages.spaced: Han characters and marks alone, letter and digit runs whole."""
    assert spaced("加强“三合一”审判") == "加 强 “ 三 合 一 ” 审 判"
    assert spaced("GB/T7714，到2025年PCT") == "GB / T 7714 ， 到 2025 年 PCT"
    assert spaced("（三）①项") == "（ 三 ） ① 项"


def test_pagefind_locations_count_the_words_the_browser_sees(large):
    """For every page of the 86-document archive, Pagefind's word count (the
    basis of its anchor locations) equals the space-separated words of the
    text it hands the browser (a closing "." kept on its word) -- what
    pagefind-search.js relies on to cut a clause out of the page."""
    titles = {r.doc_id: r for r in large["records"] if r.kind == "title"}
    # every shard's fragments (site/pagefind/fragment/, site/pagefind/s<k>/fragment/)
    frags = sorted((large["paths"].site / "pagefind").glob("**/fragment/*.pf_fragment"))
    assert len(frags) == large["documents"]
    for f in frags:
        d = json.loads(gzip.decompress(f.read_bytes())[12:])
        words = [w for w in re.split(r"\s+", d["content"]) if w]
        assert "\u200b" not in d["content"], d["url"]  # nothing segmented again (indexed as "und")
        assert d["word_count"] == len(words), d["url"]
        # its filters say what the CLI's flags test: region chain, year, type, status
        doc = titles[HREF_PAGE.search(d["url"]).group(1)]
        fl = d["filters"]
        assert set(fl.get("region", [])) <= set(doc.region) | {"全国"} and fl.get("region"), d["url"]
        assert fl.get("year", []) == ([str(doc.year)] if doc.year is not None else [])
        assert fl.get("type", []) == ([doc.doc_type] if doc.doc_type else [])
        assert fl.get("status", []) == ([doc.status] if doc.status else [])


# ------------------------------------------------------------------ Material (small archive)


def test_sanhe_yi_matches_the_word_not_its_characters(small, page):
    """三合一 on the seeds: exactly the 2 clauses holding it (Kunming 二（三）,
    Yunnan 解读 二、第二，二是), none of the 三是/（三） clauses lunr used to
    rank first; every highlight is 三合一; the label shows once."""
    got = material_search(page, small, "三合一")
    want = truth(small["records"], Query("三合一", "word"))
    assert len(want) == 2 and set(got) == want and len(got) == 2
    assert ("kunming-2022-4dd4de", "s2-3") in got
    marks = page.locator("ol.ipa-results mark").all_inner_texts()
    assert marks and set(marks) == {"三合一"}
    for item in page.locator("ol.ipa-results li").all():
        label = item.locator(".ipa-hit__label").inner_text()
        assert label and item.inner_text().count(label) == 1, item.inner_text()
    assert "共 2 条条款" in page.locator(".ipa-meta").inner_text()


@pytest.mark.parametrize("q", ["惩罚性赔偿", "地理标志", "专利", "税", '"营商环境"'])
def test_small_archive_reaches_every_clause_and_only_documents(small, page, q):
    """Every clause holding the query is reachable (显示更多), nothing else is
    listed, help pages (检索结果的 JSON 格式) never rank; a multi-character
    query never highlights a single character inside another word."""
    got = material_search(page, small, q)
    want = truth(small["records"], Query(q, "word"))
    assert set(got) == want and len(got) == len(want)
    hrefs = page.locator("ol.ipa-results a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert all("/notices/" in h for h in hrefs)
    needle = q.strip('"')
    marks = set(page.locator("ol.ipa-results mark").all_inner_texts())
    assert marks == {needle}
    for text in page.locator("ol.ipa-results .ipa-hit__text").all_inner_texts()[:30]:
        body = text.lstrip("…")
        assert needle in text and (text.startswith("…") or body == text)


# ------------------------------------------------------------------ Pagefind (large archive)


def test_punitive_damages_every_document_reachable_on_pagefind(large, server, page):
    """惩罚性赔偿 on 86 documents (15 hold it): Pagefind's box used to show 8
    documents of 14 with no way on; now every clause of the ground truth is on
    the page after 加载更多 (and 该文件另有), each exactly once, nothing else."""
    want = truth(large["records"], Query("惩罚性赔偿", "word"))
    docs = {d for d, _ in want}
    assert len(docs) > 8  # more documents than the old cap
    got = pagefind_search(page, server, "惩罚性赔偿")
    assert set(got) == want and len(got) == len(want)
    assert ("kunming-2022-4dd4de", "s2-3") in got
    marks = set(page.locator(".ipa-search__results mark").all_inner_texts())
    assert marks == {"惩罚性赔偿"}  # never 性 inside 积极性 or 地方性法规
    labels = page.locator(".ipa-search__results .ipa-hit__item").all_inner_texts()
    for t in labels:
        head, _, snippet = t.partition(" ")
        assert head and not snippet.startswith(head), t  # the label once


def test_single_character_highlight_only_for_a_single_character_query(large, server, page):
    """税 highlights 税 (a one-character query); 专利 never highlights 专 or 利 alone."""
    got = pagefind_search(page, server, "税")
    assert set(got) == truth(large["records"], Query("税", "word"))
    assert set(page.locator(".ipa-search__results mark").all_inner_texts()) == {"税"}
    pagefind_search(page, server, "专利")
    assert set(page.locator(".ipa-search__results mark").all_inner_texts()) == {"专利"}


@pytest.mark.parametrize("q,filters,cli", [
    ("惩罚性赔偿", {"region": "云南省"}, {"region": "云南省"}),
    ("专利", {"year": "2019", "year_to": "2021"}, {"years": (2019, 2021)}),
    ("知识产权", {"region": "江西省", "type": "实施意见"}, {"region": "江西省", "doc_type": "实施意见"}),
])
def test_pagefind_filters_mean_what_the_cli_flags_mean(large, server, page, q, filters, cli):
    """Region (with sub-regions), year range, type: combinable, the CLI's sets."""
    want = truth(large["records"], Query(q, "filtered", cli))
    assert want
    got = pagefind_search(page, server, q, filters)
    assert set(got) == want


def test_theme_filter_keeps_the_clauses_the_cli_keeps(large, server, page):
    """主题 on Pagefind: a clause passes when it or its document has the theme
    (the CLI's --theme), not every clause of a page that mentions the theme
    somewhere.  The case is the theme where the two differ most for 保护."""
    recs = large["records"]
    best = None
    for slug, name in theme_name_map().items():
        want = truth(recs, Query("保护", "filtered", {"theme": name}))
        pages = {r.doc_id for r in recs if slug in r.themes}
        loose = {(r.doc_id, r.clause_id) for r in recs
                 if r.kind == "clause" and r.doc_id in pages and "保护" in r.text.replace("\n", "")}
        if want and (best is None or len(loose) - len(want) > best[0]):
            best = (len(loose) - len(want), name, want)
    assert best and best[0] > 0
    got = pagefind_search(page, server, "保护", {"theme": best[1]})
    assert set(got) == best[2]


def test_pagefind_box_from_file_says_how_to_search(large, page):
    page.goto((large["paths"].site / "index.html").resolve().as_uri())
    page.locator("input.ipa-search__input").fill("专利")
    page.wait_for_timeout(300)
    assert "iparchive serve" in page.locator(".ipa-search__status").inner_text()


def test_first_result_fast_and_small(large, server, browser):
    """A cold page: first clause result within 1 s of typing, < 1 MB fetched
    (a benchmark figure, measured with margin here: 3 s, 1.5 MB)."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    finished = []  # sizes asked for afterwards: no protocol call inside a handler
    pg.on("requestfinished", lambda req: finished.append(req))
    pg.goto(f"{server}/index.html", wait_until="load")
    t0 = pg.evaluate("performance.now()")
    pg.locator("input.ipa-search__input").fill("地理标志")
    pg.wait_for_selector("a.ipa-hit__clause", state="attached", timeout=30_000)
    secs = (pg.evaluate("performance.now()") - t0) / 1000
    sizes = [r.sizes()["responseBodySize"] for r in finished]
    ctx.close()
    assert secs < 3 and sum(sizes) < 1_500_000, (secs, sum(sizes))


@pytest.mark.parametrize("q,anchor", [("专利法第七十一条", "#art-71"), ("国发〔2019〕5号", ".html")])
def test_pagefind_box_puts_a_typed_citation_first(large, server, page, q, anchor):
    """Issue 25 (citation.js): in the Pagefind panel a typed citation shows its article or
    document above the hits; Enter opens it."""
    page.goto(f"{server}/index.html")
    box = page.locator("input.ipa-search__input")
    box.click()
    box.press_sequentially(q, delay=20)
    hit = page.locator(".ipa-search__panel .ipa-cite-hits a.ipa-cite-hit").first
    hit.wait_for(state="visible", timeout=30_000)
    assert page.evaluate("document.querySelector('.ipa-search__panel').firstElementChild.className") == "ipa-cite-hits"
    box.press("Enter")
    page.wait_for_url(f"**/notices/*{anchor}", timeout=30_000)
