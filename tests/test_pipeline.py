"""The whole build as `make site` runs it, in a scratch copy of the archive."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from build_tools.render.downloads import read_record_file
from build_tools.pipeline import build_site, source_files, staged_paths
from conftest import ROOT


@pytest.fixture()
def archive(tmp_path):
    """A scratch archive: the real seeds, sidecars and lock; docs/mkdocs staged."""
    paths = staged_paths(ROOT, tmp_path)
    shutil.copytree(ROOT / "source_texts", paths.sources)
    return paths


def _build(paths, **kw):
    return build_site(ROOT, paths=paths, progress=False, log=lambda s: None, **kw)


def _kunming(paths) -> Path:
    return paths.sources / "002_f819ad9b31b3e7a6.txt"


@pytest.mark.slow
def test_build_publishes_every_seed_and_keeps_ids(archive):
    lock_before = (archive.sources / "anchors.lock").read_text(encoding="utf-8")
    rep = _build(archive)
    assert rep.ok, [str(p) for p in rep.problems]
    assert rep.notices == len(source_files(ROOT / "source_texts")) >= 10  # 5 seeds + the laws they cite
    page = (archive.site / "notices" / "kunming-2022-4dd4de.html").read_text(encoding="utf-8")
    assert 'id="s2-3"' in page and "持续加强知识产权行政司法保护" in page
    assert (archive.index).is_dir() and any(archive.index.iterdir())
    # the committed lock already holds every id: a rebuild adds nothing
    assert (archive.sources / "anchors.lock").read_text(encoding="utf-8") == lock_before
    rep2 = _build(archive)
    assert rep2.ok and (archive.sources / "anchors.lock").read_text(encoding="utf-8") == lock_before


@pytest.mark.slow
def test_dropping_a_published_clause_fails_and_keeps_the_last_good_site(archive):
    assert _build(archive).ok
    good = (archive.site / "notices" / "kunming-2022-4dd4de.html").read_bytes()
    km = _kunming(archive)
    text = km.read_text(encoding="utf-8")
    lines = text.split("\n")
    lines = [l for l in lines if not l.startswith("(三)持续加强知识产权行政司法保护")]
    assert len(lines) < len(text.split("\n"))
    km.write_text("\n".join(lines), encoding="utf-8")
    msgs = []
    rep = build_site(ROOT, paths=archive, progress=False, log=msgs.append)
    assert not rep.ok
    joined = "\n".join(msgs)
    assert "kunming-2022-4dd4de" in joined and "s2-3" in joined and "redirects.yml" in joined
    assert (archive.site / "notices" / "kunming-2022-4dd4de.html").read_bytes() == good
    # a redirect to the next item lets it through; the old anchor still lands somewhere
    (archive.sources / "redirects.yml").write_text(
        "kunming-2022-4dd4de:\n  s2-3: s2-4\n", encoding="utf-8")
    rep = _build(archive)
    assert rep.ok, [str(p) for p in rep.problems]
    page = (archive.site / "notices" / "kunming-2022-4dd4de.html").read_text(encoding="utf-8")
    assert 'id="s2-3"' in page  # placeholder for the old anchor
    assert "s2-4" in page


@pytest.mark.slow
def test_a_bad_new_document_does_not_stop_the_others(archive):
    (archive.sources / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    (archive.sources / "broken.yml").write_text("id: broken-doc\n", encoding="utf-8")
    msgs = []
    rep = build_site(ROOT, paths=archive, progress=False, log=msgs.append)
    assert rep.ok and rep.notices == len(source_files(ROOT / "source_texts"))
    assert any("broken.txt" in m and "二进制" in m for m in msgs)


def _site_bytes(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_failing_mkdocs_build_keeps_the_last_good_site(archive):
    """The write stage ran (a document changed) and MkDocs failed: every
    file of the published site keeps its bytes.  The site's downloads are
    hard links of docs/ (mkdocs_run --link): a write into one of them
    would have changed the live site."""
    assert _build(archive).ok
    record = archive.site / "data" / "notices" / "kunming-2022-4dd4de.json.gz"  # gzipped (issue 29)
    assert os.stat(record).st_ino == os.stat(archive.docs / "data" / "notices" / record.name).st_ino  # linked
    before = _site_bytes(archive.site)
    km = _kunming(archive)
    km.write_text(km.read_text(encoding="utf-8") + "\n附则修改后的一句话。\n", encoding="utf-8")
    cfg = archive.config.read_text(encoding="utf-8")
    archive.config.write_text(cfg + "\nnot_a_real_option: [\n", encoding="utf-8")
    rep = _build(archive)
    assert not rep.ok and any("mkdocs" in str(p) for p in rep.problems)
    assert "附则修改后的一句话" in read_record_file(archive.docs / "data" / "notices" / record.name).decode("utf-8")
    assert _site_bytes(archive.site) == before
    assert not archive.site.with_name("site.tmp").exists()


def test_a_document_that_loses_text_is_not_published(monkeypatch):
    """The conservation gate: a clause tree that drops characters is refused."""
    import build_tools.clauses.structure as structure
    from build_tools import pipeline
    from build_tools.pipeline import load_documents
    from conftest import SEED_FILES

    real = structure.parse_structure

    def lossy(body, kind="notice", title=None):
        res = real(body, kind, title)
        res.clauses[-1].text = res.clauses[-1].text[:-3]  # lose the last three characters
        return res

    monkeypatch.setattr(structure, "parse_structure", lossy)
    monkeypatch.setattr(pipeline, "parse_structure", lossy)  # pipeline holds its own reference
    res = load_documents([SEED_FILES["002"], SEED_FILES["003"]], require_sidecar=True)
    assert res.notices == []
    assert all("守恒" in p.message for p in res.errors) and len(res.errors) == 2


def test_parse_json_carries_the_clause_tree():
    import json
    import subprocess
    import sys
    from conftest import SEED_FILES

    out = subprocess.run([sys.executable, "-m", "build_tools.cli", "parse", "--json", str(SEED_FILES["002"])],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    rec = json.loads(out)
    s2 = next(c for c in rec["clauses"] if c["id"] == "s2")
    s23 = next(c for c in s2["children"] if c["id"] == "s2-3")
    assert s23["label"] == "二（三）" and s23["level"] == 2
    assert s23["text"].startswith("（三）持续加强知识产权行政司法保护")
    assert set(s23) >= {"id", "label", "level", "kind", "text", "children"}


def test_parse_cache_holds_one_entry_per_current_file(tmp_path):
    """Parsed documents are cached by content hash; a whole-archive load drops
    the entries of edited and removed files, so the cache does not grow."""
    from build_tools.pipeline import load_documents

    src = tmp_path / "src"
    shutil.copytree(ROOT / "source_texts", src)
    files = source_files(src)
    cache = tmp_path / "cache"
    first = load_documents(files, cache_dir=cache, prune_cache=True)
    assert len(list(cache.glob("*.pickle"))) == len(files) == len(first.notices)
    before = {f.name for f in cache.glob("*.pickle")}
    kunming = src / "002_f819ad9b31b3e7a6.txt"
    kunming.write_bytes(kunming.read_bytes() + "\n附：修改后补充的一句。\n".encode())
    files[-1].unlink()
    files[-1].with_suffix(".yml").unlink(missing_ok=True)
    second = load_documents(source_files(src), cache_dir=cache, prune_cache=True)
    after = {f.name for f in cache.glob("*.pickle")}
    assert len(after) == len(files) - 1 == len(second.notices)
    assert len(before - after) == 2 and len(after - before) == 1  # edited + removed gone, edited re-cached
    assert any("修改后补充的一句" in n.body for n in second.notices)


def test_thousands_of_warnings_are_summarised_and_kept_in_full(tmp_path, lawref_dir, monkeypatch):
    """A real file with 19 structure warnings (商丘市 regulation): the console shows every
    error, the first warnings and a count; problems.txt holds them all."""
    from build_tools.models import Problem
    from build_tools import pipeline
    from build_tools.pipeline import BuildReport, _finish, load_documents

    MAX_WARNINGS_SHOWN = 8
    monkeypatch.setattr(pipeline, "MAX_WARNINGS_SHOWN", MAX_WARNINGS_SHOWN)
    res = load_documents([lawref_dir / "DLC/河南地方法规/地方性法规/河南/商丘市市区饮用水水源保护条例(2018-09-03).md"])
    assert len(res.problems) > MAX_WARNINGS_SHOWN
    rep = BuildReport(problems=res.problems + [Problem("x.txt", 3, "error", "坏文件")], ok=True)
    lines: list[str] = []
    _finish(rep, lines.append, None, tmp_path / "problems.txt")
    assert "x.txt:3: error: 坏文件" in lines
    shown = [x for x in lines if ": warning: " in x]
    assert shown == [str(p) for p in res.problems[:MAX_WARNINGS_SHOWN]]
    assert any(f"另有 {len(res.problems) - MAX_WARNINGS_SHOWN} 条警告" in x and "problems.txt" in x for x in lines)
    kept = (tmp_path / "problems.txt").read_text(encoding="utf-8").splitlines()
    assert len(kept) == len(res.problems) + 1


@pytest.mark.slow
def test_large_archives_index_beside_mkdocs_and_a_failed_build_keeps_the_old_index(archive, monkeypatch):
    """Above FORK_INDEX_MIN documents the command-line index is built in a
    forked process into a copy; it replaces the index only with a good site."""
    import hashlib

    from build_tools.publish import site as publish
    from search.query import search

    monkeypatch.setattr(publish, "FORK_INDEX_MIN", 1)
    lines: list[str] = []
    rep = build_site(ROOT, paths=archive, progress=True, log=lines.append)
    assert rep.ok and "index" in rep.timings
    assert any("命令行检索索引" in x for x in lines)
    hits = search(archive.index, "惩罚性赔偿", limit=50)
    assert "kunming-2022-4dd4de" in {h.doc_id for h in hits}

    def snapshot():
        return {p.relative_to(archive.index): hashlib.sha1(p.read_bytes()).hexdigest()
                for p in archive.index.rglob("*") if p.is_file()}

    before = snapshot()
    k = _kunming(archive)
    k.write_bytes(k.read_bytes() + "\n附：新增一句关于植物新品种权质押融资的话。\n".encode())
    cfg = archive.config.read_text(encoding="utf-8")
    archive.config.write_text(cfg + "\nnot_a_real_option: [\n", encoding="utf-8")
    rep = build_site(ROOT, paths=archive, progress=False, log=lambda s: None)
    assert not rep.ok
    assert snapshot() == before
    assert not archive.index.with_name(archive.index.name + ".tmp").exists()
    archive.config.write_text(cfg, encoding="utf-8")
    rep = build_site(ROOT, paths=archive, progress=False, log=lambda s: None)
    assert rep.ok and snapshot() != before
    assert any(h.doc_id == "kunming-2022-4dd4de" for h in search(archive.index, "植物新品种权质押融资", limit=5))


def _hand_written(docs: Path) -> dict[str, bytes]:
    from build_tools.render.common import GENERATED_DIRS, GENERATED_FILES
    skip = set(GENERATED_DIRS) | set(GENERATED_FILES)
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*"))
            if p.is_file() and p.relative_to(docs).parts[0] not in skip}


def test_restaging_touches_only_what_differs_and_drops_stale_files(tmp_path):
    """CI 2026-12-02: two builds staging one work directory at once; one
    deleted docs/assets/vendor/iframe-worker while the other copied into it.
    Staging again now leaves unchanged files as they are (same inode), puts
    back edited ones, drops files the project no longer has, and keeps the
    generated pages."""
    paths = staged_paths(ROOT, tmp_path)
    want = _hand_written(ROOT / "docs")
    assert _hand_written(paths.docs) == want and want
    inodes = {p: p.stat().st_ino for p in paths.docs.rglob("*") if p.is_file()}
    edited = paths.docs / next(iter(want))
    edited.write_bytes(b"changed by hand")
    (paths.docs / "assets" / "stale.js").write_text("old", encoding="utf-8")
    (paths.docs / "gone" / "deep").mkdir(parents=True)
    (paths.docs / "gone" / "deep" / "page.md").write_text("old", encoding="utf-8")
    (paths.docs / "notices").mkdir(exist_ok=True)
    (paths.docs / "notices" / "kept.md").write_text("generated", encoding="utf-8")
    staged_paths(ROOT, tmp_path)
    assert _hand_written(paths.docs) == want
    assert not (paths.docs / "gone").exists()
    assert (paths.docs / "notices" / "kept.md").read_text(encoding="utf-8") == "generated"
    same = [p for p, ino in inodes.items() if p != edited and p.exists() and p.stat().st_ino == ino]
    assert len(same) == len(inodes) - 1


def test_concurrent_staging_never_leaves_a_file_missing(tmp_path):
    import threading
    staged_paths(ROOT, tmp_path)
    want = _hand_written(ROOT / "docs")
    errors, seen = [], []

    def stage():
        try:
            for _ in range(5):
                staged_paths(ROOT, tmp_path)
        except Exception as e:  # noqa: BLE001 - the test reports it
            errors.append(e)

    threads = [threading.Thread(target=stage) for _ in range(3)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        seen.append(set(_hand_written(tmp_path / "docs")) == set(want))
    for t in threads:
        t.join()
    assert errors == [] and all(seen) and seen
