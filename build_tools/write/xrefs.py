"""Cross-document maps for the pages: the typed enrich result, nothing else.

The enrich stage (``enrich.enrich_all``) builds one ``models.Enrichment``
(cited-by per document and per work, external documents, related documents,
works and versions); ``write_docs`` takes it as it is.  ``Citing`` and
``External`` are the page modules' names for ``models.CitedBy`` and
``models.ExternalDocument``.

Without an Enrichment (tests that keep only the enriched notices),
:func:`enrichment_from_notices` derives the same record from the resolved
``Notice.references`` with the enrich stage's own functions (works and
versions grouped again, comparisons listed); ``related`` there is what
``enrich.related_documents`` returns (``{doc id: [(doc id, score, reason)]}``).
"""
from __future__ import annotations

from typing import Optional

from ..enrich.references import cited_by, external_documents
from ..enrich.versions import build_works
from ..models import CitedBy, Enrichment, ExternalDocument, Notice

Citing = CitedBy
External = ExternalDocument

__all__ = ["Citing", "External", "enrichment_from_notices"]


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
