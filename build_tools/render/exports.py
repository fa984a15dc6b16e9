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

import gzip
import hashlib
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


def stream_archive(dest: Path, head: dict, record_files: list[Path], key_file: Optional[Path] = None) -> bool:
    """``dump_records`` written piece by piece from files holding one
    document's JSON line each (the .json downloads): the archive (175 MB on
    the whole corpus) is never held in memory.  ``dest`` is replaced only
    when its bytes change (its mtime kept otherwise); True if written.

    ``key_file`` (in the build cache) keeps what the archive was made from:
    the header and each record file's name and content digest, with the
    digest of ``dest`` as written.  The same key and ``dest`` still holding
    those bytes: nothing is written; another key: the archive is written
    without comparing 2 x 175 MB first.  Issue 28: the bytes decide, never
    a size, mtime or inode (files dated ahead by a clock set back, or a
    same-length edit with its mtime put back, kept old text in the archive
    on every build); hashing every record and the archive costs ~0.2 s."""
    text = json.dumps(head, ensure_ascii=False, indent=1)
    h = hashlib.sha1(text.encode("utf-8"))
    for f in record_files:
        h.update(f"{f}\0".encode() + file_digest(f))
    key = h.hexdigest()
    known = None
    if key_file is not None:
        try:
            known = json.loads(key_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = None
    try:
        here = file_digest(dest).hex()
    except FileNotFoundError:
        here = None
    if known and here and known.get("key") == key and known.get("dest") == here:
        return False
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")
    made = xxhash.xxh3_128()
    with open(tmp, "wb") as out:
        def put(data: bytes) -> None:
            out.write(data)
            made.update(data)
        if dest.name.endswith(".gz"):  # issue 29: one gzip member per piece, the records' own as they are
            put(_member(text[:-2] + ',\n "documents": [\n'))
            comma = _member(",\n")
            for k, f in enumerate(record_files):
                if k:
                    put(comma)
                put(_record_member(f))
            put(_member("\n ]\n}\n"))
        else:
            put((text[:-2] + ',\n "documents": [\n').encode("utf-8"))
            for k, f in enumerate(record_files):
                if k:
                    put(b",\n")
                put(read_record_file(f).rstrip(b"\n"))
            put(b"\n ]\n}\n")
    if here and not (known and known.get("dest") == here) and here == made.hexdigest():
        tmp.unlink()  # dest already holds these bytes (no key for it yet, or edited back)
        written = False
    else:
        # unlinked first, then renamed: a rename over an existing file makes ext4 flush the
        # new one at once (auto_da_alloc: 0.3 s for 175 MB); docs/ is not the published site
        dest.unlink(missing_ok=True)
        os.rename(tmp, dest)
        written = True
    if key_file is not None:
        write_cache_bytes(key_file, json.dumps({"key": key, "dest": made.hexdigest()}).encode())
    return written


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
                  record_files: Optional[dict[str, Path]] = None, key_file: Optional[Path] = None) -> list[Path]:
    """archive.json, its schema and the Word files' package parts; ``record_files``: doc id -> the file
    holding its one-line JSON (``json.dumps(document(...))``, the .json
    download) when the caller has written them already (``stream_archive``,
    with ``key_file``)."""
    out = docs_dir / "data"
    out.mkdir(parents=True, exist_ok=True)
    a = out / ARCHIVE_NAME
    if record_files is None:
        write_if_changed(a, _member(dump_archive(archive(notices, site_url, cited_by, themes))))
    else:
        head = {k: v for k, v in archive(notices, site_url, cited_by, themes, documents=False).items()
                if k != "documents"}
        stream_archive(a, head, [record_files[n.id] for n in sorted(notices, key=lambda n: n.id)], key_file)
    s = out / "archive.schema.json"
    write_if_changed(s, json.dumps(json_schema(), ensure_ascii=False, indent=1) + "\n")
    w = docs_dir / WORD_TEMPLATE  # the Word file's package parts, for site.js (downloads.word_template)
    write_if_changed(w, word_template())
    return [a, s, w]
