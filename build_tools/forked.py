"""One call run in a forked child beside the caller's own work.

``Forked(what, fn, *args, **kwargs).start(beside)`` forks a child that runs
``fn(*args, **kwargs)`` and sends its return value back through a pipe;
``result()`` waits for it.  The child sees the caller's objects as they were
at the fork (nothing is pickled on the way in); its result is pickled on the
way back, so it should be small next to its inputs.  Used where a step only
reads what the build already holds and the other core would idle:

* the first half of the listing pages beside the rest of the write stage
  (``write.ListingJob``; whole corpus: 1.6 s of CPU);
* related documents beside the per-document enrichment
  (``enrich.enrich_all``; whole corpus: 4.6 s, jieba and scoring).

An exception in the child is raised by ``result()`` as RuntimeError naming
``what`` and carrying the child's traceback; a child that died without a
word (killed, out of memory) is reported with its exit status.  The child
dies with its parent (``fsutil.die_with_parent``) and leaves with
``os._exit`` (no atexit handlers or cache flushes of the parent's objects).
Without ``fork`` (or with ``beside`` false) the call runs inline at
``start`` and ``result()`` returns its value.
"""
from __future__ import annotations

import multiprocessing
import os
import traceback
from typing import Any, Callable

from .fsutil import die_with_parent

_PENDING = object()


class Forked:
    def __init__(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        self.what, self.fn, self.args, self.kwargs = what, fn, args, kwargs
        self.proc = self.conn = None
        self.value: Any = _PENDING

    def start(self, beside: bool = True) -> "Forked":
        if not beside or "fork" not in multiprocessing.get_all_start_methods():
            self.value = self.fn(*self.args, **self.kwargs)
            return self
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(child, self.fn, self.args, self.kwargs), daemon=True)
        self.proc.start()
        child.close()
        return self

    def cancel(self) -> None:
        """Stop the child (the caller failed): it never writes after this."""
        if self.proc is not None and self.proc.is_alive():
            self.proc.kill()
            self.proc.join()

    def result(self) -> Any:
        if self.value is not _PENDING:
            return self.value
        try:
            kind, value = self.conn.recv()
        except EOFError:
            kind, value = "error", "子进程未返回结果"
        finally:
            self.proc.join()
            self.conn.close()
        if kind != "ok":
            raise RuntimeError(f"{self.what}失败（子进程退出码 {self.proc.exitcode}）：{value}")
        self.value = value
        return value


def _child(conn, fn, args, kwargs) -> None:
    die_with_parent()
    try:
        out = ("ok", fn(*args, **kwargs))
    except BaseException:
        out = ("error", traceback.format_exc())
    try:
        conn.send(out)
    except Exception:  # an unpicklable result: said, not lost
        conn.send(("error", traceback.format_exc()))
    conn.close()
    os._exit(0)
