"""Query the clause index: parse, filter, rank, cut fragments, highlight.

Query strings handled (Whoosh syntax, Chinese-aware):

* ``惩罚性赔偿`` -- a run of Chinese is an exact substring (``税`` finds
  ``纳税``/``税收``; ``企业`` finds ``小微企业``).
* ``"优化营商环境"``, ``“三合一”`` -- quoted phrases (straight or Chinese
  quotes); punctuation and spaces inside are ignored.
* ``商业秘密 地理标志`` -- words separated by spaces must all occur (AND);
  ``A OR B``, ``A NOT B``, ``A AND (B OR C)``.
* ``title:昆明``, ``region:云南省``, ``year:2020``, ``year:[2015 TO 2023]``,
  ``theme:司法保护``, ``type:实施意见``, ``status:正式``, ``doc:001``;
  Chinese aliases 标题/地区/年份/主题/类型/状态 also work.

Full-width forms are folded first (``（）`` ``：`` ``ＡＮＤ``).  A run of
Chinese in the ``text`` field is matched on character grams; hits that
also match jieba words (segmented here by forward maximum matching over the
index's own ``words`` vocabulary, so jieba is never loaded at query time)
get that field's score on top.
"""
from __future__ import annotations

import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from whoosh import index as windex
from whoosh import query as Q
from whoosh.qparser import FieldAliasPlugin, QueryParser
from whoosh.qparser.plugins import SingleQuotePlugin

from . import tokenizer as tk
from .index import INDEX_NAME, META_FILE, SCHEMA_VERSION, TITLE_LABEL, _read_meta

THEMES_YML = Path(__file__).resolve().parent.parent / "build_tools" / "data" / "themes.yml"
MISSING_INDEX = "索引不存在：请先运行 make site 或 iparchive index"
OLD_INDEX = "索引格式已过时：请重新运行 make site 或 iparchive index"
EMPTY_INDEX = "索引为空：请先运行 make site 或 iparchive index"

FRAGMENT_CHARS = 160  # longest fragment cut from a clause
CONTEXT_CHARS = 40  # context kept before the first highlight
WORDS_BOOST = 1.0
MAX_WORD = 8  # longest word tried when segmenting queries

FIELD_ALIASES = {
    "text": ["正文", "内容"],
    "title": ["标题"],
    "region": ["地区", "地域"],
    "year": ["年份", "年度"],
    "themes": ["theme", "主题"],
    "doc_type": ["type", "类型", "文种"],
    "status": ["状态"],
    "doc_id": ["doc", "id"],
    "kind": ["类别"],
}


class SearchError(Exception):
    """A user-facing problem (Chinese message): bad query, missing index."""


@dataclass
class Hit:
    """One ranked record.  ``highlights`` are (start, end) offsets in ``fragment``."""

    doc_id: str
    clause_id: Optional[str]  # None for a title record
    label: str
    title: str
    citation: str
    url: str
    score: float
    fragment: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    kind: str = "clause"
    fragment_start: int = 0  # offset of fragment in the clause text
    text_length: int = 0
    region: list[str] = field(default_factory=list)
    year: Optional[int] = None
    doc_type: Optional[str] = None
    status: Optional[str] = None
    themes: list[str] = field(default_factory=list)

    def marked(self, open_: str = "【", close: str = "】") -> str:
        """The fragment with highlights wrapped in ``open_``/``close``."""
        out, last = [], 0
        for s, e in self.highlights:
            out += [self.fragment[last:s], open_, self.fragment[s:e], close]
            last = e
        out.append(self.fragment[last:])
        return "".join(out)

    def to_dict(self) -> dict:
        """JSON-ready, keys in the documented order (docs/search-json.md)."""
        return {
            "kind": self.kind,
            "doc_id": self.doc_id,
            "clause_id": self.clause_id,
            "label": self.label,
            "title": self.title,
            "citation": self.citation,
            "url": self.url,
            "score": self.score,
            "fragment": self.fragment,
            "fragment_marked": self.marked(),
            "fragment_start": self.fragment_start,
            "text_length": self.text_length,
            "highlights": [[s, e] for s, e in self.highlights],
            "region": list(self.region),
            "year": self.year,
            "doc_type": self.doc_type,
            "status": self.status,
            "themes": list(self.themes),
        }


@dataclass
class Results:
    query: str
    total: int  # all matching records (after filters)
    hits: list[Hit]
    seconds: float
    parsed: str = ""  # Whoosh's reading of the query, for debugging


# ------------------------------------------------------------------ index

_OPEN: dict[str, tuple] = {}


def _searcher(index_dir: Path):
    """Open (once per process) and refresh the searcher for ``index_dir``."""
    key = str(Path(index_dir).resolve())
    stamp = _stamp(key)
    got = _OPEN.get(key)
    if got is not None:
        ix, s, old = got
        if old == stamp and s.up_to_date():
            return s
        s.close()
        del _OPEN[key]
    if not Path(key).is_dir() or not windex.exists_in(key, indexname=INDEX_NAME):
        raise SearchError(MISSING_INDEX)
    try:
        ix = windex.open_dir(key, indexname=INDEX_NAME)
    except Exception as e:  # corrupt or foreign files
        raise SearchError(f"{MISSING_INDEX}（无法打开：{e}）") from e
    meta = _read_meta(Path(key))
    if meta is not None and meta.get("schema") != SCHEMA_VERSION:
        raise SearchError(OLD_INDEX)
    s = ix.searcher()
    if s.doc_count() == 0:
        s.close()
        raise SearchError(EMPTY_INDEX)
    _OPEN[key] = (ix, s, stamp)
    return s


def _stamp(index_dir: str) -> tuple:
    """Changes whenever build_index commits (it rewrites the meta file)."""
    try:
        st = os.stat(os.path.join(index_dir, META_FILE))
        return (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        return ()


def close_all() -> None:
    for _, s, _ in _OPEN.values():
        s.close()
    _OPEN.clear()


# ------------------------------------------------------------------ parsing

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"'})


def fold_query(q: str) -> str:
    """Fold full-width forms (（）：ＡＮＤ) and Chinese quotes to ASCII syntax."""
    q = unicodedata.normalize("NFKC", q).translate(_QUOTES)
    return re.sub(r"\s+", " ", q).strip()


def _parser(schema) -> QueryParser:
    p = QueryParser("text", schema)
    p.remove_plugin_class(SingleQuotePlugin)  # 'x' would skip analysis
    p.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return p


def _walk(q: Q.Query):
    yield q
    for c in q.children():
        yield from _walk(c)


GRAM_FIELDS = ("text", "title")


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


def _gram_slots(tokens: tuple[str, ...]) -> list[str]:
    """Query tokens (see tokenizer.query_grams) back to their slots."""
    out = []
    for i, w in enumerate(tokens):
        if w.endswith(tk.PREFIX):
            out.append(w[:-1])
        elif len(w) == 2 and tk.is_han(w[0]) and tk.is_han(w[1]):
            out.append(w[0])
            if i == len(tokens) - 1:
                out.append(w[1])
        else:
            out.append(w)
    return out


def _segment(slots: list[str], reader) -> Optional[list[str]]:
    """Forward maximum matching of ``slots`` over the ``words`` vocabulary."""
    out, i = [], 0
    while i < len(slots):
        for j in range(min(len(slots), i + MAX_WORD), i, -1):
            w = "".join(slots[i:j])
            if (j - i == 1) or ("words", w) in reader:
                if j - i == 1 and ("words", w) not in reader:
                    return None
                out.append(w)
                i = j
                break
    return out


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
            words = _segment(_gram_slots(lit), self.reader)
            if words:
                wq = (
                    Q.Term("words", words[0], boost=WORDS_BOOST)
                    if len(words) == 1
                    else Q.Phrase("words", words, boost=WORDS_BOOST)
                )
                return Q.AndMaybe(q, wq)  # words only add to the score
            return q
        return q.apply(self.boost)


_OPS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


def _dangling_operator(text: str) -> Optional[str]:
    """A message if an operator lacks an operand (``税 OR``, ``AND 税``)."""
    words = re.sub(r'"[^"]*"', " x ", text).replace("(", " ( ").replace(")", " ) ").split()
    for i, w in enumerate(words):
        if w not in _OPS:
            continue
        prev = words[i - 1] if i > 0 else None
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is None or nxt == ")" or (nxt in _OPS and nxt != "NOT"):
            return f"{w} 后缺少检索词"
        if w != "NOT" and (prev is None or prev == "(" or prev in _OPS):
            return f"{w} 前缺少检索词"
    return None


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
        if not docs:
            return Q.NullQuery
        return Q.Or([Q.Term("doc_id", d) for d in docs], boost=q.boost)
    return q.apply(lambda c: _titles_to_docs(c, searcher))


def parse(q: str, searcher) -> tuple[Q.Query, list[tuple[str, ...]]]:
    """Parse ``q`` into a Whoosh query and the literals to highlight."""
    text = fold_query(q)
    if not text:
        raise SearchError("请输入检索词")
    dangling = _dangling_operator(text)
    if dangling:
        raise SearchError(f"检索式“{q}”不完整：{dangling}")
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
    parsed = _titles_to_docs(_theme_terms(expand_grams(parsed)), searcher).normalize()
    if parsed is Q.NullQuery or isinstance(parsed, type(Q.NullQuery)):
        raise SearchError(f"检索式“{q}”中没有可检索的字词")
    rw = _Rewriter(searcher.reader())
    rw.collect(parsed)
    return rw.boost(parsed), rw.literals


_THEMES: Optional[dict[str, str]] = None


def theme_slug(theme: str) -> str:
    """Chinese theme name (司法保护) -> its slug (judicial-protection); slugs pass."""
    global _THEMES
    if _THEMES is None:
        try:  # read the YAML directly: build_tools.enrich imports jieba
            import yaml

            data = yaml.safe_load(THEMES_YML.read_text("utf-8")) or []
            _THEMES = {d["name"]: d["slug"] for d in data if "name" in d and "slug" in d}
        except Exception:  # vocabulary missing or invalid: match as typed
            _THEMES = {}
    t = theme.strip()
    return _THEMES.get(t, t)


def _theme_terms(q: Q.Query) -> Q.Query:
    """``theme:司法保护`` in a query string -> the slug, clause or document."""
    if q.__class__ is Q.Term and q.fieldname in ("themes", "doc_themes"):
        slug = theme_slug(q.text)
        return Q.Or([Q.Term("themes", slug), Q.Term("doc_themes", slug)], boost=q.boost)
    return q.apply(_theme_terms)


def _filters(region, years, theme, doc_type, status) -> Optional[Q.Query]:
    fs: list[Q.Query] = []
    if region:
        r = unicodedata.normalize("NFKC", region).strip()
        if r.isdigit():
            fs.append(Q.Term("region", r))
        else:
            fs.append(Q.Or([Q.Term("region", r), Q.Prefix("region", r)]))
    if years:
        lo, hi = years
        fs.append(Q.NumericRange("year", lo, hi))
    if theme:
        slug = theme_slug(theme)
        fs.append(Q.Or([Q.Term("themes", slug), Q.Term("doc_themes", slug)]))
    if doc_type:
        fs.append(Q.Term("doc_type", doc_type))
    if status:
        fs.append(Q.Term("status", status))
    if not fs:
        return None
    return fs[0] if len(fs) == 1 else Q.And(fs)


# ------------------------------------------------------------- highlighting


def find_literals(text: str, literals: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Character spans in ``text`` matched by the query literals.

    A literal is a sequence of query tokens (tokenizer.query_grams: terms
    and ``X*`` prefixes) matched against the text's one-term-per-slot
    index grams at consecutive positions -- exactly what Whoosh matched.
    Overlapping spans are merged.
    """
    grams = list(tk.index_grams(text))
    terms = [g[0] for g in grams]
    spans = []
    for lit in literals:
        k = len(lit)
        if not k:
            continue
        for p in range(len(terms) - k + 1):
            if all(tk.token_matches(lit[i], terms[p + i]) for i in range(k)):
                spans.append((grams[p][2], grams[p + k - 1][2] + tk.token_width(lit[-1])))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def cut_fragment(text: str, spans: list[tuple[int, int]]):
    """(fragment, start offset, spans relative to fragment) around the best spot."""
    if len(text) <= FRAGMENT_CHARS or not spans:
        frag_start = 0
    else:
        best, best_n = spans[0][0], -1
        for s, _ in spans:
            n = sum(1 for a, b in spans if a >= s and b <= s + FRAGMENT_CHARS - CONTEXT_CHARS)
            if n > best_n:
                best, best_n = s, n
        frag_start = max(0, min(best - CONTEXT_CHARS, len(text) - FRAGMENT_CHARS))
    frag_end = min(len(text), frag_start + FRAGMENT_CHARS)
    for s, e in spans:  # never cut a highlight in two
        if s < frag_start < e:
            frag_start = s
        if s < frag_end < e:
            frag_end = e
    frag = text[frag_start:frag_end]
    rel = [
        (max(s - frag_start, 0), min(e - frag_start, len(frag)))
        for s, e in spans
        if e > frag_start and s < frag_start + len(frag)
    ]
    return frag, frag_start, rel


# ------------------------------------------------------------------ search


def run_search(
    index_dir: Path,
    q: str,
    *,
    region: Optional[str] = None,
    years: Optional[tuple[int, int]] = None,
    theme: Optional[str] = None,
    doc_type: Optional[str] = None,
    status: Optional[str] = None,
    limit: int = 20,
) -> Results:
    """Search and return ranked hits plus the total number of matches."""
    t0 = time.perf_counter()
    s = _searcher(index_dir)
    query, literals = parse(q, s)
    flt = _filters(region, years, theme, doc_type, status)
    res = s.search(query, filter=flt, limit=max(1, limit), terms=False)
    hits = []
    for r in res:
        f = r.fields()
        text = f.get("text", "")
        spans = find_literals(text, literals)
        frag, start, rel = cut_fragment(text, spans)
        kind = f.get("kind", "clause")
        hits.append(
            Hit(
                doc_id=f["doc_id"],
                clause_id=f.get("clause_id") or None,
                label=f.get("label", TITLE_LABEL),
                title=f.get("doc_title", ""),
                citation=f.get("citation", ""),
                url=f.get("url", ""),
                score=round(float(r.score), 4),
                fragment=frag,
                highlights=rel,
                kind=kind,
                fragment_start=start,
                text_length=len(text),
                region=[v for v in f.get("region", "").split(",") if v],
                year=f.get("year"),
                doc_type=f.get("doc_type") or None,
                status=f.get("status") or None,
                themes=[v for v in f.get("themes", "").split(",") if v],
            )
        )
    total = res.scored_length()
    if total >= max(1, limit):  # Whoosh's len() ignores the filter: count
        total = s.search(query, filter=flt, limit=None, scored=False, terms=False).scored_length()
    return Results(
        query=q,
        total=total,
        hits=hits[:limit] if limit > 0 else [],
        seconds=time.perf_counter() - t0,
        parsed=str(query),
    )


def search(
    index_dir: Path,
    q: str,
    *,
    region: Optional[str] = None,
    years: Optional[tuple[int, int]] = None,
    theme: Optional[str] = None,
    doc_type: Optional[str] = None,
    status: Optional[str] = None,
    limit: int = 20,
) -> list[Hit]:
    """Ranked hits for ``q`` (see module docstring for the syntax)."""
    return run_search(
        index_dir, q, region=region, years=years, theme=theme,
        doc_type=doc_type, status=status, limit=limit,
    ).hits
