"""MkDocs' build with the pages outside the nav streamed: its memory no
longer grows with the archive's pages (issue 29).

MkDocs 1.6.1's ``mkdocs.commands.build.build`` reads and renders the
Markdown of every page (``_populate_page``) before it writes any
(``_build_page``), so every page's Markdown, HTML and table of contents stay
in memory to the end: ~73 KB a page, 362 MB at 1x (3,489 documents, ~7,000
pages) and 2,826 MB at 5x.  ``build`` here is the same sequence of MkDocs'
own steps and plugin events, with one difference: a page outside the nav
(document pages ``notices/<id>.md``, tag, work, timeline and other generated
pages: all but the dozen pages of ``nav:`` in mkdocs.yml) is read, rendered
and written in one go, at its place in MkDocs' page order, then released
(``release``): only what the end of the build reads of it stays (its URL and
title, the anchors it has and the anchor links it makes, for MkDocs' anchor
check).  The pages of the nav are read first, as MkDocs reads them, since
every page's navigation shows their titles.

What a page gets is what MkDocs gives it: the same ``Page``, the same
Markdown extensions (``Page.render``), the theme's Jinja environment
(``config.theme.get_env()``) and template context (``_build_page``), the
same hooks (``mkdocs_hooks``, ``site_hooks``, ``escape_hooks``) and plugins
(Material's search, offline), the same ``--dirty`` test (a page whose
Markdown is not newer than its HTML is neither read nor written), the same
strict count of warnings.  Pages are written in MkDocs' order, so Material's
search index lists them in the same order.  One event moves: MkDocs fires
``on_env`` after reading every page, this build after reading the nav's
pages; no hook of ours reads a page in ``on_env`` (``mkdocs_hooks``
memoises the nav, ``escape_hooks`` keeps the environment), nor does
Material.  ``tests/test_docpages.py`` builds the seed site and samples of
the corpora (a law with 编/章/节, notices with attachments) both ways and
compares every file byte for byte.

MkDocs' own warning that a dirty build is being performed is not emitted
(``mkdocs_run`` dropped it: under ``--strict`` it always aborted).

Measured (``mkdocs_run`` on the bench's docs/, Pagefind mode, peak RSS of
the MkDocs process): whole corpus (3,489 documents, 4,675 pages, 14,445
files) 370 MB with MkDocs' own build, 68 MB streamed; 5x (17,067
documents, 18,920 pages) 145 MB streamed (MkDocs' own: 2,826 MB in the
last 5x bench).  What still grows, ~2.7 KB a page, is MkDocs' file list
and each page's shell (URL, title, anchors), which the sitemap and the
anchor check read.  The same CPU time both ways (1x: 20 s).

Input forms: a loaded ``MkDocsConfig`` (``mkdocs_run.build``) over the
archive's docs/ (seed site: 122 Markdown pages, 12 in the nav; whole
corpus as above).
"""
from __future__ import annotations

import logging
import time

from mkdocs import utils
from mkdocs.commands import build as mk  # its page steps are internal to MkDocs 1.6.1, pinned in requirements.in
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.commands.build")  # MkDocs' own logger: the runner's filters apply


def release(page: Page) -> None:
    """Drop what a written page holds (Markdown, HTML, table of contents,
    front matter); its title is kept as a value (MkDocs computes it from the
    Markdown, ``Page.title``), its URL, anchors and anchor links stay."""
    page.title = page.title  # a weak property of the Markdown: kept before the Markdown goes
    page.markdown = None
    page.content = None
    page.toc = []  # what Page.__init__ sets
    page.meta = {}


def build(config: MkDocsConfig, *, dirty: bool = False) -> int:
    """``mkdocs.commands.build.build(config, dirty=dirty)`` with the pages
    outside the nav read, rendered, written and released one at a time
    (module docstring).  Raises ``Abort`` as MkDocs does (strict warnings, a
    BuildError).  Returns the number of pages streamed."""
    logger = logging.getLogger("mkdocs")
    warning_counter = utils.CountHandler()
    warning_counter.setLevel(logging.WARNING)
    if config.strict:
        logger.addHandler(warning_counter)
    inclusion = InclusionLevel.is_included
    streamed = 0
    try:
        start = time.monotonic()
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        if not dirty:
            log.info("Cleaning site directory")
            utils.clean_directory(config.site_dir)
        log.info(f"Building documentation to directory: {config.site_dir}")

        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)  # plugins may have added files without an inclusion level
        nav = get_navigation(files, config)  # gives every page its Page
        nav = config.plugins.on_nav(nav, config=config, files=files)

        in_nav = {id(p) for p in nav.pages}
        doc_files = files.documentation_pages(inclusion=inclusion)
        for file in doc_files:  # the nav's pages, read as MkDocs reads them
            assert file.page is not None
            if id(file.page) in in_nav:
                mk._populate_page(file.page, config, files, dirty)

        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files(dirty=dirty, inclusion=inclusion)
        for template in config.theme.static_templates:
            mk._build_theme_template(template, env, files, config, nav)
        for template in config.extra_templates:
            mk._build_extra_template(template, files, config, nav)

        for file in doc_files:  # MkDocs' page order
            page = file.page
            assert page is not None
            stream = id(page) not in in_nav
            if stream:
                mk._populate_page(page, config, files, dirty)
            mk._build_page(page, config, doc_files, nav, env, dirty, excluded=file.inclusion.is_excluded())
            if stream:
                release(page)
                streamed += 1

        log_level = config.validation.links.anchors
        for file in doc_files:
            assert file.page is not None
            file.page.validate_anchor_links(files=files, log_level=log_level)

        config.plugins.on_post_build(config=config)
        if counts := warning_counter.get_counts():
            msg = ", ".join(f"{v} {k.lower()}s" for k, v in counts)
            raise Abort(f"Aborted with {msg} in strict mode!")
        log.info(f"Documentation built in {time.monotonic() - start:.2f} seconds")
        return streamed
    except Exception as e:
        config.plugins.on_build_error(error=e)
        if isinstance(e, BuildError):
            log.error(str(e))
            raise Abort("Aborted with a BuildError!")
        raise
    finally:
        logger.removeHandler(warning_counter)
