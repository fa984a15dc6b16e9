"""Dated lines of laws, regulations and interpretations, read as legal events.

A lawrefbook file prints its history between the title and ``<!-- INFO END -->``
(``read._read_lawmd`` keeps them as the first ``header["info_lines"]`` body
lines).  Forms handled by :func:`line_events`, all seen in
``../shared/corpus/lawrefbook``:

通过 / 批准 (adopted; a city regulation is 通过 then 批准 by the province)
    ``1984年3月12日 第六届全国人民代表大会常务委员会第四次会议通过`` (专利法);
    ``2022年1月29日 最高人民法院审判委员会第1862次会议通过`` (反不正当竞争法解释);
    ``2019年11月29日 山东省第十三届人民代表大会常务委员会第十五次会议批准``.
公布 / 发布 / 公告 (promulgated)
    ``2022年6月6日 中华人民共和国国家安全部令第2号公布``,
    ``1993年12月13日 中华人民共和国国务院令第135号发布``, ``1987年4月1日 国务院发布``,
    ``2019年1月20日 河南省第十三届人民代表大会第二次会议主席团公告``.
施行 / 实施 (in force from)
    ``2022年3月20日 施行`` (反不正当竞争法解释), ``1999年12月20日 实施``.
修正 / 修订 (amended by a decision of that date; ordinal if printed)
    ``1992年9月4日 第七届…第二十七次会议《关于修改〈中华人民共和国专利法〉的决定》第一次修正``;
    ``2011年1月8日 《国务院关于废止和修改部分行政法规的决定》第一次修订`` (废止 inside the
    decision's title is no event); ``1997年3月14日 第八届全国人民代表大会第五次会议修订``.
Several events on one line (Guangdong files)
    ``2018年11月29日 …《…的决定》第二次修正  2020年11月27日…会议修订 根据`` — split at
    each date.  Joint interpretations print two meetings before one 通过
    (``2008年2月18日 最高人民法院…第1444次会议、2008年5月8日最高人民检察院…通过``): the
    later date is the event.
废止 (repealed) outside a 《》 title.
通过的《…》 (another instrument adopted that amended this text) is a 修正:
    ``2023年12月29日 第十四届…会议通过的《中华人民共和国刑法修正案（十二）》`` (刑法: 2023年修正,
    never 「2023年通过」).

The file name's date against the lines (:func:`_file_date_check`, issue 25): on or
up to ``FILE_DATE_SLACK`` days after the last dated line it agrees (its 公布); much
later, the lines omit the revision the file is named after (专利法实施细则(2010-01-09).md
prints only 2001 and 2002; 印刷业管理条例(2020-11-29).md ends at 2017; 367 lawrefbook files)
and the text is that revision (an event read from the file name); earlier, the lines
win.  Each disagreement is a warning naming both dates.

The body's own 施行 line (:func:`body_effective`), read after the dated lines:
    ``第八十二条 本法自1985年4月1日起施行。`` (专利法 2020: the 1984 text's 施行, kept as
    an event of that text, since it is before this text's adoption);
    ``本解释自2022年3月20日起施行。`` (反不正当竞争法解释: this text's 施行);
    ``本决定自2019年9月1日起施行。`` (北京市…耕地占用税适用税额的决定);
    ``本条例自公布之日起施行。`` / ``本决定自发布之日起施行`` (its 公布 date);
    ``五、本决定自2018年11月24日起施行。`` (a numbered last item).
    Provisions that repeal other texts on the same line are read for the date only.

:func:`law_dates` turns the events into the record's dates:
``date_written`` (成文: the adoption of this text — the last 通过/批准/修正/修订,
never a 施行 date), ``date_published`` (the last 公布/发布 not before it, else the
``(YYYY-MM-DD)`` of the file name), ``date_effective`` (施行 of *this* text: a
printed 施行 line or the body's 施行 line not before its adoption; an earlier one
belongs to an earlier text and stays an event), and the amendments.
:func:`date_order_problem` warns when 成文日期 is after 发布日期, naming both lines.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..models import LawEvent, Notice, Problem, RawDocument
from ..numerals import cn_int

__all__ = ["LawDates", "line_events", "law_events", "law_dates", "body_effective", "version_label", "date_order_problem",
           "ADOPTION", "AMENDMENT"]

ADOPTION = ("通过", "批准")
AMENDMENT = ("修正", "修订")
_DATE = re.compile(r"((?:1[89]|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_VERB = re.compile(r"修正|修订|修改|废止|施行|实施|公布|发布|公告|通过|批准")
_VERB_KIND = {"修改": "修正", "实施": "施行", "发布": "公布", "公告": "公布"}
_ORDINAL = re.compile(r"第([一二三四五六七八九十\d]+)次(?:修正|修订)")
_FILE_DATE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)")
_PASSED_OTHER = re.compile(r"通过的\s*《")
FILE_DATE_SLACK = 90  # days: a file named after its 公布 date, shortly after the last dated line
_BODY_EFFECTIVE = re.compile(
    r"本(?:法|决定|条例|规定|解释|办法|细则|实施细则|规则|规程|意见|准则|通知|若干规定)"
    r"(?:（[^）\n]{0,20}）)?\s*自\s*(?:((?:1[89]|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|"
    r"(公布|发布|印发|颁布)之日)\s*起\s*(?:施行|实施|生效)")


@dataclass
class LawDates:
    """The dates of one law as read from its dated lines and file name."""

    events: list[LawEvent] = field(default_factory=list)
    date_written: Optional[str] = None
    date_published: Optional[str] = None
    date_effective: Optional[str] = None
    amendments: list[LawEvent] = field(default_factory=list)
    basis: dict[str, str] = field(default_factory=dict)  # field -> printed | filename
    lines: dict[str, int] = field(default_factory=dict)  # field -> source line
    warnings: list[tuple[Optional[int], str]] = field(default_factory=list)  # (line, Chinese message)


def _strip_titles(s: str) -> str:
    """The line without its 《…》 (nested, or cut off at the line's end)."""
    out, depth = [], 0
    for ch in s:
        if ch in "《<＜〈":
            depth += 1
        elif ch in "》>＞〉" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _iso(m: re.Match) -> Optional[str]:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def line_events(text: str, line: Optional[int] = None) -> list[LawEvent]:
    """Events on one dated line (see module doc); [] for a line without a date."""
    dates = list(_DATE.finditer(text))
    out: list[LawEvent] = []
    pending: Optional[str] = None  # a date whose segment named no event (joint meetings)
    for i, m in enumerate(dates):
        seg = text[m.end(): dates[i + 1].start() if i + 1 < len(dates) else len(text)]
        date = _iso(m)
        if date is None:
            continue
        verbs = _VERB.findall(_strip_titles(seg)) or _VERB.findall(seg)
        if not verbs:
            pending = date
            continue
        kind = _VERB_KIND.get(verbs[-1], verbs[-1])
        if kind == "通过" and _PASSED_OTHER.search(seg):
            kind = "修正"  # 通过的《刑法修正案（十二）》: another instrument amended this text
        if pending and kind in ADOPTION:
            date = max(date, pending)
        pending = None
        om = _ORDINAL.search(seg)
        ordinal = None
        if om:
            try:
                ordinal = cn_int(om.group(1))
            except (ValueError, TypeError):
                ordinal = None
        dm = re.search(r"《(.+)》", seg)
        out.append(LawEvent(kind, date, line, text.strip(), ordinal,
                            f"《{dm.group(1)}》" if dm and kind in AMENDMENT else None))
    return out


def law_events(raw: RawDocument) -> list[LawEvent]:
    """Every event of the dated lines of a lawrefbook file, in printed order."""
    n = int(raw.header.get("info_lines", "0") or 0)
    out: list[LawEvent] = []
    for no, text in raw.lines[:n]:
        out.extend(line_events(text, no))
    return out


def body_effective(lines: list[tuple[int, str]]) -> Optional[tuple[Optional[str], int, str]]:
    """(施行 date or None for 自公布之日, source line, line) of the last 施行 line of a
    body (module doc); None when the body prints none."""
    for no, text in reversed(lines):
        if "施行" not in text and "实施" not in text and "生效" not in text:
            continue
        m = _BODY_EFFECTIVE.search(text)
        if m:
            return (_iso(m) if m.group(1) else None), no, text.strip()
    return None


def _file_date_check(res: LawDates, name: str) -> None:
    """The file name's date against the latest dated line (issue 25): it agrees when
    on or up to ``FILE_DATE_SLACK`` days after it (its 公布); much later, the lines
    omit a later revision the file is named after (专利法实施细则(2010-01-09).md
    prints only 2001 and 2002; 印刷业管理条例(2020-11-29).md ends at 2017): the text
    is taken as that revision, an event marked as read from the file name; earlier,
    the lines win.  A disagreement is a warning naming both."""
    m = _FILE_DATE.search(name)
    dated = [e for e in res.events if e.kind in ADOPTION + AMENDMENT + ("公布",)]
    if not m or not dated:
        return
    fd, last = m.group(1), max(dated, key=lambda e: e.date)
    try:
        gap = (dt.date.fromisoformat(fd) - dt.date.fromisoformat(last.date)).days
    except ValueError:
        return
    if gap > FILE_DATE_SLACK:
        kinds = [e.kind for e in sorted(res.events, key=lambda e: e.date) if e.kind in AMENDMENT]
        res.events.append(LawEvent(kinds[-1] if kinds else "修订", fd, None, f"文件名 {name}"))
        res.warnings.append((last.line, f"文件名日期 {fd} 晚于题注最后一个日期 {last.date}（第 {last.line} 行）："
                                        f"题注可能漏记了后来的修改，本文本按文件名记为 {fd[:4]} 年文本，请核对"))
    elif gap < 0:
        res.warnings.append((last.line, f"文件名日期 {fd} 早于题注最后一个日期 {last.date}（第 {last.line} 行）："
                                        "采用题注的日期，请核对"))


def law_dates(raw: RawDocument) -> LawDates:
    """Dates of a lawrefbook file from its events and file name (module doc)."""
    res = LawDates(events=law_events(raw))
    _file_date_check(res, Path(raw.path).name)
    ev = res.events
    adopted = [e for e in ev if e.kind in ADOPTION + AMENDMENT]
    if adopted:
        last = max(adopted, key=lambda e: e.date)
        res.date_written, res.basis["date_written"] = last.date, "printed" if last.line else "filename"
        if last.line:
            res.lines["date_written"] = last.line
    res.amendments = sorted((e for e in ev if e.kind in AMENDMENT), key=lambda e: e.date)
    published = [e for e in ev if e.kind == "公布" and (not res.date_written or e.date >= res.date_written)]
    m = _FILE_DATE.search(Path(raw.path).name)
    if published:
        p = max(published, key=lambda e: e.date)
        res.date_published, res.basis["date_published"] = p.date, "printed"
        res.lines["date_published"] = p.line
    elif m:
        res.date_published, res.basis["date_published"] = m.group(1), "filename"
    # 施行 of this text: not before its adoption (an earlier one is an earlier text's)
    effective = [e for e in ev if e.kind == "施行" and (not res.date_written or e.date >= res.date_written)]
    if effective:
        e = max(effective, key=lambda e: e.date)
        res.date_effective, res.basis["date_effective"] = e.date, "printed"
        res.lines["date_effective"] = e.line
    n = int(raw.header.get("info_lines", "0") or 0)
    found = body_effective(raw.lines[n:])
    if found is not None:
        date, no, text = found
        if date is None:  # 自公布之日起施行
            date = res.date_published  # printed 公布, else the file name's date
        if date and (not res.date_written or date >= res.date_written):
            if res.date_effective is None:
                res.date_effective, res.basis["date_effective"] = date, "printed"
                res.lines["date_effective"] = no
        elif date and not any(e.kind == "施行" and e.date == date for e in ev):
            ev.append(LawEvent("施行", date, no, text))  # the first text's 施行 (专利法 本法自1985年4月1日起施行)
    return res


ADOPTED_OR_AMENDED = frozenset(ADOPTION + AMENDMENT)  # built once, not per event


def version_label(events: list[LawEvent], fallback: Optional[str] = None) -> Optional[str]:
    """``2020年修正`` / ``2017年修订`` / ``1984年通过`` / ``2022年公布``: the text's version."""
    adopted = [e for e in events if e.kind in ADOPTED_OR_AMENDED]
    if adopted:
        last = max(adopted, key=lambda e: (e.date, e.kind in AMENDMENT))
        kind = "通过" if last.kind == "批准" else last.kind
        return f"{last.date[:4]}年{kind}"
    published = [e for e in events if e.kind == "公布"]
    if published:
        return f"{max(e.date for e in published)[:4]}年公布"
    return f"{fallback[:4]}年版" if fallback else None


def date_order_problem(n: Notice) -> Optional[Problem]:
    """A warning when 成文日期 is after 发布日期, showing both and where each came from."""
    if not (n.date_written and n.date_published and n.date_written > n.date_published):
        return None

    def where(key: str) -> str:
        basis = n.basis.get(key, "printed")
        if key in n.date_lines:
            return f"第 {n.date_lines[key]} 行"
        return {"sidecar": "sidecar", "filename": "文件名"}.get(basis, "原文")

    line = n.date_lines.get("date_written") or n.date_lines.get("date_published")
    return Problem(n.source_file, line, "warning",
                   f"成文日期 {n.date_written}（{where('date_written')}）晚于发布日期 {n.date_published}"
                   f"（{where('date_published')}），请核对" + ("；施行日期不应记为成文日期" if n.kind == "law" else ""))
