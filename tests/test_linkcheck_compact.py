"""Issue 29: the compact link check (hashed anchors and deps, a page read at
a time, other pages' anchors asked at the end) finds exactly the problems of
the table check it replaced (tests/support/linkcheck_reference.py: every
page's ids and URLs held at once), in the same order, on a real built site
(the seeds, as ``make site`` builds them) with breaks of every kind planted:
a missing file, a missing anchor on the same page, on another page and on the
page itself by its path, a renamed anchor other pages cite, a removed page, a
folder without its index.html, a link outside the site, root-relative and
``site_url`` links, percent-encoded fragments, a bad search-index location.
Cold, and warm from a cache of the clean site."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from build_tools.fsutil import replace_bytes
from build_tools.publish.linkcheck import linkcheck, packed, scan_html
from support.linkcheck_reference import table_linkcheck
from support.site_build import shared_site

pytestmark = pytest.mark.slow  # one mkdocs build of the seeds, ~10 s

SITE_URL = "https://example.org/archive"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return shared_site(tmp_path_factory.getbasetemp() / "site-build")


def _plant(site: Path) -> dict[str, str]:
    """Breaks of every kind in a copy of a real site; returns a fragment of
    each problem's text that must be found."""
    notices = sorted((site / "notices").glob("*.html"))
    # the page most often cited with an anchor by other pages, and one of its anchors they use
    cited: dict[tuple[str, str], set[str]] = {}
    for p in notices:
        for url in scan_html(p.read_bytes())[1]:
            path, _, frag = url.partition("#")
            if frag and path.endswith(".html") and not path.startswith(("http", "/")) and Path(path).name != p.name \
                    and (p.parent / path).resolve().parent == site / "notices":
                cited.setdefault((Path(path).name, frag), set()).add(p.name)
    (target, anchor), citing = max(cited.items(), key=lambda kv: len(kv[1]))
    assert len(citing) >= 2
    page = next(p for p in notices if p.name not in citing and p.name != target)
    gone = next(p for p in notices if p.name not in citing and p not in (page,) and p.name != target)
    own = next(iter(sorted(scan_html(page.read_bytes())[0])))
    html = page.read_text(encoding="utf-8")
    planted = (f'<a href="nowhere.html">缺文件</a><a href="#no-such-clause">缺锚点</a>'
               f'<a href="{target}#gone-anchor">他页缺锚点</a><a href="{page.name}#self-missing">本页路径</a>'
               f'<a href="{page.name}#{own}">本页有</a><a href="../../outside.html">站外</a>'
               f'<a href="/notices/{target}#%E7%AC%AC%E4%B9%9D">根路径编码</a><img src="../assets/none.png">'
               f'<a href="{SITE_URL}/notices/{target}#by-site-url">网址</a><a href="/archive/notices/{gone.name}">前缀</a>'
               f'<a href="../tags/region/">文件夹</a><a href="{target}?q=1#{anchor}">查询</a>'
               f'<a href="{gone.name}#x">将删除</a>')
    replace_bytes(page, html.replace("</article>", planted + "</article>", 1).encode("utf-8"))
    t = site / "notices" / target
    replace_bytes(t, t.read_text(encoding="utf-8").replace(f'id="{anchor}"', 'id="renamed-anchor"', 1).encode())
    gone.unlink()
    (site / "tags" / "region" / "index.html").unlink()
    index = site / "search" / "search_index.json"
    data = json.loads(index.read_text(encoding="utf-8"))
    data["docs"].append({"location": f"notices/{target}#not-in-page", "title": "x", "text": "x"})
    index.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return {"missing file": "nowhere.html -> missing file", "same page": "#no-such-clause -> missing anchor",
            "other page": f"{target}#gone-anchor -> missing anchor", "self by path": "#self-missing -> missing anchor",
            "renamed": f"#{anchor} -> missing anchor", "outside": "outside.html -> points outside the site",
            "encoded": "missing anchor #第九", "removed": f"{gone.name}#x -> missing file",
            "folder": "../tags/region/ -> missing file", "image": "none.png -> missing file",
            "search": "search_index.json: notices/", "citing": next(iter(citing))}


def test_the_compact_check_finds_exactly_the_table_check_s_problems(built, tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache" / "linkcheck.marshal"
    shutil.copytree(built["site"], site)
    cache.parent.mkdir()
    assert linkcheck(site, cache=cache) == table_linkcheck(site) == []
    want = _plant(site)
    stats: dict = {}
    warm = linkcheck(site, cache=cache, stats=stats)
    reference = table_linkcheck(site)
    assert warm == reference  # the same problems, in the same order
    assert linkcheck(site) == reference  # cold
    for kind, text in want.items():
        assert any(text in p for p in reference), (kind, text)
    assert stats["parsed"] == 2 and stats["checked"] >= len({p.split(": ")[0] for p in reference}) - 1
    for url in ("", SITE_URL):  # with a site_url its links and the /archive/ prefix are the site's
        assert linkcheck(site, url) == table_linkcheck(site, url)
    with_url = linkcheck(site, SITE_URL)
    assert any("by-site-url -> missing anchor" in p for p in with_url)
    assert not any("by-site-url" in p for p in reference)


def test_anchors_and_deps_are_kept_as_eight_bytes_each(built):
    """What outlives a page is its hashed anchors: 8 bytes an id, not a string."""
    page = next((built["site"] / "notices").glob("*.html"))
    ids, _ = scan_html(page.read_bytes())
    assert len(ids) > 20 and len(packed(ids)) == 8 * len(ids)
    assert sum(len(i) + 49 for i in ids) > 5 * len(packed(ids))
