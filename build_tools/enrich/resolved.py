"""The cross-document record from documents already resolved, without ``enrich_all``.

Input: ``Notice`` objects whose ``references`` were resolved by an earlier
enrich run (tests and callers that keep only the enriched notices, e.g.
tests/test_page_write.py, test_versions.py on the seeds and lawrefbook).
:func:`enrichment_from_notices` derives the same ``models.Enrichment`` as
``enrich_all`` would with this package's own functions: works and versions
grouped again (``versions.build_works``), cited-by per document and per work
(``references.cited_by``), external documents, comparisons listed.
``related`` is what ``related.related_documents`` returns
(``{doc id: [(doc id, score, reason)]}``).  It was the write stage's fallback
(``write/xrefs.py``) until issue 24: rendering reads an Enrichment and makes none.
"""
from __future__ import annotations

from typing import Optional

from ..models import Enrichment, Notice
from .references import cited_by, external_documents
from .versions import build_works

__all__ = ["enrichment_from_notices"]


def enrichment_from_notices(notices: list[Notice],
                            related: Optional[dict[str, list[tuple[str, float, str]]]] = None) -> Enrichment:
    """An Enrichment from resolved ``Notice.references`` (see module doc)."""
    works, versions, problems = build_works(notices)
    docs, by_work = cited_by(notices, versions)
    return Enrichment(cited_by=docs, work_cited_by=by_work, external=external_documents(notices),
                      related={d: [(other, reason) for other, _, reason in items]
                               for d, items in (related or {}).items()},
                      works=works, versions=versions, problems=problems,
                      comparisons=[(w.versions[i], w.versions[j]) for w in works.values() if w.kind == "law"
                                   for k in range(1, len(w.versions)) for i in range(len(w.versions) - k)
                                   for j in (i + k,)])
