"""Whoosh and tantivy behind one search interface (issue 7).

The same notices (seeds + govcn2019 paragraphs) are indexed by both
backends; every benchmark query (benchmarks/bench.py QUERIES) and a set of
syntax cases must give the same matches, totals and highlights, and bad
queries the same Chinese messages.  Tantivy's pre-tokenised strings are
checked against the Whoosh analyzers' terms on real text.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.bench import QUERIES, split_query
from search import index as sindex
from search import tokenizer as tk
from search.index import build_index, choose_backend
from search.query import SearchError, run_search, search
from test_search import seed_notices
from test_search_corpus import _govcn_notices

ROOT = Path(__file__).resolve().parent.parent

SYNTAX = [
    "地理标志 商业秘密 OR 植物新品种", "商业秘密 OR 地理标志 知识产权", "NOT 知识产权",
    "知识产权 ANDNOT 专利", "知识产权 ANDMAYBE 专利", "(专利 OR 商标) NOT (外观设计 OR 注册)",
    "税*", '"营商 环境"', "营商，环境", "企业^2 税", "year:[2015 TO 2020] 专利", "year:{2015 TO 2021}",
    "year:2021", "region:云南*", "region:530000 专利", "地区:四川省", "title:昆明", "标题:意见 专利",
    "theme:司法保护", "kind:title", "到2025年", "gb/t", "三合一 审判", "“三合一”审判", "foo:bar",
    "(地理标志 OR 商业秘密", "地理标志)", "title:不存在的标题", "title:昆明 OR 企业",
]


@pytest.fixture(scope="module", params=["seeds", pytest.param("govcn", marks=pytest.mark.slow)])
def notices(request, govcn_dir):
    """The seeds (fast), and the seeds with the govcn2019 pages (slow: ~15 s)."""
    ns = seed_notices()
    return ns + _govcn_notices(govcn_dir) if request.param == "govcn" else ns


@pytest.fixture(scope="module")
def both(tmp_path_factory, notices) -> dict[str, Path]:
    out = {}
    for b in ("whoosh", "tantivy"):
        d = tmp_path_factory.mktemp(b)
        assert build_index(notices, d, base_url="https://example.org/", backend=b).backend == b
        out[b] = d
    return out


def _kwargs(args: list[str]) -> dict:
    kw = {}
    for k, v in zip(args[::2], args[1::2]):
        if k == "--year":
            a, b = v.split("..")
            kw["years"] = (int(a), int(b))
        else:
            kw[{"--region": "region", "--theme": "theme", "--type": "doc_type"}[k]] = v
    return kw


def _matches(d: Path, q: str, **kw) -> tuple[int, dict]:
    res = run_search(d, q, limit=100000, **kw)
    return res.total, {(h.kind, h.doc_id, h.clause_id): (h.fragment, h.highlights) for h in res.hits}


# ------------------------------------------------------------ tokens


def test_fast_gram_and_word_strings_equal_the_analyzers(notices):
    texts = [c.text for n in notices for c in n.walk()] + [n.title for n in notices]
    texts += ["ＧＢ／Ｔ 2260—2007", "到2025年，①纳税人_id", "营商，环境 abc123 〇〇"]
    for t in texts:
        assert tk.gram_string(t).split() == [g[0] for g in tk.index_grams(t)], t
        assert tk.word_string(t).split() == [w for w, _, _ in tk.jieba_words(t)], t


def test_gram_string_positions_are_slots():
    # one term per slot: the n-th term starts with the n-th slot's text
    t = "“三合一”审判，2025年GB/T"
    terms = tk.gram_string(t).split()
    assert terms == ["三合", "合一", "一", "审判", "判", "2025", "年", "gb", "t"]
    assert [s[0] for s in tk.slots(t)] == [x[: len(s[0])] for x, s in zip(terms, tk.slots(t))]


# ------------------------------------------------------------ same results


@pytest.mark.parametrize("q", QUERIES + SYNTAX)
def test_backends_agree(both, q):
    text, args = split_query(q)
    kw = _kwargs(args)
    tw, hw = _matches(both["whoosh"], text, **kw)
    tt, ht = _matches(both["tantivy"], text, **kw)
    assert tw == len(hw) and tt == len(ht)
    assert set(hw) == set(ht), (q, len(hw), len(ht))
    assert hw == ht  # same fragments and highlights


@pytest.mark.parametrize("q", ["惩罚性赔偿", "知识产权", "专利 AND 赔偿", '"三合一"'])
def test_rankings_broadly_agree(both, q):
    """BM25 (tantivy) vs BM25F (Whoosh): the top ten share most records."""
    top = {b: [(h.doc_id, h.clause_id) for h in search(d, q, limit=10)] for b, d in both.items()}
    assert len(top["whoosh"]) == len(top["tantivy"])
    shared = set(top["whoosh"]) & set(top["tantivy"])
    assert len(shared) >= 0.6 * len(top["whoosh"]), top


@pytest.mark.parametrize("q", ["", "   ", "，。、", "year:abc", "year:>2015", "year:[2015 TO x]",
                               "税 OR", "AND 税", "(税 OR) 企业", "税 NOT", "region:[1 TO 2]"])
def test_bad_queries_same_message(both, q):
    msgs = []
    for d in both.values():
        with pytest.raises(SearchError) as e:
            search(d, q)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1], msgs
    assert ("检索式" in msgs[0] or "检索词" in msgs[0]) and "valid" not in msgs[0], msgs


def test_title_without_match_is_no_hits(both):
    for d in both.values():
        res = run_search(d, "title:不存在的标题 专利")
        assert res.total == 0 and res.hits == []


# ------------------------------------------------------------ choosing


def test_auto_threshold_and_environment(monkeypatch):
    monkeypatch.delenv(sindex.BACKEND_ENV, raising=False)
    t = sindex.AUTO_THRESHOLD
    assert choose_backend("auto", t) == "whoosh"
    assert choose_backend("auto", t + 1) == "tantivy"
    assert choose_backend("auto", int(t * 0.9), current="tantivy") == "tantivy"  # hysteresis
    assert choose_backend("auto", int(t * 0.9), current="whoosh") == "whoosh"
    assert choose_backend("whoosh", 10 * t) == "whoosh"
    monkeypatch.setenv(sindex.BACKEND_ENV, "tantivy")
    assert choose_backend("auto", 1) == "tantivy"
    with pytest.raises(ValueError):
        choose_backend("lucene", 1)


def test_auto_switches_backend_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.delenv(sindex.BACKEND_ENV, raising=False)
    ns = seed_notices()
    n_records = sum(len(sindex.notice_records(n)) for n in ns)
    d = tmp_path / "ix"
    monkeypatch.setattr(sindex, "AUTO_THRESHOLD", n_records - 1)
    st = build_index(ns, d)
    assert st.backend == "tantivy" and st.rebuilt
    assert (d / "tantivy").is_dir() and not list(d.glob("MAIN_*"))
    assert json.loads((d / sindex.META_FILE).read_text("utf-8"))["backend"] == "tantivy"
    hits_t = {(h.doc_id, h.clause_id) for h in search(d, "惩罚性赔偿", limit=1000)}
    assert build_index(ns, d).unchanged == len(ns)  # no switch back and forth
    monkeypatch.setattr(sindex, "AUTO_THRESHOLD", n_records * 10)
    st = build_index(ns, d)
    assert st.backend == "whoosh" and st.rebuilt
    assert not (d / "tantivy").exists() and list(d.glob("MAIN_*"))
    assert {(h.doc_id, h.clause_id) for h in search(d, "惩罚性赔偿", limit=1000)} == hits_t


@pytest.mark.parametrize("backend,other", [("whoosh", "tantivy"), ("tantivy", "whoosh")])
def test_command_imports_only_its_backend(tmp_path, backend, other):
    d = tmp_path / backend
    build_index(seed_notices(), d, backend=backend)
    code = (
        "import sys; from search.cli import main; "
        f"rc = main(['惩罚性赔偿', '--index', {str(d)!r}, '--json']); "
        f"assert {other!r} not in sys.modules and 'jieba' not in sys.modules "
        "and 'rjieba' not in sys.modules, 'imported'; sys.exit(rc)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["backend"] == backend and data["total"] > 0


# ------------------------------------------------------------ incremental, real laws


@pytest.mark.slow
def test_tantivy_incremental_on_laws(tmp_path, lawref_dir):
    """Change, add and remove real laws: only those are re-indexed."""
    import copy

    from build_tools.pipeline import load_documents

    files = sorted(p for p in lawref_dir.rglob("*.md") if p.name != "_index.md")[:40]
    ns = load_documents(files).notices
    assert len(ns) >= 30
    d = tmp_path / "laws"
    first = build_index(ns[:-1], d, backend="tantivy")
    assert first.rebuilt and first.records == sum(len(sindex.notice_records(n)) for n in ns[:-1])
    changed = copy.deepcopy(ns)
    c = next(c for c in changed[0].walk() if len(c.text) > 15)
    old = c.text[:12]
    assert old in {x.text[:12] for x in ns[0].walk()}
    c.text = "本条已改为独角兽条款。"
    st = build_index(changed, d, backend="tantivy")
    assert (st.updated, st.added, st.removed) == ([ns[0].id], [ns[-1].id], [])
    assert st.segmented == len(sindex.notice_records(changed[0])) + len(sindex.notice_records(ns[-1]))
    assert {(h.doc_id, h.clause_id) for h in search(d, "独角兽条款")} == {(ns[0].id, c.id)}
    assert ns[-1].id in {h.doc_id for h in search(d, f"doc:{ns[-1].id}", limit=5)}

    st = build_index(changed[1:], d, backend="tantivy")
    assert st.removed == [ns[0].id] and not st.updated and not st.added
    assert search(d, "独角兽条款") == []
    assert ns[0].id not in {h.doc_id for h in search(d, f'"{old}"', limit=1000)}
    assert st.records == sum(len(sindex.notice_records(n)) for n in changed[1:])


@pytest.mark.parametrize("backend", ["whoosh", "tantivy"])
def test_documents_with_unchanged_inputs_keep_their_records_unmade(tmp_path, monkeypatch, backend):
    """``build_index(inputs=…)``: a document whose input digest is the one
    the index recorded is not turned into records again; a changed digest,
    a fresh index (another backend) or another source makes them; the index
    answers as one built without digests."""
    import copy

    ns = seed_notices()
    inputs = {n.id: f"d-{n.id}" for n in ns}
    made: list[str] = []
    real = sindex.notice_records
    monkeypatch.setattr(sindex, "notice_records", lambda n, base_url="": made.append(n.id) or real(n, base_url))
    d, plain = tmp_path / "idx", tmp_path / "plain"
    first = build_index(ns, d, backend=backend, inputs=inputs)
    assert sorted(made) == sorted(n.id for n in ns) and first.rebuilt
    made.clear()
    again = build_index(ns, d, backend=backend, inputs=inputs)
    assert made == [] and again.unchanged == len(ns) and again.records == first.records
    changed = copy.deepcopy(ns)
    c = next(c for c in changed[0].walk() if len(c.text) > 15)
    c.text = "本条已改为独角兽条款。"
    st = build_index(changed, d, backend=backend, inputs=dict(inputs, **{ns[0].id: "d-new"}))
    assert made == [ns[0].id] and st.updated == [ns[0].id]
    assert {(h.doc_id, h.clause_id) for h in search(d, "独角兽条款")} == {(ns[0].id, c.id)}
    build_index(changed, plain, backend=backend)
    for q in ("知识产权", "专利 商标", "独角兽条款"):
        assert _matches(d, q) == _matches(plain, q)
    made.clear()
    other = "tantivy" if backend == "whoosh" else "whoosh"
    st = build_index(changed, d, backend=other, inputs=dict(inputs, **{ns[0].id: "d-new"}))
    assert st.rebuilt and sorted(made) == sorted(n.id for n in ns)  # fresh: every document's records
    made.clear()
    monkeypatch.setattr(sindex, "_code_key", lambda base_url: "another source")
    build_index(changed, d, backend=other, inputs=dict(inputs, **{ns[0].id: "d-new"}))
    assert sorted(made) == sorted(n.id for n in ns)


@pytest.mark.parametrize("backend", ["whoosh", "tantivy"])
def test_a_fresh_index_makes_each_document_s_records_only_when_it_writes_them(tmp_path, monkeypatch, backend):
    """A whole-archive build holds one document's records at a time: the
    backend gets a RecordsToAdd whose lists are made as it reaches them
    (record_count gives the total beforehand), and the index and its meta
    are those of the records made."""
    from search.schema import RecordsToAdd

    ns = seed_notices()
    assert all(sindex.record_count(n) == len(sindex.notice_records(n)) for n in ns)
    made: list[str] = []
    real = sindex.notice_records
    monkeypatch.setattr(sindex, "notice_records", lambda n, base_url="": made.append(n.id) or real(n, base_url))
    mod = sindex.backend_module(backend)
    write = mod.write
    seen = []

    def watched(index_dir, *, add, **kw):
        assert isinstance(add, RecordsToAdd) and made == [] and len(add) == len(ns)
        assert add.records == sum(sindex.record_count(n) for n in ns)
        lists = []
        for k, recs in enumerate(add, 1):
            assert len(made) == k  # one document made, then written
            lists.append(recs)
        seen.extend(lists)
        return write(index_dir, add=lists, **kw)

    monkeypatch.setattr(mod, "write", watched)
    st = build_index(ns, tmp_path / "idx", backend=backend)
    assert st.rebuilt and st.records == sum(len(r) for r in seen) == st.segmented
    meta = json.loads((tmp_path / "idx" / sindex.META_FILE).read_text(encoding="utf-8"))
    assert meta["docs"] == {n.id: sindex.records_hash(real(n)) for n in ns}
    assert meta["counts"] == {n.id: sindex.record_count(n) for n in ns}


# ------------------------------------------------------------ package shape (issue 17 item 3)


def test_both_backends_implement_the_protocol_and_own_their_clear(tmp_path):
    """whoosh_backend and tantivy_backend satisfy schema.Backend; clear_index
    leaves nothing of either backend (each clears its own files)."""
    from search.schema import Backend, META_FILE

    ns = seed_notices()[:2]
    for name in sindex.BACKENDS:
        mod = sindex.backend_module(name)
        assert isinstance(mod, Backend), name
        d = tmp_path / name
        build_index(ns, d, backend=name)
        assert mod.exists(d) and (d / META_FILE).is_file()
        sindex.clear_index(d)
        assert not mod.exists(d) and list(d.iterdir()) == [], list(d.iterdir())


def test_records_are_typed_not_comma_strings():
    """notice_records gives schema.IndexRecord with tuples (a region chain of
    names and codes, themes as slugs), the same that comes back from a search."""
    from search.schema import IndexRecord

    n = next(x for x in seed_notices() if x.region and x.region.code == "530100")
    recs = sindex.notice_records(n)
    assert all(isinstance(r, IndexRecord) for r in recs)
    assert recs[0].kind == "title" and recs[0].region == ("云南省", "530000", "昆明市", "530100")
    assert all(isinstance(r.themes, tuple) and all("," not in t for t in r.themes) for r in recs)
    assert IndexRecord.from_stored(json.loads(recs[1].to_json())) == recs[1]


def test_stored_json_is_the_json_of_stored_for_every_record_of_the_seeds():
    """IndexRecord.to_json (one shared encoder, tuples as arrays) writes the
    bytes json.dumps writes for stored(): the index's stored data is unchanged."""
    recs = [r for n in seed_notices() for r in sindex.notice_records(n)]
    assert len(recs) > 150 and {r.kind for r in recs} == {"title", "clause"}
    for r in recs:
        assert r.to_json() == json.dumps(r.stored(), ensure_ascii=False).encode("utf-8"), r.key


def test_schema_is_a_leaf_without_engines():
    """search/schema.py imports nothing from search/ and loads neither Whoosh,
    tantivy nor jieba; the backends never import search.query."""
    src = (ROOT / "search" / "schema.py").read_text(encoding="utf-8")
    assert "from ." not in src and "import search" not in src
    code = ("import sys, search.schema; bad = [m for m in ('whoosh', 'tantivy', 'jieba', 'rjieba', 'search.query') "
            "if m in sys.modules]; assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for b in ("whoosh_backend", "tantivy_backend", "qparse", "tokenizer"):
        text = (ROOT / "search" / f"{b}.py").read_text(encoding="utf-8")
        assert not re.search(r"^\s*from \.query import|^\s*from \. import query|search\.query", text, re.M), b


def test_a_hard_linked_tantivy_copy_updated_leaves_the_live_index_as_it_was(tmp_path):
    """``publish.prepare_index_copy`` hard-links a tantivy index: updating
    the copy (one document changed, one removed) must not change one byte of
    the live index, which still answers as before."""
    import copy
    import hashlib

    from build_tools.publish.site import prepare_index_copy

    ns = seed_notices()
    live = tmp_path / "index"
    build_index(ns, live, backend="tantivy")
    before = {p: hashlib.sha1(p.read_bytes()).hexdigest() for p in live.rglob("*") if p.is_file()}
    hits = _matches(live, "知识产权")
    tmp = prepare_index_copy(live)
    some = next(p for p in tmp.rglob("*") if p.is_file() and p.suffix == ".store")
    assert some.stat().st_ino == (live / some.relative_to(tmp)).stat().st_ino  # linked, not copied
    changed = copy.deepcopy(ns[1:])
    next(c for c in changed[0].walk() if len(c.text) > 15).text = "本条已改为独角兽条款。"
    st = build_index(changed, tmp, backend="tantivy")
    assert st.updated and st.removed == [ns[0].id]
    assert {p: hashlib.sha1(p.read_bytes()).hexdigest() for p in live.rglob("*") if p.is_file()} == before
    assert _matches(live, "知识产权") == hits and search(live, "独角兽条款") == []
    assert search(tmp, "独角兽条款")


def _law_versions(lawref_dir: Path, groups: int = 6) -> list[Path]:
    """The files of the first ``groups`` administrative regulations with two
    or more versions in lawrefbook (``名称(日期).md``), and one single law
    between each group, in name order reversed (not title order)."""
    by_title: dict[str, list[Path]] = {}
    for f in sorted((lawref_dir / "行政法规").glob("*(*).md")):
        by_title.setdefault(f.name.split("(")[0], []).append(f)
    multi = [fs for fs in by_title.values() if len(fs) >= 2][:groups]
    single = [fs[0] for fs in by_title.values() if len(fs) == 1][:groups]
    assert len(multi) == groups, "lawrefbook keeps several versions of some regulations"
    out = []
    for fs, one in zip(multi, single):
        out += fs + [one]
    return out[::-1]


def test_the_text_memo_gives_every_record_the_tokeniser_s_own_fields(lawref_dir):
    """``TextMemo`` (the writer tokenises a repeated clause text once): on
    real law versions, which share most clause texts, every record's tantivy
    fields equal those made without the memo, with a memo far too small to
    hold them (its older generation dropped again and again), and it never
    holds more than two generations."""
    from build_tools.pipeline import load_documents
    from search import tantivy_backend as tb

    ns = load_documents(_law_versions(lawref_dir)).notices
    memo = tb.TextMemo(size=7)
    texts = 0
    for n in ns:
        recs = sindex.notice_records(n)
        texts += len(recs)
        assert tb.doc_fields(recs, memo=memo) == tb.doc_fields(recs)
        assert len(memo.new) <= 7 and len(memo.old) <= 7
    assert memo.texts == texts and memo.hits > 0


def test_the_writer_tokenises_each_distinct_text_once_in_title_order(tmp_path, lawref_dir):
    """``build_index`` writes the documents in title order, so the versions
    of a law (given here apart from each other) come together, and the
    writer tokenises each distinct clause text once: tokenised = the
    distinct texts of all records, looked up = all records."""
    from build_tools.pipeline import load_documents
    from search import tantivy_backend as tb

    ns = load_documents(_law_versions(lawref_dir)).notices
    order = sindex.write_order([n.id for n in ns], {n.id: n for n in ns})
    titles = [next(n.title for n in ns if n.id == d) for d in order]
    assert titles == sorted(titles) and titles != [n.title for n in ns]
    recs = [r for n in ns for r in sindex.notice_records(n)]
    st = build_index(ns, tmp_path / "ix", backend="tantivy")
    assert st.records == len(recs)
    assert tb.LAST_WRITE == {"texts": len(recs), "tokenised": len({r.text for r in recs})}
    assert tb.LAST_WRITE["tokenised"] < len(recs), "versions of a regulation share clause texts (here 14 %)"
