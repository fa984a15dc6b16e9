"""The Word download a memo can use (issue 27, ``write/downloads.docx_bytes``),
opened with python-docx for every document of source_texts/ (the five seed
notices and the six laws): each clause a bookmark named by its id and a
link to its canonical URL, headings as Word headings, the card on top,
article numbers apart from their text, a 生成日期 instead of a frozen 引用日期."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from build_tools.write.downloads import DOCX_HEADINGS, word_bookmark, write_document_downloads
from build_tools.write.pages import gbt_prefix
from support.loaders import real_notices

SITE = "https://ipa.example.org/archive"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    notices, _ = real_notices()
    out = {}
    for site_url in (SITE, ""):
        docs = tmp_path_factory.mktemp("docs")
        for n in notices:
            write_document_downloads(n, docs, site_url, "{}", gbt_prefix(n))
        out[site_url] = {n.id: (n, Document(str(docs / "data" / "notices" / f"{n.id}.docx"))) for n in notices}
    return out


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
