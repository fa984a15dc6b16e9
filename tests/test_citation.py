"""Citation strings, as users paste them into memos (issue 25: they always name the
text cited — a law's version, a notice's 文号 or else its date — and the clause; the
GB/T 7714 form names the clause too, and the same document as the plain form)."""
import re

import pytest

from build_tools.enrich import enrich_all
from build_tools.pipeline import load_documents, source_files
from build_tools.render.pages import gbt_prefix
from conftest import ROOT, SEED_FILES


def _docs():
    res = load_documents([SEED_FILES[k] for k in ("002", "003", "004")], require_sidecar=True)
    return {n.source_file[:3]: n for n in res.notices}


def test_forwarded_plan_is_cited_by_its_own_title():
    d = _docs()
    km = d["002"]
    assert km.citation(km.clause("s2-3")) == "《昆明市国家知识产权强市建设示范城市工作方案（2022—2025年）》（2022年9月29日）二（三）"
    assert km.citation(km.clause("s3-2")).endswith("》（2022年9月29日）三（二）")
    # the wrapper's own paragraphs are cited by the wrapper's title
    assert km.citation(km.clause("p2")).startswith("《昆明市人民政府办公室关于印发")
    yn = d["003"]
    assert yn.citation(yn.clause("s2-3")) == "《贯彻深入实施国家知识产权战略行动计划（2014-2020年）的实施意见》（2015年10月9日）二（三）"


def test_draft_under_consultation_and_nested_titles():
    cd = _docs()["004"]
    assert cd.citation(cd.clause("att1-s2")) == "《成都市建设国家知识产权保护示范区实施方案（2023-2025年）（征求意见稿）》（2023年3月22日）附件1 二"
    whole = cd.citation()
    assert whole.count("《") == 1 and "〈成都市建设国家知识产权保护示范区实施方案" in whole


@pytest.fixture(scope="module")
def archive():
    res = load_documents(source_files(ROOT / "source_texts"), require_sidecar=True)
    assert not res.errors
    enrich_all(res.notices, today="2026-12-01", related=False)
    return res.notices


def test_every_clause_citation_names_version_and_clause(archive):
    """Every clause of every seed and law of the archive: the plain form names the text
    (（2020年修正） / （文号） / （2022年9月29日）) and ends with the clause label; the GB/T form
    has the label after the title and names the same document as the plain form."""
    n_clauses = 0
    for n in archive:
        version = n.version_label or n.doc_number or n.edition
        if n.kind == "law":
            assert n.version_label and re.fullmatch(r"\d{4}年(通过|修正|修订|公布|版)", n.version_label), n.source_file
        for c in n.walk():
            n_clauses += 1
            assert c.label, (n.source_file, c.id)
            plain = n.citation(c)
            assert f"》（{version}）" in plain and plain.endswith(c.label), plain
            gbt = gbt_prefix(n, c)
            assert f"{c.label}[EB/OL]." in gbt, gbt
            cited = re.match(r"《(.+?)》（", plain).group(1)
            assert gbt.split(". ", 1)[1].startswith(cited.replace("〈", "《").replace("〉", "》")
                                                    if "〈" in cited and n.title.count("《") else cited), (plain, gbt)
    assert n_clauses > 1000
    law = next(n for n in archive if n.title == "中华人民共和国专利法")
    assert law.citation(law.clause("art-71")) == "《中华人民共和国专利法》（2020年修正）第七十一条"
    assert gbt_prefix(law, law.clause("art-71")).startswith("全国人民代表大会常务委员会. 中华人民共和国专利法（2020年修正）第七十一条[EB/OL].")
    km = next(n for n in archive if n.source_file.startswith("002_"))
    assert gbt_prefix(km, km.clause("s2-3")).split(". ")[1].startswith("昆明市国家知识产权强市建设示范城市工作方案（2022—2025年）二（三）")
