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
    """The enrich stage's clause themes live beside the stored tree of the new
    record it makes (``with_facts``): a document evicted from the few kept in
    memory and loaded again still has them; the record it was made from keeps
    its tree without them (issue 24)."""
    _, stored, _ = loads
    monkeypatch.setattr(models, "LOADED_KEEP", 2)
    n = max(stored.notices, key=lambda d: d.n_clauses)
    before = n.clause_enrichment()
    themes = [[f"t{k % 3}"] if k % 2 else [] for k in range(n.n_clauses)]
    ids = [c.id for c, t in zip(n.walk(), themes) if t]
    m = n.with_facts(clause_themes=[tuple(t) for t in themes], themed_ids=ids)  # as the enrich cache gives them
    assert isinstance(m, StoredNotice) and m.frozen and m.clause_enrichment() == themes
    for other in stored.notices[:5]:  # evicts m's tree
        other.body
    assert [c.themes for c in m.walk()] == themes
    assert m.clause_enrichment() == themes
    assert n.clause_enrichment() == before and [c.themes for c in n.walk()] == before != themes
    # the theme pages read the themed clauses without loading the tree, and get what the tree says
    loads = []
    vars(m)["load"] = (lambda real: lambda: loads.append(1) or real())(m.load)  # a probe on a frozen record
    for other in stored.notices[:5]:
        other.body
    themed = m.themed_clauses()
    assert loads == [] and themed == Notice.themed_clauses(m.full()) and len(themed) == len(ids)


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


# ------------------------------------------------------- a rebuild reads headers, not parses (issue 29)

def _counting(monkeypatch):
    """Counts every parse a load unpickles (pipeline's own pickle.loads) and every stored tree loaded."""
    from build_tools import pipeline
    from build_tools.build import store

    seen = {"parses": 0, "trees": 0}
    real_loads, real_parse = pickle.loads, store.load_parse

    def loads(data, *a, **kw):
        seen["parses"] += 1
        return real_loads(data, *a, **kw)

    def load_parse(path):
        seen["trees"] += 1
        return real_parse(path)

    monkeypatch.setattr(pipeline, "pickle", type("P", (), {"loads": staticmethod(loads), "dumps": staticmethod(pickle.dumps)}))
    monkeypatch.setattr(pipeline, "load_parse", load_parse)
    return seen


def _same_document(a: Notice, b: StoredNotice) -> None:
    assert isinstance(b, StoredNotice)
    assert "body" not in vars(b) and "clauses" not in vars(b) and "line_map" not in vars(b)
    assert b.full() == a and b.line_map == a.line_map and b.body == a.body and _tree(b) == _tree(a)
    assert b.n_clauses == sum(1 for _ in a.walk()) and b.head_key(models.HEAD_CHARS) == a.head_key(models.HEAD_CHARS)


def test_a_stored_rebuild_reads_each_unchanged_document_from_its_header_not_its_parse(loads, monkeypatch):
    """Every document of a second stored load comes from the header the first kept:
    no parse unpickled, no tree loaded, and each equals the whole document."""
    full, _, cache = loads  # the fixture's stored load kept the headers
    seen = _counting(monkeypatch)
    again = load_documents(_files(), cache_dir=cache, stored=True, owners={})
    assert seen == {"parses": 0, "trees": 0}
    assert [p for p in again.problems if p.level == "error"] == [p for p in full.problems if p.level == "error"]
    assert [n.id for n in again.notices] == [n.id for n in full.notices]
    for a, b in zip(full.notices, again.notices):
        _same_document(a, b)
    assert seen["parses"] == 0 and seen["trees"] == len(full.notices)  # each tree loaded by the checks above, once


def _copy_sources(tmp_path: Path) -> list[Path]:
    """A copy of the seeds, the govcn2019 pages and 40 of the fixed law slice (sidecars and attachment folders too)."""
    import shutil

    out = []
    laws = [f for f in _files() if "lawrefbook" in f.parts][:40]
    for f in laws + sorted((CORPUS / "govcn2019").glob("*.html")) + source_files(ROOT / "source_texts"):
        dest = tmp_path / "src" / f.parent.name / f.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest)
        for extra in (f.with_suffix(".yml"), f.with_name(f.stem + ".files")):
            if extra.is_file():
                shutil.copy2(extra, dest.with_suffix(".yml"))
            elif extra.is_dir():
                shutil.copytree(extra, dest.with_name(extra.name))
        out.append(dest)
    return sorted(out)


def test_a_stored_rebuild_after_a_change_an_addition_and_a_removal_equals_a_load_from_nothing(tmp_path, monkeypatch):
    """Only the changed and the added source are parsed again; every document, problem and
    header equals what a load without any cache gives; a removed source's header is dropped."""
    from build_tools import fsutil
    from build_tools.build.store import Store

    files = _copy_sources(tmp_path)
    cache = tmp_path / "cache" / "docs"
    added = files.pop(len(files) // 2)
    load_documents(files, cache_dir=cache, stored=True, owners={}, prune_cache=True)
    changed, removed = next(f for f in files if f.suffix == ".txt"), files[-1]
    changed.write_bytes(changed.read_bytes() + "\n\n本条为测试增加的一句话。\n".encode("utf-8"))
    now = [f for f in files if f != removed] + [added]
    now.sort()
    seen = _counting(monkeypatch)
    warm = load_documents(now, cache_dir=cache, stored=True, owners={}, prune_cache=True)
    assert seen == {"parses": 0, "trees": 0}  # the changed and added ones parsed afresh, the rest from headers
    monkeypatch.undo()
    cold = load_documents(now, owners={})
    assert [str(p) for p in warm.problems] == [str(p) for p in cold.problems]
    assert [n.id for n in warm.notices] == [n.id for n in cold.notices] and len(cold.notices) > 80
    for a, b in zip(cold.notices, warm.notices):
        _same_document(a, b)
    assert any("本条为测试增加的一句话" in n.body for n in warm.notices)
    fsutil._KEYED.clear()
    kept = load_documents.__globals__["Memo"](Store(cache.parent).headers, load_documents.__globals__["LOAD_MODULES"],
                                               codec="pickle").old
    assert set(kept) == set(warm.keys.values())  # the removed and the old changed source's headers dropped


def test_a_moved_source_is_read_again_and_names_its_new_file(tmp_path):
    """The same bytes under another name are another load key: the document names
    the file it is read from now, as a load from nothing does (the cache once gave
    the old name)."""
    src = next(f for f in source_files(ROOT / "source_texts") if f.suffix == ".txt")
    a, b = tmp_path / "a" / src.name, tmp_path / "b" / ("moved-" + src.name)
    for d in (a, b):
        d.parent.mkdir()
        d.write_bytes(src.read_bytes())
        d.with_suffix(".yml").write_bytes(src.with_suffix(".yml").read_bytes())
    cache = tmp_path / "cache" / "docs"
    first = load_documents([a], cache_dir=cache, stored=True)
    moved = load_documents([b], cache_dir=cache, stored=True)
    assert first.keys != moved.keys
    assert moved.notices[0].source_file == b.name == load_documents([b]).notices[0].source_file
    assert all(p.file == str(b) for p in moved.problems)
