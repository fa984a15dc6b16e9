"""Relevance order of `iparchive search` (issue 26), the box's order too
(pagefind-search.js): documents whose title holds the query first, by legal
force (法 before 条例, 规定, 细则), then the newest; then the documents with
the most occurrences in their matching clauses, then the newest; a document's records together (its title record, then its clauses in
their order).  Real documents: the seeds, 专利法 and six lawrefbook texts that
speak of 专利 (司法解释 若干规定/解释, 行政法规 条例/实施细则), on both backends.
Occurrences are counted here by plain substring search of the normalised
text, never by the code under test.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.doctypes import force_rank, type_group
from search.index import build_index
from search.query import run_search
from search.tokenizer import normalize

from support.loaders import load, real_notices

ROOT = Path(__file__).resolve().parent.parent
LAWS = ROOT.parent / "shared" / "corpus" / "lawrefbook"
PATENT = ["民法商法/专利法(2020-10-17).md", "行政法规/专利法实施细则(2010-01-09).md",
          "行政法规/国防专利条例(2004-09-17).md",
          "司法解释/最高人民法院关于审理专利纠纷案件适用法律问题的若干规定(2015-01-29).md",
          "司法解释/最高人民法院关于审理侵犯专利权纠纷案件应用法律若干问题的解释(2009-12-28).md"]


@pytest.fixture(scope="module")
def notices():
    seeds, _ = real_notices()  # source_texts holds 专利法 already (cited by the seeds)
    have = {n.id for n in seeds}
    return seeds + [n for n in (load(LAWS / p) for p in PATENT) if n.id not in have]


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def index_dir(tmp_path_factory, notices, request):
    d = tmp_path_factory.mktemp(f"order-{request.param}")
    build_index(notices, d, backend=request.param)
    return d


def _occurrences(notices, word: str) -> dict[str, int]:
    return {n.id: sum(normalize(c.text.replace("\n", "")).count(word) for c in n.walk()) for n in notices}


@pytest.mark.parametrize("q", ["专利", "侵权", "知识产权"])
def test_title_holders_first_then_occurrences_then_recency(index_dir, notices, q):
    res = run_search(index_dir, q, limit=10_000)
    assert res.total == len(res.hits) > 0
    by_id = {n.id: n for n in notices}
    docs = list(dict.fromkeys(h.doc_id for h in res.hits))
    # a document's records are together, its title record first, then its clauses in order
    runs = [h.doc_id for i, h in enumerate(res.hits) if i == 0 or res.hits[i - 1].doc_id != h.doc_id]
    assert runs == docs
    occ = _occurrences(notices, q)
    key = [(0, force_rank(by_id[d].doc_type), 0, -(by_id[d].year or 0)) if q in normalize(by_id[d].title)
           else (1, 0, -occ[d], -(by_id[d].year or 0)) for d in docs]
    assert key == sorted(key), list(zip(docs, key))
    if q == "专利":
        assert res.hits[0].title == "中华人民共和国专利法"
        titled = [d for d in docs if "专利" in by_id[d].title]
        assert len(titled) >= 4 and docs[:len(titled)] == titled
        # 专利法实施细则 holds 专利 more often than 专利法: force, not occurrences, orders title holders
        rules = next(d for d in titled if by_id[d].title.endswith("实施细则"))
        assert occ[rules] > occ[docs[0]]


def test_pages_walk_the_same_order(index_dir):
    whole = run_search(index_dir, "专利", limit=10_000).hits
    page2 = run_search(index_dir, "专利", limit=7, offset=7).hits
    assert [(h.doc_id, h.clause_id) for h in page2] == [(h.doc_id, h.clause_id) for h in whole[7:14]]


def test_type_filter_uses_the_document_list_vocabulary(index_dir, notices):
    """--type 意见 takes 指导意见 and 若干意见 (the list's 意见); a printed
    form given to --type is read as its group; hits say the group."""
    groups = {type_group(n.doc_type) for n in notices if n.doc_type}
    assert "规定" in groups  # 若干规定 of the 司法解释
    ruled = run_search(index_dir, "专利", doc_type="规定", limit=10_000).hits
    assert ruled and all(h.doc_type == "规定" for h in ruled)
    assert {h.doc_id for h in ruled} == {n.id for n in notices if type_group(n.doc_type) == "规定"
                                          and any("专利" in normalize(c.text) for c in n.walk())}
    printed = run_search(index_dir, "专利", doc_type="若干规定", limit=10_000).hits
    assert [h.doc_id for h in printed] == [h.doc_id for h in ruled]
