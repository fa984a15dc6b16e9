"""Work pages of bounded size (issue 29 point 3): a work page grows with its
versions and copies, never with their pairs, and its list of citations that
meant a version the archive lacks shows a first part, the whole list on pages
of its own.

Real texts: lawrefbook's 道路运输条例 (its first chapter) made into a work of
N versions, each with its own 第五条 and dated lines, and each filed again as
4 copies (other folders, the same text but for trailing blank lines: the
copies lawrefbook files in two folders); the archive's 专利法 cited (through
lawrefbook's 专利纠纷解释（二）) in its 2008 text, which the archive lacks.
"""
from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path

import pytest

from build_tools.enrich import enrich_all
from build_tools.pipeline import load_documents, source_files
from build_tools.settings import LIST_PAGE_BYTES, LIST_PAGE_ENV, overridden
from build_tools.render.common import notice_path, page_file
from build_tools.render.compare import compare_path
from build_tools.render.works import WORK_CITED_SHOWN, work_cited_path, work_pages, work_path
from conftest import LAWREF, ROOT

TODAY = "2026-12-01"
ROAD = LAWREF / "行政法规" / "道路运输条例(2023-07-20).md"
JIESHI2 = LAWREF / "司法解释" / "最高人民法院关于审理侵犯专利权纠纷案件应用法律若干问题的解释（二）(2020-12-29).md"
COPIES = 5
# the site's frame (header, navigation, footer) around a page's own HTML, generously
FRAME = 100_000


def _versions(tmp: Path, n: int) -> list[Path]:
    """``n`` versions of 道路运输条例's first chapter, each in ``COPIES`` files."""
    head, body = ROAD.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)
    body = body.split("## 第二章", 1)[0]
    title = head.splitlines()[0]
    files = []
    for i in range(n):
        year = 1990 + i
        lines = [title, "", "1989年4月30日 中华人民共和国国务院令第1号公布", ""]
        for j in range(1, i + 1):
            lines += [f"{1989 + j}年3月2日 《国务院关于修改部分行政法规的决定》第{j}次修订", ""]
        text = "\n".join(lines) + "\n<!-- INFO END -->" + body.replace("第五条 ", f"第五条 （{year}年文字）", 1)
        for c in range(COPIES):
            d = tmp / (f"copy{c}" if c else "行政法规")
            d.mkdir(parents=True, exist_ok=True)
            f = d / f"道路运输条例({year}-03-02).md"
            f.write_text(text + "\n" * c, encoding="utf-8")
            files.append(f)
    return files


def _no_comparison(a, b, enr):
    return compare_path(a.id, b.id)[: -len(".html")] + ".md", "", None


def _work(tmp: Path, n: int):
    res = load_documents(_versions(tmp, n))
    assert not res.errors, res.errors
    enr = enrich_all(res.notices, today=TODAY, related=False)
    (work,) = [w for w in enr.works.values() if len(w.versions) > 1]
    pages = work_pages(res.notices, enr, comparison=_no_comparison)
    return res.notices, enr, work, pages


@pytest.fixture(scope="module")
def works(tmp_path_factory):
    return {n: _work(tmp_path_factory.mktemp(f"v{n}"), n) for n in (10, 30)}


def test_copies_are_no_versions_and_the_page_grows_linearly(works):
    for n, (notices, enr, work, pages) in works.items():
        assert len(notices) == n * COPIES
        assert len(work.versions) == n and len(work.others) == n * (COPIES - 1)
        md = pages[f"works/{work.id}.md"]
        assert len(md.encode()) + FRAME <= LIST_PAGE_BYTES
        # the picker offers the distinct texts only, in order
        form = re.search(r'<form class="work-pick".*?</form>', md).group(0)
        assert re.findall(r'<select name="a"[^>]*>(.*?)</select>', form)[0].count("<option") == n
        assert re.findall(r'<option value="([^"]+)"', form)[:n] == work.versions
    # with 3x the versions (and their copies) the page is at most ~3x (pairs made it ~9x)
    small, large = (len(works[n][3][f"works/{works[n][2].id}.md"].encode()) for n in (10, 30))
    assert large < 3.6 * small, (small, large)


def test_the_picker_reaches_every_comparison_page(works):
    """works.js makes ``base + older + "--" + newer + ".html"`` (older: the earlier in the
    lists): for every pair of held versions it is the pair's comparison page."""
    notices, enr, work, pages = works[30]
    md = pages[f"works/{work.id}.md"]
    base = html.unescape(re.search(r'data-compare-base="([^"]*)"', md).group(1))
    order = re.findall(r'<option value="([^"]+)"', re.search(r'<select name="a".*?</select>', md).group(0))
    here = posixpath.dirname(work_path(work.id))
    pairs = [(a, b) for a, b in enr.comparisons if a in work.versions]
    assert len(pairs) == 30 * 29 // 2
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            target = posixpath.normpath(posixpath.join(here, f"{base}{a}--{b}.html"))
            assert (a, b) in enr.comparisons
            assert target[: -len(".html")] + ".md" in pages
    # without script: the consecutive pairs as links
    steps = re.findall(r'<p class="work-compare">.*?</p>', md)[0]
    assert steps.count("<a ") == len(work.versions) - 1


@pytest.fixture(scope="module")
def patent():
    res = load_documents(source_files(ROOT / "source_texts") + [JIESHI2])
    assert not res.errors, res.errors
    enr = enrich_all(res.notices, today=TODAY, related=False)
    return res.notices, enr


def _hrefs(md: str, page: str) -> list[str]:
    ul = "".join(re.findall(r'<ul class="refs refs--work">.*?</ul>', md))
    here = posixpath.dirname(page)
    return [posixpath.normpath(posixpath.join(here, html.unescape(h))) for h in re.findall(r'<li><a href="([^"]+)"', ul)]


@pytest.mark.parametrize("scale", [1, 5, 60])
def test_citations_of_a_missing_version_first_part_and_pages(patent, scale, monkeypatch):
    """The real citations, repeated ``scale`` times (an archive that cites the 2008 text
    that often): the work page lists the first WORK_CITED_SHOWN and links the whole
    list; its pages hold every citation once, each page under the bound."""
    notices, enr = patent
    shown = work_pages(notices, enr, comparison=_no_comparison)
    wid, cites = max(((w, c) for w, c in enr.work_cited_by.items() if f"works/{w}.md" in shown),
                     key=lambda wc: len(wc[1]))
    assert enr.works[wid].title == "中华人民共和国专利法"
    monkeypatch.setitem(enr.work_cited_by, wid, cites * scale)
    total = len(cites) * scale
    with overridden({LIST_PAGE_ENV: "40"}):
        pages = work_pages(notices, enr, comparison=_no_comparison)
    page = f"works/{wid}.md"
    want = _hrefs(pages[page], work_path(wid))
    first = work_cited_path(wid)[: -len(".html")] + ".md"
    if total <= WORK_CITED_SHOWN:
        assert len(want) == total and first not in pages and "refs-more" not in pages[page]
        return
    assert len(want) == WORK_CITED_SHOWN
    more = re.search(r'<p class="refs-more"><a href="([^"]+)">全部 (\d+) 处引用</a>', pages[page])
    assert int(more.group(2)) == total
    assert posixpath.normpath(posixpath.join("works", more.group(1))) == work_cited_path(wid)
    every, k = [], 1
    while page_file(first, k) in pages:
        md = pages[page_file(first, k)]
        assert len(md.encode()) + FRAME <= LIST_PAGE_BYTES
        got = _hrefs(md, page_file(first, k)[:-3] + ".html")
        assert 0 < len(got) <= 40
        every += got
        k += 1
    assert k - 1 == -(-total // 40)
    by_id = {n.id for n in notices}
    assert all(h.split("#")[0][len("notices/"):-len(".html")] in by_id for h in every)
    # the work page's first part is the head of the whole list, in its order
    assert every[:WORK_CITED_SHOWN] == want and len(every) == total
    assert every == [posixpath.normpath(notice_path(c.source_id)) + (f"#{c.clause_id}" if "#" in h else "")
                     for c, h in zip(cites * scale, every)]


@pytest.mark.browser
def test_the_picker_opens_the_comparison_of_any_two_versions(tmp_path, page):
    """In Chromium: a work of 4 versions (each with 2 copies); the picker opens the
    comparison page of the older and the newer chosen, whichever list holds which."""
    from support.site_build import build  # builds a site: only this browser test needs it

    res = load_documents(_versions(tmp_path / "src", 4)[::COPIES] + _versions(tmp_path / "src", 4)[1::COPIES])
    assert not res.errors, res.errors
    enr = enrich_all(res.notices, today=TODAY, related=False)
    (work,) = [w for w in enr.works.values() if len(w.versions) > 1]
    assert len(work.versions) == 4 and len(work.others) == 4
    out = build(tmp_path / "site", res.notices, enrichment=enr)
    page.goto((out["site"] / work_path(work.id)).as_uri())
    v = work.versions
    page.select_option("form.work-pick select.work-pick__a", v[3])
    page.select_option("form.work-pick select.work-pick__b", v[1])
    page.click("form.work-pick button.work-pick__go")
    page.wait_for_url(f"**/works/compare/{v[1]}--{v[3]}.html")
    assert page.locator("h1").first.inner_text().startswith("中华人民共和国道路运输条例")
    assert not page.errors
