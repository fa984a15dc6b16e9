"""Real-browser tests for issue 13 (Playwright + Debian's Chromium, fixtures as in
test_browser.py): a 2015 citation lands where the version rule says, and a changed
clause shows its change note and earlier text.

The site is the archive's own source_texts/ through the real stages
(``enrich.enrich_all``), built into a temporary directory; the clause change is
recorded the way a build records it (``anchors.check_anchors`` against a lock and
the last published site's archive.json in a temporary root)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from build_tools.permanence import anchors
from build_tools.enrich import enrich_all
from build_tools.pipeline import load_documents, source_files
from support.site_build import build

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser

CHANGE_DATE = "2026-11-30"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("versions-site")
    res = load_documents(source_files(ROOT / "source_texts"), require_sidecar=True)
    assert not res.errors, res.errors
    notices = res.notices
    patent = next(n for n in notices if n.title == "中华人民共和国专利法")
    # a published lock and site, then a corrected text of 第二十条
    (work / "root" / "source_texts").mkdir(parents=True)
    (work / "root" / "site" / "data").mkdir(parents=True)
    lock_path = work / "root" / "source_texts" / "anchors.lock"
    anchors.update_lock(lock_path, notices, redirects={})
    art = patent.clause("art-20")
    before = art.text
    (work / "root" / "site" / "data" / "archive.json").write_text(json.dumps(
        {"documents": [{"id": patent.id, "clauses": [art.to_dict()]}]}, ensure_ascii=False), encoding="utf-8")
    art.text = before.replace("申请专利", "申请发明专利", 1)
    report = anchors.check_anchors(notices, anchors.load_lock(lock_path), {})
    report.date = CHANGE_DATE
    anchors.update_lock(lock_path, notices, report, redirects={})
    notices = anchors.apply_changes(notices, anchors.check_anchors(notices, anchors.load_lock(lock_path), {}))  # the next build: history attached
    enr = enrich_all(notices, today="2026-12-01", related=False)
    patent = next(n for n in notices if n.id == patent.id)  # enrich hands back new records (issue 24)
    out = build(work, notices, enrichment=enr)
    out.update(notices=notices, enrichment=enr, patent=patent, before=before)
    return out


def test_a_2015_citation_of_the_patent_law_lands_on_the_work_page(built, page):
    """Seed 003 (2015-10-09) cites 《中华人民共和国专利法》: the 2008 text was in force,
    the archive holds only the 2020 one -> the work page, with the note, not the 2020 text."""
    yn = next(n for n in built["notices"] if n.source_file == "003_cbca3011c27dd6ad.txt")
    patent = built["patent"]
    page.goto((built["site"] / "notices" / f"{yn.id}.html").as_uri() + "#s3-4-p1")
    link = page.locator('[id="s3-4-p1"]').locator("xpath=..").locator("a.ref", has_text="《中华人民共和国专利法》")
    link.first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"works/{patent.work_id}.html")
    body = page.locator("article").inner_text()
    assert "本文库未收录引用时有效的版本" in body and "2008年修正" in body
    assert "2015-10-09" in body
    current = page.locator("a.work-current-link")
    assert "2020年修正" in current.inner_text()
    current.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"notices/{patent.id}.html")
    assert "现行有效" in page.locator(".version-box").inner_text()
    assert not page.errors


def test_a_changed_clause_shows_its_note_and_earlier_text(built, page):
    patent = built["patent"]
    page.goto((built["site"] / "notices" / f"{patent.id}.html").as_uri() + "#art-20")
    note = page.locator('[id="art-20"]').locator("xpath=..").locator("details.clause-change")
    assert note.locator("summary").inner_text() == f"本条文字于 {CHANGE_DATE} 更正"
    earlier = note.locator(".clause-change-old")
    assert not earlier.is_visible()  # on demand
    note.locator("summary").click()
    assert earlier.is_visible() and earlier.inner_text() == built["before"]
    assert "申请发明专利" in page.locator('[id="art-20"]').locator("xpath=..").inner_text()
    assert not page.errors


@pytest.mark.parametrize("q,clause", [("专利法第七十一条", "art-71"), ("专利法71条", "art-71"),
                                      ("专利法 第 20 条", "art-20"), ("《中华人民共和国著作权法》第五十四条", "art-54"),
                                      ("商标法第六十三条第一款", "art-63"), ("商标法第六十三条第三款", "art-63-p3"),
                                      ("反不正当竞争法第二条", "art-2"), ("植物新品种保护条例第三十九条", "art-39")])
def test_typed_citation_lands_on_its_article(built, page, q, clause):
    """Issue 25: 专利法第七十一条 typed into the site's search box (Material's, from file://)
    shows the article above the text hits; Enter opens it at #art-71."""
    page.goto((built["site"] / "index.html").as_uri())
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(q, delay=20)
    hit = page.locator(".md-search-result .ipa-cite-hits a.ipa-cite-hit").first
    hit.wait_for(state="visible", timeout=30_000)
    assert "第" in hit.inner_text() and "条" in hit.inner_text()
    # the box is the first thing of the results, above the text hits
    assert page.evaluate("document.querySelector('.md-search-result').firstElementChild.className") == "ipa-cite-hits"
    box.press("Enter")
    page.wait_for_url(f"**#{clause}", timeout=30_000)
    assert page.url.endswith(f".html#{clause}")
    assert page.locator(f'[id="{clause}"]').is_visible()


def test_work_page_gives_the_version_in_force_on_a_date(built, page):
    """Issue 25: on the 专利法 work page, 2020-12-23 (解释（二）) -> the 2008 text, not held;
    2021-06-01 -> the 2020 text, linked."""
    patent = built["patent"]
    page.goto((built["site"] / "works" / f"{patent.work_id}.html").as_uri())
    date = page.locator("form.work-asof input.work-asof__date")
    answer = page.locator("form.work-asof .work-asof__answer")
    date.fill("2020-12-23")
    date.dispatch_event("change")
    assert answer.inner_text() == "2020-12-23 有效的是：2008年文本（本文库未收录）"
    date.fill("2021-06-01")
    date.dispatch_event("change")
    assert answer.inner_text() == "2021-06-01 有效的是：2020年修正文本"
    page.locator("a.work-asof__link").click()
    page.wait_for_url(f"**/notices/{patent.id}.html")
