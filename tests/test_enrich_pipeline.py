"""enrich() end to end: the seeds, and the whole real corpus (slow)."""
from __future__ import annotations

import time

import pytest

from build_tools.enrich import enrich
from test_enrich_common import load


def test_enrich_seeds(seed_files, lawref_dir):
    docs = [load(p) for p in seed_files.values()]
    docs.append(load(lawref_dir / "民法商法/专利法(2020-10-17).md"))
    timing = enrich(docs)
    assert set(timing) == {"themes", "references", "goals", "targets", "resolve"}
    by_id = {d.id: d for d in docs}
    yn = next(d for d in docs if d.doc_number is None and d.year == 2015)
    assert len(yn.references) == 16 and len(yn.goals) == 3 and len(yn.targets) == 16
    patent = [r for r in yn.references if r.title == "中华人民共和国专利法"][0]
    assert by_id[patent.target_id].title == "中华人民共和国专利法"
    assert all(d.themes for d in docs)
    # every reference is either resolved or has an external page, except junk titles
    for d in docs:
        for r in d.references:
            assert bool(r.target_id) != bool(r.external_key) or r.title in ("十四五", "2020-2021年")


@pytest.mark.slow
def test_enrich_whole_corpus(lawref_dir, govcn_dir, seed_files):
    from build_tools.pipeline import load_documents, source_files

    paths = source_files(lawref_dir) + source_files(govcn_dir) + list(seed_files.values())
    docs = load_documents(paths).notices
    assert len(docs) > 3000
    n_clauses = sum(1 for d in docs for _ in d.walk())
    t0 = time.perf_counter()
    enrich(docs)
    took = time.perf_counter() - t0
    print(f"enrich: {len(docs)} documents, {n_clauses} clauses, {took:.1f} s")
    assert took < 30
    refs = [r for d in docs for r in d.references]
    resolved = sum(1 for r in refs if r.target_id)
    assert resolved > 0.4 * len(refs)
    # laws state no targets; the policy documents do
    assert not any(d.targets for d in docs if d.kind == "law")
