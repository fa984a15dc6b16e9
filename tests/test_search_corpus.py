"""Search over a real larger set: govcn2019 pages, <p> paragraphs as clauses.

Every sampled substring of a paragraph must find that paragraph, and the
hits for sub-word queries must equal plain substring search.
"""
from __future__ import annotations

import random

import pytest

from build_tools.models import Clause, Notice, Region
from search import tokenizer as tk
from search.index import build_index
from search.query import search

pytestmark = pytest.mark.slow


def _govcn_notices(govcn_dir) -> list[Notice]:
    from bs4 import BeautifulSoup

    out = []
    for i, f in enumerate(sorted(govcn_dir.glob("*.html"))):
        soup = BeautifulSoup(f.read_bytes(), "lxml")
        title = soup.title.get_text(strip=True) if soup.title else f.stem
        paras = [p.get_text(" ", strip=True) for p in soup.find_all("p")]
        paras = [p for p in paras if len(p) > 5]
        clauses = [
            Clause(id=f"p{j}", label=f"第{j}段", level=1, kind="paragraph", text=p)
            for j, p in enumerate(paras, 1)
        ]
        out.append(Notice(
            id=f"gov{i:02d}", title=title or f.stem, source_file=f.name,
            body="\n".join(paras), year=2019, clauses=clauses,
            region=Region("全国", "100000", [("全国", "100000")]),
        ))
    return out


@pytest.fixture(scope="module")
def govcn(govcn_dir, tmp_path_factory):
    ns = _govcn_notices(govcn_dir)
    d = tmp_path_factory.mktemp("govcn")
    build_index(ns, d)
    return ns, d


def test_sampled_substrings_find_their_paragraph(govcn):
    ns, d = govcn
    rnd = random.Random(2019)
    clauses = [(n.id, c) for n in ns for c in n.walk() if len(c.text) > 30]
    checked = 0
    for _ in range(120):
        doc, c = rnd.choice(clauses)
        a = rnd.randrange(len(c.text) - 8)
        sub = c.text[a : a + rnd.randint(2, 8)]
        if not any(tk.is_han(ch) for ch in sub) or not sub.strip():
            continue
        if any(ch.isascii() and ch.isalnum() for ch in sub):
            continue  # may cut a letters/digits run in two
        q = '"' + sub.replace('"', " ") + '"'
        hits = {(h.doc_id, h.clause_id) for h in search(d, q, limit=5000)}
        assert (doc, c.id) in hits, sub
        checked += 1
    assert checked > 60


@pytest.mark.parametrize("q", ["税", "专利", "营商", "产权", "地理", "融资"])
def test_subword_hits_equal_substring_search(govcn, q):
    ns, d = govcn
    expected = {(n.id, c.id) for n in ns for c in n.walk() if q in tk.normalize(c.text)}
    got = {(h.doc_id, h.clause_id) for h in search(d, q, limit=100000) if h.kind == "clause"}
    assert expected and got == expected
