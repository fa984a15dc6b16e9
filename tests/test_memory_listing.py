"""Issue 29: the listing pages' memory does not grow with the archive.

In a full build the in-memory fragment memo (``FragmentMemo``, kept in tests/support/fragment_memo_reference.py)
held every document's listing fragments (clause blocks, citations) until the
end: at 10x the listing child reached 2.3 GB and was still growing.  The
build now keeps them in a keyed file on disk (``listcache.FragmentStore``),
so a listing unit holds only the fragments it shows while it is written.

Counted, not timed: every fragment value is made a ``Counted`` string, whose
live instances are counted; at the end of every listing unit the count must
stay under a bound that does not depend on the archive, and the old memo
must break that bound on the same documents (so the test can fail).  The
docs tree is byte-equal to the old path's, built cold and warm.  Real
documents: the seeds, the 43 gov.cn pages, the 20 Jiangxi pages and six
lawrefbook laws (two versions of one law, so there are works and cited-by).
"""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from build_tools.build import listcache
from build_tools.build import render as write
from build_tools.pipeline import source_files
from build_tools.settings import LIST_PAGE_ENV

from conftest import GOVCN, LAWREF, SHARED
from support.fragment_memo_reference import FragmentMemo
from support.site_build import load_enrich_write

ROOT = Path(__file__).resolve().parent.parent
HELD_BOUND = 40  # fragments alive at the end of a unit: those of the units in hand, never the archive's
LAWS = ("专利法", "商标法", "著作权法", "反不正当竞争法")


def _files() -> list[Path]:
    laws = sorted(p for p in LAWREF.rglob("*.md") if p.name.split("(")[0] in LAWS)
    return (source_files(ROOT / "source_texts") + sorted(GOVCN.glob("*.html"))
            + sorted((SHARED / "corpus" / "provincial").glob("*.html")) + laws[:6])


def _tree(docs: Path) -> dict[str, str]:
    return {p: (docs / p).read_bytes() for p in write.generated_files(docs)}


class Live:
    now = 0
    made = 0


class Counted(str):
    """A fragment value whose live instances are counted (made, unpickled, dropped)."""

    def __new__(cls, value):
        Live.now += 1
        return super().__new__(cls, value)

    def __del__(self):
        Live.now -= 1


def _counting(base):
    class Counting(base):
        def get(self, key, n, make):
            def counted():
                v = make()
                Live.made += 1
                return Counted(v) if isinstance(v, str) else v
            return super().get(key, n, counted)
    return Counting


def _held_at_unit_ends(tmp_path: Path, memo_class, monkeypatch) -> tuple[list[int], int]:
    """(fragments alive at the end of each listing unit, fragments made) of a cold build."""
    held: list[int] = []
    unit = listcache.RecordedUnits.unit

    def watched(self, key, make):
        out = unit(self, key, make)
        if Live.now > HELD_BOUND:  # what only a cycle still holds is not held: counted after a collection
            gc.collect()
        held.append(Live.now)
        return out
    with monkeypatch.context() as m:
        m.setattr(listcache.RecordedUnits, "unit", watched)
        m.setattr(write, "FragmentStore", _counting(memo_class))
        m.setenv(LIST_PAGE_ENV, "20")  # many small units, as at scale
        Live.now = Live.made = 0
        load_enrich_write(_files(), tmp_path / "cache", tmp_path / "docs")  # small: both parts in this process (PARALLEL_MIN)
    return held, Live.made


def test_a_listing_unit_holds_a_bounded_number_of_fragments(tmp_path, monkeypatch):
    held, made = _held_at_unit_ends(tmp_path / "new", listcache.FragmentStore, monkeypatch)
    assert len(held) > 50 and made > 10 * HELD_BOUND, (len(held), made)  # enough units and fragments to tell
    assert max(held) <= HELD_BOUND, (max(held), made)
    old, old_made = _held_at_unit_ends(tmp_path / "old", FragmentMemo, monkeypatch)
    assert old_made == made
    print("held at unit ends, store / memo:", max(held), max(old), "fragments made:", made)
    assert max(old) > HELD_BOUND  # the in-memory memo keeps them all: the bound above can fail


def test_docs_equal_the_in_memory_memo_cold_and_warm(tmp_path, monkeypatch):
    files = _files()
    load_enrich_write(files, tmp_path / "new-cache", tmp_path / "new")
    new = _tree(tmp_path / "new")
    with monkeypatch.context() as m:
        m.setattr(write, "FragmentStore", FragmentMemo)
        load_enrich_write(files, tmp_path / "old-cache", tmp_path / "old")
    old = _tree(tmp_path / "old")
    assert new.keys() == old.keys() and [p for p in new if new[p] != old[p]] == []
    assert any(p.startswith("tags/theme/") for p in new) and any(p.startswith("works/") for p in new)
    store = tmp_path / "new-cache" / listcache.FRAGMENT_STORE.format(part=0)
    assert store.is_file() and store.stat().st_size > 0
    # warm: the families' reads unchanged, so kept; drop their records to render all from the store
    for part in (0, 1):
        (tmp_path / "new-cache" / listcache.LISTING_CACHE.format(part=part)).unlink()
    hits = []
    get = listcache.FragmentStore.get

    def counted_get(self, key, n, make):
        def missed():
            hits.append(False)
            return make()
        out = get(self, key, n, missed)
        return out
    monkeypatch.setattr(listcache.FragmentStore, "get", counted_get)
    stats, _ = load_enrich_write(files, tmp_path / "new-cache", tmp_path / "new")
    assert set(stats.listing_families.values()) == {"whole"}
    assert hits == []  # every fragment read back from the store
    assert _tree(tmp_path / "new") == old


def test_the_store_drops_what_no_build_asks_and_survives_a_broken_file(tmp_path):
    class N:
        def __init__(self, i):
            self.id = i
    digests = {"a": b"1", "b": b"2"}
    path = tmp_path / "f.sqlite"
    s = listcache.FragmentStore(path, b"k", lambda n: digests[n.id])
    assert s.get(("label", "s1"), N("a"), lambda: "甲") == "甲"
    assert s.get(("label", "s1"), N("b"), lambda: None) is None
    s.save({"a": b"1", "b": b"2"})
    s = listcache.FragmentStore(path, b"k", lambda n: digests[n.id])
    assert s.get(("label", "s1"), N("a"), lambda: pytest.fail("kept")) == "甲"
    s.save({"a": b"1", "b": b"changed"})  # b: not asked and changed -> dropped; a: asked -> kept
    s = listcache.FragmentStore(path, b"k", lambda n: digests[n.id])
    assert s.get(("label", "s1"), N("a"), lambda: pytest.fail("kept")) == "甲"
    assert s.get(("label", "s1"), N("b"), lambda: "made") == "made"
    s.save()
    s = listcache.FragmentStore(path, b"other build key", lambda n: digests[n.id])
    assert s.get(("label", "s1"), N("a"), lambda: "again") == "again"
    s.save()
    path.write_bytes(b"not a database" * 100)
    s = listcache.FragmentStore(path, b"k", lambda n: digests[n.id])
    assert s.get(("label", "s1"), N("a"), lambda: "remade") == "remade"
    s.save()
