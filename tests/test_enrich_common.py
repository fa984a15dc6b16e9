"""Shared loaders for the enrich tests (real files through the real stages)."""
from __future__ import annotations

from pathlib import Path

from build_tools.metadata import load_notice
from build_tools.models import Clause, Notice
from build_tools.structure import parse_structure


def load(path: Path | str) -> Notice:
    """read + metadata + structure, as the pipeline does."""
    n = load_notice(path)
    n.clauses = parse_structure(n.body, n.kind, n.title).clauses
    return n


def notice_with(text: str, *, title: str = "测试文件", kind: str = "notice", nid: str = "t") -> Notice:
    """A notice whose clauses are the given lines (p1, p2 …)."""
    lines = [x for x in text.splitlines() if x.strip()]
    clauses = [Clause(f"p{i}", str(i), 1, "paragraph", s) for i, s in enumerate(lines, 1)]
    return Notice(id=nid, title=title, source_file="t.txt", body="\n".join(lines), kind=kind, clauses=clauses)


def test_loader_gives_clause_tree(seed_files):
    n = load(seed_files["003"])
    ids = [c.id for c in n.walk()]
    assert "s3-4-p1" in ids and "title-p2" in ids
