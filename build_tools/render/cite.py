"""``generated/cite.md`` (如何引用): the citation guide, written from the
archive's own pages so its examples never drift from what the buttons copy.

Examples picked from the documents being written (first by id that has one):

* a numbered clause of a notice below the top level (seed 002 ``s2-3``,
  ``二（三）``), preferring one whose document has a 文号;
* an article of a law with its paragraphs (lawrefbook ``art-…``);

each shown as the plain citation (``Notice.citation`` + permanent URL: always
the version and the clause, issue 25), the GB/T 7714-2015 form
(``pages.gbt_prefix(n, clause)``, the clause label after the title, +
``[引用日期]. URL.``) and its
address ``<site_url>/notices/<id>.html#<clause>``.  Without a site_url the
page says the links are local copies (``LOCAL_COPY_NOTE``).
"""
from __future__ import annotations

from typing import Optional

from ..clauses.clauseids import kinds_where
from ..models import Clause, Notice
from .common import LOCAL_COPY_NOTE, SITE_URL_ENV, Fragments, NoFragments, clause_url, esc, find_clause, md_text
from .tags import Pages, front

CITE_PAGE = "generated/cite.md"
NOTICE_KINDS = kinds_where("notice_sub")  # （三）/1./第一/一是 below a section (clauseids.KINDS)


def _first(memo: Optional[Fragments], n: Notice, test: str) -> Optional[Clause]:
    """``example_pick(n, test)`` through ``memo`` by ``n``'s digest: only the id is
    kept, so an unchanged document that has none is not read again (issue 29)."""
    cid = (memo or NoFragments()).get(("cite_example", test), n, lambda: example_id(n, test))
    return find_clause(n, cid) if cid is not None else None


NOTICE_TESTS = (  # the example's clause, in order of preference; named so a rebuild can ask again (fragments)
    lambda n, c: bool(n.doc_number) and c.kind == "item" and c.level == 2,
    lambda n, c: bool(n.issuer and n.date) and c.kind == "item" and c.level == 2,
    lambda n, c: c.kind == "item" and c.level == 2,
    lambda n, c: c.level >= 2 and c.kind in NOTICE_KINDS)


def law_paragraph(n: Notice) -> Optional[Clause]:
    return next((ch for c in n.walk() if c.kind == "article"
                 for ch in c.children if ch.kind == "paragraph" and ch.label), None)


def law_article(n: Notice) -> Optional[Clause]:
    return next((c for c in n.walk() if c.kind == "article"), None)


def example_pick(n: Notice, test: str) -> Optional[Clause]:
    """``n``'s first clause passing ``test`` (``notice-<k>``: ``NOTICE_TESTS[k]``,
    ``law-paragraph``, ``law-article``): what ``_first`` keeps by ``n``'s digest."""
    if test.startswith("notice-"):
        ok = NOTICE_TESTS[int(test[len("notice-"):])]
        return next((c for c in n.walk() if c.label and ok(n, c)), None)
    return {"law-paragraph": law_paragraph, "law-article": law_article}[test](n)


def example_id(n: Notice, test: str) -> Optional[str]:
    """The id of ``example_pick(n, test)`` (the fragment kept)."""
    return getattr(example_pick(n, test), "id", None)


def example_notice_clause(notices: list[Notice], memo: Optional[Fragments] = None) -> Optional[tuple[Notice, Clause]]:
    """An item under a section of a formal notice (``二（三）``), from a
    document with a 文号, else with an issuer and a date; else any numbered
    clause below the top (``memo``: each document's answer by its digest)."""
    formal = [n for n in sorted(notices, key=lambda x: x.id) if n.kind != "law" and n.status == "正式"]
    for k in range(len(NOTICE_TESTS)):
        for n in formal:
            hit = _first(memo, n, f"notice-{k}")
            if hit is not None:
                return n, hit
    return None


def example_law_clause(notices: list[Notice], memo: Optional[Fragments] = None) -> Optional[tuple[Notice, Clause]]:
    """A paragraph (款) of a law's article (``第二条第二款``), else an article (``memo``:
    as ``example_notice_clause``)."""
    laws = sorted((n for n in notices if n.kind == "law"), key=lambda x: x.id)
    for test in ("law-paragraph", "law-article"):
        for n in laws:
            hit = _first(memo, n, test)
            if hit is not None:
                return n, hit
    return None


def code(text: str) -> str:
    """A Markdown code span (shown as typed: no escaping inside, no backticks)."""
    return "`" + text.replace("`", "'") + "`"


def citation_lines(n: Notice, c: Clause, site_url: str, gbt: str) -> list[str]:
    url = clause_url(site_url, n.id, c.id) if site_url else f"…/notices/{n.id}.html#{c.id}"
    # raw HTML link: MkDocs does not see anchors inside the notice page's raw blocks
    return [f"- 复制引用：{code(n.citation(c) + ' ' + url)}",
            f"- GB/T 7714：{code(gbt + '[引用日期]. ' + url + '.')}",
            f'- 条款地址：{code(f"notices/{n.id}.html#{c.id}")}（<a href="../notices/{esc(n.id)}.html#{esc(c.id)}">打开</a>）']


def cite_page(notices: list[Notice], site_url: str, gbt_of, memo: Optional[Fragments] = None) -> Pages:
    """The page; ``gbt_of(n)`` is the GB/T prefix the page buttons use; ``memo``: the build's
    fragment memo (the examples' search, ``example_notice_clause``)."""
    where = (f"本站的公开地址是 `{site_url}/`，复制的链接都以它开头，可以直接贴进文书。" if site_url else
             f"本站构建时未设置公开地址（site_url），复制的链接指向本机文件，页面上会提示“{LOCAL_COPY_NOTE}”；"
             f"发布时请在 mkdocs.yml 设置 `site_url`，或用 `iparchive build --site-url URL`、环境变量 `{SITE_URL_ENV}`。")
    out = [front("如何引用"), "# 如何引用 {#cite}", "",
           "本文库的每个文件、每个条款都有固定的网址，可以直接引用到“二（三）”“第八十二条第二款”一级。" + where, "",
           "## 引用一个条款 {#clause}", "",
           "把鼠标移到条款上，条款标号旁会出现 ¶ 链接和两个按钮：“复制引用”复制“《标题》（版本）条款标号”和永久链接——"
           "版本是法律文件的文本（如“2020年修正”），通知等文件的发文字号，没有文号时为成文或发布日期；"
           "“GB/T 7714”按 GB/T 7714-2015《信息与文献 参考文献著录规则》的电子资源格式复制，题名后写明条款标号，方括号中的引用日期为复制当天的日期。"
           "印发或转发的方案按方案自己的标题引用（两种格式相同），文号用印发它的通知的文号。以下例子取自本文库的实际页面：", ""]
    for title, pick in (("通知、方案中的条款", example_notice_clause), ("法律中的条款", example_law_clause)):
        hit = pick(notices, memo)
        if hit is None:
            continue
        n, c = hit
        out += [f"**{title}**：{md_text(n.title)} {md_text(c.label)}", ""] + citation_lines(n, c, site_url, gbt_of(n, c)) + [""]
    out += ["## 链接的稳定性 {#stable}", "",
            "- 文件页地址为 `notices/<文库编号>.html`，在线访问和从本地文件系统（`file://`）打开时相同。",
            "- 条款锚点由条款标号生成（如 `#s2-3` 表示第二部分第（三）项，`#art-82` 表示第八十二条），不依赖页面上的先后位置。"
            "条款编号调整时，旧锚点会跳转到新的条款；打开不存在的条款时，页面会提示“本文件没有条款”并给出本文件目录。", "",
            "## 元数据的来历 {#basis}", "",
            "- 元数据卡片中标“（推定）”的值原文未载明，是根据上下文推定的；标“（校订）”的值由编辑校订。"
            "鼠标停在标记上可看说明，页面的“说明”框列出全部推定和校订。引用时请核对原文。",
            "- 征求意见稿在页面顶部有醒目提示，它不是正式生效的文本。", "",
            "## 下载与打印 {#downloads}", "",
            "- 每个文件页都可下载纯文本（TXT）、带条款编号的 Markdown、数据记录（JSON）和含引用信息的 Word 文档。",
            "- 打印文件页时不打印按钮和导航，保留条款标号，页脚印出本页永久地址和获取日期。", "",
            "## 批量引用与数据 {#data}", "",
            "需要批量使用时，请下载 [archive.json.gz](../data/archive.json.gz)（gzip 压缩，解压即 archive.json），格式说明见[数据与格式](../data.md)。", ""]
    return {CITE_PAGE: "\n".join(out) + "\n"}
