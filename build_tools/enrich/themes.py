"""Theme tagging with a controlled vocabulary (build_tools/data/themes.yml).

A clause gets a theme when its own text contains one of the theme's keywords
after the theme's ``exclude`` phrases are removed, e.g.

- ``加强地理标志商标专用权保护`` → 商标 and 地理标志 (both keywords occur);
- ``加强著作权相关知识的宣传`` / ``推进软件正版化`` → 版权;
- ``[市市场监管局、市新闻出版(版权)局按职责分工负责。]`` → not 版权
  (the department name is excluded);
- ``综合运用法律、行政、经济…手段`` → not 转化运用;
- lists of organisations (five or more; or two or more as addressees ``省知识产权局、…、省法院、
  省检察院、昆明海关：``, responsibility notes ``（市市场监管局、市司法局按职责
  分工负责。）``) say who acts, not what about: ``省法院`` there is not
  司法保护 (:func:`strip_org_lists`).

A document's themes are the vocabulary themes tagged on at least
``doc_threshold(n)`` of its ``n`` clauses: 1 clause for documents with up to
49 clauses, then ``round(3 % of n)`` capped at 3.  So a short notice keeps
every theme it mentions, while a long law does not get 商标 from one
passing mention.  Both lists follow the vocabulary order.
"""
from __future__ import annotations

import re
from typing import Optional

from ..models import Notice
from ..vocabulary import Theme, VocabularyError, load_vocabulary

# the vocabulary lives in build_tools/vocabulary.py; its names are re-exported here
__all__ = ["Theme", "VocabularyError", "doc_threshold", "load_vocabulary", "strip_org_lists", "tag_clauses"]


_ORG_SUFFIX = ("局|厅|委|院|办|会|部|署|关|行|室|处|所|中心|公司|集团|社|馆|台|站|队|团|政府|"
               "机关|分院|法院|检察院|委员会|办公室|管委会|研究院")
_ORG_END = re.compile(rf"(?:{_ORG_SUFFIX})[）)]?$")
_ORG_HEAD = re.compile(rf"[\u4e00-\u9fa5（）()]{{1,24}}(?:{_ORG_SUFFIX})")
_HAN_ORG = re.compile(r"[\u4e00-\u9fa5（）()]{1,24}")
_PHRASE = re.compile(r"[^，。；：:,;\s]+")
_NOTE = re.compile(r"\s*(?:按职责分工|按照职责分工|分别|共同|等)?(?:负责|牵头|配合)|\s*[：:]\s*$")


def _is_org(item: str) -> bool:
    return bool(_HAN_ORG.fullmatch(item) and _ORG_END.search(item))


def _org_lists(text: str):
    """(start, end) of each list of organisation names (see strip_org_lists)."""
    for m in _PHRASE.finditer(text):
        if "、" not in m.group(0):
            continue
        items, pos = m.group(0).split("、"), m.start()
        starts = []
        for it in items:
            starts.append(pos)
            pos += len(it) + 1
        # first item: its tail may be a name (由省法院 → 省法院); last: its head
        first = items[0]
        tail = None
        if _ORG_END.search(first):
            tail = next((k for k in range(max(0, len(first) - 24), len(first)) if _HAN_ORG.fullmatch(first[k:])), None)
        head = _ORG_HEAD.match(items[-1])
        ok = [tail is not None] + [_is_org(it) for it in items[1:-1]] + [head is not None]
        i = 0
        while i < len(items):
            if not ok[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(items) and ok[j + 1]:
                j += 1
            s = starts[i] + (tail if i == 0 else 0)
            e = starts[j] + (head.end() if j == len(items) - 1 else len(items[j]))
            if j - i + 1 >= 5 or (j > i and _NOTE.match(text, e)):
                yield s, e
            i = j + 1


def strip_org_lists(text: str) -> str:
    """Blank out lists of organisation names that say who acts: five or more
    names, or two or more before 负责/牵头/配合 or ending an addressee line
    (``省新闻办、省法院、省检察院、…：``) → ideographic spaces."""
    if "、" not in text:
        return text
    spans = list(_org_lists(text))
    if not spans:
        return text
    out, pos = [], 0
    for s, e in spans:
        out += [text[pos:s], "\u3000" * (e - s)]
        pos = e
    return "".join(out) + text[pos:]


def doc_threshold(n_clauses: int) -> int:
    """Clauses a theme needs to become a document theme (see module doc)."""
    if n_clauses < 50:
        return 1
    return min(3, max(1, round(0.03 * n_clauses)))


class _Matcher:
    """All keywords and exclusions of a vocabulary in one regex.

    Each alternative (longest first) maps to the themes it stands for: the
    themes with a keyword inside it, minus the themes that exclude it.  One
    ``findall`` per clause instead of one search per theme; same result as
    :meth:`Theme.matches` except for keywords overlapping across a match
    boundary (none in data/themes.yml).
    """

    def __init__(self, vocab: list[Theme]):
        words = {w for th in vocab for w in (*th.keywords, *th.exclude)}
        self.hits: dict[str, tuple[int, ...]] = {}
        for w in words:
            self.hits[w] = tuple(
                i
                for i, th in enumerate(vocab)
                if any(k in w for k in th.keywords) and not any(e in w for e in th.exclude)
            )
        alts = sorted(words, key=len, reverse=True)
        self.rx = re.compile("|".join(map(re.escape, alts)))

    def themes(self, text: str) -> set[int]:
        out: set[int] = set()
        for w in self.rx.findall(text):
            out.update(self.hits[w])
        return out


_MATCHERS: dict[int, tuple[list[Theme], _Matcher]] = {}


def _matcher(vocab: list[Theme]) -> _Matcher:
    hit = _MATCHERS.get(id(vocab))
    if hit is None or hit[0] is not vocab:
        hit = (vocab, _Matcher(vocab))
        _MATCHERS[id(vocab)] = hit
    return hit[1]


def tag_clauses(notice: Notice, vocab: Optional[list[Theme]] = None) -> None:
    """Set ``clause.themes`` (slugs) on every clause and ``notice.themes``."""
    vocab = vocab if vocab is not None else load_vocabulary()
    matcher = _matcher(vocab)
    counts = [0] * len(vocab)
    n = 0
    for clause in notice.walk():
        n += 1
        found = matcher.themes(strip_org_lists(clause.text)) if clause.text else ()
        for i in found:
            counts[i] += 1
        clause.themes = [vocab[i].slug for i in sorted(found)]
    need = doc_threshold(n)
    notice.themes = [t.slug for t, c in zip(vocab, counts) if c >= need]
