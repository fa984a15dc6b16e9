"""The site as a memo writer meets it (issue 27): ``iparchive serve`` sends
text with its charset, the 404 page's links work from any depth, the Word
download carries bookmarks and links, and a copied clause pastes as a link.

Built once on the archive's own source_texts/ (tests/support/site_build.shared_site,
the real pipeline), served by ``serve.SiteHandler`` (``bench.serve_site``).
"""
from __future__ import annotations

import io
import urllib.request
from pathlib import Path

import pytest

from support.site_build import shared_site

from build_tools.bench import serve_site
from build_tools.write.downloads import download_files

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
        for rel, _, _ in download_files(n.id):
            if rel.endswith(".docx"):
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
                      ("sitemap.xml", "application/xml"), ("data/archive.json", "application/json")):
        h, _ = _get(f"{served}/{rel}", None)
        assert h["Content-Type"] == f"{kind}; charset=utf-8", rel
    h, _ = _get(f"{served}/assets/images/favicon.png", None)
    assert "charset" not in h["Content-Type"]
    assert checked == 6 * len(_real(built))


def test_a_text_download_reads_as_chinese_in_the_browser(built, served, page):
    n = _real(built)[0]
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
