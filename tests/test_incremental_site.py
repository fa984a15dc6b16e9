"""Issue 29: a whole rebuild by difference (``build_site`` over the last
build's site, caches and index) gives what a build from nothing gives.

Real documents: the seeds, four gov.cn pages and 道路运输条例 (2019 and
2022; its 2023 text is added later).  Pagefind mode (a dirty MkDocs run on a
hard-linked copy of the last site, the link check by difference, the CLI
index updated in place).  One build, then four rebuilds, each followed by
a build of the same files from nothing: one document changed, one added,
one removed, one law version added.  After each, both sites hold the same
pages byte for byte, both link checks give the same answer, and both
command-line indexes hold the same records and citation table.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from build_tools.build.render import generated_files
from build_tools.pipeline import build_site, source_files, staged_paths
from build_tools.settings import SEARCH_ENV
from build_tools.publish.linkcheck import linkcheck
from search.citation import TABLE_NAME
from search.index import backend_module
from search.schema import read_meta

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # nine small builds with MkDocs and Pagefind


def _build(work: Path, files: list[Path]):
    paths = staged_paths(ROOT, work)
    rep = build_site(ROOT, paths=paths, files=files, require_sidecar=False, update_lock=False, progress=False,
                     log=lambda s: None)
    assert rep.ok, [str(p) for p in rep.problems if p.level == "error"][:5]
    return paths, rep


def _pages(site: Path) -> dict[str, bytes]:
    """Every file of the site but Pagefind's bundles (cut in shards by the build's own history) and the stamp."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and not p.relative_to(site).as_posix().startswith(("pagefind/", ".iparchive"))}


def _docs(docs: Path) -> dict[str, bytes]:
    """Every generated file of docs/ (``build.render.generated_files``)."""
    return {p: (docs / p).read_bytes() for p in generated_files(docs)}


def _index(d: Path) -> tuple:
    meta = read_meta(d)
    return backend_module(meta["backend"]).stored_records(d), (d / TABLE_NAME).read_bytes(), meta["docs"]


def test_a_rebuild_by_difference_equals_a_build_from_nothing(tmp_path, lawref_dir, govcn_dir, monkeypatch):
    monkeypatch.setenv(SEARCH_ENV, "pagefind")
    road = sorted((lawref_dir / "行政法规").glob("道路运输条例(*.md"))
    assert len(road) >= 3
    pages = sorted(govcn_dir.glob("*.html"))[:5]
    seeds = source_files(ROOT / "source_texts")
    start = seeds + pages[:4] + road[:2]
    edited = tmp_path / "edited" / pages[1].name  # one file edited in place, its id kept by its sidecar
    edited.parent.mkdir()
    edited.write_bytes(pages[1].read_bytes())
    edited.with_suffix(".yml").write_text("id: edited-govcn\n", encoding="utf-8")
    start = [edited if f == pages[1] else f for f in start]
    steps = [("one changed", start),
             ("one added", start + [pages[4]]),
             ("one removed", [f for f in start + [pages[4]] if f != pages[2]]),
             ("a law version added", [f for f in start + [pages[4]] if f != pages[2]] + [road[2]])]
    warm = tmp_path / "warm"
    _build(warm, start)
    for k, (name, files) in enumerate(steps):
        if k == 0:
            data = edited.read_bytes()
            cut = data.rfind(b"</p>")
            edited.write_bytes(data[:cut] + "（本句为重建测试所加）".encode() + data[cut:])
        paths, rep = _build(warm, files)
        cold, _ = _build(tmp_path / f"cold-{k}", files)
        a, b = _pages(paths.site), _pages(cold.site)
        assert sorted(a) == sorted(b), name
        assert [p for p in a if a[p] != b[p]] == [], name
        d, e = _docs(paths.docs), _docs(cold.docs)  # the write stage's tree itself, by difference and from nothing
        assert sorted(d) == sorted(e) and len(d) > 3 * len(files), name
        assert [p for p in d if d[p] != e[p]] == [], name
        assert linkcheck(paths.site) == linkcheck(cold.site) == [], name  # the build checked it by difference
        assert _index(paths.index) == _index(cold.index), name
        assert rep.timings.get("linkcheck") is not None
        shutil.rmtree(tmp_path / f"cold-{k}")
    assert os.environ[SEARCH_ENV] == "pagefind"
