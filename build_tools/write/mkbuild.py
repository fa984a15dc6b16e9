"""Run ``mkdocs build`` for the archive: search mode, dirty rebuilds, Pagefind.

``python -m build_tools.write.mkbuild -f mkdocs.yml -d SITE [--search pagefind] [--dirty]``
is ``mkdocs build --strict -q`` with two additions:

* ``--search pagefind`` (large archives, see ``site_mode``): the ``search``
  and ``offline`` plugins are left out and ``extra.iparchive_search`` is set,
  so the theme loads our Pagefind search box (overrides/main.html); the
  Pagefind index is built beside it (``pagefind_start``) from
  ``search_pages.write_search_pages`` and put in with ``pagefind_install``.
* ``--dirty``: MkDocs 1.6.1 then renders only pages whose Markdown is newer
  than their HTML in SITE.  ``mkdocs build --dirty --strict`` always aborts
  (MkDocs warns that a dirty build is being performed), so this runner drops
  that one warning.  SITE is meant to be a hard-linked copy of the last good
  site (``link_copy``): every file MkDocs writes is unlinked first, so the
  old site's files are never written through.  The search plugin would
  index only the rebuilt pages, so dirty builds are for Pagefind mode only.

Output: nothing on success; warnings/errors on stderr and exit status 1.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Optional

import yaml

from ..fsutil import atomic_write_text
from ..siteurl import site_url_setting

STAMP = ".iparchive-site.json"   # in the built site: what it was built with
PAGEFIND_DIR = "pagefind"


ESCAPE_HOOKS = Path(__file__).with_name("escape_hooks.py")


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


def _safe_writes() -> None:
    """Make MkDocs replace files instead of writing into them (hard links)."""
    from mkdocs import utils  # MkDocs loads only in the process that runs it
    from mkdocs.structure.files import File  # (ditto)

    write_file, copy_file, file_copy = utils.write_file, utils.copy_file, File.copy_file

    def safe_write(content: bytes, output_path: str) -> None:
        _unlink(output_path)
        write_file(content, output_path)

    def safe_copy(source_path: str, output_path: str) -> None:
        if not os.path.isdir(output_path):
            _unlink(output_path)
        copy_file(source_path, output_path)

    def safe_file_copy(self, dirty: bool = False) -> None:
        if not (dirty and not self.is_modified()):
            _unlink(self.abs_dest_path)
        file_copy(self, dirty)

    utils.write_file, utils.copy_file, File.copy_file = safe_write, safe_copy, safe_file_copy


def build(config: Path, site_dir: Path, *, search: str = "material", dirty: bool = False) -> None:
    """In-process ``mkdocs build --strict`` (raises on failure)."""
    from mkdocs.commands import build as mk_build  # MkDocs loads only in the process that runs it
    from mkdocs.config import load_config  # (ditto)

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    logging.getLogger("mkdocs.commands.build").addFilter(_DropDirtyWarning())
    _safe_writes()
    cfg = load_config(str(config), site_dir=str(site_dir), strict=True, **_mkdocs_options(config, search))
    mk_build.build(cfg, dirty=dirty)


def stamp_key(config: Path, search: str) -> str:
    """What a dirty rebuild depends on besides the docs: config, public
    address, theme overrides, hooks, MkDocs/Material versions, search mode."""
    # the public address (environment or --site-url) is in every page's canonical link
    h = hashlib.sha1(f"{search}|{version('mkdocs')}|{version('mkdocs-material')}|{site_url_setting(config)}".encode())
    h.update(config.read_bytes())
    try:
        raw = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:  # mkdocs reports it
        raw = {}
    base = config.parent
    custom = (raw.get("theme") or {}).get("custom_dir")
    extra_files = [base / h_ for h_ in raw.get("hooks", [])] + [Path(__file__), ESCAPE_HOOKS]
    if custom:
        extra_files += sorted(p for p in (base / custom).rglob("*") if p.is_file())
    for f in extra_files:
        if f.is_file():
            h.update(str(f).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def read_stamp(site: Path) -> dict:
    try:
        return json.loads((site / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_stamp(site: Path, **data) -> None:
    atomic_write_text(site / STAMP, json.dumps(data, ensure_ascii=False))


def link_copy(src: Path, dst: Path, *, skip: tuple[str, ...] = (PAGEFIND_DIR,)) -> int:
    """Hard-link every file of ``src`` into a new tree ``dst`` (top-level
    names in ``skip`` left out); falls back to copying across filesystems.
    Returns the number of files."""
    n = 0
    src, dst = Path(src), Path(dst)
    for d, dnames, fnames in os.walk(src):
        rel = os.path.relpath(d, src)
        if rel == ".":
            dnames[:] = [x for x in dnames if x not in skip]
            fnames = [x for x in fnames if x not in skip]
        out = dst / rel
        out.mkdir(parents=True, exist_ok=True)
        for name in fnames:
            try:
                os.link(os.path.join(d, name), out / name)
            except OSError:
                shutil.copy2(os.path.join(d, name), out / name)
            n += 1
    return n


def prune_stale(site: Path, docs: Path, generated: tuple[str, ...]) -> list[str]:
    """Delete built files whose source left ``docs`` (dirty builds keep them):
    ``x.html`` without ``x.md``, and any file under a generated directory
    without its counterpart in ``docs``."""
    gone = []
    for d in generated:
        root = site / d
        if not root.is_dir():
            continue
        for f in root.rglob("*"):
            if not f.is_file():
                continue
            rel = f.relative_to(site)
            src = docs / (rel.with_suffix(".md") if f.suffix == ".html" else rel)
            if not src.exists() and not (docs / rel).exists():
                f.unlink()
                gone.append(rel.as_posix())
    return gone


def pagefind_command(source: Path, output: Path) -> list[str]:
    """Pagefind (``pagefind[extended]`` from PyPI: Chinese segmentation) on
    the pages of ``search_pages.write_search_pages``, bundle into ``output``."""
    return [sys.executable, "-m", "pagefind", "--site", str(source), "--output-path", str(output),
            "--glob", "notices/*.html", "--force-language", "zh", "--quiet"]


def pagefind_start(source: Path, output: Path) -> subprocess.Popen:
    """Start indexing (it runs beside MkDocs and the link check)."""
    shutil.rmtree(output, ignore_errors=True)
    return subprocess.Popen(pagefind_command(source, output), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def pagefind_wait(proc: subprocess.Popen, output: Path) -> None:
    out, _ = proc.communicate()
    if proc.returncode != 0 or not (Path(output) / "pagefind.js").is_file():
        raise RuntimeError(f"Pagefind 索引失败（退出码 {proc.returncode}）：\n{out}")


def pagefind_install(output: Path, site: Path) -> None:
    """Move the finished bundle to ``site/pagefind/`` (replacing any)."""
    dest = Path(site) / PAGEFIND_DIR
    shutil.rmtree(dest, ignore_errors=True)
    shutil.move(str(output), str(dest))


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-f", "--config-file", required=True, type=Path)
    ap.add_argument("-d", "--site-dir", required=True, type=Path)
    ap.add_argument("--search", choices=("material", "pagefind"), default="material")
    ap.add_argument("--dirty", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        build(args.config_file, args.site_dir, search=args.search, dirty=args.dirty)
    except Exception as e:  # mkdocs' Abort too
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if os.environ.get("IPARCHIVE_MKBUILD_TIMING"):
        print(f"mkdocs {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
