"""Home page ``docs/index.md``: holdings, newest documents, search and cite."""
from __future__ import annotations

from collections import Counter
from typing import Optional

from ..models import Notice
from .common import UNKNOWN_YEAR, esc, raw_block, region_chain, slug, type_family, year_key
from .tags import doc_list, front

HOME_TOP = 8  # entries per holdings box; the rest behind 更多


SEARCH_HELP = {
    "material": "离线打开本站（`file://`）时检索同样可用。",
    "pagefind": ("本文库规模较大，检索索引分块按需加载，须通过网页服务器访问："
                 "下载到本机的副本请在文库目录运行 `iparchive serve`（只在本机 127.0.0.1 提供），"
                 "再用浏览器打开它显示的地址（只有网站文件时：在网站目录运行 "
                 "`python3 -m http.server --bind 127.0.0.1 8000`）；直接打开 `file://` 时可以浏览和引用，但不能检索。"),
}


def holdings(notices: list[Notice]) -> list[tuple[str, str, list[tuple[str, str, int]]]]:
    """(title, index page, [(label, tag page, count)]) for region, year and 文种;
    regions by top-level region (a city counts for its province), most first;
    years newest first; 文种 by their normalised value, most first."""
    region: Counter = Counter()
    names: dict[str, str] = {}
    for n in notices:
        chain = region_chain(n)
        if chain:
            names[chain[0][1]] = chain[0][0]
            region[chain[0][1]] += 1
    years = Counter(year_key(n) for n in notices)
    types = Counter(type_family(n.doc_type) for n in notices)
    return [
        ("按地区", "tags/region/index.html",
         [(names[c], f"tags/region/{c}.html", k) for c, k in sorted(region.items(), key=lambda kv: (-kv[1], kv[0]))]),
        ("按年份", "tags/year/index.html",
         [("年份不详" if y == UNKNOWN_YEAR else f"{y}年", f"tags/year/{y}.html", k)
          for y, k in sorted(years.items(), key=lambda kv: (kv[0] == UNKNOWN_YEAR, -int(kv[0]) if kv[0].isdigit() else 0))]),
        ("按文种", "tags/type/index.html",
         [(t, f"tags/type/{slug(t)}.html", k) for t, k in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))]),
    ]


def holdings_html(notices: list[Notice], top: int = HOME_TOP) -> str:
    """Three boxes of counts, each entry linking to its tag page, the first
    ``top`` shown and 更多 linking to the full index."""
    boxes = []
    for title, index, entries in holdings(notices):
        lis = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a> <span class="count">{k}</span></li>'
                      for label, href, k in entries[:top])
        more = (f'<a class="more" href="{esc(index)}">更多（共 {len(entries)} 项）</a>' if len(entries) > top
                else f'<a class="more" href="{esc(index)}">全部</a>')
        boxes.append(f'<section class="holding"><h3><a href="{esc(index)}">{title}</a></h3>'
                     f'<ul>{lis}</ul>{more}</section>')
    return f'<div class="holdings" data-search-exclude>{"".join(boxes)}</div>'


def home_page(notices: list[Notice], n_themes: int, n_external: int, search: str = "material",
              n_clauses: Optional[int] = None) -> str:
    """The home page; ``n_clauses`` the clause count when the caller has it."""
    page = "index.md"
    if n_clauses is None:
        n_clauses = sum(1 for n in notices for _ in n.walk())
    lines = [front("首页"), "# 知识产权政策文库 {#home}", "",
             f"本文库收录各地知识产权政策文件 **{len(notices)}** 件，拆分为 **{n_clauses}** 个可引用的条款，"
             f"按 {n_themes} 个主题逐条标注；另有 {n_external} 件文库外文件被引用。"
             "每个条款都有永久链接，可直接引用到“二（三）”一级。", "",
             "## 馆藏概况 {#holdings}", ""]
    lines += raw_block([holdings_html(notices)])
    lines += ["## 最新文件 {#newest}", ""] + doc_list(page, notices, limit=10) + [
        "", "[全部文件](notices/index.md) · [时间线](generated/timeline.md) · [指标对照](generated/targets.md) · "
        "[主题](tags/theme/index.md) · [文库外被引文件](tags/cited/index.md)", "",
        "## 如何检索 {#how-to-search}", "",
        "点击页面顶部的搜索框（或按 <kbd>/</kbd>）输入中文词语，例如“惩罚性赔偿”“地理标志”。"
        "检索按词语切分（结巴分词），结果直接指向条款，点击后跳到该条并高亮显示。"
        + SEARCH_HELP[search] + "也可按[地区](tags/region/index.md)、"
        "[年份](tags/year/index.md)、[主题](tags/theme/index.md)和[文种](tags/type/index.md)浏览。", "",
        "## 如何引用 {#how-to-cite}", "",
        "鼠标移到条款上，点击“复制引用”得到引用文字和永久链接，例如“《…》（文号）二（三） 链接”；"
        "点击“GB/T 7714”得到符合 GB/T 7714-2015 的电子资源著录格式。详见[如何引用](generated/cite.md)。", "",
        "## 数据下载 {#data}", "",
        "全部文件及条款树可下载为 [archive.json.gz](data/archive.json.gz)（gzip 压缩，解压即 archive.json；格式说明见[数据与格式](data.md)），"
        "最新文件订阅：[Atom](data/feed.xml)。", ""]
    return "\n".join(lines) + "\n"
