"""The link check as it was before issue 29's compact form (``1e1c013``,
uncached): every page's ids and URLs held in one table, then each URL
resolved against it.  The reference ``tests/test_linkcheck_compact.py``
holds the compact check to, problem for problem and in order."""
from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from build_tools.publish.linkcheck import _SKIP, _site_files, scan_html, site_url_of


def table_linkcheck(site_dir: Path | str, site_url: str = "") -> list[str]:
    site = Path(site_dir).resolve()
    site_url = site_url or site_url_of(site)
    files, dirs = _site_files(site)
    pages = {rel: scan_html((site / rel).read_bytes()) for rel in sorted(f for f in files if f.endswith(".html"))}
    prefix = urlsplit(site_url).path.rstrip("/") + "/" if site_url else "/"

    def check(page: str, url: str) -> Optional[str]:
        if url[:1] == "#":
            frag = unquote(url[1:])
            return None if not frag or frag in pages[page][0] else f"missing anchor #{frag}"
        if site_url and url.startswith(site_url):
            page, url = "index.html", url[len(site_url):].lstrip("/")
        elif not url or _SKIP.match(url):
            return None
        elif prefix != "/" and url.startswith(prefix):
            url = "/" + url[len(prefix):]
        parts = urlsplit(url)
        path, frag = unquote(parts.path), unquote(parts.fragment)
        if not path:
            target = page
        else:
            target = posixpath.normpath(path.lstrip("/") or "." if path.startswith("/")
                                        else posixpath.join(posixpath.dirname(page), path))
        if target == ".." or target.startswith("../"):
            return "points outside the site"
        target = "" if target == "." else target
        if target in dirs:
            target = posixpath.join(target, "index.html") if target else "index.html"
        if target not in files:
            return "missing file"
        if frag and target.endswith(".html") and frag not in pages[target][0]:
            return f"missing anchor #{frag}"
        return None

    problems = [f"{rel}: {url} -> {p}" for rel, (_, urls) in pages.items() for url in urls if (p := check(rel, url))]
    index = site / "search" / "search_index.json"
    if index.is_file():
        for entry in json.loads(index.read_text(encoding="utf-8")).get("docs", []):
            loc = entry.get("location", "")
            if p := check("index.html", loc):
                problems.append(f"search_index.json: {loc} -> {p}")
    return problems
