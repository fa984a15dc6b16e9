"""Issue 29: data/archive.json.gz made by difference (``exports.stream_archive``
with the write stage's rewritten record files): after a changed, an added and a
removed document, and after the archive was edited by hand, it is byte for byte
the archive a build from nothing makes, gunzips to valid JSON holding every
document, and a rebuild reads only the record files the write stage rewrote.
On the real seeds (source_texts/) and a sample of ../shared/corpus/govcn2019/."""
from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from build_tools.build import render as write
from build_tools.pipeline import enrich_stage, load_documents, source_files
from build_tools.render import exports

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "govcn2019"


def _build(src: Path, out: Path):
    """One build of ``src`` with its caches under ``out`` (a second call: a rebuild)."""
    res = load_documents(source_files(src), cache_dir=out / "cache" / "docs", prune_cache=True)
    _, enr = enrich_stage(res.notices, out / "cache", keys=res.keys)
    stats = write.write_docs(res.notices, out / "docs", site_url="https://ip.example.org", enrichment=enr,
                             search="pagefind", cache_dir=out / "cache", load_keys=res.keys)
    return stats, res.notices


def _archive(out: Path) -> bytes:
    return (out / "docs" / "data" / exports.ARCHIVE_NAME).read_bytes()


def _from_nothing(src: Path, tmp: Path, step: str) -> bytes:
    fresh = tmp / f"fresh-{step}"
    _build(src, fresh)
    data = _archive(fresh)
    shutil.rmtree(fresh)
    return data


def _check_json(data: bytes, notices) -> None:
    doc = json.loads(gzip.decompress(data))
    assert doc["count"] == len(notices)
    assert [d["id"] for d in doc["documents"]] == sorted(n.id for n in notices)


@pytest.fixture
def counted(monkeypatch):
    """The record files the archive reads (each piece it makes from a file)."""
    reads: list[Path] = []
    real = exports._record_member

    def member(f):
        reads.append(Path(f))
        return real(f)
    monkeypatch.setattr(exports, "_record_member", member)
    return reads


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not on this machine")
def test_the_archive_by_difference_is_the_archive_from_nothing(tmp_path, counted):
    src, out = tmp_path / "src", tmp_path / "inc"
    shutil.copytree(ROOT / "source_texts", src)
    sample = sorted(CORPUS.glob("*.html"))[:9]
    for f in sample[:8]:
        shutil.copy(f, src / f.name)
    stats, notices = _build(src, out)
    assert len(counted) == len(notices) and stats.made == len(notices)  # cold: every record read once
    _check_json(_archive(out), notices)

    def step(name: str) -> None:
        counted.clear()
        st, ns = _build(src, out)
        reads = list(counted)
        data = _archive(out)
        assert data == _from_nothing(src, tmp_path, name), name
        _check_json(data, ns)
        records = out / "docs"
        rewritten = {records / write.record_path(i) for i in st.remade}
        assert set(reads) == rewritten and len(reads) == len(rewritten), name  # only those, each once
        assert 0 < len(reads) < len(ns) / 2, name

    seed = sorted(src.glob("*.txt"))[1]  # one changed: a sentence more at its end
    seed.write_text(seed.read_text(encoding="utf-8").rstrip("\n") + "\n本通知自印发之日起施行。\n", encoding="utf-8")
    step("changed")
    shutil.copy(sample[8], src / sample[8].name)  # one added
    step("added")
    (src / sample[0].name).unlink()  # one removed
    counted.clear()
    st, ns = _build(src, out)
    assert set(counted) <= {out / "docs" / write.record_path(i) for i in st.remade} and len(counted) < len(ns) / 2
    assert _archive(out) == _from_nothing(src, tmp_path, "removed")
    _check_json(_archive(out), ns)

    # the archive edited by hand (same length): seen by its bytes, written again from every record
    arch = out / "docs" / "data" / exports.ARCHIVE_NAME
    good = arch.read_bytes()
    raw = bytearray(good)
    raw[len(raw) // 2] ^= 0xFF
    arch.write_bytes(bytes(raw))
    counted.clear()
    st, ns = _build(src, out)
    assert arch.read_bytes() == good and st.made == 0
    assert len(counted) == len(ns)
    counted.clear()
    _build(src, out)  # and then nothing to read, nothing written
    assert counted == [] and arch.read_bytes() == good


def test_copied_runs_at_every_edge_give_the_archive_from_nothing(tmp_path):
    """stream_archive on the seeds' real record files, changing by difference the
    first, the last and two neighbouring records, removing the first and adding
    one at the end and in the middle: each time the bytes of a write from
    nothing (no key), and the key's offsets point at each record's own member."""
    out = tmp_path / "b"
    _, notices = _build(ROOT / "source_texts", out)
    docs = out / "docs"
    recs = [docs / write.record_path(n.id) for n in sorted(notices, key=lambda n: n.id)]
    assert len(recs) >= 6
    head = {"schema_version": exports.SCHEMA_VERSION, "count": len(recs)}
    dest, key, fresh = tmp_path / "a.json.gz", tmp_path / "key.json", tmp_path / "fresh.json.gz"

    def edit(f: Path, n: int) -> Path:
        new = f.with_name(f"{f.name}.{n}.json.gz")
        new.write_bytes(gzip.compress(gzip.decompress(f.read_bytes()).replace(b'"id"', b'"id"' + b" " * n, 1),
                                      1, mtime=0))
        return new

    assert exports.stream_archive(dest, head, recs, key)
    for n, change in enumerate((lambda r: [edit(r[0], 1)] + r[1:], lambda r: r[:-1] + [edit(r[-1], 2)],
                                lambda r: r[:2] + [edit(r[2], 3), edit(r[3], 4)] + r[4:], lambda r: r[1:],
                                lambda r: r + [edit(recs[0], 5)], lambda r: r[:3] + [edit(recs[1], 6)] + r[3:])):
        before = recs
        recs = change(recs)
        assert exports.stream_archive(dest, head, recs, key, set(recs) - set(before))
        fresh.unlink(missing_ok=True)
        exports.stream_archive(fresh, head, recs)
        assert dest.read_bytes() == fresh.read_bytes(), n
        data = dest.read_bytes()
        ids = [d["id"] for d in json.loads(gzip.decompress(data))["documents"]]
        assert len(ids) == len(recs)
        for name, _, offset, length in json.loads(key.read_text(encoding="utf-8"))["records"]:
            assert data[offset:offset + length] == Path(name).read_bytes(), (n, name)
