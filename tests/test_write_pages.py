"""Write stage: generated Markdown/JSON/XML, checked without running MkDocs.

The archive's own ``source_texts/`` (5 seeds + 6 laws) go through the real
pipeline (read -> metadata -> structure -> enrich, ``support.loaders``) and
the real theme vocabulary; edge cases the seeds lack (markup in a title, a
reference to a given clause, two provinces with one indicator) are built with
``tests/factories.py``.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from build_tools.permanence.anchors import read_archive
from build_tools.models import Goal, Reference, Target
from build_tools.enrich.themes import retag
from build_tools.vocabulary import DEFAULT_VOCABULARY, load_vocabulary
from build_tools.build.render import write_docs
from build_tools.render.common import GENERATED_DIRS, GENERATED_FILES
from build_tools.render.common import md_text
from build_tools.render.exports import SCHEMA_VERSION
from build_tools.publish.mkdocs_hooks import RAW, split_raw
from factories import clause, notice
from support.loaders import real_notices

SITE = "https://example.org/ip/"
NASTY = "<script>alert(1)</script> *星* | [链接](http://x) # 标题 {#x} _下_ `码`"


def nasty_notice():
    return notice("nasty", title="测试<b>标题</b>*强调*", issuer=["测试局"], date_written="2021-05-06",
                  region="昆明市", clauses=[clause("s1", "一、总则", children=[clause("s1-1", NASTY)])])


def by_seed(notices, seed: str):
    """The notice of seed file ``seed`` (``002`` → 002_f819ad9b31b3e7a6.txt)."""
    return next(n for n in notices if n.source_file.startswith(seed + "_"))


@pytest.fixture(scope="module")
def real():
    """(notices, Enrichment) of source_texts/, as the build makes them."""
    return real_notices()


@pytest.fixture(scope="module")
def site(real, tmp_path_factory):
    notices, enrichment = real
    docs = tmp_path_factory.mktemp("docs")
    (docs / "cite.md").write_text("hand-written", encoding="utf-8")
    km = by_seed(notices, "002")
    stats = write_docs(notices, docs, site_url=SITE, enrichment=enrichment, redirects={km.id: {"s9-9": "s2-3"}})
    return notices, docs, stats


def page(docs, n) -> str:
    return (docs / "notices" / f"{n.id}.md").read_text(encoding="utf-8")


def test_markdown_specials_in_text_are_escaped():
    """md_text turns every Markdown special of a scraped line into text."""
    out = md_text(NASTY)
    assert "<script>" not in out and "&lt;script&gt;" in out
    for ch in "*[]#{}|_`":
        assert f"\\{ch}" in out, ch


def test_rewrite_keeps_hand_written_pages_and_drops_stale_generated_ones(real, tmp_path):
    """source_texts/: docs/cite.md survives two writes; a generated page no
    document produces any more is removed; every generated folder exists."""
    notices, enrichment = real
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cite.md").write_text("hand-written", encoding="utf-8")
    first = write_docs(notices, docs, enrichment=enrichment)
    assert (docs / "cite.md").read_text(encoding="utf-8") == "hand-written"
    stale = docs / "notices" / "stale.md"
    stale.write_text("x", encoding="utf-8")
    again = write_docs(notices, docs, enrichment=enrichment)
    assert not stale.exists() and again.removed == ["notices/stale.md"]
    assert again.changed == [] and sorted(again.files) == sorted(first.files)  # nothing rewritten
    assert (docs / "cite.md").exists()
    assert all((docs / d).is_dir() for d in GENERATED_DIRS)


def test_one_page_per_document_with_every_clause_anchor(site):
    """All 11 documents of source_texts/ (1,021 clauses): one page each, every
    clause with its id and its heading (its ¶ link is made by site.js:
    test_word_download clicks none but counts them in Chromium)."""
    notices, docs, stats = site
    assert stats.notices == len(notices) == 11
    assert stats.clauses == sum(1 for n in notices for _ in n.walk()) == 1021
    for n in notices:
        md = page(docs, n)
        for c in n.walk():
            assert f'id="{c.id}"' in md, (n.id, c.id)
        # the copy buttons are made in the page by site.js (tests/test_browser.py clicks them)
        assert md.count('class="clause-head"') == sum(1 for _ in n.walk()), n.id


def test_without_javascript_every_clause_has_its_label_and_text(site):
    """What site.js does not make (issue 29): on every page of source_texts/ each clause's
    heading holds its id and label, and the clause's own text block (p or div.clause-text
    after it) holds its text, every line, as the reader sees it without a script."""
    from lxml import html as lxml_html  # only this test parses the pages

    notices, docs, _ = site
    checked = 0
    for n in notices:
        tree = lxml_html.fromstring(page(docs, n))
        for c in n.walk():
            head = tree.get_element_by_id(c.id)
            assert head.get("class") == "clause-head" and (head.text or "") == (c.label or "\u3000"), (n.id, c.id)
            block = head.getnext()
            while block is not None and "clause-text" not in (block.get("class") or ""):
                block = block.getnext() if block.tag != "div" or "clause " not in f'{block.get("class")} ' else None
            lines = [line.strip() for line in c.text.split("\n") if line.strip()]
            if not lines:
                continue
            for note in block.xpath(".//*[@data-search-exclude]"):  # a reference's version note (issue 25)
                note.drop_tree()
            got = [p.text_content().strip() for p in ([block] if block.tag == "p" else block.findall("p"))]
            assert got == lines, (n.id, c.id)
            checked += 1
    assert checked > 900


def test_markup_in_clause_text_and_title_is_shown_as_text(tmp_path):
    """A scraped line full of HTML/Markdown, and a title with tags, never become markup."""
    docs = tmp_path / "docs"
    write_docs([nasty_notice()], docs, vocab=[])
    md = (docs / "notices" / "nasty.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert "<script>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "<b>标题</b>" not in md
    # the document list is a raw HTML table (Markdown leaves * alone inside it): escaped once
    listing = (docs / "notices" / "index.md").read_text(encoding="utf-8")
    cell = '<a href="nasty.html">测试&lt;b&gt;标题&lt;/b&gt;*强调*</a>'
    assert "<b>" not in listing and cell in listing
    raw = listing[listing.index("<!--ipa:raw-->"):listing.index("<!--/ipa:raw-->")]
    assert cell in raw


def test_metadata_card_links_the_region_chain_and_the_source_file(site):
    """Seed 002 (昆明): the card's rows, both levels of 云南省 → 昆明市, the raw file."""
    notices, docs, _ = site
    md = page(docs, by_seed(notices, "002"))
    for label in ("发文机关", "发文字号", "成文日期", "地区", "状态", "主题", "原始文件"):
        assert f"<th>{label}</th>" in md, label
    assert "002_f819ad9b31b3e7a6.txt" in md
    assert "tags/region/530000.html" in md and "tags/region/530100.html" in md


def test_banners_for_drafts_and_inferred_metadata(site):
    """A 征求意见稿 (seed 004) gets the draft banner, metadata guessed from
    context (seeds 000 and 001: region, year) the inferred one; over all 11
    documents the banners follow status and basis exactly."""
    notices, docs, _ = site
    drafts = {n.id for n in notices if "banner--draft" in page(docs, n)}
    inferred = {n.id for n in notices if "banner--inferred" in page(docs, n)}
    assert drafts == {n.id for n in notices if n.status == "征求意见稿"} == {by_seed(notices, "004").id}
    assert inferred == {n.id for n in notices if "inferred" in n.basis.values()}
    assert inferred == {by_seed(notices, "000").id, by_seed(notices, "001").id}
    assert "推定" in page(docs, by_seed(notices, "001"))


def test_citation_data_and_permanent_url(site):
    """Seed 002: the permanent URL, the GB/T 7714 prefix with the date, and a
    clause of the forwarded plan cited by the plan's own title."""
    notices, docs, _ = site
    km = by_seed(notices, "002")
    md = page(docs, km)
    assert f'data-url="{SITE}notices/{km.id}.html"' in md
    assert f'data-cite-prefix="{km.citation(None)}"' in md
    assert "[EB/OL]. (2022-09-29)" in md
    s23 = km.clause("s2-3")
    assert re.search(f'id="s2-3"(?: data-themes="[^"]*")?>{s23.label}<', md) and s23.label == "二（三）"  # its span: site.js
    assert f'data-cite="{km.citation(s23)}"' in md
    assert km.citation(s23) == "《昆明市国家知识产权强市建设示范城市工作方案（2022—2025年）》（2022年9月29日）二（三）"  # issue 25: the text named


def test_redirect_keeps_an_old_anchor(site):
    """redirects.yml maps seed 002's old s9-9 to s2-3: the old id stays on the page."""
    notices, docs, _ = site
    md = page(docs, by_seed(notices, "002"))
    assert '<span class="clause-redirect" id="s9-9"></span>' in md
    assert "data-redirects=" in md and "s9-9" in md


def test_related_documents_are_listed_with_their_reason(site, real):
    """Seed 002 lists the two 云南省 documents (000, 003) as 同一地区, as enrich found them."""
    notices, docs, _ = site
    related = real[1].related
    km = by_seed(notices, "002")
    md = page(docs, km)
    same = [d for d, reason in related[km.id] if reason == "同一地区"]
    assert set(same) == {by_seed(notices, "000").id, by_seed(notices, "003").id}
    block = md[md.index('<ul class="related">'):]
    block = block[:block.index("</ul>")]
    for doc_id, reason in related[km.id]:
        assert f'href="../notices/{doc_id}.html"' in block and f"（{reason}）" in block


def test_region_year_type_and_status_pages(site):
    """Region pages nest 昆明市 under 云南省 and list the province's documents
    on its page; one year page per year; the draft on its status page."""
    notices, docs, _ = site
    yn = (docs / "tags" / "region" / "530000.md").read_text(encoding="utf-8")
    for seed in ("000", "002", "003"):
        assert f'<a href="../../notices/{by_seed(notices, seed).id}.html">' in yn, seed
    assert "昆明市" in yn
    idx = (docs / "tags" / "region" / "index.md").read_text(encoding="utf-8")
    assert idx.index("云南省") < idx.index("昆明市")
    assert "    - [昆明市]" in idx  # nested under 云南省
    km = by_seed(notices, "002")
    assert (docs / "tags" / "year" / "2022.md").read_text(encoding="utf-8").count(f"notices/{km.id}.html") == 1
    years = {p.stem for p in (docs / "tags" / "year").glob("*.md")} - {"index"}
    assert years == {str(n.year) for n in notices if n.year}
    draft = by_seed(notices, "004")
    status = [p for p in (docs / "tags" / "status").glob("*.md") if p.name != "index.md"]
    assert [p.name for p in status if f"notices/{draft.id}.html" in p.read_text(encoding="utf-8")]
    assert len([p for p in (docs / "tags" / "type").glob("*.md") if p.name != "index.md"]) == len(
        {n.doc_type for n in notices if n.doc_type})


def test_theme_pages_list_every_tagged_clause(site):
    """Real vocabulary (data/themes.yml): each theme page links every clause
    tagged with it; 地理标志 clauses come from at least three documents."""
    notices, docs, _ = site
    vocab = {t.slug: t for t in load_vocabulary()}
    tagged = {slug for n in notices for c in n.walk() for slug in c.themes}
    assert tagged <= set(vocab) and "geographical-indication" in tagged
    for slug in tagged:
        md = (docs / "tags" / "theme" / f"{slug}.md").read_text(encoding="utf-8")
        for n in notices:
            for c in n.walk():
                if slug in c.themes:
                    assert f"notices/{n.id}.html#{c.id}" in md, (slug, n.id, c.id)
    gi = {n.id for n in notices for c in n.walk() if "geographical-indication" in c.themes}
    assert len(gi) >= 3


def test_external_document_pages_list_every_citing_clause(site):
    """Every document the archive cites but does not hold (43 here) has a
    section (``#ext-…``) on the page of its key's group listing each citing
    clause, linked from the cited list and from each citing clause; its old
    page sends there (issue 29)."""
    from build_tools.render.common import cited_group

    notices, docs, stats = site
    keys = {r.external_key for n in notices for r in n.references if r.external_key and not r.target_id}
    assert stats.external == len(keys) == 43
    index = (docs / "tags" / "cited" / "index.md").read_text(encoding="utf-8")
    for key in keys:
        text = (docs / "tags" / "cited" / f"{cited_group(key)}.md").read_text(encoding="utf-8")
        section = re.search(f'<section class="cited-doc"><h2 id="{key}">.*?</section>', text, re.S).group(0)
        assert f'href="{cited_group(key)}.html#{key}"' in index
        stub = (docs / "tags" / "cited" / f"{key}.html").read_text(encoding="utf-8")
        assert f'url={cited_group(key)}.html#{key}"' in stub
        for n in notices:
            for r in n.references:
                if r.external_key == key:
                    assert f"notices/{n.id}.html#{r.clause_id}" in section, (key, n.id, r.clause_id)
                    assert f'href="../tags/cited/{cited_group(key)}.html#{key}"' in page(docs, n)


def test_a_reference_links_to_the_cited_clause_and_back(tmp_path):
    """b's 《测试》第一条 resolves to nasty's s1-1: b links there, nasty lists b
    as citing it, the export records it; relative URLs without a site_url."""
    a = nasty_notice()
    b = notice("b", title="引用方", issuer=["乙"], date_written="2022-01-01",
               clauses=[clause("s1", "根据《测试》第一条执行。")],
               references=[Reference("s1", "《测试》", title="测试", target_id="nasty", target_clause="s1-1")])
    docs = tmp_path / "docs"
    write_docs([a, b], docs, vocab=[], related={"b": [("nasty", 0.5, "同地区")]})
    bmd = (docs / "notices" / "b.md").read_text(encoding="utf-8")
    assert '<a class="ref" href="../notices/nasty.html#s1-1">《测试》</a>' in bmd
    assert 'data-url="b.html"' in bmd
    assert "同地区" in bmd and 'href="../notices/nasty.html"' in bmd
    amd = (docs / "notices" / "nasty.md").read_text(encoding="utf-8")
    assert 'href="../notices/b.html#s1"' in amd  # 被引用
    data = read_archive(docs / "data")
    nasty = next(d for d in data["documents"] if d["id"] == "nasty")
    assert nasty["cited_by"][0]["source_id"] == "b"


def test_the_gzipped_archive_is_the_records_as_written_and_unzips_to_the_archive_json_of_before(site):
    """Issue 29: data/archive.json.gz holds each record file's own gzip member
    (no recompression) and unzips (gzip, as zcat does) to exactly what
    ``exports.dump_archive`` writes; no uncompressed archive.json is left."""
    import gzip

    from build_tools.render.downloads import read_record_file
    from build_tools.render.exports import ARCHIVE_NAME

    notices, docs, _ = site
    raw = (docs / "data" / ARCHIVE_NAME).read_bytes()
    assert not (docs / "data" / "archive.json").exists()
    records = sorted((docs / "data" / "notices").glob("*.json.gz"))
    assert len(records) == len(notices)
    for f in records:
        assert f.read_bytes() in raw  # the member as written
        assert not read_record_file(f).endswith(b"\n") and b"\n" not in read_record_file(f)  # one line
    text = gzip.decompress(raw).decode("utf-8")
    heads = json.loads(text)
    assert [d["id"] for d in heads["documents"]] == sorted(n.id for n in notices)
    # each record one line of the documents list, as archive.json had them
    lines = text.split("\n")
    assert all(read_record_file(f).decode("utf-8") in lines[lines.index(' "documents": [') + 1:] or
               read_record_file(f).decode("utf-8") + "," in lines for f in records)
    assert text.endswith("\n ]\n}\n") and len(raw) < len(text.encode("utf-8")) / 3


def test_archive_json_export_follows_its_schema(site):
    """All 11 documents: clause ids in reading order, permanent clause URLs,
    the schema's required keys, every reference exported."""
    notices, docs, _ = site
    data = read_archive(docs / "data")
    assert data["schema_version"] == SCHEMA_VERSION and data["count"] == len(notices)
    schema = json.loads((docs / "data" / "archive.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION

    def walk(cs):
        for c in cs:
            yield c
            yield from walk(c["children"])

    assert {d["id"] for d in data["documents"]} == {n.id for n in notices}
    for d in data["documents"]:
        n = next(x for x in notices if x.id == d["id"])
        got = list(walk(d["clauses"]))
        assert [c["id"] for c in got] == [c.id for c in n.walk()]
        for c in got:
            assert c["url"] == f"{SITE}notices/{n.id}.html#{c['id']}"
            for key in schema["$defs"]["clause"]["required"]:
                assert key in c
        for key in schema["$defs"]["document"]["required"]:
            assert key in d
        assert len(d["references"]) == len(n.references)


def test_atom_feed_has_every_document_newest_first(site):
    """One entry per document; the first is the newest dated one (seed 004, 2023-03-22)."""
    notices, docs, _ = site
    root = ET.parse(docs / "data" / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == len(notices)
    first = entries[0].find("a:link", ns).get("href")
    newest = max((n for n in notices if n.date), key=lambda n: n.date)
    assert newest is by_seed(notices, "004")
    assert first == f"{SITE}notices/{newest.id}.html"


def test_timeline_and_targets_link_every_goal_and_target(site):
    """Every document on the timeline (inferred dates marked 推定), every goal
    and target linked to its clause; per-region timelines hold only their
    region's documents (云南省: 002, not 004)."""
    notices, docs, _ = site
    tl = (docs / "generated" / "timeline.md").read_text(encoding="utf-8")
    for n in notices:
        assert f"notices/{n.id}.html" in tl, n.id
        for g in n.goals:
            assert f"notices/{n.id}.html#{g.clause_id}" in tl
    assert "（推定）" in tl and 'id="tl-region"' in tl
    codes = {p.stem for p in (docs / "generated" / "timeline").glob("*.md")}
    assert codes == {code for n in notices if n.region for _, code in n.region.chain}
    yn = (docs / "generated" / "timeline" / "530000.md").read_text(encoding="utf-8")
    assert f"notices/{by_seed(notices, '002').id}.html" in yn
    assert f"notices/{by_seed(notices, '004').id}.html" not in yn
    tg = (docs / "generated" / "targets.md").read_text(encoding="utf-8")
    assert sum(len(n.targets) for n in notices) == 26  # 002: 5, 001: 5, 003: 16
    for n in notices:
        for t in n.targets:
            assert f"notices/{n.id}.html#{t.clause_id}" in tg


def test_one_indicator_of_two_provinces_shares_a_section(tmp_path):
    """Two provinces with the same indicator: one 目标 section with both values,
    and the goal years on the timeline."""
    def plan(doc_id, region, year, value):
        return notice(doc_id, title=f"{region}方案", date_written=f"{year}-01-01", region=region,
                      clauses=[clause("s1", "一、目标")],
                      targets=[Target("s1", "每万人口高价值发明专利拥有量", value, "件", str(year + 3), "…")],
                      goals=[Goal("s1", "到2025年…", str(year + 3))])

    docs = tmp_path / "docs"
    write_docs([plan("a", "云南省", 2022, 12), plan("b", "四川省", 2021, 15.5)], docs, vocab=[])
    tg = (docs / "generated" / "targets.md").read_text(encoding="utf-8")
    assert tg.count("## 每万人口高价值发明专利拥有量") == 1
    assert "12件" in tg and "15.5件" in tg
    tl = (docs / "generated" / "timeline.md").read_text(encoding="utf-8")
    assert "## 2025年 {#y2025}" in tl and "## 2024年 {#y2024}" in tl


def test_a_new_theme_needs_only_its_vocabulary_entry(real, tmp_path):
    """ARCHITECTURE.md's exercise: one entry appended to themes.yml gives the
    clauses their tag, the documents their theme and the theme its page.
    示范 (示范城市, 示范区): seeds 002 and 004 name it in their titles."""
    notices, enrichment = real
    yml = tmp_path / "themes.yml"
    yml.write_text(DEFAULT_VOCABULARY.read_text(encoding="utf-8") + (
        "\n- slug: demonstration\n  name: 示范创建\n"
        "  description: 知识产权示范城市、示范区与示范企业的创建。\n  keywords: [示范]\n"), encoding="utf-8")
    vocab = load_vocabulary(yml)
    assert vocab[-1].slug == "demonstration" and len(vocab) == len(load_vocabulary()) + 1
    copies = [retag(n, vocab) for n in notices]  # new records (issue 24: the enriched ones are frozen)
    docs = tmp_path / "docs"
    write_docs(copies, docs, vocab=vocab, enrichment=enrichment)
    md = (docs / "tags" / "theme" / "demonstration.md").read_text(encoding="utf-8")
    assert "示范创建" in md
    tagged = [(n, c) for n in copies for c in n.walk() if "demonstration" in c.themes]
    assert tagged and all("示范" in c.text for _, c in tagged)
    for n, c in tagged:
        assert f"notices/{n.id}.html#{c.id}" in md, (n.id, c.id)
    with_theme = {n.id for n in copies if "demonstration" in n.themes}
    assert {by_seed(copies, "002").id, by_seed(copies, "004").id} <= with_theme
    assert "demonstration" in (docs / "tags" / "theme" / "index.md").read_text(encoding="utf-8")


def test_every_generated_location_is_git_ignored():
    """Generated docs are never committed: each of write.GENERATED_DIRS / GENERATED_FILES
    is ignored by git (docs/works/ was not, when the versions stage added it)."""
    paths = [f"docs/{d}/probe.md" for d in GENERATED_DIRS] + [f"docs/{f}" for f in GENERATED_FILES]
    r = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert sorted(r.stdout.split()) == sorted(paths)


def test_notice_pages_hand_markdown_no_html_to_parse(real, tmp_path):
    """Every line of HTML on a notice page is inside a raw block, which the
    MkDocs hook passes through unparsed: Python-Markdown's and MkDocs' HTML
    parsers spent half of MkDocs' time on cards, outlines and reference lists
    (issue 16).  What is left for Markdown is headings and plain text."""
    notices, enr = real
    write_docs(notices, tmp_path, site_url=SITE, enrichment=enr)
    pages = [p for p in (tmp_path / "notices").glob("*.md") if p.name != "index.md"]
    assert len(pages) == len(notices)
    for p in pages:
        text = p.read_text(encoding="utf-8")
        assert RAW.search(text)
        left = RAW.sub("", text)
        assert "<" not in left, f"{p.name}: {left[left.index('<') - 80:left.index('<') + 80]!r}"
    for p in tmp_path.rglob("*.md"):  # the hook's stash finds what the regex finds, on every page
        text = p.read_text(encoding="utf-8")
        assert split_raw(text) == _stash_by_regex(text), p


def _stash_by_regex(markdown: str) -> tuple[str, list[str]]:
    blocks: list[str] = []

    def stash(m) -> str:
        blocks.append(m.group(1))
        return f"\n<!--ipa:raw:{len(blocks) - 1}-->\n"

    return RAW.sub(stash, markdown), blocks


def test_raw_stash_matches_the_regex_on_every_arrangement_of_markers():
    """Markers that do not begin or end a line, empty blocks, unclosed ones,
    nested openers: every string of up to 7 pieces (5^7 = 78,125)."""
    import itertools

    pieces = ["<!--ipa:raw-->", "<!--/ipa:raw-->", "\n", "a", "\n\n"]
    n = 0
    for k in range(8):
        for combo in itertools.product(pieces, repeat=k):
            text = "".join(combo)
            assert split_raw(text) == _stash_by_regex(text), repr(text)
            n += 1
    assert n == sum(5 ** k for k in range(8))


def test_document_lists_are_the_html_python_markdown_made_of_their_markdown(real):
    """tags.doc_list writes raw HTML (Python-Markdown spent 2.4 s on these
    lists on the whole corpus): for every seed, a title full of markup, a
    draft and a document without date or region, it is the HTML
    Python-Markdown renders from the Markdown list it replaced
    (``- [title](x.md) — 地区 · 日期 · 文种 · 状态``, md_text escaping)."""
    import markdown

    from build_tools.render.common import RAW_CLOSE, RAW_OPEN, by_date_desc, date_md, region_label, type_family
    from build_tools.render.tags import doc_list

    notices, _ = real
    odd = [notice("zz-odd", title='<script>x</script> *星* [a](b) "引号" & 符号 # {#id}  多  空格',
                  region="全国", date_written="2001-01-01", doc_type="通知", status="征求意见稿"),
           notice("zz-none", title="无日期_无地区_", status="正式")]
    docs = notices + odd
    page = "tags/region/530000.md"

    def old_item(n) -> str:
        bits = [region_label(n), date_md(n)]
        if n.doc_type:
            bits.append(type_family(n.doc_type))
        if n.status != "正式" and n.status != type_family(n.doc_type):
            bits.append(f"**{md_text(n.status)}**")
        meta = " · ".join(b if b.startswith("**") else md_text(b) for b in bits)
        return f"- [{md_text(n.title)}](../../notices/{n.id}.html) — {meta}"

    want = markdown.markdown("\n".join(old_item(n) for n in by_date_desc(docs)))
    lines = doc_list(page, docs)
    assert lines[1] == RAW_OPEN and lines[-2] == RAW_CLOSE
    assert "\n".join(lines[2:-2]) == want
    assert "&lt;script&gt;" in want and "<strong>征求意见稿</strong>" in want
    assert doc_list(page, docs, limit=3)[2:-2] == lines[2:6] + ["</ul>"] and doc_list(page, []) == []


def test_page_squeeze_drops_indentation_only_where_it_does_not_show(site):
    """mkdocs_hooks.squeeze (issue 29): the ASCII indentation after a line
    break goes; pre, textarea, script and style keep theirs, and a full-width
    space or no-break space starting a line is text and stays.  On every
    generated page of the seeds the text outside tags is unchanged but for
    that indentation."""
    import re as re_

    from build_tools.publish.mkdocs_hooks import squeeze

    html = ('<div>\n    <p>一</p>\n\n  <pre>a\n    b</pre>\n  <script>x\n   y</script>\n'
            '<style>p {\n  color: red }</style>\n<p>\n\u3000\u3000第一条</p>\n\u00a0x<TEXTAREA>q\n  r</TEXTAREA>')
    assert squeeze(html) == ('<div>\n<p>一</p>\n<pre>a\n    b</pre>\n<script>x\n   y</script>\n'
                             '<style>p {\n  color: red }</style>\n<p>\n\u3000\u3000第一条</p>\n\u00a0x<TEXTAREA>q\n  r</TEXTAREA>')
    _, docs, _ = site
    for f in sorted(docs.rglob("*.md"))[:400]:
        text = f.read_text(encoding="utf-8")
        out = squeeze(text)
        assert re_.sub(r"\n[ \t]+", "\n", re_.sub(r"\n\n+", "\n", text)) == re_.sub(r"\n\n+", "\n", out) or "<pre" in text, f


def test_cited_by_lists_every_citing_clause_once_per_citing_document(site, real):
    """被引用 on every page of source_texts/: one entry a citing document (its citation once),
    and in it a link to every citing clause and to every clause of this one it cites
    (issue 29: grouped, not the citing title again on each line)."""
    notices, enrichment = real
    byid = {n.id: n for n in notices}
    checked = 0
    for n in notices:
        md = page(site[1], n)
        box = re.search(r'<ul class="refs refs--in">(.*?)</ul>', md, re.S)
        cites = [c for c in enrichment.cited_by.get(n.id, []) if c.source_id in byid]
        if not cites:
            assert box is None, n.id
            continue
        items = re.findall(r"<li>(.*?)</li>", box.group(1))
        assert len(items) == len({c.source_id for c in cites}), n.id  # one entry a citing document
        for c in cites:
            item = next(i for i in items if i.startswith(f'<a href="../notices/{c.source_id}.html">'))
            if byid[c.source_id].clause(c.clause_id) is not None:
                assert f'href="../notices/{c.source_id}.html#{c.clause_id}"' in item, (n.id, c)
            if c.target_clause and n.clause(c.target_clause) is not None:
                assert f'href="#{c.target_clause}"' in item, (n.id, c)
            checked += 1
    assert checked >= 20
