"""Issue 29: Pagefind's shards take their pages' digests from the page
writer's memo instead of reading every page back (4.6-5.8 s of a
one-document rebuild at 5x).

Real documents: the archive's ``source_texts/``, the gov.cn pages and 20
lawrefbook laws (``support.loaders.mixed_notices``).  The digests the writer
returns must be, after every kind of change, exactly what reading the pages
gives (``mkbuild.page_digests``): for the pages it made and for the pages it
kept; and given them, the shards decide from them without reading a page.
"""
from __future__ import annotations

import pickle
import sys

import pytest

from build_tools.publish import mkbuild
from build_tools.render import search_pages
from support.site_build import shard_pages_written
from support.loaders import mixed_notices

SHARDS = 4



@pytest.fixture(scope="module")
def notices():
    docs = mixed_notices(29, 20)
    assert len(docs) > 60
    return docs


def _read_back(src, shards: int) -> dict[int, dict[str, str]]:
    return {k: mkbuild.page_digests(src / str(k)) for k in range(shards)}


def test_the_writer_s_digests_are_the_pages_on_disk_after_each_change(notices, tmp_path):
    """From nothing, unchanged, one clause changed, one document added and one
    removed, and a new shard count: right after each write, the returned
    digests equal the pages' bytes read back, shard by shard, the kept
    pages' included."""
    docs = [pickle.loads(pickle.dumps(n)) for n in notices[:-1]]
    victim = next(n for n in docs if n.clauses and len(n.clauses[0].text) > 10)
    src = tmp_path / "src"

    def change(docs):
        victim.clauses[0].text += "（重建测试加的一句：独角兽条款。）"
        return docs

    steps = [("from nothing", lambda d: d, SHARDS, None),
             ("unchanged", lambda d: d, SHARDS, []),
             ("one changed", change, SHARDS, [f"notices/{victim.id}.html"]),
             ("one added, one removed", lambda d: d[1:] + [pickle.loads(pickle.dumps(notices[-1]))], SHARDS, None),
             ("another shard count", lambda d: d, SHARDS - 1, None)]
    for name, edit, shards, want_written in steps:
        docs = edit(docs)
        written, shas = shard_pages_written(docs, src, shards)
        if want_written is not None:
            assert sum(written.values(), []) == want_written, name
        assert shas == _read_back(src, shards), name
        assert sum(len(v) for v in shas.values()) == len(docs), name


def test_a_memo_of_older_builds_makes_every_page_again_and_digests_it(notices, tmp_path):
    """A memo written before the digests were kept (doc id -> inputs only) is
    not trusted for a digest: the pages are made again (same bytes, so not
    rewritten) and digested."""
    docs = notices[:12]
    src = tmp_path / "src"
    shard_pages_written(docs, src, 2)
    memo = src / search_pages.DIGESTS
    old = {k: v[0] for k, v in pickle.loads(memo.read_bytes()).items()}
    memo.write_bytes(pickle.dumps(old))
    written, shas = shard_pages_written(docs, src, 2)
    assert sum(written.values(), []) == []
    assert shas == _read_back(src, 2)


def test_the_shards_given_digests_read_no_page(notices, tmp_path, monkeypatch):
    """``PagefindShards`` with a ``prepare`` that returns the digests decides
    from them: ``page_digests`` is never called, and the shards' bundles are
    what a run that reads the pages makes (same cached digests)."""
    docs = notices[:12]
    src, cache, again = tmp_path / "src", tmp_path / "cache", tmp_path / "again"
    _, shas = shard_pages_written(docs, src, 2)
    mkbuild.PagefindShards(src, again, 2).start().wait()

    def no_read(source):
        raise AssertionError(f"page read back: {source}")

    monkeypatch.setattr(mkbuild, "page_digests", no_read)
    job = mkbuild.PagefindShards(src, cache, 2, pages=lambda: iter(shas.items())).start()
    job.wait()
    assert sorted(job.reindexed) == [0, 1]
    for k in range(2):
        assert mkbuild.cached_digest(cache / str(k)) == mkbuild.cached_digest(again / str(k))


FAKE_PAGEFIND = r'''
import os, sys, time
from pathlib import Path
site, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
me = runs / f"running-{site.name}"
me.touch()
seen, t0 = False, time.time()
while time.time() - t0 < float(sys.argv[4]) and not seen:
    seen = any(p != me for p in runs.glob("running-*"))
    time.sleep(0.05)
(runs / f"saw-{site.name}").write_text("1" if seen else "0")
out.mkdir(parents=True)
for name in ("pagefind.js", "pagefind-entry.json"):
    (out / name).write_text("{}")
me.unlink()
'''


@pytest.mark.parametrize("widen", [False, True])
def test_two_shards_index_at_once_only_after_widen(notices, tmp_path, widen):
    """``PagefindShards.widen`` (the build's other work done): from then on two
    Pagefind processes run at once; before, one after another.  A fake
    Pagefind waits a while for another one to be running and says whether it
    saw one; every shard is indexed and recorded either way."""
    src, cache, runs = tmp_path / "src", tmp_path / "cache", tmp_path / "runs"
    runs.mkdir()
    script = tmp_path / "fake_pagefind.py"
    script.write_text(FAKE_PAGEFIND)
    _, shas = shard_pages_written(notices[:16], src, 3)
    wait = "20" if widen else "1.5"  # with widen the others come at once; without, nobody comes

    def command(s, o):
        return [sys.executable, str(script), str(s), str(o), str(runs), wait]

    job = mkbuild.PagefindShards(src, cache, 3, command=command, pages=lambda: iter(shas.items()))
    if widen:
        job.widen()
    job.start().wait()
    assert job.reindexed == [0, 1, 2]
    saw = sorted(p.read_text() for p in runs.glob("saw-*"))
    assert len(saw) == 3
    assert ("1" in saw) == widen, saw
    for k in range(3):
        assert mkbuild.cached_digest(cache / str(k)) == mkbuild.combined_digest(mkbuild.command_digest(command), shas[k])
