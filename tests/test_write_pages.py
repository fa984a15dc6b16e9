"""Write stage: generated Markdown/JSON/XML, checked without running MkDocs."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from build_tools.models import Clause, Goal, Notice, Reference, Region, Target  # noqa: E402
from build_tools.write import GENERATED_DIRS, write_docs  # noqa: E402
from build_tools.write.common import md_text  # noqa: E402
from build_tools.write.exports import SCHEMA_VERSION  # noqa: E402
from scripts.demo_notices import DEMO_THEMES, demo_notices  # noqa: E402

NASTY = "<script>alert(1)</script> *星* | [链接](http://x) # 标题 {#x} _下_ `码`"


def _nasty_notice() -> Notice:
    c2 = Clause("s1-1", "一（一）", 2, "item", NASTY, number=1)
    c1 = Clause("s1", "一", 1, "section", "一、总则", number=1, children=[c2])
    return Notice(id="nasty", title="测试<b>标题</b>*强调*", source_file="nasty.txt", body="一、总则\n" + NASTY,
                  issuer=["测试局"], date_written="2021-05-06",
                  region=Region("昆明市", "530100", [("云南省", "530000"), ("昆明市", "530100")]),
                  clauses=[c1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    notices = demo_notices()
    docs = tmp_path_factory.mktemp("docs")
    (docs / "cite.md").write_text("hand-written", encoding="utf-8")
    stats = write_docs(notices, docs, site_url="https://example.org/ip/", vocab=DEMO_THEMES,
                       redirects={"002": {"s9-9": "s2-3"}})
    return notices, docs, stats


def test_md_text_neutralises_markdown():
    out = md_text(NASTY)
    assert "<script>" not in out and "&lt;script&gt;" in out
    for ch in "*[]#{}|_`":
        assert f"\\{ch}" in out, ch


def test_clean_keeps_hand_written(tmp_path):
    notices = demo_notices()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cite.md").write_text("hand-written", encoding="utf-8")
    write_docs(notices, docs, vocab=DEMO_THEMES)
    assert (docs / "cite.md").read_text(encoding="utf-8") == "hand-written"
    stale = docs / "notices" / "stale.md"
    stale.write_text("x", encoding="utf-8")
    write_docs(notices, docs, vocab=DEMO_THEMES)
    assert not stale.exists()
    assert (docs / "cite.md").exists()
    assert all((docs / d).is_dir() for d in GENERATED_DIRS)


def test_one_page_per_notice_with_clause_anchors(demo):
    notices, docs, stats = demo
    assert stats.notices == len(notices) == 5
    for n in notices:
        md = (docs / "notices" / f"{n.id}.md").read_text(encoding="utf-8")
        for c in n.walk():
            assert f'id="{c.id}"' in md, (n.id, c.id)
            assert f'href="#{c.id}"' in md  # ¶ link
        assert md.count("复制引用</button>") == sum(1 for _ in n.walk())


def test_clause_text_escaped_in_raw_html(tmp_path):
    docs = tmp_path / "docs"
    write_docs([_nasty_notice()], docs, vocab=[])
    md = (docs / "notices" / "nasty.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert "<script>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "<b>标题</b>" not in md
    # the title also shows up in listings, escaped for Markdown
    listing = (docs / "notices" / "index.md").read_text(encoding="utf-8")
    assert "<b>" not in listing and "\\*强调\\*" in listing


def test_metadata_card_and_banners(demo):
    notices, docs, _ = demo
    km = (docs / "notices" / "002.md").read_text(encoding="utf-8")
    for label in ("发文机关", "发文字号", "成文日期", "地区", "状态", "主题", "原始文件"):
        assert f"<th>{label}</th>" in km
    assert "002_f819ad9b31b3e7a6.txt" in km
    assert "tags/region/530000.html" in km and "tags/region/530100.html" in km
    assert "banner--draft" not in km
    cd = (docs / "notices" / "004.md").read_text(encoding="utf-8")
    assert "banner--draft" in cd
    jl = (docs / "notices" / "001.md").read_text(encoding="utf-8")
    assert "banner--inferred" in jl and "推定" in jl


def test_citation_data_and_permanent_url(demo):
    notices, docs, _ = demo
    km = next(n for n in notices if n.id == "002")
    md = (docs / "notices" / "002.md").read_text(encoding="utf-8")
    assert 'data-url="https://example.org/ip/notices/002.html"' in md
    assert f'data-cite-prefix="{km.citation(None)}"' in md
    assert "[EB/OL]. (2022-09-29)" in md  # GB/T 7714 prefix
    assert 'data-label="二（三）"' in md


def test_redirect_old_anchor(demo):
    _, docs, _ = demo
    md = (docs / "notices" / "002.md").read_text(encoding="utf-8")
    assert '<span class="clause-redirect" id="s9-9"></span>' in md
    assert "data-redirects=" in md and "s9-9" in md


def test_region_year_type_status_pages(demo):
    notices, docs, _ = demo
    yn = (docs / "tags" / "region" / "530000.md").read_text(encoding="utf-8")
    assert "昆明市" in yn and "(../../notices/002.md)" in yn and "(../../notices/003.md)" in yn
    idx = (docs / "tags" / "region" / "index.md").read_text(encoding="utf-8")
    assert idx.index("云南省") < idx.index("昆明市")
    assert "    - [昆明市]" in idx  # nested under 云南省
    assert (docs / "tags" / "year" / "2022.md").read_text(encoding="utf-8").count("notices/002.md") == 1
    status = list((docs / "tags" / "status").glob("*.md"))
    assert any("notices/004.md" in p.read_text(encoding="utf-8") for p in status if p.name != "index.md")
    assert list((docs / "tags" / "type").glob("*.md"))


def test_theme_page_lists_clauses_from_several_documents(demo):
    notices, docs, _ = demo
    md = (docs / "tags" / "theme" / "geographical-indications.md").read_text(encoding="utf-8")
    docs_with = {n.id for n in notices for c in n.walk() if "地理标志" in c.themes}
    assert len(docs_with) >= 3
    for n in notices:
        for c in n.walk():
            if "地理标志" in c.themes:
                assert f"notices/{n.id}.html#{c.id}" in md


def test_external_document_pages(demo):
    notices, docs, stats = demo
    keys = {r.external_key for n in notices for r in n.references if r.external_key and not r.target_id}
    assert stats.external == len(keys) > 0
    for key in keys:
        page = (docs / "tags" / "cited" / f"{key}.md").read_text(encoding="utf-8")
        citing = [(n.id, r.clause_id) for n in notices for r in n.references if r.external_key == key]
        for doc_id, cid in citing:
            assert f"notices/{doc_id}.html#{cid}" in page


def test_references_link_to_target_and_cited_by(tmp_path):
    a = _nasty_notice()
    b = Notice(id="b", title="引用方", source_file="b.txt", body="x", issuer=["乙"], date_written="2022-01-01",
               clauses=[Clause("s1", "一", 1, "section", "根据《测试》第一条执行。")])
    b.references = [Reference("s1", "《测试》", title="测试", target_id="nasty", target_clause="s1-1")]
    docs = tmp_path / "docs"
    write_docs([a, b], docs, vocab=[], related={"b": [("nasty", 0.5, "同地区")]})
    bmd = (docs / "notices" / "b.md").read_text(encoding="utf-8")
    assert '<a class="ref" href="../notices/nasty.html#s1-1">《测试》</a>' in bmd
    assert 'data-url="b.html"' in bmd  # relative to the page when there is no site_url
    assert "同地区" in bmd and 'href="../notices/nasty.html"' in bmd
    amd = (docs / "notices" / "nasty.md").read_text(encoding="utf-8")
    assert 'href="../notices/b.html#s1"' in amd  # 被引用
    data = json.loads((docs / "data" / "archive.json").read_text(encoding="utf-8"))
    nasty = next(d for d in data["documents"] if d["id"] == "nasty")
    assert nasty["cited_by"][0]["source_id"] == "b"


def test_archive_json_export(demo):
    notices, docs, _ = demo
    data = json.loads((docs / "data" / "archive.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION and data["count"] == len(notices)
    schema = json.loads((docs / "data" / "archive.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION

    def walk(cs):
        for c in cs:
            yield c
            yield from walk(c["children"])

    for d in data["documents"]:
        n = next(x for x in notices if x.id == d["id"])
        got = list(walk(d["clauses"]))
        assert [c["id"] for c in got] == [c.id for c in n.walk()]
        for c in got:
            assert c["url"] == f"https://example.org/ip/notices/{n.id}.html#{c['id']}"
            for key in schema["$defs"]["clause"]["required"]:
                assert key in c
        for key in schema["$defs"]["document"]["required"]:
            assert key in d
        assert len(d["references"]) == len(n.references)


def test_atom_feed(demo):
    notices, docs, _ = demo
    root = ET.parse(docs / "data" / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == len(notices)
    first = entries[0].find("a:link", ns).get("href")
    newest = max((n for n in notices if n.date), key=lambda n: n.date)
    assert first == f"https://example.org/ip/notices/{newest.id}.html"


def test_timeline_and_targets(demo):
    notices, docs, _ = demo
    tl = (docs / "generated" / "timeline.md").read_text(encoding="utf-8")
    for n in notices:
        assert f"notices/{n.id}.html" in tl
    assert "（推定）" in tl and 'id="tl-region"' in tl
    for n in notices:
        for g in n.goals:
            assert f"notices/{n.id}.html#{g.clause_id}" in tl
    assert (docs / "generated" / "timeline" / "530000.md").exists()
    yn = (docs / "generated" / "timeline" / "530000.md").read_text(encoding="utf-8")
    assert "notices/002.html" in yn and "notices/004.html" not in yn
    tg = (docs / "generated" / "targets.md").read_text(encoding="utf-8")
    for n in notices:
        for t in n.targets:
            assert f"notices/{n.id}.html#{t.clause_id}" in tg


def test_targets_side_by_side(tmp_path):
    mk = lambda i, code, name, year, v: Notice(  # noqa: E731
        id=i, title=f"{name}方案", source_file=f"{i}.txt", body="x", date_written=f"{year}-01-01",
        region=Region(name, code, [(name, code)]), clauses=[Clause("s1", "一", 1, "section", "x")],
        targets=[Target("s1", "每万人口高价值发明专利拥有量", v, "件", str(year + 3), "…")],
        goals=[Goal("s1", "到2025年…", str(year + 3))])
    docs = tmp_path / "docs"
    write_docs([mk("a", "530000", "云南省", 2022, 12), mk("b", "510000", "四川省", 2021, 15.5)], docs, vocab=[])
    tg = (docs / "generated" / "targets.md").read_text(encoding="utf-8")
    assert tg.count("## 每万人口高价值发明专利拥有量") == 1
    assert "12件" in tg and "15.5件" in tg
    tl = (docs / "generated" / "timeline.md").read_text(encoding="utf-8")
    assert "## 2025年 {#y2025}" in tl and "## 2024年 {#y2024}" in tl
