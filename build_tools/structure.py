"""Clause structure: a normalised body -> a tree of models.Clause.

Input: ``Notice.body`` (lines joined by "\\n", stripped, no blank lines,
full-width CJK punctuation, half-width digits).  Output:
``StructureResult(clauses, warnings)``; ``warnings`` are
``(body_line, 中文说明)`` with 1-based body line numbers.

Real forms handled (all seen in the seeds, govcn2019 or lawrefbook):

* notice numbering ``一、`` / ``四.`` / ``四．`` > ``（一）`` > ``1.`` ``1．``
  ``1、`` > ``（1）``; ordinal paragraphs ``第一，`` ``第一、`` (also after a
  short lead-in: ``重点内容：第一，…``); enumerations ``一是…二是…`` at the
  start of lines or inline in a paragraph (split when they start at 一是 and
  increase); ``⎯⎯⎯`` / ``--`` / ``——`` bullets; ``【资料背景】`` headings;
* mixed styles read as the author meant, by *expected-next-number*: seed 001
  numbers items ``(1) (二) (3) … (十六)`` continuously across sections and
  writes sections as ``二是推进…`` / ``四.提高…``; a number that continues an
  open sequence wins over opening a new level, and a new level may start at
  the number that continues the same level of the previous section;
* attachments ``附件`` / ``附件1`` / ``附件：标题`` (a titled 附件 line only
  starts an attachment when its title follows, or when an attachment has
  already started; otherwise it is a listing paragraph, as are ``2.标题``
  lines continuing a ``附件：1.标题`` listing);
* 转发/印发 wrappers: the wrapper lines become top-level ``p1…`` (kind
  "wrapper"), the forwarded title line is clause ``title`` (kind "heading"),
  the paragraphs before its first numbered clause are ``title-p1…``, and the
  forwarded document's numbering stays at top level (``s2-3``);
* laws: ``第X编`` / ``第X分编`` / ``第X部分`` / ``第X章`` / ``第X节``, articles
  ``第X条`` and ``第X条之一``, 款 (every further line of an article), 项
  ``（一）`` (also inside a 款); lines opening with a quotation mark are text.

Ids (ASCII, from printed numbers, unique in the document):

* ``s2``, ``s2-3``, ``s2-3-1``, ``s2-3-1-2``; an ordinal or 一是 one level
  down: ``s2-1``, ``s2-1-1``; unnumbered lines ``p1`` / ``s2-p1``;
* attachments ``att1``, ``att1-s2-3``, ``att1-p1``; wrapper title ``title``,
  ``title-p1``; a leading line repeating the document title: ``doc-title``;
* ``part-1``, ``ch-3`` (``part-2-ch-1`` inside a 编), ``ch-3-sec-2``,
  ``part-3-sub-1`` (分编); ``art-82``, ``art-82-1`` (之一), ``art-82-p2``
  (second 款), ``art-82-i3`` (项（三）; ``i`` keeps it apart from 之三),
  ``art-82-p2-i3`` (项 of the second 款); inside an attachment ``att1-art-5``;
* a repeated printed number gets ``-b``, ``-c`` … and a warning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .models import Clause
from .numerals import cn_int, int_cn

__all__ = ["StructureResult", "ConservationError", "parse_structure", "conserves", "conservation_error"]

_CN = "零〇一二三四五六七八九十百千两"
RE_ART = re.compile(rf"^第([{_CN}]+|\d+)(\s?)条(?:之([{_CN}]+))?")
ART_REF_NEXT = tuple("，、的第至和或及款项") + ("规定", "之规", "所称", "所列", "所指", "所规", "中的", "中规", "中“")
RE_STRUCT = re.compile(rf"^第([{_CN}]+)(分编|编|部分|章|节)")
RE_CN = re.compile(r"^([一二三四五六七八九十百]+)\s*[、．.]\s*")
RE_PCN = re.compile(r"^[（(]\s*([一二三四五六七八九十百]+)\s*[）)]\s*")
RE_PAR = re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]\s*")
RE_AR = re.compile(r"^(\d{1,3})\s*[.．、](?![\d.．])\s*")
RE_ORD = re.compile(r"^第([一二三四五六七八九十]+)[，、,：:]")
RE_SHI = re.compile(r"^([一二三四五六七八九十]+)是")
RE_LEADIN = re.compile(r"^([^，。；：:]{1,12}[：:])(?=第一[，、,])")
RE_ATT = re.compile(r"^附件\s*(\d*)\s*([：:]?)\s*(.*)$")
RE_BULLET = re.compile(r"^(⎯+|-{2,}|—+|－{2,}|[•●■◆▪·])")
RE_BRACKET_HEAD = re.compile(r"^【[^】]{1,20}】$")
RE_INLINE_SHI = re.compile(r"([一二三四五六七八九十]{1,2})是")
QUOTES = ("“", "‘", "「", "『", '"')
SENT_PUNCT = re.compile(r"[。；;]")
HEAD_PUNCT = re.compile(r"[。；;，,：:]")
INLINE_BEFORE = set("。；！？：，;:!?")

# marker families: cn 一、 | pcn （一） | ar 1. | par （1） | ord 第一， | shi 一是
_GROUP = {"cn": "top", "pcn": "paren", "par": "paren", "ar": "ar", "ord": "ord", "shi": "shi"}
_STRUCT_KIND = {"编": "part", "部分": "part", "分编": "subpart", "章": "chapter", "节": "subchapter"}


@dataclass
class StructureResult:
    """What parse_structure returns: the clause tree and (line, 中文) warnings."""

    clauses: list[Clause]
    warnings: list[tuple[int, str]] = field(default_factory=list)

    def walk(self):
        for c in self.clauses:
            yield from c.walk()


def _strip_ws(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _norm_title(s: str) -> str:
    s = _strip_ws(s).strip("《》")
    s = s.replace("(", "（").replace(")", "）").replace("—", "-").replace("–", "-").replace("－", "-")
    return s.replace("《", "").replace("》", "")


def _heading_like(s: str, limit: int = 40) -> bool:
    return len(s) <= limit and not SENT_PUNCT.search(s)


def _title_like(s: str) -> bool:
    return len(s) <= 50 and not HEAD_PUNCT.search(s) and not s.startswith(QUOTES)


@dataclass
class _Marker:
    fam: str  # cn pcn par ar ord shi | art | part subpart chapter subchapter
    n: int
    printed: str  # numeral as printed: 三 / 3
    weak: bool = False  # only accepted when it continues a sequence (or is 1)
    heading: bool = False  # short heading-like line (for 二是… sections)
    sub: int = 0  # 之一 -> 1
    sub_printed: str = ""


def _classify(text: str) -> Optional[_Marker]:
    """The numbering marker a line starts with, if any."""
    if not text or text.startswith(QUOTES):
        return None
    c0 = text[0]
    if c0 == "第":
        m = RE_ART.match(text)
        if m:
            # the reader drops the space after 第X条, so a sentence that merely
            # starts with a reference (第十条规定的…, 第二条、第三条…) is "weak":
            # accepted only where it continues the article sequence
            after = text[m.end():m.end() + 2]
            weak = bool(m.group(2)) or after.startswith(ART_REF_NEXT) or (after[:1] == "之" and not m.group(3))
            return _Marker("art", cn_int(m.group(1)), m.group(1), weak=weak,
                           sub=cn_int(m.group(3)) if m.group(3) else 0, sub_printed=m.group(3) or "")
        m = RE_STRUCT.match(text)
        if m and _heading_like(text) and not HEAD_PUNCT.search(text):
            return _Marker(_STRUCT_KIND[m.group(2)], cn_int(m.group(1)), m.group(1))
        m = RE_ORD.match(text)
        if m:
            return _Marker("ord", cn_int(m.group(1)), m.group(1))
        return None
    if c0 in "（(":
        m = RE_PCN.match(text)
        if m:
            return _Marker("pcn", cn_int(m.group(1)), m.group(1))
        m = RE_PAR.match(text)
        if m:
            return _Marker("par", int(m.group(1)), m.group(1))
        return None
    if c0.isdigit():
        m = RE_AR.match(text)
        if m:
            return _Marker("ar", int(m.group(1)), m.group(1))
        return None
    if c0 in "一二三四五六七八九十":
        m = RE_CN.match(text)
        if m:
            return _Marker("cn", cn_int(m.group(1)), m.group(1))
        m = RE_SHI.match(text)
        if m:
            return _Marker("shi", cn_int(m.group(1)), m.group(1), heading=_heading_like(text, 30) and "，" not in text)
    return None


@dataclass
class _Frame:
    clause: Optional[Clause]  # None: the document root
    ctx: str  # root att title part subpart chapter subchapter art kuan num
    fams: set = field(default_factory=set)
    last: int = 0
    label_prefix: str = ""  # what children's labels start with
    id_prefix: str = ""  # what children's ids start with ("" at root)
    pcount: int = 0  # unnumbered children so far


class _Parser:
    def __init__(self, body: str, kind: str, title: Optional[str]):
        self.kind = kind
        self.title = title or ""
        self.lines = body.split("\n")
        self.top: list[Clause] = []
        self.root = _Frame(None, "root")
        self.stack: list[_Frame] = [self.root]
        self.used: set[str] = set()
        self.warnings: list[tuple[int, str]] = []
        self.closed: dict[tuple, int] = {}  # (base id, depth, group) -> last number of a closed level
        self.att_count = 0
        self.article_last = 0
        self.seen_structure = False
        self.listing = False  # inside an 附件：1.… listing

    # -- tree helpers -------------------------------------------------
    def _uid(self, cid: str, line: int, label: str) -> str:
        if cid not in self.used:
            self.used.add(cid)
            return cid
        for suf in "bcdefghijklmnopqrstuvwxyz":
            alt = f"{cid}-{suf}"
            if alt not in self.used:
                self.used.add(alt)
                self.warnings.append((line, f"编号重复：{label}（{cid}）再次出现，改用锚点 {alt}"))
                return alt
        raise ValueError(cid)

    def _add(self, parent: _Frame, clause: Clause) -> None:
        (parent.clause.children if parent.clause is not None else self.top).append(clause)

    def _level(self, parent: _Frame) -> int:
        return parent.clause.level + 1 if parent.clause is not None else 1

    def _pop_to(self, frame: _Frame) -> None:
        while self.stack[-1] is not frame:
            self._close(self.stack.pop())

    def _close(self, fr: _Frame) -> None:
        if fr.ctx == "num" and fr.last:
            self.closed[self._closed_key(self._parent_of(fr), _GROUP[min(fr.fams)])] = fr.last

    def _closed_key(self, parent: _Frame, group: str) -> tuple:
        """Where a closed level's last number is remembered: per parent inside
        articles, per depth elsewhere (seed 001 numbers items across sections)."""
        if parent.ctx in ("art", "kuan") or (parent.ctx == "num" and self._in_article()):
            return (id(parent.clause), group)
        return (self._base(parent).id_prefix, self._level(parent), group)

    def _parent_of(self, fr: _Frame) -> _Frame:
        i = self.stack.index(fr) if fr in self.stack else len(self.stack)
        return self.stack[i - 1] if i > 0 else self.root

    def _base(self, fr: _Frame) -> _Frame:
        for f in reversed(self.stack[: self.stack.index(fr) + 1] if fr in self.stack else self.stack):
            if f.ctx in ("root", "att"):
                return f
        return self.root

    @staticmethod
    def _join(prefix: str, piece: str) -> str:
        if not prefix:
            return piece
        if piece.startswith("（") or prefix.endswith("）") or prefix.endswith("附件"):
            return prefix + piece
        return f"{prefix} {piece}"

    # -- paragraphs ---------------------------------------------------
    def _para(self, lineno: int, text: str, kind: Optional[str] = None) -> Clause:
        parent = self.stack[-1]
        if parent.ctx in ("art", "kuan", "num") and self._in_article():
            # laws: every further line of an article is a new 款
            art = next(f for f in reversed(self.stack) if f.ctx == "art")
            self._pop_to(art)
            art.pcount += 1
            k = art.pcount
            cid = self._uid(f"{art.clause.id}-p{k}", lineno, f"{art.label_prefix}第{int_cn(k)}款")
            c = Clause(cid, f"{art.label_prefix}第{int_cn(k)}款", self._level(art), "paragraph", text, k, lineno)
            self._add(art, c)
            self.stack.append(_Frame(c, "kuan", label_prefix=c.label, id_prefix=cid))
            return c
        parent.pcount += 1
        k = parent.pcount
        pre = parent.clause.id + "-" if parent.clause is not None else ""
        if kind is None:
            kind = "bullet" if RE_BULLET.match(text) else (
                "heading" if RE_BRACKET_HEAD.match(text) else (
                    "preamble" if parent is self.root and not self.seen_structure else "paragraph"))
        label = self._join(parent.label_prefix, f"第{k}段")
        c = Clause(self._uid(f"{pre}p{k}", lineno, label), label, self._level(parent), kind, text, None, lineno)
        self._add(parent, c)
        return c

    def _in_article(self) -> bool:
        return any(f.ctx == "art" for f in self.stack)

    # -- numbered clauses ---------------------------------------------
    def _numbered(self, lineno: int, text: str, m: _Marker) -> bool:
        """Place a notice-style marker by expected-next-number; False: treat as text."""
        group = _GROUP[m.fam]
        # search range: inside an article only its own frames
        lo = 0
        for i, f in enumerate(self.stack):
            if f.ctx in ("art", "att"):
                lo = i
        frames = self.stack[lo:]
        target: Optional[_Frame] = None
        gap = False
        if m.fam == "shi" and m.heading:
            # 二是推进… as a section heading when it continues the section sequence
            for f in reversed(frames):
                if f.ctx == "num" and "cn" in {x for x in f.fams} and f.last + 1 == m.n:
                    target, m = f, _Marker("cn", m.n, m.printed)
                    group = "top"
                    break
        if target is None:
            for f in reversed(frames):  # exact family continues
                if f.ctx == "num" and m.fam in f.fams and f.last + 1 == m.n:
                    target = f
                    break
        if target is None:
            for f in reversed(frames):  # same group continues (（1）after（一）)
                if f.ctx == "num" and group in {_GROUP[x] for x in f.fams} and f.last + 1 == m.n:
                    target = f
                    break
        if target is not None:
            self._pop_to(target)
            parent = self._parent_of(target)
            self._close(self.stack.pop())
        else:
            parent = self.stack[-1]
            if parent.ctx == "title":
                self.stack.pop()
                parent = self.stack[-1]
            expected_new = m.n == 1
            if not expected_new:
                # a new level continuing a closed one (（六） under 三 after （五） under 二;
                # 项（三） after a 款 line that interrupted （一）（二）)
                span = self.stack[max(lo, 1):] if len(self.stack) > 1 else []
                for f in reversed([self.root] * (lo == 0) + span):
                    if self.closed.get(self._closed_key(f, group), -1) + 1 == m.n:
                        self._pop_to(f)
                        parent, expected_new = f, True
                        break
                    if f.ctx in ("art", "att"):
                        break
            if not expected_new:
                if m.fam == "shi" or m.weak:
                    return False
                same = [f for f in frames if f.ctx == "num" and group in {_GROUP[x] for x in f.fams}]
                if same:
                    target = same[-1]
                    self._pop_to(target)
                    parent = self._parent_of(target)
                    self._close(self.stack.pop())
                    gap = m.n > target.last
                    if gap:
                        self.warnings.append((lineno, f"编号不连续：应为 {target.last + 1}，实为 {m.printed}"))
                else:
                    self.warnings.append((lineno, f"编号 {m.printed} 没有从一开始"))
        # build the clause
        pfams = set()
        pf = parent
        if pf.ctx == "num":
            pfams = {_GROUP[x] for x in pf.fams}
        in_art = pf.ctx in ("art", "kuan") or (pf.ctx == "num" and self._in_article())
        if m.fam == "cn":
            kind, piece = "section", m.printed
        elif m.fam in ("pcn", "par"):
            kind = "law-item" if in_art else ("point" if pfams & {"paren", "ar"} else "item")
            piece = f"（{m.printed}）"
        elif m.fam == "ar":
            kind, piece = "subitem", m.printed
        elif m.fam == "ord":
            kind, piece = "ordinal", f"第{m.printed}"
        else:
            kind, piece = "enum", f"{m.printed}是"
        if pf.ctx in ("art", "kuan"):
            cid = f"{pf.id_prefix}-i{m.n}"
            label = f"{pf.label_prefix}第{piece}项" if kind == "law-item" else pf.label_prefix + piece
        elif pf.clause is None or pf.ctx in ("att", "part", "subpart", "chapter", "subchapter"):
            base = pf.id_prefix + "-" if pf.id_prefix else ""
            cid = f"{base}s{m.n}"
            label = self._join(pf.label_prefix, piece)
        else:
            cid = f"{pf.clause.id}-{m.n}"
            label = self._join(pf.label_prefix, piece)
        c = Clause(self._uid(cid, lineno, label), label, self._level(pf), kind, text, m.n, lineno)
        self._add(pf, c)
        fr = _Frame(c, "num", {m.fam}, m.n, label_prefix=label, id_prefix=c.id)
        self.stack.append(fr)
        self.seen_structure = True
        return True

    def _article(self, lineno: int, text: str, m: _Marker) -> bool:
        if m.weak:  # 第一条根据…: only when it starts or continues the article sequence
            if not (m.n == self.article_last + 1 or (m.n == 1 and not m.sub) or (m.sub and m.n == self.article_last)):
                return False
        while self.stack[-1].ctx not in ("root", "att", "part", "subpart", "chapter", "subchapter"):
            self._close(self.stack.pop())
        parent = self.stack[-1]
        base = self._base(parent)
        pre = base.id_prefix + "-" if base.id_prefix else ""
        cid = f"{pre}art-{m.n}" + (f"-{m.sub}" if m.sub else "")
        label = f"第{m.printed}条" + (f"之{m.sub_printed}" if m.sub else "")
        c = Clause(self._uid(cid, lineno, label), label, self._level(parent), "article", text, m.n, lineno)
        self._add(parent, c)
        self.stack.append(_Frame(c, "art", label_prefix=label, id_prefix=c.id, pcount=1))
        self.article_last = m.n
        self.seen_structure = True
        return True

    def _struct(self, lineno: int, text: str, m: _Marker) -> None:
        order = ["part", "subpart", "chapter", "subchapter"]
        rank = order.index(m.fam)
        while True:
            top = self.stack[-1]
            if top.ctx in ("root", "att") or (top.ctx in order and order.index(top.ctx) < rank):
                break
            self._close(self.stack.pop())
        parent = self.stack[-1]
        base = self._base(parent)
        pre = base.id_prefix + "-" if base.id_prefix else ""
        unit = {"part": "编", "subpart": "分编", "chapter": "章", "subchapter": "节"}[m.fam]
        unit = "部分" if text[len(m.printed) + 1:].startswith("部分") else unit
        if m.fam == "part":
            cid, label = f"{pre}part-{m.n}", f"第{m.printed}{unit}"
        elif m.fam == "subpart":
            part = next((f for f in reversed(self.stack) if f.ctx == "part"), None)
            cid = f"{part.clause.id}-sub-{m.n}" if part else f"{pre}sub-{m.n}"
            label = f"{part.label_prefix}第{m.printed}分编" if part else f"第{m.printed}分编"
        elif m.fam == "chapter":
            part = next((f for f in reversed(self.stack) if f.ctx == "part"), None)
            cid = f"{part.clause.id}-ch-{m.n}" if part else f"{pre}ch-{m.n}"
            label = f"第{m.printed}章"
        else:
            ch = next((f for f in reversed(self.stack) if f.ctx == "chapter"), None)
            cid = f"{ch.clause.id}-sec-{m.n}" if ch else f"{pre}sec-{m.n}"
            label = f"{ch.clause.label}第{m.printed}节" if ch else f"第{m.printed}节"
        kind = "part" if m.fam in ("part", "subpart") else m.fam
        c = Clause(self._uid(cid, lineno, label), label, self._level(parent), kind, text, m.n, lineno)
        self._add(parent, c)
        self.stack.append(_Frame(c, m.fam, label_prefix=label, id_prefix=c.id))
        self.seen_structure = True

    # -- attachments and wrappers ------------------------------------------
    def _attachment_at(self, i: int, items: list[tuple[int, str]]) -> Optional[tuple[int, int]]:
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
            if nxt and RE_AR.match(nxt[0]) and not num and any(
                    re.match(r"^附件\s*1\s*$", t) for _, t in items[i + 1:]):
                return None
            used = 1
            for t in nxt:
                if _title_like(t) and _classify(t) is None and not RE_ATT.match(t) and used < 4:
                    used += 1
                else:
                    break
            return n, used
        title = _norm_title(re.sub(r"^\d+[.．、]", "", rest))
        used = 1
        for t in nxt:
            nt = _norm_title(t)
            if _title_like(t) and _classify(t) is None and len(nt) >= 6 and (nt in title or title in nt):
                used += 1
            else:
                break
        if used > 1 or self.att_count > 0:
            return n, used
        return None

    def _start_attachment(self, lineno: int, text: str, n: int) -> None:
        while len(self.stack) > 1:
            self._close(self.stack.pop())
        self.att_count = max(self.att_count + 1, n)
        label = f"附件{n}"
        c = Clause(self._uid(f"att{n}", lineno, label), label, 1, "attachment", text, n, lineno)
        self.top.append(c)
        self.stack.append(_Frame(c, "att", label_prefix=label, id_prefix=c.id))
        self.article_last = 0
        self.seen_structure = True

    def _find_wrapper(self, items: list[tuple[int, str]], start: int) -> Optional[int]:
        """Index of the forwarded document's title line in a 转发/印发 wrapper."""
        first_marker = next((i for i, (_, t) in enumerate(items)
                             if (mk := _classify(t)) and mk.fam in ("cn", "pcn", "art", "chapter", "part")), len(items))
        cands: list[str] = []
        mt = re.search(r"(?:印发|转发|发布)(.+?)的(?:通知|决定|函)", self.title)
        if mt:
            cands.append(_norm_title(mt.group(1)))
        wrap_seen = -1
        for i, (_, t) in enumerate(items[:first_marker]):
            if i < start:
                continue
            if re.search(r"印发|转发|发布|印送", t):
                for q in re.findall(r"《([^《》]+)》", t):
                    cands.append(_norm_title(q))
                if re.search(r"给你们|如下|贯彻执行|贯彻落实|遵照执行", t) or i == start:
                    wrap_seen = i if wrap_seen < 0 else wrap_seen
            nt = _norm_title(t)
            if wrap_seen >= 0 and i > wrap_seen and _title_like(t) and len(nt) >= 6:
                for c in cands:
                    if c and (nt == c or (len(nt) >= 8 and c.startswith(nt))
                              or (nt.startswith(c) and nt[len(c):].startswith("（"))):
                        prev = items[i - 1][1] if i else ""
                        if RE_ATT.match(prev):
                            return None
                        return i
        return None

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
        toc = self._toc(items)
        i = 0
        # a leading line (or lines) repeating the document title
        if self.title and items:
            nt, acc, j = _norm_title(self.title), "", 0
            while j < min(3, len(items)):
                acc += _norm_title(items[j][1])
                if not acc or not nt.startswith(acc):
                    break
                j += 1
                if acc == nt:
                    c = Clause(self._uid("doc-title", items[0][0], "标题"), "标题", 1, "heading",
                               "\n".join(t for _, t in items[:j]), None, items[0][0])
                    self.top.append(c)
                    i = j
                    break
        wrap = self._find_wrapper(items, i) if self.kind != "law" else None
        if wrap is not None and wrap >= i:
            for no, t in items[i:wrap]:
                self._para(no, t, "wrapper")
            no, t = items[wrap]
            c = Clause(self._uid("title", no, "正文标题"), "正文标题", 1, "heading", t, None, no)
            self.top.append(c)
            self.stack.append(_Frame(c, "title", label_prefix="正文", id_prefix="title"))
            self.seen_structure = True
            i = wrap + 1
        while i < len(items):
            no, t = items[i]
            if self.listing and RE_AR.match(t) and _title_like(t):
                self._para(no, t)
                i += 1
                continue
            self.listing = False
            if t.startswith("附件"):
                att = self._attachment_at(i, items)
                if att is not None:
                    n, used = att
                    self._start_attachment(no, "\n".join(x for _, x in items[i:i + used]), n)
                    i += used
                    continue
                if RE_ATT.match(t):
                    # a listing 附件：… line belongs to the notice itself, not to its last item
                    base = next(f for f in reversed(self.stack) if f.ctx in ("root", "att"))
                    self._pop_to(base)
                    self._para(no, t)
                    self.listing = bool(re.match(r"^附件\s*[：:]?\s*1?\s*[.．、]?", t))
                    i += 1
                    continue
            m = _classify(t) if i not in toc else None
            done = False
            if m is not None:
                if m.fam == "art":
                    done = self._article(no, t, m)
                elif m.fam in _STRUCT_KIND.values() or m.fam == "subpart":
                    if not self._in_article() or True:
                        self._struct(no, t, m)
                        done = True
                else:
                    done = self._numbered(no, t, m)
            if not done:
                self._para(no, t)
            i += 1
        while len(self.stack) > 1:
            self._close(self.stack.pop())
        if self.kind != "law":
            for c in list(self._all()):
                self._split_inline(c)
        return StructureResult(self.top, self.warnings)

    @staticmethod
    def _toc(items: list[tuple[int, str]]) -> set[int]:
        """Indices of a table of contents: a run of ≥2 章/节/编 headings with
        nothing between them whose first heading appears again later."""
        out: set[int] = set()
        i = 0
        while i < len(items):
            j = i
            while j < len(items) and (mk := _classify(items[j][1])) is not None and mk.fam in (
                    "part", "subpart", "chapter", "subchapter") and (j == i or items[j][1] != items[i][1]):
                j += 1
            if j - i >= 2:
                first = _strip_ws(items[i][1])
                if any(_strip_ws(t) == first for _, t in items[j:]):
                    out.update(range(i, j))
            i = max(j, i + 1)
        return out

    def _all(self):
        for c in self.top:
            yield from c.walk()

    def _split_inline(self, c: Clause) -> None:
        """一是…二是… inside one clause's text -> enum children (text before stays)."""
        if c.kind in ("heading", "attachment", "article", "wrapper", "enum") or "一是" not in c.text:
            return
        if any(ch.number is not None and ch.kind != "paragraph" for ch in c.children):
            return
        text = c.text
        start = 2 if c.kind != "paragraph" else 0  # never split at the clause's own marker
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
        if len(cuts) < 2 or (cuts[0][0] == 0 and c.kind == "paragraph" and False):
            return
        kids = []
        for k, (pos, n, printed) in enumerate(cuts):
            end = cuts[k + 1][0] if k + 1 < len(cuts) else len(text)
            label = self._join(c.label if c.kind != "paragraph" or c.level > 0 else c.label, f"{printed}是")
            cid = self._uid(f"{c.id}-{n}", c.line or 0, label)
            kids.append(Clause(cid, label, c.level + 1, "enum", text[pos:end], n, c.line))
        c.text = text[:cuts[0][0]]
        c.children[:0] = kids


def parse_structure(body: str, kind: str = "notice", title: Optional[str] = None) -> StructureResult:
    """Split a normalised body into a clause tree (see module docstring).

    ``kind``: "notice" (default) or "law" (no inline 一是 splitting, no wrapper
    detection).  ``title``: the document title, used to recognise a leading
    title line and the forwarded title of a 转发/印发 wrapper.
    """
    return _Parser(body, kind, title).run()


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
    got = "".join(_strip_ws(c.text) for top in clauses for c in top.walk())
    want = _strip_ws(body)
    if got == want:
        return None
    k = next((j for j, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    # map offset k in the stripped body back to a body line
    count, line_no = 0, 1
    for line_no, line in enumerate(body.split("\n"), 1):
        count += len(_strip_ws(line))
        if count > k:
            break
    return ConservationError(line_no, f"第{line_no}行附近条款文字与正文不一致（正文 {len(want)} 字，条款合计 {len(got)} 字）")


def conserves(body: str, clauses: list[Clause]) -> bool:
    """True when every character of the body is in exactly one clause, in order."""
    return conservation_error(body, clauses) is None
