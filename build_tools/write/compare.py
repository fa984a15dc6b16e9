"""Comparison pages (对照) for consecutive versions of a law.

``works/compare/<older id>--<newer id>.md``: the articles of the two texts
matched by number and text, listed as added / deleted / renumbered / changed,
each changed article with its character-level differences, both sides linked
to their clause anchors (``notices/<id>.html#art-9``).

Matching (:func:`match_articles`), on the article's whole text (its 款 and
项 included) with its ``第X条`` number cut off:

1. identical text → the same article (renumbered when the number differs:
   对外贸易法 2016→2022 deletes 第九条, so old 第十条…第七十条 become 第九条…
   第六十九条);
2. the remaining pairs by rapidfuzz similarity (``fuzz.ratio``, 0–100), best
   first, a pair with the same number (or the same offset as its
   neighbours' renumbering) preferred on ties, accepted from
   ``MIN_SIMILARITY`` up;
3. what is left is deleted (old) or added (new).

How the matching was checked: against what the amendment decisions say they
change (对外贸易法 2022: ``删去第九条``; the other articles keep their text
and move up by one) and by reading the 行政复议法 2017→2023 revision pairs the
tests pin (tests/test_versions.py).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Optional

from rapidfuzz import fuzz

from ..models import Clause, Enrichment, Notice
from .common import esc, notice_path, raw_block, rel, yaml_str

__all__ = ["Article", "Match", "Comparison", "articles", "match_articles", "compare_path",
           "comparison_page", "inline_diff", "MIN_SIMILARITY"]

MIN_SIMILARITY = 55.0
_NUMBER = re.compile(r"^\s*第[零〇一二三四五六七八九十百千\d]+条(?:之[一二三四五六七八九十\d]+)?\s*")
_SPACE = re.compile(r"\s+")


@dataclass
class Article:
    id: str  # art-9, art-10-1
    label: str  # 第九条
    number: tuple[int, int]  # (9, 0); 第十条之一 -> (10, 1)
    text: str  # whole text, number cut off, whitespace removed


@dataclass
class Match:
    old: Optional[Article]
    new: Optional[Article]
    similarity: float = 100.0

    @property
    def kind(self) -> str:
        """unchanged | renumbered | changed | renumbered-changed | added | deleted"""
        if self.old is None:
            return "added"
        if self.new is None:
            return "deleted"
        same_text = self.old.text == self.new.text
        same_no = self.old.number == self.new.number
        if same_text:
            return "unchanged" if same_no else "renumbered"
        return "changed" if same_no else "renumbered-changed"


@dataclass
class Comparison:
    old: Notice
    new: Notice
    matches: list[Match] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[Match]:
        return [m for m in self.matches if m.kind in kinds]

    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.matches:
            out[m.kind] = out.get(m.kind, 0) + 1
        return out


def _article_text(c: Clause) -> str:
    parts = [x.text for x in c.walk()]
    parts[0] = _NUMBER.sub("", parts[0], count=1)
    return _SPACE.sub("", "".join(parts))


def articles(n: Notice) -> list[Article]:
    """The articles of a law in order (attachments' articles left out)."""
    out = []
    for c in n.walk():
        if c.kind == "article" and c.id.startswith("art-"):
            m = re.fullmatch(r"art-(\d+)(?:-(\d+))?", c.id)
            if m:
                out.append(Article(c.id, c.label, (int(m.group(1)), int(m.group(2) or 0)), _article_text(c)))
    return out


def match_articles(old: list[Article], new: list[Article]) -> list[Match]:
    """Pair the articles of two versions (module doc); in the new text's order,
    deleted articles placed after their old predecessor's partner."""
    pairs: dict[int, tuple[int, float]] = {}  # old index -> (new index, similarity)
    taken: set[int] = set()
    by_text: dict[str, list[int]] = {}
    for j, a in enumerate(new):
        by_text.setdefault(a.text, []).append(j)
    for i, a in enumerate(old):
        cands = [j for j in by_text.get(a.text, []) if j not in taken]
        if cands:
            j = min(cands, key=lambda j: abs(new[j].number[0] - a.number[0]))
            pairs[i] = (j, 100.0)
            taken.add(j)
    rest_old = [i for i in range(len(old)) if i not in pairs]
    rest_new = [j for j in range(len(new)) if j not in taken]
    offsets = [j - i for i, (j, _) in pairs.items()]

    def shift_at(i: int) -> Optional[int]:
        """Renumbering offset of the nearest identical article before old[i]."""
        before = [(k, pairs[k][0] - k) for k in pairs if k < i and pairs[k][1] == 100.0]
        return max(before)[1] if before else (offsets[0] if offsets else None)

    scored = []
    for i in rest_old:
        shift = shift_at(i)
        for j in rest_new:
            s = fuzz.ratio(old[i].text, new[j].text, score_cutoff=MIN_SIMILARITY - 1)
            if s >= MIN_SIMILARITY:
                bonus = (1 if old[i].number == new[j].number else 0) + (1 if shift is not None and j - i == shift else 0)
                scored.append((s, bonus, -abs(j - i), i, j))
    scored.sort(reverse=True)
    for s, _, _, i, j in scored:
        if i in pairs or j in taken:
            continue
        pairs[i] = (j, s)
        taken.add(j)
    out: list[Match] = []
    new_to_old = {j: i for i, (j, _) in pairs.items()}
    deleted_after: dict[int, list[int]] = {}  # new index (-1: start) -> deleted old indexes
    for i in range(len(old)):
        if i not in pairs:
            prev = max((pairs[k][0] for k in pairs if k < i), default=-1)
            deleted_after.setdefault(prev, []).append(i)
    for i in deleted_after.get(-1, []):
        out.append(Match(old[i], None, 0.0))
    for j in range(len(new)):
        if j in new_to_old:
            i = new_to_old[j]
            out.append(Match(old[i], new[j], pairs[i][1]))
        else:
            out.append(Match(None, new[j], 0.0))
        for i in deleted_after.get(j, []):
            out.append(Match(old[i], None, 0.0))
    return out


def compare(old: Notice, new: Notice) -> Comparison:
    return Comparison(old, new, match_articles(articles(old), articles(new)))


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
            f'<p class="compare-summary">{esc(counts)}（按条号与文字相似度逐条匹配，相似度低于 {MIN_SIMILARITY:.0f}% 的视为删除与新增）。</p>']
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
