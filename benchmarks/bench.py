"""``make bench``: build the whole real corpus into a temporary directory and
report where the time goes.  A benchmark, not a test: nothing is asserted.

Corpus: ../shared/corpus/lawrefbook (3,472 files), govcn2019 (43 pages) and
the seeds.  Output: one table on stdout, the same figures as JSON in
``build/bench.json``.  ``--limit N`` builds a smaller slice (for a quick look).

Every timed build starts after ``settle()``: the kernel has written out what
the step before wrote (a full build or ``mkdocs build`` writes 1-2 GB; the
rebuild that followed one ran 2-3 s slower while the kernel flushed it).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

from playwright.sync_api import sync_playwright
from search.index import META_FILE
from search.query import search
from build_tools.ingest.metadata import load_notice
from build_tools.pipeline import build_site, source_files, staged_paths
from build_tools.publish.site import run_mkdocs
from build_tools.publish.serve import background_server
from build_tools.settings import LIST_PAGE_BYTES, ROOT, chromium, shared_dir
from build_tools.publish.mkbuild import read_stamp

QUERIES = [
    "惩罚性赔偿", "地理标志", "知识产权", "专利", "商标", "著作权", "商业秘密", "植物新品种", "税", "企业",
    "行政执法", "司法保护", "质押融资", "技术调查官", "海关", "优化营商环境", '"三合一"', '"知识产权保护"',
    "专利 AND 赔偿", "商标 OR 地理标志", "专利 NOT 外观设计", "侵权假冒", "维权援助", "数据", "网络", "个人信息",
    "食品安全", "环境保护", "安全生产", "劳动合同", "消费者权益", "不正当竞争", "反垄断", "行政处罚",
    "行政许可", "听证", "法律责任", "罚款", "公示", "信用", "标准化", "科技成果转化", "人才", "教育", "文物保护",
    "title:条例", "惩罚性赔偿 --region 云南省", "专利 --year 2015..2023", "地理标志 --theme 地理标志", "著作权 --type 法",
]


def _dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.exists() else 0


def _index_backend(index_dir: Path) -> str:
    try:
        return json.loads((index_dir / META_FILE).read_text(encoding="utf-8")).get("backend", "whoosh")
    except (OSError, ValueError):
        return "?"


def corpus_files(shared: Path, limit: int | None) -> list[Path]:
    """lawrefbook (or a fixed random slice of ``limit`` files), govcn2019 and
    this archive's source_texts; a lawrefbook file that source_texts already
    holds (the laws the seeds cite, added with ``iparchive add``) is taken
    once, from source_texts with its sidecar."""
    own = source_files(ROOT / "source_texts")
    have = {f.read_bytes() for f in own}
    files = sorted(p for p in (shared / "corpus" / "lawrefbook").rglob("*.md") if p.name != "_index.md")
    if limit:
        random.Random(7).shuffle(files)
        files = sorted(files[:limit])
    files = [f for f in files if f.read_bytes() not in have]
    files += sorted((shared / "corpus" / "govcn2019").glob("*.html"))
    return files + own


def split_query(q: str) -> tuple[str, list[str]]:
    parts = q.split(" --")
    args = []
    for extra in parts[1:]:
        k, v = extra.split(" ", 1)
        args += [f"--{k}", v]
    return parts[0], args


def search_latency(index_dir: Path) -> dict:
    lat = []
    for q in QUERIES:
        text, args = split_query(q)
        kw = {}
        for k, v in zip(args[::2], args[1::2]):
            key = {"--region": "region", "--theme": "theme", "--type": "doc_type"}.get(k)
            if key:
                kw[key] = v
            elif k == "--year":
                a, b = v.split("..")
                kw["years"] = (int(a), int(b))
        search(index_dir, text, limit=20, **kw)  # warm
        t0 = time.perf_counter()
        search(index_dir, text, limit=20, **kw)
        lat.append((time.perf_counter() - t0) * 1000)
    cmd_times = []
    for q in QUERIES[:10]:
        text, args = split_query(q)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "build_tools.cli", "search", text, "--index", str(index_dir), "--limit", "20", *args],
                       cwd=ROOT, capture_output=True, text=True)
        cmd_times.append(time.perf_counter() - t0)
    lat.sort()
    return {"queries": len(lat), "median_ms": statistics.median(lat), "p95_ms": lat[int(len(lat) * 0.95) - 1],
            "command_median_s": statistics.median(cmd_times)}


# ---------------------------------------------------------------- site (browser)

BROWSER_QUERIES = ("惩罚性赔偿", "地理标志", "商业秘密")
CHROMIUM = chromium()


def first_result(browser, url: str, query: str, mode: str, *, settle: bool = False) -> dict:
    """Open ``url`` in a fresh (cold-cache) context, type ``query`` as soon as
    the page has loaded (``settle``: once the network is idle, as a reader
    who clicks the box and types would), wait for the first clause result.

    ``seconds``: from typing to the first result link in the DOM (timed in the
    page).  ``bytes``: every response body + headers since navigation
    (the transferred bytes: ``serve.SiteHandler`` gzips text files as a web
    server would; Pagefind's chunks are stored gzipped already)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    sizes: list[int] = []

    def done(req):
        try:
            z = req.sizes()
            sizes.append(z["responseBodySize"] + z["responseHeadersSize"])
        except Exception:
            pass

    pg.on("requestfinished", done)
    sel = "a.ipa-hit__clause[href*='#']" if mode == "pagefind" else "a.md-search-result__link[href*='#']"
    try:
        pg.goto(url, wait_until="networkidle" if settle else "load")
        pg.evaluate("""sel => { window.__t1 = null;
            new MutationObserver((_, obs) => { if (document.querySelector(sel)) {
                window.__t1 = performance.now(); obs.disconnect(); } })
              .observe(document.body, {childList: true, subtree: true});
            window.__t0 = performance.now(); }""", sel)
        if mode == "pagefind":
            pg.locator("input.ipa-search__input").fill(query)
        else:
            box = pg.locator("input.md-search__input")
            box.click()
            box.fill(query)
            box.press("End")
        pg.wait_for_selector(sel, state="attached", timeout=180_000)
        seconds = pg.evaluate("window.__t1 - window.__t0") / 1000
        href = pg.locator(sel).first.get_attribute("href")
        pg.wait_for_timeout(300)  # let the responses of the first render finish
        return {"query": query, "settle": settle, "seconds": round(seconds, 3), "bytes": sum(sizes),
                "requests": len(sizes), "first_href": href}
    finally:
        ctx.close()


def browser_search(site: Path, mode: str, queries=BROWSER_QUERIES) -> dict:
    """Time to the first search result and bytes fetched, in headless
    Chromium over http on 127.0.0.1 (``mode``: 'pagefind' or 'material')."""
    if not CHROMIUM.exists():
        return {"error": f"{CHROMIUM} missing"}
    httpd, base = background_server(site)
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            try:
                runs = [first_result(b, f"{base}/index.html", q, mode) for q in queries]
                idle = [first_result(b, f"{base}/index.html", q, mode, settle=True) for q in queries]
            finally:
                b.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return {"mode": mode, "runs": runs + idle, "median_s": statistics.median(r["seconds"] for r in runs),
            "median_idle_s": statistics.median(r["seconds"] for r in idle),
            "max_bytes": max(r["bytes"] for r in runs + idle)}


def _kind(rel_path: str) -> str:
    """What a site file is, for ``site_bytes``: a document's page, one of its
    downloads (by extension), a listing page, Pagefind's index, the rest."""
    parts = rel_path.split("/")
    if parts[0] == "notices" and len(parts) == 2 and rel_path.endswith(".html") and parts[1] != "index.html":
        return "document pages"
    if parts[:2] == ["data", "notices"]:
        name = parts[-1]
        return "download " + (".md.txt" if name.endswith(".md.txt") else Path(name).suffix)
    if parts[0] == "pagefind":
        return "pagefind " + (parts[1] if len(parts) > 2 else "other")
    if parts[0] == "search":
        return "search index"
    if parts[0] == "works" and len(parts) > 1 and parts[1] == "compare":
        return "comparison pages"
    if rel_path.endswith(".html"):
        return "listing and other pages"
    if parts[0] == "assets":
        return "assets"
    return "other"


def page_sizes(site: Path, documents: int = 0) -> dict:
    """Largest HTML pages (a page must not grow with the corpus), the largest
    listing page (every page but a document's own and a comparison: the
    document list and its pages, tags, timelines, works) against
    ``LIST_PAGE_BYTES``, the largest document page, and the site's bytes by
    kind (``site_bytes``) and per document (issue 29)."""
    sizes, by_kind = [], {}
    for f in site.rglob("*"):
        if not f.is_file():
            continue
        rel_path, size = f.relative_to(site).as_posix(), f.stat().st_size
        kind = _kind(rel_path)
        by_kind[kind] = by_kind.get(kind, 0) + size
        if rel_path.endswith(".html"):
            sizes.append((size, rel_path, kind))
    sizes.sort(reverse=True)

    def top(kinds: tuple[str, ...]) -> Optional[dict]:
        return next(({"page": p, "kb": round(b / 1024)} for b, p, k in sizes if k in kinds), None)

    total = sum(by_kind.values())
    out = {"largest": [{"page": p, "kb": round(b / 1024)} for b, p, _ in sizes[:5]],
           "largest_listing": top(("listing and other pages",)),
           "largest_document": top(("document pages",)),
           "listing_bound_kb": round(LIST_PAGE_BYTES / 1024),
           "site_bytes": dict(sorted(by_kind.items(), key=lambda kv: -kv[1]))}
    if documents:
        out["kb_per_document"] = round(total / documents / 1024, 1)
        out["kb_per_document_by_kind"] = {k: round(v / documents / 1024, 1) for k, v in out["site_bytes"].items()}
    return out


class PeakSampler:
    """Peak resident memory of every process of the build, per process:
    polls VmHWM in /proc for this process and its descendants (MkDocs,
    Pagefind, the forked indexer and workers) every ``interval`` seconds.
    ``peaks``: name -> MB, where name is 'build' or the child's command."""

    def __init__(self, interval: float = 0.25):
        self.interval, self.peaks = interval, {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def __enter__(self) -> "PeakSampler":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.sample()

    def loop(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        for pid, name in _descendants(os.getpid()):
            mb = _hwm_mb(pid)
            if mb > self.peaks.get(name, 0.0) and name != "?":  # "?": gone before it was read
                self.peaks[name] = mb


def _hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _descendants(root: int) -> list[tuple[int, str]]:
    """(pid, short name) of ``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
        words = [w.decode(errors="replace") for w in cmd if w]
        names[int(d.name)] = _short(words)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append((pid, "build" if pid == root else names.get(pid, "?")))
        todo += children.get(pid, [])
    return out


def _short(words: list[str]) -> str:
    if not words:
        return "?"
    if "build_tools.publish.mkdocs_run" in words:
        return "mkdocs"
    if "pagefind" in words[0]:
        return "pagefind"
    if "build_tools.cli" in words:
        return "cli"
    if "search.index" in words:
        return "index-writer"  # the CLI index's writer process (publish.site.write_in_process)
    return "fork:" + Path(words[0]).name  # forked workers and the index job keep our command line


def changed_copy(victim: Path, where: Path, round_no: int) -> Path:
    """A copy of ``victim`` with one sentence added, under ``where``, keeping
    its id (its sidecar copied, or one naming the id it was read with)."""
    where.mkdir(parents=True, exist_ok=True)
    out = where / victim.name
    data = victim.read_bytes()
    extra = f"附则修改后的一句话（第 {round_no + 1} 次）。".encode()
    if victim.suffix.lower() in (".html", ".htm") and b"</p>" in data:
        k = data.rfind(b"</p>")
        data = data[:k] + extra + data[k:]
    else:
        data = data + b"\n\n" + extra + b"\n"
    side = victim.with_suffix(".yml")
    if side.is_file():
        shutil.copyfile(side, out.with_suffix(".yml"))
    else:
        out.with_suffix(".yml").write_text(f"id: {load_notice(victim).id}\n", encoding="utf-8")
    out.write_bytes(data)
    return out


def scaled_files(files: list[Path], work: Path, scale: int) -> list[Path]:
    """``files`` plus, ``scale - 1`` times, each lawrefbook file again under
    another id (a copy differing by a trailing newline: its own auto id)."""
    out = list(files)
    for k in range(1, scale):
        for f in files:
            if "lawrefbook" not in f.parts:
                continue
            dest = work / f"scale-{k}" / f.relative_to(f.parents[1])
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(f.read_bytes() + b"\n" * k)
            out.append(dest)
    return out


def most_cited(docs: Path, files: list[Path]) -> Optional[Path]:
    """The source file of the document with the most citing clauses, read
    line by line from ``data/archive.json.gz`` (one document per line; gzipped
    since issue 29, an older build's ``archive.json`` too)."""
    best, best_n = None, -1
    by_name = {f.resolve().as_posix(): f for f in files}
    gz = docs / "data" / "archive.json.gz"
    with (gzip.open(gz, "rt", encoding="utf-8") if gz.is_file()
          else open(docs / "data" / "archive.json", encoding="utf-8")) as fh:
        for line in fh:
            line = line.strip().rstrip(",")
            if not line.startswith('{"id"'):
                continue
            d = json.loads(line)
            if len(d.get("cited_by") or []) > best_n:
                src = d.get("source_file") or ""
                hit = by_name.get(Path(src).resolve().as_posix()) or next(
                    (f for f in files if f.name == Path(src).name), None)
                if hit is not None:
                    best, best_n = hit, len(d["cited_by"])
    return best


def spread(values: list[float]) -> dict:
    return {"runs": [round(v, 2) for v in values], "median": round(statistics.median(values), 2),
            "min": round(min(values), 2), "max": round(max(values), 2)}


def calibration() -> float:
    """Seconds of a fixed pure-Python loop (20 million additions; median of
    3), so figures of machines (or hours) of unequal speed can be compared:
    one machine read 2.8 s at 05:03 and 1.3 s at 05:45 on 2026-12-02 (the
    host's load varies), and build figures scale with it."""
    def once() -> float:
        t0 = time.perf_counter()
        s = 0
        for i in range(20_000_000):
            s += i
        return time.perf_counter() - t0
    return round(statistics.median(once() for _ in range(3)), 2)


def settle() -> None:
    """Flush dirty pages to disk before a timed step (not timed itself)."""
    os.sync()


def clean_build_dirs(work: Path) -> None:
    for d in ("site", "docs", "cache", "index", "site-again"):
        shutil.rmtree(work / d, ignore_errors=True)


def run(limit: int | None, keep: bool, *, repeat: int = 1, scale: int = 1, browser: bool = True,
        rebuilds: bool = True, alone: bool = True) -> dict:
    shared = shared_dir()
    work = Path(tempfile.mkdtemp(prefix="iparchive-bench-"))
    out: dict = {"corpus": str(shared / "corpus"), "work": str(work), "repeat": repeat, "scale": scale,
                 "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus": os.cpu_count(),
                 "calibration_s": calibration()}
    try:
        files = scaled_files(corpus_files(shared, limit), work, scale)
        fulls, stage_runs = [], []
        for r in range(repeat):
            clean_build_dirs(work)
            paths = staged_paths(ROOT, work)
            settle()
            with PeakSampler() as peaks:
                t0 = time.perf_counter()
                rep = build_site(ROOT, paths=paths, files=files, require_sidecar=False, update_lock=False,
                                 progress=r == 0)
                fulls.append(time.perf_counter() - t0)
            stage_runs.append(rep.timings)
            if r == 0:
                out["peak_rss_mb"] = {k: round(v) for k, v in sorted(peaks.peaks.items())}
                out["build_peak_by_phase_mb"] = {k: round(v) for k, v in rep.peak_mb.items()}
            if paths.problems.exists():  # the work directory goes at the end
                (ROOT / "build").mkdir(exist_ok=True)
                shutil.copyfile(paths.problems, ROOT / "build" / "bench-problems.txt")
                out["problems_file"] = str(ROOT / "build" / "bench-problems.txt")
            if not rep.ok:
                out["error"] = [str(p) for p in rep.problems if p.level == "error"][:20]
                return out
        out["full_build_s"] = spread(fulls)
        out.update(documents=rep.notices, clauses=rep.clauses, files=len(files))
        out["stages_s"] = {k: round(statistics.median(t.get(k, 0) for t in stage_runs), 2) for k in rep.timings}
        ours = sum(out["stages_s"].get(k, 0) for k in ("read", "structure", "enrich", "write"))
        out["site_mb"] = _dir_size(paths.site) / 1e6
        out["browser_index_mb"] = (_dir_size(paths.site / "search") + _dir_size(paths.site / "pagefind")) / 1e6
        mode = read_stamp(paths.site).get("search", "material")
        out["search_mode"] = mode
        out["pages"] = page_sizes(paths.site, rep.notices)
        if browser:
            try:
                out["browser"] = browser_search(paths.site, mode)
            except Exception as e:  # a benchmark: report, do not stop
                out["browser"] = {"error": f"{type(e).__name__}: {e}"}
        out["whoosh_index_mb"] = _dir_size(paths.index) / 1e6  # name kept for older bench.json readers
        out["cli_index_backend"] = _index_backend(paths.index)
        if alone:  # mkdocs alone on the same generated Markdown
            alone_s = []
            for _ in range(repeat):
                settle()
                t0 = time.perf_counter()
                run_mkdocs(ROOT, work / "site-again", config=paths.config, search=mode)
                alone_s.append(time.perf_counter() - t0)
                shutil.rmtree(work / "site-again", ignore_errors=True)
            out["mkdocs_alone_s"] = spread(alone_s)
            out["ours_over_mkdocs"] = ours / out["mkdocs_alone_s"]["median"]
        if rebuilds:
            out["rebuild"] = rebuild_rounds(paths, files, work, repeat)
        out["search"] = search_latency(paths.index)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return out


def rebuild_rounds(paths, files: list[Path], work: Path, repeat: int) -> dict:
    """Rebuild after one changed document, for a notice (govcn2019), a law
    (lawrefbook) and the most-cited document, ``repeat`` times each; each
    rebuild follows the last one with exactly one more changed file.

    Each rebuild is a process of its own (``bench_rebuild``), timed from
    outside, as a user's ``make site`` after an edit: interpreter start and
    imports and exit included (about 1.2 s), and nothing of the full build left in memory
    (rebuilt in the process that had made the full build, the same code took
    2-3 s longer: its heap and caches made every fork and collection dearer)."""
    victims = {"notice": next((f for f in files if "govcn2019" in f.parts), None),
               "law": next((f for f in files if "lawrefbook" in f.parts and "scale-1" not in f.parts), None),
               "most_cited": most_cited(paths.docs, files)}
    current = list(files)
    spec, result = work / "rebuild-spec.pickle", work / "rebuild-report.json"
    builds: list[float] = []  # build_site's own time inside each rebuild process
    runs: dict[str, list[float]] = {}
    stages: dict[str, dict] = {}
    for r in range(repeat):
        for kind, victim in victims.items():
            if victim is None:
                continue
            changed = changed_copy(victim, work / "changed" / f"{kind}-{r}", r)
            current = [changed if (f == victim or f.name == victim.name and "changed" in f.parts) else f
                       for f in current]
            spec.write_bytes(pickle.dumps({"root": ROOT, "paths": paths, "files": current}))
            settle()
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "benchmarks.bench_rebuild", str(spec), str(result)],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runs.setdefault(kind, []).append(time.perf_counter() - t0)
            try:
                rep = json.loads(result.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                rep = {"ok": False, "timings": {}, "errors": ["重建进程没有写出报告"]}
            result.unlink(missing_ok=True)
            stages.setdefault(kind, dict(rep["timings"]))
            stages[kind].setdefault("pages_written", rep.get("pages_written"))
            stages[kind].setdefault("documents_made", rep.get("documents_made"))  # build.pagecache misses
            if "total" in rep["timings"]:
                builds.append(rep["timings"]["total"])
            if not rep["ok"]:
                stages[kind]["error"] = rep["errors"]
    every = [v for vs in runs.values() for v in vs]
    return {"victims": {k: str(v) for k, v in victims.items()}, "by_document": {k: spread(v) for k, v in runs.items()},
            "all": spread(every) if every else None, "build_site_s": spread(builds) if builds else None,
            "stages_s": stages,
            "dirty": bool(read_stamp(paths.site).get("dirty"))}


def table(r: dict) -> str:
    if "error" in r:
        return "构建失败：\n" + "\n".join(r["error"])

    def fig(d: dict) -> str:
        return f"{d['median']:.1f} s（{d['min']:.1f}–{d['max']:.1f}，{len(d['runs'])} 次）"

    rows = [("文件数", r["documents"]), ("条款数", r["clauses"]), ("重复次数 / 规模", f"{r['repeat']} / {r['scale']}×"),
            ("本机速度（2000 万次加法，秒）", r.get("calibration_s", "—"))]
    counts = ("pagefind_shards", "pagefind_reindexed", "pagefind_changes")  # counts, not seconds
    rows += [(f"阶段 {k}（中位数）", f"{v:.1f} s") for k, v in r["stages_s"].items() if k not in counts]
    rows += [("Pagefind 分片 / 本次重建的分片 / 改动页", " / ".join(str(int(r["stages_s"].get(k, 0))) for k in counts))]
    rows += [("全量构建（端到端）", fig(r["full_build_s"]))]
    if "mkdocs_alone_s" in r:
        rows += [("mkdocs build 单独", fig(r["mkdocs_alone_s"])), ("本项目各阶段 / mkdocs", f"{r['ours_over_mkdocs']:.2f}")]
    reb = r.get("rebuild") or {}
    for kind, d in (reb.get("by_document") or {}).items():
        rows.append((f"改动一个文件后重建（{kind}）", fig(d)))
    if reb.get("all"):
        rows.append(("改动一个文件后重建（全部）", fig(reb["all"])))
    if reb.get("build_site_s"):
        rows.append(("其中 build_site 本身（不含进程启动与导入）", fig(reb["build_site_s"])))
    rows += [("峰值内存（每个进程）", "，".join(f"{k} {v} MB" for k, v in r["peak_rss_mb"].items())),
             ("构建进程峰值（各阶段后）", "，".join(f"{k} {v}" for k, v in r["build_peak_by_phase_mb"].items())),
             ("网站大小", f"{r['site_mb']:.1f} MB"), ("浏览器检索索引", f"{r['browser_index_mb']:.1f} MB"),
             (f"命令行检索索引（{r.get('cli_index_backend', 'whoosh')}）", f"{r['whoosh_index_mb']:.1f} MB"),
             ("网页检索方式", r.get("search_mode", "material")),
             ("最大页面 / 最大列表页", _largest(r)),
             ("最大文件页 / 每件文件占网站", _per_document(r)),
             ("浏览器首个结果 中位数（Chromium）", _browser(r))]
    if "search" in r:
        rows += [("检索延迟（进程内）中位数 / p95", f"{r['search']['median_ms']:.1f} / {r['search']['p95_ms']:.1f} ms"),
                 ("iparchive search 整条命令 中位数", f"{r['search']['command_median_s']:.2f} s")]
    w = max(len(a) for a, _ in rows) + 2
    return "\n".join(f"{a:<{w}}{b}" for a, b in rows)


def _largest(r: dict) -> str:
    pages = r.get("pages") or {}
    top, listing = (pages.get("largest") or [{}])[0], pages.get("largest_listing") or {}
    return f"{top.get('kb', 0)} KB（{top.get('page', '—')}）/ {listing.get('kb', 0)} KB（{listing.get('page', '—')}）"


def _per_document(r: dict) -> str:
    pages = r.get("pages") or {}
    doc = pages.get("largest_document") or {}
    kinds = pages.get("kb_per_document_by_kind") or {}
    parts = "，".join(f"{k} {v}" for k, v in list(kinds.items())[:6])
    return (f"{doc.get('kb', 0)} KB（{doc.get('page', '—')}）/ {pages.get('kb_per_document', '—')} KB"
            + (f"（{parts}）" if parts else ""))


def _browser(r: dict) -> str:
    b = r.get("browser") or {}
    if "error" in b or not b:
        return b.get("error", "—")
    return (f"{b['median_s']:.2f} s（页面空闲后输入 {b['median_idle_s']:.2f} s），"
            f"最多下载 {b['max_bytes'] / 1e6:.2f} MB")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="知识产权政策文库规模基准")
    ap.add_argument("--limit", type=int, help="只取 lawrefbook 的 N 个文件")
    ap.add_argument("--keep", action="store_true", help="保留临时构建目录")
    ap.add_argument("--repeat", type=int, default=3, help="每项测量重复次数（报告中位数与范围；默认 3）")
    ap.add_argument("--scale", type=int, default=1, help="语料规模倍数：2 = 每个 lawrefbook 文件以另一个 id 再收录一次")
    ap.add_argument("--no-browser", action="store_true", help="不测浏览器检索")
    ap.add_argument("--no-rebuild", action="store_true", help="不测改动一个文件后的重建")
    ap.add_argument("--no-mkdocs-alone", action="store_true", help="不单独再跑一次 MkDocs（10x 时省十来分钟）")
    ap.add_argument("--out", type=Path, help="JSON 结果文件（默认 build/bench.json；--scale K 时 build/bench-Kx.json）")
    args = ap.parse_args(argv)
    if args.out is None:  # the 5x row (make bench-5x) does not overwrite the 1x figures
        args.out = ROOT / "build" / ("bench.json" if args.scale <= 1 else f"bench-{args.scale}x.json")
    r = run(args.limit, args.keep, repeat=max(1, args.repeat), scale=max(1, args.scale),
            browser=not args.no_browser, rebuilds=not args.no_rebuild,
          alone=not args.no_mkdocs_alone)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, ensure_ascii=False, indent=2), encoding="utf-8")
    print(table(r))
    return 0 if "error" not in r else 1


if __name__ == "__main__":
    sys.exit(main())
