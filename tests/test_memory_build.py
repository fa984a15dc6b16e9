"""Issue 29: what the build process holds per stored document.

Every stored record (``models.StoredNotice``) keeps its header's fields with
equal values shared across documents (``models.compact_state``): one
``Region`` object per region, one string per distinct provenance / basis
value, clause ids and theme tuples shared.  Counted as objects over every
real document (the seeds, the 43 gov.cn pages, the 20 Jiangxi pages), made
from a parse and read back from the kept headers; the records read the same
as the parse.
"""
from __future__ import annotations

import gc
import sys
import weakref
from pathlib import Path

import pytest

from build_tools import pipeline
from build_tools.models import Region, StoredNotice
from build_tools.pipeline import enrich_stage, load_documents, source_files

from conftest import GOVCN, SHARED

ROOT = Path(__file__).resolve().parent.parent


def _files() -> list[Path]:
    return (source_files(ROOT / "source_texts") + sorted(GOVCN.glob("*.html"))
            + sorted((SHARED / "corpus" / "provincial").glob("*.html")))


@pytest.fixture(scope="module")
def loads(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    files = _files()
    plain = load_documents(files, require_sidecar=False).notices
    made = load_documents(files, cache_dir=cache / "docs", stored=True, require_sidecar=False).notices
    kept = load_documents(files, cache_dir=cache / "docs", stored=True, require_sidecar=False).notices
    return plain, made, kept, cache


def _distinct(objs) -> tuple[int, int]:
    """(distinct values, distinct objects)."""
    objs = list(objs)
    return len({repr(o) for o in objs}), len({id(o) for o in objs})


@pytest.mark.parametrize("which", ["made", "kept"])
def test_equal_header_values_are_one_object(loads, which):
    plain, made, kept, _ = loads
    ns = made if which == "made" else kept
    assert len(ns) == len(plain) > 60 and all(type(n) is StoredNotice for n in ns)
    regions = [n.region for n in ns if isinstance(n.region, Region)]
    values, objects = _distinct(regions)
    assert len(regions) > 50 and values < len(regions) and objects == values  # one object per region
    for name in ("basis", "provenance"):
        strings = [v for n in ns for v in getattr(n, name).values() if isinstance(v, str)]
        values, objects = _distinct(strings)
        assert values < len(strings) and objects == values, name


def test_stored_records_read_as_the_parse(loads):
    plain, made, kept, _ = loads
    byid = {n.id: n for n in plain}
    for n in made + kept:
        p = byid[n.id]
        for f in ("title", "region", "basis", "provenance", "references", "issuer", "events", "date_lines"):
            assert getattr(n, f) == getattr(p, f), (n.id, f)
        assert n.body == p.body


def test_enriched_theme_tuples_and_clause_ids_are_shared(loads):
    _, _, kept, cache = loads
    _, _ = enrich_stage(kept, cache)
    ns = [n for n in kept if type(n) is StoredNotice and n.clause_themes]
    tuples = [t for n in ns for t in n.clause_themes if t]
    values, objects = _distinct(tuples)
    assert len(tuples) > 100 and values < len(tuples) and objects == values
    texts = [r.title for n in kept for r in n.references if r.title]
    values, objects = _distinct(texts)
    assert len(texts) > 50 and values < len(texts) and objects == values  # the same cited title: one string
    for n in ns:
        for (cid, t), (cid2, _) in zip(n.themed or (), n.themed_clauses()):
            assert cid == cid2 and cid is sys.intern(cid)


def test_load_holds_one_parse_at_a_time_when_headers_are_made_again(loads, monkeypatch):
    """Parses cached, headers not kept (a changed load code, a lost file): each parse is read
    in turn and let go once its stored record is made, never all at once (counted by weak
    references to the parsed records: before, the cached parses were all read first)."""
    _, _, _, cache = loads
    (cache / "headers.pickle").unlink(missing_ok=True)
    alive: list[int] = []
    refs: list = []
    merge = pipeline._merge_loads

    def watched(*args, **kwargs):
        for out in merge(*args, **kwargs):
            if not isinstance(out[0], tuple) and out[0] is not None:
                refs.append(weakref.ref(out[0]))
            gc.collect()
            alive.append(sum(1 for r in refs if r() is not None))
            yield out
    monkeypatch.setattr(pipeline, "_merge_loads", watched)
    res = pipeline.load_documents(_files(), cache_dir=cache / "docs", stored=True, require_sidecar=False)
    assert len(refs) == len(res.notices) > 60  # every header made again from its parse
    assert max(alive) <= 2, max(alive)
    assert all(type(n) is StoredNotice for n in res.notices)


def test_release_memory_gives_freed_heap_pages_back():
    """After many C-heap blocks are let go (bytes over pymalloc's 512), the freed
    pages go back to the system: malloc_trim reports it (glibc, as on the build machine)."""
    from build_tools.build.store import release_memory

    blocks = [bytes(4096 + k % 7) for k in range(60_000)]  # ~250 MB of heap, mostly not at its top
    keep = blocks[::1000]
    del blocks
    assert release_memory() is True
    assert len(keep) == 60
