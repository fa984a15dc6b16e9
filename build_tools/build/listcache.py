"""Listing pages by difference (issue 29): a listing family (the document
list, regions, years, types, themes, timeline, targets, works, cited
documents, cited-by pages, the home page, 如何引用) is rendered again only
when something it read changed, and inside a family only the units (a page,
or the pages of one facet value) whose reads changed, unless what the
family read outside its units (sort keys, groupings, counts: where the page
boundaries fall) changed.

What a family read is recorded, never declared (``pagecache.Tracked`` does
the same for document pages): it is given its documents wrapped in
``Seen``, which records every field and method read per document, its
enrichment maps wrapped in ``Tracked`` (keys read), and its fragment memo
wrapped in ``SeenFragments`` (each per-document fragment and its value:
a theme page's clause block, a citing clause's citation).  Per family and
per unit the cache keeps::

    docs    id -> (the keys read of it, one digest of their values)
    maps    (map name, key) -> digest of the value read
    pages   the docs-relative files the unit wrote

and per build each document's digest (``pagecache.document_digests``).  A
rebuild re-checks only the documents whose digest changed: an edited
sentence changes its document's clause blocks, so only the theme, cited
and timeline units that show that clause are made again; a changed title
re-makes the units that show that title; a changed date (a sort key), an
added or removed document re-makes the families that list them whole.

Forms of reads seen: ``n.title``, ``n.region.chain`` (``region``),
``n.themed_clauses()`` (a method, by its arguments), ``n.citation(c)`` (a
method whose argument is a clause: not hashable, so never re-checked: the
unit is made again when its document changed), ``memo.get(("clause_block",
page, ids), n, make)`` (fragment, re-made by ``render.fragments.make_fragment``
for a changed document).
"""
from __future__ import annotations

import hashlib
import pickle
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from ..fsutil import load_keyed, save_keyed, value_digest as digest
from ..models import Notice
from ..render.fragments import make_fragment
from .pagecache import PageCache

FRAGMENT_STORE = "listing-fragments-{part}.sqlite"  # in the build cache: each part's fragments (FragmentStore)
LISTING_CACHE = "listing-reads-{part}.pickle"  # in the build cache: what each listing family read (ListingCache)
DOCS_KEY = "__docs__"  # the entry holding each document's digest at the last build
SHARED = None  # the scope of reads a family made outside its units
FRAGMENT = "#frag"  # key prefix of a fragment read
WHOLE = "#whole"  # the whole document was read (a comparison page): changed with its digest
UNCHECKED = "#call"  # a method call whose arguments cannot be kept: changed whenever its document is


class Scope:
    """The reads of one unit (or of a family outside its units) while it is rendered."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}  # id -> {key: value digest or None (computed at close)}
        self.maps: set[tuple[str, Any]] = set()

    def add(self, name: str, key: Any) -> None:  # the ReadLog interface of pagecache.Tracked
        self.maps.add((name, key))


class Recorder:
    """The scope reads go to now (a stack: a unit inside a family)."""

    def __init__(self) -> None:
        self.stack: list[Scope] = []
        self.paused = 0

    @property
    def scope(self) -> Optional[Scope]:
        return self.stack[-1] if self.stack and not self.paused else None

    def read(self, doc_id: str, key: Any, value_digest: Optional[bytes] = None) -> None:
        s = self.scope
        if s is not None:
            keys = s.docs.get(doc_id)
            if keys is None:
                keys = s.docs[doc_id] = {}
            if value_digest is not None or key not in keys:
                keys[key] = value_digest

    def add(self, name: str, key: Any) -> None:
        s = self.scope
        if s is not None:
            s.add(name, key)

    @contextmanager
    def pause(self) -> Iterator[None]:
        self.paused += 1
        try:
            yield
        finally:
            self.paused -= 1

    @contextmanager
    def into(self, scope: Scope) -> Iterator[Scope]:
        self.stack.append(scope)
        try:
            yield scope
        finally:
            self.stack.pop()


class Once(list):
    """A method's iterator (``n.walk()``) read whole: iterated as it was, digested as a list."""

    def __init__(self, items):
        super().__init__(items)
        self.at = iter(self)

    def __next__(self):
        return next(self.at)


class Seen:
    """A read-only view of a Notice that records what is read of it
    (``isinstance(seen, Notice)`` holds: renderers test it)."""

    __slots__ = ("_n", "_rec")

    def __init__(self, n: Notice, rec: Recorder):
        object.__setattr__(self, "_n", n)
        object.__setattr__(self, "_rec", rec)

    @property
    def __class__(self):  # isinstance(Seen(n), Notice)
        return type(self._n)

    def __getattr__(self, name: str):
        n = self._n
        value = getattr(n, name)
        if name == "id" or name.startswith("__"):
            return value
        if callable(value):
            rec = self._rec

            def call(*args, **kwargs):
                out = value(*args, **kwargs)
                if isinstance(out, Iterator):  # n.walk(): read once, kept for the digest
                    out = Once(out)
                try:
                    key = (name, args, tuple(sorted(kwargs.items())))
                    hash(key)
                except TypeError:  # a clause as argument: kept as changed-with-its-document
                    key = (UNCHECKED, name)
                if rec.scope is not None:
                    rec.read(n.id, key, digest(list(out) if isinstance(out, Once) else out) if key[0] != UNCHECKED else b"")
                return out
            return call
        self._rec.read(n.id, name)
        return value

    def __setattr__(self, name, value):
        raise AttributeError(f"列表页不能改动文件记录：{name}")


def depends_on_whole(n) -> Notice:
    """The Notice behind ``n``, recorded (when ``n`` is a ``Seen`` view) as read whole."""
    if type(n) is not Seen:
        return n
    rec = object.__getattribute__(n, "_rec")
    rec.read(n.id, WHOLE, b"")
    return real(n)


def real(n) -> Notice:
    """The Notice behind a ``Seen`` view (or ``n`` itself)."""
    return object.__getattribute__(n, "_n") if type(n) is Seen else n


class SeenFragments:
    """The build's fragment memo, each fragment recorded as a read of its document
    (``(FRAGMENT, key)``, with its value's digest); ``make`` reads unrecorded."""

    def __init__(self, memo, rec: Recorder):
        self.memo, self.rec = memo, rec

    def get(self, key: tuple, n, make: Callable[[], Any]) -> Any:
        with self.rec.pause():
            value = self.memo.get(key, real(n), make)
        self.rec.read(n.id, (FRAGMENT, key), digest(value))
        return value

    def prefetch(self, n, keys: list, make: Callable[[tuple], Any]) -> None:
        with self.rec.pause():  # made ahead, read (and recorded) when asked
            self.memo.prefetch(real(n), keys, make)


def key_value(n: Notice, key: Any) -> Optional[bytes]:
    """The digest of what ``key`` reads of ``n`` now; None: cannot be told (changed)."""
    if key == WHOLE:
        return None
    if isinstance(key, tuple):
        if key[0] == FRAGMENT:
            try:
                return digest(make_fragment(n, key[1]))
            except KeyError:
                return None
        if key[0] == UNCHECKED:
            return None
        name, args, kwargs = key
        out = getattr(n, name)(*args, **dict(kwargs))
        return digest(list(out) if isinstance(out, Iterator) else out)
    return digest(getattr(n, key))


def combine(pairs) -> bytes:
    """One digest of (key, value digest) pairs, in any order."""
    acc = 0
    for key, d in pairs:
        acc ^= int.from_bytes(hashlib.blake2b(repr(key).encode() + d, digest_size=16).digest(), "big")
    return acc.to_bytes(16, "big")


class ListingCache:
    """Per part of the listing pages: the families' records (``load``/``save``),
    the documents whose digest changed since the last build, and ``run``."""

    def __init__(self, path: Optional[Path], build_key: bytes, cache: PageCache, notices: list[Notice],
                 memo, sink: Callable[[dict], None], exists: Callable[[str], bool]) -> None:
        self.path = Path(path) if path else None
        self.sink, self.exists = sink, exists  # writes rendered pages at once; tells a kept page is still there
        self.build_key, self.cache, self.memo = build_key, cache, memo
        self.old: dict = load_keyed(self.path, build_key) if self.path else {}
        self.new: dict = {}
        self.byid = {n.id: n for n in notices}
        self.notices = notices
        self.digests = {n.id: cache.doc_digest(n) for n in notices}
        before = self.old.get(DOCS_KEY, {})
        self.changed = {i for i, d in self.digests.items() if before.get(i) != d} | (set(before) - set(self.digests))
        self.ids = digest(tuple(n.id for n in notices))
        self.kept = self.made = 0  # units
        self.families: dict[str, str] = {}  # family -> 'kept' | 'units' | 'whole'
        self.rendered: list[str] = []  # the pages rendered this build (the others kept as written)
        self.interned: dict[frozenset, frozenset] = {}  # one object per set of keys (most documents read the same)

    # ----------------------------------------------------------- checks
    def scope_fresh(self, rec: tuple) -> bool:
        docs, maps, pages = rec
        if not all(self.exists(p) for p in pages):  # a kept page deleted since: made again
            return False
        for doc_id in self.changed.intersection(docs):
            n = self.byid.get(doc_id)
            keys, old = docs[doc_id]
            if n is None:
                return False
            values = [(k, key_value(n, k)) for k in keys]
            if any(v is None for _, v in values) or combine(values) != old:
                return False
        return all(self.cache.value_digest(name, key) == d for name, key, d in maps)

    def close(self, scope: Scope, pages) -> tuple:
        """A scope's record: each document's keys and their digest, the maps' digests, its pages."""
        docs = {}
        for doc_id, keys in scope.docs.items():
            n = self.byid[doc_id]
            values = [(k, d if d is not None else key_value(n, k)) for k, d in keys.items()]
            keyset = frozenset(keys)
            docs[doc_id] = (self.interned.setdefault(keyset, keyset), combine(values))
        maps = tuple((name, key, self.cache.value_digest(name, key)) for name, key in scope.maps)
        return docs, maps, tuple(pages)

    # -------------------------------------------------------------- run
    def run(self, name: str, args: Any, render: Callable[..., dict]) -> dict:
        """``render(notices, units, rec, memo)`` (``notices`` as ``Seen`` views,
        ``units`` the ``Units`` of ``render.common``, ``rec`` the log to give
        ``pagecache.Tracked`` views of enrichment maps, ``memo`` the recorded
        fragments): its pages, each None where kept as written last time."""
        old = self.old.get(name)
        own = digest(args)
        whole = old is None or old[0] != own or old[1] != self.ids or not self.scope_fresh(old[2])
        if old is not None and not whole:
            stale = {k for k, r in old[3].items() if not self.scope_fresh(r)}
            if not stale:  # nothing it read changed: not rendered at all
                self.new[name] = old
                self.families[name] = "kept"
                self.kept += len(old[3])
                return {p: None for p in old[2][2] + tuple(p for r in old[3].values() for p in r[2])}
        else:
            stale = None
        self.families[name] = "whole" if stale is None else "units"
        rec = Recorder()
        shared = Scope()
        units_made: dict = {}
        keep = {} if stale is None else {k: r for k, r in old[3].items() if k not in stale}
        units = RecordedUnits(self, rec, keep, units_made)
        seen = [Seen(n, rec) for n in self.notices]
        with rec.into(shared):
            pages = render(seen, units, rec, SeenFragments(self.memo, rec))
        inside = {p for r in units_made.values() for p in r[2]}
        outside = [p for p in pages if p not in inside]
        if stale is not None and set(outside) == set(old[2][2]):
            # its reads outside the units are unchanged, so are the pages made from them alone
            pages.update((p, None) for p in outside)
        self.emit(pages)
        self.new[name] = (own, self.ids, self.close(shared, outside), units_made)
        return dict.fromkeys(pages)

    def emit(self, pages: dict) -> dict:
        """Hand the rendered pages to the sink now (one unit's pages are held, not the
        family's: issue 29, the listing child's memory); their paths with None."""
        made = {p: text for p, text in pages.items() if text is not None}
        self.rendered += made
        self.sink(made)
        return dict.fromkeys(pages)

    def save(self) -> None:
        if self.path:
            self.new[DOCS_KEY] = self.digests
            save_keyed(self.path, self.build_key, self.new)


class RecordedUnits:
    """``render.common.Units`` of a family being rendered: a unit kept
    (``keep``) returns its pages as None; else it is made with its own scope."""

    def __init__(self, owner: ListingCache, rec: Recorder, keep: dict, made: dict):
        self.owner, self.rec, self.keep, self.made = owner, rec, keep, made

    def unit(self, key: str, make: Callable[[], dict]) -> dict:
        if key in self.made:
            raise ValueError(f"列表页单元重名：{key}")
        old = self.keep.get(key)
        if old is not None:
            self.made[key] = old
            self.owner.kept += 1
            return {p: None for p in old[2]}
        scope = Scope()
        with self.rec.into(scope):
            pages = make()
        self.made[key] = self.owner.close(scope, pages)
        self.owner.made += 1
        return self.owner.emit(pages)


class FragmentStore:
    """Pieces of listing pages made from ONE document (``render.fragments``),
    kept between builds in a keyed file on disk (SQLite), never in memory:
    ``get(key, n, make)`` returns what ``make()`` returned for ``key`` when
    ``n``'s digest (``PageCache.doc_digest``) and the build key are unchanged,
    else calls it and stores the value at once.  A listing unit thus holds
    only the fragments it shows while it is written, and the listing child's
    peak does not grow with the archive (issue 29: at 10x the in-memory memo,
    ``FragmentMemo``, now tests/support/fragment_memo_reference.py, held every document's fragments, 2.3 GB and
    growing).  ``prefetch`` makes a document's pieces in a row (one read of
    its clause tree) and stores them; they are read back when asked.
    ``save(current)`` keeps the pieces asked for in this build and those of
    documents whose digest is still ``current[id]`` (a family kept this build
    still shows them).  ``FragmentStore(None, …)`` always calls ``make``.
    A file that cannot be read (cut short, another format) is made again."""

    def __init__(self, path: Optional[Path], build_key: bytes, doc_digest) -> None:
        self.path = Path(path) if path else None
        self.build_key, self.doc_digest = build_key, doc_digest
        self.db: Optional[sqlite3.Connection] = None
        self.gen = 0  # this build's mark on the rows it asked for
        self.hits = self.misses = 0

    def _open(self) -> sqlite3.Connection:
        if self.db is None:
            try:
                self.db = self._connect()
            except sqlite3.DatabaseError:  # not a database (a killed build, a foreign file): made again
                self.path.unlink(missing_ok=True)
                self.db = self._connect()
        return self.db

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(self.path), isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=OFF")  # a cache: a lost write is made again
            db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS frag (doc TEXT, k TEXT, d BLOB, v BLOB, gen INTEGER,"
                       " PRIMARY KEY (doc, k)) WITHOUT ROWID")
            meta = dict(db.execute("SELECT k, v FROM meta"))
            db.execute("BEGIN")
            if meta.get("key") != self.build_key:
                db.execute("DELETE FROM frag")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (self.build_key,))
            self.gen = int(meta.get("gen") or 0) + 1
            db.execute("INSERT OR REPLACE INTO meta VALUES ('gen', ?)", (self.gen,))
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get(self, key: tuple, n: Notice, make: Callable[[], Any]) -> Any:
        if not self.path:
            return make()
        db, k, d = self._open(), repr(key), self.doc_digest(n)
        row = db.execute("SELECT d, v, gen FROM frag WHERE doc = ? AND k = ?", (n.id, k)).fetchone()
        if row is not None and row[0] == d:
            self.hits += 1
            if row[2] != self.gen:
                db.execute("UPDATE frag SET gen = ? WHERE doc = ? AND k = ?", (self.gen, n.id, k))
            return pickle.loads(row[1])
        self.misses += 1
        value = make()
        db.execute("INSERT OR REPLACE INTO frag VALUES (?, ?, ?, ?, ?)",
                   (n.id, k, d, pickle.dumps(value, pickle.HIGHEST_PROTOCOL), self.gen))
        return value

    def prefetch(self, n: Notice, keys: list, make: Callable[[tuple], Any]) -> None:
        """``get`` each of ``keys`` in a row (``render.common.Fragments.prefetch``)."""
        if self.path:
            for key in keys:
                self.get(key, n, lambda key=key: make(key))

    def held(self) -> int:
        """Fragments this store holds in memory: none (the test of issue 29's bound)."""
        return 0

    def save(self, current: Optional[dict[str, bytes]] = None) -> None:
        if self.db is None:  # never opened: nothing asked, the file stays true
            return
        db = self.db
        if current is None:
            db.execute("DELETE FROM frag WHERE gen != ?", (self.gen,))
        else:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS cur (doc TEXT PRIMARY KEY, d BLOB)")
            db.execute("DELETE FROM cur")
            db.executemany("INSERT OR REPLACE INTO cur VALUES (?, ?)", current.items())
            db.execute("DELETE FROM frag WHERE gen != ? AND NOT EXISTS "
                       "(SELECT 1 FROM cur WHERE cur.doc = frag.doc AND cur.d = frag.d)", (self.gen,))
        db.execute("COMMIT")
        db.close()
        self.db = None
