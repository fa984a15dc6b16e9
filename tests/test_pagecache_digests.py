"""The page cache's per-document digest (``pagecache.loaded_digest``, issue 29):
what enrich and the anchor check set reaches it, what the load key stands for
is not hashed again, and a stored document's tree is never read back for it.
Real documents: the seeds, govcn2019, provincial pages and laws in several
versions (works, validity, clause histories among them)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from build_tools import models, pipeline
from build_tools.build import pagecache
from build_tools.pipeline import enrich_stage, load_documents, source_files

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"


def _files() -> list[Path]:
    law = SHARED / "lawrefbook"
    return list(dict.fromkeys(
        source_files(ROOT / "source_texts") + sorted((SHARED / "govcn2019").glob("*.html"))[:25]
        + sorted((SHARED / "provincial").glob("*.htm*"))[:10]
        + sorted((law / "行政法规").glob("道路运输条例*.md")) + sorted((law / "诉讼与非诉讼程序法").glob("*诉讼法*.md"))))


def _stage(files, cache: Path, stored: bool):
    res = load_documents(files, cache_dir=cache / "docs", stored=stored, prune_cache=True)
    enrich_stage(res.notices, cache, keys=res.keys)
    return res


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    cache = tmp_path_factory.mktemp("digests")
    return cache, _stage(_files(), cache, stored=True)


def test_every_field_is_loaded_only_or_enriched():
    names = {f.name for f in dataclasses.fields(models.Notice)}
    assert pagecache.LOADED_ONLY | set(pagecache.ENRICHED) == names
    assert not pagecache.LOADED_ONLY & set(pagecache.ENRICHED)


def test_what_enrich_sets_reaches_the_digest(built):
    """Each enriched field, and one clause's themes, changed on a real record
    (stored, as at 5x) changes its digest; the same record gives the same one."""
    _, res = built
    notices = res.notices
    assert all(isinstance(n, models.StoredNotice) for n in notices) and len(notices) > 40
    assert sum(1 for n in notices if n.version_label) >= 2 and any(n.references for n in notices)
    sentinel = {"themes": ["测试"], "references": [], "goals": [], "targets": [], "work_id": "w-测试",
                "version_label": "测试版", "validity": "已废止", "validity_basis": "测试",
                "clause_changes": {"s1": []}}
    assert set(sentinel) == set(pagecache.ENRICHED)
    for n in notices:
        key = res.keys[n.id]
        d = pagecache.loaded_digest(n, key)
        assert pagecache.loaded_digest(n, key) == d
        assert pagecache.loaded_digest(n, key + "x") != d  # another source, sidecar or stage code
        for name, value in sentinel.items():
            if getattr(n, name) != value:
                assert pagecache.loaded_digest(n.with_facts(**{name: value}), key) != d, (n.id, name)
        themes = [list(t) for t in n.clause_enrichment()]
        if themes:
            themes[-1] = themes[-1] + ["测试"]
            ids = [c for c, _ in n.themed_clauses()]
            other = n.with_facts(clause_themes=themes, themed_ids=ids)
            assert pagecache.loaded_digest(other, key) != d, n.id


def test_a_rebuild_gives_every_document_the_same_digest_without_reading_a_tree(built, monkeypatch):
    """Loaded again from the kept headers and enriched from the caches, every
    document has the digest of the first build (nothing is made again), and
    computing them reads back no stored body or tree."""
    cache, res = built
    first = pagecache.document_digests(res.notices, res.keys)
    read: list[str] = []
    real = pipeline.load_parse
    monkeypatch.setattr(pipeline, "load_parse", lambda path: read.append(path) or real(path))
    again = _stage(_files(), cache, stored=True)
    models.StoredNotice._loaded.clear()
    read.clear()  # what load and enrich read is theirs
    second = pagecache.document_digests(again.notices, again.keys)
    assert read == []
    assert second == first and len(first) == len(res.notices)


def test_a_cold_write_reads_each_stored_tree_once_for_its_page_and_downloads(tmp_path, monkeypatch):
    """Issue 29: a document made afresh has its page, record and downloads made,
    and its outputs listed, from one read of its stored tree (the parent
    listed them first, reading every tree once more, serially).  Only one
    tree held at a time, so a second read shows."""
    from collections import Counter

    from build_tools.build import render as write

    monkeypatch.setattr(models, "LOADED_KEEP", 1)
    read: list[str] = []
    real = pipeline.load_parse
    monkeypatch.setattr(pipeline, "load_parse", lambda path: read.append(Path(path).stem) or real(path))
    files = source_files(ROOT / "source_texts") + sorted((SHARED / "govcn2019").glob("*.html"))[:30]
    res = _stage(files, tmp_path / "cache", stored=True)
    during: list[str] = []
    documents = write._documents

    def counted(*args, **kw):
        start = len(read)
        out = documents(*args, **kw)
        during.extend(read[start:])
        return out
    monkeypatch.setattr(write, "_documents", counted)
    stats = write.write_docs(res.notices, tmp_path / "docs", site_url="https://ip.example.org", search="pagefind",
                             cache_dir=tmp_path / "cache", load_keys=res.keys)
    assert stats.made == len(res.notices) > 30
    by_key = {k: d for d, k in res.keys.items()}
    times = Counter(by_key[k] for k in during)
    assert set(times) == {n.id for n in res.notices}
    # once each, and a few more: a page shows clauses of a document it forwards or cites (another
    # tree, which pushes its own out: one held at a time); listing them in the parent read every tree twice
    assert len(during) < len(res.notices) * 5 // 4, times.most_common(5)
    for n in res.notices:  # the outputs listed in the worker are those the document has
        assert all((tmp_path / "docs" / p).is_file() for p in [f"notices/{n.id}.md"] + write.output_files(n))
