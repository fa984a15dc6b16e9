"""时间线 (all documents by date, grouped by year, filterable by region,
with dated goals/phases), per-region timelines and the 指标 page.

Dates: written date, else published date; inferred dates are marked
（推定）.  Goals (``Goal.start``/``end`` like "2025" or "2023-03") are
placed in the year of their end (or start) and link to their clause.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Optional

from ..models import Goal, Notice, Target
from .common import (AllUnits, Fragments, Units, UNKNOWN_YEAR, by_date_asc, clause_citation, date_html, esc, list_page_size, md_text,
                     notice_path, page_file, page_title, pager, raw_block, region_chain, region_label,
                     region_options, region_sort_key, region_tree, rel, runs, slug, split_pages, year_key)
from .tags import Pages, front


def _goal_year(g: Goal) -> Optional[str]:
    s = (g.end or g.start or "")[:4]
    return s if s.isdigit() else None


def _entries(notices: list[Notice], page: str, memo: Optional[Fragments] = None
             ) -> dict[str, list[tuple[str, Callable[[], str]]]]:
    """year -> [(sort key, maker of its raw HTML <li>)] for documents and goals (``memo``:
    the goals' clause citations by document digest, ``common.clause_citation``).  The
    items are made only for the pages being written (``Units``): placing them reads
    only dates and goals."""
    years: dict[str, list[tuple[str, Callable[[], str]]]] = defaultdict(list)
    for n in by_date_asc(notices):
        years[year_key(n)].append((n.date or "", lambda n=n: _doc_item(n, page)))
        for g in n.goals:
            y = _goal_year(g)
            if y:
                years[y].append(((g.end or g.start), lambda n=n, g=g: _goal_item(n, g, page, memo)))
    return years


def _doc_item(n: Notice, page: str) -> str:
    codes = " ".join(code for _, code in region_chain(n))
    draft = ' <span class="tag tag--draft">征求意见稿</span>' if "征求意见" in n.status else ""
    return (f'<li class="tl-doc" data-regions="{esc(codes)}">{date_html(n)} '
            f'<span class="tl-region">{esc(region_label(n))}</span> '
            f'<a href="{esc(rel(page, notice_path(n.id)))}">{esc(n.title)}</a>{draft}</li>')


def _goal_item(n: Notice, g: Goal, page: str, memo: Optional[Fragments]) -> str:
    codes = " ".join(code for _, code in region_chain(n))
    cite = clause_citation(n, g.clause_id, memo)
    span = g.start + (f"—{g.end}" if g.end and g.end != g.start else "")
    kind = "阶段" if g.kind == "phase" else "目标"
    return (f'<li class="tl-goal tl-goal--{esc(g.kind)}" data-regions="{esc(codes)}">'
            f'<span class="tag tag--goal">{kind} {esc(span)}</span> '
            f'<span class="tl-region">{esc(region_label(n))}</span> '
            f'<a href="{esc(rel(page, notice_path(n.id)))}#{esc(g.clause_id)}">{esc(n.citation(None) if cite is None else cite)}</a>'
            f'：{esc(g.text)}</li>')


def _filter(notices: list[Notice]) -> list[str]:
    tree = region_tree(notices)
    opts = region_options(tree)
    return ['<div class="tl-filter" data-search-exclude><label>按地区筛选：'
            f'<select id="tl-region"><option value="">全部地区</option>{opts}</select></label>'
            '<span class="tl-count"></span></div>', ""]


def _timeline_pages(notices: list[Notice], first: str, head: Callable[[str, int, int], list[str]],
                    with_filter: bool, memo: Optional[Fragments] = None, units: Optional[Units] = None) -> Pages:
    """The timeline whose page 1 is ``first``, ``list_page_size()`` entries
    (documents and goals) a page in date order, each page's years as
    headings (``（续）`` where a year goes on from the page before);
    ``head(here, k, total)`` the lines above the list; ``units``: each page one unit."""
    units = units or AllUnits()
    html_first = first[:-3] + ".html"
    years = _entries(notices, html_first, memo)
    order = sorted(years, key=lambda y: (y == UNKNOWN_YEAR, y))
    entries = [(y, li) for y in order for _, li in sorted(years[y], key=lambda t: t[0])]
    chunks = split_pages(entries, list_page_size())
    filter_html = _filter(notices) if with_filter else []
    pages: Pages = {}
    seen: set[str] = set()
    for k, chunk in enumerate(chunks, 1):
        before = frozenset(seen)  # the years of earlier pages: （续）
        seen.update(y for y, _ in chunk)
        pages.update(units.unit(f"{first}/{k}", lambda k=k, chunk=chunk, before=before: _timeline_page(
            first, k, chunk, before, len(chunks), len(entries), head, filter_html)))
    return pages


def _timeline_page(first: str, k: int, chunk: list, before: frozenset, total: int, n_entries: int,
                   head: Callable[[str, int, int], list[str]], filter_html: list[str]) -> Pages:
    """Page ``k`` of a timeline (``_timeline_pages``): its items made here."""
    seen = set(before)
    here = page_file(first, k)
    depth = here.count("/") - first.count("/")  # pages 2.. sit deeper than page 1
    nav = pager(first, k, total, n_entries, unit="条")
    out = head(here, k, total) + nav + filter_html
    for y, items in runs([(y, make()) for y, make in chunk]):
        title = ("年份不详" if y == UNKNOWN_YEAR else f"{y}年") + ("（续）" if y in seen else "")
        seen.add(y)
        ul = f'<ul class="timeline" data-year="{esc(y)}">{"".join(items)}</ul>'
        if depth:
            ul = ul.replace(' href="', ' href="' + "../" * depth)
        out += [f"## {title} {{#y{y}}}", *raw_block([ul])]
    out += nav
    return {here: "\n".join(out) + "\n"}


def timeline_pages(notices: list[Notice], memo: Optional[Fragments] = None, units: Optional[Units] = None) -> Pages:
    page = "generated/timeline.md"
    tree = region_tree(notices)
    links = " · ".join(f"[{md_text(tree[c]['name'])}](timeline/{c}.md)"
                       for c in sorted(tree, key=region_sort_key))

    def head(here: str, k: int, total: int) -> list[str]:
        lines = [front(page_title("时间线", k)), "# 时间线 {#timeline}", "",
                 "全部文件按日期（成文日期，无则发布日期）排列并按年分组；标“（推定）”的日期为推定日期。"
                 "文件中写明年份的目标和工作阶段也列在对应年份下，点击可跳到条款。"
                 + ("按地区筛选只作用于本页；各地区另有分地区时间线。" if total > 1 else ""), ""]
        if links and k == 1:
            lines += [f"分地区时间线：{links}", ""]
        elif links:
            lines += [f"[分地区时间线]({rel(here, page)})", ""]
        return lines

    pages = _timeline_pages(notices, page, head, with_filter=True, memo=memo, units=units)
    byid = {n.id: n for n in notices}
    for code, node in tree.items():
        p = f"generated/timeline/{code}.md"
        docs = [byid[i] for i in node["all"]]

        def region_head(here: str, k: int, total: int, node=node, code=code) -> list[str]:
            return [front(page_title(f"{node['name']}时间线", k)),
                    f"# {md_text(node['name'])}时间线 {{#timeline-{code}}}", "",
                    f"[全部时间线]({rel(here, page)}) · [{md_text(node['name'])}文件]"
                    f"({rel(here, f'tags/region/{code}.md')})", ""]
        pages.update(_timeline_pages(docs, p, region_head, with_filter=False, memo=memo, units=units))
    return pages


def _fmt_value(t: Target) -> str:
    v = int(t.value) if float(t.value).is_integer() else t.value
    return f"{v}{t.unit}{t.qualifier}"


def targets_page(notices: list[Notice], memo: Optional[Fragments] = None) -> Pages:
    page = "generated/targets.md"
    by_ind: dict[str, list[tuple[Notice, Target]]] = defaultdict(list)
    for n in notices:
        for t in n.targets:
            by_ind[t.indicator].append((n, t))
    lines = [front("指标"), "# 指标对照 {#targets}", "",
             "各地文件中的量化目标，按指标并列，便于跨地区、跨年份比较。点击条款可跳到原文。", ""]
    if not by_ind:
        lines += ["文库中暂未识别出量化目标。", ""]
    used: set[str] = set()
    for ind in sorted(by_ind, key=lambda k: (-len(by_ind[k]), k)):
        anchor = "ind-" + slug(ind)[:60]
        while anchor in used:
            anchor += "-x"
        used.add(anchor)
        rows = sorted(by_ind[ind], key=lambda nt: (region_label(nt[0]), nt[1].year or "", nt[0].id))
        trs = []
        for n, t in rows:
            cite = clause_citation(n, t.clause_id, memo)  # memo: a stored tree is not read for an unchanged document
            href = rel(page, notice_path(n.id)) + f"#{t.clause_id}"
            # data-label: the column name shown beside each cell on narrow screens
            trs.append(f'<tr><td data-label="地区">{esc(region_label(n))}</td>'
                       f'<td data-label="目标年份">{esc(t.year or "—")}</td>'
                       f'<td class="tv" data-label="目标值">{esc(_fmt_value(t))}</td>'
                       f'<td data-label="条款"><a href="{esc(href)}">{esc(n.citation(None) if cite is None else cite)}</a></td>'
                       f'<td data-label="原文">{esc(t.text)}</td></tr>')
        lines += [f"## {md_text(ind)} {{#{anchor}}}", *raw_block([
                  '<table class="targets"><thead><tr><th>地区</th><th>目标年份</th><th>目标值</th>'
                  f'<th>条款</th><th>原文</th></tr></thead><tbody>{"".join(trs)}</tbody></table>'])]
    return {page: "\n".join(lines) + "\n"}
