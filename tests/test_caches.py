"""Issue 16: the build's caches are logs (fsutil.load_keyed / save_keyed):
a save after a load appends only what changed, a log cut short reads as an
earlier whole state, and what is read back is always what was saved.

Real data: the clause fingerprints of the archive's seeds and of the 43
govcn2019 pages (anchors.remembered_anchors, the cache a rebuild keeps
them in), and the seeds' archive.json (exports.stream_archive).

Issue 24: every cache keyed by code takes its digest from codedigest, the
import closure of its entries, checked on a copy of the real tree.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import pytest

from build_tools.permanence import anchors
from build_tools import codedigest, fsutil, pipeline
from build_tools.enrich import doccache
from build_tools.pipeline import load_documents, source_files
from build_tools.build import pagecache
from build_tools.render import exports

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    files = sorted((SHARED / "govcn2019").glob("*.html")) + source_files(ROOT / "source_texts")
    res = load_documents(files, cache_dir=tmp_path_factory.mktemp("parse") / "docs")
    assert len(res.notices) >= 48
    return res


def _fresh_read(path: Path, key, codec: str = "pickle") -> dict:
    """What a new build process reads (this process's record of the file forgotten)."""
    fsutil._KEYED.clear()
    return fsutil.load_keyed(path, key, codec=codec)


@pytest.mark.parametrize("codec", ["pickle", "marshal"])
def test_a_save_after_a_load_appends_only_what_changed(loaded, tmp_path, codec):
    fps = {n.id: (n.id, tuple(sorted(anchors.current_anchors(n).items()))) for n in loaded.notices}
    path = tmp_path / "c"
    fsutil.save_keyed(path, "k1", dict(fps), codec=codec)
    whole = path.stat().st_size
    ino = path.stat().st_ino
    value = _fresh_read(path, "k1", codec)
    assert value == fps
    first = sorted(value)[0]
    value[first] = (first, (("changed", "x"),))  # one changed entry, one dropped
    del value[sorted(value)[1]]
    fsutil.save_keyed(path, "k1", value, codec=codec)
    assert path.stat().st_ino == ino and path.stat().st_size - whole < whole / 10  # appended
    assert _fresh_read(path, "k1", codec) == value
    assert _fresh_read(path, "other key", codec) == {}
    # unchanged: nothing written
    size = path.stat().st_size
    again = fsutil.load_keyed(path, "k1", codec=codec)
    fsutil.save_keyed(path, "k1", again, codec=codec)
    assert path.stat().st_size == size
    # most entries changed: written whole again
    fsutil.save_keyed(path, "k1", {k: (k, ()) for k in again}, codec=codec)
    assert path.stat().st_ino != ino
    assert _fresh_read(path, "k1", codec) == {k: (k, ()) for k in again}


def test_a_log_cut_short_reads_as_the_last_whole_state_and_is_written_again(loaded, tmp_path):
    fps = {n.id: anchors.current_anchors(n) for n in loaded.notices}
    path = tmp_path / "c.pickle"
    fsutil.save_keyed(path, "k", dict(fps))
    value = fsutil.load_keyed(path, "k")
    for k in sorted(value)[:3]:
        value[k] = {"s1": "0" * 12}
    fsutil.save_keyed(path, "k", value)
    state2 = dict(value)
    value = fsutil.load_keyed(path, "k")
    value[sorted(value)[5]] = {"s9": "1" * 12}
    fsutil.save_keyed(path, "k", value)
    data = path.read_bytes()
    path.write_bytes(data[:-7])  # the last change cut short (a build killed while appending)
    assert _fresh_read(path, "k") == state2
    value = fsutil.load_keyed(path, "k")
    value[sorted(value)[7]] = {"s8": "2" * 12}
    fsutil.save_keyed(path, "k", value)  # the torn tail is not appended to
    assert _fresh_read(path, "k") == value
    path.write_bytes(b"garbage")
    assert _fresh_read(path, "k") == {}


def test_remembered_anchors_of_a_rebuild_equal_a_cold_computation(loaded, tmp_path):
    """One document's load key changes: its fingerprints are computed again,
    the cache grows by a small change record, and a new process reads back
    exactly the fingerprints a cold computation gives."""
    path = tmp_path / "anchors-current.pickle"
    cold = {n.id: anchors.current_anchors(n) for n in loaded.notices}
    assert anchors.remembered_anchors(loaded.notices, loaded.keys, path) == cold
    size = path.stat().st_size
    keys = dict(loaded.keys)
    victim = loaded.notices[0].id
    keys[victim] = "another load key"
    fsutil._KEYED.clear()
    assert anchors.remembered_anchors(loaded.notices, keys, path) == cold
    assert size < path.stat().st_size < size * 1.2
    fsutil._KEYED.clear()
    stored = fsutil.load_keyed(path, anchors.code_key())  # its key
    assert stored[victim][0] == "another load key" and anchors.Fingerprints(stored[victim][1]) == cold[victim]
    assert {k: anchors.Fingerprints(v[1]) for k, v in stored.items()} == cold
    assert all(isinstance(v[1], str) for v in stored.values())  # one string a document: no dict unpickled


def test_the_archive_is_not_written_when_no_record_changed(tmp_path, monkeypatch):
    """stream_archive with its key file: the same records leave archive.json
    as it is (not written: same inode, same mtime); one changed record gives
    exactly dump_records of the records; a same-length edit of a record with
    its mtime put back, or of the archive itself, is still seen (issue 28:
    the bytes decide, never size + mtime)."""
    recs = []
    for i, n in enumerate(sorted(source_files(ROOT / "source_texts"))[:6]):
        f = tmp_path / "rec" / f"{i}.json"
        f.parent.mkdir(exist_ok=True)
        f.write_text(json.dumps({"id": f"d{i}", "source": n.name, "text": n.read_text(encoding="utf-8")[:2000]},
                                ensure_ascii=False) + "\n", encoding="utf-8")
        recs.append(f)
    head = {"schema_version": exports.SCHEMA_VERSION, "documents": []}
    dest, key = tmp_path / "archive.json", tmp_path / "cache" / "archive-key.json"

    def expected() -> str:
        return exports.dump_records(head, [r.read_text(encoding="utf-8").rstrip("\n") for r in recs])

    assert exports.stream_archive(dest, head, recs, key)
    assert dest.read_text(encoding="utf-8") == expected()
    json.loads(dest.read_text(encoding="utf-8"))
    st = dest.stat()
    assert not exports.stream_archive(dest, head, recs, key)
    assert (dest.stat().st_mtime_ns, dest.stat().st_ino) == (st.st_mtime_ns, st.st_ino)
    recs[2].unlink()
    recs[2].write_text('{"id": "d2", "changed": true}\n', encoding="utf-8")
    assert exports.stream_archive(dest, head, recs, key)
    assert dest.read_text(encoding="utf-8") == expected()
    for victim, a, b in ((recs[3], b'"d3"', b'"e3"'), (dest, b'"d0"', b'"x0"')):
        st = victim.stat()  # same length, same mtime, same inode: only the bytes tell
        with open(victim, "r+b") as f:
            f.write(victim.read_bytes().replace(a, b, 1))
        os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert (victim.stat().st_size, victim.stat().st_mtime_ns, victim.stat().st_ino) == \
            (st.st_size, st.st_mtime_ns, st.st_ino)
        assert exports.stream_archive(dest, head, recs, key)
        assert dest.read_text(encoding="utf-8") == expected() and '"e3"' in expected()
    # no key yet (an archive of an older build): compared, kept when equal
    key.unlink()
    st = dest.stat()
    assert not exports.stream_archive(dest, head, recs, key)
    assert dest.stat().st_mtime_ns == st.st_mtime_ns and key.is_file()


def test_written_files_write_only_what_changed_and_see_same_length_edits(tmp_path, monkeypatch):
    """write.common.WrittenFiles: a listing page still as the last build left
    it is not written (inode and mtime kept); one edited by hand (same size,
    its mtime put back, so only its bytes tell) is written again; the memory
    survives the process (a new build reads it from the cache file)."""
    from build_tools.render.common import WrittenFiles

    pages = {f"tags/{p.stem}.md": p.read_bytes() for p in sorted((SHARED / "govcn2019").glob("*.html"))[:12]}
    docs, memo = tmp_path / "docs", tmp_path / "cache" / "written.marshal"
    (docs / "tags").mkdir(parents=True)
    first = WrittenFiles(memo)
    assert all(first.write(docs / rel, raw) for rel, raw in pages.items())
    first.save()
    inodes = {rel: (docs / rel).stat().st_ino for rel in pages}

    # a hand edit of the same length, in place, its mtime put back
    victim = next(iter(pages))
    st = (docs / victim).stat()
    edited = bytearray(pages[victim])
    edited[100:103] = "改".encode("utf-8")
    with open(docs / victim, "r+b") as f:
        f.write(bytes(edited))
    os.utime(docs / victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ((docs / victim).stat().st_size, (docs / victim).stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)

    fsutil._KEYED.clear()  # a new build process
    again = WrittenFiles(memo)
    written = [rel for rel, raw in pages.items() if again.write(docs / rel, raw)]
    assert written == [victim]
    assert (docs / victim).read_bytes() == pages[victim]
    assert all((docs / rel).stat().st_ino == inodes[rel] for rel in pages if rel != victim)

    # new bytes for one page: written, and remembered as the new bytes
    other = list(pages)[1]
    assert again.write(docs / other, pages[other] + "补充".encode("utf-8"))
    again.save()
    fsutil._KEYED.clear()
    third = WrittenFiles(memo)
    assert not third.write(docs / other, pages[other] + "补充".encode("utf-8"))
    assert third.write(docs / other, pages[other])  # the old bytes are a change again


def test_the_collector_pause_puts_back_what_it_found(loaded):
    """collector.paused (around unpickling the cached documents and their
    enrichment): no collection inside, the collector as it was afterwards,
    an exception inside included; a collector already off stays off."""
    import gc
    import pickle

    from build_tools import collector

    blob = pickle.dumps(loaded.notices[:5])
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with pytest.raises(ZeroDivisionError):
        with collector.paused():
            assert not gc.isenabled()
            kept = pickle.loads(blob)
            assert [n.id for n in kept] == [n.id for n in loaded.notices[:5]]
            1 / 0
    assert gc.isenabled()
    # what was made inside is out of the collector's way: the next collection does not walk it
    assert gc.get_freeze_count() >= frozen + sum(1 for n in kept for _ in n.walk())
    assert gc.get_count()[0] < 1000
    gc.unfreeze()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- the code digest (issue 24): one "did the code change?" for every cache ---------------------------------------

def _tree(tmp_path: Path) -> Path:
    """A copy of the project's code (build_tools/ with its data, search/, benchmarks/)."""
    for pkg in ("build_tools", "search", "benchmarks"):
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__", "index", "*.pyc"))
    return tmp_path


def _digest(root: Path, *entries: str, data=()) -> bytes:
    codedigest.code_digest.cache_clear()  # the files changed under this process
    return codedigest.code_digest(*entries, data=tuple(data), root=root)


def _touch_docstring(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"""', '"""(edited) ', 1), encoding="utf-8")


@pytest.mark.parametrize("entries,data,outside,inside", [
    # the pages' digest: a docstring edit in a benchmark or in the command line re-made every page (issue 24)
    (("build_tools.build.render",), ("build_tools/data/*",), ["benchmarks/bench_search.py", "build_tools/cli.py",
                                                     "build_tools/pipeline.py", "search/query.py"],
     ["build_tools/models.py", "build_tools/render/pages.py", "build_tools/enrich/references.py",
      "build_tools/data/themes.yml"]),
    # parsed documents: not the write stage; the reader, through metadata
    (pipeline.LOAD_MODULES, (), ["build_tools/render/pages.py", "build_tools/enrich/themes.py", "build_tools/cli.py"],
     ["build_tools/ingest/read.py", "build_tools/clauses/structure.py", "build_tools/numerals.py"]),
    # the CLI index: a backend imported inside a function counts; the query side does not
    (("search.index",), ("search/*.txt",), ["search/query.py", "search/cli.py", "build_tools/render/pages.py"],
     ["search/whoosh_backend.py", "search/tokenizer.py", "build_tools/models.py", "search/ip_userdict.txt"]),
])
def test_the_code_digest_changes_with_the_import_closure_and_only_with_it(tmp_path, entries, data, outside, inside):
    """Editing a module its entries do not import leaves a digest as it was;
    editing one they import (directly, through another module, inside a
    function, or a package's ``__init__``), or one of its data files, changes it."""
    root = _tree(tmp_path)
    before = _digest(root, *entries, data=data)
    for rel in outside:
        _touch_docstring(root / rel)
        assert _digest(root, *entries, data=data) == before, f"{rel} is outside {entries}"
    for rel in inside:
        path = root / rel
        if path.suffix == ".py":
            _touch_docstring(path)
        else:
            path.write_bytes(path.read_bytes() + b"\n")
        after = _digest(root, *entries, data=data)
        assert after != before, f"{rel} is inside {entries}"
        before = after


def test_the_import_reader_finds_every_import_a_full_parse_finds():
    """``codedigest.import_statements`` parses only the lines that start an
    import: on every module of build_tools/, search/ and benchmarks/ it finds
    exactly the imports of the whole module's tree (nested, parenthesised,
    inside functions and ``if TYPE_CHECKING``)."""
    files = [f for pkg in ("build_tools", "search", "benchmarks") for f in sorted((ROOT / pkg).rglob("*.py"))]
    assert len(files) > 60
    nested = 0
    for f in files:
        source = f.read_text(encoding="utf-8")
        tree = ast.parse(source)
        full = sorted(ast.dump(n) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))
        fast = sorted(ast.dump(n) for n in codedigest.import_statements(source)
                      if isinstance(n, (ast.Import, ast.ImportFrom)))
        assert fast == full, f.relative_to(ROOT)
        nested += sum(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)) - sum(
            isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body)
    assert nested > 20  # imports inside functions were there to find


def test_every_code_keyed_cache_names_its_entries_not_the_package():
    """The five code digests (parses, anchors, enrichment, pages, CLI index)
    come from ``codedigest`` over their entries: none of them covers the
    command line, the pipeline or a benchmark, and each covers the records
    (models.py) its values are made of."""
    users = {"load": pipeline.LOAD_MODULES, "anchors": ("build_tools.permanence.anchors",), "enrich": doccache.MODULES,
             "pages": pagecache.MODULES, "index": ("search.index",)}
    for name, entries in users.items():
        files = {f.relative_to(ROOT).as_posix() for f in codedigest.closure(entries)}
        assert "build_tools/models.py" in files, name
        assert not files & {"build_tools/cli.py", "build_tools/pipeline.py", "build_tools/publish/site.py"}, name
        assert not any(f.startswith("benchmarks/") for f in files), name


def test_the_citation_table_through_the_article_memo_is_the_table_made_afresh(loaded, tmp_path):
    """Issue 24: each law's article counts (the walk of its clauses, 359,000 on
    the whole corpus, on every rebuild) are kept by its load key
    (``build.store.Memo``).  Over the seeds' laws and 40 lawrefbook laws: the
    first build makes each once, a second makes none and gives the same
    table, and a law whose key changed is made again, alone."""
    from build_tools.build.store import Memo
    from search.citation import article_counts, citation_table

    laws = sorted(p for p in (SHARED / "lawrefbook").rglob("*.md") if p.name != "_index.md")[::80]
    more = load_documents(laws, cache_dir=tmp_path / "docs")
    notices = loaded.notices + more.notices
    keys = {**loaded.keys, **more.keys}
    want = citation_table(notices)
    with_articles = sum(1 for d in want["docs"] if "p" in d)
    assert with_articles >= 30
    path = tmp_path / "articles.marshal"

    def table(memo, make):
        return citation_table(notices, lambda n: memo.get(keys.get(n.id), lambda: make(n)))

    first = Memo(path, ("search.citation",))
    assert table(first, article_counts) == want and first.made == sum(1 for n in notices if n.kind == "law")
    first.save()

    def fails(n):
        raise AssertionError(f"{n.id} was walked again")

    second = Memo(path, ("search.citation",))
    assert table(second, fails) == want and second.made == 0
    second.save()
    victim = next(n for n in more.notices if n.kind == "law")
    keys[victim.id] = "changed-" + keys[victim.id]
    third = Memo(path, ("search.citation",))
    assert table(third, article_counts) == want and third.made == 1
    files = {f.relative_to(ROOT).as_posix() for f in codedigest.closure(("search.citation",))}
    assert "search/citation.py" in files and "build_tools/pipeline.py" not in files
