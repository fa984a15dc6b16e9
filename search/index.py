"""Build and incrementally update the clause index (Whoosh or tantivy).

One typed ``schema.IndexRecord`` per clause (``kind="clause"``) and one per
document title (``kind="title"``, whose ``text`` is the title); how each
backend indexes the fields is listed in ``search.whoosh_backend`` and
``search.tantivy_backend``.

Backends (``backend=``):

``whoosh``   pure Python, the project's default for small archives.
``tantivy``  Rust (PyPI ``tantivy``), for large ones: the same character-gram
             and jieba terms, fed pre-tokenised (joined by spaces).
``auto``     tantivy above ``AUTO_THRESHOLD`` records, else Whoosh; the
             environment variable ``IPARCHIVE_SEARCH_BACKEND`` (whoosh,
             tantivy) overrides it.

The threshold, measured on lawrefbook slices (2 cores, shared machine):

=========  =====================  =====================
records    Whoosh build / p95     tantivy build / p95
=========  =====================  =====================
5,000      11 s / 26 ms           1.6 s / 10 ms
10,000     24 s / 46 ms           2.4 s / 5 ms
19,000     40 s / 72 ms           2.7 s / 11 ms
40,327     111 s / 212 ms         10 s / 10 ms
=========  =====================  =====================

Whoosh meets the 50 ms p95 target up to about 10,000 records (a few
hundred notices), so it keeps those archives; above, tantivy.

Incremental: ``index_dir/iparchive-meta.json`` keeps the backend and one
content hash per document (of every record indexed for it).  A rebuild
deletes and re-adds only documents whose hash changed and deletes documents
that disappeared; the citation table beside it (``citations.json``) keeps
the rows of documents whose input digest is unchanged (issue 29: a rebuild
costs what changed; ``tests/test_index_incremental.py`` holds an index so
updated to one built from empty).  The index is recreated when its schema version,
segmentation or backend changed.  (No segmentation cache: rjieba cuts a
text faster than the cache could look it up.)
"""
from __future__ import annotations

import hashlib
import io
import json
import marshal
import os
import pickle
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Optional, TextIO

from build_tools.codedigest import code_digest
from build_tools.doctypes import type_group
from build_tools.models import Notice
from build_tools.settings import BACKEND_ENV, SEARCH_BACKEND_THRESHOLD, env

from . import tokenizer as tk
from .citation import SCHEMA as CITATION_SCHEMA
from .citation import TABLE_NAME, citation_table, load_table
from .schema import (META_FILE, NATIONAL_NAME, SCHEMA_VERSION, TITLE_LABEL, Backend, IndexRecord, RecordsToAdd,
                     read_meta)

__all__ = ["build_index", "write_here", "send_records", "WRITE_FLAG", "ROWS_NAME", "clear_index", "notice_records", "region_terms", "records_hash", "backend_module",
           "choose_backend", "IndexStats", "META_FILE", "SCHEMA_VERSION", "BACKENDS", "AUTO_THRESHOLD"]

BACKENDS = ("whoosh", "tantivy")
AUTO_THRESHOLD = SEARCH_BACKEND_THRESHOLD  # records; above it backend="auto" picks tantivy


@dataclass
class IndexStats:
    """What one ``build_index`` call did."""

    documents: int = 0  # documents in the index afterwards
    records: int = 0  # Whoosh documents (clauses + titles) afterwards
    added: list[str] = field(default_factory=list)  # new doc ids
    updated: list[str] = field(default_factory=list)  # changed doc ids
    removed: list[str] = field(default_factory=list)  # deleted doc ids
    unchanged: int = 0
    rebuilt: bool = False  # index recreated from scratch
    segmented: int = 0  # texts run through jieba (records of changed documents)
    seconds: float = 0.0
    backend: str = ""  # whoosh | tantivy

    def summary(self) -> str:
        return (
            f"索引：{self.documents} 篇文件，{self.records} 条记录；"
            f"新增 {len(self.added)}，更新 {len(self.updated)}，"
            f"删除 {len(self.removed)}，未变 {self.unchanged}"
            f"{'（重建）' if self.rebuilt else ''}；{self.backend}；"
            f"分词 {self.segmented} 段，用时 {self.seconds:.1f} 秒"
        )


def region_terms(notice: Notice) -> list[str]:
    """Names and codes of the region and all its parents (全国 if national)."""
    r = notice.region
    if r is None:
        return []
    if r.is_national:
        return [NATIONAL_NAME, r.code]
    out: list[str] = []
    for name, code in r.chain or [(r.name, r.code)]:
        for v in (name, code):
            if v and v not in out:
                out.append(v)
    for v in (r.name, r.code):
        if v and v not in out:
            out.append(v)
    return out


def notice_records(notice: Notice, base_url: str = "") -> list[IndexRecord]:
    """The index records of one notice: its title record, then its clauses."""
    region = tuple(region_terms(notice))
    themes = tuple(t for t in notice.themes if t)
    year = int(notice.year) if notice.year is not None else None
    common = dict(doc_id=notice.id, doc_title=notice.title, region=region, doc_themes=themes,
                  doc_type=type_group(notice.doc_type) or "", status=notice.status or "", year=year)
    page = f"{base_url}notices/{notice.id}.html"
    recs = [IndexRecord(key=f"{notice.id}#", kind="title", clause_id="", title=notice.title,
                        label=TITLE_LABEL, citation=notice.citation(), text=notice.title,
                        themes=themes, url=page, order=0, **common)]
    for i, c in enumerate(notice.walk(), start=1):
        if not c.text.strip():
            continue
        recs.append(IndexRecord(key=f"{notice.id}#{c.id}", kind="clause", clause_id=c.id, label=c.label,
                                citation=notice.citation(c), text=c.text,
                                themes=tuple(t for t in c.themes if t), url=f"{page}#{c.id}", order=i,
                                **common))
    return recs


def record_count(notice: Notice) -> int:
    """``len(notice_records(notice))`` without making them: the title record
    and one per clause with text."""
    return 1 + sum(1 for c in notice.walk() if c.text.strip())


def records_hash(records: list[IndexRecord]) -> str:
    """Content hash of a document's records (values, keys and their order).

    Pickled without memo ("fast" mode), so equal values always give equal
    bytes whatever objects they share; 4x faster than sorted JSON (0.9 s
    instead of 3.2 s for the 361,536 records of the whole corpus).
    """
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=5)
    p.fast = True
    p.dump((SCHEMA_VERSION, records))
    return hashlib.sha256(buf.getvalue()).hexdigest()


def _write_meta(index_dir: Path, meta: dict) -> None:
    tmp = index_dir / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")  # (indent=0 took the pure-Python encoder: 0.2 s at 2x)
    os.replace(tmp, index_dir / META_FILE)


def backend_module(name: str) -> Backend:
    """The backend module for ``name`` (imports Whoosh or tantivy lazily)."""
    if name == "whoosh":
        from . import whoosh_backend as mod  # lazily: a tantivy index never pays Whoosh's import
    elif name == "tantivy":
        from . import tantivy_backend as mod  # lazily: a Whoosh index never loads tantivy
    else:
        raise ValueError(f"未知的检索后端：{name}（可用：whoosh、tantivy、auto）")
    return mod


def choose_backend(backend: str, records: int, current: Optional[str] = None) -> str:
    """Resolve ``auto``: the environment override, else the record threshold.

    An existing tantivy index stays tantivy down to 80 % of the threshold,
    so an archive hovering around it is not rebuilt back and forth.
    """
    if backend == "auto":
        backend = env(BACKEND_ENV).lower() or "auto"
    if backend != "auto":
        if backend not in BACKENDS:
            raise ValueError(f"未知的检索后端：{backend}（可用：whoosh、tantivy、auto）")
        return backend
    limit = AUTO_THRESHOLD * (0.8 if current == "tantivy" else 1.0)
    return "tantivy" if records > limit else "whoosh"


def build_index(
    notices: Iterable[Notice],
    index_dir: Path,
    *,
    base_url: str = "",
    progress: bool = False,
    backend: str = "auto",
    userdict: bool = True,
    inputs: Optional[dict[str, str]] = None,
    writer: Optional[Writer] = None,
) -> IndexStats:
    """Create or update the index in ``index_dir`` from ``notices``.

    ``backend`` is ``auto`` (see the module docstring), ``whoosh`` or
    ``tantivy``.  Only documents whose indexed content changed are deleted
    and re-added; documents absent from ``notices`` are deleted.  The index
    is recreated from scratch when its schema version, segmentation or
    backend changed.  Raises ValueError on duplicate notice ids or an
    unknown backend.

    ``inputs`` (doc id -> a digest of the document as the build holds it,
    ``WriteStats.doc_digests``): a document whose digest, with the source of
    build_tools/ and search/, equals the one the index recorded keeps its
    records' hash without its records being made again (3,490 documents:
    4 s to make and hash, 0.1 s to compare).

    ``writer`` (default ``write_here``: in this process) does the backend's
    write: ``publish.site`` passes one that streams the records to a fresh
    process (``send_records`` / ``main``), so the index's native memory is
    not added to a fork of the build (issue 29).
    """
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    stats = IndexStats()
    tid = tk.tokenizer_id(userdict)

    meta = read_meta(index_dir)
    code = _code_key(base_url) if inputs is not None else ""

    def hashed(n: Notice) -> tuple[str, list[IndexRecord]]:
        recs = notice_records(n, base_url)
        return records_hash(recs), recs

    byid, new, counts, keys, todo = _sort_out(notices, inputs or {}, meta, code)

    current = (meta or {}).get("backend", "whoosh") if meta else None
    name = choose_backend(backend, sum(counts.values()), current)
    mod = backend_module(name)
    stats.backend = name
    fresh = (
        meta is None
        or meta.get("schema") != SCHEMA_VERSION
        or meta.get("tokenizer") != tid
        or current != name
        or not mod.exists(index_dir)
    )
    if fresh:
        clear_index(index_dir)
        old: dict[str, str] = {}
        stats.rebuilt = True
        changed = list(new)  # every document is added, its records made when the backend reaches it
    else:
        old = dict(meta.get("docs", {}))
        for d in todo:  # a document whose records hash as before is not written again
            h, recs = hashed(byid[d])
            new[d] = (h, recs if old.get(d) != h else None)
        changed = [d for d, (h, _) in new.items() if old.get(d) != h]

    def make(d: str) -> list[IndexRecord]:
        h, recs = new[d]
        if recs is None:
            h, recs = hashed(byid[d])
        new[d] = (h, None)  # written: only the hash is kept
        return recs

    stats.added = [d for d in changed if d not in old]
    stats.updated = [d for d in changed if d in old]
    stats.removed = sorted(d for d in old if d not in new)
    stats.unchanged = len(new) - len(changed)

    if changed or stats.removed or fresh:
        stats.segmented = sum(counts[d] for d in changed)
        stats.records = (writer or write_here)(
            name,
            index_dir,
            fresh=fresh,
            delete=stats.removed + stats.updated,
            add=RecordsToAdd(write_order(changed, byid), make, stats.segmented),
            userdict=userdict,
            progress=progress,
        )
        _write_meta(index_dir, {"schema": SCHEMA_VERSION, "tokenizer": tid, "backend": name, "records": stats.records,
                                "base_url": base_url, "docs": {d: h for d, (h, _) in sorted(new.items())},
                                "counts": dict(sorted(counts.items())), "code": code,
                                "inputs": dict(sorted(keys.items()))})
    else:  # nothing to do: neither Whoosh nor tantivy is imported
        stats.records = meta["records"] if "records" in meta else mod.count(index_dir)
    # issue 25: typed citations (search/citation.py); issue 29: only the rows of the documents made again
    _write_citations(byid, set(todo) if not fresh else set(byid), index_dir)
    stats.documents = len(new)
    stats.seconds = time.perf_counter() - t0
    return stats


def write_order(ids: list[str], byid: dict[str, Notice]) -> list[str]:
    """The documents to add in title order (then id): the versions of a law
    and a notice reposted under the same title come one after the other, so
    the writer's memo of recent clause texts (``tantivy_backend.TextMemo``)
    tokenises the texts they share once.  The index holds the same records
    in any order."""
    return sorted(ids, key=lambda d: (byid[d].title or "", d))


Writer = Callable[..., int]  # (backend name, index_dir, *, fresh, delete, add, userdict, progress) -> records


def write_here(name: str, index_dir: Path, **kw) -> int:
    """The backend's ``write`` in this process (``build_index``'s default writer)."""
    return backend_module(name).write(index_dir, **kw)


WRITE_FLAG = "--write"  # python -m search.index --write: the records come on stdin (send_records)


def send_records(stream: BinaryIO, name: str, index_dir: Path, *, fresh: bool, delete: list[str],
                 add: RecordsToAdd, userdict: bool = True, progress: bool = False) -> None:
    """What ``main`` reads on its stdin: a header (backend, index folder,
    what to delete, the ids and record total of what is added), then each
    added document's records, one pickle each, made as they are sent (the
    pipe holds one document at a time)."""
    header = {"backend": name, "index_dir": str(index_dir), "fresh": fresh, "delete": list(delete),
              "ids": list(add.ids), "records": add.records, "userdict": userdict}
    pickle.dump(header, stream, protocol=5)
    for recs in add:
        pickle.dump(recs, stream, protocol=5)
    stream.flush()


def main(stdin: BinaryIO, stdout: TextIO) -> int:
    """``python -m search.index --write``: one backend write from the
    records ``send_records`` sends on ``stdin``; prints ``{"records": the
    index's records afterwards, "peak_mb": this process's peak resident
    memory, "anon_mb" / "file_mb" (``_resident_split``), and for tantivy
    "texts" and "tokenised": clause texts looked up and tokenised
    (``tantivy_backend.TextMemo``)}`` as JSON.  A fresh process holds only the writer (tantivy's
    native heap and merges, jieba), not the build's documents."""
    import resource  # only the writer process reports its peak

    tk.get_jieba(True)  # the build's segmenter, loaded while the build plans (it is started first)
    try:
        head = pickle.load(stdin)
    except EOFError:  # closed without a header: nothing to write
        return 0
    add = RecordsToAdd(head["ids"], lambda _d: pickle.load(stdin), head["records"])
    n = write_here(head["backend"], Path(head["index_dir"]), fresh=head["fresh"], delete=head["delete"], add=add,
                   userdict=head["userdict"], progress=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    texts = dict(getattr(backend_module(head["backend"]), "LAST_WRITE", {}))  # tantivy: texts looked up, tokenised
    stdout.write(json.dumps({"records": n, "peak_mb": round(peak), **texts, **_resident_split()}) + "\n")
    return 0


def _resident_split() -> dict[str, int]:
    """This process's resident MB now, after the write and its merges:
    ``anon_mb`` its own memory (jieba, tantivy's heap, Python), ``file_mb``
    pages of the index's segment files mapped by tantivy (they count in the
    peak, but the kernel can drop them); {} without /proc."""
    out = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                key = {"RssAnon:": "anon_mb", "RssFile:": "file_mb"}.get(line.split(" ", 1)[0].split("\t")[0])
                if key:
                    out[key] = round(int(line.split()[1]) / 1024)
    except (OSError, ValueError, IndexError):
        return {}
    return out


ROWS_NAME = "citations-rows.marshal"  # in the index folder: doc id -> its rows of citations.json, as JSON


def _write_citations(byid: dict[str, Notice], todo: set[str], index_dir: Path) -> None:
    """``citations.json`` (``citation.write_table``'s bytes) by difference: the
    rows of a document whose input digest the index recorded (not in
    ``todo``) are kept as the JSON they were written as
    (``citations-rows.marshal``), the others made (a law's row walks its
    clauses: 3,490 documents, most of a second), and the table is their
    join: neither parsed nor encoded whole (issue 29: 0.37 s at 2x)."""
    from build_tools.fsutil import replace_bytes  # writers only: the query path stays light

    path, rows_path = index_dir / TABLE_NAME, index_dir / ROWS_NAME
    try:
        kept = marshal.loads(rows_path.read_bytes())
        if not isinstance(kept, dict):
            raise ValueError(rows_path)
        stored = True
    except (OSError, ValueError, EOFError, TypeError):  # none yet (an older index): from the table in place
        kept, stored = {}, False
        for d in (load_table(path) or {}).get("docs", []):
            if d.get("id") in byid:
                kept[d["id"]] = kept[d["id"]] + b"," + _row_json(d) if d["id"] in kept else _row_json(d)
    rows: dict[str, bytes] = {}
    for doc_id in sorted(byid):
        row = kept.get(doc_id) if doc_id not in todo else None
        if row is None:
            row = b",".join(_row_json(d) for d in citation_table([byid[doc_id]])["docs"])
        rows[doc_id] = row
    data = b"".join((b'{"schema":', _row_json(CITATION_SCHEMA), b',"docs":[',
                     b",".join(r for r in rows.values() if r), b"]}"))
    try:
        same = path.read_bytes() == data
    except OSError:
        same = False
    if not same:
        replace_bytes(path, data)
    if rows != kept or not stored:  # (made from the table: written, or every later build parses the table again)
        replace_bytes(rows_path, marshal.dumps(rows))  # a new file: index.tmp/ holds hard links of the live one


def _row_json(value) -> bytes:
    """``value`` as ``citation.write_table`` encodes it."""
    return _ENCODE(value).encode("utf-8")


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _sort_out(notices: Iterable[Notice], inputs: dict[str, str], meta: Optional[dict], code: str):
    """Which documents' records must be made: -> (id -> notice, id -> (records
    hash or "", None), id -> record count, id -> input digest, ids to make).
    A document whose input digest and the code key equal those the index
    recorded keeps its recorded hash and count.  ValueError on a repeated id."""
    known_in = dict((meta or {}).get("inputs", {})) if meta and meta.get("code") == code else {}
    known_docs, known_counts = dict((meta or {}).get("docs", {})), dict((meta or {}).get("counts", {}))
    byid: dict[str, Notice] = {}
    new: dict[str, tuple[str, Optional[list[IndexRecord]]]] = {}  # id -> (records hash, records still to write)
    counts: dict[str, int] = {}
    keys: dict[str, str] = {}
    todo: list[str] = []
    for n in notices:
        if n.id in byid:
            raise ValueError(f"重复的文件编号：{n.id}")
        byid[n.id] = n
        key = inputs.get(n.id)
        if key:
            keys[n.id] = key
        if key and known_in.get(n.id) == key and n.id in known_docs and n.id in known_counts:
            new[n.id], counts[n.id] = (known_docs[n.id], None), known_counts[n.id]
            continue
        new[n.id], counts[n.id] = ("", None), record_count(n)
        todo.append(n.id)
    return byid, new, counts, keys, todo


def _code_key(base_url: str) -> str:
    """What a document's records depend on besides the document: this module
    and what it imports (``codedigest``: models, schema, tokenizer, the
    backends), the theme vocabulary and the dictionary, and the base URL."""
    return hashlib.sha1(base_url.encode() + code_digest("search.index", data=("build_tools/data/*", "search/*.txt"))
                        ).hexdigest()


def clear_index(index_dir: Path) -> None:
    """Remove the meta file, the citation table and both backends' files (each backend's ``clear``)."""
    index_dir = Path(index_dir)
    (index_dir / META_FILE).unlink(missing_ok=True)
    (index_dir / TABLE_NAME).unlink(missing_ok=True)  # the citation table (issue 25)
    (index_dir / ROWS_NAME).unlink(missing_ok=True)  # its rows as written
    for name in BACKENDS:
        backend_module(name).clear(index_dir)


if __name__ == "__main__":
    if sys.argv[1:] != [WRITE_FLAG]:
        sys.exit(f"用法：python -m search.index {WRITE_FLAG}（由构建启动，记录从标准输入读入）")
    sys.exit(main(sys.stdin.buffer, sys.stdout))
