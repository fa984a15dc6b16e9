"""The Whoosh backend: analyzers, schema, writer and queries.

The project's default (pure Python, right for small archives).  Imported only
when an index directory holds a Whoosh index, so a tantivy index never pays
Whoosh's import (~0.3 s).  Fields (one Whoosh document per record of
``search.index.notice_records``):

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
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Optional

from whoosh import fields
from whoosh import index as windex
from whoosh import query as Q
from whoosh.analysis import Token, Tokenizer
from whoosh.qparser import FieldAliasPlugin, QueryParser
from whoosh.qparser.plugins import SingleQuotePlugin

from . import tokenizer as tk
from .schema import (FIELD_ALIASES, GRAM_FIELDS, MISSING_INDEX, BackendRows, Filters, IndexRecord, SearchError,
                     theme_slug)

NAME = "whoosh"
INDEX_NAME = "MAIN"
WORDS_BOOST = 1.0


# ------------------------------------------------------------------ analysis

class CharGramTokenizer(Tokenizer):
    """Whoosh tokenizer: unigrams+bigrams when indexing, phrase grams for queries."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = tk.normalize(value)
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        grams = tk.query_grams(value) if mode == "query" else tk.index_grams(value)
        for text, pos, sc, ec in grams:
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[sc:ec]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + sc
                t.endchar = start_char + ec
            yield t


class JiebaTokenizer(Tokenizer):
    """Whoosh tokenizer: jieba words with sequential positions (phrase-safe).

    Only the flag ``userdict`` is pickled into the index schema; jieba itself
    is loaded lazily on the first uncached text.
    """

    def __init__(self, userdict: bool = True):
        self.userdict = userdict

    def __eq__(self, other):
        return (
            other is not None
            and self.__class__ is other.__class__
            and self.userdict == other.userdict
        )

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = (
            [(tk.normalize(value), 0, len(value))]
            if not tokenize
            else tk.jieba_words(value, self.userdict)
        )
        for pos, (w, sc, ec) in enumerate(words):
            t.text = w
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[sc:ec]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + sc
                t.endchar = start_char + ec
            yield t


# ------------------------------------------------------------------ index


def make_schema(userdict: bool = True) -> fields.Schema:
    grams = CharGramTokenizer()
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
            analyzer=JiebaTokenizer(userdict), phrase=True,
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


def exists(index_dir: Path) -> bool:
    return windex.exists_in(str(index_dir), indexname=INDEX_NAME)


def clear(index_dir: Path) -> None:
    """Remove Whoosh's own files (``MAIN_*``, ``_MAIN_*``)."""
    for p in Path(index_dir).iterdir():
        if p.is_file() and (
            p.name.startswith(INDEX_NAME + "_") or p.name.startswith("_" + INDEX_NAME + "_")
        ):
            p.unlink()


KEYWORDS = ("region", "themes", "doc_themes")  # comma-joined KEYWORD fields


def document(r: IndexRecord) -> dict:
    """Whoosh's field values for one record (``words`` is the text again,
    segmented by JiebaTokenizer; KEYWORD lists joined by commas)."""
    d = {k: v for k, v in r.stored().items() if v is not None and k not in KEYWORDS}
    for k in KEYWORDS:
        d[k] = ",".join(v.replace(",", " ") for v in getattr(r, k) if v)
    d["title"] = r.title
    d["words"] = r.text
    return d


def record(stored: dict) -> IndexRecord:
    """An IndexRecord from Whoosh's stored fields (KEYWORD lists split again)."""
    d = dict(stored)
    for k in KEYWORDS:
        d[k] = [v for v in (d.get(k) or "").split(",") if v]
    return IndexRecord.from_stored(d)


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
    commit; returns the number of records in the index afterwards.
    (One process: Whoosh's procs=N writer measured no faster on 2 CPUs.)"""
    if fresh:
        ix = windex.create_in(str(index_dir), make_schema(userdict), INDEX_NAME)
    else:
        ix = windex.open_dir(str(index_dir), indexname=INDEX_NAME)
    if delete or add or fresh:
        writer = ix.writer(limitmb=256)
        try:
            for d in delete:
                writer.delete_by_term("doc_id", d)
            for i, recs in enumerate(add, 1):
                for r in recs:
                    writer.add_document(**document(r))
                if progress and (i % 200 == 0 or i == len(add)):
                    print(f"\r索引 {i}/{len(add)}", end="", file=sys.stderr)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        if progress and add:
            print(file=sys.stderr)
    with ix.searcher() as s:
        return s.doc_count()


def count(index_dir: Path) -> int:
    with windex.open_dir(str(index_dir), indexname=INDEX_NAME).searcher() as s:
        return s.doc_count()


def stored_records(index_dir: Path) -> list[IndexRecord]:
    """Every live record of the index (deleted ones left out), sorted by key:
    what an index updated by difference must share with one built from empty."""
    with windex.open_dir(str(index_dir), indexname=INDEX_NAME).searcher() as s:
        return sorted((record(f) for f in s.reader().all_stored_fields()), key=lambda r: r.key)


# ------------------------------------------------------------------ search


def open_searcher(index_dir: Path):
    """A Whoosh searcher; raises (SearchError with MISSING_INDEX) when absent."""
    key = str(index_dir)
    if not exists(index_dir):
        raise SearchError(MISSING_INDEX)
    try:
        ix = windex.open_dir(key, indexname=INDEX_NAME)
    except Exception as e:  # corrupt or foreign files
        raise SearchError(f"{MISSING_INDEX}（无法打开：{e}）") from e
    return ix.searcher()


def doc_count(s) -> int:
    return s.doc_count()


def up_to_date(s) -> bool:
    return s.up_to_date()


def close(s) -> None:
    s.close()


def _parser(schema) -> QueryParser:
    p = QueryParser("text", schema)
    p.remove_plugin_class(SingleQuotePlugin)  # 'x' would skip analysis
    p.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return p


def _walk(q: Q.Query):
    yield q
    for c in q.children():
        yield from _walk(c)


def _gram_query(field: str, tok: str, boost: float = 1.0) -> Q.Query:
    if tok.endswith(tk.PREFIX):
        return Q.Prefix(field, tok[:-1], boost=boost)
    return Q.Term(field, tok, boost=boost)


def expand_grams(q: Q.Query) -> Q.Query:
    """Turn analyzer output with ``X*`` tokens into Prefix/Sequence queries."""
    if q.__class__ is Q.Term and q.fieldname in GRAM_FIELDS:
        return _gram_query(q.fieldname, q.text, q.boost)
    if q.__class__ is Q.Phrase and q.fieldname in GRAM_FIELDS:
        words = list(q.words)
        if len(words) == 1:
            return _gram_query(q.fieldname, words[0], q.boost)
        if any(w.endswith(tk.PREFIX) for w in words):
            return Q.Sequence([_gram_query(q.fieldname, w) for w in words], boost=q.boost)
        return q
    return q.apply(expand_grams)


def _leaf_token(q) -> Optional[str]:
    if q.__class__ is Q.Term:
        return q.text
    if q.__class__ is Q.Prefix:
        return q.text + tk.PREFIX
    return None


class _Rewriter:
    """Adds the jieba-words score to text matches; collects highlight literals."""

    def __init__(self, reader):
        self.reader = reader
        self.literals: list[tuple[str, ...]] = []

    def literal_of(self, q) -> Optional[tuple[str, ...]]:
        """Query tokens of a text-field leaf, phrase or sequence."""
        if q.__class__ is Q.Phrase and q.fieldname == "text":
            return tuple(q.words)
        if q.__class__ in (Q.Term, Q.Prefix) and q.fieldname == "text":
            return (_leaf_token(q),)
        if q.__class__ is Q.Sequence:
            subs = q.subqueries
            if subs and all(getattr(x, "fieldname", None) == "text" for x in subs):
                toks = tuple(_leaf_token(x) for x in subs)
                if None not in toks:
                    return toks
        return None

    def collect(self, q) -> None:
        """Literals to highlight: every text leaf not under NOT."""
        if isinstance(q, Q.Not):
            return
        if isinstance(q, Q.AndNot):
            self.collect(q.a)
            return
        lit = self.literal_of(q)
        if lit is not None:
            if lit not in self.literals:
                self.literals.append(lit)
            return
        for c in q.children():
            self.collect(c)

    def boost(self, q):
        lit = self.literal_of(q)
        if lit is not None and not (len(lit) == 1 and lit[0].endswith(tk.PREFIX)):
            words = tk.segment_words(lit, lambda w: ("words", w) in self.reader)
            if words:
                wq = (
                    Q.Term("words", words[0], boost=WORDS_BOOST)
                    if len(words) == 1
                    else Q.Phrase("words", words, boost=WORDS_BOOST)
                )
                return Q.AndMaybe(q, wq)  # words only add to the score
            return q
        return q.apply(self.boost)


def _is_title_leaf(q) -> bool:
    if q.__class__ is Q.Sequence:
        return all(getattr(x, "fieldname", None) == "title" for x in q.subqueries)
    return getattr(q, "fieldname", None) == "title"


def _titles_to_docs(q: Q.Query, searcher) -> Q.Query:
    """``title:`` parts -> the doc ids whose title matches (titles are indexed
    on title records only, so this is how clauses are reached)."""
    if _is_title_leaf(q):
        docs = sorted(
            {searcher.stored_fields(n)["doc_id"] for n in q.docs(searcher)}
        )
        if not docs:  # matches nothing (NullQuery would be dropped from an AND)
            return Q.Term("doc_id", "\x00", boost=q.boost)
        return Q.Or([Q.Term("doc_id", d) for d in docs], boost=q.boost)
    return q.apply(lambda c: _titles_to_docs(c, searcher))


def _theme_terms(q: Q.Query) -> Q.Query:
    """``theme:司法保护`` in a query string -> the slug, clause or document."""
    if q.__class__ is Q.Term and q.fieldname in ("themes", "doc_themes"):
        slug = theme_slug(q.text)
        return Q.Or([Q.Term("themes", slug), Q.Term("doc_themes", slug)], boost=q.boost)
    return q.apply(_theme_terms)


def parse(q: str, text: str, searcher) -> tuple[Q.Query, list[tuple[str, ...]]]:
    """Parse the folded query ``text`` into a Whoosh query and highlight
    literals; the query is NullQuery when a ``title:`` part matched no title."""
    if text in ("*", "*:*"):  # everything (use with filters)
        return Q.Every(), []
    try:
        parsed = _parser(searcher.schema).parse(text)
    except Exception as e:  # whoosh rarely raises, but may
        raise SearchError(f"无法解析检索式“{q}”：{e}") from e
    errs = [getattr(p, "error", None) for p in _walk(parsed)]
    errs = [str(e) for e in errs if e]
    if errs:
        raise SearchError(f"无法解析检索式“{q}”：{'；'.join(errs)}")
    parsed = _theme_terms(expand_grams(parsed)).normalize()
    if _is_null(parsed):
        raise SearchError(f"检索式“{q}”中没有可检索的字词")
    parsed = _titles_to_docs(parsed, searcher).normalize()
    if _is_null(parsed):  # title: found nothing: no hits (not an error)
        return Q.NullQuery, []
    rw = _Rewriter(searcher.reader())
    rw.collect(parsed)
    return rw.boost(parsed), rw.literals


def _is_null(q) -> bool:
    return q is Q.NullQuery or isinstance(q, type(Q.NullQuery))


def _filters(flt: Filters) -> Optional[Q.Query]:
    fs: list[Q.Query] = []
    if flt.region:
        r = flt.region
        if r.isdigit():
            fs.append(Q.Term("region", r))
        else:
            fs.append(Q.Or([Q.Term("region", r), Q.Prefix("region", r)]))
    if flt.years:
        lo, hi = flt.years
        fs.append(Q.NumericRange("year", lo, hi))
    if flt.theme:
        fs.append(Q.Or([Q.Term("themes", flt.theme), Q.Term("doc_themes", flt.theme)]))
    if flt.doc_type:
        fs.append(Q.Term("doc_type", flt.doc_type))
    if flt.status:
        fs.append(Q.Term("status", flt.status))
    if not fs:
        return None
    return fs[0] if len(fs) == 1 else Q.And(fs)


def run(s, q: str, text: str, tree, flt: Filters, limit: int, offset: int = 0) -> BackendRows:
    """Ranked records ``offset``..``offset+limit`` and the total for one query
    (``tree``, search.qparse's reading, is not needed: Whoosh parses)."""
    query, literals = parse(q, text, s)
    if _is_null(query):
        return BackendRows(0, [], str(query), [])
    f = _filters(flt)
    want = max(1, limit) + max(0, offset)
    res = s.search(query, filter=f, limit=want, terms=False)
    rows = [(float(r.score), record(r.fields())) for r in res][offset:]
    total = res.scored_length()
    if total >= want:  # Whoosh's len() ignores the filter: count
        total = s.search(query, filter=f, limit=None, scored=False, terms=False).scored_length()
    return BackendRows(total, rows, str(query), literals)
