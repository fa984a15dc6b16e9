"""Real-browser tests: Playwright (Python) driving Debian's Chromium.

The site is built once (tests/support/site_build.shared_site, real pipeline when
present) and opened both from file:// (offline) and over http on 127.0.0.1.
Screenshots go to build/screenshots/ (a notice page and a theme page).
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from support.site_build import shared_site  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("IPARCHIVE_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    return shared_site(tmp_path_factory.getbasetemp() / "site-build")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/install-system-deps.sh (installs chromium, fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(built):
    handler = functools.partial(_QuietHandler, directory=str(built["site"]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()


def _kunming(built):
    """The 昆明市 notice (region code 530100) and a second-level clause of it."""
    n = next(x for x in built["notices"] if x.region and x.region.code == "530100")
    clause = n.clause("s2-3") or next(c for c in n.walk() if c.level >= 2)
    return n, clause


def _file_url(site: Path, rel: str) -> str:
    return (site / rel).resolve().as_uri()


def _check_target(pg, clause_id: str):
    pg.wait_for_function(f"document.getElementById({clause_id!r}) !== null")
    head = pg.locator(f'[id="{clause_id}"]')
    pg.wait_for_function(
        "id => { const c = document.getElementById(id).closest('.clause');"
        " return c && c.classList.contains('is-target'); }", arg=clause_id)
    box = head.bounding_box()
    vh = pg.viewport_size["height"]
    assert box and 0 <= box["y"] < vh, f"clause {clause_id} not scrolled into view: {box}"
    bg = pg.evaluate("id => getComputedStyle(document.getElementById(id).closest('.clause')"
                     ".querySelector(':scope > .clause-text, :scope > .clause-head')).backgroundColor", clause_id)
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent"), bg


def _no_tofu(pg, text: str):
    """Chinese renders with a real CJK font: glyph widths differ from the
    .notdef box and match a known CJK face."""
    fonts = pg.evaluate("async t => { await document.fonts.ready;"
                        " return document.fonts.check('16px \"Noto Sans CJK SC\"', t); }", text)
    assert fonts, "Noto Sans CJK SC not available to the browser (install fonts-noto-cjk)"
    widths = pg.evaluate("""t => { const c = document.createElement('canvas').getContext('2d');
        c.font = '32px "Noto Sans CJK SC", sans-serif'; const a = c.measureText(t).width;
        c.font = '32px "IPArchiveNoSuchFont"'; const b = c.measureText('\\uE000\\uE001').width;
        return [a, b, t.length]; }""", text)
    assert widths[0] > 0 and abs(widths[0] / widths[2] - 32) < 4, widths  # full-width glyphs


def test_notice_offline_anchor_highlight(built, page):
    n, clause = _kunming(built)
    page.goto(_file_url(built["site"], f"notices/{n.id}.html") + f"#{clause.id}")
    _check_target(page, clause.id)
    assert "发文机关" in page.locator("table.meta-card").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "notice.png"))
    _no_tofu(page, n.title[:8])
    assert not page.errors


def test_notice_http_anchor_and_old_anchor_redirect(built, server, page):
    n, clause = _kunming(built)
    page.goto(f"{server}/notices/{n.id}.html#{clause.id}")
    _check_target(page, clause.id)
    first = built["notices"][0]
    target = next(first.walk()).id
    page.goto(f"{server}/notices/{first.id}.html#old-anchor")
    page.wait_for_function(f"location.hash === '#{target}'")
    _check_target(page, target)


def test_copy_citation_http(built, server, browser):
    n, clause = _kunming(built)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/notices/{n.id}.html#{clause.id}")
        head = pg.locator(f'[id="{clause.id}"]')
        head.hover()
        head.locator('button[data-format="plain"]').click()
        text = pg.evaluate("navigator.clipboard.readText()")
        url = f"{server}/notices/{n.id}.html#{clause.id}"
        assert text == f"{n.citation(clause)} {url}"
        head.locator('button[data-format="gbt"]').click()
        gbt = pg.evaluate("navigator.clipboard.readText()")
        assert re.fullmatch(r".+\[EB/OL\]\..*\[\d{4}-\d\d-\d\d\]\. " + re.escape(url) + r"\.", gbt), gbt
        assert n.title in gbt
    finally:
        ctx.close()


def test_copy_citation_offline_fallback(built, page):
    n, clause = _kunming(built)
    page.goto(_file_url(built["site"], f"notices/{n.id}.html") + f"#{clause.id}")
    page.locator(f'[id="{clause.id}"] button[data-format="plain"]').click()
    page.wait_for_function("document.documentElement.dataset.lastCitation !== undefined")
    text = page.evaluate("document.documentElement.dataset.lastCitation")
    assert text.startswith(n.citation(clause)) and text.endswith(f"notices/{n.id}.html#{clause.id}")
    assert text.split(" ")[-1].startswith("file://")
    label = page.locator(f'[id="{clause.id}"] button[data-format="plain"]').inner_text()
    assert label in ("已复制", "复制失败")  # execCommand path ran and reported


def _search(pg, query: str):
    box = pg.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query, delay=30)
    box.press("End")  # Material listens for key events; CJK input sends none
    pg.wait_for_selector("a.md-search-result__link[href*='#']", timeout=20000)
    return pg.locator("a.md-search-result__link[href*='#']")


@pytest.mark.parametrize("mode", ["file", "http"])
@pytest.mark.parametrize("query", ["地理标志", "惩罚性赔偿"])
def test_search_reaches_clause(built, server, page, mode, query):
    start = (_file_url(built["site"], "index.html") if mode == "file" else f"{server}/index.html")
    page.goto(start)
    links = _search(page, query)
    assert links.count() >= 1
    href = links.first.get_attribute("href")
    clause_id = href.split("#", 1)[1]
    doc_id = re.search(r"notices/([^/?#]+)\.html", href).group(1)
    n = next(x for x in built["notices"] if x.id == doc_id)
    c = n.clause(clause_id)
    assert c is not None and query in c.text.replace("\n", "")
    links.first.click()
    page.wait_for_url(re.compile(re.escape(f"{doc_id}.html") + r".*#" + re.escape(clause_id)))
    _check_target(page, clause_id)


def test_theme_page_lists_three_documents(built, page):
    site = built["site"]
    doc_sets = {}
    for p in (site / "tags" / "theme").glob("*.html"):
        if p.name != "index.html":
            page.goto(p.resolve().as_uri())
            hrefs = page.locator("li.clause-hit a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            doc_sets[p.name] = {h.split("#")[0] for h in hrefs}
    name = max(doc_sets, key=lambda k: len(doc_sets[k]))
    assert len(doc_sets[name]) >= 3
    page.goto((site / "tags" / "theme" / name).resolve().as_uri())
    page.locator("li.clause-hit a").first.wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "theme.png"), full_page=False)
    _no_tofu(page, page.locator("h1").first.inner_text()[:4] or "地理标志")
    page.locator("li.clause-hit a").first.click()
    clause_id = page.url.split("#", 1)[1]
    _check_target(page, clause_id)


def test_timeline_filter(built, page):
    page.goto(_file_url(built["site"], "generated/timeline.html"))
    docs = page.locator("li.tl-doc")
    assert docs.count() == len(built["notices"])
    page.select_option("#tl-region", "530000")
    visible = page.locator("li.tl-doc:visible")
    expect = sum(1 for n in built["notices"] if n.region and "530000" in [c for _, c in n.region.chain])
    assert visible.count() == expect
    page.select_option("#tl-region", "")
    assert page.locator("li.tl-doc:visible").count() == len(built["notices"])


def test_reference_link_reaches_cited_clause(built, page):
    """The 2022 judicial interpretation cites 反不正当竞争法第六条 by name; the
    link opens the law's page at that article, scrolled into view."""
    citing = next(n for n in built["notices"] if n.title.startswith("最高人民法院关于适用《中华人民共和国反不正当竞争法》"))
    law = next(n for n in built["notices"] if n.title == "中华人民共和国反不正当竞争法")
    page.goto(_file_url(built["site"], f"notices/{citing.id}.html") + "#art-4")
    link = page.locator('[id="art-4"]').locator("xpath=ancestor::*[contains(@class,'clause')][1]") \
        .locator("a.ref", has_text="反不正当竞争法第六条").first
    link.click()
    page.wait_for_url(re.compile(rf"{law.id}\.html#art-6$"))
    _check_target(page, "art-6")
    assert "有一定影响" in page.locator('[id="art-6"]').locator("xpath=ancestor::*[contains(@class,'clause')][1]").inner_text()
    # and the law's page lists the interpretation's clause under 被引用
    assert page.locator(f'a[href*="{citing.id}.html#art-4"]').count() >= 1


def test_serve_a_downloaded_copy_on_localhost_only(built, tmp_path):
    """`iparchive serve --site DIR` serves a copied site (a reader's download)
    on 127.0.0.1; a directory that is not a built site is refused by name."""
    import shutil
    import subprocess
    import urllib.request

    copy = tmp_path / "下载的文库"
    shutil.copytree(built["site"], copy)
    (copy / "copy-marker.txt").write_text("副本", encoding="utf-8")  # proves this copy is what is served
    n = built["notices"][0]
    proc = subprocess.Popen([sys.executable, "-m", "build_tools.cli", "serve", "--site", str(copy), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line
        html = urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/notices/{n.id}.html", timeout=10).read().decode()
        assert n.title[:10] in html and f'id="{next(n.walk()).id}"' in html
        marker = urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/copy-marker.txt", timeout=10).read()
        assert marker.decode() == "副本"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "build_tools.cli", "serve", "--site", str(tmp_path / "nothing")],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and "nothing" in bad.stderr and "index.html" in bad.stderr
