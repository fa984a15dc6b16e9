"""References: found in the real seeds and lawrefbook, resolved against real laws."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from build_tools.enrich.references import (
    cited_by,
    external_documents,
    external_key,
    find_references,
    load_aliases,
    normalise_doc_number,
    resolve_references,
    title_key,
)
from build_tools.models import Reference
from factories import notice_with
from support.loaders import load

LAWS_003 = [
    "中华人民共和国专利法",
    "中华人民共和国著作权法",
    "中华人民共和国商标法",
    "中华人民共和国反不正当竞争法",
    "中华人民共和国植物新品种保护条例",
    "云南省专利促进与保护条例",
    "云南省出版管理条例",
    "云南省园艺植物新品种注册保护条例",
    "云南省反不正当竞争条例",
    "云南省专利行政执法规定",
    "云南省著名商标认定和保护办法",
    "云南省名牌产品认定和管理办法",
]


@pytest.fixture(scope="module")
def seeds(seed_files):
    return {k: load(p) for k, p in seed_files.items()}


@pytest.fixture(scope="module")
def laws(lawref_dir):
    names = ["民法商法/专利法(2020-10-17).md", "民法商法/商标法(2019-04-23).md",
             "民法商法/著作权法(2020-11-11).md", "经济法/反不正当竞争法(2019-04-23).md"]
    return [load(lawref_dir / n) for n in names]


def test_yunnan_2015_references(seeds):
    refs = find_references(seeds["003"])
    got = [(r.clause_id, r.title, r.doc_number) for r in refs]
    assert got[:4] == [
        ("title-p2", "国家知识产权战略纲要", None),
        ("title-p2", "云南省人民政府关于贯彻国家知识产权战略的实施意见", "云政发〔2009〕118号"),
        ("title-p2", "云南省人民政府办公厅关于深入推进实施知识产权战略的意见", "云政办发〔2013〕132号"),
        ("title-p2", "国务院办公厅关于转发知识产权局等单位深入实施国家知识产权战略行动计划（2014-2020年）的通知",
         "国办发〔2014〕64号"),
    ]
    assert got[4:] == [("s3-4-p1", t, None) for t in LAWS_003]
    # the second, bare 云政发〔2009〕118号文件 in the same clause is not repeated
    assert sum(r.doc_number == "云政发〔2009〕118号" for r in refs) == 1
    # the forwarded document itself (《贯彻…的实施意见》已经省人民政府同意) is no cross-reference
    assert not any("贯彻深入实施" in (r.title or "")[:6] for r in refs)
    assert refs[1].text == "《云南省人民政府关于贯彻国家知识产权战略的实施意见》（云政发〔2009〕118号）"


def test_jilin_doc_numbers_and_junk_title(seeds):
    refs = find_references(seeds["001"])
    by_no = {r.doc_number: r for r in refs if r.doc_number}
    assert set(by_no) == {"中办发〔2019〕56号", "厅函〔2020〕6号"}
    assert by_no["厅函〔2020〕6号"].title == "加强知识产权保护促进计划"
    assert by_no["厅函〔2020〕6号"].text.endswith("（厅函[2020]6号）")
    junk = [r for r in refs if r.title == "2020-2021年"]
    assert len(junk) == 1 and junk[0].clause_id == "p1"
    assert external_key(junk[0]) is None
    for title in ("医疗机构执业许可证", "企业法人营业执照", "条例", "解释"):
        assert external_key(Reference("p1", f"《{title}》", title=title)) is None
    assert "十四五" in [r.title for r in find_references(seeds["000"])]


def test_self_references_dropped(seeds):
    # 002: 《昆明市…工作方案（2022—2025年）》已经市人民政府同意 is the wrapper's own plan
    assert all("强市建设示范城市工作方案" not in (r.title or "") for r in find_references(seeds["002"]))
    # 004: the draft under consultation, also cited without its brackets in 工作进度
    titles = [r.title for r in find_references(seeds["004"])]
    assert titles == [
        "关于第一批国家知识产权保护示范区建设城市（地区）遴选结果的公示",
        "国家知识产权保护示范区建设方案",
        "成都市知识产权创造、运用、保护、管理、服务全链条保护指引",
    ]
    n = notice_with("依据《某办法》（豫政〔2008〕59号）和豫政〔2008〕59号文件。")
    n.doc_number = "豫政〔2008〕59号"
    assert [r.title for r in find_references(n)] == []


@pytest.mark.parametrize(
    "printed, normalised",
    [
        ("国办发〔2014〕64号", "国办发〔2014〕64号"),
        ("厅函[2020]6号", "厅函〔2020〕6号"),
        ("粤高法［2020］108号", "粤高法〔2020〕108号"),
        ("原温江区国土局作出温国土资发（2018）366号", "温国土资发〔2018〕366号"),
        ("按国办发(1985)49号", "国办发〔1985〕49号"),
        ("北京市人民政府京政发〔1985〕167号", "京政发〔1985〕167号"),
        ("豫政〔 2008〕59号", "豫政〔2008〕59号"),
        ("豫政【2008】第59号", "豫政〔2008〕59号"),
        ("总体实现了云政发〔2009〕118号", "云政发〔2009〕118号"),
        ("中华人民共和国国务院令第706号", "国务院令第706号"),
        ("国令第706号", "国务院令第706号"),
        ("国务院令第七百零六号", "国务院令第706号"),
        ("原国家工商行政管理总局令第56号", "国家工商行政管理总局令第56号"),
        ("对外贸易经济合作部令第6号", "对外贸易经济合作部令第6号"),
        ("北京市人民政府第14号令", "北京市人民政府令第14号"),
        ("２０１９年", None),
    ],
)
def test_doc_number_spellings(printed, normalised):
    assert normalise_doc_number(printed) == normalised


def test_forms_in_one_clause():
    n = notice_with(
        "根据《中华人民共和国专利法》第二十条第二款、《专利法实施细则》第十条之一和"
        "《最高人民法院关于审理劳动争议案件适用法律问题的解释（一）》（法释〔2020〕26号）第三十五条，"
        "参照《山东省实施<中华人民共和国水法>办法》《关于修改《中华人民共和国专利法》的决定》"
        "（国令第706号）及本法第三条，第一次修订的《国务院工作规则》第一次修订。"
    )
    refs = find_references(n)
    got = [(r.title, r.doc_number, r.article) for r in refs]
    assert got == [
        ("中华人民共和国专利法", None, "art-20-p2"),
        ("专利法实施细则", None, "art-10-1"),
        ("最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", "法释〔2020〕26号", "art-35"),
        ("山东省实施〈中华人民共和国水法〉办法", None, None),
        ("关于修改〈中华人民共和国专利法〉的决定", "国务院令第706号", None),
        ("国务院工作规则", None, None),
    ]


def test_real_law_forms(lawref_dir):
    n = load(lawref_dir / "DLC/山东地方法规/地方性法规/山东/山东省水资源条例(2017-09-30).md")
    assert "山东省实施〈中华人民共和国水法〉办法" in [r.title for r in find_references(n)]
    n = load(lawref_dir / "DLC/北京地方法规/地方性法规/北京/北京市邮政通信条例.md")
    arts = {(r.title, r.article) for r in find_references(n)}
    assert ("中华人民共和国刑法", "art-191-p2") in arts
    n = load(lawref_dir / "民法商法/专利法(2020-10-17).md")
    refs = find_references(n)
    assert any(r.title == "关于修改〈中华人民共和国专利法〉的决定" for r in refs)
    assert ("art-20-p2", "中华人民共和国反垄断法") in [(r.clause_id, r.title) for r in refs]
    assert not any(r.title == "中华人民共和国专利法" for r in refs)  # itself


def test_resolution_against_real_laws(seeds, laws):
    docs = [seeds["003"], seeds["001"], *laws]
    for d in docs:
        d.references = find_references(d)
    resolve_references(docs)
    ids = {d.title: d.id for d in laws}
    refs = {r.title: r for r in seeds["003"].references}
    for t in ("中华人民共和国专利法", "中华人民共和国商标法", "中华人民共和国著作权法", "中华人民共和国反不正当竞争法"):
        assert refs[t].target_id == ids[t] and refs[t].external_key is None
    for t in LAWS_003[4:] + ["国家知识产权战略纲要"]:
        assert refs[t].target_id is None
        assert re.fullmatch(r"ext-[0-9a-f]{8}", refs[t].external_key)
    # keys are stable and shared: by 文号 when there is one
    k = refs["云南省人民政府关于贯彻国家知识产权战略的实施意见"].external_key
    assert k == external_key(Reference("x", "云政发〔2009〕118号", doc_number="云政发〔2009〕118号"))
    # without works (versions.build_works) every title resolves to the one text held;
    # test_versions.py states the version-in-force rule
    cb, by_work = cited_by(docs)
    assert (seeds["003"].id, "s3-4-p1") in [(c.source_id, c.clause_id) for c in cb[ids["中华人民共和国专利法"]]]
    assert by_work == {}
    ext = external_documents(docs)
    assert ext[k].doc_number == "云政发〔2009〕118号" and ext[k].title.startswith("《云南省人民政府关于")
    assert [(c.source_id, c.clause_id) for c in ext[k].citing] == [(seeds["003"].id, "title-p2")]
    assert not ext[k].ambiguous
    # 中办发〔2019〕56号 in seed 001 stays external, keyed by its 文号
    jl = {r.doc_number: r for r in seeds["001"].references if r.doc_number}
    assert jl["中办发〔2019〕56号"].external_key == external_key(jl["中办发〔2019〕56号"])


def test_article_target_clause(laws):
    citing = notice_with("依照《专利法》第二十条第二款和《中华人民共和国商标法》第九十九条规定。", nid="c")
    citing.references = find_references(citing)
    resolve_references([citing, *laws])
    a, b = citing.references
    assert (a.article, a.target_id, a.target_clause) == ("art-20-p2", laws[0].id, "art-20-p2")
    assert b.target_id == laws[1].id and b.target_clause is None  # 商标法 has no 第九十九条


def test_aliases_and_versions(lawref_dir):
    target = notice_with("内容", title="国家知识产权战略纲要", nid="gangyao")
    citing = notice_with("深入落实《知识产权战略纲要》。", nid="c")
    citing.references = find_references(citing)
    resolve_references([citing, target], aliases=[])
    assert citing.references[0].target_id is None
    resolve_references([citing, target], aliases=load_aliases())
    assert citing.references[0].target_id == "gangyao"
    # two versions of 公司法: the one in force at the citing date wins
    v2018 = load(lawref_dir / "民法商法/公司法(2018-10-26).md")
    v2023 = load(lawref_dir / "民法商法/公司法(2023-12-29).md")
    for date, want in (("2020-05-01", v2018.id), ("2024-03-01", v2023.id)):
        c = notice_with("依照《中华人民共和国公司法》。", nid="c")
        c.date_written = date
        c.references = find_references(c)
        resolve_references([c, v2018, v2023], aliases=[])
        assert c.references[0].target_id == want


def test_omnibus_decisions_keyed_by_date():
    n = notice_with(
        "2016年2月6日《国务院关于修改部分行政法规的决定》第一次修订\n"
        "2013年7月18日《国务院关于修改部分行政法规的决定》第二次修订\n"
        "依据《关于修改部分地方性法规的决定》修改", nid="a")
    m = notice_with("依据《关于修改部分地方性法规的决定》修改", nid="b")
    for d in (n, m):
        d.references = find_references(d)
    resolve_references([n, m], aliases=[])
    a, b, c = n.references
    assert a.text.startswith("2016年2月6日《") and a.external_key != b.external_key
    assert c.external_key != m.references[0].external_key  # different legislatures


def test_title_key():
    assert title_key("专利法(2020-10-17)") == title_key("中华人民共和国专利法") == "专利法"
    assert title_key("昆明市…方案（2022—2025年）") == title_key("昆明市…方案(2022-2025年)")


# ---- law names without 《》 and the version an article number belongs to

def _load(*paths):
    from build_tools.pipeline import load_documents

    res = load_documents([Path(p) for p in paths])
    assert not res.errors, res.errors
    return [n.draft(references=find_references(n)) for n in res.notices]  # loaded records are frozen (issue 24)


def test_bare_law_names_with_articles_resolve_to_clauses():
    from conftest import ROOT

    src = ROOT / "source_texts"
    interp, law, tm = _load(src / "最高人民法院关于适用《反不正当竞争法》若干问题的解释(2022-03-16).md",
                            src / "反不正当竞争法(2019-04-23).md", src / "商标法(2019-04-23).md")
    resolve_references([interp, law, tm])
    got = {(r.clause_id, r.text, r.target_id, r.target_clause) for r in interp.references if r.target_clause}
    assert ("art-4", "反不正当竞争法第六条", law.id, "art-6") in got
    assert ("art-7", "商标法第十条第一款", tm.id, "art-10") in got
    assert ("art-9", "反不正当竞争法第六条第二项", law.id, "art-6-i2") in got
    assert ("art-21", "反不正当竞争法第十二条第二款第一项", law.id, "art-12-p2-i1") in got
    # "第二章" is not an article; 本法第X条 inside the law itself is not a cross-reference
    assert not any("第二章" in r.text for r in interp.references)
    assert not any(r.target_id == law.id for r in law.references)


def test_article_links_only_into_the_version_in_force(lawref_dir):
    from conftest import ROOT

    soft = lawref_dir / "行政法规" / "计算机软件保护条例(2013-01-30).md"
    (cr,) = _load(ROOT / "source_texts" / "著作权法(2020-11-11).md")
    (sw,) = _load(soft)
    resolve_references([sw, cr])
    r = next(r for r in sw.references if r.text.startswith("《中华人民共和国著作权法》第四十九条"))
    # the 2013 regulation cites the 2010 著作权法: the document links, the article does not,
    # because the archive only holds the 2020 text, where 第四十九条 is another article
    assert r.target_id == cr.id and r.article == "art-49" and r.target_clause is None


def test_article_lists_and_ranges_give_one_link_per_article(lawref_dir):
    """Real lists: 广东省失业保险条例 cites 《劳动合同法》第三十九条、第四十条、第四十一条;
    浙江省国防教育条例 cites 《国防教育法》第三十三条至第三十七条."""
    gd, ldht, zj, gfjy = _load(
        lawref_dir / "DLC/广东地方法规/地方性法规/广东/广东省失业保险条例(2022-06-01).md",
        lawref_dir / "社会法/劳动合同法(2012-12-28).md",
        lawref_dir / "DLC/浙江地方法规/地方性法规/浙江/浙江省国防教育条例(2020-09-24).md",
        lawref_dir / "行政法/国防教育法(2018-04-27).md",
    )
    resolve_references([gd, ldht, zj, gfjy])
    to_ldht = [(r.text, r.target_clause) for r in gd.references if r.target_id == ldht.id]
    assert ("《中华人民共和国劳动合同法》第三十九条", "art-39") in to_ldht
    assert ("第四十条", "art-40") in to_ldht and ("第四十一条", "art-41") in to_ldht
    to_gfjy = {(r.text, r.target_clause) for r in zj.references if r.target_id == gfjy.id}
    assert {("《中华人民共和国国防教育法》第三十三条", "art-33"), ("第三十七条", "art-37")} <= to_gfjy
    # each later article is printed once in its clause, so its link cannot land elsewhere
    for n in (gd, zj):
        for r in n.references:
            if r.text.startswith("第"):
                clause = next(c for c in n.walk() if c.id == r.clause_id)
                assert clause.text.count(r.text) == 1


def test_short_names_a_document_defines_cite_the_full_title(lawref_dir):
    """（以下简称《管制清单》）/（以下简称专利法）: later uses cite the full title,
    with or without 《》; 本条例第X条 stays the document itself."""
    missile = load(lawref_dir / "行政法规" / "导弹及相关物项和技术出口管制条例(2002-08-22).md")
    refs = find_references(missile)
    full = "导弹及相关物项和技术出口管制清单"
    assert {r.clause_id for r in refs if r.title == full} >= {"art-2", "art-3", "art-5", "art-15"}
    assert not any(r.title == "管制清单" for r in refs)
    assert not any(r.title and "出口管制条例" in r.title and r.article for r in refs)  # 本条例第七条

    patent = load(lawref_dir / "司法解释" / "最高人民法院关于审理专利纠纷案件适用法律问题的若干规定(2015-01-29).md")
    got = {(r.text, r.title, r.article) for r in find_references(patent)}
    assert ("专利法第六十三条", "中华人民共和国专利法", "art-63") in got
    assert ("专利法第十一条", "中华人民共和国专利法", "art-11") in got and ("第六十九条", "中华人民共和国专利法", "art-69") in got
    assert ("民法通则第一百三十四条第三款", "中华人民共和国民法通则", "art-134-p3") in got
