"""Cross-references between documents: find them in clause text, resolve them.

Input forms handled by :func:`find_references` (all seen in the seeds, the
govcn2019 pages or lawrefbook):

Titles
    ``《国家知识产权战略纲要》``; nested ``《关于修改〈中华人民共和国专利法〉的决定》``,
    ``《关于修改《中华人民共和国专利法》的决定》`` (inner 《》 as printed by some
    sites), ``《山东省实施<中华人民共和国水法>办法》`` and ``＜…＞`` inside
    《》 — inner brackets are normalised to 〈〉.  Junk titles such as
    ``《十四五》`` or ``《2020-2021年》`` (seed 001) are kept but never resolve
    and get no external page (``external_key`` stays None); so are bare
    short names like ``《解释》``/``《条例》`` (a 以下简称 of the text) and
    certificates or forms (``《医疗机构执业许可证》``, ``《行政处罚决定书》``).
发文字号 (normalised to ``机关代字〔年份〕序号号`` without spaces)
    ``国办发〔2014〕64号``, ``厅函[2020]6号``, ``粤高法［2020］108号``,
    ``温国土资发（2018）366号``, ``国办发(1985)49号``, ``京政发【1985】167号``,
    ``豫政〔 2008〕59号``, ``〔2019〕第56号``, ``法（研）发〔2002〕7号``;
    the issuing-organ prefix is cut after words such as 的/了/按/根据/政府
    (``总体实现了云政发〔2009〕118号文件`` → ``云政发〔2009〕118号``;
    ``北京市人民政府京政发〔1985〕167号`` → ``京政发〔1985〕167号``).
Orders (令)
    ``中华人民共和国国务院令第706号``, ``国务院令第706号``, ``国令第706号``
    → ``国务院令第706号``; ``公安部令第123号``, ``国家市场监督管理总局令第45号``,
    ``原国家工商行政管理总局令第56号`` (原 dropped), ``北京市人民政府第14号令``
    → ``北京市人民政府令第14号``.
A title with its 文号
    ``《…》（国办发〔2014〕64号）`` or ``《…》(中办发〔2019〕56号)`` is ONE
    reference carrying both title and doc_number.
Omnibus decisions
    ``2019年3月2日《国务院关于修改部分行政法规的决定》`` — the date printed
    before the title is kept in ``text`` (it tells these same-titled
    documents apart; see :func:`external_key`).
Dated decisions
    a decision's title with a date before it on the same line keeps that date
    (``Reference.date``, :func:`decision_date`): lawrefbook's 专利法 prints
    ``1992年9月4日 第七届…会议《关于修改〈中华人民共和国专利法〉的决定》第一次修正``
    and three more such lines — four decisions, four external documents.
Clauses of another document
    ``《…》第二十条`` → article ``art-20``; ``《…》第二十条第二款`` →
    ``art-20-p2``; ``《…》第十条之一`` → ``art-10-1``; ``第五条第三项`` →
    ``art-5-i3``; ``第八条第二款第一项`` → ``art-8-p2-i1`` (ids as in structure.py); ``《…》（法释〔2020〕26号）
    第三条`` and ``《…》（以下简称民事诉讼法）第五条`` also work.  Lists and
    ranges (``第十条、第十二条``, ``第三十三条至第三十七条``, ``第四条第二款、第五条``)
    give one reference per printed article, the later ones with the article
    alone as ``text`` (only when it occurs once in the clause, so the link
    lands on the right words).  ``第一次修订`` is not an article.

Short names a document defines
    ``《中华人民共和国民事诉讼法》（以下简称民事诉讼法）``, ``《…管制清单》(以下简称
    《管制清单》)``, ``（下称《条例》）``: later ``《管制清单》`` and bare
    ``条例第十条`` in the same document cite the full title (``本条例第十条``
    stays the document itself).

Not cross-references: ``本意见``/``本方案``/``本法第X条`` (never matched), a
title equal to the document's own title or forwarded title (also ignoring
bracketed parts such as ``(2023-2025年)(征求意见稿)``), a title the own
title announces (``关于印发《X》的通知``, ``关于对《X》公开征求意见的通知``),
and the document's own 文号.  Within one clause a repeated reference to the
same document/article is kept once.  Bare law names without 《》
(``依照专利法第十条``) are not detected.
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import yaml

from ..fsutil import load_keyed, save_keyed
from ..models import CitedBy, ExternalDocument, Notice, Reference, Version, Work
from .alignment import Match, follow

DEFAULT_ALIASES = Path(__file__).resolve().parent.parent / "data" / "aliases.yml"

from ..docnumber import (CN_NUM, DOCNO_RE, FW_DIGITS, ORDER_RE, ORDER_CUT, ORG_CUT, order_number,
                         normalise_doc_number)
from ..clauses.clauseids import article_id, fallbacks
from ..numerals import cn_int as _num

_ARTICLE = re.compile(
    rf"\s*(?:[（(][^（()）\n]{{1,40}}[)）]\s*)?"
    rf"第(?P<art>[{CN_NUM}\d]+)条(?:之(?P<sub>[{CN_NUM}\d]+))?"
    rf"(?:第(?P<para>[{CN_NUM}\d]+)款)?(?:第(?P<item>[{CN_NUM}\d]+)项)?"
)
_NEXT_ARTICLE = re.compile(
    rf"\s*(?:、|和|及|以及|或者|或|至|到)\s*(?=第[{CN_NUM}\d]+条)"
)
_PAREN_DOCNO = re.compile(r"\s*[（(]\s*")
_JUNK_TITLE = re.compile(
    r"^[\d\s\-—–－~～至年和、]*$|^十[一二三四五六七八九]五$"
    r"|^(?:本|该|上述|此|原)?(?:解释|办法|规定|条例|意见|通知|决定|方案|规则|细则|纲要|规划|实施意见|"
    r"实施方案|实施细则|通告|公告|批复|决议|准则|目录|合同|协议|章程|公约|条约|修正案|决定书|证书)$"
    # certificates and forms: 《医疗机构执业许可证》, 《企业法人营业执照》, 《行政处罚决定书》
    r"|.*(?:许可证|执业证|营业执照|执照|居住证|证书|登记证|工作证|身份证|通知书|决定书|裁定书|判决书|"
    r"申请书|申请表|登记表|审批表|报告表|证明书|证明)$"
)
# omnibus amendment decisions share one title across years and legislatures
_OMNIBUS = re.compile(r"(?:修改|废止)(?:和(?:修改|废止))?(?:本市|本省|本自治区)?部分")
_DATE_BEFORE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日\s*$")
_DATE_IN = re.compile(r"^((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")
_KEY_DROP = re.compile(r"[\s\u3000〈〉<>＜＞《》“”\"'‘’「」『』·•・、，,。:：;；!！?？]")
_YEAR_SUFFIX = re.compile(r"\(\d{4}-\d{1,2}-\d{1,2}\)$")
_DASH = re.compile(r"[—–－~～]+")
_PARENS = re.compile(r"\([^()]*\)")


def display_title(inner: str) -> str:
    """Title as shown: inner 《》/<>/＜＞ become 〈〉, spaces dropped."""
    t = re.sub(r"[\s\u3000]+", "", inner)
    return t.translate(str.maketrans("《》<>＜＞", "〈〉〈〉〈〉"))


@functools.lru_cache(maxsize=1 << 15)  # a rebuild keys every title several times (works, targets, table): 35,000 calls at 2x
def title_key(title: str) -> str:
    """Matching key: width/brackets/punctuation folded, 中华人民共和国 dropped,
    lawrefbook date suffix dropped (``专利法(2020-10-17)`` → ``专利法``)."""
    t = unicodedata.normalize("NFKC", title)
    t = _KEY_DROP.sub("", t)
    t = _DASH.sub("-", t)
    t = _YEAR_SUFFIX.sub("", t)
    if t.startswith("中华人民共和国") and len(t) > 7:
        t = t[len("中华人民共和国"):]
    return t


def loose_title_key(title: str) -> str:
    """title_key without bracketed parts and 征求意见稿 (a draft and its final text)."""
    t = title_key(title)
    prev = None
    while prev != t:
        prev, t = t, _PARENS.sub("", t)
    return t.replace("征求意见稿", "")


def is_junk_title(title: str) -> bool:
    """``《十四五》``, ``《2020-2021年》``: not a document."""
    return bool(_JUNK_TITLE.match(title))


def _iter_titles(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, inner) for every balanced 《…》 on one line."""
    i = 0
    while True:
        s = text.find("《", i)
        if s < 0:
            return
        depth, j, n = 0, s, len(text)
        while j < n and j - s < 250:
            ch = text[j]
            if ch == "《":
                depth += 1
            elif ch == "》":
                depth -= 1
                if depth == 0:
                    break
            elif ch == "\n":
                break
            j += 1
        if j < n and depth == 0 and text[j] == "》":
            yield s, j + 1, text[s + 1 : j]
            i = j + 1
        else:
            i = s + 1


_SHORT_DEF = re.compile(
    r"\s*[（(]\s*(?:以下简称|以下称|下称|简称)\s*[“\"《]?"
    r"(?P<short>[^“”\"《》〈〉（）()，,。；;、\s]{2,20}?)[”\"》]?\s*[）)]"
)


def short_names(notice: Notice) -> dict[str, str]:
    """Short name → full display title, from ``《全称》（以下简称《简称》）`` and
    ``《全称》（以下简称简称）`` anywhere in ``notice`` (first definition wins)."""
    out: dict[str, str] = {}
    for clause in notice.walk():
        text = clause.text
        if "《" not in text or not ("简称" in text or "下称" in text):
            continue
        for _, e, inner in _iter_titles(text):
            m = _SHORT_DEF.match(text, e)
            full = display_title(inner)
            if m and m["short"] != full and not is_junk_title(full):
                out.setdefault(m["short"], full)
    return out


_DECISION = re.compile(r"(?:决定|决议)$")
_DATE_ANY = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")


def decision_date(text: str, start: int, title: str) -> Optional[str]:
    """The date printed before a decision's title on the same line, as in
    ``2019年3月2日《国务院关于修改部分行政法规的决定》`` and in lawrefbook's dated lines
    ``1992年9月4日 第七届全国人民代表大会常务委员会第二十七次会议《关于修改〈中华人民共和国
    专利法〉的决定》第一次修正`` (专利法): it tells apart decisions that share a title
    (the four 专利法 amendments).  Only within 60 characters, with no sentence
    break or other title between."""
    if not _DECISION.search(title):
        return None
    line_start = text.rfind("\n", 0, start) + 1
    window = text[max(line_start, start - 60):start]
    dates = list(_DATE_ANY.finditer(window))
    if not dates or re.search(r"[。；;《》]", window[dates[-1].end():]):
        return None
    y, mo, d = (int(x) for x in dates[-1].groups())
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= mo <= 12 and 1 <= d <= 31 else None


def _find_all(text: str, sub: str) -> list[int]:
    out, i = [], text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def _bare_pattern(shorts: dict[str, str]) -> Optional[re.Pattern]:
    """Short names used without 《》 and followed by an article number."""
    names = sorted(shorts, key=len, reverse=True)
    if not names:
        return None
    return re.compile("|".join(re.escape(x) for x in names) + rf"(?=\s*第[{CN_NUM}\d]+条)")


def _more_articles(text: str, end: int) -> list[tuple[str, str]]:
    """(printed text, article id) for ``、第十二条``/``至第三十七条`` after ``end``."""
    out = []
    while True:
        sep = _NEXT_ARTICLE.match(text, end)
        am = _ARTICLE.match(text, sep.end()) if sep else None
        if not am:
            return out
        try:
            art = _article_id(am)
        except (ValueError, TypeError):
            return out
        printed = am.group(0).strip()
        if text.count(printed) == 1:
            out.append((printed, art))
        end = am.end()


def _article_id(m: re.Match) -> str:
    para = _num(m["para"]) if m["para"] else 0
    return article_id(_num(m["art"]), _num(m["sub"]) if m["sub"] else 0, para if para > 1 else 0,  # 第一款 is the article
                      _num(m["item"]) if m["item"] else 0)


class _Self:
    """What counts as the citing document itself."""

    def __init__(self, notice: Notice):
        titles = [notice.title] + ([notice.forwarded.title] if notice.forwarded else [])
        self.keys = {title_key(t) for t in titles if t}
        self.loose = {loose_title_key(t) for t in titles if t}
        self.own = title_key(notice.title or "")
        self.doc_number = notice.doc_number and normalise_doc_number(notice.doc_number)

    def title(self, title: str) -> bool:
        k = title_key(title)
        if not k:
            return False
        if k in self.keys or (len(k) >= 6 and loose_title_key(title) in self.loose):
            return True
        verbs = ("印发", "转发", "发布", "公布") + (("对",) if "征求意见" in self.own else ())
        if any(v + k in self.own for v in verbs):
            return True
        # 转发 wrapper whose own title embeds the forwarded title
        return len(k) >= 8 and k in self.own and any(v in self.own for v in verbs)

    def number(self, docno: Optional[str]) -> bool:
        return bool(docno and docno == self.doc_number)


def find_references(notice: Notice) -> list[Reference]:
    """All references in the clause texts of ``notice`` (see module doc)."""
    me = _Self(notice)
    shorts = short_names(notice)
    bare = _bare_pattern(shorts)
    out: list[Reference] = []
    for clause in notice.walk():
        text = clause.text
        if not text or not ("《" in text or "号" in text or (bare and bare.search(text))):
            continue
        found = _ClauseRefs(clause.id, text.translate(FW_DIGITS), me)
        if "《" in found.text:
            found.titles(shorts)
        if bare:
            found.bare_names(bare, shorts)
        if "号" in found.text:
            found.numbers()
        out.extend(found.ordered())
    return out


class _ClauseRefs:
    """The references of one clause's text, in three passes: 《titles》 (with
    a 文号 in brackets and an article after), short names with an article,
    free-standing 文号 and 令; a span taken by one pass is not read again."""

    def __init__(self, clause_id: str, text: str, me: _Self):
        self.clause_id, self.text, self.me = clause_id, text, me
        self.seen: set[tuple] = set()
        self.taken: list[tuple[int, int]] = []
        self.refs: list[tuple[int, Reference]] = []

    def add(self, pos: int, ref: Reference) -> None:
        """Keep one reference per document/article/date in the clause."""
        idents = [x for x in (ref.doc_number, ref.title and title_key(ref.title)) if x]
        if any((i, ref.article, ref.date) in self.seen for i in idents):
            return
        self.seen.update((i, ref.article, ref.date) for i in idents)
        self.refs.append((pos, ref))

    def free(self, s: int, e: int) -> bool:
        return not any(a <= s < b or a < e <= b for a, b in self.taken)

    def ordered(self) -> list[Reference]:
        return [r for _, r in sorted(self.refs, key=lambda p: p[0])]

    def article_at(self, e: int) -> tuple[Optional[str], int]:
        """(article id, end) of ``第X条…`` at ``e``; (None, e) when there is none."""
        am = _ARTICLE.match(self.text, e)
        if am:
            try:
                return _article_id(am), am.end()
            except (ValueError, TypeError):
                pass
        return None, e

    def bracket_number(self, e: int) -> tuple[Optional[str], int]:
        """(文号, end) of ``（国办发〔2014〕64号）`` right after a title at ``e``."""
        text = self.text
        m = _PAREN_DOCNO.match(text, e)
        dm = (DOCNO_RE.match(text, m.end()) or ORDER_RE.match(text, m.end())) if m else None
        cm = re.compile(r"\s*[)）]").match(text, dm.end()) if dm else None
        if not cm:
            return None, e
        docno = normalise_doc_number(dm.group(0)) if dm.re is DOCNO_RE else order_number(dm)
        return (docno, cm.end()) if docno else (None, e)

    def titles(self, shorts: dict[str, str]) -> None:
        text = self.text
        for s, e, inner in _iter_titles(text):
            title = display_title(inner)
            title = shorts.get(title, title)
            docno, e = self.bracket_number(e)
            article, e = self.article_at(e)
            self.taken.append((s, e))
            if self.me.title(title) or self.me.number(docno):
                continue
            date = decision_date(text, s, title)
            if _OMNIBUS.search(title):
                dm = _DATE_BEFORE.search(text, max(0, s - 16), s)
                if dm:
                    s = dm.start()  # 2019年3月2日《国务院关于修改部分行政法规的决定》
            self.add(s, Reference(self.clause_id, text[s:e], title=title, doc_number=docno, article=article, date=date))
            if article:
                for printed, art in _more_articles(text, e):
                    self.add(s, Reference(self.clause_id, printed, title=title, doc_number=docno, article=art))

    def bare_names(self, bare: re.Pattern, shorts: dict[str, str]) -> None:
        """``条例第十条`` where the document defined 条例 as a short name."""
        text = self.text
        for m in bare.finditer(text):
            article, end = self.article_at(m.end())
            if article is None or not self.free(m.start(), end):
                continue
            printed = text[m.start():end].strip()
            # 本条例第十条 here or anywhere in the clause: the link would land there too
            if self.me.title(shorts[m.group(0)]) or any(
                    text[max(0, i - 1):i] in ("本", "该", "《", "〈") for i in _find_all(text, printed)):
                continue
            self.taken.append((m.start(), end))
            self.add(m.start(), Reference(self.clause_id, printed, title=shorts[m.group(0)], article=article))
            for more, art in _more_articles(text, end):
                self.add(m.start(), Reference(self.clause_id, more, title=shorts[m.group(0)], article=art))

    def numbers(self) -> None:
        """Free-standing 文号 and 令, the issuing organ's words before them cut."""
        text = self.text
        for rx in (DOCNO_RE, ORDER_RE):
            for m in rx.finditer(text):
                if not self.free(m.start(), m.end()):
                    continue
                docno = normalise_doc_number(m.group(0)) if rx is DOCNO_RE else order_number(m)
                if not docno:
                    continue
                cut = (ORG_CUT if rx is DOCNO_RE else ORDER_CUT).match(m["org"].replace("中华人民共和国", "\0"))
                start = m.start("org") + (cut.end() if cut else 0)
                e = m.end()
                article = None
                am = _ARTICLE.match(text, e)
                if am and not am.group(0).lstrip().startswith(("(", "（")):
                    article, e = _article_id(am), am.end()
                self.taken.append((m.start(), e))
                if self.me.number(docno):
                    continue
                self.add(start, Reference(self.clause_id, text[start:e].strip(), doc_number=docno, article=article))


# ---------------------------------------------------------------- resolving


def load_aliases(path: Optional[Path | str] = None) -> list[list[str]]:
    """Groups of equivalent titles from data/aliases.yml.

    Format: a list of ``{title: 正式标题, aliases: [简称, …]}``."""
    path = Path(path) if path else DEFAULT_ALIASES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ValueError(f"{path}:{mark.line + 1 if mark else 0}: YAML 格式错误: {e}") from e
    groups = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not item.get("title"):
            raise ValueError(f"{path}: 第 {i + 1} 项缺少 title")
        groups.append([str(item["title"])] + [str(a) for a in item.get("aliases") or []])
    return groups


def external_key(ref: Reference, citing_id: Optional[str] = None) -> Optional[str]:
    """``ext-<8 hex of sha1(文号 or title key)>``; None for junk titles.

    Omnibus decisions (``关于修改部分地方性法规的决定``, one title for many
    documents) are keyed by title and the date printed before them
    (``2019年3月2日《…》``), else by title and the citing document."""
    if ref.doc_number:
        basis = ref.doc_number
    elif ref.title and not is_junk_title(ref.title) and title_key(ref.title):
        basis = title_key(ref.title)
        dm = _DATE_IN.match(ref.text)
        if ref.date:  # the four 专利法修正决定 are four documents
            basis += "@" + ref.date
        elif _OMNIBUS.search(ref.title):
            if dm:
                basis += "@" + "-".join(f"{int(x):02d}" for x in dm.groups())
            elif citing_id:
                basis += "#" + citing_id
    else:
        return None
    return "ext-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:8]


def _text_date(n: Notice) -> Optional[str]:
    """Date of the text as held: a law's version date (its last amendment,
    ``date_published``; ``date_written`` is when it was adopted), else the
    document's date."""
    if n.kind == "law" and n.date_published:
        return n.date_published
    return n.date


def _pick(cands: list[Notice], citing: Notice) -> Optional[Notice]:
    """Version in force at the citing date: latest not after it, else earliest."""
    cands = [c for c in cands if c.id != citing.id]
    if not cands:
        return None
    if len(cands) == 1:
        return cands[0]
    dated = sorted(cands, key=lambda n: (_text_date(n) or "", n.id))
    when = _text_date(citing)
    if when:
        before = [n for n in dated if _text_date(n) and _text_date(n) <= when]
        if before:
            return before[-1]
        return dated[0] if _text_date(dated[0]) else dated[-1]
    return dated[-1]


def _clause_target(target: Notice, article: Optional[str], ids_of: dict[str, set[str]]) -> Optional[str]:
    """The clause of ``target`` an article id names (``art-82-2`` falls back
    to ``art-82``); ``ids_of`` (doc id -> clause ids, filled here) saves
    walking a law cited 500 times 500 times."""
    if not article:
        return None
    ids = ids_of.get(target.id)
    if ids is None:
        ids = ids_of[target.id] = {c.id for c in target.walk()}
    return next((cid for cid in fallbacks(article) if cid in ids), None)


PART_SUFFIX = re.compile(r"（(?:总则|附则|[^（）]{1,8}编)）$")  # a part of a code (read.py puts it in the title)
_BARE_END = re.compile(rf"(?:法|条例|规定|办法|细则|规则|解释)(?=第[{CN_NUM}\d]+条)")


BARE_WINDOW = 160  # characters kept before a bare name's end: more than any law title (the longest: ~70)


@dataclass(frozen=True, slots=True)
class BareSpot:
    """One place in a document where a law may be named without 《》 and an
    article follows (``…法第十条``, ``…条例第五条``): what
    :func:`add_bare_law_references` reads of the clause, whatever the archive's
    law names are.  Found once per document with its per-document enrichment
    (``enrich.doccache``), so a rebuild matches the names of the archive's
    laws against these spots and reads no clause text (issue 29).

    ``before``: the clause's text up to the end of the name-like word
    (``法`` of ``专利法``), at most ``BARE_WINDOW`` + 1 characters; ``end``:
    that end's offset in the clause; ``after``: from there to the end of the
    article (``第十条``); ``more``: the further articles of a list
    (``_more_articles``); ``label``/``repeal``: the clause's label and, when
    the clause says 废止, its text (``versions._repeals`` reads it)."""

    clause_id: str
    end: int
    before: str
    after: str
    article: str
    more: tuple[tuple[str, str], ...] = ()
    label: Optional[str] = None
    repeal: Optional[str] = None

    def __reduce__(self):
        # unpickled by its constructor: the dataclass default (fields() per object) was 0.6 s of CPU in a
        # 2x rebuild, which unpickles every document's spots (issue 29)
        return BareSpot, (self.clause_id, self.end, self.before, self.after, self.article, self.more, self.label,
                          self.repeal)


def bare_spots(notice: Notice, window: int = BARE_WINDOW) -> list[BareSpot]:
    """Every ``BareSpot`` of ``notice``, in clause and text order (``window``:
    the characters kept before each name's end, ``BareSpot.before``)."""
    out: list[BareSpot] = []
    for clause in notice.walk():
        text = clause.text
        if "条" not in text:
            continue
        for m in _BARE_END.finditer(text):
            end = m.end()
            am = _ARTICLE.match(text, end)
            if not am:
                continue
            try:
                article = _article_id(am)
            except (ValueError, TypeError):
                continue
            out.append(BareSpot(clause.id, end, text[max(0, end - window - 1):end], text[end:am.end()], article,
                                tuple(_more_articles(text, am.end())), clause.label,
                                text if "废止" in text else None))
    return out


def law_names(notices: list[Notice]) -> dict[str, Notice]:
    """The names a law of the archive may be cited by without 《》 (full title,
    without 中华人民共和国, a code's part suffix dropped) -> the first such law."""
    names: dict[str, Notice] = {}
    for n in notices:
        if n.kind == "law" and n.title:
            whole = PART_SUFFIX.sub("", n.title)  # 民法典（侵权责任编）: named 民法典, resolved by article
            for nm in {n.title, n.title.removeprefix("中华人民共和国"), whole, whole.removeprefix("中华人民共和国")}:
                if len(nm) >= 3:
                    names.setdefault(nm, n)
    return names


def add_bare_law_references(notices: list[Notice], spots: Optional[dict[str, list[BareSpot]]] = None,
                            names: Optional[dict[str, Notice]] = None) -> int:
    """References to an archive law named without 《》, followed by an article.

    Real forms: ``人民法院可以适用反不正当竞争法第二条予以认定``,
    ``依照专利法第十条``, ``中华人民共和国著作权法第四十九条``.  Only the names
    of laws in the archive count (full title, and without 中华人民共和国), so
    ordinary words never become references; ``本法第X条`` and a law naming
    itself are not cross-references.  Returns how many were added.

    ``spots``: doc id -> its ``bare_spots`` where already known (the enrich
    cache); a document without them is read (``bare_spots``).
    """
    names = law_names(notices) if names is None else names
    if not names:
        return 0
    added = 0
    for n in notices:
        known = spots.get(n.id) if spots else None
        added += add_bare_references(n, known if known is not None else bare_spots(n), names)
    return added


def add_bare_references(n: Notice, spots: list[BareSpot], names: dict[str, Notice],
                        longest: Optional[int] = None) -> int:
    """``add_bare_law_references`` for one document, from its spots."""
    if not spots or not names:
        return 0
    longest = longest or max(map(len, names))
    if longest > BARE_WINDOW:  # a name longer than a spot keeps: read the clauses
        spots = bare_spots(n, longest)
    have = {(r.clause_id, r.title and title_key(r.title), r.article) for r in n.references}
    added = 0
    for sp in spots:
        before, end = sp.before, sp.end
        size = len(before)
        k = next((k for k in range(min(longest, end), 2, -1) if before[size - k:] in names), None)
        if k is None:
            continue
        law = names[before[size - k:]]
        if law.id == n.id:
            continue
        if end - k > 0 and before[size - k - 1] in "《〈<":
            continue  # already found as a 《title》
        title = PART_SUFFIX.sub("", law.title)
        key = (sp.clause_id, title_key(title), sp.article)
        if key in have:
            continue
        have.add(key)
        n.references.append(Reference(sp.clause_id, (before[size - k:] + sp.after).strip(), title=title,
                                      article=sp.article))
        added += 1
        for printed, art in sp.more:
            key = (sp.clause_id, title_key(title), art)
            if key not in have:
                have.add(key)
                n.references.append(Reference(sp.clause_id, printed, title=title, article=art))
                added += 1
    return added


def resolve_references(
    notices: list[Notice], aliases: Optional[list[list[str]]] = None,
    works: Optional[dict[str, Work]] = None,
    aligned: Optional[dict[tuple[str, str], list[Match]]] = None,
    spots: Optional[dict[str, list[BareSpot]]] = None,
) -> None:
    """Set target_id/target_clause (or external_key) on every notice.references.

    Order: 文号 → exact title key → alias group → title learned from another
    reference carrying the same 文号.  ``aliases`` defaults to data/aliases.yml.

    ``works`` (versions.build_works): a reference to a law with versions goes
    to the version in force at the citing text's date (its 成文 or 发布 date,
    ``models.Work.in_force``); when the archive lacks that version the
    reference keeps ``target_work`` and ``missing_version`` (its label, e.g.
    ``2008年修正``) and no ``target_id`` — never silently a later text.  Seed
    003 (2015-10-09) citing 《中华人民共和国专利法》 with only the 2020 text in
    the archive means the 2008 text.  In force means 施行 (issue 25): the 2020
    专利法 was adopted 2020-10-17 but took effect 2021-06-01, so
    侵犯专利权纠纷解释（二） (2020-12-29) 第二十七条's 专利法第六十五条第一款 is the
    2008 text's damages rule.

    ``aligned`` (alignment.align_works): when a newer held text renumbered or
    deleted the cited article, the reference also names it there
    (``now_id``/``now_clause``/``now_note``: 原第六十五条，现第七十一条).
    """
    resolve_by_difference(notices, aliases, works, aligned, spots, None)


OUTCOME = ("target_id", "target_clause", "external_key", "target_work", "missing_version", "now_id", "now_clause",
           "now_note")  # what resolution sets on a Reference


class ResolvedMemo:
    """Each document's resolution kept between builds (issue 29), in one keyed
    file (``fsutil.load_keyed``, marshal): doc id -> (its entry key, the
    table digest, the documents it read with their stamps, its bare law
    references, the outcome of each reference).

    What resolving a document's references reads: its own references and
    dates (its entry key: ``doccache.DocCache.keys``, its content); the
    archive's table — every document's id, kind, text date, work and version
    label, the 文号 and title keys it answers to, the alias groups, the
    文号/title pairs references print, the law names, the works with their
    versions and 施行 dates (``table_digest``); and, of the documents a
    reference lands on, their clause ids (``ids``: a digest of each
    document's clause ids, so a new sentence in a cited law re-resolves
    nobody) and, for a followed article, every version of its work (their
    entry keys: the article alignment).  A document whose key, table and
    stamps are as kept gets its kept outcome; the others are resolved again.
    So a change that leaves the table as it was (a sentence, a clause) re-resolves
    only the changed document and those whose references land on clause ids it
    changed; one that changes the table (a document added, removed, retitled
    or re-dated, a 文号, a version) re-resolves every document: the honest rule,
    since any reference may now find another target."""

    def __init__(self, path: Path, keys: dict[str, str], ids: dict[str, str]):
        self.path, self.keys, self.ids = Path(path), keys, ids
        self.old: dict = load_keyed(self.path, "resolved-1", codec="marshal")
        self.new: dict = {}
        self.hits = self.misses = 0

    def get(self, n: Notice, table: str) -> Optional[tuple]:
        got = self.old.get(n.id)
        key = self.keys.get(n.id)
        if got is None or key is None or got[0] != key or got[1] != table:
            return None
        if any(self.ids.get(d) != st for d, st in got[2]) or any(self.keys.get(d) != st for d, st in got[3]):
            return None
        return got

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        save_keyed(self.path, "resolved-1", self.new, codec="marshal")


def table_digest(notices: list[Notice], idx: "_Targets", names: dict[str, Notice], works: dict[str, Work]) -> str:
    """The digest of everything resolution reads across documents except the
    clause ids of its targets (``ResolvedMemo``)."""
    h = hashlib.sha1()
    h.update(repr([(n.id, n.kind, _text_date(n), n.work_id, n.version_label) for n in notices]).encode())
    h.update(repr(sorted((k, [n.id for n in v]) for k, v in idx.by_no.items())).encode())
    h.update(repr(sorted((k, [n.id for n in v]) for k, v in idx.by_title.items())).encode())
    h.update(repr(sorted(idx.alias_of.items())).encode())
    h.update(repr((sorted(idx.no2title.items()), sorted(idx.title2no.items()))).encode())
    h.update(repr(sorted((nm, n.id, n.title) for nm, n in names.items())).encode())
    h.update(repr(sorted((w.id, w.kind, w.versions, w.history, sorted(w.effective.items()), w.current)
                         for w in works.values())).encode())
    return h.hexdigest()


def resolve_by_difference(
    notices: list[Notice], aliases: Optional[list[list[str]]] = None,
    works: Optional[dict[str, Work]] = None,
    aligned: Optional[dict[tuple[str, str], list[Match]]] = None,
    spots: Optional[dict[str, list[BareSpot]]] = None,
    memo: Optional[ResolvedMemo] = None,
) -> int:
    """``resolve_references``, with the outcome of each document kept in
    ``memo`` (``ResolvedMemo``: a document is resolved again only when what
    its resolution read changed).  Returns how many documents were resolved."""
    if aliases is None:
        aliases = load_aliases() if DEFAULT_ALIASES.exists() else []
    works, aligned = works or {}, aligned or {}
    names = law_names(notices)
    longest = max(map(len, names)) if names else 0
    # bare law references carry no 文号: the 文号/title pairs are those found
    idx = _Targets(notices, aliases, memo.ids if memo is not None else None)
    table = table_digest(notices, idx, names, works) if memo is not None else ""
    done = 0
    for n in notices:
        got = memo.get(n, table) if memo is not None else None
        if got is not None and len(got[5]) == len(n.references) + len(got[4]):
            n.references.extend(Reference(c, t, title=ti, article=a) for c, t, ti, a in got[4])
            for r, outcome in zip(n.references, got[5]):
                (r.target_id, r.target_clause, r.external_key, r.target_work, r.missing_version, r.now_id,
                 r.now_clause, r.now_note) = outcome
            memo.new[n.id] = got
            memo.hits += 1
            continue
        found = len(n.references)
        known = spots.get(n.id) if spots else None
        add_bare_references(n, known if known is not None else bare_spots(n), names, longest)
        idx.read_ids, idx.read_works = set(), set()
        for r in n.references:
            _resolve_one(r, n, idx, works, aligned)
        done += 1
        if memo is not None:
            memo.misses += 1
            memo.new[n.id] = (memo.keys.get(n.id), table,
                              tuple(sorted((d, memo.ids.get(d)) for d in idx.read_ids)),
                              tuple(sorted((d, memo.keys.get(d)) for d in idx.read_works)),
                              tuple((r.clause_id, r.text, r.title, r.article) for r in n.references[found:]),
                              tuple(tuple(getattr(r, f) for f in OUTCOME) for r in n.references))
    return done


class _Targets:
    """The archive indexed for resolving: by 文号, by title key (with the
    alias groups), and the 文号 <-> title pairs references print together."""

    def __init__(self, notices: list[Notice], aliases: list[list[str]], ids: Optional[dict[str, str]] = None):
        self.byid = {n.id: n for n in notices}
        self.clause_ids: dict[str, set[str]] = {}
        self.ids = ids or {}  # doc id -> digest of its clause ids (doccache.clause_ids_digest), where known
        self.by_digest: dict[str, set[str]] = {}  # that digest -> the clause ids of a document read with it
        self.read_ids: set[str] = set()  # the documents whose clause ids were read (ResolvedMemo)
        self.read_works: set[str] = set()  # the versions whose article alignment was read
        self.by_no: dict[str, list[Notice]] = {}
        self.by_title: dict[str, list[Notice]] = {}
        for n in notices:
            if n.doc_number:
                no = normalise_doc_number(n.doc_number) or n.doc_number
                self.by_no.setdefault(no, []).append(n)
            for k in self.keys_of(n):
                if k:
                    self.by_title.setdefault(k, []).append(n)
        self.alias_of: dict[str, list[str]] = {}
        for group in aliases:
            keys = [title_key(t) for t in group]
            for k in keys:
                self.alias_of.setdefault(k, []).extend(x for x in keys if x != k)
        self.no2title: dict[str, str] = {}
        self.title2no: dict[str, str] = {}
        for n in notices:
            for r in n.references:
                if r.title and r.doc_number:
                    self.no2title.setdefault(r.doc_number, r.title)
                    self.title2no.setdefault(title_key(r.title), r.doc_number)

    @staticmethod
    def keys_of(n: Notice) -> set[str]:
        keys = {title_key(n.title)} if n.title else set()
        if n.forwarded and n.forwarded.title:
            keys.add(title_key(n.forwarded.title))
        if n.source_file and n.kind == "law":
            keys.add(title_key(Path(n.source_file).stem))
            keys.add(title_key(PART_SUFFIX.sub("", n.title)))  # 民法典（侵权责任编） is cited as 民法典
        return keys

    def clause_target(self, target: Notice, article: Optional[str]) -> Optional[str]:
        """``_clause_target``, noting that ``target``'s clause ids were read."""
        if not article:
            return None
        self.read_ids.add(target.id)
        digest = self.ids.get(target.id)
        if target.id not in self.clause_ids and digest in self.by_digest:  # a copy's ids: its tree is not loaded
            self.clause_ids[target.id] = self.by_digest[digest]
        found = _clause_target(target, article, self.clause_ids)
        if digest is not None:
            self.by_digest.setdefault(digest, self.clause_ids[target.id])
        return found

    def by_key(self, k: str) -> list[Notice]:
        if k in self.by_title:
            return self.by_title[k]
        for a in self.alias_of.get(k, ()):
            if a in self.by_title:
                return self.by_title[a]
        return []

    def candidates(self, r: Reference) -> list[Notice]:
        """文号 → title key → alias → the title or 文号 another reference pairs with it."""
        cands: list[Notice] = []
        if r.doc_number:
            cands = self.by_no.get(r.doc_number, [])
        if not cands and r.title and not is_junk_title(r.title):
            cands = self.by_key(title_key(r.title))
        if not cands and r.doc_number and r.doc_number in self.no2title:
            cands = self.by_key(title_key(self.no2title[r.doc_number]))
        if not cands and r.title and title_key(r.title) in self.title2no:
            cands = self.by_no.get(self.title2no[title_key(r.title)], [])
        if r.article and len(cands) > 1:  # parts of one code: the one holding the article
            holding = [c for c in cands if self.clause_target(c, r.article)]
            cands = holding or cands
        return cands


def _resolve_one(r: Reference, n: Notice, idx: _Targets, works: dict[str, Work],
                 aligned: dict[tuple[str, str], list[Match]]) -> None:
    """Resolve one reference of ``n`` (see resolve_references)."""
    r.target_id = r.target_clause = r.external_key = None
    r.target_work = r.missing_version = None
    r.now_id = r.now_clause = r.now_note = None
    target = _pick(idx.candidates(r), n)
    work = works.get(target.work_id) if target is not None and target.kind == "law" else None
    if work is not None and n.id not in work.versions:
        label, doc_id = work.in_force(_text_date(n))
        r.target_work = work.id
        if doc_id is None:
            r.missing_version = label
            return
        target = idx.byid[doc_id]
    if target is not None:
        r.target_id = target.id
        # an article number points into the version in force at the date
        # of the citing text (_text_date); a later version may renumber it
        when, version = _text_date(n), _text_date(target)
        later = bool(when and version and version > when)
        r.target_clause = None if later else idx.clause_target(target, r.article)
        if work is not None and r.target_clause and not later:
            idx.read_works.update(work.versions)
            _follow_article(r, target.id, work, aligned, idx)
        return
    proxy = r
    if not r.doc_number and r.title and title_key(r.title) in idx.title2no:
        proxy = Reference(r.clause_id, r.text, r.title, idx.title2no[title_key(r.title)])
    r.external_key = external_key(proxy, n.id)


def _follow_article(r: Reference, doc_id: str, work: Work, aligned: dict[tuple[str, str], list[Match]],
                    idx: "_Targets") -> None:
    """Name the cited article in the newest held text when it moved or went."""
    found = follow(doc_id, r.target_clause, work, aligned)
    if found is None:
        return
    now_doc, now, cited, _ = found
    byid = idx.byid
    label = byid[now_doc].version_label or "现行"
    r.now_id = now_doc
    if now is None:
        r.now_note = f"该条已于{label}时删除"
        return
    if now.id == cited.id:
        return  # same number: nothing to say
    suffix = r.target_clause[len(cited.id):]
    r.now_clause = idx.clause_target(byid[now_doc], now.id + suffix)
    r.now_note = f"原{cited.label}，现{now.label}"  # the link says which text (render/works.ref_extra)


def cited_by(notices: list[Notice], versions: Optional[dict[str, Version]] = None
             ) -> tuple[dict[str, list[CitedBy]], dict[str, list[CitedBy]]]:
    """(archive doc id → citing clauses, work id → citing clauses of versions
    the archive lacks).  Each item names the version cited (``versions``:
    versions.build_works) when the target is a law with versions."""
    versions = versions or {}
    docs: dict[str, list[CitedBy]] = {}
    works: dict[str, list[CitedBy]] = {}
    for n in notices:
        for r in n.references:
            if r.target_id and r.target_id != n.id:
                v = versions.get(r.target_id)
                docs.setdefault(r.target_id, []).append(
                    CitedBy(n.id, r.clause_id, r.target_clause, r.text, v.label if v else None))
            elif r.target_work and r.missing_version:
                works.setdefault(r.target_work, []).append(
                    CitedBy(n.id, r.clause_id, None, r.text, r.missing_version, via_work=True))

    def tidy(m: dict[str, list[CitedBy]]) -> dict[str, list[CitedBy]]:
        return {k: sorted(set(v), key=lambda c: (c.source_id, c.clause_id, c.text)) for k, v in m.items()}

    return tidy(docs), tidy(works)


def _shown_title(r: Reference) -> str:
    if r.title:
        return r.title if r.title.startswith("《") else f"《{r.title}》"
    return r.doc_number or r.text


def external_documents(notices: list[Notice]) -> dict[str, ExternalDocument]:
    """external_key → ExternalDocument (best title, 文号 and date seen, every
    citing clause).  A title-only key (no 文号, no date) whose title is a
    decision or is also cited with a date elsewhere is ``ambiguous``: the
    references grouped there may be to several documents."""
    out: dict[str, ExternalDocument] = {}
    dated_titles: set[str] = set()
    for n in notices:
        for r in n.references:
            if r.target_id or r.target_work or not r.external_key:
                continue
            d = out.get(r.external_key)
            if d is None:
                d = out[r.external_key] = ExternalDocument(r.external_key, _shown_title(r), r.doc_number, r.date)
            elif r.title and r.doc_number and not d.doc_number:
                d.title = _shown_title(r)
            if r.doc_number and not d.doc_number:
                d.doc_number = r.doc_number
            if r.date and not d.date:
                d.date = r.date
            if r.title and (r.date or r.doc_number):
                dated_titles.add(title_key(r.title))
            d.citing.append(CitedBy(n.id, r.clause_id, r.article, r.text))
    for d in out.values():
        d.citing = sorted(set(d.citing), key=lambda c: (c.source_id, c.clause_id, c.text))
        if d.date and not d.doc_number:  # 《关于修改〈…专利法〉的决定》（1992年9月4日）: four pages, four titles
            y, mo, dd = (int(x) for x in d.date.split("-"))
            d.title += f"（{y}年{mo}月{dd}日）"
        if not d.doc_number and not d.date:
            k = title_key(d.title)
            d.ambiguous = k in dated_titles or bool(_DECISION.search(d.title.strip("《》")))
    return out
