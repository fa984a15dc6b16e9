"""Comparison pages (对照) for consecutive versions of a law.

``works/compare/<older id>--<newer id>.md``: the articles of the two texts
matched by number and text, listed as added / deleted / renumbered / changed,
each changed article with its character-level differences, both sides linked
to their clause anchors (``notices/<id>.html#art-9``).

The matching itself (:func:`match_articles`, the rules and how they were
checked) lives in ``enrich/alignment.py``, shared with the enrich stage, which
follows renumbered articles and writes each article's history from it.
"""
from __future__ import annotations

import difflib
from typing import Optional

from ..enrich.alignment import (MIN_SIMILARITY, OPENING, Article, Comparison, Match, articles, compare,
                                match_articles)
from ..models import Enrichment, Notice
from .common import esc, notice_path, raw_block, rel, yaml_str

__all__ = ["Article", "Match", "Comparison", "articles", "match_articles", "compare_path",
           "comparison_page", "inline_diff", "MIN_SIMILARITY", "compare"]


def compare_path(old_id: str, new_id: str) -> str:
    """Site path of the comparison page (its Markdown: ``.md`` for ``.html``)."""
    return f"works/compare/{old_id}--{new_id}.html"


def inline_diff(a: str, b: str) -> tuple[str, str]:
    """(old HTML, new HTML) with ``<del>``/``<ins>`` around the differing characters."""
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            left.append(esc(a[i1:i2]))
            right.append(esc(b[j1:j2]))
            continue
        if i2 > i1:
            left.append(f"<del>{esc(a[i1:i2])}</del>")
        if j2 > j1:
            right.append(f"<ins>{esc(b[j1:j2])}</ins>")
    return "".join(left), "".join(right)


KIND_ZH = {"added": "新增", "deleted": "删除", "renumbered": "条号变动", "changed": "修改",
           "renumbered-changed": "条号变动并修改", "unchanged": "未变"}


def comparison_page(old: Notice, new: Notice, enrichment: Enrichment) -> tuple[str, str, Comparison]:
    """(docs path, Markdown) of the comparison page of two consecutive versions."""
    cmp = compare(old, new)
    page = compare_path(old.id, new.id)
    vo, vn = enrichment.versions.get(old.id), enrichment.versions.get(new.id)
    lo = vo.label if vo else (old.date or old.id)
    ln = vn.label if vn else (new.date or new.id)
    wid = vo.work_id if vo else None
    title = f"{new.title}：{lo}与{ln}对照"

    def link(n: Notice, a, label: Optional[str] = None) -> str:
        href = rel(page, notice_path(n.id)) + (f"#{a.id}" if a else "")
        return f'<a href="{esc(href)}">{esc(label or (a.label if a else n.title))}</a>'

    s = cmp.summary()
    counts = "、".join(f"{KIND_ZH[k]} {s[k]} 条" for k in KIND_ZH if s.get(k))
    head = ['<div class="compare" data-search-exclude>',
            f'<p class="compare-sides">旧：{link(old, None, f"{old.title}（{lo}）")}<br>'
            f'新：{link(new, None, f"{new.title}（{ln}）")}'
            + (f'<br>作品页：<a href="{esc(rel(page, f"works/{wid}.html"))}">全部版本</a>' if wid else "")
            + "</p>",
            f'<p class="compare-summary">{esc(counts)}（按条号与文字相似度逐条匹配，相似度低于 {MIN_SIMILARITY:.0f}% '
            f'且开头 {OPENING} 字不相近的视为删除与新增）。</p>']
    lists = []
    for kinds, name in ((("added",), "新增条文"), (("deleted",), "删除条文"),
                        (("renumbered", "renumbered-changed"), "条号变动"),
                        (("changed", "renumbered-changed"), "修改条文")):
        ms = cmp.of_kind(*kinds)
        if not ms:
            continue
        items = []
        for m in ms:
            if m.old and m.new:
                items.append(f"<li>{link(old, m.old)} → {link(new, m.new)}</li>")
            elif m.new:
                items.append(f"<li>{link(new, m.new)}</li>")
            else:
                items.append(f"<li>{link(old, m.old)}</li>")
        lists.append(f'<details class="compare-list compare-list--{kinds[0]}" open><summary>{name}（{len(ms)}）</summary>'
                     f'<ul>{"".join(items)}</ul></details>')
    rows = []
    for m in cmp.matches:
        if m.kind == "unchanged":
            continue
        a, b = (m.old.text if m.old else ""), (m.new.text if m.new else "")
        if m.kind == "renumbered":  # same words: the number alone moved
            left = right = "（文字未变）"
        else:
            left, right = inline_diff(a, b)
        rows.append(f'<tr class="compare-row compare-row--{m.kind}"><td>{link(old, m.old) if m.old else "—"}'
                    f'<div class="compare-text">{left}</div></td>'
                    f'<td>{link(new, m.new) if m.new else "—"}<div class="compare-text">{right}</div></td>'
                    f'<td>{KIND_ZH[m.kind]}</td></tr>')
    # no class on the table itself: Material styles only plain tables
    table = ('<div class="compare-table"><table><thead><tr><th>' + esc(lo) + "</th><th>" + esc(ln)
             + "</th><th>变化</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")
    md = ["---", f"title: {yaml_str(title)}", "---", "", f"# {esc(title)} {{#compare}}", ""]
    md += raw_block(head + lists + [table, "</div>"])
    return page[: -len(".html")] + ".md", "\n".join(md) + "\n", cmp
