"""``make bench-search``: does search find exactly what the text says?

A benchmark, not a test: nothing is asserted.  Two archives are built into a
temporary directory with the real pipeline (``pipeline.build_site``):

* **seeds**: ``source_texts/`` (Material's search on the site, Whoosh CLI index);
* **corpus**: ``../shared/corpus`` govcn2019 (43 pages), provincial (20) and a
  fixed slice of lawrefbook (the IP laws first, then a seeded random sample),
  ``CORPUS_DOCS`` documents in all (Pagefind on the site).

Queries (``queries()``, at least 80 per archive): single terms (专利, 商标),
compounds (惩罚性赔偿, 地理标志, 知识产权质押融资), quoted phrases ("三合一"),
sub-words (赔偿), organ names, the 文号 and article references (专利法第二十条)
found in the archive's own text, and queries with filters (region including
sub-regions, year range, type, status, theme).  Ground truth of a query: the
clauses whose normalised text (``search.tokenizer.normalize``, line breaks
dropped) contains it and whose document passes the filters with the CLI's
meaning -- computed here from the index records, never by an engine.

Per query, what a reader meets (issue 26): whether the first screen's
document count is final (and equals the truth), the 加载更多 clicks to the
last hit (and 该文件另有), the seconds to the first screen and to the last
hit, and the bytes the query fetched (warm page: the runtime loaded).

Engines: the CLI (``search.query.run_search``, every hit), and the browser
search of each site in headless Chromium over http, typed into the box as a
reader would (``fill``: an IME commits the whole word), then 加载更多 /
显示更多 / 该文件另有 clicked until every result is on the page.  Measured:
recall (hits found / ground truth), precision@10 (of the first 10 clause
results, those in the ground truth), first-result latency and bytes fetched
from a cold page (``COLD`` queries each).  On the Pagefind archive, for
comparison, the same documents are also indexed with Pagefind 1.5.2's own
Chinese segmentation (``native_bundle``, unsegmented pages) and queried with
Pagefind's own matching: what the box relied on before (Pagefind issues
#1237, #659, #987).  Table on stdout, figures in ``build/bench.json`` under
``search_quality`` (other keys kept; ``--only`` keeps the other archive's).

    .venv/bin/python -m benchmarks.bench_search [--keep] [--docs N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from playwright.sync_api import sync_playwright

from search import qparse
from search.index import backend_module
from search.query import run_search
from search.schema import Filters, IndexRecord, read_meta, theme_slug
from search.tokenizer import normalize

from build_tools.pipeline import build_site, load_documents, source_files, staged_paths
from build_tools.publish.serve import background_server
from build_tools.settings import ROOT, SEARCH_ENV, chromium, overridden, shared_dir
from build_tools.publish import mkbuild
from build_tools.publish.mkbuild import read_stamp
from build_tools.render.search_pages import write_search_pages

SHARED = shared_dir()
CHROMIUM = chromium()
CORPUS_DOCS = 160
COLD = 12  # queries timed from a cold page (latency, bytes)
IP_LAWS = ("专利法", "商标法", "著作权法", "反不正当竞争法", "种子法", "科学技术进步法", "促进科技成果转化法",
           "民法典", "电子商务法", "对外贸易法", "海关法", "刑法", "广告法", "产品质量法", "农业技术推广法",
           "中医药法", "标准化法", "行政处罚法", "行政诉讼法", "民事诉讼法")

WORDS = ["专利", "商标", "著作权", "版权", "知识产权", "商业秘密", "植物新品种", "集成电路", "海关", "专利权",
         "商标权", "侵权", "保护", "人才", "信用", "标准", "数据", "企业", "高校", "金融"]
COMPOUNDS = ["惩罚性赔偿", "地理标志", "知识产权质押融资", "技术调查官", "快速维权中心", "维权援助", "侵权假冒",
             "高价值发明专利", "营商环境", "行政裁决", "知识产权保护中心", "知识产权证券化", "专利导航", "驰名商标",
             "专利密集型产业", "海外维权", "知识产权强国", "知识产权强省", "纠纷多元化解", "质押融资",
             "法定赔偿", "举证责任", "外观设计", "实用新型", "强制许可"]
PHRASES = ['"三合一"', '"放管服"', '"一站式"', '"知识产权保护"', '"营商环境"', '"打击侵权假冒"']
SUBWORDS = ["赔偿", "标志", "融资", "调查", "审判", "税", "奖励", "许可", "执法", "仲裁"]
ORGANS = ["国家知识产权局", "最高人民法院", "最高人民检察院", "国务院", "市场监管总局", "市场监督管理局",
          "海关总署", "公安部", "司法部", "版权局", "人民政府办公厅", "科学技术厅"]
FILTERED = [("专利", {"region": "云南省"}), ("知识产权", {"region": "昆明市"}), ("商标", {"years": (2019, 2021)}),
            ("专利", {"years": (2015, 2020)}), ("保护", {"doc_type": "实施意见"}), ("知识产权", {"status": "征求意见稿"}),
            ("侵权", {"region": "全国", "years": (2019, 2023)}), ("惩罚性赔偿", {"region": "云南省", "years": (2015, 2023)}),
            ("赔偿", {"doc_type": "法"}), ("知识产权", {"theme": "司法保护"}), ("商标", {"region": "江西省"}),
            ("专利", {"region": "全国", "doc_type": "通知"}), ("知识产权", {"region": "山东省"}),
            ("保护", {"region": "浙江省"}), ("专利", {"doc_type": "条例"}), ("知识产权", {"status": "解读"}),
            ("商标", {"region": "山东省", "years": (2015, 2022)}), ("保护", {"theme": "行政执法"}),
            ("专利", {"theme": "转化运用", "region": "全国"})]
_CN_NUM = "零〇一二三四五六七八九十百千"
_DOCNO = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号")


@dataclass
class Query:
    text: str  # as typed (quotes kept)
    kind: str  # word | compound | phrase | subword | organ | docno | article | filtered
    filters: dict = field(default_factory=dict)

    @property
    def needle(self) -> str:
        return normalize(self.text.strip('"“”'))


# ------------------------------------------------------------------ archives


def topical_laws(term: str = "惩罚性赔偿", limit: int = 20) -> list[Path]:
    """lawrefbook files (not 案例) whose text holds ``term``, in path order."""
    laws = sorted(p for p in (SHARED / "corpus" / "lawrefbook").rglob("*.md")
                  if p.name != "_index.md" and "案例" not in p.parts)
    return [p for p in laws if term in p.read_text(encoding="utf-8", errors="replace")][:limit]


def corpus_files(n: int = CORPUS_DOCS) -> list[Path]:
    """govcn2019 + provincial + lawrefbook (the IP laws, the laws that speak of
    惩罚性赔偿 -- the issue's "14 documents" case --, then a seeded sample) = ``n``."""
    corpus = SHARED / "corpus"
    pages = sorted((corpus / "govcn2019").glob("*.html")) + sorted((corpus / "provincial").glob("*.html"))
    laws = sorted(p for p in (corpus / "lawrefbook").rglob("*.md") if p.name != "_index.md")
    first = [p for p in laws if any(p.name.startswith(t + "(") for t in IP_LAWS)]
    first += [p for p in topical_laws() if p not in first]
    rest = [p for p in laws if p not in first]
    random.Random(15).shuffle(rest)
    return pages + (first + rest)[: max(0, n - len(pages))]


def build(work: Path, files: list[Path], mode: Optional[str]) -> dict:
    """The real build of ``files`` into ``work`` (site, CLI index)."""
    paths = staged_paths(ROOT, work)
    with overridden({SEARCH_ENV: mode or None}):
        t0 = time.perf_counter()
        rep = build_site(ROOT, paths=paths, files=files, require_sidecar=False, update_lock=False, progress=False)
    if not rep.ok:
        raise RuntimeError("构建失败：" + "; ".join(str(p) for p in rep.problems if p.level == "error")[:2000])
    (work / "files.txt").write_text("\n".join(map(str, files)), encoding="utf-8")
    return {"paths": paths, "documents": rep.notices, "clauses": rep.clauses, "build_s": time.perf_counter() - t0,
            "mode": read_stamp(paths.site).get("search", "material"),
            "backend": (read_meta(paths.index) or {}).get("backend", "?"), "files": files}


NATIVE = "pagefind-native"  # Pagefind on the unsegmented text, beside the site's own bundle


def native_bundle(built: dict) -> float:
    """Index the same documents with Pagefind's own Chinese segmentation into
    ``site/pagefind-native/`` (what search_pages did before pre-segmenting);
    returns the bundle's size in MB."""
    paths = built["paths"]
    res = load_documents(built["files"], require_sidecar=False, cache_dir=paths.cache / "docs")
    src = paths.cache / "pagefind-native-src"
    write_search_pages(res.notices, src, presegment=False)
    out = paths.site / NATIVE
    mkbuild.pagefind_wait(mkbuild.pagefind_start(src, out, "zh"), out)  # its own Chinese segmenter
    return _size(out) / 1e6


def _size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def reuse(work: Path) -> dict:
    """An archive ``build`` left in ``work`` (``--keep``), without building it again."""
    paths = staged_paths(ROOT, work)
    recs = index_records(paths.index)
    files = [Path(x) for x in (work / "files.txt").read_text(encoding="utf-8").splitlines() if x]
    return {"paths": paths, "files": files, "documents": sum(1 for r in recs if r.kind == "title"),
            "clauses": sum(1 for r in recs if r.kind == "clause"), "build_s": 0.0,
            "mode": read_stamp(paths.site).get("search", "material"),
            "backend": (read_meta(paths.index) or {}).get("backend", "?")}


def index_records(index_dir: Path) -> list[IndexRecord]:
    """Every record of a CLI index (the ground truth's source)."""
    mod = backend_module((read_meta(index_dir) or {}).get("backend", "whoosh"))
    s = mod.open_searcher(index_dir)
    try:
        return [r for _, r in mod.run(s, "*", "*", qparse.Every(), Filters(), mod.doc_count(s)).rows]
    finally:
        mod.close(s)


# ------------------------------------------------------------------ queries


def queries(records: list[IndexRecord]) -> list[Query]:
    """The fixed vocabulary plus the 文号 and article references that occur in
    this archive's text (most frequent first)."""
    texts = [r.text.replace("\n", "") for r in records if r.kind == "clause"]
    docnos = Counter(m for t in texts for m in _DOCNO.findall(t))
    # 专利法第二十条: a law of the archive (its title less 中华人民共和国) or an IP law, then 第…条
    laws = {re.sub(r"^中华人民共和国|（.*$|\(.*$", "", r.doc_title) for r in records if r.kind == "title"}
    laws = {x for x in laws if x.endswith("法") and len(x) <= 12} | set(IP_LAWS)
    article = re.compile("(?:" + "|".join(map(re.escape, sorted(laws, key=len, reverse=True)))
                         + f")第[{_CN_NUM}]{{1,6}}条")
    arts = Counter(m for t in texts for m in article.findall(t))
    out = [Query(q, "word") for q in WORDS] + [Query(q, "compound") for q in COMPOUNDS]
    out += [Query(q, "phrase") for q in PHRASES] + [Query(q, "subword") for q in SUBWORDS]
    out += [Query(q, "organ") for q in ORGANS]
    out += [Query(q, "docno") for q, _ in docnos.most_common(8)]
    if "国办发〔2014〕64号" not in docnos:
        out.append(Query("国办发〔2014〕64号", "docno"))
    out += [Query(q, "article") for q, _ in arts.most_common(8)]
    if "专利法第二十条" not in arts:
        out.append(Query("专利法第二十条", "article"))
    out += [Query(q, "filtered", f) for q, f in FILTERED]
    return out


def passes(r: IndexRecord, doc_themes: dict[str, tuple], f: dict) -> bool:
    """The CLI's filter semantics on one record."""
    if f.get("region") and not any(v == f["region"] or v.startswith(f["region"]) for v in r.region):
        return False
    if f.get("years") and not (r.year is not None and f["years"][0] <= r.year <= f["years"][1]):
        return False
    if f.get("doc_type") and r.doc_type != f["doc_type"]:
        return False
    if f.get("status") and r.status != f["status"]:
        return False
    if f.get("theme"):
        slug = theme_slug(f["theme"])
        if slug not in r.themes and slug not in doc_themes.get(r.doc_id, ()):
            return False
    return True


def truth(records: list[IndexRecord], q: Query) -> set[tuple[str, str]]:
    doc_themes = {r.doc_id: r.themes for r in records if r.kind == "title"}
    needle = q.needle
    return {(r.doc_id, r.clause_id) for r in records if r.kind == "clause"
            and needle in normalize(r.text.replace("\n", "")) and passes(r, doc_themes, q.filters)}


def score(found: list[tuple[str, str]], gt: set) -> tuple[float, float]:
    """(recall, precision@10) of ranked clause hits against the ground truth."""
    top = found[:10]
    recall = len(set(found) & gt) / len(gt) if gt else 1.0
    precision = sum(1 for h in top if h in gt) / len(top) if top else (1.0 if not gt else 0.0)
    return recall, precision


# ------------------------------------------------------------------ engines


def cli_engine(index_dir: Path, q: Query) -> tuple[list[tuple[str, str]], float]:
    f = dict(q.filters)
    t0 = time.perf_counter()
    res = run_search(index_dir, q.text, region=f.get("region"), years=f.get("years"), theme=f.get("theme"),
                     doc_type=f.get("doc_type"), status=f.get("status"), limit=100_000)
    secs = time.perf_counter() - t0
    return [(h.doc_id, h.clause_id) for h in res.hits if h.kind == "clause"], secs


_HREF = re.compile(r"notices/([^/?#]+)\.html#(.+)$")


def _pairs(hrefs: list[str]) -> list[tuple[str, str]]:
    out = []
    for h in hrefs:
        m = _HREF.search(h or "")
        if m and m.groups() not in out:
            out.append(m.groups())
    return out


class Browser:
    """One site in Chromium: ``mode`` material (Material's panel, our list) or pagefind."""

    def __init__(self, pw, site: Path, mode: str):
        self.mode = mode
        self.site = Path(site)
        self._gz: dict[str, int] = {}
        self.httpd, self.base = background_server(site)
        self.browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        self.page = None

    def close(self):
        self.browser.close()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def box(self) -> str:
        return "input.ipa-search__input" if self.mode == "pagefind" else "input.md-search__input"

    @property
    def results(self) -> str:
        return ".ipa-search__results" if self.mode == "pagefind" else "ol.ipa-results"

    @property
    def link(self) -> str:
        return (".ipa-search__results a.ipa-hit__clause" if self.mode == "pagefind"
                else "ol.ipa-results a.md-search-result__link")

    def open(self, pg) -> None:
        pg.goto(f"{self.base}/index.html", wait_until="load")
        if self.mode == "material":
            pg.locator(self.box).click()

    def set_filters(self, pg, f: dict) -> None:
        """Choose the filter values in the panel (every select; "" = 全部)."""
        pg.wait_for_selector(".ipa-search__filters[data-ready='1']", state="attached", timeout=60_000)
        want = {"region": f.get("region") or "", "type": f.get("doc_type") or "", "status": f.get("status") or "",
                "theme": f.get("theme") or "", "year": str(f["years"][0]) if f.get("years") else "",
                "year_to": str(f["years"][1]) if f.get("years") else ""}
        for name, value in want.items():
            sel = pg.locator(f"select.ipa-search__filter[name='{name}']")
            if sel.count():
                values = sel.evaluate("s => Array.from(s.options).map(o => o.value)")
                if name.startswith("year") and value and value not in values:  # nearest year inside the range
                    years = sorted(v for v in values if v)
                    inside = [y for y in years if f["years"][0] <= int(y) <= f["years"][1]]
                    if not inside:
                        raise LookupError(f"{name}={value}")
                    value = inside[0] if name == "year" else inside[-1]
                if value and value not in values:
                    raise LookupError(f"{name}={value}")
                if sel.input_value() != value:
                    sel.select_option(value)
                    self._idle(pg)

    def search_all(self, q: Query) -> list[tuple[str, str]]:
        """Type the query, reveal every hit, return the clause hits in page order."""
        pg = self.page
        if pg is None:
            pg = self.page = self.browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            self._finished = []  # sizes asked for afterwards: no protocol call inside a handler
            pg.on("requestfinished", lambda req: self._finished.append(req))
            self.open(pg)
        if pg.locator(self.box).input_value():
            pg.locator(self.box).fill("")
            self._idle(pg)
        n0, t0 = len(self._finished), time.perf_counter()
        pg.locator(self.box).fill(q.text)
        self._idle(pg)
        self.set_filters(pg, q.filters)  # a reader picks filters in the open panel
        screen = self.first_screen(pg)
        screen["first_s"] = round(time.perf_counter() - t0, 2)
        more = ".ipa-search__more" if self.mode == "pagefind" else "button.ipa-more"
        clicks = 0
        for _ in range(10_000):
            b = pg.locator(more)
            if not b.is_visible():
                break
            b.click()
            clicks += 1
            self._idle(pg)
        rest = 0
        if self.mode == "pagefind":
            rest = pg.evaluate("() => { const bs = document.querySelectorAll('.ipa-hit__rest');"
                               " bs.forEach(b => b.click()); return bs.length; }")
        screen.update(clicks=clicks, rest_clicks=rest, last_s=round(time.perf_counter() - t0, 2),
                      bytes=self._bytes(self._finished[n0:]))
        self.last = screen
        return _pairs(pg.locator(self.link).evaluate_all("els => els.map(e => e.getAttribute('href'))"))

    def first_screen(self, pg) -> dict:
        """What the first screen says, before any click: is its document count
        final (Pagefind: ``data-final`` of the status line; Material's list
        is whole at once), how many documents, how many shown."""
        if self.mode == "pagefind":
            st = pg.locator(".ipa-search__status")
            return {"final": st.get_attribute("data-final") == "1", "docs": int(st.get_attribute("data-docs") or 0),
                    "shown_docs": pg.locator(".ipa-search__results .ipa-hit__doc").count()}
        pairs = _pairs(pg.locator(self.link).evaluate_all("els => els.map(e => e.getAttribute('href'))"))
        return {"final": True, "docs": len({d for d, _ in pairs}), "shown_docs": len({d for d, _ in pairs})}

    @staticmethod
    def _bytes(reqs) -> int:
        total = 0
        for req in reqs:
            try:
                z = req.sizes()
                total += z["responseBodySize"] + z["responseHeadersSize"]
            except Exception:  # a request that failed has no sizes
                pass
        return total

    def native(self, q: Query) -> list[tuple[str, str]]:
        """Pagefind's own matching on its own segmentation (the bundle of
        ``native_bundle``): every sub-result of every page, in rank order."""
        pg = self.page
        hrefs = pg.evaluate("""async q => {
            if (!window.__nativePf) {
              window.__nativePf = await import('/%s/pagefind.js');
              await window.__nativePf.options({baseUrl: '/'});
              window.__nativePf.init();
            }
            const res = await window.__nativePf.search(q);
            const out = [];
            for (const r of res.results) {
              const d = await r.data();
              (d.sub_results || []).forEach(s => { if (s.url.indexOf('#') > 0) out.push(s.url); });
            }
            return out; }""" % NATIVE, q.text)
        return _pairs(hrefs)

    def _idle(self, pg) -> None:
        pg.wait_for_timeout(150)  # past the input debounce
        pg.wait_for_selector(f"{self.results}[data-state='idle']", state="attached", timeout=120_000)

    def gzip_size(self, url: str) -> int:
        """What a compressing web server would send for ``url`` (Pagefind's
        chunks are gzip files already; python's http.server compresses nothing)."""
        if url not in self._gz:
            rel = urllib.parse.unquote(urllib.parse.urlsplit(url).path).lstrip("/")
            f = self.site / rel
            data = f.read_bytes() if rel and f.is_file() else b""
            self._gz[url] = len(gzip.compress(data, 6)) if data[:2] != b"\x1f\x8b" else len(data)
        return self._gz[url]

    def cold_first(self, pg, text: str) -> float:
        """Type ``text`` into the box of a loaded page: seconds to the first
        result (or to 「没有找到匹配的条款」 for a query nothing holds)."""
        pg.evaluate("""sel => { window.__t1 = null;
            const none = () => Array.from(document.querySelectorAll('.ipa-search__status, .ipa-meta'))
              .some(e => e.textContent.includes('没有找到匹配的条款'));
            new MutationObserver((_, obs) => { if (document.querySelector(sel) || none()) {
                window.__t1 = performance.now(); obs.disconnect(); } })
              .observe(document.body, {childList: true, subtree: true, characterData: true});
            window.__t0 = performance.now(); }""", self.link)
        pg.locator(self.box).fill(text)
        pg.wait_for_function("() => window.__t1 !== null", timeout=120_000)
        self.first_at = pg.evaluate("performance.timeOrigin + window.__t1")  # epoch ms (finished_by)
        return pg.evaluate("window.__t1 - window.__t0") / 1000

    @staticmethod
    def finished_by(reqs, epoch_ms: float) -> list:
        """The requests of ``reqs`` whose response had ended at ``epoch_ms``
        (the first result's paint): those fetched for it, not those the box
        started after it and that ended while the harness noticed it (nor
        fewer: Playwright reports a finished request a while later, so
        ``reqs`` is taken once the box is idle)."""
        out = []
        for req in reqs:
            try:
                t = req.timing
                end = t["startTime"] + t["responseEnd"]
            except Exception:  # no timing: counted, as before
                out.append(req)
                continue
            if t["responseEnd"] < 0 or end <= epoch_ms + 1:
                out.append(req)
        return out

    def cold(self, q: Query) -> dict:
        """First result after typing into a freshly loaded page: seconds, bytes."""
        ctx = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = ctx.new_page()
        finished: list = []  # sizes are asked for afterwards: no protocol call inside a handler
        pg.on("requestfinished", lambda req: finished.append(req))
        try:
            self.open(pg)
            seconds = self.cold_first(pg, q.text)
            self._idle(pg)
            first = self.finished_by(list(finished), self.first_at)  # what was fetched when the first result showed
            sizes = []
            for req in first:
                try:
                    z = req.sizes()
                    sizes.append(z["responseBodySize"] + z["responseHeadersSize"])
                except Exception:  # a request that failed has no sizes
                    pass
            return {"query": q.text, "seconds": round(seconds, 3), "bytes": sum(sizes), "requests": len(sizes),
                    "bytes_gzip": sum(self.gzip_size(r.url) for r in first)}
        finally:
            ctx.close()


# ------------------------------------------------------------------ a built site's first screens

SCREEN_QUERIES = ("惩罚性赔偿", "地理标志", "知识产权", "专利", "商标", "著作权", "商业秘密", "植物新品种", "税", "企业",
                  "侵权", "三合一", "行政执法", "技术调查官", "海关", "个人信息", "反垄断",
                  # longer queries: each two-character word asked costs its index chunks in every
                  # shard, so the box asks a long one sparsely (pagefind-search.js, findPages)
                  "知识产权侵权纠纷", "专利侵权纠纷行政裁决", "知识产权保护中心建设",
                  "知识产权战略实施联席会议制度", "依法追究刑事责任",  # 14 characters; 8, held by hundreds
                  # a clause sentence pasted whole (26 characters), one with its punctuation
                  "加强省人民政府知识产权战略实施联席会议制度的统筹协调职能",
                  "研究制定云南省“十四五”知识产权发展规划和版权工作规划",
                  # letters and digits, and several terms
                  "GB/T 26341-2010", "GB/T 29490-2023", "知识产权 侵权纠纷", "专利 行政裁决",
                  # common phrases: a law's title (2,724 documents) and 8 characters held by 924;
                  # two terms, the rare one second; two terms that share a clause in few of
                  # the many pages holding both (issue 26, fourth session)
                  "中华人民共和国", "县级以上人民政府", "商标 侵权纠纷", "行政处罚 知识产权",
                  # more pairs of common terms that share a clause in few documents (fifth session:
                  # the clause starts and each page's longest clause decide them)
                  "专利 行政处罚", "著作权 行政执法", "知识产权 刑事责任")


def _kind_of(url: str) -> str:
    path = urllib.parse.urlsplit(url).path
    for k in ("fragment", "index", "filter"):
        if f"/{k}/" in path:
            return k
    if path.endswith((".pf_meta", "pagefind-entry.json", "iparchive-shards.json")):
        return "meta"
    if "/pagefind/clauses/" in path:  # clause starts of a page, every page's longest clause
        return "clauses"
    return "runtime" if "/pagefind/" in path else "page"


def first_screens(site: Path, queries=SCREEN_QUERIES) -> list[dict]:
    """Each query typed into a freshly loaded page of a built Pagefind site
    (``--site``, e.g. a whole-corpus build kept by ``bench --keep``): seconds
    and bytes (page and runtime included) to the first result, bytes of the
    whole first screen (from typing until the box is idle) by kind, and
    whether its document count is final."""
    rows = []
    with sync_playwright() as pw:
        br = Browser(pw, site, "pagefind")
        try:
            for q in queries:
                ctx = br.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                pg, seen = ctx.new_page(), []
                pg.on("requestfinished", lambda req: seen.append(req))
                try:
                    br.open(pg)
                    pg.wait_for_timeout(300)  # the runtime loads once the page is idle, as for a reader
                    typed = len(seen)
                    first = br.cold_first(pg, q)
                    br._idle(pg)
                    at = br.finished_by(list(seen), br.first_at)
                    st = pg.locator(".ipa-search__status")
                    by: dict[str, int] = {}
                    for req in seen[typed:]:
                        by[_kind_of(req.url)] = by.get(_kind_of(req.url), 0) + br._bytes([req])
                    rows.append({"query": q, "first_s": first, "first_bytes": br._bytes(at),
                                 "screen_bytes": sum(by.values()), "screen_by_kind": by,
                                 "final": st.get_attribute("data-final") == "1", "docs": int(st.get_attribute("data-docs") or 0),
                                 # the words Pagefind was asked for (each: an index chunk in every shard)
                                 "asked": pg.locator(br.results).get_attribute("data-pagefind-query") or "",
                                 # documents on the first screen, and whether a click is needed for more
                                 "shown": pg.locator(".ipa-search__results .ipa-hit__doc").count(),
                                 "more": pg.locator(".ipa-search__more").is_visible()})
                finally:
                    ctx.close()
                print(f"  {q}: {rows[-1]}", file=sys.stderr)
        finally:
            br.close()
    return rows


def screens_table(rows: list[dict]) -> str:
    lines = ["| 查询 | 文件数（首屏最终；首屏显示，需点击？） | 首个结果 | 首个结果前下载（含页面与检索程序） | 首屏下载 | 其中 索引 / 页面片段 / 筛选 / 条款位置 / 其他 | 所查词 |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        k = r["screen_by_kind"]
        other = r["screen_bytes"] - k.get("index", 0) - k.get("fragment", 0) - k.get("filter", 0) - k.get("clauses", 0)
        click = "需点击" if r.get("more") else "无需点击"
        lines.append(f"| {r['query']} | {r['docs']}（{'是' if r['final'] else '否'}；{r.get('shown', '?')}，{click}） | {r['first_s']:.2f} s | "
                     f"{r['first_bytes'] / 1e3:.0f} KB | {r['screen_bytes'] / 1e3:.0f} KB | "
                     f"{k.get('index', 0) / 1e3:.0f} / {k.get('fragment', 0) / 1e3:.0f} / {k.get('filter', 0) / 1e3:.0f}"
                     f" / {k.get('clauses', 0) / 1e3:.0f}"
                     f" / {other / 1e3:.0f} KB | {r.get('asked', '')} |")
    return "\n".join(lines)


# ------------------------------------------------------------------ run


def evaluate(name: str, built: dict) -> dict:
    paths = built["paths"]
    records = index_records(paths.index)
    qs = queries(records)
    rows = []
    native_mb = native_bundle(built) if built["mode"] == "pagefind" and CHROMIUM.exists() else None
    with sync_playwright() as pw:
        br = Browser(pw, paths.site, built["mode"]) if CHROMIUM.exists() else None
        try:
            for q in qs:
                gt = truth(records, q)
                found, secs = cli_engine(paths.index, q)
                row = {"query": q.text, "kind": q.kind, "filters": {k: list(v) if isinstance(v, tuple) else v
                                                                     for k, v in q.filters.items()},
                       "truth": len(gt), "cli": dict(zip(("recall", "p10"), score(found, gt)), hits=len(found),
                                                     ms=round(secs * 1000, 1))}
                if br is not None:
                    t0 = time.perf_counter()
                    try:
                        got = br.search_all(q)
                    except LookupError as e:  # no document has this value: nothing to pick
                        row["browser_unavailable"] = str(e)
                    else:
                        row["browser"] = dict(zip(("recall", "p10"), score(got, gt)), hits=len(got),
                                              s=round(time.perf_counter() - t0, 2), truth_docs=len({d for d, _ in gt}),
                                              **br.last)
                    if native_mb is not None and not q.filters:
                        nat = br.native(q)
                        row["native"] = dict(zip(("recall", "p10"), score(nat, gt)), hits=len(nat))
                rows.append(row)
                b = row.get("browser")
                print(f"  {q.text} {row['filters'] or ''}: 标准 {len(gt)}，命令行 {len(found)}"
                      + (f"，浏览器 {b['hits']}（{b['s']} s）" if b else ""), file=sys.stderr)
            hit = [q for q, r in zip(qs, rows) if r["truth"] and not q.filters]
            cold = []
            for q in [q for q in hit if q.kind in ("word", "compound", "phrase")][:COLD] if br else []:
                try:
                    cold.append(br.cold(q))
                except Exception as e:  # one query that never showed a result: said, the others measured
                    print(f"  冷启动 {q.text}：{type(e).__name__} {str(e)[:200]}", file=sys.stderr)
        finally:
            if br is not None:
                br.close()
    return {"archive": name, "documents": built["documents"], "clauses": built["clauses"], "mode": built["mode"],
            "cli_backend": built["backend"], "build_s": round(built["build_s"], 1), "queries": rows,
            "cold": cold, "summary": summarise(rows, cold),
            "index_mb": {"browser": round(_size(paths.site / "pagefind") / 1e6, 2) if built["mode"] == "pagefind"
                         else round(_size(paths.site / "search") / 1e6, 2),
                         "pagefind_native": round(native_mb, 2) if native_mb is not None else None,
                         "cli": round(_size(paths.index) / 1e6, 2)}}


def _mean(xs: list[float]) -> Optional[float]:
    return round(statistics.mean(xs), 4) if xs else None


def summarise(rows: list[dict], cold: list[dict]) -> dict:
    """Means over the queries with ground truth (word/phrase: every kind
    without filters; filtered separately)."""
    out: dict = {"queries": len(rows), "with_truth": sum(1 for r in rows if r["truth"])}
    for eng in ("cli", "browser", "native"):
        have = [r for r in rows if eng in r and r["truth"]]
        plain = [r for r in have if r["kind"] != "filtered"]
        filt = [r for r in have if r["kind"] == "filtered"]
        out[eng] = {"n": len(have), "recall": _mean([r[eng]["recall"] for r in have]),
                    "p10": _mean([r[eng]["p10"] for r in have]),
                    "p10_word_phrase": _mean([r[eng]["p10"] for r in plain]),
                    "recall_filtered": _mean([r[eng]["recall"] for r in filt]),
                    "p10_filtered": _mean([r[eng]["p10"] for r in filt]),
                    "n_filtered": len(filt)}
    if cold:
        out["first_result_s"] = {"median": statistics.median(c["seconds"] for c in cold),
                                 "max": max(c["seconds"] for c in cold)}
        out["first_result_bytes"] = {"median": statistics.median(c["bytes"] for c in cold),
                                     "max": max(c["bytes"] for c in cold),
                                     "max_gzip": max(c["bytes_gzip"] for c in cold)}
    seen = [r["browser"] for r in rows if "browser" in r]
    if seen:  # what a reader meets (issue 26)
        small = [b for b in seen if b["truth_docs"] <= 20]
        out["reader"] = {"queries": len(seen), "first_final": sum(1 for b in seen if b["final"]),
                         "count_right": sum(1 for b in seen if b["final"] and b["docs"] == b["truth_docs"]),
                         "small": len(small), "small_clicked": sum(1 for b in small if b["clicks"]),
                         "clicks_max": max(b["clicks"] for b in seen),
                         "first_s": {"median": statistics.median(b["first_s"] for b in seen),
                                     "max": max(b["first_s"] for b in seen)},
                         "bytes": {"median": statistics.median(b["bytes"] for b in seen),
                                   "max": max(b["bytes"] for b in seen)}}
    cli_ms = sorted(r["cli"]["ms"] for r in rows)
    out["cli_ms"] = {"median": statistics.median(cli_ms), "p95": cli_ms[max(0, int(len(cli_ms) * 0.95) - 1)]}
    return out


def _pct(v: Optional[float]) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def engine_row(name: str, e: dict, engine: str, queries: str, filtered: bool, timing: str, download: str) -> str:
    """One engine's row of ``table`` ('' when it answered no query with a truth)."""
    if not e.get("n"):
        return ""
    flt = f"{_pct(e['recall_filtered'])} / {_pct(e['p10_filtered'])}" if filtered else "—"
    return (f"| {name} | {engine} | {queries.format(n=e['n'])} | {_pct(e['recall'])} | {_pct(e['p10'])} | "
            f"{_pct(e['p10_word_phrase'])} | {flt} | {timing} | {download} |")


def table(results: list[dict]) -> str:
    head = ("| 文库 | 引擎 | 查询（有结果） | 召回率 | 前10准确率 | 词/短语 前10准确率 | 带筛选 召回/前10 | 首个结果 中位/最大 "
            "| 下载量 最大（未压缩 / gzip） |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    lines = [head]
    for r in results:
        s, ix = r["summary"], r.get("index_mb", {})
        name = f"{r['archive']}（{r['documents']} 篇，{r['clauses']} 条）"
        fr, fb = s.get("first_result_s", {}), s.get("first_result_bytes", {})
        engines = [  # (summary key, engine, queries column, filtered?, timing, download)
            ("cli", f"命令行（{r['cli_backend']}）", f"{s['queries']}（{s['cli']['n']}）", True,
             f"{s['cli_ms']['median']:.0f} / p95 {s['cli_ms']['p95']:.0f} ms（进程内）", "—"),
            ("browser", "浏览器（Pagefind）" if r["mode"] == "pagefind" else "浏览器（Material 页面）",
             "{n} 条有结果", True, f"{fr.get('median', 0):.2f} / {fr.get('max', 0):.2f} s",
             f"{fb.get('max', 0) / 1e6:.2f} / {fb.get('max_gzip', 0) / 1e6:.2f} MB"),
            ("native", "Pagefind 1.5.2 自带分词（对照，不分词的旧页面）", "{n} 条有结果", False, "—",
             f"索引 {ix.get('pagefind_native')} MB（逐字索引 {ix.get('browser')} MB）")]
        lines += [row for key, *rest in engines if (row := engine_row(name, s.get(key) or {}, *rest))]
    lines += ["", "| 文库 | 首屏计数为最终（且等于标准） | ≤20 个文件的查询中需点击的 | 加载更多 最多点击 | 首屏 中位/最大 "
              "| 每次检索下载量 中位/最大 |", "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        rd = r["summary"].get("reader")
        if rd:
            lines.append(f"| {r['archive']} | {rd['first_final']}/{rd['queries']}（{rd['count_right']}） | "
                         f"{rd['small_clicked']}/{rd['small']} | {rd['clicks_max']} | "
                         f"{rd['first_s']['median']:.2f} / {rd['first_s']['max']:.2f} s | "
                         f"{rd['bytes']['median'] / 1e6:.2f} / {rd['bytes']['max'] / 1e6:.2f} MB |")
    return "\n".join(lines)


def per_query(results: list[dict]) -> str:
    """Per query: the first screen's count (final?), clicks to the last hit, time, bytes."""
    out = []
    for r in results:
        for q in r["queries"]:
            b = q.get("browser")
            if b:
                out.append(f"  {r['archive']} {q['query']} {q['filters'] or ''}: 首屏 {b['docs']} 个文件"
                           f"{'（最终）' if b['final'] else '（未定）'}，标准 {b['truth_docs']}；加载更多 {b['clicks']} 次，"
                           f"该文件另有 {b['rest_clicks']} 次；首屏 {b['first_s']} s，全部 {b['last_s']} s，"
                           f"{b['bytes'] / 1e6:.2f} MB")
    return "\n".join(out)


def worst(results: list[dict], k: int = 5) -> str:
    """The queries where the browser is furthest below the CLI."""
    out = []
    for r in results:
        rows = [q for q in r["queries"] if "browser" in q and q["truth"]]
        rows.sort(key=lambda q: q["browser"]["recall"] - q["cli"]["recall"])
        for q in rows[:k]:
            out.append(f"  {r['archive']} {q['query']} {q['filters'] or ''}: 标准 {q['truth']}，命令行 "
                       f"{q['cli']['hits']}（召回 {_pct(q['cli']['recall'])}），浏览器 {q['browser']['hits']}"
                       f"（召回 {_pct(q['browser']['recall'])}，前10 {_pct(q['browser']['p10'])}）")
    return "\n".join(out)


def merge_json(key: str, value) -> Path:
    """Put ``value`` under ``key`` in build/bench.json, keeping the other keys."""
    out = ROOT / "build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    try:
        data = json.loads(out.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    old = data.get(key) if isinstance(data.get(key), dict) else {}
    if key == "search_quality" and old.get("archives"):  # one archive re-run: keep the others
        names = {a["archive"] for a in value["archives"]}
        value = dict(value, archives=[a for a in old["archives"] if a.get("archive") not in names]
                     + value["archives"])
    data[key] = value
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=CORPUS_DOCS, help="corpus archive size (documents)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--only", choices=("seeds", "corpus"), help="one archive only")
    ap.add_argument("--reuse", type=Path, help="a --keep work directory: evaluate its built archives again")
    ap.add_argument("--site", type=Path, help="a built Pagefind site (e.g. the whole corpus): only the first "
                                                "screens of SCREEN_QUERIES, from a cold page each")
    args = ap.parse_args(argv)
    if args.site:
        rows = first_screens(args.site)
        print(screens_table(rows))
        path = merge_json("search_screens", {"when": time.strftime("%Y-%m-%d %H:%M"), "site": str(args.site),
                                             "load": list(os.getloadavg()), "queries": rows})
        print(f"（详见 {path.relative_to(ROOT)} 的 search_screens）")
        return 0
    work = args.reuse or Path(tempfile.mkdtemp(prefix="iparchive-bench-search-"))
    results = []
    try:
        plan = [("seeds", source_files(ROOT / "source_texts"), None),
                ("corpus", corpus_files(args.docs), "pagefind")]
        for name, files, mode in plan:
            if args.only and name != args.only:
                continue
            if args.reuse:
                built = reuse(work / name)
            else:
                print(f"构建 {name}：{len(files)} 个文件…", file=sys.stderr)
                built = build(work / name, files, mode)
            print(f"  {built['documents']} 篇，{built['clauses']} 条，{built['build_s']:.0f} s；检索评测…", file=sys.stderr)
            results.append(evaluate(name, built))
    finally:
        if not args.keep and not args.reuse:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"工作目录：{work}", file=sys.stderr)
    print(table(results))
    print("每个查询读者所见（首屏计数、点击、时间、下载量）：")
    print(per_query(results))
    print("浏览器与命令行召回差距最大的查询：")
    print(worst(results))
    path = merge_json("search_quality", {"when": time.strftime("%Y-%m-%d %H:%M"), "archives": results})
    if args.only:  # keep the other archive's last figures
        print("（只评测了一个文库；另一文库沿用上次的数据）", file=sys.stderr)
    print(f"（详见 {path.relative_to(ROOT)} 的 search_quality）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
