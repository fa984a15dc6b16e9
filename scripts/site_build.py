"""Build a throw-away copy of the site (for tests and benchmarks).

Copies the hand-written docs and the vendored assets into ``work/docs``,
writes the generated pages with ``build_tools.write.write_docs``, stages a
copy of mkdocs.yml pointing at absolute paths, and runs
``mkdocs build --strict``.  The real ``docs/`` and ``site/`` are untouched.

    python scripts/site_build.py /tmp/x        # demo notices from the seeds
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build_tools.write import GENERATED_DIRS, GENERATED_FILES, write_docs  # noqa: E402


def stage(work: Path) -> Path:
    """Copy hand-written docs + a patched mkdocs.yml into ``work``; return the config."""
    docs = work / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    skip = set(GENERATED_DIRS) | set(GENERATED_FILES)
    shutil.copytree(ROOT / "docs", docs, ignore=lambda d, names: [
        n for n in names if Path(d) == ROOT / "docs" and n in skip])
    cfg = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    cfg["docs_dir"] = str(docs)
    cfg["site_dir"] = str(work / "site")
    cfg["theme"]["custom_dir"] = str(ROOT / "overrides")
    for plugin in cfg["plugins"]:
        if isinstance(plugin, dict) and "search" in plugin:
            plugin["search"]["jieba_dict_user"] = str(ROOT / plugin["search"]["jieba_dict_user"])
    path = work / "mkdocs.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build(work: Path, notices, *, site_url: str = "", **kw) -> dict:
    """Write + mkdocs build into ``work/site``; returns timings and logs."""
    work.mkdir(parents=True, exist_ok=True)
    cfg = stage(work)
    t0 = time.perf_counter()
    stats = write_docs(notices, work / "docs", site_url=site_url, **kw)
    t1 = time.perf_counter()
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "mkdocs"), "build", "--strict", "-q",
                           "-f", str(cfg), "-d", str(work / "site")],
                          cwd=ROOT, capture_output=True, text=True)
    t2 = time.perf_counter()
    if proc.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{proc.stdout}\n{proc.stderr}")
    return {"stats": stats, "write_s": t1 - t0, "mkdocs_s": t2 - t1, "log": proc.stderr,
            "site": work / "site", "docs": work / "docs"}


if __name__ == "__main__":
    from scripts.demo_notices import demo_notices, real_notices

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/iparchive-demo")
    notices = real_notices() or demo_notices()
    res = build(out, notices)
    print(res["stats"], f"write {res['write_s']:.2f}s, mkdocs {res['mkdocs_s']:.2f}s -> {res['site']}")
    print(res["log"])


_SHARED: dict[str, dict] = {}

PROBE_TEXT = "<script>window.__pwned=1</script> *星* | [链接](http://x.invalid) # 标题 {#x} _下_ `码`"


def escape_probe():
    """A document whose text is full of markup, to prove it is shown as text."""
    from build_tools.models import Clause, Notice, Region

    inner = Clause("s1-1", "一（一）", 2, "item", PROBE_TEXT, number=1)
    outer = Clause("s1", "一", 1, "section", "一、转义测试", number=1, children=[inner])
    return Notice(id="zz-escape-probe", title="转义测试文件", source_file="probe.txt",
                  body="一、转义测试\n" + PROBE_TEXT, issuer=["测试"], date_written="2001-01-01",
                  region=Region("全国", "100000", [("全国", "100000")]), clauses=[outer])


def shared_site(work: Path) -> dict:
    """Build once per process (tests in several modules share it).

    Uses the real pipeline when present, else the hand-built demo notices;
    ``result["pipeline"]`` says which.
    """
    key = str(work)
    if key not in _SHARED:
        from scripts.demo_notices import demo_notices, real_notices

        notices = real_notices()
        pipeline = "real" if notices is not None else "demo"
        if notices is None:
            notices = demo_notices()
        notices = notices + [escape_probe()]
        res = build(work, notices, redirects={notices[0].id: {"old-anchor": next(notices[0].walk()).id}})
        res["notices"] = notices
        res["pipeline"] = pipeline
        _SHARED[key] = res
    return _SHARED[key]
