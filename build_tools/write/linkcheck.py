"""Check that every internal link and anchor in a built site resolves.

Checked: ``href``/``src`` of a, link, script, img, iframe, source in every
``*.html`` file; ``#fragment`` targets (``id`` or ``<a name>``) in HTML
targets; and every ``location`` in ``search/search_index.json`` (so each
search result lands on an existing anchor).  External URLs (``http:``,
``https:``, ``mailto:``, ``data:``, ``javascript:``, ``//host``) are skipped
unless they start with ``site_url``, which is then mapped to the local site.

Usage: ``python -m build_tools.write.linkcheck site/ [site_url]``.
"""
from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import html as lxml_html

_SKIP = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src"}


def _parse(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def linkcheck(site_dir: Path | str, site_url: str = "") -> list[str]:
    """Problems as ``page: href -> what is wrong``; [] when every link resolves."""
    site = Path(site_dir).resolve()
    problems: list[str] = []
    ids: dict[Path, set[str]] = {}

    @lru_cache(maxsize=None)
    def anchors(target: Path) -> frozenset[str]:
        if target in ids:
            return frozenset(ids[target])
        doc = _parse(target)
        return frozenset(doc.xpath("//@id") + doc.xpath("//a/@name"))

    pages = sorted(site.rglob("*.html"))
    for page in pages:
        doc = _parse(page)
        ids[page] = set(doc.xpath("//@id") + doc.xpath("//a/@name"))
        for el in doc.iter(*_ATTRS):
            url = el.get(_ATTRS[el.tag])
            if url is None:
                continue
            problem = _check(site, page, url.strip(), site_url, anchors)
            if problem:
                problems.append(f"{page.relative_to(site)}: {url} -> {problem}")

    index = site / "search" / "search_index.json"
    if index.is_file():
        for entry in json.loads(index.read_text(encoding="utf-8")).get("docs", []):
            loc = entry.get("location", "")
            problem = _check(site, site / "index.html", loc, site_url, anchors)
            if problem:
                problems.append(f"search_index.json: {loc} -> {problem}")
    return problems


def _check(site: Path, page: Path, url: str, site_url: str, anchors) -> str | None:
    if site_url and url.startswith(site_url):
        url = url[len(site_url):].lstrip("/")
        page = site / "index.html"
    elif not url or _SKIP.match(url):
        return None
    parts = urlsplit(url)
    path, frag = unquote(parts.path), unquote(parts.fragment)
    if path.startswith("/"):
        target = site / path.lstrip("/")
    elif path:
        target = (page.parent / path)
    else:
        target = page
    target = Path(str(target)).resolve() if target.exists() else target
    if target.is_dir():
        target = target / "index.html"
    if not target.exists():
        return "missing file"
    try:
        target.relative_to(site)
    except ValueError:
        return "points outside the site"
    if frag and target.suffix == ".html" and frag not in anchors(target.resolve()):
        return f"missing anchor #{frag}"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(__doc__)
        return 2
    problems = linkcheck(Path(argv[0]), argv[1] if len(argv) > 1 else "")
    for p in problems:
        print(p)
    print(f"{len(problems)} broken links", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
