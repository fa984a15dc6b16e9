"""One Markdown page per document: ``docs/notices/<id>.md``.

The page is Markdown headings (fixed Chinese text, explicit ``{#id}``)
around raw HTML blocks that carry all source-derived text, HTML-escaped.
Markdown never processes the inside of those blocks, so ``<script>``,
``*``, ``|``, ``[``, ``#`` or ``{#x}`` in a notice show as typed.

Each clause becomes::

    <div class="clause clause--l2" data-label="二（三）">
    <h4 class="clause-head" id="s2-3"><span class="clause-label">二（三）</span>…
      <a class="clause-pilcrow" href="#s2-3">¶</a>
      <button class="clause-copy" data-format="plain">复制引用</button>
      <button class="clause-copy" data-format="gbt">GB/T 7714</button></h4>
    <div class="clause-text"><p>…</p></div>
    …children…
    </div>

The heading carries the id so Material's search indexes each clause as its
own section and a result links to ``notices/<id>.html#s2-3``.
"""
from __future__ import annotations

import json
import re
from typing import Optional

from ..models import Clause, Notice, Reference
from .common import (ThemeIndex, esc, find_clause, notice_path, permanent_url, raw_block, region_chain,
                     rel, slug, yaml_str, year_key)
from .xrefs import Citing, External

BASIS_ZH = {"printed": "原文", "inferred": "推定", "sidecar": "人工校订", "missing": "缺失"}


def gbt_prefix(n: Notice) -> str:
    """GB/T 7714-2015 electronic-resource citation without access date/URL.

    ``昆明市人民政府办公室. 题名[EB/OL]. (2022-09-29)`` — the page script
    appends ``[引用日期]. URL.`` at copy time.
    """
    who = "，".join(n.issuer) if n.issuer else "佚名"
    s = f"{who}. {n.title}[EB/OL]."
    if n.date_published or n.date:
        s += f" ({n.date_published or n.date})"
    return s


def _clause_text_html(text: str, refs: list[Reference], page: str,
                      external_ok: set[str], doc_ids: set[str]) -> str:
    """Escape clause text; turn printed references into links."""
    links: dict[str, str] = {}
    for r in refs:
        if not r.text or r.text in links:
            continue
        if r.target_id and r.target_id in doc_ids:
            href = rel(page, notice_path(r.target_id))
            if r.target_clause:
                href += "#" + r.target_clause
        elif r.external_key and r.external_key in external_ok:
            href = rel(page, f"tags/cited/{r.external_key}.html")
        else:
            continue
        links[r.text] = href
    paras = []
    pattern = (re.compile("|".join(re.escape(t) for t in sorted(links, key=len, reverse=True)))
               if links else None)
    for line in text.split("\n"):
        if not line.strip():
            continue
        if pattern is None:
            paras.append(f"<p>{esc(line)}</p>")
            continue
        out, pos = [], 0
        for m in pattern.finditer(line):
            out.append(esc(line[pos:m.start()]))
            out.append(f'<a class="ref" href="{esc(links[m.group(0)])}">{esc(m.group(0))}</a>')
            pos = m.end()
        out.append(esc(line[pos:]))
        paras.append("<p>" + "".join(out) + "</p>")
    return "".join(paras)


def _clause_html(n: Notice, c: Clause, ctx: dict, depth: int) -> list[str]:
    prefix = ctx["cite_prefix"]
    cite = n.citation(c)
    attrs = f'class="clause clause--l{min(depth, 6)} clause--{esc(c.kind)}" data-label="{esc(c.label)}"'
    if cite != prefix + c.label:
        attrs += f' data-cite="{esc(cite)}"'
    h = min(depth + 2, 6)
    out = [f"<div {attrs}>"]
    for old in ctx["redirect_to"].get(c.id, []):
        out.append(f'<span class="clause-redirect" id="{esc(old)}"></span>')
    ti = ctx["themes"]
    themes = "".join(
        f'<a class="clause-theme" href="{esc(rel(ctx["page"], ti.path(t)))}">{esc(ti.name(t))}</a>'
        for t in c.themes)
    out.append(
        f'<h{h} class="clause-head" id="{esc(c.id)}">'
        f'<span class="clause-label">{esc(c.label) or "　"}</span>'
        f'<a class="clause-pilcrow" href="#{esc(c.id)}" title="本条链接" data-search-exclude>¶</a>'
        f'<span class="clause-tools" data-search-exclude>'
        f'<button type="button" class="clause-copy" data-format="plain" title="复制引用文字和永久链接">复制引用</button>'
        f'<button type="button" class="clause-copy" data-format="gbt" title="按 GB/T 7714-2015 格式复制">GB/T 7714</button>'
        f'</span>'
        + (f'<span class="clause-themes" data-search-exclude>{themes}</span>' if themes else "")
        + f"</h{h}>")
    refs = ctx["refs_by_clause"].get(c.id, [])
    body = _clause_text_html(c.text, refs, ctx["page"], ctx["external_ok"], ctx["doc_ids"])
    if body:
        out.append(f'<div class="clause-text">{body}</div>')
    for child in c.children:
        out.extend(_clause_html(n, child, ctx, depth + 1))
    out.append("</div>")
    return out


def _card(n: Notice, ctx: dict) -> str:
    page = ctx["page"]
    rows: list[tuple[str, str]] = []
    rows.append(("发文机关", "，".join(esc(i) for i in n.issuer) or "—"))
    rows.append(("发文字号", esc(n.doc_number) or "—"))
    for key, label in (("date_written", "成文日期"), ("date_published", "发布日期")):
        val = getattr(n, key)
        if val:
            basis = n.basis.get(key, "printed")
            mark = "" if basis == "printed" else f'<span class="basis basis--{esc(basis)}">（{BASIS_ZH.get(basis, esc(basis))}）</span>'
            rows.append((label, f"{esc(val)}{mark}"))
    if not n.date:
        rows.append(("日期", "不详"))
    chain = region_chain(n)
    if chain:
        rows.append(("地区", " → ".join(
            f'<a href="{esc(rel(page, f"tags/region/{code}.html"))}">{esc(name)}</a>'
            for name, code in chain)))
    year = year_key(n)
    rows.append(("年份", f'<a href="{esc(rel(page, f"tags/year/{year}.html"))}">{esc(year if year != "unknown" else "不详")}</a>'))
    if n.doc_type:
        rows.append(("文种", f'<a href="{esc(rel(page, f"tags/type/{slug(n.doc_type)}.html"))}">{esc(n.doc_type)}</a>'))
    rows.append(("状态", f'<a href="{esc(rel(page, f"tags/status/{slug(n.status)}.html"))}">{esc(n.status)}</a>'))
    themes = ctx["themes"].doc_themes(n)
    if themes:
        rows.append(("主题", "、".join(
            f'<a href="{esc(rel(page, f"tags/theme/{s}.html"))}">{esc(name)}</a>' for s, name in themes)))
    if n.forwarded:
        rows.append(("印发/转发", esc(n.forwarded.title)))
    if n.source_url:
        rows.append(("来源", f'<a class="source-link" href="{esc(n.source_url)}" rel="nofollow noopener">{esc(n.source_url)}</a>'))
    rows.append(("原始文件", f"<code>{esc(n.source_file)}</code>（{esc(n.format)}，{esc(n.encoding)}）"))
    rows.append(("文库编号", f"<code>{esc(n.id)}</code>"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="meta-card" data-search-exclude><tbody>{body}</tbody></table>'


def _banners(n: Notice) -> list[str]:
    out = []
    if "征求意见" in (n.status or ""):
        out.append('<div class="admonition warning banner banner--draft"><p class="admonition-title">征求意见稿</p>'
                   "<p>本文件为征求意见稿，不是正式生效文本，内容可能与最终发布版本不同。</p></div>")
    if n.date and n.date_basis == "inferred":
        out.append('<div class="admonition note banner banner--inferred"><p class="admonition-title">日期为推定</p>'
                   f"<p>原文未载明日期，{esc(n.date)} 系根据上下文推定，引用时请核对原文。</p></div>")
    elif not n.date:
        out.append('<div class="admonition note banner banner--inferred"><p class="admonition-title">日期不详</p>'
                   "<p>原文未载明成文或发布日期。</p></div>")
    for note in n.notes:
        out.append(f'<div class="admonition info banner"><p class="admonition-title">校订说明</p><p>{esc(note)}</p></div>')
    return out


def _ref_item(ctx: dict, src_doc: str, clause_id: Optional[str], text: str, href: str, label: str) -> str:
    return f'<li><a href="{esc(href)}">{label}</a>{("：" + esc(text)) if text else ""}</li>'


def _refs_out(n: Notice, ctx: dict) -> str:
    """引用文件: what this document cites, clause by clause."""
    page, items = ctx["page"], []
    for cid, refs in ctx["refs_by_clause"].items():
        c = find_clause(n, cid)
        here = f'<a href="#{esc(cid)}">{esc(c.label if c else cid) or esc(cid)}</a>'
        lis = []
        for r in refs:
            if r.target_id and r.target_id in ctx["doc_ids"]:
                t = ctx["titles"][r.target_id]
                href = rel(page, notice_path(r.target_id)) + (f"#{r.target_clause}" if r.target_clause else "")
                lis.append(f'<li><a href="{esc(href)}">{esc(t)}{(" " + esc(r.target_clause)) if r.target_clause else ""}</a>（文库内）— 原文：{esc(r.text)}</li>')
            elif r.external_key and r.external_key in ctx["external_ok"]:
                href = rel(page, f"tags/cited/{r.external_key}.html")
                lis.append(f'<li><a href="{esc(href)}">{esc(r.text)}</a>（文库外）</li>')
            else:
                lis.append(f"<li>{esc(r.text)}（未识别）</li>")
        items.append(f'<li class="refs-clause">{here}<ul>{"".join(lis)}</ul></li>')
    if not items:
        return '<p class="refs-none">本文件未引用其他文件。</p>'
    return f'<ul class="refs refs--out">{"".join(items)}</ul>'


def _refs_in(n: Notice, ctx: dict) -> str:
    """被引用: which clauses of which documents cite this one."""
    page, cites = ctx["page"], ctx["cited_by"].get(n.id, [])
    if not cites:
        return '<p class="refs-none">文库中暂无文件引用本文件。</p>'
    lis = []
    for c in cites:
        if c.source_id not in ctx["doc_ids"]:
            continue
        src = ctx["notices"][c.source_id]
        cl = find_clause(src, c.clause_id)
        href = rel(page, notice_path(c.source_id)) + (f"#{c.clause_id}" if cl else "")
        target = ""
        if c.target_clause:
            tc = find_clause(n, c.target_clause)
            target = f'（引用本文件 <a href="#{esc(c.target_clause)}">{esc(tc.label if tc else c.target_clause)}</a>）' if tc else ""
        lis.append(f'<li><a href="{esc(href)}">{esc(src.citation(cl))}</a>{target}</li>')
    return f'<ul class="refs refs--in">{"".join(lis)}</ul>'


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
    if not n.stripped:
        return ""
    rows = "".join(f"<li>第 {s.line} 行（{esc(s.reason)}）：{esc(s.text)}</li>" for s in n.stripped)
    return (f'<details class="stripped" data-search-exclude><summary>已从正文剔除的网页杂项 {len(n.stripped)} 行</summary>'
            f"<ul>{rows}</ul></details>")


class _Titles:
    """doc id -> title, read through from the notices dict."""

    def __init__(self, notices: dict[str, Notice]):
        self.notices = notices

    def __getitem__(self, doc_id: str) -> str:
        return self.notices[doc_id].title


def render_notice(n: Notice, *, site_url: str, notices: dict[str, Notice],
                  cited_by: dict[str, list[Citing]], external: dict[str, External],
                  related: dict[str, list[tuple[str, str]]], redirects: dict[str, str],
                  themes: ThemeIndex) -> str:
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
        "titles": _Titles(notices), "cited_by": cited_by,
        "related": related,
    }
    # absolute with site_url; else relative to this page (the script resolves it)
    url = permanent_url(site_url, page) if site_url else page.rsplit("/", 1)[1]
    front = ["---", f"title: {yaml_str(n.title)}", "---", ""]
    notice_attrs = (f'class="notice" data-doc="{esc(n.id)}" data-url="{esc(url)}" '
                    f'data-cite-prefix="{esc(ctx["cite_prefix"])}" data-gbt="{esc(gbt_prefix(n))}"')
    if redirects:
        notice_attrs += f" data-redirects='{esc(json.dumps(redirects, ensure_ascii=False))}'"
    head = [f'<div {notice_attrs}>', f'<h1 id="iparchive-title">{esc(n.title)}</h1>',
            _card(n, ctx), *_banners(n), _stripped(n), "</div>"]
    # no blank line may fall inside a raw HTML block
    out = front + [h for h in head if h] + ["", "## 正文 {#sec-text}"]
    tree = ['<div class="clauses">']
    for c in n.clauses:
        tree.extend(_clause_html(n, c, ctx, 1))
    if not n.clauses and n.body:
        tree.append(f'<div class="clause-text">{_clause_text_html(n.body, [], page, set(), set())}</div>')
    tree.append("</div>")
    out += raw_block(tree)
    out += ["## 引用文件 {#sec-cites}", "", _refs_out(n, ctx), "",
            "## 被引用 {#sec-cited-by}", "", _refs_in(n, ctx), "",
            "## 相关文件 {#sec-related}", "", _related(n, ctx), ""]
    return "\n".join(line for line in out if line is not None) + "\n"
