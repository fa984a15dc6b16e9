"""Issue 16: the cached / parallel paths give what a cold serial run gives.

Real documents: the archive's seeds (source_texts/), the 43 govcn2019 pages
and a fixed slice of lawrefbook laws, enough (>= settings.PARALLEL_MIN) for
the per-document enrichment to run in forked workers (the build's
``schedule.mapper``, passed in).
"""
from __future__ import annotations

import gc
import random
from pathlib import Path

import pytest

import build_tools.enrich as build_tools_enrich
from build_tools import settings
from build_tools.build import render as write  # the render orchestrator (was build_tools.write)
from build_tools.build import schedule
from build_tools.enrich import doccache, enrich_all
from build_tools.pipeline import enrich_stage, load_documents, source_files
from build_tools.render.cite import example_law_clause, example_notice_clause
from build_tools.render.search_pages import search_chars

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"


def _files() -> list[Path]:
    laws = sorted(p for p in (SHARED / "lawrefbook").rglob("*.md") if p.name != "_index.md")
    random.Random(16).shuffle(laws)
    return sorted(laws[:380]) + sorted((SHARED / "govcn2019").glob("*.html")) + source_files(ROOT / "source_texts")


def _entries(d: Path) -> dict:
    """The per-document entries kept in ``d`` (enrich/doccache: one keyed file), whatever their keys."""
    return doccache.DocCache(d, {}, repr(build_tools_enrich.load_vocabulary()).encode()).entries


def _findings(notices) -> list:
    """Everything the enrich stage sets on the documents, after resolution."""
    return [(n.id, [(c.id, c.themes) for c in n.walk()], n.themes, n.references, n.goals, n.targets)
            for n in notices]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    cache = tmp_path_factory.mktemp("parse")
    res = load_documents(_files(), cache_dir=cache / "docs")
    assert len(res.notices) >= settings.PARALLEL_MIN
    assert set(res.keys) == {n.id for n in res.notices}  # every document has a load key
    return res, cache


def test_cached_and_forked_enrichment_equal_a_cold_serial_run(loaded, tmp_path, monkeypatch):
    res, cache = loaded
    docs = res.notices
    enr_cold = None
    enr_cold = enrich_all(docs, today="2026-12-01", related=False)  # serial (the default mapper), no cache
    cold = _findings(docs)
    d = tmp_path / "enrich"
    first = enrich_all(docs, today="2026-12-01", related=False, doc_cache_dir=d, doc_keys=res.keys,
                       map=schedule.mapper(settings.PARALLEL_MIN))  # forked, as the build passes it
    assert _findings(docs) == cold
    assert len(_entries(d)) == len(docs)  # one keyed file, an entry per document
    # wipe what the stage sets (new records: the enriched ones are frozen): the cache alone must bring it back
    docs[:] = [n.draft(references=[], goals=[], targets=[], themes=[], clause_themes=[[] for _ in n.walk()])
               for n in docs]
    assert not any(n.references or n.themes or any(c.themes for c in n.walk()) for n in docs)
    second = enrich_all(docs, today="2026-12-01", related=False, doc_cache_dir=d, doc_keys=res.keys)
    assert _findings(docs) == cold
    for enr in (first, second):
        assert enr.cited_by == enr_cold.cited_by and enr.external == enr_cold.external
        assert list(enr.works) == list(enr_cold.works)
    # a real corpus has findings of each kind (the comparison is not vacuous)
    assert sum(len(n.references) for n in docs) > 1000
    assert sum(1 for n in docs for c in n.walk() if c.themes) > 1000
    assert any(n.goals for n in docs) and any(n.targets for n in docs)


def test_one_changed_document_misses_only_itself(loaded, tmp_path):
    res, _ = loaded
    docs = res.notices
    d = tmp_path / "enrich"
    enrich_all(docs, today="2026-12-01", related=False, doc_cache_dir=d, doc_keys=res.keys)
    before = set(_entries(d))
    keys = dict(res.keys)
    victim = docs[7].id
    keys[victim] = "changed-" + keys[victim]
    cache = doccache.DocCache(d, keys, b"")
    assert sum(cache.get(n) is None for n in docs) == len(docs)  # another vocabulary: every entry misses
    enrich_all(docs, today="2026-12-01", related=False, doc_cache_dir=d, doc_keys=keys)
    after = set(_entries(d))
    assert len(after) == len(docs) and len(after - before) == 1  # one new entry, the old one pruned


def _validity(notices) -> list:
    return [(n.id, n.work_id, n.version_label, n.validity, n.validity_basis) for n in notices]


def test_validity_facts_come_from_the_cache_and_a_changed_document_reads_its_own(loaded, tmp_path, monkeypatch):
    """Issue 24: what validity reads of one document (its 有效期, its 施行 line, an
    amendment decision's 施行, the clauses that repeal what they cite) is kept with
    its per-document enrichment.  A warm rebuild reads no body for it (the reader
    is made to fail), yet every validity, basis and work equals a cold run's; a
    document given an ended 有效期 is read again, alone, and turns 已失效."""
    import pickle

    from build_tools.enrich import versions

    res, _ = loaded
    # serial (the default mapper): the counters below see every call
    docs = pickle.loads(pickle.dumps(res.notices))
    cold = enrich_all(docs, today="2026-12-01", related=False)
    want = _validity(docs)
    d = tmp_path / "enrich"
    enrich_all(docs, today="2026-12-01", related=False, doc_cache_dir=d, doc_keys=res.keys)
    assert _validity(docs) == want
    calls: list[str] = []
    real = versions.doc_facts

    def counted(n):
        calls.append(n.id)
        return real(n)

    monkeypatch.setattr(versions, "doc_facts", counted)
    monkeypatch.setattr(build_tools_enrich, "doc_facts", counted)
    docs[:] = [n.draft(validity=None, validity_basis=None, work_id=None, version_label=None) for n in docs]
    warm = enrich_all(docs, today="2026-12-01", related=False, doc_cache_dir=d, doc_keys=res.keys)
    assert calls == [] and _validity(docs) == want
    assert warm.versions == cold.versions and list(warm.works) == list(cold.works)
    # the real corpus has each kind of basis, so the comparison is not vacuous
    kinds = {n.validity for n in docs}
    assert {"现行有效", "已失效", "已废止", "征求意见稿"} <= kinds
    assert sum(1 for n in docs if n.validity_basis and "有效期" in n.validity_basis) >= 1

    # one notice gets an ended 有效期: its facts (only) are read again; the result is a cold run's
    k = next(k for k, n in enumerate(docs) if n.kind != "law" and n.validity == "现行有效" and "有效期" not in n.body)
    line = "本办法有效期至2020年12月31日。"
    victim = docs[k] = docs[k].draft(body=docs[k].body + "\n" + line)  # the record is frozen: a new one
    last = list(victim.walk())[-1]
    last.text += line
    keys = dict(res.keys)
    keys[victim.id] = "changed-" + keys[victim.id]
    enrich_all(docs, today="2026-12-01", related=False, doc_cache_dir=d, doc_keys=keys)
    assert calls == [victim.id]
    victim = docs[k]  # the stage's new record
    assert victim.validity == "已失效" and victim.validity_basis.startswith("有效期至2020年12月31日")
    after = _validity(docs)
    monkeypatch.setattr(versions, "doc_facts", real)
    monkeypatch.setattr(build_tools_enrich, "doc_facts", real)
    again = pickle.loads(pickle.dumps(docs))
    enrich_all(again, today="2026-12-01", related=False)  # cold, no cache
    assert _validity(again) == after
    assert [x for x, y in zip(after, want) if x != y] == [x for x in after if x[0] == victim.id]


def test_article_alignments_are_kept_by_pair_and_made_again_only_for_a_changed_version(tmp_path, monkeypatch):
    """Issue 24: the article matches of two consecutive versions (rapidfuzz, the
    largest cross-document cost of a rebuild) are kept by both versions' keys.
    Real works: 道路运输条例 2019/2022/2023, 行政复议法 2017/2023, 专利法 2008/2020.
    A warm run matches nothing and gives a cold run's article histories and
    followed references; a changed middle version re-matches only its two pairs."""
    import pickle

    from build_tools.enrich import alignment

    law = SHARED / "lawrefbook"
    files = (sorted((law / "行政法规").glob("道路运输条例(*.md")) + sorted(law.rglob("行政复议法(*.md"))
             + sorted(law.rglob("专利法(*.md")) + [ROOT / "tests" / "data" / "laws" / "专利法(2008-12-27).md"])
    res = load_documents(files, cache_dir=tmp_path / "docs")
    docs = res.notices
    cold_docs = pickle.loads(pickle.dumps(docs))
    cold = enrich_all(cold_docs, today="2026-12-01", related=False)
    cold_refs = [r for n in cold_docs for r in n.references]
    pairs = [(a, b) for w in cold.works.values() for a, b in zip(w.versions, w.versions[1:])]
    assert len(pairs) >= 4 and cold.article_history
    made: list[tuple[str, str]] = []
    real = alignment.match_articles

    def counted(old, new):
        made.append((old[0].id if old else "", new[0].id if new else ""))
        return real(old, new)

    monkeypatch.setattr(alignment, "match_articles", counted)
    d = tmp_path / "enrich"
    for expect in (len(pairs), 0):
        made.clear()
        run = pickle.loads(pickle.dumps(docs))
        enr = enrich_all(run, today="2026-12-01", related=False, doc_cache_dir=d, doc_keys=res.keys)
        assert len(made) == expect
        assert enr.article_history == cold.article_history
        assert [r for n in run for r in n.references] == cold_refs
    middle = next(w.versions[1] for w in cold.works.values() if len(w.versions) >= 3)
    keys = dict(res.keys)
    keys[middle] = "changed-" + keys[middle]
    made.clear()
    enr = enrich_all(pickle.loads(pickle.dumps(docs)), today="2026-12-01", related=False, doc_cache_dir=d,
                     doc_keys=keys)
    assert len(made) == 2 and enr.article_history == cold.article_history


def _tree(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_forked_write_gives_the_serial_docs_tree_and_a_rerun_rewrites_nothing(loaded, tmp_path, monkeypatch):
    res, _ = loaded
    docs = res.notices
    enr = enrich_all(docs, today="2026-12-01", related=False)
    url = "https://ip.example.org"
    monkeypatch.setattr(write, "PARALLEL_MIN", 10 ** 9)
    serial = write.write_docs(docs, tmp_path / "a", site_url=url, enrichment=enr, search="pagefind")
    monkeypatch.setattr(write, "PARALLEL_MIN", 400)
    forked = write.write_docs(docs, tmp_path / "b", site_url=url, enrichment=enr, search="pagefind")
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert len(a) > 2 * len(docs)  # a page and its gzipped record per document (the downloads are made in the browser), and the listings
    assert a.keys() == b.keys()
    assert all(f"notices/{n.id}.md" in a for n in docs)
    assert [k for k in a if a[k] != b[k]] == []
    assert serial.files == forked.files and serial.changed == forked.changed and serial.pages == forked.pages
    again = write.write_docs(docs, tmp_path / "b", site_url=url, enrichment=enr, search="pagefind")
    assert again.changed == [] and _tree(tmp_path / "b") == b


def _build(files, cache: Path, docs: Path, url: str = "https://ip.example.org", stored: bool = False):
    """load (parse cache) -> enrich (per-document caches) -> write (page cache), as ``build_site`` does
    (``stored``: as it does from ``settings.STORED_MIN`` documents, bodies and trees left in the store)."""
    res = load_documents(files, cache_dir=cache / "docs", prune_cache=True, stored=stored)
    _, enr = enrich_stage(res.notices, cache, keys=res.keys)
    return write.write_docs(res.notices, docs, site_url=url, enrichment=enr, search="pagefind", cache_dir=cache,
                            load_keys=res.keys), res, enr


def _edited(victim: Path, where: Path, *, append: str = "", title: str = "") -> Path:
    """A copy of ``victim`` under ``where`` keeping its id (a sidecar naming it), edited."""
    changed = where / victim.name
    changed.parent.mkdir(exist_ok=True)
    changed.write_bytes(victim.read_bytes() + append.encode())
    side = f"id: {load_documents([victim]).notices[0].id}\n" + (f"title: {title}\n" if title else "")
    changed.with_suffix(".yml").write_text(side, encoding="utf-8")
    return changed


def test_a_rebuild_after_one_change_writes_the_docs_tree_of_a_cold_build(tmp_path):
    """load (parse cache) -> enrich (per-document cache, related-terms cache)
    -> write (page cache) into the last build's docs/, after one document
    changed, gives the tree a cold build of the same files gives, and
    re-makes few documents."""
    files = _files()[:200] + source_files(ROOT / "source_texts")
    _build(files, tmp_path / "cache", tmp_path / "warm")
    victim = next(f for f in files if "lawrefbook" in f.parts)
    changed = _edited(victim, tmp_path / "changed", append="\n\n附则修改后的一句话。\n")
    files2 = [changed if f == victim else f for f in files]
    warm, _, _ = _build(files2, tmp_path / "cache", tmp_path / "warm")
    _build(files2, tmp_path / "cold-cache", tmp_path / "cold")
    a, b = _tree(tmp_path / "warm"), _tree(tmp_path / "cold")
    assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []
    page = f"notices/{load_documents([changed]).notices[0].id}.md"
    assert page in warm.changed and "附则修改后的一句话" in a[page].decode()
    assert len(warm.changed) < len(warm.files) / 4  # the rest kept (and their mtimes: MkDocs' dirty build skips them)
    assert warm.made < warm.notices / 10 and warm.kept == warm.notices - warm.made
    assert len(_entries(tmp_path / "cache" / "enrich")) == warm.notices  # the old entry pruned


def test_a_renamed_cited_document_remakes_the_pages_that_cite_it(tmp_path):
    """The page cache follows what each page read from other documents: the
    most-cited document of the slice gets another title (its sidecar), and
    every page naming it -- cited-by lists, reference links, related lists --
    is made again, exactly as a cold build makes it; the rest are kept.
    Two real two-version works make comparison pages, kept when unchanged."""
    versions = sorted((SHARED / "lawrefbook").rglob("对外贸易法(*).md")) + sorted((SHARED / "lawrefbook").rglob("行政复议法(*).md"))
    files = [f for f in _files()[:200] if f not in versions] + versions + source_files(ROOT / "source_texts")
    first, res, enr = _build(files, tmp_path / "cache", tmp_path / "warm")
    assert first.made == first.notices and first.kept == 0
    cited = {d: {c.source_id for c in cs} - {d} for d, cs in enr.cited_by.items()}
    target = max((d for d in cited if d in res.paths), key=lambda d: len(cited[d]))
    citing = cited[target]
    assert len(citing) >= 2  # the slice has a document cited by several others
    victim = res.paths[target]
    changed = _edited(victim, tmp_path / "changed", title="改名后的题名测试条例")
    files2 = [changed if f == victim else f for f in files]
    again, _, _ = _build(files, tmp_path / "cache", tmp_path / "warm")
    assert again.made == 0 and again.changed == []  # nothing changed: nothing made
    assert first.compared == len(enr.comparisons) > 0 and again.compared == 0  # comparison pages too
    warm, _, _ = _build(files2, tmp_path / "cache", tmp_path / "warm")
    _build(files2, tmp_path / "cold-cache", tmp_path / "cold")
    a, b = _tree(tmp_path / "warm"), _tree(tmp_path / "cold")
    assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []
    remade = {f"notices/{d}.md" for d in citing} & set(warm.changed)
    assert remade, "no citing page was made again"
    assert all("改名后的题名测试条例" in a[p].decode() for p in remade)
    assert warm.made < warm.notices / 4


def test_generated_files_empty_dirs_and_stale_site_files(tmp_path):
    """The file-system passes of a rebuild: what is generated under docs/
    (hand-written pages are not), directories left empty go, and a built
    file whose source left docs/ goes from the site (a page whose .md is
    there, or a copied asset, stays)."""
    from build_tools.publish.mkbuild import prune_stale

    docs, site = tmp_path / "docs", tmp_path / "site"
    for rel in ("notices/a.md", "notices/a/a.json", "tags/theme/x/1.md", "about.md", "index.md"):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text("x", encoding="utf-8")
    assert write.generated_files(docs) == {"notices/a.md", "notices/a/a.json", "tags/theme/x/1.md", "index.md"}
    (docs / "tags" / "theme" / "x" / "1.md").unlink()
    (docs / "works" / "compare" / "deep").mkdir(parents=True)
    write.remove_empty_dirs(docs)
    assert sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*")) == [
        "about.md", "index.md", "notices", "notices/a", "notices/a.md", "notices/a/a.json", "tags", "works"]
    for rel in ("notices/a.html", "notices/a/a.json", "notices/b.html", "notices/b/b.docx", "tags/theme/x/1.html",
                "about.html"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text("x", encoding="utf-8")
    gone = prune_stale(site, docs, write.GENERATED_DIRS)
    assert sorted(gone) == ["notices/b.html", "notices/b/b.docx", "tags/theme/x/1.html"]
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        "about.html", "notices/a.html", "notices/a/a.json"]


def test_enrich_changes_no_field_the_load_key_stands_for(tmp_path):
    """``pagecache.loaded_digest`` stands a document's clause tree, body and
    line map by its load key: true only if nothing after loading changes
    them but the clauses' ``CLAUSE_ENRICHED`` fields.  Checked over the
    seeds, govcn2019, provincial and 380 laws (several versions of one work
    among them), through the enrich stage and the anchor check."""
    import dataclasses
    import pickle

    from build_tools.permanence import anchors
    from build_tools.build.pagecache import CLAUSE_ENRICHED, LOADED_ONLY, loaded_digest

    law = SHARED / "lawrefbook"
    files = (_files() + sorted((SHARED / "provincial").glob("*.htm*"))
             + sorted((law / "行政法规").glob("道路运输条例*.md")) + sorted((law / "诉讼与非诉讼程序法").glob("*诉讼法*.md")))
    files = list(dict.fromkeys(files))
    res = load_documents(files, cache_dir=tmp_path / "docs")
    before = {n.id: pickle.loads(pickle.dumps(n)) for n in res.notices}
    digests = {n.id: loaded_digest(n, res.keys[n.id]) for n in res.notices}
    anchors.check_anchors(res.notices, {}, {})
    enrich_stage(res.notices, tmp_path)
    versions = sum(1 for n in res.notices if n.version_label)
    assert versions >= 2 and len(res.notices) >= 400
    changed_since = 0
    for n in res.notices:
        b = before[n.id]
        for name in LOADED_ONLY - {"clauses"}:
            assert getattr(n, name) == getattr(b, name), (n.id, name)
        now, then = list(n.walk()), list(b.walk())
        assert [c.id for c in now] == [c.id for c in then]
        for c, c0 in zip(now, then):
            for f in dataclasses.fields(c):
                if f.name not in CLAUSE_ENRICHED and f.name != "children":
                    assert getattr(c, f.name) == getattr(c0, f.name), (n.id, c.id, f.name)
            assert [x.id for x in c.children] == [x.id for x in c0.children]
        changed_since += loaded_digest(n, res.keys[n.id]) != digests[n.id]
    assert changed_since  # what enrich sets does reach the digest


def test_a_deleted_output_is_made_again(tmp_path):
    """The page cache asks the write stage's listing of docs/ whether a
    document's outputs are there: one deleted download has its document made
    again (and only it), byte for byte as before."""
    files = source_files(ROOT / "source_texts")
    first, res, _ = _build(files, tmp_path / "cache", tmp_path / "docs")
    assert first.made == first.notices
    victim = next(p for p in (tmp_path / "docs" / "data" / "notices").glob("*.json.gz"))  # a record (the Word file is made in the browser)
    want = victim.read_bytes()
    victim.unlink()
    again, _, _ = _build(files, tmp_path / "cache", tmp_path / "docs")
    assert again.made == 1 and victim.read_bytes() == want


def test_a_failing_listing_child_fails_the_write_stage_with_its_traceback(loaded, tmp_path, monkeypatch):
    """The listing pages are written by a forked child on large archives
    (``write.ListingJob``): an exception there is not lost, the write stage
    raises it with the child's traceback."""
    res, _ = loaded
    enr = enrich_all(res.notices, today="2026-12-01", related=False)

    def broken(*a, **kw):
        raise ValueError("首页出错（测试）")
    monkeypatch.setattr(write, "home_page", broken)  # part 0: the child's
    monkeypatch.setattr(write, "PARALLEL_MIN", 400)
    with pytest.raises(RuntimeError) as e:
        write.write_docs(res.notices, tmp_path / "docs", site_url="https://ip.example.org", enrichment=enr,
                         search="pagefind")
    assert "列表页写出失败" in str(e.value) and "首页出错（测试）" in str(e.value) and "broken" in str(e.value)

    # part 1 is written by the build process itself: its exception is raised as it is
    monkeypatch.undo()
    monkeypatch.setattr(write, "PARALLEL_MIN", 400)

    def broken_cite(*a, **kw):
        raise ValueError("如何引用页出错（测试）")
    monkeypatch.setattr(write, "cite_page", broken_cite)
    with pytest.raises(ValueError, match="如何引用页出错"):
        write.write_docs(res.notices, tmp_path / "docs2", site_url="https://ip.example.org", enrichment=enr,
                         search="pagefind")


def test_the_listing_pages_are_the_same_in_two_processes_and_in_one(loaded, tmp_path, monkeypatch):
    """``write.ListingJob``: the two halves written by two processes at once
    give every listing page byte for byte as one process writing all."""
    res, _ = loaded
    enr = enrich_all(res.notices, today="2026-12-01", related=False)
    trees = {}
    for name, parallel_min in (("one", 10**9), ("two", 1)):
        monkeypatch.setattr(write, "PARALLEL_MIN", parallel_min)
        docs = tmp_path / name
        stats = write.write_docs(res.notices, docs, site_url="https://ip.example.org", enrichment=enr,
                                 search="pagefind", cache_dir=tmp_path / f"cache-{name}")
        trees[name] = {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*.md"))}
        assert sorted(stats.files) == sorted(set(stats.files))
    assert len(trees["one"]) > 100
    assert trees["one"] == trees["two"]


def test_a_docs_tree_of_an_older_release_is_written_over(tmp_path):
    """docs/ left by a release before issue 29 holds ``data/archive.json``
    and ``data/notices/<id>.json`` / ``.md.txt``: the stale-file sweep removes
    them (the export thread once removed archive.json too, and the sweep then
    failed with FileNotFoundError on the first build after the upgrade)."""
    files = source_files(ROOT / "source_texts")
    first, res, _ = _build(files, tmp_path / "cache", tmp_path / "docs")
    data = tmp_path / "docs" / "data"
    old = [data / "archive.json"] + [data / "notices" / f"{n.id}{ext}" for n in res.notices[:3] for ext in (".json", ".md.txt")]
    for path in old:
        path.write_text("{}\n", encoding="utf-8")
    again, _, _ = _build(files, tmp_path / "cache", tmp_path / "docs")
    assert [p for p in old if p.exists()] == []
    assert (data / "archive.json.gz").is_file()


def test_stored_documents_write_the_docs_tree_of_whole_ones_cold_warm_and_forked(tmp_path, monkeypatch):
    """Issue 29: with each body and clause tree left in the store (``StoredNotice``,
    three kept in memory at once so they are read back again and again, the
    write stage forked so its workers load them), the cold build and a rebuild
    after one change write byte for byte the tree whole documents give."""
    from build_tools import models

    files = _files()[:120] + source_files(ROOT / "source_texts")
    monkeypatch.setattr(models, "LOADED_KEEP", 3)
    monkeypatch.setattr(write, "PARALLEL_MIN", 40)
    gc.collect()
    alive_before = sum(1 for o in gc.get_objects() if type(o) is models.Clause)  # other tests' documents
    whole, res, _ = _build(files, tmp_path / "c1", tmp_path / "a")
    stored, res2, _ = _build(files, tmp_path / "c2", tmp_path / "b", stored=True)
    assert all(isinstance(n, models.StoredNotice) for n in res2.notices) and len(res2.notices) > 100
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert len(a) > 5 * len(res.notices) and [k for k in a.keys() | b.keys() if a.get(k) != b.get(k)] == []
    assert stored.clauses == whole.clauses > 10_000
    # what stays alive after the build: the trees of the few documents kept loaded, not the archive's
    res = None  # the whole documents
    gc.collect()
    alive = sum(1 for o in gc.get_objects() if type(o) is models.Clause) - alive_before
    assert alive < stored.clauses / 4, (alive, stored.clauses)
    victim = next(f for f in files if f.suffix == ".md")
    changed = _edited(victim, tmp_path / "edit", append="\n第九十九条　本条为测试所加。\n")
    files2 = [changed if f == victim else f for f in files]
    again, _, _ = _build(files2, tmp_path / "c2", tmp_path / "b", stored=True)
    _build(files2, tmp_path / "c1", tmp_path / "a")
    assert 1 <= again.made < len(files) // 4
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert [k for k in a.keys() | b.keys() if a.get(k) != b.get(k)] == []


def test_a_warm_write_reads_back_no_stored_tree_of_an_unchanged_document(tmp_path, monkeypatch):
    """Issue 29: with bodies and trees in the store, a rebuild's write stage (pages,
    listings, exports) and the search pages' character count read back the tree of
    a changed document and of those whose pages are made again, never the rest:
    an unchanged document's outputs are in the page cache, its citing clauses'
    citations and clause blocks in the fragment memo, its characters in a memo by
    digest.  Real documents: 120 of the corpus slice and the seeds."""
    from build_tools import models, pipeline

    files = _files()[:120] + source_files(ROOT / "source_texts")
    monkeypatch.setattr(models, "LOADED_KEEP", 1)
    read: list[str] = []
    real = pipeline.load_parse
    monkeypatch.setattr(pipeline, "load_parse", lambda path: read.append(Path(path).stem) or real(path))

    def stage(files):
        res = load_documents(files, cache_dir=tmp_path / "cache" / "docs", stored=True, prune_cache=True)
        _, enr = enrich_stage(res.notices, tmp_path / "cache", keys=res.keys)
        read.clear()  # what load and enrich read is theirs
        digests = write.document_digests(res.notices, res.keys)
        chars = write.search_characters(res.notices, digests, tmp_path / "cache")
        stats = write.write_docs(res.notices, tmp_path / "docs", site_url="https://ip.example.org", enrichment=enr,
                                 search="pagefind", cache_dir=tmp_path / "cache", load_keys=res.keys,
                                 doc_digests=digests)
        by_key = {k: d for d, k in res.keys.items()}
        return res, stats, chars, {by_key[k] for k in read}

    res, stats, chars, loaded = stage(files)
    assert len(loaded) == len(res.notices) > 100  # cold: every tree read
    assert chars == search_chars(res.notices)
    victim = next(f for f in files if "lawrefbook" in f.parts)
    changed = _edited(victim, tmp_path / "edit", append="\n第九十九条　本条为测试所加。\n")
    res, stats, chars, loaded = stage([changed if f == victim else f for f in files])
    assert 1 <= len(stats.remade) == stats.made < len(res.notices) // 4
    assert load_documents([changed]).notices[0].id in loaded & set(stats.remade)
    # left: the two examples of 如何引用 (render.cite), found by walking documents in id order
    examples = {hit[0].id for hit in (example_notice_clause(res.notices), example_law_clause(res.notices)) if hit}  # one each
    assert sorted(loaded - set(stats.remade) - examples) == []
    assert chars == search_chars(res.notices)  # the memo's sum is the count made afresh
