"""The streamed MkDocs build (``build_tools/docpages.py``, issue 29) writes
the site MkDocs' own ``build`` writes, byte for byte, while holding at most
one page outside the nav at a time.

* the seed site (the archive's own ``source_texts/``, 162 pages) in
  Material's search mode, and a sample of the corpora in Pagefind's mode
  (the large-archive mode, where the pages stream): 民法典合同编 (分编, 章,
  节, 526 articles), a local regulation and a judicial interpretation of
  lawrefbook, two attachments pages with their held PDF and DOCX (附件
  sections), three gov.cn notices and two sites2 pages, with their tag,
  work, timeline and listing pages: every file of both sites compared;
* ``--dirty`` (what a rebuild of a large archive runs) on a hard-linked
  copy of that site after one document's Markdown changed: the same bytes
  both ways, and only that document's page written;
* a probe hook counts, at each page MkDocs writes, the pages holding their
  HTML or Markdown: MkDocs' own build holds every page, the streamed one
  at most the nav's pages and the one being written.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.ingest.attachments import files_dir
from build_tools.pipeline import enrich_stage, load_documents, staged_paths
from build_tools.settings import child_environment, shared_dir
from build_tools.build.render import write_docs
from build_tools.publish import mkbuild
from build_tools.render.common import GENERATED_DIRS

from support.site_build import shared_site

ROOT = Path(__file__).resolve().parent.parent
CORPUS = shared_dir() / "corpus"  # the same rule as conftest.SHARED
LAWS = ["民法典/合同编.md"]
ATTACHMENTS = {"001-page.html": ["001-att1.pdf"], "012-page.html": ["012-att1.docx"]}
GOVCN = ["govcn-001.html", "govcn-021.html", "govcn-041.html"]
SITES2 = ["sites2-001.html", "sites2-010.html"]

PROBE = '''"""Test probe: at each page written, how many pages hold their HTML / Markdown."""
import json
from pathlib import Path

FILES = []
PEAK = {"content": 0, "markdown": 0, "pages": 0, "nav": 0}


def on_files(files, config, **kwargs):
    FILES[:] = [files]
    return files


def on_nav(nav, config, files, **kwargs):
    PEAK["nav"] = len(nav.pages)
    return nav


def on_post_page(output, page, config, **kwargs):
    pages = [f.page for f in FILES[0].documentation_pages() if f.page is not None]
    PEAK["pages"] = len(pages)
    PEAK["content"] = max(PEAK["content"], sum(p.content is not None for p in pages))
    PEAK["markdown"] = max(PEAK["markdown"], sum(p.markdown is not None for p in pages))
    return output


def on_post_build(config, **kwargs):
    Path(config["site_dir"]).with_suffix(".held.json").write_text(json.dumps(PEAK))
'''


def mkdocs(config: Path, site: Path, *, search: str, stock: bool = False, dirty: bool = False,
           ok: bool = True, written: Path | None = None) -> subprocess.CompletedProcess:
    """``build_tools.publish.mkdocs_run`` as the build runs it (``publish.site.run_mkdocs``:
    the generated folders hard-linked), streamed or MkDocs' own (``stock``);
    ``ok``: it must succeed; ``written``: the list of the files it wrote goes there."""
    cmd = [sys.executable, "-m", "build_tools.publish.mkdocs_run", "-f", str(config), "-d", str(site), "--search", search]
    cmd += ["--stock"] * stock + ["--dirty"] * dirty + (["--written", str(written)] if written else [])
    for d in GENERATED_DIRS:
        cmd += ["--link", d]
    r = subprocess.run(cmd, cwd=ROOT, env=child_environment(), capture_output=True, text=True)
    assert r.returncode == 0 or not ok, r.stderr
    return r


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(set(a) ^ set(b)) + [k for k in sorted(set(a) & set(b)) if a[k] != b[k]]


def assert_same_site(a: Path, b: Path) -> dict[str, bytes]:
    fa, fb = files_of(a), files_of(b)
    assert differing(fa, fb) == []
    return fa


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The corpus sample (module docstring), loaded, enriched and written as
    a large archive's docs (Pagefind's mode)."""
    if not CORPUS.is_dir():
        pytest.fail(f"real corpus missing: {CORPUS}")
    src = tmp_path_factory.mktemp("sample-src")
    files = []
    for rel in LAWS:
        files.append(Path(shutil.copy(CORPUS / "lawrefbook" / rel, src / Path(rel).name)))
    laws = sorted((CORPUS / "lawrefbook").rglob("*.md"))
    local = next(p for p in laws if "DLC" in p.parts and p.name != "_index.md")  # a local regulation
    judicial = next(p for p in laws if "司法解释" in p.parts and p.name != "_index.md")
    files += [Path(shutil.copy(p, src / p.name)) for p in (local, judicial)]
    for page, held in ATTACHMENTS.items():
        files.append(Path(shutil.copy(CORPUS / "attachments" / page, src / page)))
        folder = files_dir(src / page)
        folder.mkdir()
        for f in held:
            shutil.copy(CORPUS / "attachments" / f, folder / f)
    files += [Path(shutil.copy(CORPUS / "govcn2019" / f, src / f)) for f in GOVCN]
    files += [Path(shutil.copy(CORPUS / "sites2" / f, src / f)) for f in SITES2]
    res = load_documents(sorted(files))
    assert not [p for p in res.problems if p.level == "error"], res.problems
    notices = res.notices
    assert len(notices) == len(files)
    assert any(n.attachments and any(a.held for a in n.attachments) for n in notices)
    _, enrichment = enrich_stage(notices)
    paths = staged_paths(ROOT, tmp_path_factory.mktemp("sample-site"))
    stats = write_docs(notices, paths.docs, enrichment=enrichment, search="pagefind")
    assert stats.search == "pagefind"
    return {"paths": paths, "notices": notices}


pytestmark = pytest.mark.slow  # a dozen mkdocs builds of small sites


def test_the_streamed_build_writes_mkdocs_own_seed_site(tmp_path_factory, tmp_path):
    """The seed site (Material's search: its index lists the pages in the
    order they were written) as ``run_mkdocs`` built it, streamed, equals
    MkDocs' own build of the same docs, every file."""
    built = shared_site(tmp_path_factory.getbasetemp() / "site-build")  # test_write_site's
    stock = tmp_path / "stock"
    mkdocs(built["paths"].config, stock, search=built["stats"].search, stock=True)
    fa = assert_same_site(built["site"], stock)
    assert sum(k.startswith("notices/") and k.endswith(".html") for k in fa) >= len(built["notices"])
    assert "search/search_index.json" in fa and "sitemap.xml" in fa


def test_the_streamed_build_writes_mkdocs_own_corpus_sample(sample, tmp_path):
    """A law with 分编/章/节, notices with held attachments, gov.cn and
    sites2 pages, in the large-archive mode: every file the same."""
    config = sample["paths"].config
    mkdocs(config, tmp_path / "stream", search="pagefind")
    mkdocs(config, tmp_path / "stock", search="pagefind", stock=True)
    fa = assert_same_site(tmp_path / "stream", tmp_path / "stock")
    law = next(n for n in sample["notices"] if "合同编" in n.title)
    page = fa[f"notices/{law.id}.html"].decode()
    assert 'id="art-526"' in page and "第一分编" in page
    held = next(n for n in sample["notices"] if any(a.held for a in n.attachments))
    assert 'id="att1"' in fa[f"notices/{held.id}.html"].decode()


def test_a_dirty_streamed_build_rewrites_only_the_changed_page_as_mkdocs_does(sample, tmp_path):
    """One document's Markdown changes: the streamed ``--dirty`` build on a
    hard-linked copy of the site writes that page only (every other file
    keeps its inode), and gives what MkDocs' own ``--dirty`` build gives."""
    paths = sample["paths"]
    base = tmp_path / "base"
    mkdocs(paths.config, base, search="pagefind")
    victim = sample["notices"][0]
    md = paths.docs / "notices" / f"{victim.id}.md"
    text = md.read_text(encoding="utf-8")
    try:
        md.write_text(text + "\n\n测试追加的一句话。\n", encoding="utf-8")
        future = os.stat(md).st_mtime + 10  # newer than its HTML, as the write stage leaves it
        os.utime(md, (future, future))
        runs = {}
        for name, stock in (("stream", False), ("stock", True)):
            site = tmp_path / name
            mkbuild.link_copy(base, site)
            (site / f"notices/{victim.id}.html").unlink()  # publish.drop_stale_outputs does this for a changed page
            mkdocs(paths.config, site, search="pagefind", stock=stock, dirty=True,
                   written=None if stock else tmp_path / "written.txt")
            runs[name] = site
        fa = assert_same_site(runs["stream"], runs["stock"])
        assert "测试追加的一句话" in fa[f"notices/{victim.id}.html"].decode()
        rewritten = [k for k in fa if k.endswith(".html") and k.startswith(("notices/", "tags/", "works/"))
                     and os.stat(runs["stream"] / k).st_ino != os.stat(base / k).st_ino]
        assert rewritten == [f"notices/{victim.id}.html"]
        # --written (the link check reads only these, issue 29): every file that is not the base's own
        written = set((tmp_path / "written.txt").read_text(encoding="utf-8").splitlines())
        new_files = {k for k in fa if not (base / k).exists()
                     or os.stat(runs["stream"] / k).st_ino != os.stat(base / k).st_ino}
        assert f"notices/{victim.id}.html" in written and new_files <= written
        assert all((runs["stream"] / k).is_file() for k in written)
    finally:
        md.write_text(text, encoding="utf-8")


def test_the_theme_files_are_listed_as_mkdocs_lists_them(sample):
    """``docpages.theme_files`` skips the theme's hidden folders (Material's
    14,000 icons) yet adds the same static files, in the same order, from
    the same folders, as ``Files.add_files_from_theme``."""
    from mkdocs.config import load_config  # MkDocs' own, in the test only
    from mkdocs.structure.files import get_files  # (ditto)

    from build_tools.publish import docpages

    cfg = load_config(str(sample["paths"].config))
    made = []
    for add in (lambda f, e: f.add_files_from_theme(e, cfg), lambda f, e: docpages.theme_files(f, e, cfg)):
        files, env = get_files(cfg), cfg.theme.get_env()
        add(files, env)
        made.append([(f.src_uri, f.abs_src_path, f.dest_uri) for f in files])
        assert "list_templates" not in vars(env.loader)  # the environment is left as it was
    assert made[0] == made[1]
    assert any(uri.startswith("assets/") for uri, _, _ in made[0]) and len(made[0]) > 50


def test_a_warning_on_a_streamed_page_fails_the_strict_build_as_in_mkdocs(sample, tmp_path):
    """A Markdown link to a missing page on one document page: both builds
    warn about that page with the same words and stop (``strict``)."""
    paths = sample["paths"]
    md = paths.docs / "notices" / f"{sample['notices'][-1].id}.md"
    text = md.read_text(encoding="utf-8")
    try:
        md.write_text(text + "\n\n[不存在的页面](no-such-page.md)\n", encoding="utf-8")
        runs = {name: mkdocs(paths.config, tmp_path / name, search="pagefind", stock=stock, ok=False)
                for name, stock in (("stream", False), ("stock", True))}
    finally:
        md.write_text(text, encoding="utf-8")
    warned = {}
    for name, r in runs.items():
        assert r.returncode == 1, r.stderr
        warned[name] = [line for line in r.stderr.splitlines() if line.startswith("WARNING")]
        assert "no-such-page.md" in r.stderr and "strict mode" in r.stderr, r.stderr
    assert warned["stream"] == warned["stock"] and len(warned["stream"]) == 1


@pytest.mark.parametrize("stock", [False, True], ids=["streamed", "mkdocs"])
def test_pages_outside_the_nav_are_released_once_written(sample, tmp_path, stock):
    """A probe hook, at every page written: MkDocs' own build holds every
    page's HTML and Markdown (its memory grows with the pages); the streamed
    build holds the nav's pages and the page being written, whatever the
    number of pages."""
    paths = sample["paths"]
    config = paths.config.with_name("mkdocs-probe.yml")
    probe = paths.config.with_name("held_probe.py")
    probe.write_text(PROBE, encoding="utf-8")
    raw = paths.config.read_text(encoding="utf-8")
    config.write_text(raw.replace("hooks:\n", f"hooks:\n- {probe}\n", 1), encoding="utf-8")
    site = tmp_path / "site"
    mkdocs(config, site, search="pagefind", stock=stock)
    held = json.loads(site.with_suffix(".held.json").read_text())
    assert held["pages"] > 3 * held["nav"] > 0
    if stock:
        assert held["content"] == held["markdown"] == held["pages"]
    else:
        assert held["content"] <= held["nav"] + 1 and held["markdown"] <= held["nav"] + 1


def test_link_copy_names_a_missing_folder_instead_of_copying_nothing(tmp_path):
    """A missing source folder (a cache or site removed under the build) is an
    error naming it, never an empty copy that reports 0 files."""
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "x.html").write_text("x", encoding="utf-8")
    (src / "top.txt").write_text("t", encoding="utf-8")
    assert mkbuild.link_copy(src, tmp_path / "copy", skip=()) == 2
    assert os.stat(tmp_path / "copy" / "a" / "b" / "x.html").st_ino == os.stat(src / "a" / "b" / "x.html").st_ino
    with pytest.raises(FileNotFoundError) as e:
        mkbuild.link_copy(tmp_path / "gone", tmp_path / "copy2")
    assert "要复制的文件夹不存在" in str(e.value) and str(tmp_path / "gone") in str(e.value)
    assert not (tmp_path / "copy2").exists()


def test_the_streamed_build_calls_only_public_mkdocs_names():
    """Issue 24: ``publish/docpages.py`` takes from MkDocs only public names
    (``Page.read_source``, ``Page.render``, ``get_context``, the plugins'
    events, the theme's environment): no ``_populate_page`` / ``_build_page``
    or other underscored name of a module or object it did not make."""
    import ast

    from build_tools.publish import docpages

    tree = ast.parse(Path(docpages.__file__).read_text(encoding="utf-8"))
    private = sorted({node.attr for node in ast.walk(tree)
                      if isinstance(node, ast.Attribute) and node.attr.startswith("_")
                      and not node.attr.startswith("__")})
    imported = sorted({a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                       for a in node.names if a.name.startswith("_")})
    modules = sorted({node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                      and node.module and node.module.startswith("mkdocs.commands")})
    assert private == [] and imported == [], (private, imported)
    assert modules == ["mkdocs.commands.build"]  # get_context only
    names = {a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and node.module == "mkdocs.commands.build" for a in node.names}
    assert names == {"get_context"}
