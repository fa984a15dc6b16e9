"""The pipeline: read -> structure -> enrich -> write (pages, index).

Each stage lives in its own module; this one only wires them together and
keeps the rules of the build:

* one bad document never stops the others: it is reported (file:line) and
  left out, unless it was already published (it is in anchors.lock), in which
  case the build fails rather than silently removing its pages;
* a document whose clauses do not conserve its body is never published;
* the site is built into a temporary directory and swapped in only when
  ``mkdocs build --strict`` succeeded, so a failed build never destroys the
  last good site.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from . import anchors
from .errors import SourceError
from .metadata import load_notice
from .models import Notice, Problem
from .sidecar import SidecarError
from .structure import conservation_error, parse_structure

SOURCE_SUFFIXES = {".txt", ".html", ".htm", ".md", ".text"}
CACHE_VERSION = "1"


@dataclass
class Paths:
    root: Path
    sources: Path
    docs: Path
    site: Path
    index: Path
    cache: Path
    config: Path

    @property
    def problems(self) -> Path:
        """Every problem of the last build (the console shows the first warnings)."""
        return self.cache / "problems.txt"

    @classmethod
    def at(cls, root: Path, **over) -> "Paths":
        root = Path(root)
        base = dict(root=root, sources=root / "source_texts", docs=root / "docs", site=root / "site",
                    index=root / "search" / "index", cache=root / "build" / "cache", config=root / "mkdocs.yml")
        base.update({k: Path(v) for k, v in over.items() if v is not None})
        return cls(**base)


@dataclass
class LoadResult:
    notices: list[Notice]
    problems: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


def source_files(directory: Path) -> list[Path]:
    """Raw documents in a source directory (sidecars, lock files and README excluded)."""
    out = []
    for p in sorted(Path(directory).rglob("*")):
        if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES and p.name != "_index.md" and not p.name.startswith(("README", ".")):
            out.append(p)
    return out


def _structure(notice: Notice) -> list[Problem]:
    res = parse_structure(notice.body, notice.kind, notice.title)
    notice.clauses = res.clauses

    def src_line(line: Optional[int]) -> Optional[int]:
        return notice.line_map[line - 1] if line and 0 < line <= len(notice.line_map) else line

    probs = [Problem(notice.source_file, src_line(line), "warning", msg) for line, msg in res.warnings]
    lost = conservation_error(notice.body, res.clauses)
    if lost is not None:
        probs.append(Problem(notice.source_file, src_line(lost.line), "error",
                             f"条款切分丢失或重复了正文文字（守恒检查失败：{lost.message}），该文件不予发布"))
    return probs


@functools.lru_cache(maxsize=1)
def _stage_digest() -> bytes:
    """The read/structure stage modules: a change to any of them invalidates the cache."""
    h = hashlib.sha1(CACHE_VERSION.encode())
    for mod in ("models", "read", "metadata", "sidecar", "docnumber", "structure", "regions"):
        f = Path(__file__).with_name(f"{mod}.py")
        if f.exists():
            h.update(f.read_bytes())
    return h.digest()


def _cache_key(path: Path) -> str:
    h = hashlib.sha1(_stage_digest())
    h.update(path.read_bytes())
    side = path.with_suffix(".yml")
    if side.exists():
        h.update(side.read_bytes())
    return h.hexdigest()


def _load_one(path: Path, require_sidecar: bool, cache_dir: Optional[Path], structure: bool):
    """read + metadata + structure of one file -> (notice | None, problems, seconds read, seconds structure).

    Runs in a worker process for large batches; results are cached by the
    content hash of the file, its sidecar and the stage modules."""
    try:
        key = _cache_key(path) if cache_dir else None
    except OSError:  # unreadable: load_notice reports it
        key = None
    if key:
        cf = Path(cache_dir) / f"{key}.pickle"
        if cf.exists():
            try:
                notice, probs = pickle.loads(cf.read_bytes())
                return notice, probs, 0.0, 0.0, key
            except Exception:
                pass
    t0 = time.perf_counter()
    try:
        notice = load_notice(path)
        if require_sidecar and not path.with_suffix(".yml").exists():
            raise SidecarError(path.with_suffix(".yml"), f"缺少 sidecar：请运行 iparchive add {path} 为它分配永久 id")
    except SourceError as e:
        return None, [Problem.from_error(e)], time.perf_counter() - t0, 0.0, key
    except Exception as e:  # a parser bug must not stop the other documents
        return None, [Problem(str(path), None, "error", f"内部错误：{type(e).__name__}: {e}")], time.perf_counter() - t0, 0.0, key
    t1 = time.perf_counter()
    probs: list[Problem] = []
    if structure:
        try:
            probs = _structure(notice)
        except Exception as e:
            probs = [Problem(str(path), None, "error", f"条款切分内部错误：{type(e).__name__}: {e}")]
    for p in probs:
        if p.file == notice.source_file:
            p.file = str(path)
    t2 = time.perf_counter()
    if key:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp = Path(cache_dir) / f"{key}.{os.getpid()}.tmp"
        tmp.write_bytes(pickle.dumps((notice, probs)))
        tmp.replace(Path(cache_dir) / f"{key}.pickle")
    return notice, probs, t1 - t0, t2 - t1, key


def _prune_cache(cache_dir: Path, keep: set[str]) -> None:
    """Delete cached documents this build did not use (edited or removed
    files); the cache then holds one entry per current file."""
    for f in Path(cache_dir).glob("*.pickle"):
        if f.stem not in keep:
            f.unlink(missing_ok=True)


PARALLEL_MIN = 1000  # documents; below this a worker pool costs more than it saves


def load_documents(paths: Iterable[Path], *, require_sidecar: bool = False, cache_dir: Optional[Path] = None,
                   progress: bool = False, structure: bool = True, workers: Optional[int] = None,
                   prune_cache: bool = False) -> LoadResult:
    """read + metadata + structure for each file; problems collected, never raised.

    Large batches run on all cores (``workers``, default os.cpu_count()).
    Results keep the order of ``paths``; the first of two documents with the
    same id wins and the second is reported.  Parsed documents are cached in
    ``cache_dir`` by content hash; ``prune_cache`` (a whole-archive build)
    then drops the entries no current file uses.
    """
    paths = [Path(p) for p in paths]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(paths) >= PARALLEL_MIN:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(workers)
        results = pool.map(_load_one, paths, [require_sidecar] * len(paths), [cache_dir] * len(paths),
                           [structure] * len(paths), chunksize=16)
    else:
        pool = None
        results = (_load_one(p, require_sidecar, cache_dir, structure) for p in paths)
    if progress:
        from tqdm import tqdm

        results = tqdm(results, total=len(paths), desc="读取与切分", unit="件", file=sys.stderr)
    notices: list[Notice] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    t_read = t_struct = 0.0
    used: set[str] = set()
    try:
        for path, (notice, probs, tr, ts, key) in zip(paths, results):
            if key:
                used.add(key)
            t_read += tr
            t_struct += ts
            problems.extend(probs)
            if notice is None or any(p.level == "error" for p in probs):
                continue
            if notice.id in seen:
                if notice.basis.get("id") == "auto" and Path(seen[notice.id]).read_bytes() == path.read_bytes():
                    problems.append(Problem(str(path), None, "warning", f"与 {seen[notice.id]} 内容完全相同（重复文件），只收录一份"))
                else:
                    problems.append(Problem(str(path), None, "error", f"id {notice.id!r} 与 {seen[notice.id]} 重复：每个文件的 id 必须唯一，请修改其中一个 sidecar"))
                continue
            seen[notice.id] = str(path)
            notices.append(notice)
    finally:
        if pool is not None:
            pool.shutdown()
    if cache_dir and prune_cache:
        _prune_cache(cache_dir, used)
    # with a pool, per-file seconds add up across cores: report CPU seconds
    return LoadResult(notices, problems, {"read": t_read, "structure": t_struct})


# ------------------------------------------------------------------ site

def staged_paths(root: Path, work: Path) -> Paths:
    """Paths for a build outside the project (benchmarks, tests): copies the
    hand-written docs into ``work/docs`` and writes ``work/mkdocs.yml`` with
    absolute paths back into the project for the theme overrides and hooks.

    Generated pages already in ``work/docs`` are kept (with their mtimes), so
    a second staging does not defeat incremental rebuilds."""
    import yaml
    from .write import GENERATED_DIRS, GENERATED_FILES

    root, work = Path(root).resolve(), Path(work).resolve()
    docs = work / "docs"
    skip = set(GENERATED_DIRS) | set(GENERATED_FILES)
    if docs.exists():
        for child in docs.iterdir():
            if child.name not in skip:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    docs.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root / "docs", docs, dirs_exist_ok=True,
                    ignore=lambda d, names: [n for n in names if Path(d) == root / "docs" and n in skip])
    cfg = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    cfg["docs_dir"] = str(docs)
    cfg["site_dir"] = str(work / "site")
    cfg["theme"]["custom_dir"] = str(root / cfg["theme"].get("custom_dir", "overrides"))
    cfg["hooks"] = [str(root / h) for h in cfg.get("hooks", [])]
    for plugin in cfg.get("plugins", []):
        if isinstance(plugin, dict) and isinstance(plugin.get("search"), dict) and plugin["search"].get("jieba_dict_user"):
            plugin["search"]["jieba_dict_user"] = str(root / plugin["search"]["jieba_dict_user"])
    config = work / "mkdocs.yml"
    text = yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False)
    if not config.is_file() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    return Paths(root=root, sources=work / "source_texts", docs=docs, site=work / "site",
                 index=work / "index", cache=work / "cache", config=config)


def run_mkdocs(root: Path, site_dir: Path, *, config: Optional[Path] = None, search: str = "material",
               dirty: bool = False) -> None:
    """``mkdocs build --strict`` into ``site_dir`` (raises RuntimeError with
    mkdocs' output), through ``build_tools.write.mkbuild``: ``search`` is
    'material' (Material's search + offline plugins, works from file://) or
    'pagefind' (large archives: those plugins off, our Pagefind search box;
    index it with ``mkbuild.pagefind_start``); ``dirty`` renders only pages
    whose Markdown is newer than their HTML already in ``site_dir``."""
    cfg = config or root / "mkdocs.yml"
    cmd = [sys.executable, "-m", "build_tools.write.mkbuild", "-f", str(cfg), "-d", str(site_dir), "--search", search]
    if dirty:
        cmd.append("--dirty")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                                  os.environ.get("PYTHONPATH")])))
    r = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"mkdocs build 失败：\n{r.stdout}\n{r.stderr}")


FORK_INDEX_MIN = 1000  # documents; smaller archives index in-process after the site


def _index_child(notices: list[Notice], index_dir: Path, out: Path) -> None:
    """Forked child: build the command-line index, leave its summary in ``out``."""
    from search.index import build_index

    t0 = time.perf_counter()
    stats = build_index(notices, index_dir, progress=False)
    out.write_text(json.dumps({"summary": stats.summary(), "seconds": time.perf_counter() - t0},
                              ensure_ascii=False), encoding="utf-8")


class _IndexJob:
    """The command-line index built beside MkDocs in a forked process, into a
    copy of the current index that replaces it only if the site build
    succeeds (a failed build leaves site and index as they were)."""

    def __init__(self, notices: list[Notice], index_dir: Path):
        import multiprocessing

        self.final = index_dir
        self.tmp = index_dir.with_name(index_dir.name + ".tmp")
        self.out = index_dir.with_name(index_dir.name + ".result.json")
        for d in (self.tmp, self.out):
            if d.is_dir():
                shutil.rmtree(d)
            elif d.exists():
                d.unlink()
        if index_dir.is_dir():
            shutil.copytree(index_dir, self.tmp)
        self.proc = multiprocessing.get_context("fork").Process(
            target=_index_child, args=(notices, self.tmp, self.out), daemon=True)
        self.proc.start()

    def cancel(self) -> None:
        self.proc.kill()
        self.proc.join()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.out.unlink(missing_ok=True)

    def finish(self) -> dict:
        """Wait, swap the new index in; raises RuntimeError if the child failed."""
        self.proc.join()
        try:
            if self.proc.exitcode != 0 or not self.out.exists():
                raise RuntimeError(f"命令行检索索引构建失败（子进程退出码 {self.proc.exitcode}）；原索引保持不变")
            res = json.loads(self.out.read_text(encoding="utf-8"))
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        finally:
            self.out.unlink(missing_ok=True)
        swap_in(self.tmp, self.final)
        return res


def swap_in(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` with the old one kept until the new one is in place."""
    old = final.with_name(final.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)


def check_archive(root: Path) -> list[Problem]:
    """Everything ``iparchive check`` reports: sources, sidecars, ids, anchors."""
    from .sidecar import Sidecar, validate
    import yaml

    paths = Paths.at(root)
    problems: list[Problem] = []
    files = source_files(paths.sources)
    # sidecars: report every error (not only the first) with its line
    for side in sorted(paths.sources.glob("*.yml")):
        if side.name == "redirects.yml":
            continue
        if not any(f.with_suffix(".yml") == side for f in files):
            problems.append(Problem(str(side), None, "warning", "sidecar 没有对应的原始文件"))
            continue
        try:
            text = side.read_text(encoding="utf-8")
            node = yaml.compose(text)
            values = yaml.safe_load(text)
        except (yaml.YAMLError, UnicodeDecodeError):
            continue  # load_documents reports it with its line
        if isinstance(values, dict) and isinstance(node, yaml.MappingNode):
            lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
            for line, msg in validate(Sidecar(side, values, lines))[1:]:
                problems.append(Problem(str(side), line, "error", msg))
    res = load_documents(files, require_sidecar=True)
    problems.extend(res.problems)
    problems.extend(_anchor_problems(paths, res, update=False))
    return problems


def _anchor_problems(paths: Paths, res: LoadResult, *, update: bool) -> list[Problem]:
    lock_path = paths.sources / "anchors.lock"
    redirects_path = paths.sources / "redirects.yml"
    probs: list[Problem] = []
    try:
        lock = anchors.load_lock(lock_path)
        redirects = anchors.load_redirects(redirects_path)
    except anchors.AnchorError as e:
        return [Problem.from_error(e)]
    report = anchors.check_anchors(res.notices, lock, redirects)
    for item in report.errors:
        probs.append(Problem(str(lock_path), None, "error", str(item)))
    for item in report.warnings:
        probs.append(Problem(str(lock_path), None, "warning", str(item)))
    if update and not report.errors:
        anchors.update_lock(lock_path, res.notices, report)
    return probs


@dataclass
class BuildReport:
    notices: int = 0
    clauses: int = 0
    problems: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    ok: bool = False


def enrich_stage(notices: list[Notice], cache_dir: Optional[Path] = None) -> tuple[dict[str, float], dict]:
    """Themes, references, goals, targets, related documents.

    The term vectors of ``related_documents`` (jieba, the slow part) are kept
    in ``cache_dir/related-terms.pickle`` between builds."""
    from .enrich import enrich, related_documents

    timings = enrich(notices)
    t0 = time.perf_counter()
    cache_file = Path(cache_dir) / "related-terms.pickle" if cache_dir else None
    cache: dict = {}
    if cache_file and cache_file.exists():
        try:
            cache = pickle.loads(cache_file.read_bytes())
        except Exception:
            cache = {}
    before = set(cache)
    related = related_documents(notices, cache=cache)
    if cache_file and set(cache) != before:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_bytes(pickle.dumps(cache))
    timings["related"] = time.perf_counter() - t0
    return timings, related


def build_site(root: Path, *, paths: Optional[Paths] = None, progress: bool = True, index: bool = True,
               site_url: str = "", files: Optional[list[Path]] = None, require_sidecar: bool = True,
               update_lock: bool = True, log: Callable[[str], None] | None = None) -> BuildReport:
    """The whole build: load -> anchors -> enrich -> write docs -> mkdocs -> swap -> index."""
    from .write import linkcheck, write_docs

    say = log or (lambda s: print(s, file=sys.stderr))
    paths = paths or Paths.at(root)
    rep = BuildReport()
    t_all = time.perf_counter()
    res = load_documents(files if files is not None else source_files(paths.sources),
                         require_sidecar=require_sidecar, cache_dir=paths.cache / "docs",
                         progress=progress, prune_cache=True)
    rep.timings.update(res.timings)
    rep.problems.extend(res.problems)
    notices = res.notices

    # permanence: a published clause id may never silently disappear
    lock_path = paths.sources / "anchors.lock"
    redirects_path = paths.sources / "redirects.yml"
    try:
        lock = anchors.load_lock(lock_path) if update_lock else {}
        redirects = anchors.load_redirects(redirects_path) if update_lock else {}
    except anchors.AnchorError as e:
        rep.problems.append(Problem.from_error(e))
        return _finish(rep, say, "锚点文件无法读取，未构建", paths.problems)
    report = anchors.check_anchors(notices, lock, redirects)
    for item in report.warnings:
        rep.problems.append(Problem(str(lock_path), None, "warning", str(item)))
    if report.errors:
        for item in report.errors:
            rep.problems.append(Problem(str(lock_path), None, "error", str(item)))
        return _finish(rep, say, "已发布的条款锚点会丢失，构建中止；现有网站保持不变", paths.problems)

    step = (lambda s: say(f"[{time.perf_counter() - t_all:6.1f} s] {s}")) if progress else (lambda s: None)
    step(f"丰富：主题、引用、目标与相关文件（{len(notices)} 件）…")
    t0 = time.perf_counter()
    timings, related = enrich_stage(notices, paths.cache)
    rep.timings["enrich"] = time.perf_counter() - t0

    from .write import GENERATED_DIRS, mkbuild, search_mode
    from .write.search_pages import write_search_pages

    try:
        mode = search_mode(notices)
    except ValueError as e:
        rep.problems.append(Problem("环境变量", None, "error", str(e)))
        return _finish(rep, say, "网页检索方式设置有误，未构建", paths.problems)
    tmp = paths.site.with_name(paths.site.name + ".tmp")
    bundle = paths.site.with_name(paths.site.name + ".pagefind.tmp")
    for d in (tmp, bundle):
        if d.exists():
            shutil.rmtree(d)
    # large archives: Pagefind indexes minimal pages written from the notices
    # while we write the Markdown and MkDocs builds (it needs neither)
    indexer = None
    t_index = time.perf_counter()
    if mode == "pagefind":
        write_search_pages(notices, paths.cache / "pagefind-src")
        indexer = mkbuild.pagefind_start(paths.cache / "pagefind-src", bundle)

    job = None

    def abandon() -> None:
        """Stop the side jobs and drop the half-built site: the last good one stays."""
        if indexer and indexer.poll() is None:
            indexer.kill()
            indexer.wait()
        if job:
            job.cancel()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(bundle, ignore_errors=True)

    step("写出 Markdown 页面…" + ("（Pagefind 同时建网页检索索引）" if indexer else ""))
    t0 = time.perf_counter()
    try:
        stats = write_docs(notices, paths.docs, site_url=site_url, related=related, redirects=redirects, search=mode)
    except BaseException:
        abandon()
        raise
    rep.timings["write"] = time.perf_counter() - t0

    # large archives: the command-line index is built beside MkDocs
    if index and len(notices) >= FORK_INDEX_MIN:
        t_job = time.perf_counter()
        job = _IndexJob(notices, paths.index)

    t0 = time.perf_counter()
    # ... and re-renders only changed pages, on a hard-linked copy of the
    # last good site (MkDocs replaces files, never writes through links)
    key = mkbuild.stamp_key(paths.config, mode)
    dirty = mode == "pagefind" and paths.site.is_dir() and mkbuild.read_stamp(paths.site).get("key") == key
    if dirty:
        mkbuild.link_copy(paths.site, tmp)
        (tmp / mkbuild.STAMP).unlink(missing_ok=True)
        mkbuild.prune_stale(tmp, paths.docs, GENERATED_DIRS)
    step(f"mkdocs build（{'只重新生成改动的页面' if dirty else '全部页面'}）…")
    try:
        run_mkdocs(paths.root, tmp, config=paths.config, search=mode, dirty=dirty)
    except RuntimeError as e:
        abandon()
        rep.problems.append(Problem("mkdocs.yml", None, "error", str(e)))
        return _finish(rep, say, "mkdocs 构建失败；现有网站保持不变", paths.problems)
    rep.timings["mkdocs"] = time.perf_counter() - t0
    step("检查站内链接与锚点…")
    t1 = time.perf_counter()
    broken = linkcheck(tmp, cache=paths.cache / "linkcheck.pickle")
    rep.timings["linkcheck"] = time.perf_counter() - t1
    failure = None
    if indexer:
        step("等待 Pagefind 索引完成…")
        try:
            mkbuild.pagefind_wait(indexer, bundle)
            mkbuild.pagefind_install(bundle, tmp)
        except RuntimeError as e:
            rep.problems.append(Problem(str(bundle), None, "error", str(e)))
            failure = "Pagefind 检索索引构建失败；现有网站保持不变"
        rep.timings["pagefind"] = time.perf_counter() - t_index  # ran beside write, mkdocs and the link check
    if broken:
        for b in broken[:50]:
            rep.problems.append(Problem(str(tmp), None, "error", f"站内链接失效：{b}"))
        failure = f"{len(broken)} 个站内链接或锚点失效；现有网站保持不变"
    if failure:
        abandon()
        return _finish(rep, say, failure, paths.problems)
    mkbuild.write_stamp(tmp, key=key, search=mode, dirty=dirty, documents=len(notices))
    swap_in(tmp, paths.site)
    if update_lock:
        anchors.update_lock(lock_path, notices, report)

    if job:
        step("等待命令行检索索引完成…")
        try:
            res = job.finish()
            rep.timings["index"] = time.perf_counter() - t_job  # ran beside MkDocs
            say(f"命令行检索{res['summary']}")
        except RuntimeError as e:
            rep.problems.append(Problem(str(paths.index), None, "error", str(e)))
    elif index:
        from search.index import build_index

        t0 = time.perf_counter()
        istats = build_index(notices, paths.index, progress=progress)
        rep.timings["index"] = time.perf_counter() - t0
        say(f"命令行检索{istats.summary()}")
    rep.notices = len(notices)
    rep.clauses = sum(1 for n in notices for _ in n.walk())
    rep.timings["total"] = time.perf_counter() - t_all
    rep.ok = True
    say(f"网站已生成：{paths.site}（{stats}）")
    return _finish(rep, say, None, paths.problems)


MAX_WARNINGS_SHOWN = 30


def _finish(rep: BuildReport, say, failure: Optional[str], report_file: Optional[Path] = None) -> BuildReport:
    """Print the problems: every error; warnings up to MAX_WARNINGS_SHOWN,
    all of them in ``report_file`` (a large corpus has thousands)."""
    warnings = 0
    for p in rep.problems:
        if p.level != "error":
            warnings += 1
            if warnings > MAX_WARNINGS_SHOWN:
                continue
        say(str(p))
    if report_file is not None:
        try:
            report_file.parent.mkdir(parents=True, exist_ok=True)
            report_file.write_text("".join(f"{p}\n" for p in rep.problems), encoding="utf-8")
        except OSError:
            report_file = None
    if warnings > MAX_WARNINGS_SHOWN:
        where = f"，全部问题见 {report_file}" if report_file else ""
        say(f"……另有 {warnings - MAX_WARNINGS_SHOWN} 条警告未显示{where}")
    if failure:
        say(f"构建失败：{failure}")
        rep.ok = False
    errors = sum(1 for p in rep.problems if p.level == "error")
    if errors and rep.ok:
        say(f"注意：{errors} 个文件有错误，未收录（见上）")
    return rep
