"""Issue 29: the link check by difference gives the answer of a cold check.

On a copy of the seed site (the real pipeline on source_texts/, as
``make site`` builds it), a cached check is carried through the changes a
rebuild makes to a site: one page's text changed, a page added (linking to
an anchor and to a file that does not exist yet), the missing file then
added, an anchor other pages cite renamed, a cited page removed, the site
unchanged.  After each, the cached check equals a check without cache, and
only the changed pages are parsed again and only they and the pages linking
to what changed are checked again.
"""
from __future__ import annotations

import posixpath
import shutil
from pathlib import Path

import pytest

from build_tools.fsutil import replace_bytes
from build_tools.publish.linkcheck import linkcheck, scan_html
from support.site_build import shared_site

pytestmark = pytest.mark.slow  # one mkdocs build of the seeds, ~10 s


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return shared_site(tmp_path_factory.getbasetemp() / "site-build")


def _cited(site: Path) -> tuple[str, str, str, set[str]]:
    """(cited page, its anchor, one href to it, the pages linking to that page with an anchor)."""
    pages = sorted(p.relative_to(site).as_posix() for p in (site / "notices").glob("*.html"))
    links: dict[str, list[tuple[str, str]]] = {}
    for rel in pages:
        for url in scan_html((site / rel).read_bytes())[1]:
            path, _, frag = url.partition("#")
            if frag and path and not path.startswith(("http", "/")) and Path(path).name != Path(rel).name:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))
                if (site / target).is_file():
                    links.setdefault(target, []).append((rel, url))
    target = max(links, key=lambda t: len({p for p, _ in links[t]}))
    src, url = links[target][0]
    return target, url.partition("#")[2], url, {p for p, _ in links[target]}


def _edit(site: Path, rel: str, old: str, new: str) -> None:
    html = (site / rel).read_text(encoding="utf-8")
    assert old in html
    replace_bytes(site / rel, html.replace(old, new, 1).encode("utf-8"))  # a new file, as the build writes


def _both(site: Path, cache: Path) -> tuple[list[str], dict]:
    stats: dict = {}
    warm = linkcheck(site, cache=cache, stats=stats)
    assert sorted(warm) == sorted(linkcheck(site))  # the cold check
    return warm, stats


def test_a_check_by_difference_equals_a_cold_check_after_each_change(built, tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache" / "linkcheck.marshal"
    shutil.copytree(built["site"], site)
    cache.parent.mkdir()
    first, st = _both(site, cache)
    assert first == [] and st["parsed"] == st["checked"] == st["pages"] > 100
    again, st = _both(site, cache)
    assert again == [] and st["parsed"] == st["checked"] == 0  # unchanged site: nothing read but the bytes

    target, anchor, href, citing = _cited(site)
    assert len(citing) >= 2
    # one page's text changed (no anchor moved): only that page is parsed and checked
    other = next(p for p in sorted(citing) if p != target)
    _edit(site, other, "</article>", "<p>改动后的一句话。</p></article>")
    out, st = _both(site, cache)
    assert out == [] and st["parsed"] == st["checked"] == 1

    # a page added that links to an anchor and to a file not there yet
    new = "notices/zz-added.html"
    (site / new).write_text(f'<html><body><article><a href="../{target}#{anchor}">有</a>'
                            f'<a href="later.html">缺</a></article></body></html>', encoding="utf-8")
    out, st = _both(site, cache)
    assert out == [f"{new}: later.html -> missing file"] and st["parsed"] == 1
    assert st["checked"] < st["pages"] // 2  # the pages pointing at the new path only

    # the missing file added: the page linking to it is checked again, and is fine
    (site / "notices" / "later.html").write_text("<html><body>后来</body></html>", encoding="utf-8")
    out, st = _both(site, cache)
    assert out == [] and st["checked"] < st["pages"] // 2

    # an anchor cited by other (unchanged) pages renamed: they are checked again and break
    _edit(site, target, f'id="{anchor}"', 'id="renamed-anchor"')
    out, st = _both(site, cache)
    broken = {p.split(": ")[0] for p in out}
    assert broken >= (citing - {target}) | {new} and all("missing anchor" in p for p in out)
    assert st["parsed"] == 1 and st["checked"] < st["pages"] // 2

    # the cited page removed: every link to it is a missing file
    (site / target).unlink()
    out, st = _both(site, cache)
    assert {p.split(": ")[0] for p in out if "-> missing file" in p} >= (citing - {target}) | {new}
    assert st["parsed"] == 0 and st["checked"] < st["pages"] // 2


def test_a_lost_layout_file_checks_every_page_again(built, tmp_path):
    """Without the last file list the kept results cannot be trusted: every page is checked."""
    site, cache = tmp_path / "site", tmp_path / "linkcheck.marshal"
    shutil.copytree(built["site"], site)
    linkcheck(site, cache=cache)
    cache.with_name("linkcheck-layout.marshal").unlink()
    target, anchor, _, citing = _cited(site)
    (site / target).unlink()
    stats: dict = {}
    out = linkcheck(site, cache=cache, stats=stats)
    assert stats["checked"] == stats["pages"] and sorted(out) == sorted(linkcheck(site))
    assert {p.split(": ")[0] for p in out} >= citing - {target}


def test_a_dirty_rebuild_reads_only_the_pages_written_and_finds_what_a_cold_check_finds(built, tmp_path):
    """A dirty rebuild passes the pages MkDocs wrote and the live site's token
    (issue 29): only those pages are read, and the pages linking to what
    changed; the answer is a cold check's after each change: a broken link
    added, an anchor other (unwritten) pages cite renamed, a cited page
    removed.  With a token that is not the last check's (a failed build in
    between) every page is read."""
    site, cache = tmp_path / "site", tmp_path / "cache" / "linkcheck.marshal"
    shutil.copytree(built["site"], site)
    cache.parent.mkdir()
    st: dict = {}
    assert linkcheck(site, cache=cache, stats=st) == []
    live = st["token"]
    target, anchor, _, citing = _cited(site)
    other = next(p for p in sorted(citing) if p != target)

    def rebuilt(written: list[str]) -> tuple[list[str], dict]:
        nonlocal live
        got: dict = {}
        out = linkcheck(site, cache=cache, stats=got, written=written, live=live)
        assert sorted(out) == sorted(linkcheck(site))  # the cold check
        assert got["token"] != live
        live = got["token"]
        return out, got

    _edit(site, other, "</article>", '<p>改动后的一句话，<a href="#no-such-anchor">坏链接</a>。</p></article>')
    out, st = rebuilt([other])
    assert out == [f"{other}: #no-such-anchor -> missing anchor #no-such-anchor"]
    assert st["parsed"] == 1 and st["kept"] == st["pages"] - 1

    _edit(site, target, f'id="{anchor}"', 'id="renamed-anchor"')
    out, st = rebuilt([target])
    assert {p.split(": ")[0] for p in out if p.endswith(f"missing anchor #{anchor}")} >= citing - {target}
    assert st["parsed"] == 1 and st["kept"] == st["pages"] - 1 and st["reread"] >= len(citing - {target})

    (site / target).unlink()
    out, st = rebuilt([])
    assert {p.split(": ")[0] for p in out if p.endswith("-> missing file")} >= citing - {target}
    assert st["parsed"] == 0 and st["kept"] == st["pages"]

    got: dict = {}
    out = linkcheck(site, cache=cache, stats=got, written=[], live="not-the-last-token")
    assert got["kept"] == 0 and sorted(out) == sorted(linkcheck(site))
