"""Large archives: Pagefind search mode, split theme pages, incremental
(``--dirty``) rebuilds on a hard-linked copy of the last good site, and the
Pagefind search box in Chromium over http.

The slow part builds one slice (the archive's seeds + 25 lawrefbook laws)
through the real pipeline with IPARCHIVE_SEARCH=pagefind (~30 s in all).
"""
from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from build_tools.pipeline import build_site, load_documents, source_files, staged_paths
from build_tools.publish.site import run_mkdocs
from build_tools.build.render import _themes, search_mode, write_docs
from build_tools.publish import mkbuild
from build_tools.render.common import ThemeIndex, find_clause
from build_tools.render.site_mode import ENV, LARGE_CLAUSES
from build_tools.render.tags import theme_pages
from conftest import LAWREF, ROOT
from support.htmlscan import assert_scans_agree

CHANGE = "附则修改后新增的一句话，用于检验增量构建。"


# ------------------------------------------------------------------ fast

def test_search_mode_by_size_and_override(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert search_mode(clauses=LARGE_CLAUSES) == "material"
    assert search_mode(clauses=LARGE_CLAUSES + 1) == "pagefind"
    monkeypatch.setenv(ENV, "material")
    assert search_mode(clauses=10 * LARGE_CLAUSES) == "material"
    monkeypatch.setenv(ENV, "pagefind")
    assert search_mode(clauses=1) == "pagefind"
    with pytest.raises(ValueError):
        search_mode(clauses=1, override="lunr")


@pytest.fixture(scope="module")
def seeds():
    from build_tools.pipeline import enrich_stage

    res = load_documents(source_files(ROOT / "source_texts"))
    _, related = enrich_stage(res.notices)
    return res.notices, related


def test_the_real_archive_keeps_materials_file_search(seeds, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert search_mode(seeds[0]) == "material"


def _hits(pages: dict[str, str]) -> list[tuple[str, str]]:
    return re.findall(r'class="clause-hit-label" href="[./]*notices/([^"#]+)\.html#([^"]+)"', "".join(pages.values()))


def test_theme_pages_split_by_size_keep_every_clause(seeds):
    notices = seeds[0]
    themes = ThemeIndex(_themes(None))  # the project vocabulary
    whole = theme_pages(notices, themes)
    split = theme_pages(notices, themes, budget=4000)
    assert not [p for p in whole if p.count("/") == 3]  # small archive: one page per theme
    subs = [p for p in split if p.count("/") == 3]
    assert subs, "a 4 KB budget must split the larger themes"
    for slug in {p.split("/")[2] for p in subs}:
        mine = {p: t for p, t in split.items() if p.startswith(f"tags/theme/{slug}/")}
        # the same clauses, each once, as on the unsplit page
        assert sorted(_hits(mine)) == sorted(_hits({slug: whole[f"tags/theme/{slug}.md"]}))
        landing = split[f"tags/theme/{slug}.md"]
        for p in mine:
            assert f"tags/theme/{slug}/{p.rsplit('/', 1)[1]}" in landing  # every sub page linked from the theme page
            blocks = re.findall(r'<div class="doc-clauses".*?</ul></div>', mine[p])
            assert sum(map(len, blocks)) <= 4000 or len(blocks) == 1
    # hrefs resolve: one level deeper than the theme page
    assert all("../../../notices/" in t for p, t in split.items() if p.count("/") == 3)


def test_write_docs_rewrites_only_changed_files(seeds, tmp_path):
    notices, related = seeds
    first = write_docs(notices, tmp_path, related=related)
    assert first.changed and not first.removed
    mtimes = {f: (tmp_path / f).stat().st_mtime_ns for f in first.files}
    again = write_docs(notices, tmp_path, related=related)
    assert again.changed == [] and again.removed == []
    assert {f: (tmp_path / f).stat().st_mtime_ns for f in again.files} == mtimes
    # one document less: its page goes, the listings change, the rest stay
    third = write_docs(notices[1:], tmp_path, related=related)
    gone = f"notices/{notices[0].id}.md"
    assert gone in third.removed and not (tmp_path / gone).exists()
    assert "notices/index.md" in third.changed
    kept = [f for f in third.files if f not in third.changed and f.endswith(".md")]
    assert kept and all((tmp_path / f).stat().st_mtime_ns == mtimes[f] for f in kept)


def test_find_clause_matches_notice_clause(seeds):
    for n in seeds[0]:
        for c in list(n.walk())[:50]:
            assert find_clause(n, c.id) is n.clause(c.id)
        assert find_clause(n, "no-such-clause") is None


# ------------------------------------------------------------------ slow: one pagefind build

def _slice_files() -> list[Path]:
    laws = sorted(p for p in LAWREF.rglob("*.md") if p.name != "_index.md")
    random.Random(11).shuffle(laws)
    return sorted(laws[:25]) + source_files(ROOT / "source_texts")


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    if not LAWREF.is_dir():
        pytest.fail(f"real corpus missing: {LAWREF}")
    work = tmp_path_factory.mktemp("large")
    paths = staged_paths(ROOT, work)
    files = _slice_files()
    old = os.environ.get(ENV)
    os.environ[ENV] = "pagefind"
    try:
        rep = build_site(ROOT, paths=paths, files=files, require_sidecar=False, update_lock=False,
                         progress=False, index=False, log=lambda s: None)
    finally:
        os.environ.pop(ENV) if old is None else os.environ.__setitem__(ENV, old)
    assert rep.ok, [str(p) for p in rep.problems if p.level == "error"][:5]
    notices = load_documents(files, cache_dir=paths.cache / "docs").notices
    return {"paths": paths, "files": files, "work": work, "notices": notices}


@pytest.mark.slow
def test_pagefind_site_layout(large):
    site = large["paths"].site
    assert mkbuild.read_stamp(site)["search"] == "pagefind"
    assert not (site / "search" / "search_index.json").exists()  # Material's search is off
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert list((site / "pagefind" / "fragment").iterdir())
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "assets/iparchive/pagefind-search.js" in home and 'name="iparchive-search"' in home
    assert "md-search__input" not in home
    assert "iparchive serve" in home  # downloaded copies are told how to search
    # Pagefind indexed one page per document, with every clause as a section
    # whose id is the clause's permanent anchor on the real page
    # (in its shard's folder, pagefind-src/<k>/notices/: search_pages.iter_shard_pages)
    pages = {p.stem: p for p in (large["paths"].cache / "pagefind-src").glob("*/notices/*.html")}
    assert set(pages) == {n.id for n in large["notices"]}
    n = max(large["notices"], key=lambda x: sum(1 for _ in x.walk()))
    light = lxml_html.fromstring(pages[n.id].read_bytes())
    real = lxml_html.fromstring((site / f"notices/{n.id}.html").read_bytes())
    assert set(light.xpath("//h3/@id")) == {c.id for c in n.walk()} <= set(real.xpath("//@id"))
    assert assert_scans_agree(site) > 200  # the link check reads every page as lxml does


@pytest.mark.slow
def test_dirty_rebuild_matches_a_full_build_and_spares_the_old_site(large):
    paths, files = large["paths"], large["files"]
    victim = next(f for f in files if "lawrefbook" in str(f))
    n = next(x for x in large["notices"] if x.source_file == victim.name)
    page = paths.site / f"notices/{n.id}.html"
    keep = large["work"] / "old-page.html"
    os.link(page, keep)  # the old site's inode: must not be written through
    old_text = keep.read_bytes()
    seeds = {p.name for p in source_files(ROOT / "source_texts")}
    untouched = paths.site / f"notices/{next(x.id for x in large['notices'] if x.source_file in seeds)}.html"
    untouched_ino = untouched.stat().st_ino

    changed = large["work"] / "changed" / victim.name
    changed.parent.mkdir(exist_ok=True)
    changed.write_bytes(victim.read_bytes() + f"\n\n{CHANGE}\n".encode())
    os.environ[ENV] = "pagefind"
    try:
        rep = build_site(ROOT, paths=paths, files=[changed if f == victim else f for f in files],
                         require_sidecar=False, update_lock=False, progress=False, index=False, log=lambda s: None)
    finally:
        os.environ.pop(ENV)
    assert rep.ok, [str(p) for p in rep.problems if p.level == "error"][:5]
    assert mkbuild.read_stamp(paths.site)["dirty"] is True
    now = [p for p in (paths.site / "notices").glob("*.html") if CHANGE in p.read_text(encoding="utf-8")]
    assert len(now) == 1
    if now[0] != page:  # a file without sidecar: its automatic id follows its text
        assert not page.exists(), "the page of the old id must be pruned"
    assert keep.read_bytes() == old_text and CHANGE not in old_text.decode("utf-8")
    assert untouched.stat().st_ino == untouched_ino  # not re-rendered: the same file, linked

    # the dirty site has exactly the pages a clean build of the same docs gives
    full = large["work"] / "site-full"
    run_mkdocs(ROOT, full, config=paths.config, search="pagefind")
    ours = {p.relative_to(paths.site).as_posix(): p for p in paths.site.rglob("*.html")}
    clean = {p.relative_to(full).as_posix(): p for p in full.rglob("*.html")}
    assert set(ours) == set(clean)
    differ = [k for k in clean if hashlib.sha1(ours[k].read_bytes()).digest() != hashlib.sha1(clean[k].read_bytes()).digest()]
    assert differ == []
    shutil.rmtree(full)


# ------------------------------------------------------------------ browser

def _in_own_thread(fn):
    """Run ``fn`` in a fresh thread: Playwright's sync API refuses to start
    where another sync session (test_browser's session fixture) keeps an
    asyncio loop running."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("query", ["惩罚性赔偿", "地理标志"])
def test_pagefind_search_in_chromium_reaches_a_clause(large, query, record_property):
    from conftest import CHROMIUM

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/install-system-deps.sh")
    probe = _in_own_thread(lambda: _search_and_follow(large, query))
    record_property("first_result", probe)
    print(f"\n{query}: first result {probe['seconds']:.2f} s, {probe['bytes'] / 1e3:.0f} KB, "
          f"{probe['requests']} requests")


def _search_and_follow(large, query: str) -> dict:
    from playwright.sync_api import sync_playwright

    from benchmarks.bench import first_result
    from build_tools.publish.serve import background_server as serve_site
    from conftest import CHROMIUM

    site = large["paths"].site
    httpd, base = serve_site(site)
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            try:
                probe = first_result(b, f"{base}/index.html", query, "pagefind")
                pg = b.new_page()
                pg.goto(f"{base}/index.html")
                pg.locator("input.ipa-search__input").fill(query)
                links = pg.locator("a.ipa-hit__clause[href*='#']")
                links.first.wait_for(timeout=30000)
                href = links.first.get_attribute("href")
                doc_id, clause_id = re.search(r"notices/([^/?#]+)\.html#(.+)$", href).groups()
                n = next(x for x in large["notices"] if x.id == doc_id)
                c = n.clause(clause_id)
                assert c is not None and query in re.sub(r"\s", "", c.text)
                links.first.click()
                pg.wait_for_url(re.compile(re.escape(f"{doc_id}.html#{clause_id}") + "$"))
                pg.wait_for_function("id => { const e = document.getElementById(id);"
                                     " return e && e.closest('.clause').classList.contains('is-target'); }",
                                     arg=clause_id)
                # from file:// the box says how to search instead of failing silently
                pg.goto((site / "index.html").resolve().as_uri())
                pg.locator("input.ipa-search__input").fill(query)
                pg.wait_for_function("() => document.querySelector('.ipa-search__status').innerText"
                                     ".includes('iparchive serve')", timeout=10000)
                return probe
            finally:
                b.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
