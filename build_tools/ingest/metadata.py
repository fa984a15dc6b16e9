"""Metadata stage: RawDocument (+ sidecar) -> Notice.

The readers and ``clean.py`` hand over what the page declares (``RawDocument.declared``:
metadata-table rows, meta tags, headings, ``<title>``, bars and footers) and the body
lines; this stage decides each field and records where it came from
(``Notice.provenance``, shown by ``iparchive parse --explain``) and every
disagreement (``Notice.warnings``).  Real forms in ../shared:

* title, by agreement of candidates: a metadata-table 标题 row (govcn2019); lawrefbook
  ``# 标题``; ``<meta name="ArticleTitle">`` + the ``sp_title`` heading + a part of
  ``<title>`` ``江西省人民政府 工作动态 …`` (provincial, all three agree); the line
  above a ``来源:…|发布时间:…`` bar (seed 004); a first line ending in 通知/意见/方案…
  (seed 002); a ``标题:（民生）关于…`` footer (seed 001, column tag dropped); the
  forwarded document's title for a 转发 wrapper (seed 003).  ``<title>`` alone never
  decides: the page is reported with the candidates seen;
* issuer (发文机关): a table row (``国务院 国家发展改革委`` govcn2019; the short
  ``省政府办公厅`` of provincial pages is shown in the fuller form its title prints,
  ``江西省人民政府办公厅``, with a warning), ``X关于…``/``X印发关于…`` title
  prefixes, the signature line above a date line, lawrefbook ``…人民代表大会常务
  委员会第…次会议通过`` lines, ``<meta name="ContentSource">`` last;
* 发文字号 from a table row (``无`` = none), else a 文号 line at the top of the body
  (``江西省人民政府令`` / ``第223号`` over two lines, provincial-006), in 〔〕/[]/（）/【】
  spellings, shown as ``赣府厅字〔2020〕14号`` (``doc_number_printed`` keeps the
  printed one); two different 文号 are both named in a warning;
* dates: table 成文日期 (``2020-02-09``), else the signature date (``2022年9月29日``,
  ``二〇一五年十月九日``, a date then ``（此件主动公开）`` without an organ line,
  provincial-001), never from a data-table row of the body; 发布日期 from a table
  row, ``<meta name="PubDate">`` (provincial) or a ``发布时间: 2023-03-22`` bar
  (seed 004); lawrefbook dated lines (lawdates.py); 成文 after 发布 is warned, both kept;
* source_url: ``<link rel="canonical">``, ``og:url``, ``<meta name="Url">``, a ``地址:`` footer;
* region (GB/T 2260 with parents, down to 区/县: 三明市沙县区人民政府 -> 沙县区;
  ``<meta name="SiteName">`` or an organ in ``<title>`` only as an inferred fallback),
  doc_type (a 印发 wrapper's own 《…》, not a title its text cites), status
  (正式/征求意见稿/解读, 已失效/已废止 from a 有效性 field, a heading tag or a past
  失效日期, the source named), and a 转发/印发 wrapper with the document it forwards;
* sites2 (35 sites): site tags around the heading (``【稳经济大盘一揽子政策】``) and a
  文号 before/after it go to the field 网站标签 (``site_tags``) and 文号; joint issuers printed
  without separators are split by ``data/organs.txt`` and region names
  (``证监会国资委全国工商联``); a table's 部委联合发文 or short 市住建局 is replaced by what
  the title, signature or site name prints; a signature with ``（代章）`` and up to 12
  organ lines; a table 发文日期 that differs from the signature date yields to it.

Each field is decided by one function registered in ``DECIDERS`` (``@decider(key, priority)``,
run in priority order, higher first, like Python-Markdown's processors): title, 网站标签,
印发/转发, issuer, 文号, 成文日期, 发布日期, year, region, 文种, status, source_url, 施行日期.  A decider
reads the source through a ``Reading`` (what the page declares, the body lines, the signature
and closing block, a law's dated lines, each found once) and the fields decided before it; the
fields themselves (label, sidecar key, card, explain, exports) are declared in
``model/fields.py``.

A field not printed in the source is left empty and listed by
``missing_fields``; the sidecar (``<name>.yml`` beside the source) supplies
curated values, and ``Notice.basis`` records printed/inferred/sidecar for each.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Optional

from .. import regions
from . import sidecar as sc
from ..docnumber import DOCNO_RE, ORDER_RE, display_doc_number
from .lawdates import law_dates
from ..doctypes import doc_type_of
from ..numerals import cn_int
from .clean import looks_like_title, normalise_line
from ..limits import MAX_TITLE_CHARS
from ..docnumber import normalise_doc_number
from ..model.fields import DECLARED_ONLY, FIELDS, Registry
from ..models import Declared, Forwarded, Notice, RawDocument
from .office import ToolRunner
from .read import read_file

# ------------------------------------------------------------------ dates

_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
DATE_RE = re.compile(r"([12]\d{3}|[一二][〇○零Ｏ一二三四五六七八九]{3})\s*年\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*日")
ISO_RE = re.compile(r"([12]\d{3})[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})日?")


def parse_date(s: str) -> Optional[str]:
    """``2022年9月29日``, ``二〇一五年十月九日``, ``2023-03-22``, ``2019年01月27日`` -> ISO."""
    m = DATE_RE.search(s)
    if m:
        y = "".join(_CN_DIGITS.get(c, c) for c in m.group(1))
        try:
            mo, d = cn_int(m.group(2)), cn_int(m.group(3))
        except (ValueError, TypeError):
            return None
    else:
        m = ISO_RE.search(s)
        if not m:
            return None
        y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{int(y):04d}-{mo:02d}-{d:02d}"


DATE_LINE_RE = re.compile(rf"^{DATE_RE.pattern}$")

# ------------------------------------------------------------ 文号 / types

WRAPPER_RE = re.compile(r"(现|特)?(印发|转发|予以印发|予印发|予以转发|批转)给你们|现予(印发|公布)|现印发|现转发")
FORWARD_TITLE_RE = re.compile(r"关于(印发|转发|批转)(.+?)的(通知|函)$")
CONSULT_TITLE_RE = re.compile(r"关于(?:对)?《(.+)》(?:公开)?征求(?:社会公众)?意见的(通知|公告|函)$")
ISSUER_SPLIT_RE = re.compile(r"[、，,\s]+")

# ----------------------------------------------------------------- model


def _looks_like_title(s: str) -> bool:
    return looks_like_title(s)


_TITLE_CUT = re.compile(r"^(.+?)(?:关于|印发|转发|批转)")


def _first_line_title(lines: list[str]) -> bool:
    s = lines[0]
    return (4 <= len(s) <= 60 and not re.search(r"[。，；：:！？]", s) and not _CLAUSE_START.match(s)
            and not DATE_RE.search(s) and len(lines) >= 3)


def _issuers_from_title(title: str) -> list[str]:
    """``江西省人民政府办公厅印发关于…`` / ``X、Y关于…`` -> the organs before 关于/印发/转发;
    ``X等九部门印发…`` (联合发文 under the lead organ, sites2-024) names only the lead: none."""
    m = _TITLE_CUT.match(title)
    if not m or len(m.group(1)) > 80:
        return []
    head = m.group(1)
    if JOINT_RE.search(head):
        return []
    parts = split_organs([p for p in ISSUER_SPLIT_RE.split(head) if p])
    ok = all(len(p) >= 2 and ORGAN_END_RE.search(p) for p in parts)
    return parts if ok else []


# 联合发文: a table cell or title that names the joint issue, not the organs (sites2-003 发布机构 部委联合发文,
# sites2-024 佛山市住房和城乡建设局等九部门)
JOINT_RE = re.compile(r"联合发文|等[一二三四五六七八九十\d]{1,3}(个)?(部门|单位|部委)")


@lru_cache(maxsize=1)
def _organ_names() -> frozenset[str]:
    text = (Path(__file__).parent.parent / "data" / "organs.txt").read_text(encoding="utf-8")
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


def _organ_piece(p: str) -> bool:
    """One organ's name: in the vocabulary (data/organs.txt), or a region name (or 省/市/区/县 for the
    issuer's own one) then an organ ending (慈溪市财政局, 市房屋管理局), or a vocabulary name then a
    region's organ (国家税务总局佛山市税务局)."""
    if p in _organ_names():
        return True
    if len(p) < 4 or not ORGAN_END_RE.search(p):
        return False
    if re.match(r"[省市区县州]", p) and len(p) >= 5:
        return True
    if any(pos == 0 for _, pos in regions.find_regions(p)):
        return True
    return any(p.startswith(v) and any(pos == len(v) for _, pos in regions.find_regions(p)) for v in _organ_names())


def split_organs(parts: list[str]) -> list[str]:
    """Joint issuers printed without separators (spaces lost with U+2002, sites2-003/004/006/018):
    ``证监会国资委全国工商联`` -> 证监会、国资委、全国工商联, ``慈溪市住房和城乡建设局慈溪市财政局`` ->
    two organs; a part is split only when every piece is an organ name (``_organ_piece``)."""
    out: list[str] = []
    for part in parts:
        n = len(part)
        best: list[Optional[list[str]]] = [None] * (n + 1)
        best[0] = []
        for end in range(3, n + 1):
            for start in range(0, end - 2):
                if best[start] is not None and _organ_piece(part[start:end]):
                    cand = best[start] + [part[start:end]]
                    if best[end] is None or len(cand) > len(best[end]):
                        best[end] = cand
        pieces = best[n] if best[n] and len(best[n]) > 1 else [part]
        merged: list[str] = []
        for p in pieces:  # a national organ's local branch is one organ: 国家税务总局 + 佛山市税务局
            if merged and merged[-1] in _organ_names() and _branch_of(merged[-1], p):
                merged[-1] += p
            else:
                merged.append(p)
        out.extend(merged)
    return out


def _branch_of(national: str, p: str) -> bool:
    """``佛山市税务局`` under 国家税务总局, ``佛山监管分局`` under 国家金融监督管理总局 (sites2-024)."""
    rest = next((p[len(n):] for n, pos in regions.find_regions(p) if pos == 0), None)
    if not rest:
        return False
    return rest.endswith("分局") or rest[:2] in national


ORGAN_END_RE = re.compile(r"(政府|办公厅|办公室|委员会|局|厅|部|院|署|委|会|会议|中心|小组|组织|公司|办|处|所|站|队|社|联)$")


_SEAL_NOTE = re.compile(r"[（(][^（）()]{0,12}(代章|盖章|印章|章)[）)]$")
MAX_SIGNERS = 12  # 佛山市住房和城乡建设局等九部门 sign on nine lines (sites2-024)


def _organ_line(t: str) -> Optional[str]:
    """An organ line of a signature block, without a seal note: ``省完善促进消费体制机制厅际联席会议（代章）``
    (sites2-001) -> the organ; None for any other line."""
    t = _SEAL_NOTE.sub("", t).strip()
    if t and len(t) <= 30 and not re.search(r"[。，；：！？]", t) and ORGAN_END_RE.search(t) and not _CLAUSE_START.match(t):
        return t
    return None


def _signature(lines: list[str]) -> tuple[Optional[int], list[str], Optional[str]]:
    """(index of the date line, issuer lines above it, ISO date) of the first signature:
    organ line(s), then ``2022年9月29日`` / ``二〇一五年十月九日`` (a seal note between is skipped)."""
    for i, s in enumerate(lines[:60]):
        if DATE_LINE_RE.match(s):
            orgs = []
            j = i - 1
            while j >= 0 and len(orgs) < MAX_SIGNERS:
                t = lines[j]
                if re.fullmatch(r"[（(].*(代章|盖章|印章)[）)]", t):
                    j -= 1
                    continue
                if _organ_line(t):
                    orgs.insert(0, _organ_line(t))
                    j -= 1
                    continue
                break
            if orgs:
                return i, orgs, parse_date(s)
            if i + 1 < len(lines) and PUBLIC_NOTE_RE.fullmatch(lines[i + 1]):
                return i, [], parse_date(s)  # sealed, organ not printed: 2020年2月9日 /（此件主动公开）(provincial-001)
    return None, [], None


PUBLIC_NOTE_RE = re.compile(r"[（(]此件[^（）()]{0,12}(公开|发布|公布)[^（）()]{0,6}[）)]")


def _closing(lines: list[str]) -> tuple[Optional[int], list[str], Optional[str]]:
    """The signature block among the last lines: organ line(s), the date, then
    optionally （此件公开发布）/（此件主动公开）/附件 lines (provincial 009, 018)."""
    n = len(lines)
    for i in range(n - 1, max(-1, n - 12), -1):
        if DATE_LINE_RE.match(lines[i]):
            orgs = []
            j = i - 1
            while j >= 0 and len(orgs) < MAX_SIGNERS:
                t = lines[j]
                if _organ_line(t):
                    orgs.insert(0, _organ_line(t))
                    j -= 1
                    continue
                break
            return i, orgs, parse_date(lines[i])
    return None, [], None


_CLAUSE_START = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．]|第[一二三四五六七八九十百]+[条章节])")
_KIND_RANK = {"table": 0, "format": 0, "meta": 1, "heading": 2, "body": 3, "outside": 3, "footer": 4, "title-tag": 5}


def _kind(d: Declared) -> str:
    src = d.source
    if src.startswith("正文区外"):
        return "outside"
    if src.startswith("元数据表"):
        return "table"
    if src.startswith(("Markdown", "front matter", "版式标题")):  # 版式标题: an office file's printed heading (office.printed_title)
        return "format"
    if src.startswith("meta"):
        return "meta"
    if src.startswith("<title>"):
        return "title-tag"
    if src.startswith("页脚"):
        return "footer"
    if re.search(r"（(标题样式|居中|加粗)[），]", src):
        return "heading"
    return "body"


def _title_key(s: str) -> str:
    return re.sub(r"[\s\u3000]+", "", normalise_line(s))


def _title_parts(page_title: str) -> list[str]:
    """``江西省人民政府 工作动态 江西省人民政府办公厅印发…的通知`` -> its parts (site, column, title)."""
    parts = [p for p in re.split(r"\s*(?:[_|｜]|——|--|\s-\s|(?<!\d)-(?!\d)|\s+)\s*", page_title) if p]
    return [page_title] + [p for p in parts if p != page_title]


SITE_NAME_RE = re.compile(r"[\u4e00-\u9fa5]{2,24}(人民政府|政府|办公厅|办公室|委员会|局|厅|部|院|署|网|门户网站|网站|政务网|信息网)")


_TAG = r"[【\[]([^【】\[\]]{1,16})[】\]]"
_DATE_SUFFIX = re.compile(r"\s*[（(]\s*\d{4}\s*[-年.]\s*\d{1,2}\s*[-月.]\s*\d{1,2}\s*日?\s*[）)]$")


def split_title(value: str) -> tuple[str, list[str], Optional[str]]:
    """(title, site tags, 文号) of a printed title: column and status tags a site puts around the
    heading (``【稳经济大盘一揽子政策】…`` sites2-001, ``【市级相关政策】`` sites2-013, ``[已废止]``, ``【贷款】``),
    a posting date behind it (``…的通知（ 2021年07月23日 ）`` sites2-023) and a 文号 before or
    after it (``蚌房金〔2022〕18号关于…`` sites2-036, ``…的通知（沪建房管联〔2021〕476号）``)."""
    t = value.strip()
    if len(t) > MAX_TITLE_CHARS:  # never a title (limits.MAX_TITLE_CHARS); the patterns below are quadratic on it
        return t, [], None
    tags: list[str] = []
    docno = None
    while True:
        m = re.match(_TAG + r"\s*", t) or re.search(r"\s*" + _TAG + r"$", t)
        if not m or DOCNO_RE.fullmatch(m.group(1)) or len(t) - len(m.group()) < 4:
            break
        tags.append(m.group(1).strip())
        t = (t[: m.start()] + t[m.end():]).strip()
    t = _DATE_SUFFIX.sub("", t).strip()
    m = DOCNO_RE.match(t)
    if m and looks_like_title(t[m.end():].strip()):
        docno, t = m.group().strip(), t[m.end():].strip()
    m = re.search(r"[（(]?\s*(" + DOCNO_RE.pattern + r")\s*[）)]?$", t)
    if m and m.start() > 0 and looks_like_title(t[: m.start()].strip()):
        docno, t = m.group(1).strip(), t[: m.start()].strip()
    return t, tags, docno


TitleCandidate = tuple[str, str, Declared]  # (comparison key, kind of source, the candidate)


def _title_candidates(declared: list[Declared]) -> list[TitleCandidate]:
    """Every title a page declares (a 标题 footer without its column tag, each part of
    ``<title>``), site tags and 文号 taken off; never the site's or column's own name."""
    cands: list[TitleCandidate] = []
    for d in declared:
        if d.field == "title" and d.value.strip():
            value = d.value
            if _kind(d) == "footer":
                value = re.sub(r"^[（(][^）)]{1,6}[）)]", "", value).strip()  # （民生） column tag
            value = split_title(value)[0]
            cands.append((_title_key(value), _kind(d), Declared("title", normalise_line(value), d.source, d.line)))
        elif d.field == "page_title" and d.value.strip():
            for part in _title_parts(d.value):
                part = split_title(part)[0]
                cands.append((_title_key(part), "title-tag", Declared("title", normalise_line(part), d.source, d.line)))
    # the site's or column's own name (a logo in <h1>, <title> parts) is never a title
    names = {_title_key(d.value) for d in declared if d.field in {"site", "column"}}
    return [c for c in cands if 4 <= len(c[0]) and len(c[2].value) <= MAX_TITLE_CHARS and c[0] not in names
            and (c[1] in {"table", "format"} or not SITE_NAME_RE.fullmatch(c[0]))]


def _fixed_title(cands: list[TitleCandidate], warnings: list) -> Optional[tuple[str, str]]:
    """A metadata-table 标题 row or a format's own title decides (other meta titles warned)."""
    for kind in ("table", "format"):
        fixed = [c for c in cands if c[1] == kind]
        if fixed:
            key, _, d = fixed[0]
            others = {c[2].value for c in cands if c[1] == "meta" and c[0] != key}
            if others:
                warnings.append((d.line, f"标题与页面其他来源不一致：采用{d.source}“{d.value}”，另见“{'”“'.join(sorted(others))}”"))
            agree = [c[2].source for c in cands if c[0] == key and c[1] != kind]
            return re.sub(r"\s+", "", d.value) if kind == "table" else d.value, "、".join([d.source] + sorted(set(agree)))
    return None


def _agreement(item: tuple[str, list[tuple[str, Declared]]]) -> tuple:
    """Sort key of a group of equal candidates: most kinds of source agreeing (``<title>`` counts
    only beside another), a title-like value, the best kind, the earliest line."""
    key, members = item
    kinds = {k for k, _ in members}
    best = min(_KIND_RANK[k] for k in kinds)
    first = min((d.line or 10**9) for _, d in members)
    titled = 0 if looks_like_title(members[0][1].value) else 1
    return (-len(kinds - {"title-tag"}) - (1 if "title-tag" in kinds and len(kinds) > 1 else 0), titled, best, first)


def choose_title(declared: list[Declared], warnings: list) -> tuple[Optional[str], str]:
    """(title, where it came from) by agreement of the candidates a page declares.

    A metadata-table 标题 row or a format's own title wins; otherwise the value
    most kinds of source agree on (meta ArticleTitle, a heading in the content,
    a line above a 来源 bar, a 标题 footer, a part of ``<title>``).  ``<title>``
    alone never decides: the page is then reported with every candidate seen."""
    cands = _title_candidates(declared)
    if not cands:
        warnings.append((None, "无法确定标题：页面中没有标题候选（元数据表、meta 标签、正文标题行均无）。请在 sidecar 中填写 title"))
        return None, ""
    fixed = _fixed_title(cands, warnings)
    if fixed is not None:
        return fixed
    groups: dict[str, list[tuple[str, Declared]]] = {}
    for key, kind, d in cands:
        groups.setdefault(key, []).append((kind, d))
    key, members = min(groups.items(), key=_agreement)
    kinds = {k for k, _ in members}
    if kinds == {"title-tag"}:
        seen = sorted({d.value for _, d in (m for g in groups.values() for m in g)})
        warnings.append((None, "无法确定标题：只有网页 <title>，正文中没有与之一致的标题；候选："
                         + "、".join(f"“{v}”" for v in seen[:6]) + "。请在 sidecar 中填写 title"))
        return None, ""
    chosen = min(members, key=lambda m: (_KIND_RANK[m[0]], m[1].line or 10**9))[1]
    rivals = [g for k, g in groups.items() if k != key and len({kk for kk, _ in g} - {"title-tag"}) >= len(kinds - {"title-tag"}) >= 1
              and any(kk in {"meta", "heading"} for kk, _ in g)]
    if rivals and len(kinds) < 2:
        warnings.append((chosen.line, f"标题候选不一致：采用“{chosen.value}”（{chosen.source}），另有“{rivals[0][0][1].value}”（{rivals[0][0][1].source}）"))
    sources = []
    for _, d in sorted(members, key=lambda m: (_KIND_RANK[m[0]], m[1].line or 10**9)):
        if d.source not in sources:
            sources.append(d.source)
    return chosen.value, "、".join(sources) + ("（一致）" if len(kinds) > 1 else "")


_GENERIC_SHORT = re.compile(r"(?:[省市区县州]|本[省市区县])(?:人民)?政府(?:办公厅|办公室)?")


def _abbreviates(short: str, full: str) -> bool:
    """A page's generic short form of its own government: 区政府 for 三明市沙县区人民政府 (sites2-016)."""
    if not _GENERIC_SHORT.fullmatch(short):
        return False
    tail = short.lstrip("本")[1:].replace("人民", "")
    return full.replace("人民", "").endswith(tail) and short.lstrip("本")[0] in full


def _short_of(short: str, full: str) -> bool:
    """A table's short form without the page's own region: 市住建局 for 慈溪市住房和城乡建设局 (sites2-018),
    市住保房管局 for 杭州市住房保障和房产管理局 (sites2-021): the rest of the full name after its region
    holds the short one's characters in order, with the same ending."""
    if not re.match(r"[省市区县州]", short) or len(short) < 4:
        return False
    region = next((n for n, pos in regions.find_regions(full) if pos == 0), None)
    if not region:
        return False
    s, f = short[1:], full[len(region):]
    if not s or not f or s[-1] != f[-1] or len(s) * 3 < len(f):
        return False
    it = iter(f)
    return all(ch in it for ch in s)


def same_organ(a: str, b: str) -> bool:
    """Short and full forms of one organ: 省政府办公厅 / 江西省人民政府办公厅,
    江西省市场监管局 / 江西省市场监督管理局 (the short one is the full one with
    characters left out, and both end alike); 江西省市场监管局办公室 is not 江西省市场监督管理局."""
    if a == b:
        return True
    short, full = sorted((a, b), key=len)
    if not short or short[-1] != full[-1] or len(short) * 5 < len(full) * 2:
        return False
    it = iter(full)
    return all(ch in it for ch in short)


_NUMBER_PARTS = re.compile(r"^(?P<org>.*?)(?:〔(?P<year>\d{4})〕(?P<num>\d+)号|令第(?P<order>\d+)号)$")


def same_doc_number(a: str, b: str) -> bool:
    """One 文号 in two spellings: equal matching keys (赣府厅字[2020]14号 / 赣府厅字〔2020〕14号),
    or an order under short and full forms of its organ (省政府令第223号 / 江西省人民政府令第223号)."""
    ka, kb = normalise_doc_number(a) or a, normalise_doc_number(b) or b
    if ka == kb:
        return True
    ma, mb = _NUMBER_PARTS.match(ka), _NUMBER_PARTS.match(kb)
    if not (ma and mb) or (ma["year"], ma["num"], ma["order"]) != (mb["year"], mb["num"], mb["order"]):
        return False
    # 赣府字 and 赣府厅字 are different series: only an order's organ may be abbreviated
    return bool(ma["order"]) and same_organ(ma["org"] + "令", mb["org"] + "令")


def _where(d: Declared) -> str:
    return f"{d.source}（第{d.line}行）" if d.line else d.source


def _declared(raw: RawDocument) -> list[Declared]:
    """What the page declares, plus the text readers' bars and footers."""
    out = list(raw.declared)
    h = raw.header
    for key, field, src in (("title", "title", "页脚“标题”"), ("date_published", "date_published", "来源栏“发布时间”"),
                            ("source_url", "source_url", "页脚“地址”"), ("source", "source", "来源栏“来源”")):
        if h.get(key) and not (raw.format == "lawmd" and key == "title"):  # a law's header title is its # heading
            out.append(Declared(field, h[key], src, None))
    return out


class Reading:
    """One document while its fields are decided: the source and what it declares, the values
    decided so far with their basis and provenance, the warnings, and what several deciders
    read (the signature, the closing block, a law's dated lines, the marks around the title),
    each found once."""

    def __init__(self, raw: RawDocument):
        self.raw = raw
        self.lines = [t for _, t in raw.lines]
        self.header = raw.header
        self.decl = _declared(raw)
        self.values: dict[str, Any] = {}
        self.basis: dict[str, str] = {}
        self.prov: dict[str, str] = {}
        self.warnings: list[tuple[Optional[int], str]] = []
        self.date_lines: dict[str, int] = {}
        self.printed: list[str] = []  # fields whose value, when set, is printed unless a basis says otherwise
        self.tags: list[str] = []  # site tags around the heading (split_title)
        self.title_no: Optional[str] = None  # a 文号 printed before or after the heading

    @property
    def is_law(self) -> bool:
        return self.raw.format == "lawmd"

    @property
    def title(self) -> Optional[str]:
        return self.values.get("title") or None

    def decide(self, key: str, value: Any, *, printed: bool = False) -> None:
        """The value of field ``key``; ``printed``: its basis is 'printed' unless one is set."""
        self.values[key] = value
        if printed:
            self.printed.append(key)

    def first(self, field: str, kinds: tuple[str, ...] = ()) -> Optional[Declared]:
        return next((d for d in self.decl if d.field == field and (not kinds or _kind(d) in kinds)), None)

    @cached_property
    def sig_lines(self) -> list[str]:
        """The body lines, a data table's rows blanked: a date is never taken from a table cell."""
        rows = set(self.raw.table_rows)
        return ["" if k in rows else t for k, t in enumerate(self.lines)]

    @cached_property
    def signature(self) -> tuple[Optional[int], list[str], Optional[str]]:
        return _signature(self.sig_lines)

    @cached_property
    def closing(self) -> tuple[Optional[int], list[str], Optional[str]]:
        return _closing(self.sig_lines)

    @cached_property
    def law(self):
        """lawdates.py's reading of a law's dated lines (None for other documents)."""
        return law_dates(self.raw) if self.is_law else None


Decider = Callable[[Reading], None]
# THE DECIDERS: one per field, run in priority order (higher first); each reads the source and
# the fields decided before it.  A new field: its declaration in model/fields.py and one
# ``@decider(key, priority)`` here (ARCHITECTURE.md, "adding a metadata field").
DECIDERS: Registry[Decider] = Registry()


def decider(key: str, priority: float) -> Callable[[Decider], Decider]:
    def register(fn: Decider) -> Decider:
        return DECIDERS.register(fn, key, priority)
    return register


@decider("title", 100)
def decide_title(r: Reading) -> None:
    """choose_title over what the page declares; a text copy's first line when nothing else."""
    title, title_src = choose_title(r.decl, r.warnings)
    if not title and r.raw.format in {"text", "markdown"} and r.lines and _first_line_title(r.lines):
        # a text copy opens with its heading even when the heading has no 文种 ending
        # (证监会新闻发言人就…答记者问 sites2-005, 泉州洛江实施购房补贴 sites2-038)
        title, title_src = r.lines[0], f"正文第{r.raw.lines[0][0]}行（首行，无其他标题候选）"
        r.warnings[:] = [w for w in r.warnings if not w[1].startswith("无法确定标题")]
    if title:
        r.basis["title"] = "printed"
        r.prov["title"] = title_src
    r.decide("title", title)


@decider("site_tags", 99)
def decide_site_tags(r: Reading) -> None:
    """The marks a site printed around the heading, kept out of the title: its tags (this field,
    ``【稳经济大盘一揽子政策】`` sites2-001, ``[已废止]`` read by ``decide_status``) and a 文号
    (``r.title_no``, read by ``decide_doc_number``)."""
    title = r.title
    where: list[str] = []
    for d in r.decl:
        if d.field in {"title", "page_title"} and title:
            for part in ([d.value] if d.field == "title" else _title_parts(d.value)):
                t, tg, no = split_title(normalise_line(part))
                if _title_key(t) == _title_key(title):
                    if any(x not in r.tags for x in tg):
                        where.append(_where(d))
                    r.tags += [x for x in tg if x not in r.tags]
                    r.title_no = r.title_no or no
    if r.tags:
        r.prov["site_tags"] = "、".join(where) + "中的标题（网站加在标题上的标签，不属标题）"
        r.decide("site_tags", list(r.tags))


@decider("forwarded", 90)
def decide_forwarded(r: Reading) -> None:
    """A 印发/转发 wrapper and the document it issues (or the draft a 征求意见 notice asks about);
    its title becomes the document's when the page prints no other."""
    title = r.title
    sig_i = r.signature[0]
    head = r.lines[: (sig_i if sig_i is not None else 12) + 1]
    wrap_line = next((s for s in head if WRAPPER_RE.search(s)), None)
    forwarded = None
    if wrap_line or (title and FORWARD_TITLE_RE.search(title)):
        ftitle = _forwarded_title(r, wrap_line, sig_i)
        if ftitle:
            forwarded = Forwarded(title=ftitle, doc_type=doc_type_of(ftitle),
                                  wrapper_type=doc_type_of(title) if title else "通知",
                                  action="转发" if (wrap_line and "转发" in wrap_line) or (title and "转发" in title) else "印发")
    if forwarded is None and title and CONSULT_TITLE_RE.search(title):
        ftitle = CONSULT_TITLE_RE.search(title).group(1)
        forwarded = Forwarded(title=ftitle, doc_type=doc_type_of(ftitle), wrapper_type=doc_type_of(title), action="征求意见")
    if not title and forwarded:
        r.decide("title", forwarded.title)
        r.basis["title"] = "printed"
        r.prov["title"] = "所印发/转发文件的标题（正文）"
    r.decide("forwarded", forwarded)


def _forwarded_title(r: Reading, wrap_line: Optional[str], sig_i: Optional[int]) -> Optional[str]:
    title = r.title
    ftitle = None
    own = FORWARD_TITLE_RE.search(title) if title else None
    if own and re.fullmatch(r"《[^《》]+》", own.group(2)):
        # the document's own title names what it issues: 关于印发《…实施细则（试行）》的通知 (sites2-018),
        # not the first title its text cites (根据《慈溪市…实施方案》)
        ftitle = own.group(2)[1:-1]
    if wrap_line and not ftitle:
        m = re.search(r"《(.+?)》", wrap_line)
        if m:
            ftitle = m.group(1)
    if not ftitle and title:
        m = FORWARD_TITLE_RE.search(title)
        if m:
            ftitle = re.sub(r"^《(.+)》$", r"\1", m.group(2))
    if not ftitle and sig_i is not None:
        ftitle = next((s for s in r.lines[sig_i + 1: sig_i + 6] if _looks_like_title(s)), None)
    return ftitle


@decider("issuer", 80)
def decide_issuer(r: Reading) -> None:
    """Table > title prefix > signature > law lines > the page's 来源 > meta ContentSource."""
    issuer: list[str] = []
    title = r.title
    table_issuer = r.first("issuer", ("table",))
    from_title = _issuers_from_title(title) if title else []
    sig_orgs, closing_orgs = r.signature[1], r.closing[1]
    signed = sig_orgs or closing_orgs
    if table_issuer is not None and (JOINT_RE.search(table_issuer.value) or not ORGAN_END_RE.search(table_issuer.value)):
        r.prov["issuer_table"] = f"{_where(table_issuer)}“{table_issuer.value}”不是机关名，改从标题或落款读取"
        table_issuer = None
    signed = split_organs(signed)
    if from_title and signed:  # 市规划资源局 in the title, 天津市规划和自然资源局 signed (sites2-007)
        from_title = [max((o for o in signed if same_organ(t, o) or _abbreviates(t, o)), key=len, default=t) for t in from_title]
    if table_issuer and table_issuer.value:
        issuer = _table_issuer(r, table_issuer, from_title, signed)
    elif from_title:
        issuer = from_title
        r.prov["issuer"] = "标题中“关于”之前的机关名"
    elif signed:
        issuer = split_organs(signed)
        r.prov["issuer"] = "落款（正文末尾）" if not sig_orgs else "落款（正文中的签署行）"
    elif r.is_law:
        issuer = _law_issuer(r.header.get("info", ""))
        if issuer:
            r.prov["issuer"] = "法律题注（通过/公布行）"
    if not issuer:
        issuer = _page_issuer(r)
    if issuer:
        r.basis["issuer"] = "inferred" if r.prov.get("issuer", "").endswith("正文未署发文机关）") else "printed"
    r.decide("issuer", issuer)


def _table_issuer(r: Reading, table_issuer: Declared, from_title: list[str], signed: list[str]) -> list[str]:
    """A metadata table's 发文机关, shown in the fuller form the title, signature or site name prints."""
    issuer = split_organs([p for p in ISSUER_SPLIT_RE.split(table_issuer.value) if p])
    r.prov["issuer"] = _where(table_issuer)
    printed_elsewhere = [(o, "标题") for o in from_title] + [(o, "落款") for o in signed]
    site_names = [(d.value, "网站名称") for d in r.decl if d.field in {"site", "issuer"} and _kind(d) == "meta"
                  and ORGAN_END_RE.search(d.value)]
    if len(issuer) == 1 and len(from_title) > 1 and any(
            same_organ(issuer[0], o) or _abbreviates(issuer[0], o) or _short_of(issuer[0], o) for o in from_title):
        # the table names the lead organ of a joint notice (sites2-018 市住建局; the title prints both)
        r.prov["issuer"] += f"；标题列出全部联合发文机关“{'、'.join(from_title)}”"
        issuer = list(from_title)
    if len(issuer) == 1:
        fuller = [(o, w) for o, w in printed_elsewhere + site_names
                  if (same_organ(issuer[0], o) or _abbreviates(issuer[0], o) or _short_of(issuer[0], o))
                  and len(o) > len(issuer[0])]
        differ = [(o, w) for o, w in printed_elsewhere if not same_organ(issuer[0], o)]
        if fuller:
            o, w = max(fuller, key=lambda x: len(x[0]))
            r.warnings.append((table_issuer.line, f"元数据表发文机关“{issuer[0]}”是{w}“{o}”的简称：显示较完整的写法"))
            r.prov["issuer"] += f"；显示{w}中的全称“{o}”"
            issuer = [o]
        elif differ and not any(same_organ(issuer[0], o) for o, _ in printed_elsewhere):
            o, w = differ[0]
            r.warnings.append((table_issuer.line, f"元数据表发文机关“{issuer[0]}”与{w}“{o}”不一致：采用元数据表的值"))
    return issuer


def _page_issuer(r: Reading) -> list[str]:
    """No organ printed with the text: the page's 来源 (天津市规划和自然资源局 over a page without
    signature, sites2-007), else meta ContentSource (who published the page), both inferred."""
    src = next((d for d in r.decl if d.field == "source" and ORGAN_END_RE.search(d.value) and len(d.value) <= 40
                and not re.search(r"[|｜:：\s]", d.value)), None)
    if src is not None:
        r.prov["issuer"] = _where(src) + "（推定：页面来源，正文未署发文机关）"
        return split_organs([src.value])
    src = r.first("issuer", ("meta", "format"))
    if src is not None and ORGAN_END_RE.search(src.value):
        r.prov["issuer"] = _where(src) + ("（推定：页面来源，正文未署发文机关）" if _kind(src) == "meta" else "")
        return [p for p in ISSUER_SPLIT_RE.split(src.value) if p]
    return []


def _body_doc_number(r: Reading) -> Optional[tuple[Optional[str], int, str]]:
    """(display form, source line, as printed) of a 文号 line at the top of the body."""
    lines = r.lines
    for k, s in enumerate(lines[:6]):
        # 江西省人民政府令 / 第223号 printed on two lines (provincial-006)
        two = s + lines[k + 1] if s.endswith("令") and k + 1 < len(lines) and re.fullmatch(r"第\s*\d+\s*号", lines[k + 1]) else None
        for cand in filter(None, (s, two)):
            if len(cand) <= 30 and (DOCNO_RE.fullmatch(cand) or ORDER_RE.fullmatch(cand)):
                return display_doc_number(cand), r.raw.lines[k][0], cand
    return None


@decider("doc_number", 70)
def decide_doc_number(r: Reading) -> None:
    """Table (无 = none printed) > a 文号 line at the top of the body > a 文号 line of the page >
    a 文号 printed around the heading."""
    doc_number = printed = None
    table_no = r.first("doc_number", ("table", "format"))
    body_no = _body_doc_number(r)
    if table_no is not None and table_no.value:
        doc_number = display_doc_number(table_no.value) or re.sub(r"\s+", "", table_no.value)
        printed = table_no.value.strip()
        r.prov["doc_number"] = _where(table_no)
        if body_no and not same_doc_number(body_no[0] or "", doc_number):
            r.warnings.append((body_no[1], f"两个不同的文号：元数据表“{doc_number}”，正文第{body_no[1]}行“{body_no[0]}”；采用元数据表的值"))
    elif body_no and body_no[0]:
        doc_number, printed = body_no[0], body_no[2]
        r.prov["doc_number"] = f"正文第{body_no[1]}行"
    elif (line_no := next((d for d in r.decl if d.field == "doc_number" and d.source.startswith("单独一行的文号")
                           and display_doc_number(d.value.strip("（()）【】[] "))), None)) is not None:
        printed = line_no.value.strip("（()）【】[] ")
        doc_number = display_doc_number(printed)
        r.prov["doc_number"] = line_no.source
    elif r.title_no:
        doc_number, printed = display_doc_number(r.title_no), r.title_no
        r.prov["doc_number"] = "标题前后所附的文号"
    elif table_no is not None:
        r.prov["doc_number"] = f"{table_no.source}：未编文号"
    r.decide("doc_number", doc_number, printed=True)
    r.values["doc_number_printed"] = printed


def _declared_date(r: Reading, field: str, kinds: tuple[str, ...]) -> Optional[str]:
    """The first date the page declares for ``field`` (tables, meta PubDate, bars)."""
    for d in r.decl:
        if d.field == field and _kind(d) in kinds and parse_date(d.value):
            r.prov[field] = _where(d)
            if d.line:
                r.date_lines[field] = d.line
            return parse_date(d.value)
    return None


def _law_provenance(r: Reading, field: str) -> None:
    """Where lawdates.py found a law's date: its 题注 line, or the file name."""
    if field in r.law.lines:
        r.prov[field] = f"法律题注第{r.law.lines[field]}行"
    elif r.law.basis.get(field) == "filename":
        r.prov[field] = f"文件名 {r.raw.path.name}"


@decider("date_written", 60)
def decide_date_written(r: Reading) -> None:
    """Table 成文日期, checked against the signature date (a site's 发文日期 yields to it), else the
    signature date; a law's from its dated lines (通过/修正 -> 成文, never 施行)."""
    date_written = _declared_date(r, "date_written", ("table", "format"))
    signed_date = r.signature[2] or r.closing[2]
    if date_written and signed_date and signed_date != date_written and not r.is_law:
        label = re.search(r"“(.+?)”", r.prov.get("date_written", ""))
        if label and label.group(1) not in {"成文日期", "成文时间", "生成日期", "公文生成日期"}:
            # 发文日期/印发日期 of a site's table is often the day it was posted (sites2-017 发文日期
            # 2022-10-12, signed 2022年9月27日): the 成文日期 is the date signed under the text
            r.warnings.append((None, f"元数据表{label.group(1)} {date_written} 与落款日期 {signed_date} 不一致：成文日期采用落款日期"))
            date_written = signed_date
            r.prov["date_written"] = "落款日期"
            r.date_lines.pop("date_written", None)
        else:
            r.warnings.append((None, f"元数据表成文日期 {date_written} 与落款日期 {signed_date} 不一致：采用元数据表的值"))
    if r.is_law:
        date_written = r.law.date_written
        _law_provenance(r, "date_written")
    elif not date_written and signed_date:
        date_written = signed_date
    if date_written and "date_written" not in r.prov and not r.is_law:
        r.prov["date_written"] = "落款日期"
    r.decide("date_written", date_written, printed=True)


@decider("date_published", 59)
def decide_date_published(r: Reading) -> None:
    """Table, ``<meta name="PubDate">`` or a ``发布时间:`` bar; a law's 公布 line (or its file name)."""
    date_published = _declared_date(r, "date_published", ("table", "format", "meta", "body"))
    if r.is_law:
        date_published = r.law.date_published
        r.basis.update({k: v for k, v in r.law.basis.items() if k != "date_effective" and v != "filename"})
        _law_provenance(r, "date_published")
    r.decide("date_published", date_published, printed=True)


@decider("year", 50)
def decide_year(r: Reading) -> None:
    """The year of 成文日期, else of 发布日期."""
    date = r.values.get("date_written") or r.values.get("date_published")
    r.decide("year", int(date[:4]) if date else None, printed=True)


@decider("region", 40)
def decide_region(r: Reading) -> None:
    """A law: its own name's region, else its lawrefbook folder (DLC/<省>地方法规), else 全国;
    a notice: the issuer's name, the title, else inferred from the site or the text."""
    if r.is_law:
        m = re.search(r"DLC/([\u4e00-\u9fa5]+?)地方法规", r.raw.path.as_posix())
        folder = regions.lookup(m.group(1)) if m else None
        own = next((regions.lookup(n) for n, p in regions.find_regions(r.title or "") if p == 0), None)
        if own is not None and (folder is None or own.chain[0][1] == folder.chain[0][1]):
            region, r.prov["region"] = own, "法律名称开头的地区"
        elif folder is not None:
            region, r.prov["region"] = folder, f"法律法规库目录 {m.group()}"
        else:
            region, r.prov["region"] = regions.NATIONAL, "全国（法律法规库中的国家法律、法规、司法解释）"
        r.basis["region"] = "printed"
        r.decide("region", region)
        return
    issuer, title = r.values.get("issuer") or [], r.title
    region = next((reg for reg in map(regions.region_from_org, issuer) if reg), None)
    if region is None and title:
        region = regions.region_at_start(title)
    if region is not None:
        r.basis["region"] = "printed"
        r.prov["region"] = "发文机关名称" if issuer and regions.region_from_org(issuer[0]) else "标题"
    else:
        region = _inferred_region(r)
    r.decide("region", region)


def _inferred_region(r: Reading):
    """The site's name (meta SiteName, else an organ named in <title>: 邯郸市成安县人民政府-…,
    sites2-020), else the region the text names most."""
    site = r.first("site") or next((Declared("site", p, d.source, d.line) for d in r.decl if d.field == "page_title"
                                    for p in _title_parts(d.value)[1:] if SITE_NAME_RE.fullmatch(p)
                                    and regions.region_from_org(p)), None)
    region = regions.region_from_org(site.value) if site is not None else None
    r.prov["region"] = f"推定：{site.source}“{site.value}”" if region is not None else ""
    if region is None:
        region = _region_by_mentions(r.raw.body)
        r.prov["region"] = "推定：正文中提到最多的地区"
    if region is not None:
        r.basis["region"] = "inferred"
    else:
        del r.prov["region"]
    return region


@decider("doc_type", 30)
def decide_doc_type(r: Reading) -> None:
    """A wrapper's forwarded document's 文种, else the title's (doctypes.doc_type_of)."""
    forwarded, title = r.values.get("forwarded"), r.title
    doc_type = (forwarded.doc_type if forwarded and forwarded.doc_type else None) or (doc_type_of(title) if title else None)
    r.decide("doc_type", doc_type, printed=True)


@decider("status", 20)
def decide_status(r: Reading) -> None:
    """征求意见稿/草案/解读 from the title and the text's first lines, 已废止/已失效 from the page's
    own markers (``_ended``), else 正式."""
    title = r.title
    probe = " ".join([title or "", r.header.get("page_title", ""), r.header.get("html_title", "")] + r.lines[:3])
    status = "正式"
    if "征求意见稿" in probe:
        status = "征求意见稿"
        r.prov["status"] = "标题或正文开头写有“征求意见稿”"
    elif "草案" in (title or ""):
        status = "草案"
        r.prov["status"] = "标题写有“草案”"
    elif r.values.get("doc_type") == "解读":
        status = "解读"
        r.prov["status"] = "文种为解读"
    elif (ended := _ended(r.decl, r.tags)) is not None:
        status, r.prov["status"] = ended
    else:
        r.prov["status"] = "默认（未见征求意见稿、草案、解读字样）"
    r.decide("status", status)


@decider("source_url", 10)
def decide_source_url(r: Reading) -> None:
    """``<link rel="canonical">``, else meta/front matter, else any declared (a 地址: footer)."""
    url = r.first("source_url", ("meta", "format")) or r.first("source_url")
    url = next((d for d in r.decl if d.field == "source_url" and d.source == "link canonical"), url)
    if url is not None:
        r.prov["source_url"] = _where(url)
    r.decide("source_url", url.value if url is not None else None, printed=True)


@decider("date_effective", 5)
def decide_date_effective(r: Reading) -> None:
    """A law's 施行日期 from its dated lines (lawdates.py); other documents print none we read."""
    if r.is_law:
        r.decide("date_effective", r.law.date_effective)
        _law_provenance(r, "date_effective")


def extract(raw: RawDocument) -> Notice:
    """Metadata as printed in the source (no sidecar): every decider of ``DECIDERS`` in order,
    then the record."""
    r = Reading(raw)
    for decide in DECIDERS:
        decide(r)
    for d in r.decl:
        if d.field in DECLARED_KEYS and d.value and d.field not in r.prov:
            r.prov[d.field] = f"{d.value}　← {_where(d)}"
    return _notice(r)


def _notice(r: Reading) -> Notice:
    """The Notice of what the deciders found."""
    raw = r.raw
    notice = Notice(id="", title="", source_file=raw.path.name, body=raw.body, kind="law" if r.is_law else "notice",
                    format=raw.format, encoding=raw.encoding, basis=r.basis, stripped=list(raw.stripped),
                    line_map=[no for no, _ in raw.lines],
                    source_path=str(raw.path.resolve()) if raw.format in {"pdf", "docx", "doc"} else None)  # issue 30: its original
    for key, value in r.values.items():
        if key in FIELDS:
            FIELDS[key].set(notice, value)
        else:
            setattr(notice, key, value)
    notice.title = notice.title or ""
    for key in r.printed:
        if FIELDS[key].get(notice) and key not in r.basis:
            r.basis[key] = "printed"
    notice.provenance = r.prov
    notice.warnings = r.warnings
    if r.date_lines:
        notice.date_lines = r.date_lines
    if r.law is not None:  # lawdates: events, amendments, the line of each date
        notice.events, notice.amendments = r.law.events, r.law.amendments
        notice.warnings.extend(r.law.warnings)  # issue 25: the file name's date against the dated lines
        notice.date_lines = dict(r.law.lines)
    return notice


_REPEALED = re.compile(r"(已)?(废止|失效|作废|停止执行)")


def _ended(decl: list[Declared], tags: list[str]) -> Optional[tuple[str, str]]:
    """(已废止/已失效, where it is printed) from the page's own markers: a 有效性/时效性 field
    (``有效性：失效`` sites2-016, the item the page shows), a tag on the heading (``[已废止]``), or a
    失效日期/信息时效期 already past (sites2-017 失效日期 2023-12-31)."""
    for d in decl:
        if d.field == "validity" and _kind(d) == "table" and _REPEALED.fullmatch(d.value.strip()):
            return ("已废止" if "废止" in d.value else "已失效"), f"{_where(d)}“{d.value.strip()}”"
    for tag in tags:
        if _REPEALED.fullmatch(tag):
            return ("已废止" if "废止" in tag else "已失效"), f"标题上的网站标签【{tag}】"
    today = date.today().isoformat()
    for d in decl:
        if d.field == "expiry" and _kind(d) == "table" and (end := parse_date(d.value)) and end < today:
            return "已失效", f"{_where(d)} {end} 已过"
    return None


def _law_issuer(info: str) -> list[str]:
    for line in info.split("\n"):
        line = re.sub(r"第[一二三四五六七八九十百]+届", "", DATE_RE.sub("", line))
        m = re.search(r"((?:[\u4e00-\u9fa5]{2,10}?)?(?:人民代表大会常务委员会|人民代表大会)|最高人民法院|最高人民检察院|国务院)", line)
        if m:
            return [m.group(1).strip()]
    return []


def _region_by_mentions(body: str) -> Optional[object]:
    counts: dict[str, int] = {}
    for name, _ in regions.find_regions(body[:20000]):
        r = regions.lookup(name)
        if r is not None and not r.is_national:
            top = r.chain[0][0]
            counts[top] = counts.get(top, 0) + 1
    if not counts:
        return None
    best = max(counts.items(), key=lambda kv: kv[1])
    return regions.lookup(best[0]) if best[1] >= 2 else None



DECLARED_KEYS = frozenset(k for k, _ in DECLARED_ONLY)


def missing_fields(notice: Notice) -> list[str]:
    """Fields a human must supply (declared ``missing=True``; not printed and not in the
    sidecar): 成文日期 when the document has no date at all, 年份 when it has neither."""
    out = []
    for f in FIELDS:
        if not f.missing:
            continue
        if f.key == "date_written":
            gone = not notice.date
        elif f.key == "year":
            gone = not notice.date and notice.year is None
        else:
            gone = f.get(notice) in (None, "", [])
        if gone:
            out.append(f.key)
    return out


def auto_id(notice: Notice, data: bytes) -> str:
    """A new permanent id: ``<region pinyin>-<year|nd>-<6 hex of the raw bytes>``.

    Only used when no sidecar holds an id; ``iparchive add`` stores it in the
    sidecar so that later changes to this function never change a URL.
    """
    from pypinyin import lazy_pinyin  # its dictionaries load only when a new id is assigned (add, unsaved ids)

    if notice.region is None:
        slug = "xx"
    elif notice.region.is_national:
        slug = "cn"
    else:
        slug = "".join(lazy_pinyin(regions.short_name(notice.region.name)))
        slug = re.sub(r"[^a-z0-9]", "", slug.lower()) or "xx"
    year = str(notice.year) if notice.year else "nd"
    return f"{slug}-{year}-{hashlib.sha1(data).hexdigest()[:6]}"


def load_notice(path: Path | str, sidecar: Optional[Path | str] = None, *, use_sidecar: bool = True,
                runner: Optional[ToolRunner] = None) -> Notice:
    """read -> extract -> apply sidecar (``<stem>.yml`` beside the file if present).

    ``runner`` (``office.ToolRunner``): how the reader starts LibreOffice or OCR, passed in by
    the build or the CLI.  Raises read.ReadError or sidecar.SidecarError with file and line.
    """
    path = Path(path)
    raw = read_file(path, runner=runner)
    notice = extract(raw)
    side_path = Path(sidecar) if sidecar else path.with_suffix(".yml")
    if use_sidecar and side_path.exists():
        data = sc.load_sidecar(side_path)
        before = {f.key: f.get(notice) for f in FIELDS if f.sidecar}
        sc.apply_sidecar(notice, data, side_path)
        for f in FIELDS:  # every value the sidecar set names it (explain, the card's provenance)
            if f.sidecar and (f.get(notice) != before[f.key] or notice.basis.get(f.key) == "sidecar"):
                old = before[f.key]
                notice.provenance[f.key] = f"sidecar {side_path.name}" + (
                    f"（原文：{f.show(old)}）" if old not in (None, "", []) and f.key != "region" else "")
        if notice.title and "title" in data.values:  # the sidecar answers the missing-title warning
            notice.warnings = [(ln, m) for ln, m in notice.warnings if not m.startswith("无法确定标题")]
    if not notice.id:
        notice.id = auto_id(notice, path.read_bytes())
        notice.basis["id"] = "auto"
    return notice
