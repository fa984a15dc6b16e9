"""The site's build products besides MkDocs' run: stamps, dirty rebuilds, Pagefind.

MkDocs itself runs in its own process, ``build_tools.publish.mkdocs_run`` (which
this package's import would slow by 0.7 s).  Here:

* ``stamp_key`` / ``read_stamp`` / ``write_stamp``: what a dirty rebuild
  depends on, recorded in the built site.
* ``link_copy``: the hard-linked copy of the last good site a dirty build
  renders into; ``prune_stale``: built files whose source left docs/.
* Pagefind (large archives) in shards (``PagefindShards``: only the shards
  whose pages changed, one after another, cached in ``<cache>/pagefind/<k>/``,
  a few changed pages patched through the changes bundle) from
  ``search_pages.iter_shard_pages``, put in with ``pagefind_install_shards`` (made in the
  shards' thread as soon as they are done, moved in by ``PagefindShards.install``)
  (``pagefind_start`` / ``pagefind_install``: one unsharded bundle, for the
  benchmarks and test support).
"""
from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import yaml

from . import mkdocs_run
from ..build.schedule import start_thread
from ..build.tools import signal_group, start_tool
from ..fsutil import atomic_write_text, file_digest, pause_point, remove_tree, swap_dir
from .mkdocs_run import ESCAPE_HOOKS
from ..settings import CHANGES_ENV, PAGEFIND_CHANGES_PERCENT, env
from ..render import search_pages
from ..siteurl import site_url_setting

STAMP = ".iparchive-site.json"   # in the built site: what it was built with
PAGEFIND_DIR = "pagefind"


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
    extra_files = [base / h_ for h_ in raw.get("hooks", [])] + [Path(__file__), ESCAPE_HOOKS, Path(mkdocs_run.__file__),
                                                                   mkdocs_run.DOCPAGES]
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
    Returns the number of files; FileNotFoundError naming ``src`` when it is
    not a folder (os.walk alone made nothing and said 0 files, silently)."""
    n = 0
    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise FileNotFoundError(errno.ENOENT, "要复制的文件夹不存在", str(src))
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
    without its counterpart in ``docs`` (``os.walk`` on strings: 25,000
    files on the whole corpus)."""
    gone = []
    site_s, docs_s = str(site), str(docs)
    for d in generated:
        for base, _, names in os.walk(os.path.join(site_s, d)):
            rel_dir = os.path.relpath(base, site_s)
            src_dir = os.path.join(docs_s, rel_dir)
            for name in names:
                src = os.path.join(src_dir, name)
                if name.endswith(".html") and os.path.exists(src[:-5] + ".md"):
                    continue
                if not os.path.exists(src):
                    os.unlink(os.path.join(base, name))
                    gone.append(f"{rel_dir}/{name}".replace(os.sep, "/"))
    return gone


# The search pages are segmented already (one Han character a word,
# search_pages.spaced): indexed as "und", Pagefind splits on the spaces only
# and skips its Chinese segmenter, which found nothing left to split but took
# 55 % of its time (a shard of 1,160 documents: 16.7 -> 7.1 s).  The browser
# takes the only index there is (pagefind.js falls back to the largest).
PAGEFIND_LANGUAGE = "und"


def pagefind_command(source: Path, output: Path, language: str = PAGEFIND_LANGUAGE) -> list[str]:
    """Pagefind (``pagefind[extended]`` from PyPI) on the pages of
    ``search_pages.write_search_pages``, bundle into ``output``; ``language``
    "zh" runs its Chinese segmentation (``make bench-search`` measures it)."""
    return [sys.executable, "-m", "pagefind", "--site", str(source), "--output-path", str(output),
            "--glob", "notices/*.html", "--force-language", language, "--quiet"]


def pagefind_start(source: Path, output: Path, language: str = PAGEFIND_LANGUAGE) -> subprocess.Popen:
    """Start indexing (it runs beside MkDocs and the link check)."""
    shutil.rmtree(output, ignore_errors=True)
    return start_tool(pagefind_command(source, output, language), text=True, stderr=subprocess.STDOUT)


def pagefind_wait(proc: subprocess.Popen, output: Path) -> None:
    out, _ = proc.communicate()
    if proc.returncode != 0 or not (Path(output) / "pagefind.js").is_file():
        raise RuntimeError(f"Pagefind 索引失败（退出码 {proc.returncode}）：\n{out}")


def pagefind_install(output: Path, site: Path) -> None:
    """Move the finished bundle to ``site/pagefind/`` (replacing any)."""
    dest = Path(site) / PAGEFIND_DIR
    shutil.rmtree(dest, ignore_errors=True)
    shutil.move(str(output), str(dest))


# ------------------------------------------------------------ Pagefind shards
SHARD_MANIFEST = "iparchive-shards.json"  # in site/pagefind/: the other shards, for pagefind-search.js
SHARD_DIGEST = ".iparchive-digest"        # in each cached bundle, written last
SHARD_PAGES = "iparchive-pages.json"      # in each cached shard bundle: its pages as indexed
CHANGES = "changes"                       # <cache>/pagefind/changes/: pages changed since their shard was indexed
CHANGES_SRC = "changes-src"               # <cache>/pagefind/changes-src/: those pages, for Pagefind
PATCH = "patch.json"                      # <cache>/pagefind/patch.json: what the browser drops from the shards
STAGED = "-staged"                         # <cache>/pagefind-staged/pagefind/: the bundles as the site gets them
CHANGES_PERCENT = PAGEFIND_CHANGES_PERCENT  # pages per 100 of a shard patched before it is re-indexed
# what the browser reads from a merged (non-primary) shard: the runtime and
# its wasm come from the primary bundle
SHARD_INDEX_FILES = ("pagefind-entry.json", "index", "filter", "fragment")


def command_digest(command: Optional[Callable[[Path, Path], list[str]]] = None) -> str:
    """Pagefind's version and command line (without the paths): a bundle made
    with another one is never patched, only re-indexed."""
    cmd = (command or pagefind_command)(Path("SRC"), Path("OUT"))
    return hashlib.sha1(f"{version('pagefind')}|{json.dumps(cmd)}".encode()).hexdigest()


def page_digests(source: Path) -> dict[str, str]:
    """Content digest of every page under ``source`` (``notices/<id>.html``
    -> hex), each page read and hashed (``fsutil.content_digest``, 9 GB/s).
    Issue 28: the size and mtime once recorded in the bundle kept an old
    index after a same-length edit whose mtime was put back, or with pages
    dated ahead by a clock set back."""
    return {f"notices/{f.name}": file_digest(f).hex() for f in sorted(Path(source).glob("notices/*.html"))}


def combined_digest(config: str, pages: dict[str, str]) -> str:
    h = hashlib.sha1(config.encode())
    for rel, sha in sorted(pages.items()):
        h.update(f"{rel}\0{sha}\0".encode())
    return h.hexdigest()


def shard_digest(source: Path, command: Optional[Callable[[Path, Path], list[str]]] = None) -> str:
    """What a shard's bundle depends on: Pagefind's version, its command line
    (``command``, default ``pagefind_command``, without the paths) and every
    source page (name and bytes)."""
    return combined_digest(command_digest(command), page_digests(source))


def cached_digest(bundle: Path) -> Optional[str]:
    """The digest a cached bundle was built from; None when it has none (a
    bundle without its digest is never trusted)."""
    try:
        return (Path(bundle) / SHARD_DIGEST).read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def fragment_pages(bundle: Path, each: Optional[Callable[[str, dict], None]] = None) -> dict[str, dict]:
    """``/notices/<id>.html`` -> {"id": Pagefind's page id (its fragment's
    name), "filters": the page's filter values}, read from the fragments of
    a finished bundle (gzip, ``pagefind_dcd`` then JSON); ``each(page id,
    fragment)`` is called on every one (the clause-start files)."""
    out = {}
    for f in sorted((Path(bundle) / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(f.read_bytes())
        data = json.loads(raw[len(b"pagefind_dcd"):] if raw.startswith(b"pagefind_dcd") else raw)
        out[data["url"]] = {"id": f.name[:-len(".pf_fragment")], "filters": data.get("filters") or {}}
        if each is not None:
            each(out[data["url"]]["id"], data)
    return out


def clause_files(bundle: Path) -> Path:
    """``<bundle>/clauses/`` (each page's clause starts) and
    ``<bundle>/iparchive-spans.txt`` (``search_pages.ClauseFiles``), made from
    its fragments when missing (a bundle cached by an older build), via
    ``clauses.tmp/`` so a killed build leaves none half made."""
    folder, spans = Path(bundle) / search_pages.CLAUSES, Path(bundle) / search_pages.BUNDLE_SPANS
    if not (folder.is_dir() and spans.is_file()):
        tmp = folder.with_name(folder.name + ".tmp")
        remove_tree(tmp)
        files = search_pages.ClauseFiles(tmp)
        fragment_pages(bundle, files)
        remove_tree(folder)
        os.replace(tmp, folder)
        atomic_write_text(spans, files.spans_text())
    return folder


def shard_pages(bundle: Path, config: str) -> Optional[dict[str, dict]]:
    """The pages a trusted cached bundle was indexed from (rel -> {"sha",
    "id", "filters"}), or None when it has no record, no digest or another
    Pagefind command made it."""
    if cached_digest(bundle) is None or not (Path(bundle) / "pagefind-entry.json").is_file():
        return None
    try:
        data = json.loads((Path(bundle) / SHARD_PAGES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("pages") if data.get("config") == config else None


def changes_allowed(pages: int) -> int:
    """Changed pages of a shard the changes bundle may carry before the shard
    is indexed again (``CHANGES_PERCENT`` of it, at least 1;
    ``IPARCHIVE_PAGEFIND_CHANGES=0``: always re-index)."""
    raw = env(CHANGES_ENV)
    try:
        percent = float(raw) if raw else CHANGES_PERCENT
    except ValueError:
        raise ValueError(f"环境变量 {CHANGES_ENV} 须为数字（每 100 页允许补丁的页数），现为 {raw!r}") from None
    return 0 if percent <= 0 else max(1, int(pages * percent / 100))


class PagefindShards:
    """Index the shards ``<src>/<k>/`` into ``<cache>/<k>/`` beside the
    write stage and MkDocs, from one background thread, ONE PAGEFIND AFTER
    ANOTHER while the build's other work runs, two at once after ``widen``
    (the link check done: the other core is free; each process peaks at
    ~1.3 GB, and the limit is per process).

    A shard whose pages all equal those it was indexed from is kept.  A
    shard with a few changed, new or removed pages (``changes_allowed``: 5 %)
    is kept too and *patched*: the changed pages of every patched shard are
    indexed together into ``<cache>/changes/`` (seconds, not a shard's
    minute), and ``<cache>/patch.json`` lists the Pagefind page ids of their
    old versions, with their filter values, for the browser to drop
    (pagefind-search.js).  Any other shard is indexed again (its record
    ``iparchive-pages.json``: page -> sha1, Pagefind id, filters).

    Each bundle is built in ``<k>.tmp/``, its digest written last, then
    swapped in (``fsutil.swap_dir``), so a killed build never leaves a bundle
    a later build would trust.  Cache entries no longer needed are removed.

    ``pages``: when given, called first in the thread; it yields (k, shard
    k's pages with their digests, ``page_digests``' form) for every shard in
    order, as the writer makes them (``SiteBuild``: the search pages'
    forked writer, ``search_pages.iter_shard_pages``): shard k is indexed
    while the next ones are written, and no page is read back to be
    digested (issue 29: at 5x the writer took 167 s before the first shard
    started, and reading the pages back 4.6-5.8 s of a rebuild).  Without
    it the pages already in ``src`` are read.  Each child is started by
    ``build.tools.start_tool`` (its own process group, dying with the
    build).  ``cancel`` kills the running children and stops; ``wait``
    raises RuntimeError with Pagefind's output if a shard failed.  Test
    hook: ``IPARCHIVE_PAUSE_AT=pagefind:<k>`` (or ``pagefind:changes``)
    pauses while that bundle's Pagefind runs."""

    def __init__(self, src: Path, cache: Path, shards: int, *,
                 command: Optional[Callable[[Path, Path], list[str]]] = None,
                 pages: Optional[Callable[[], Iterable[tuple[int, dict[str, str]]]]] = None):
        self.src, self.cache, self.shards = Path(src), Path(cache), shards
        self.pages = pages
        self.command = command or pagefind_command  # looked up now: tests replace the module's
        self.reindexed: list[int] = []
        self.patched: dict[int, int] = {}  # shard -> its pages in the changes bundle or dropped
        self.changes = 0                   # pages in the changes bundle
        self.error: Optional[str] = None
        self.stage = self.cache.with_name(self.cache.name + STAGED)  # the site's pagefind/ made there (``install``)
        self.staged = False
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen] = set()  # the Pagefind processes running
        self._lanes = threading.Semaphore(1)  # Pagefind processes at once: 1, 2 after widen()
        self._wide = False
        self._cancelled = False
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "PagefindShards":
        self._thread = start_thread(self._run, name="pagefind-shards")
        return self

    def _run(self) -> None:
        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            remove_tree(self.stage)  # a killed build's; made again once the bundles are done
            keep = {str(k) for k in range(self.shards)} | {CHANGES, PATCH}
            for old in self.cache.iterdir():  # shards beyond N, half-built <k>.tmp/, changes-src/
                if old.name not in keep:
                    remove_tree(old)
            config = command_digest(self.command)
            patches: dict[int, tuple[dict[str, str], dict[str, dict], list[str]]] = {}
            lanes: list[threading.Thread] = []
            for k, pages in self._shard_pages():
                src, bundle = self.src / str(k), self.cache / str(k)
                if not pages:  # Pagefind refuses an empty site: no bundle
                    remove_tree(bundle)
                    continue
                base = shard_pages(bundle, config) if (bundle / "pagefind.js").is_file() else None
                digest = combined_digest(config, pages)
                if cached_digest(bundle) == digest and (bundle / "pagefind.js").is_file():
                    continue
                if base is not None:
                    moved = [r for r in sorted(set(pages) | set(base)) if base.get(r, {}).get("sha") != pages.get(r)]
                    if len(moved) <= changes_allowed(len(base)):
                        patches[k] = (pages, base, moved)
                        continue
                self._lanes.acquire()  # a free lane: the shard before it is done, or widen() opened one
                if self.error or self._cancelled:
                    self._lanes.release()
                    break
                lanes.append(start_thread(self._lane, k, src, bundle, config, digest, pages, name=f"pagefind-{k}"))
            for lane in lanes:
                lane.join()
            self.reindexed.sort()
            if not (self.error or self._cancelled):
                self._patch(config, patches)
            if not (self.error or self._cancelled):
                t0 = time.perf_counter()
                pagefind_install_shards(self.cache, self.shards, self.stage)
                self.seconds["stage"] = time.perf_counter() - t0
                self.staged = True
        except Exception as e:  # reported by wait(), like a failed Pagefind
            self.error = f"Pagefind 分片索引失败：{type(e).__name__}: {e}"

    def _lane(self, k: int, src: Path, bundle: Path, config: str, digest: str, pages: dict[str, str]) -> None:
        """One shard indexed, in a thread of its own; its lane freed after."""
        try:
            if self._index(str(k), src, bundle, config, digest, pages):
                with self._lock:
                    self.reindexed.append(k)
        except Exception as e:  # reported by wait(), like a failed Pagefind
            self.error = self.error or f"Pagefind 分片索引失败：{type(e).__name__}: {e}"
        finally:
            self._lanes.release()

    def widen(self) -> None:
        """The build's other work is done (MkDocs, the link check): a second
        Pagefind may run beside the first, on the other core (issue 29: 25
        shards one after another were the 5x build's critical path).  Each
        peaks at ~1.3 GB; the limit is per process."""
        with self._lock:
            if not self._wide:
                self._wide = True
                self._lanes.release()

    def _shard_pages(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(k, shard k's pages -> digest) for every shard in order: from
        ``pages`` as its writer makes them (``seconds["prepare"]``: the time
        waited for them), else read from ``src`` (``seconds["digests"]``)."""
        t0 = time.perf_counter()
        if self.pages is not None:
            for k, pages in self.pages():
                self.seconds["prepare"] = self.seconds.get("prepare", 0.0) + time.perf_counter() - t0
                yield k, pages
                t0 = time.perf_counter()
            self.seconds["prepare"] = self.seconds.get("prepare", 0.0) + time.perf_counter() - t0
            return
        for k in range(self.shards):
            pages = page_digests(self.src / str(k))
            self.seconds["digests"] = self.seconds.get("digests", 0.0) + time.perf_counter() - t0
            yield k, pages
            t0 = time.perf_counter()

    def _patch(self, config: str, patches: dict) -> None:
        """The changes bundle and ``patch.json`` for the patched shards."""
        drop: list[str] = []
        discount: dict[str, dict[str, int]] = {}
        changed: dict[str, str] = {}
        tmp_src = self.cache / CHANGES_SRC
        remove_tree(tmp_src)
        for k, (pages, base, moved) in sorted(patches.items()):
            self.patched[k] = len(moved)
            for rel in moved:
                old = base.get(rel)
                if old and old.get("id"):
                    drop.append(old["id"])
                    for name, values in (old.get("filters") or {}).items():
                        counts = discount.setdefault(name, {})
                        for v in values:
                            counts[v] = counts.get(v, 0) + 1
                if rel in pages:
                    changed[rel] = pages[rel]
                    out = tmp_src / rel
                    out.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.link(self.src / str(k) / rel, out)
                    except OSError:
                        shutil.copy2(self.src / str(k) / rel, out)
        bundle = self.cache / CHANGES
        if changed:
            digest = combined_digest(config, changed)
            if not (cached_digest(bundle) == digest and (bundle / "pagefind-entry.json").is_file()):
                if not self._index(CHANGES, tmp_src, bundle, config, digest, changed):
                    return
        else:
            remove_tree(bundle)
        remove_tree(tmp_src)
        self.changes = len(changed)
        atomic_write_text(self.cache / PATCH, json.dumps(
            {"changes": bool(changed), "drop": sorted(drop), "discount": discount}, ensure_ascii=False, sort_keys=True))

    def _index(self, name: str, src: Path, bundle: Path, config: str, digest: str, pages: dict[str, str]) -> bool:
        """Pagefind on ``src`` into ``bundle`` (via ``<bundle>.tmp``), with
        its record (``config``: ``command_digest``; ``pages``: their sha1)
        and ``digest`` written last."""
        tmp = bundle.with_name(bundle.name + ".tmp")
        remove_tree(tmp)
        t0 = time.perf_counter()
        with self._lock:
            if self._cancelled:
                return False
            proc = start_tool(self.command(src, tmp), text=True, stderr=subprocess.STDOUT)
            self._procs.add(proc)
        pause_point(f"pagefind:{name}")
        out, _ = proc.communicate()
        code = proc.returncode
        with self._lock:
            self._procs.discard(proc)
        if code != 0 or not (tmp / "pagefind.js").is_file():
            remove_tree(tmp)
            if not self._cancelled:
                which = "改动页" if name == CHANGES else f"分片 {name}/{self.shards}"
                self.error = self.error or f"Pagefind 索引失败（{which}，退出码 {code}）：\n{out[-20000:]}"
            return False
        files = search_pages.ClauseFiles(tmp / search_pages.CLAUSES)
        found = fragment_pages(tmp, files)
        atomic_write_text(tmp / search_pages.BUNDLE_SPANS, files.spans_text())
        record = {}
        for rel, sha in pages.items():
            record[rel] = {"sha": sha, **found.get("/" + rel, {})}
        atomic_write_text(tmp / SHARD_PAGES, json.dumps({"config": config, "pages": record},
                                                        ensure_ascii=False, sort_keys=True))
        atomic_write_text(tmp / SHARD_DIGEST, digest + "\n")
        swap_dir(tmp, bundle)
        self.seconds[name] = time.perf_counter() - t0
        return True

    def cancel(self) -> None:
        """Kill the running Pagefind (if any), stop, drop the half-built bundle."""
        with self._lock:
            self._cancelled = True
            for proc in self._procs:
                if proc.poll() is None:
                    signal_group(proc)
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()
        for tmp in self.cache.glob("*.tmp"):
            remove_tree(tmp)

    def wait(self) -> None:
        """Until every shard is indexed; RuntimeError if one failed."""
        self._thread.join()
        if self.error or self._cancelled:
            raise RuntimeError(self.error or "Pagefind 分片索引已取消")

    def install(self, site: Path) -> None:
        """Put the bundles in the new site (after ``wait``): the ``pagefind/``
        tree the thread made with ``pagefind_install_shards`` in
        ``<cache>/pagefind-staged/`` as soon as the last bundle was done,
        beside the write stage and MkDocs, is moved in with one rename
        (issue 29: its hard links, 8,530 files at 1x and about five times as
        many at 5x, were made after the link check, on the rebuild's critical
        path); across filesystems, or when nothing was staged, it is made
        there as before."""
        dest = Path(site) / PAGEFIND_DIR
        staged = self.stage / PAGEFIND_DIR
        if self.staged and staged.is_dir():
            remove_tree(dest)
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, dest)
                return
            except OSError:  # another filesystem: linked there instead
                pass
        pagefind_install_shards(self.cache, self.shards, site)


def pagefind_install_shards(cache: Path, shards: int, site: Path) -> int:
    """Put the cached bundles in the new site, hard-linked (copied across
    filesystems): the first shard whole at ``site/pagefind/`` (pagefind.js,
    the wasm, the worker), each other shard k's index files at
    ``site/pagefind/s<k>/``, the changes bundle's at ``site/pagefind/changes/``,
    every bundle's clause-start files together at ``site/pagefind/clauses/``
    (``clause_files``; page ids are unique across bundles) with all their
    pages' longest clauses in ``clauses/spans.txt``,
    and ``site/pagefind/iparchive-shards.json`` for the browser:
    ``{"shards": ["s1/", …, "changes/"], "pages": N, "drop": [page ids], "discount":
    {filter: {value: pages}}}`` (``PagefindShards._patch``).  A shard without pages has no
    bundle and is left out.  Returns the number of files."""
    cache, dest = Path(cache), Path(site) / PAGEFIND_DIR
    shutil.rmtree(dest, ignore_errors=True)
    ks = [k for k in range(shards) if (cache / str(k) / "pagefind.js").is_file()]
    if not ks:
        return 0
    spans = search_pages.read_spans((clause_files(cache / str(ks[0])).parent / search_pages.BUNDLE_SPANS).read_text())
    n = link_copy(cache / str(ks[0]), dest, skip=(SHARD_DIGEST, SHARD_PAGES, search_pages.BUNDLE_SPANS))
    try:
        patch = json.loads((cache / PATCH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        patch = {}
    others = []
    bundles = [(cache / str(k), f"s{k}") for k in ks[1:]]
    if patch.get("changes") and (cache / CHANGES / "pagefind-entry.json").is_file():
        bundles.append((cache / CHANGES, CHANGES))
    for bundle, name in bundles:
        skip = tuple(x.name for x in bundle.iterdir()
                     if x.name not in SHARD_INDEX_FILES and not x.name.endswith(".pf_meta"))
        n += link_copy(bundle, dest / name, skip=skip)
        n += link_copy(clause_files(bundle), dest / search_pages.CLAUSES)  # one folder: the box knows no shard of a page
        spans.update(search_pages.read_spans((bundle / search_pages.BUNDLE_SPANS).read_text()))
        others.append(f"{name}/")
    atomic_write_text(dest / search_pages.CLAUSES / search_pages.SPANS, search_pages.spans_text(spans))
    manifest: dict = {"shards": others, "pages": len(spans)}  # pages: how common a word is (pagefind-search.js)
    if patch.get("drop"):
        manifest.update(drop=patch["drop"], discount=patch.get("discount") or {})
    atomic_write_text(dest / SHARD_MANIFEST, json.dumps(manifest, ensure_ascii=False))
    return n + 1
