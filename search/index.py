"""Build and incrementally update the Whoosh index of clauses.

One Whoosh document per clause (``kind="clause"``) and one per document
title (``kind="title"``, whose ``text`` is the title).  Fields:

=========  ===============================  ===================================
field      content                          analysis
=========  ===============================  ===================================
key        ``doc_id#clause_id`` (unique)    ID
kind       ``clause`` | ``title``           ID
doc_id     Notice.id                        ID
clause_id  Clause.id (``""`` for titles)    stored
label      Clause.label (``标题``)           stored
citation   Notice.citation(clause)          stored
doc_title  Notice.title                     stored
title      Notice.title, title record only  char grams (``title:`` queries
                                            reach clauses through doc_id)
text       Clause.text (or the title)       char grams, stored
words      same text                        jieba words (ranking)
region     names and codes of region.chain  KEYWORD (``云南省,530000,昆明市``)
year       Notice.year                      NUMERIC (one term)
themes     Clause.themes (title: doc)       KEYWORD
doc_themes Notice.themes                    KEYWORD
doc_type   Notice.doc_type                  ID
status     Notice.status                    ID
url        permanent URL                    stored
order      clause order in the document     stored
=========  ===============================  ===================================

Incremental: ``index_dir/iparchive-meta.json`` keeps one content hash per
document (of every record indexed for it).  A rebuild deletes and re-adds
only documents whose hash changed and deletes documents that disappeared.
jieba segmentations are cached by text hash in ``index_dir/jieba-cache.pkl``
and survive schema rebuilds.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from whoosh import fields, index as windex

from build_tools.models import Notice

from . import tokenizer as tk

SCHEMA_VERSION = 2
META_FILE = "iparchive-meta.json"
CACHE_FILE = "jieba-cache.pkl"
INDEX_NAME = "MAIN"
NATIONAL_NAME = "全国"
TITLE_LABEL = "标题"


def make_schema(userdict: bool = True) -> fields.Schema:
    grams = tk.CharGramTokenizer()
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        kind=fields.ID(stored=True),
        doc_id=fields.ID(stored=True),
        clause_id=fields.STORED(),
        label=fields.STORED(),
        citation=fields.STORED(),
        doc_title=fields.STORED(),
        title=fields.TEXT(analyzer=grams, phrase=True, multitoken_query="phrase"),
        text=fields.TEXT(
            analyzer=grams, stored=True, phrase=True, multitoken_query="phrase"
        ),
        words=fields.TEXT(
            analyzer=tk.JiebaTokenizer(userdict), phrase=True,
            multitoken_query="phrase",
        ),
        region=fields.KEYWORD(stored=True, commas=True),
        year=fields.NUMERIC(int, bits=32, stored=True, signed=False, shift_step=0),
        themes=fields.KEYWORD(stored=True, commas=True),
        doc_themes=fields.KEYWORD(commas=True),
        doc_type=fields.ID(stored=True),
        status=fields.ID(stored=True),
        url=fields.STORED(),
        order=fields.STORED(),
    )


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
    segmented: int = 0  # texts run through jieba (cache misses)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"索引：{self.documents} 篇文件，{self.records} 条记录；"
            f"新增 {len(self.added)}，更新 {len(self.updated)}，"
            f"删除 {len(self.removed)}，未变 {self.unchanged}"
            f"{'（重建）' if self.rebuilt else ''}；"
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


def _kw(values: Iterable[str]) -> str:
    return ",".join(v.replace(",", " ") for v in values if v)


def notice_records(notice: Notice, base_url: str = "") -> list[dict]:
    """The Whoosh documents for one notice: its title record, then clauses."""
    common = dict(
        doc_id=notice.id,
        doc_title=notice.title,
        region=_kw(region_terms(notice)),
        doc_themes=_kw(notice.themes),
        doc_type=notice.doc_type or "",
        status=notice.status or "",
    )
    if notice.year is not None:
        common["year"] = int(notice.year)
    page = f"{base_url}notices/{notice.id}.html"
    recs = [
        dict(
            common,
            key=f"{notice.id}#",
            kind="title",
            clause_id="",
            title=notice.title,
            label=TITLE_LABEL,
            citation=notice.citation(),
            text=notice.title,
            words=notice.title,
            themes=_kw(notice.themes),
            url=page,
            order=0,
        )
    ]
    for i, c in enumerate(notice.walk(), start=1):
        if not c.text.strip():
            continue
        recs.append(
            dict(
                common,
                key=f"{notice.id}#{c.id}",
                kind="clause",
                clause_id=c.id,
                label=c.label,
                citation=notice.citation(c),
                text=c.text,
                words=c.text,
                themes=_kw(c.themes),
                url=f"{page}#{c.id}",
                order=i,
            )
        )
    return recs


def records_hash(records: list[dict]) -> str:
    blob = json.dumps(
        [SCHEMA_VERSION, records], ensure_ascii=False, sort_keys=True
    ).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _read_meta(index_dir: Path) -> Optional[dict]:
    try:
        return json.loads((index_dir / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _write_meta(index_dir: Path, meta: dict) -> None:
    tmp = index_dir / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=0), "utf-8")
    os.replace(tmp, index_dir / META_FILE)


def _clear_whoosh_files(index_dir: Path) -> None:
    """Remove Whoosh's own files (``MAIN_*``, ``_MAIN_*``) and our meta."""
    for p in index_dir.iterdir():
        if p.is_file() and (
            p.name.startswith(INDEX_NAME + "_")
            or p.name.startswith("_" + INDEX_NAME + "_")
            or p.name == META_FILE
        ):
            p.unlink()


def build_index(
    notices: Iterable[Notice],
    index_dir: Path,
    *,
    base_url: str = "",
    progress: bool = False,
    userdict: bool = True,
    workers: Optional[int] = None,
) -> IndexStats:
    """Create or update the index in ``index_dir`` from ``notices``.

    Only documents whose indexed content changed are deleted and re-added;
    documents absent from ``notices`` are deleted.  The index is recreated
    from scratch when its schema version or segmentation changed.  Raises
    ValueError on duplicate notice ids.
    """
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    stats = IndexStats()
    tid = tk.tokenizer_id(userdict)

    new: dict[str, tuple[str, list[dict]]] = {}
    for n in notices:
        if n.id in new:
            raise ValueError(f"重复的文件编号：{n.id}")
        recs = notice_records(n, base_url)
        new[n.id] = (records_hash(recs), recs)

    meta = _read_meta(index_dir)
    fresh = (
        meta is None
        or meta.get("schema") != SCHEMA_VERSION
        or meta.get("tokenizer") != tid
        or not windex.exists_in(str(index_dir), indexname=INDEX_NAME)
    )
    if fresh:
        _clear_whoosh_files(index_dir)
        ix = windex.create_in(str(index_dir), make_schema(userdict), INDEX_NAME)
        old: dict[str, str] = {}
        stats.rebuilt = True
    else:
        ix = windex.open_dir(str(index_dir), indexname=INDEX_NAME)
        old = dict(meta.get("docs", {}))

    changed = [d for d, (h, _) in new.items() if old.get(d) != h]
    stats.added = [d for d in changed if d not in old]
    stats.updated = [d for d in changed if d in old]
    stats.removed = sorted(d for d in old if d not in new)
    stats.unchanged = len(new) - len(changed)

    if changed or stats.removed or fresh:
        cache_path = index_dir / CACHE_FILE
        tk.load_cache(cache_path, tid)
        texts = [r["words"] for d in changed for r in new[d][1]]
        nproc = workers if workers is not None else (os.cpu_count() or 1)
        stats.segmented = tk.fill_cache(texts, userdict, workers=nproc)
        # (Whoosh's procs=N writer measured no faster on 2 CPUs: one process)
        writer = ix.writer(limitmb=256)
        try:
            for d in stats.removed + stats.updated:
                writer.delete_by_term("doc_id", d)
            for i, d in enumerate(changed, 1):
                for r in new[d][1]:
                    writer.add_document(**r)
                if progress and (i % 200 == 0 or i == len(changed)):
                    print(f"\r索引 {i}/{len(changed)}", end="", file=sys.stderr)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        if progress and changed:
            print(file=sys.stderr)
        if stats.segmented or fresh:
            keep = {tk.text_key(r["words"], userdict) for _, recs in new.values() for r in recs}
            tk.save_cache(cache_path, tid, keep)
        _write_meta(
            index_dir,
            {
                "schema": SCHEMA_VERSION,
                "tokenizer": tid,
                "base_url": base_url,
                "docs": {d: h for d, (h, _) in sorted(new.items())},
            },
        )
    with ix.searcher() as s:
        stats.records = s.doc_count()
    stats.documents = len(new)
    stats.seconds = time.perf_counter() - t0
    return stats
