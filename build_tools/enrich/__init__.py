"""Enrich stage: themes, references, goals, targets; works, versions, cross-links.

``enrich_all(notices)`` runs everything and returns one typed, frozen
``models.Enrichment`` that the write stage takes as it is; the records it
was given are only read (issue 24): it makes a new record of each document
(``DocEnrichment.record``), gives it the facts found across documents (works,
versions and validity are returned by ``build_works``/``assign_validity``, then
``renewed`` gives them to that new record, still a draft of this stage), freezes it and
puts it in ``notices`` in place of the one given (``hand_on``):

- per document (a frozen ``doccache.DocEnrichment``): the clause and
  document themes (themes.py ``find_themes``), the references
  (references.py), goals (goals.py) and targets (targets.py);
- across documents: works and versions with their validity (versions.py;
  permanent work ids kept in ``works.lock``), references resolved to the
  version in force at the citing date (references.py), cited-by lists per
  document and per work, external documents, related documents
  (related.py).  The 成文/发布 order warning (lawdates.date_order_problem)
  is reported at load time by the pipeline, after the sidecar is applied.

A rebuild (issue 29) reads each document's per-document entry from one keyed
file (doccache.py) and makes the steps across documents from compact parts
of them (``PerDocument``: validity facts, bare-law spots, clause-ids
digests), loading no clause tree; references are resolved again only for the
documents whose resolution read something that changed
(``references.ResolvedMemo``, ``<cache>/enrich/resolved.marshal``;
``Enrichment.timings["resolve_docs"]`` counts them).

``enrich(notices)`` is the per-document part plus resolution, for callers
that need no Enrichment (returns the seconds per step).

The stage starts no process: the build passes its schedule in (issue 24,
stages import nothing from ``build/``).  ``map(fn, items)`` runs the
per-document step over the documents the cache missed (default: serially,
``serial_map``; the build passes ``build.schedule.fork_map``, both cores);
``beside(what, fn, *args)`` starts the related documents beside it and
returns a handle with ``result()`` and ``cancel()`` (default: ``Inline``,
the call made at once; the build passes a forked child).
"""
from __future__ import annotations

import datetime as dt
import functools
import time
from pathlib import Path
from typing import Any, Callable, Optional

from .. import collector
from ..models import Enrichment, Notice, Problem
from ..vocabulary import Theme, load_vocabulary
from .alignment import align_works, article_histories
from .doccache import DocCache, DocEnrichment, Mapper, PairMemo, clause_ids_digest, compute_all, serial_map
from .goals import find_goals
from .references import (
    BareSpot,
    ResolvedMemo,
    bare_spots,
    cited_by,
    external_documents,
    find_references,
    load_aliases,
    resolve_by_difference,
    resolve_references,
)
from .related import cached_result, related_documents
from .targets import find_targets, normalise_indicator
from .themes import find_themes, tag_clauses
from .versions import DocFacts, WorksLockError, assign_validity, build_works, doc_facts, load_works_lock, same_text

__all__ = [
    "enrich",
    "enrich_all",
    "Theme",
    "cited_by",
    "external_documents",
    "find_goals",
    "find_references",
    "find_targets",
    "load_aliases",
    "load_vocabulary",
    "normalise_indicator",
    "related_documents",
    "resolve_references",
    "tag_clauses",
]


RESOLVED = "resolved.marshal"  # each document's resolved references (references.ResolvedMemo), beside entries.pickle


class Inline:
    """A call made where it is asked (the serial default of ``beside``): the
    same handle as a forked child's, ``result()`` and ``cancel()``."""

    def __init__(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        self.what, self.value = what, fn(*args, **kwargs)

    def result(self) -> Any:
        return self.value

    def cancel(self) -> None:
        pass


def enrich_one(notice: Notice, vocab: list[Theme]) -> DocEnrichment:
    """The per-document steps on one notice (its themes, references, goals,
    targets and what the steps across documents read of it alone), with the
    seconds of each step; ``notice`` is only read (issue 24)."""
    t0 = time.perf_counter()
    per_clause, doc_themes = find_themes(notice, vocab)
    t1 = time.perf_counter()
    references = find_references(notice)
    t2 = time.perf_counter()
    goals = find_goals(notice)
    t3 = time.perf_counter()
    targets = find_targets(notice)
    t4 = time.perf_counter()
    facts = doc_facts(notice.draft(references=references))  # validity reads its references as found
    spots = bare_spots(notice)
    ids = clause_ids_digest(notice)
    t5 = time.perf_counter()
    return DocEnrichment([tuple(t) for t in per_clause], doc_themes,  # () shared: most clauses have none
                         references, goals, targets,  # written to the cache before resolution
                         (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), facts,
                         [c.id for c, t in zip(notice.walk(), per_clause) if t], spots, ids)


def _related_job(notices: list[Notice], cache: dict,
                 save: Optional[Callable[[dict], None]] = None) -> tuple[dict, Optional[dict], float]:
    """related_documents, with the term cache it leaves (None: ``save`` kept it, where it was made:
    at 5x the term vectors of 17,000 documents are not sent back to the build) and its seconds."""
    t0 = time.perf_counter()
    out = related_documents(notices, cache=cache)
    if save is not None:
        save(cache)
        cache = None
    return out, cache, time.perf_counter() - t0


class PerDocument:
    """What the per-document steps leave for the steps across documents: each
    document's ``DocFacts`` (validity) and ``BareSpot``s (bare law names)."""

    def __init__(self) -> None:
        self.facts: dict[str, DocFacts] = {}
        self.spots: dict[str, list[BareSpot]] = {}
        self.ids: dict[str, str] = {}  # digest of its clause ids (doccache.clause_ids_digest)

    def keep(self, doc: str, entry: DocEnrichment) -> None:
        self.facts[doc], self.spots[doc], self.ids[doc] = entry.facts, entry.spots, entry.ids


def _per_document(notices: list[Notice], vocab: list[Theme], timing: dict[str, float],
                  cache: Optional[DocCache] = None, map: Mapper = serial_map) -> tuple[PerDocument, list[Notice]]:
    """Per-document steps: cached entries used, the rest computed (on all
    cores for large batches, doccache.compute_all) and cached.  Returns each
    document's ``DocFacts`` and ``BareSpot``s (read across documents) and the
    new records (``DocEnrichment.record``, in the order of ``notices``, not yet
    frozen: the steps across documents fill them)."""
    todo = []
    facts = PerDocument()
    records: dict[int, Notice] = {}
    with collector.paused():  # unpickled entries only: no garbage to collect
        for k, n in enumerate(notices):
            entry = cache.get(n) if cache else None
            if entry is None:
                todo.append(k)
            else:
                facts.keep(n.id, entry)
                records[k] = entry.record(n)
    results = compute_all([notices[k] for k in todo], functools.partial(enrich_one, vocab=vocab), map)
    for k, entry in zip(todo, results):
        n = notices[k]
        facts.keep(n.id, entry)
        for step, sec in zip(("themes", "references", "goals", "targets", "facts"), entry.seconds):
            timing[step] = timing.get(step, 0.0) + sec
        if cache:
            cache.put(n, entry)  # as found: written before resolution fills the new record's references
        records[k] = entry.record(n)
    if cache:
        cache.hits, cache.misses = len(notices) - len(todo), len(todo)
        cache.prune()
    return facts, [records[k] for k in range(len(notices))]


def renewed(records: list[Notice], found: dict[str, dict]) -> list[Notice]:
    """The records with the facts found across documents (``found``: doc id ->
    fields).  The stage's own drafts (``DocEnrichment.record``: records still
    being made, held by nobody else until ``hand_on`` freezes them) are given
    them in place, as ``versions.put`` does: a new copy of every record, twice
    per rebuild, was 34,000 record copies at 5x (issue 29); a frozen record
    is never written, a new one is made of it.  A record without facts stays itself."""
    out = []
    for n in records:
        facts = found.get(n.id)
        if facts and n.frozen:
            n = n.draft(**facts)
        elif facts:
            for name, value in facts.items():
                setattr(n, name, value)
        out.append(n)
    return out


def hand_on(notices: list[Notice], records: list[Notice]) -> None:
    """Freeze the stage's new records and put them in the caller's list in
    place of the records it gave (the list is the build's collection, e.g.
    ``LoadResult.notices``; the records it held are left as they were)."""
    for r in records:
        r.freeze()
    notices[:] = records


def enrich(
    notices: list[Notice],
    vocab: Optional[list[Theme]] = None,
    aliases: Optional[list[list[str]]] = None,
    map: Mapper = serial_map,
) -> dict[str, float]:
    """Run every per-document step, then resolve references across ``notices``
    (versions included).  Returns seconds spent per step (for the build log)."""
    vocab = vocab if vocab is not None else load_vocabulary()
    timing = {"themes": 0.0, "references": 0.0, "goals": 0.0, "targets": 0.0, "resolve": 0.0}
    facts, records = _per_document(notices, vocab, timing, map=map)
    t0 = time.perf_counter()
    found: dict[str, dict] = {}
    works, _, _ = build_works(records, facts=facts.facts, found=found)
    records = renewed(records, found)
    resolve_references(records, aliases, works=works, spots=facts.spots)
    timing["resolve"] = time.perf_counter() - t0
    hand_on(notices, records)
    return timing


def enrich_all(
    notices: list[Notice],
    vocab: Optional[list[Theme]] = None,
    aliases: Optional[list[list[str]]] = None,
    *,
    works_lock: Optional[Path] = None,
    today: Optional[str] = None,
    related_cache: Optional[dict] = None,
    related: bool = True,
    doc_cache_dir: Optional[Path] = None,
    doc_keys: Optional[dict[str, str]] = None,
    map: Mapper = serial_map,
    beside: Callable[..., Any] = Inline,
    related_save: Optional[Callable[[dict], None]] = None,
) -> Enrichment:
    """The whole enrich stage as one typed result (see module doc).

    ``works_lock``: ``source_texts/works.lock`` (read only here; the build
    writes it with ``versions.update_works_lock`` once the site is good);
    ``today``: the build date for 尚未生效 / 已失效 (default: today);
    ``related_cache``: term vectors kept between builds (related.py);
    ``doc_cache_dir`` + ``doc_keys`` (document id -> load key): the
    per-document results kept between builds (doccache.py); ``map`` and
    ``beside``: the build's schedule (module doc); ``related_save``: keeps the
    term cache where related documents were computed (the build's store), so
    ``related_cache`` is then left as it was."""
    vocab = vocab if vocab is not None else load_vocabulary()
    timing = {"themes": 0.0, "references": 0.0, "goals": 0.0, "targets": 0.0}
    cache = DocCache(doc_cache_dir, doc_keys or {}, repr(vocab).encode()) if doc_cache_dir else None
    # related documents read only titles, bodies and regions: computed beside the per-document steps
    # (whole corpus: 4.6 s that left the other core idle), unless the cache holds the result
    ready = cached_result(notices, related_cache) if related else None
    job = None
    if related and ready is None:
        job = beside("相关文件计算", _related_job, notices, related_cache if related_cache is not None else {},
                     related_save)
    try:
        facts, records = _per_document(notices, vocab, timing, cache, map)
        pairs = PairMemo(cache) if cache else None
        resolved = ResolvedMemo(cache.dir / RESOLVED, cache.keys, facts.ids) if cache else None
        out, records = _across_documents(records, timing, works_lock, today, aliases, facts, pairs, resolved)
        if resolved:
            resolved.save()
        if pairs:
            pairs.save()
        if related:
            t0 = time.perf_counter()
            timing["related"] = 0.0  # the cached result
            if job is not None:
                ready, left, timing["related"] = job.result()
                if left is not None and related_cache is not None and left is not related_cache:  # the child's copy
                    related_cache.clear()
                    related_cache.update(left)
            timing["related_wait"] = time.perf_counter() - t0
            out.related = {doc: [(other, reason) for other, _, reason in items] for doc, items in ready.items()}
    except BaseException:
        if job is not None:
            job.cancel()
        raise
    hand_on(notices, records)
    return out.freeze()


def _across_documents(notices: list[Notice], timing: dict[str, float], works_lock: Optional[Path],
                      today: Optional[str], aliases: Optional[list[list[str]]],
                      facts: Optional[PerDocument] = None, pairs: Optional[PairMemo] = None,
                      resolved: Optional[ResolvedMemo] = None) -> tuple[Enrichment, list[Notice]]:
    """Works and versions, then references resolved and cited-by lists; the
    records with their work, version and validity (``renewed``)."""
    out = Enrichment(timings=timing)
    t0 = time.perf_counter()
    lock: dict[str, str] = {}
    if works_lock is not None:
        try:
            lock = load_works_lock(works_lock)
        except WorksLockError as e:
            out.problems.append(Problem.from_error(e))
    facts = facts or PerDocument()
    today = today or dt.date.today().isoformat()
    same = (lambda a, b: pairs(a.id, b.id, lambda: same_text(a, b), "same")) if pairs else None  # bodies read once
    found: dict[str, dict] = {}
    out.works, out.versions, problems = build_works(notices, lock, today, facts.facts, same=same, found=found)
    notices = renewed(notices, found)
    out.problems.extend(problems)
    # any two held versions (issue 25), the consecutive ones first
    out.comparisons = [(w.versions[i], w.versions[j]) for w in out.works.values() if w.kind == "law"
                       for k in range(1, len(w.versions)) for i in range(len(w.versions) - k)
                       for j in (i + k,)]
    aligned = align_works(out.works, {n.id: n for n in notices}, pairs)  # issue 25: renumbered articles followed
    out.article_history = article_histories(out.works, out.versions, aligned)
    timing["versions"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    timing["resolve_docs"] = resolve_by_difference(notices, aliases, out.works, aligned, facts.spots, resolved)
    validity = assign_validity(notices, out.versions, today, facts.facts, facts.spots)  # issue 25: every document, with why
    notices = renewed(notices, {d: {"validity": v, "validity_basis": b} for d, (v, b) in validity.items()})
    out.cited_by, out.work_cited_by = cited_by(notices, out.versions)
    out.external = external_documents(notices)
    timing["resolve"] = time.perf_counter() - t0
    return out, notices
