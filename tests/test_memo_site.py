"""The site as a memo writer meets it (issue 27): ``iparchive serve`` sends
text with its charset, the 404 page's links work from any depth, the Word
download carries bookmarks and links, and a copied clause pastes as a link.

Built once on the archive's own source_texts/ (tests/support/site_build.shared_site,
the real pipeline), served by ``serve.SiteHandler`` (``bench.serve_site``).
"""
from __future__ import annotations

import datetime as dt
import re
import urllib.request
from pathlib import Path

import pytest

from support.site_build import shared_site

from build_tools.publish.serve import background_server as serve_site
from build_tools.render.downloads import written_files

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return shared_site(tmp_path_factory.getbasetemp() / "site-build")


@pytest.fixture(scope="module")
def served(built):
    httpd, base = serve_site(built["site"])
    yield base
    httpd.shutdown()
    httpd.server_close()


def _real(built):
    return [n for n in built["notices"] if n.id != "zz-escape-probe"]


def _get(url: str, enc: str | None):
    req = urllib.request.Request(url, headers={"Accept-Encoding": enc} if enc else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers, r.read()


def test_serve_sends_every_text_download_as_utf8(built, served):
    """Every seed's and law's TXT, Markdown and JSON download, and the site's
    HTML, CSS, JS and XML: ``charset=utf-8`` with and without gzip, and the
    body is the file's bytes (TXT/MD downloads were bare text/plain: mojibake)."""
    import gzip

    site: Path = built["site"]
    checked = 0
    for n in _real(built):
        for rel in dict.fromkeys(written_files(n)):
            if rel.endswith((".docx", ".gz")):  # the record is gzipped (issue 29)
                continue
            for enc in (None, "gzip"):
                h, body = _get(f"{served}/{rel}", enc)
                assert h["Content-Type"].endswith("; charset=utf-8"), (rel, h["Content-Type"])
                if h["Content-Encoding"] == "gzip":
                    body = gzip.decompress(body)
                assert body == (site / rel).read_bytes()
                assert n.title in body.decode("utf-8") or rel.endswith(".json")
                checked += 1
    css = next((site / "assets" / "stylesheets").glob("main.*.min.css")).relative_to(site)
    for rel, kind in (("index.html", "text/html"), (str(css), "text/css"), ("assets/iparchive/site.js", "text/javascript"),
                      ("sitemap.xml", "application/xml")):
        h, _ = _get(f"{served}/{rel}", None)
        assert h["Content-Type"] == f"{kind}; charset=utf-8", rel
    h, _ = _get(f"{served}/assets/images/favicon.png", None)
    assert "charset" not in h["Content-Type"]
    assert checked == 2 * sum(len(written_files(n)) - 1 for n in _real(built))  # all but the record


def test_a_text_download_reads_as_chinese_in_the_browser(built, served, page):
    # a TXT written as a file (the others are made in the browser from the record: issue 29)
    n = next(n for n in _real(built) if (built["site"] / f"data/notices/{n.id}.txt").is_file())
    page.goto(f"{served}/data/notices/{n.id}.txt")
    assert n.title in page.locator("body").inner_text()


@pytest.mark.parametrize("depth", ["notices/no-such.html", "notices/a/b/c/d/no-such.html", "x/y/"])
def test_404_links_lead_to_the_site_root_from_a_deep_path(built, served, page, depth):
    """The 404 page answers a missing path at any depth; its two links go to
    the home page and the document list (they were ``//index.html``: a host)."""
    resp = page.goto(f"{served}/{depth}")
    assert resp.status == 404
    assert page.locator("h1").inner_text() == "404：页面不存在"
    hrefs = page.locator("article a.nf-home, article a.nf-list").evaluate_all("els => els.map(a => a.href)")
    assert hrefs == [f"{served}/index.html", f"{served}/notices/index.html"]
    # the page's own styles load from the root too: Material's stylesheet applied
    assert page.evaluate("getComputedStyle(document.body).getPropertyValue('--md-primary-fg-color')").strip()
    page.locator("article a.nf-list").click()
    page.wait_for_url(f"{served}/notices/index.html")
    assert page.locator("table.doc-table tbody tr").count() == len(built["notices"])
    page.goto(f"{served}/{depth}")
    page.locator("article a.nf-home").click()
    page.wait_for_url(f"{served}/index.html")
    assert page.title()


def _kunming(built):
    n = next(x for x in built["notices"] if x.region and x.region.code == "530100")
    return n, n.clause("s2-3")


_READ_CLIPBOARD = """async () => { const items = await navigator.clipboard.read(); const out = {};
    for (const t of items[0].types) out[t] = await (await items[0].getType(t)).text(); return out; }"""


def _links(html: str) -> list[tuple[str, str]]:
    """(href, text) of every <a> in an HTML fragment (as a word processor reads a paste)."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser  # the link check's parser, for this helper only

    return [(a.attributes.get("href"), a.text()) for a in HTMLParser(html).css("a")]


@pytest.fixture()
def clip_page(page, served):
    """conftest's page, allowed to read and write the clipboard on the served
    site (downloads are accepted by Playwright's default)."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served)
    return page


def test_copy_puts_a_link_beside_the_plain_citation(built, served, clip_page):
    """复制引用 and GB/T 7714 on 昆明 二（三） and on a law's article: the
    clipboard holds text/plain (as before) and text/html whose link's text is
    the citation and whose href is the clause's URL."""
    pg = clip_page
    law = next(x for x in built["notices"] if x.title == "中华人民共和国专利法")
    for n, clause in (_kunming(built), (law, law.clause("art-11"))):
        url = f"{served}/notices/{n.id}.html#{clause.id}"
        pg.goto(url)
        head = pg.locator(f'[id="{clause.id}"]')
        head.hover()
        head.locator('button[data-format="plain"]').click()
        pg.wait_for_function("document.documentElement.dataset.lastCitationHtml !== undefined")
        got = pg.evaluate(_READ_CLIPBOARD)
        assert set(got) >= {"text/plain", "text/html"}, got.keys()
        assert got["text/plain"] == f"{n.citation(clause)} {url}"
        assert _links(got["text/html"]) == [(url, n.citation(clause))]
        head.locator('button[data-format="gbt"]').click()
        pg.wait_for_function("url => document.documentElement.dataset.lastCitationHtml.indexOf(url + '</a>.') > 0", arg=url)
        got = pg.evaluate(_READ_CLIPBOARD)
        named = re.search(r"《(.+?)》", n.citation(clause)).group(1)  # both forms name one document (issue 25)
        assert got["text/plain"].endswith(f"]. {url}.") and named in got["text/plain"]
        assert _links(got["text/html"]) == [(url, url)]
    assert not pg.errors


def test_copy_from_file_url_carries_both_types(built, page):
    """From file:// (no secure context) the copy goes through execCommand's
    copy event, which is given both types."""
    n, clause = _kunming(built)
    page.goto((built["site"] / "notices" / f"{n.id}.html").resolve().as_uri() + f"#{clause.id}")
    page.evaluate("""() => { window.__copied = null; window.addEventListener('copy', e => {
        window.__copied = {plain: e.clipboardData.getData('text/plain'), html: e.clipboardData.getData('text/html')}; }); }""")
    page.locator(f'[id="{clause.id}"] button[data-format="plain"]').click()
    page.wait_for_function("window.__copied !== null")
    got = page.evaluate("window.__copied")
    url = got["plain"].split(" ")[-1]
    assert url.startswith("file://") and url.endswith(f"notices/{n.id}.html#{clause.id}")
    assert _links(got["html"]) == [(url, n.citation(clause))]


def test_excerpts_collect_clauses_across_pages_and_download_one_word_file(built, served, clip_page, tmp_path):
    """「摘录」 on a law's article and on 昆明 二（三）, on two pages: the list
    (localStorage) holds both; 复制全部 copies both as links; 下载 Word gives a
    .docx, made in the browser, that python-docx opens with each citation a
    hyperlink to its clause, the clause texts, and today's creation date."""
    from docx import Document
    from docx.oxml.ns import qn

    pg = clip_page
    law = next(x for x in built["notices"] if x.title == "中华人民共和国专利法")
    picks = [(law, law.clause("art-11")), _kunming(built)]
    for n, clause in picks:
        pg.goto(f"{served}/notices/{n.id}.html")
        button = pg.locator(f'[id="{clause.id}"] button.clause-excerpt')
        button.click()
        assert button.inner_text() == "已摘录"
    toggle = pg.locator(".ipa-excerpts-toggle")
    assert toggle.inner_text() == "摘录（2）"
    pg.reload()  # kept across visits
    toggle.click()
    urls = [f"{served}/notices/{n.id}.html#{c.id}" for n, c in picks]
    cites = [n.citation(c) for n, c in picks]
    assert pg.locator(".ipa-excerpts li a").evaluate_all("els => els.map(a => a.href)") == urls
    pg.locator(".ipa-excerpt-copy").click()
    pg.wait_for_function("document.querySelector('.ipa-excerpt-status').textContent.startsWith('已复制')")
    got = pg.evaluate(_READ_CLIPBOARD)
    assert _links(got["text/html"]) == list(zip(urls, cites))
    assert all(f"{c} {u}" in got["text/plain"] for c, u in zip(cites, urls))
    with pg.expect_download() as info:
        pg.locator(".ipa-excerpt-docx").click()
    assert info.value.suggested_filename.endswith(".docx")
    doc = Document(info.value.path())
    rels = {rid: r.target_ref for rid, r in doc.part.rels.items() if r.is_external}
    heads = [p for p in doc.paragraphs if p.style.name == "heading 2" or p.style.style_id == "Heading2"]
    assert [h.text for h in heads] == cites
    assert [rels[h._p.find(qn("w:hyperlink")).get(qn("r:id"))] for h in heads] == urls
    text = "\n".join(p.text for p in doc.paragraphs)
    for n, c in picks:
        assert c.text.strip().split("\n")[0] in text
    assert doc.core_properties.created.date() >= dt.date.today() - dt.timedelta(days=1)
    # the file is a memo `iparchive memo check` reads: both links (this local server) resolve; ok, or
    # repealed where the document is no longer in force (昆明's plan, 2022—2025年, has ended)
    from build_tools.memo import Archive, check_files

    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    (rep,) = check_files([saved], Archive(built["site"].parent))
    assert rep.error is None and rep.date == dt.date.today().isoformat()
    # each clause twice: its heading and its 永久链接 line
    assert [(c.doc_id, c.clause_id, c.status) for c in rep.citations] == [(n.id, c.id, "repealed" if any(w in (n.validity or "") for w in ("废止", "失效")) else "ok")
                                                                     for n, c in picks for _ in "12"]
    # one removed, then cleared: the toggle goes
    pg.locator(".ipa-excerpt-remove").first.click()
    assert toggle.inner_text() == "摘录（1）"
    pg.locator(".ipa-excerpt-clear").click()
    assert toggle.is_hidden()
    assert not pg.errors
