"""Which browser search a build gets: Material's (one lunr index, works from
``file://``) or Pagefind's (chunked index, needs http).

Material's index is about 3x the clause text and is downloaded whole before
the first result (≈1.35 KB per clause: 47 MB for the 35k clauses of a
350-document slice).  Above ``LARGE_CLAUSES`` clauses the build switches to
Pagefind, whose index is split into chunks fetched per query.  Override with
the environment variable ``IPARCHIVE_SEARCH=material|pagefind`` (``auto`` or
unset: by size).
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..models import Notice
from ..settings import LARGE_CLAUSES, SEARCH_ENV, env

ENV = SEARCH_ENV
MODES = ("material", "pagefind")


def search_mode(notices: Optional[Iterable[Notice]] = None, *, clauses: Optional[int] = None,
                override: Optional[str] = None) -> str:
    """'material' or 'pagefind' for an archive of ``notices`` (or ``clauses``).

    ``override`` (or $IPARCHIVE_SEARCH) of 'material'/'pagefind' wins; 'auto',
    '' or None decide by size.  Raises ValueError for anything else.
    """
    want = (override if override is not None else env(ENV)).strip().lower()
    if want in MODES:
        return want
    if want not in ("", "auto"):
        raise ValueError(f"{ENV} 应为 material、pagefind 或 auto，而不是 {want!r}")
    if clauses is None:  # counted only as far as the threshold (a whole walk of 358,000 clauses: 0.2-0.5 s)
        clauses = 0
        for n in notices or []:
            clauses += n.n_clauses  # a stored document knows its count without loading its tree (issue 29)
            if clauses > LARGE_CLAUSES:
                break
    return "pagefind" if clauses > LARGE_CLAUSES else "material"
