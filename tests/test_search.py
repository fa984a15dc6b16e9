"""Offline search (issue 6): tokenisers, incremental index, queries, CLI.

Every index test runs on both backends (Whoosh and tantivy, issue 7): the
same pinned results must come out of each.

Seed notices come from build_tools.ingest.metadata.load_notice (sidecar metadata,
normalised body) and build_tools.clauses.structure.parse_structure (clause tree;
paragraphs p1..pN if it is missing).  Expected sets are computed from the
same clause texts by plain substring search, so every assertion can fail.
"""
from __future__ import annotations

import copy
import io
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.models import Clause, Notice
from search import tokenizer as tk
from search.cli import parse_years
from search.index import build_index, notice_records
from search.query import SearchError, find_literals, search
from search.whoosh_backend import JiebaTokenizer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "source_texts").glob("*.txt"))


def paragraph_clauses(body: str) -> list[Clause]:
    """Fallback structure: one clause per non-empty paragraph."""
    out = []
    for i, para in enumerate((p for p in body.split("\n") if p.strip()), 1):
        out.append(Clause(id=f"p{i}", label=f"第{i}段", level=1, kind="paragraph", text=para))
    return out


def load_seed(path: Path) -> Notice:
    from build_tools.ingest.metadata import load_notice

    n = load_notice(path)
    if not n.clauses:
        try:  # the real clause tree
            from build_tools.clauses.structure import parse_structure

            n.clauses = parse_structure(n.body, n.kind, n.title).clauses
        except ImportError:
            pass
    if not n.clauses:
        n.clauses = paragraph_clauses(n.body)
    try:  # clause and document themes, once the enrich stage exists
        from build_tools.enrich.themes import tag_clauses

        tag_clauses(n)
    except ImportError:
        pass
    return n


def seed_notices() -> list[Notice]:
    return [load_seed(p) for p in SEEDS]


@pytest.fixture(scope="module")
def notices() -> list[Notice]:
    return seed_notices()


@pytest.fixture(scope="module")
def ids(notices) -> dict[str, str]:
    """Seed number ('000') -> notice id."""
    return {Path(n.source_file).name[:3]: n.id for n in notices}


BACKENDS = ["whoosh", "tantivy"]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, notices, backend) -> Path:
    d = tmp_path_factory.mktemp(f"ix-{backend}")
    st = build_index(notices, d, base_url="https://example.org/", backend=backend)
    assert st.backend == backend
    return d


def containing(notices, needle: str) -> set[tuple[str, str]]:
    """(doc id, clause id) of every clause whose text contains ``needle``."""
    return {
        (n.id, c.id)
        for n in notices
        for c in n.walk()
        if needle in tk.normalize(c.text)
    }


def clause_hits(index_dir, q, **kw) -> set[tuple[str, str]]:
    return {
        (h.doc_id, h.clause_id)
        for h in search(index_dir, q, limit=10000, **kw)
        if h.kind == "clause"
    }


# ------------------------------------------------------------ tokenisers


def _phrase_found(index_terms, qgrams) -> bool:
    """Simulate Whoosh: query tokens (terms, X* prefixes) at consecutive positions."""
    at = {pos: term for term, pos, _, _ in index_terms}
    assert len(at) == len(index_terms)  # one term per slot
    first = qgrams[0][1]
    for p in at:
        if all(
            p + g[1] - first in at and tk.token_matches(g[0], at[p + g[1] - first])
            for g in qgrams
        ):
            return True
    return False


def _cuts_word(t: str, i: int) -> bool:
    def w(c):
        return c.isalnum() and not tk.is_han(tk.norm_char(c))

    return 0 < i < len(t) and w(t[i - 1]) and w(t[i])


def test_every_substring_is_a_phrase_of_grams(notices):
    rnd = random.Random(6)
    texts = [c.text for n in notices for c in n.walk() if len(c.text) > 20]
    for _ in range(300):
        t = rnd.choice(texts)
        a = rnd.randrange(len(t) - 1)
        b = min(len(t), a + rnd.randint(1, 9))
        if _cuts_word(t, a) or _cuts_word(t, b):
            continue  # letters/digits runs are whole tokens (2022 ≠ 20)
        sub = t[a:b]
        qg = tk.query_grams(sub)
        if not qg:
            continue  # punctuation only
        assert _phrase_found(list(tk.index_grams(t)), qg), sub


def test_grams_do_not_match_across_other_text():
    terms = list(tk.index_grams("营商，环境优化"))
    assert not _phrase_found(terms, tk.query_grams("环境营商"))
    assert not _phrase_found(terms, tk.query_grams("营商环境"))  # ， separates
    assert _phrase_found(terms, tk.query_grams("营商，环境"))
    # punctuation in the query is ignored, so it also finds the joined form
    assert _phrase_found(list(tk.index_grams("优化营商环境")), tk.query_grams("营商“环境”"))


def test_query_grams_shapes():
    assert [g[0] for g in tk.query_grams("优化营商环境")] == ["优化", "化营", "营商", "商环", "环境"]
    assert [g[0] for g in tk.query_grams("到2025年")] == ["到*", "2025", "年*"]
    assert [g[0] for g in tk.query_grams("税")] == ["税*"]
    assert [g[0] for g in tk.query_grams("ＧＢ／Ｔ")] == ["gb", "t"]


def test_jieba_positions_are_sequential(notices):
    text = notices[1].body[:800]
    toks = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in JiebaTokenizer()(text, positions=True, chars=True)
    ]
    assert [p for _, p, _, _ in toks] == list(range(len(toks)))
    for w, _, s, e in toks:
        assert tk.normalize(text[s:e]) == w


def test_userdict_keeps_ip_terms_whole():
    words = [w for w, _, _ in tk.jieba_words("实行侵权惩罚性赔偿制度，保护地理标志")]
    assert "惩罚性赔偿" in words and "地理标志" in words
    plain = [w for w, _, _ in tk.jieba_words("实行侵权惩罚性赔偿制度，保护地理标志", userdict=False)]
    assert "惩罚性赔偿" not in plain


# ------------------------------------------------------------ queries


def test_punitive_damages_in_three_seeds(index_dir, notices, ids):
    hits = clause_hits(index_dir, "惩罚性赔偿")
    assert {d for d, _ in hits} == {ids["000"], ids["001"], ids["002"]}
    assert hits == containing(notices, "惩罚性赔偿")


def test_phrase_sanhe_yi_exactly_two_documents(index_dir, ids):
    for q in ['"三合一"', "“三合一”", "三合一"]:
        docs = {h.doc_id for h in search(index_dir, q, limit=100)}
        assert docs == {ids["000"], ids["002"]}, q


def test_region_filter_includes_children(index_dir, ids):
    yn = {h.doc_id for h in search(index_dir, "惩罚性赔偿", region="云南省", limit=100)}
    assert yn == {ids["000"], ids["002"]}
    assert {h.doc_id for h in search(index_dir, "惩罚性赔偿", region="530000", limit=100)} == yn
    assert {h.doc_id for h in search(index_dir, "惩罚性赔偿", region="昆明市", limit=100)} == {ids["002"]}
    assert {h.doc_id for h in search(index_dir, "知识产权", region="四川省", limit=100)} == {ids["004"]}


@pytest.mark.parametrize("q", ["税", "企业", "赔偿", "标志", "品种", "秘密", "营商环境", "2025年", "知识产权"])
def test_subword_and_single_char_recall(index_dir, notices, q):
    expected = containing(notices, q)
    assert expected, q
    assert clause_hits(index_dir, q) == expected


def test_boolean_operators(index_dir, notices):
    a, b = containing(notices, "地理标志"), containing(notices, "商业秘密")
    assert clause_hits(index_dir, "地理标志 OR 商业秘密") == a | b
    assert clause_hits(index_dir, "地理标志 AND 商业秘密") == a & b
    assert clause_hits(index_dir, "地理标志 商业秘密") == a & b
    assert clause_hits(index_dir, "地理标志 NOT 商业秘密") == a - b
    assert clause_hits(index_dir, "(地理标志 OR 商业秘密) NOT 植物新品种") == (a | b) - containing(notices, "植物新品种")


def test_field_syntax_and_filters(index_dir, notices, ids):
    assert {d for d, _ in clause_hits(index_dir, "title:昆明 惩罚性赔偿")} == {ids["002"]}
    assert {d for d, _ in clause_hits(index_dir, "标题:昆明 惩罚性赔偿")} == {ids["002"]}
    y2015 = {h.doc_id for h in search(index_dir, "知识产权", years=(2015, 2015), limit=500)}
    assert y2015 == {n.id for n in notices if n.year == 2015}
    assert {h.doc_id for h in search(index_dir, "知识产权 year:[2020 TO 2021]", limit=500)} == {
        n.id for n in notices if n.year in (2020, 2021)
    }
    st = {h.doc_id for h in search(index_dir, "知识产权", status="征求意见稿", limit=500)}
    assert st == {n.id for n in notices if n.status == "征求意见稿"}
    typ = {h.doc_id for h in search(index_dir, "知识产权", doc_type="实施意见", limit=500)}
    assert typ == {n.id for n in notices if n.doc_type == "实施意见"}


def test_theme_filter_by_name_or_slug(index_dir, notices):
    slug = "judicial-protection"
    expected = {
        (n.id, c.id)
        for n in notices
        for c in n.walk()
        if "惩罚性赔偿" in c.text and (slug in c.themes or slug in n.themes)
    }
    assert expected
    assert clause_hits(index_dir, "惩罚性赔偿", theme="司法保护") == expected
    assert clause_hits(index_dir, "惩罚性赔偿", theme=slug) == expected
    assert clause_hits(index_dir, "惩罚性赔偿 主题:司法保护") == expected


def test_total_respects_filters(index_dir, notices):
    from search.query import run_search

    res = run_search(index_dir, "知识产权", region="吉林省", limit=3)
    full = search(index_dir, "知识产权", region="吉林省", limit=100000)
    assert len(res.hits) == 3 and res.total == len(full)
    assert {h.doc_id for h in full} == {n.id for n in notices if n.region.name == "吉林省"}


def test_title_records(index_dir, notices, ids):
    hits = [h for h in search(index_dir, "强市建设示范城市", limit=50) if h.kind == "title"]
    assert [h.doc_id for h in hits] == [ids["002"]]
    assert hits[0].clause_id is None and "#" not in hits[0].url


def test_highlights_mark_the_right_characters(index_dir):
    for q, needles in [("惩罚性赔偿", ["惩罚性赔偿"]), ("税", ["税"]),
                       ("地理标志 OR 商业秘密", ["地理标志", "商业秘密"]),
                       ("地理标志 NOT 商业秘密", ["地理标志"])]:
        hits = search(index_dir, q, limit=50)
        assert hits
        for h in hits:
            marked = [h.fragment[s:e] for s, e in h.highlights]
            assert marked and all(m in needles for m in marked), (q, marked)
            # every occurrence inside the fragment is marked
            count = sum(h.fragment.count(n) for n in needles)
            assert len(marked) == count, (q, h.fragment)


def test_highlight_literals_mirror_the_index():
    lit = tuple(g[0] for g in tk.query_grams("三合一 审判"))
    assert find_literals("“三合一”审判", [lit]) == [(1, 7)]
    assert find_literals("三合，一审判", [tuple(g[0] for g in tk.query_grams("三合一"))]) == []
    assert find_literals("纳税人缴税", [("税*",)]) == [(1, 2), (4, 5)]


def test_fragment_is_a_window_of_the_clause(index_dir, notices):
    texts = {(n.id, c.id): c.text for n in notices for c in n.walk()}
    for h in search(index_dir, "知识产权", limit=200):
        if h.kind == "clause":
            t = texts[(h.doc_id, h.clause_id)]
            assert t[h.fragment_start : h.fragment_start + len(h.fragment)] == h.fragment
            assert h.text_length == len(t)


def test_hit_fields(index_dir, notices):
    h = search(index_dir, "惩罚性赔偿", limit=1)[0]
    n = next(n for n in notices if n.id == h.doc_id)
    c = n.clause(h.clause_id)
    assert h.citation == n.citation(c) and h.title == n.title
    assert h.url == f"https://example.org/notices/{n.id}.html#{c.id}"
    assert h.year == n.year and h.region[0] == n.region.chain[0][0]


def test_bad_queries_raise_search_error(index_dir):
    for q in ["", "   ", "，。、", "year:abc", "税 OR", "AND 税", "(税 OR) 企业", "税 NOT"]:
        with pytest.raises(SearchError):
            search(index_dir, q)
    assert search(index_dir, "NOT 税", limit=1)  # a leading NOT is fine


def test_star_with_filters_lists_a_region(index_dir, notices):
    got = {h.doc_id for h in search(index_dir, "*", region="云南省", limit=1000)}
    assert got == {n.id for n in notices if "云南省" in n.region.names}


def test_missing_and_empty_index(tmp_path, backend):
    with pytest.raises(SearchError, match="make site"):
        search(tmp_path / "nope", "税")
    build_index([], tmp_path / "empty", backend=backend)
    with pytest.raises(SearchError, match="make site"):
        search(tmp_path / "empty", "税")


def test_index_of_an_older_schema_is_refused(tmp_path, notices, backend):
    import search.index as sindex

    d = tmp_path / "old"
    build_index(notices[:1], d, backend=backend)
    meta = json.loads((d / sindex.META_FILE).read_text("utf-8"))
    meta["schema"] = sindex.SCHEMA_VERSION - 1
    (d / sindex.META_FILE).write_text(json.dumps(meta), "utf-8")
    with pytest.raises(SearchError, match="重新运行"):
        search(d, "知识产权")
    st = build_index(notices[:1], d, backend=backend)  # and the next build recreates it
    assert st.rebuilt and search(d, "知识产权")


# ------------------------------------------------------------ incremental


def test_incremental_touches_only_the_changed_document(tmp_path, notices, backend):
    d = tmp_path / "ix"
    first = build_index(notices, d, backend=backend)
    assert first.rebuilt and len(first.added) == len(notices)
    again = build_index(notices, d, backend=backend)
    assert (again.added, again.updated, again.removed) == ([], [], [])
    assert again.unchanged == len(notices) and again.segmented == 0

    changed = copy.deepcopy(notices)
    target = changed[3]
    c = next(iter(target.walk()))
    c.text = c.text + "新增的独角兽条款"
    st = build_index(changed, d, backend=backend)
    assert st.updated == [target.id] and not st.added and not st.removed
    # only the edited document went through jieba again
    assert st.segmented == len(notice_records(target))
    assert {h.doc_id for h in search(d, "独角兽")} == {target.id}

    st = build_index(changed[:-1], d, backend=backend)
    assert st.removed == [changed[-1].id]
    assert changed[-1].id not in {h.doc_id for h in search(d, "知识产权", limit=1000)}
    assert st.records == sum(len(notice_records(n)) for n in changed[:-1])


def test_duplicate_ids_rejected(tmp_path, notices):
    with pytest.raises(ValueError):
        build_index([notices[0], notices[0]], tmp_path / "dup")


# ------------------------------------------------------------ CLI


def _cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    from search import cli

    p = cli.configure(__import__("argparse").ArgumentParser())
    args = p.parse_args(list(argv))
    rc = cli.run(args, out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_cli_json(index_dir, ids):
    rc, out, _ = _cli("惩罚性赔偿", "--region", "云南省", "--year", "2015..2023",
                      "--json", "--index", str(index_dir))
    data = json.loads(out)
    assert rc == 0 and data["schema"] == "iparchive-search/1"
    assert data["filters"]["years"] == [2015, 2023] and data["filters"]["region"] == "云南省"
    assert {h["doc_id"] for h in data["hits"]} == {ids["000"], ids["002"]}
    assert data["total"] == len(data["hits"]) == data["returned"]
    h = data["hits"][0]
    assert h["rank"] == 1 and "【惩罚性赔偿】" in h["fragment_marked"]
    for s, e in h["highlights"]:
        assert h["fragment"][s:e] == "惩罚性赔偿"


def test_cli_plain_and_errors(index_dir, tmp_path):
    rc, out, _ = _cli("三合一", "--index", str(index_dir))
    assert rc == 0 and "【三合一】" in out and "\x1b[" not in out and "共 " in out
    rc, out, _ = _cli("三合一", "--index", str(index_dir), "--color", "always")
    assert "\x1b[1;31m三合一\x1b[0m" in out
    rc, _, err = _cli("税", "--index", str(tmp_path / "none"))
    assert rc == 2 and "make site" in err and "Traceback" not in err
    rc, out, _ = _cli("year:abc", "--index", str(index_dir), "--json")
    assert rc == 2 and "error" in json.loads(out)


def test_parse_years():
    assert parse_years("2015..2023") == (2015, 2023)
    assert parse_years("2015-2023") == (2015, 2023)
    assert parse_years("2020") == (2020, 2020)
    assert parse_years("2015..") == (2015, 9999)
    with pytest.raises(ValueError):
        parse_years("去年")


def test_query_process_never_loads_jieba(index_dir):
    code = (
        "import sys; from search.cli import main; "
        f"rc = main(['惩罚性赔偿', '--index', {str(index_dir)!r}, '--json']); "
        "assert 'jieba' not in sys.modules, 'jieba loaded'; sys.exit(rc)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["total"] > 0


# ------------------------------------------------------------ CLI: pages, addresses, pipes (issue 14 item 9, 15)


@pytest.fixture(scope="module")
def plain_index(tmp_path_factory, notices) -> Path:
    """The seeds indexed as the build does (site-relative URLs), plus a copy of
    one seed whose clause text carries terminal escapes (a hostile page)."""
    hostile = copy.deepcopy(notices[0])
    hostile.id = "zz-escapes"
    first = next(c for c in hostile.walk() if c.text.strip())
    first.text = "\x1b[2J\x1b]0;pwned\x07惩罚性赔偿\u202e反向\r覆盖" + first.text
    d = tmp_path_factory.mktemp("ix-plain")
    build_index(notices + [hostile], d, backend="whoosh")
    return d


def test_cli_pages_walk_the_same_ranking(plain_index):
    """--limit N --page K shows ranks (K-1)*N+1 .. K*N of the one ranking; the
    count line says which ones and how to get the next page."""
    _, out, _ = _cli("专利", "--index", str(plain_index), "--json", "--limit", "6")
    six = json.loads(out)["hits"]
    _, out, _ = _cli("专利", "--index", str(plain_index), "--json", "--limit", "3", "--page", "2")
    page2 = json.loads(out)
    assert page2["page"] == 2 and [h["rank"] for h in page2["hits"]] == [4, 5, 6]
    assert [h["url"] for h in page2["hits"]] == [h["url"] for h in six[3:6]]
    total = page2["total"]
    assert total > 6
    _, text, _ = _cli("专利", "--index", str(plain_index), "--limit", "3", "--page", "2", "--color", "never")
    assert f"共 {total} 条，显示第 4–6 条；下一页：--page 3" in text
    assert text.splitlines()[0].startswith(" 4. ")
    rc, _, err = _cli("专利", "--index", str(plain_index), "--page", "0")
    assert rc == 2 and "--page" in err


def test_cli_prints_full_urls_from_the_site_url_setting(plain_index, monkeypatch, tmp_path):
    """--site-url, else IPARCHIVE_SITE_URL, else mkdocs.yml's site_url; with
    none, site-relative paths and one note on stderr."""
    from search import where as cli  # where.MKDOCS_YML: the address rule of search and cite

    monkeypatch.delenv("IPARCHIVE_SITE_URL", raising=False)
    monkeypatch.setattr(cli, "MKDOCS_YML", tmp_path / "none.yml")
    _, out, err = _cli("三合一", "--index", str(plain_index), "--color", "never")
    urls = re.findall(r"^    (notices/\S+)$", out, re.M)
    assert urls and all(re.fullmatch(r"notices/[a-z0-9-]+\.html#[a-z0-9-]+", u) for u in urls)
    assert err.count("未设置网站公开地址") == 1 and err.count("\n") == 1
    _, out, err = _cli("三合一", "--index", str(plain_index), "--site-url", "https://ip.example.org/", "--json")
    data = json.loads(out)
    assert data["site_url"] == "https://ip.example.org" and not err
    assert {h["url"] for h in data["hits"]} == {f"https://ip.example.org/{u}" for u in urls}
    monkeypatch.setenv("IPARCHIVE_SITE_URL", "https://env.example.org")
    _, out, _ = _cli("三合一", "--index", str(plain_index), "--color", "never")
    assert "https://env.example.org/notices/" in out
    monkeypatch.delenv("IPARCHIVE_SITE_URL")
    yml = tmp_path / "mkdocs.yml"
    yml.write_text('site_name: x\nsite_url: "https://yml.example.org/"\n', encoding="utf-8")
    monkeypatch.setattr(cli, "MKDOCS_YML", yml)
    _, out, _ = _cli("三合一", "--index", str(plain_index), "--color", "never")
    assert "https://yml.example.org/notices/" in out


def test_cli_never_prints_terminal_escapes_from_stored_text(plain_index):
    """ESC, BEL, CR and bidi overrides in a clause are shown as U+FFFD; the
    JSON keeps the text, escaped by the JSON encoder."""
    _, out, _ = _cli("惩罚性赔偿", "--index", str(plain_index), "--color", "never", "--limit", "50")
    assert "zz-escapes" in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out)
    assert "\ufffd[2J" in out
    _, out, _ = _cli("惩罚性赔偿", "--index", str(plain_index), "--color", "always", "--limit", "50")
    assert set(re.findall(r"\x1b\[[0-9;]*m", out)) <= {"\x1b[1;31m", "\x1b[0m", "\x1b[1m", "\x1b[2m"}
    assert "\x1b[2J" not in out and "\x07" not in out
    _, out, _ = _cli("惩罚性赔偿", "--index", str(plain_index), "--json", "--limit", "50")
    assert "\x1b" not in out and "\\u001b[2J" in out


def test_cli_output_survives_a_closed_pipe(plain_index):
    """``iparchive search 专利 --json | head -1``: the reader stops after one
    line; no BrokenPipeError traceback, exit status 0."""
    code = "import sys; from search.cli import main; sys.exit(main(sys.argv[1:]))"
    for fmt in (["--json"], ["--color", "never"]):
        p = subprocess.Popen([sys.executable, "-c", code, "专利", "--index", str(plain_index), "--limit", "500", *fmt],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = p.stdout.readline()
        p.stdout.close()
        err = p.stderr.read().decode()
        assert p.wait() == 0, err
        assert first.strip() and "Traceback" not in err and "BrokenPipe" not in err, err
