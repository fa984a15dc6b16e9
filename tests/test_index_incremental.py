"""Issue 29: the command-line index updated by difference holds what an index
built from empty holds.

Real documents: the seeds, four gov.cn pages and a real work with three
versions (道路运输条例 2019/2022/2023), read, structured and enriched as
the build does.  One index is carried through
four rebuilds as ``build_site`` updates it (``inputs``: the documents'
digests, ``pagecache.document_digests``): one document changed, one added,
one removed, one law version added (which changes the validity and the
version of the work's other versions).  After each, a second index is built
from empty on the same documents; both must hold the same records (every
stored field of every clause and title), the same citation table, the same
meta file, and answer every benchmark query alike.
"""
from __future__ import annotations

import json
import marshal
import pickle
from pathlib import Path

import pytest

from benchmarks.bench import QUERIES, split_query
from build_tools.enrich import enrich_all
from build_tools.pipeline import load_documents, source_files
from build_tools.build.pagecache import document_digests
from build_tools.build.schedule import child_peaks
from build_tools.publish.site import IndexJob, WriterProcess, write_in_process
from build_tools.settings import BACKEND_ENV
from search.citation import TABLE_NAME, citation_table
from search.index import ROWS_NAME, backend_module, build_index, notice_records
from search.query import search
from search.schema import META_FILE

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-12-01"


@pytest.fixture(scope="module")
def loaded(lawref_dir, govcn_dir, tmp_path_factory):
    law = lawref_dir
    works = sorted((law / "行政法规").glob("道路运输条例(*.md"))
    govcn = sorted(govcn_dir.glob("*.html"))[:4]
    res = load_documents(source_files(ROOT / "source_texts") + govcn + works,
                         cache_dir=tmp_path_factory.mktemp("parses"))  # for the load keys
    assert not res.errors and len(res.keys) == len(res.notices)
    road = sorted((n for n in res.notices if "道路运输条例" in n.title), key=lambda n: n.date or "")
    assert len(road) >= 3, "道路运输条例 has three versions in lawrefbook"
    return res, road[-1].id


def _enriched(res, ids: list[str], edit=None):
    """Deep copies of the documents ``ids`` (``edit`` applied first), enriched
    across them as a build of exactly these would (no related documents)."""
    by_id = {n.id: n for n in res.notices}
    docs = [pickle.loads(pickle.dumps(by_id[i])) for i in ids]
    edited = edit(docs) if edit else set()  # the ids of the documents it changed
    enrich_all(docs, today=TODAY, related=False)
    keys = {n.id: res.keys[n.id] + ("-edited" if n.id in edited else "") for n in docs}
    return docs, {k: v.hex() for k, v in document_digests(docs, keys).items()}


def _edit_first_clause(docs) -> set[str]:
    k = next(k for k, n in enumerate(docs) if n.kind != "law")
    n = docs[k] = docs[k].draft()  # a new record: the loaded ones are frozen (issue 24)
    c = next(c for c in n.walk() if len(c.text) > 20)
    c.text = c.text[:10] + "（本句为重建测试所改：独角兽条款）" + c.text[10:]
    return {n.id}


def _contents(d: Path, backend: str) -> dict:
    meta = json.loads((d / META_FILE).read_text(encoding="utf-8"))
    return {"records": backend_module(backend).stored_records(d),
            "table": (d / TABLE_NAME).read_bytes(),
            "docs": meta["docs"], "counts": meta["counts"], "records_n": meta["records"]}


def _answers(d: Path) -> list:
    out = []
    for q in QUERIES[:12] + ["独角兽条款", "道路运输"]:
        text, args = split_query(q)
        if args:
            continue
        out.append((q, [(h.doc_id, h.clause_id) for h in search(d, text, limit=1000)]))
    return out


@pytest.mark.slow  # ten indexes of 20 real documents: ~1 min on a quiet machine
@pytest.mark.parametrize("backend,writer", [("whoosh", None), ("tantivy", None), ("tantivy", write_in_process)])
def test_an_index_updated_by_difference_equals_one_built_from_empty(loaded, tmp_path, backend, writer):
    """(With ``write_in_process``: the live index is written by the writer
    process the build starts, the one from empty in this process.)"""
    res, newest = loaded
    every = [n.id for n in res.notices]
    pages = [i for i in every if res.paths[i].suffix == ".html"]
    added, removed = pages[0], pages[-1]
    start = [i for i in every if i not in (added, newest)]
    steps = [("start", start, None),
             ("one changed", start, _edit_first_clause),
             ("one added", start + [added], _edit_first_clause),
             ("one removed", [i for i in start + [added] if i != removed], _edit_first_clause),
             ("a law version added", [i for i in start + [added] if i != removed] + [newest], _edit_first_clause)]
    live = tmp_path / "live"
    before = None
    for k, (name, ids, edit) in enumerate(steps):
        docs, inputs = _enriched(res, ids, edit)
        if name == "one added":  # an index of older builds, without its citation rows: taken from the table
            (live / ROWS_NAME).unlink()
        st = build_index(docs, live, backend=backend, inputs=inputs, writer=writer)
        assert st.rebuilt == (k == 0), name
        fresh = tmp_path / f"fresh-{k}"
        full = build_index(docs, fresh, backend=backend, inputs=inputs)
        assert full.rebuilt
        got, want = _contents(live, backend), _contents(fresh, backend)
        assert got["records"] == want["records"], name
        assert len(got["records"]) == sum(len(notice_records(n)) for n in docs)
        assert got == want, name
        assert got["table"] == json.dumps(citation_table(docs), ensure_ascii=False,  # citation.write_table's bytes
                                          separators=(",", ":")).encode("utf-8"), name
        assert _answers(live) == _answers(fresh), name
        if before is not None:  # only the documents that differ were written again
            changed = {d for d, h in want["docs"].items() if before.get(d) != h}
            assert set(st.added) | set(st.updated) == changed, name
            assert set(st.removed) == set(before) - set(want["docs"]), name
        before = want["docs"]


def test_the_index_job_writes_in_a_process_of_its_own_and_reports_its_peak(loaded, tmp_path, monkeypatch):
    """The build's index job (``IndexJob``, forked) hands the records to a
    fresh writer process (``python -m search.index --write``): the index it
    swaps in holds what one written in this process holds, and the writer's
    peak memory is reported as ``tool:index-writer``."""
    res, _ = loaded
    monkeypatch.setenv(BACKEND_ENV, "tantivy")  # a large archive's backend, inherited by both children
    docs, inputs = _enriched(res, [n.id for n in res.notices][:12])
    child_peaks(clear=True)
    job = IndexJob(docs, tmp_path / "index", inputs)
    out = job.finish()
    assert out["writer_peak_mb"] > 0
    peaks = child_peaks(clear=True)
    assert peaks["tool:index-writer"] == round(out["writer_peak_mb"]) and "fork:_index_child" in peaks
    here = build_index(docs, tmp_path / "here", backend="tantivy", inputs=inputs)
    assert not (tmp_path / "index.tmp").exists()
    assert _contents(tmp_path / "index", "tantivy") == _contents(tmp_path / "here", "tantivy")
    assert here.records == len(backend_module("tantivy").stored_records(tmp_path / "index"))
    again = IndexJob(docs, tmp_path / "index", inputs).finish()  # nothing changed: the writer is stopped unused
    assert "未变 12" in again["summary"] and again["writer_peak_mb"] == 0
    assert _contents(tmp_path / "index", "tantivy") == _contents(tmp_path / "here", "tantivy")


def test_a_failing_writer_process_is_reported_with_its_output(loaded, tmp_path):
    """A writer process that fails (here: an index folder it cannot create,
    under a file) raises RuntimeError naming it, with its own traceback."""
    res, _ = loaded
    docs, inputs = _enriched(res, [n.id for n in res.notices][:3])
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(RuntimeError, match="命令行检索索引写入进程失败"):
        build_index(docs, tmp_path / "ix", backend="tantivy", inputs=inputs,
                    writer=lambda name, _d, **kw: write_in_process(name, blocker / "ix", **kw))


def test_a_writer_started_before_the_job_is_fed_by_the_forked_child_and_reaped(loaded, tmp_path, monkeypatch):
    """The build starts the writer process before its write stage
    (``SiteBuild``), so its start and jieba's dictionary are off the
    index's path: the forked ``IndexJob`` child feeds that writer (a child
    of the build, not its own).  The index it swaps in equals one written in
    this process, through one changed document; with nothing to write the
    handed writer is stopped unused; either way it is reaped (no zombie)."""
    res, _ = loaded
    monkeypatch.setenv(BACKEND_ENV, "tantivy")
    ids = [n.id for n in res.notices][:12]
    prev_inputs = None  # the inputs of the round before
    for k, edit in enumerate((None, _edit_first_clause, _edit_first_clause)):
        docs, inputs = _enriched(res, ids, edit)
        if k == 2:  # the same documents again: nothing to write
            inputs = prev_inputs
        writer = WriterProcess()
        out = IndexJob(docs, tmp_path / "index", inputs, writer).finish()
        assert writer.proc.returncode is not None, "the writer process is reaped by the build"
        assert (out["writer_peak_mb"] > 0) == (k < 2), out
        if k < 2:  # its resident memory after the write, split: its own and the mapped index files
            assert out["anon_mb"] > 0 and out["anon_mb"] + out["file_mb"] <= out["writer_peak_mb"] + 1, out
        if k == 2:
            assert "未变 12" in out["summary"]
        else:
            build_index(docs, tmp_path / f"here-{k}", backend="tantivy", inputs=inputs)
            here = tmp_path / f"here-{k}"
            assert _contents(tmp_path / "index", "tantivy") == _contents(here, "tantivy")
        prev_inputs = inputs


def test_a_writer_handed_to_a_job_whose_child_dies_ends_too(loaded, tmp_path):
    """A forked child that fails before feeding the writer: ``finish`` raises,
    the writer it stopped is reaped, and no ``index.tmp`` is left."""
    res, _ = loaded
    docs, inputs = _enriched(res, [n.id for n in res.notices][:3])
    writer = WriterProcess()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    job = IndexJob(docs, blocker / "index", inputs, writer)  # its copy cannot be made under a file
    with pytest.raises(RuntimeError, match="命令行检索索引构建失败"):
        job.finish()
    assert writer.proc.returncode is not None
    assert not (blocker.parent / "index.tmp").exists()


def test_the_citation_rows_are_written_again_when_missing_even_if_nothing_changed(loaded, tmp_path):
    """An index without ``citations-rows.marshal`` (made before it existed):
    a build where nothing changed takes the rows from the table and writes
    the file, so later builds neither parse the table nor encode every row
    again (2x: 0.5 s of each rebuild's index); the table's bytes stay."""
    res, _ = loaded
    docs, inputs = _enriched(res, [n.id for n in res.notices][:8])
    ix = tmp_path / "ix"
    build_index(docs, ix, backend="tantivy", inputs=inputs)
    rows, table = (ix / ROWS_NAME).read_bytes(), (ix / TABLE_NAME).read_bytes()
    (ix / ROWS_NAME).unlink()
    st = build_index(docs, ix, backend="tantivy", inputs=inputs)
    assert st.unchanged == len(docs) and not st.added and not st.updated
    assert marshal.loads((ix / ROWS_NAME).read_bytes()) == marshal.loads(rows)  # (marshal's bytes vary with interning)
    assert (ix / TABLE_NAME).read_bytes() == table
