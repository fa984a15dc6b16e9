"""The id grammar (build_tools/clauses/clauseids.py) against every id the engine gives
on real documents: the seeds, the 43 gov.cn pages, provincial and a fixed
sample of lawrefbook laws."""
from __future__ import annotations

import random
import re

import pytest

from build_tools.clauses import clauseids as ids
from build_tools.ingest.metadata import load_notice
from build_tools.pipeline import source_files
from build_tools.clauses.structure import parse_structure

from conftest import GOVCN, LAWREF, SEEDS, SHARED

# every part the grammar declares, as a pattern ({n} a number, {path} numbers joined by -)
_PART = "|".join(re.escape(t).replace(r"\{n\}", r"\d+").replace(r"\{sub\}", r"\d+").replace(r"\{path\}", r"\d+(?:-\d+)*")
                 for t in sorted(ids.PARTS.values(), key=len, reverse=True))
GRAMMAR = re.compile(rf"^(?:{_PART})(?:-(?:{_PART}))*(?:-[{ids.DUPLICATES}])?$")


@pytest.fixture(scope="module")
def parsed():
    files = source_files(SEEDS) + sorted(GOVCN.glob("*.html")) + sorted((SHARED / "corpus" / "provincial").glob("*.html"))
    laws = sorted(p for p in LAWREF.rglob("*.md") if p.name != "_index.md")
    random.Random(7).shuffle(laws)
    out = []
    for p in files + laws[:120]:
        n = load_notice(p)
        out.append((p.name, n.kind, list(parse_structure(n.body, n.kind, n.title).walk())))
    return out


def test_every_real_id_is_spelt_by_the_grammar(parsed):
    count = 0
    for name, _, clauses in parsed:
        for c in clauses:
            assert GRAMMAR.match(c.id), (name, c.id)
            count += 1
    assert count > 10000


def test_article_ids_round_trip(parsed):
    """Every article, 款 and 项 id of a law parses and is written back the same;
    references, alignment and the memo checker read ids only this way."""
    seen = 0
    for name, kind, clauses in parsed:
        for c in clauses:
            a = ids.parse_article(c.id)
            if c.kind == "article" and not c.id.startswith("att"):
                assert a is not None and (a.para, a.item) == (0, 0), (name, c.id)
            if a is not None:
                assert ids.article_id(*a) == c.id, (name, c.id)
                base, rest = ids.article_base(c.id)
                assert base == ids.article_id(a.article, a.sub) and base + rest == c.id
                assert ids.fallbacks(c.id)[-1] == base
                seen += 1
    assert seen > 5000


def test_order_key_reads_numbers_as_numbers():
    got = sorted(["s2-10", "s2-9", "s10", "art-2-p2", "art-2", "s2-9-b"], key=ids.order_key)
    assert got == ["art-2", "art-2-p2", "s2-9", "s2-9-b", "s2-10", "s10"]
