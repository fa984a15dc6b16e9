"""Work pages, the version box of a version page, and changed-clause notes.

``works/<work-id>.md`` (one per work with 2+ versions in the archive, or
with a version the archive lacks that a reference meant): every version the
law's dated lines name with its 公布/施行 dates and status, the archive's
page of each one held, the version in force first, the comparison pages of
consecutive versions, and the references that meant a version the archive
lacks (本文库未收录引用时有效的版本: the first WORK_CITED_SHOWN there, all of them on
``works/<id>/cited.md`` and its pages; 民事诉讼法 had 3,417 at 5x, 931 KB).  The
page carries no per-pair data: works.js makes a comparison's address from the
two versions chosen (issue 29).  The page is the work's identifier URL:
it always leads to the version in force.

:func:`version_box` is the status line and facet on a version page
(现行有效 / 已被修改（由 2023 年版取代） / 已废止 / 尚未生效 / 已被正式文本取代 /
已失效) with links to the previous, next and current version, the work page
and the comparisons; :func:`change_note` marks a clause whose published text
changed (「本条文字于 YYYY-MM-DD 更正」) with the earlier text on demand.
"""
from __future__ import annotations

import datetime as dt
import json
import posixpath
from typing import Optional

from ..models import Clause, Enrichment, Notice, Reference, Work
from .common import (AllUnits, Fragments, Units, clause_citation, esc, list_page_size, notice_path, page_file, page_title, pager, raw_block,
                     rel, split_pages, yaml_str)
from .compare import compare_path, comparison_page

__all__ = ["work_path", "work_cited_path", "WORK_CITED_SHOWN", "facet_path", "work_pages", "version_box", "change_note", "ref_href", "MISSING_NOTE",
           "missing_note", "ref_extra", "article_history", "validity_class"]

MISSING_NOTE = "本文库未收录引用时有效的版本"
VALIDITY_CLASS = {"现行有效": "in-force", "已废止": "repealed", "尚未生效": "not-yet", "已失效": "expired",
                  "已被正式文本取代": "superseded", "征求意见稿": "draft"}
# Material's admonition colours, so the box reads without extra CSS
FACET_NAME = {"in-force": "现行有效", "amended": "已被修改", "repealed": "已废止", "not-yet": "尚未生效",
              "superseded": "已被正式文本取代", "expired": "已失效", "draft": "征求意见稿", "other": "版本日期不详"}
ADMONITION = {"in-force": "success", "amended": "warning", "superseded": "warning", "repealed": "failure",
              "expired": "failure", "not-yet": "info", "draft": "info"}


def work_path(work_id: str) -> str:
    return f"works/{work_id}.html"


def facet_path(cls: str) -> str:
    """The page listing every document of one validity (``works/validity/amended.html``)."""
    return f"works/validity/{cls}.html"


def validity_class(validity: str) -> str:
    """The facet slug of a validity (amended, in-force …)."""
    return _validity_class(validity)


def _validity_class(validity: str) -> str:
    return "amended" if validity.startswith("已被修改") else VALIDITY_CLASS.get(validity, "other")


def ref_href(r: Reference, page: str) -> Optional[str]:
    """The work page for a reference whose version the archive lacks."""
    if r.target_work and r.missing_version and not r.target_id:
        return rel(page, work_path(r.target_work))
    return None


def missing_note(r: Reference) -> Optional[str]:
    """「引用时有效的是2008年文本（本文库未收录）」 for a reference whose version is not held."""
    if r.target_work and r.missing_version and not r.target_id:
        return f"引用时有效的是{r.missing_version[:5]}文本（本文库未收录）"
    return None


def ref_extra(r: Reference, page: str, doc_ids) -> str:
    """What follows a reference's link in the text (issue 25): the note of a version
    not held, or 「原第六十五条，现第七十一条」 linking the article in the newest held text."""
    note = missing_note(r)
    if note:
        return f'<span class="ref-note" data-search-exclude>（{esc(note)}）</span>'
    if r.now_note and r.now_id and r.now_id in doc_ids:
        href = rel(page, notice_path(r.now_id)) + (f"#{r.now_clause}" if r.now_clause else "")
        return (f'<a class="ref-now" href="{esc(href)}" title="本文库所收最新文本中的对应条文" '
                f'data-search-exclude>（{esc(r.now_note)}）</a>')
    return ""


def article_history(n: Notice, c: Clause, enr: Optional[Enrichment], page: str) -> str:
    """The article's own history across the held versions (本条经2020年修正，原第六十五条 /
    本条为2020年新增 / 本条2020年删除), '' when it has none."""
    if enr is None or c.kind != "article":
        return ""
    steps = enr.article_history.get(n.id, {}).get(c.id)
    if not steps:
        return ""
    parts = []
    for text, doc, art in steps:
        if doc and art:
            href = rel(page, notice_path(doc)) + f"#{art}"
            parts.append(f'<a href="{esc(href)}">{esc(text)}</a>')
        elif doc:
            parts.append(f'<a href="{esc(rel(page, notice_path(doc)))}">{esc(text)}</a>')
        else:
            parts.append(esc(text))
    return f'<p class="clause-history" data-search-exclude>{"；".join(parts)}。</p>'


def _page_for(work: Work, enr: Enrichment) -> bool:
    return work.has_page and (len(work.versions) > 1 or work.id in enr.work_cited_by)


def version_box(n: Notice, enr: Optional[Enrichment], page: str) -> str:
    """Status line and links of a version page ('' when ``n`` is no version)."""
    if enr is None:
        v = None
    else:
        v = enr.versions.get(n.id)
    validity = n.validity or (v.validity if v else None)  # issue 25: every document has one, with its basis
    if not validity:
        return ""
    cls = _validity_class(validity)
    title = (f'<a class="validity validity--{cls}" href="{esc(rel(page, facet_path(cls)))}" '
             f'title="按效力状态浏览">{esc(validity)}</a>')
    parts = []
    if v is not None:
        work = enr.works.get(v.work_id)
        title += f' · <span class="version-label">{esc(v.label)}文本</span>'
        dates = []
        if v.date and v.label[-2:] in ("通过", "修正", "修订"):  # the adoption of this text
            dates.append(f"{esc(v.label[-2:])} {esc(v.date)}")
        if v.date_published:
            dates.append(f"公布 {esc(v.date_published)}")
        if v.date_effective:
            dates.append(f"施行 {esc(v.date_effective)}")
        if dates:
            parts.append(f'<span class="version-dates">{"，".join(dates)}</span>')
        links = []
        for key, label in (("previous", "上一版本"), ("next", "下一版本"), ("current", "现行版本")):
            other = getattr(v, key)
            if other and other != n.id and other in enr.versions:
                ov = enr.versions[other]
                links.append(f'<a class="version-{key}" href="{esc(rel(page, notice_path(other)))}">'
                             f"{label}：{esc(ov.label)}</a>")
        if v.previous and (v.previous, n.id) in enr.comparisons:
            links.append(f'<a class="version-compare" href="{esc(rel(page, compare_path(v.previous, n.id)))}">'
                         "与上一版本对照</a>")
        if v.next and (n.id, v.next) in enr.comparisons:
            links.append(f'<a class="version-compare" href="{esc(rel(page, compare_path(n.id, v.next)))}">'
                         "与下一版本对照</a>")
        if work is not None and _page_for(work, enr):
            links.append(f'<a class="version-work" href="{esc(rel(page, work_path(work.id)))}">'
                         f"全部 {len(work.history) or len(work.versions)} 个版本</a>")
        if links:
            parts.append('<span class="version-links">' + " · ".join(links) + "</span>")
        if n.amendments:
            hist = "；".join(f"{esc(a.date)} {esc(a.kind)}" for a in n.amendments)
            parts.append(f'<span class="version-history">修改沿革：{hist}</span>')
    if n.validity_basis:
        parts.insert(0, f'<span class="validity-basis">依据：{esc(n.validity_basis)}</span>')
    return (f'<div class="admonition {ADMONITION.get(cls, "note")} version-box version-box--{cls}" '
            f'data-validity="{esc(validity)}" data-search-exclude><p class="admonition-title">{title}</p>'
            + "".join(f"<p>{p}</p>" for p in parts) + "</div>")


def change_note(n: Notice, c: Clause) -> str:
    """「本条文字于 YYYY-MM-DD 更正」 with the earlier text(s) on demand ('' if unchanged)."""
    changes = n.clause_changes.get(c.id)
    if not changes:
        return ""
    last = changes[-1]
    items = "".join(
        f'<li><span class="clause-change-date">{esc(ch.date)} 之前</span>（指纹 <code>{esc(ch.old_fingerprint)}</code>）：'
        + (f'<span class="clause-change-old">{esc(ch.old_text)}</span>' if ch.old_text else "原文字未留存")
        + "</li>" for ch in changes)
    return (f'<details class="clause-change" data-search-exclude><summary>本条文字于 {esc(last.date)} 更正</summary>'
            f"<ul>{items}</ul></details>")


def _day_before(iso: str) -> str:
    d = dt.date.fromisoformat(iso) - dt.timedelta(days=1)
    return d.isoformat()


def in_force_periods(work: Work, history: list[tuple[str, str, Optional[str]]]) -> dict[str, str]:
    """version date -> 「2009-10-01 至 2021-05-31」: from its 施行 (its adoption date,
    marked, where no 施行 date is known) to the day before the next one's."""
    dated = sorted({d for _, d, _ in history if d})
    out = {}
    for i, d in enumerate(dated):
        start = work.start(d)
        mark = "" if d in work.effective else "（按通过日期）"
        if i + 1 < len(dated):
            try:
                end = _day_before(work.start(dated[i + 1]))
            except ValueError:
                end = ""
            out[d] = f"{start}{mark} 至 {end}" if end else f"{start}{mark} 起"
        else:
            out[d] = f"{start}{mark} 起"
    return out


def _as_of_form(work: Work, history: list[tuple[str, str, Optional[str]]], site_page: str) -> str:
    """「某日有效的版本」: a date picker; works.js answers from the versions' 施行 dates
    (the same rule as ``Work.in_force``; the table above says it without script)."""
    data = [{"label": label, "start": work.start(date), "date": date,
             "href": rel(site_page, notice_path(doc)) if doc else ""}
            for label, date, doc in sorted(history, key=lambda h: h[1]) if date]
    return ('<form class="work-asof" data-versions="' + esc(json.dumps(data, ensure_ascii=False)) + '">'
            '<label>查询某日有效的版本：<input type="date" name="date" class="work-asof__date"></label> '
            '<output class="work-asof__answer">（选择日期；未启用脚本时请看上表“有效期间”一栏）</output></form>')


def _compare_form(work: Work, cmps: list[tuple[str, str]], enr: Enrichment, site_page: str) -> str:
    """Any two held versions (issue 25): two lists and a button.  works.js makes the
    address from the two ids (older first, in the lists' order), so the page carries
    no per-pair data (issue 29: O(n²) inline at 5x); the links without script are the
    consecutive pairs.  Copies of one text (``work.others``) are no versions here."""
    order = [d for d in work.versions if d in enr.versions]
    opts = "".join(f'<option value="{esc(d)}">{esc(enr.versions[d].label)}</option>' for d in order)
    have = set(cmps)
    steps = [(a, b) for a, b in zip(order, order[1:]) if (a, b) in have]
    links = " · ".join(f'<a href="{esc(rel(site_page, compare_path(a, b)))}">'
                       f"{esc(enr.versions[a].label)} → {esc(enr.versions[b].label)}</a>" for a, b in steps)
    base = rel(site_page, compare_path("A", "B"))[: -len("A--B.html")]
    return (f'<form class="work-pick" data-compare-base="{esc(base)}">'
            f'任选两个版本对照：<select name="a" class="work-pick__a">{opts}</select> → '
            f'<select name="b" class="work-pick__b">{opts}</select> '
            '<button type="submit" class="md-button work-pick__go">对照</button></form>'
            + (f'<p class="work-compare">相邻版本对照：{links}</p>' if links else ""))


WORK_CITED_SHOWN = 50  # entries of the work page's 未收录版本 list; the whole list has pages of its own


def work_cited_path(work_id: str) -> str:
    """Page 1 of a work's whole 未收录版本 citing list (``works/<id>/cited.html``)."""
    return f"works/{work_id}/cited.html"


def _work_cited_items(cites: list, notices: dict[str, Notice], site_page: str,
                      memo: Optional[Fragments] = None) -> list[str]:
    lis = []
    for c in cites:
        src = notices.get(c.source_id)
        if src is None:
            continue
        cite = clause_citation(src, c.clause_id, memo)  # a stored tree is not read for an unchanged document
        href = rel(site_page, notice_path(src.id)) + (f"#{c.clause_id}" if cite is not None else "")
        lis.append(f'<li><a href="{esc(href)}">{esc(src.citation(None) if cite is None else cite)}</a>（{esc(src.date or "日期不详")}）'
                   f"：引用时有效的是{esc((c.version or '当时的版本')[:5])}文本（本文库未收录）</li>")
    return lis


def _work_cited_pages(work: Work, notices: dict[str, Notice], enr: Enrichment,
                      memo: Optional[Fragments] = None) -> dict[str, str]:
    """The whole 未收录版本 citing list of a work, in pages (issue 29: 3,417 entries,
    931 KB on 民事诉讼法's work page at 5x); '' pages when the work page shows it all."""
    first = work_cited_path(work.id)[:-5] + ".md"
    cites = [c for c in enr.work_cited_by.get(work.id, []) if c.source_id in notices]
    n_items = len(cites)
    if n_items <= WORK_CITED_SHOWN:
        return {}
    pages = {}
    chunks = split_pages(cites, list_page_size())
    for k, chunk in enumerate(chunks, 1):
        here = page_file(first, k)
        lis = _work_cited_items(chunk, notices, here[:-3] + ".html", memo)  # links relative to this page
        title = f"{work.title}：{MISSING_NOTE}"
        nav = pager(first, k, len(chunks), n_items)
        lines = ["---", f"title: {yaml_str(page_title(title, k))}", "---", "",
                 f"# {esc(title)} {{#work-cited}}", "",
                 f"[全部版本]({rel(here, f'works/{work.id}.md')}) · 以下引用按其成文或发布日期应指当时有效的版本；"
                 "该版本本文库未收录。", ""]
        lines += nav + raw_block([f'<ul class="refs refs--work">{"".join(lis)}</ul>']) + nav
        pages[here] = "\n".join(lines) + "\n"
    return pages


def _work_page(work: Work, notices: dict[str, Notice], enr: Enrichment,
               memo: Optional[Fragments] = None) -> tuple[str, str]:
    page = f"works/{work.id}.md"
    site_page = work_path(work.id)
    current = notices.get(work.current) if work.current else None
    title = f"{work.title}（全部版本）"
    out = ["---", f"title: {yaml_str(title)}", "---", "", f"# {esc(work.title)} {{#work}}", ""]
    html = [f'<div class="work" data-work="{esc(work.id)}" data-current="{esc(work.current or "")}" data-search-exclude>']
    if current is not None:
        v = enr.versions[current.id]
        html.append(f'<p class="work-current">现行版本：<a class="work-current-link" href="{esc(rel(site_page, notice_path(current.id)))}">'
                    f"{esc(current.title)}（{esc(v.label)}）</a></p>")
    else:
        html.append('<p class="work-current">本文库未收录现行有效的版本。</p>')
    html.append(f'<p class="work-id">作品编号 <code>{esc(work.id)}</code>：本页地址永久指向该文件的现行版本；'
                "各版本另有各自的永久页面。</p>")
    rows = []
    held = {d for _, _, d in work.history if d}
    history = list(work.history) + [(enr.versions[d].label, enr.versions[d].date or "", d)
                                     for d in work.versions if d not in held]
    periods = in_force_periods(work, history)
    for label, date, doc in sorted(history, key=lambda h: h[1], reverse=True):
        v = enr.versions.get(doc) if doc else None
        period = periods.get(date, "—")
        if v is not None:
            name = f'<a href="{esc(rel(site_page, notice_path(doc)))}">{esc(label)}</a>'
            status = f'<span class="validity validity--{_validity_class(v.validity)}">{esc(v.validity)}</span>'
            pub, eff = v.date_published or "—", v.date_effective or "—"
        else:
            name, status, pub, eff = esc(label), "本文库未收录", "—", work.effective.get(date) or "—"
        rows.append(f"<tr><td>{name}</td><td>{esc(date)}</td><td>{esc(pub)}</td><td>{esc(eff)}</td>"
                    f"<td>{esc(period)}</td><td>{status}</td></tr>")
    for doc in work.others:
        v = enr.versions[doc]
        what = f"与 {v.label} 相同的另一份文本" if v.duplicate_of else "日期不详的文本"
        rows.append(f'<tr><td><a href="{esc(rel(site_page, notice_path(doc)))}">{esc(what)}</a></td><td>—</td>'
                    f'<td>{esc(v.date_published or "—")}</td><td>{esc(v.date_effective or "—")}</td><td>—</td>'
                    f'<td>{esc(v.validity)}</td></tr>')
    # no class on the table itself: Material styles only plain tables
    html.append('<div class="work-versions"><table><thead><tr><th>版本</th><th>通过/修改日期</th><th>公布日期</th>'
                "<th>施行日期</th><th>有效期间</th><th>状态</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")
    html.append(_as_of_form(work, history, site_page))  # issue 25: the version in force on a chosen date
    cmps = [(a, b) for a, b in enr.comparisons if a in work.versions and b in work.versions]
    if cmps:
        html.append(_compare_form(work, cmps, enr, site_page))  # issue 25: any two held versions
    lis = _work_cited_items(enr.work_cited_by.get(work.id, []), notices, site_page, memo)
    if lis:
        more = ""
        if len(lis) > WORK_CITED_SHOWN:  # issue 29: the first part here, the whole list on pages of its own
            more = (f'<p class="refs-more"><a href="{esc(rel(site_page, work_cited_path(work.id)))}">'
                    f"全部 {len(lis)} 处引用</a>（此处列出前 {WORK_CITED_SHOWN} 处）</p>")
        html.append(f'<div class="work-missing admonition note"><p class="admonition-title">{MISSING_NOTE}</p>'
                    "<p>以下引用按其成文或发布日期应指当时有效的版本；该版本本文库未收录，"
                    "故链接到本页而不是后来的文本。</p>"
                    f'<ul class="refs refs--work">{"".join(lis[:WORK_CITED_SHOWN])}</ul>{more}</div>')
    html.append("</div>")
    out += raw_block(html)
    return page, "\n".join(out) + "\n"


def _facet_pages(notices: list[Notice], enr: Enrichment, works_listed: list[Work], units: Units) -> dict[str, str]:
    """``works/index.md`` (works with several versions) and one page per validity (each a unit)."""
    by_cls: dict[str, list[Notice]] = {}
    for n in notices:
        v = enr.versions.get(n.id)
        validity = n.validity or (v.validity if v else None)
        if validity:
            by_cls.setdefault(_validity_class(validity), []).append(n)
    pages: dict[str, str] = {}
    listed = sorted(works_listed, key=lambda w: (w.title, w.id))
    chunks = split_pages(listed, list_page_size())
    for k, chunk in enumerate(chunks, 1):  # in pages, as every listing (issue 29)
        here = page_file("works/index.md", k)
        idx = ["---", f"title: {yaml_str(page_title('法律文件的版本与效力', k))}", "---", "",
               "# 法律文件的版本与效力 {#works}", "",
               "按效力状态：" + " · ".join(f"[{FACET_NAME[c]}（{len(by_cls[c])}）]({rel(here, f'works/validity/{c}.md')})"
                                        for c in FACET_NAME if c in by_cls), "",
               f"本文库收录了两个以上版本的法律文件（{len(works_listed)} 件）：", ""]
        rows = [f'<li><a href="{esc(posixpath.relpath(work_path(w.id), posixpath.dirname(here)))}">{esc(w.title)}</a>：'
                f'{esc("、".join(enr.versions[d].label for d in w.versions))}</li>' for w in chunk]
        nav = pager("works/index.md", k, len(chunks), len(listed))
        idx += nav + (raw_block([f'<ul class="works-list">{"".join(rows)}</ul>']) if rows else []) + nav
        pages[here] = "\n".join(idx) + "\n"
    for cls, docs in by_cls.items():
        pages.update(units.unit(f"validity/{cls}", lambda cls=cls, docs=docs: _validity_pages(cls, docs, enr)))
    return pages


def _validity_pages(cls: str, docs: list[Notice], enr: Enrichment) -> dict[str, str]:
    """The pages of one validity (``_facet_pages``), by title."""
    pages: dict[str, str] = {}
    first = f"works/validity/{cls}.md"
    chunks = split_pages(sorted(docs, key=lambda n: (n.title, n.date or "")), list_page_size())
    for k, chunk in enumerate(chunks, 1):  # in pages, as every listing (issue 29: 772 KB at 1x)
        here = page_file(first, k)
        here_html = here[:-3] + ".html"
        lines = ["---", f"title: {yaml_str(page_title(FACET_NAME[cls], k))}", "---", "",
                 f"# {FACET_NAME[cls]} {{#validity}}", "",
                 f"[全部效力状态]({rel(here, 'works/index.md')}) · 共 {len(docs)} 件。", ""]
        rows = []
        for n in chunk:
            v = enr.versions.get(n.id)
            label = f"（{esc(v.label)}）" if v else ""
            rows.append(f'<li><a href="{esc(rel(here_html, notice_path(n.id)))}">{esc(n.title)}</a>{label} '
                        f'<span class="doc-meta">{esc(n.validity or (v.validity if v else ""))}'
                        f'{("：" + esc(n.validity_basis)) if n.validity_basis else ""}</span></li>')
        nav = pager(first, k, len(chunks), len(docs))
        lines += nav + raw_block([f'<ul class="validity-list">{"".join(rows)}</ul>']) + nav
        pages[here] = "\n".join(lines) + "\n"
    return pages


def work_pages(notices: list[Notice], enr: Enrichment, *, comparison=comparison_page,
               memo: Optional[Fragments] = None, units: Optional[Units] = None) -> dict[str, Optional[str]]:
    """docs path -> Markdown of every work page, comparison page and validity page.

    ``comparison``: makes a comparison page, as ``compare.comparison_page``
    (the write stage passes it through its page cache: Markdown ``None``
    means the page on disk is kept); ``memo``: the citing clauses' citations by
    document digest (``common.clause_citation``); ``units``: each work's pages, each comparison
    and each validity's pages one unit."""
    units = units or AllUnits()
    byid = {n.id: n for n in notices}
    pages: dict[str, str] = {}
    for work in enr.works.values():
        if work.kind == "law" and _page_for(work, enr) and all(d in byid for d in work.versions):
            pages.update(units.unit(f"work/{work.id}", lambda work=work: _work_pages(work, byid, enr, memo)))
    for a, b in enr.comparisons:
        if a in byid and b in byid:
            pages.update(units.unit(f"compare/{a}--{b}", lambda a=a, b=b: dict([comparison(byid[a], byid[b], enr)[:2]])))
    listed = [w for w in enr.works.values() if w.kind == "law" and len(w.versions) > 1
              and all(d in byid for d in w.versions)]
    pages.update(_facet_pages(notices, enr, listed, units))
    return pages


def _work_pages(work: Work, byid: dict[str, Notice], enr: Enrichment, memo: Optional[Fragments]) -> dict[str, str]:
    """A work's page and the pages of its citing clauses (``work_pages``)."""
    path, md = _work_page(work, byid, enr, memo)
    return {path: md, **_work_cited_pages(work, byid, enr, memo)}
