"""Check that every internal link and anchor in a built site resolves.

Checked: ``href``/``src`` of a, link, script, img, iframe, source in every
``*.html`` file; ``#fragment`` targets (``id`` or ``<a name>``) in HTML
targets; and every ``location`` in ``search/search_index.json`` (so each
search result lands on an existing anchor).  External URLs (``http:``,
``https:``, ``mailto:``, ``data:``, ``javascript:``, ``//host``) are skipped
unless they start with ``site_url``, which is then mapped to the local site.
Fast enough for large sites: one parse per page with lexbor (selectolax;
the whole corpus's 6,991 pages, 442 MB: 6.6 s against lxml's 19.4 s, the
same ids and links on every page: tests/test_write_site.py), cached by size
and mtime with ``cache=``, and string path resolution.
With the cache a rebuild re-checks only the pages that changed and the
pages linking to a page whose anchors changed (the same files, the same
anchors, the same links: the same answer); when a file was added or
removed, every page is checked again.

Usage: ``python -m build_tools.write.linkcheck site/ [site_url]``.
"""
from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import sys
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..fsutil import load_keyed, replace_bytes, save_keyed

_SKIP = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src"}
_LINKING = ",".join(f"{tag}[{attr}]" for tag, attr in ATTRS.items())
CACHE_VERSION = f"7-{sys.version_info[:2]}"  # marshal: tied to the Python version


def scan_html(data: bytes) -> tuple[frozenset[str], tuple[str, ...]]:
    """(ids and ``<a name>``s, every checked URL in document order) of one
    HTML page.  An attribute without a value (``<a href>``) gives no URL and
    no id."""
    tree = LexborHTMLParser(data)
    ids = frozenset(v for sel, attr in (("[id]", "id"), ("a[name]", "name"))
                    for node in tree.css(sel) if (v := node.attributes.get(attr)))
    urls = tuple(v.strip() for node in tree.css(_LINKING) if (v := node.attributes.get(ATTRS[node.tag])) is not None)
    return ids, urls


def _scan(path: Path) -> tuple[frozenset[str], tuple[str, ...]]:
    return scan_html(path.read_bytes())


def site_url_of(site: Path) -> str:
    """The public address a built site was made for, '' if none: MkDocs
    writes it into ``sitemap.xml`` (``<loc>https://…/archive/index.html</loc>``)."""
    try:
        text = (Path(site) / "sitemap.xml").read_text(encoding="utf-8")
    except OSError:
        return ""
    m = re.search(r"<loc>\s*(https?://[^<\s]*?)index\.html\s*</loc>", text)
    return m.group(1).rstrip("/") if m else ""


def linkcheck(site_dir: Path | str, site_url: str = "", *, cache: Optional[Path] = None) -> list[str]:
    """Problems as ``page: href -> what is wrong``; [] when every link resolves.

    ``site_url`` defaults to the address the site was built for
    (``site_url_of``); root-relative links under its path (MkDocs' 404 page
    uses ``/archive/assets/…`` for ``site_url: https://host/archive/``) are
    checked against the site root.

    Paths are resolved as strings against the set of files in the site (no
    per-link filesystem calls).  With ``cache`` (``fsutil.save_keyed`` in
    ``marshal``: only strings, tuples and frozensets, 40 % faster than
    pickle; the results beside it in ``<name>-results``), pages whose
    size and mtime did not change since the last check are not parsed again
    (a ``--dirty`` rebuild keeps the mtimes of the pages it did not rebuild).
    """
    site = Path(site_dir).resolve()
    site_url = site_url or site_url_of(site)
    prefix = urlsplit(site_url).path.rstrip("/") + "/" if site_url else "/"
    files: set[str] = set()
    dirs: set[str] = {""}
    for d, dnames, fnames in os.walk(site):
        rel = os.path.relpath(d, site)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        dirs.update(posixpath.join(rel, n) if rel else n for n in dnames)
        files.update(posixpath.join(rel, n) if rel else n for n in fnames)
    layout = hashlib.sha1("\0".join(sorted(files) + ["/"] + sorted(dirs)).encode("utf-8")).hexdigest()
    pages_key, results_key = (CACHE_VERSION, str(site)), (CACHE_VERSION, str(site), layout, site_url)
    results_file = Path(cache).with_name(Path(cache).stem + "-results" + Path(cache).suffix) if cache else None
    old: dict = load_keyed(Path(cache), pages_key, codec="marshal") if cache else {}
    old_results: dict = load_keyed(results_file, results_key, codec="marshal") if cache and old else {}
    pages: dict[str, tuple] = {}
    for rel in sorted(f for f in files if f.endswith(".html")):
        st = (site / rel).stat()
        # a hint, not a proof: MkDocs writes every page it renders as a new file (new inode,
        # new mtime); a page kept by a dirty render is the very file checked last time
        key = (st.st_size, st.st_mtime_ns, st.st_ino)
        hit = old.get(rel)
        pages[rel] = hit if hit and hit[0] == key else (key, *_scan(site / rel))
    # pages whose anchors differ from the last check: whoever links to them is checked again
    moved = {rel for rel, v in pages.items() if rel not in old or old[rel][1] != v[1]}

    resolved: dict[tuple[str, str], str] = {}

    def check(page: str, url: str, targets: Optional[set] = None) -> Optional[str]:
        if url[:1] == "#":  # most links: pilcrows and clause links on the same page
            frag = unquote(url[1:])
            return None if not frag or frag in pages[page][1] else f"missing anchor #{frag}"
        if site_url and url.startswith(site_url):
            url = url[len(site_url):].lstrip("/")
            page = "index.html"
        elif not url or _SKIP.match(url):
            return None
        elif prefix != "/" and url.startswith(prefix):
            url = "/" + url[len(prefix):]
        parts = urlsplit(url)
        path, frag = unquote(parts.path), unquote(parts.fragment)
        if not path:
            target = page
        else:
            key = (posixpath.dirname(page), path)
            target = resolved.get(key)
            if target is None:
                target = resolved[key] = posixpath.normpath(
                    path.lstrip("/") or "." if path.startswith("/") else posixpath.join(key[0], path))
        if target == ".." or target.startswith("../"):
            return "points outside the site"
        if target == ".":
            target = ""
        if target in dirs:
            target = posixpath.join(target, "index.html") if target else "index.html"
        if target not in files:
            return "missing file"
        if frag and target.endswith(".html"):
            if targets is not None:
                targets.add(target)
            if frag not in pages[target][1]:
                return f"missing anchor #{frag}"
        return None

    problems: list[str] = []
    results: dict[str, tuple[tuple[str, ...], frozenset]] = {}
    for rel, (key, _, urls) in pages.items():
        last = old_results.get(rel)
        if last is not None and rel not in moved and old[rel][0] == key and not (last[1] & moved):
            results[rel] = last  # same page, same anchors wherever it points
        else:
            targets: set[str] = set()
            found = tuple(f"{rel}: {url} -> {p}" for url in urls if (p := check(rel, url, targets)))
            results[rel] = (found, frozenset(targets))
        problems.extend(results[rel][0])
    if cache:  # only what changed is appended (fsutil.save_keyed)
        save_keyed(Path(cache), pages_key, pages, codec="marshal")
        save_keyed(results_file, results_key, results, codec="marshal")

    index = site / "search" / "search_index.json"
    if index.is_file():
        for entry in json.loads(index.read_text(encoding="utf-8")).get("docs", []):
            loc = entry.get("location", "")
            problem = check("index.html", loc)
            if problem:
                problems.append(f"search_index.json: {loc} -> {problem}")
    return problems


_PROBLEM = re.compile(r"^(?P<page>[^:]+\.html): (?P<url>.*) -> (?P<why>missing file|missing anchor #.*|points outside the site)$")


def split_problem(problem: str) -> Optional[tuple[str, str, str]]:
    """(page, url, what is wrong) of one ``linkcheck`` problem; None for the search index's."""
    m = _PROBLEM.match(problem)
    return (m["page"], m["url"], m["why"]) if m else None


def strip_links(path: Path, urls: set[str]) -> int:
    """Remove the links to ``urls`` from one built page (the link's text
    stays; an element that only loads the URL goes), written as a new file
    (the page may be a hard link into the live site).  Returns how many."""
    tree = LexborHTMLParser(Path(path).read_bytes())
    n = 0
    for node in tree.css(_LINKING):
        attr = ATTRS[node.tag]
        value = node.attributes.get(attr)
        if value is None or value.strip() not in urls:
            continue
        if node.tag == "a":
            del node.attrs[attr]
        else:
            node.decompose()
        n += 1
    if n:
        replace_bytes(path, tree.html.encode("utf-8"))
    return n


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
