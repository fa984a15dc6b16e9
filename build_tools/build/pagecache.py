"""Per-document cache of the write stage: a page is re-made only when
something it was made from changed (issue 16).

A document's outputs (``notices/<id>.md``, its one-line JSON record, its
four downloads) are made from the document itself and from entries of the
cross-document maps: other documents (titles of cited, citing, related
documents), ``cited_by``, ``related``, ``external``, and the version
records of ``Enrichment``.  Which entries, is not declared by hand (a rule
forgotten there would leave a stale page): the maps are handed to the
renderer wrapped in ``Tracked``, which records every key looked up, tested
or iterated.  The cache keeps, per document::

    own digest       the document (after enrichment) and its redirects
    reads            (map name, key) -> digest of the value at render time
                     ("*" = the renderer iterated the whole map)
    outputs          the docs-relative files it was written to (its page,
                     ``downloads.output_files``): a function of the own
                     digest, so an unchanged document is never asked again
                     (issue 29: asking loaded every stored clause tree,
                     ``downloads.text_on_demand``: 5 s of a 2x rebuild)

and the build-wide digest (site_url, the theme vocabulary, the source of
every build_tools module).  ``PageCache.fresh(n)`` is True when all of these
are unchanged and the output files still exist; the write stage then skips
the document.  Forms of reads seen in ``pages.render_notice``,
``works.version_box`` and ``exports.document``::

    r.target_id in notices           membership  -> digest of presence
    notices[c.source_id].title       lookup      -> digest of that Notice
    cited_by.get(n.id, [])           get         -> digest of the list
    (a, b) in enrichment.comparisons membership in a list

Digests are SHA-1 of a memo-less pickle (``pickle.Pickler.fast``: equal
values give equal bytes whatever objects they share); each document's is
computed at most once per build (0.8 s for the 3,490 documents of the
whole corpus).  The cache is one pickle, ``<cache>/write-pages.pickle``,
written atomically after the write stage.
"""
from __future__ import annotations

import hashlib
import operator
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from .. import codedigest
from ..fsutil import load_keyed, save_keyed, value_digest as digest
from ..models import Enrichment, Notice, StoredNotice

CACHE_VERSION = "2"  # 2: an entry keeps its outputs
CACHE_NAME = "write-pages.pickle"
ALL = "*"  # the key recorded when a whole map was iterated
_MISSING = ("<missing>",)
MODULES = ("build_tools.build.render",)  # what renders pages, records and downloads (it imports render/)


# What the stages after load (enrich, the anchor check) may set on a Notice:
# the per-document facts (enrich.doccache), the work, version and validity
# found across documents (enrich.versions ``give``), the resolved references
# and the clause histories (permanence.anchors) ...
ENRICHED = ("themes", "references", "goals", "targets", "work_id", "version_label", "validity", "validity_basis",
            "clause_changes")
# ... every other field only the loader sets, from what its load key hashes (the
# source's path and bytes, its sidecar, the stage modules: pipeline._cache_key);
# tests/test_incremental.py checks over the seeds and corpora that enrich and
# the anchor check change none of them
LOADED_ONLY = frozenset(f.name for f in fields(Notice)) - frozenset(ENRICHED)
# ... and of each clause only these (same test)
CLAUSE_ENRICHED = ("themes",)  # Notice.clause_enrichment gives them
_enriched_fields = operator.attrgetter(*ENRICHED)


def loaded_digest(n: Notice, load_key: str) -> bytes:
    """A document's digest from its load key (``LoadResult.keys``) and what was
    set on it since (``ENRICHED``, its clauses' themes): what ``digest(n)``
    would tell apart, for a small part of the time (issue 29: a 5x rebuild
    pickled every field of 17,249 documents to learn that one changed).  A
    stored document's clause themes are the tuples it keeps beside its tree
    (``StoredNotice.clause_themes``; None: as loaded, which the load key
    covers): its tree is not read back."""
    if isinstance(n, StoredNotice):
        clause = ("stored", n.clause_themes)
    else:
        clause = n.clause_enrichment()
    return hashlib.sha1(load_key.encode() + digest((_enriched_fields(n), clause))).digest()


def document_digests(notices, load_keys: Optional[dict[str, str]] = None) -> dict[str, bytes]:
    """``PageCache.doc_digest`` of every document, computed once for the
    build: the write stage, the search pages and the listing pages use them."""
    keys = load_keys or {}
    return {n.id: document_digest(n, keys.get(n.id)) for n in notices}


def document_digest(n: Notice, load_key: Optional[str]) -> bytes:
    """``loaded_digest`` with a load key, else the digest of the whole document."""
    return loaded_digest(n, load_key) if load_key else digest(n)


def code_digest() -> bytes:
    """The write stage's modules and what they import (``codedigest``), and the
    data files (themes, aliases): a change to any of them re-makes every page;
    one to the command line, the pipeline or a benchmark re-makes none."""
    return hashlib.sha1(CACHE_VERSION.encode() + codedigest.code_digest(*MODULES, data=("build_tools/data/*",))).digest()


class ReadLog:
    """The (map name, key) pairs one document's rendering read."""

    def __init__(self) -> None:
        self.reads: set[tuple[str, Any]] = set()

    def add(self, name: str, key: Any) -> None:
        self.reads.add((name, key))


class TrackedList:
    """A read-only view of a list (``Enrichment.comparisons``): membership
    tests are recorded per item, iteration (and length) as the whole list."""

    def __init__(self, data, name: str, log: ReadLog):
        self._data, self._name, self._log = data, name, log

    def __contains__(self, item) -> bool:
        self._log.add(self._name, item)
        return item in self._data

    def __iter__(self) -> Iterator:
        self._log.add(self._name, ALL)
        return iter(self._data)

    def __len__(self) -> int:
        self._log.add(self._name, ALL)
        return len(self._data)


class Tracked(TrackedList, Mapping):
    """A read-only view of a mapping that records every key it is asked for."""

    def __getitem__(self, key):
        self._log.add(self._name, key)
        return self._data[key]

    def get(self, key, default=None):
        self._log.add(self._name, key)
        return self._data.get(key, default)


def enrichment_maps(enr: Enrichment) -> dict[str, Any]:
    """The maps and lists of ``enr`` by the names their reads are recorded
    under (``enr.<field>``): what ``PageCache`` digests and
    ``tracked_enrichment`` wraps."""
    return {f"enr.{f.name}": v for f in fields(enr) if isinstance(v := getattr(enr, f.name), (dict, list))}


def tracked_enrichment(enr: Enrichment, log: ReadLog) -> Enrichment:
    """A copy of ``enr`` whose maps and lists record their reads (``enr.<field>``)."""
    out = Enrichment.__new__(Enrichment)
    maps = enrichment_maps(enr)
    for f in fields(enr):
        v = getattr(enr, f.name)
        name = f"enr.{f.name}"
        if name in maps:
            v = Tracked(v, name, log) if isinstance(v, dict) else TrackedList(v, name, log)
        object.__setattr__(out, f.name, v)
    return out


class PageCache:
    """What each document's outputs were made from, kept between builds.

    ``maps``: name -> the mapping (or list) the renderer reads through
    ``Tracked`` under that name; ``notices`` is the map of documents by id
    (their digests are memoised)."""

    def __init__(self, path: Optional[Path], build_key: bytes, maps: dict[str, Any],
                 load_keys: Optional[dict[str, str]] = None, doc_digests: Optional[dict[str, bytes]] = None):
        self.path = Path(path) if path else None
        self.build_key = build_key
        self.maps = maps
        self.load_keys = load_keys or {}
        self.entries: dict[str, tuple[bytes, tuple, tuple]] = load_keyed(self.path, build_key)
        self.hits = self.misses = 0
        self._docs: dict[str, bytes] = dict(doc_digests or {})  # ``document_digests``, when the build has them
        self._whole: dict[str, bytes] = {}
        self._values: dict[tuple[str, Any], bytes] = {}

    # -------------------------------------------------------------- digests
    def doc_digest(self, n: Notice) -> bytes:
        d = self._docs.get(n.id)
        if d is None:
            d = self._docs[n.id] = document_digest(n, self.load_keys.get(n.id))
        return d

    def own_digest(self, n: Notice, extra: Any) -> bytes:
        return hashlib.sha1(self.doc_digest(n) + digest(extra)).digest()

    def value_digest(self, name: str, key: Any) -> bytes:
        data = self.maps.get(name)
        if key == ALL:
            if name not in self._whole:
                if isinstance(data, Mapping):
                    h = hashlib.sha1()
                    for k in data:
                        h.update(digest(k) + self.value_digest(name, k))
                    self._whole[name] = h.digest()
                else:
                    self._whole[name] = digest(list(data or []))
            return self._whole[name]
        memo = self._values.get((name, key))
        if memo is not None:
            return memo
        if isinstance(data, Mapping):
            if key not in data:
                d = digest(_MISSING)
            else:
                v = data[key]
                d = self.doc_digest(v) if isinstance(v, Notice) and v.id == key else digest(v)
        else:
            d = digest(key in (data or []))  # a list: membership
        self._values[(name, key)] = d  # the maps do not change during a write
        return d

    # ---------------------------------------------------------------- use
    def fresh(self, key: str, own: bytes, outputs: Optional[list] = None,
              exists: Optional[Callable[[Any], bool]] = None) -> bool:
        """True when the outputs of ``key`` (a document id, or ``compare:<path>``)
        exist and nothing they were made from changed (``own``: the digest of
        what the maker was given directly, e.g. ``own_digest``).  ``outputs``
        None: those the entry recorded (``outputs``), which ``own`` decides.
        ``exists`` tells whether an output is there (default: it is a file;
        the write stage asks its listing of docs/, 21,000 files without a
        stat each)."""
        entry = self.entries.get(key)
        exists = exists or (lambda p: Path(p).is_file())
        ok = (entry is not None and entry[0] == own
              and all(self.value_digest(name, k) == d for name, k, d in entry[1])
              and all(exists(p) for p in (entry[2] if outputs is None else outputs)))
        if ok:
            self.hits += 1
        else:
            self.misses += 1
            self.entries.pop(key, None)
        return ok

    def outputs(self, key: str) -> list:
        """The outputs ``key``'s entry recorded (``record``); [] without one."""
        entry = self.entries.get(key)
        return list(entry[2]) if entry is not None else []

    def record(self, key: str, own: bytes, reads: set[tuple[str, Any]], outputs: Iterable = ()) -> None:
        deps = tuple(sorted(((name, k, self.value_digest(name, k)) for name, k in reads), key=repr))
        self.entries[key] = (own, deps, tuple(outputs))

    def save(self, keep: Optional[set[str]] = None) -> None:
        """Write the cache (only the entries in ``keep``, if given)."""
        if not self.path:
            return
        # fsynced: an entry must never outlive (after a crash) the page it describes
        save_keyed(self.path, self.build_key, {k: v for k, v in self.entries.items() if keep is None or k in keep},
                   durable=True)


FRAGMENTS_NAME = "write-fragments-{part}.pickle"  # the in-memory fragment memo of before issue 29's FragmentStore: removed when met
