"""Small builders for hand-made edge-case Notices and Clauses.

Real documents come from the pipeline (``support.site_build.real_notices``);
these are for the cases the seeds do not have (markup in a title, two
provinces with the same indicator, a reference to a given clause).

``clause(id, text)`` reads the clause-id grammar of ``build_tools.clauses.structure``
(the form the seeds use) for the label, kind and number:

- ``s2`` → section ``二``;  ``s2-3`` → item ``二（三）`` (seed 002);
  ``s1-2-1`` → subitem ``一（二）1`` (seed 003);  ``p1`` → preamble ``第1段``;
- ``art-82`` → article ``第八十二条``;  ``art-2-p2`` → ``第二条第二款``;
  ``art-24-i1`` → ``第二十四条第（一）项`` (专利法).

Any other id needs ``label=`` and ``kind=``.  ``notice(...)`` sets each
clause's ``level`` from its depth and, unless given, the body to the clause
texts in reading order (so the conservation rule holds).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from build_tools.models import Clause, Notice, Region
from build_tools.numerals import int_cn
from build_tools.regions import lookup

__all__ = ["clause", "notice", "notice_with"]

SECTION = re.compile(r"s(\d+)((?:-\d+){0,2})")
ARTICLE = re.compile(r"art-(\d+)(?:-(p|i)(\d+))?")
PREAMBLE = re.compile(r"p(\d+)")


def grammar(cid: str) -> tuple[str, str, int, Optional[int]]:
    """(label, kind, level, number) for an id of the structure grammar."""
    if m := SECTION.fullmatch(cid):
        nums = [int(m.group(1))] + [int(x) for x in m.group(2).split("-")[1:]]
        label = int_cn(nums[0])
        if len(nums) > 1:
            label += f"（{int_cn(nums[1])}）"
        if len(nums) > 2:
            label += str(nums[2])
        return label, ("section", "item", "subitem")[len(nums) - 1], len(nums), nums[-1]
    if m := ARTICLE.fullmatch(cid):
        art = f"第{int_cn(int(m.group(1)))}条"
        if not m.group(2):
            return art, "article", 1, int(m.group(1))
        k = int(m.group(3))
        if m.group(2) == "p":
            return f"{art}第{int_cn(k)}款", "paragraph", 2, k
        return f"{art}第（{int_cn(k)}）项", "law-item", 2, k
    if m := PREAMBLE.fullmatch(cid):
        return f"第{m.group(1)}段", "preamble", 1, None
    raise ValueError(f"clause id {cid!r} is not in the s/art/p grammar: pass label= and kind=")


def clause(cid: str, text: str, *, label: Optional[str] = None, kind: Optional[str] = None,
           children: Iterable[Clause] = (), themes: Iterable[str] = (), line: Optional[int] = None) -> Clause:
    """One clause; label/kind/number from the id unless given."""
    if label is None or kind is None:
        g_label, g_kind, level, number = grammar(cid)
    else:
        g_label, g_kind, level, number = label, kind, 1, None
    return Clause(cid, label or g_label, level, kind or g_kind, text, number=number, line=line,
                  children=list(children), themes=list(themes))


def set_levels(clauses: list[Clause], level: int = 1) -> None:
    for c in clauses:
        c.level = level
        set_levels(c.children, level + 1)


def notice(doc_id: str, *, title: Optional[str] = None, clauses: Iterable[Clause] = (),
           body: Optional[str] = None, region: str | Region | None = None, source_file: Optional[str] = None,
           **fields) -> Notice:
    """A Notice; ``region`` may be a name (``昆明市`` → its GB/T 2260 chain);
    ``fields`` are any other Notice fields (issuer, date_written, doc_type,
    status, references, goals, targets, …).  ``year`` follows the date."""
    clauses = list(clauses)
    set_levels(clauses)
    if isinstance(region, str):
        found = lookup(region)
        if found is None:
            raise ValueError(f"unknown region {region!r}")
        region = found
    n = Notice(id=doc_id, title=title or f"{doc_id}号测试文件", source_file=source_file or f"{doc_id}.txt",
               body="", region=region, clauses=clauses, **fields)
    n.body = body if body is not None else "\n".join(c.text for c in n.walk())
    if n.year is None and n.date:
        n.year = int(n.date[:4])
    return n


def notice_with(text: str, *, title: str = "测试文件", kind: str = "notice", nid: str = "t") -> Notice:
    """A notice whose clauses are the given non-empty lines (``p1``, ``p2`` …,
    kind ``paragraph``): real sentences for the enrich rules, one per clause."""
    lines = [x for x in text.splitlines() if x.strip()]
    clauses = [Clause(f"p{i}", str(i), 1, "paragraph", s) for i, s in enumerate(lines, 1)]
    return Notice(id=nid, title=title, source_file="t.txt", body="\n".join(lines), kind=kind, clauses=clauses)
