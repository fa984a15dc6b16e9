"""Every threshold and environment variable of the archive, in one place.

A leaf module (standard library only): the command line, the search
process and the MkDocs hooks import it for nothing.

Thresholds are plain constants.  The modules that use one import it by name
(``from .settings import PARALLEL_MIN``), so a test can still set it on the
module it exercises (``monkeypatch.setattr(write, "PARALLEL_MIN", 400)``).

Environment variables are declared in ``ENVIRONMENT`` (name -> what it sets)
and read only through ``env(name)`` (``child_environment`` for a child
process, ``overridden`` for a block), at the moment of use, never at import:
tests and ``iparchive build --site-url`` set them while the process runs, and
the MkDocs child reads what the build handed it.  ``tests/test_imports.py``
holds that no other module of build_tools/, search/ or benchmarks/ reads
``os.environ``.  Setting one for a child process stays where it is done:
``siteurl.SiteUrlAction`` (``--site-url``) and ``publish.run_mkdocs`` (the
Jinja cache of the MkDocs run, in the environment it hands the child).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent  # the project (build_tools/, search/, mkdocs.yml)

# --- thresholds -----------------------------------------------------------------------------------------------

# Forked children over both cores (issue 16): below this many documents a fork costs more than it saves.
PARALLEL_MIN = 400  # enrich (doccache.compute_all) and write (DocumentJob, the listing beside the rest)
# The load stage's process pool pickles every parsed document back to the parent (a fork does not), so it
# pays from more documents on.
LOAD_POOL_MIN = 1000
RELATED_BESIDE_MIN = 500  # documents: related documents in a forked child beside the per-document enrichment
FORK_INDEX_MIN = 1000  # documents: the CLI index is built in a forked child beside the site, else after it

# A page carries ~650 bytes of anchors and citation buttons per clause: a 9 MB text of short paragraphs became a
# 96 MB page (issue 11).  The largest real document (人民检察院刑事诉讼规则, lawrefbook) is 0.31 MB.
# Size bounds of what one input may cost (source files by suffix or kind, sidecars, clauses per document) are
# in limits.py, with the functions that enforce them (read_regular: never a FIFO, at most the bound).

LARGE_CLAUSES = 5000  # clauses: above it the site searches with Pagefind (≈ 7 MB of Material index, ~2 s)
SEARCH_BACKEND_THRESHOLD = 10_000  # CLI index records: above it backend "auto" picks tantivy over Whoosh
PAGEFIND_SHARD_DOCS = 700  # documents a Pagefind shard (large archives; render/search_pages.py says why 700)
PAGEFIND_CHANGES_PERCENT = 5  # changed pages per 100 of a shard carried by the changes bundle before a re-index
# Listing pages (document list, region/year/type/status pages, timelines) hold this many entries a page
# (issue 29: one list of every document was 6.4 MB at 5x); page 1 keeps the listing's old URL.  An entry is
# ~0.4-1.2 KB of HTML, so a page stays well under LIST_PAGE_BYTES with the site's chrome.
LIST_PAGE_SIZE = 300
LIST_PAGE_BYTES = 500_000  # the bound a listing page's HTML must stay under (tests, benchmarks)
THEME_PAGE_BUDGET = 400_000  # UTF-8 bytes of clause HTML per theme page (the page stays < LIST_PAGE_BYTES): longer themes split
TANTIVY_HEAP_BYTES = 256_000_000  # the tantivy index writer's memory (split between its threads)
TANTIVY_THREADED_RECORDS = 20_000  # records: tantivy indexes with one thread per core from here
SERVE_CACHE_BYTES = 64 * 1024 * 1024  # gzipped bodies 'iparchive serve' keeps in memory (least recently used out)

# --- environment variables ------------------------------------------------------------------------------------

SEARCH_ENV = "IPARCHIVE_SEARCH"
SITE_URL_ENV = "IPARCHIVE_SITE_URL"
BACKEND_ENV = "IPARCHIVE_SEARCH_BACKEND"
INDEX_ENV = "IPARCHIVE_INDEX"
JINJA_CACHE_ENV = "IPARCHIVE_JINJA_CACHE"
NAV_MEMO_ENV = "IPARCHIVE_NAV_MEMO"
SHARD_ENV = "IPARCHIVE_PAGEFIND_SHARD_DOCS"
CHANGES_ENV = "IPARCHIVE_PAGEFIND_CHANGES"
PAUSE_ENV = "IPARCHIVE_PAUSE_AT"
PAUSE_SECONDS_ENV = "IPARCHIVE_PAUSE_SECONDS"
TIMING_ENV = "IPARCHIVE_MKBUILD_TIMING"
SHARED_ENV = "IPARCHIVE_SHARED"
CHROMIUM_ENV = "IPARCHIVE_CHROMIUM"
NO_COLOR_ENV = "NO_COLOR"
OCR_ENV = "IPARCHIVE_OCR"
DEBUG_ENV = "IPARCHIVE_DEBUG"
LIST_PAGE_ENV = "IPARCHIVE_LIST_PAGE_SIZE"

ENVIRONMENT = {
    SEARCH_ENV: "the site's search: material, pagefind or auto (by LARGE_CLAUSES; render/site_mode.py)",
    SITE_URL_ENV: "the public address, below --site-url and above mkdocs.yml's site_url (siteurl.py)",
    BACKEND_ENV: "the CLI index backend for 'auto': whoosh or tantivy (search/index.py)",
    INDEX_ENV: "the index directory 'iparchive search' reads without --index (search/cli.py)",
    JINJA_CACHE_ENV: "set by the build for its MkDocs child: where compiled templates are kept (publish/mkdocs_run.py)",
    NAV_MEMO_ENV: "0: render Material's navigation for every page (publish/mkdocs_hooks.py; tests compare)",
    SHARD_ENV: "documents a Pagefind shard instead of PAGEFIND_SHARD_DOCS (render/search_pages.py; tests)",
    CHANGES_ENV: "changed pages per 100 of a shard patched before a re-index; 0: always re-index (publish/mkbuild.py)",
    PAUSE_ENV: "test hook: the build step at which to pause so a test can kill it (fsutil.pause_point)",
    PAUSE_SECONDS_ENV: "test hook: how long that pause lasts, default 600 s (fsutil.pause_point)",
    TIMING_ENV: "set: the MkDocs child prints its seconds (publish/mkdocs_run.py; benchmarks)",
    SHARED_ENV: "the shared data (seeds, corpora) for tests and benchmarks; default ../shared",
    CHROMIUM_ENV: "the Chromium binary of the browser tests and benchmarks; default /usr/bin/chromium",
    LIST_PAGE_ENV: "entries a listing page instead of LIST_PAGE_SIZE (render/common.list_page_size; tests)",
    NO_COLOR_ENV: "set: 'iparchive search' prints no colours (no-color.org; search/cli.py)",
    DEBUG_ENV: "set: an unexpected failure prints its traceback too (it always goes to build/iparchive-error.log)",
    OCR_ENV: "1: pages without a text layer are read by OCR (tesseract; office.py; the CLI's --ocr sets it)",
}


def env(name: str, default: str = "") -> str:
    """The value of the declared variable ``name``, stripped; ``default`` when
    it is unset or blank.  An undeclared name is a KeyError: declare it in
    ``ENVIRONMENT`` first, so the list above stays the whole list."""
    if name not in ENVIRONMENT:
        raise KeyError(f"{name} is not declared in build_tools.settings.ENVIRONMENT")
    return os.environ.get(name, "").strip() or default


def shared_dir() -> Path:
    """The shared seeds and corpora (``IPARCHIVE_SHARED``, else ``../shared``)."""
    return Path(env(SHARED_ENV) or ROOT.parent / "shared")


def chromium() -> Path:
    """The Chromium binary (``IPARCHIVE_CHROMIUM``, else /usr/bin/chromium)."""
    return Path(env(CHROMIUM_ENV, "/usr/bin/chromium"))


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a child Python process of the build: this one's,
    with the project first on ``PYTHONPATH`` (the child runs ``-m
    build_tools...`` from any directory), plus ``extra``."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


@contextlib.contextmanager
def overridden(values: dict[str, Optional[str]]) -> Iterator[None]:
    """Set the declared variables of ``values`` for the block (``None``:
    leave it as it is), then put back what was there (a benchmark building
    once with ``IPARCHIVE_SEARCH=pagefind``)."""
    old = {}
    for name, value in values.items():
        env(name)  # declared
        if value is not None:
            old[name] = os.environ.get(name)
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# issue 29: from this many documents the build keeps each body and clause tree in the store, not in memory
# (models.StoredNotice: ~9 KB a document held instead of ~67 KB); below it a warm rebuild reads no tree
# back (the listing passes over every document's clauses cost ~1 s each at 3,490 documents)
STORED_MIN = 5000

# issue 29: the CLI index's writer tokenises a clause text once while it is among the last this many
# distinct texts (two generations of this size: about 40 MB at most); the documents are written in
# title order, so law versions and reposted notices, which share most clause texts, come together
INDEX_TEXT_MEMO = 20_000
