"""Enrich stage: themes, references, goals, targets; cross-document links.

``enrich(notices)`` fills, on each Notice with its clause tree:

- ``clause.themes`` / ``notice.themes`` (themes.py, vocabulary data/themes.yml);
- ``notice.references`` (references.py), then resolves them across the whole
  list (``target_id``/``target_clause`` or ``external_key``; aliases from
  data/aliases.yml);
- ``notice.goals`` (goals.py) and ``notice.targets`` (targets.py).

Site helpers working on enriched notices: ``cited_by``, ``external_documents``
(references.py) and ``related_documents`` (related.py).
"""
from __future__ import annotations

import time
from typing import Optional

from ..models import Notice
from .goals import find_goals
from .references import (
    ExternalDoc,
    cited_by,
    external_documents,
    find_references,
    load_aliases,
    resolve_references,
)
from .related import related_documents
from .targets import find_targets, normalise_indicator
from .themes import Theme, load_vocabulary, tag_clauses

__all__ = [
    "enrich",
    "ExternalDoc",
    "Theme",
    "cited_by",
    "external_documents",
    "find_goals",
    "find_references",
    "find_targets",
    "load_aliases",
    "load_vocabulary",
    "normalise_indicator",
    "related_documents",
    "resolve_references",
    "tag_clauses",
]


def enrich(
    notices: list[Notice],
    vocab: Optional[list[Theme]] = None,
    aliases: Optional[list[list[str]]] = None,
) -> dict[str, float]:
    """Run every per-document step, then resolve references across ``notices``.

    Returns seconds spent per step (for the build log).
    """
    vocab = vocab if vocab is not None else load_vocabulary()
    timing = {"themes": 0.0, "references": 0.0, "goals": 0.0, "targets": 0.0, "resolve": 0.0}
    for n in notices:
        t0 = time.perf_counter()
        tag_clauses(n, vocab)
        t1 = time.perf_counter()
        n.references = find_references(n)
        t2 = time.perf_counter()
        n.goals = find_goals(n)
        t3 = time.perf_counter()
        n.targets = find_targets(n)
        t4 = time.perf_counter()
        timing["themes"] += t1 - t0
        timing["references"] += t2 - t1
        timing["goals"] += t3 - t2
        timing["targets"] += t4 - t3
    t0 = time.perf_counter()
    resolve_references(notices, aliases)
    timing["resolve"] = time.perf_counter() - t0
    return timing
