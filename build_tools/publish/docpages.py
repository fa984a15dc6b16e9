"""MkDocs' build with the pages outside the nav streamed: its memory no
longer grows with the archive's pages (issue 29).

MkDocs 1.6.1's ``mkdocs.commands.build.build`` reads and renders the
Markdown of every page before it writes any, so every page's Markdown, HTML and table of contents stay
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
(``config.theme.get_env()``) and template context (``get_context``), the
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

Public MkDocs API only (issue 24): a page is read with ``Page.read_source``
and ``Page.render`` between the ``pre_page`` / ``page_markdown`` /
``page_content`` events (``read_page``), written with
``mkdocs.commands.build.get_context``, the theme's environment and template and
the ``page_context`` / ``post_page`` events (``write_page``); the theme's static
templates and the extra templates go through ``pre_template`` /
``template_context`` / ``post_template`` (``write_template``).  MkDocs' private
``_populate_page`` / ``_build_page`` / ``_build_theme_template`` are no longer
called: they are the same steps, plus setting ``config._current_page``, which
only MkDocs' ``!relative`` YAML tag reads (mkdocs.yml uses none);
``tests/test_docpages.py`` holds this build to MkDocs' own, byte for byte.

Input forms: a loaded ``MkDocsConfig`` (``mkdocs_run.build``) over the
archive's docs/ (seed site: 122 Markdown pages, 12 in the nav; whole
corpus as above).
"""
from __future__ import annotations

import gzip
import logging
import os
import time
from typing import Optional, Sequence
from urllib.parse import urlsplit

import jinja2
from mkdocs import utils
from mkdocs.commands.build import get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, get_navigation
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


def failed(what: str, page: Page, e: Exception) -> None:
    """MkDocs' message for a page that raised (a BuildError has logged its own)."""
    message = f"Error {what} page '{page.file.src_uri}':"
    if not isinstance(e, BuildError):
        message += f" {e}"
    log.error(message)


def read_page(page: Page, config: MkDocsConfig, files: Files, dirty: bool = False,
              modified: Optional[bool] = None) -> None:
    """Read a page's Markdown and render its HTML, with the plugins' page
    events (what MkDocs 1.6.1 does for each page before writing any); with
    ``dirty``, a page whose HTML is newer than its Markdown is not read
    (``modified``: MkDocs' test, ``File.is_modified``, when already asked)."""
    if dirty and not (page.file.is_modified() if modified is None else modified):
        return
    try:
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        assert page.markdown is not None
        page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
        page.render(config, files)
        assert page.content is not None
        page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
    except Exception as e:
        failed("reading", page, e)
        raise


def write_page(page: Page, config: MkDocsConfig, doc_files: Sequence[File], nav: Navigation,
               env: jinja2.Environment, dirty: bool = False, excluded: bool = False,
               modified: Optional[bool] = None) -> None:
    """The page through the theme's template (``template:`` in its front
    matter, else main.html) with MkDocs' context and the plugins' events,
    written to its place in the site (not with ``dirty`` and an up-to-date
    HTML; ``modified`` as for ``read_page``)."""
    if dirty and not (page.file.is_modified() if modified is None else modified):
        return
    log.debug(f"Building page {page.file.src_uri}")
    page.active = True  # the theme marks the current page in the nav
    try:
        context = get_context(nav, doc_files, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
        if excluded:
            page.content = ('<div class="mkdocs-draft-marker" title="This page will not be included into the built '
                            'site.">DRAFT</div>' + (page.content or ""))
        output = config.plugins.on_post_page(template.render(context), page=page, config=config)
        if output.strip():
            utils.write_file(output.encode("utf-8", errors="xmlcharrefreplace"), page.file.abs_dest_path)
        else:
            log.info(f"Page skipped: '{page.file.src_uri}'. Generated empty output.")
    except Exception as e:
        failed("building", page, e)
        raise
    finally:
        page.active = False


def render_template(name: str, template: jinja2.Template, files: Files, config: MkDocsConfig,
                    nav: Navigation) -> str:
    """A template that is not a page (404.html, sitemap.xml, an extra
    template) with MkDocs' context and the plugins' template events."""
    template = config.plugins.on_pre_template(template, template_name=name, config=config)
    if utils.is_error_template(name):  # absolute URLs: the error page is served from any path
        base_url = urlsplit(config.site_url or "/").path
    else:
        base_url = utils.get_relative_url(".", name)
    context = get_context(nav, files, config, base_url=base_url)
    context = config.plugins.on_template_context(context, template_name=name, config=config)
    return config.plugins.on_post_template(template.render(context), template_name=name, config=config)


def theme_template(name: str, env: jinja2.Environment, files: Files, config: MkDocsConfig,
                   nav: Navigation) -> None:
    """One of the theme's static templates into the site (sitemap.xml also gzipped, dated as MkDocs dates it)."""
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        log.warning(f"Template skipped: '{name}' not found in theme directories.")
        return
    output = render_template(name, template, files, config, nav)
    if not output.strip():
        log.info(f"Template skipped: '{name}' generated empty output.")
        return
    path = os.path.join(config.site_dir, name)
    utils.write_file(output.encode("utf-8"), path)
    if name == "sitemap.xml":
        stamp = utils.get_build_timestamp(pages=[f.page for f in files.documentation_pages() if f.page is not None])
        with open(f"{path}.gz", "wb") as f, gzip.GzipFile(fileobj=f, filename=f"{path}.gz", mode="wb",
                                                          mtime=stamp) as gz:
            gz.write(output.encode("utf-8"))


def extra_template(name: str, files: Files, config: MkDocsConfig, nav: Navigation) -> None:
    """An ``extra_templates`` entry of mkdocs.yml (a Jinja file of docs/) into the site."""
    file: Optional[File] = files.get_file_from_path(name)
    if file is None:
        log.warning(f"Template skipped: '{name}' not found in docs_dir.")
        return
    try:
        template = jinja2.Template(file.content_string)
    except Exception as e:
        log.warning(f"Error reading template '{name}': {e}")
        return
    output = render_template(name, template, files, config, nav)
    if output.strip():
        utils.write_file(output.encode("utf-8"), file.abs_dest_path)
    else:
        log.info(f"Template skipped: '{name}' generated empty output.")


def theme_files(files: Files, env: jinja2.Environment, config: MkDocsConfig) -> None:
    """``files.add_files_from_theme(env, config)`` without walking the theme's
    hidden folders: MkDocs lists every file of the theme and drops those
    under a folder whose name starts with a dot ('.*', '*/.*'), which is
    14,348 of Material 9's 14,509 (its ``.icons/``; 0.3-0.4 s of every
    run).  The same names in the same order are listed, the same filter
    applied to them; a loader other than Jinja's ``FileSystemLoader`` (the
    one ``Theme.get_env`` makes) is listed by MkDocs itself."""
    loader = env.loader
    if not isinstance(loader, jinja2.FileSystemLoader):
        files.add_files_from_theme(env, config)
        return

    def listed() -> list[str]:  # jinja2's FileSystemLoader.list_templates, hidden folders not entered
        found = set()
        for searchpath in loader.searchpath:
            for dirpath, dirnames, filenames in os.walk(searchpath, followlinks=loader.followlinks):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]  # all it holds is filtered out
                for filename in filenames:
                    name = os.path.join(dirpath, filename)[len(searchpath):].strip(os.path.sep).replace(os.path.sep, "/")
                    found.add(name[2:] if name[:2] == "./" else name)
        return sorted(found)

    loader.list_templates = listed  # this environment only, for this one call
    try:
        files.add_files_from_theme(env, config)
    finally:
        del loader.list_templates


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
        theme_files(files, env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)  # plugins may have added files without an inclusion level
        nav = get_navigation(files, config)  # gives every page its Page
        nav = config.plugins.on_nav(nav, config=config, files=files)

        in_nav = {id(p) for p in nav.pages}
        doc_files = files.documentation_pages(inclusion=inclusion)
        # MkDocs' dirty test, asked once a page (MkDocs asks it when reading and again when writing)
        modified = {id(f): f.is_modified() for f in doc_files} if dirty else {}
        for file in doc_files:  # the nav's pages, read as MkDocs reads them
            assert file.page is not None
            if id(file.page) in in_nav:
                read_page(file.page, config, files, dirty, modified.get(id(file)))

        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files(dirty=dirty, inclusion=inclusion)
        for template in config.theme.static_templates:
            theme_template(template, env, files, config, nav)
        for template in config.extra_templates:
            extra_template(template, files, config, nav)

        for file in doc_files:  # MkDocs' page order
            page = file.page
            assert page is not None
            stream = id(page) not in in_nav
            if stream:
                read_page(page, config, files, dirty, modified.get(id(file)))
            write_page(page, config, doc_files, nav, env, dirty, excluded=file.inclusion.is_excluded(),
                       modified=modified.get(id(file)))
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
