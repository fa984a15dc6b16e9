"""Anchor permanence on the real seeds: lock, fingerprints, redirects."""
from __future__ import annotations

import pickle

import pytest

from build_tools.permanence import anchors
from build_tools.ingest.metadata import load_notice
from build_tools.clauses.structure import parse_structure


def _build(path, edit=None):
    n = load_notice(path)
    if edit is not None:
        n.body = edit(n.body)
    n.clauses = parse_structure(n.body, n.kind, n.title).clauses
    return n


@pytest.fixture()
def seeds(seed_files):
    return [_build(p) for p in seed_files.values()]


def _kunming(seed_files, edit=None):
    return _build(seed_files["002"], edit)


def test_fingerprint():
    assert anchors.fingerprint("一、 甲\n乙") == anchors.fingerprint("一、甲乙")
    assert anchors.fingerprint("一、甲乙") != anchors.fingerprint("一、甲丙")
    assert len(anchors.fingerprint("x")) == 8


def test_lock_is_deterministic(tmp_path, seeds, seed_files):
    a, b = tmp_path / "a" / "anchors.lock", tmp_path / "b" / "anchors.lock"
    for lock, notices in ((a, seeds), (b, [_build(p) for p in seed_files.values()])):
        lock.parent.mkdir()
        rep = anchors.check_anchors(notices, anchors.load_lock(lock), anchors.load_redirects(lock.with_name("redirects.yml")))
        assert rep.ok and not rep.warnings
        anchors.update_lock(lock, notices, rep)
    assert a.read_bytes() == b.read_bytes()
    rows = [l for l in a.read_text(encoding="utf-8").splitlines() if not l.startswith("#")]
    assert rows == sorted(rows)
    assert len(rows) == sum(1 for n in seeds for _ in n.walk())
    kun = seeds[2]
    assert f"{kun.id}\ts2-3\t{anchors.fingerprint(kun.clause('s2-3').text)}" in rows
    # a second build against its own lock: nothing new, nothing changed
    lock = anchors.load_lock(a)
    rep = anchors.check_anchors(seeds, lock, {})
    assert rep.ok and not rep.warnings and not rep.new


def _locked(tmp_path, notices):
    lock_path = tmp_path / "anchors.lock"
    anchors.update_lock(lock_path, notices, anchors.check_anchors(notices, {}, {}), redirects={})
    return lock_path, anchors.load_lock(lock_path)


def test_changed_wording_keeps_id_and_warns(tmp_path, seed_files):
    kun = _kunming(seed_files)
    _, lock = _locked(tmp_path, [kun])
    edited = _kunming(seed_files, lambda b: b.replace("持续加强知识产权行政司法保护", "持续强化知识产权行政司法保护"))
    assert edited.clause("s2-3").text.startswith("（三）持续强化")
    rep = anchors.check_anchors([edited], lock, {})
    assert rep.ok
    assert [(w.doc_id, w.clause_id) for w in rep.warnings] == [(kun.id, "s2-3")]
    assert "文字已变化" in str(rep.warnings[0])



def test_check_returns_changes_and_mutates_nothing(tmp_path, seed_files):
    """check_anchors leaves every notice as it was (pickled bytes equal); the
    change comes back in the report, and apply_changes returns the notice with it (a new record)."""
    kun = _kunming(seed_files)
    _, lock = _locked(tmp_path, [kun])
    edited = _kunming(seed_files, lambda b: b.replace("持续加强知识产权行政司法保护", "持续强化知识产权行政司法保护"))
    before = pickle.dumps(edited)
    rep = anchors.check_anchors([edited], lock, {})
    assert pickle.dumps(edited) == before and edited.clause_changes == {}
    (change,) = rep.clause_changes[edited.id]["s2-3"]
    assert (change.old_fingerprint, change.date) == (lock[kun.id]["s2-3"], rep.date)
    (joined,) = anchors.apply_changes([edited], rep)
    assert list(joined.clause_changes) == ["s2-3"] and joined.clauses is edited.clauses
    assert pickle.dumps(edited) == before and edited.clause_changes == {}  # a new record: the given one is unchanged


def _drop_item3(body: str) -> str:
    return "\n".join(l for l in body.split("\n") if not l.startswith("（三）持续加强知识产权行政司法保护"))


def test_deleted_clause_is_an_error(tmp_path, seed_files):
    kun = _kunming(seed_files)
    _, lock = _locked(tmp_path, [kun])
    rep = anchors.check_anchors([_kunming(seed_files, _drop_item3)], lock, {})
    errs = [e for e in rep.errors if e.clause_id == "s2-3"]
    assert errs and errs[0].doc_id == kun.id
    msg = str(errs[0])
    assert kun.id in msg and "s2-3" in msg and lock[kun.id]["s2-3"] in msg and "redirects.yml" in msg


def test_deleted_clause_with_redirect_passes(tmp_path, seed_files):
    kun = _kunming(seed_files)
    lock_path, lock = _locked(tmp_path, [kun])
    (tmp_path / "redirects.yml").write_text(f"{kun.id}:\n  s2-3: s2-4\n", encoding="utf-8")
    red = anchors.load_redirects(tmp_path / "redirects.yml")
    assert red == {kun.id: {"s2-3": "s2-4"}}
    changed = _kunming(seed_files, _drop_item3)
    rep = anchors.check_anchors([changed], lock, red)
    assert rep.ok, [str(e) for e in rep.errors]
    anchors.update_lock(lock_path, [changed], rep)
    assert anchors.load_lock(lock_path)[kun.id]["s2-3"] == ">s2-4"
    # dropping the redirect later is caught
    rep = anchors.check_anchors([changed], anchors.load_lock(lock_path), {})
    assert [e.clause_id for e in rep.errors] == ["s2-3"]


def test_redirect_target_must_exist(tmp_path, seed_files):
    kun = _kunming(seed_files)
    _, lock = _locked(tmp_path, [kun])
    (tmp_path / "redirects.yml").write_text(f"{kun.id}:\n  s2-3: s9-9\n", encoding="utf-8")
    red = anchors.load_redirects(tmp_path / "redirects.yml")
    rep = anchors.check_anchors([_kunming(seed_files, _drop_item3)], lock, red)
    assert any(e.clause_id == "s2-3" and "s9-9" in e.message and "redirects.yml:2" in e.message for e in rep.errors)


def test_redirects_yaml_error_has_line(tmp_path):
    p = tmp_path / "redirects.yml"
    p.write_text("doc-a:\n  s1: s2\n  s3: [oops\n", encoding="utf-8")
    with pytest.raises(anchors.AnchorError) as ei:
        anchors.load_redirects(p)
    assert ei.value.line is not None and ei.value.line >= 3 and str(p) in str(ei.value)
    p.write_text("doc-a:\n  - s1\n", encoding="utf-8")
    with pytest.raises(anchors.AnchorError) as ei:
        anchors.load_redirects(p)
    assert ei.value.line == 2


def test_document_not_built_is_reported_once(tmp_path, seeds):
    _, lock = _locked(tmp_path, seeds)
    rep = anchors.check_anchors(seeds[:2] + seeds[3:], lock, {})
    assert rep.missing_documents == [seeds[2].id]
    assert [(e.doc_id, e.clause_id) for e in rep.errors] == [(seeds[2].id, None)]
    # the lock keeps the missing document untouched
    lock_path = tmp_path / "anchors.lock"
    before = {k: v for k, v in anchors.load_lock(lock_path).items()}
    anchors.update_lock(lock_path, seeds[:2] + seeds[3:], rep, redirects={})
    assert anchors.load_lock(lock_path) == before


def test_bad_lock_line(tmp_path):
    p = tmp_path / "anchors.lock"
    p.write_text("# c\ndoc\ts1\n", encoding="utf-8")
    with pytest.raises(anchors.AnchorError) as ei:
        anchors.load_lock(p)
    assert ei.value.line == 2


def test_remembered_anchors_equal_computed_ones_and_follow_the_load_key(tmp_path):
    """The fingerprints kept between builds are those computed now, for
    every seed; a document whose load key changed is computed again."""
    from build_tools.permanence.anchors import current_anchors, remembered_anchors
    from build_tools.pipeline import load_documents, source_files
    from conftest import ROOT

    res = load_documents(source_files(ROOT / "source_texts"), cache_dir=tmp_path / "docs")
    assert len(res.keys) == len(res.notices) >= 10
    want = {n.id: current_anchors(n) for n in res.notices}
    path = tmp_path / "anchors.pickle"
    assert remembered_anchors(res.notices, res.keys, path) == want
    assert remembered_anchors(res.notices, res.keys, path) == want  # from the file now
    victim = res.notices[0]
    first = next(victim.walk())
    first.text += "（改）"
    assert remembered_anchors(res.notices, res.keys, path)[victim.id] == want[victim.id]  # same key: kept
    keys = dict(res.keys, **{victim.id: "another key"})
    got = remembered_anchors(res.notices, keys, path)
    assert got[victim.id][first.id] != want[victim.id][first.id] and got[victim.id] == current_anchors(victim)
    path.write_bytes(b"not a pickle")
    assert remembered_anchors(res.notices, keys, path) == {n.id: current_anchors(n) for n in res.notices}


def test_the_anchor_check_of_a_stored_rebuild_loads_no_tree_and_equals_one_of_whole_documents(tmp_path, monkeypatch):
    """Issue 29: a stored rebuild's documents come from their headers; the clause
    fingerprints of the unchanged ones come from the remembered ones (no tree
    loaded), and the check against a real lock reports what it reports on
    whole documents: here every seed with one clause's text changed."""
    from build_tools import pipeline
    from build_tools.build.store import load_parse
    from build_tools.pipeline import load_documents, source_files
    from conftest import ROOT

    files = source_files(ROOT / "source_texts")
    lock = anchors.load_lock(ROOT / "source_texts" / "anchors.lock")
    assert lock
    first = load_documents(files, cache_dir=tmp_path / "docs", stored=True, owners={})
    anchors.remembered_anchors(first.notices, first.keys, tmp_path / "anchors.pickle")
    trees = []
    monkeypatch.setattr(pipeline, "load_parse", lambda path: trees.append(path) or load_parse(path))
    res = load_documents(files, cache_dir=tmp_path / "docs", stored=True, owners={})
    cur = anchors.remembered_anchors(res.notices, res.keys, tmp_path / "anchors.pickle")
    assert trees == []
    whole = load_documents(files).notices
    assert cur == {n.id: anchors.current_anchors(n) for n in whole}
    # a published text changed in every locked document: the same warnings, changes and new ids either way
    bent = {d: {c: ("0" * 8 if k == 0 else fp) for k, (c, fp) in enumerate(sorted(ids.items()))} for d, ids in lock.items()}
    bent = anchors.Lock(bent, path=None)
    got = anchors.check_anchors(res.notices, bent, {}, current=cur)
    want = anchors.check_anchors(whole, bent, {})
    assert trees == []
    assert [str(i) for i in got.warnings] == [str(i) for i in want.warnings] and len(got.changed) == len(lock)
    assert got.new == want.new and got.clause_changes == want.clause_changes and not got.errors


def test_the_lock_written_from_the_lock_the_check_read_equals_one_read_again(tmp_path, seeds, seed_files):
    """The build writes anchors.lock from the lock its check read (not read a second
    time): the same file, history and clause-history.lock as reading it again, after a
    changed wording, a retired id with its redirect and a new document; the lock given
    is left as it was."""
    kun = _kunming(seed_files)
    files = {}
    for name in ("given", "again"):
        d = tmp_path / name
        d.mkdir()
        lock_path, lock = _locked(d, [kun] + seeds[:2])
        files[name] = (lock_path, lock)
    edited = _kunming(seed_files, lambda b: _drop_item3(b).replace("全面提升知识产权创新创造质量", "全面提高知识产权创新创造质量"))
    notices = [edited] + seeds[:2] + seeds[3:]
    red = {kun.id: {"s2-3": "s2-4"}}
    out = {}
    for name, (lock_path, lock) in files.items():
        before = anchors.format_lock(lock)
        rep = anchors.check_anchors(notices, lock, red)
        assert rep.ok and rep.changed and rep.new
        anchors.update_lock(lock_path, notices, rep, redirects=red, old=lock if name == "given" else None)
        assert anchors.format_lock(lock) == before  # the given lock is not changed
        hist = lock_path.with_name(anchors.HISTORY_NAME)
        out[name] = (lock_path.read_text(encoding="utf-8"), hist.read_text(encoding="utf-8") if hist.exists() else None)
    assert out["given"] == out["again"] and f"{kun.id}\ts2-3\t>s2-4" in out["given"][0] and out["given"][1] is None


def _report(rep):
    return ([str(i) for i in rep.errors], [str(i) for i in rep.warnings], rep.new, rep.changed,
            rep.missing_documents, rep.clause_changes)


def test_the_compact_lock_reads_checks_and_writes_what_the_whole_one_does(tmp_path, seeds, seed_files, monkeypatch):
    """Issue 29: the build reads anchors.lock once into a compact form
    (``read_lock``): equal to ``load_lock``'s on the real lock of source_texts;
    over successive builds of the seeds (unchanged, a changed wording, a
    retired id with its redirect, a new document, a document not built, the
    lock's history read back) its check reports the same and its writer
    writes the same bytes and clause-history.lock; an unchanged build writes nothing."""
    from conftest import ROOT

    real = ROOT / "source_texts" / "anchors.lock"
    compact = anchors.read_lock(real)
    assert isinstance(compact, anchors.CompactLock) and len(compact) >= 10
    assert dict(compact.items()) == dict(anchors.load_lock(real).items()) and compact.history == anchors.load_lock(real).history
    kun = _kunming(seed_files)
    edited = _kunming(seed_files, lambda b: b.replace("持续加强知识产权行政司法保护", "持续强化知识产权行政司法保护"))
    retired = _kunming(seed_files, lambda b: _drop_item3(b).replace("全面提升知识产权创新创造质量", "全面提高知识产权创新创造质量"))
    red = {kun.id: {"s2-3": "s2-4"}}
    others = [n for n in seeds if n.id != kun.id]
    rounds = [([kun] + others[:2], {}), ([kun] + others[:2], {}), ([edited] + others[:2], {}),
              ([edited] + others[:2], {}), ([retired] + others, red), (others[1:] + [retired], red),
              ([retired] + others, red)]
    dirs = {name: tmp_path / name for name in ("whole", "compact")}
    for d in dirs.values():
        d.mkdir()
    writes = []
    real_write = anchors.write_text_bytes
    monkeypatch.setattr(anchors, "write_text_bytes", lambda p, data: writes.append(p) or real_write(p, data))
    for k, (notices, redirects) in enumerate(rounds):
        got = {}
        for name, d in dirs.items():
            lock_path = d / "anchors.lock"
            lock = anchors.load_lock(lock_path) if name == "whole" else anchors.read_lock(lock_path)
            assert (name == "whole" or not lock_path.exists()) or isinstance(lock, anchors.CompactLock)
            rep = anchors.check_anchors(notices, lock, redirects, current={
                n.id: anchors.Fingerprints.of(anchors.current_anchors(n)) for n in notices})
            writes.clear()
            anchors.update_lock(lock_path, notices, rep, redirects=redirects, old=lock)
            hist = lock_path.with_name(anchors.HISTORY_NAME)
            got[name] = (_report(rep), lock_path.read_bytes(), hist.read_bytes() if hist.exists() else None)
            if name == "compact" and k in (1, 3):  # the same documents as the round before: nothing written
                assert writes == [] and not rep.new and not rep.changed
        assert got["whole"] == got["compact"], k
        assert got["compact"][0][3] or k != 2  # the changed wording was seen
    assert b">s2-4" in got["compact"][1] and b"@" in got["compact"][1]  # a retired id and a history column kept


def test_the_anchor_check_of_a_stored_full_build_loads_no_tree(tmp_path, monkeypatch):
    """Issue 29: a full build of a stored archive makes each document's
    fingerprints while the load stage holds its tree (``LoadResult.fingerprints``),
    so the anchor check loads no tree back; they equal those of the whole
    documents (every source of source_texts)."""
    from build_tools import pipeline
    from build_tools.build.store import load_parse
    from build_tools.pipeline import load_documents, source_files
    from conftest import ROOT

    files = source_files(ROOT / "source_texts")
    trees = []
    monkeypatch.setattr(pipeline, "load_parse", lambda path: trees.append(path) or load_parse(path))
    res = load_documents(files, cache_dir=tmp_path / "docs", stored=True, owners={})
    assert sorted(res.fingerprints) == sorted(res.keys.values()) and len(res.notices) >= 10
    cur = anchors.remembered_anchors(res.notices, res.keys, tmp_path / "anchors.pickle", made=res.fingerprints)
    assert trees == []
    whole = load_documents(files).notices
    assert cur == {n.id: anchors.current_anchors(n) for n in whole}
    assert all(cur[n.id].block == anchors.block_digest(n.id, anchors.current_anchors(n)) for n in whole)


def test_a_changed_clause_reads_its_published_text_from_its_own_record(tmp_path, seed_files, monkeypatch):
    """Issue 29: the text a changed clause had is read from the live site's
    record of its document (data/notices/<id>.json.gz), not from the whole
    archive.json.gz; a document without a record is read from the archive."""
    import gzip
    import json

    kun = _kunming(seed_files)
    src = tmp_path / "source_texts"
    src.mkdir()
    _, lock = _locked(src, [kun])
    edited = _kunming(seed_files, lambda b: b.replace("持续加强知识产权行政司法保护", "持续强化知识产权行政司法保护"))
    notices = tmp_path / "site" / "data" / "notices"
    notices.mkdir(parents=True)
    record = {"id": kun.id, "clauses": [c.to_dict() for c in kun.clauses]}
    (notices / f"{kun.id}.json.gz").write_bytes(gzip.compress(json.dumps(record, ensure_ascii=False).encode()))
    reads = []
    real = anchors.read_archive
    monkeypatch.setattr(anchors, "read_archive", lambda d: reads.append(d) or real(d))
    rep = anchors.check_anchors([edited], lock, {})
    assert rep.old_texts == {(kun.id, "s2-3"): kun.clause("s2-3").text} and reads == []
    (notices / f"{kun.id}.json.gz").unlink()
    (notices.parent / "archive.json").write_text(json.dumps({"documents": [record]}, ensure_ascii=False), encoding="utf-8")
    rep = anchors.check_anchors([edited], lock, {})
    assert rep.old_texts == {(kun.id, "s2-3"): kun.clause("s2-3").text} and len(reads) == 1
