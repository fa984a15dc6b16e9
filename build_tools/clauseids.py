"""The clause id grammar: every id part, declared once, written and read here.

A clause id is its scope's id and its own part joined by ``-`` (Laws.Africa's
Bluebell builds its eIds the same way, in one pass over the finished tree:
``structure.assign_ids``).  The parts (``PARTS``), with the documents each was
first seen in:

* ``s2`` a numbered clause at the top of the document, an attachment or a law
  unit (every seed: 二、 -> ``s2``); ``2`` one under another numbered clause
  (``s2-3``, seed 001's （三） under 二); ``i3`` an item under an article, a 款
  or a decimal clause (``art-82-i3``, ``d1-4-i1`` govcn-041);
* ``p2`` an unnumbered line, or an article's second 款 (``s2-p1``, ``art-82-p2``);
* ``art-82`` / ``art-82-1`` (第八十二条之一), ``part-1`` (编/部分), ``sub-1``
  (分编), ``ch-3``, ``sec-2`` (节), ``d1-2-1`` (decimal 1.2.1, govcn-041 and
  人体损伤程度鉴定标准), ``att1`` (附件1), ``title`` (the forwarded title of a
  转发 wrapper, seed 002), ``doc-title`` (a leading line repeating the title);
* a repeated id gets ``-b``, ``-c`` … (``DUPLICATES``).

Readers of ids (references, alignment, renumber, memo) use ``article_id``,
``parse_article``, ``article_base``, ``fallbacks`` and ``order_key`` rather
than patterns of their own.  Published ids are permanent
(``source_texts/anchors.lock``): a part here never changes its spelling.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple, Optional

__all__ = ["PARTS", "DUPLICATES", "part", "join", "article_id", "parse_article", "article_base", "fallbacks",
           "order_key", "ArticleId", "ARTICLE"]

PARTS: dict[str, str] = {
    "section": "s{n}",
    "number": "{n}",
    "item": "i{n}",
    "paragraph": "p{n}",
    "article": "art-{n}",
    "article-sub": "art-{n}-{sub}",
    "part": "part-{n}",
    "subpart": "sub-{n}",
    "chapter": "ch-{n}",
    "subchapter": "sec-{n}",
    "decimal": "d{path}",
    "attachment": "att{n}",
    "title": "title",
    "doc-title": "doc-title",
}
DUPLICATES = "bcdefghijklmnopqrstuvwxyz"

ARTICLE = re.compile(r"^art-(\d+)(?:-(\d+))?(?:-p(\d+))?(?:-i(\d+))?$")
_TOKEN = re.compile(r"\d+|[^\d-]+")
_BASE = re.compile(r"^(art-\d+(?:-\d+)?)((?:-[pi]\d+)*)$")


class ArticleId(NamedTuple):
    """``art-82-1-p2-i3``: article 82, 之一, 第二款, 第（三）项 (0: absent)."""

    article: int
    sub: int = 0
    para: int = 0
    item: int = 0


@lru_cache(maxsize=8192)  # the same few parts (s1, p2, art-3 …) over and over
def part(name: str, n: int = 0, sub: int = 0, path: tuple[int, ...] = ()) -> str:
    """One id part (``PARTS[name]``): ``part("section", 2)`` -> ``s2``,
    ``part("article", 10, sub=1)`` -> ``art-10-1``, ``part("decimal", path=(1, 2))`` -> ``d1-2``."""
    if name == "article" and sub:
        name = "article-sub"
    return PARTS[name].format(n=n, sub=sub, path="-".join(map(str, path)))


def join(scope: str, own: str) -> str:
    """A clause's id from its scope's id ("" at the top) and its own part."""
    return f"{scope}-{own}" if scope else own


def article_id(article: int, sub: int = 0, para: int = 0, item: int = 0) -> str:
    """``art-82``, ``art-82-1``, ``art-82-p2`` (para 1 is the article itself:
    give 0), ``art-82-i3``, ``art-82-p2-i3``."""
    cid = part("article", article, sub=sub)
    if para:
        cid = join(cid, part("paragraph", para))
    if item:
        cid = join(cid, part("item", item))
    return cid


def parse_article(cid: str) -> Optional[ArticleId]:
    """``art-82-1-p2-i3`` -> ArticleId(82, 1, 2, 3); None for any other id."""
    m = ARTICLE.match(cid or "")
    return ArticleId(*(int(g) if g else 0 for g in m.groups())) if m else None


def article_base(cid: str) -> Optional[tuple[str, str]]:
    """(the article's id, the rest): ``art-65-p1`` -> (``art-65``, ``-p1``); None if not an article's."""
    m = _BASE.match(cid or "")
    return (m.group(1), m.group(2)) if m else None


def fallbacks(cid: str) -> list[str]:
    """``cid`` and its enclosing ids down to the article: ``art-82-p2-i1`` ->
    [``art-82-p2-i1``, ``art-82-p2``, ``art-82``] (a cited 项 the target lacks
    lands on its article)."""
    out = [cid]
    while "-" in cid[4:]:
        cid = cid.rsplit("-", 1)[0]
        out.append(cid)
    return out


def order_key(cid: str) -> list:
    """Sort key in reading order: numbers compared as numbers, also inside a
    part (``s2-10`` after ``s2-9``, ``s10`` after ``s2``)."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in _TOKEN.findall(cid)]
