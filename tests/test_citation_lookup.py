"""Issue 25: a typed citation lands on its article or document, first.

Ten forms on real documents: the archive's laws (专利法, 商标法, 著作权法, 反不正当竞争法,
植物新品种保护条例), lawrefbook's 民法典 parts, and gov.cn notices with their 文号
(国发〔2019〕5号 as printed, with [] or () brackets).  ``iparchive cite`` prints the
citation and its URL; ``iparchive search`` puts the article above the text hits."""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from build_tools.cli import main as iparchive
from build_tools.enrich import enrich_all
from build_tools.pipeline import load_documents, source_files
from search import citation
from search.index import build_index
from conftest import GOVCN, LAWREF, ROOT

FORMS = [  # query -> (title, clause id)
    ("专利法第七十一条", "中华人民共和国专利法", "art-71"),
    ("专利法71条", "中华人民共和国专利法", "art-71"),
    ("专利法 第 20 条", "中华人民共和国专利法", "art-20"),
    ("《中华人民共和国著作权法》第五十四条", "中华人民共和国著作权法", "art-54"),
    ("民法典第一千一百八十五条", "中华人民共和国民法典（侵权责任编）", "art-1185"),
    ("民法典第五百七十七条", "中华人民共和国民法典（合同编）", "art-577"),
    ("商标法第六十三条第一款", "中华人民共和国商标法", "art-63"),
    ("商标法第六十三条第三款", "中华人民共和国商标法", "art-63-p3"),
    ("反不正当竞争法第二条", "中华人民共和国反不正当竞争法", "art-2"),
    ("植物新品种保护条例第三十九条", "中华人民共和国植物新品种保护条例", "art-39"),
]


@pytest.fixture(scope="module")
def notices():
    files = (source_files(ROOT / "source_texts") + sorted((LAWREF / "民法典").glob("*编.md"))
             + sorted(GOVCN.glob("govcn-00*.html")))
    res = load_documents(files)
    assert not res.errors, res.errors
    enrich_all(res.notices, today="2026-12-01", related=False)
    return res.notices


@pytest.fixture(scope="module")
def table(notices):
    return citation.citation_table(notices)


@pytest.mark.parametrize("q,title,clause", FORMS)
def test_ten_forms_land_on_the_article(notices, table, q, title, clause):
    hits = citation.resolve(q, table)
    assert hits, q
    byid = {n.id: n for n in notices}
    n = byid[hits[0].doc_id]
    assert (n.title, hits[0].clause_id) == (title, clause)
    c = n.clause(clause)
    assert c is not None and hits[0].url == f"notices/{n.id}.html#{clause}"
    assert hits[0].citation == n.citation(c)  # the same string as the page's 复制引用


def test_doc_numbers_as_printed_and_respelt(notices, table):
    """Every gov.cn notice with a 文号 is found by it, also with [] and () brackets."""
    checked = 0
    for n in notices:
        if n.kind == "law" or not n.doc_number or "〔" not in n.doc_number:
            continue
        for q in (n.doc_number, n.doc_number.replace("〔", "[").replace("〕", "]"),
                  n.doc_number.replace("〔", "（").replace("〕", "）")):
            hits = citation.resolve(q, table)
            assert hits and hits[0].doc_id == n.id and hits[0].clause_id == "", q
        checked += 1
    assert checked >= 5
    # the issue's own example, as typed in its three spellings
    for q in ("国知发保字〔2021〕7号", "国知发保字[2021]7号", "国知发保字（2021）7号", " 国知发保字〔2021〕第7号 "):
        assert citation.parse(q).doc_number == "国知发保字〔2021〕7号", q


def test_not_a_citation_is_no_hit(table):
    for q in ("惩罚性赔偿", "专利", "知识产权保护", "2021年", "专利法第九百条"):
        assert citation.resolve(q, table) == [], q


def test_cli_cite_and_search_put_the_article_first(notices, tmp_path):
    """``iparchive cite`` and ``iparchive search`` on a real index of the archive."""
    src = [n for n in notices if n.source_file.endswith((".md", ".txt"))]
    build_index(src, tmp_path / "index", backend="whoosh")
    assert (tmp_path / "index" / citation.TABLE_NAME).exists()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = iparchive(["cite", "专利法第七十一条", "--index", str(tmp_path / "index"), "--site-url", "https://ip.example.org"])
    law = next(n for n in notices if n.title == "中华人民共和国专利法")
    assert code == 0
    assert buf.getvalue().splitlines()[:2] == ["《中华人民共和国专利法》（2020年修正）第七十一条",
                                              f"    https://ip.example.org/notices/{law.id}.html#art-71"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = iparchive(["search", "专利法第七十一条", "--index", str(tmp_path / "index"), "--color", "never",
                          "--site-url", "https://ip.example.org"])
    lines = buf.getvalue().splitlines()
    assert code == 0 and lines[0].startswith(" ➜ 引用 《中华人民共和国专利法》（2020年修正）第七十一条")
    assert lines[1].strip() == f"https://ip.example.org/notices/{law.id}.html#art-71"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        iparchive(["search", "商标法第六十三条第三款", "--index", str(tmp_path / "index"), "--json"])
    doc = json.loads(buf.getvalue())
    assert doc["citations"][0]["clause_id"] == "art-63-p3"
