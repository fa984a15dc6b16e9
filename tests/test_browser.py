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
import shutil
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from support.site_build import shared_site  # noqa: E402

pytestmark = pytest.mark.browser

SHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    return shared_site(tmp_path_factory.getbasetemp() / "site-build")


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
        # issue 25: a clause of the forwarded plan names the plan in both forms, with its label
        assert f"{n.forwarded.title}{clause.label}[EB/OL]." in gbt and n.forwarded.title in text
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


# ------------------------------------------------------------------ issue 14: a page a lawyer can cite and read

SITE_URL = "https://ipa.example.org/archive"


def _serve(site: Path):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture(scope="session")
def built_url(tmp_path_factory):
    """The seeds built with a public address (IPARCHIVE_SITE_URL, as
    `iparchive build --site-url` sets it), served over http."""
    from build_tools.siteurl import SITE_URL_ENV
    from support.loaders import real_notices
    from support.site_build import build

    notices, _ = real_notices()
    old = os.environ.get(SITE_URL_ENV)
    os.environ[SITE_URL_ENV] = SITE_URL + "/"
    try:
        res = build(tmp_path_factory.getbasetemp() / "site-url-build", notices)
    finally:
        os.environ.pop(SITE_URL_ENV) if old is None else os.environ.__setitem__(SITE_URL_ENV, old)
    res["notices"] = notices
    httpd, res["http"] = _serve(res["site"])
    yield res
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def big(tmp_path_factory):
    """A 150-document archive: the seeds, the 43 gov.cn pages, 民法典合同编
    (526 articles) and lawrefbook laws (a fixed sample) through the real
    pipeline; Material search left out (Pagefind mode, index not built:
    these tests do not search)."""
    from build_tools.pipeline import enrich_stage, staged_paths
    from build_tools.publish.site import run_mkdocs
    from build_tools.build.render import write_docs
    from support.loaders import mixed_notices

    notices = mixed_notices(14, 100)[:150]
    _, enr = enrich_stage(notices)
    work = tmp_path_factory.getbasetemp() / "big-build"
    paths = staged_paths(ROOT, work)
    write_docs(notices, paths.docs, related=enr, search="pagefind")
    run_mkdocs(ROOT, paths.site, config=paths.config, search="pagefind")
    return {"site": paths.site, "notices": notices}


def _today(pg) -> str:
    return pg.evaluate("(() => { const d = new Date(); const p = n => (n < 10 ? '0' : '') + n;"
                       " return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()); })()")


def test_copied_citation_uses_the_configured_site_url(built_url, browser):
    """Exact clipboard text, plain and GB/T 7714, with the public address;
    the page carries <link rel=canonical> and no local-copy warning."""
    from build_tools.render.pages import gbt_prefix

    n, clause = _kunming(built_url)
    url = f"{SITE_URL}/notices/{n.id}.html#{clause.id}"
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=built_url["http"])
    pg = ctx.new_page()
    try:
        pg.goto(f"{built_url['http']}/notices/{n.id}.html#{clause.id}")
        head = pg.locator(f'[id="{clause.id}"]')
        head.hover()
        head.locator('button[data-format="plain"]').click()
        assert pg.evaluate("navigator.clipboard.readText()") == f"{n.citation(clause)} {url}"
        toast = pg.locator(".ipa-toast")
        assert "已复制引用" in toast.inner_text() and "本地副本" not in toast.inner_text()
        head.locator('button[data-format="gbt"]').click()
        assert pg.evaluate("navigator.clipboard.readText()") == f"{gbt_prefix(n, clause)}[{_today(pg)}]. {url}."
        canonical = pg.locator('link[rel="canonical"]').get_attribute("href")
        assert canonical == f"{SITE_URL}/notices/{n.id}.html"
    finally:
        ctx.close()
    # the downloaded copy opened from disk still copies the public address
    pg = browser.new_page()
    try:
        pg.goto(_file_url(built_url["site"], f"notices/{n.id}.html") + f"#{clause.id}")
        pg.locator(f'[id="{clause.id}"] button[data-format="plain"]').click()
        pg.wait_for_function("document.documentElement.dataset.lastCitation !== undefined")
        assert pg.evaluate("document.documentElement.dataset.lastCitation") == f"{n.citation(clause)} {url}"
    finally:
        pg.close()


def test_local_copy_warning_without_site_url(built, page):
    n, clause = _kunming(built)
    page.goto(_file_url(built["site"], f"notices/{n.id}.html") + f"#{clause.id}")
    page.locator(f'[id="{clause.id}"] button[data-format="plain"]').click()
    toast = page.locator(".ipa-toast")
    toast.wait_for()
    local = _file_url(built["site"], f"notices/{n.id}.html") + f"#{clause.id}"
    assert toast.inner_text() == f"已复制引用。本地副本链接，仅本机可用：{local}"
    assert page.evaluate("document.documentElement.dataset.lastCitation") == f"{n.citation(clause)} {local}"
    assert page.locator('link[rel="canonical"]').count() == 0


def test_outline_of_a_notice_and_a_law(built, page):
    """Kunming: 一、 / （一） entries link to their clauses; 专利法: 8 chapters,
    a chapter's articles behind its disclosure, each link landing on it."""
    n, _ = _kunming(built)
    page.goto(_file_url(built["site"], f"notices/{n.id}.html"))
    outline = page.locator("nav#outline")
    assert outline.locator("details.outline-box[open]").count() == 1  # short: shown expanded
    hrefs = outline.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert {"#s1", "#s2", "#s2-3", "#s4-3"} <= set(hrefs)
    assert all(page.locator(f'[id="{h[1:]}"]').count() == 1 for h in hrefs)
    outline.locator('a[href="#s2-3"]').click()
    _check_target(page, "s2-3")
    law = next(x for x in built["notices"] if x.title == "中华人民共和国专利法")
    page.goto(_file_url(built["site"], f"notices/{law.id}.html"))
    outline = page.locator("nav#outline")
    assert outline.locator("summary").first.inner_text() == "目录（82 条）"
    chapters = outline.locator(".outline-box > .outline-list > li > a")
    assert chapters.count() == 8 and chapters.nth(6).inner_text() == "第七章 专利权的保护"
    art = outline.locator('a[href="#art-71"]')
    assert not art.is_visible()
    outline.locator(".outline-sub summary", has_text="第六十四条至第八十条").click()
    art.click()
    _check_target(page, "art-71")
    assert not page.errors


def test_long_law_outline_is_collapsed_and_lazy(big, page):
    """民法典合同编 (526 articles): the outline starts closed, a chapter lists
    its articles only when opened, and they link."""
    law = next(x for x in big["notices"] if x.source_file.endswith("合同编.md"))
    articles = [c for c in law.walk() if c.kind == "article"]
    assert len(articles) == 526
    page.goto(_file_url(big["site"], f"notices/{law.id}.html"))
    box = page.locator("nav#outline details.outline-box")
    assert box.get_attribute("open") is None
    assert page.locator("nav#outline a[href^='#art-']").count() == 0  # not in the page until opened
    box.locator("summary").first.click()
    parts = box.locator(":scope > .outline-list > li")
    assert parts.count() == 3 and parts.first.locator("a").first.inner_text().startswith("第一分编")
    parts.first.locator(":scope > details > summary").click()  # 第一分编 通则: its 章
    lazy = page.locator("nav#outline details[data-lazy]").first
    lazy.locator("summary").click()
    links = lazy.locator("a")
    assert links.count() >= 2
    first = links.first.get_attribute("href")
    links.first.click()
    _check_target(page, first[1:])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "law-long-outline.png"))
    assert not page.errors


def test_print_has_no_buttons_keeps_labels_and_prints_the_address(built_url, page):
    n, clause = _kunming(built_url)
    page.goto(_file_url(built_url["site"], f"notices/{n.id}.html"))
    page.emulate_media(media="print")
    assert page.locator("button:visible").count() == 0
    assert not page.locator(".md-header").is_visible() and not page.locator(".md-sidebar--primary").is_visible()
    assert not page.locator("nav#outline").is_visible() and not page.locator("p.downloads").is_visible()
    label = page.locator(f'[id="{clause.id}"] .clause-label')
    assert label.is_visible() and label.inner_text() == clause.label
    footer = page.locator(".print-footer")
    assert footer.is_visible()
    assert footer.inner_text() == f"本页永久地址：{SITE_URL}/notices/{n.id}.html　获取日期：{_today(page)}"
    page.emulate_media(media="screen")
    assert not footer.is_visible() and page.locator("button.clause-copy").first.is_visible()


def test_each_download(built, server, browser):
    """TXT, Markdown with clause ids, the JSON record and the Word file, over http."""
    import json as json_mod

    from docx import Document

    n, clause = _kunming(built)
    ctx = browser.new_context(accept_downloads=True)
    pg = ctx.new_page()
    got = {}
    try:
        pg.goto(f"{server}/notices/{n.id}.html")
        links = pg.locator("p.downloads a.download")
        assert links.count() == 4
        for i in range(4):
            with pg.expect_download() as info:
                links.nth(i).click()
            d = info.value
            got[d.suggested_filename] = Path(d.path()).read_bytes()
    finally:
        ctx.close()
    assert sorted(got) == sorted(f"{n.id}.{ext}" for ext in ("txt", "md", "json", "docx"))
    txt = got[f"{n.id}.txt"].decode("utf-8")
    assert txt.startswith(n.title + "\n") and n.body.strip() in txt and f"引用：{n.citation(None)}" in txt
    md = got[f"{n.id}.md"].decode("utf-8")
    assert all(f'<a id="{c.id}"></a>' in md for c in n.walk())
    record = json_mod.loads(got[f"{n.id}.json"])
    assert record["id"] == n.id and record["citation"] == n.citation(None)
    doc = Document(__import__("io").BytesIO(got[f"{n.id}.docx"]))
    paras = [p.text for p in doc.paragraphs]
    assert paras[0] == n.title and f"引用：{n.citation(None)}" in paras
    assert any(p.startswith("GB/T 7714：") and "[EB/OL]" in p for p in paras)
    assert clause.text.split("\n")[0] in "\n".join(paras)


def test_chinese_404_page(built, page):
    page.goto(_file_url(built["site"], "404.html"))
    assert page.locator("h1").inner_text() == "404：页面不存在"
    assert page.locator("html").get_attribute("lang") == "zh"
    assert "Not found" not in page.content()


def test_missing_clause_anchor_says_so_and_links_the_outline(built, page):
    n, _ = _kunming(built)
    page.goto(_file_url(built["site"], f"notices/{n.id}.html") + "#s9-9")
    note = page.locator(".anchor-missing")
    note.wait_for()
    assert note.inner_text().startswith("本文件没有条款 #s9-9。")
    note.locator('a[href="#outline"]').click()
    assert page.locator("nav#outline details.outline-box").get_attribute("open") is not None
    assert page.locator(".anchor-missing").count() == 0  # a valid target clears it
    page.goto(_file_url(built["site"], f"notices/{n.id}.html") + "#s2-3")
    _check_target(page, "s2-3")
    assert page.locator(".anchor-missing").count() == 0


def _no_horizontal_scroll(pg):
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width


def test_mobile_targets_and_document_list(built, browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    pg = ctx.new_page()
    try:
        pg.goto(_file_url(built["site"], "generated/targets.html"))
        rows = pg.locator("table.targets tbody tr")
        assert rows.count() == sum(len(n.targets) for n in built["notices"]) > 0
        _no_horizontal_scroll(pg)
        cell = rows.first.locator("td").first
        assert pg.evaluate("el => getComputedStyle(el, '::before').content", cell.element_handle()) == '"地区："'
        assert rows.first.bounding_box()["width"] <= 390
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / "mobile-targets.png"))
        pg.goto(_file_url(built["site"], "notices/index.html"))
        _no_horizontal_scroll(pg)
        assert pg.locator("table.doc-table tbody tr").first.bounding_box()["width"] <= 390
        pg.screenshot(path=str(SHOTS / "mobile-list.png"))
    finally:
        ctx.close()


def test_filter_and_sort_the_document_list(built, page):
    notices = [n for n in built["notices"]]
    page.goto(_file_url(built["site"], "notices/index.html"))
    rows = page.locator("table.doc-table tbody tr")
    assert rows.count() == len(notices)
    visible = page.locator("table.doc-table tbody tr:visible")
    page.select_option('select[data-key="regions"]', "530000")
    assert visible.count() == sum(1 for n in notices if n.region and "530000" in [c for _, c in n.region.chain]) == 3
    assert page.locator(".doc-count").inner_text() == f"显示 3 / {len(notices)} 件"
    page.select_option('select[data-key="year"]', "2022")
    assert visible.count() == 1 and "昆明市" in visible.first.inner_text()
    page.select_option('select[data-key="regions"]', "")
    page.select_option('select[data-key="year"]', "")
    page.select_option('select[data-key="status"]', "zheng-qiu-yi-jian-gao")
    assert visible.count() == 1 and "征求意见稿" in visible.first.inner_text()
    page.select_option('select[data-key="status"]', "")
    page.select_option('select[data-key="type"]', "fa")
    assert visible.count() == sum(1 for n in notices if n.doc_type == "法") == 4
    page.select_option('select[data-key="type"]', "")
    page.select_option('select[name="sort"]', "asc")
    dates = rows.evaluate_all("els => els.map(e => e.dataset.date)")
    dated = [d for d in dates if d]
    assert dated == sorted(dated) and dates[0] == min(dated)
    page.click("#doc-filter button[type=reset]")
    page.wait_for_function(f"document.querySelectorAll('table.doc-table tbody tr:not([hidden])').length === {len(notices)}")
    assert not page.errors


def test_screenshots_law_page_and_150_document_home(built, big, page):
    law = next(x for x in built["notices"] if x.title == "中华人民共和国专利法")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(_file_url(built["site"], f"notices/{law.id}.html"))
    page.screenshot(path=str(SHOTS / "law.png"))
    assert len(big["notices"]) == 150
    page.goto(_file_url(big["site"], "index.html"))
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=str(SHOTS / "home-150.png"), full_page=True)
    assert height < 2600, height  # was 4,459 px of count tables
    boxes = page.locator(".holdings section.holding")
    assert boxes.count() == 3
    for i in range(3):
        assert boxes.nth(i).locator("li").count() <= 8
        assert boxes.nth(i).locator("a.more").count() == 1
    first = boxes.first.locator("li a").first
    first.click()
    assert re.search(r"tags/region/\d{6}\.html$", page.url)


def test_serve_answers_missing_paths_with_the_chinese_404(built):
    import subprocess
    import urllib.error
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "build_tools.cli", "serve", "--site", str(built["site"]),
                             "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline()).group(1)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/notices/no-such-document.html", timeout=10)
        assert err.value.code == 404
        assert "404：页面不存在" in err.value.read().decode("utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_site_built_for_a_sub_path_passes_the_link_check(built_url):
    """site_url https://ipa.example.org/archive/: canonical links, sitemap and
    the 404 page's root-relative /archive/… links all resolve."""
    from build_tools.publish.linkcheck import linkcheck, site_url_of

    site = built_url["site"]
    assert site_url_of(site) == SITE_URL
    assert linkcheck(site) == []
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert all(f"<loc>{SITE_URL}/notices/{n.id}.html</loc>" in sitemap for n in built_url["notices"])
    assert 'href="/archive/index.html"' in (site / "404.html").read_text(encoding="utf-8")


def test_serve_sends_text_gzipped_to_browsers_that_accept_it(built, tmp_path):
    """serve.SiteHandler (``iparchive serve``, and the bench's browser
    measure): HTML, CSS and JS gzipped when the client accepts gzip, the same
    bytes once unzipped; images, clients without gzip and missing paths as
    before; a file changed on disk is sent anew."""
    import gzip
    import urllib.error
    import urllib.request

    from build_tools.publish.serve import background_server as serve_site

    site = tmp_path / "site"
    shutil.copytree(built["site"], site)
    httpd, base = serve_site(site)  # serve.SiteHandler, quiet

    def get(path, enc="gzip, deflate, br", method="GET"):
        req = urllib.request.Request(base + path, headers={"Accept-Encoding": enc} if enc else {}, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.headers, r.read()

    try:
        css = next((site / "assets" / "stylesheets").glob("main.*.min.css"))
        for rel in ("/index.html", "/notices/", f"/assets/stylesheets/{css.name}", "/assets/iparchive/site.js"):
            want = (site / rel.lstrip("/") / ("index.html" if rel.endswith("/") else "")).read_bytes()
            h, body = get(rel)
            assert h["Content-Encoding"] == "gzip" and "Accept-Encoding" in h["Vary"], rel
            assert gzip.decompress(body) == want and len(body) < len(want) / 2, rel
            h, body = get(rel, enc=None)
            assert h["Content-Encoding"] is None and body == want, rel
            assert get(rel, enc="gzip;q=0")[0]["Content-Encoding"] is None
        h, body = get("/index.html", method="HEAD")
        assert h["Content-Encoding"] == "gzip" and body == b"" and int(h["Content-Length"]) > 0
        h, body = get("/assets/images/favicon.png")
        assert h["Content-Encoding"] is None and body == (site / "assets/images/favicon.png").read_bytes()
        with pytest.raises(urllib.error.HTTPError) as err:
            get("/notices/no-such-document.html")
        assert err.value.code == 404 and "404：页面不存在" in err.value.read().decode("utf-8")
        page = site / "about.html"
        page.write_bytes(page.read_bytes().replace(b"</body>", b"<p>changed</p></body>"))
        assert b"<p>changed</p>" in gzip.decompress(get("/about.html")[1])
    finally:
        httpd.shutdown()
        httpd.server_close()
