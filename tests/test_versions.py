"""Issue 13 on real documents: law dates as events, works and versions,
version-aware references, comparisons, external instruments, changed clauses."""
from __future__ import annotations

import json
import shutil
import re
from pathlib import Path

import pytest

from build_tools.permanence import anchors
from build_tools.enrich import enrich_all
from build_tools.enrich.references import external_documents, find_references, resolve_references, title_key
from build_tools.enrich.versions import build_works, expiry_date, load_works_lock, update_works_lock
from build_tools.ingest.lawdates import date_order_problem, line_events
from build_tools.ingest.metadata import load_notice
from build_tools.models import Clause, Notice, Reference
from build_tools.pipeline import load_documents, source_files
from build_tools.render.compare import compare, inline_diff
from build_tools.render.pages import gbt_prefix
from build_tools.render.works import change_note, version_box, work_pages
from conftest import GOVCN, LAWREF, ROOT
from support.loaders import load

SRC = ROOT / "source_texts"
SPC = SRC / "最高人民法院关于适用《反不正当竞争法》若干问题的解释(2022-03-16).md"
TODAY = "2026-12-01"
FUYI = ("诉讼与非诉讼程序法/行政复议法(2017-09-01).md", "诉讼与非诉讼程序法/行政复议法(2023-09-01).md")
WAIMAO = ("经济法/对外贸易法(2016-11-07).md", "经济法/对外贸易法(2022-12-30).md")


def _docs(*paths) -> list:
    """The documents as loaded (frozen), as new records still being made (``Notice.draft``: the
    tests below change them and run the steps across documents on them, as ``enrich_all`` does)."""
    res = load_documents([Path(p) for p in paths])
    assert not res.errors, res.errors
    assert all(n.frozen for n in res.notices)
    return [n.draft() for n in res.notices]


@pytest.fixture(scope="module")
def archive():
    """The archive's own documents, enriched, at a fixed build date."""
    res = load_documents(source_files(SRC), require_sidecar=True)
    assert not res.errors, res.errors
    enr = enrich_all(res.notices, today=TODAY, related=False)
    return {n.id: n for n in res.notices}, enr


@pytest.fixture(scope="module")
def with_pairs():
    """source_texts + 行政复议法 2017/2023 + 对外贸易法 2016/2022 from lawrefbook."""
    res = load_documents(source_files(SRC), require_sidecar=True)
    notices = res.notices + _docs(*(LAWREF / p for p in FUYI + WAIMAO))
    enr = enrich_all(notices, today=TODAY, related=False)
    return {n.id: n for n in notices}, enr


# ---------------------------------------------------------------- 1. dates


def test_spc_interpretation_dates():
    """通过 2022-01-29 (line 3), 公布 2022-03-16 (file name), 施行 2022-03-20 (line 5)."""
    for n in (load_notice(SPC, use_sidecar=False), load_notice(SPC)):
        assert (n.date_written, n.date_published, n.date_effective) == ("2022-01-29", "2022-03-16", "2022-03-20")
        assert [(e.kind, e.date, e.line) for e in n.events] == [("通过", "2022-01-29", 3), ("施行", "2022-03-20", 5)]
        assert date_order_problem(n) is None
    assert "2022-03-20" in load_notice(SPC).notes[0]  # the sidecar says what was corrected


def test_spc_interpretation_page_shows_the_three_dates(archive):
    byid, enr = archive
    spc = next(n for n in byid.values() if n.source_file == SPC.name)
    box = version_box(spc, enr, f"notices/{spc.id}.html")
    assert "通过 2022-01-29，公布 2022-03-16，施行 2022-03-20" in box and "现行有效" in box


def test_patent_law_amendments_and_events():
    n = load_notice(SRC / "专利法(2020-10-17).md")
    assert [(a.kind, a.date, a.ordinal) for a in n.amendments] == [
        ("修正", "1992-09-04", 1), ("修正", "2000-08-25", 2), ("修正", "2008-12-27", 3), ("修正", "2020-10-17", 4)]
    assert all(a.decision == "《关于修改〈中华人民共和国专利法〉的决定》" for a in n.amendments)
    # issue 25: the text prints no 施行 of its own (本法自1985年4月1日起施行 is the 1984 text's);
    # the sidecar sets 2021-06-01 from the amendment decision, with a visible note
    assert n.date_written == "2020-10-17" and n.date_effective == "2021-06-01" and n.basis["date_effective"] == "sidecar"
    assert any("2021-06-01" in note for note in n.notes)
    bare = load_notice(SRC / "专利法(2020-10-17).md", use_sidecar=False)
    assert bare.date_effective is None
    assert [(e.kind, e.date) for e in bare.events if e.kind == "施行"] == [("施行", "1985-04-01")]


def test_line_forms():
    # several events on one line (Guangdong), joint meetings, 废止 inside a title is no event
    ev = line_events("2018年11月29日 广东省第十三届人民代表大会常务委员会第七次会议《关于修改〈广东省环境保护条例〉"
                     "等十三项地方性法规的决定》第二次修正  2020年11月27日广东省第十三届人民代表大会常务委员会第二十六次会议修订 根据", 4)
    assert [(e.kind, e.date, e.ordinal) for e in ev] == [("修正", "2018-11-29", 2), ("修订", "2020-11-27", None)]
    ev = line_events("2008年2月18日 最高人民法院审判委员会第1444次会议、2008年5月8日最高人民检察院第十一届检察委员会第1次会议通过")
    assert [(e.kind, e.date) for e in ev] == [("通过", "2008-05-08")]
    ev = line_events("2011年1月8日 《国务院关于废止和修改部分行政法规的决定》第一次修订")
    assert [(e.kind, e.ordinal) for e in ev] == [("修订", 1)]
    assert [e.kind for e in line_events("1999年12月20日 实施")] == ["施行"]
    assert [e.kind for e in line_events("1993年12月13日 中华人民共和国国务院令第135号发布")] == ["公布"]
    assert [e.kind for e in line_events("2001年1月1日 北京市人民代表大会常务委员会决定废止")] == ["废止"]


@pytest.mark.slow
def test_no_written_after_published_without_warning_in_any_corpus():
    """Every lawrefbook, govcn2019 and source_texts record: 成文日期 after 发布日期 always
    warns (with both lines), and a law's 成文日期 is never only a 施行 date."""
    files = [p for p in LAWREF.rglob("*.md") if p.name != "_index.md"] + sorted(GOVCN.glob("*.html")) + source_files(SRC)
    warned = 0
    for p in files:
        n = load_notice(p)
        later = bool(n.date_written and n.date_published and n.date_written > n.date_published)
        prob = date_order_problem(n)
        assert later == (prob is not None), p
        if prob:
            warned += 1
            assert n.date_written in prob.message and n.date_published in prob.message
        if n.kind == "law" and n.date_written:
            kinds = {e.kind for e in n.events if e.date == n.date_written}
            assert kinds - {"施行"}, (p, n.date_written, kinds)
    # lawrefbook files whose name keeps the first date while the text is a later amendment
    assert warned == 22


# ----------------------------------------------------- 2. works and versions


def test_fuyi_versions_status_and_links(with_pairs):
    byid, enr = with_pairs
    old, new = (next(n for n in byid.values() if n.source_file == Path(p).name) for p in FUYI)
    assert old.work_id == new.work_id and re.fullmatch(r"w-[0-9a-f]{10}", old.work_id)
    work = enr.works[old.work_id]
    assert work.versions == [old.id, new.id] and work.current == new.id and work.confirmed
    assert [(lab, d, doc) for lab, d, doc in work.history] == [
        ("1999年通过", "1999-04-29", None), ("2009年修正", "2009-08-27", None),
        ("2017年修正", "2017-09-01", old.id), ("2023年修订", "2023-09-01", new.id)]
    vo, vn = enr.versions[old.id], enr.versions[new.id]
    assert (vo.label, vo.validity, vo.next, vo.current) == ("2017年修正", "已被修改（由 2023 年版取代）", new.id, new.id)
    assert (vn.label, vn.validity, vn.previous) == ("2023年修订", "现行有效", old.id)
    box = version_box(old, enr, f"notices/{old.id}.html")
    assert "已被修改（由 2023 年版取代）" in box and f"{new.id}.html" in box and "与下一版本对照" in box
    assert f"../works/compare/{old.id}--{new.id}.html" in box and f"../works/{old.work_id}.html" in box
    # citations and GB/T name the version when the archive holds several
    assert new.citation(new.clause("art-1")) == "《中华人民共和国行政复议法》（2023年修订）第一条"
    assert "中华人民共和国行政复议法（2017年修正）[EB/OL]." in gbt_prefix(old)
    pat = next(n for n in byid.values() if n.title == "中华人民共和国专利法")
    # issue 25: the version is named even when one text is held
    assert pat.citation(pat.clause("art-20")) == "《中华人民共和国专利法》（2020年修正）第二十条"
    pages = work_pages(list(byid.values()), enr)
    assert f"works/{old.work_id}.md" in pages and f"works/compare/{old.id}--{new.id}.md" in pages
    page = pages[f"works/{old.work_id}.md"]
    assert f'data-current="{new.id}"' in page and "现行版本" in page and page.count("本文库未收录") == 2


def test_not_yet_in_force_and_work_ids_are_permanent(tmp_path):
    spc = _docs(SPC)
    works, versions, _ = build_works(spc, today="2022-03-18")
    assert versions[spc[0].id].validity == "尚未生效"  # 施行 2022-03-20 after the build date
    works, versions, _ = build_works(spc, today=TODAY)
    assert versions[spc[0].id].validity == "现行有效"
    wid = spc[0].work_id
    lock = tmp_path / "works.lock"
    update_works_lock(lock, spc)
    assert load_works_lock(lock) == {spc[0].id: wid}
    spc[0].title += "（修改后的标题）"  # a later change of title or of the key: the id stays
    works, _, _ = build_works(spc, load_works_lock(lock), today=TODAY)
    assert list(works) == [wid] and spc[0].work_id == wid
    assert build_works(spc, today=TODAY)[0].keys() != {wid}  # without the lock it would move


def test_the_archive_works_lock_holds_every_law(archive):
    byid, _ = archive
    lock = load_works_lock(SRC / "works.lock")
    laws = [n for n in byid.values() if n.kind == "law"]
    assert len(laws) == 6 and all(lock[n.id] == n.work_id for n in laws)


@pytest.mark.slow
def test_every_lawrefbook_title_with_two_files_is_one_work():
    """3,472 files: 104 titles (by title key and level) have 2+ files; each is one work
    (民法典's 8 parts carry their part in the title since issue 25, so they are 8 titles).
    93 works have 2+ dated versions (187 texts), 84 of them confirmed by the later text's
    dated lines (issue 25: a file named after a revision its dated lines omit is that
    revision's text, e.g. 专利法实施细则(2010-01-09))."""
    notices = [load_notice(p, use_sidecar=False) for p in LAWREF.rglob("*.md") if p.name != "_index.md"]
    works, versions, _ = build_works(notices, today=TODAY)
    groups: dict[tuple, list] = {}
    for n in notices:
        groups.setdefault((title_key(n.title), n.region.code), []).append(n)
    multi = {k: v for k, v in groups.items() if len(v) > 1}
    split = {key: len({m.work_id for m in members}) for (key, _), members in multi.items()
             if len({m.work_id for m in members}) > 1}
    assert (len(multi), split) == (104, {})
    chains = [w for w in works.values() if len(w.versions) > 1]
    assert (len(chains), sum(len(w.versions) for w in chains), sum(w.confirmed for w in chains)) == (93, 187, 84)
    for w in chains:  # each chain: dated, in order, one current at most, all others amended
        dates = [versions[d].date for d in w.versions]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert all(versions[d].validity.startswith("已被修改") for d in w.versions[:-1])
        assert versions[w.versions[-1]].validity == "现行有效" == versions[w.current].validity


def test_draft_superseded_and_expiry(archive):
    byid, _ = archive
    draft = next(n for n in byid.values() if n.status == "征求意见稿").draft()  # seed 004, 成都 征求意见稿
    final = load(ROOT / "source_texts" / "004_8429dd0dfc029dc1.txt")
    final.id, final.status, final.date_written = "final", "正式", "2023-06-01"
    works, versions, _ = build_works([draft, final], today=TODAY)
    assert versions[draft.id].validity == "已被正式文本取代" and versions[draft.id].next == "final"
    assert draft.validity == "已被正式文本取代" and final.validity is None
    # 有效期 of a real page that is no period (在有效期内): nothing expires
    for f in ("govcn-057.html",):
        assert expiry_date(load_notice(GOVCN / f, use_sidecar=False)) is None
    # the 昆明 plan (2022-09-29) with a printed period: 3 years -> ended 2025-09-29 -> 已失效
    km = load(SRC / "002_f819ad9b31b3e7a6.txt")
    km.body += "\n本方案自印发之日起施行，有效期3年。"
    assert expiry_date(km) == "2025-09-29"
    build_works([km], today=TODAY)
    assert km.validity == "已失效"
    km.validity = None
    build_works([km], today="2024-01-01")
    assert km.validity == "现行有效"


# ------------------------------------------------- 3. version-aware references


def test_seed_003_references_resolve_by_the_version_in_force(archive):
    """Seed 003 is dated 2015-10-09: the laws it names were then in their 2008 / 2013 /
    2010 / 1993 texts, none in the archive -> the work page with the note; the 2014
    revision of 植物新品种保护条例 is held -> its page."""
    byid, enr = archive
    yn = next(n for n in byid.values() if n.source_file == "003_cbca3011c27dd6ad.txt")
    assert yn.date == "2015-10-09"
    refs = {r.title: r for r in yn.references}
    law = {n.title: n for n in byid.values() if n.kind == "law"}
    for title, meant in (("中华人民共和国专利法", "2008年修正"), ("中华人民共和国商标法", "2013年修正"),
                         ("中华人民共和国著作权法", "2010年修正"), ("中华人民共和国反不正当竞争法", "1993年通过")):
        r = refs[title]
        assert (r.target_id, r.target_work, r.missing_version) == (None, law[title].work_id, meant), title
        assert any(c.source_id == yn.id and c.version == meant and c.via_work for c in enr.work_cited_by[r.target_work])
    plant = refs["中华人民共和国植物新品种保护条例"]
    assert plant.target_id == law["中华人民共和国植物新品种保护条例"].id and plant.missing_version is None
    # the 2022 interpretation cites 反不正当竞争法第二条: the 2019 text was in force -> its article
    spc = next(n for n in byid.values() if n.source_file == SPC.name)
    r = next(r for r in spc.references if r.text == "反不正当竞争法第二条")
    assert (r.target_id, r.target_clause) == (law["中华人民共和国反不正当竞争法"].id, "art-2")
    cites = enr.cited_by[r.target_id]
    assert any(c.source_id == spc.id and c.version == "2019年修正" for c in cites)


def test_citing_date_picks_between_held_versions(with_pairs):
    byid, enr = with_pairs
    old, new = (next(n for n in byid.values() if n.source_file == Path(p).name) for p in FUYI)
    spc = _docs(SPC)[0]
    works = enr.works
    for date, want, clause in (("2020-05-01", old.id, "art-9"), ("2024-03-01", new.id, "art-9"),
                               ("2005-01-01", None, None)):
        spc.date_written = spc.date_published = date
        spc.references = find_references(spc)
        spc.references.append(Reference("art-1", "《中华人民共和国行政复议法》第九条", title="中华人民共和国行政复议法",
                                        article="art-9"))
        resolve_references([spc, old, new], aliases=[], works=works)
        r = spc.references[-1]
        assert (r.target_id, r.target_clause) == (want, clause), date
        assert r.missing_version == (None if want else "1999年通过")  # 2005: the original text


# ------------------------------------------------------------ 4. comparisons


def test_waimao_2016_2022_matches_the_decision():
    """The 2022 decision 删去第九条 (备案登记); the rest move up by one, six of them with
    their cross-references renumbered."""
    old, new = (load(LAWREF / p) for p in WAIMAO)
    c = compare(old, new)
    assert c.summary() == {"unchanged": 8, "deleted": 1, "renumbered": 55, "renumbered-changed": 6}
    assert [m.old.id for m in c.of_kind("deleted")] == ["art-9"]
    assert "备案登记" in c.of_kind("deleted")[0].old.text
    assert [(m.old.id, m.new.id) for m in c.of_kind("renumbered-changed")] == [
        ("art-18", "art-17"), ("art-28", "art-27"), ("art-37", "art-36"), ("art-60", "art-59"),
        ("art-63", "art-62"), ("art-64", "art-63")]
    assert all(int(m.old.id[4:]) - int(m.new.id[4:]) == 1 for m in c.of_kind("renumbered"))
    left, right = inline_diff(c.of_kind("renumbered-changed")[2].old.text, c.of_kind("renumbered-changed")[2].new.text)
    assert "<del>、第三十二条</del>" in left and "<ins>、第二十九条</ins>" in right


def test_fuyi_2017_2023_revision():
    old, new = (load(LAWREF / p) for p in FUYI)
    c = compare(old, new)
    assert c.summary() == {"changed": 2, "deleted": 16, "renumbered-changed": 24, "added": 63, "renumbered": 1}
    assert len([m for m in c.matches if m.new]) == 90 and len([m for m in c.matches if m.old]) == 43
    pairs = {m.old.id: m.new.id for m in c.matches if m.old and m.new}
    # 第一条 (立法目的) and 第二条 (适用范围) keep their numbers, reworded (具体行政行为 -> 行政行为)
    assert [(m.old.id, m.new.id) for m in c.of_kind("changed")] == [("art-1", "art-1"), ("art-2", "art-2")]
    assert "具体行政行为" in c.of_kind("changed")[0].old.text and "具体行政行为" not in c.of_kind("changed")[0].new.text
    assert [(m.old.id, m.new.id) for m in c.of_kind("renumbered")] == [("art-41", "art-89")]  # word for word
    assert [m.old.id for m in c.of_kind("deleted")] == [
        "art-3", "art-6", "art-8", "art-11", "art-13", "art-15", "art-17", "art-18", "art-22", "art-24", "art-25",
        "art-28", "art-30", "art-38", "art-42", "art-43"]
    # read one by one: 诉讼 after 复议 (5 -> 10), 申请人 (10 -> 14), 决定期限 (31 -> 62), 送达 (40 -> 88)
    assert {k: pairs[k] for k in ("art-5", "art-10", "art-31", "art-40")} == {
        "art-5": "art-10", "art-10": "art-14", "art-31": "art-62", "art-40": "art-88"}
    # every matched pair is at least MIN_SIMILARITY alike; the order of the new text is kept
    assert all(m.similarity >= 55 for m in c.matches if m.old and m.new)
    news = [m.new.number for m in c.matches if m.new]
    assert news == sorted(news)


def test_civil_procedure_2021_2023_adds_sixteen_articles():
    """The 2023 amendment grew 民事诉讼法 from 291 to 306 articles."""
    old = load(LAWREF / "诉讼与非诉讼程序法/民事诉讼法(2021-12-24).md")
    new = load(LAWREF / "诉讼与非诉讼程序法/民事诉讼法(2023-09-01).md")
    s = compare(old, new).summary()
    assert (s["added"], s["deleted"], s["added"] - s["deleted"]) == (16, 1, 15)


# ----------------------------------------------------- 5. external instruments


def test_four_patent_law_decisions_are_four_documents(archive):
    byid, enr = archive
    dec = sorted((d for d in enr.external.values() if "修改〈中华人民共和国专利法〉的决定" in d.title), key=lambda d: d.date)
    assert [d.date for d in dec] == ["1992-09-04", "2000-08-25", "2008-12-27", "2020-10-17"]
    assert len({d.key for d in dec}) == 4 and dec[0].title.endswith("（1992年9月4日）")
    assert not any(d.ambiguous for d in dec)
    # the same title without a date elsewhere is grouped, with a note that it may be several
    n = Notice("x", "测试", "x.txt", "依据《关于修改〈中华人民共和国专利法〉的决定》", clauses=[
        Clause("p1", "1", 1, "paragraph", "依据《关于修改〈中华人民共和国专利法〉的决定》")])
    n.references = find_references(n)
    docs = list(byid.values()) + [n]
    resolve_references(docs, aliases=[])
    ext = external_documents(docs)
    (undated,) = [d for d in ext.values() if "专利法〉的决定" in d.title and not d.date]
    assert undated.ambiguous


# ------------------------------------------------------- 6. changed clauses


def test_changed_clause_keeps_history_and_says_so(tmp_path):
    """A published clause whose text changes: the lock keeps old_fp@date, the earlier
    text is kept from the last published site, the page and iparchive check say so."""
    src = tmp_path / "source_texts"
    src.mkdir()
    (n,) = _docs(SRC / "专利法(2020-10-17).md")
    lock_path = src / "anchors.lock"
    anchors.update_lock(lock_path, [n], redirects={})
    art = n.clause("art-20")
    before = art.text
    site = tmp_path / "site" / "data"
    site.mkdir(parents=True)
    site.joinpath("archive.json").write_text(json.dumps({"documents": [{"id": n.id, "clauses": [n.clause("art-20").to_dict()]}]},
                                                        ensure_ascii=False), encoding="utf-8")
    art.text = before.replace("申请专利", "申請專利", 1)  # a corrected source
    lock = anchors.load_lock(lock_path)
    rep = anchors.check_anchors([n], lock, {}, )
    rep.date = "2026-12-01"
    assert list(rep.changed[n.id]) == ["art-20"] and rep.old_texts[(n.id, "art-20")] == before
    anchors.update_lock(lock_path, [n], rep, redirects={})
    line = next(l for l in lock_path.read_text(encoding="utf-8").splitlines() if l.startswith(f"{n.id}\tart-20\t"))
    assert line.split("\t")[3] == f"{anchors.fingerprint(before)}@2026-12-01"
    hist = anchors.load_history(src / anchors.HISTORY_NAME)
    assert hist[n.id]["art-20"][0]["text"] == before
    # the next build: no longer a change against the lock, still on the page and in check
    rep2 = anchors.check_anchors([n], anchors.load_lock(lock_path), {})
    assert not rep2.changed
    assert not n.clause_changes  # the check mutates nothing: the caller applies its history
    (n,) = anchors.apply_changes([n], rep2)
    assert any(w.clause_id == "art-20" and "曾更正" in w.message for w in rep2.warnings)
    (ch,) = n.clause_changes["art-20"]
    assert (ch.date, ch.old_text) == ("2026-12-01", before)
    note = change_note(n, art)
    assert "本条文字于 2026-12-01 更正" in note and "<details" in note and before[:20] in note


def test_iparchive_check_lists_changed_clauses(tmp_path):
    """``iparchive check`` (pipeline.check_archive) on a copy of the archive whose lock
    records that 专利法 第二十条 was corrected: listed as a warning, nothing else."""
    from build_tools.pipeline import check_archive

    root = tmp_path / "root"
    shutil.copytree(SRC, root / "source_texts")
    lock = root / "source_texts" / "anchors.lock"
    (pat,) = _docs(SRC / "专利法(2020-10-17).md")
    lines = lock.read_text(encoding="utf-8").splitlines()
    i = next(k for k, l in enumerate(lines) if l.startswith(f"{pat.id}\tart-20\t"))
    lines[i] += "\t0123abcd@2026-11-30"
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = check_archive(root)
    changed = [p for p in problems if "曾更正" in p.message]
    assert len(changed) == 1 and "art-20" in changed[0].message and "2026-11-30 之前指纹 0123abcd" in changed[0].message
    assert changed[0].level == "warning" and not [p for p in problems if p.level == "error"]
