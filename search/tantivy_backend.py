"""The tantivy backend (PyPI ``tantivy``, Rust): for large archives.

Same records, terms and query semantics as ``search.whoosh_backend``; the
gram and word fields are fed pre-tokenised -- the terms of
``tokenizer.gram_terms``/``word_string`` joined by spaces -- and indexed with
tantivy's ``whitespace`` tokenizer, so token positions are the slot
positions and phrase queries match exactly as in Whoosh.  ``X*`` query
tokens become regex terms (``X.*``) inside a ``regex_phrase_query``.  The
index lives in ``index_dir/tantivy/``.

=========== ================================== ==============================
field       content                            indexing
=========== ================================== ==============================
key         ``doc_id#clause_id``               raw
kind        ``clause`` | ``title``             raw
doc_id      Notice.id (deletes go by it)       raw
title       grams of Notice.title, *every*     whitespace, positions
            record (``title:`` is direct)
text        grams of the clause text / title   whitespace, positions
words       jieba words of the same text       whitespace, positions (ranking)
region      names and codes of region.chain    raw, one term each
year        Notice.year                        i64, indexed + fast
themes      Clause.themes (title: doc's)       raw, one term each
doc_themes  Notice.themes                      raw, one term each
doc_type    Notice.doc_type                    raw
status      Notice.status                      raw
data        the stored fields as JSON          stored bytes only
=========== ================================== ==============================
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Iterable, Optional

import tantivy

from build_tools.settings import INDEX_TEXT_MEMO, TANTIVY_HEAP_BYTES, TANTIVY_THREADED_RECORDS

from . import qparse
from . import tokenizer as tk
from .schema import GRAM_FIELDS, MISSING_INDEX, BackendRows, Filters, IndexRecord, SearchError, record_total, theme_slug

NAME = "tantivy"
SUBDIR = "tantivy"
WORDS_BOOST = 1.0
KEYWORDS = ("region", "themes", "doc_themes")  # one raw term per value
_RAW = ("key", "kind", "doc_id", "doc_type", "status")
Occur = tantivy.Occur
Q = tantivy.Query


def make_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for f in _RAW + KEYWORDS:
        sb.add_text_field(f, tokenizer_name="raw", index_option="basic")
    for f in ("title", "text", "words"):
        sb.add_text_field(f, tokenizer_name="whitespace", index_option="position")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_bytes_field("data", stored=True)
    return sb.build()


def _dir(index_dir: Path) -> Path:
    return Path(index_dir) / SUBDIR


def exists(index_dir: Path) -> bool:
    d = _dir(index_dir)
    return d.is_dir() and tantivy.Index.exists(str(d))


def clear(index_dir: Path) -> None:
    shutil.rmtree(_dir(index_dir), ignore_errors=True)


def _open(index_dir: Path, create: bool = False) -> tantivy.Index:
    d = _dir(index_dir)
    if create:
        clear(index_dir)
        d.mkdir(parents=True)
        return tantivy.Index(make_schema(), path=str(d))
    return tantivy.Index.open(str(d))


class TextMemo:
    """The ``text`` and ``words`` terms of the last distinct texts tokenised
    (two generations of ``size``: bounded whatever the archive), so a clause
    text repeated in nearby documents -- the versions of a law, a notice
    reposted by other sites, both written next to each other in title order
    (``search.index.build_index``) -- is tokenised once.  ``hits`` and
    ``texts``: lookups answered and made (the writer reports them)."""

    def __init__(self, size: int = INDEX_TEXT_MEMO, userdict: bool = True):
        self.size, self.userdict = max(1, size), userdict
        self.new: dict[str, tuple[str, str]] = {}
        self.old: dict[str, tuple[str, str]] = {}
        self.hits = self.texts = 0

    def terms(self, text: str) -> tuple[str, str]:
        """(``gram_string``, ``word_string``) of ``text``."""
        self.texts += 1
        got = self.new.get(text)
        if got is None:
            got = self.old.get(text)
            if got is None:
                got = (tk.gram_string(text, tk.normalize(text)), tk.word_string(text, self.userdict))
            else:
                self.hits += 1
            if len(self.new) >= self.size:  # the older generation goes
                self.old, self.new = self.new, {}
            self.new[text] = got
        else:
            self.hits += 1
        return got


def record_fields(r: IndexRecord, title_grams: str, userdict: bool = True, memo: Optional[TextMemo] = None) -> dict:
    """The tantivy field values of one record (``search.index.notice_records``);
    ``memo``: the terms of texts seen shortly before."""
    d: dict = {f: getattr(r, f) for f in _RAW if getattr(r, f)}
    for f in KEYWORDS:
        vals = [v for v in getattr(r, f) if v]
        if vals:
            d[f] = vals
    d["title"] = title_grams
    if memo is not None:
        d["text"], d["words"] = memo.terms(r.text)
    else:
        d["text"] = tk.gram_string(r.text, tk.normalize(r.text))
        d["words"] = tk.word_string(r.text, userdict)
    if r.year is not None:
        d["year"] = int(r.year)
    d["data"] = r.to_json()
    return d


def doc_fields(recs: list[IndexRecord], userdict: bool = True, memo: Optional[TextMemo] = None) -> list[dict]:
    """Field values of every record of one document (title grams computed once)."""
    title_grams = tk.gram_string(recs[0].doc_title) if recs else ""
    return [record_fields(r, title_grams, userdict, memo) for r in recs]


LAST_WRITE: dict[str, int] = {}  # the last ``write``'s text lookups: {"texts", "tokenised"} (the writer reports them)


def write(
    index_dir: Path,
    *,
    fresh: bool,
    delete: list[str],
    add: Iterable[list[IndexRecord]],  # lists, or a RecordsToAdd (made as they are reached; has len())
    userdict: bool = True,
    progress: bool = False,
) -> int:
    """Delete the documents ``delete``, add ``add`` (records per document),
    commit and wait for merges; returns the number of records afterwards.

    Tokenising stays in this process: a fork pool
    of 2 measured slower on 2 cores (whole corpus 56 s against 44 s), the
    results' pickling and tantivy's threads eat the gain."""
    ix = _open(index_dir, create=fresh)
    schema = ix.schema
    big = record_total(add) >= TANTIVY_THREADED_RECORDS
    # tantivy's own threads only pay for a large batch
    writer = ix.writer(TANTIVY_HEAP_BYTES, 0 if big else 1)
    memo = TextMemo(userdict=userdict)
    try:
        for d in delete:
            writer.delete_documents_by_term("doc_id", d)
        for i, recs in enumerate(add, 1):
            for d in doc_fields(recs, userdict, memo):
                writer.add_document(tantivy.Document.from_dict(d, schema))
            if progress and (i % 200 == 0 or i == len(add)):
                print(f"\r索引 {i}/{len(add)}", end="", file=sys.stderr)
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    writer.wait_merging_threads()
    LAST_WRITE.update(texts=memo.texts, tokenised=memo.texts - memo.hits)
    if progress and add:
        print(file=sys.stderr)
    ix.reload()
    return ix.searcher().num_docs


def count(index_dir: Path) -> int:
    return _open(index_dir).searcher().num_docs


def stored_records(index_dir: Path) -> list[IndexRecord]:
    """Every live record of the index (deleted ones left out), sorted by key:
    what an index updated by difference must share with one built from empty."""
    s = _open(index_dir).searcher()
    hits = s.search(_every(), max(1, s.num_docs)).hits if s.num_docs else []
    out = [IndexRecord.from_stored(json.loads(bytes(s.doc(addr).to_dict()["data"][0]))) for _, addr in hits]
    return sorted(out, key=lambda r: r.key)


# ------------------------------------------------------------------ search


class Searcher:
    """An open index and its searcher (refreshed by query._searcher)."""

    def __init__(self, index_dir: Path):
        self.index = _open(index_dir)
        self.schema = self.index.schema
        self.s = self.index.searcher()
        self._vocab: dict[str, bool] = {}

    def has_word(self, w: str) -> bool:
        got = self._vocab.get(w)
        if got is None:
            got = self._vocab[w] = self.s.doc_freq("words", w) > 0
        return got


def open_searcher(index_dir: Path) -> Searcher:
    if not exists(index_dir):
        raise SearchError(MISSING_INDEX)
    try:
        return Searcher(index_dir)
    except Exception as e:  # corrupt or foreign files
        raise SearchError(f"{MISSING_INDEX}（无法打开：{e}）") from e


def doc_count(s: Searcher) -> int:
    return s.s.num_docs


def up_to_date(s: Searcher) -> bool:
    return True  # build_index rewrites the meta file, which query._stamp watches


def close(s: Searcher) -> None:
    pass


_META = set("\\.+*?()|[]{}^$#&-~")


def _rx(s: str) -> str:
    """A literal for tantivy's regex syntax."""
    return "".join("\\" + c if c in _META else c for c in s)


def _every():
    return Q.all_query()


def _gram_query(s: Searcher, fld: str, toks: tuple[str, ...]):
    if len(toks) == 1:
        t = toks[0]
        if t.endswith(tk.PREFIX):
            return Q.regex_query(s.schema, fld, _rx(t[:-1]) + ".*")
        return Q.term_query(s.schema, fld, t)
    if any(t.endswith(tk.PREFIX) for t in toks):
        words = [_rx(t[:-1]) + ".*" if t.endswith(tk.PREFIX) else _rx(t) for t in toks]
        return Q.regex_phrase_query(s.schema, fld, words)
    return Q.phrase_query(s.schema, fld, list(toks))


def _words_query(s: Searcher, toks: tuple[str, ...]):
    """The jieba-words query that adds to a text literal's score (or None)."""
    if len(toks) == 1 and toks[0].endswith(tk.PREFIX):
        return None
    words = tk.segment_words(toks, s.has_word)
    if not words:
        return None
    if len(words) == 1:
        return Q.term_query(s.schema, "words", words[0])
    return Q.phrase_query(s.schema, "words", words)


def _boost(q, b: float):
    return q if b == 1.0 else Q.boost_query(q, b)


def _or(qs: list):
    return qs[0] if len(qs) == 1 else Q.boolean_query([(Occur.Should, q) for q in qs])


def _lit(s: Searcher, n: qparse.Lit):
    if n.field in GRAM_FIELDS:
        toks = n.tokens()
        q = _gram_query(s, n.field, toks)
        if n.field == "text":
            wq = _words_query(s, toks)
            if wq is not None:
                q = Q.boolean_query([(Occur.Must, q), (Occur.Should, _boost(wq, WORDS_BOOST))])
        return _boost(q, n.boost)
    value = n.value
    fields = [n.field]
    if n.field in ("themes", "doc_themes"):
        value, fields = theme_slug(value), ["themes", "doc_themes"]
    if n.prefix:
        qs = [Q.regex_query(s.schema, f, _rx(value) + ".*") for f in fields]
    else:
        qs = [Q.term_query(s.schema, f, value) for f in fields]
    return _boost(_or(qs), n.boost)


def compile_query(s: Searcher, n) -> "tantivy.Query":
    """A query tree (search.qparse) as a tantivy query."""
    if isinstance(n, qparse.Lit):
        return _lit(s, n)
    if isinstance(n, qparse.Range):
        return _boost(Q.range_query(s.schema, "year", tantivy.FieldType.Integer, n.lo, n.hi), n.boost)
    if isinstance(n, qparse.Every):
        return _every()
    if isinstance(n, qparse.Not):  # alone: everything but
        return Q.boolean_query([(Occur.Must, _every()), (Occur.MustNot, compile_query(s, n.item))])
    if isinstance(n, qparse.AndMaybe):
        return Q.boolean_query([(Occur.Must, compile_query(s, n.a)), (Occur.Should, compile_query(s, n.b))])
    if isinstance(n, qparse.Or):
        return Q.boolean_query([(Occur.Should, compile_query(s, i)) for i in n.items])
    if isinstance(n, qparse.And):
        clauses = [
            (Occur.MustNot, compile_query(s, i.item)) if isinstance(i, qparse.Not)
            else (Occur.Must, compile_query(s, i))
            for i in n.items
        ]
        if not any(o == Occur.Must for o, _ in clauses):
            clauses.insert(0, (Occur.Must, _every()))
        return Q.boolean_query(clauses)
    raise TypeError(n)


def _filters(s: Searcher, flt: Filters) -> list:
    fs = []
    if flt.region:
        r = flt.region
        fs.append(Q.term_query(s.schema, "region", r) if r.isdigit()
                  else Q.regex_query(s.schema, "region", _rx(r) + ".*"))
    if flt.years:
        lo, hi = flt.years
        fs.append(Q.range_query(s.schema, "year", tantivy.FieldType.Integer, lo, hi))
    if flt.theme:
        fs.append(_or([Q.term_query(s.schema, f, flt.theme) for f in ("themes", "doc_themes")]))
    if flt.doc_type:
        fs.append(Q.term_query(s.schema, "doc_type", flt.doc_type))
    if flt.status:
        fs.append(Q.term_query(s.schema, "status", flt.status))
    return fs


def run(s: Searcher, q: str, text: str, tree, flt: Filters, limit: int, offset: int = 0) -> BackendRows:
    """Ranked records ``offset``..``offset+limit`` and the total for one query."""
    query = compile_query(s, tree)
    fs = _filters(s, flt)
    if fs:  # filters select, they do not score
        query = Q.boolean_query(
            [(Occur.Must, query)] + [(Occur.Must, Q.const_score_query(f, 0.0)) for f in fs]
        )
    res = s.s.search(query, max(1, limit), count=True, offset=max(0, offset))
    rows = []
    for score, addr in res.hits:
        data = s.s.doc(addr).to_dict()["data"][0]
        rows.append((score, IndexRecord.from_stored(json.loads(bytes(data)))))
    return BackendRows(res.count, rows, str(tree), qparse.literals(tree))
