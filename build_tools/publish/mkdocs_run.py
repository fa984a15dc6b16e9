"""Run ``mkdocs build`` for the archive, in its own process:
``python -m build_tools.publish.mkdocs_run -f mkdocs.yml -d SITE [--search pagefind] [--dirty]``
is ``mkdocs build --strict -q`` with these additions:

* ``--search pagefind`` (large archives, see ``render.site_mode``): the
  ``search`` and ``offline`` plugins are left out and
  ``extra.iparchive_search`` is set, so the theme loads our Pagefind search
  box (overrides/main.html).
* ``--dirty``: MkDocs 1.6.1 then renders only pages whose Markdown is newer
  than their HTML in SITE.  ``mkdocs build --dirty --strict`` always aborts
  (MkDocs warns that a dirty build is being performed), so this runner drops
  that one warning.  SITE is meant to be a hard-linked copy of the last good
  site (``publish.mkbuild.link_copy``): every file MkDocs writes is unlinked
  first, so the old site's files are never written through.
* The build is ``docpages.build``: MkDocs' own steps with the pages
  outside the nav (documents, tags, works: all but the dozen nav pages)
  read, rendered, written and released one at a time, so MkDocs' memory
  no longer grows with the pages (issue 29); ``--stock`` runs MkDocs' own
  ``build`` instead (the same bytes: tests/test_docpages.py).
* ``IPARCHIVE_JINJA_CACHE=<dir>``: the theme's compiled templates are kept
  there between runs (Jinja's bytecode cache: 0.3 s of every run).
* ``--written FILE``: after a good build, FILE lists every site file this
  run wrote, copied or linked (one site-relative path a line): the link
  check reads only those of a dirty build (issue 29; ``linkcheck``'s
  ``written``).  Removed first, so a failed run leaves none.
* ``--link DIR`` (repeatable): static files under these top-level docs
  folders are hard-linked into SITE instead of copied (the write stage's
  downloads and archive.json: 537 MB on the whole corpus, the 175 MB
  archive.json again in every rebuild).  Only for folders whose every
  writer makes a new file (``fsutil.replace_bytes``, renames), never writes
  into one: the published site's files are then never changed by a build.

This module imports only MkDocs and leaf modules (``publish/__init__`` imports
nothing): it once lived in ``build_tools.write``, whose package import (the whole
write stage, 0.7 s) every MkDocs run paid for; tests/test_imports.py holds it.

Output: nothing on success; warnings/errors on stderr and exit status 1.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Optional

import yaml

from ..fsutil import atomic_write_text
from ..settings import JINJA_CACHE_ENV, TIMING_ENV, env



ESCAPE_HOOKS = Path(__file__).parent / "escape_hooks.py"
DOCPAGES = Path(__file__).with_name("docpages.py")  # the streamed build (its code is in the dirty stamp)
WRITTEN: list[str] = []  # every file the run put in the site (``--written``)
SITE_DIR: list[str] = []  # the site folder as MkDocs resolved it (relative to the config file)


def _mkdocs_options(config: Path, search: str) -> dict:
    """load_config overrides: our escape hook always (page titles are text);
    for ``search`` 'pagefind' the plugins and extra below."""
    raw = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    base = config.parent
    hooks = [str(h if Path(h).is_absolute() else base / h) for h in raw.get("hooks", [])] + [str(ESCAPE_HOOKS)]
    if search != "pagefind":
        return {"hooks": hooks}
    plugins = [p for p in raw.get("plugins", [])
               if (p if isinstance(p, str) else next(iter(p))) not in ("search", "offline", "material/search",
                                                                       "material/offline")]
    extra = dict(raw.get("extra") or {})
    extra["iparchive_search"] = "pagefind"
    return {"plugins": plugins, "extra": extra, "hooks": hooks}


class _DropDirtyWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build is being performed" not in record.getMessage()


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _safe_writes(link_dirs: tuple[str, ...] = ()) -> None:
    """Make MkDocs replace files instead of writing into them (hard links);
    static files under ``link_dirs`` are hard-linked from docs (``--link``)."""
    from mkdocs import utils  # MkDocs loads only in the process that runs it
    from mkdocs.structure.files import File  # (ditto)

    write_file, copy_file, file_copy = utils.write_file, utils.copy_file, File.copy_file

    def safe_write(content: bytes, output_path: str) -> None:
        _unlink(output_path)
        write_file(content, output_path)
        WRITTEN.append(output_path)

    def safe_copy(source_path: str, output_path: str) -> None:
        if not os.path.isdir(output_path):
            _unlink(output_path)
        copy_file(source_path, output_path)
        WRITTEN.append(os.path.join(output_path, os.path.basename(source_path))
                       if os.path.isdir(output_path) else output_path)

    def safe_file_copy(self, dirty: bool = False) -> None:
        if dirty and not self.is_modified():  # asked once (MkDocs would ask again: 3 stats of 14,000 files)
            return
        _unlink(self.abs_dest_path)
        WRITTEN.append(self.abs_dest_path)
        if self.src_uri.split("/", 1)[0] in link_dirs:
            try:
                os.makedirs(os.path.dirname(self.abs_dest_path), exist_ok=True)
                os.link(self.abs_src_path, self.abs_dest_path)
                return
            except OSError:  # another filesystem: copied
                pass
        file_copy(self, False)

    utils.write_file, utils.copy_file, File.copy_file = safe_write, safe_copy, safe_file_copy


def build(config: Path, site_dir: Path, *, search: str = "material", dirty: bool = False,
          link_dirs: tuple[str, ...] = (), stock: bool = False) -> None:
    """In-process ``mkdocs build --strict`` (raises on failure): the
    streamed build (``docpages.build``), or MkDocs' own with ``stock``."""
    from mkdocs.commands import build as mk_build  # MkDocs loads only in the process that runs it
    from mkdocs.config import load_config  # (ditto)

    from . import docpages  # (ditto: it imports MkDocs)

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    logging.getLogger("mkdocs.commands.build").addFilter(_DropDirtyWarning())
    _safe_writes(tuple(link_dirs))
    _cached_templates()
    cfg = load_config(str(config), site_dir=str(site_dir), strict=True, **_mkdocs_options(config, search))
    SITE_DIR[:] = [cfg["site_dir"]]
    if stock:
        mk_build.build(cfg, dirty=dirty)
    else:
        docpages.build(cfg, dirty=dirty)


def _cached_templates() -> None:
    """With ``IPARCHIVE_JINJA_CACHE``: every Jinja environment MkDocs makes
    keeps compiled templates in that directory (Jinja checks each template's
    source before it trusts the cache)."""
    where = env(JINJA_CACHE_ENV)
    if not where:
        return
    import jinja2  # MkDocs' own dependency

    Path(where).mkdir(parents=True, exist_ok=True)
    cache = jinja2.FileSystemBytecodeCache(where)
    init = jinja2.Environment.__init__

    def with_cache(self, *a, **kw):
        kw.setdefault("bytecode_cache", cache)
        init(self, *a, **kw)

    jinja2.Environment.__init__ = with_cache


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-f", "--config-file", required=True, type=Path)
    ap.add_argument("-d", "--site-dir", required=True, type=Path)
    ap.add_argument("--search", choices=("material", "pagefind"), default="material")
    ap.add_argument("--dirty", action="store_true")
    ap.add_argument("--link", action="append", default=[], metavar="DIR",
                    help="hard-link static files under this top-level docs folder")
    ap.add_argument("--stock", action="store_true", help="MkDocs' own build (every page held to the end)")
    ap.add_argument("--written", type=Path, help="after a good build: the site files written, one a line")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.written:
        args.written.unlink(missing_ok=True)
    try:
        build(args.config_file, args.site_dir, search=args.search, dirty=args.dirty, link_dirs=tuple(args.link),
              stock=args.stock)
    except Exception as e:  # mkdocs' Abort too
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if args.written:
        site = os.path.abspath(SITE_DIR[0] if SITE_DIR else args.site_dir)
        rels = sorted({os.path.relpath(os.path.abspath(p), site).replace(os.sep, "/") for p in WRITTEN})
        atomic_write_text(args.written, "".join(f"{r}\n" for r in rels))
    if env(TIMING_ENV):
        print(f"mkdocs {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
