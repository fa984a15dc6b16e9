"""One Markdown page per document: ``docs/notices/<id>.md``.

The page is Markdown headings (fixed Chinese text, explicit ``{#id}``)
around raw HTML blocks that carry all source-derived text, HTML-escaped.
Markdown never processes the inside of those blocks, so ``<script>``,
``*``, ``|``, ``[``, ``#`` or ``{#x}`` in a notice show as typed.

Each clause becomes::

    <div class="clause clause--item">
    <h4 class="clause-head" id="s2-3">二（三）…</h4>
    (site.js wraps the label in span.clause-label and adds the ¶ link and the copy buttons)
    <p class="clause-text">…</p>   (several lines: <div class="clause-text"><p>…</p><p>…</p></div>)
    …children…
    </div>

The heading carries the id so Material's search indexes each clause as its
own section and a result links to ``notices/<id>.html#s2-3``.

Above the text (issue 14):

* the metadata card: a value the source did not print is marked
  （推定）(``basis`` "inferred": seed 000's title, region and year) or
  （校订）(``basis`` "sidecar": seed 000's 文种 解读), the note on hover and
  in one 说明 box with the sidecar notes; 状态 is left out when it repeats
  the 文种 (seed 000: 解读/解读); the 文种 is the normalised one
  (``common.type_family``: govcn2019 指导意见 → 意见, with the printed form);
  no internal format names (``lawmd`` → Markdown（法律法规库）);
* schema.org ``Legislation`` JSON-LD (``legislation_jsonld``), escaped by
  ``common.json_for_script`` so a title holding ``</script>`` stays data;
* the downloads (``downloads.download_links``: the registered outputs) and the outline
  (``outline_html``: 编/章/节/条 of lawrefbook laws, 一、/（一）/1. of
  notices; collapsed above LAZY_OUTLINE entries (民法典合同编); a chapter's articles
  are listed by site.js when it is opened);
* stripped lines, except source markup comments (lawrefbook's
  ``<!-- INFO END -->`` is not 网页杂项), and the print footer (permanent
  address and retrieval date, filled by site.js when there is no site_url).

Below the text, 被引用 (issue 29) lists the first CITED_BY_SHOWN citing documents
(at most CITED_BY_SHOWN_BYTES); a document cited more (民事诉讼法: 2,142 citing
documents, 627 KB of its page in the 5x benchmark) links 全部 N 件, all of them on
``tags/cited-by/<id>.md`` and its pages (``cited_by_pages``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..clauses.clauseids import kind_of
from ..model.fields import FIELDS
from ..models import Clause, Enrichment, Notice, Reference
from ..settings import THEME_PAGE_BUDGET
from .common import (AllUnits, Fragments, LOCAL_COPY_NOTE, Units, ThemeIndex, cited_path, clause_citation, clause_label, esc, find_clause, json_for_script, list_page_size, md_text,
                     notice_path, page_file, page_title, pager, permanent_url, link_or_text, raw_block, region_chain,
                     rel, slug, split_by_bytes, type_family, yaml_str, year_key)
from .downloads import ATT_KIND, attachment_files, card_lines, download_links, header_lines
from .search_pages import facets_html
from . import works  # version box, work-page links, changed-clause notes (issue 13)
from .xrefs import Citing, External



def gbt_prefix(n: Notice, clause: Optional[Clause] = None) -> str:
    """GB/T 7714-2015 electronic-resource citation without access date/URL.

    ``昆明市人民政府办公室. 题名[EB/OL]. (2022-09-29)`` — the page script
    appends ``[引用日期]. URL.`` at copy time.  With a clause (issue 25) its label
    follows the title (``中华人民共和国专利法（2020年修正）第七十一条[EB/OL]``), and a
    clause of a forwarded plan names the plan, as the plain citation does; the
    page script inserts the label itself (``data-gbt`` on a clause only where the
    document differs).
    """
    # GB/T 7714-2015 8.1.2: more than three 责任者, the first three and 「等」 (a sidecar's
    # 12,000 issuers were repeated on every clause: a 6 MB page, issue 28)
    who = "，".join(n.issuer[:3]) + ("，等" if len(n.issuer) > 3 else "") if n.issuer else "佚名"
    title = n.versioned_title
    if clause is not None and n.in_forwarded(clause):
        title = n.forwarded.title
    s = f"{who}. {title}{clause.label if clause is not None else ''}[EB/OL]."
    if n.date_published or n.date:
        s += f" ({n.date_published or n.date})"
    return s


def _clause_text_html(text: str, refs: list[Reference], page: str,
                      external_ok: set[str], doc_ids: set[str]) -> str:
    """Escape clause text; turn printed references into links: one ``<p>`` a line."""
    return "".join(f"<p>{line}</p>" for line in _clause_lines(text, refs, page, external_ok, doc_ids))


def clause_text_block(lines: list[str]) -> str:
    """A clause's text: ``<p class="clause-text">`` for one line (most clauses), else
    ``<div class="clause-text">`` of ``<p>`` (issue 29: 24 bytes a clause less)."""
    if len(lines) == 1:
        return f'<p class="clause-text">{lines[0]}</p>'
    return '<div class="clause-text">' + "".join(f"<p>{line}</p>" for line in lines) + "</div>" if lines else ""


def _clause_lines(text: str, refs: list[Reference], page: str,
                  external_ok: set[str], doc_ids: set[str]) -> list[str]:
    """Each non-blank line of a clause's text as HTML, its printed references linked."""
    links: dict[str, str] = {}
    extra: dict[str, str] = {}  # issue 25: a note after the link (version not held, renumbered article)
    for r in refs:
        if not r.text or r.text in links:
            continue
        if r.target_id and r.target_id in doc_ids:
            href = rel(page, notice_path(r.target_id))
            if r.target_clause:
                href += "#" + r.target_clause
        elif r.external_key and r.external_key in external_ok:
            href = rel(page, cited_path(r.external_key))
        elif works.ref_href(r, page):  # issue 13: version not held -> the work page and its note
            href = works.ref_href(r, page)
        else:
            continue
        links[r.text] = href
        extra[r.text] = works.ref_extra(r, page, doc_ids)
    paras = []
    pattern = (re.compile("|".join(re.escape(t) for t in sorted(links, key=len, reverse=True)))
               if links else None)
    for line in text.split("\n"):
        if not line.strip():
            continue
        if pattern is None:
            paras.append(esc(line))
            continue
        out, pos = [], 0
        for m in pattern.finditer(line):
            out.append(esc(line[pos:m.start()]))
            out.append(f'<a class="ref" href="{esc(links[m.group(0)])}">{esc(m.group(0))}</a>{extra[m.group(0)]}')
            pos = m.end()
        out.append(esc(line[pos:]))
        paras.append("".join(out))
    return paras


def _clause_html(n: Notice, c: Clause, ctx: dict, depth: int) -> list[str]:
    prefix = ctx["cite_prefix"]
    cite = n.citation(c)
    attrs = f'class="clause clause--{esc(c.kind)}"'  # data-label: set by site.js from .clause-label
    if cite != prefix + c.label:
        attrs += f' data-cite="{esc(cite)}"'
        attrs += f' data-gbt="{esc(gbt_prefix(n, c))}"'  # issue 25: the GB/T form names the same document
    h = min(depth + 2, 6)
    out = [f"<div {attrs}>"]
    for old in ctx["redirect_to"].get(c.id, []):
        out.append(f'<span class="clause-redirect" id="{esc(old)}"></span>')
    ti, used = ctx["themes"], ctx["used_themes"]
    for t in c.themes:
        used.setdefault(ti.slug(t), [ti.name(t), rel(ctx["page"], ti.path(t))])
    themes = " ".join(dict.fromkeys(ti.slug(t) for t in c.themes))
    # the label's span.clause-label, the ¶ link (Material's "headerlink"), 复制引用 / GB/T 7714 and
    # the theme links (data-themes: slugs, named on .clauses) are made by site.js (clauseTools)
    # from the heading: ~430 bytes a clause, and ~100 a theme link, less (issue 29)
    out.append(f'<h{h} class="clause-head" id="{esc(c.id)}"' + (f' data-themes="{esc(themes)}"' if themes else "")
               + f'>{esc(c.label) or "　"}</h{h}>')
    if c.id in n.clause_changes:  # issue 13: 「本条文字于 YYYY-MM-DD 更正」, earlier text on demand
        out.append(works.change_note(n, c))
    hist = works.article_history(n, c, ctx["enr"], ctx["page"])  # issue 25: 本条经2020年修正，原第六十五条
    if hist:
        out.append(hist)
    refs = ctx["refs_by_clause"].get(c.id, [])
    body = clause_text_block(_clause_lines(c.text, refs, ctx["page"], ctx["external_ok"], ctx["doc_ids"]))
    if body:
        out.append(body)
    for child in c.children:
        out.extend(_clause_html(n, child, ctx, depth + 1))
    out.append("</div>")
    return out


FORMAT_ZH = {"text": "纯文本", "html": "网页", "lawmd": "Markdown（法律法规库）", "markdown": "Markdown",
             "pdf": "PDF", "docx": "Word（DOCX）", "doc": "Word 97（DOC/WPS，经 LibreOffice 转换）"}
BASIS_MARK = {"inferred": "推定", "sidecar": "校订"}
BASIS_HINT = {"inferred": "原文未载明，系根据上下文推定，引用时请核对原文",
              "sidecar": "原文缺失或有误，由编辑在 sidecar 文件中校订"}
# stripped lines that are source markup, not web furniture (lawrefbook's
# ``<!-- INFO END -->`` after a law's info lines)
MARKUP_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")


def basis_of(n: Notice, key: str) -> str:
    """'printed' | 'inferred' | 'sidecar' for one metadata field."""
    if key == "year" and n.date:
        key = "date_written" if n.date_written else "date_published"
    return n.basis.get(key, "printed")


def _mark(n: Notice, key: str) -> str:
    """（推定）/（校订） after an inferred or corrected value, the note on hover."""
    b = basis_of(n, key)
    if b not in BASIS_MARK:
        return ""
    return (f'<a class="basis basis--{b}" href="#notes" title="{esc(BASIS_HINT[b])}">'
            f'（{BASIS_MARK[b]}）</a>')


def marked_fields(n: Notice, shown: list[str]) -> list[tuple[str, str]]:
    """(field key, basis) of the shown fields whose value is not printed."""
    return [(k, basis_of(n, k)) for k in shown if basis_of(n, k) in BASIS_MARK]


# A card row: (label, HTML, marked?) — marked rows get （推定）/（校订） from ``basis``.
CardRow = tuple[str, str, bool]


def _card_title(n: Notice, ctx: dict) -> list[CardRow]:
    return [("标题", esc(n.title), True)] if basis_of(n, "title") in BASIS_MARK else []


def _card_issuer(n: Notice, ctx: dict) -> list[CardRow]:
    return [("发文机关", "，".join(esc(i) for i in n.issuer) or "—", bool(n.issuer))]


def _card_doc_number(n: Notice, ctx: dict) -> list[CardRow]:
    return [("发文字号", esc(n.doc_number) or "—", bool(n.doc_number))]


def _card_date_published(n: Notice, ctx: dict) -> list[CardRow]:
    rows = [("发布日期", esc(n.date_published), True)] if n.date_published else []
    return rows + ([("日期", "不详", False)] if not n.date else [])


def _card_region(n: Notice, ctx: dict) -> list[CardRow]:
    chain = region_chain(n)
    links = " → ".join(f'<a href="{esc(rel(ctx["page"], f"tags/region/{code}.html"))}">{esc(name)}</a>'
                       for name, code in chain)
    return [("地区", links, True)] if chain else []


def _card_year(n: Notice, ctx: dict) -> list[CardRow]:
    year = year_key(n)
    link = f'<a href="{esc(rel(ctx["page"], f"tags/year/{year}.html"))}">{esc(year if year != "unknown" else "不详")}</a>'
    return [("年份", link, year != "unknown")]


def _card_doc_type(n: Notice, ctx: dict) -> list[CardRow]:
    if not n.doc_type:
        return []
    family = type_family(n.doc_type)
    printed = f'<span class="detail">（原文作“{esc(n.doc_type)}”）</span>' if family != n.doc_type else ""
    return [("文种", f'<a href="{esc(rel(ctx["page"], f"tags/type/{slug(family)}.html"))}">{esc(family)}</a>{printed}',
             True)]


def _card_validity(n: Notice, ctx: dict) -> list[CardRow]:
    if not n.validity:  # issue 25: 时效性 with its basis, on every document
        return []
    cls = works.validity_class(n.validity)
    return [("时效性", f'<a class="validity validity--{esc(cls)}" href="{esc(rel(ctx["page"], works.facet_path(cls)))}">'
                     f'{esc(n.validity)}</a>'
             + (f'<span class="detail validity-basis">（{esc(n.validity_basis)}）</span>' if n.validity_basis else ""),
             False)]


def _card_status(n: Notice, ctx: dict) -> list[CardRow]:
    if not n.status or n.status in (n.doc_type, type_family(n.doc_type)):  # 解读 is a 文种, not a second 状态
        return []
    return [("状态", f'<a href="{esc(rel(ctx["page"], f"tags/status/{slug(n.status)}.html"))}">{esc(n.status)}</a>', True)]


def _card_themes(n: Notice, ctx: dict) -> list[CardRow]:
    themes = ctx["themes"].doc_themes(n)
    links = "、".join(f'<a href="{esc(rel(ctx["page"], f"tags/theme/{s}.html"))}">{esc(name)}</a>' for s, name in themes)
    return [("主题", links, False)] if themes else []


def _card_forwarded(n: Notice, ctx: dict) -> list[CardRow]:
    return [("印发/转发", esc(n.forwarded.title), True)] if n.forwarded and n.forwarded.title != n.title else []


def _card_site_tags(n: Notice, ctx: dict) -> list[CardRow]:
    f = FIELDS["site_tags"]
    tags = f.get(n)
    if not tags:
        return []
    return [(f.label, esc(f.show(tags)) + '<span class="detail">（网站加在标题上，不属标题）</span>', True)]


def _card_source_url(n: Notice, ctx: dict) -> list[CardRow]:
    if not n.source_url:
        return []
    return [("来源", link_or_text(n.source_url, attrs=' class="source-link" rel="nofollow noopener"'), True)]


# fields whose card row is more than their plain value (links to their listing, 不详 rows);
# any other field declared with card=True (model/fields.py) shows its value as text
CARD_RENDERERS = {"title": _card_title, "issuer": _card_issuer, "doc_number": _card_doc_number,
                  "date_published": _card_date_published, "region": _card_region, "year": _card_year,
                  "doc_type": _card_doc_type, "validity": _card_validity, "status": _card_status,
                  "themes": _card_themes, "forwarded": _card_forwarded, "source_url": _card_source_url,
                  "site_tags": _card_site_tags}


def card_rows(n: Notice, ctx: dict) -> list[tuple[str, str, Optional[str]]]:
    """(label, HTML, the field key when the row is marked) of every card field, in the table's order."""
    out = []
    for f in FIELDS:
        if not f.card:
            continue
        render = CARD_RENDERERS.get(f.key)
        if render is not None:
            rows = render(n, ctx)
        else:
            value = f.get(n)
            rows = [(f.label, esc(f.show(value)), True)] if value not in (None, "", []) else []
        out += [(label, html, f.key if marked else None) for label, html, marked in rows]
    return out


def _card(n: Notice, ctx: dict) -> tuple[str, list[str]]:
    """The metadata card and the keys of the fields it marks (model/fields.py's card rows,
    then the file and the archive id)."""
    rows: list[tuple[str, str]] = []
    shown: list[str] = []
    for label, html, key in card_rows(n, ctx):
        if key:
            shown.append(key)
            html += _mark(n, key)
        rows.append((label, html))
    rows.append(("原始文件", f"<code>{esc(n.source_file)}</code>（{FORMAT_ZH.get(n.format, '其他格式')}）"))
    rows.append(("文库编号", f"<code>{esc(n.id)}</code>"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="meta-card" data-search-exclude><tbody>{body}</tbody></table>', shown


def _banners(n: Notice, shown: list[str]) -> list[str]:
    """The draft warning, and one 说明 box: every inferred or corrected
    value with what it means, the date caveat and the sidecar notes."""
    out = []
    if "征求意见" in (n.status or ""):
        out.append('<div class="admonition warning banner banner--draft"><p class="admonition-title">征求意见稿</p>'
                   "<p>本文件为征求意见稿，不是正式生效文本，内容可能与最终发布版本不同。</p></div>")
    items = []
    inferred = bool(n.date) and n.date_basis == "inferred"
    if inferred:
        items.append(f"<li>原文未载明日期，{esc(n.date)} 系根据上下文推定，引用时请核对原文。</li>")
    elif not n.date:
        items.append("<li>原文未载明成文或发布日期。</li>")
    marked = marked_fields(n, shown)
    for key, b in marked:
        if inferred and key in ("date_written", "date_published", "year"):
            continue
        items.append(f'<li class="basis-note basis-note--{b}">{(FIELDS[key].label if key in FIELDS else key)}（{BASIS_MARK[b]}）：'
                     f"{BASIS_HINT[b]}。</li>")
    items += [f'<li class="sidecar-note">校订说明：{esc(note)}</li>' for note in n.notes]
    if not items:
        return out
    cls = "banner--inferred" if (inferred or not n.date or any(b == "inferred" for _, b in marked)) else "banner--sidecar"
    out.append(f'<div class="admonition note banner notes-box {cls}" id="notes">'
               f'<p class="admonition-title">说明</p><ul>{"".join(items)}</ul></div>')
    return out


def _refs_out(n: Notice, ctx: dict) -> str:
    """引用文件: what this document cites, clause by clause."""
    page, items = ctx["page"], []
    for cid, refs in ctx["refs_by_clause"].items():
        c = find_clause(n, cid)
        here = f'<a href="#{esc(cid)}">{esc(c.label if c else cid) or esc(cid)}</a>'
        lis = []
        for r in refs:
            if r.target_id and r.target_id in ctx["doc_ids"]:
                t = ctx["notices"][r.target_id].title
                href = rel(page, notice_path(r.target_id)) + (f"#{r.target_clause}" if r.target_clause else "")
                lis.append(f'<li><a href="{esc(href)}">{esc(t)}{(" " + esc(r.target_clause)) if r.target_clause else ""}</a>（文库内）— 原文：{esc(r.text)}'
                           f'{works.ref_extra(r, page, ctx["doc_ids"])}</li>')
            elif r.external_key and r.external_key in ctx["external_ok"]:
                href = rel(page, cited_path(r.external_key))
                lis.append(f'<li><a href="{esc(href)}">{esc(r.text)}</a>（文库外）</li>')
            elif works.ref_href(r, page):  # issue 13
                lis.append(f'<li><a href="{esc(works.ref_href(r, page))}">{esc(r.text)}</a>'
                           f'（{esc(works.missing_note(r))}）</li>')
            else:
                lis.append(f"<li>{esc(r.text)}（未识别）</li>")
        items.append(f'<li class="refs-clause">{here}<ul>{"".join(lis)}</ul></li>')
    if not items:
        return '<p class="refs-none">本文件未引用其他文件。</p>'
    return f'<ul class="refs refs--out">{"".join(items)}</ul>'


CITED_BY_SHOWN = 50  # citing documents on a document page; all of them on its 被引用 pages (issue 29)
# and at most this much of their HTML: of the 60 KB a page has beside 3x its text,
# the frame takes ~10 KB and a law's card and outline up to ~20 KB (民事诉讼法: 19 KB)
CITED_BY_SHOWN_BYTES = 20_000


def cited_by_path(doc_id: str) -> str:
    """Page 1 of a document's whole 被引用 list (``tags/cited-by/<id>.html``)."""
    return f"tags/cited-by/{doc_id}.html"


def cited_by_items(n: Notice, cites: list[Citing], notices: dict[str, Notice], page: str,
                   memo: Optional[Fragments] = None) -> list[str]:
    """被引用 entries, one ``<li>`` a citing document in the order of ``cites``: its
    citation once, then each citing clause (its label, the clause of ``n`` it cites),
    the version it cites once when all say the same (issue 29: 民事诉讼法's 442
    citations were 126 KB, each with the citing document's title and version note
    again).  ``page``: the site page they are on (``n``'s own or a 被引用 page);
    ``memo``: the clauses' citations and labels kept by document digest (``clause_citation``)."""
    own = "" if page == notice_path(n.id) else rel(page, notice_path(n.id))
    groups: dict[str, list] = {}
    for c in cites:
        if c.source_id not in notices:
            continue
        src = notices[c.source_id]
        cite = clause_citation(src, c.clause_id, memo)
        target = ""
        if c.target_clause:
            tc = clause_label(n, c.target_clause, memo)
            target = (f'（引用本文件 <a href="{esc(own)}#{esc(c.target_clause)}">{esc(tc)}</a>）'
                      if tc is not None else "")
        link = ""
        if cite is not None:
            whole = src.citation(None)
            label = cite[len(whole):] if cite.startswith(whole) and len(cite) > len(whole) else cite
            link = f'<a href="{esc(rel(page, notice_path(c.source_id)))}#{esc(c.clause_id)}">{esc(label)}</a>'
        groups.setdefault(c.source_id, []).append((link + target, c.version))
    lis = []
    for source_id, parts in groups.items():
        versions = {v for _, v in parts}
        once = versions.pop() if len(versions) == 1 else ""
        note = (lambda v: f"（引用的是{esc(v)}文本）" if v else "")  # issue 13
        texts = [t + ("" if once else note(v)) for t, v in parts]
        texts = [t for t in dict.fromkeys(texts) if t]
        lis.append(f'<li><a href="{esc(rel(page, notice_path(source_id)))}">{esc(notices[source_id].citation(None))}</a>'
                   f'{note(once)}{"：" + "；".join(texts) if texts else ""}</li>')
    return lis


def cited_by_shown(lis: list[str]) -> list[str]:
    """The 被引用 entries a document page shows: the first CITED_BY_SHOWN, at most
    CITED_BY_SHOWN_BYTES; the page links to ``cited_by_pages`` exactly when some are left."""
    return split_by_bytes(lis, CITED_BY_SHOWN, CITED_BY_SHOWN_BYTES)[0]


def _refs_in(n: Notice, ctx: dict) -> str:
    """被引用: the first CITED_BY_SHOWN citing documents (``cited_by_items``) and, when
    there are more, a link to all of them on pages of their own (``cited_by_pages``)."""
    page, cites = ctx["page"], ctx["cited_by"].get(n.id, [])
    if not cites:
        return '<p class="refs-none">文库中暂无文件引用本文件。</p>'
    lis = cited_by_items(n, cites, ctx["notices"], page)
    shown = cited_by_shown(lis)
    more = ""
    if len(shown) < len(lis):
        more = (f'<p class="refs-more"><a href="{esc(rel(page, cited_by_path(n.id)))}">全部 {len(lis)} 件引用本文件的文件</a>'
                f"（此处列出前 {len(shown)} 件）</p>")
    return f'<ul class="refs refs--in">{"".join(shown)}</ul>{more}'


def cited_by_pages(notices: list[Notice], cited_by: dict[str, list[Citing]],
                   memo: Optional[Fragments] = None, units: Optional[Units] = None) -> dict[str, str]:
    """docs path -> Markdown of the 被引用 pages of every document whose page shows only
    the first part of its list (``tags/cited-by/<id>.md``, then ``…/<id>/page/2.md``):
    every citing document with every citing clause, in the document page's order, in
    pages of ``list_page_size()`` entries and at most THEME_PAGE_BUDGET bytes; ``memo``: see ``cited_by_items``;
    ``units``: each cited document's pages one unit."""
    byid = {n.id: n for n in notices}
    pages: dict[str, str] = {}
    units = units or AllUnits()
    for n in notices:
        pages.update(units.unit(f"cited-by/{n.id}", lambda n=n: _cited_by_doc(n, cited_by, byid, memo)))
    return pages


def _cited_by_doc(n: Notice, cited_by: dict[str, list[Citing]], byid: dict[str, Notice],
                  memo: Optional[Fragments]) -> dict[str, str]:
    """The 被引用 pages of one document (``cited_by_pages``): none when its page shows its whole list."""
    pages: dict[str, str] = {}
    cites = cited_by.get(n.id)
    if not cites:
        return pages
    lis = cited_by_items(n, cites, byid, notice_path(n.id), memo)
    if len(cited_by_shown(lis)) == len(lis):  # the page shows them all: no pages of their own
        return pages
    first = cited_by_path(n.id)[: -len(".html")] + ".md"
    # the bounds on the deepest page's entries (longest links); the same cut on every page
    deep_page = page_file(first, 2)[:-3] + ".html"
    deep = cited_by_items(n, cites, byid, deep_page, memo)
    cuts, at = [], 0
    for chunk in split_by_bytes(deep, list_page_size(), THEME_PAGE_BUDGET):
        cuts.append((at, at + len(chunk)))
        at += len(chunk)
    title = f"引用《{n.title}》的文件"
    made: dict[int, list[str]] = {}  # entries by page depth: their links are relative
    for k, (a, b) in enumerate(cuts, 1):
        here = page_file(first, k)
        html_path = here[:-3] + ".html"
        d = html_path.count("/")
        if d not in made:
            made[d] = deep if d == deep_page.count("/") else cited_by_items(n, cites, byid, html_path, memo)
        nav = pager(first, k, len(cuts), len(lis))
        lines = ["---", f"title: {yaml_str(page_title(title, k))}", "---", "",
                 f"# {esc(title)} {{#cited-by}}", "",
                 f"[返回《{md_text(n.title)}》]({rel(here, notice_path(n.id)[:-5] + '.md')}) · 共 {len(lis)} 件文件引用本文件。", ""]
        lines += nav + raw_block([f'<ul class="refs refs--in">{"".join(made[d][a:b])}</ul>']) + nav
        pages[here] = "\n".join(lines) + "\n"
    return pages


def _related(n: Notice, ctx: dict) -> str:
    page, items = ctx["page"], []
    for doc_id, reason in ctx["related"].get(n.id, []):
        if doc_id not in ctx["doc_ids"] or doc_id == n.id:
            continue
        o = ctx["notices"][doc_id]
        why = f'<span class="related-reason">（{esc(reason)}）</span>' if reason else ""
        items.append(f'<li><a href="{esc(rel(page, notice_path(doc_id)))}">{esc(o.title)}</a> '
                     f'<span class="doc-meta">{esc(o.region.name if o.region else "")} {esc(o.date or "")}</span>{why}</li>')
    if not items:
        return '<p class="refs-none">暂无相关文件。</p>'
    return f'<ul class="related">{"".join(items)}</ul>'


def _stripped(n: Notice) -> str:
    shown = [s for s in n.stripped if not MARKUP_COMMENT.match(s.text)]
    if not shown:
        return ""
    rows = "".join(f"<li>第 {s.line} 行（{esc(s.reason)}）：{esc(s.text)}</li>" for s in shown)
    return (f'<details class="stripped" data-search-exclude><summary>已从正文剔除的网页杂项 {len(shown)} 行</summary>'
            f"<ul>{rows}</ul></details>")


# ------------------------------------------------------------------ outline

# which kinds are outline entries, their count words and whole-line headings: clauseids.KINDS
NOTICE_OUTLINE_DEPTH = 3  # 一、 / （一） / 1. (seed 004's attached plan nests 附件 → 一、 → （一）)
OPEN_OUTLINE = 40  # entries: a shorter outline is shown expanded
LAZY_OUTLINE = 300  # entries: a longer outline starts closed
_HEAD_CUT = re.compile(r"[。；;：:，,]")


def outline_title(c: Clause) -> str:
    """The heading words of a clause without its number: ``第一章总则`` ->
    ``总则``, ``一、一般要求`` -> ``一般要求``, ``（1）完善…建设。制定…`` ->
    ``完善…建设``; '' for an article (laws' articles have no headings)."""
    if c.kind == "article":
        return ""
    line = c.text.strip().split("\n", 1)[0]
    line = re.sub(r"^(第[一二三四五六七八九十百零〇\d]+[编章节]|[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十\d]+[)）]"
                  r"|\d+[.．、]|第[一二三四五六七八九十]+[，,、])\s*", "", line)
    if not kind_of(c.kind).heading_line:
        line = _HEAD_CUT.split(line, 1)[0]
    return line[:28] + ("…" if len(line) > 28 else "")


@dataclass
class OutlineEntry:
    clause: Clause
    children: list["OutlineEntry"]

    def count(self) -> int:
        return 1 + sum(e.count() for e in self.children)


def outline_entries(n: Notice) -> list[OutlineEntry]:
    """The structure a reader navigates by: 编/章/节/条 (laws, and notices
    that print them: govcn2019 国务院…条例 issued by a 通知), and the
    numbered headings (一、/（一）/1.) and titles of a notice, down to
    NOTICE_OUTLINE_DEPTH numbered levels."""

    def walk(clauses: list[Clause], depth: int) -> list[OutlineEntry]:
        out = []
        for c in clauses:
            outline = kind_of(c.kind).outline
            if outline == "law":
                out.append(OutlineEntry(c, walk(c.children, depth)))
            elif n.kind != "law" and outline == "notice" and depth <= NOTICE_OUTLINE_DEPTH:
                out.append(OutlineEntry(c, walk(c.children, depth + 1)))
        return out

    return walk(n.clauses, 1)


def _outline_link(c: Clause) -> str:
    title = outline_title(c)
    label = esc(c.label) or esc(c.id)
    return (f'<a href="#{esc(c.id)}"><span class="outline-label">{label}</span>'
            + (f' <span class="outline-title">{esc(title)}</span>' if title else "") + "</a>")


def _outline_list(entries: list[OutlineEntry], expand: bool) -> str:
    items = []
    for e in entries:
        if not e.children:
            items.append(f"<li>{_outline_link(e.clause)}</li>")
            continue
        leaves = all(not ch.children for ch in e.children)
        first, last = e.children[0].clause.label, e.children[-1].clause.label
        span = f"{esc(first)}至{esc(last)}" if len(e.children) > 1 else esc(first)
        if leaves and e.children[0].clause.kind == "article":
            # a chapter's articles (collapsed): listed by site.js when opened, from the clause headings
            # (issue 29: written here they were 3.0 KB of the 4.4 KB outline of a page, whole corpus)
            items.append(f"<li>{_outline_link(e.clause)}"
                         f'<details class="outline-sub" data-lazy="{esc(e.clause.id)}"><summary>{span}'
                         f"（{len(e.children)} 条）</summary></details></li>")
        else:
            items.append(f"<li>{_outline_link(e.clause)}"
                         f'<details class="outline-sub"{" open" if expand else ""}>'
                         f"<summary>{len(e.children)} {kind_of(e.children[0].clause.kind).unit or '项'}</summary>"
                         f"{_outline_list(e.children, expand)}</details></li>")
    return f'<ol class="outline-list">{"".join(items)}</ol>'


def outline_html(n: Notice) -> str:
    """Collapsible outline with working anchors (``#outline``)."""
    entries = outline_entries(n)
    if not entries:
        return ""
    total = sum(e.count() for e in entries)
    articles = sum(1 for c in n.walk() if c.kind == "article")
    what = f"{articles} 条" if articles else f"{total} 项"
    top_open = " open" if len(entries) <= OPEN_OUTLINE and total <= LAZY_OUTLINE else ""
    body = _outline_list(entries, expand=total <= OPEN_OUTLINE)
    return (f'<nav class="outline" id="outline" aria-label="本文件目录" data-search-exclude>'
            f'<details class="outline-box"{top_open}><summary>目录（{what}）</summary>{body}</details></nav>')


# ------------------------------------------------------------------ page head

LEGAL_FORCE = {"征求意见稿": "NotInForce", "草案": "NotInForce", "已废止": "NotInForce", "已失效": "NotInForce"}


def jurisdiction(n: Notice) -> Optional[str]:
    """The jurisdiction a document belongs to: 中华人民共和国 for national
    ones, else its region chain (云南省昆明市)."""
    if n.region is None:
        return None
    if n.region.is_national:
        return "中华人民共和国"
    return "".join(n.region.names)


def legislation_jsonld(n: Notice, url: Optional[str]) -> dict:
    """schema.org ``Legislation`` of a document (fields only when known)."""
    d: dict = {"@context": "https://schema.org", "@type": "Legislation", "name": n.title, "inLanguage": "zh-CN"}
    if url:
        d["url"] = url
    if n.doc_number:
        d["legislationIdentifier"] = n.doc_number
    if n.date:
        d["legislationDate"] = n.date
    if n.date_published:
        d["datePublished"] = n.date_published
    where = jurisdiction(n)
    if where:
        d["legislationJurisdiction"] = where
    if n.doc_type:
        d["legislationType"] = type_family(n.doc_type)
    if n.status in LEGAL_FORCE:
        d["legislationLegalForce"] = LEGAL_FORCE[n.status]
    if n.issuer:
        d["legislationPassedBy"] = [{"@type": "GovernmentOrganization", "name": i} for i in n.issuer]
    return d


def downloads_html(n: Notice, page: str, site_url: str) -> str:
    """The 下载本文件 line: the links of every registered output (``downloads.OUTPUTS``).
    Files first; those site.js makes from the record (``data-make``: TXT, Markdown,
    JSON) are hidden until it runs; ``data-head``: their header lines."""
    files, made = [], []
    for link in download_links(n):
        make = f' data-make="{link.make}"' if link.make else ""
        a = (f'<a class="{link.cls}" href="{esc(rel(page, link.href))}"{make} download="{esc(link.name)}">'
             f'{esc(link.label)}</a>')
        if link.make:
            made.append(" · " + a)
        else:
            files.append(a)
    head = json_attr(header_lines(n, site_url))
    card = json_attr(card_lines(n))  # the Word file's card rows (效力, 施行日期, 版本)
    hidden = "" if files else " hidden"  # only made links: the whole line waits for site.js
    return (f"<p class=\"downloads\"{hidden} data-search-exclude data-head={head} data-card={card}>下载本文件：{' · '.join(files)}"
            f'<span class="downloads-made" hidden>{"".join(made)}</span><span class="download-note" hidden></span></p>')


def json_attr(value) -> str:
    """``value`` as JSON in a single-quoted attribute, quotes included: only ``&``, ``'``, ``<``, ``>``
    escaped (in double quotes every ``"`` of the JSON was ``&quot;``)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "'" + text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;") + "'"


def attachments_html(n: Notice, page: str) -> str:
    """The document's 附件 list: each entry with a link to its section (``#att1``)
    and the download of its original file, or 「未收录」 when the archive does not hold it."""
    if not n.attachments:
        return ""
    files = {a.number: (path, name) for path, name, a in attachment_files(n)}
    items = []
    for a in n.attachments:
        parts = [f'<span class="attachment-title">附件{a.number}：{esc(a.title)}</span>']
        if a.section:
            parts.append(f'<a class="attachment-section" href="#{esc(a.section)}">见正文</a>')
        if a.number in files:
            path, name = files[a.number]
            kind = ATT_KIND.get(Path(name).suffix.lower(), "文件")
            parts.append(f'<a class="attachment-file download" href="{esc(rel(page, path))}" download="{esc(name)}">'
                         f'下载原件（{esc(kind)}）</a>')
        if a.status == "未收录":
            parts.append('<span class="attachment-missing">（未收录：本文库未保存此附件）</span>')
        elif a.status.startswith("无法") or a.status == "无法切分":
            parts.append(f'<span class="attachment-missing">（{esc(a.status)}；仅提供原件）</span>')
        items.append(f'<li id="attachment-{a.number}">' + parts[0] + "　" + " · ".join(parts[1:]) + "</li>")
    return f'<div class="attachments" data-search-exclude><p>附件：</p><ul>{"".join(items)}</ul></div>'


def render_notice(n: Notice, *, site_url: str, notices: dict[str, Notice],
                  cited_by: dict[str, list[Citing]], external: dict[str, External],
                  related: dict[str, list[tuple[str, str]]], redirects: dict[str, str],
                  themes: ThemeIndex, enrichment: Optional[Enrichment] = None) -> str:
    """Markdown source of ``notices/<id>.md``."""
    page = notice_path(n.id)
    refs_by_clause: dict[str, list[Reference]] = {}
    for r in n.references:
        refs_by_clause.setdefault(r.clause_id, []).append(r)
    redirect_to: dict[str, list[str]] = {}
    existing = {c.id for c in n.walk()}
    for old, new in (redirects or {}).items():
        if old not in existing and new in existing:  # never shadow a live anchor
            redirect_to.setdefault(new, []).append(old)
    ctx = {
        "page": page, "cite_prefix": n.citation(None), "refs_by_clause": refs_by_clause,
        "redirect_to": redirect_to, "themes": themes,
        # the dicts themselves (membership, lookups): copying them for every
        # page was quadratic (9 s of 45 on 3,490 documents)
        "external_ok": external, "doc_ids": notices, "notices": notices,
        "cited_by": cited_by,
        "related": related, "enr": enrichment, "used_themes": {},
    }
    # absolute with site_url; else relative to this page (the script resolves it)
    url = permanent_url(site_url, page) if site_url else page.rsplit("/", 1)[1]
    front = ["---", f"title: {yaml_str(n.title)}", "---", ""]
    notice_attrs = (f'class="notice" data-doc="{esc(n.id)}" data-url="{esc(url)}" '
                    f'data-cite-prefix="{esc(ctx["cite_prefix"])}" data-gbt="{esc(gbt_prefix(n))}"')
    if not site_url:
        notice_attrs += f' data-local-copy="{esc(LOCAL_COPY_NOTE)}"'
    if redirects:
        notice_attrs += f" data-redirects={json_attr(redirects)}"
    card, shown = _card(n, ctx)
    ld = json_for_script(legislation_jsonld(n, permanent_url(site_url, page) if site_url else None))
    head = [f'<div {notice_attrs}>', f'<h1 id="iparchive-title">{esc(n.title)}</h1>', facets_html(n),
            f'<script type="application/ld+json">{ld}</script>',
            card, works.version_box(n, enrichment, page), *_banners(n, shown), downloads_html(n, page, site_url), attachments_html(n, page), outline_html(n), _stripped(n),
            '<p class="print-footer" data-search-exclude>本页永久地址：'
            f'<span class="print-url">{esc(url) if site_url else ""}</span>'
            '　获取日期：<span class="print-date"></span></p>',
            "</div>"]
    # raw HTML, passed through unparsed (mkdocs_hooks): Python-Markdown's and
    # MkDocs' HTML parsers spent half of MkDocs' time on the outlines and cards
    out = front + raw_block([h for h in head if h]) + ["## 正文 {#sec-text}"]
    tree = []
    for c in n.clauses:
        tree.extend(_clause_html(n, c, ctx, 1))
    if not n.clauses and n.body:
        tree.append(f'<div class="clause-text">{_clause_text_html(n.body, [], page, set(), set())}</div>')
    # the themes of the clauses: slug -> (name, link), for site.js's theme links
    themes = f" data-themes={json_attr(ctx['used_themes'])}" if ctx["used_themes"] else ""
    tree = [f'<div class="clauses"{themes}>', *tree, "</div>"]
    out += raw_block(tree)
    for heading, part in (("## 引用文件 {#sec-cites}", _refs_out(n, ctx)), ("## 被引用 {#sec-cited-by}", _refs_in(n, ctx)),
                          ("## 相关文件 {#sec-related}", _related(n, ctx))):
        out += [heading, *(raw_block([part]) if part.startswith("<") else ["", part, ""])]
    return "\n".join(line for line in out if line is not None) + "\n"
