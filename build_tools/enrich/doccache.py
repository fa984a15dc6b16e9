"""Per-document enrichment, cached between builds and run on every core.

What one document's enrichment is (``DocEnrichment``): the themes of each of
its clauses (in ``Notice.walk()`` order) and of the document, its references
as found (before ``resolve_references`` fills the targets), its goals, its
targets and what validity reads of it alone (``versions.DocFacts``: its
有效期, its body's 施行 line, an amendment decision's 施行, the clauses whose
words repeal what they cite; issue 24: on a rebuild these were read again
from all 3,489 bodies).  None of it depends on another document, so:

* ``DocCache`` keeps every document's entry in one keyed file,
  ``<cache>/enrich/entries.pickle`` (``fsutil.load_keyed``: a log, a save
  appends only the entries that changed; issue 29: 6,883 pickles read one by
  one at 2x), each entry its own pickled bytes under a key made of the
  document's load key (``pipeline.load_documents``: the hash of its file, its
  sidecar and the read/structure modules), the theme vocabulary and the code
  digest of the enrich package (``MODULES``, ``codedigest``: what it imports
  too); a changed document, vocabulary or rule misses, the others hit
  (issue 16: a one-document rebuild re-enriched all 3,490 documents, 15 s).
  Entries no current document uses are dropped by ``prune``.
* ``compute_all`` enriches the documents the cache missed through the
  mapper the build passes in (``build.schedule.fork_map``: forked workers on
  both cores from ``PARALLEL_MIN`` documents, a cold build of the whole
  corpus; they read the notices from the parent's memory and send back only
  the small ``DocEnrichment`` records); by default serially (``serial_map``).

An entry also keeps what the steps across documents read of the document
alone (issue 29), so a rebuild loads no clause tree for them: its
``BareSpot``s (where a law may be named without 《》: the bare law names are
matched against them, ``references.add_bare_references``) and the digest of
its clause ids (``clause_ids_digest``: ``references.ResolvedMemo`` re-resolves
a reference landing on it only when they changed).  ``PairMemo`` keeps what
concerns two documents: the article matches of two versions, and whether two
same-dated laws are one text filed twice (``versions.same_text``: at 2x every
law has such a twin).  Works, validity, cited-by and external documents are
made again on every build from these compact parts; resolution is kept per
document (``references.ResolvedMemo``).
"""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from ..codedigest import code_digest
from ..fsutil import load_keyed, save_keyed
from ..models import Goal, Notice, Reference, Target
from .references import BareSpot
from .versions import DocFacts

Mapper = Callable[[Callable[[Any], Any], list], list]  # map(fn, items) -> [fn(x) for x in items], in order


def serial_map(fn: Callable[[Any], Any], items: list) -> list:
    """The serial mapper: ``[fn(x) for x in items]`` in this process."""
    return [fn(x) for x in items]

CACHE_VERSION = "7"  # bump when DocEnrichment changes shape
# whose rules decide a DocEnrichment: the enrich package (themes, references, goals, targets) and what it imports
MODULES = ("build_tools.enrich",)


@dataclass(frozen=True)
class DocEnrichment:
    """One document's per-document facts (a frozen record, issue 24): made once
    by ``enrich.enrich_one`` or read from the cache, handed on as a new record
    of the document (``record``), never written into the document."""

    clause_themes: list[tuple[str, ...]] = field(default_factory=list)  # one tuple per clause, walk order
    themes: list[str] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    seconds: tuple[float, ...] = ()  # themes, references, goals, targets, facts (when computed)
    facts: DocFacts = field(default_factory=DocFacts)  # what validity reads of this document (versions.doc_facts)
    themed_ids: list[str] = field(default_factory=list)  # ids of the clauses with themes, walk order (theme pages)
    spots: list[BareSpot] = field(default_factory=list)  # where a law may be named without 《》 (references.bare_spots)
    ids: str = ""  # digest of its clause ids (clause_ids_digest): what a reference landing on it reads

    def record(self, notice: Notice) -> Notice:
        """The document with what the per-document steps found, as a new record
        still being made (``Notice.draft``: the work, version and validity found
        across documents make new records of it, ``enrich.renewed``, which
        ``enrich_all`` freezes); ``notice`` is left as it was.  The entry's lists are handed over, not copied (an
        entry is used once: read from the cache, or just computed and already
        written to it; a rebuild applies 3,490 of them); resolution fills the
        new record's references."""
        return notice.draft(clause_themes=self.clause_themes, themed_ids=self.themed_ids, themes=self.themes,
                            references=self.references, goals=self.goals, targets=self.targets)


def clause_ids_digest(notice: Notice) -> str:
    """A digest of ``notice``'s clause ids in walk order (``references.ResolvedMemo``)."""
    return hashlib.sha1("\0".join(c.id or "" for c in notice.walk()).encode("utf-8")).hexdigest()


def rules_digest(vocab_fingerprint: bytes) -> bytes:
    h = hashlib.sha1(CACHE_VERSION.encode())
    h.update(vocab_fingerprint)
    h.update(code_digest(*MODULES, data=("build_tools/data/*",)))  # the aliases of references too
    return h.digest()


ENTRIES = "entries.pickle"


class DocCache:
    """``<cache>/enrich/entries.pickle``: every document's entry (see module doc);
    ``keys``: document id -> load key (documents without one are never cached).
    ``prune`` drops the entries no current document uses and saves the file."""

    def __init__(self, directory: Path, keys: dict[str, str], vocab_fingerprint: bytes):
        self.dir = Path(directory)
        digest = rules_digest(vocab_fingerprint)
        self.digest = digest.hex()
        self.keys = {doc: hashlib.sha1(digest + k.encode()).hexdigest() for doc, k in keys.items() if k}
        self.hits = self.misses = 0
        self.entries: dict[str, bytes] = load_keyed(self.dir / ENTRIES, self.digest)
        for stale in self.dir.glob("*.pickle") if self.dir.is_dir() and not self.entries else ():
            if stale.name != ENTRIES:  # one pickle per document, before issue 29
                stale.unlink(missing_ok=True)

    def get(self, notice: Notice) -> Optional[DocEnrichment]:
        blob = self.entries.get(self.keys.get(notice.id, ""))
        if blob is None:
            return None
        try:
            entry = pickle.loads(blob)
        except (EOFError, pickle.UnpicklingError, AttributeError, TypeError, ValueError, IndexError):
            return None
        return entry if isinstance(entry, DocEnrichment) else None

    def put(self, notice: Notice, entry: DocEnrichment) -> None:
        key = self.keys.get(notice.id)
        if key:
            self.entries[key] = pickle.dumps(entry)

    def prune(self) -> None:
        """Keep only the entries of the current documents, and save (a log:
        only what changed is appended)."""
        keep = {k: self.entries[k] for k in self.keys.values() if k in self.entries}
        self.entries = keep
        self.dir.mkdir(parents=True, exist_ok=True)
        save_keyed(self.dir / ENTRIES, self.digest, keep)


class PairMemo:
    """A result per pair of documents (``alignment.align_works``: the article
    matches of two consecutive versions, 94 pairs and 2-4 s of rapidfuzz on
    the whole corpus), kept in ``<cache>/enrich/pairs.memo`` by both
    documents' entry keys (``DocCache.keys``: their content, the vocabulary
    and the enrich code): a rebuild re-aligns only the pairs a changed
    document is in.  ``save`` keeps only the pairs this build asked for."""

    def __init__(self, cache: DocCache):
        self.keys, self.path = cache.keys, cache.dir / "pairs.memo"
        try:
            old = pickle.loads(self.path.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ValueError):
            old = {}
        self.old: dict = old if isinstance(old, dict) else {}
        self.used: dict = {}
        self.misses = 0

    def __call__(self, a: str, b: str, make: Callable[[], object], kind: str = ""):
        """``make()`` for documents ``a`` and ``b``, kept by their keys; ``kind``
        names another question about the same pair (``same``: one text filed twice)."""
        key = (self.keys.get(a), self.keys.get(b)) + ((kind,) if kind else ())
        if None in key:
            return make()
        if key not in self.old:
            self.old[key] = make()
            self.misses += 1
        self.used[key] = self.old[key]
        return self.used[key]

    def save(self) -> None:
        if self.misses == 0 and self.used.keys() == self.old.keys():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"pairs.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(self.used))
        tmp.replace(self.path)


def compute_all(notices: list[Notice], step: Callable[[Notice], DocEnrichment],
                map: Mapper = serial_map) -> list[DocEnrichment]:
    """``step`` for each notice, in order, through ``map`` (the build's: on all cores for large batches)."""
    return map(step, notices)
