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
pages linking to a target that changed (issue 29, by difference): each
page's result is kept with every site path its links resolve to (found or
not: ``deps``), and a page is checked again when its bytes changed or one
of its deps was added, removed, or is a page whose anchors changed (the
same files, the same anchors, the same links: the same answer).  The
site's file list of the last check is kept beside (``<name>-layout``).

Usage: ``python -m build_tools.publish.linkcheck site/ [site_url]``.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import sys
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..fsutil import content_digest, load_keyed, replace_bytes, save_keyed

_SKIP = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src"}
_LINKING = ",".join(f"{tag}[{attr}]" for tag, attr in ATTRS.items())
CACHE_VERSION = f"9-{sys.version_info[:2]}"  # marshal: tied to the Python version


def scan_html(data: bytes) -> tuple[frozenset[str], tuple[str, ...]]:
    """(ids and ``<a name>``s, every checked URL in document order) of one
    HTML page.  An attribute without a value (``<a href>``) gives no URL and
    no id."""
    tree = LexborHTMLParser(data)
    ids = frozenset(v for sel, attr in (("[id]", "id"), ("a[name]", "name"))
                    for node in tree.css(sel) if (v := node.attributes.get(attr)))
    urls = tuple(v.strip() for node in tree.css(_LINKING) if (v := node.attributes.get(ATTRS[node.tag])) is not None)
    return ids, urls


def site_url_of(site: Path) -> str:
    """The public address a built site was made for, '' if none: MkDocs
    writes it into ``sitemap.xml`` (``<loc>https://…/archive/index.html</loc>``)."""
    try:
        text = (Path(site) / "sitemap.xml").read_text(encoding="utf-8")
    except OSError:
        return ""
    m = re.search(r"<loc>\s*(https?://[^<\s]*?)index\.html\s*</loc>", text)
    return m.group(1).rstrip("/") if m else ""


def _site_files(site: Path) -> tuple[set[str], set[str]]:
    """(files, folders) of the site, as '/'-separated paths relative to it ('' is the root)."""
    files: set[str] = set()
    dirs: set[str] = {""}
    for d, dnames, fnames in os.walk(site):
        rel = os.path.relpath(d, site)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        dirs.update(posixpath.join(rel, n) if rel else n for n in dnames)
        files.update(posixpath.join(rel, n) if rel else n for n in fnames)
    return files, dirs


def _scan_pages(site: Path, files: set[str], old: dict) -> dict[str, tuple]:
    """rel -> (content digest, ids, urls) of every page; a page whose bytes
    hash as last time keeps its scan (issue 28: the bytes decide, never a
    size, mtime or inode: a clock set back or a same-length edit with its
    mtime put back would keep an old answer)."""
    pages: dict[str, tuple] = {}
    for rel in sorted(f for f in files if f.endswith(".html")):
        data = (site / rel).read_bytes()
        key = content_digest(data)
        hit = old.get(rel)
        pages[rel] = hit if hit and hit[0] == key else (key, *scan_html(data))
    return pages


class _Resolver:
    """Where one URL of one page lands, and what is wrong with it (None: it resolves)."""

    def __init__(self, files: set[str], dirs: set[str], pages: dict[str, tuple], site_url: str):
        self.files, self.dirs, self.pages, self.site_url = files, dirs, pages, site_url
        self.prefix = urlsplit(site_url).path.rstrip("/") + "/" if site_url else "/"
        self.resolved: dict[tuple[str, str], str] = {}

    def local(self, page: str, url: str) -> Optional[tuple[str, str]]:
        """(page, url) as a site-relative link; None for an external one."""
        if self.site_url and url.startswith(self.site_url):
            return "index.html", url[len(self.site_url):].lstrip("/")
        if not url or _SKIP.match(url):
            return None
        if self.prefix != "/" and url.startswith(self.prefix):
            return page, "/" + url[len(self.prefix):]
        return page, url

    def target(self, page: str, path: str) -> str:
        if not path:
            return page
        key = (posixpath.dirname(page), path)
        target = self.resolved.get(key)
        if target is None:
            target = self.resolved[key] = posixpath.normpath(
                path.lstrip("/") or "." if path.startswith("/") else posixpath.join(key[0], path))
        return target

    def check(self, page: str, url: str, deps: Optional[set] = None) -> Optional[str]:
        """What is wrong with ``url`` on ``page`` (None: it resolves); ``deps``
        gets every site path the answer read (a folder and its index.html,
        a missing file too: adding it changes the answer)."""
        if url[:1] == "#":  # most links: pilcrows and clause links on the same page
            frag = unquote(url[1:])
            return None if not frag or frag in self.pages[page][1] else f"missing anchor #{frag}"
        link = self.local(page, url)
        if link is None:
            return None
        parts = urlsplit(link[1])
        target, frag = self.target(link[0], unquote(parts.path)), unquote(parts.fragment)
        if target == ".." or target.startswith("../"):
            return "points outside the site"
        target = "" if target == "." else target
        if deps is not None:  # interned: the cache's marshal then writes each path once (a reference after)
            deps.add(sys.intern(target))
        if target in self.dirs:
            target = posixpath.join(target, "index.html") if target else "index.html"
            if deps is not None:
                deps.add(sys.intern(target))
        if target not in self.files:
            return "missing file"
        if frag and target.endswith(".html") and frag not in self.pages[target][1]:
            return f"missing anchor #{frag}"
        return None


def linkcheck(site_dir: Path | str, site_url: str = "", *, cache: Optional[Path] = None,
              stats: Optional[dict] = None) -> list[str]:
    """Problems as ``page: href -> what is wrong``; [] when every link resolves.

    ``site_url`` defaults to the address the site was built for
    (``site_url_of``); root-relative links under its path (MkDocs' 404 page
    uses ``/archive/assets/…`` for ``site_url: https://host/archive/``) are
    checked against the site root.

    Paths are resolved as strings against the set of files in the site (no
    per-link filesystem calls).  With ``cache`` (``fsutil.save_keyed`` in
    ``marshal``: only strings, bytes, tuples and frozensets, 40 % faster
    than pickle; the results beside it in ``<name>-results``, the file list
    in ``<name>-layout``), pages whose bytes hash as at the last check are
    not parsed again, and only pages whose bytes or deps changed are checked
    again (module doc).  ``stats`` (a dict) gets ``pages``, ``parsed``
    (pages scanned again) and ``checked`` (pages whose links were resolved).
    """
    site = Path(site_dir).resolve()
    site_url = site_url or site_url_of(site)
    files, dirs = _site_files(site)
    pages_key, results_key = (CACHE_VERSION, str(site)), (CACHE_VERSION, str(site), site_url)
    results_file, layout_file = (_beside(Path(cache), "-results"), _beside(Path(cache), "-layout")) if cache \
        else (None, None)
    old: dict = load_keyed(Path(cache), pages_key, codec="marshal") if cache else {}
    old_results: dict = load_keyed(results_file, results_key, codec="marshal") if cache and old else {}
    last = load_keyed(layout_file, results_key, codec="marshal").get("layout") if old_results else None
    pages = _scan_pages(site, files, old)
    # what changed under the links: pages whose anchors differ, and paths added or removed since the last check
    changed = {rel for rel, v in pages.items() if rel in old and old[rel][1] != v[1]}
    if last is not None:
        changed |= files.symmetric_difference(last[0]) | dirs.symmetric_difference(last[1])
    resolver = _Resolver(files, dirs, pages, site_url)
    problems: list[str] = []
    results: dict[str, tuple[tuple[str, ...], frozenset]] = {}
    checked = 0
    for rel, (key, _, urls) in pages.items():
        kept = old_results.get(rel) if last is not None else None
        if kept is not None and old.get(rel, ("",))[0] == key and kept[1].isdisjoint(changed):
            results[rel] = kept  # same page, and nothing it points at changed
        else:
            deps: set[str] = set()
            found = tuple(f"{rel}: {url} -> {p}" for url in urls if (p := resolver.check(rel, url, deps)))
            results[rel] = (found, frozenset(deps))
            checked += 1
        problems.extend(results[rel][0])
    if cache:  # only what changed is appended (fsutil.save_keyed)
        save_keyed(Path(cache), pages_key, pages, codec="marshal")
        save_keyed(results_file, results_key, results, codec="marshal")
        if last is None or last != (files, dirs):
            save_keyed(layout_file, results_key, {"layout": (frozenset(files), frozenset(dirs))}, codec="marshal")
    if stats is not None:
        stats.update(pages=len(pages), parsed=sum(1 for rel, v in pages.items() if old.get(rel) is not v),
                     checked=checked)

    index = site / "search" / "search_index.json"
    if index.is_file():
        for entry in json.loads(index.read_text(encoding="utf-8")).get("docs", []):
            loc = entry.get("location", "")
            problem = resolver.check("index.html", loc)
            if problem:
                problems.append(f"search_index.json: {loc} -> {problem}")
    return problems


def _beside(cache: Path, suffix: str) -> Path:
    """``linkcheck.marshal`` -> ``linkcheck<suffix>.marshal``."""
    return cache.with_name(cache.stem + suffix + cache.suffix)


_PROBLEM = re.compile(r"^(?P<page>[^:]+\.html): (?P<url>.*) -> (?P<why>missing file|missing anchor #.*|points outside the site)$")


def split_problem(problem: str) -> Optional[tuple[str, str, str]]:
    """(page, url, what is wrong) of one ``linkcheck`` problem; None for the search index's."""
    m = _PROBLEM.match(problem)
    return (m["page"], m["url"], m["why"]) if m else None


_DOC_LINK = re.compile(r"(?:^|/)notices/([^/?#]+)\.html(?:#.*)?$")


def _documents_near(node, ids: set[str]) -> tuple[str, ...]:
    """The documents a broken link belongs to on a page listing many: the
    nearest enclosing element inside the content (``<article>``) that also
    links to ``notices/<id>.html`` (the list item, the table row, the card)."""
    anc = node.parent
    while anc is not None and anc.tag not in ("article", "body", "html"):
        found = [m[1] for a in anc.css("a[href]") if a is not node
                 and (m := _DOC_LINK.search((a.attributes.get("href") or "").strip())) and m[1] in ids]
        if found:
            return tuple(dict.fromkeys(found))
        anc = anc.parent
    return ()


def _in_content(node) -> bool:
    """Inside the page's own text (Material's ``<article>``), not the site's
    header, navigation, footer or ``<head>``."""
    anc = node.parent
    while anc is not None:
        if anc.tag == "article":
            return True
        anc = anc.parent
    return False


def isolate(site: Path, problems: list[str], doc_ids: set[str]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Issue 28, one page never stops everyone: every broken link inside a
    page's content (a document's page, a listing, a tag, works or search
    page, the home page) is removed from that page (its text stays: a link
    made plain text; an element that only loads the URL goes), the page
    written as a new file (it may be a hard link into the live site).
    Returns (page, url, what was wrong, the documents it came from) of each
    removed link: on ``notices/<id>.html`` that document, elsewhere those
    whose entry holds the link (``_documents_near``) and any whose id names
    the missing file.  Links of the site's own frame (header, navigation,
    footer, ``<head>``: structural) stay, for the check to report."""
    by_page: dict[str, dict[str, str]] = {}
    for b in problems:
        part = split_problem(b)
        if part:
            by_page.setdefault(part[0], {})[part[1]] = part[2]
    dropped = []
    for page, urls in sorted(by_page.items()):
        own = _DOC_LINK.fullmatch(page)
        tree = LexborHTMLParser((site / page).read_bytes())
        n = 0
        for node in tree.css(_LINKING):
            url = (node.attributes.get(ATTRS[node.tag]) or "").strip()
            if url not in urls or not _in_content(node):
                continue
            docs = (own[1],) if own and own[1] in doc_ids else _documents_near(node, doc_ids)
            named = tuple(d for d in doc_ids if f"/{d}." in f"/{url}")
            dropped.append((page, url, urls[url], tuple(dict.fromkeys(docs + named))))
            if node.tag == "a":
                del node.attrs[ATTRS[node.tag]]
            else:
                node.decompose()
            n += 1
        if n:
            replace_bytes(site / page, tree.html.encode("utf-8"))
    return dropped


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
