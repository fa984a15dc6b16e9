"""Pieces of listing pages made from one document, by the key they are kept
under (``render.common.Fragments``): what a rebuild asks again of a changed
document to tell whether a listing page that showed one of them must be made
again (``build.listcache``).  Keys seen:

* ``("clause_block", page, clause_ids)``: a theme page's or a cited
  document's block of clauses (``tags.clause_block``);
* ``("citation", clause_id)``, ``("label", clause_id)``: a goal's, a target's
  or a citing clause's citation or label (``common.citation_of``, ``label_of``);
* ``("cite_example", test)``: the example clause of 如何引用 (``cite.example_id``).
"""
from __future__ import annotations

from typing import Any

from ..models import Notice
from .cite import example_id
from .common import citation_of, label_of
from .tags import clause_block


def make_fragment(n: Notice, key: tuple) -> Any:
    """The fragment ``key`` of ``n`` (KeyError for a key of no known kind)."""
    kind, *args = key
    if kind == "clause_block":
        page, ids = args
        return clause_block(page, n, list(ids))
    if kind == "citation":
        return citation_of(n, args[0])
    if kind == "label":
        return label_of(n, args[0])
    if kind == "cite_example":
        return example_id(n, args[0])
    raise KeyError(kind)
