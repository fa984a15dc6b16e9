"""The listing pages' fragment memo of before issue 29 (``build.listcache.FragmentStore``
replaced it): every fragment held in memory until the end of the build, 2.3 GB and
growing at 10x.  Kept only as the reference of ``tests/test_memory_listing.py``, which
compares the store with it: the same pages, fewer fragments alive."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from build_tools.fsutil import load_keyed, save_keyed
from build_tools.models import Notice


class FragmentMemo:
    """Pieces of listing pages made from ONE document, kept between builds:
    ``memo.get(key, n, make)`` returns what ``make()`` returned for ``key``
    when ``n`` (its digest, ``PageCache.doc_digest``) and the build key are
    unchanged, else calls it.  A piece may read only ``n`` and its ``key``
    (e.g. ``tags.clause_block(page, n, clause_ids)``: the page and the ids
    are in the key).  The file is read on the first ``get`` (a rebuild whose
    listing families are all kept, ``listcache``, never reads it: 49 MB at 2x).
    ``save(current)`` keeps the pieces asked for in this build and those of
    documents whose digest is still ``current[id]`` (a family kept this build
    still shows them).  ``FragmentMemo(None, …)`` always calls ``make``."""

    def __init__(self, path: Optional[Path], build_key: bytes, doc_digest):
        self.path = Path(path) if path else None
        self.build_key, self.doc_digest = build_key, doc_digest
        self._old: Optional[dict] = None
        self.new: dict = {}
        self.hits = self.misses = 0

    @property
    def old(self) -> dict:
        if self._old is None:
            self._old = load_keyed(self.path, self.build_key)
        return self._old

    def get(self, key: tuple, n: Notice, make):
        if not self.path:
            return make()
        full = (n.id,) + key
        d = self.doc_digest(n)
        hit = self.new.get(full) or self.old.get(full)  # new: made ahead (prefetch)
        if hit is not None and hit[0] == d:
            self.hits += 1
            self.new[full] = hit  # the loaded entry itself: save_keyed appends only changes
            return hit[1]
        self.misses += 1
        value = make()
        self.new[full] = (d, value)
        return value

    def prefetch(self, n: Notice, keys: list, make) -> None:
        """``get`` each of ``keys`` in a row (``render.common.Fragments.prefetch``)."""
        if self.path:
            for key in keys:
                self.get(key, n, lambda key=key: make(key))

    def save(self, current: Optional[dict[str, bytes]] = None) -> None:
        if not self.path or self._old is None:  # never read: nothing asked, the file stays true
            return
        if current is not None:
            for k, v in self._old.items():
                if k not in self.new and current.get(k[0]) == v[0]:
                    self.new[k] = v
        save_keyed(self.path, self.build_key, self.new)
