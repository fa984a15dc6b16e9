"""Issue 25 on real texts: 施行 decides which version a reference means, renumbered
articles are followed, each article shows its history across held versions.

Real texts: the archive's 专利法 (2020, 施行 2021-06-01 set by its sidecar from the
amendment decision), lawrefbook's 最高人民法院关于审理侵犯专利权纠纷案件应用法律若干问题
的解释（二） (2020-12-29) whose 第二十七条 cites 专利法第六十五条第一款, lawrefbook's
行政复议法 2017 and 2023, and the 2008 专利法 text in ``tests/data/laws`` (not in
lawrefbook: the 2008 text in a temporary archive).  That file is the official text in
lawrefbook's format as kept by the public repository Theonefkguy/Chinese-Laws
(``民法商法/专利法(2008-12-27).md``), without the comment lines that repository adds
(SOURCE/STATUS/EFFECTIVE_FROM); its dated lines and articles are as printed there."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from build_tools.enrich import enrich_all
from build_tools.enrich.alignment import align_works, articles, follow
from build_tools.ingest.lawdates import body_effective
from build_tools.ingest.metadata import load_notice
from build_tools.pipeline import load_documents, source_files
from build_tools.ingest.sidecar import SidecarError, load_sidecar
from build_tools.render.common import ThemeIndex
from build_tools.render.pages import render_notice
from build_tools.render.works import article_history, missing_note, ref_extra
from conftest import LAWREF, ROOT

SRC = ROOT / "source_texts"
DATA = ROOT / "tests" / "data" / "laws"
PATENT_2008 = DATA / "专利法(2008-12-27).md"
JIESHI2 = LAWREF / "司法解释" / "最高人民法院关于审理侵犯专利权纠纷案件应用法律若干问题的解释（二）(2020-12-29).md"
FUYI = (LAWREF / "诉讼与非诉讼程序法/行政复议法(2017-09-01).md", LAWREF / "诉讼与非诉讼程序法/行政复议法(2023-09-01).md")
TODAY = "2026-12-01"


def _archive(*extra: Path):
    res = load_documents(source_files(SRC) + list(extra))
    assert not res.errors, res.errors
    enr = enrich_all(res.notices, today=TODAY, related=False)
    return {n.id: n for n in res.notices}, enr


def _by_title(byid, title: str, label=None):
    return next(n for n in byid.values() if n.title == title and (label is None or n.version_label == label))


def _ref_27(byid):
    jie = next(n for n in byid.values() if n.source_file == JIESHI2.name)
    return jie, next(r for r in jie.references if r.clause_id == "art-27" and "第六十五条" in r.text)


@pytest.fixture(scope="module")
def without_2008():
    return _archive(JIESHI2)


@pytest.fixture(scope="module")
def with_2008(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("laws")
    shutil.copy(PATENT_2008, tmp / PATENT_2008.name)
    return _archive(JIESHI2, tmp / PATENT_2008.name, *FUYI)


def test_effective_date_decides_not_adoption(without_2008):
    """专利法 2020 adopted 2020-10-17, in force 2021-06-01: the interpretation of
    2020-12-23/29 cites the 2008 text, which is not held -> the work page's note."""
    byid, enr = without_2008
    law = _by_title(byid, "中华人民共和国专利法")
    work = enr.works[law.work_id]
    assert work.effective["2020-10-17"] == "2021-06-01"
    assert work.effective["1984-03-12"] == "1985-04-01"  # 本法自1985年4月1日起施行, the 1984 text's
    assert work.in_force("2020-12-29") == ("2008年修正", None)
    assert work.in_force("2021-06-01") == ("2020年修正", law.id)
    jie, r = _ref_27(byid)
    assert r.target_id is None and r.target_work == law.work_id and r.missing_version == "2008年修正"
    assert missing_note(r) == "引用时有效的是2008年文本（本文库未收录）"
    page = f"notices/{jie.id}.html"
    extra = ref_extra(r, page, byid)
    assert "引用时有效的是2008年文本（本文库未收录）" in extra
    md = render_notice(jie, site_url="", notices=byid, cited_by=enr.cited_by, external={}, related={},
                       redirects={}, themes=_themes(), enrichment=enr)
    art27 = md[md.index('id="art-27"'):]
    art27 = art27[:art27.index('id="art-28"')]
    assert f'href="../works/{law.work_id}.html">专利法第六十五条第一款</a>' in art27
    assert "引用时有效的是2008年文本（本文库未收录）" in art27
    assert f"notices/{law.id}.html" not in art27  # never silently into the 2020 text


def _themes():
    return ThemeIndex([])


def test_2008_text_held_gets_the_link_and_the_renumbering(with_2008):
    """With the 2008 text held the link opens its 第六十五条 (the damages rule), and
    says where the rule is now: 原第六十五条，现第七十一条."""
    byid, enr = with_2008
    old = _by_title(byid, "中华人民共和国专利法", "2008年修正")
    new = _by_title(byid, "中华人民共和国专利法", "2020年修正")
    jie, r = _ref_27(byid)
    assert (r.target_id, r.target_clause) == (old.id, "art-65")
    assert "赔偿数额" in old.clause("art-65").text and "赔偿数额" in new.clause("art-71").text
    assert (r.now_id, r.now_clause) == (new.id, "art-71")
    assert r.now_note == "原第六十五条，现第七十一条"
    extra = ref_extra(r, f"notices/{jie.id}.html", byid)
    assert f'notices/{new.id}.html#art-71' in extra and "原第六十五条，现第七十一条" in extra
    # 2008 text: superseded once the 2020 text is in force
    assert enr.versions[old.id].validity.startswith("已被修改")


def test_article_histories_of_real_articles(with_2008):
    """Histories read from the alignment of the held versions (checked against the texts):
    专利法 2008→2020 第六十五条→第七十一条 (damages, changed), 第十五条→第十四条 (same words),
    第二十条 new (诚实信用), 第七十六条 new (药品专利纠纷); 行政复议法 2017→2023."""
    byid, enr = with_2008
    new = _by_title(byid, "中华人民共和国专利法", "2020年修正")
    old = _by_title(byid, "中华人民共和国专利法", "2008年修正")
    h = enr.article_history
    assert h[new.id]["art-71"] == [("本条经2020年修正，原第六十五条", old.id, "art-65")]
    assert h[new.id]["art-14"] == [("本条2020年修正时条号变动，原第十五条", old.id, "art-15")]
    assert h[new.id]["art-20"] == [("本条为2020年新增", None, None)]
    assert "诚实信用" in new.clause("art-20").text
    assert h[new.id]["art-76"] == [("本条为2020年新增", None, None)]
    assert "药品" in new.clause("art-76").text
    assert h[old.id]["art-65"] == [("2020年修正后为第七十一条", new.id, "art-71")]
    # rewritten, opening as before: 诉前禁令 第六十六条 -> 第七十二条, 证据保全 第六十七条 -> 第七十三条,
    # 专利权期限 第四十二条 (gained the term-extension paragraphs)
    assert h[new.id]["art-72"] == [("本条经2020年修正，原第六十六条", old.id, "art-66")]
    assert h[new.id]["art-73"] == [("本条经2020年修正，原第六十七条", old.id, "art-67")]
    assert h[new.id]["art-42"] == [("本条经2020年修正", old.id, "art-42")]
    # the one article the 2020 decision deletes: 第七十二条 (侵夺…专利申请权…给予行政处分)
    assert [a for a, steps in h[old.id].items() if any(t.endswith("删除") for t, _, _ in steps)] == ["art-72"]
    assert old.clause("art-72").text.startswith("第七十二条侵夺发明人")
    assert h[old.id]["art-76"] == [("2020年修正后为第八十二条", new.id, "art-82")]  # 本法自1985年4月1日起施行
    f17 = _by_title(byid, "中华人民共和国行政复议法", "2017年修正")
    f23 = _by_title(byid, "中华人民共和国行政复议法", "2023年修订")
    assert h[f23.id]["art-1"] == [("本条经2023年修订", f17.id, "art-1")]
    assert h[f17.id]["art-10"] == [("2023年修订后为第十四条", f23.id, "art-14")]
    # every step of every history names a version and, where kept, an article that exists
    n_steps = 0
    for doc, arts in h.items():
        for art, steps in arts.items():
            assert byid[doc].clause(art) is not None
            for text, other, other_art in steps:
                n_steps += 1
                assert re.search(r"\d{4}年", text)
                if other_art:
                    assert byid[other].clause(other_art) is not None
    assert n_steps > 100
    # the page shows it under the article
    html = article_history(new, new.clause("art-71"), enr, f"notices/{new.id}.html")
    assert f'{old.id}.html#art-65">本条经2020年修正，原第六十五条</a>' in html


def test_follow_every_held_article_forward(with_2008):
    """Invariant: every 2008 article that the alignment keeps lands on an article of the
    2020 text with the same or similar words; deleted ones land on nothing."""
    byid, enr = with_2008
    old = _by_title(byid, "中华人民共和国专利法", "2008年修正")
    work = enr.works[old.work_id]
    aligned = align_works(enr.works, byid)
    kept = 0
    for a in articles(old):
        found = follow(old.id, a.id, work, aligned)
        assert found is not None
        doc, now, cited, _ = found
        assert cited.id == a.id
        if now is not None:
            kept += 1
            assert byid[doc].clause(now.id) is not None
    assert kept >= 70


def test_body_effective_lines_on_real_laws():
    """本法自…起施行 read from the body: this text's 施行 when not before its adoption
    (行政复议法 2023 修订: 2024-01-01), the first text's otherwise (专利法)."""
    n = load_notice(FUYI[1], use_sidecar=False)
    assert n.date_written == "2023-09-01" and n.date_effective == "2024-01-01"
    n17 = load_notice(FUYI[0], use_sidecar=False)
    assert n17.date_effective is None and ("施行", "1999-10-01") in [(e.kind, e.date) for e in n17.events]
    assert body_effective([(3, "第八十二条 本法自1985年4月1日起施行。")]) == ("1985-04-01", 3, "第八十二条 本法自1985年4月1日起施行。")
    assert body_effective([(9, "本条例自公布之日起施行。")])[0] is None
    assert body_effective([(9, "五、本决定自2018年11月24日起施行。")])[0] == "2018-11-24"
    # over 200 real laws: a 施行 date read is never before the text's adoption
    files = [f for d in ("民法商法", "行政法规") for f in sorted(LAWREF.glob(f"{d}/*(*).md"))[:120]]
    seen = 0
    for f in files:
        n = load_notice(f, use_sidecar=False)
        if n.date_effective and n.date_written:
            seen += 1
            assert n.date_effective >= n.date_written, f
    assert seen >= 40


def test_sidecar_effective_date_is_validated(tmp_path):
    src = tmp_path / "x.txt"
    src.write_text("关于某事的通知\n一、内容。\n", encoding="utf-8")
    side = tmp_path / "x.yml"
    side.write_text("id: x-1\ndate_effective: '2023-13-45'\n", encoding="utf-8")
    with pytest.raises(SidecarError) as e:
        load_sidecar(side)
    assert "date_effective" in str(e.value) and ":2" in str(e.value)
    side.write_text("id: x-1\ndate_effective: '2023-07-01'\n", encoding="utf-8")
    n = load_notice(src)
    assert n.date_effective == "2023-07-01" and n.basis["date_effective"] == "sidecar"
    assert any("2023-07-01" in note for note in n.notes)  # the visible note


# ---------------------------------------------------------------- 3. labels from evidence


def test_label_from_latest_event_and_file_name():
    """专利法实施细则(2010-01-09).md prints only 2001 and 2002: the file is the 2010 text
    (warning naming both); 印刷业管理条例(2020-11-29).md ends at 2017: 2020; 刑法's
    通过的《刑法修正案（十二）》 lines are amendments: 2023年修正, never 「2023年通过」."""
    from build_tools.ingest.lawdates import version_label
    n = load_notice(LAWREF / "行政法规/专利法实施细则(2010-01-09).md", use_sidecar=False)
    assert (n.year, n.date_written, version_label(n.events, n.date)) == (2010, "2010-01-09", "2010年修订")
    assert any("2010-01-09" in m and "2002-12-28" in m for _, m in n.warnings)
    n = load_notice(LAWREF / "行政法规/印刷业管理条例(2020-11-29).md", use_sidecar=False)
    assert (n.year, version_label(n.events, n.date)) == (2020, "2020年修订")
    assert any("2020-11-29" in m and "2017-03-01" in m for _, m in n.warnings)
    n = load_notice(LAWREF / "刑法/刑法.md", use_sidecar=False)
    assert version_label(n.events, n.date) == "2023年修正" and n.year == 2023
    # agreement: file name on the last line's date or shortly after it, no warning
    for f in ("民法商法/专利法(2020-10-17).md", "司法解释/" + JIESHI2.name):
        n = load_notice(LAWREF / f, use_sidecar=False)
        assert not [m for _, m in n.warnings if "文件名日期" in m], f


def test_label_invariant_over_lawrefbook_sample():
    """Over 320 real laws (about 240 with dated lines): the year is the latest dated event's, or the file name's when the
    lines stop long before it (and then a warning names both)."""
    import datetime as dt
    files = [f for d in ("民法商法", "行政法规", "司法解释", "DLC/北京地方法规") for f in sorted(LAWREF.glob(f"{d}/**/*(*).md"))[:80]]
    checked = 0
    for f in files:
        n = load_notice(f, use_sidecar=False)
        fd = re.search(r"\((\d{4}-\d{2}-\d{2})\)", f.name).group(1)
        printed = [e.date for e in n.events if e.line and e.kind in ("通过", "批准", "修正", "修订", "公布")]
        if not printed:
            continue
        checked += 1
        gap = (dt.date.fromisoformat(fd) - dt.date.fromisoformat(max(printed))).days
        warned = [m for _, m in n.warnings if "文件名日期" in m]
        if gap > 90:
            assert n.year == int(fd[:4]) and warned and fd in warned[0] and max(printed) in warned[0], f
        else:
            assert n.year == int(max(e.date for e in n.events if e.kind in ("通过", "批准", "修正", "修订") or e.kind == "公布")[:4]) or n.date_written is None, f
            assert bool(warned) == (gap < 0), f
    assert checked >= 200


def test_code_parts_carry_the_part_and_resolve_by_article():
    """民法典's eight files share one title: each carries its part; no raw ``# 合同编`` line;
    民法典第一千一百八十五条 lands in 侵权责任编."""
    parts = sorted((LAWREF / "民法典").glob("*编.md"))
    assert len(parts) >= 6
    for f in parts:
        n = load_notice(f, use_sidecar=False)
        assert n.title == f"中华人民共和国民法典（{f.stem}）"
        assert not any(line.startswith("#") for line in n.body.split("\n"))
    res = load_documents(parts + [JIESHI2])
    assert not res.errors
    enrich_all(res.notices, today=TODAY, related=False)
    jie = next(n for n in res.notices if n.source_file == JIESHI2.name)
    byid = {n.id: n for n in res.notices}
    mf = [r for r in jie.references if r.title and "民法典" in r.title and r.target_id]
    for r in mf:
        assert byid[r.target_id].clause(r.target_clause or "") is not None or not r.article


# ---------------------------------------------------------------- 4. validity with its basis

STATES = {"现行有效", "已被修改", "已废止", "已失效", "尚未生效", "征求意见稿"}
REPEALS = (("经济法/印花税法(2021-06-10).md", "经济法/印花税暂行条例(2011-01-08).md"),
           ("行政法规/促进个体工商户发展条例(2022-10-01).md", "行政法规/个体工商户条例(2016-02-06).md"),
           ("行政法规/外商投资法实施条例(2019-12-26).md", "行政法规/中外合作经营企业法实施细则(2017-11-17).md"),
           ("DLC/上海地方法规/地方性法规/上海/上海市绿色建筑条例(2024-09-27).md",
            "DLC/上海地方法规/地方性法规/上海/上海市建筑节能条例(2010-09-17).md"))


def _state(validity: str) -> str:
    return validity.split("（", 1)[0]


def _find(name: str) -> Path:
    p = LAWREF / name
    if p.exists():
        return p
    return next(LAWREF.rglob(Path(name).name))


def test_every_seed_and_law_has_validity_with_basis(with_2008):
    """Every document of the archive (5 seeds, 7 laws, the interpretation, 2 行政复议法): a
    state of the six and why; laws say what 现行有效 rests on."""
    byid, _ = with_2008
    for n in byid.values():
        assert _state(n.validity) in STATES and n.validity_basis, n.source_file
    law = _by_title(byid, "中华人民共和国专利法", "2020年修正")
    assert (law.validity, law.validity_basis) == ("现行有效", "本文库所收最新文本，未见废止记录；施行于 2021-06-01")
    old = _by_title(byid, "中华人民共和国专利法", "2008年修正")
    assert old.validity.startswith("已被修改") and "2020年修正" in old.validity_basis
    draft = next(n for n in byid.values() if n.source_file.startswith("004_"))
    assert draft.validity == "征求意见稿" and "征求意见稿" in draft.validity_basis
    km = next(n for n in byid.values() if n.source_file.startswith("002_"))
    assert (km.validity, km.validity_basis) == ("已失效", "标题所示期限（2022—2025年）已过（推定，原文未载有效期）")


def test_repealed_by_a_held_later_text():
    """同时废止《…》 / 《…》同时废止 in a held text marks the held repealed one, with the
    clause; ten real laws in all, each with a state and a basis."""
    files = [_find(f) for pair in REPEALS for f in pair] + [FUYI[0], FUYI[1]]
    res = load_documents(files)
    assert not res.errors, res.errors
    enrich_all(res.notices, today=TODAY, related=False)
    by_file = {n.source_file: n for n in res.notices}
    assert len(by_file) == 10
    for new, old in REPEALS:
        o, n = by_file[Path(old).name], by_file[Path(new).name]
        assert o.validity == "已废止", old
        assert o.validity_basis.startswith(f"《{n.title}》第") and "同时废止" in o.validity_basis
        assert n.validity == "现行有效"
    assert by_file["行政复议法(2017-09-01).md"].validity.startswith("已被修改")
    for n in res.notices:
        assert _state(n.validity) in STATES and n.validity_basis


def test_repeal_words_name_the_title_they_repeal():
    """Real lines (lawrefbook): the title the words repeal, never a title merely near 废止."""
    from build_tools.enrich.versions import repeal_verb as verb
    assert verb("1986年12月26日北京市第八届人民代表大会常务委员会第三十三次会议通过的《北京市关于游行示威的若干暂行规定》"
                "自本办法施行之日起即行废止。", "《北京市关于游行示威的若干暂行规定》") == "废止"
    assert verb("《上海市公民游行示威暂行条例》即行废止", "《上海市公民游行示威暂行条例》") == "废止"
    line = ("第四十九条 本条例自2020年1月1日起施行。《中华人民共和国中外合资经营企业法实施条例》、《中外合资经营企业合营期限暂行规定》、"
            "《中华人民共和国外资企业法实施细则》、《中华人民共和国中外合作经营企业法实施细则》同时废止。")
    assert all(verb(line, t) == "同时废止" for t in re.findall(r"《[^》]+》", line))
    assert verb("三、实施《北京市机构改革方案》需要制定、修改、废止地方性法规", "《北京市机构改革方案》") is None
    assert verb("根据《国务院关于废止部分行政法规的决定》", "《国务院关于废止部分行政法规的决定》") is None


def test_notice_expiry_lines_with_their_clause():
    """有效期至…（clause） on real pages: ended -> 已失效, running -> 现行有效; the page's own
    有效性 field; 有效期5年 counted from the date."""
    C = LAWREF.parent
    files = [C / "sites2" / f for f in ("sites2-011.html", "sites2-030.html", "sites2-007.html", "sites2-021.html")]
    res = load_documents(files)
    assert not res.errors
    for today, states in (("2026-12-01", ("已失效", "现行有效", "现行有效")), ("2021-01-01", ("现行有效",) * 3)):
        enrich_all(res.notices, today=today, related=False)
        by = {n.source_file: n for n in res.notices}
        assert [by[f].validity for f in ("sites2-011.html", "sites2-030.html", "sites2-007.html")] == list(states)
    assert by["sites2-011.html"].validity_basis == "有效期至2022年12月31日（第十条第二款）"
    assert by["sites2-030.html"].validity_basis == "有效期至2027年12月31日（四、第一段）"
    assert by["sites2-007.html"].validity_basis.startswith("有效期5年（第二十八条），至 ")
    assert by["sites2-021.html"].validity_basis == "页面标注有效"


# ---------------------------------------------------------------- 5. point in time, any two versions


def test_any_two_versions_and_the_version_on_a_date():
    """道路运输条例 2019/2022/2023 (lawrefbook): every pair is compared, 2019→2023 too; the
    work page gives each version's period in force and the data of the date picker."""
    from build_tools.render.works import work_pages
    files = sorted(LAWREF.glob("行政法规/道路运输条例(*).md"))
    assert len(files) == 3
    res = load_documents(files)
    enr = enrich_all(res.notices, today=TODAY, related=False)
    v = sorted(res.notices, key=lambda n: n.date)
    assert set(enr.comparisons) == {(v[0].id, v[1].id), (v[1].id, v[2].id), (v[0].id, v[2].id)}
    pages = work_pages(res.notices, enr)
    assert f"works/compare/{v[0].id}--{v[2].id}.md" in pages
    work = enr.works[v[0].work_id]
    md = pages[f"works/{work.id}.md"]
    # the picker makes the address from the two ids (works.js): base + older--newer.html
    assert 'class="work-pick" data-compare-base="../works/compare/"' in md
    assert f"{v[0].id}--{v[2].id}" not in md  # no per-pair data on the page (issue 29)
    assert 'class="work-asof"' in md
    # the periods follow the 施行 dates (adoption where none is printed, and said so)
    for a, b in zip(v, v[1:]):
        assert f"{work.start(a.date)}" in md
    assert work.in_force(v[2].date) == (enr.versions[v[2].id].label, v[2].id)


def test_periods_of_the_patent_law(without_2008):
    from build_tools.render.works import in_force_periods
    byid, enr = without_2008
    law = _by_title(byid, "中华人民共和国专利法")
    work = enr.works[law.work_id]
    p = in_force_periods(work, work.history)
    assert p["1984-03-12"] == "1985-04-01 至 1992-09-03"
    assert p["2008-12-27"] == "2008-12-27（按通过日期） 至 2021-05-31"
    assert p["2020-10-17"] == "2021-06-01 起"


def test_a_held_amendment_decision_gives_the_effective_date():
    """With the 2020 decision held (its real last line 本决定自2021年6月1日起施行。), the 2020
    专利法 text without its sidecar gets 施行 2021-06-01 from it."""
    from build_tools.enrich.versions import build_works
    from build_tools.models import Notice
    law = load_notice(SRC / "专利法(2020-10-17).md", use_sidecar=False)
    law.id = "patent-2020"
    assert law.date_effective is None
    decision = Notice("npc-2020-decision", "全国人民代表大会常务委员会关于修改《中华人民共和国专利法》的决定", "d.txt",
                      "第十三届全国人民代表大会常务委员会第二十二次会议决定对《中华人民共和国专利法》作如下修改：\n"
                      "本决定自2021年6月1日起施行。", date_written="2020-10-17")
    works, versions, _ = build_works([law, decision], today=TODAY)
    work = works[law.work_id]
    assert work.effective["2020-10-17"] == "2021-06-01"
    assert versions[law.id].date_effective == "2021-06-01"
    assert work.in_force("2020-12-29")[0] == "2008年修正"
