"""Article alignment between consecutive versions of a law (issue 25: moved
here from write/compare.py, so that enrich follows renumbered articles and
writes each article's history without reaching into the write stage).

Matching (:func:`match_articles`), on the article's whole text (its 款 and
项 included) with its ``第X条`` number cut off:

1. identical text → the same article (renumbered when the number differs:
   对外贸易法 2016→2022 deletes 第九条, so old 第十条…第七十条 become 第九条…
   第六十九条);
2. the remaining pairs by rapidfuzz similarity (``fuzz.ratio``, 0–100), best
   first, a pair with the same number (or the same offset as its
   neighbours' renumbering) preferred on ties, accepted from
   ``MIN_SIMILARITY`` up;
3. what is left, by its opening words (the first ``OPENING`` characters alike from
   ``OPENING_SIMILARITY`` up: an article rewritten but still opening as before,
   专利法 2008 第六十六条 诉前禁令 → 2020 第七十二条);
4. what is left is deleted (old) or added (new).

How the matching was checked: against what the amendment decisions say they
change (对外贸易法 2022: ``删去第九条``; the other articles keep their text
and move up by one) and by reading the 行政复议法 2017→2023 revision pairs the
tests pin (tests/test_versions.py); 专利法 2008→2020: the damages rule
第六十五条 became 第七十一条 (tests/test_inforce.py).

:func:`article_histories` turns the alignments of a work's held versions
into each article's history (本条经2020年修正，原第六十五条 / 本条为2020年新增 /
本条2020年删除); :func:`follow` carries an article id from an older held text
to the corresponding article of a newer one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from rapidfuzz import fuzz

from ..clauses.clauseids import article_base, parse_article
from ..models import Clause, Notice, Version, Work

__all__ = ["Article", "Match", "Comparison", "articles", "match_articles", "compare", "MIN_SIMILARITY",
           "OPENING", "OPENING_SIMILARITY",
           "align_works", "follow", "article_histories"]

MIN_SIMILARITY = 55.0
OPENING, OPENING_SIMILARITY = 60, 80.0  # characters, score (0-100): step 3 of the matching
_NUMBER = re.compile(r"^\s*第[零〇一二三四五六七八九十百千\d]+条(?:之[一二三四五六七八九十\d]+)?\s*")
_SPACE = re.compile(r"\s+")


@dataclass
class Article:
    id: str  # art-9, art-10-1
    label: str  # 第九条
    number: tuple[int, int]  # (9, 0); 第十条之一 -> (10, 1)
    text: str  # whole text, number cut off, whitespace removed


@dataclass
class Match:
    old: Optional[Article]
    new: Optional[Article]
    similarity: float = 100.0

    @property
    def kind(self) -> str:
        """unchanged | renumbered | changed | renumbered-changed | added | deleted"""
        if self.old is None:
            return "added"
        if self.new is None:
            return "deleted"
        same_text = self.old.text == self.new.text
        same_no = self.old.number == self.new.number
        if same_text:
            return "unchanged" if same_no else "renumbered"
        return "changed" if same_no else "renumbered-changed"


@dataclass
class Comparison:
    old: Notice
    new: Notice
    matches: list[Match] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[Match]:
        return [m for m in self.matches if m.kind in kinds]

    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.matches:
            out[m.kind] = out.get(m.kind, 0) + 1
        return out


def _article_text(c: Clause) -> str:
    parts = [x.text for x in c.walk()]
    parts[0] = _NUMBER.sub("", parts[0], count=1)
    return _SPACE.sub("", "".join(parts))


def articles(n: Notice) -> list[Article]:
    """The articles of a law in order (attachments' articles left out)."""
    out = []
    for c in n.walk():
        a = parse_article(c.id) if c.kind == "article" else None
        if a and not a.para and not a.item:
            out.append(Article(c.id, c.label, (a.article, a.sub), _article_text(c)))
    return out


def match_articles(old: list[Article], new: list[Article]) -> list[Match]:
    """Pair the articles of two versions (module doc); in the new text's order,
    deleted articles placed after their old predecessor's partner."""
    pairs: dict[int, tuple[int, float]] = {}  # old index -> (new index, similarity)
    taken: set[int] = set()
    by_text: dict[str, list[int]] = {}
    for j, a in enumerate(new):
        by_text.setdefault(a.text, []).append(j)
    for i, a in enumerate(old):
        cands = [j for j in by_text.get(a.text, []) if j not in taken]
        if cands:
            j = min(cands, key=lambda j: abs(new[j].number[0] - a.number[0]))
            pairs[i] = (j, 100.0)
            taken.add(j)
    rest_old = [i for i in range(len(old)) if i not in pairs]
    rest_new = [j for j in range(len(new)) if j not in taken]
    offsets = [j - i for i, (j, _) in pairs.items()]

    def shift_at(i: int) -> Optional[int]:
        """Renumbering offset of the nearest identical article before old[i]."""
        before = [(k, pairs[k][0] - k) for k in pairs if k < i and pairs[k][1] == 100.0]
        return max(before)[1] if before else (offsets[0] if offsets else None)

    scored = []
    for i in rest_old:
        shift = shift_at(i)
        for j in rest_new:
            s = fuzz.ratio(old[i].text, new[j].text, score_cutoff=MIN_SIMILARITY - 1)
            if s >= MIN_SIMILARITY:
                bonus = (1 if old[i].number == new[j].number else 0) + (1 if shift is not None and j - i == shift else 0)
                scored.append((s, bonus, -abs(j - i), i, j))
    scored.sort(reverse=True)
    for s, _, _, i, j in scored:
        if i in pairs or j in taken:
            continue
        pairs[i] = (j, s)
        taken.add(j)
    # 3. an article rewritten past MIN_SIMILARITY whose opening words stay (专利法 2008 第六十六条
    # 诉前禁令 -> 2020 第七十二条, 第六十七条 -> 第七十三条; 第四十二条 gained its term-extension
    # paragraphs): the first OPENING characters alike from OPENING_SIMILARITY up
    opening = []
    for i in range(len(old)):
        if i in pairs:
            continue
        for j in range(len(new)):
            if j in taken:
                continue
            s = fuzz.ratio(old[i].text[:OPENING], new[j].text[:OPENING], score_cutoff=OPENING_SIMILARITY)
            if s >= OPENING_SIMILARITY:
                opening.append((s, -abs(j - i), i, j))
    opening.sort(reverse=True)
    for _, _, i, j in opening:
        if i in pairs or j in taken:
            continue
        pairs[i] = (j, fuzz.ratio(old[i].text, new[j].text))
        taken.add(j)
    out: list[Match] = []
    new_to_old = {j: i for i, (j, _) in pairs.items()}
    deleted_after: dict[int, list[int]] = {}  # new index (-1: start) -> deleted old indexes
    for i in range(len(old)):
        if i not in pairs:
            prev = max((pairs[k][0] for k in pairs if k < i), default=-1)
            deleted_after.setdefault(prev, []).append(i)
    for i in deleted_after.get(-1, []):
        out.append(Match(old[i], None, 0.0))
    for j in range(len(new)):
        if j in new_to_old:
            i = new_to_old[j]
            out.append(Match(old[i], new[j], pairs[i][1]))
        else:
            out.append(Match(None, new[j], 0.0))
        for i in deleted_after.get(j, []):
            out.append(Match(old[i], None, 0.0))
    return out


def compare(old: Notice, new: Notice) -> Comparison:
    return Comparison(old, new, match_articles(articles(old), articles(new)))


def align_works(works: dict[str, Work], byid: dict[str, Notice],
                memo: Optional[Callable[[str, str, Callable[[], list[Match]]], list[Match]]] = None
                ) -> dict[tuple[str, str], list[Match]]:
    """(older id, newer id) -> the article matches of every two consecutive held versions;
    ``memo(old id, new id, make)``: a cache of pairs (``doccache.PairMemo``) that calls
    ``make`` only for a pair it does not hold."""
    out: dict[tuple[str, str], list[Match]] = {}
    for w in works.values():
        if w.kind != "law":
            continue
        for a, b in zip(w.versions, w.versions[1:]):
            if a in byid and b in byid:
                def make(a=a, b=b) -> list[Match]:
                    return match_articles(articles(byid[a]), articles(byid[b]))
                out[(a, b)] = memo(a, b, make) if memo else make()
    return out


def follow(doc_id: str, article: str, work: Work, aligned: dict[tuple[str, str], list[Match]]
           ) -> Optional[tuple[str, Optional[Article], Article, str]]:
    """(newest held doc id, its article or None when deleted, the article as cited,
    the label of the version that deleted it or last moved it) for an article id
    (``art-65``, ``art-65-p1``) of an older held version; None when ``doc_id`` is
    the newest held text or the article is not in it."""
    parts = article_base(article)
    if not parts or doc_id not in work.versions or doc_id == work.versions[-1]:
        return None
    base = parts[0]
    i = work.versions.index(doc_id)
    cited: Optional[Article] = None
    cur: Optional[Article] = None
    step_doc = doc_id
    for a, b in zip(work.versions[i:], work.versions[i + 1:]):
        matches = aligned.get((a, b))
        if matches is None:
            return None
        hit = next((x for x in matches if x.old is not None and x.old.id == (cur.id if cur else base)), None)
        if hit is None:
            return None
        cited = cited or hit.old
        cur, step_doc = hit.new, b
        if cur is None:
            return b, None, cited, b
    return (step_doc, cur, cited, step_doc) if cited and cur else None


def _year(label: str) -> str:
    """``2020年`` of ``2020年修正`` (the label itself when it names no year)."""
    m = re.match(r"\d{4}年", label)
    return m.group(0) if m else label


def _step_label(versions: dict[str, Version], doc_id: str) -> str:
    v = versions.get(doc_id)
    return v.label if v is not None else "后来的版本"


def article_histories(works: dict[str, Work], versions: dict[str, Version],
                      aligned: dict[tuple[str, str], list[Match]]
                      ) -> dict[str, dict[str, list[tuple[str, Optional[str], Optional[str]]]]]:
    """doc id -> article id -> its history across the work's held versions, as
    (text, doc id, article id) steps, the doc/article to link or None:

    in the newer text ``本条经2020年修正，原第六十五条`` (changed and renumbered),
    ``本条经2020年修正`` (changed), ``本条2020年修正时条号变动，原第六十五条`` (same
    words), ``本条为2020年新增``, the earlier steps first; in the older text
    ``本条2020年删除`` and ``2020年修正后为第七十一条``."""
    out: dict[str, dict[str, list[tuple[str, Optional[str], Optional[str]]]]] = {}
    for w in works.values():
        if w.kind != "law" or len(w.versions) < 2:
            continue
        for a, b in zip(w.versions, w.versions[1:]):
            matches = aligned.get((a, b))
            if matches is None:
                continue
            label = _step_label(versions, b)
            old_h, new_h = out.setdefault(a, {}), out.setdefault(b, {})
            for x in matches:
                kind = x.kind
                if kind == "added":
                    new_h.setdefault(x.new.id, []).append((f"本条为{_year(label)}新增", None, None))
                    continue
                if kind == "deleted":
                    old_h.setdefault(x.old.id, []).append((f"本条{_year(label)}删除", b, None))
                    continue
                steps = list(old_h.get(x.old.id, []))  # its history up to the older text
                if kind == "changed":
                    steps.append((f"本条经{label}", a, x.old.id))
                elif kind == "renumbered":
                    steps.append((f"本条{label}时条号变动，原{x.old.label}", a, x.old.id))
                elif kind == "renumbered-changed":
                    steps.append((f"本条经{label}，原{x.old.label}", a, x.old.id))
                if steps:
                    new_h[x.new.id] = steps
                if kind != "unchanged":
                    forward = (f"{label}后为{x.new.label}" if kind != "changed" else f"{label}时修改")
                    old_h.setdefault(x.old.id, []).append((forward, b, x.new.id))
    return {d: h for d, h in out.items() if h}
