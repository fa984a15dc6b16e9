"""The Pagefind index in shards (issue 16): documents go to shards by a hash
of their id, only shards whose pages changed are re-indexed, the browser
merges them, and a failed shard keeps the last good site.

Real builds of the archive's own ``source_texts/`` (11 documents) forced to
Pagefind with ``IPARCHIVE_PAGEFIND_SHARD_DOCS=3`` (4 shards), searched in
Chromium over http; expected clause sets come from the CLI index's records
by plain substring search (``bench_search.truth``), so every check can fail.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from benchmarks.bench import changed_copy
from build_tools.fsutil import PAUSE_ENV, PAUSE_MARK
from benchmarks.bench_search import Query, build, index_records, truth
from build_tools.publish.serve import background_server as serve_site
from build_tools.pipeline import build_site, source_files, staged_paths
from build_tools.publish import mkbuild
from build_tools.render import search_pages
from support.site_build import shard_pages_written
from build_tools.render.search_pages import SHARD_ENV, shard_count, shard_of
from support.procs import children_of_build

ROOT = Path(__file__).resolve().parent.parent
HREF = re.compile(r"notices/([^/?#]+)\.html#(.+)$")
SHARD_DOCS = "3"
NEW_SENTENCE = "附则修改后的一句话"  # what bench.changed_copy adds



@pytest.fixture(scope="module")
def sharded_env():
    old = {k: os.environ.get(k) for k in (SHARD_ENV, "IPARCHIVE_SEARCH")}
    os.environ[SHARD_ENV] = SHARD_DOCS
    os.environ["IPARCHIVE_SEARCH"] = "pagefind"
    yield
    for k, v in old.items():
        os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture(scope="module")
def sharded(tmp_path_factory, sharded_env):
    files = source_files(ROOT / "source_texts")
    b = build(tmp_path_factory.mktemp("sharded"), files, None)
    assert b["mode"] == "pagefind"
    b["shards"] = shard_count(b["documents"])
    assert b["shards"] >= 3
    b["records"] = index_records(b["paths"].index)
    httpd, b["base"] = serve_site(b["paths"].site)
    yield b
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def page(page):
    """conftest's page, which must end without script errors."""
    yield page
    assert not page.errors, page.errors


def _idle(pg):
    pg.wait_for_timeout(150)
    pg.wait_for_selector(".ipa-search__results[data-state='idle']", state="attached", timeout=60_000)


def pagefind_search(pg, base: str, q: str, filters: dict | None = None) -> list[tuple[str, str]]:
    """Type ``q`` into the Pagefind box, pick ``filters``, reveal every hit."""
    pg.goto(f"{base}/index.html")
    pg.locator("input.ipa-search__input").fill(q)
    _idle(pg)
    if filters:
        pg.wait_for_selector(".ipa-search__filters[data-ready='1']", state="attached", timeout=60_000)
        for name, value in filters.items():
            pg.locator(f"select.ipa-search__filter[name='{name}']").select_option(value)
            _idle(pg)
    while pg.locator(".ipa-search__more").is_visible():
        pg.locator(".ipa-search__more").click()
        _idle(pg)
    pg.evaluate("() => document.querySelectorAll('.ipa-hit__rest').forEach(b => b.click())")
    hrefs = pg.locator(".ipa-search__results a.ipa-hit__clause").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    return [HREF.search(h).groups() for h in hrefs if HREF.search(h or "")]


def _files(d: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of every file under ``d``."""
    return {p.relative_to(d).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in d.rglob("*") if p.is_file()}


def _doc_id(source: Path) -> str:
    return yaml.safe_load(source.with_suffix(".yml").read_text(encoding="utf-8"))["id"]


def _tree(d: Path) -> dict[str, str]:
    return {p.relative_to(d).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ no browser

def test_shards_follow_a_stable_hash_of_the_id_and_the_archive_size(monkeypatch):
    monkeypatch.delenv(SHARD_ENV, raising=False)
    assert shard_count(1) == 1 and shard_count(search_pages.SHARD_DOCS) == 1
    assert shard_count(3490) == -(-3490 // search_pages.SHARD_DOCS)
    # long texts get more shards: Pagefind's memory follows the text, not the count
    assert shard_count(10, search_pages.SHARD_CHARS * 3 + 1) == 4 and shard_count(10, 100) == 1
    assert shard_of("govcn-041", 6) == 4 and shard_of("govcn-041", 12) == 10  # sha1, not the per-process hash()
    assert {shard_of(f"doc-{i}", 4) for i in range(40)} == {0, 1, 2, 3}
    monkeypatch.setenv(SHARD_ENV, "3")
    assert shard_count(11) == 4
    monkeypatch.setenv(SHARD_ENV, "0")
    with pytest.raises(ValueError, match=SHARD_ENV):
        shard_count(11)


def test_site_has_primary_bundle_index_only_shards_and_a_manifest(sharded):
    site, cache, n = sharded["paths"].site / "pagefind", sharded["paths"].cache, sharded["shards"]
    assert (site / "pagefind.js").is_file() and list(site.glob("wasm.*.pagefind"))
    manifest = json.loads((site / mkbuild.SHARD_MANIFEST).read_text())
    assert manifest["shards"] == [f"s{k}/" for k in range(1, n)] and set(manifest) == {"shards", "pages"}
    assert manifest["pages"] == sharded["documents"]
    for k in range(1, n):
        names = {p.name for p in (site / f"s{k}").iterdir()}
        assert names == {"pagefind-entry.json", "index", "filter", "fragment"} | {
            p.name for p in (site / f"s{k}").glob("*.pf_meta")}
    assert not (site / mkbuild.SHARD_DIGEST).exists()
    # every document's page is in its shard's source folder, and only there
    ids = {r.doc_id for r in sharded["records"] if r.kind == "title"}
    src = cache / "pagefind-src"
    assert {(p.parent.parent.name, p.stem) for p in src.glob("*/notices/*.html")} == {
        (str(shard_of(i, n)), i) for i in ids}
    # the site's files are the cached bundles' files, hard-linked
    prim = site / "pagefind.js"
    assert prim.stat().st_ino == (cache / "pagefind" / "0" / "pagefind.js").stat().st_ino


def test_every_page_of_every_shard_has_its_clause_file_and_span_in_one_folder(sharded, tmp_path):
    """Issue 26: the site's pagefind/clauses/ holds one clause-start file for
    each page of every shard (the box knows a page's id, not its shard) and
    spans.txt a line for each; a bundle cached by an older build (without
    them) gets them made from its fragments at install, the same files."""
    site, cache, n = sharded["paths"].site / "pagefind", sharded["paths"].cache / "pagefind", sharded["shards"]
    ids = {rec["id"] for k in range(n)
           for rec in json.loads((cache / str(k) / mkbuild.SHARD_PAGES).read_text())["pages"].values()}
    assert len(ids) == sharded["documents"]
    folder = site / search_pages.CLAUSES
    assert {p.stem for p in folder.glob("und_*.txt")} == ids
    spans = search_pages.read_spans((folder / search_pages.SPANS).read_text())
    assert set(spans) == ids and max(spans.values()) > 0
    old = tmp_path / "pagefind"
    shutil.copytree(cache, old)
    for k in range(n):
        shutil.rmtree(old / str(k) / search_pages.CLAUSES)
        (old / str(k) / search_pages.BUNDLE_SPANS).unlink()
    mkbuild.pagefind_install_shards(old, n, tmp_path / "site")
    again = tmp_path / "site" / "pagefind" / search_pages.CLAUSES
    assert _tree(again) == _tree(folder)
    assert all((old / str(k) / search_pages.CLAUSES).is_dir() for k in range(n))


# ------------------------------------------------------------------ browser

@pytest.mark.browser
def test_one_query_finds_clauses_of_documents_in_every_shard(sharded, page):
    q = Query("知识产权", "word")
    want = truth(sharded["records"], q)
    assert {shard_of(d, sharded["shards"]) for d, _ in want} == set(range(sharded["shards"]))
    got = pagefind_search(page, sharded["base"], q.text)
    assert len(got) == len(set(got)) and set(got) == want
    # Pagefind was asked for the bigrams covering the query (issue 26: 知识@0 产权@2), and still every hit
    sent = page.locator(".ipa-search__results").get_attribute("data-pagefind-query")
    assert sent.split() == ["知识", "产权"]


@pytest.mark.browser
def test_a_filter_works_across_shards_and_counts_every_shard(sharded, page):
    recs, n = sharded["records"], sharded["shards"]
    by_type: dict[str, set[str]] = {}
    for r in recs:
        if r.kind == "title" and r.doc_type:
            by_type.setdefault(r.doc_type, set()).add(r.doc_id)
    # a type whose documents lie in two shards or more
    doc_type, docs = max(by_type.items(), key=lambda kv: (len({shard_of(d, n) for d in kv[1]}), len(kv[1])))
    assert len({shard_of(d, n) for d in docs}) >= 2
    q = Query("保护", "filtered", {"doc_type": doc_type})
    want = truth(recs, q)
    assert {d for d, _ in want} and len({shard_of(d, n) for d, _ in want}) >= 2
    got = pagefind_search(page, sharded["base"], q.text, {"type": doc_type})
    assert set(got) == want
    # the menu's count is the sum over the shards
    label = page.locator(f"select.ipa-search__filter[name='type'] option[value='{doc_type}']").inner_text()
    assert label == f"{doc_type}（{len(docs)}）"


# ------------------------------------------------------------------ rebuilds

def _rebuild(paths, files, **kw):
    return build_site(ROOT, paths=paths, files=files, require_sidecar=False, update_lock=False, progress=False,
                      index=False, log=lambda s: None, **kw)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory, sharded_env):
    """A first build, then one document changed: (paths, files, reports, cache before)."""
    work = tmp_path_factory.mktemp("rebuild")
    paths = staged_paths(ROOT, work)
    files = source_files(ROOT / "source_texts")
    first = _rebuild(paths, files)
    assert first.ok and first.timings["pagefind_reindexed"] == first.timings["pagefind_shards"] >= 3
    n = int(first.timings["pagefind_shards"])
    before = {k: _files(paths.cache / "pagefind" / str(k)) for k in range(n)}
    same = _rebuild(paths, files)
    assert same.ok and same.timings["pagefind_reindexed"] == 0
    victim = next(f for f in files if f.suffix == ".txt")
    changed = changed_copy(victim, work / "changed", 0)
    files2 = [changed if f == victim else f for f in files]
    second = _rebuild(paths, files2)
    return {"paths": paths, "files": files2, "first": first, "second": second, "before": before, "n": n,
            "victim_id": _doc_id(victim)}


def test_a_rebuild_after_one_change_patches_its_shard_and_indexes_only_that_page(rebuilt):
    """One changed page of a shard: no shard is indexed again; the page goes
    to the changes bundle and patch.json names the old version's page id."""
    second, n, cache = rebuilt["second"], rebuilt["n"], rebuilt["paths"].cache / "pagefind"
    assert second.ok, [str(p) for p in second.problems if p.level == "error"]
    assert second.timings["pagefind_shards"] == n and second.timings["pagefind_reindexed"] == 0
    assert second.timings["pagefind_changes"] == 1
    k = shard_of(rebuilt["victim_id"], n)
    for j in range(n):  # not rebuilt: the same files, the same inodes and times
        assert _files(cache / str(j)) == rebuilt["before"][j]
    assert sorted(p.name for p in cache.iterdir()) == sorted([str(j) for j in range(n)] + ["changes", "patch.json"])
    page = f"notices/{rebuilt['victim_id']}.html"
    changes = mkbuild.shard_pages(cache / "changes", mkbuild.command_digest())
    assert list(changes) == [page]
    old = mkbuild.shard_pages(cache / str(k), mkbuild.command_digest())[page]
    patch = json.loads((cache / "patch.json").read_text(encoding="utf-8"))
    assert patch["drop"] == [old["id"]] and patch["changes"] is True
    assert patch["discount"] == {f: {v: 1 for v in vs} for f, vs in old["filters"].items()}
    assert changes[page]["id"] != old["id"]
    manifest = json.loads((rebuilt["paths"].site / "pagefind" / mkbuild.SHARD_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["shards"][-1] == "changes/" and manifest["drop"] == patch["drop"]


def test_more_changed_pages_than_allowed_index_the_shard_again_and_leave_the_changes(tmp_path, monkeypatch):
    """A shard of 20 pages carries at most one changed page (5 %); a second
    one has it indexed again, its pages leave the changes bundle, and with
    no page left there is no changes bundle and nothing to drop."""
    src, cache = tmp_path / "src", tmp_path / "cache"
    notices = _notices(40)
    shard_pages_written(notices, src, 2)
    sizes = {k: len(list((src / str(k) / "notices").iterdir())) for k in (0, 1)}
    assert min(sizes.values()) >= 10
    mkbuild.PagefindShards(src, cache, 2).start().wait()
    k = shard_of(notices[0].id, 2)
    same = [n for n in notices if shard_of(n.id, 2) == k]
    allowed = mkbuild.changes_allowed(sizes[k])
    for i in range(allowed):
        same[i].clauses[0].text += "补充。"
    shard_pages_written(notices, src, 2)
    job = mkbuild.PagefindShards(src, cache, 2).start()
    job.wait()
    assert job.reindexed == [] and job.changes == allowed and job.patched == {k: allowed}
    assert len(json.loads((cache / "patch.json").read_text())["drop"]) == allowed
    same[allowed].clauses[0].text += "再补充。"
    shard_pages_written(notices, src, 2)
    job = mkbuild.PagefindShards(src, cache, 2).start()
    job.wait()
    assert job.reindexed == [k] and job.changes == 0
    assert not (cache / "changes").exists()
    assert json.loads((cache / "patch.json").read_text()) == {"changes": False, "discount": {}, "drop": []}
    # the re-indexed shard's record is its pages now
    assert set(mkbuild.shard_pages(cache / str(k), mkbuild.command_digest())) == {
        f"notices/{n.id}.html" for n in same}
    monkeypatch.setenv(mkbuild.CHANGES_ENV, "0")
    assert mkbuild.changes_allowed(1000) == 0
    monkeypatch.setenv(mkbuild.CHANGES_ENV, "五")
    with pytest.raises(ValueError, match=mkbuild.CHANGES_ENV):
        mkbuild.changes_allowed(1000)


def test_with_patching_off_a_rebuild_after_one_change_reindexes_exactly_one_shard(tmp_path, sharded_env,
                                                                                  monkeypatch):
    monkeypatch.setenv(mkbuild.CHANGES_ENV, "0")
    paths = staged_paths(ROOT, tmp_path / "w")
    files = source_files(ROOT / "source_texts")
    first = _rebuild(paths, files)
    n = int(first.timings["pagefind_shards"])
    cache = paths.cache / "pagefind"
    before = {k: _files(cache / str(k)) for k in range(n)}
    victim = next(f for f in files if f.suffix == ".txt")
    second = _rebuild(paths, [changed_copy(victim, tmp_path / "changed", 0) if f == victim else f for f in files])
    assert second.ok and second.timings["pagefind_reindexed"] == 1 and second.timings["pagefind_changes"] == 0
    k = shard_of(_doc_id(victim), n)
    for j in range(n):
        assert (_files(cache / str(j)) != before[j]) == (j == k)
    assert sorted(p.name for p in cache.iterdir()) == sorted([str(j) for j in range(n)] + ["patch.json"])


@pytest.mark.browser
def test_the_changed_text_is_found_after_the_rebuild(rebuilt, page):
    httpd, base = serve_site(rebuilt["paths"].site)
    try:
        got = pagefind_search(page, base, NEW_SENTENCE)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert {d for d, _ in got} == {rebuilt["victim_id"]}


def _filter_labels(pg, base: str) -> dict[str, list[str]]:
    pg.goto(f"{base}/index.html")
    pg.locator("input.ipa-search__input").fill("知识产权")
    _idle(pg)
    pg.wait_for_selector(".ipa-search__filters[data-ready='1']", state="attached", timeout=60_000)
    return pg.locator("select.ipa-search__filter").evaluate_all(
        "els => Object.fromEntries(els.map(s => [s.name, Array.from(s.options).map(o => o.textContent)]))")


@pytest.mark.browser
def test_after_a_patch_the_old_version_is_never_shown_nor_counted(rebuilt, sharded, page):
    """The changed document's old page is still in its shard's index: the
    browser drops it, so each of its clauses shows once, and every filter
    count is the cold build's (the sharded fixture: the same documents)."""
    victim = rebuilt["victim_id"]
    clauses = {(d, c) for d, c in truth(sharded["records"], Query("知识产权", "plain")) if d == victim}
    assert clauses
    httpd, base = serve_site(rebuilt["paths"].site)
    try:
        got = pagefind_search(page, base, "知识产权")
        docs = page.locator(".ipa-search__results a.ipa-hit__doc").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))")
        patched = _filter_labels(page, base)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert len(got) == len(set(got))
    assert {x for x in got if x[0] == victim} == clauses
    assert sum(1 for h in docs if h.endswith(f"notices/{victim}.html")) == 1
    assert patched == _filter_labels(page, sharded["base"])


def test_fewer_shards_remove_the_cache_of_the_others_and_an_empty_shard_has_no_bundle(tmp_path):
    src, cache, site = tmp_path / "src", tmp_path / "cache", tmp_path / "site"
    notices = _notices(12)
    assert {shard_of(n.id, 3) for n in notices} == {0, 1, 2}
    shard_pages_written(notices, src, 3)
    mkbuild.PagefindShards(src, cache, 3).start().wait()
    assert sorted(p.name for p in cache.iterdir()) == ["0", "1", "2", mkbuild.PATCH]
    shard_pages_written(notices, src, 2)
    job = mkbuild.PagefindShards(src, cache, 2).start()
    job.wait()
    assert sorted(p.name for p in cache.iterdir()) == ["0", "1", mkbuild.PATCH]
    assert ["0", "1"] == sorted(p.name for p in src.iterdir() if p.is_dir())
    assert job.reindexed == [0, 1]
    # shard-doc-8 and -9 alone: shard 1 of 3 empty, shard 2 primary
    shard_pages_written(notices[8:10], src, 3)
    assert not list((src / "1" / "notices").iterdir())
    mkbuild.PagefindShards(src, cache, 3).start().wait()
    assert sorted(p.name for p in cache.iterdir()) == ["2", mkbuild.PATCH]
    mkbuild.pagefind_install_shards(cache, 3, site)
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert (site / "pagefind" / mkbuild.SHARD_MANIFEST).read_text() == '{"shards": [], "pages": 2}'


def test_the_bundles_staged_beside_the_build_are_the_site_s_pagefind(tmp_path):
    """``PagefindShards`` stages the site's ``pagefind/`` as soon as its
    bundles are done (issue 29: off the rebuild's critical path);
    ``install`` moves it in: every file and byte what
    ``pagefind_install_shards`` makes from the same cache, patched or not;
    the staged tree is gone after (moved, not copied)."""
    src, cache = tmp_path / "src", tmp_path / "cache"
    notices = _notices(40)
    for step in ("first", "patched"):
        if step == "patched":
            notices[3].clauses[0].text += "补充。"
        shard_pages_written(notices, src, 2)
        job = mkbuild.PagefindShards(src, cache, 2).start()
        job.wait()
        assert job.staged and (job.stage / "pagefind" / "pagefind.js").is_file()
        moved, direct = tmp_path / step / "moved", tmp_path / step / "direct"
        job.install(moved)
        mkbuild.pagefind_install_shards(cache, 2, direct)
        tree = {p.relative_to(moved).as_posix(): p.read_bytes() for p in moved.rglob("*") if p.is_file()}
        assert tree == {p.relative_to(direct).as_posix(): p.read_bytes() for p in direct.rglob("*") if p.is_file()}
        assert len(tree) > 10 and not (job.stage / "pagefind").exists()
    assert job.changes == 1 and "changes/" in json.loads((moved / "pagefind" / mkbuild.SHARD_MANIFEST).read_text())["shards"]


def _notices(k: int):
    from factories import clause, notice  # test-support module, only these unit tests need it

    return [notice(f"shard-doc-{i}", title=f"分片测试文件{i}", issuer=["测试"], date_written="2001-01-01",
                   region="全国", clauses=[clause("s1", f"一、第{i}号文件的知识产权条款")]) for i in range(k)]


FAIL = [sys.executable, "-c", "import sys; print('假 Pagefind：索引出错'); sys.exit(3)"]


@pytest.mark.parametrize("patching", [False, True])
def test_a_failing_pagefind_keeps_the_cached_bundle_untrusted_nowhere(tmp_path, monkeypatch, patching):
    """Unit: a fake Pagefind that fails (on the shard, or on the changes
    bundle when the shard is patched) -> RuntimeError with its output; no
    half-built bundle is left, the cached ones keep their digests and the
    last patch.json stays."""
    if not patching:
        monkeypatch.setenv(mkbuild.CHANGES_ENV, "0")
    src, cache = tmp_path / "src", tmp_path / "cache"
    notices = _notices(4)
    shard_pages_written(notices, src, 2)
    mkbuild.PagefindShards(src, cache, 2).start().wait()
    digests = {k: mkbuild.cached_digest(cache / str(k)) for k in (0, 1)}
    patch = (cache / mkbuild.PATCH).read_bytes()
    (src / "1" / "notices" / "extra.html").write_text("<html><body>新页</body></html>", encoding="utf-8")
    failing = mkbuild.CHANGES_SRC if patching else "1"
    job = mkbuild.PagefindShards(src, cache, 2, command=lambda s, o: FAIL if Path(s).name == failing
                                 else mkbuild.pagefind_command(s, o)).start()
    with pytest.raises(RuntimeError, match="假 Pagefind：索引出错") as e:
        job.wait()
    assert ("改动页" if patching else "分片 1/2") in str(e.value) and job.reindexed == []
    assert sorted(p.name for p in cache.iterdir() if p.name != mkbuild.CHANGES_SRC) == ["0", "1", mkbuild.PATCH]
    assert {k: mkbuild.cached_digest(cache / str(k)) for k in (0, 1)} == digests
    assert (cache / mkbuild.PATCH).read_bytes() == patch
    assert mkbuild.shard_digest(src / "1") != digests[1]  # so the next build looks at it again
    job = mkbuild.PagefindShards(src, cache, 2).start()
    job.wait()
    assert (job.reindexed, job.changes) == (([], 1) if patching else ([1], 0))
    assert not (cache / mkbuild.CHANGES_SRC).exists()


@pytest.mark.browser
def test_a_failed_shard_fails_the_build_and_the_last_good_site_still_searches(tmp_path, sharded_env, monkeypatch,
                                                                               page):
    monkeypatch.setenv(mkbuild.CHANGES_ENV, "0")  # the shard is indexed again (the patch: the unit test above)
    paths = staged_paths(ROOT, tmp_path / "w")
    files = source_files(ROOT / "source_texts")
    assert _rebuild(paths, files).ok
    n = shard_count(len(files))
    old_site = _tree(paths.site)
    victim = next(f for f in files if f.suffix == ".txt")
    vid = _doc_id(victim)
    k = shard_of(vid, n)
    files2 = [changed_copy(victim, tmp_path / "changed", 0) if f == victim else f for f in files]
    real = mkbuild.pagefind_command
    monkeypatch.setattr(mkbuild, "pagefind_command",
                        lambda s, o: FAIL if Path(s).name == str(k) else real(s, o))
    rep = _rebuild(paths, files2)
    assert not rep.ok
    assert any("假 Pagefind：索引出错" in p.message for p in rep.problems if p.level == "error")
    assert _tree(paths.site) == old_site
    assert not list(paths.site.parent.glob("site.tmp*"))
    # the last good site's search answers, from every shard
    httpd, base = serve_site(paths.site)
    try:
        got = pagefind_search(page, base, "知识产权")
        assert len({shard_of(d, n) for d, _ in got}) == n
        assert pagefind_search(page, base, NEW_SENTENCE) == []
        # the next build (Pagefind working again) re-indexes only that shard
        monkeypatch.setattr(mkbuild, "pagefind_command", real)
        rep = _rebuild(paths, files2)
        assert rep.ok and rep.timings["pagefind_reindexed"] == 1
        assert {d for d, _ in pagefind_search(page, base, NEW_SENTENCE)} == {vid}
    finally:
        httpd.shutdown()
        httpd.server_close()


# ------------------------------------------------------------------ kill -9 while a shard indexes

DRIVER = """
import sys
from pathlib import Path
from build_tools.pipeline import build_site, staged_paths
rep = build_site(Path(sys.argv[1]), paths=staged_paths(Path(sys.argv[1]), Path(sys.argv[2])), progress=False,
                 index=False)
print("REINDEXED", rep.timings.get("pagefind_reindexed"), "CHANGES", rep.timings.get("pagefind_changes"))
sys.exit(0 if rep.ok and not any(p.level == "error" for p in rep.problems) else 1)
"""


def _driver(work: Path, pause: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), IPARCHIVE_SEARCH="pagefind")
    env[SHARD_ENV] = SHARD_DOCS
    env.pop(PAUSE_ENV, None)
    if pause:
        env[PAUSE_ENV] = pause
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(ROOT), str(work)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _pagefind_children(work: Path) -> list[int]:
    return children_of_build(work, lambda cmd: any(b"pagefind" in c for c in cmd[:1]))


@pytest.mark.parametrize("patching", [False, True])
def test_a_build_killed_while_a_shard_indexes_leaves_no_child_no_trusted_bundle_and_the_old_site(tmp_path,
                                                                                                monkeypatch, patching):
    """Killed while shard k is indexed again, or (patching) while the
    changes bundle is made: the old site, no child left, no bundle trusted
    that was not finished; the next build ends the job."""
    monkeypatch.setenv(SHARD_ENV, SHARD_DOCS)  # as the driver's
    monkeypatch.setenv(mkbuild.CHANGES_ENV, "5" if patching else "0")
    work = tmp_path / "w"
    paths = staged_paths(ROOT, work)
    shutil.copytree(ROOT / "source_texts", paths.sources)
    out, err = _driver(work).communicate(timeout=600)
    assert "REINDEXED" in out, err[-3000:]
    old_site = _tree(paths.site)
    victim = next(f for f in sorted(paths.sources.glob("*.txt")))
    n = shard_count(len(source_files(paths.sources)))
    k = shard_of(_doc_id(victim), n)
    digest = mkbuild.cached_digest(paths.cache / "pagefind" / str(k))
    victim.write_bytes(victim.read_bytes() + f"\n{NEW_SENTENCE}。\n".encode())
    step = f"pagefind:{mkbuild.CHANGES if patching else k}"
    p = _driver(work, pause=step)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line or line.strip() == f"{PAUSE_MARK} {step}":
            break
    assert line, "the build never reached %s: %s" % (step, p.communicate()[1][-3000:])
    # shard k's Pagefind started (a shard of 3 pages may already have finished: not yet swapped in)
    p.send_signal(signal.SIGKILL)
    p.wait()
    for _ in range(50):  # a running child gets SIGKILL from the kernel (PR_SET_PDEATHSIG)
        if not _pagefind_children(work):
            break
        time.sleep(0.1)
    assert _pagefind_children(work) == []
    assert _tree(paths.site) == old_site
    # the shard's cached bundle is still the old one; the half-built one is never trusted
    assert mkbuild.cached_digest(paths.cache / "pagefind" / str(k)) == digest
    assert mkbuild.cached_digest(paths.cache / "pagefind" / f"{k}.tmp") is None
    assert mkbuild.cached_digest(paths.cache / "pagefind" / f"{mkbuild.CHANGES}.tmp") is None
    assert not (paths.cache / "pagefind" / mkbuild.CHANGES).exists()
    out, err = _driver(work).communicate(timeout=600)
    assert f"REINDEXED {0 if patching else 1} CHANGES {1 if patching else 0}" in out, err[-3000:]
    assert not list((paths.cache / "pagefind").glob("*.tmp"))
    assert _tree(paths.site) != old_site


def test_search_pages_are_made_again_only_when_their_inputs_change(tmp_path):
    """``iter_shard_pages`` keeps each page's input digest: an unchanged
    document's page is not made again (and keeps its mtime), a changed one is,
    and what is on disk is what a fresh write makes."""
    src, fresh = tmp_path / "src", tmp_path / "fresh"
    notices = _notices(12)
    shard_pages_written(notices, src, 3)
    pages = sorted(src.glob("*/notices/*.html"))
    assert len(pages) == 12
    before = {p: p.stat().st_mtime_ns for p in pages}
    assert shard_pages_written(notices, src, 3)[0] == {0: [], 1: [], 2: []}
    victim = notices[5]
    victim.clauses[0].text += "补充的一句话。"
    written, _ = shard_pages_written(notices, src, 3)
    assert sum(written.values(), []) == [f"notices/{victim.id}.html"]
    changed = [p for p in pages if p.stat().st_mtime_ns != before[p]]
    assert [p.stem for p in changed] == [victim.id]
    shard_pages_written(notices, fresh, 3)
    assert {p.relative_to(src).as_posix(): p.read_bytes() for p in src.glob("*/notices/*.html")} == \
        {p.relative_to(fresh).as_posix(): p.read_bytes() for p in fresh.glob("*/notices/*.html")}
