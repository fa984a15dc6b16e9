"""``data/archive.json.gz``: the whole archive for reuse, schema-versioned
(gzipped since issue 29: ``ARCHIVE_NAME``; decompressed, the archive.json of before).

Schema (documented in docs/data.md, machine-readable in
``data/archive.schema.json``), version ``SCHEMA_VERSION``::

    {"schema": "iparchive-archive", "schema_version": "1.0", "site_url": "...",
     "count": N, "themes": [{"slug", "name", "description"}], "documents": [
        {<model.fields.metadata_record()>, "url": "...", "themes": [...],
         "clauses": [{"id","label","level","kind","text","themes","url",
                      "references": [...], "children": [...]}],
         "references": [...], "cited_by": [...], "goals": [...], "targets": [...]}]}

URLs are absolute when ``site_url`` is given, else site-relative.
The metadata fields and their JSON-schema types come from their declarations
(``model/fields.py``: ``export_record``, ``export_schema``).
Output is deterministic (sorted by id, no timestamps).
"""
from __future__ import annotations

import contextlib
import gzip
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import xxhash

from ..fsutil import file_digest, write_cache_bytes
from ..model.fields import export_schema, metadata_record
from ..models import Clause, Notice
from .downloads import RECORD_GZIP_LEVEL, WORD_TEMPLATE, read_record_file, word_template
from .common import ThemeIndex, notice_path, permanent_url, type_family, write_if_changed
from .xrefs import Citing

SCHEMA_VERSION = "1.0"
SCHEMA_NAME = "iparchive-archive"
# issue 29: gzipped, one gzip member per record (the record files' own bytes, no recompression);
# gunzip, zcat and Python's gzip read the members as one stream: the archive.json of before, byte for byte
ARCHIVE_NAME = "archive.json.gz"


def _clause(n: Notice, c: Clause, site_url: str, refs: dict, themes: ThemeIndex) -> dict:
    return {
        "id": c.id,
        "label": c.label,
        "level": c.level,
        "kind": c.kind,
        "text": c.text,
        "themes": [themes.slug(t) for t in c.themes],
        "citation": n.citation(c),
        "url": permanent_url(site_url, notice_path(n.id)) + "#" + c.id,
        "references": refs.get(c.id, []),
        "children": [_clause(n, ch, site_url, refs, themes) for ch in c.children],
    }


def document(n: Notice, site_url: str, cited_by: list[Citing], themes: ThemeIndex) -> dict:
    refs: dict[str, list] = {}
    for r in n.references:
        refs.setdefault(r.clause_id, []).append(asdict(r))
    d = metadata_record(n)
    d["url"] = permanent_url(site_url, notice_path(n.id))
    d["doc_type_normalised"] = type_family(n.doc_type) if n.doc_type else None
    d["citation"] = n.citation(None)
    d["themes"] = [s for s, _ in themes.doc_themes(n)]
    d["clauses"] = [_clause(n, c, site_url, refs, themes) for c in n.clauses]
    d["references"] = [asdict(r) for r in n.references]
    d["cited_by"] = [{"source_id": c.source_id, "clause_id": c.clause_id,
                      "target_clause": c.target_clause, "text": c.text} for c in cited_by]
    d["goals"] = [asdict(g) for g in n.goals]
    d["targets"] = [asdict(t) for t in n.targets]
    return d


def archive(notices: list[Notice], site_url: str, cited_by: dict[str, list[Citing]],
            themes: ThemeIndex, *, documents: bool = True) -> dict:
    """``documents=False``: the header only (``documents`` empty)."""
    docs = [document(n, site_url, cited_by.get(n.id, []), themes)
            for n in sorted(notices, key=lambda n: n.id)] if documents else []
    used = dict.fromkeys(st for n in notices for st in themes.doc_themes(n))
    vocab = {s: {"slug": s, "name": name, "description": desc} for s, name, desc in themes.themes}
    for s, name in used:
        vocab.setdefault(s, {"slug": s, "name": name, "description": ""})
    return {"schema": SCHEMA_NAME, "schema_version": SCHEMA_VERSION,
            "schema_url": permanent_url(site_url, "data/archive.schema.json"),
            "site_url": site_url or None, "count": len(notices), "themes": list(vocab.values()),
            "documents": docs}


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of archive.json, version SCHEMA_VERSION."""
    s, ns, arr = {"type": "string"}, {"type": ["string", "null"]}, {"type": "array"}
    ref = {"type": "object", "required": ["clause_id", "text"], "properties": {
        "clause_id": s, "text": s, "title": ns, "doc_number": ns, "article": ns,
        "target_id": ns, "target_clause": ns, "external_key": ns,
        "target_work": ns, "missing_version": ns, "date": ns,  # issue 13: version-aware references
        "now_id": ns, "now_clause": ns, "now_note": ns}}  # issue 25: the article in the newest held text
    clause = {"type": "object", "required": ["id", "label", "level", "kind", "text", "url", "children"],
              "properties": {"id": s, "label": s, "level": {"type": "integer"}, "kind": s, "text": s,
                             "themes": {"type": "array", "items": s}, "citation": s, "url": s,
                             "references": {"type": "array", "items": {"$ref": "#/$defs/reference"}},
                             "children": {"type": "array", "items": {"$ref": "#/$defs/clause"}}}}
    doc = {"type": "object",
           "required": ["id", "title", "url", "clauses", "date_basis", "status", "source_file"],
           "properties": {"id": s, **export_schema(),
                          "date_basis": {"enum": ["printed", "inferred", "sidecar", "missing"]},
                          "doc_type_normalised": ns, "source_file": s,
                          "url": s, "citation": s, "themes": arr,
                          "clauses": {"type": "array", "items": {"$ref": "#/$defs/clause"}},
                          "references": {"type": "array", "items": {"$ref": "#/$defs/reference"}},
                          "cited_by": arr, "goals": arr, "targets": arr,
                          # issue 13: amendments, the work
                          "amendments": arr, "work_id": ns,
                          # issue 30: the 附件 list, each with its held file and section
                          "attachments": {"type": "array", "items": {
                              "type": "object", "required": ["number", "title", "status"],
                              "properties": {"number": {"type": "integer"}, "title": s, "href": ns, "file_name": ns,
                                             "source": s, "line": {"type": ["integer", "null"]}, "held": ns,
                                             "section": ns, "status": s}}},
                          "validity_basis": ns}}  # issue 25: why the validity holds
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_NAME}/{SCHEMA_VERSION}", "title": "知识产权政策文库 archive.json",
            "type": "object", "required": ["schema", "schema_version", "documents"],
            "properties": {"schema": {"const": SCHEMA_NAME}, "schema_version": {"const": SCHEMA_VERSION},
                           "count": {"type": "integer"}, "themes": arr,
                           "documents": {"type": "array", "items": {"$ref": "#/$defs/document"}}},
            "$defs": {"document": doc, "clause": clause, "reference": ref}}


def dump_archive(data: dict) -> str:
    """JSON text of ``archive()``: the header fields, then one document per
    line (diff-friendly; json's C encoder, ~5x faster than ``indent=``)."""
    head = {k: v for k, v in data.items() if k != "documents"}
    return dump_records(head, [json.dumps(d, ensure_ascii=False) for d in data["documents"]])


def dump_records(head: dict, records: list[str]) -> str:
    """``dump_archive`` from the header and each document's one-line JSON
    (the write stage makes those once per document, for the downloads too)."""
    docs = ",\n".join(records)
    text = json.dumps(head, ensure_ascii=False, indent=1)
    return text[:-2] + ',\n "documents": [\n' + docs + "\n ]\n}\n"


def stream_archive(dest: Path, head: dict, record_files: list[Path], key_file: Optional[Path] = None,
                   changed: Optional[set[Path]] = None) -> bool:
    """``dump_records`` written piece by piece from files holding one
    document's JSON line each (the .json downloads): the archive (175 MB on
    the whole corpus) is never held in memory.  ``dest`` is replaced only
    when its bytes change (its mtime kept otherwise); True if written.

    ``key_file`` (in the build cache) keeps what the archive was made from:
    the header's digest and, for each record file, its piece's digest,
    offset and length in ``dest``, with the digest of ``dest`` as written.
    Issue 29, by difference: ``changed`` names the record files rewritten
    since (the write stage's documents made again; ``None``: unknown, each
    one read and hashed); every other record keeps the digest the key says,
    and its piece is copied from the old archive in long runs
    (``os.copy_file_range``), so a one-document rebuild reads one record
    file, not 17k.  Issue 28: the bytes decide, never a size, mtime or
    inode: the old archive is hashed whole (xxh3, ~0.03 s per 100 MB) and,
    not what the key says (edited by hand, or a write cut short), the
    archive is written again from every record file."""
    gz = dest.name.endswith(".gz")
    text = json.dumps(head, ensure_ascii=False, indent=1)
    start, sep, end = (text[:-2] + ',\n "documents": [\n'), ",\n", "\n ]\n}\n"
    start_b, sep_b, end_b = ((_member(start), _member(sep), _member(end)) if gz
                             else (start.encode("utf-8"), sep.encode("utf-8"), end.encode("utf-8")))
    known = _read_key(key_file)
    try:
        here: Optional[str] = file_digest(dest).hex()
    except FileNotFoundError:
        here = None
    valid = bool(known and here and known.get("dest") == here and known.get("gz") == gz)
    old = {r[0]: (k, r[1], r[2], r[3]) for k, r in enumerate(known["records"])} if valid and known else {}
    plan, records = _plan(record_files, old, changed, gz)
    head_digest = xxhash.xxh3_128_hexdigest(start_b + sep_b + end_b)
    if valid and known and known.get("head") == head_digest and \
            [r[:2] for r in known["records"]] == [r[:2] for r in records]:
        return False  # the key's records, the archive still holding their bytes
    if key_file is not None:
        key_file.unlink(missing_ok=True)  # a write cut short leaves no key: the next build writes all
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")
    _write_plan(tmp, dest if old else None, start_b, sep_b, end_b, plan, records)
    made = file_digest(tmp).hex()
    if here and not valid and here == made:
        tmp.unlink()  # dest already holds these bytes (no key for it yet, or edited back)
        written = False
    else:
        # unlinked first, then renamed: a rename over an existing file makes ext4 flush the
        # new one at once (auto_da_alloc: 0.3 s for 175 MB); docs/ is not the published site
        dest.unlink(missing_ok=True)
        os.rename(tmp, dest)
        written = True
    if key_file is not None:
        write_cache_bytes(key_file, json.dumps({"version": 2, "gz": gz, "head": head_digest, "dest": made,
                                                "records": records}).encode())
    return written


def _read_key(key_file: Optional[Path]) -> Optional[dict]:
    """The archive key of the last build (``stream_archive``), None when missing, unreadable or of another form."""
    if key_file is None:
        return None
    try:
        known = json.loads(key_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(known, dict) and known.get("version") == 2 and isinstance(known.get("records"), list)
    return known if ok else None


def _plan(record_files: list[Path], old: dict[str, tuple[int, str, int, int]], changed: Optional[set[Path]],
          gz: bool) -> tuple[list, list]:
    """Each record's piece: ``(old index, offset, length)`` to copy from the old
    archive, or its bytes (read from its file: changed, new, or no usable old
    archive); and each record's ``[name, digest, -, length]`` (offsets set by ``_write_plan``)."""
    plan, records = [], []
    for f in record_files:
        name = str(f)
        was = old.get(name)
        if was is not None and changed is not None and f not in changed:
            plan.append(was[0:1] + was[2:])
            records.append([name, was[1], 0, was[3]])
            continue
        data = _record_member(f) if gz else read_record_file(f).rstrip(b"\n")
        d = xxhash.xxh3_128_hexdigest(data)
        plan.append(was[0:1] + was[2:] if was is not None and was[1] == d else data)
        records.append([name, d, 0, len(data)])
    return plan, records


def _write_plan(tmp: Path, src: Optional[Path], start: bytes, sep: bytes, end: bytes,
                plan: list, records: list) -> None:
    """Write the archive to ``tmp``: the header, then each record (a separator
    between), then the end; a run of records that sat one after another in
    the old archive ``src`` is one copy (with the separators between them)."""
    with open(tmp, "wb", buffering=0) as out, (open(src, "rb", buffering=0) if src else contextlib.nullcontext()) as old:
        fd, pos = out.fileno(), 0
        run: Optional[list[int]] = None  # [old index of the last, old offset, length] of the copy being made
        buf = bytearray(start)

        def flush_run() -> None:
            nonlocal pos, run
            if run is not None:
                _copy(old.fileno(), fd, run[1], pos, run[2])
                pos += run[2]
                run = None

        def put(data: bytes) -> None:
            nonlocal pos
            flush_run()
            buf.extend(data)
            if len(buf) >= 1 << 20:
                _pwrite(fd, buf, pos)
                pos += len(buf)
                buf.clear()

        for k, (piece, rec) in enumerate(zip(plan, records)):
            if isinstance(piece, bytes):
                if k:
                    put(sep)
                rec[2] = pos + len(buf)
                put(piece)
                continue
            i, off, length = piece
            if run is not None and i == run[0] + 1:  # next to the last in the old archive: one longer copy
                rec[2] = pos + (off - run[1])
                run[0], run[2] = i, off + length - run[1]
                continue
            if k:
                put(sep)
            if buf:
                _pwrite(fd, buf, pos)
                pos += len(buf)
                buf.clear()
            flush_run()
            rec[2] = pos
            run = [i, off, length]
        put(end)
        _pwrite(fd, buf, pos)


def _pwrite(fd: int, data: bytes | bytearray, pos: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, pos)
        view, pos = view[n:], pos + n


def _copy(src: int, dst: int, src_pos: int, dst_pos: int, length: int) -> None:
    """``length`` bytes from ``src`` at ``src_pos`` to ``dst`` at ``dst_pos``, in
    the kernel where it can (``copy_file_range``), else read and written."""
    while length > 0:
        try:
            n = os.copy_file_range(src, dst, length, src_pos, dst_pos)
        except OSError:  # another file system or an old kernel
            n = 0
        if n <= 0:
            data = os.pread(src, min(length, 1 << 22), src_pos)
            if not data:
                raise OSError(f"归档文件在复制中变短：{src_pos}")
            _pwrite(dst, data, dst_pos)
            n = len(data)
        src_pos, dst_pos, length = src_pos + n, dst_pos + n, length - n


def _member(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), RECORD_GZIP_LEVEL, mtime=0)


def _record_member(f: Path) -> bytes:
    """A record file as a gzip member holding its JSON line, no newline
    (``downloads.record_bytes`` writes exactly that: its bytes are used as they are)."""
    data = Path(f).read_bytes()
    if data[:2] == b"\x1f\x8b" and not gzip.decompress(data).endswith(b"\n"):
        return data
    return gzip.compress(read_record_file(f).rstrip(b"\n"), RECORD_GZIP_LEVEL, mtime=0)


def write_exports(notices: list[Notice], docs_dir: Path, site_url: str,
                  cited_by: dict[str, list[Citing]], themes: ThemeIndex,
                  record_files: Optional[dict[str, Path]] = None, key_file: Optional[Path] = None,
                  changed: Optional[set[Path]] = None) -> list[Path]:
    """archive.json, its schema and the Word files' package parts; ``record_files``: doc id -> the file
    holding its one-line JSON (``json.dumps(document(...))``, the .json
    download) when the caller has written them already (``stream_archive``,
    with ``key_file``; ``changed``: the record files written since the last build, None when unknown)."""
    out = docs_dir / "data"
    out.mkdir(parents=True, exist_ok=True)
    a = out / ARCHIVE_NAME
    if record_files is None:
        write_if_changed(a, _member(dump_archive(archive(notices, site_url, cited_by, themes))))
    else:
        head = {k: v for k, v in archive(notices, site_url, cited_by, themes, documents=False).items()
                if k != "documents"}
        stream_archive(a, head, [record_files[n.id] for n in sorted(notices, key=lambda n: n.id)], key_file, changed)
    s = out / "archive.schema.json"
    write_if_changed(s, json.dumps(json_schema(), ensure_ascii=False, indent=1) + "\n")
    w = docs_dir / WORD_TEMPLATE  # the Word file's package parts, for site.js (downloads.word_template)
    write_if_changed(w, word_template())
    return [a, s, w]
