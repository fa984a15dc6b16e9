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

The backend (Whoosh or tantivy) is the one recorded in the index
directory's meta file; only that backend's library is imported.  Both see
the same query tree checks (``search.qparse``), so errors read the same.
Fields, messages, ``SearchError`` and the typed records live in
``search.schema`` (a leaf: the backends never import this module).
"""
from __future__ import annotations

import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from build_tools.doctypes import force_rank, type_group
from build_tools.fsutil import file_digest

from . import qparse
from . import tokenizer as tk
from .index import backend_module
from .schema import (EMPTY_INDEX, META_FILE, MISSING_INDEX, OLD_INDEX, SCHEMA_VERSION, TITLE_LABEL, Backend,
                     Filters, SearchError, read_meta)

__all__ = ["Hit", "Results", "SearchError", "Filters", "run_search", "search", "check_query", "fold_query",
           "find_literals", "cut_fragment", "close_all", "MISSING_INDEX"]

FRAGMENT_CHARS = 160  # longest fragment cut from a clause
CONTEXT_CHARS = 40  # context kept before the first highlight


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
    parsed: str = ""  # the backend's reading of the query, for debugging
    backend: str = ""  # whoosh | tantivy
    offset: int = 0  # hits skipped before the first returned one (--page)


# ------------------------------------------------------------------ index

_OPEN: dict[str, tuple] = {}


def _searcher(index_dir: Path) -> tuple[Backend, object]:
    """(backend module, searcher) for ``index_dir``, opened once per process
    and reopened whenever build_index has committed since."""
    key = str(Path(index_dir).resolve())
    stamp = _stamp(key)
    got = _OPEN.get(key)
    if got is not None:
        mod, s, old = got
        if old == stamp and mod.up_to_date(s):
            return mod, s
        mod.close(s)
        del _OPEN[key]
    if not Path(key).is_dir():
        raise SearchError(MISSING_INDEX)
    meta = read_meta(Path(key))
    if meta is None:
        raise SearchError(MISSING_INDEX)
    if meta.get("schema") != SCHEMA_VERSION:
        raise SearchError(OLD_INDEX)
    try:
        mod = backend_module(meta.get("backend", "whoosh"))
    except ValueError as e:
        raise SearchError(f"{OLD_INDEX}（{e}）") from e
    s = mod.open_searcher(Path(key))
    if mod.doc_count(s) == 0:
        mod.close(s)
        raise SearchError(EMPTY_INDEX)
    _OPEN[key] = (mod, s, stamp)
    return mod, s


def _stamp(index_dir: str) -> bytes:
    """Changes whenever build_index commits a change: the meta file names every
    document's record digest, so its bytes' digest (never its mtime or inode:
    issue 28) tells an index that changed from one that did not."""
    try:
        return file_digest(os.path.join(index_dir, META_FILE))
    except OSError:
        return b""


def close_all() -> None:
    for mod, s, _ in _OPEN.values():
        mod.close(s)
    _OPEN.clear()


# ------------------------------------------------------------------ parsing

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"'})


def fold_query(q: str) -> str:
    """Fold full-width forms (（）：ＡＮＤ) and Chinese quotes to ASCII syntax."""
    q = unicodedata.normalize("NFKC", q).translate(_QUOTES)
    return re.sub(r"\s+", " ", q).strip()


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


def check_query(q: str):
    """Fold and check ``q``; returns (folded text, query tree) or raises
    SearchError (the same messages for every backend)."""
    text = fold_query(q)
    if not text:
        raise SearchError("请输入检索词")
    dangling = _dangling_operator(text)
    if dangling:
        raise SearchError(f"检索式“{q}”不完整：{dangling}")
    tree = qparse.parse(q, text)
    if tree is None:
        raise SearchError(f"检索式“{q}”中没有可检索的字词")
    return text, tree


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


# ------------------------------------------------------------------ order

RANK_ROWS = 1000  # records ranked by document (a query matching more: its backend's best RANK_ROWS)


def rank_rows(rows: list, literals: list[tuple[str, ...]]) -> list[tuple[float, object]]:
    """Relevance order, the browser's too (pagefind-search.js): documents
    whose title holds every query literal first, by legal force
    (``doctypes.force_rank``: 中华人民共和国专利法 before 专利法实施细则 for
    专利), then the newest; then the other documents, most occurrences in
    their matching clauses first, then the newest (year), then by id; within
    a document its title record, then its clauses in their order."""
    docs: dict[str, list] = {}
    pats = [literal_pattern(lit) for lit in literals if lit]
    plain = [han_string(lit) for lit in literals if lit]
    fast = all(plain) and bool(plain)  # Han literals only: counted in the normalised text, no gram pass
    for score, r in rows:
        d = docs.get(r.doc_id)
        if d is None:
            title = "\x00" + "\x00".join(tk.gram_terms(r.doc_title)) + "\x00"
            held = bool(pats) and all(p.search(title) for p in pats)
            d = docs[r.doc_id] = [not held, force_rank(r.doc_type) if held else 0, 0, -(r.year or 0)]
        if r.kind != "title" and d[0]:  # occurrences order the documents not held by their title
            if fast:
                norm = tk.normalize(r.text)
                d[2] -= sum(norm.count(h) for h in plain)
            else:
                terms = "\x00" + "\x00".join(tk.gram_terms(r.text)) + "\x00"
                d[2] -= sum(len(p.findall(terms)) for p in pats)
    return sorted(rows, key=lambda x: (*docs[x[1].doc_id], x[1].doc_id, x[1].kind != "title", x[1].order))


def han_string(lit: tuple[str, ...]) -> str:
    """The text of a literal made of Han slots (``('惩罚', '罚性', '性赔', '赔偿')``
    -> 惩罚性赔偿, ``('税*',)`` -> 税), else ''."""
    toks = [t[:-1] if t.endswith(tk.PREFIX) else t for t in lit]
    if not all(toks) or not all(tk.is_han(c) for t in toks for c in t):
        return ""
    out = toks[0]
    for t in toks[1:]:
        if len(t) != 2 or out[-1] != t[0]:
            return ""
        out += t[1]
    return out


def literal_pattern(lit: tuple[str, ...]) -> re.Pattern:
    """A literal (query tokens, ``X*`` a prefix) as a pattern over index
    terms joined and closed by NUL (``tk.gram_terms``): its occurrences,
    overlapping ones too, as ``find_literals`` finds them."""
    toks = [re.escape(t[:-1]) + "[^\\x00]*" if t.endswith(tk.PREFIX) else re.escape(t) for t in lit]
    return re.compile("(?=\\x00" + "\\x00".join(toks) + "\\x00)")


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
    offset: int = 0,
    site_url: str = "",
) -> Results:
    """Search; the hits ranked ``offset+1``..``offset+limit`` plus the total
    number of matches.  ``site_url`` (no trailing slash) is put before each
    hit's site-relative ``notices/<id>.html#<clause>``."""
    t0 = time.perf_counter()
    mod, s = _searcher(index_dir)
    text, tree = check_query(q)
    flt = Filters.of(region, years, theme, type_group(doc_type), status)  # 指导意见 -> 意见, as the index
    got = mod.run(s, q, text, tree, flt, max(RANK_ROWS, limit + max(0, offset)), 0)
    rows = rank_rows(got.rows, got.literals)[max(0, offset):max(0, offset) + max(1, limit)]
    prefix = site_url.rstrip("/") + "/" if site_url else ""
    hits = []
    for score, r in rows:
        spans = find_literals(r.text, got.literals)
        frag, start, rel = cut_fragment(r.text, spans)
        hits.append(
            Hit(
                doc_id=r.doc_id,
                clause_id=r.clause_id or None,
                label=r.label or TITLE_LABEL,
                title=r.doc_title,
                citation=r.citation,
                url=prefix + r.url if prefix and "://" not in r.url else r.url,
                score=round(float(score), 4),
                fragment=frag,
                highlights=rel,
                kind=r.kind or "clause",
                fragment_start=start,
                text_length=len(r.text),
                region=list(r.region),
                year=r.year,
                doc_type=r.doc_type or None,
                status=r.status or None,
                themes=list(r.themes),
            )
        )
    return Results(
        query=q,
        total=got.total,
        hits=hits[:limit] if limit > 0 else [],
        seconds=time.perf_counter() - t0,
        parsed=got.parsed,
        backend=mod.NAME,
        offset=max(0, offset),
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
    offset: int = 0,
) -> list[Hit]:
    """Ranked hits for ``q`` (see module docstring for the syntax)."""
    return run_search(
        index_dir, q, region=region, years=years, theme=theme,
        doc_type=doc_type, status=status, limit=limit, offset=offset,
    ).hits
