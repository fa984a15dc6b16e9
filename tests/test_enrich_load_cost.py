"""Issue 29, a one-document rebuild's load and enrich: the cheaper forms give exactly what the old ones gave,
on real documents (the seeds and the govcn2019 pages)."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from build_tools.enrich.references import BareSpot, bare_spots, find_references, title_key
import build_tools.pipeline as pipeline
from build_tools.pipeline import identical_sources, load_documents, prune_parse_cache, source_files

ROOT = Path(__file__).resolve().parent.parent
GOVCN = ROOT.parent / "shared" / "corpus" / "govcn2019"


@pytest.fixture(scope="module")
def notices():
    files = source_files(ROOT / "source_texts") + sorted(GOVCN.glob("*.html"))
    res = load_documents(files, workers=1)
    assert len(res.notices) >= 40
    return res.notices


def test_bare_spots_round_trip_through_pickle(notices):
    spots = [s for n in notices for s in bare_spots(n)]
    assert len(spots) > 50 and any(s.more for s in spots) and any(s.label for s in spots)
    back = pickle.loads(pickle.dumps(spots))
    assert back == spots and all(type(s) is BareSpot for s in back)
    assert [tuple(getattr(s, f) for f in BareSpot.__slots__) for s in back] == \
        [tuple(getattr(s, f) for f in BareSpot.__slots__) for s in spots]


def test_title_key_cached_equals_computed(notices):
    titles = [n.title for n in notices if n.title] + [r.title for n in notices for r in find_references(n) if r.title]
    assert len(titles) > 200
    title_key.cache_clear()
    assert [title_key(t) for t in titles] == [title_key.__wrapped__(t) for t in titles]
    assert [title_key(t) for t in titles] == [title_key.__wrapped__(t) for t in titles]  # from the cache now
    assert title_key.cache_info().hits >= len(titles)


def test_prune_cache_keeps_exactly_the_used_entries(tmp_path):
    names = [f"{k:040x}" for k in range(30)]
    for name in names:
        (tmp_path / f"{name}.pickle").write_bytes(b"x")
    (tmp_path / "other.tmp").write_bytes(b"x")
    (tmp_path / ".hidden.pickle").write_bytes(b"x")
    keep = set(names[::3])
    prune_parse_cache(tmp_path, keep)
    assert {p.name for p in tmp_path.iterdir()} == {f"{k}.pickle" for k in keep} | {"other.tmp"}
    prune_parse_cache(tmp_path / "missing", keep)  # no cache directory yet: nothing to do


def test_identical_sources_by_load_key_equal_and_read_nothing_again(tmp_path, monkeypatch):
    files = []
    for src in sorted(GOVCN.glob("*.html"))[:20]:
        dst = tmp_path / "src" / src.name
        dst.parent.mkdir(exist_ok=True)
        dst.write_bytes(src.read_bytes())
        files.append(dst)
    twin = tmp_path / "src" / "twin.html"
    twin.write_bytes(files[3].read_bytes())  # byte-identical: reported
    near = tmp_path / "src" / "near.html"
    near.write_bytes(files[5].read_bytes()[:-1] + b"!")  # same size, other bytes: not reported
    files += [twin, near]
    want = identical_sources(files)
    assert [p.file for p in want] == [str(twin)]
    keys = {f: pipeline.cache_key(f) for f in files}
    memo = tmp_path / "cache" / pipeline.SOURCE_DIGESTS
    memo.parent.mkdir()
    assert [(p.file, p.message) for p in identical_sources(files, keys, memo)] == [(p.file, p.message) for p in want]
    reads = []
    real_stat, real_read = type(files[0]).stat, type(files[0]).read_bytes
    monkeypatch.setattr(type(files[0]), "stat", lambda self, **kw: reads.append(self) or real_stat(self, **kw))
    monkeypatch.setattr(type(files[0]), "read_bytes", lambda self: reads.append(self) or real_read(self))
    again = identical_sources(files, keys, memo)
    assert [(p.file, p.message) for p in again] == [(p.file, p.message) for p in want]
    assert [r for r in reads if r in files] == []  # only the memo file itself is looked at
    # one file changed: its key is new, only it is looked at again
    files[5].write_bytes(twin.read_bytes())
    keys[files[5]] = pipeline.cache_key(files[5])
    reads.clear()
    changed = identical_sources(files, keys, memo)
    seen = {r for r in reads if r in files}
    assert seen == {files[5]}
    assert sorted(p.file for p in changed) == sorted(p.file for p in identical_sources(files)) and len(changed) == 2
