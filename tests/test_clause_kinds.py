"""Clause kinds declared once (issue 24): ``clauseids.KINDS`` holds every kind the structure
engine gives, with what the page outline, the Word download, theme matching and the citation
guide do with it; those four read it and keep no list of their own."""
from __future__ import annotations

import copy
import io
import re
import zipfile
from pathlib import Path

import pytest

from build_tools.clauses import clauseids
from build_tools.clauses.clauseids import KINDS, ClauseKind, kind_of, kinds_where
from build_tools.errors import SourceError
from build_tools.ingest.metadata import load_notice
from build_tools.clauses.structure import parse_structure
from build_tools.vocabulary import load_vocabulary
from conftest import SEED_FILES, SHARED

CORPUS = SHARED / "corpus"
LAW_STEP = 15  # every 15th lawrefbook law: 232 laws, every law form


def corpus_files() -> list[Path]:
    files = sorted(SEED_FILES.values())
    for sub in ("govcn2019", "provincial", "sites2"):
        files += sorted((CORPUS / sub).glob("*.html"))
    # the PDF and DOCX files; DOC/WPS go through LibreOffice (2-4 s each) into the DOCX reader
    files += sorted(p for p in (CORPUS / "attachments").iterdir() if p.suffix in (".pdf", ".docx"))
    laws = sorted(p for p in (CORPUS / "lawrefbook").rglob("*.md") if p.name != "_index.md")
    return files + laws[::LAW_STEP]


@pytest.fixture(scope="module")
def produced() -> dict[str, str]:
    """Kind -> the first real document whose clauses have it."""
    out: dict[str, str] = {}
    for path in corpus_files():
        try:
            n = load_notice(path)
        except SourceError:  # a scan without a text layer
            continue
        for c in parse_structure(n.body, n.kind, n.title).walk():
            out.setdefault(c.kind, path.name)
    return out


def test_every_kind_the_engine_gives_is_declared_and_every_declared_kind_is_given(produced):
    """On the seeds, govcn2019, provincial, sites2, the attachment files and a sample of laws:
    each kind of each clause has its row in KINDS, and no row is dead."""
    assert len(produced) >= 15
    undeclared = {k: doc for k, doc in produced.items() if k not in KINDS}
    assert not undeclared, f"declare these kinds in clauseids.KINDS: {undeclared}"
    assert set(KINDS) - set(produced) == set(), "declared kinds no real document gives"


def test_the_users_read_the_declarations():
    """The four old hand lists are views of KINDS, with the values they had."""
    from build_tools.enrich.themes import HEADING_KINDS  # the users under test
    from build_tools.render.cite import NOTICE_KINDS
    from build_tools.render.downloads import DOCX_HEADINGS

    assert dict(DOCX_HEADINGS) == {"heading": 1, "part": 1, "chapter": 1, "section": 2, "subchapter": 2, "attachment": 1}
    assert set(HEADING_KINDS) == {"section", "item", "ordinal", "enum", "chapter", "part", "subchapter", "heading",
                                  "attachment"}
    assert set(NOTICE_KINDS) == {"item", "subitem", "ordinal", "enum"}
    assert {k for k in KINDS if kind_of(k).outline == "law"} == {"part", "chapter", "subchapter", "article"}
    assert {k for k in KINDS if kind_of(k).outline == "notice"} == {"heading", "section", "item", "ordinal", "attachment"}
    assert kind_of("no-such-kind") == ClauseKind("no-such-kind")
    with pytest.raises(AttributeError):
        kinds_where("no_such_property")


def test_a_kind_declared_in_one_place_reaches_every_user(monkeypatch):
    """A new kind (here ``box``, 专栏 boxes of a plan) declared by one row with every property:
    the outline lists it with its whole heading, the Markdown and Word files make
    it a heading of its level, theme matching reads its heading and the citation guide may pick
    it; undeclared, none of them does."""
    from build_tools.enrich.themes import tag_clauses  # the users under test
    from build_tools.render.cite import example_notice_clause
    from build_tools.render.downloads import docx_bytes, markdown_file, word_bookmark
    from build_tools.render.pages import outline_entries, outline_title

    base = load_notice(SEED_FILES["001"])
    base.clauses = parse_structure(base.body, base.kind, base.title).clauses
    base.doc_number = base.doc_number or "测试〔2024〕1号"
    base.status = "正式"

    plant = next(t.slug for t in load_vocabulary() if t.name == "植物新品种")
    probe = copy.deepcopy(base)
    tag_clauses(probe)
    assert plant not in probe.themes  # only the box's heading brings it

    def with_box() -> tuple:
        n = copy.deepcopy(base)
        for c in n.walk():  # no other candidate for the citation guide's example
            if c.kind in ("item", "subitem", "ordinal", "enum"):
                c.kind = "paragraph"
        top = next(c for c in n.clauses if c.kind == "section" and c.children)
        sub = top.children[0]
        sub.kind = "box"
        sub.text = "专栏：植物新品种保护，推动品种权转化运用\n" + sub.text
        return n, sub

    def users(n, sub) -> dict:
        first = sub.text.split("\n")[0]
        tag_clauses(n)
        xml = zipfile.ZipFile(io.BytesIO(docx_bytes(n, "", "2026-12-07", "GB"))).read("word/document.xml").decode()
        para = re.search(rf'<w:p>(?:(?!</w:p>).)*w:name="{re.escape(word_bookmark(sub.id))}"(?:(?!</w:p>).)*</w:p>', xml, re.S)
        picked = example_notice_clause([n])
        return {"outline": sub.id in [e.clause.id for top in outline_entries(n) for e in [top, *top.children]],
                "whole heading": outline_title(sub) == first[:28] + ("…" if len(first) > 28 else ""),
                "markdown": f"**{first}**" in markdown_file(n, ""),
                "word": para is not None and 'w:pStyle w:val="Heading4"' in para.group(0),
                "theme": plant in n.themes,
                "cite": picked is not None and picked[1] is sub}

    before = users(*with_box())
    assert not any(before.values()), before
    monkeypatch.setitem(KINDS, "box", ClauseKind("box", outline="notice", unit="栏", heading_line=True,
                                                 heading_level=3, theme_heading=True, notice_sub=True))
    after = users(*with_box())
    assert all(after.values()), after
    monkeypatch.delitem(KINDS, "box")
    assert users(*with_box()) == before  # nothing kept a copy
    assert clauseids.kind_of("box").heading_level == 0


# ------------------------------------------------------------------ ids through the one grammar (issue 24)

ID_PART = re.compile(r"""f["'](?:art-|s|att|p|i|d)\{""")  # an f-string writing an id part by hand


def test_no_module_writes_a_clause_id_by_hand():
    """Clause ids made from numbers (attachments' ``att1-…``, memo's 第一款, the citation
    lookup's ``art-63-p2`` and ``s2-3``) go through clauseids; no other module spells a part.
    (write/mkbuild.py's ``s{k}`` names a Pagefind shard, not a clause.)"""
    root = Path(__file__).resolve().parent.parent
    hand = [f"{p.relative_to(root)}:{i}" for pkg in ("build_tools", "search") for p in sorted((root / pkg).rglob("*.py"))
            if p.name != "clauseids.py"
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if ID_PART.search(line) and "shard" not in line and "bundles" not in line]
    assert hand == []


def test_ids_made_from_numbers_are_the_engines():
    """On real documents: every article id the engine gave is ``article_id`` of its parsed
    numbers, every 二（三） id ``section_id``, and an attachment file's clauses keep their id
    and label after ``attachment_id`` / ``attachment_label`` (the locked ``att1-s2-3``)."""
    from search.citation import Cite  # the citation lookup's ids under test

    from build_tools.clauses.clauseids import attachment_id, attachment_label, article_id, parse_article, section_id

    articles = sections = 0
    for name in ("govcn-033.html", "govcn-047.html"):
        n = load_notice(CORPUS / "govcn2019" / name)
        for c in parse_structure(n.body, n.kind, n.title).walk():
            a = parse_article(c.id)
            if a:
                assert article_id(*a) == c.id
                assert Cite(article=a.article, sub=a.sub or None, para=a.para or None, item=a.item or None).clause_id() == c.id
                articles += 1
    for path in SEED_FILES.values():
        n = load_notice(path)
        for c in parse_structure(n.body, n.kind, n.title).walk():
            m = re.fullmatch(r"s(\d+)(?:-(\d+))?", c.id)
            if m:
                assert section_id(int(m.group(1)), int(m.group(2) or 0)) == c.id
                if m.group(2):
                    assert Cite(section=(int(m.group(1)), int(m.group(2)))).clause_id() == c.id
                sections += 1
    assert articles > 50 and sections > 50
    assert attachment_id(1, "s2-3") == "att1-s2-3" and attachment_label(2, "三（二）") == "附件2 三（二）"
