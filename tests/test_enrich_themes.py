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


def test_geographical_indication_in_four_seeds(seeds):
    with_gi = {k for k, n in seeds.items() if any("geographical-indication" in c.themes for c in n.walk())}
    assert {"000", "001", "002", "003"} <= with_gi
    assert all("geographical-indication" in seeds[k].themes for k in ("000", "001", "002", "003"))


def test_pinned_clauses(seeds):
    yn = seeds["003"]
    # 强化商标专用权保护 … 地理标志商标专用权 → both
    assert {"trademark", "geographical-indication"} <= set(themes_of(yn, "s2-3-p4"))
    # 加强版权保护 … 推进软件正版化
    assert "copyright" in themes_of(yn, "s2-3-p5")
    # 海关监管 … 向海关总署备案
    assert "customs" in themes_of(yn, "s2-3-p7")
    # 知识产权质押融资, 保险市场
    assert "finance" in themes_of(yn, "s2-2-p3")
    km = seeds["002"]
    assert "trade-secret" in themes_of(km, "s2-1")  # 鼓励企业建立商业秘密保护制度
    # the department 市新闻出版(版权)局 in a responsibility list is not 版权
    assert "copyright" not in themes_of(km, "s2-2")
    assert "copyright" in themes_of(km, "s2-6")  # 实施版权创新发展工程
    assert "organisation" in themes_of(km, "s4-1")  # 加强组织领导
    jl = seeds["001"]
    assert "credit" in themes_of(jl, "s2-5")  # 知识产权信用监管制度
    assert "international-cooperation" in themes_of(jl, "s3-10")
    # 综合运用法律、行政、经济… is not 转化运用
    assert "utilization" not in themes_of(jl, "s1-p1")


def test_order_and_document_themes(seeds, vocab):
    order = {t.slug: i for i, t in enumerate(vocab)}
    for n in seeds.values():
        for c in n.walk():
            assert [order[s] for s in c.themes] == sorted(order[s] for s in c.themes)
        tagged = {s for c in n.walk() for s in c.themes}
        assert set(n.themes) <= tagged
        assert [order[s] for s in n.themes] == sorted(order[s] for s in n.themes)


def test_threshold_for_long_documents(vocab):
    assert doc_threshold(10) == 1 and doc_threshold(100) == 3 and doc_threshold(60) == 2
    lines = ["加强商标保护。"] + [f"第{i}段一般内容。" for i in range(99)]
    n = notice_with("\n".join(lines))
    tag_clauses(n, vocab)
    assert n.clauses[0].themes == ["trademark"] and n.themes == []
    n = notice_with("\n".join(lines[:10]))
    tag_clauses(n, vocab)
    assert n.themes == ["trademark"]


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
    assert "judicial-protection" in yn.themes
    kept = "建立法院、检察院、公安机关联席会议制度"
    assert strip_org_lists(kept) == kept
    note = "(市中级人民法院、市检察院负责)"
    assert "法院" not in strip_org_lists(note)
