"""The cyclic garbage collector during a build.

A build holds millions of long-lived objects (358,047 clauses on the whole
corpus) and makes few cycles: with Python's default thresholds the
collector walked the documents again and again.  ``tuned`` is the build's
setting (its end unfreezes); ``paused`` is for a step that only makes
objects that live on (unpickling the cached documents and their
enrichment).
"""
from __future__ import annotations

import contextlib
import gc

__all__ = ["GC_THRESHOLD", "paused", "tuned"]

GC_THRESHOLD = (100_000, 50, 100)  # Python's default (700, 10, 10)


@contextlib.contextmanager
def paused():
    """No cyclic collection inside, for a step that only builds objects that
    live on, such as unpickling documents; at the end every object is frozen
    (``gc.freeze``) and the collector put back as it was.  Without the
    freeze the first collection after it walked the 1.5 million objects made
    inside (0.7 s of a rebuild), which was the time the pause had saved."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was:
            gc.enable()


@contextlib.contextmanager
def tuned():
    """A build allocates millions of long-lived objects (358,047 clauses):
    with Python's default thresholds the cyclic collector walked them again
    and again (unpickling the cached documents of the whole corpus took 4.5 s,
    0.6 s without it; issue 16).  Inside: collections are 140x rarer, and
    ``gc.freeze()`` after load and enrich moves the documents out of its way
    (which also keeps forked workers from touching, hence copying, their
    pages).  The thresholds are put back afterwards."""
    old = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()
