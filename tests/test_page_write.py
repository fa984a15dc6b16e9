"""Issue 14 on the written pages (no MkDocs run): the honest metadata card,
the outline, schema.org JSON-LD, downloads, the public address, the 文种
vocabulary, the home page and the document list — on the real seeds, the
43 gov.cn pages and lawrefbook laws."""
from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import html as lxml_html

from build_tools.enrich import enrich_all
from build_tools.pipeline import load_documents
from build_tools.siteurl import SITE_URL_ENV, SiteUrlAction, site_url_setting
from build_tools.permanence.anchors import read_archive
from build_tools.build.render import write_docs
from build_tools.render.common import LOCAL_COPY_BUILD_NOTE, type_family
from build_tools.render.downloads import (WORD_TEMPLATE, docx_bytes, markdown_file, read_record_file, text_file,
                                          text_on_demand, word_template)
from build_tools.render.pages import gbt_prefix, outline_entries
from factories import clause, notice
from support.loaders import real_notices

URL = "https://ipa.example.org/archive"


@pytest.fixture(scope="module")
def seeds():
    notices, enr = real_notices()
    return notices, enr


@pytest.fixture(scope="module")
def seed_docs(seeds, tmp_path_factory):
    notices, enr = seeds
    docs = tmp_path_factory.mktemp("seed-docs") / "docs"
    stats = write_docs(notices, docs, site_url=URL, related=enr)
    return {n.id: n for n in notices}, docs, stats


@pytest.fixture(scope="module")
def govcn(govcn_dir, tmp_path_factory):
    res = load_documents(sorted(govcn_dir.glob("*.html")), require_sidecar=False)
    assert len(res.notices) == 43
    docs = tmp_path_factory.mktemp("govcn-docs") / "docs"
    write_docs(res.notices, docs, site_url=URL, related=enrich_all(res.notices))
    return res.notices, docs


def _page(docs: Path, doc_id: str) -> str:
    return (docs / "notices" / f"{doc_id}.md").read_text(encoding="utf-8")


def _card(md: str) -> dict[str, str]:
    table = re.search(r'<table class="meta-card".*?</table>', md).group(0)
    tree = lxml_html.fromstring(table)
    return {tr.findtext("th"): tr.find("td").text_content() for tr in tree.iter("tr")}


def _by_source(byid, prefix):
    return next(n for n in byid.values() if n.source_file.startswith(prefix))


# ------------------------------------------------------------------ metadata card

def test_card_marks_inferred_and_corrected_values(seed_docs):
    """Seed 000 (a reposted 政策解读): title, region and year inferred, 文种
    corrected in the sidecar; one 说明 box lists each with the sidecar notes;
    状态 解读 is not repeated beside 文种 解读."""
    byid, docs, _ = seed_docs
    n = _by_source(byid, "000_")
    md = _page(docs, n.id)
    card = _card(md)
    assert card["标题"] == f"{n.title}（推定）"
    assert card["地区"] == "云南省（推定）" and card["年份"] == "2021（推定）"
    assert card["文种"] == "解读（校订）" and "状态" not in card
    assert 'title="原文未载明，系根据上下文推定，引用时请核对原文"' in md
    box = re.search(r'<div class="admonition note banner notes-box banner--inferred" id="notes">.*?</div>', md).group(0)
    assert md.count('id="notes"') == 1
    for note in n.notes:
        assert f"校订说明：{note}" in lxml_html.fromstring(box).text_content()
    for label in ("标题（推定）", "地区（推定）", "年份（推定）", "文种（校订）"):
        assert label in box


def test_card_of_a_printed_notice_has_no_marks(seed_docs):
    byid, docs, _ = seed_docs
    km = _by_source(byid, "002_")
    card = _card(_page(docs, km.id))
    assert card["成文日期"] == "2022-09-29" and card["地区"] == "云南省 → 昆明市" and card["状态"] == "正式"
    assert not any("（推定）" in v or "（校订）" in v for v in card.values())
    assert 'id="notes"' not in _page(docs, km.id)


def test_no_internal_names_and_no_markup_shown_as_furniture(seed_docs):
    byid, docs, _ = seed_docs
    for n in byid.values():
        md = _page(docs, n.id)
        card = _card(md)
        assert card["原始文件"] == f"{n.source_file}（{ {'text': '纯文本', 'html': '网页', 'lawmd': 'Markdown（法律法规库）'}[n.format]}）"
        assert "lawmd" not in "".join(card.values()) and "utf-8" not in md.split("</table>", 1)[0]
        assert "INFO END" not in md  # lawrefbook's marker comment is not 网页杂项
    laws = [n for n in byid.values() if n.kind == "law"]
    assert len(laws) == 6 and all(any("INFO END" in s.text for s in n.stripped) for n in laws)
    jl = _by_source(byid, "001_")
    assert "已从正文剔除的网页杂项 " in _page(docs, jl.id)  # real furniture is still listed


def test_source_url_shown_when_known(seed_docs):
    byid, docs, _ = seed_docs
    jl = _by_source(byid, "001_")
    assert jl.source_url == "http://www.jxjgzhdj.cn/jlxw/381.html"
    link = lxml_html.fromstring(re.search(r'<table class="meta-card".*?</table>', _page(docs, jl.id)).group(0)) \
        .find(".//a[@class='source-link']")
    assert link.get("href") == link.text == jl.source_url and link.get("rel") == "nofollow noopener"
    assert all("来源" not in _card(_page(docs, n.id)) for n in byid.values() if not n.source_url)


def test_doc_types_fold_into_one_vocabulary(govcn):
    """govcn2019 prints 指导意见 ×6, 若干意见 ×2, 意见 ×3 and 复函 ×5, 函 ×3:
    one 文种 each (意见 11, 函 8), the printed form kept on the page."""
    notices, docs = govcn
    assert {type_family(t) for t in ("指导意见", "若干意见", "意见")} == {"意见"}
    assert type_family("复函") == type_family("函") == "函" and type_family("若干规定") == "规定"
    pages = {p.stem for p in (docs / "tags" / "type").glob("*.md")}
    assert "yi-jian" in pages and "han" in pages
    assert not {"zhi-dao-yi-jian", "ruo-gan-yi-jian", "fu-han"} & pages
    yj = (docs / "tags" / "type" / "yi-jian.md").read_text(encoding="utf-8")
    assert yj.count('<li><a href="../../notices/') == 11 and "共 11 件" in yj
    assert (docs / "tags" / "type" / "han.md").read_text(encoding="utf-8").count('<li><a href="../../notices/') == 8
    guide = next(n for n in notices if n.doc_type == "指导意见")
    assert _card(_page(docs, guide.id))["文种"] == "意见（原文作“指导意见”）"
    record = json.loads(read_record_file(docs / "data" / "notices" / f"{guide.id}.json.gz"))
    assert record["doc_type"] == "指导意见" and record["doc_type_normalised"] == "意见"


# ------------------------------------------------------------------ outline

def _outline_hrefs(md: str) -> list[str]:
    nav = re.search(r'<nav class="outline".*?</nav>', md, re.S)
    return re.findall(r'href="#([^"]+)"', nav.group(0)) if nav else []


def test_outline_links_every_structural_clause(seed_docs, govcn):
    """Every document page with a structure has an outline; every link is a
    clause id of the document; it lists every 编/章/节/条 of a law (lazily:
    its chapters) and every 一、/（一） of a notice."""
    for byid, docs in ((seed_docs[0], seed_docs[1]), ({n.id: n for n in govcn[0]}, govcn[1])):
        for n in byid.values():
            md = _page(docs, n.id)
            ids = {c.id for c in n.walk()}
            hrefs = _outline_hrefs(md)
            assert set(hrefs) <= ids, n.id
            want = {c.id for c in n.walk() if c.kind in ("part", "chapter", "subchapter", "article")
                    or (n.kind != "law" and c.kind == "section")}
            lazy = 'data-lazy="' in md
            if lazy:  # articles are listed by the page script from the clause tree
                want = {c.id for c in n.walk() if c.kind in ("part", "chapter", "subchapter")}
            assert want <= set(hrefs), (n.id, sorted(want - set(hrefs))[:5])
            if want:
                assert '<nav class="outline" id="outline"' in md
    km = _by_source(seed_docs[0], "002_")
    assert [e.clause.id for e in outline_entries(km)] == ["doc-title", "title", "s1", "s2", "s3", "s4"]
    assert [e.clause.id for e in outline_entries(km)[3].children][:3] == ["s2-1", "s2-2", "s2-3"]


def test_long_law_outline_is_lazy_and_small(lawref_dir, tmp_path):
    """民法典合同编, 526 articles: the outline names its 3 分编 and their
    chapters, not the 526 articles (site.js lists a chapter's when opened)."""
    res = load_documents([lawref_dir / "民法典" / "合同编.md"], require_sidecar=False)
    law = res.notices[0]
    docs = tmp_path / "docs"
    write_docs([law], docs)
    md = _page(docs, law.id)
    nav = re.search(r'<nav class="outline".*?</nav>', md, re.S).group(0)
    assert "目录（526 条）" in nav and "<details class=\"outline-box\">" in nav  # closed
    chapters = sum(1 for c in law.walk() if c.kind == "chapter")
    assert nav.count("data-lazy=") >= chapters - 2 and len(nav) < 20_000
    assert not re.search(r'href="#art-', nav)


# ------------------------------------------------------------------ JSON-LD

def _jsonld(md: str) -> dict:
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', md, re.S)
    return json.loads(m.group(1))


def test_legislation_jsonld(seed_docs, govcn):
    byid, docs, _ = seed_docs
    km = _by_source(byid, "002_")
    ld = _jsonld(_page(docs, km.id))
    assert ld == {"@context": "https://schema.org", "@type": "Legislation", "name": km.title, "inLanguage": "zh-CN",
                  "url": f"{URL}/notices/{km.id}.html", "legislationDate": "2022-09-29",
                  "legislationJurisdiction": "云南省昆明市", "legislationType": "工作方案",
                  "legislationPassedBy": [{"@type": "GovernmentOrganization", "name": "昆明市人民政府办公室"}]}
    draft = _jsonld(_page(docs, _by_source(byid, "004_").id))
    assert draft["legislationLegalForce"] == "NotInForce"
    patent = next(n for n in byid.values() if n.title == "中华人民共和国专利法")
    assert _jsonld(_page(docs, patent.id))["legislationJurisdiction"] == "中华人民共和国"
    notices, gdocs = govcn
    first = next(n for n in notices if n.doc_number == "国发〔2019〕5号")
    assert _jsonld(_page(gdocs, first.id))["legislationIdentifier"] == "国发〔2019〕5号"


def test_jsonld_cannot_end_its_script_block(tmp_path):
    evil = "</script><script>window.__pwned=1</script><!--"
    n = notice("evil", title=f"测试{evil}", doc_number="测〔2024〕1号&<b>", region="全国",
               date_written="2024-01-02", clauses=[clause("s1", "一、测试")])
    write_docs([n], tmp_path / "docs", vocab=[])
    md = _page(tmp_path / "docs", "evil")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', md, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    ld = json.loads(block)
    assert ld["name"] == f"测试{evil}" and ld["legislationIdentifier"] == "测〔2024〕1号&<b>"


# ------------------------------------------------------------------ public address

def test_site_url_setting_precedence(tmp_path, monkeypatch):
    cfg = tmp_path / "mkdocs.yml"
    cfg.write_text('site_name: x\nsite_url: "https://from-config.example/"\n', encoding="utf-8")
    monkeypatch.delenv(SITE_URL_ENV, raising=False)
    assert site_url_setting(cfg) == "https://from-config.example"
    monkeypatch.setenv(SITE_URL_ENV, "https://from-env.example/a/")
    assert site_url_setting(cfg) == "https://from-env.example/a"
    assert site_url_setting(cfg, "https://flag.example") == "https://flag.example"
    monkeypatch.delenv(SITE_URL_ENV)
    cfg.write_text('site_name: x\nsite_url: ""\n', encoding="utf-8")
    assert site_url_setting(cfg) == ""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--site-url", action=SiteUrlAction)
    assert ap.parse_args(["--site-url", "https://cli.example/"]).site_url == "https://cli.example/"
    assert site_url_setting(cfg) == "https://cli.example"  # the MkDocs run sees it too
    with pytest.raises(SystemExit):
        ap.parse_args(["--site-url", "ipa.example"])


def test_site_url_reaches_pages_archive_feed_and_downloads(seed_docs):
    byid, docs, stats = seed_docs
    km = _by_source(byid, "002_")
    assert f'data-url="{URL}/notices/{km.id}.html"' in _page(docs, km.id)
    assert "data-local-copy" not in _page(docs, km.id) and stats.site_url == URL
    archive = read_archive(docs / "data")
    assert archive["site_url"] == URL
    doc = next(d for d in archive["documents"] if d["id"] == km.id)
    def walk(cs):
        for c in cs:
            yield c
            yield from walk(c["children"])

    s23 = next(c for c in walk(doc["clauses"]) if c["id"] == "s2-3")
    assert s23["url"] == f"{URL}/notices/{km.id}.html#s2-3"
    feed = (docs / "data" / "feed.xml").read_text(encoding="utf-8")
    assert f'href="{URL}/notices/{km.id}.html"' in feed
    # the TXT and Markdown downloads are made in the browser with the header lines the page carries (issue 29)
    assert f"永久链接：{URL}/notices/{km.id}.html" in text_file(km, URL) and f"永久链接：{URL}/notices/{km.id}.html" in _page(docs, km.id)


def test_without_site_url_the_build_says_so_once(seeds, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(SITE_URL_ENV, raising=False)
    notices, enr = seeds
    stats = write_docs(notices, tmp_path / "docs", related=enr)
    assert capsys.readouterr().err.count(LOCAL_COPY_BUILD_NOTE) == 1 and stats.site_url == ""
    km = next(n for n in notices if n.source_file.startswith("002_"))
    md = _page(tmp_path / "docs", km.id)
    assert 'data-local-copy="本地副本链接，仅本机可用"' in md and f'data-url="{km.id}.html"' in md
    assert read_archive(tmp_path / "docs" / "data")["site_url"] is None


# ------------------------------------------------------------------ downloads

def test_downloads_of_every_seed(seed_docs):
    byid, docs, _ = seed_docs
    for n in byid.values():
        base = docs / "data" / "notices" / n.id
        txt = text_file(n, URL)  # a file only when the browser cannot make it from the record (issue 29)
        assert n.body.strip() in txt and txt.startswith(n.title + "\n")
        assert base.with_suffix(".txt").is_file() == (not text_on_demand(n))
        assert not Path(f"{base}.md.txt").exists()
        md = markdown_file(n, URL)
        assert md.startswith(f"# {n.title}\n") and all(f'<a id="{c.id}"></a>' in md for c in n.walk())
        word = docx_bytes(n, URL, datetime.date.today().isoformat(), gbt_prefix(n))  # made in the browser (issue 29)
        doc = Document(io.BytesIO(word))
        paras = [p.text for p in doc.paragraphs]
        # issue 27: the card first, then 引用信息; a 生成日期, no frozen 引用日期
        assert paras[0] == n.title and f"引用：{n.citation(None)}" in paras
        assert f"永久链接：{URL}/notices/{n.id}.html" in paras
        cite = paras.index("引用信息")
        assert doc.paragraphs[0].style.name == "Title" and doc.paragraphs[cite].style.name == "Heading 1"
        assert f"GB/T 7714：{gbt_prefix(n)}[引用日期]. {URL}/notices/{n.id}.html." in paras
        assert any(p.startswith(f"生成日期：{datetime.date.today().isoformat()}") for p in paras)
        assert doc.core_properties.title == n.title
        assert len(word) < 40_000 + 60 * len(n.body)  # trimmed styles: ~10 KB + text
        assert not Path(f"{base}.docx").exists()
        assert json.loads(read_record_file(f"{base}.json.gz"))["url"] == f"{URL}/notices/{n.id}.html"
        page = _page(docs, n.id)
        if not text_on_demand(n):
            assert f'href="../data/notices/{n.id}.txt" download="{n.id}.txt"' in page
        for name in ("md", "json", "docx") + (("txt",) if text_on_demand(n) else ()):  # made by site.js from the record
            assert f'href="../data/notices/{n.id}.json.gz" data-make="{name}" download="{n.id}.{name}"' in page


def test_the_word_template_is_one_file_for_the_site(seed_docs):
    """The Word file's package parts (issue 29: site.js zips them with the document's part): one
    ``data/word-template.json``, the parts docx_bytes puts beside word/document.xml."""
    _, docs, _ = seed_docs
    tpl = json.loads((docs / WORD_TEMPLATE).read_text(encoding="utf-8"))
    assert (docs / WORD_TEMPLATE).read_text(encoding="utf-8") == word_template()
    n = next(iter(seed_docs[0].values()))
    with zipfile.ZipFile(io.BytesIO(docx_bytes(n, URL, "2026-12-07", gbt_prefix(n)))) as z:
        fixed = {k: z.read(k) for k in z.namelist() if k not in ("word/document.xml", "docProps/core.xml",
                                                                 "word/_rels/document.xml.rels")}
        document = z.read("word/document.xml").decode("utf-8")
    assert {k: v.encode("utf-8") for k, v in tpl["parts"].items() if k in fixed} == fixed
    assert set(tpl["parts"]) - set(fixed) == {"docProps/core.xml", "word/_rels/document.xml.rels"}
    assert document.startswith(tpl["head"]) and document.endswith(tpl["sect"])


# ------------------------------------------------------------------ listings, 如何引用

def test_home_counts_link_to_tag_pages_with_more(govcn):
    notices, docs = govcn
    home = (docs / "index.md").read_text(encoding="utf-8")
    block = re.search(r'<div class="holdings".*?</div>', home, re.S).group(0)
    hrefs = re.findall(r'href="([^"]+)"', block)
    assert hrefs and all((docs / h.replace(".html", ".md")).is_file() for h in hrefs)
    boxes = lxml_html.fromstring(block).findall(".//section")
    assert [b.findtext("h3/a") for b in boxes] == ["按地区", "按年份", "按文种"]
    assert all(len(b.findall(".//li")) <= 8 for b in boxes)
    types = boxes[2]
    assert types.find(".//a[@class='more']").text == f"更多（共 {len({type_family(n.doc_type) for n in notices})} 项）"
    first = types.find(".//li")
    assert first.findtext("a") == "意见" and first.findtext("span") == "11"


def test_document_list_rows_carry_their_facets(govcn):
    notices, docs = govcn
    md = (docs / "notices" / "index.md").read_text(encoding="utf-8")
    rows = lxml_html.fromstring(re.search(r'<table class="doc-table">.*?</table>', md, re.S).group(0)).findall(".//tbody/tr")
    assert len(rows) == 43
    dates = [r.get("data-date") for r in rows]
    assert [d for d in dates if d] == sorted((d for d in dates if d), reverse=True)
    byhref = {r.find(".//a").get("href"): r for r in rows}
    for n in notices:
        r = byhref[f"{n.id}.html"]
        assert r.get("data-year") == (n.date or "unknown")[:4] if n.date else r.get("data-year") in (str(n.year), "unknown")
        assert r.get("data-regions").split() == [c for _, c in n.region.chain] if n.region else True
    assert 'id="doc-filter"' in md and 'data-key="regions"' in md and 'name="sort"' in md


def test_cite_page_examples_come_from_real_pages(seed_docs):
    byid, docs, _ = seed_docs
    cite = (docs / "generated" / "cite.md").read_text(encoding="utf-8")
    km = _by_source(byid, "002_")
    c = km.clause("s1-1")
    assert f"`{km.citation(c)} {URL}/notices/{km.id}.html#s1-1`" in cite
    law = next(n for n in byid.values() if n.kind == "law" and f"notices/{n.id}.html#art-" in cite)
    cid = re.search(rf"notices/{law.id}\.html#(art-[\w-]+)", cite).group(1)
    assert f"`{law.citation(law.clause(cid))} {URL}/notices/{law.id}.html#{cid}`" in cite
    assert f"本站的公开地址是 `{URL}/`" in cite
