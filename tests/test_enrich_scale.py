"""Enrich across documents when the archive holds many copies of one text
(issue 29: the 5x bench takes every lawrefbook file five times under other
ids, and a national archive holds many near-identical local texts): what
replaced a per-pair or per-document walk gives the old result."""
from __future__ import annotations

import dataclasses

import pytest

from build_tools.enrich import versions
from support.loaders import load


@pytest.fixture(scope="module")
def laws_with_copies(lawref_dir, seed_files):
    """lawrefbook 民法商法 + 经济法 (公司法 in two versions, 广告法 filed under two
    folders) and the seeds, then each law again under another id, and one copy
    with a line changed (the same text by same_text's nine in ten, not by its lines)."""
    docs = [load(p) for p in seed_files.values()]
    for folder in ("民法商法", "经济法", "行政法"):
        docs += [load(p) for p in sorted((lawref_dir / folder).glob("*.md")) if p.name != "_index.md"]
    laws = [d for d in docs if d.kind == "law"]
    copies = [dataclasses.replace(d, id=f"{d.id}-c{k}") for k in (1, 2) for d in laws]
    edited = laws[0]
    copies.append(dataclasses.replace(edited, id=f"{edited.id}-e", body=edited.body.replace("\n", "\n一行\n", 1)))
    return docs + copies


def _works(docs, facts):
    reads = []

    def same(a, b):
        reads.append((a.id, b.id))
        return versions.same_text(a, b)

    works, vers, problems = versions.build_works(docs, {}, "2026-12-07", facts, same=same)
    return (works, vers, [str(p) for p in problems],
            [(d.id, d.work_id, d.version_label, d.validity) for d in docs]), reads


def test_copies_with_the_same_lines_are_one_text_without_reading_their_bodies(laws_with_copies):
    """``DocFacts.lines``: two laws with the same distinct lines are the same
    text at once (same_text is not asked); the works, versions, labels and
    validities are those of asking same_text for every pair."""
    docs = laws_with_copies
    want, asked = _works([dataclasses.replace(d) for d in docs], None)
    facts = {d.id: versions.doc_facts(d) for d in docs}
    got, reads = _works([dataclasses.replace(d) for d in docs], facts)
    assert got == want
    assert len(asked) > 2 * sum(1 for d in docs if d.kind == "law" and "-c" not in d.id) > 100
    # asked only of texts whose lines differ: the edited copy, and same-dated laws filed under two folders
    assert set(reads) <= set(asked) and any(b.endswith("-e") for _, b in reads) and len(reads) < len(asked) / 10
    assert all(facts[a].lines != facts[b].lines for a, b in reads)


def test_copies_of_a_cited_law_lend_their_clause_ids_with_the_same_resolution(laws_with_copies, tmp_path):
    """A reference with an article to a law held in several copies asks each
    copy whether it holds the article (the parts of one code): a copy whose
    clause ids have the digest of one read already (``ResolvedMemo.ids``) is
    answered from it, its tree not walked; every reference resolves as
    without the digests."""
    from build_tools.enrich.doccache import clause_ids_digest
    from build_tools.enrich.references import OUTCOME, ResolvedMemo, find_references, resolve_by_difference

    def resolved(memo):
        docs = [dataclasses.replace(d) for d in laws_with_copies]
        for d in docs:
            d.references = find_references(d)
        kept, walked = memo(docs), []
        for d in docs:
            d.walk = (lambda d: lambda: walked.append(d.id) or type(d).walk(d))(d)
        resolve_by_difference(docs, None, None, None, None, kept)
        return [(d.id, [tuple(getattr(r, f) for f in OUTCOME) for r in d.references]) for d in docs], walked

    want, walked_all = resolved(lambda docs: None)
    got, walked = resolved(lambda docs: ResolvedMemo(tmp_path / "r.marshal", {d.id: d.id for d in docs},
                                                      {d.id: clause_ids_digest(d) for d in docs}))
    assert got == want and sum(1 for _, refs in got for o in refs if o[1]) > 20  # articles found
    assert len(walked) < len(walked_all) and any(d.endswith("-c1") for d in walked_all)
