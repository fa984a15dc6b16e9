"""Issue 24: frozen records between stages.

* after the load (``pipeline.load_documents``) every record is frozen: a write
  to any field, or its removal, raises ``models.FrozenRecordError`` and changes
  nothing (plain ``Notice`` and ``StoredNotice``);
* the enrich stage leaves the records it is given as they were (a digest of
  every field, the clause tree with its themes included, before and after) and
  hands on new frozen records sharing body and clause texts; its
  ``Enrichment`` is frozen too;
* the records it makes equal, every field, what the in-place path made before
  issue 24 (kept here as the reference: the per-document steps written into
  drafts of the same records, then works and resolution across them).

Real documents: the 5 seeds, the 43 govcn2019 pages and lawrefbook laws in
several versions (行政复议法 2017/2023, 对外贸易法 2016/2022; 专利法 2020 and 植物新品种保护条例 of
source_texts).
"""
from __future__ import annotations

import hashlib
from dataclasses import fields
from pathlib import Path

import pytest

from conftest import ROOT, SHARED

from build_tools.enrich import enrich, enrich_all, find_goals, find_references, find_targets, load_vocabulary
from build_tools.enrich import resolve_references
from build_tools.enrich.themes import tag_clauses
from build_tools.enrich.versions import build_works
from build_tools.models import FrozenRecordError, Notice, StoredNotice
from build_tools.pipeline import load_documents, source_files

CORPUS = SHARED / "corpus"
LAWS = ["诉讼与非诉讼程序法/行政复议法(2017-09-01).md", "诉讼与非诉讼程序法/行政复议法(2023-09-01).md",
        "经济法/对外贸易法(2016-11-07).md", "经济法/对外贸易法(2022-12-30).md"]  # 专利法 (2020): in source_texts
TODAY = "2026-12-01"


def _files() -> list[Path]:
    return (source_files(ROOT / "source_texts") + sorted((CORPUS / "govcn2019").glob("*.html"))
            + [CORPUS / "lawrefbook" / p for p in LAWS])


def digest(n: Notice) -> str:
    """Every dataclass field of the record (the clause tree with each clause's
    themes and children), and the themes a stored record keeps beside its tree."""
    parts = [(f.name, repr(getattr(n, f.name))) for f in fields(Notice)]
    parts.append(("clause_enrichment", repr(n.clause_enrichment())))
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def loaded():
    res = load_documents(_files())
    assert not res.errors, res.errors
    assert len(res.notices) == len(_files()) and sum(n.kind == "law" for n in res.notices) >= 5
    return res.notices


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    cache = tmp_path_factory.mktemp("store") / "docs"
    load_documents(_files(), cache_dir=cache)  # writes the store
    res = load_documents(_files(), cache_dir=cache, stored=True)
    assert all(isinstance(n, StoredNotice) for n in res.notices)
    return res.notices


def _value_for(name: str, old):
    """Another value of the field's kind (the guard must refuse any)."""
    if isinstance(old, (list, dict)):
        return type(old)()
    return 0 if isinstance(old, int) else "改写"


@pytest.mark.parametrize("which", ["plain", "stored"])
def test_every_write_to_a_loaded_record_raises(loaded, stored, which):
    notices = loaded if which == "plain" else stored
    names = [f.name for f in fields(Notice)]
    for n in notices:
        assert n.frozen
        before = digest(n)
        for name in names:
            with pytest.raises(FrozenRecordError) as e:
                setattr(n, name, _value_for(name, getattr(n, name)))
            assert n.id in str(e.value) and name in str(e.value) and "冻结" in str(e.value)
            with pytest.raises(FrozenRecordError):
                delattr(n, name)
        with pytest.raises(FrozenRecordError):
            n.some_new_field = 1  # not even a new attribute
        assert digest(n) == before


def test_with_facts_makes_a_new_frozen_record_sharing_body_and_tree(loaded):
    for n in loaded:
        m = n.with_facts(themes=["x"], validity="现行有效")
        assert m is not n and m.frozen and (m.themes, m.validity) == (["x"], "现行有效")
        assert m.body is n.body and m.clauses is n.clauses and m.line_map is n.line_map
        assert n.themes != ["x"] or n.validity != "现行有效"
        themed = [["t"] if k % 3 == 0 else list(c.themes) for k, c in enumerate(n.walk())]
        t = n.with_facts(clause_themes=themed)
        assert [c.themes for c in t.walk()] == themed and [c.themes for c in n.walk()] != themed
        # only the clauses that gain themes (and their ancestors) are new shells; the texts are shared
        old = {id(c.text) for c in n.walk()}
        assert all(id(c.text) in old for c in t.walk())
        unchanged = [c for c, th in zip(n.walk(), themed) if th == c.themes and not c.children]
        shared = {id(c) for c in t.walk()}
        assert all(id(c) in shared for c in unchanged)


@pytest.mark.parametrize("which", ["plain", "stored"])
def test_enrich_leaves_its_input_records_unchanged_and_hands_on_frozen_ones(loaded, stored, which):
    given = list(loaded if which == "plain" else stored)
    before = [digest(n) for n in given]
    notices = list(given)
    enr = enrich_all(notices, today=TODAY, related=False)
    assert [digest(n) for n in given] == before  # every field of every record it was given
    assert [n.id for n in notices] == [n.id for n in given]
    assert all(a is not b and b.frozen for a, b in zip(given, notices))
    assert sum(1 for n in notices if n.references) > 20 and sum(1 for n in notices if n.themes) > len(notices) // 2
    assert sum(1 for n in notices if n.work_id) >= 5 and all(n.validity for n in notices)
    assert sum(1 for n in notices for c in n.walk() if c.themes) > 100
    for a, b in zip(given, notices):
        assert b.body == a.body and [c.text for c in b.walk()] == [c.text for c in a.walk()]
    with pytest.raises(FrozenRecordError):
        enr.works = {}
    with pytest.raises(FrozenRecordError):
        notices[0].validity = "已废止"


def test_stored_and_plain_records_are_enriched_alike(loaded, stored):
    plain, kept = list(loaded), list(stored)
    enrich_all(plain, today=TODAY, related=False)
    enrich_all(kept, today=TODAY, related=False)
    assert [digest(a) for a in plain] == [digest(b) for b in kept]
    assert all(isinstance(b, StoredNotice) for b in kept)


def _in_place(notices: list[Notice]) -> list[Notice]:
    """The path before issue 24 (``enrich.enrich``): each step written into the
    record (here into drafts of the loaded records), then works and resolution."""
    drafts = [n.draft() for n in notices]
    vocab = load_vocabulary()
    for d in drafts:
        tag_clauses(d, vocab)
        d.references = find_references(d)
        d.goals = find_goals(d)
        d.targets = find_targets(d)
    works, _, _ = build_works(drafts)
    resolve_references(drafts, None, works=works)
    return drafts


def test_the_records_after_enrich_equal_the_in_place_path(tmp_path):
    """Fresh loads (the tree the in-place path writes its themes into is its own)."""
    reference = _in_place(load_documents(_files()).notices)
    notices = load_documents(_files()).notices
    given = list(notices)
    enrich(notices)
    assert [n.id for n in notices] == [r.id for r in reference]
    for n, r in zip(notices, reference):
        for f in fields(Notice):
            assert getattr(n, f.name) == getattr(r, f.name), (n.id, f.name)
        assert n == r
    assert sum(1 for n in notices for ref in n.references if ref.target_id or ref.target_work) > 20
    assert all(not g.themes and not g.references for g in given)


def test_a_warm_enrich_from_its_cache_leaves_its_input_unchanged_too(stored, tmp_path):
    """The rebuild's path: entries read back from ``<cache>/enrich`` become new
    records as well; the stored records given keep every field, and the new
    ones equal a cold run's."""
    keys = {n.id: f"key-{n.id}" for n in stored}
    cold = list(stored)
    enrich_all(cold, today=TODAY, related=False, doc_cache_dir=tmp_path / "enrich", doc_keys=keys)
    given = list(stored)
    before = [digest(n) for n in given]
    warm = list(given)
    enrich_all(warm, today=TODAY, related=False, doc_cache_dir=tmp_path / "enrich", doc_keys=keys)
    assert [digest(n) for n in given] == before
    assert [digest(n) for n in warm] == [digest(n) for n in cold]
    assert all(n.frozen and n is not g for n, g in zip(warm, given))
