"""Theme vocabulary and tagging on the real seeds."""
from __future__ import annotations

import re

import pytest

from build_tools.enrich.themes import VocabularyError, doc_threshold, load_vocabulary, tag_clauses
from factories import notice_with
from support.loaders import load

REQUIRED = ["专利", "商标", "版权", "地理标志", "植物新品种", "商业秘密", "司法保护", "行政执法", "海关",
            "国际合作", "转化运用", "金融", "公共服务", "人才", "宣传", "信用", "纠纷解决与维权援助", "组织保障"]


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


@pytest.fixture(scope="module")
def seeds(seed_files, vocab):
    out = {k: load(p) for k, p in seed_files.items()}
    for n in out.values():
        tag_clauses(n, vocab)
    return out


def themes_of(notice, cid):
    c = notice.clause(cid)
    assert c is not None, cid
    return c.themes


def test_vocabulary(vocab):
    names = [t.name for t in vocab]
    assert all(n in names for n in REQUIRED)
    slugs = [t.slug for t in vocab]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    assert all(t.description and t.keywords for t in vocab)


def test_vocabulary_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("- slug: a\n  name: 甲\n  keywords: [x\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"bad\.yml:\d+: YAML"):
        load_vocabulary(bad)
    dup = tmp_path / "dup.yml"
    dup.write_text(
        "- slug: patent\n  name: 专利\n  keywords: [专利]\n"
        "- slug: patent\n  name: 专利二\n  keywords: [发明]\n",
        encoding="utf-8",
    )
    with pytest.raises(VocabularyError, match=r"dup\.yml:4: 重复的主题 'patent'"):
        load_vocabulary(dup)
    noslug = tmp_path / "noslug.yml"
    noslug.write_text("- name: 专利\n  keywords: [专利]\n- slug: Bad Slug\n  name: 乙\n  keywords: [乙]\n",
                      encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"noslug\.yml:1: 缺少字段 slug"):
        load_vocabulary(noslug)


# document themes by the rules of enrich/themes.py (title, headings, >= 10 % of clauses)
DOC_THEMES = {
    "000": ["judicial-protection", "administrative-enforcement", "customs", "international-cooperation", "talent",
            "publicity", "dispute-resolution"],
    "001": ["patent", "judicial-protection", "administrative-enforcement", "international-cooperation", "utilization",
            "finance", "publicity", "credit", "dispute-resolution", "organisation"],
    # the Kunming plan listed all 18 themes before the rules (every keyword anywhere)
    "002": ["patent", "judicial-protection", "international-cooperation", "utilization", "talent", "organisation"],
    "003": ["patent", "utilization", "talent", "organisation"],
    "004": ["talent", "publicity", "organisation"],
}


def test_document_themes_of_the_seeds(seeds):
    assert {k: n.themes for k, n in seeds.items()} == DOC_THEMES


def test_geographical_indication_clauses(seeds):
    """地理标志 where a clause is about it: seed 003 s2-3-p6 (topic 加强地理标志保护产品专用标志专项整治工作),
    s2-1-p3 and the targets s1-2-2-p1 (two mentions each); not seed 003 s2-3-p4, whose topic is
    强化商标专用权保护 and which names 地理标志商标 once among the marks it protects."""
    gi = {k: [c.id for c in n.walk() if "geographical-indication" in c.themes] for k, n in seeds.items()}
    assert gi == {"000": [], "001": ["s3-6", "s4-11"], "002": ["s2-3"],
                  "003": ["s1-2-2-p1", "s2-1-p3", "s2-3-p6"], "004": []}


def test_pinned_clauses(seeds):
    yn = seeds["003"]
    assert themes_of(yn, "s2-3-p4") == ["trademark"]  # topic 强化商标专用权保护; 地理标志商标 once, in passing
    assert themes_of(yn, "s2-3-p5") == ["copyright"]  # topic 加强版权保护
    assert themes_of(yn, "s2-3-p7") == ["customs"]  # topic 加强进出口环节的海关监管
    assert "finance" in themes_of(yn, "s2-2-p3")  # 金融支持 … 融资对接平台 … 融资产品: three mentions
    km = seeds["002"]
    # 紧扣昆明市建设区域性国际中心城市目标 … 面向南亚东南亚的知识产权强市: a place, not 国际合作
    assert themes_of(km, "s1-p1") == []
    # 优化知识产权发展政策体系 … 鼓励企业建立商业秘密保护制度 (one mention in 184 characters)
    assert "trade-secret" not in themes_of(km, "s2-1")
    assert themes_of(km, "s2-8") == ["international-cooperation", "dispute-resolution"]  # 积极促进知识产权对外交流合作
    # the department 市新闻出版(版权)局 in a responsibility list is not 版权
    assert "copyright" not in themes_of(km, "s2-2")
    assert "copyright" in themes_of(km, "s2-6")  # 实施版权创新发展工程 … 版权交易: three mentions
    assert themes_of(km, "s4-1") == ["organisation"]  # 加强组织领导
    jl = seeds["001"]
    assert "credit" in themes_of(jl, "s2-5")  # 实施知识产权信用监管制度
    assert "international-cooperation" in themes_of(jl, "s3-10")  # 开展知识产权国际交流与合作
    # 综合运用法律、行政、经济… is not 转化运用
    assert "utilization" not in themes_of(jl, "s1-p1")


def test_keyword_in_passing_is_not_a_theme(vocab):
    """The clause rule on sentences of its own: a topic, two mentions, a short
    single sentence count; one mention inside a longer clause does not."""
    lines = ["加强商标保护。",  # a short sentence: the whole clause states it
             "推动区域性国际中心城市建设，打造面向南亚东南亚的创新高地，完善城市功能布局和公共设施配套。",
             "完善知识产权金融服务。推动银行创新信贷产品，扩大质押融资规模，推广知识产权保险。",
             "优化营商环境，推进政务服务一网通办，完善市场准入制度，鼓励企业建立商业秘密保护制度，提升服务效率。",
             "严格保护商业秘密，依法查处侵犯商业秘密的行为，完善企业内部保密管理制度和措施。"]
    n = notice_with("\n".join(lines))
    tag_clauses(n, vocab)
    assert [c.themes for c in n.clauses] == [
        ["trademark"], [], ["finance"], [], ["trade-secret", "administrative-enforcement"]]


def test_threshold_for_document_themes(vocab):
    assert doc_threshold(10) == 2 and doc_threshold(35) == 4 and doc_threshold(100) == 10
    # one clause in 20 about 商标: not a theme of the document by share ...
    lines = ["加强商标保护。"] + [f"第{i}段一般内容，与主题无关的工作安排和要求。" for i in range(19)]
    n = notice_with("\n".join(lines + ["完善知识产权金融服务。推动质押融资。", "扩大知识产权质押融资和保险。"]))
    tag_clauses(n, vocab)
    assert n.clauses[0].themes == ["trademark"] and n.themes == ["finance"]
    # ... but the only theme of a document tagged nowhere else is kept (rule 4)
    n = notice_with("\n".join(lines))
    tag_clauses(n, vocab)
    assert n.themes == ["trademark"]
    # a theme in the title is the document's (rule 1)
    n = notice_with("\n".join(lines), title="关于加强地理标志保护的通知")
    tag_clauses(n, vocab)
    assert n.themes == ["geographical-indication"]


def test_order_and_document_themes(seeds, vocab):
    order = {t.slug: i for i, t in enumerate(vocab)}
    for n in seeds.values():
        for c in n.walk():
            assert [order[s] for s in c.themes] == sorted(order[s] for s in c.themes)
        tagged = {s for c in n.walk() for s in c.themes}
        assert set(n.themes) <= tagged
        assert [order[s] for s in n.themes] == sorted(order[s] for s in n.themes)


def test_organisation_lists_say_who_acts_not_what_about(seeds, vocab):
    """Seed 003's addressee line names 省法院、省检察院、昆明海关: not 司法保护;
    its own text on 司法保护 still is.  A list of courts as the subject of a
    sentence (联席会议) keeps the theme."""
    from build_tools.enrich.themes import strip_org_lists

    yn = seeds["003"]
    for cid in ("title-p1", "p2"):
        c = next(c for c in yn.walk() if c.id == cid)
        assert "省法院" in c.text and "judicial-protection" not in c.themes, cid
    assert "judicial-protection" in themes_of(yn, "s2-3-p2")  # 加强知识产权司法保护
    kept = "建立法院、检察院、公安机关联席会议制度"
    assert strip_org_lists(kept) == kept
    note = "(市中级人民法院、市检察院负责)"
    assert "法院" not in strip_org_lists(note)


def _justified(n, vocab):
    """Check every clause and document theme against the rules of enrich/themes.py."""
    from build_tools.enrich.themes import (HEADING_KINDS, MENTIONS, TOPIC_CHARS, _matcher, strip_org_lists,
                                           topic)

    m = _matcher(vocab)
    slug_of = [t.slug for t in vocab]
    headings, counts = set(), {}
    for c in n.walk():
        text = strip_org_lists(c.text)
        men = m.mentions(text)
        in_topic = {slug_of[i] for i in m.themes(topic(text))}
        body = text.strip().rstrip("。；;！!？?")
        short = len(body) <= TOPIC_CHARS and not re.search(r"[。；;！!？?\n]", body)
        for s in c.themes:
            k = men[slug_of.index(s)]
            assert k >= 1 and (s in in_topic or k >= MENTIONS or short), (n.id, c.id, s)
            counts[s] = counts.get(s, 0) + 1
        if c.kind in HEADING_KINDS:
            headings |= in_topic
    title = {slug_of[i] for i in m.themes(strip_org_lists(n.title))}
    need = doc_threshold(sum(1 for c in n.walk() if c.text.strip()))
    top = max(counts.values(), default=0)
    for s in n.themes:
        assert s in title or s in headings or counts.get(s, 0) >= need or counts.get(s) == top, (n.id, s)
    if counts:
        assert n.themes, n.id


def test_rules_hold_on_every_govcn2019_document(govcn_dir, vocab):
    """Invariant over the 43 gov.cn pages: every theme is justified by the
    rules, no document carries more than 5 themes (before the rules: up to 10)."""
    files = sorted(govcn_dir.glob("*.html"))
    assert len(files) == 43
    sizes = []
    for p in files:
        n = load(p)
        tag_clauses(n, vocab)
        _justified(n, vocab)
        sizes.append(len(n.themes))
    # 146 document themes before the rules (3.40 per document), 57 after on 2026-12-01;
    # a range, so a change of clause boundaries in structure.py does not break it
    assert max(sizes) <= 5 and 50 <= sum(sizes) <= 62


def test_rules_hold_on_the_seeds(seeds, vocab):
    for n in seeds.values():
        _justified(n, vocab)


def test_rules_hold_on_a_lawrefbook_sample(lawref_dir, vocab):
    """Invariant over the 25 民法商法 laws (专利法, 商标法, 著作权法 …): justified
    themes; 专利法 is about 专利 (its title), 商标法 about 商标."""
    files = sorted(p for p in (lawref_dir / "民法商法").glob("*.md") if p.name != "_index.md")
    assert len(files) == 25
    by_title = {}
    for p in files:
        n = load(p)
        tag_clauses(n, vocab)
        _justified(n, vocab)
        by_title[p.name] = n.themes
    assert "patent" in by_title["专利法(2020-10-17).md"]
    assert "trademark" in by_title["商标法(2019-04-23).md"]
