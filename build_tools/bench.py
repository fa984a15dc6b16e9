"""``make bench``: build the whole real corpus into a temporary directory and
report where the time goes.  A benchmark, not a test: nothing is asserted.

Corpus: ../shared/corpus/lawrefbook (3,472 files), govcn2019 (43 pages) and
the seeds.  Output: one table on stdout, the same figures as JSON in
``build/bench.json``.  ``--limit N`` builds a smaller slice (for a quick look).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .pipeline import build_site, run_mkdocs, source_files, staged_paths

ROOT = Path(__file__).resolve().parent.parent

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


def _peak_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def corpus_files(shared: Path, limit: int | None) -> list[Path]:
    files = sorted(p for p in (shared / "corpus" / "lawrefbook").rglob("*.md") if p.name != "_index.md")
    if limit:
        random.Random(7).shuffle(files)
        files = sorted(files[:limit])
    files += sorted((shared / "corpus" / "govcn2019").glob("*.html"))
    files += source_files(ROOT / "source_texts")
    return files


def _split_query(q: str) -> tuple[str, list[str]]:
    parts = q.split(" --")
    args = []
    for extra in parts[1:]:
        k, v = extra.split(" ", 1)
        args += [f"--{k}", v]
    return parts[0], args


def search_latency(index_dir: Path) -> dict:
    from search.query import search

    lat = []
    for q in QUERIES:
        text, args = _split_query(q)
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
        text, args = _split_query(q)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "build_tools.cli", "search", text, "--index", str(index_dir), "--limit", "20", *args],
                       cwd=ROOT, capture_output=True, text=True)
        cmd_times.append(time.perf_counter() - t0)
    lat.sort()
    return {"queries": len(lat), "median_ms": statistics.median(lat), "p95_ms": lat[int(len(lat) * 0.95) - 1],
            "command_median_s": statistics.median(cmd_times)}


def run(limit: int | None, keep: bool) -> dict:
    shared = Path(os.environ.get("IPARCHIVE_SHARED", ROOT.parent / "shared"))
    work = Path(tempfile.mkdtemp(prefix="iparchive-bench-"))
    out: dict = {"corpus": str(shared / "corpus"), "work": str(work)}
    try:
        files = corpus_files(shared, limit)
        paths = staged_paths(ROOT, work)
        t0 = time.perf_counter()
        rep = build_site(ROOT, paths=paths, files=files, require_sidecar=False, update_lock=False, progress=True)
        out["full_build_s"] = time.perf_counter() - t0
        if not rep.ok:
            out["error"] = [str(p) for p in rep.problems if p.level == "error"][:20]
            return out
        out.update(documents=rep.notices, clauses=rep.clauses, files=len(files))
        out["stages_s"] = {k: round(v, 2) for k, v in rep.timings.items()}
        ours = sum(rep.timings.get(k, 0) for k in ("read", "structure", "enrich", "write"))
        out["site_mb"] = _dir_size(paths.site) / 1e6
        out["browser_index_mb"] = _dir_size(paths.site / "search") / 1e6
        out["whoosh_index_mb"] = _dir_size(paths.index) / 1e6
        # mkdocs alone on the same generated Markdown
        t0 = time.perf_counter()
        run_mkdocs(ROOT, work / "site-again", config=paths.config)
        out["mkdocs_alone_s"] = time.perf_counter() - t0
        out["ours_over_mkdocs"] = ours / out["mkdocs_alone_s"]
        shutil.rmtree(work / "site-again", ignore_errors=True)
        # rebuild after one document changes
        victim = next(f for f in files if "lawrefbook" in str(f))
        changed = work / "changed" / victim.name
        changed.parent.mkdir(parents=True, exist_ok=True)
        changed.write_bytes(victim.read_bytes() + "\n\n附则修改后的一句话。\n".encode())
        files2 = [changed if f == victim else f for f in files]
        t0 = time.perf_counter()
        rep2 = build_site(ROOT, paths=paths, files=files2, require_sidecar=False, update_lock=False, progress=False)
        out["rebuild_one_changed_s"] = time.perf_counter() - t0
        out["rebuild_stages_s"] = {k: round(v, 2) for k, v in rep2.timings.items()}
        out["search"] = search_latency(paths.index)
        me, kids = _peak_mb()
        out["peak_rss_mb"] = {"build_process": round(me), "children_mkdocs": round(kids)}
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return out


def table(r: dict) -> str:
    if "error" in r:
        return "构建失败：\n" + "\n".join(r["error"])
    rows = [("文件数", r["documents"]), ("条款数", r["clauses"])]
    rows += [(f"阶段 {k}", f"{v:.1f} s") for k, v in r["stages_s"].items()]
    rows += [("全量构建（端到端）", f"{r['full_build_s']:.1f} s"), ("mkdocs build 单独", f"{r['mkdocs_alone_s']:.1f} s"),
             ("本项目各阶段 / mkdocs", f"{r['ours_over_mkdocs']:.2f}"),
             ("改动一个文件后重建", f"{r['rebuild_one_changed_s']:.1f} s"),
             ("峰值内存（构建进程 / mkdocs 子进程）", f"{r['peak_rss_mb']['build_process']} / {r['peak_rss_mb']['children_mkdocs']} MB"),
             ("网站大小", f"{r['site_mb']:.1f} MB"), ("浏览器检索索引", f"{r['browser_index_mb']:.1f} MB"),
             ("Whoosh 索引", f"{r['whoosh_index_mb']:.1f} MB"),
             ("检索延迟（进程内）中位数 / p95", f"{r['search']['median_ms']:.1f} / {r['search']['p95_ms']:.1f} ms"),
             ("iparchive search 整条命令 中位数", f"{r['search']['command_median_s']:.2f} s")]
    w = max(len(a) for a, _ in rows) + 2
    return "\n".join(f"{a:<{w}}{b}" for a, b in rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="知识产权政策文库规模基准")
    ap.add_argument("--limit", type=int, help="只取 lawrefbook 的 N 个文件")
    ap.add_argument("--keep", action="store_true", help="保留临时构建目录")
    args = ap.parse_args(argv)
    r = run(args.limit, args.keep)
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "bench.json").write_text(json.dumps(r, ensure_ascii=False, indent=2), encoding="utf-8")
    print(table(r))
    return 0 if "error" not in r else 1


if __name__ == "__main__":
    sys.exit(main())
