"""The built site (write_docs + mkdocs build --strict): escaping, anchors,
navigation size, search index, link check.  Shares one build with
test_browser.py (tests/support/site_build.shared_site)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent.parent
from build_tools.permanence.anchors import read_archive  # noqa: E402
from build_tools.publish.linkcheck import linkcheck  # noqa: E402

from support.htmlscan import assert_scans_agree, linkcheck_module, lxml_scan  # noqa: E402
from support.site_build import PROBE_TEXT, shared_site  # noqa: E402

pytestmark = pytest.mark.slow  # one mkdocs build, ~10 s


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return shared_site(tmp_path_factory.getbasetemp() / "site-build")


def _page(site: Path, rel: str):
    return lxml_html.fromstring((site / rel).read_bytes())


def test_strict_build_and_links(built):
    site = built["site"]
    assert (site / "index.html").is_file()
    assert linkcheck(site) == []


def test_lexbor_scan_finds_what_lxml_finds_on_every_page(built):
    assert assert_scans_agree(built["site"]) > 100


def test_scan_reads_the_forms_pages_use():
    data = ("<html><body><div id='a1'>x</div><a name=old>o</a><a href=\"x.html#k\">k</a>"
            "<a href>bare</a><!-- <a href=\"c.html\"> --><script>var s='<a href=\"d.html\">';</script>"
            "<img src=\" p.png \"><p id=\"&#x4e2d;\">中</p><a href=\"q.html?a=1&amp;b=2\">q</a></body></html>").encode()
    ids, urls = linkcheck_module.scan_html(data)
    assert ids == {"a1", "old", "中"}
    assert urls == ("x.html#k", "p.png", "q.html?a=1&b=2")  # comments and script text are not links
    assert (ids, urls) == lxml_scan(data)


def test_linkcheck_finds_broken_links(built, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(built["site"], copy)
    page = next((copy / "notices").glob("*-*.html"))
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", '<a href="nowhere.html">x</a><a href="#no-such-clause">y</a></body>'),
                    encoding="utf-8")
    problems = linkcheck(copy)
    assert any("nowhere.html -> missing file" in p for p in problems)
    assert any("#no-such-clause -> missing anchor" in p for p in problems)


def test_cached_linkcheck_sees_anchors_removed_from_an_unchanged_page_s_target(built, tmp_path):
    """With the cache only changed pages and the pages linking to a page whose
    anchors changed are checked again: the answer is still the cold check's.
    A clause anchor removed from one page breaks the links of the *unchanged*
    pages citing it; a removed file breaks every link to it."""
    copy = tmp_path / "site"
    shutil.copytree(built["site"], copy)
    cache = tmp_path / "linkcheck.marshal"
    assert linkcheck(copy, cache=cache) == [] and linkcheck(copy, cache=cache) == []
    # a clause some other page links to with #anchor
    links = [(p.relative_to(copy).as_posix(), h) for p in sorted((copy / "notices").glob("*.html"))
             for h in _page(copy, p.relative_to(copy).as_posix()).xpath("//a/@href")
             if ".html#" in h and not h.startswith(("http", "#")) and Path(h.split("#")[0]).name != p.name]
    src, href = links[0]
    target = (copy / src).parent / href.split("#")[0]
    anchor = href.split("#")[1]
    html = target.read_text(encoding="utf-8")
    assert f'id="{anchor}"' in html
    target.write_text(html.replace(f'id="{anchor}"', 'id="renamed-anchor"'), encoding="utf-8")
    warm = linkcheck(copy, cache=cache)
    assert sorted(warm) == sorted(linkcheck(copy))  # the cold check
    assert any(p.startswith(f"{src}: {href} -> missing anchor") for p in warm)
    target.unlink()
    gone = linkcheck(copy, cache=cache)
    assert any(p.startswith(f"{src}: {href} -> missing file") for p in gone)
    assert sorted(gone) == sorted(linkcheck(copy))


def test_source_text_is_shown_as_text(built):
    doc = _page(built["site"], "notices/zz-escape-probe.html")
    box = doc.xpath('//*[@id="s1-1"]/following-sibling::*[@class="clause-text"]')[0]
    assert box.text_content() == PROBE_TEXT
    assert not doc.xpath('//script[contains(., "__pwned")]')
    assert not box.xpath(".//*[not(self::p)]")  # no em/strong/code/a/h1 made from the text
    assert not doc.xpath('//a[@href="http://x.invalid"]')
    assert not doc.xpath('//*[@id="x"]')


def test_every_clause_has_its_anchor(built):
    for n in built["notices"]:
        doc = _page(built["site"], f"notices/{n.id}.html")
        ids = set(doc.xpath("//@id"))
        missing = [c.id for c in n.walk() if c.id not in ids]
        assert not missing, (n.id, missing[:5])
        # no positional MkDocs ids like _1 on any heading
        assert not [i for i in doc.xpath("//h1/@id|//h2/@id|//h3/@id|//h4/@id|//h5/@id|//h6/@id")
                    if i.startswith("_")]


def test_redirect_target_exists(built):
    n = built["notices"][0]
    doc = _page(built["site"], f"notices/{n.id}.html")
    assert doc.xpath('//*[@id="old-anchor"]')
    assert "old-anchor" in doc.xpath('//*[@class="notice"]/@data-redirects')[0]


def test_nav_does_not_list_documents(built):
    site = built["site"]
    notices = built["notices"]
    doc = _page(site, f"notices/{notices[0].id}.html")
    nav_links = doc.xpath('//nav[contains(@class,"md-nav--primary")]//a/@href')
    assert 0 < len(nav_links) <= 20
    assert not [h for h in nav_links if any(n.id in h for n in notices)]


def test_search_index_segments_words_and_points_at_clauses(built):
    index = json.loads((built["site"] / "search" / "search_index.json").read_text(encoding="utf-8"))
    texts = [d["text"] for d in index["docs"]]
    assert any("\u200b地理标志\u200b" in t for t in texts)
    assert any("惩罚性赔偿" in t for t in texts)
    locs = [d["location"] for d in index["docs"]]
    clause_locs = [loc for loc in locs if loc.startswith("notices/") and "#" in loc]
    assert len(clause_locs) >= sum(1 for n in built["notices"] for _ in n.walk())
    assert not [loc for loc in locs if loc.startswith("tags/")]  # listings excluded
    assert (built["site"] / "search" / "search_index.js").is_file()  # offline plugin


def test_search_index_carries_chinese_as_utf8(built):
    """mkdocs_hooks.on_post_build: the index a first search downloads has no \\uXXXX escapes,
    in the JSON and in the offline plugin's copy, and still parses to the same documents."""
    raw = (built["site"] / "search" / "search_index.json").read_bytes()
    js = (built["site"] / "search" / "search_index.js").read_bytes()
    docs = raw[raw.index(b'"docs":'):]  # the config's separator regex legitimately spells \\u3000
    assert b"\\u" not in docs and "惩罚性赔偿".encode() in docs
    assert "惩罚性赔偿".encode() in js and js.startswith(b"var __index = ")
    assert json.loads(js[len(b"var __index = "):]) == json.loads(raw)


def test_offline_assets_are_local(built):
    site = built["site"]
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "assets/vendor/iframe-worker/shim.js" in html
    assert "unpkg.com" not in html and "fonts.googleapis.com" not in html
    assert (site / "assets" / "vendor" / "iframe-worker" / "shim.js").is_file()


def test_exports_in_site(built):
    site = built["site"]
    data = read_archive(site / "data")
    assert data["count"] == len(built["notices"])
    assert (site / "data" / "feed.xml").read_bytes().startswith(b"<?xml")


def test_theme_page_has_clauses_from_three_documents(built):
    site = built["site"]
    best = 0
    for page in (site / "tags" / "theme").glob("*.html"):
        if page.name == "index.html":
            continue
        doc = lxml_html.fromstring(page.read_bytes())
        hrefs = doc.xpath('//li[@class="clause-hit"]/a/@href')
        best = max(best, len({h.split("#")[0] for h in hrefs}))
    assert best >= 3


def test_memoised_navigation_renders_every_page_as_without_it(built, tmp_path, monkeypatch):
    """mkdocs_hooks.on_env renders Material's navigation once per folder for
    pages outside the nav: every page of the site is byte for byte the page
    MkDocs renders with the memo off."""
    from build_tools.publish.site import run_mkdocs
    from build_tools.publish.mkdocs_hooks import NAV_MEMO_ENV

    monkeypatch.setenv(NAV_MEMO_ENV, "0")
    plain = tmp_path / "site"
    run_mkdocs(ROOT, plain, config=built["paths"].config, search=built["stats"].search)
    memo = {p.relative_to(built["site"]).as_posix(): p.read_bytes() for p in built["site"].rglob("*.html")}
    fresh = {p.relative_to(plain).as_posix(): p.read_bytes() for p in plain.rglob("*.html")}
    assert set(memo) == set(fresh)
    assert sum(k.startswith("notices/") for k in memo) > 10 and "index.html" in memo
    assert [k for k in memo if memo[k] != fresh[k]] == []
    nav = b'<nav class="md-nav md-nav--primary"'
    # the memo's output is on every page (not the static pages sending old cited addresses on: issue 29)
    assert all(nav in memo[k] for k in memo if k != "404.html" and not (built["docs"] / k).is_file())
