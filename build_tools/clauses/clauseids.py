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
than patterns of their own; writers of ids from printed numbers use
``article_id``, ``section_id`` (二（三） -> ``s2-3``) and ``attachment_id``
(an attachment file's clauses, ``att1-s2-3``, with ``attachment_label``).
Published ids are permanent (``source_texts/anchors.lock``): a part here never
changes its spelling.

Clause kinds (``Clause.kind``, given by ``structure.py``'s rows and engine) are
declared here too, once, with what each user does with them (``KINDS``): the
page outline (``outline``, ``unit``, ``heading_line``: write/pages.py), the Word
heading level of the DOCX download (``heading_level``: write/downloads.py), the
headings theme matching reads (``theme_heading``: enrich/themes.py) and the
numbered clauses below a notice's section the citation guide picks from
(``notice_sub``: write/cite.py).  A new kind is one row; ``kinds_where(prop)``
is the live view the users read (tests/test_clause_kinds.py).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, NamedTuple, Optional

__all__ = ["PARTS", "DUPLICATES", "part", "join", "article_id", "parse_article", "article_base", "fallbacks",
           "order_key", "ArticleId", "ARTICLE", "section_id", "attachment_id", "attachment_label",
           "ClauseKind", "KINDS", "kind_of", "kinds_where"]

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


def section_id(section: int, item: int = 0) -> str:
    """A notice's numbered clause from its printed numbers: 二 -> ``s2``, 二（三） -> ``s2-3``."""
    cid = part("section", section)
    return join(cid, part("number", item)) if item else cid


def attachment_id(n: int, cid: str) -> str:
    """The id of clause ``cid`` of attachment ``n`` read from its own file: ``att1-s2-3``."""
    return join(part("attachment", n), cid)


def attachment_label(n: int, label: str) -> str:
    """Its label: ``附件1 三（二）`` (``structure.join_label``'s spacing after 附件N)."""
    return f"附件{n} {label}"


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


# ------------------------------------------------------------------ clause kinds


@dataclass(frozen=True)
class ClauseKind:
    """One clause kind and what the renderers and enrichment do with it (the module docstring)."""

    name: str
    outline: str = ""  # "law": an entry of the 编/章/节/条 outline (any document); "notice": of a notice's outline
    unit: str = ""  # the outline's count word for a run of these (12 条); "" = 项
    heading_line: bool = False  # its first line is all heading: the outline shows it uncut
    heading_level: int = 0  # Word heading level in the DOCX download (Heading1 + level - 1); 0: body text
    theme_heading: bool = False  # its first line is a heading for theme matching
    notice_sub: bool = False  # a numbered clause below a notice's section (the citation guide's example)
    seen: str = ""  # what it is, where first seen


def _kinds(*rows: ClauseKind) -> dict[str, ClauseKind]:
    return {k.name: k for k in rows}


KINDS: dict[str, ClauseKind] = _kinds(
    ClauseKind("part", "law", "编", True, 1, True, seen="第一编 / 第一分编 / 第二部分 (民法典, provincial-014)"),
    ClauseKind("chapter", "law", "章", True, 1, True, seen="第一章 (every chaptered law)"),
    ClauseKind("subchapter", "law", "节", True, 2, True, seen="第一节 (著作权法)"),
    ClauseKind("article", "law", "条", seen="第八十二条 / 第八十二条之一 (every law)"),
    ClauseKind("heading", "notice", "", True, 1, True, seen="the forwarded title (seed 002), 【资料背景】 (seed 000)"),
    ClauseKind("attachment", "notice", "", True, 1, True, seen="附件1 (seed 004)"),
    ClauseKind("section", "notice", "", False, 2, True, seen="一、 (every seed)"),
    ClauseKind("item", "notice", "", False, 0, True, True, seen="（一） under 一、 (every seed), a）"),
    ClauseKind("ordinal", "notice", "", False, 0, True, True, seen="第一， (seed 000)"),
    ClauseKind("enum", theme_heading=True, notice_sub=True, seen="一是 (seed 000, govcn-025)"),
    ClauseKind("subitem", notice_sub=True, seen="1. (seed 003)"),
    ClauseKind("point", seen="（1） under （一） (seed 001)"),
    ClauseKind("law-item", seen="项（一） of an article (every law)"),
    ClauseKind("decimal", seen="1.2.1 (govcn-041, 人体损伤程度鉴定标准)"),
    ClauseKind("paragraph", seen="an unnumbered line; an article's 款"),
    ClauseKind("preamble", seen="a line before the first numbered clause"),
    ClauseKind("bullet", seen="⎯⎯ / -- / —— lines (seeds 003, 004)"),
    ClauseKind("wrapper", seen="a 转发/印发 cover note's line (seed 002)"),
)


def kind_of(name: str) -> ClauseKind:
    """The declaration of kind ``name``; an undeclared one has no properties (plain text)."""
    return KINDS.get(name) or ClauseKind(name)


class KindView(Mapping):
    """Live ``{kind: value}`` of the kinds whose ``prop`` is set, read from ``KINDS`` on every
    use (a kind declared later is seen): ``c.kind in view``, ``view[c.kind]``, ``set(view)``."""

    def __init__(self, prop: str):
        self.prop = prop

    def __getitem__(self, name: str) -> Any:
        value = getattr(KINDS[name], self.prop) if name in KINDS else None
        if not value:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, v in KINDS.items() if getattr(v, self.prop)])

    def __len__(self) -> int:
        return sum(1 for v in KINDS.values() if getattr(v, self.prop))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in KINDS and bool(getattr(KINDS[name], self.prop))

    def __repr__(self) -> str:
        return f"KindView({self.prop!r}: {dict(self)!r})"


def kinds_where(prop: str) -> KindView:
    """The kinds with ``prop`` set (a ``ClauseKind`` field), as a live mapping to its value."""
    if prop not in ClauseKind.__dataclass_fields__:
        raise AttributeError(f"ClauseKind has no property {prop!r}")
    return KindView(prop)
