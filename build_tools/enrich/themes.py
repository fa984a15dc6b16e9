"""Theme tagging with a controlled vocabulary (build_tools/data/themes.yml).

Themes must discriminate: a theme page lists the clauses that are about the
theme, and a document's themes say what the document is about.  A keyword
somewhere in the text is not enough (seed 002, the Kunming plan, used to
carry all 18 themes).

**Keywords** are found in a clause's own text after the theme's ``exclude``
phrases and lists of organisations are removed:

- ``[市市场监管局、市新闻出版(版权)局按职责分工负责。]`` → not 版权
  (the department name is excluded);
- ``综合运用法律、行政、经济…手段`` → not 转化运用;
- lists of organisations (five or more; or two or more as addressees ``省知识产权局、…、省法院、
  省检察院、昆明海关：``, responsibility notes ``（市市场监管局、市司法局按职责
  分工负责。）``) say who acts, not what about: ``省法院`` there is not
  司法保护 (:func:`strip_org_lists`).

**Clause rule.**  A clause is about a theme when the theme's keywords

1. occur in the clause's *topic*: its first sentence, when that sentence is a
   heading of at most ``TOPIC_CHARS`` characters (``（三）持续加强知识产权行政
   司法保护。…`` → 司法保护; seed 003 ``加强版权保护。…`` → 版权); or
2. occur at least ``MENTIONS`` (2) times in the clause (seed 003 s2-2-p3
   ``加强对知识产权运用的金融支持、搭建知识产权融资对接平台…`` → 金融); or
3. occur once in a clause that is a single short sentence (at most
   ``TOPIC_CHARS`` characters: the whole clause states it).

A single mention inside a longer clause is a keyword in passing: seed 002
s1-p1 ``紧扣昆明市建设区域性国际中心城市目标…打造成为面向南亚东南亚的知识产权
强市`` is not 国际合作, s2-1 ``优化知识产权发展政策体系…鼓励企业建立商业秘密
保护制度…`` is not 商业秘密.

**Document rule.**  A document's themes are

1. the themes of its title (``植物新品种保护条例`` → 植物新品种);
2. the themes carried by its headings: the topics of its structural clauses
   (``HEADING_KINDS``: 一、 sections, （一） items, 第一 ordinals, 编/章/节,
   titles and attachments) — seed 002 ``（八）积极促进知识产权对外交流合作`` →
   国际合作, ``（一）加强组织领导`` → 组织保障;
3. the themes of a substantial share of its clauses: at least
   ``doc_threshold(n)`` of its ``n`` clauses with text (10 %, at least 2);
4. if none of these, the themes of the most clauses (ties kept), so a
   document tagged anywhere has a theme.

Both lists follow the vocabulary order.  Measured before/after: README of
issue 14's report (seeds, govcn2019, a lawrefbook sample).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Optional

from ..clauses.clauseids import kinds_where
from ..models import Notice
from ..vocabulary import Theme, VocabularyError, load_vocabulary

# the vocabulary lives in build_tools/vocabulary.py; its names are re-exported here
__all__ = ["Theme", "VocabularyError", "clause_themes", "doc_threshold", "find_themes", "load_vocabulary", "retag",
           "strip_org_lists", "tag_clauses", "topic"]


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


TOPIC_CHARS = 40  # a first sentence this short is a heading (run-in or on its own line)
MENTIONS = 2  # keyword occurrences that make a longer clause about a theme
DOC_SHARE = 0.10  # share of a document's clauses that makes a theme the document's
HEADING_KINDS = kinds_where("theme_heading")  # clauseids.KINDS
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")


def doc_threshold(n_clauses: int) -> int:
    """Clauses a theme needs to become a document theme by share (rule 3)."""
    return max(2, math.ceil(DOC_SHARE * n_clauses))


def topic(text: str) -> str:
    """The first sentence of ``text`` if it is a heading (at most
    TOPIC_CHARS characters), else ''."""
    first = _SENTENCE_END.split(text.strip(), 1)[0]
    return first if len(first) <= TOPIC_CHARS else ""


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

    def mentions(self, text: str) -> Counter:
        """theme index -> keyword occurrences in ``text``."""
        out: Counter = Counter()
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


def clause_themes(matcher: "_Matcher", text: str) -> tuple[set[int], set[int]]:
    """(themes the clause is about, themes of its topic) by the clause rule."""
    if not text:
        return set(), set()
    text = strip_org_lists(text)
    head = topic(text)
    in_topic = matcher.themes(head) if head else set()
    body = text.strip().rstrip("。；;！!？?")
    whole = len(body) <= TOPIC_CHARS and not _SENTENCE_END.search(body)  # one short sentence (rule 3)
    about = {i for i, k in matcher.mentions(text).items() if i in in_topic or k >= MENTIONS or whole}
    return about, in_topic


def find_themes(notice: Notice, vocab: Optional[list[Theme]] = None) -> tuple[list[list[str]], list[str]]:
    """The themes (slugs) of every clause, in walk order, and of the document,
    by the clause and document rules of the module docstring; ``notice`` is
    only read (issue 24: the enrich stage hands on new records)."""
    vocab = vocab if vocab is not None else load_vocabulary()
    matcher = _matcher(vocab)
    counts: Counter = Counter()
    headings: set[int] = set()
    per_clause: list[list[str]] = []
    n = 0
    for clause in notice.walk():
        about, in_topic = clause_themes(matcher, clause.text)
        if clause.text.strip():
            n += 1
        if clause.kind in HEADING_KINDS:
            headings |= in_topic
        counts.update(about)
        per_clause.append([vocab[i].slug for i in sorted(about)])
    need = doc_threshold(n)
    doc = matcher.themes(strip_org_lists(notice.title)) | headings | {i for i, k in counts.items() if k >= need}
    if not doc and counts:
        top = max(counts.values())
        doc = {i for i, k in counts.items() if k == top}
    return per_clause, [vocab[i].slug for i in sorted(doc)]


def retag(notice: Notice, vocab: Optional[list[Theme]] = None) -> Notice:
    """A new record: ``notice`` with its clause and document themes found again
    (``find_themes``, e.g. with another vocabulary); ``notice`` is left as it is."""
    per_clause, doc = find_themes(notice, vocab)
    return notice.with_facts(themes=doc, clause_themes=per_clause,
                             themed_ids=[c.id for c, t in zip(notice.walk(), per_clause) if t])


def tag_clauses(notice: Notice, vocab: Optional[list[Theme]] = None) -> None:
    """Set ``clause.themes`` on every clause and ``notice.themes`` (``find_themes``),
    on a record still being made (a frozen one refuses: use ``find_themes``)."""
    per_clause, doc = find_themes(notice, vocab)
    for clause, themes in zip(notice.walk(), per_clause):
        clause.themes = themes
    notice.themes = doc
