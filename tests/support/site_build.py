"""Build a throw-away copy of the site (for tests and benchmarks).

Stages the docs with ``build_tools.pipeline.staged_paths``, writes the
generated pages with ``build_tools.build.render.write_docs`` and runs
``mkdocs build --strict``.  The real ``docs/`` and ``site/`` are untouched.
Adds an escape probe and a redirect so the tests can check both.

    .venv/bin/python -m support.site_build /tmp/x   # from tests/: the archive's own documents
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from build_tools.pipeline import enrich_stage, load_documents, staged_paths
from build_tools.publish.site import run_mkdocs
from build_tools.build.render import write_docs
from build_tools.publish import mkbuild
from build_tools.render.search_pages import iter_shard_pages, write_search_pages

from factories import clause, notice

from .loaders import real_notices

ROOT = Path(__file__).resolve().parent.parent.parent


def load_enrich_write(files, cache: Path, docs: Path):
    """``files`` loaded, enriched and written to ``docs`` (Pagefind mode) with
    ``cache`` as the build cache, as the build does them: (write stats, load result)."""
    res = load_documents(files, cache_dir=cache / "docs", prune_cache=True)
    _, enr = enrich_stage(res.notices, cache, keys=res.keys)
    stats = write_docs(res.notices, docs, site_url="https://ip.example.org", enrichment=enr, search="pagefind",
                       cache_dir=cache, load_keys=res.keys)
    return stats, res


def shard_pages_written(notices, src: Path, shards: int, doc_digests=None) -> tuple[dict, dict]:
    """``search_pages.iter_shard_pages`` (the build's one writer of the
    search pages) run to its end: (the paths written by shard, each shard's
    pages with their content digests)."""
    written, shas = {}, {}
    for k, w, d in iter_shard_pages(notices, src, shards, doc_digests):
        written[k], shas[k] = w, d
    return written, shas


PROBE_TEXT = "<script>window.__pwned=1</script> *星* | [链接](http://x.invalid) # 标题 {#x} _下_ `码`"


def build(work: Path, notices, *, site_url: str = "", search: str | None = None, **kw) -> dict:
    """Write + mkdocs build into ``work/site``; returns timings.

    ``search``: 'material', 'pagefind' (also runs Pagefind on the site) or
    None (by size, ``build_tools.render.site_mode.search_mode``)."""
    work.mkdir(parents=True, exist_ok=True)
    paths = staged_paths(ROOT, work)
    t0 = time.perf_counter()
    stats = write_docs(notices, paths.docs, site_url=site_url, search=search, **kw)
    t1 = time.perf_counter()
    run_mkdocs(ROOT, paths.site, config=paths.config, search=stats.search)
    t2 = time.perf_counter()
    if stats.search == "pagefind":
        write_search_pages(notices, work / "pagefind-src")
        mkbuild.pagefind_wait(mkbuild.pagefind_start(work / "pagefind-src", work / "bundle"), work / "bundle")
        mkbuild.pagefind_install(work / "bundle", paths.site)
    t3 = time.perf_counter()
    return {"stats": stats, "write_s": t1 - t0, "mkdocs_s": t2 - t1, "pagefind_s": t3 - t2,
            "site": paths.site, "docs": paths.docs, "paths": paths}


def escape_probe():
    """A document whose text is full of markup, to prove it is shown as text."""
    return notice("zz-escape-probe", title="转义测试文件", issuer=["测试"], date_written="2001-01-01",
                  region="全国", clauses=[clause("s1", "一、转义测试", children=[clause("s1-1", PROBE_TEXT)])])


SHARED: dict[str, dict] = {}


def shared_site(work: Path) -> dict:
    """Build once per process (tests in several modules share it).

    Uses the real pipeline on the archive's own source_texts/ (with its
    Enrichment, as ``make site``), plus the escape probe and one redirect.
    """
    key = str(work)
    if key not in SHARED:
        notices, enrichment = real_notices()
        notices = notices + [escape_probe()]
        res = build(work, notices, enrichment=enrichment,
                    redirects={notices[0].id: {"old-anchor": next(notices[0].walk()).id}})
        res["notices"] = notices
        SHARED[key] = res
    return SHARED[key]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/iparchive-demo")
    notices, enrichment = real_notices()
    res = build(out, notices, enrichment=enrichment)
    print(res["stats"], f"write {res['write_s']:.2f}s, mkdocs {res['mkdocs_s']:.2f}s -> {res['site']}")
