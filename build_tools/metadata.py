"""Metadata stage: RawDocument (+ sidecar) -> Notice.

Extracts, from the real forms in ../shared:

* title: HTML 标题 cell; lawrefbook ``# 标题``; the title line just above a
  ``来源:…|发布时间:…`` bar (seed 004); a first line ending in 通知/意见/方案…
  (seed 002); a ``标题:（民生）关于…`` footer (seed 001, column tag dropped);
  the forwarded document's title for a 转发 wrapper with no title of its own
  (seed 003);
* issuer (发文机关): HTML cell (``国务院 国家发展改革委``), ``X关于…`` title
  prefix, the signature line above a date line, lawrefbook ``…人民代表大会常务
  委员会第…次会议通过`` lines;
* 发文字号 in 〔〕/[]/（）/【】 spellings, normalised to ``豫政〔2008〕59号``;
* dates: ``2022年9月29日``/``二〇一五年十月九日`` signature lines (成文日期),
  ``发布时间: 2023-03-22`` bars and HTML cells (发布日期), lawrefbook
  adoption/amendment lines and ``(YYYY-MM-DD)`` file names;
* region (GB/T 2260 with parents), doc_type, status (正式/征求意见稿/解读),
  and a 转发/印发 wrapper with the document it forwards.

A field not printed in the source is left empty and listed by
``missing_fields``; the sidecar (``<name>.yml`` beside the source) supplies
curated values, and ``Notice.basis`` records where each value came from.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Optional

from . import regions
from . import sidecar as sc
from .docnumber import DOCNO_RE, ORDER_RE, display_doc_number
from .lawdates import law_dates
from .doctypes import doc_type_of
from .numerals import cn_int
from .models import Forwarded, Notice, RawDocument
from .read import TITLE_END_RE, read_file

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
    return (6 <= len(s) <= 120 and "。" not in s and not s.endswith(("：", "；", "，"))
            and TITLE_END_RE.search(s) is not None)


def _issuers_from_title(title: str) -> list[str]:
    m = re.match(r"^(.+?)关于", title)
    if not m or len(m.group(1)) > 80:
        return []
    head = m.group(1)
    parts = [p for p in ISSUER_SPLIT_RE.split(head) if p]
    return parts if all(len(p) >= 2 for p in parts) else []


def _signature(lines: list[str]) -> tuple[Optional[int], list[str], Optional[str]]:
    """(index of the date line, issuer lines above it, ISO date) of the first signature."""
    for i, s in enumerate(lines[:60]):
        if DATE_LINE_RE.match(s):
            orgs = []
            j = i - 1
            while j >= 0 and len(orgs) < 4:
                t = lines[j]
                if re.fullmatch(r"[（(].*(代章|盖章|印章)[）)]", t):
                    j -= 1
                    continue
                if len(t) <= 30 and not re.search(r"[。，；：！？]", t) and re.search(r"(政府|办公厅|办公室|委员会|局|厅|部|院|署|委|会|中心|小组|组织|公司)$", t):
                    orgs.insert(0, t)
                    j -= 1
                    continue
                break
            if orgs:
                return i, orgs, parse_date(s)
    return None, [], None


def extract(raw: RawDocument) -> Notice:
    """Metadata as printed in the source (no sidecar)."""
    lines = [t for _, t in raw.lines]
    h = raw.header
    basis: dict[str, str] = {}
    title = None

    if raw.format in {"html", "lawmd"} and h.get("title"):
        title = re.sub(r"\s+", "", h["title"]) if raw.format == "html" else h["title"]
    elif h.get("page_title"):
        title = h["page_title"]
    elif lines and _looks_like_title(lines[0]):
        title = lines[0]
    elif h.get("title"):
        title = re.sub(r"^[（(][^）)]{1,6}[）)]", "", h["title"]).strip()  # （民生） column tag
    if title:
        basis["title"] = "printed"

    # wrapper notice
    forwarded = None
    sig_i, sig_orgs, sig_date = _signature(lines)
    head = lines[: (sig_i if sig_i is not None else 12) + 1]
    wrap_line = next((s for s in head if WRAPPER_RE.search(s)), None)
    if wrap_line or (title and FORWARD_TITLE_RE.search(title)):
        ftitle = None
        if wrap_line:
            m = re.search(r"《(.+?)》", wrap_line)
            if m:
                ftitle = m.group(1)
        if not ftitle and title:
            m = FORWARD_TITLE_RE.search(title)
            if m:
                ftitle = re.sub(r"^《(.+)》$", r"\1", m.group(2))
        if not ftitle and sig_i is not None:
            ftitle = next((s for s in lines[sig_i + 1: sig_i + 6] if _looks_like_title(s)), None)
        if ftitle:
            forwarded = Forwarded(title=ftitle, doc_type=doc_type_of(ftitle),
                                  wrapper_type=doc_type_of(title) if title else "通知",
                                  action="转发" if (wrap_line and "转发" in wrap_line) or (title and "转发" in title) else "印发")
    if forwarded is None and title and CONSULT_TITLE_RE.search(title):
        ftitle = CONSULT_TITLE_RE.search(title).group(1)
        forwarded = Forwarded(title=ftitle, doc_type=doc_type_of(ftitle), wrapper_type=doc_type_of(title), action="征求意见")
    if not title and forwarded:
        title = forwarded.title
        basis["title"] = "printed"

    # issuer
    issuer: list[str] = []
    if raw.format == "html" and h.get("issuer"):
        issuer = [p for p in ISSUER_SPLIT_RE.split(h["issuer"]) if p]
    if not issuer and title:
        issuer = _issuers_from_title(title)
    if not issuer and sig_orgs:
        issuer = sig_orgs
    if not issuer and raw.format == "lawmd":
        issuer = _law_issuer(h.get("info", ""))
    if issuer:
        basis["issuer"] = "printed"

    # 文号
    doc_number = None
    if h.get("doc_number"):
        doc_number = display_doc_number(h["doc_number"]) or h["doc_number"].replace(" ", "")
    else:
        for s in lines[:6]:
            if len(s) <= 30 and (DOCNO_RE.fullmatch(s) or ORDER_RE.fullmatch(s)):
                doc_number = display_doc_number(s)
                break

    # dates
    date_written = parse_date(h["date_written"]) if h.get("date_written") else None
    date_published = parse_date(h["date_published"]) if h.get("date_published") else None
    law = None
    if raw.format == "lawmd":
        # dated lines as events (lawdates.py): 通过/修正 -> 成文, 公布 -> 发布, never 施行 -> 成文
        law = law_dates(raw)
        date_written, date_published = law.date_written, law.date_published
        basis.update({k: v for k, v in law.basis.items() if k != "date_effective" and v != "filename"})
    elif not date_written and sig_date:
        date_written = sig_date
    year = int((date_written or date_published)[:4]) if (date_written or date_published) else None

    # region
    region = None
    if raw.format == "lawmd":
        m = re.search(r"DLC/([\u4e00-\u9fa5]+?)地方法规", raw.path.as_posix())
        folder = regions.lookup(m.group(1)) if m else None
        own = next((regions.lookup(n) for n, p in regions.find_regions(title or "") if p == 0), None)
        if own is not None and (folder is None or own.chain[0][1] == folder.chain[0][1]):
            region = own
        else:
            region = folder or regions.NATIONAL
        basis["region"] = "printed"
    else:
        for org in issuer:
            region = regions.region_from_org(org)
            if region:
                break
        if region is None and title:
            region = next((regions.lookup(n) for n, p in regions.find_regions(title) if p == 0), None)
        if region is not None:
            basis["region"] = "printed"
        else:
            region = _region_by_mentions(raw.body)
            if region is not None:
                basis["region"] = "inferred"

    doc_type = (forwarded.doc_type if forwarded and forwarded.doc_type else None) or (doc_type_of(title) if title else None)
    status = "正式"
    probe = " ".join([title or "", h.get("page_title", "")] + lines[:3])
    if "征求意见稿" in probe:
        status = "征求意见稿"
    elif "草案" in (title or ""):
        status = "草案"
    elif doc_type == "解读":
        status = "解读"

    notice = Notice(
        id="",
        title=title or "",
        source_file=raw.path.name,
        body=raw.body,
        kind="law" if raw.format == "lawmd" else "notice",
        issuer=issuer,
        doc_number=doc_number,
        date_written=date_written,
        date_published=date_published,
        year=year,
        region=region,
        doc_type=doc_type,
        status=status,
        source_url=h.get("source_url"),
        format=raw.format,
        encoding=raw.encoding,
        forwarded=forwarded,
        basis=basis,
        stripped=list(raw.stripped),
        line_map=[no for no, _ in raw.lines],
    )
    for f in ("doc_number", "date_written", "date_published", "year", "doc_type", "source_url"):
        if getattr(notice, f) and f not in basis:
            basis[f] = "printed"
    if law is not None:  # lawdates: 施行日期, events, amendments, the line of each date
        notice.date_effective, notice.events, notice.amendments = law.date_effective, law.events, law.amendments
        notice.date_lines = dict(law.lines)
    return notice


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



def missing_fields(notice: Notice) -> list[str]:
    """Fields a human must supply (not printed and not in the sidecar)."""
    out = []
    if not notice.title:
        out.append("title")
    if not notice.issuer:
        out.append("issuer")
    if not notice.date:
        out.append("date_written")
        if notice.year is None:
            out.append("year")
    if notice.region is None:
        out.append("region")
    if not notice.doc_type:
        out.append("doc_type")
    return out


def auto_id(notice: Notice, data: bytes) -> str:
    """A new permanent id: ``<region pinyin>-<year|nd>-<6 hex of the raw bytes>``.

    Only used when no sidecar holds an id; ``iparchive add`` stores it in the
    sidecar so that later changes to this function never change a URL.
    """
    from pypinyin import lazy_pinyin

    if notice.region is None:
        slug = "xx"
    elif notice.region.is_national:
        slug = "cn"
    else:
        slug = "".join(lazy_pinyin(regions.short_name(notice.region.name)))
        slug = re.sub(r"[^a-z0-9]", "", slug.lower()) or "xx"
    year = str(notice.year) if notice.year else "nd"
    return f"{slug}-{year}-{hashlib.sha1(data).hexdigest()[:6]}"


def load_notice(path: Path | str, sidecar: Optional[Path | str] = None, *, use_sidecar: bool = True) -> Notice:
    """read -> extract -> apply sidecar (``<stem>.yml`` beside the file if present).

    Raises read.ReadError or sidecar.SidecarError with file and line.
    """
    path = Path(path)
    raw = read_file(path)
    notice = extract(raw)
    side_path = Path(sidecar) if sidecar else path.with_suffix(".yml")
    if use_sidecar and side_path.exists():
        data = sc.load_sidecar(side_path)
        sc.apply_sidecar(notice, data, side_path)
    if not notice.id:
        notice.id = auto_id(notice, path.read_bytes())
        notice.basis["id"] = "auto"
    return notice
