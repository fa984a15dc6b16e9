"""Issue 29: the build holds each document's metadata and facts, not its body
and clause tree (``models.StoredNotice``, ``pipeline.load_documents(stored=True)``).

Real documents: the seeds, the 43 govcn2019 pages, the 20 provincial pages and
a fixed slice of 120 lawrefbook laws (long clause trees).
"""
from __future__ import annotations

import gc
import pickle
import random
import tracemalloc
from pathlib import Path

import pytest

from conftest import ROOT, SHARED

from build_tools import models
from build_tools.models import Notice, StoredNotice
from build_tools.pipeline import load_documents, source_files

CORPUS = SHARED / "corpus"


def _files() -> list[Path]:
    laws = sorted(p for p in (CORPUS / "lawrefbook").rglob("*.md") if p.name != "_index.md")
    random.Random(29).shuffle(laws)
    return (sorted(laws[:120]) + sorted((CORPUS / "govcn2019").glob("*.html"))
            + sorted((CORPUS / "provincial").glob("*.html")) + source_files(ROOT / "source_texts"))


@pytest.fixture(scope="module")
def loads(tmp_path_factory):
    cache = tmp_path_factory.mktemp("store") / "docs"
    full = load_documents(_files(), cache_dir=cache)  # writes the store
    stored = load_documents(_files(), cache_dir=cache, stored=True)
    return full, stored, cache


def _tree(n) -> list:
    return [(c.id, c.label, c.kind, c.level, c.text, c.line, c.themes) for c in n.walk()]


def test_every_document_comes_back_stored_with_the_same_body_tree_and_metadata(loads):
    full, stored, _ = loads
    assert [n.id for n in stored.notices] == [n.id for n in full.notices] and len(full.notices) > 180
    for a, b in zip(full.notices, stored.notices):
        assert isinstance(b, StoredNotice) and not isinstance(a, StoredNotice)
        assert "body" not in vars(b) and "clauses" not in vars(b)  # held by the store, not the build
        assert b.body == a.body and _tree(b) == _tree(a)
        assert b.n_clauses == a.n_clauses == sum(1 for _ in a.walk())
        assert b.citation(next(iter(b.walk()), None)) == a.citation(next(iter(a.walk()), None))
        assert b.facts_dict() == a.facts_dict()
        # pickled (a forked worker's result, a digest), it is the whole document
        back = pickle.loads(pickle.dumps(b))
        assert type(back) is Notice and back == a


def test_a_stored_document_is_read_only(loads):
    _, stored, _ = loads
    n = stored.notices[0]
    for name in ("body", "clauses"):
        with pytest.raises(AttributeError, match="只读"):
            setattr(n, name, [] if name == "clauses" else "")


def test_clause_themes_set_by_enrich_are_joined_to_every_load(loads, monkeypatch):
    """The enrich stage's clause themes live beside the stored tree: a document
    evicted from the few kept in memory and loaded again still has them."""
    _, stored, _ = loads
    monkeypatch.setattr(models, "LOADED_KEEP", 2)
    n = max(stored.notices, key=lambda d: d.n_clauses)
    themes = [[f"t{k % 3}"] if k % 2 else [] for k in range(n.n_clauses)]
    ids = [c.id for c, t in zip(n.walk(), themes) if t]
    n.set_clause_themes([tuple(t) for t in themes], ids)  # as the enrich cache gives them
    assert n.clause_enrichment() == themes
    for other in stored.notices[:5]:  # evicts n's tree
        other.body
    assert [c.themes for c in n.walk()] == themes
    assert n.clause_enrichment() == themes
    # the theme pages read the themed clauses without loading the tree, and get what the tree says
    loads = []
    n.load = (lambda real: lambda: loads.append(1) or real())(n.load)
    for other in stored.notices[:5]:
        other.body
    themed = n.themed_clauses()
    assert loads == [] and themed == Notice.themed_clauses(n.full()) and len(themed) == len(ids)


def _retained(make) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        kept = make()
        gc.collect()
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return size


def test_the_build_retains_a_fraction_of_each_document(loads):
    """What the build holds per document (the stored list) against the whole
    documents (bodies and clause trees), both measured on the same real files:
    the stored list is under a fifth of it and under 16 KB a document (the
    laws' trees are the bulk: ~67 KB a document with them, ~9 KB without)."""
    _, _, cache = loads
    files = _files()
    whole = _retained(lambda: load_documents(files, cache_dir=cache).notices)
    models.StoredNotice._loaded.clear()
    kept = _retained(lambda: load_documents(files, cache_dir=cache, stored=True).notices)
    models.StoredNotice._loaded.clear()
    docs = len(load_documents(files, cache_dir=cache).notices)
    assert kept < whole / 5, (kept // docs, whole // docs)
    assert kept / docs < 16 * 1024, kept // docs
