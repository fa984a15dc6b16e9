"""Citation strings, as users paste them into memos."""
from build_tools.pipeline import load_documents
from conftest import SEED_FILES


def _docs():
    res = load_documents([SEED_FILES[k] for k in ("002", "003", "004")], require_sidecar=True)
    return {n.source_file[:3]: n for n in res.notices}


def test_forwarded_plan_is_cited_by_its_own_title():
    d = _docs()
    km = d["002"]
    assert km.citation(km.clause("s2-3")) == "《昆明市国家知识产权强市建设示范城市工作方案（2022—2025年）》二（三）"
    assert km.citation(km.clause("s3-2")).endswith("》三（二）")
    # the wrapper's own paragraphs are cited by the wrapper's title
    assert km.citation(km.clause("p2")).startswith("《昆明市人民政府办公室关于印发")
    yn = d["003"]
    assert yn.citation(yn.clause("s2-3")) == "《贯彻深入实施国家知识产权战略行动计划（2014-2020年）的实施意见》二（三）"


def test_draft_under_consultation_and_nested_titles():
    cd = _docs()["004"]
    assert cd.citation(cd.clause("att1-s2")) == "《成都市建设国家知识产权保护示范区实施方案（2023-2025年）（征求意见稿）》附件1 二"
    whole = cd.citation()
    assert whole.count("《") == 1 and "〈成都市建设国家知识产权保护示范区实施方案" in whole
