"""Listing pages under ``docs/tags/`` and the document list ``notices/index.md``.

Region (hierarchy 云南省 → 昆明市, 全国), year, theme (clauses grouped by
document), document type, status, and one page per unresolved external
document listing every clause that cites it.  Headings and short lists are
Markdown with ``md_text`` escaping; document lists (``doc_list``) and
clause text are raw HTML blocks with ``esc``.
Listing pages are excluded from search so results land on notice pages.
Every list of documents is paginated (``common.page_file``/``pager``,
``settings.LIST_PAGE_SIZE`` entries a page): page 1 keeps its URL, pages
2.. are ``<page>/page/<k>.html`` (``notices/page/2.html``).
"""
from __future__ import annotations

import html
import posixpath
from collections import Counter
from typing import Callable, Iterable, Optional

from ..models import NATIONAL_CODE, Notice
from ..settings import THEME_PAGE_BUDGET
from .common import (AllUnits, Fragments, NoFragments, ThemeIndex, Units, UNKNOWN_YEAR, by_date_desc, cited_group, cited_path, date_md, esc, find_clause, group, list_page_size,
                     md_text, notice_path, page_file, page_title, pager, raw_block, region_chain, region_label,
                     region_options, region_sort_key, region_tree, rel, runs, slug, split_by_bytes, split_pages,
                     type_family, yaml_str, year_key)
from .xrefs import External

Pages = dict[str, str]  # docs-relative .md path -> Markdown
CITED_INLINE = 20  # citing documents shown in an external document's section; more: its own pages


def front(title: str, search: bool = False) -> str:
    lines = ["---", f"title: {yaml_str(title)}"]
    if not search:
        lines += ["search:", "  exclude: true"]
    return "\n".join(lines + ["---", ""]) + "\n"


def md_link(page_md: str, target_md: str) -> str:
    """Relative Markdown link target between two docs-relative .md paths."""
    return rel(page_md, target_md)


def doc_item(page_md: str, n: Notice) -> str:
    """``<li><a href="../notices/x.html">title</a> — 地区 · 日期 · 文种 · 状态</li>``:
    the item Python-Markdown made of ``- [title](../notices/x.md) — …`` (text
    escaped as it escapes text; a status other than 正式 in ``<strong>``)."""
    bits = [region_label(n), date_md(n)]
    if n.doc_type:
        bits.append(type_family(n.doc_type))
    if n.status != "正式" and n.status != type_family(n.doc_type):
        bits.append(f"<strong>{_text(n.status)}</strong>")
    meta = " · ".join(b if b.startswith("<strong>") else _text(b) for b in bits)
    href = md_link(page_md, f"notices/{n.id}.md")[:-3] + ".html"
    return f'<li><a href="{esc(href)}">{_text(n.title)}</a> — {meta}</li>'


def _text(text: Optional[str]) -> str:
    """Text as Python-Markdown writes it: whitespace folded, ``& < >`` escaped."""
    return html.escape(" ".join((text or "").split()), quote=False)


def doc_list(page_md: str, notices: Iterable[Notice], limit: Optional[int] = None) -> list[str]:
    """The documents newest first (the first ``limit``) as one raw HTML list
    (``common.raw_block``): Python-Markdown spent 2.4 s of ``mkdocs build``
    on these lists on the whole corpus (region, year, type and status pages
    list every document), for the same HTML."""
    items = [doc_item(page_md, n) for n in by_date_desc(notices)][:limit]
    return raw_block(["<ul>", *items, "</ul>"]) if items else []


def _options(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<option value="{esc(v)}">{esc(label)}</option>' for v, label in pairs)


def notices_index(notices: list[Notice], units: Optional[Units] = None) -> Pages:
    """The document list: one table row per document carrying its region
    codes, year, 文种, status and date, filtered and sorted in the page by
    site.js (``#doc-filter``; works from file://, the table alone without JS)."""
    page = "notices/index.md"
    ordered = by_date_desc(notices)
    tree = region_tree(notices)
    years = sorted({year_key(n) for n in notices}, key=lambda y: (y == UNKNOWN_YEAR, -int(y) if y.isdigit() else 0))
    types = Counter(type_family(n.doc_type) for n in notices)
    statuses = Counter(n.status or "正式" for n in notices)
    form = ('<form id="doc-filter" class="doc-filter" hidden data-search-exclude>'
            '<label>地区 <select data-key="regions"><option value="">全部</option>'
            + region_options(tree)
            + '</select></label><label>年份 <select data-key="year"><option value="">全部</option>'
            + _options((y, "年份不详" if y == UNKNOWN_YEAR else y) for y in years)
            + '</select></label><label>文种 <select data-key="type"><option value="">全部</option>'
            + _options((slug(t), f"{t}（{k}）") for t, k in sorted(types.items(), key=lambda kv: (-kv[1], kv[0])))
            + '</select></label><label>状态 <select data-key="status"><option value="">全部</option>'
            + _options((slug(t), f"{t}（{k}）") for t, k in sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0])))
            + '</select></label><label>排序 <select name="sort"><option value="desc">日期由新到旧</option>'
            '<option value="asc">日期由旧到新</option></select></label>'
            '<button type="reset">清除筛选</button> <span class="doc-count"></span></form>')
    size = list_page_size()
    chunks = split_pages(ordered, size)
    pages: Pages = {}

    def one(k: int, chunk: list[Notice]) -> Pages:  # a unit: one page
        here = page_file(page, k)
        up = "../" * (here.count("/") - 1)  # pages 2.. (notices/page/<k>.html) sit one folder down
        rows = []
        for n in chunk:
            codes = " ".join(code for _, code in region_chain(n))
            rows.append(f'<tr data-regions="{esc(codes)}" data-year="{esc(year_key(n))}" '
                        f'data-type="{esc(slug(type_family(n.doc_type)))}" data-status="{esc(slug(n.status or "正式"))}" '
                        f'data-date="{esc(n.date or "")}">'
                        f'<td data-label="日期">{esc(date_md(n))}</td><td data-label="地区">{esc(region_label(n))}</td>'
                        f'<td data-label="标题"><a href="{esc(up + n.id)}.html">{esc(n.title)}</a></td>'
                        f'<td data-label="文种">{esc(type_family(n.doc_type))}</td><td data-label="状态">{esc(n.status)}</td></tr>')
        table = ('<table class="doc-table"><thead><tr><th>日期</th><th>地区</th><th>标题</th><th>文种</th><th>状态</th>'
                 f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')
        if len(chunks) == 1:
            intro = "默认按日期由新到旧排列，可按地区、年份、文种和状态筛选。"
        else:
            intro = (f"按日期由新到旧排列，每页 {size} 件；筛选和排序只作用于本页，全部文件可"
                     f"[按地区]({md_link(here, 'tags/region/index.md')})、[按年份]({md_link(here, 'tags/year/index.md')})、"
                     f"[按文种]({md_link(here, 'tags/type/index.md')})和[按状态]({md_link(here, 'tags/status/index.md')})浏览。")
        out = [front(page_title("文件列表", k)), "# 文件列表 {#notices}", "",
               f"文库共收录 {len(notices)} 件文件，{intro}日期后标“（推定）”者为根据上下文推定的日期。", ""]
        nav = pager(page, k, len(chunks), len(notices))
        out += nav + raw_block([form, table]) + nav
        return {here: "\n".join(out) + "\n"}
    units = units or AllUnits()
    for k, chunk in enumerate(chunks, 1):
        pages.update(units.unit(f"notices/{k}", lambda k=k, chunk=chunk: one(k, chunk)))
    return pages


def region_pages(notices: list[Notice], units: Optional[Units] = None) -> Pages:
    units = units or AllUnits()
    tree = region_tree(notices)
    byid = {n.id: n for n in notices}
    pages: Pages = {}
    roots = sorted((c for c, v in tree.items() if v["parent"] is None), key=region_sort_key)

    def tree_lines(page: str, code: str, depth: int) -> list[str]:
        node = tree[code]
        line = ("    " * depth + f"- [{md_text(node['name'])}]({md_link(page, f'tags/region/{code}.md')})"
                f"（{len(node['all'])} 件）")
        out = [line]
        for ch in sorted(node["children"], key=region_sort_key):
            out += tree_lines(page, ch, depth + 1)
        return out

    idx = "tags/region/index.md"
    lines = [front("按地区"), "# 按地区浏览 {#regions}", "",
             "地区按行政层级排列：省级文件列在省下，市级文件既列在本市，也计入所属省。", ""]
    for r in roots:
        lines += tree_lines(idx, r, 0)
    unknown = by_date_desc(n for n in notices if n.region is None)
    size = list_page_size()
    if 0 < len(unknown) <= size:
        lines += ["", "## 地区不详 {#unknown}", ""] + doc_list(idx, unknown)
    elif unknown:  # more than a page: on pages of their own, tags/region/unknown.html (codes are digits)
        lines += ["", "## 地区不详 {#unknown}", "",
                  f"[地区不详的文件]({md_link(idx, 'tags/region/unknown.md')})（{len(unknown)} 件）", ""]
        first = "tags/region/unknown.md"
        chunks = split_pages(unknown, size)

        def unknown_page(k: int, chunk: list[Notice]) -> Pages:
            here = page_file(first, k)
            nav = pager(first, k, len(chunks), len(unknown))
            body = [front(page_title("地区不详", k)), "# 地区不详 {#region-unknown}", "",
                    f"[全部地区]({md_link(here, idx)}) · 共 {len(unknown)} 件", ""]
            return {here: "\n".join(body + nav + doc_list(here, chunk) + nav) + "\n"}
        for k, chunk in enumerate(chunks, 1):
            pages.update(units.unit(f"region/unknown/{k}", lambda k=k, chunk=chunk: unknown_page(k, chunk)))
    pages[idx] = "\n".join(lines) + "\n"
    for code in tree:
        pages.update(units.unit(f"region/{code}", lambda code=code: _region_page(code, tree, byid)))
    return pages


def _region_page(code: str, tree: dict, byid: dict[str, Notice]) -> Pages:
    """The pages of one region (``tags/region/<code>.md`` and its pages 2..)."""
    pages: Pages = {}
    node = tree[code]
    page = f"tags/region/{code}.md"
    crumbs, p = [], node["parent"]
    while p:
        crumbs.insert(0, f"[{md_text(tree[p]['name'])}]({md_link(page, f'tags/region/{p}.md')})")
        p = tree[p]["parent"]
    lines = [front(node["name"]), f"# {md_text(node['name'])} {{#region-{code}}}", ""]
    lines.append(f"[全部地区]({md_link(page, 'tags/region/index.md')})"
                 + "".join(f" → {c}" for c in crumbs) + f" → {md_text(node['name'])}")
    lines += ["", f"行政区划代码 `{code}`；共 {len(node['all'])} 件文件。"
              f"[本地区时间线]({md_link(page, f'generated/timeline/{code}.md')})", ""]
    entries = [("", n) for n in by_date_desc(byid[i] for i in node["docs"])]
    children = sorted(node["children"], key=region_sort_key)
    for ch in children:
        entries += [(ch, n) for n in by_date_desc(byid[i] for i in tree[ch]["all"])]
    chunks = split_pages(entries, list_page_size())
    seen: set[str] = set()
    for k, chunk in enumerate(chunks, 1):
        here = page_file(page, k)
        body = list(lines) if k == 1 else [
            front(page_title(node["name"], k)), f"# {md_text(node['name'])}（第 {k} 页） {{#region-{code}}}", "",
            f"[{md_text(node['name'])}]({md_link(here, page)}) · 共 {len(node['all'])} 件文件", ""]
        nav = pager(page, k, len(chunks), len(entries), unit="条")
        body += nav
        for key, group_entries in runs([(sec, doc_item(here, n)) for sec, n in chunk]):
            more = "（续）" if key in seen else ""
            seen.add(key)
            if key == "":
                body += [f"## 本级文件{more} {{#own}}", ""]
            else:
                sub = tree[key]
                body += [f"## {md_text(sub['name'])}{more} {{#sub-{key}}}", "",
                         f"[{md_text(sub['name'])}专页]({md_link(here, f'tags/region/{key}.md')})", ""]
            body += raw_block(["<ul>", *group_entries, "</ul>"]) + [""]
        body += nav
        pages[here] = "\n".join(body) + "\n"
    return pages


def simple_facet(notices: list[Notice], *, folder: str, title: str, anchor: str,
                 key: Callable[[Notice], str], name: Callable[[str], str],
                 file_of: Callable[[str], str], intro: str, order=None, units: Optional[Units] = None) -> Pages:
    """Index page plus one page per value for a single-valued facet (``units``: each value's pages one unit)."""
    units = units or AllUnits()
    groups = group(notices, key)
    keys = sorted(groups, key=order) if order else sorted(groups)
    idx = f"tags/{folder}/index.md"
    lines = [front(title), f"# {title} {{#{anchor}}}", "", intro, ""]
    for k in keys:
        lines.append(f"- [{md_text(name(k))}]({file_of(k)}.md)（{len(groups[k])} 件）")
    pages = {idx: "\n".join(lines) + "\n"}
    size = list_page_size()

    def value_pages(k: str) -> Pages:
        out: Pages = {}
        page = f"tags/{folder}/{file_of(k)}.md"
        chunks = split_pages(by_date_desc(groups[k]), size)
        for i, chunk in enumerate(chunks, 1):
            here = page_file(page, i)
            nav = pager(page, i, len(chunks), len(groups[k]))
            body = [front(page_title(name(k), i)), f"# {md_text(name(k))} {{#{anchor}-{file_of(k)}}}", "",
                    f"[{title}]({md_link(here, idx)}) · 共 {len(groups[k])} 件", ""]
            body += nav + doc_list(here, chunk) + nav
            out[here] = "\n".join(body) + "\n"
        return out
    for k in keys:
        pages.update(units.unit(f"{folder}/{file_of(k)}", lambda k=k: value_pages(k)))
    return pages


def year_pages(notices: list[Notice], units: Optional[Units] = None) -> Pages:
    return simple_facet(
        notices, folder="year", title="按年份", anchor="years", key=year_key,
        name=lambda y: "年份不详" if y == UNKNOWN_YEAR else f"{y}年", file_of=lambda y: y,
        intro="按成文日期（无成文日期时按发布日期）归年；推定日期的文件也计入，并在列表中标注。",
        order=lambda y: (y == UNKNOWN_YEAR, -int(y) if y.isdigit() else 0), units=units)


def type_pages(notices: list[Notice], units: Optional[Units] = None) -> Pages:
    pages = simple_facet(
        notices, folder="type", title="按文种", anchor="types", key=lambda n: type_family(n.doc_type),
        name=lambda t: t, file_of=slug,
        intro="按文件类型（文种）浏览。同类文种合为一项：若干规定计入规定，若干意见、指导意见计入意见，复函计入函；"
              "各文件页上保留原文的写法。另见[按状态](../status/index.md)。", units=units)
    pages.update(simple_facet(
        notices, folder="status", title="按状态", anchor="statuses", key=lambda n: n.status or "正式",
        name=lambda s: s, file_of=slug, intro="正式文件与征求意见稿分开列出。", units=units))
    return pages


def clause_block(page: str, n: Notice, clause_ids: list[str]) -> str:
    """Raw HTML: one document's matching clauses, each linking to its anchor."""
    href = rel(page.replace(".md", ".html"), notice_path(n.id))
    items = []
    for cid in clause_ids:
        c = find_clause(n, cid)
        if c is None:
            continue
        text = esc(" ".join(c.text.split()))
        items.append(f'<li class="clause-hit"><a class="clause-hit-label" href="{esc(href)}#{esc(c.id)}">'
                     f'{esc(c.label) or esc(c.id)}</a> <span class="clause-hit-text">{text}</span></li>')
    return (f'<div class="doc-clauses" data-region="{esc(region_label(n))}">'
            f'<p class="doc-clauses-title"><a href="{esc(href)}">{esc(n.title)}</a> '
            f'<span class="doc-meta">{esc(region_label(n))} · {esc(date_md(n))}</span></p>'
            f'<ul>{"".join(items)}</ul></div>')


def _block(memo: Fragments, page: str, n: Notice, clause_ids: list[str]) -> str:
    return memo.get(("clause_block", page, tuple(clause_ids)), n, lambda: clause_block(page, n, clause_ids))


def _theme_hits(notices: list[Notice], themes: ThemeIndex):
    hits: dict[str, dict[str, list[str]]] = {s: {} for s, _, _ in themes.themes}
    names = {s: (name, desc) for s, name, desc in themes.themes}
    for n in notices:
        for cid, clause_themes in n.themed_clauses():  # a stored document answers without loading its tree
            for t in clause_themes:
                s, name = themes.resolve(t)
                names.setdefault(s, (name, ""))
                hits.setdefault(s, {}).setdefault(n.id, []).append(cid)
    return hits, names


def theme_pages(notices: list[Notice], themes: ThemeIndex, *, budget: int = THEME_PAGE_BUDGET,
                memo: Optional[Fragments] = None, units: Optional[Units] = None) -> Pages:
    """Index plus one page per theme listing matching clauses by region/document.

    A theme whose clause lists exceed ``budget`` bytes is split: its page
    ``tags/theme/<slug>.md`` lists the regions and the pages
    ``tags/theme/<slug>/<k>.md`` that hold them, whole documents per page in
    (region, date) order, so every clause stays reachable and no page grows
    with the corpus.  ``memo`` (``build.listcache.FragmentStore``) keeps each
    document's clause blocks between builds; ``units``: each theme's pages one unit.
    """
    memo = memo or NoFragments()
    units = units or AllUnits()
    idx = "tags/theme/index.md"
    hits, names = _theme_hits(notices, themes)
    byid = {n.id: n for n in notices}
    by_doc: dict[str, list[tuple]] = {}  # each document's clause blocks, made in document order (one tree read)
    for s, docs in hits.items():
        for doc_id, ids in docs.items():
            by_doc.setdefault(doc_id, []).append(("clause_block", f"tags/theme/{s}/1.md", tuple(ids)))
    for n in notices:
        if n.id in by_doc:
            memo.prefetch(n, by_doc[n.id], lambda key, n=n: clause_block(key[1], n, list(key[2])))
    lines = [front("按主题"), "# 按主题浏览 {#themes}", "",
             "主题来自受控词表。一个条款只有在真正谈到该主题时才标注：主题词出现在条款的标题句中，"
             "或在条款中出现两次以上，或条款本身就是一句含主题词的短句；一笔带过的词（如“面向南亚东南亚”）不算。"
             "文件的主题取自其标题、各级标题和一成以上的条款。主题页并列展示各地区文件中涉及该主题的条款。", "",
             "| 主题 | 条款数 | 文件数 |", "| --- | --- | --- |"]
    pages: Pages = {}
    for s, (name, desc) in names.items():
        docs = hits.get(s, {})
        n_clauses = sum(len(v) for v in docs.values())
        lines.append(f"| [{md_text(name)}]({s}.md) | {n_clauses} | {len(docs)} |")
        pages.update(units.unit(f"theme/{s}", lambda s=s, name=name, desc=desc, docs=docs, n_clauses=n_clauses:
                                _theme(s, name, desc, docs, n_clauses, byid, memo, budget)))
    pages[idx] = "\n".join(lines) + "\n"
    return pages


def _theme(s: str, name: str, desc: str, docs: dict[str, list[str]], n_clauses: int, byid: dict[str, Notice],
           memo: Fragments, budget: int) -> Pages:
    """The pages of one theme (``theme_pages``)."""
    idx = "tags/theme/index.md"
    pages: Pages = {}
    page = f"tags/theme/{s}.md"
    body = [front(name), f"# {md_text(name)} {{#theme-{s}}}", ""]
    if desc:
        body += [md_text(desc), ""]
    body += [f"[全部主题]({md_link(page, idx)}) · {len(docs)} 件文件中的 {n_clauses} 个条款，按地区、日期排列。", ""]
    ordered = sorted((byid[d] for d in docs), key=lambda n: (region_label(n), n.date or "", n.id))
    # sized at the depth of a split page (the same bytes but for "../"), made once
    blocks = {n.id: _block(memo, f"tags/theme/{s}/1.md", n, docs[n.id]) for n in ordered}
    if not docs:
        body += ["文库中暂无条款涉及该主题。", ""]
    elif sum(_bytes(b) - 3 * b.count('href="') for b in blocks.values()) <= budget:  # its size on this page
        body += _region_sections(ordered, {n.id: _shallower(blocks[n.id]) for n in ordered})
    else:
        body += _split_theme(pages, s, name, page, ordered, docs, blocks, budget)
    pages[page] = "\n".join(body) + "\n"
    return pages


def _shallower(block: str) -> str:
    """A clause block made for ``tags/theme/<s>/1.md`` as ``tags/theme/<s>.md`` shows it:
    its links one folder less deep (every link of ``clause_block`` is to a document page)."""
    return block.replace(' href="../../../notices/', ' href="../../notices/')


def _bytes(html_text: str) -> int:
    """UTF-8 bytes of ``html_text`` (the budget is bytes: counted in characters,
    a Chinese theme page reached 672 KB at 5x under a 400,000 budget)."""
    return len(html_text.encode("utf-8"))


def _region_sections(ordered: list[Notice], blocks: dict[str, str],
                     continued: set[str] = frozenset()) -> list[str]:
    out: list[str] = []
    for region, group_docs in group(ordered, region_label).items():
        more = "（续）" if region in continued else ""
        out += [f"## {md_text(region)}{more} {{#r-{slug(region)}}}"]
        out += raw_block(['<div class="theme-region">', *(blocks[n.id] for n in group_docs), "</div>"])
    return out


def _split_theme(pages: Pages, s: str, name: str, page: str, ordered: list[Notice],
                 docs: dict[str, list[str]], blocks: dict[str, str], budget: int) -> list[str]:
    """Fill ``tags/theme/<s>/<k>.md`` with whole documents up to ``budget``
    (``blocks``: each document's clause block made for ``tags/theme/<s>/1.md``,
    the same depth as every k); returns the landing page's table of regions and pages."""
    chunks: list[list[Notice]] = split_by_bytes(ordered, None, budget, lambda n: _bytes(blocks[n.id]))
    first_page: dict[str, int] = {}
    seen: set[str] = set()
    for k, chunk in enumerate(chunks, 1):
        sub = f"tags/theme/{s}/{k}.md"
        regions = list(dict.fromkeys(region_label(n) for n in chunk))
        for r in regions:
            first_page.setdefault(r, k)
        nav = " · ".join(f"**{i}**" if i == k else f"[{i}]({md_link(sub, f'tags/theme/{s}/{i}.md')})"
                         for i in range(1, len(chunks) + 1))
        body = [front(f"{name}（第 {k} 页）"), f"# {md_text(name)}（第 {k}/{len(chunks)} 页） {{#theme-{s}-{k}}}", "",
                f"[{md_text(name)}]({md_link(sub, page)}) · 页码：{nav}", ""]
        body += _region_sections(chunk, blocks, continued=seen & set(regions))
        body += ["", f"页码：{nav}", ""]
        seen |= set(regions)
        pages[sub] = "\n".join(body) + "\n"
    out = ["该主题条款较多，按地区分页列出：", "", "| 地区 | 文件数 | 条款数 | 起始页 |", "| --- | --- | --- | --- |"]
    for region, group_docs in group(ordered, region_label).items():
        k = first_page[region]
        out.append(f"| {md_text(region)} | {len(group_docs)} | {sum(len(docs[n.id]) for n in group_docs)} | "
                   f"[第 {k} 页]({md_link(page, f'tags/theme/{s}/{k}.md')}#r-{slug(region)}) |")
    out += ["", "全部页面：" + " · ".join(f"[{k}]({md_link(page, f'tags/theme/{s}/{k}.md')})"
                                     for k in range(1, len(chunks) + 1)), ""]
    return out


def cited_pages(notices: list[Notice], external: dict[str, External], memo: Optional[Fragments] = None,
                units: Optional[Units] = None) -> Pages:
    """The index of unresolved external documents (most cited first), in
    pages of ``LIST_PAGE_SIZE``, and their citing clauses: each document a
    section (``#ext-…``) of one of 256 pages by its key
    (``common.cited_path``: ``tags/cited/02.html#ext-0256b635``), so its
    address stays as documents come and go; its old page
    (``tags/cited/<key>.html``) is a small static page sending there.
    Issue 29: one MkDocs page each was ~13 KB, of which ~10 KB theme
    chrome (613 pages, 17.7 KB a document on 354 real documents).  ``memo``: each
    citing document's clause block by its digest, as on theme pages; ``units``: each group one unit."""
    memo = memo or NoFragments()
    units = units or AllUnits()
    idx = "tags/cited/index.md"
    byid = {n.id: n for n in notices}
    size = list_page_size()
    pages: Pages = {}
    ordered = sorted(external.items(), key=lambda kv: (-len(kv[1].citing), kv[0]))
    chunks = split_pages(ordered, size)
    for k, chunk in enumerate(chunks, 1):
        here = page_file(idx, k)
        rows = [f'<tr data-ext="{esc(key)}"><td><a href="{esc(posixpath.relpath(cited_path(key), posixpath.dirname(here)))}">'
                f'{_text(ext.title)}</a></td><td>{_text(ext.doc_number or "—")}</td><td>{len(ext.citing)}</td></tr>'
                for key, ext in chunk]
        nav = pager(idx, k, len(chunks), len(ordered))
        lines = [front(page_title("文库外被引文件", k)), "# 文库外被引文件 {#cited}", "",
                 "文库中的文件引用了以下尚未收录的文件。点击文件名查看引用它的全部条款。", ""]
        table = ["<table><thead><tr><th>被引文件</th><th>文号</th><th>引用条款数</th></tr></thead><tbody>",
                 *rows, "</tbody></table>"]
        lines += nav + (raw_block(table) if rows else ["（暂无）", ""]) + nav
        pages[here] = "\n".join(lines) + "\n"
    citing: dict[str, dict[str, list[str]]] = {}  # key -> citing document -> its clause ids
    for key, ext in external.items():
        per_doc = citing.setdefault(key, {})
        for c in ext.citing:
            if c.source_id in byid:
                per_doc.setdefault(c.source_id, []).append(c.clause_id)
    by_doc: dict[str, list[tuple]] = {}  # the clause blocks the group pages show, made in document order
    for key, per_doc in citing.items():
        for d, cids in list(per_doc.items())[:CITED_INLINE]:
            by_doc.setdefault(d, []).append(("clause_block", f"tags/cited/{cited_group(key)}.md", tuple(dict.fromkeys(cids))))
    for n in notices:
        if n.id in by_doc:
            memo.prefetch(n, by_doc[n.id], lambda k, n=n: clause_block(k[1], n, list(k[2])))
    groups: dict[str, list[tuple[str, External]]] = {}
    for key, ext in sorted(external.items(), key=lambda kv: (kv[1].title, kv[0])):
        groups.setdefault(cited_group(key), []).append((key, ext))
    for g, members in sorted(groups.items()):
        pages.update(units.unit(f"cited/{g}", lambda g=g, members=members: _cited_group(g, members, citing, byid, memo)))
        pages.update((f"tags/cited/{key}.html", _moved(key)) for key, _ in members if len(citing[key]) <= CITED_INLINE)
    return pages


def _cited_group(g: str, members: list[tuple[str, External]], citing: dict[str, dict[str, list[str]]],
                 byid: dict[str, Notice], memo: Fragments) -> Pages:
    """The page of one group of external documents (``cited_pages``), with the
    pages of those cited from many documents and the old addresses' pages."""
    idx = "tags/cited/index.md"
    size = list_page_size()
    pages: Pages = {}
    page = f"tags/cited/{g}.md"
    html = ['<div class="cited-docs">']
    for key, ext in members:
        per_doc = citing[key]
        html.append(f'<section class="cited-doc"><h2 id="{esc(key)}">{esc(ext.title)}</h2>')
        if ext.doc_number:
            html.append(f"<p>文号：{esc(ext.doc_number)}</p>")
        if ext.ambiguous:  # issue 13: same title, no 文号 or date printed
            html.append('<div class="admonition note"><p class="admonition-title">可能不止一件文件</p>'
                        "<p>以下引用只写了标题，没有文号或日期；同名的文件可能不止一件（如各次修正决定），请按上下文核对。</p></div>")
        html.append(f"<p>本文件未收录于文库；以下 {len(ext.citing)} 个条款引用了它。</p>")
        shown = list(per_doc.items())[:CITED_INLINE]
        html += [_block(memo, page, byid[d], list(dict.fromkeys(cids))) for d, cids in shown]
        if len(per_doc) > len(shown):  # cited from many documents: all of them on its own pages
            html.append(f'<p><a href="{esc(key)}.html">全部 {len(per_doc)} 件引用文件</a>（本页只列前 {len(shown)} 件）</p>')
        html.append("</section>")
    html.append("</div>")
    body = [front(f"文库外被引文件（{g} 组）"), f"# 文库外被引文件（{g} 组） {{#cited-{g}}}", "",
            f"[文库外被引文件]({md_link(page, idx)}) · 本页 {len(members)} 件，按文件名排列。", ""]
    pages[page] = "\n".join(body + raw_block(html)) + "\n"
    for key, ext in members:  # the address each had before (issue 29): its pages (a page sending on: cited_pages)
        if len(citing[key]) > CITED_INLINE:
            pages.update(_cited_doc_pages(key, ext, citing[key], byid, idx, size, memo))
    return pages


def _moved(key: str) -> str:
    """The small static page at an external document's old address, sending to its section."""
    target = posixpath.relpath(cited_path(key), "tags/cited")
    return ('<!doctype html>\n<html lang="zh"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0; url={esc(target)}"><title>已移至新地址</title>'
            f'<link rel="canonical" href="{esc(target)}"></head>\n'
            f'<body><p>本页已移至 <a href="{esc(target)}">{esc(target)}</a>。</p></body></html>\n')


def _cited_doc_pages(key: str, ext: External, per_doc: dict[str, list[str]], byid: dict[str, Notice],
                     idx: str, size: int, memo: Fragments) -> Pages:
    """``tags/cited/<key>.md`` of an external document cited from more than
    ``CITED_INLINE`` documents: every citing document's clauses, in pages of
    ``size`` documents."""
    pages: Pages = {}
    page = f"tags/cited/{key}.md"
    doc_chunks = split_pages(list(per_doc.items()), size)
    for k, chunk in enumerate(doc_chunks, 1):
        here = page_file(page, k)
        body = [front(page_title(ext.title, k)), f"# {md_text(ext.title)} {{#ext}}", ""]
        if ext.doc_number:
            body += [f"文号：{md_text(ext.doc_number)}", ""]
        if ext.ambiguous:  # issue 13: same title, no 文号 or date printed
            body += ["!!! note \"可能不止一件文件\"", "    以下引用只写了标题，没有文号或日期；同名的文件可能不止一件（如各次修正决定），请按上下文核对。", ""]
        body += [f"[文库外被引文件]({md_link(here, idx)}) · 本文件未收录于文库；{len(per_doc)} 件文件中的 "
                 f"{len(ext.citing)} 个条款引用了它。", ""]
        nav = pager(page, k, len(doc_chunks), len(per_doc))
        body += nav + raw_block(['<div class="theme-region">',
                                 *(_block(memo, here, byid[d], list(dict.fromkeys(cids))) for d, cids in chunk),
                                 "</div>"]) + nav
        pages[here] = "\n".join(body) + "\n"
    return pages


def counts(notices: list[Notice]) -> dict[str, Counter]:
    """Counts by top-level region, year and document type (for the home page)."""
    return {
        "region": Counter(region_label(n).split(" ")[0] for n in notices),
        "year": Counter(year_key(n) for n in notices),
        "type": Counter(type_family(n.doc_type) for n in notices),
    }


__all__ = ["notices_index", "region_pages", "year_pages", "type_pages", "theme_pages",
           "cited_pages", "counts", "front", "doc_list", "NATIONAL_CODE"]
