"""Write stage: Notices -> generated Markdown/JSON/XML under docs/.

Generated locations (git-ignored, cleaned on every run): ``docs/index.md``,
``docs/notices/``, ``docs/tags/``, ``docs/data/``, ``docs/generated/``.
Hand-written pages (docs/about.md, docs/data.md, docs/search-json.md) and vendored
assets (docs/assets/) are never touched.

Usage::

    stats = write_docs(notices, Path("docs"), site_url=..., enrichment=enrich_all(notices),
                       redirects=..., vocab=...)
    # then: mkdocs build --strict -d <tmp>; problems = linkcheck(<tmp>)
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from search.citation import SCRIPT_NAME, article_counts, write_script

from .schedule import Forked, fork_map, thread_beside
from .store import Memo
from ..models import Enrichment, Notice
from ..settings import PARALLEL_MIN
from ..vocabulary import load_vocabulary
from ..render.common import (GENERATED_DIRS, GENERATED_FILES, LOCAL_COPY_BUILD_NOTE, ThemeIndex, WrittenFiles,
                             clear_clause_cache, list_page_size, write_if_changed)
from ..siteurl import site_url_setting
from ..render.downloads import output_files, output_names, record_path, write_document_downloads
from ..render.exports import SCHEMA_VERSION, document, write_exports
from ..render.feed import write_feed
from ..render.cite import cite_page
from ..render.home import home_page
from ..render.compare import compare_path, comparison_page
from .listcache import FRAGMENT_STORE, LISTING_CACHE, FragmentStore, ListingCache, depends_on_whole
from .pagecache import (CACHE_NAME, FRAGMENTS_NAME, PageCache, ReadLog, Tracked, code_digest, digest,
                        document_digests,
                        enrichment_maps, tracked_enrichment)
from ..render.pages import cited_by_pages, gbt_prefix, render_notice
from ..render.search_pages import search_chars
from ..render.site_mode import search_mode
from ..render.tags import (cited_pages, notices_index, region_pages, theme_pages, type_pages,
                   year_pages)
from ..render.timeline import targets_page, timeline_pages
from ..enrich.resolved import enrichment_from_notices
from ..render.works import work_pages  # works, versions, comparisons (issue 13)

LISTING_WRITTEN = "listing-written-{part}.marshal"  # in the build cache: what the listing pages' files were left as (WrittenFiles)
CITATION_ARTICLES = "citation-articles.marshal"  # in the build cache: each law's article counts by load key (build.store.Memo)
SEARCH_CHARS = "search-chars.marshal"  # in the build cache: each document's characters for Pagefind by its digest (build.store.Memo)
ARCHIVE_KEY = "archive-key.json"  # in the build cache: what data/archive.json was made from (exports.stream_archive)

__all__ = ["write_docs", "WriteStats", "document_digests", "search_characters", "clean_generated", "SCHEMA_VERSION",
           "GENERATED_DIRS", "GENERATED_FILES", "search_mode", "generated_files"]


@dataclass
class WriteStats:
    notices: int = 0
    clauses: int = 0
    pages: int = 0
    themes: int = 0
    external: int = 0
    seconds: float = 0.0
    search: str = "material"
    files: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # written this run (others kept, mtime too)
    removed: list[str] = field(default_factory=list)  # stale generated files deleted
    site_url: str = ""  # the public address the pages were written with ('' = local copies)
    made: int = 0  # documents whose page, record and downloads were made this run
    remade: list[str] = field(default_factory=list)  # their ids
    kept: int = 0  # documents the page cache found unchanged (pagecache)
    compared: int = 0  # comparison pages made this run (the others kept: pagecache)
    doc_digests: dict[str, str] = field(default_factory=dict, repr=False)  # id -> pagecache digest (hex)
    listing_rendered: list[str] = field(default_factory=list)  # listing pages rendered this run (listcache)
    listing_families: dict[str, str] = field(default_factory=dict)  # family -> kept | units | whole
    timings: dict[str, float] = field(default_factory=dict)  # sub-phase -> seconds (issue 29: where a rebuild's write goes)

    def __str__(self) -> str:
        return (f"{self.notices} 件文件，{self.clauses} 个条款，{self.pages} 个页面，"
                f"{self.themes} 个主题，{self.external} 件文库外被引文件（{self.seconds:.1f} 秒）")


def generated_files(docs_dir: Path) -> set[str]:
    """docs-relative POSIX paths of every generated file now under ``docs_dir``
    (``os.walk`` on strings: 21,000 files on the whole corpus, 3x faster than
    ``Path.rglob``)."""
    out = {f for f in GENERATED_FILES if (docs_dir / f).is_file()}
    for d in GENERATED_DIRS:
        for base, _, names in os.walk(docs_dir / d):
            rel = os.path.relpath(base, docs_dir).replace(os.sep, "/")
            out.update(f"{rel}/{name}" for name in names)
    return out


def remove_empty_dirs(docs_dir: Path) -> None:
    """Drop directories of the generated folders left empty (deepest first)."""
    for d in GENERATED_DIRS:
        top = str(docs_dir / d)
        for base, _, names in os.walk(top, topdown=False):
            if base != top and not names and not os.listdir(base):
                os.rmdir(base)


def clean_generated(docs_dir: Path) -> None:
    """Remove generated output only (hand-written pages stay)."""
    for d in GENERATED_DIRS:
        shutil.rmtree(docs_dir / d, ignore_errors=True)
    for f in GENERATED_FILES:
        (docs_dir / f).unlink(missing_ok=True)


def _themes(vocab: Any) -> list[tuple[str, str, str]]:
    """(slug, name, description) from Theme objects / dicts; loads the
    project vocabulary (build_tools.vocabulary.load_vocabulary) if None."""
    if vocab is None:
        vocab = load_vocabulary()
    if isinstance(vocab, dict):
        vocab = list(vocab.values())
    out = []
    for t in vocab:
        get = (lambda k: t.get(k)) if isinstance(t, dict) else (lambda k: getattr(t, k, None))
        desc = get("description") or get("note") or ""
        out.append((str(get("slug")), str(get("name")), str(desc) if isinstance(desc, str) else ""))
    return out




class DocumentJob:
    """Everything ``write_docs`` makes per document: its page
    (``notices/<id>.md``), its one-line JSON record (archive.json and the
    .json download, from which archive.json is streamed) and its four
    downloads.  ``run`` returns, per document, whether its page was
    rewritten and what it read of other documents (``pagecache``); pages
    and downloads go straight to disk.

    On large archives the documents are split over forked workers (both
    cores: issue 16): they read the notices and the enrichment from the
    parent's memory and send back only those two; each file is written
    by exactly one worker, with the same bytes a serial run writes."""

    def __init__(self, docs_dir: Path, site_url: str, byid: dict[str, Notice], redirects: dict,
                 themes: ThemeIndex, enr: Enrichment):
        self.docs_dir, self.site_url, self.byid = docs_dir, site_url, byid
        self.redirects, self.themes, self.enr = redirects, themes, enr

    def one(self, n: Notice) -> tuple[bool, set, list[str]]:
        """Write ``n``'s page, record and downloads; returns (page rewritten,
        the cross-document reads they were made from: ``pagecache``, its
        outputs: asked here, where its tree is loaded already; issue 29: asked
        in the parent, a full build at 2x read every stored tree once more
        there, serially, before the workers started)."""
        log = ReadLog()
        enr = tracked_enrichment(self.enr, log)
        text = render_notice(n, site_url=self.site_url, notices=Tracked(self.byid, "notices", log),
                             cited_by=enr.cited_by, external=enr.external, related=enr.related,
                             redirects=self.redirects.get(n.id, {}), themes=self.themes, enrichment=enr)
        changed = write_if_changed(self.docs_dir / f"notices/{n.id}.md", text)
        # one line, json's C encoder (indent= takes the pure-Python one)
        record = json.dumps(document(n, self.site_url, enr.cited_by.get(n.id, []), self.themes), ensure_ascii=False)
        write_document_downloads(n, self.docs_dir, self.site_url, record, gbt_prefix(n))
        return changed, log.reads, self.outputs(n)

    def outputs(self, n: Notice) -> list[str]:
        """docs-relative paths of what ``one(n)`` writes."""
        return [f"notices/{n.id}.md"] + output_files(n)

    def run(self, notices: list[Notice], workers: Optional[int] = None) -> list[tuple[bool, set, list[str]]]:
        return fork_map(self.one, notices, workers, at_least=PARALLEL_MIN)


def cached_comparison(cache: PageCache, docs_dir: Path):
    """``compare.comparison_page`` through the page cache: a comparison of two
    unchanged versions (93 pairs of the whole corpus, 2.5 s of rapidfuzz) is
    not made again; its page stays as it is (the path with ``None``)."""
    made: list[str] = []

    def make(old: Notice, new: Notice, enr: Enrichment):
        old, new = depends_on_whole(old), depends_on_whole(new)  # within a listing family: it read both whole
        path = compare_path(old.id, new.id)[: -len(".html")] + ".md"  # its Markdown
        key, own = f"compare:{path}", digest((cache.doc_digest(old), cache.doc_digest(new)))
        if cache.fresh(key, own, [docs_dir / path]):
            return path, None, None
        log = ReadLog()
        out = comparison_page(old, new, tracked_enrichment(enr, log))
        records.append((key, own, log.reads, (path,)))  # the caller records them (write_docs: in its own page cache)
        made.append(path)
        return out
    records: list[tuple] = []
    make.made, make.records = made, records
    return make


@dataclass
class Listing:
    """What ``listing_pages`` wrote: docs-relative paths changed and all
    paths; the page-cache records of the comparison pages it made; their
    count; the number of theme pages."""
    changed: list[str]
    files: list[str]
    records: list[tuple]
    compared: int
    themes: int
    rendered: list[str] = field(default_factory=list)  # listing pages rendered (the others kept: listcache)
    families: dict[str, str] = field(default_factory=dict)  # family -> kept | units | whole


def listing_pages(notices: list[Notice], enr: Enrichment, themes: ThemeIndex, site_url: str, mode: str,
                  n_clauses: int, cache: PageCache, docs_dir: Path, cache_dir: Optional[Path],
                  part: Optional[int] = None) -> Listing:
    """Every page that lists documents, written; they read only the notices
    and the enrichment (and, through the page cache, the documents'
    digests).  ``part`` 0: works and comparisons, themes, cited documents,
    the home page; 1: the document list, regions, years, types, timeline,
    targets, 如何引用; None: both.  Each part remembers its own files
    (``WrittenFiles``), so the two may run in two processes at once."""
    if part is None:
        args = (notices, enr, themes, site_url, mode, n_clauses, cache, docs_dir, cache_dir)
        return merge_listings(listing_pages(*args, part=0), listing_pages(*args, part=1))
    pages: dict[str, Optional[str]] = {}
    comparison = cached_comparison(cache, docs_dir)  # works/compare/<old>--<new>.md through the page cache
    # each part's pieces made from one document (clause blocks, clause citations) by its digest:
    # an unchanged document's stored tree is not read back (issue 29)
    # on disk, so that a unit holds only the fragments it shows (issue 29: the listing child at 10x)
    memo = FragmentStore(Path(cache_dir) / FRAGMENT_STORE.format(part=part) if cache_dir else None, cache.build_key,
                         cache.doc_digest)
    if cache_dir:  # the in-memory memo's file of earlier builds
        (Path(cache_dir) / FRAGMENTS_NAME.format(part=part)).unlink(missing_ok=True)
    written = WrittenFiles(Path(cache_dir) / LISTING_WRITTEN.format(part=part) if cache_dir else None)
    changed: list[str] = []

    def sink(made: dict[str, str]) -> None:  # each unit's pages written as soon as made
        changed.extend(p for p, text in made.items() if written.write(docs_dir / p, text))
    # each family made again only where what it read changed (issue 29: listcache)
    lc = ListingCache(Path(cache_dir) / LISTING_CACHE.format(part=part) if cache_dir else None, cache.build_key,
                      cache, notices, memo, sink, lambda p: (docs_dir / p).is_file())
    n_themes = 0
    base = (list_page_size(),)  # what every family reads beside the documents
    if part == 0:
        pages.update(lc.run("works", base, lambda ns, units, rec, m: work_pages(
            ns, tracked_enrichment(enr, rec), comparison=comparison, memo=m, units=units)))
        theme_md = lc.run("themes", base + (themes.themes,), lambda ns, units, rec, m: theme_pages(
            ns, themes, memo=m, units=units))
        pages.update(theme_md)
        pages.update(lc.run("cited", base, lambda ns, units, rec, m: cited_pages(
            ns, Tracked(enr.external, "enr.external", rec), memo=m, units=units)))
        pages.update(lc.run("cited-by", base, lambda ns, units, rec, m: cited_by_pages(
            ns, Tracked(enr.cited_by, "enr.cited_by", rec), memo=m, units=units)))  # a document's whole 被引用 list
        n_themes = sum(1 for p in theme_md if p.count("/") == 2 and not p.endswith("/index.md"))
        home = (n_themes, len(enr.external), mode, n_clauses)
        pages.update(lc.run("home", base + home, lambda ns, units, rec, m: {
            "index.md": home_page(ns, n_themes, home[1], search=mode, n_clauses=n_clauses)}))
    else:
        pages.update(lc.run("notices", base, lambda ns, units, rec, m: notices_index(ns, units=units)))
        pages.update(lc.run("regions", base, lambda ns, units, rec, m: region_pages(ns, units=units)))
        pages.update(lc.run("years", base, lambda ns, units, rec, m: year_pages(ns, units=units)))
        pages.update(lc.run("types", base, lambda ns, units, rec, m: type_pages(ns, units=units)))
        pages.update(lc.run("timeline", base, lambda ns, units, rec, m: timeline_pages(ns, memo=m, units=units)))
        pages.update(lc.run("targets", base, lambda ns, units, rec, m: targets_page(ns, memo=m)))
        pages.update(lc.run("cite", base + (site_url,), lambda ns, units, rec, m: cite_page(
            ns, site_url, gbt_prefix, m)))  # 如何引用, examples from these pages
    lc.save()
    memo.save(lc.digests)
    written.save()
    return Listing(changed, list(pages), comparison.records, len(comparison.made), n_themes, lc.rendered, lc.families)


def merge_listings(a: Listing, b: Listing) -> Listing:
    return Listing(a.changed + b.changed, a.files + b.files, a.records + b.records, a.compared + b.compared,
                   a.themes + b.themes, a.rendered + b.rendered, {**a.families, **b.families})


class ListingJob:
    """``listing_pages`` beside the rest of the write stage (large archives:
    1.6 s of CPU on the whole corpus, which was 1.0-1.2 s of a rebuild's main
    path): part 0 in a forked child started first (``build.schedule.Forked``), part 1
    by ``result`` in this process once its own work is done; small archives:
    both inline.  The child writes its pages itself and sends back its
    ``Listing``; an exception in it is raised again by ``result``
    (RuntimeError with its traceback)."""

    def __init__(self, *args):
        self.args = args
        self.child: Optional[Forked] = None
        self.inline: Optional[Listing] = None

    def start(self, beside: bool) -> None:
        if not beside:
            self.inline = listing_pages(*self.args)
            return
        self.child = Forked("列表页写出", listing_pages, *self.args, part=0).start()

    def cancel(self) -> None:
        """Stop the child (the write stage failed): it never writes after this."""
        if self.child is not None:
            self.child.cancel()

    def result(self) -> Listing:
        if self.inline is not None:
            return self.inline
        mine = listing_pages(*self.args, part=1)
        return merge_listings(self.child.result(), mine)


def write_docs(notices: list[Notice], docs_dir: Path, *, site_url: Optional[str] = None,
               enrichment: Optional[Enrichment] = None,
               related: Optional[dict] = None,
               redirects: Optional[dict[str, dict[str, str]]] = None,
               vocab: Any = None, search: Optional[str] = None,
               cache_dir: Optional[Path] = None,
               load_keys: Optional[dict[str, str]] = None,
               doc_digests: Optional[dict[str, bytes]] = None) -> WriteStats:
    """Write every generated page of the site into ``docs_dir``.

    ``enrichment``: the enrich stage's result (``enrich.enrich_all``), taken
    as it is; without it one is derived from the resolved
    ``Notice.references`` and ``related`` (what ``enrich.related_documents``
    returns; see ``enrich.resolved.enrichment_from_notices``); ``redirects`` maps doc id -> {old clause id: new id};
    ``search`` is 'material' or 'pagefind' (None: ``search_mode(notices)``);
    ``site_url`` None or '': ``site_url_setting`` (IPARCHIVE_SITE_URL, then
    ``site_url`` in the mkdocs.yml beside ``docs_dir``).

    Only files whose content changed are rewritten (the others keep their
    mtime, so ``mkdocs build --dirty`` can skip them); generated files that
    are no longer produced are removed.  With ``cache_dir`` a document whose
    page, record and downloads were made from what is unchanged now is not
    made again (``pagecache``: one changed document re-makes itself and the
    pages that read it, not 3,490); ``load_keys`` (``LoadResult.keys``)
    make each document's digest cheap (``pagecache.loaded_digest``);
    ``doc_digests`` (``pagecache.document_digests``) are those digests, when
    the build computed them already.
    """
    t0 = time.perf_counter()
    docs_dir = Path(docs_dir)
    site_url = (site_url or site_url_setting(docs_dir.parent / "mkdocs.yml")).rstrip("/")
    if not site_url:  # said once per build: copied links will only work on this machine
        print(LOCAL_COPY_BUILD_NOTE, file=sys.stderr)
    ids = [n.id for n in notices]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"duplicate document ids: {dup}")
    n_clauses = sum(n.n_clauses for n in notices)  # once; a stored document knows its count without loading its tree
    mode = search or search_mode(clauses=n_clauses)
    clear_clause_cache()
    before = generated_files(docs_dir)
    if isinstance(related, Enrichment):  # callers that pass enrich_stage's result as ``related``
        enrichment, related = related, None
    enr = enrichment if enrichment is not None else enrichment_from_notices(notices, related)
    themes = ThemeIndex(_themes(vocab))
    job = DocumentJob(docs_dir, site_url, {n.id: n for n in notices}, redirects or {}, themes, enr)
    cache = PageCache(Path(cache_dir) / CACHE_NAME if cache_dir else None,
                      digest((code_digest(), site_url, themes.themes, SCHEMA_VERSION)),
                      {"notices": job.byid, **enrichment_maps(enr)}, load_keys, doc_digests)
    # the listing pages first: beside everything below (both cores)
    listing = ListingJob(notices, enr, themes, site_url, mode, n_clauses, cache, docs_dir, cache_dir)
    listing.start(beside=len(notices) >= PARALLEL_MIN)
    timings: dict[str, float] = {"start": time.perf_counter() - t0}
    try:
        made, outputs = _documents(job, notices, cache, before, timings)
        exports = _start_archive(job, notices, set(made), cache_dir)  # a thread, beside the rest
        try:
            t1 = time.perf_counter()
            feed = write_feed(notices, docs_dir, site_url, themes)
            memo = Memo(Path(cache_dir) / CITATION_ARTICLES if cache_dir and load_keys else None, ("search.citation",))
            cites_table = write_script(notices, docs_dir / "data" / SCRIPT_NAME,  # issue 25: the box's citation lookup
                                       lambda n: memo.get((load_keys or {}).get(n.id), lambda: article_counts(n)))
            memo.save()
            t2 = time.perf_counter()
            lst = listing.result()
            t3 = time.perf_counter()
            timings.update(feed_citations=t2 - t1, listings=t3 - t2)
        finally:
            exports.exception()  # waits: never a thread still writing in docs/ after write_docs
            timings["archive_wait"] = time.perf_counter() - t3 if "listings" in timings else 0.0
        exported = exports.result() + [feed, cites_table]
    except BaseException:
        listing.cancel()
        raise
    t4 = time.perf_counter()
    for key, own_key, reads, files in lst.records:
        cache.record(key, own_key, reads, files)
    stats = WriteStats(notices=len(notices), clauses=n_clauses, themes=lst.themes, external=len(enr.external),
                       search=mode, site_url=site_url, made=len(made), remade=list(made), kept=len(notices) - len(made),
                       compared=lst.compared, listing_rendered=lst.rendered, listing_families=lst.families)
    stats.changed = [f"notices/{n.id}.md" for n in notices if n.id in made and made[n.id][0]] + lst.changed
    stats.files = ([f"notices/{n.id}.md" for n in notices] + lst.files
                   + [p.relative_to(docs_dir).as_posix() for p in exported]
                   + [p for n in notices for p in outputs[n.id][1:]])
    stats.removed = _remove_stale(docs_dir, before - set(stats.files))
    stats.pages = len(lst.files) + len(notices)
    cache.save()
    stats.doc_digests = {n.id: cache.doc_digest(n).hex() for n in notices}
    clear_clause_cache()
    stats.seconds = time.perf_counter() - t0
    timings["finish"] = time.perf_counter() - t4  # stale outputs swept, the page cache saved
    stats.timings = {k: round(v, 3) for k, v in timings.items()}
    return stats


def _documents(job: DocumentJob, notices: list[Notice], cache: PageCache, before: set[str],
               timings: Optional[dict[str, float]] = None) -> tuple[dict[str, tuple[bool, set]], dict[str, list[str]]]:
    """Each document's page, record and downloads, made again only when the page
    cache says so (forked workers on large archives): (id -> (page rewritten,
    reads) of those made, id -> its outputs, the page first).  ``timings``
    gets the seconds of the check (``fresh``) and of the making (``documents``)."""
    t0 = time.perf_counter()
    registry = digest(output_names())  # the page links every registered output: one added or removed remakes it
    own = {n.id: cache.own_digest(n, (job.redirects.get(n.id, {}), registry)) for n in notices}
    # an unchanged document's outputs are those its entry recorded (asking them loads a stored tree)
    outputs = {n.id: cache.outputs(n.id) for n in notices if cache.fresh(n.id, own[n.id], None, before.__contains__)}
    todo = [n for n in notices if n.id not in outputs]
    cache.save({n.id for n in notices})  # stale entries dropped first: a killed write never leaves one for a page it changed
    t1 = time.perf_counter()
    made = dict(zip((n.id for n in todo), job.run(todo)))
    if timings is not None:
        timings.update(fresh=t1 - t0, documents=time.perf_counter() - t1)
    for n in todo:
        outputs[n.id] = made[n.id][2]  # the page first, then the downloads
        cache.record(n.id, own[n.id], made[n.id][1], outputs[n.id])
    return made, outputs


def _start_archive(job: DocumentJob, notices: list[Notice], made: set[str], cache_dir: Optional[Path]) -> Future:
    """archive.json (175 MB, mostly file I/O: the GIL is free), streamed from each
    document's gzipped one-line record (``downloads.record_path``), in a thread of its own;
    by difference (issue 29): only the records of ``made`` (the documents whose record
    files this build wrote) are read, the others copied from the last archive."""
    records = {n.id: job.docs_dir / record_path(n.id) for n in notices}
    return thread_beside(write_exports, notices, job.docs_dir, job.site_url, job.enr.cited_by, job.themes, records,
                         Path(cache_dir) / ARCHIVE_KEY if cache_dir else None, {records[i] for i in made if i in records})


def search_characters(notices: list[Notice], doc_digests: dict[str, bytes], cache_dir: Optional[Path]) -> int:
    """``search_pages.search_chars`` of the archive (what sizes Pagefind's shards), each
    document's count kept by its digest (``document_digests``): counting reads every
    clause, so a stored document's tree was read back on every build (issue 29: the
    largest part of a rebuild's main path at 2x)."""
    memo = Memo(Path(cache_dir) / SEARCH_CHARS if cache_dir else None, ("build_tools.render.search_pages",))
    total = sum(memo.get(doc_digests[n.id].hex() if n.id in doc_digests else None, lambda n=n: search_chars([n]))
                for n in notices)
    memo.save()
    return total


def _remove_stale(docs_dir: Path, stale: set[str]) -> list[str]:
    """Delete generated files no longer produced (and the folders left empty):
    the one remover of stale outputs, an older release's data/archive.json
    and uncompressed records included; one already gone is not an error."""
    for rel_path in sorted(stale):
        (docs_dir / rel_path).unlink(missing_ok=True)
    remove_empty_dirs(docs_dir)
    return sorted(stale)
