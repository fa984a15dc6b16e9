"""The publish protocol: how a built site and index replace the last good ones.

``pipeline.build_site`` reads as its phases; this module owns everything
between "the Markdown is written" and "the new site is live"::

    with BuildLock(paths, say):                      # one build at a time
        ...load, check anchors, enrich...
        with SiteBuild(paths, mode, say=say) as sb:  # prepare: stale dirs gone
            sb.start_browser_index(notices)          # Pagefind beside the write (large archives)
            ...write the Markdown...
            sb.start_cli_index(notices)              # forked beside MkDocs (large archives)
            sb.render()                              # mkdocs build into site.tmp/
            broken = sb.check_links()
            sb.finish_browser_index()
            sb.commit(notices, before_swap=...)      # stamp, locks (durable), swap site, index swap
        # any exception (or no commit) inside the block: abandon()

Guarantees (tests/test_pipeline.py, tests/test_faults.py):

* ``site/`` always exists once built: the new tree is built in
  ``site.tmp/`` and traded with ``site/`` in one ``renameat2(RENAME_EXCHANGE)``
  (``fsutil.swap_dir``); a failed, killed or abandoned build leaves the last
  good site as it was.  ``site/`` stays a real directory (``file://`` users
  open ``site/index.html``; ``iparchive serve`` serves it).
* the command-line index is updated in a copy (``index.tmp/``: a
  from-scratch rebuild starts there from empty) and swapped the same way, so
  ``iparchive search`` answers at every instant.
* ``anchors.lock``, ``works.lock`` and ``ids.lock`` are written atomically
  and fsynced *before* the swap (issue 28: written after it, a kill right
  after the swap left a live document with no lock rows, and a full disk
  while writing anchors.lock reported 「未发布任何内容」 with the new site
  live).  A kill or a full disk before the swap leaves the last good site
  and locks that may already record the new build: the next build finds
  nothing to change in them.
* children (MkDocs, Pagefind, the forked indexer) die with the build
  (``PR_SET_PDEATHSIG``) and are killed on abandon.
* Pagefind runs in shards (``mkbuild.PagefindShards``), each bundle cached in
  ``<cache>/pagefind/<k>/`` with the digest of its pages, written last and
  swapped in whole: a killed or failed shard leaves no bundle a later build
  trusts, and the live site keeps its own (hard-linked) copy.  A shard with
  a few changed pages is patched (its changed pages indexed into
  ``<cache>/pagefind/changes/``, the old versions dropped in the browser)
  instead of indexed again.
* ``BuildLock``: a second build on the same archive waits for the first
  (it says so) instead of racing it; the lock is an ``flock`` on
  ``<cache>/build.lock``, released by the kernel if the build is killed.
* ``IPARCHIVE_PAUSE_AT=<step>`` (test hook, ``fsutil.pause_point``) stops
  the build at a named step: ``locked``, ``loaded``, ``enriched``,
  ``written``, ``mkdocs`` (MkDocs child running), ``linkchecked``,
  ``commit`` (stamped), ``write:anchors.lock``, ``write:ids.lock``,
  ``locks-written`` (locks durable, site not swapped), ``swapped:site``,
  ``site-live`` (swapped and synced), ``index`` (index built, not swapped),
  ``swapped:index``;
  ``pagefind:<k>`` (shard k's Pagefind running, in its thread).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from search.index import WRITE_FLAG, build_index, send_records
from search.schema import read_meta

from ..build.schedule import Forked, ForkedStream, start_thread, tool_peak
from ..build.tools import run_tool, signal_group, start_tool
from ..fsutil import pause_point, remove_tree, stale_temp_files, swap_dir
from ..models import Notice, Problem
from ..settings import FORK_INDEX_MIN, JINJA_CACHE_ENV, child_environment
from ..render.common import GENERATED_DIRS
from . import mkbuild
from .linkcheck import isolate, linkcheck
from ..render.search_pages import iter_shard_pages, search_chars, shard_count

LOCK_NAME = "build.lock"


def run_mkdocs(root: Path, site_dir: Path, *, config: Optional[Path] = None, search: str = "material",
               dirty: bool = False, jinja_cache: Optional[Path] = None, written: Optional[Path] = None) -> None:
    """``mkdocs build --strict`` into ``site_dir`` (raises RuntimeError with
    mkdocs' output), through ``build_tools.publish.mkdocs_run``: ``search`` is
    'material' (Material's search + offline plugins, works from file://) or
    'pagefind' (large archives); ``dirty`` renders only pages whose Markdown
    is newer than their HTML already in ``site_dir``; ``jinja_cache``: where
    the theme's compiled templates are kept between runs."""
    cfg = config or root / "mkdocs.yml"
    cmd = [sys.executable, "-m", "build_tools.publish.mkdocs_run", "-f", str(cfg), "-d", str(site_dir), "--search", search]
    if dirty:
        cmd.append("--dirty")
    if written:  # the files it wrote, for the link check (issue 29)
        cmd += ["--written", str(written)]
    for d in GENERATED_DIRS:  # their files are only ever replaced (fsutil.replace_bytes): linked, not copied
        cmd += ["--link", d]
    env = child_environment()
    if jinja_cache:
        env[JINJA_CACHE_ENV] = str(jinja_cache)
    r = run_tool(cmd, cwd=root, env=env, text=True, pause="mkdocs")
    if r.returncode != 0:
        raise RuntimeError(f"mkdocs build 失败：\n{r.stdout}\n{r.stderr}")


class BuildBusy(RuntimeError):
    """Another build holds the lock and we were told not to wait."""


class BuildLock:
    """One build at a time per archive: ``flock`` on ``<cache>/build.lock``.

    ``wait=True`` (the default) blocks, after saying so in Chinese;
    ``wait=False`` raises BuildBusy.  The kernel releases the lock when the
    process dies, so a killed build never leaves a stale lock."""

    def __init__(self, cache_dir: Path, say: Callable[[str], None], *, wait: bool = True):
        self.path = Path(cache_dir) / LOCK_NAME
        self.say, self.wait, self.fd = say, wait, None

    def __enter__(self) -> "BuildLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 64, 0).decode("ascii", "replace").strip() or "?"
            if not self.wait:
                os.close(self.fd)
                raise BuildBusy(f"另一个构建（进程 {holder}）正在进行：{self.path}；请等它结束后再试")
            self.say(f"另一个构建（进程 {holder}）正在进行，等待它结束……")
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        pause_point("locked")
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _index_child(notices: list[Notice], final: Path, inputs: Optional[dict[str, str]],
                 writer: Optional["WriterProcess"] = None) -> dict:
    """In a forked child (``IndexJob``): copy the index to ``index.tmp/``
    (141 MB on the whole corpus: off the build's main path), update it
    there; returns the summary, the seconds and the writer process's peak MB.
    The backend's write runs in a fresh process (``WriterProcess``): in this
    fork it added tantivy's native memory to the build's (5x: forked at 930,
    peak 2,010 MB).  ``writer``: one the build started before the write
    stage (``SiteBuild``), so its start and jieba's dictionary (about 1.4 s)
    are off the index's path (issue 29: a one-document rebuild); else one is
    started here, first, so that they overlap the planning at least."""
    t0 = time.perf_counter()
    writer = writer or WriterProcess()
    try:
        stats = build_index(notices, prepare_index_copy(final), progress=False, inputs=inputs, writer=writer.write)
    finally:
        writer.close()
    return {"summary": stats.summary(), "seconds": time.perf_counter() - t0, "writer_peak_mb": writer.peak_mb,
            **{k: writer.report.get(k, 0) for k in ("texts", "tokenised", "anon_mb", "file_mb")}}


class WriterProcess:
    """``search.index.build_index``'s writer in a process of its own
    (``python -m search.index --write``, started by ``build.tools`` at
    once; it loads jieba while it waits): ``write`` streams it the records
    (``send_records``), one document at a time, so it holds only the index
    writer, never the build's documents; ``peak_mb``: its peak resident MB
    as it reported it.  ``close`` ends it when nothing was written."""

    def __init__(self):
        self.proc = start_tool([sys.executable, "-m", "search.index", WRITE_FLAG], env=child_environment(),
                               stdin=subprocess.PIPE)
        self.peak_mb = 0.0
        self.report: dict = {}  # its JSON line (search.index.main): records, peak_mb, texts, tokenised

    def write(self, name: str, index_dir: Path, **kw) -> int:
        """Returns the index's records afterwards; RuntimeError with the
        process's output when it fails."""
        proc = self.proc
        try:
            try:
                send_records(proc.stdin, name, index_dir, **kw)
            except BrokenPipeError:  # it stopped reading: its stderr says why
                pass
            out, err = proc.communicate()  # closes its stdin: the end of the records
        except BaseException:
            self.close()
            raise
        # written from a fork of the process that started it (IndexJob), ``communicate`` cannot
        # reap it and says 0: its report on stdout is what tells that it wrote
        res = _writer_report(out) if proc.returncode == 0 else None
        if res is None:
            msg = err.decode("utf-8", "replace")[-4000:]
            raise RuntimeError(f"命令行检索索引写入进程失败（退出码 {proc.returncode}）：{msg}")
        self.peak_mb = float(res.get("peak_mb", 0))
        self.report = res
        return int(res["records"])

    def close(self) -> None:
        """Stop it if it still runs (nothing to write, or the caller failed)."""
        if self.proc.poll() is None:
            signal_group(self.proc)
            self.proc.wait()

    def handed_over(self) -> None:
        """In the process that started it, once a forked ``IndexJob`` child
        holds its pipes: our end of its stdin is closed (if that child dies,
        the writer reads the end of its input and stops)."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()

    def reap(self) -> None:
        """In the process that started it, after the ``IndexJob`` child ended:
        wait for it (it has written its report: it is exiting), or stop it."""
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.close()
        for f in (self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()


def _writer_report(out: bytes) -> Optional[dict]:
    """The JSON line ``search.index.main`` prints last, or None when it printed none."""
    lines = out.decode("utf-8", "replace").strip().splitlines()
    try:
        res = json.loads(lines[-1]) if lines else None
    except ValueError:
        return None
    return res if isinstance(res, dict) and "records" in res else None


def write_in_process(name: str, index_dir: Path, *, peak: Optional[dict[str, float]] = None, **kw) -> int:
    """One ``WriterProcess`` write (``build_index``'s ``writer``); its peak MB into ``peak["mb"]``."""
    writer = WriterProcess()
    try:
        return writer.write(name, index_dir, **kw)
    finally:
        writer.close()
        if peak is not None:
            peak["mb"] = writer.peak_mb


def prepare_index_copy(final: Path, *, fresh: bool = False) -> Path:
    """``index.tmp/``: a copy of the current index to update (the backend
    rebuilds it from scratch there when it must; the live one is untouched).
    A tantivy index is hard-linked (141 MB on the whole corpus): tantivy
    never writes into a file it made (segments and ``<segment>.<opstamp>.del``
    are new files, ``meta.json`` is replaced by a rename), nor does our meta
    file (``search.index``); Whoosh's files are copied."""
    tmp = final.with_name(final.name + ".tmp")
    remove_tree(tmp)
    if final.is_dir() and not fresh:
        if (read_meta(final) or {}).get("backend") == "tantivy":
            mkbuild.link_copy(final, tmp, skip=())
        else:
            shutil.copytree(final, tmp, symlinks=True)
    return tmp


def _shard_pages(notices: list[Notice], src: Path, shards: int, digests: Optional[dict[str, bytes]]) \
        -> Iterator[tuple[int, dict[str, str]]]:
    """In the search pages' child: write them, shard by shard; yields each
    shard's pages with their content digests (``PagefindShards``' ``pages``)."""
    for k, _, shas in iter_shard_pages(notices, src, shards, digests):
        yield k, shas


class IndexJob:
    """The command-line index built beside MkDocs in a forked process (large
    archives), into ``index.tmp/``; swapped in only after a good site."""

    def __init__(self, notices: list[Notice], index_dir: Path, inputs: Optional[dict[str, str]] = None,
                 writer: Optional[WriterProcess] = None):
        """``writer``: a writer process already started (``SiteBuild``), handed to the child."""
        self.final = index_dir
        self.tmp = index_dir.with_name(index_dir.name + ".tmp")  # the child's prepare_index_copy
        self.writer = writer
        self.child = Forked("命令行检索索引构建", _index_child, notices, index_dir, inputs, writer).start()
        if writer is not None and self.child.proc is not None:  # forked: the child feeds it
            writer.handed_over()

    def _end_writer(self) -> None:
        if self.writer is not None:
            self.writer.reap()
            self.writer = None

    def cancel(self) -> None:
        self.child.cancel()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        remove_tree(self.tmp)

    def finish(self) -> dict:
        """Wait, swap the new index in; raises RuntimeError if the child
        failed (the index in place stays as it was)."""
        try:
            res = self.child.result()
        except BaseException:
            remove_tree(self.tmp)
            raise
        finally:
            self._end_writer()
        if res.get("writer_peak_mb"):
            tool_peak("index-writer", res["writer_peak_mb"])
        pause_point("index")
        swap_dir(self.tmp, self.final)
        return res


def build_index_swapped(notices: list[Notice], index_dir: Path, *, progress: bool = False,
                        inputs: Optional[dict[str, str]] = None, fresh: bool = False):
    """In-process index update into ``index.tmp/``, then swapped in
    (``fresh``: built from empty, not from a copy of the live index)."""
    tmp = prepare_index_copy(index_dir, fresh=fresh)
    try:
        stats = build_index(notices, tmp, progress=progress, inputs=inputs)
        pause_point("index")
    except BaseException:
        remove_tree(tmp)
        raise
    swap_dir(tmp, index_dir)
    return stats


def drop_stale_outputs(site: Path, docs: Path, changed: Iterable[str]) -> list[str]:
    """Before a dirty render into ``site`` (a hard-linked copy of the last
    site): delete the outputs MkDocs would wrongly keep because it compares
    mtimes (issue 28: with site/ files dated ahead, a changed 第一条 kept its
    old page, archive.json and .txt on every later build).  Content decides:

    * the page of every Markdown file in ``changed`` (the write stage
      rewrote it because its bytes changed);
    * every file under a generated directory that is not the very file of
      ``docs`` (another inode: the write stage replaced it, so its content
      changed; MkDocs links it again, ``mkdocs_run --link``).

    Returns the site-relative paths deleted."""
    gone = []
    site_s, docs_s = str(site), str(docs)
    for rel in changed:
        if rel.endswith(".md"):
            out = os.path.join(site_s, rel[:-3] + ".html")
            try:
                os.unlink(out)
                gone.append(rel[:-3] + ".html")
            except FileNotFoundError:
                pass
    for d in GENERATED_DIRS:
        for base, _, names in os.walk(os.path.join(site_s, d)):
            rel_dir = os.path.relpath(base, site_s)
            for name in names:
                if name.endswith(".html"):
                    continue
                out = os.path.join(base, name)
                try:
                    same = os.stat(out).st_ino == os.stat(os.path.join(docs_s, rel_dir, name)).st_ino
                except FileNotFoundError:
                    continue  # not a docs file (prune_stale's) or made by MkDocs
                if not same:
                    os.unlink(out)
                    gone.append(f"{rel_dir}/{name}".replace(os.sep, "/"))
    return gone


def broken_link_warnings(dropped: list[tuple[str, str, str, tuple[str, ...]]],
                         sources: dict[str, Path]) -> list[Problem]:
    """One warning per removed link (``SiteBuild.drop_broken_links``), on the
    source file of each document it came from (``sources``: id -> path),
    else on the page, so the cause is named, never only the symptom."""
    out = []
    for page, url, why, docs in dropped:
        where = f"页面 {page} 上的链接 {url} 指向站内不存在的位置（{why}），已从页面去除（链接文字保留）"
        for doc in docs or (None,):
            out.append(Problem(str(sources.get(doc, doc)) if doc else page, None, "warning", where))
    return out


class SiteBuild:
    """prepare -> render -> check links -> commit; ``abandon`` on any
    exception or when the block ends without ``commit``."""

    def __init__(self, paths, mode: str, *, say: Callable[[str], None], step: Callable[[str], None],
                 index: bool, documents: int):
        self.paths, self.mode, self.say, self.step = paths, mode, say, step
        self.index, self.documents = index, documents
        self.site: Path = paths.site
        self.tmp = self.site.with_name(self.site.name + ".tmp")
        self.bundle = paths.cache / mkbuild.PAGEFIND_DIR  # the cached shard bundles, <k>/
        self.shards: Optional[mkbuild.PagefindShards] = None
        self.pages: Optional[ForkedStream] = None  # the search pages' writer (start_browser_index)
        self.job: Optional[IndexJob] = None
        self.writer: Optional[WriterProcess] = None  # the CLI index's writer, started on entering (large archives)
        self.index_inputs: Optional[dict[str, str]] = None  # start_cli_index
        self.key = ""
        self.dirty = False
        self.committed = False
        self.copier: Optional[threading.Thread] = None  # _copy_site, started on entering
        self.copy_error: Optional[BaseException] = None
        self.timings: dict[str, float] = {}
        self._t_browser = self._t_job = 0.0
        self.written = paths.cache / "mkdocs-written.txt"  # what MkDocs wrote (render), for the link check
        self.linkcheck_token = ""  # the last link check's, written into the stamp (linkcheck's ``live``)

    # ------------------------------------------------------------ prepare
    def __enter__(self) -> "SiteBuild":
        """Drop what a killed build left (we hold the build lock)."""
        index = self.paths.index
        # site.pagefind.tmp: the single bundle of builds before the shards
        for d in (self.tmp, self.site.with_name(self.site.name + ".pagefind.tmp"),
                  self.site.with_name(self.site.name + ".tmp.swap"),
                  self.site.with_name(self.site.name + ".old"), index.with_name(index.name + ".tmp"),
                  index.with_name(index.name + ".tmp.swap"), index.with_name(index.name + ".old"),
                  index.with_name(index.name + ".result.json")):  # older builds' index job summary
            remove_tree(d)
        if self.paths.sources.is_dir():
            for f in stale_temp_files(self.paths.sources):
                f.unlink(missing_ok=True)
        if self.index and self.documents >= FORK_INDEX_MIN:
            # started now, its start and jieba's dictionary (1.4 s) run beside the write stage, not on the
            # index's path: a one-document rebuild's index then costs its planning and a small write
            self.writer = WriterProcess()
        if self.mode == "pagefind" and self.site.is_dir():
            # the hard-linked copy a dirty render starts from, made beside the write stage
            # (25,000 links on the whole corpus: 0.5 s, mostly in the kernel, off the main path)
            self.copier = start_thread(self._copy_site, name="site-copy")
        return self

    def _copy_site(self) -> None:
        try:
            self.key = mkbuild.stamp_key(self.paths.config, self.mode)
            if mkbuild.read_stamp(self.site).get("key") == self.key:
                mkbuild.link_copy(self.site, self.tmp)
                (self.tmp / mkbuild.STAMP).unlink(missing_ok=True)
                self.dirty = True
        except BaseException as e:  # render() raises it in the main thread
            self.copy_error = e

    def _site_copied(self) -> None:
        """Wait for ``_copy_site``; re-raise what it raised."""
        if self.copier is not None:
            self.copier.join()
            self.copier = None
        if self.copy_error is not None:
            raise self.copy_error

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.committed:
            self.abandon()

    def abandon(self) -> None:
        """Stop the side jobs and drop the half-built site: the last good one stays."""
        if self.copier is not None:
            self.copier.join()  # still linking into site.tmp/
        if self.pages is not None:
            self.pages.cancel()  # the search pages' writer: the next build checks every page again
        if self.shards:
            self.shards.cancel()  # bundles already finished stay cached: their digests are true
            self.shards = None
        if self.job:
            self.job.cancel()
            self.job = None
        self._drop_writer()
        remove_tree(self.tmp)

    def _drop_writer(self) -> None:
        """Stop the writer process when no index job took it."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    # ----------------------------------------------------- side indexes
    def start_browser_index(self, notices: list[Notice], digests: Optional[dict[str, bytes]] = None,
                            chars: Optional[int] = None) -> bool:
        """Large archives: Pagefind indexes minimal pages written from the
        notices, in shards (``search_pages.iter_shard_pages``), while the
        Markdown is written and MkDocs runs; only shards whose pages changed
        are re-indexed, one after another (``mkbuild.PagefindShards``);
        ``digests``: ``pagecache.document_digests``, which key the pages;
        ``chars``: ``search_chars(notices)`` when the build knows it (kept by digest)."""
        if self.mode != "pagefind":
            return False
        self._t_browser = time.perf_counter()
        src = self.paths.cache / "pagefind-src"
        n = shard_count(len(notices), search_chars(notices) if chars is None else chars)
        # the pages are written by a forked child, beside the write stage (both only read the notices);
        # in the job's thread they took the build process's lock on Python from the write stage
        # (ForkedStream: each shard's pages come back as soon as they are written, to be indexed at once)
        self.pages = ForkedStream("检索页写出", _shard_pages, notices, src, n, digests).start()
        self.shards = mkbuild.PagefindShards(src, self.bundle, n, pages=self.pages.items).start()
        return True

    def start_cli_index(self, notices: list[Notice], inputs: Optional[dict[str, str]] = None) -> None:
        """Large archives: the command-line index is built beside MkDocs
        (``inputs``: ``WriteStats.doc_digests``, see ``search.index.build_index``)."""
        self.index_inputs = inputs
        if self.index and len(notices) >= FORK_INDEX_MIN:
            self._t_job = time.perf_counter()
            writer, self.writer = self.writer, None
            self.job = IndexJob(notices, self.paths.index, inputs, writer)
        self._drop_writer()

    def finish_browser_index(self) -> None:
        """Wait for the shards and put them in the new site (RuntimeError with
        Pagefind's output on failure).  ``timings``: ``pagefind`` (s),
        ``pagefind_shards`` (total), ``pagefind_reindexed`` (this build) and
        ``pagefind_changes`` (pages in the changes bundle)."""
        if not self.shards:
            return
        self.step("等待 Pagefind 索引完成…")
        job = self.shards
        job.widen()  # MkDocs and the link check are done: two shards at once on two cores
        try:
            job.wait()
            job.install(self.tmp)  # made beside the build, moved in (issue 29)
        finally:
            self.timings["pagefind"] = time.perf_counter() - self._t_browser
            self.timings["pagefind_shards"] = job.shards
            self.timings["pagefind_reindexed"] = len(job.reindexed)
            self.timings["pagefind_changes"] = job.changes
            for name, sec in job.seconds.items():
                self.timings[f"pagefind_seconds_{name}"] = sec

    # ------------------------------------------------------------- render
    def render(self, changed: Iterable[str] = ()) -> None:
        """mkdocs build into ``site.tmp/``; large archives re-render only
        changed pages on a hard-linked copy of the last good site (MkDocs
        replaces files, never writes through links).  ``changed``: the
        docs-relative files the write stage rewrote (their content changed):
        their outputs are dropped first, so MkDocs' own test (the Markdown
        newer than the HTML) never keeps an old page (``drop_stale_outputs``).
        RuntimeError on failure."""
        t0 = time.perf_counter()
        self._site_copied()  # sets key and dirty (large archives)
        if not self.key:
            self.key = mkbuild.stamp_key(self.paths.config, self.mode)
        if self.dirty:
            mkbuild.prune_stale(self.tmp, self.paths.docs, GENERATED_DIRS)
            self.timings["stale_outputs"] = len(drop_stale_outputs(self.tmp, self.paths.docs, changed))
        self.step(f"mkdocs build（{'只重新生成改动的页面' if self.dirty else '全部页面'}）…")
        run_mkdocs(self.paths.root, self.tmp, config=self.paths.config, search=self.mode, dirty=self.dirty,
                   jinja_cache=self.paths.cache / "jinja", written=self.written)
        self.timings["mkdocs"] = time.perf_counter() - t0

    def check_links(self) -> list[str]:
        self.step("检查站内链接与锚点…")
        t0 = time.perf_counter()
        written, live = None, ""
        if self.dirty:  # only the pages MkDocs wrote are read, when the live site is the one last checked
            live = mkbuild.read_stamp(self.site).get("linkcheck", "")
            try:
                written = self.written.read_text(encoding="utf-8").splitlines()
            except OSError:
                written = None
        stats: dict = {}
        broken = linkcheck(self.tmp, cache=self.paths.cache / "linkcheck.marshal", stats=stats,
                           written=written, live=live)
        self.linkcheck_token = stats.get("token", "")
        self.timings["linkcheck"] = time.perf_counter() - t0
        pause_point("linkchecked")
        return broken

    def drop_broken_links(self, broken: list[str], doc_ids: set[str]) \
            -> tuple[list[tuple[str, str, str, tuple[str, ...]]], list[str]]:
        """One scraped page never stops everyone (issue 28): broken links in
        the content of any page (a document's own page, a listing, a tag,
        works or search page) are removed from that page in the new site
        (``linkcheck.isolate``); returns ((page, url, what was wrong, the
        documents it came from) removed, the problems left after checking
        again: those of the site's own frame, which stop the build)."""
        dropped = isolate(self.tmp, broken, doc_ids)
        if not dropped:
            return [], broken
        stats: dict = {}
        left = linkcheck(self.tmp, cache=self.paths.cache / "linkcheck.marshal", stats=stats)  # every page read
        self.linkcheck_token = stats.get("token", "")
        return dropped, left

    # ------------------------------------------------------------- commit
    def commit(self, notices: list[Notice], *, before_swap: Callable[[], None] = lambda: None,
               progress: bool = False) -> list[str]:
        """Stamp the new site, run ``before_swap`` (the lock files, each
        written atomically and fsynced: durable before the new site is
        live), swap the site in, then the command-line index.  An exception
        from ``before_swap`` (a full disk) leaves the last good site live and
        is raised.  Returns index errors (the site is already live then:
        they are reported, not fatal)."""
        mkbuild.write_stamp(self.tmp, key=self.key, search=self.mode, dirty=self.dirty, documents=len(notices),
                            linkcheck=self.linkcheck_token)
        pause_point("commit")
        before_swap()
        pause_point("locks-written")
        old = swap_dir(self.tmp, self.site, keep_old=True)
        self.committed = True
        # the last site's tree (25,000 hard links on the whole corpus) goes while the index is awaited
        remover = start_thread(remove_tree, old, name="old-site-removal") if old else None
        try:
            pause_point("site-live")
            return self._commit_index(notices, progress)
        finally:
            if remover:
                remover.join()

    def _commit_index(self, notices: list[Notice], progress: bool) -> list[str]:
        errors: list[str] = []
        self._drop_writer()
        if self.job:
            self.step("等待命令行检索索引完成…")
            try:
                res = self.job.finish()
                self.timings["index"] = time.perf_counter() - self._t_job  # ran beside MkDocs, awaited at the swap
                self.timings["index_own"] = res["seconds"]  # the child's own seconds (its start to its result)
                for k in ("texts", "tokenised", "anon_mb", "file_mb"):  # the writer's report (search.index.main)
                    self.timings[f"index_{k}"] = res[k]
                self.say(f"命令行检索{res['summary']}")
            except RuntimeError as e:
                errors.append(str(e))
        elif self.index:
            t0 = time.perf_counter()
            try:
                try:
                    stats = build_index_swapped(notices, self.paths.index, progress=progress,
                                                inputs=self.index_inputs)
                except Exception:  # the live index is damaged (a truncated segment: EOFError): from empty, once
                    self.say("命令行检索索引无法更新（原索引可能已损坏），从头重建…")
                    stats = build_index_swapped(notices, self.paths.index, progress=progress, fresh=True)
                self.say(f"命令行检索{stats.summary()}")
            except Exception as e:  # the site is live already: reported, never「未发布任何内容」
                errors.append(f"命令行检索索引构建失败（{type(e).__name__}: {e}）；原索引保持不变")
            self.timings["index"] = time.perf_counter() - t0
        return errors
