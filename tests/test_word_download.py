"""The Word download a memo can use (issue 27, ``write/downloads.docx_bytes``),
opened with python-docx for every document of source_texts/ (the five seed
notices and the six laws): each clause a bookmark named by its id and a
link to its canonical URL, headings as Word headings, the card on top,
article numbers apart from their text, a 生成日期 instead of a frozen 引用日期.

Issue 29: the file is made in the browser (site.js ``wordFile``) from the
record; Chromium's file is held to ``docx_bytes`` (every part, text for text)
on every page of the seed site and, through the same function, on a corpus
sample, and python-docx and LibreOffice open it."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from build_tools.render.downloads import DOCX_HEADINGS, docx_bytes, word_bookmark
from build_tools.render.pages import gbt_prefix
from support.loaders import real_notices
from conftest import ROOT

SITE = "https://ipa.example.org/archive"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    notices, _ = real_notices()
    today = dt.date.today().isoformat()
    return {site_url: {n.id: (n, Document(io.BytesIO(docx_bytes(n, site_url, today, gbt_prefix(n))))) for n in notices}
            for site_url in (SITE, "")}


def _bookmarked(doc):
    """clause id -> (paragraph element, its text, its hyperlink targets)."""
    rels = {rid: rel.target_ref for rid, rel in doc.part.rels.items() if rel.is_external}
    out = {}
    for p in doc.element.body.iter(qn("w:p")):
        for b in p.iter(qn("w:bookmarkStart")):
            text = "".join(t.text or "" for t in p.iter(qn("w:t")))
            links = [rels[h.get(qn("r:id"))] for h in p.iter(qn("w:hyperlink"))]
            out[b.get(qn("w:name"))] = (p, text, links)
    return out


def test_every_clause_is_a_bookmark_with_a_link_to_its_canonical_url(written):
    checked = 0
    for n, doc in written[SITE].values():
        names = [b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))]
        assert names == [word_bookmark(c.id) for c in n.walk()], n.id
        starts = [b.get(qn("w:id")) for b in doc.element.body.iter(qn("w:bookmarkStart"))]
        ends = [b.get(qn("w:id")) for b in doc.element.body.iter(qn("w:bookmarkEnd"))]
        assert starts == ends and len(set(starts)) == len(starts)
        marks = _bookmarked(doc)
        for c in n.walk():
            _, text, links = marks[word_bookmark(c.id)]
            assert links == [f"{SITE}/notices/{n.id}.html#{c.id}"], (n.id, c.id, links)
            checked += 1
    assert checked == sum(len(list(n.walk())) for n, _ in written[SITE].values()) > 900


def test_without_a_site_url_links_point_at_the_local_copy(written):
    for n, doc in written[""].values():
        marks = _bookmarked(doc)
        c = next(n.walk())
        assert marks[word_bookmark(c.id)][2] == [f"../../notices/{n.id}.html#{c.id}"]
        assert any("本地副本链接" in p.text for p in doc.paragraphs[:20])


def test_headings_numbers_apart_and_text_kept(written):
    """Chapters and sections are Word headings; 第一条 stands apart from its
    text (「第一条　为了…」); every clause's first line is in its paragraph."""
    articles = 0
    for n, doc in written[SITE].values():
        marks = _bookmarked(doc)
        for c in n.walk():
            p, text, _ = marks[word_bookmark(c.id)]
            first = c.text.strip().split("\n")[0] if c.text.strip() else ""
            style = p.find(qn("w:pPr"))
            style = style.find(qn("w:pStyle")).get(qn("w:val")) if style is not None and style.find(qn("w:pStyle")) is not None else ""
            if c.kind in DOCX_HEADINGS and first:
                assert style.startswith("Heading"), (n.id, c.id, style)
            else:
                assert not style, (n.id, c.id)
            assert text.replace("\u3000", "").rstrip("\u00b6") == first.replace("\u3000", "") or not first, (n.id, c.id)
            if c.kind == "article" and first:
                m = re.match(r"第[一二三四五六七八九十百千零〇两]+条(?:之[一二三四五六七八九十]+)?", first)
                assert m and text.startswith(m.group(0) + "\u3000") and not text.startswith(m.group(0) + "\u3000\u3000"), text
                articles += 1
    assert articles > 300  # the six laws of source_texts/ (330 articles with text of their own)


def test_the_card_and_the_dates_on_top(written):
    today = dt.date.today().isoformat()
    for n, doc in written[SITE].values():
        top = [p.text for p in doc.paragraphs[:25]]
        assert top[0] == n.title
        if n.validity:
            assert f"效力：{n.validity}" in top
        if n.date_effective:
            assert f"施行日期：{n.date_effective}" in top
        if n.version_label:
            assert f"版本：{n.version_label}" in top
        if n.source_url:
            assert f"来源：{n.source_url}" in top
        assert f"引用：{n.citation(None)}" in top
        gbt = next(t for t in top if t.startswith("GB/T 7714："))
        assert gbt.endswith(f"[引用日期]. {SITE}/notices/{n.id}.html.")
        assert not re.search(r"\[\d{4}-\d\d-\d\d\]", gbt)  # no frozen access date
        assert any(t.startswith(f"生成日期：{today}") for t in top)
        assert doc.core_properties.created.date().isoformat() == today
        headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 1")]
        assert headings[:2] == ["引用信息", "正文"]
    laws = [n for n, _ in written[SITE].values() if n.kind == "law"]
    assert any(n.date_effective for n in laws)  # the card shows at least one 施行日期


# ------------------------------------------------------------------ TXT and Markdown made in the browser (issue 29)

def test_python_whitespace_of_strip_is_the_one_site_js_strips():
    """``clause_text`` and site.js strip str.strip()'s whitespace, no other
    (JS trim() also strips U+FEFF and keeps U+001C-U+001F)."""
    import sys

    from build_tools.render.downloads import PY_SPACE

    assert set(PY_SPACE) == {chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()}
    js = (ROOT / "overrides/assets/iparchive/site.js").read_text(encoding="utf-8")
    assert r'var SPACE = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";' in js
    heads = re.search(r"var HEADINGS = (\{[^}]*\})", js).group(1)
    assert json.loads(heads) == DOCX_HEADINGS


def test_text_is_a_file_only_where_the_clauses_do_not_give_it_back():
    """On the mixed real archive: the browser's TXT is the clauses' text; where
    that is not the body byte for byte (run-in items split off one line) the
    TXT is written as a file; the Markdown never is."""
    from build_tools.render.downloads import clause_text, text_on_demand, written_files
    from support.loaders import mixed_notices

    notices = mixed_notices(29, 40)
    made = [n for n in notices if text_on_demand(n)]
    assert len(made) >= 0.9 * len(notices)
    for n in notices:
        files = written_files(n)
        assert not any(f.endswith((".md", ".md.txt")) for f in files)
        assert (f"data/notices/{n.id}.txt" in files) == (clause_text(n) != n.body.strip())


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    from support.site_build import shared_site

    return shared_site(tmp_path_factory.getbasetemp() / "site-build")


def _download(pg, link) -> bytes:
    with pg.expect_download(timeout=15000) as info:
        link.click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.browser
def test_every_download_of_every_page_in_chromium(built_site, page):
    """Each document's page over http: every clause's ¶ link, label span and theme links (made by site.js);
    TXT and Markdown made by site.js are
    byte for byte text_file / markdown_file (what was written as files before
    issue 29); the JSON and Word files and a TXT kept as a file are the
    site's bytes.  From file:// the made links say to use iparchive serve."""
    from build_tools.publish.serve import background_server
    from build_tools.render.downloads import markdown_file, read_record_file, text_file, text_on_demand

    site = built_site["site"]
    httpd, base = background_server(site)
    words: dict[str, bytes] = {}
    themed = 0
    try:
        checked = set()
        for n in built_site["notices"]:
            page.goto(f"{base}/notices/{n.id}.html")
            # the ¶ link of every clause, made by site.js (issue 29), right after its label
            links_of = page.eval_on_selector_all(
                ".clause-head", "hs => hs.map(h => [h.id, (h.querySelector(':scope > .clause-label + a.headerlink')"
                                " || {}).getAttribute ? h.querySelector(':scope > .clause-label + a.headerlink')"
                                ".getAttribute('href') : null])")
            assert links_of == [[c.id, "#" + c.id] for c in n.walk()], n.id
            # the label's span and the theme links, made by site.js from the heading (issue 29)
            heads = page.eval_on_selector_all(
                ".clause-head", "hs => hs.map(h => [h.querySelector(':scope > .clause-label').textContent,"
                                " Array.from(h.querySelectorAll(':scope > .clause-themes > a.clause-theme'))"
                                ".map(a => [a.getAttribute('href'), a.textContent])])")
            assert [label for label, _ in heads] == [c.label or "\u3000" for c in n.walk()], n.id
            for c, (_, themes) in zip(n.walk(), heads):
                assert len(themes) == len(set(c.themes)), (n.id, c.id)
                for href, name in themes:
                    assert name and (site / "notices" / href).resolve().is_file(), (n.id, href)
                    themed += 1
            box = page.locator("p.downloads")
            assert box.locator(".downloads-made").is_visible()
            want = {f"{n.id}.txt": text_file(n, "").encode("utf-8"), f"{n.id}.md": markdown_file(n, "").encode("utf-8"),
                    f"{n.id}.json": read_record_file(site / f"data/notices/{n.id}.json.gz") + b"\n"}
            links = box.locator("a.download")
            assert links.count() == 4, n.id
            for k in range(4):
                link = links.nth(k)
                name = link.get_attribute("download")
                assert (link.get_attribute("data-make") == "txt") == (name.endswith(".txt") and text_on_demand(n))
                got = _download(page, link)
                if name.endswith(".docx"):  # made by site.js: each part as docx_bytes writes it (issue 29)
                    assert link.get_attribute("data-make") == "docx"
                    today = page.evaluate("() => window.IPArchiveClipboard.today()")
                    assert _members(got) == _members(docx_bytes(n, "", today, gbt_prefix(n))), n.id
                    words[n.id] = got
                else:
                    assert got == want[name], (n.id, name)
                checked.add((n.id, name))
        assert len(checked) == 4 * len(built_site["notices"])
        assert themed > 100
        assert not list(site.glob("data/notices/*.docx"))  # no Word file is written
        assert not page.errors
    finally:
        httpd.shutdown()
        httpd.server_close()
    _opened_by_python_docx_and_libreoffice(words, {n.id: n for n in built_site["notices"]}, site.parent / "word")
    n = built_site["notices"][0]
    page.goto((site / f"notices/{n.id}.html").resolve().as_uri())
    json_link = page.locator("p.downloads a.download", has_text="数据记录")
    assert json_link.get_attribute("download") == f"{n.id}.json.gz"  # the record itself, compressed
    assert _download(page, json_link) == (site / f"data/notices/{n.id}.json.gz").read_bytes()
    page.locator("a[data-make=md]").click()
    page.wait_for_function("() => !document.querySelector('.download-note').hidden")
    assert "iparchive serve" in page.locator(".download-note").inner_text()
    # a browser without DecompressionStream: the record itself, and a note for the others
    page.add_init_script("delete window.DecompressionStream")
    httpd, base = background_server(site)
    try:
        page.goto(f"{base}/notices/{n.id}.html")
        json_link = page.locator("p.downloads a.download", has_text="数据记录")
        assert _download(page, json_link) == (site / f"data/notices/{n.id}.json.gz").read_bytes()
        page.locator("a[data-make=md]").click()
        page.wait_for_function("() => !document.querySelector('.download-note').hidden")
        assert "较新的浏览器" in page.locator(".download-note").inner_text()
    finally:
        httpd.shutdown()
        httpd.server_close()


def _members(data: bytes) -> dict[str, bytes]:
    """A zip's members by name (the bytes of each part; the compression may differ)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def _opened_by_python_docx_and_libreoffice(words: dict[str, bytes], notices: dict, where: Path) -> None:
    """Each browser-made file opens in python-docx (title, bookmarks); LibreOffice (one process for all)
    reads each to text holding its title and its last clause's first line."""
    where.mkdir(parents=True, exist_ok=True)
    for doc_id, data in words.items():
        n = notices[doc_id]
        doc = Document(io.BytesIO(data))
        assert doc.paragraphs[0].text == n.title and doc.core_properties.title == n.title
        assert [b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))] == [word_bookmark(c.id) for c in n.walk()]
        (where / f"{doc_id}.docx").write_bytes(data)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) not installed: scripts/install-system-deps.sh installs it")
    res = subprocess.run([soffice, f"-env:UserInstallation={(where / 'profile').as_uri()}", "--headless", "--norestore",
                          "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(where / "txt"),
                          *sorted(str(f) for f in where.glob("*.docx"))], capture_output=True, text=True, timeout=600)
    for doc_id in words:
        out = where / "txt" / f"{doc_id}.txt"
        assert out.is_file(), (doc_id, res.stderr)
        text = out.read_text(encoding="utf-8-sig")
        last = [c for c in notices[doc_id].walk() if c.text.strip()][-1].text.strip().split("\n")[0]
        assert notices[doc_id].title in text and last.replace("\u3000", "")[-12:] in text.replace("\u3000", ""), doc_id


@pytest.mark.browser
def test_the_browser_word_file_is_pythons_on_a_corpus_sample(built_site, page):
    """site.js's Word parts (``IPArchiveWord.parts``, what a click zips) from each document's real
    record, header and card lines, with and without a site address, on the seeds, the 43 gov.cn pages,
    民法典合同编 and 40 lawrefbook laws: every part is docx_bytes' text, character for character."""
    from build_tools.render.common import LOCAL_COPY_NOTE, ThemeIndex
    from build_tools.render.downloads import card_lines, header_lines, word_template
    from build_tools.render.exports import document
    from support.loaders import mixed_notices

    page.goto((built_site["site"] / "index.html").resolve().as_uri())
    page.evaluate("tpl => { window.__tpl = JSON.parse(tpl); }", word_template())
    themes, checked = ThemeIndex([]), 0
    for n in mixed_notices(29, 40):
        for site_url in (SITE, ""):
            record = document(n, site_url, [], themes)
            got = page.evaluate(
                "([rec, head, card, local, gbt]) => window.IPArchiveWord.parts(rec, head, card, window.__tpl,"
                " {dataset: local ? {localCopy: local, gbt: gbt} : {gbt: gbt}}, '2026-12-07')",
                [record, header_lines(n, site_url), card_lines(n), "" if site_url else LOCAL_COPY_NOTE, gbt_prefix(n)])
            want = _members(docx_bytes(n, site_url, "2026-12-07", gbt_prefix(n)))
            assert [name for name, _ in got] == list(want), n.id
            for name, text in got:
                assert text.encode("utf-8") == want[name], (n.id, site_url, name)
            checked += 1
    assert checked > 2 * 90
    assert not page.errors
