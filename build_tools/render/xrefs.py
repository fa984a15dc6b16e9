"""Cross-document maps for the pages: the typed enrich result, nothing else.

The enrich stage (``enrich.enrich_all``) builds one ``models.Enrichment``
(cited-by per document and per work, external documents, related documents,
works and versions); the render orchestrator (``build.render.write_docs``)
takes it as it is.  ``Citing`` and ``External`` are the page modules' names
for ``models.CitedBy`` and ``models.ExternalDocument``.  An Enrichment from
resolved notices alone is ``enrich.resolved.enrichment_from_notices``:
rendering reads cross-document facts and makes none.
"""
from __future__ import annotations

from ..models import CitedBy, ExternalDocument

Citing = CitedBy
External = ExternalDocument

__all__ = ["Citing", "External"]
