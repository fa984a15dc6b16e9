"""Clause structure: a normalised body -> a tree of models.Clause.

Input: ``Notice.body`` (lines joined by "\\n", stripped, no blank lines,
full-width CJK punctuation, half-width digits).  Output:
``StructureResult(clauses, warnings)``; ``warnings`` are
``(body_line, 中文说明)`` with 1-based body line numbers.

How it works: every line form that opens a clause is one declared
``MarkerStyle`` row in ``STYLES`` (below, "MARKER STYLES" — the one place to
edit for a new form, or ``register`` a row): its pattern, how it nests
(``nest`` — ``rank``: under the law units it names; ``sequence``: by
expected-next-number; ``path``: under the clause whose printed number is its
prefix), the frame it opens, which rows it continues, its id part and scope,
its label and kind rules and its flags (``new_level``, ``decimal_parent``,
``body_start``, ``listing``).  Every kind a row or the engine gives is declared,
with what the renderers do with it, in ``clauseids.KINDS``.  One placement engine (``_Engine``) classifies
each line by the first row (in priority order) whose pattern and guards
accept it, and places it by the row's nesting rule, in the manner of
Python-Markdown's registered block processors; it reads row attributes and
never a row's name.  Unnumbered lines, attachments, 转发/印发 cover notes, a
leading title line and tables of contents are document-level forms handled
by the engine itself.  Placement records each clause's id part and scope
(``Slot``); once the tree is finished — labels given, inline 一是 split —
``assign_ids`` gives every id in one pass from ``clauseids``' grammar, as
Laws.Africa's Bluebell does.

Real forms handled (all seen in the seeds, govcn2019, provincial or lawrefbook):

* notice numbering ``一、`` / ``四.`` / ``四．`` > ``（一）`` > ``1.`` ``1．``
  ``1、`` > ``（1）``; ordinal paragraphs ``第一，`` ``第一、`` (seed 000; also
  after a short lead-in: ``重点内容：第一，…``); enumerations ``一是…二是…``
  at the start of lines or inline in a paragraph (seed 000, govcn-025,
  govcn-049; split when they start at 一是 and increase), also in the
  paragraphs of a cover note; ``⎯⎯⎯`` (seed 004) / ``--`` (seed 003) /
  ``——`` bullets; ``【资料背景】`` headings (seed 000);
* mixed styles read as the author meant, by *expected-next-number*: seed 001
  numbers items ``(1) (二) (3) … (十六)`` continuously across sections and
  writes sections as ``二是推进…`` / ``四.提高…``; a number that continues an
  open sequence wins over opening a new level, and a new level may start at
  the number that continues the same level of the previous section;
* decimal numbering ``1 总则`` / ``1.1 编制目的及依据`` / ``1.2.1 国家级…``
  (govcn-041, 国家粮食应急预案, after its table of contents) and ``5.1　颅脑、
  脊髓`` / ``5.1.1 重伤一级`` (lawrefbook 其他/人体损伤程度鉴定标准, whose
  ``5`` headings the source dropped): a number followed by a space, only in
  a document with at least two ``a.b`` lines (so ``1．1—苯基—2—丙酮``, a
  chemical name in 易制毒化学品管理条例, stays text); ``a.b`` nests under the
  open ``a`` (a decimal ``a`` or a section ``一、`` numbered a), ``a.b.c``
  under ``a.b``; in the same documents ``a）`` ``b）`` items (人体损伤程度鉴定标准
  ``5.1.1 重伤一级`` > ``a）植物生存状态。``);
* attachments ``附件`` / ``附件1`` / ``附件：标题`` (a titled 附件 line only
  starts an attachment when its title follows, or when an attachment has
  already started; otherwise it is a listing paragraph, as are ``2.标题``
  lines continuing a ``附件：1.标题`` listing, seed 004, provincial-009);
  ``附件1：标题`` with its number and title on one line followed by body text
  and later ``附件2…`` starts attachment 1;
* 转发/印发 wrappers (seed 002, seed 003, govcn-041): the cover-note lines
  become top-level ``p1…`` (kind "wrapper"), numbered lines inside a cover
  note (``一是…`` / ``1.…`` / ``（一）…`` after a plain line) are items of the
  line before them, the forwarded title line is clause ``title`` (kind
  "heading"), the paragraphs before its first numbered clause are
  ``title-p1…``, and the forwarded document's numbering stays at top level
  (``s2-3``);
* laws: ``第X编`` / ``第X分编`` / ``第X部分`` / ``第X章`` / ``第X节``, articles
  ``第X条`` and ``第X条之一``, 款 (every further line of an article), 项
  ``（一）`` (also inside a 款); lines opening with a quotation mark are text;
  a run of 章/节 headings repeated later is a table of contents (text);
* tables of contents: the lines after ``目录`` up to the repetition of its
  first entry (provincial-014, entries 第一部分 / 一、 mixed; govcn-041), and
  runs of 章/节/编 or decimal headings whose first heading comes again later.

Ids (ASCII, from printed numbers, unique in the document; published ids are
permanent — ``source_texts/anchors.lock`` and tests/test_structure.py hold
them; the parts are declared in ``clauseids.PARTS``):

* ``s2``, ``s2-3``, ``s2-3-1``, ``s2-3-1-2``; an ordinal or 一是 one level
  down: ``s2-1``, ``s2-1-1``; unnumbered lines ``p1`` / ``s2-p1``;
* decimal numbers: ``d`` and the printed path, wherever the clause nests
  (``1.2.1`` -> ``d1-2-1``, ``5.1`` -> ``d5-1``; inside an attachment
  ``att1-d5-1``), so they never meet an ``s…`` id; items under a decimal
  clause take ``-i``: ``（1）`` under ``1.4`` -> ``d1-4-i1``, ``a）`` under
  ``5.1.1`` -> ``d5-1-1-i1``;
* attachments ``att1``, ``att1-s2-3``, ``att1-p1``; wrapper title ``title``,
  ``title-p1``; a leading line repeating the document title: ``doc-title``;
  items inside a cover-note line ``p2-1``;
* ``part-1``, ``ch-3`` (``part-2-ch-1`` inside a 编), ``ch-3-sec-2``,
  ``part-3-sub-1`` (分编); ``art-82``, ``art-82-1`` (之一), ``art-82-p2``
  (second 款), ``art-82-i3`` (项（三）; ``i`` keeps it apart from 之三),
  ``art-82-p2-i3`` (项 of the second 款); inside an attachment ``att1-art-5``;
* a repeated printed number gets ``-b``, ``-c`` … and a warning.

Labels (how a person cites the clause; not part of the lock, so they may
improve): the printed markers joined as written — ``二（三）``,
``一（二）1``, ``二、第四，二是``, ``附件1 三（二）``, ``1.2.1``; laws
``第八十二条第二款``, ``第二条第（一）项`` (``第二条第一款第（一）项`` when the
article has several 款), ``第一章第二节``; unnumbered lines ``第二段`` after
their clause (``二（三）第二段``), the lines before the first numbered clause
``前言`` (``前言第二段``); the lines of a cover note and the closing lines
by their GB/T 9704 element: ``发文字号`` (国办函〔2005〕57号, govcn-041),
``主送机关``, ``发文机关署名``, ``成文日期``, ``附注`` (（此件公开发布）),
``附件说明``, ``抄送机关``, the rest ``通知正文`` (the cover note's own type
from the title: 通知/函/决定…), ``正文标题``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Optional

from ..docnumber import normalise_doc_number
from ..models import Clause
from . import clauseids as ids
from ..numerals import cn_int, int_cn as numeral

int_cn = lru_cache(maxsize=4096)(numeral)  # 第二段, 第三款: the same few numbers over and over

__all__ = [
    "StructureResult", "ConservationError", "MarkerStyle", "STYLES", "parse_structure", "conserves",
    "conservation_error", "classify",
]

CN = "零〇一二三四五六七八九十百千两"
QUOTES = ("“", "‘", "「", "『", '"')
SENT_PUNCT = re.compile(r"[。；;]")
HEAD_PUNCT = re.compile(r"[。；;，,：:]")
INLINE_BEFORE = set("。；！？：，;:!?")
ART_REF_NEXT = tuple("，、的第至和或及款项") + ("规定", "之规", "所称", "所列", "所指", "所规", "中的", "中规", "中“")
RE_LEADIN = re.compile(r"^([^，。；：:]{1,12}[：:])(?=第一[，、,])")
RE_ATT = re.compile(r"^附件\s*(\d*)\s*([：:]?)\s*(.*)$")
RE_BULLET = re.compile(r"^(⎯+|-{2,}|—+|－{2,}|[•●■◆▪·])")
RE_BRACKET_HEAD = re.compile(r"^【[^】]{1,20}】$")
RE_INLINE_SHI = re.compile(r"([一二三四五六七八九十]{1,2})是")
RE_DEC_LINE = re.compile(r"^\d{1,2}[.．]\d{1,2}(?:[.．]\d{1,2})*[ 　\t]")
RE_DATE = re.compile(rf"^(?:\d{{4}}|[{CN}○]{{4}})\s*年\s*(?:\d{{1,2}}|[{CN}]{{1,3}})\s*月"
                     rf"\s*(?:\d{{1,2}}|[{CN}]{{1,3}})\s*日$")
RE_NOTE = re.compile(r"^[（(]此件[^）)]{0,12}[）)]$")
RE_ADDRESSEE = re.compile(r"^[^。；;]{2,80}[：:]$")
RE_SEAL = re.compile(r"[（(][^（）()]{2,30}代章[）)]")
RE_FILE = re.compile(r"\.(?:docx?|xlsx?|pdf|wps|zip|rar|ofd)$", re.I)  # an attached file's name (provincial-019)
RE_WRAPPER_TYPE = re.compile(r"的(通知|决定|函|批复|通报|公告|通告)$")


@dataclass
class StructureResult:
    """What parse_structure returns: the clause tree and (line, 中文) warnings."""

    clauses: list[Clause]
    warnings: list[tuple[int, str]] = field(default_factory=list)

    def walk(self):
        for c in self.clauses:
            yield from c.walk()


def strip_ws(s: str) -> str:
    return re.sub(r"\s+", "", s)


def norm_title(s: str) -> str:
    s = strip_ws(s).strip("《》")
    s = s.replace("(", "（").replace(")", "）").replace("—", "-").replace("–", "-").replace("－", "-")
    return s.replace("《", "").replace("》", "")


def heading_like(s: str, limit: int = 40) -> bool:
    return len(s) <= limit and not SENT_PUNCT.search(s)


def title_like(s: str) -> bool:
    return len(s) <= 50 and not HEAD_PUNCT.search(s) and not s.startswith(QUOTES)


# ---------------------------------------------------------------- records

@dataclass(eq=False)
class Marker:
    """A numbering marker at the start of a line, as one style read it."""

    n: int
    printed: str  # numeral as printed: 三 / 3 / 5.1.2
    weak: bool = False  # only accepted where it continues a sequence (or is 1)
    heading: bool = False  # short heading-like line (二是推进… as a section)
    sub: int = 0  # 之一 -> 1
    sub_printed: str = ""
    path: tuple[int, ...] = ()  # decimal numbers: (5, 1, 2)
    style: Optional["MarkerStyle"] = None  # the row that read it (set by classify)


@dataclass(eq=False)
class Frame:
    """An open clause on the engine's stack."""

    clause: Optional[Clause]  # None: the document root
    ctx: str  # the engine's root att title cover kuan, or the opening row's ``frame`` (num dec art part …)
    style: Optional["MarkerStyle"] = None  # the row that opened it
    last: int = 0
    label_prefix: str = ""  # what children's labels start with
    pcount: int = 0  # unnumbered children so far
    path: tuple[int, ...] = ()
    items: str = "section"  # id part of a numbered child (clauseids.PARTS): section / number / item


@dataclass(eq=False, slots=True)
class Slot:
    """Where a clause's id comes from (``assign_ids`` reads it once the tree is finished)."""

    own: str  # its own id part: s3, 3, i2, p4, art-5, ch-2, d1-2, att1 …
    scope: Optional[tuple[str, ...]]  # None: its parent's id; else the nearest ancestor opened as one of these
    frame: str  # the frame it opened (att, part, chapter …; "" for a line that opens none)
    warn: str  # its name in a duplicate-id warning
    line: int
    para: int = 0  # K of an unnumbered line or 款 (its id part is pK)


@dataclass(eq=False)
class Place:
    """What a label or kind rule sees: the engine, the parent frame, the marker."""

    engine: "_Engine"
    parent: Frame
    marker: Marker
    text: str

    def nearest(self, ctx: str) -> Optional[Frame]:
        return next((f for f in reversed(self.engine.stack) if f.ctx == ctx), None)

    @property
    def in_article(self) -> bool:
        return self.parent.ctx in ("art", "kuan") or (self.parent.ctx == "num" and self.engine.in_article())


@dataclass(frozen=True)
class MarkerStyle:
    """One line form that opens a clause: one row of the marker table (see
    the module docstring); the engine reads only these attributes.

    ``nest``: "rank" (pops to the innermost open frame whose kind is in
    ``under``: law units and articles), "sequence" (continues the open or
    closed sequence expecting this number, else opens a level under the
    innermost clause) or "path" (decimal numbers, under the open clause whose
    printed number is the prefix).  ``frame``: the kind of frame it opens
    ("num" for sequences, "dec" for paths; "art" has 款 below it).
    ``group``: styles of one group continue each other's sequence (（1） after
    （一）).  ``continues``: rows whose open sequence this one continues when
    the line is a heading (二是推进… after 一、).  ``label`` / ``kind``: rules
    of a Place.  Ids: ``ident`` names its own id part in
    ``clauseids.PARTS`` ("" = the part its parent frame gives numbered
    children, its ``items``: s3 / 3 / i3), ``id_scope`` whose id it extends
    (None: its parent's; a tuple: the nearest ancestor frame of those kinds,
    else the attachment or document).
    """

    name: str
    pattern: re.Pattern
    nest: str
    label: Callable[[Place], str]
    kind: Callable[[Place], str]
    number: Callable[[re.Match], Marker]
    frame: str = "num"
    ident: str = ""
    id_scope: Optional[tuple[str, ...]] = None
    items: str = "number"  # id part of the numbered clauses under it
    group: str = ""
    under: frozenset = frozenset()
    continues: tuple[str, ...] = ()
    accept: Callable[[str, re.Match], bool] = lambda text, m: True
    toc: bool = False  # may form a table of contents
    gate: Optional[re.Pattern] = None  # active only in a document with ≥2 lines matching this
    starts: str = ""  # the characters a matching line can start with (a fast pre-check; "" = any)
    child_kind: str = ""  # kind of the sequence items right under it ("" = item)
    new_level: bool = True  # may open a new level at a number other than 1 (一是 may not)
    decimal_parent: bool = False  # a decimal a.b nests under it when it is numbered a (一、 > 1.1)
    body_start: bool = False  # ends a 转发/印发 cover note: the forwarded text has begun
    listing: bool = False  # continues an 附件：1.… listing (2.标题)


# ------------------------------------------------------- label and kind rules

def seq_label(piece: Callable[[Marker], str]) -> Callable[[Place], str]:
    def rule(p: Place) -> str:
        pc = piece(p.marker)
        if p.parent.ctx in ("art", "kuan"):  # 项 of an article or 款: 第二条第（一）项, 第十二条第二项
            return f"{p.parent.label_prefix}第{pc.rstrip('.')}项"
        if p.parent.ctx == "num" and p.in_article and p.parent.label_prefix.endswith("项"):  # 目 under a 项
            return f"{p.parent.label_prefix}第{pc}目"
        return join_label(p.parent.label_prefix, pc)
    return rule


def item_kind(p: Place) -> str:
    if p.in_article:
        return "law-item"
    return (p.parent.style.child_kind if p.parent.ctx == "num" else "") or "item"


def join_label(prefix: str, piece: str) -> str:
    """Join cited pieces as a person writes them: ``二（三）``, ``二（三）第二段``,
    ``二、第四``, ``第四，二是``, ``一（二）1 第二段``, ``附件1 三（二）``."""
    if not prefix:
        return piece
    if piece.startswith("（") or prefix.endswith("）"):
        return prefix + piece
    if re.search(r"附件\d*$", prefix) or prefix[-1].isdigit() or (piece.isdigit() and prefix[-1] not in CN):
        return f"{prefix} {piece}"
    if prefix.endswith(("条", "款", "项", "章", "节", "编", "部分")):
        return prefix + piece
    if re.fullmatch(rf"[{CN}]是", piece[-2:]) and len(piece) <= 3:
        return f"{prefix}，{piece}"
    if prefix[-1] in CN:
        return f"{prefix}、{piece}"
    return prefix + piece


def under_label(ctx: str, own: str) -> Callable[[Place], str]:
    """A law unit's label after the label of the nearest open ``ctx`` frame (第一编第一分编)."""
    def rule(p: Place) -> str:
        f = p.nearest(ctx)
        return f"{f.label_prefix if f else ''}{own.format(p.marker.printed)}"
    return rule


def part_label(p: Place) -> str:
    m = p.marker
    return f"第{m.printed}{'部分' if p.text[len(m.printed) + 1:].startswith('部分') else '编'}"


def base_label(p: Place) -> str:
    """A decimal number after its attachment's label (``附件1 5.1``)."""
    return join_label(p.engine.base(p.parent).label_prefix, p.marker.printed)


def article_marker(m: re.Match) -> Marker:
    # the reader drops the space after 第X条, so a sentence that merely starts
    # with a reference (第十条规定的…, 第二条、第三条…) is "weak": accepted only
    # where it continues the article sequence
    text = m.string
    after = text[m.end():m.end() + 2]
    weak = bool(m.group(2)) or after.startswith(ART_REF_NEXT) or (after[:1] == "之" and not m.group(3))
    return Marker(cn_int(m.group(1)), m.group(1), weak=weak,
                  sub=cn_int(m.group(3)) if m.group(3) else 0, sub_printed=m.group(3) or "")


def cn_marker(m: re.Match) -> Marker:
    return Marker(cn_int(m.group(1)), m.group(1))


def ar_marker(m: re.Match) -> Marker:
    return Marker(int(m.group(1)), m.group(1))


def shi_marker(m: re.Match) -> Marker:
    text = m.string
    return Marker(cn_int(m.group(1)), m.group(1), heading=heading_like(text, 30) and "，" not in text)


def decimal_marker(m: re.Match) -> Marker:
    path = tuple(int(x) for x in re.split(r"[.．]", m.group(1)))
    return Marker(path[-1], ".".join(map(str, path)), path=path)


def law_heading(text: str, m: re.Match) -> bool:
    return heading_like(text) and not HEAD_PUNCT.search(text)


def dec_heading(text: str, m: re.Match) -> bool:
    rest = text[m.end():]
    return len(rest) <= 20 and not HEAD_PUNCT.search(rest) and not rest[:1].isdigit()


LAW_UNITS = ("root", "att", "part", "subpart", "chapter", "subchapter")
DIGITS = "0123456789"
CN_DIGITS = "一二三四五六七八九十百"


def _registry(*styles: MarkerStyle) -> dict[str, MarkerStyle]:
    return {s.name: s for s in styles}


def _law_unit(name: str, pattern: str, kind: str, under: tuple[str, ...], label: Callable[[Place], str],
              id_scope: tuple[str, ...] = ()) -> MarkerStyle:
    return MarkerStyle(name, re.compile(pattern), "rank", label=label, kind=lambda p: kind, number=cn_marker,
                       frame=name, ident=name, id_scope=id_scope, items="section", under=frozenset(under),
                       accept=law_heading, toc=True, starts="第")


# ============================================================ MARKER STYLES
# The one place to edit for a new line form: add one MarkerStyle here (or
# ``register`` it).  The order is the priority: the first style whose pattern
# and ``accept`` take a line wins (第X条 before 第X章 before 第一，; （一）
# before （1）; 一、 before 一是).
STYLES: dict[str, MarkerStyle] = _registry(
    # laws: 第八十二条 / 第八十二条之一 (every lawrefbook law)
    MarkerStyle("art", re.compile(rf"^第([{CN}]+|\d+)(\s?)条(?:之([{CN}]+))?"), "rank",
                label=lambda p: f"第{p.marker.printed}条" + (f"之{p.marker.sub_printed}" if p.marker.sub else ""),
                kind=lambda p: "article", number=article_marker, frame="art", ident="article", id_scope=(),
                items="item", under=frozenset(LAW_UNITS), starts="第", body_start=True),
    # 第一编 / 第二部分 (民法典; provincial-014), 第一分编 (民法典), 第一章, 第一节 (著作权法)
    replace(_law_unit("part", rf"^第([{CN}]+)(?:编|部分)", "part", ("root", "att"), part_label), body_start=True),
    _law_unit("subpart", rf"^第([{CN}]+)分编", "part", ("root", "att", "part"), under_label("part", "第{}分编"),
              id_scope=("part",)),
    replace(_law_unit("chapter", rf"^第([{CN}]+)章", "chapter", ("root", "att", "part", "subpart"),
                      lambda p: f"第{p.marker.printed}章", id_scope=("part",)), body_start=True),
    _law_unit("subchapter", rf"^第([{CN}]+)节", "subchapter", ("root", "att", "part", "subpart", "chapter"),
              lambda p: f"{f.clause.label if (f := p.nearest('chapter')) else ''}第{p.marker.printed}节",
              id_scope=("chapter",)),
    # 第一，/ 第一、(seed 000)
    MarkerStyle("ord", re.compile(r"^第([一二三四五六七八九十]+)[，、,：:]"), "sequence",
                label=seq_label(lambda m: f"第{m.printed}"), kind=lambda p: "ordinal",
                number=cn_marker, group="ord", starts="第"),
    # （一） (every seed), （1） (seed 001, govcn-041)
    MarkerStyle("pcn", re.compile(r"^[（(]\s*([一二三四五六七八九十百]+)\s*[）)]\s*"), "sequence",
                label=seq_label(lambda m: f"（{m.printed}）"), kind=item_kind, number=cn_marker,
                group="paren", starts="（(", child_kind="point", body_start=True),
    MarkerStyle("par", re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]\s*"), "sequence",
                label=seq_label(lambda m: f"（{m.printed}）"), kind=item_kind, number=ar_marker,
                group="paren", starts="（(", child_kind="point"),
    # 5.1 / 5.1.2 / 1.2.1 (人体损伤程度鉴定标准, govcn-041) before 1. (seed 003)
    MarkerStyle("dec", re.compile(r"^(\d{1,2}(?:[.．]\d{1,2})+)(?=[ 　\t])"), "path", label=base_label,
                kind=lambda p: "decimal", number=decimal_marker, frame="dec", ident="decimal", id_scope=(),
                items="item", toc=True, gate=RE_DEC_LINE, starts=DIGITS),
    # 1 总则 (govcn-041): a decimal heading's top level, in the same documents only
    MarkerStyle("dec1", re.compile(r"^(\d{1,2})[ 　]+(?=[^\s.．、\d])"), "path", label=base_label,
                kind=lambda p: "decimal", number=decimal_marker, frame="dec", ident="decimal", id_scope=(),
                items="item", accept=dec_heading, toc=True, gate=RE_DEC_LINE, starts=DIGITS),
    # a）b） items, in the same documents (人体损伤程度鉴定标准: 5.1.1 重伤一级 > a）植物生存状态。)
    MarkerStyle("alpha", re.compile(r"^([a-z])[)）]"), "sequence",
                label=seq_label(lambda m: f"{m.printed}）"), kind=lambda p: "item",
                number=lambda m: Marker(ord(m.group(1)) - 96, m.group(1)),
                group="alpha", gate=RE_DEC_LINE, starts="abcdefghijklmnopqrstuvwxyz"),
    MarkerStyle("ar", re.compile(r"^(\d{1,3})\s*[.．、](?![\d.．])\s*"), "sequence",
                label=seq_label(lambda m: m.printed), kind=lambda p: "subitem", number=ar_marker, group="ar",
                starts=DIGITS, child_kind="point", listing=True),
    # 一、/ 四. / 四．(seed 001)
    MarkerStyle("cn", re.compile(r"^([一二三四五六七八九十百]+)\s*[、．.]\s*"), "sequence",
                label=seq_label(lambda m: m.printed), kind=lambda p: "section", number=cn_marker, group="top",
                starts=CN_DIGITS, decimal_parent=True, body_start=True),
    # 一是 (seed 000; 二是推进… as a section heading in seed 001)
    MarkerStyle("shi", re.compile(r"^([一二三四五六七八九十]+)是"), "sequence",
                label=seq_label(lambda m: f"{m.printed}是"), kind=lambda p: "enum", number=shi_marker,
                group="shi", continues=("cn",), starts=CN_DIGITS, new_level=False),
)
# ======================================================================


def register(style: MarkerStyle, before: Optional[str] = None) -> None:
    """Add a row to the marker table (before the row named ``before``, else last)."""
    names = [name for name in STYLES if name != style.name]
    at = names.index(before) if before in names else len(names)
    rows = [STYLES.get(name) for name in names]
    rows.insert(at, style)
    STYLES.clear()
    STYLES.update((s.name, s) for s in rows)
    styles_for.cache_clear()


def unregister(name: str) -> None:
    """Take a row out of the marker table."""
    STYLES.pop(name, None)
    styles_for.cache_clear()


@lru_cache(maxsize=None)
def styles_for(first: str) -> tuple[MarkerStyle, ...]:
    """The styles, in priority order, that a line starting with ``first`` may match."""
    return tuple(st for st in STYLES.values() if not st.starts or first in st.starts)


def classify(text: str, active: Optional[set[str]] = None) -> Optional[Marker]:
    """The numbering marker a line starts with, if any (styles in priority
    order; ``active``: the gated styles this document enables)."""
    if not text or text.startswith(QUOTES):
        return None
    for st in styles_for(text[0]):
        if st.gate is not None and (active is None or st.name not in active):
            continue
        m = st.pattern.match(text)
        if m and st.accept(text, m):
            mk = st.number(m)
            mk.style = st
            return mk
    return None


def listing_item(text: str) -> bool:
    """Does the line continue an 附件：1.… listing (a row with ``listing``)?"""
    return any(st.listing and st.pattern.match(text) for st in STYLES.values())


def role_of(text: str, following: list[str]) -> Optional[str]:
    """The GB/T 9704 element an unnumbered top-level line is (发文字号, 成文日期,
    附注, 附件说明, 抄送机关, 发文机关署名), or None for body text (主送机关
    is decided by position, in label_lines).
    ``following``: the next lines (a 署名 is a short line before a date)."""
    t = strip_ws(text)
    if RE_DATE.match(t):
        return "成文日期"
    if RE_NOTE.match(t):
        return "附注"
    if t.startswith("抄送"):
        return "抄送机关"
    if RE_ATT.match(t) and t[2:3] in ("：", ":") or re.match(r"^附件\d+[：:]", t):
        return "附件说明"
    if len(t) <= 30 and not HEAD_PUNCT.search(t) and normalise_doc_number(t) and re.search(r"\d号$", t):
        return "发文字号"
    nxt = [strip_ws(x) for x in following[:2]]
    if RE_SEAL.fullmatch(t):
        return "发文机关署名"
    if len(t) <= 30 and not HEAD_PUNCT.search(t) and not t.startswith("（") and not t[0].isdigit() \
            and not RE_FILE.search(t) and nxt and (
                RE_DATE.match(nxt[0]) or (RE_SEAL.fullmatch(nxt[0]) and len(nxt) > 1 and RE_DATE.match(nxt[1]))):
        return "发文机关署名"  # the organ line right above the date (or above its 代章 line, seed 004)
    return None


# ------------------------------------------------------------------ engine

class _Engine:
    """The one placement engine: lines in, clause tree out."""

    def __init__(self, body: str, kind: str, title: Optional[str]):
        self.kind = kind
        self.title = title or ""
        self.lines = body.split("\n")
        self.top: list[Clause] = []
        self.root = Frame(None, "root")
        self.stack: list[Frame] = [self.root]
        self.slots: dict[int, Slot] = {}  # id(clause) -> where its id comes from (assign_ids)
        self.warnings: list[tuple[int, str]] = []
        self.closed: dict[tuple, int] = {}  # (base id, depth, group) -> last number of a closed level
        self.att_count = 0
        self.article_last = 0
        self.seen_structure = False
        self.listing = False  # inside an 附件：1.… listing
        self.active = {s.name for s in STYLES.values()
                       if s.gate is not None and sum(1 for ln in self.lines if s.gate.match(ln.strip())) >= 2}
        self.cover_type = (RE_WRAPPER_TYPE.search(self.title).group(1)
                           if RE_WRAPPER_TYPE.search(self.title) else "通知")

    # -- tree helpers -------------------------------------------------
    def new(self, slot: Slot, label: str, level: int, kind: str, text: str, number: Optional[int],
            line: Optional[int]) -> Clause:
        """A clause without its id yet (``assign_ids`` gives it from ``slot``)."""
        c = Clause("", label, level, kind, text, number, line)
        self.slots[id(c)] = slot
        return c

    def assign_ids(self) -> None:
        """Every id in one pass over the finished tree, from the slots
        (clauseids grammar): scope id + own part, a repeat getting -b, -c …"""
        used: set[str] = set()
        slots, ancestors = self.slots, []

        def visit(c: Clause) -> None:
            slot = slots[id(c)]
            if slot.scope is None:
                scope = ancestors[-1].id if ancestors else ""
            else:
                kinds = slot.scope + ("att",)
                scope = next((a.id for a in reversed(ancestors) if slots[id(a)].frame in kinds), "")
            cid = ids.join(scope, slot.own)
            c.id = cid if cid not in used and not used.add(cid) else self.unique(cid, used, slot)
            if c.children:
                ancestors.append(c)
                for ch in c.children:
                    visit(ch)
                ancestors.pop()

        for c in self.top:
            visit(c)

    def unique(self, cid: str, used: set[str], slot: Slot) -> str:
        """``cid`` is taken: the first free ``cid-b``, ``cid-c`` …, with a warning."""
        for suf in ids.DUPLICATES:
            alt = f"{cid}-{suf}"
            if alt not in used:
                used.add(alt)
                self.warnings.append((slot.line, f"编号重复：{slot.warn}（{cid}）再次出现，改用锚点 {alt}"))
                return alt
        raise ValueError(cid)

    def is_para(self, c: Clause) -> bool:
        """An unnumbered line or 款 (its id part is pK)."""
        return self.slots[id(c)].para > 0

    def add(self, parent: Frame, clause: Clause) -> None:
        (parent.clause.children if parent.clause is not None else self.top).append(clause)

    @staticmethod
    def level(parent: Frame) -> int:
        return parent.clause.level + 1 if parent.clause is not None else 1

    def pop_to(self, frame: Frame) -> None:
        while self.stack[-1] is not frame:
            self.close(self.stack.pop())

    def close(self, fr: Frame) -> None:
        if fr.ctx == "num" and fr.last:
            self.closed[self.closed_key(self.parent_of(fr), fr.style.group)] = fr.last

    def closed_key(self, parent: Frame, group: str) -> tuple:
        """Where a closed level's last number is remembered: per parent inside
        articles, per depth elsewhere (seed 001 numbers items across sections)."""
        if parent.ctx in ("art", "kuan") or (parent.ctx == "num" and self.in_article()):
            return (id(parent.clause), group)
        return (id(self.base(parent)), self.level(parent), group)

    def parent_of(self, fr: Frame) -> Frame:
        i = self.stack.index(fr) if fr in self.stack else len(self.stack)
        return self.stack[i - 1] if i > 0 else self.root

    def base(self, fr: Frame) -> Frame:
        for f in reversed(self.stack[: self.stack.index(fr) + 1] if fr in self.stack else self.stack):
            if f.ctx in ("root", "att"):
                return f
        return self.root

    def in_article(self) -> bool:
        return any(f.ctx == "art" for f in self.stack)

    def group_of(self, f: Frame) -> str:
        return f.style.group if f.ctx == "num" else ""

    # -- paragraphs ---------------------------------------------------
    def para(self, lineno: int, text: str, kind: Optional[str] = None) -> Clause:
        parent = self.stack[-1]
        if parent.ctx in ("art", "kuan", "num") and self.in_article():
            # laws: every further line of an article is a new 款
            art = next(f for f in reversed(self.stack) if f.ctx == "art")
            self.pop_to(art)
            art.pcount += 1
            k = art.pcount
            label = f"{art.label_prefix}第{int_cn(k)}款"
            c = self.new(Slot(ids.part("paragraph", k), None, "kuan", label, lineno, para=k), label,
                         self.level(art), "paragraph", text, k, lineno)
            self.add(art, c)
            self.stack.append(Frame(c, "kuan", label_prefix=c.label, items="item"))
            return c
        parent.pcount += 1
        k = parent.pcount
        if kind is None:
            kind = "bullet" if RE_BULLET.match(text) else (
                "heading" if RE_BRACKET_HEAD.match(text) else (
                    "preamble" if parent is self.root and not self.seen_structure else "paragraph"))
        c = self.new(Slot(ids.part("paragraph", k), None, "", f"第{k}段", lineno, para=k), "", self.level(parent),
                     kind, text, None, lineno)
        self.add(parent, c)
        return c

    # -- the placement engine -------------------------------------------
    def place(self, lineno: int, text: str, m: Marker) -> bool:
        """Place a marker by its style's nesting rule; False: the line is text."""
        st = m.style
        if st.nest == "rank":
            parent = self.place_rank(m)
        elif st.nest == "path":
            parent = self.place_path(m)
        else:
            parent = self.place_sequence(lineno, m)
        if parent is None:
            return False
        st = m.style  # a sequence may have read 二是 as the section 二
        p = Place(self, parent, m, text)
        label = st.label(p)
        own = ids.part(st.ident, m.n, sub=m.sub, path=m.path) if st.ident else ids.part(parent.items, m.n)
        c = self.new(Slot(own, st.id_scope, st.frame, label, lineno), label, self.level(parent), st.kind(p), text,
                     m.n, lineno)
        self.add(parent, c)
        article = st.frame == "art"  # an article: its further lines are 款
        self.stack.append(Frame(c, st.frame, st, 0 if st.nest == "rank" else m.n, label_prefix=label,
                                pcount=int(article), path=m.path, items=st.items))
        if article:
            self.article_last = m.n
        self.seen_structure = True
        return True

    def place_rank(self, m: Marker) -> Optional[Frame]:
        """Law units and articles: close frames down to one the style may open under."""
        if m.weak:
            # 第一条根据…: only when it starts or continues the article sequence
            if not (m.n == self.article_last + 1 or (m.n == 1 and not m.sub) or (m.sub and m.n == self.article_last)):
                return None
        while self.stack[-1].ctx not in m.style.under:
            self.close(self.stack.pop())
        return self.stack[-1]

    def place_path(self, m: Marker) -> Optional[Frame]:
        """Decimal numbers: under the open clause numbered by the prefix (a
        decimal ``a.b`` or, for ``a.b``, a section ``一、`` numbered a); else
        where the outermost open decimal clause is; else under the innermost clause."""
        prefix = m.path[:-1]
        target = None
        if prefix:
            for f in reversed(self.stack):
                if (f.ctx == "dec" and f.path == prefix) or (
                        len(prefix) == 1 and f.ctx == "num" and f.style.decimal_parent and f.last == prefix[0]):
                    target = f
                    break
        if target is None:
            outer = next((f for f in self.stack if f.ctx == "dec"), None)
            target = self.parent_of(outer) if outer is not None else self.stack[-1]
            if target.ctx == "title":
                target = self.parent_of(target)
        self.pop_to(target)
        return target

    def place_sequence(self, lineno: int, m: Marker) -> Optional[Frame]:
        """Notice numbering by expected-next-number (see the module docstring)."""
        group = m.style.group
        # search range: inside an article only its own frames
        lo = 0
        for i, f in enumerate(self.stack):
            if f.ctx in ("art", "att"):
                lo = i
        frames = self.stack[lo:]
        target: Optional[Frame] = None
        if m.style.continues and m.heading:
            # 二是推进… as a section heading when it continues the section sequence
            for f in reversed(frames):
                if f.ctx == "num" and f.style.name in m.style.continues and f.last + 1 == m.n:
                    target, m.style = f, f.style
                    group = m.style.group
                    break
        if target is None:
            for f in reversed(frames):  # exact style continues
                if f.ctx == "num" and f.style is m.style and f.last + 1 == m.n:
                    target = f
                    break
        if target is None:
            for f in reversed(frames):  # same group continues (（1）after（一）)
                if f.ctx == "num" and self.group_of(f) == group and f.last + 1 == m.n:
                    target = f
                    break
        if target is not None:
            self.pop_to(target)
            parent = self.parent_of(target)
            self.close(self.stack.pop())
            return parent
        parent = self.stack[-1]
        if parent.ctx == "title":
            self.stack.pop()
            parent = self.stack[-1]
        if m.n == 1:
            return parent
        # a new level continuing a closed one (（六） under 三 after （五） under 二;
        # 项（三） after a 款 line that interrupted （一）（二）)
        span = self.stack[max(lo, 1):] if len(self.stack) > 1 else []
        for f in reversed([self.root] * (lo == 0) + span):
            if self.closed.get(self.closed_key(f, group), -1) + 1 == m.n:
                self.pop_to(f)
                return f
            if f.ctx in ("art", "att"):
                break
        if not m.style.new_level or m.weak:
            return None
        same = [f for f in frames if f.ctx == "num" and self.group_of(f) == group]
        if same:
            target = same[-1]
            self.pop_to(target)
            parent = self.parent_of(target)
            self.close(self.stack.pop())
            if m.n > target.last:
                self.warnings.append((lineno, f"编号不连续：应为 {target.last + 1}，实为 {m.printed}"))
        else:
            self.warnings.append((lineno, f"编号 {m.printed} 没有从一开始"))
        return parent

    # -- attachments and wrappers ------------------------------------------
    def attachment_at(self, i: int, items: list[tuple[int, str]]) -> Optional[tuple[int, int]]:
        """(number, lines used) if items[i] starts an attachment."""
        text = items[i][1]
        m = RE_ATT.match(text)
        if not m:
            return None
        num, colon, rest = m.group(1), m.group(2), m.group(3)
        if rest and not colon and not num:
            return None  # 附件所列… is text
        n = int(num) if num else self.att_count + 1
        nxt = [t for _, t in items[i + 1:i + 4]]
        if not rest:
            # bare 附件 / 附件1: a listing if 1.… lines follow and 附件1 comes later
            if nxt and listing_item(nxt[0]) and not num and any(
                    re.match(r"^附件\s*1\s*$", t) for _, t in items[i + 1:]):
                return None
            used = 1
            for t in nxt:
                if title_like(t) and classify(t, self.active) is None and not RE_ATT.match(t) and used < 4:
                    used += 1
                else:
                    break
            return n, used
        title = norm_title(re.sub(r"^\d+[.．、]", "", rest))
        used = 1
        for t in nxt:
            nt = norm_title(t)
            if title_like(t) and classify(t, self.active) is None and len(nt) >= 6 and (nt in title or title in nt):
                used += 1
            else:
                break
        if used > 1 or self.att_count > 0:
            return n, used
        if num and colon and nxt and not RE_ATT.match(nxt[0]) and not listing_item(nxt[0]) \
                and role_of(nxt[0], nxt[1:]) is None \
                and any(re.match(rf"^附件\s*{int(num) + 1}(?!\d)", t) for _, t in items[i + 2:]):
            return n, 1  # 附件1：标题 then its text, 附件2… later
        return None

    def start_attachment(self, lineno: int, text: str, n: int) -> None:
        while len(self.stack) > 1:
            self.close(self.stack.pop())
        self.att_count = max(self.att_count + 1, n)
        label = f"附件{n}"
        c = self.new(Slot(ids.part("attachment", n), None, "att", label, lineno), label, 1, "attachment", text, n,
                     lineno)
        self.top.append(c)
        self.stack.append(Frame(c, "att", label_prefix=label))
        self.article_last = 0
        self.seen_structure = True

    def find_wrapper(self, items: list[tuple[int, str]], start: int) -> Optional[int]:
        """Index of the forwarded document's title line in a 转发/印发 wrapper."""
        first_marker = next((i for i, (_, t) in enumerate(items)
                             if (mk := classify(t)) and mk.style.body_start),
                            len(items))
        cands: list[str] = []
        mt = re.search(r"(?:印发|转发|发布)(.+?)的(?:通知|决定|函)", self.title)
        if mt:
            cands.append(norm_title(mt.group(1)))
        wrap_seen = -1
        for i, (_, t) in enumerate(items[:first_marker]):
            if i < start:
                continue
            if re.search(r"印发|转发|发布|印送", t):
                for q in re.findall(r"《([^《》]+)》", t):
                    cands.append(norm_title(q))
                if re.search(r"给你们|如下|贯彻执行|贯彻落实|遵照执行", t) or i == start:
                    wrap_seen = i if wrap_seen < 0 else wrap_seen
            nt = norm_title(t)
            if wrap_seen >= 0 and i > wrap_seen and title_like(t) and len(nt) >= 6:
                for c in cands:
                    if c and (nt == c or (len(nt) >= 8 and c.startswith(nt))
                              or (nt.startswith(c) and nt[len(c):].startswith("（"))):
                        prev = items[i - 1][1] if i else ""
                        if RE_ATT.match(prev):
                            return None
                        return i
        return None

    def cover_note(self, lines: list[tuple[int, str]]) -> None:
        """The lines of a 转发/印发 cover note: wrapper paragraphs, with numbered
        items (一是…, 1.…, （一）… starting at 1) under the line before them."""
        closed = dict(self.closed)
        for no, t in lines:
            m = classify(t, self.active)
            if m is not None and m.style.nest == "sequence" and len(self.stack) > 1 and (
                    m.n == 1 or any(f.ctx == "num" and f.style is m.style and f.last + 1 == m.n
                                    for f in self.stack)) and self.place(no, t, m):
                continue
            self.pop_to(self.root)
            c = self.para(no, t, "wrapper")
            c.label = f"{self.cover_type}正文"  # provisional: label_lines names the line
            self.stack.append(Frame(c, "cover", label_prefix=f"{self.cover_type}正文", items="number"))
        self.pop_to(self.root)
        self.closed = closed

    # -- main loop ----------------------------------------------------
    def run(self) -> StructureResult:
        items: list[tuple[int, str]] = []
        for no, raw in enumerate(self.lines, 1):
            t = raw.strip()
            if not t:
                continue
            lead = RE_LEADIN.match(t)
            if lead and self.kind != "law":
                items.append((no, lead.group(1)))
                items.append((no, t[lead.end():]))
            else:
                items.append((no, t))
        toc = self.toc(items)
        i = 0
        # a leading line (or lines) repeating the document title
        if self.title and items:
            nt, acc, j = norm_title(self.title), "", 0
            while j < min(3, len(items)):
                acc += norm_title(items[j][1])
                if not acc or not nt.startswith(acc):
                    break
                j += 1
                if acc == nt:
                    c = self.new(Slot(ids.part("doc-title"), None, "", "标题", items[0][0]), "标题", 1, "heading",
                                 "\n".join(t for _, t in items[:j]), None, items[0][0])
                    self.top.append(c)
                    i = j
                    break
        wrap = self.find_wrapper(items, i) if self.kind != "law" else None
        if wrap is not None and wrap >= i:
            self.cover_note(items[i:wrap])
            no, t = items[wrap]
            c = self.new(Slot(ids.part("title"), None, "title", "正文标题", no), "正文标题", 1, "heading", t, None, no)
            self.top.append(c)
            self.stack.append(Frame(c, "title", label_prefix="正文", items="number"))
            self.seen_structure = True
            i = wrap + 1
        while i < len(items):
            no, t = items[i]
            if self.listing and listing_item(t) and title_like(t):
                self.para(no, t)
                i += 1
                continue
            self.listing = False
            if t.startswith("附件"):
                att = self.attachment_at(i, items)
                if att is not None:
                    n, used = att
                    self.start_attachment(no, "\n".join(x for _, x in items[i:i + used]), n)
                    i += used
                    continue
                if RE_ATT.match(t):
                    # a listing 附件：… line belongs to the notice itself, not to its last item
                    self.pop_to(next(f for f in reversed(self.stack) if f.ctx in ("root", "att")))
                    self.para(no, t)
                    self.listing = bool(re.match(r"^附件\s*[：:]?\s*1?\s*[.．、]?", t))
                    i += 1
                    continue
            m = classify(t, self.active) if i not in toc else None
            if m is None or not self.place(no, t, m):
                self.para(no, t)
            i += 1
        while len(self.stack) > 1:
            self.close(self.stack.pop())
        self.label_lines()
        if self.kind != "law":
            for c in list(self.all()):
                self.split_inline(c)
        self.assign_ids()
        self.warnings.sort(key=lambda w: w[0])  # by line (a duplicate id is found after placement)
        return StructureResult(self.top, self.warnings)

    def toc(self, items: list[tuple[int, str]]) -> set[int]:
        """Indices of a table of contents: the lines after a ``目录`` line up to
        the repetition of its first entry (provincial-014, whose entries mix
        第一部分 and 一、), and any run of ≥2 headings of a ``toc`` style (章/节/编,
        decimal) with nothing between them whose first heading appears again
        later (著作权法, govcn-041)."""
        out: set[int] = set()
        for i, (_, t) in enumerate(items[:-1]):
            # 目录 then entries of any numbering, up to the body's first heading (provincial-014)
            if strip_ws(t) == "目录" and classify(items[i + 1][1], self.active) is not None:
                first = strip_ws(items[i + 1][1])
                end = next((j for j in range(i + 2, len(items)) if strip_ws(items[j][1]) == first), None)
                if end is not None and end - i - 1 >= 2:
                    out.update(range(i + 1, end))
        listed = set(out)
        i = 0
        while i < len(items):
            j = i
            while j < len(items) and j not in listed and (mk := classify(items[j][1], self.active)) is not None \
                    and mk.style.toc and (j == i or items[j][1] != items[i][1]):
                j += 1
            if j - i >= 2:
                first = strip_ws(items[i][1])
                if any(strip_ws(t) == first for _, t in items[j:]):
                    out.update(range(i, j))
            i = max(j, i + 1)
        return out

    def all(self):
        for c in self.top:
            yield from c.walk()

    # -- labels of unnumbered lines --------------------------------------
    def label_lines(self) -> None:
        """Labels of unnumbered lines (module docstring): GB/T 9704 elements and
        前言 at the top, 第N段 inside a clause; 款 names in articles with several 款."""
        top = self.top
        texts = [c.text for c in top]
        body_kinds = ("wrapper", "preamble", "paragraph", "bullet", "heading")
        first, listing = True, False
        groups: dict[str, list[Clause]] = {}
        for k, c in enumerate(top):
            if not self.is_para(c) or c.kind not in body_kinds:
                first = first and c.kind == "heading"
                continue
            role = role_of(c.text, texts[k + 1:k + 3])
            if role is None and listing and (listing_item(c.text) or RE_FILE.search(c.text)):
                role = "附件说明"  # 2.标题 continuing 附件：1.标题 (govcn-023)
            listing = role == "附件说明"
            if first and role is None and RE_ADDRESSEE.match(strip_ws(c.text)):
                role = "主送机关"
            first = first and role == "发文字号"
            if role is not None:
                self.relabel(c, role)
            else:
                name = f"{self.cover_type}正文" if c.kind == "wrapper" else (
                    "前言" if c.kind == "preamble" else f"第{int_cn(self.slots[id(c)].para)}段")
                groups.setdefault(name, []).append(c)
        for name, cs in groups.items():
            for k, c in enumerate(cs, 1):
                self.relabel(c, name if len(cs) == 1 or name.startswith("第") else f"{name}第{int_cn(k)}段")
        for c in top:
            self.label_children(c)

    def label_children(self, c: Clause) -> None:
        if c.kind == "article" and any(ch.kind == "paragraph" and self.is_para(ch) for ch in c.children):
            for ch in c.children:
                if ch.number is not None and not self.is_para(ch) and ch.label.startswith(c.label + "第"):
                    self.relabel(ch, c.label + "第一款" + ch.label[len(c.label):])
        title = self.slots[id(c)].frame == "title"  # the forwarded title: its paragraphs are 前言
        prefix = "前言" if title else c.label
        paras = [ch for ch in c.children if not ch.label]
        for ch in paras:
            k = self.slots[id(ch)].para
            if title:
                self.relabel(ch, prefix if len(paras) == 1 else f"{prefix}第{int_cn(k)}段")
            else:
                self.relabel(ch, join_label(prefix, f"第{int_cn(k)}段"))
        for ch in c.children:
            self.label_children(ch)

    @staticmethod
    def relabel(c: Clause, label: str) -> None:
        """Give c a label; descendants that cited c's old label follow."""
        old = c.label
        c.label = label
        if not old:
            return
        for d in c.walk():
            if d is not c and d.label.startswith(old):
                rest = d.label[len(old):]
                d.label = label + rest if rest[:1] in ("（", "第", "，", "、", " ") else join_label(label, rest)

    def split_inline(self, c: Clause) -> None:
        """一是…二是… inside one clause's text -> enum children (text before stays)."""
        if c.kind in ("heading", "attachment", "article", "enum") or "一是" not in c.text:
            return
        if any(ch.number is not None and ch.kind != "paragraph" for ch in c.children):
            return
        text = c.text
        start = 2 if c.kind not in ("paragraph", "wrapper") else 0  # never split at the clause's own marker
        cuts: list[tuple[int, int, str]] = []
        want = 1
        for mm in RE_INLINE_SHI.finditer(text):
            pos = mm.start()
            if pos < start:
                continue
            if pos > 0 and text[pos - 1] not in INLINE_BEFORE:
                continue
            n = cn_int(mm.group(1))
            if n == want:
                cuts.append((pos, n, mm.group(1)))
                want += 1
        if len(cuts) < 2:
            return
        kids = []
        for k, (pos, n, printed) in enumerate(cuts):
            end = cuts[k + 1][0] if k + 1 < len(cuts) else len(text)
            label = join_label(c.label, f"{printed}是")
            kids.append(self.new(Slot(ids.part("number", n), None, "", label, c.line or 0), label, c.level + 1, "enum",
                               text[pos:end], n, c.line))
        c.text = text[:cuts[0][0]]
        c.children[:0] = kids


def parse_structure(body: str, kind: str = "notice", title: Optional[str] = None) -> StructureResult:
    """Split a normalised body into a clause tree (see module docstring).

    ``kind``: "notice" (default) or "law" (no inline 一是 splitting, no wrapper
    detection).  ``title``: the document title, used to recognise a leading
    title line and the forwarded title of a 转发/印发 wrapper.
    """
    return _Engine(body, kind, title).run()


@dataclass
class ConservationError:
    """Where the clause texts first differ from the body: 1-based body line and a Chinese message."""

    line: int
    message: str

    def __str__(self) -> str:
        return self.message

    def __contains__(self, text: str) -> bool:
        return text in self.message


def conservation_error(body: str, clauses: list[Clause]) -> Optional[ConservationError]:
    """None if the pre-order clause texts rebuild the body (whitespace ignored),
    else the first body line where they differ, with a Chinese message."""
    got = "".join(strip_ws(c.text) for top in clauses for c in top.walk())
    want = strip_ws(body)
    if got == want:
        return None
    k = next((j for j, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    # map offset k in the stripped body back to a body line
    count, line_no = 0, 1
    for line_no, line in enumerate(body.split("\n"), 1):
        count += len(strip_ws(line))
        if count > k:
            break
    return ConservationError(line_no, f"第{line_no}行附近条款文字与正文不一致（正文 {len(want)} 字，条款合计 {len(got)} 字）")


def conserves(body: str, clauses: list[Clause]) -> bool:
    """True when every character of the body is in exactly one clause, in order."""
    return conservation_error(body, clauses) is None
