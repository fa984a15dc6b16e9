"""Related documents on the seeds plus a few real laws."""
from __future__ import annotations

import pytest

from build_tools.enrich.related import RESULT_KEY, SAME_REGION, SIMILAR, related_documents
from support.loaders import load


@pytest.fixture(scope="module")
def docs(seed_files, lawref_dir):
    seeds = {k: load(p) for k, p in seed_files.items()}
    laws = [load(lawref_dir / n) for n in (
        "民法商法/专利法(2020-10-17).md", "民法商法/商标法(2019-04-23).md",
        "民法商法/著作权法(2020-11-11).md", "民法商法/公司法(2018-10-26).md",
        "经济法/反不正当竞争法(2019-04-23).md", "民法商法/票据法(2004-08-28).md",
    )]
    return seeds, laws


def test_same_region_follows_the_region_chain(docs):
    """Seed 002 (昆明市) is related to 000 and 003 (云南省) and back; 001
    (吉林省) and national laws have no same-region relatives here."""
    seeds, laws = docs
    rel = related_documents(list(seeds.values()) + laws, k=5)
    km = rel[seeds["002"].id]
    same = {d for d, _, r in km if r == SAME_REGION}
    assert same == {seeds["000"].id, seeds["003"].id}  # 云南省 documents
    # and the other way round: Yunnan sees Kunming
    assert seeds["002"].id in {d for d, _, r in rel[seeds["003"].id] if r == SAME_REGION}
    # Jilin and national laws have no region relatives here
    assert not [d for d, _, r in rel[seeds["001"].id] if r == SAME_REGION]
    assert not [d for d, _, r in rel[laws[0].id] if r == SAME_REGION]


def test_lists_are_ordered_and_unique(docs):
    """Seeds + six lawrefbook laws: each reason's scores descend, k per reason, no repeats."""
    seeds, laws = docs
    rel = related_documents(list(seeds.values()) + laws, k=2)
    for lst in rel.values():
        for reason in (SAME_REGION, SIMILAR):
            scores = [s for _, s, r in lst if r == reason]
            assert scores == sorted(scores, reverse=True) and len(scores) <= 2
        assert len({d for d, _, _ in lst}) == len(lst)


@pytest.mark.slow
def test_similar_text_on_800_laws(seed_files, lawref_dir):
    """lawrefbook 民法商法/经济法/行政法规 + seeds: 著作权法's nearest texts are about
    著作权, 专利法's about 专利; seed 002 finds 001 or 004."""
    docs = [load(p) for p in seed_files.values()]
    for folder in ("民法商法", "经济法", "行政法规"):
        docs += [load(p) for p in sorted((lawref_dir / folder).glob("*.md")) if p.name != "_index.md"]
    rel = related_documents(docs, k=5)
    titles = {d.id: d.title for d in docs}
    by_title = {d.title: d.id for d in docs}

    def similar(title, n=3):
        return [titles[d] for d, _, r in rel[by_title[title]] if r == SIMILAR][:n]

    assert all("著作权" in t for t in similar("中华人民共和国著作权法"))
    assert all("专利" in t for t in similar("中华人民共和国专利法", 2))
    # the IP policy seeds find each other
    km = next(d for d in docs if d.id.startswith("kunming"))
    assert {titles[d] for d, _, r in rel[km.id] if r == SIMILAR} & {
        "关于推进知识产权强省建设的实施意见", docs[4].title}


def test_bigram_tokenizer_agrees_on_region(docs):
    """Seed 002: the bigram tokenizer gives the same same-region relatives as jieba."""
    seeds, laws = docs
    rel = related_documents(list(seeds.values()) + laws, tokenizer="bigram")
    assert {seeds["000"].id, seeds["003"].id} == {d for d, _, r in rel[seeds["002"].id] if r == SAME_REGION}


def test_term_cache_keeps_only_current_documents(docs):
    """Seeds + laws: a warm cache gives the same answer; a smaller batch prunes it."""
    seeds, laws = docs
    everything = list(seeds.values()) + laws
    cache: dict = {}
    full = related_documents(everything, cache=cache)
    assert len(set(cache) - {RESULT_KEY}) == len(everything)
    again = related_documents(everything, cache=cache)  # served from the cache, same answer
    assert again == full
    related_documents(laws, cache=cache)
    assert len(set(cache) - {RESULT_KEY}) == len(laws)


def test_the_last_result_is_reused_only_when_its_inputs_are_unchanged(docs):
    """An edit past the first 1,200 characters cannot change the scores: the
    last result is served; a changed title can: it is computed again, and
    equals a computation without any cache."""
    seeds, laws = docs
    everything = list(seeds.values()) + laws
    cache: dict = {}
    full = related_documents(everything, cache=cache)
    stamp = cache[RESULT_KEY]
    long_doc = next(n for n in laws if len(n.body) > 5000)
    body, title = long_doc.body, long_doc.title
    try:
        long_doc.body += "\n附则修改后的一句话。"
        assert related_documents(everything, cache=cache) == full and cache[RESULT_KEY] is stamp
        long_doc.title = "植物新品种和集成电路布图设计保护条例"
        renamed = related_documents(everything, cache=cache)
        assert cache[RESULT_KEY] is not stamp
        assert renamed == related_documents(everything)
    finally:
        long_doc.body, long_doc.title = body, title


def test_related_documents_beside_the_per_document_steps_are_the_inline_ones(docs, monkeypatch):
    """enrich_all computes related documents in a forked child (the build
    passes ``schedule.beside`` from ``RELATED_BESIDE_MIN`` documents): the same lists and the same term cache
    as inline, and a cache that already holds the result forks nothing."""
    import copy

    import build_tools.enrich as enrich
    from build_tools.build import schedule
    from build_tools.build.schedule import Forked

    seeds, laws = docs
    notices = copy.deepcopy(list(seeds.values()) + laws)
    want_cache: dict = {}
    want = related_documents(copy.deepcopy(notices), cache=want_cache)
    forks = []
    start = Forked.start
    monkeypatch.setattr(Forked, "start", lambda self, beside=True: forks.append(beside) or start(self, beside))
    cache: dict = {}
    out = enrich.enrich_all(notices, related_cache=cache, beside=schedule.beside)  # as the build passes it
    assert forks == [True]
    assert out.related == {d: [(o, r) for o, _, r in v] for d, v in want.items()}
    assert cache == want_cache
    again = enrich.enrich_all(copy.deepcopy(notices), related_cache=cache, beside=schedule.beside)
    assert forks == [True] and again.related == out.related  # from the cache, no child


def test_documents_with_one_query_walk_it_once_with_the_old_result(seed_files, lawref_dir, govcn_dir):
    """Issue 29: the copies of one text (every law five times at 5x) have one
    query, walked once for all of them; the result is the old per-document
    walk's (tests/support/related_reference.py), scores and order, on the
    seeds, govcn2019 (regions) and lawrefbook 民法商法 + 经济法, each taken
    once, twice or three times under other ids, and with a small limit."""
    import dataclasses

    from build_tools.enrich.related import _related, vectors
    from support.related_reference import related

    docs = [load(p) for p in seed_files.values()]
    docs += [load(p) for p in sorted(govcn_dir.glob("*.html"))]
    for folder in ("民法商法", "经济法"):
        docs += [load(p) for p in sorted((lawref_dir / folder).glob("*.md")) if p.name != "_index.md"]
    copies = [dataclasses.replace(d, id=f"{d.id}-c{k}") for k in (1, 2) for d in docs[k - 1::2]]
    for batch in (docs, docs + copies):
        vecs = vectors(batch)
        for k, max_query in ((5, 30), (2, 3)):
            want = related(batch, vecs, k, max_query)
            got = _related(batch, vecs, k, max_query)
            assert got == want and list(got) == list(want)
    assert sum(1 for lst in want.values() for _, _, r in lst if r == SAME_REGION) > 10  # regions were met
