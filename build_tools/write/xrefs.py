"""Cross-document maps for the pages: who cites whom, external documents.

The enrich stage may pass its own maps to ``write_docs``; these helpers
derive them from ``Notice.references`` when it does not, and normalise the
shapes accepted:

* cited_by: ``{target_doc_id: [item, ...]}`` where an item is a tuple
  ``(source_doc_id, source_clause_id[, target_clause_id[, text]])`` or
  ``(source_doc_id, source_clause_id, Reference)`` (enrich.cited_by), a dict
  with keys ``source_id``/``doc_id``, ``clause_id``, ``target_clause``,
  ``text``, or an object with those attributes (e.g. a Reference plus
  ``source_id``).
* external_docs: ``{external_key: title | dict(title=..., doc_number=...)}``.
* related: ``{doc_id: [doc_id | (doc_id, reason) | (doc_id, score, reason)
  | dict(id=, reason=)]}`` (enrich.related_documents gives the 3-tuples).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..models import Notice, Reference


@dataclass(frozen=True)
class Citing:
    """One clause of the archive that cites a document."""

    source_id: str
    clause_id: str
    target_clause: Optional[str] = None
    text: str = ""


@dataclass
class External:
    """A cited document that is not in the archive."""

    key: str
    title: str
    doc_number: Optional[str] = None
    citing: list[Citing] = None  # type: ignore[assignment]


def _get(item: Any, *names: str) -> Any:
    for name in names:
        if isinstance(item, dict) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return None


def _norm_citing(item: Any) -> Citing:
    if isinstance(item, (tuple, list)):
        parts = list(item) + [None, None, ""]
        third = parts[2]
        if isinstance(third, Reference):  # enrich.cited_by: (doc, clause, Reference)
            return Citing(parts[0], parts[1], third.target_clause, third.text)
        return Citing(parts[0], parts[1], third, parts[3] or "")
    return Citing(
        _get(item, "source_id", "doc_id", "source"),
        _get(item, "clause_id", "source_clause"),
        _get(item, "target_clause"),
        _get(item, "text") or "",
    )


def cited_by_map(notices: list[Notice], given: Optional[dict] = None) -> dict[str, list[Citing]]:
    """target doc id -> sorted, de-duplicated citing clauses."""
    out: dict[str, list[Citing]] = {}
    if given is not None:
        for target, items in given.items():
            out[target] = [_norm_citing(i) for i in items]
    else:
        for n in notices:
            for r in n.references:
                if r.target_id and r.target_id != n.id:
                    out.setdefault(r.target_id, []).append(
                        Citing(n.id, r.clause_id, r.target_clause, r.text))
    return {k: sorted(set(v), key=lambda c: (c.source_id, c.clause_id, c.text))
            for k, v in out.items()}


def external_map(notices: list[Notice], given: Optional[dict] = None) -> dict[str, External]:
    """external key -> External with every citing clause in the archive."""
    out: dict[str, External] = {}
    for n in notices:
        for r in n.references:
            if r.target_id or not r.external_key:
                continue
            ext = out.get(r.external_key)
            if ext is None:
                ext = out[r.external_key] = External(
                    r.external_key, _ref_title(r), r.doc_number, [])
            ext.citing.append(Citing(n.id, r.clause_id, r.article, r.text))
            if not ext.doc_number and r.doc_number:
                ext.doc_number = r.doc_number
    for key, info in (given or {}).items():
        ext = out.setdefault(key, External(key, key, None, []))
        title = info if isinstance(info, str) else _get(info, "title")
        if title:
            ext.title = title
        number = None if isinstance(info, str) else _get(info, "doc_number")
        if number:
            ext.doc_number = number
    for ext in out.values():
        ext.citing = sorted(set(ext.citing), key=lambda c: (c.source_id, c.clause_id))
    return out


def _ref_title(r: Reference) -> str:
    if r.title:
        return r.title if r.title.startswith("《") else f"《{r.title}》"
    return r.doc_number or r.text


def related_map(given: Optional[dict]) -> dict[str, list[tuple[str, str]]]:
    """doc id -> [(doc id, reason)]; reason may be ''."""
    out: dict[str, list[tuple[str, str]]] = {}
    for doc, items in (given or {}).items():
        norm = []
        for it in items:
            if isinstance(it, str):
                norm.append((it, ""))
            elif isinstance(it, (tuple, list)):
                reason = next((x for x in it[1:] if isinstance(x, str)), "")
                norm.append((str(it[0]), reason))
            else:
                norm.append((_get(it, "id", "doc_id"), str(_get(it, "reason") or "")))
        out[doc] = norm
    return out
