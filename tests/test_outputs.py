"""A new per-document output is one class (issue 24): registered in
``downloads.OUTPUTS``, it is written for every document, known to the page
cache (a deleted file is made again), linked on the page, and swept as stale
once it is no longer registered — with no other edit."""
from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.build import render as write  # the render orchestrator (was build_tools.write)
from build_tools.pipeline import enrich_stage, load_documents, source_files
from build_tools.render import downloads

ROOT = Path(__file__).resolve().parent.parent


class ClauseCount(downloads.Output):
    """A worked example: each document's clause ids, one per line (``<id>.ids.txt``)."""

    def files(self, n):
        return [f"{downloads.DOWNLOAD_DIR}/{n.id}.ids.txt"]

    def links(self, n):
        return [downloads.Link(self.files(n)[0], f"{n.id}.ids.txt", "条款编号清单")]

    def write(self, n, made):
        downloads.write_if_changed(made.docs_dir / self.files(n)[0], "".join(f"{c.id}\n" for c in n.walk() if c.id))


def _build(cache: Path, docs: Path):
    res = load_documents(source_files(ROOT / "source_texts"), cache_dir=cache / "docs", prune_cache=True)
    _, enr = enrich_stage(res.notices, cache, keys=res.keys)
    stats = write.write_docs(res.notices, docs, site_url="https://ip.example.org", enrichment=enr, search="pagefind",
                             cache_dir=cache, load_keys=res.keys)
    return stats, res.notices


@pytest.fixture
def registered():
    out = ClauseCount()
    downloads.register_output(out)
    yield out
    if out in downloads.OUTPUTS:
        downloads.unregister_output(out)


def test_a_new_output_is_one_class(tmp_path, registered):
    cache, docs = tmp_path / "cache", tmp_path / "docs"
    _, notices = _build(cache, docs)
    for n in notices:
        made = docs / downloads.DOWNLOAD_DIR / f"{n.id}.ids.txt"
        assert made.read_text(encoding="utf-8").split() == [c.id for c in n.walk() if c.id]
        page = (docs / "notices" / f"{n.id}.md").read_text(encoding="utf-8")
        assert f'download="{n.id}.ids.txt">条款编号清单</a>' in page  # on the 下载本文件 line
    # the page cache knows it: one deleted file has its document made again, alone
    victim = docs / downloads.DOWNLOAD_DIR / f"{notices[0].id}.ids.txt"
    want = victim.read_bytes()
    victim.unlink()
    again, _ = _build(cache, docs)
    assert again.made == 1 and victim.read_bytes() == want
    # no longer registered: its files are swept as stale and the link leaves the page
    downloads.unregister_output(registered)
    last, _ = _build(cache, docs)
    assert not list((docs / downloads.DOWNLOAD_DIR).glob("*.ids.txt"))
    assert "条款编号清单" not in (docs / "notices" / f"{notices[0].id}.md").read_text(encoding="utf-8")


def test_the_outputs_name_every_download_file_the_write_stage_leaves(tmp_path):
    """Every file under data/notices/ after a build is some output's (nothing
    written behind the registry's back), and every output's file is there."""
    _, notices = _build(tmp_path / "cache", tmp_path / "docs")
    data = tmp_path / "docs"
    named = {p for n in notices for p in downloads.output_files(n)}
    found = {p.relative_to(data).as_posix() for p in (data / downloads.DOWNLOAD_DIR).rglob("*") if p.is_file()}
    assert found == named
