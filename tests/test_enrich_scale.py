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
