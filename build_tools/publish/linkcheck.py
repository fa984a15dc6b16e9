"""Check that every internal link and anchor in a built site resolves.

Checked: ``href``/``src`` of a, link, script, img, iframe, source in every
``*.html`` file; ``#fragment`` targets (``id`` or ``<a name>``) in HTML
targets; and every ``location`` in ``search/search_index.json`` (so each
search result lands on an existing anchor).  External URLs (``http:``,
``https:``, ``mailto:``, ``data:``, ``javascript:``, ``//host``) are skipped
unless they start with ``site_url``, which is then mapped to the local site.
Fast enough for large sites: one parse per page with lexbor (selectolax;
the whole corpus's 6,991 pages, 442 MB: 6.6 s against lxml's 19.4 s, the
same ids and links on every page: tests/test_write_site.py), and string
path resolution against the site's file list.

Memory does not hold the site (issue 29: the table of every page's ids,
URLs and deps added ~600 MB to the build at 5x).  Pages are read one at a
time; what outlives a page is compact: its anchors as a sorted array of
64-bit hashes (8 bytes an id), the paths its links resolve to (``deps``)
the same way, its problems (usually none).  A page's links to its own
anchors and to files are answered while it is parsed; a link to another
page's anchor is kept as (page, target, hash) in three flat arrays (16
bytes) and answered once every page's anchors are known; a page with a
miss there is read again and checked whole, so the problems and their
order are the full table's (tests/test_linkcheck_compact.py holds it to
that table on a real site with planted breaks).

With ``cache=`` a rebuild re-checks only the pages that changed and the
pages linking to a target that changed (issue 29, by difference): each
page's result is kept with its deps (found or not), and a page is checked
again when its bytes changed or one of its deps was added, removed, or is
a page whose anchors changed (the same files, the same anchors, the same
links: the same answer).  An unchanged page checked again is read again
(its URLs are not kept).  The site's file list of the last check is kept
beside (``<name>-layout``), as hashes.

A dirty rebuild reads only the pages written since the last check
(``written``: the files MkDocs wrote, ``mkdocs_run --written``; issue 29:
reading every page back was most of the check, 0.8-1.1 s at 5x).  The other
pages of the new site are hard links of the live site's files, which every
writer replaces and never writes into; they are taken from the cache only
when the live site is the one the cache was last saved for: each save has a
new ``token``, the build writes it into the site's stamp when it swaps the
site in, and the caller passes the live site's (``live``).  A failed build,
a check run by hand or a lost stamp: every page is read, as before.

Usage: ``python -m build_tools.publish.linkcheck site/ [site_url]``.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import sys
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import unquote, urlsplit

import xxhash
from selectolax.lexbor import LexborHTMLParser

from ..fsutil import content_digest, load_keyed, replace_bytes, save_keyed

_SKIP = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src"}
_LINKING = ",".join(f"{tag}[{attr}]" for tag, attr in ATTRS.items())
CACHE_VERSION = f"10-{sys.version_info[:2]}"  # marshal: tied to the Python version
TOKEN = ""  # the cache's entry naming this save (no page is ""): linkcheck's ``live``
RESOLVED_MAX = 50_000  # (folder, relative path) -> site path memo, emptied when it grows past this


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


def _hash(text: str) -> int:
    """64 bits naming an id or a site path (xxh3; a false match needs a
    collision among one page's ids: ~n/2^64)."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


def packed(texts: Iterable[str]) -> bytes:
    """The sorted, distinct hashes of ``texts`` as bytes (8 each): a page's
    anchors or deps as the check keeps them."""
    return array("Q", sorted({_hash(t) for t in texts})).tobytes()


def _holds(pack: bytes, h: int) -> bool:
    """``h`` is among the hashes of ``pack`` (binary search, nothing unpacked)."""
    view = memoryview(pack).cast("Q")
    i = bisect_left(view, h)
    return i < len(view) and view[i] == h


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


class _Resolver:
    """Where one URL of one page lands, and what is wrong with it (None: it resolves).

    ``anchors``: site path -> its ``packed`` anchors, filled as pages are
    read; a page's own anchors are asked of its exact ids (``own``)."""

    def __init__(self, files: set[str], dirs: set[str], anchors: dict[str, bytes], site_url: str):
        self.files, self.dirs, self.anchors, self.site_url = files, dirs, anchors, site_url
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
            if len(self.resolved) >= RESOLVED_MAX:
                self.resolved.clear()
            target = self.resolved[key] = posixpath.normpath(
                path.lstrip("/") or "." if path.startswith("/") else posixpath.join(key[0], path))
        return target

    def has_anchor(self, page: str, frag: str, own: Optional[frozenset] = None) -> bool:
        return frag in own if own is not None else _holds(self.anchors[page], _hash(frag))

    def check(self, page: str, url: str, deps: Optional[set] = None, own: Optional[frozenset] = None,
              defer: Optional[list] = None) -> Optional[str]:
        """What is wrong with ``url`` on ``page`` (None: it resolves); ``deps``
        gets every site path the answer read (a folder and its index.html,
        a missing file too: adding it changes the answer); ``own``: the
        page's ids; ``defer``: an anchor of another page is not asked but
        appended as (target, hash of the fragment), for the caller to ask
        once every page is read (None is returned for it meanwhile)."""
        if url[:1] == "#":  # most links: pilcrows and clause links on the same page
            frag = unquote(url[1:])
            return None if not frag or self.has_anchor(page, frag, own) else f"missing anchor #{frag}"
        link = self.local(page, url)
        if link is None:
            return None
        parts = urlsplit(link[1])
        target, frag = self.target(link[0], unquote(parts.path)), unquote(parts.fragment)
        if target == ".." or target.startswith("../"):
            return "points outside the site"
        target = "" if target == "." else target
        if deps is not None:
            deps.add(target)
        if target in self.dirs:
            target = posixpath.join(target, "index.html") if target else "index.html"
            if deps is not None:
                deps.add(target)
        if target not in self.files:
            return "missing file"
        if frag and target.endswith(".html"):
            if target == page and own is not None:
                return None if frag in own else f"missing anchor #{frag}"
            if defer is not None:
                defer.append((target, _hash(frag)))
                return None
            if not self.has_anchor(target, frag):
                return f"missing anchor #{frag}"
        return None

    def check_page(self, rel: str, data: bytes, defer: Optional[list] = None) -> tuple[bytes, tuple[str, ...], bytes]:
        """(packed anchors, problems in document order, packed deps) of one page's bytes."""
        ids, urls = scan_html(data)
        deps: set[str] = set()
        found = tuple(f"{rel}: {url} -> {p}" for url in urls if (p := self.check(rel, url, deps, ids, defer)))
        return packed(ids), found, packed(deps)


def linkcheck(site_dir: Path | str, site_url: str = "", *, cache: Optional[Path] = None,
              stats: Optional[dict] = None, written: Optional[Iterable[str]] = None,
              live: str = "") -> list[str]:
    """Problems as ``page: href -> what is wrong``; [] when every link resolves.

    ``site_url`` defaults to the address the site was built for
    (``site_url_of``); root-relative links under its path (MkDocs' 404 page
    uses ``/archive/assets/…`` for ``site_url: https://host/archive/``) are
    checked against the site root.

    Paths are resolved as strings against the set of files in the site (no
    per-link filesystem calls).  With ``cache`` (``fsutil.save_keyed`` in
    ``marshal``: a page -> (content digest, packed anchors, problems, packed
    deps); the file list, as hashes, in ``<name>-layout``), pages whose bytes
    hash as at the last check are not parsed, and only pages whose bytes or
    deps changed are checked again (module doc).  ``stats`` (a dict) gets
    ``pages``, ``parsed`` (pages whose bytes changed), ``checked`` (pages
    whose links were resolved) and ``reread`` (pages read again to be
    checked: unchanged pages whose targets changed, pages with a missing
    anchor elsewhere).
    """
    site = Path(site_dir).resolve()
    site_url = site_url or site_url_of(site)
    files, dirs = _site_files(site)
    key = (CACHE_VERSION, str(site), site_url)
    layout_file = _beside(Path(cache), "-layout") if cache else None
    old: dict = load_keyed(Path(cache), key, codec="marshal") if cache else {}
    last = load_keyed(layout_file, key, codec="marshal").get("layout") if old else None
    trust = (frozenset(written) if written is not None and live and last is not None
             and old.get(TOKEN) == live else None)  # the live site is the one last checked
    if trust is not None and any(w.startswith("../") or w.startswith("/") for w in trust):
        trust = None  # a list of another folder's files: nothing is known of this one
    layout = (packed(files), packed(dirs))
    rels = sorted(f for f in files if f.endswith(".html"))
    anchors: dict[str, bytes] = {}
    resolver = _Resolver(files, dirs, anchors, site_url)
    entries: dict[str, tuple] = {}  # rel -> (digest, anchors, problems, deps)
    # deferred anchors of other pages: (page, target) as indexes into rels, the fragment's hash
    at = {rel: i for i, rel in enumerate(rels)}
    d_page, d_target, d_hash = array("I"), array("I"), array("Q")
    parsed = reread = kept = 0
    for i, rel in enumerate(rels):  # each page's bytes read once; only changed ones parsed
        if trust is not None and rel not in trust and (hit := old.get(rel)) is not None:
            entries[rel] = hit  # a link of the live site's file, as last checked
            anchors[rel] = hit[1]
            kept += 1
            continue
        data = (site / rel).read_bytes()
        digest = content_digest(data)
        hit = old.get(rel)
        if hit is not None and hit[0] == digest:
            entries[rel] = hit
        else:
            defer: list[tuple[str, int]] = []
            entries[rel] = (digest, *resolver.check_page(rel, data, defer))
            for target, h in defer:
                d_page.append(i)
                d_target.append(at[target])
                d_hash.append(h)
            parsed += 1
        anchors[rel] = entries[rel][1]
    # what changed under the links: pages whose anchors differ, and paths added or removed
    changed = {_hash(rel) for rel, e in entries.items() if rel in old and old[rel][1] != e[1]}
    if last is not None:
        for now, before in zip(layout, last):
            changed |= set(memoryview(now).cast("Q")).symmetric_difference(memoryview(before).cast("Q"))
    again: set[str] = set()
    for rel, e in entries.items():
        if e is old.get(rel) and (last is None or not changed.isdisjoint(memoryview(e[3]).cast("Q"))):
            again.add(rel)  # same page, but something it points at changed (or the last layout is lost)
    for i, t, h in zip(d_page, d_target, d_hash):
        if not _holds(anchors[rels[t]], h):
            again.add(rels[i])  # a missing anchor elsewhere: read again, to name it in document order
    del d_page, d_target, d_hash
    for rel in sorted(again):
        entries[rel] = (entries[rel][0], *resolver.check_page(rel, (site / rel).read_bytes()))
        reread += 1
    problems = [p for rel in rels for p in entries[rel][2]]
    token = os.urandom(8).hex()
    if cache:  # only what changed is appended (fsutil.save_keyed)
        save_keyed(Path(cache), key, {**entries, TOKEN: token}, codec="marshal")
        if last is None or last != layout:
            save_keyed(layout_file, key, {"layout": layout}, codec="marshal")
    if stats is not None:
        stats.update(pages=len(rels), parsed=parsed, reread=reread, kept=kept, token=token,
                     checked=parsed + sum(1 for rel in again if old.get(rel) is not None
                                          and old[rel][0] == entries[rel][0]))

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
