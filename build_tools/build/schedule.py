"""The two-core schedule: every process and thread the build starts for its
own work is started here (tests/test_imports.py holds it; external tools —
MkDocs, Pagefind, LibreOffice, git — are started by the modules that own
them, each listed there).

Forked children: one call beside the caller's own work, or a map over both cores.

``Forked(what, fn, *args, **kwargs).start(beside)`` forks a child that runs
``fn(*args, **kwargs)`` and sends its return value back through a pipe;
``result()`` waits for it.  The child sees the caller's objects as they were
at the fork (nothing is pickled on the way in); its result is pickled on the
way back, so it should be small next to its inputs.  Used where a step only
reads what the build already holds and the other core would idle:

* the first half of the listing pages beside the rest of the write stage
  (``build.render.ListingJob``; whole corpus: 1.6 s of CPU);
* related documents beside the per-document enrichment
  (``enrich.enrich_all``; whole corpus: 4.6 s, jieba and scoring).

An exception in the child is raised by ``result()`` as RuntimeError naming
``what`` and carrying the child's traceback; a child that died without a
word (killed, out of memory) is reported with its exit status.  The child
dies with its parent (``fsutil.die_with_parent``) and leaves with
``os._exit`` (no atexit handlers or cache flushes of the parent's objects).
Without ``fork`` (or with ``beside`` false) the call runs inline at
``start`` and ``result()`` returns its value.

``ForkedStream(what, gen, *args)`` is a ``Forked`` child whose function is a
generator: ``items()`` yields its values as the child makes them (a thread
drains the pipe, so the child never waits): the search pages' writer hands
each Pagefind shard over as soon as its pages are written
(``publish.SiteBuild``).

``fork_map(fn, items, workers, at_least=N)`` is ``[fn(x) for x in items]``
over a pool of forked workers (all cores) when there are at least ``N``
items: the workers find ``fn`` and ``items`` in the parent's memory as it
was at the fork (``MAPPED``, the one module global that hands data to
children), only the results are pickled back, in order.  Used for each
document's enrichment (``enrich.doccache.compute_all``) and each document's
page, record and downloads (``build.render.DocumentJob.run``).

``pool_map(fn, items, workers, chunksize)`` is a lazy ``map`` over a pool of
worker processes whose arguments are pickled (the load stage: each worker
reads and parses its own files; results come back in order as they are
ready, so the caller merges them with the cached ones while the pool runs).

``thread_beside(fn, *args)`` runs one call in a thread of this process and
returns a future (``result()``): for work that mostly waits on files (the
175 MB ``archive.json`` written beside the feed and the listings).

``start_thread(fn, *args, name=…)`` starts a daemon thread and returns it
(``join()``; the caller keeps what it raised, if it must): publishing's site
copy beside the write stage and the old site's removal beside the index
(``publish.SiteBuild``), the preview server of ``serve.background_server``.

Each child's peak resident memory is kept (issue 29: a 5x build's "forked"
peak of 1,884 MB named no child): ``CHILD_PEAKS`` maps the function a child
or a map's worker ran to (the parent's resident MB when it forked, the
child's peak MB), the largest of each; ``child_peaks()`` gives them as
``fork:<name>`` rows for the build report.  A forked child's resident size
counts the parent's heap pages it shares from the start (the kernel copies
their page tables at the fork; file mappings only once touched): its peak is
about the parent's heap at the fork plus what it makes.  Before each fork the C heap's
free pages go back to the system (``trim``: a 2x rebuild's parent, 733 ->
623 MB before the search pages' child).

External programs (LibreOffice, OCR, git, MkDocs) are started by
``build/tools.py`` (``run_tool``), the other launcher of this package.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import threading
import traceback
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Sequence

from ..fsutil import die_with_parent

_PENDING = object()
MAPPED: tuple = ()  # (fn, items) of the running fork_map: set just before its workers fork
CHILD_PEAKS: dict[str, tuple[float, float]] = {}  # fn name -> (parent's MB at the fork, child's peak MB)
TOOL_PEAKS: dict[str, float] = {}  # program -> its peak MB, as it reported it (tool_peak)


def resident_mb(field: str = "VmHWM") -> float:
    """This process's peak (``VmHWM``) or current (``VmRSS``) resident memory in MB; 0 without /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_LIBC = _libc()


def trim() -> None:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``)
    before a fork: a child's resident size starts as the parent's heap pages,
    free ones included (the write stage frees hundreds of MB of page text)."""
    fn = getattr(_LIBC, "malloc_trim", None)
    if fn is not None:
        fn(0)


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


def _keep_peak(name: str, at_fork: float, peak: float) -> None:
    old = CHILD_PEAKS.get(name, (0.0, 0.0))
    CHILD_PEAKS[name] = (max(old[0], at_fork), max(old[1], peak))


def tool_peak(name: str, peak: float) -> None:
    """Keep the peak MB of a program the build started (``tool:<name>`` in
    ``child_peaks``): the CLI index's writer process reports its own."""
    TOOL_PEAKS[name] = max(TOOL_PEAKS.get(name, 0.0), peak)


def child_peaks(clear: bool = False) -> dict[str, float]:
    """``fork:<name>`` -> the child's peak MB and ``fork:<name>@fork`` -> the
    parent's MB when it forked, for every child and map run so far, and
    ``tool:<name>`` for the programs that reported theirs (``tool_peak``)
    (``clear``: and forget them, for the next build's report)."""
    out: dict[str, float] = {}
    for name, (at_fork, peak) in CHILD_PEAKS.items():
        out[f"fork:{name}@fork"], out[f"fork:{name}"] = round(at_fork), round(peak)
    out.update((f"tool:{name}", round(peak)) for name, peak in TOOL_PEAKS.items())
    if clear:
        CHILD_PEAKS.clear()
        TOOL_PEAKS.clear()
    return out


class Forked:
    def __init__(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        self.what, self.fn, self.args, self.kwargs = what, fn, args, kwargs
        self.proc = self.conn = None
        self.value: Any = _PENDING
        self.at_fork = 0.0

    def start(self, beside: bool = True) -> "Forked":
        if not beside or "fork" not in multiprocessing.get_all_start_methods():
            self.value = self.inline()
            return self
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe(duplex=False)
        trim()
        self.at_fork = resident_mb("VmRSS")
        self.proc = ctx.Process(target=self.child_main(), args=(child, self.fn, self.args, self.kwargs), daemon=True)
        self.proc.start()
        child.close()
        return self

    def inline(self) -> Any:
        """The call itself, without a fork."""
        return self.fn(*self.args, **self.kwargs)

    def child_main(self) -> Callable[..., None]:
        """What the forked process runs: the call, its value sent back."""
        return _child

    def cancel(self) -> None:
        """Stop the child (the caller failed): it never writes after this."""
        if self.proc is not None and self.proc.is_alive():
            self.proc.kill()
            self.proc.join()

    def result(self) -> Any:
        if self.value is not _PENDING:
            return self.value
        try:
            kind, value, peak = self.conn.recv()
            _keep_peak(_name(self.fn), self.at_fork, peak)
        except EOFError:
            kind, value = "error", "子进程未返回结果"
        finally:
            self.proc.join()
            self.conn.close()
        if kind != "ok":
            raise RuntimeError(f"{self.what}失败（子进程退出码 {self.proc.exitcode}）：{value}")
        self.value = value
        return value


class ForkedStream(Forked):
    """A ``Forked`` child whose ``fn`` is a generator: each value it yields
    comes back as soon as it is made (``items()``, in order), while the child
    goes on; a thread of the caller drains the pipe, so the child never waits
    for the caller.  An exception in the child, or its death, is raised by
    ``items()`` after the values made before it.  Used by the search pages'
    writer (``publish.SiteBuild``): Pagefind indexes a shard as soon as its
    pages are written, not after every shard's (issue 29: 167 s at 5x)."""

    def start(self, beside: bool = True) -> "ForkedStream":
        self.queue: "queue.Queue[tuple[str, Any]]" = queue.Queue()
        super().start(beside)
        if self.proc is not None:
            self.reader = start_thread(self._drain, name="forked-stream")
        return self

    def inline(self) -> Any:
        return list(self.fn(*self.args, **self.kwargs))

    def child_main(self) -> Callable[..., None]:
        return _stream_child

    def _drain(self) -> None:
        try:
            while True:
                kind, value, peak = self.conn.recv()
                if kind != "item":
                    _keep_peak(_name(self.fn), self.at_fork, peak)
                    self.queue.put((kind, value))
                    return
                self.queue.put((kind, value))
        except (EOFError, OSError):
            self.queue.put(("error", "子进程未返回结果"))

    def items(self) -> Iterator[Any]:
        """The child's values as they come; RuntimeError naming ``what`` if it failed."""
        if self.proc is None:
            yield from self.value
            return
        while True:
            kind, value = self.queue.get()
            if kind == "item":
                yield value
                continue
            self.reader.join()
            self.proc.join()
            self.conn.close()
            if kind != "ok":
                raise RuntimeError(f"{self.what}失败（子进程退出码 {self.proc.exitcode}）：{value}")
            return

    def result(self) -> list:
        return list(self.items())


def _stream_child(conn, fn, args, kwargs) -> None:
    die_with_parent()
    try:
        for value in fn(*args, **kwargs):
            conn.send(("item", value, 0.0))
        out = ("ok", None)
    except BaseException:
        out = ("error", traceback.format_exc())
    conn.send((*out, resident_mb()))
    conn.close()
    os._exit(0)


def beside(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Forked:
    """``Forked(what, fn, *args, **kwargs)`` started: the handle a stage is
    given for a call beside its own work (``enrich.enrich_all``'s ``beside``)."""
    return Forked(what, fn, *args, **kwargs).start()


def mapper(at_least: int, workers: Optional[int] = None) -> Callable[[Callable[[Any], Any], Sequence[Any]], list]:
    """``map(fn, items)`` for a stage (``enrich.enrich_all``'s ``map``): ``fork_map`` from ``at_least`` items."""
    def map_(fn: Callable[[Any], Any], items: Sequence[Any]) -> list:
        return fork_map(fn, items, workers, at_least=at_least)
    return map_


def _child(conn, fn, args, kwargs) -> None:
    die_with_parent()
    try:
        out = ("ok", fn(*args, **kwargs))
    except BaseException:
        out = ("error", traceback.format_exc())
    out = (*out, resident_mb())  # the child's peak, read by Forked.result
    try:
        conn.send(out)
    except Exception:  # an unpicklable result: said, not lost
        conn.send(("error", traceback.format_exc(), out[2]))
    conn.close()
    os._exit(0)


def fork_map(fn: Callable[[Any], Any], items: Sequence[Any], workers: Optional[int] = None, *, at_least: int) -> list:
    """``[fn(x) for x in items]``, on ``workers`` forked processes (default:
    every core) when there are at least ``at_least`` items and ``fork``
    exists; else inline."""
    global MAPPED
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) < at_least or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(x) for x in items]
    MAPPED = (fn, items)
    trim()
    at_fork = resident_mb("VmRSS")
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            out = pool.map(_mapped, range(len(items)), chunksize=8)
    finally:
        MAPPED = ()
    _keep_peak(f"map:{_name(fn)}", at_fork, max(peak for _, peak in out))
    return [value for value, _ in out]


def _mapped(index: int) -> tuple[Any, float]:
    """(``fn(items[index])``, the worker's peak MB so far)."""
    fn, items = MAPPED
    return fn(items[index]), resident_mb()


@contextmanager
def pool_map(fn: Callable[..., Any], *iterables: Sequence[Any], workers: int, chunksize: int = 16) -> Iterator:
    """``map(fn, *iterables)`` on ``workers`` processes (arguments and results
    pickled), lazily in order; the pool is shut down when the block ends."""
    pool = ProcessPoolExecutor(workers)
    try:
        yield pool.map(fn, *iterables, chunksize=chunksize)
    finally:
        pool.shutdown()


def thread_beside(fn: Callable[..., Any], *args: Any) -> Future:
    """``fn(*args)`` in a thread of its own; ``result()`` waits (and raises what it raised)."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(fn, *args)
    finally:
        pool.shutdown(wait=False)  # the thread ends with the call; nothing more is submitted


def start_thread(fn: Callable[..., Any], *args: Any, name: Optional[str] = None) -> threading.Thread:
    """``fn(*args)`` in a daemon thread, started; the caller joins it (a daemon never holds the process open)."""
    thread = threading.Thread(target=fn, args=args, name=name, daemon=True)
    thread.start()
    return thread
