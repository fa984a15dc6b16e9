"""Shared helpers for the write stage: escaping, slugs, URLs, grouping.

Escaping regimes (source text is data, never markup):

* ``esc(text)`` — for text placed inside raw HTML blocks (notice pages,
  clause lists).  ``html.escape`` plus ``\\n`` folding; Markdown does not
  process raw HTML blocks, so ``*``, ``|``, ``[``, ``#`` and ``{#x}`` stay
  literal.
* ``md_text(text)`` — for text placed in Markdown (listing pages, tables):
  HTML-escapes ``<>&`` and backslash-escapes every Markdown-active ASCII
  character, so ``*x*``, ``[a](b)``, ``|``, ``# h`` and ``{#x}`` print as
  typed.
* ``safe_url(url)`` / ``link_or_text`` — every URL from metadata that may
  become an ``href``: http(s) and relative only (``javascript:`` is text).
* page titles (front matter ``title:`` via ``yaml_str``, or a ``# …``
  heading) stay raw text here: MkDocs' templates do not autoescape, so
  ``escape_hooks`` escapes ``page.title``/``page.meta.title`` once, at the
  MkDocs boundary, for ``<title>``, the header, the nav and the search index.
"""
from __future__ import annotations

import functools
import html
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Protocol

from ..doctypes import type_group

from ..fsutil import content_digest, file_digest, load_keyed, replace_bytes, save_keyed
from ..models import NATIONAL_CODE, Notice, Region
from ..settings import LIST_PAGE_ENV, LIST_PAGE_SIZE, env
from ..siteurl import SITE_URL_ENV

# Python-Markdown's ESCAPED_CHARS plus "|" (added by the tables extension).
# A backslash before any other character would print, so escape only these.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
UNKNOWN_YEAR = "unknown"
GENERATED_DIRS = ("notices", "tags", "data", "generated", "works")  # docs/ folders the render stage owns
GENERATED_FILES = ("index.md",)


class Fragments(Protocol):
    """Pieces of listing pages kept between builds (``build.listcache.FragmentStore``):
    ``get(key, n, make)`` returns ``make()`` or what it returned last time."""

    def get(self, key: tuple, n: Notice, make: Callable[[], Any]) -> Any: ...

    def prefetch(self, n: Notice, keys: list[tuple], make: Callable[[tuple], Any]) -> None:
        """Make now those of ``n``'s pieces ``keys`` not kept (``make(key)``), while its
        clause tree is read once: a family that visits documents in another order asks after."""


class NoFragments:
    """Keeps nothing: every piece is made (a listing rendered outside a build)."""

    def get(self, key: tuple, n: Notice, make: Callable[[], Any]) -> Any:
        return make()

    def prefetch(self, n: Notice, keys: list[tuple], make: Callable[[tuple], Any]) -> None:
        pass


class Units(Protocol):
    """The units of a listing family (``build.listcache``): ``unit(key, make)``
    returns ``make()`` (docs path -> Markdown), or the same paths with None where
    nothing the unit read changed since it was written.  A unit may read the
    documents and whatever the family computed outside its units."""

    def unit(self, key: str, make: Callable[[], dict]) -> dict: ...


class AllUnits:
    """Makes every unit (a listing rendered outside a build)."""

    def unit(self, key: str, make: Callable[[], dict]) -> dict:
        return make()


def esc(text: Optional[str]) -> str:
    """HTML-escape ``text`` (quotes too) for raw HTML; None -> ''."""
    if not text:
        return ""
    return html.escape(text, quote=True)


def md_text(text: Optional[str]) -> str:
    """Escape ``text`` for inline Markdown: markup characters become literal.

    Handles ``<script>`` (-> entities), ``*``/``_`` emphasis, ``[..](..)``
    links, ``|`` table cells, ``#`` headings, ``{#x}`` attribute lists, and
    newlines (folded to spaces so a title cannot start a new block).
    """
    if not text:
        return ""
    text = " ".join(text.split())
    text = html.escape(text, quote=False)
    # html.escape produced "&...;" entities; escape markup chars afterwards
    # but keep the entities' own "#" (none are produced for quote=False).
    return _MD_SPECIAL.sub(r"\\\1", text)


SAFE_SCHEMES = ("http://", "https://")


def safe_url(url: Optional[str]) -> Optional[str]:
    """``url`` if it may become an ``href``: http(s) or relative (no scheme,
    not ``//host``); else None and the caller prints it as text
    (``javascript:alert(1)`` from a sidecar or a scraped page's meta Url)."""
    if not url or not isinstance(url, str):
        return None
    u = url.strip()
    if re.search(r"[\x00-\x20\x7f]", u):
        return None
    low = u.lower()
    if low.startswith(SAFE_SCHEMES):
        return u
    if re.match(r"^[a-z][a-z0-9+.-]*:", low) or u.startswith(("//", "\\")):
        return None
    return u


def link_or_text(url: Optional[str], label: Optional[str] = None, attrs: str = "") -> str:
    """``<a href>`` for a safe URL, else the escaped text (raw HTML)."""
    href = safe_url(url)
    text = esc(label if label is not None else url)
    return f'<a href="{esc(href)}"{attrs}>{text}</a>' if href else f'<span class="unsafe-url">{text}</span>'


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


@functools.lru_cache(maxsize=None)  # pure; 8,476 calls of pypinyin on the whole corpus' listings
def slug(name: str) -> str:
    """ASCII slug for a Chinese label: 工作方案 -> gong-zuo-fang-an.

    Non-Chinese runs are kept (lower-cased); anything else becomes '-'.
    """
    from pypinyin import lazy_pinyin  # here: its dictionaries cost every build process 0.2 s of imports

    parts = lazy_pinyin(name, errors=lambda s: [s])
    out = "-".join(p for p in parts if p)
    out = re.sub(r"[^0-9a-zA-Z]+", "-", out).strip("-").lower()
    return out or "x"


def notice_path(doc_id: str) -> str:
    """Site-relative path of a notice page (use_directory_urls: false)."""
    return f"notices/{doc_id}.html"


def cited_group(key: str) -> str:
    """The page (of 256) that holds an external document's section: the first
    two hex digits of its key (``ext-0256b635`` -> ``02``), so its address
    never moves (issue 29: one page each was ~10 KB of theme chrome a page)."""
    return key[4:6] if re.fullmatch(r"ext-[0-9a-f]{8}", key) else "00"


def cited_path(key: str) -> str:
    """Site path and anchor of an external document (``tags/cited/02.html#ext-0256b635``)."""
    return f"tags/cited/{cited_group(key)}.html#{key}"


def rel(from_path: str, to_path: str) -> str:
    """Relative URL from site page ``from_path`` to site path ``to_path``.

    Both are site-relative, POSIX, e.g. ``tags/theme/x.html`` ->
    ``notices/002.html`` gives ``../../notices/002.html``.
    """
    depth = from_path.count("/")
    return "../" * depth + to_path


def permanent_url(site_url: str, path: str) -> str:
    """Absolute URL if ``site_url`` is set, else the site-relative path."""
    if site_url:
        return site_url.rstrip("/") + "/" + path
    return path


def year_key(n: Notice) -> str:
    """Year used for grouping: the year of the document's date, else n.year."""
    if n.date:
        return n.date[:4]
    if n.year:
        return str(n.year)
    return UNKNOWN_YEAR


def region_chain(n: Notice) -> list[tuple[str, str]]:
    """The region chain of a notice; [] when the region is unknown."""
    r: Optional[Region] = n.region
    if r is None:
        return []
    return list(r.chain) or [(r.name, r.code)]


def region_label(n: Notice) -> str:
    """'云南省 昆明市' style label, '全国' for national, '未知地区' if none."""
    chain = region_chain(n)
    if not chain:
        return "未知地区"
    return " ".join(name for name, _ in chain)


def region_tree(notices: Iterable[Notice]) -> dict[str, dict]:
    """code -> {name, parent, children: set, docs: [ids] (own), all: [ids]}."""
    tree: dict[str, dict] = {}
    for n in notices:
        chain = region_chain(n)
        parent = None
        for name, code in chain:
            node = tree.setdefault(
                code, {"name": name, "code": code, "parent": parent,
                       "children": set(), "docs": [], "all": []})
            node["all"].append(n.id)
            if parent:
                tree[parent]["children"].add(code)
            parent = code
        if chain:
            tree[chain[-1][1]]["docs"].append(n.id)
    return tree


def region_sort_key(code: str) -> tuple:
    """National first, then by GB/T 2260 code."""
    return (code != NATIONAL_CODE, code)


def region_path(tree: dict, code: str) -> list[str]:
    """Codes from the root of ``region_tree`` down to ``code``."""
    chain = [code]
    while tree[chain[0]]["parent"]:
        chain.insert(0, tree[chain[0]]["parent"])
    return chain


def region_options(tree: dict) -> str:
    """The ``<option>``s of a region filter (document list, timeline): every region of
    ``tree`` in tree order, indented by depth with U+3000."""
    order = sorted(tree, key=lambda c: [region_sort_key(x) for x in region_path(tree, c)])
    return "".join(f'<option value="{esc(c)}">{"　" * (len(region_path(tree, c)) - 1)}{esc(tree[c]["name"])}</option>'
                   for c in order)


def by_date_desc(notices: Iterable[Notice]) -> list[Notice]:
    """Newest first; undated last; ties by id."""
    return sorted(notices, key=lambda n: (n.date or "", n.id), reverse=True)


def by_date_asc(notices: Iterable[Notice]) -> list[Notice]:
    return sorted(notices, key=lambda n: (n.date or "9999", n.id))


def group(items: Iterable, key) -> dict:
    out: dict = defaultdict(list)
    for it in items:
        out[key(it)].append(it)
    return out


def date_html(n: Notice) -> str:
    """Date with an 推定 marker when inferred (raw HTML)."""
    if not n.date:
        return '<span class="date date--missing">日期不详</span>'
    if n.date_basis == "inferred":
        return (f'<span class="date date--inferred" title="日期为推定">'
                f'{esc(n.date)}（推定）</span>')
    return f'<span class="date">{esc(n.date)}</span>'


def date_md(n: Notice) -> str:
    """Date for Markdown text, with （推定） when inferred."""
    if not n.date:
        return "日期不详"
    return n.date + ("（推定）" if n.date_basis == "inferred" else "")


class ThemeIndex:
    """Theme vocabulary lookup: clause.themes may hold slugs or Chinese names.

    ``themes``: (slug, Chinese name, description) in vocabulary order.
    Unknown values get an ASCII slug (pinyin) and are shown as they are.
    """

    def __init__(self, themes: list[tuple[str, str, str]]):
        self.themes = list(themes)
        self._by: dict[str, tuple[str, str]] = {}
        for s, name, _ in self.themes:
            self._by[s] = (s, name)
            self._by[name] = (s, name)

    def resolve(self, value: str) -> tuple[str, str]:
        """(slug, name) for a slug or a name."""
        if value in self._by:
            return self._by[value]
        s = value if re.fullmatch(r"[a-z0-9-]+", value) else slug(value)
        return (s, value)

    def name(self, value: str) -> str:
        return self.resolve(value)[1]

    def slug(self, value: str) -> str:
        return self.resolve(value)[0]

    def path(self, value: str) -> str:
        return f"tags/theme/{self.slug(value)}.html"

    def doc_themes(self, n: Notice) -> list[tuple[str, str]]:
        """(slug, name) of what a notice is about: ``n.themes`` (the enrich
        stage's document rule, enrich/themes.py); only a notice without
        them (not enriched) falls back to its clauses' themes."""
        values = n.themes or [t for _, ts in n.themed_clauses() for t in ts]
        return list(dict.fromkeys(self.resolve(t) for t in values))


RAW_OPEN, RAW_CLOSE = "<!--ipa:raw-->", "<!--/ipa:raw-->"


def raw_block(lines: list[str]) -> list[str]:
    """Wrap raw HTML lines (no blank line inside) in the markers that
    ``mkdocs_hooks`` passes through without Markdown parsing; surrounded by
    blank lines so the block stands on its own."""
    return ["", RAW_OPEN, *lines, RAW_CLOSE, ""]


# --- pagination of listing pages (issue 29) -------------------------------------------------------------------


def list_page_size() -> int:
    """Entries a listing page: ``IPARCHIVE_LIST_PAGE_SIZE`` (tests force many
    pages), else ``settings.LIST_PAGE_SIZE``."""
    value = env(LIST_PAGE_ENV)
    return max(1, int(value)) if value.isdigit() else LIST_PAGE_SIZE


def page_file(first: str, k: int) -> str:
    """Docs path of page ``k`` of a listing whose page 1 is ``first`` (.md):
    page 1 keeps its URL, so old links still work; the others are plain
    files MkDocs serves as they are (``use_directory_urls: false``):
    ``notices/index.md`` -> ``notices/page/2.md``,
    ``tags/year/2020.md`` -> ``tags/year/2020/page/2.md``."""
    if k == 1:
        return first
    stem = first[:-3]
    base = stem[:-len("index")] if stem == "index" or stem.endswith("/index") else stem + "/"
    return f"{base}page/{k}.md"


def split_pages(items: list, size: int) -> list[list]:
    """``items`` in pages of ``size`` (always at least one page, maybe empty)."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def split_by_bytes(items: list, size: Optional[int], budget: int,
                   measure: Callable[[Any], int] = lambda item: len(item.encode())) -> list[list]:
    """``items`` in pages of at most ``size`` entries (None: any number) and ``budget``
    bytes, each item weighing ``measure(item)`` (an HTML string's UTF-8 bytes); an item
    over the budget alone on its page; always one page, maybe empty."""
    pages: list[list] = [[]]
    used = 0
    for item in items:
        n = measure(item)
        if pages[-1] and ((size is not None and len(pages[-1]) >= size) or used + n > budget):
            pages.append([])
            used = 0
        pages[-1].append(item)
        used += n
    return pages


def runs(entries: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Consecutive ``(section, item)`` entries of one page grouped by section."""
    out: list[tuple[str, list[str]]] = []
    for key, item in entries:
        if not out or out[-1][0] != key:
            out.append((key, []))
        out[-1][1].append(item)
    return out


def pager(first: str, k: int, total: int, n_items: int, unit: str = "件") -> list[str]:
    """Raw HTML navigation of page ``k`` of ``total`` (none for one page):
    the count (``共 N 件，第 2/7 页``), 上一页/下一页 and the page numbers
    (the first, the last and two either side of ``k``; ``…`` between)."""
    if total <= 1:
        return []
    here = page_file(first, k)[:-3] + ".html"

    def link(i: int, label: str, extra: str = "") -> str:
        return f'<a href="{esc(rel(here, page_file(first, i)[:-3] + ".html"))}"{extra}>{label}</a>'

    shown = sorted({1, total, *range(max(1, k - 2), min(total, k + 2) + 1)})
    parts = [link(k - 1, "上一页", ' rel="prev"') if k > 1 else '<span class="pager-off">上一页</span>']
    last = 0
    for i in shown:
        if i - last > 1:
            parts.append('<span class="pager-gap">…</span>')
        parts.append(f'<strong aria-current="page">第{i}页</strong>' if i == k else link(i, f"第{i}页"))
        last = i
    parts.append(link(k + 1, "下一页", ' rel="next"') if k < total else '<span class="pager-off">下一页</span>')
    return raw_block([f'<nav class="pager" aria-label="分页" data-search-exclude>'
                      f'<span class="pager-count">共 {n_items} {unit}，第 {k}/{total} 页</span> '
                      + " ".join(parts) + "</nav>"])


def page_title(title: str, k: int) -> str:
    """A listing page's title: page 1 as it always was, then ``（第 k 页）``."""
    return title if k == 1 else f"{title}（第 {k} 页）"


def write_if_changed(path, data: bytes | str) -> bool:
    """Write ``data`` unless ``path`` already holds exactly it (its mtime is
    then kept, so ``mkdocs build --dirty`` skips the page).  True if written,
    as a new file (``fsutil.replace_bytes``: the site may hold a hard link
    to the old one)."""

    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.stat().st_size == len(raw) and path.read_bytes() == raw:
            return False
    except FileNotFoundError:
        pass
    replace_bytes(path, raw)
    return True


WRITTEN_KEY = "written-files-2"  # the key of WrittenFiles' cache file (another: the memory starts empty)


class WrittenFiles:
    """``write_if_changed`` that remembers what it wrote: path -> content
    digest of the bytes (``fsutil.content_digest``), kept in ``cache_file``
    between builds (``fsutil.save_keyed``).  The file is always read and
    hashed (issue 28: its size, mtime and inode were trusted before, so a
    same-length hand edit with its mtime put back, or a file dated ahead,
    stayed): a file already holding the new bytes is not written (its
    mtime kept for MkDocs' dirty build).  The memory keeps each file's
    digest as written, for the cache file's log.  The listing pages of the
    whole corpus are 3,404 files and 45 MB (~0.1 s to read and hash).
    ``WrittenFiles(None)`` remembers nothing."""

    def __init__(self, cache_file: Optional[Path]):
        self.cache_file = Path(cache_file) if cache_file else None
        self.old: dict = load_keyed(self.cache_file, WRITTEN_KEY, codec="marshal") if self.cache_file else {}
        self.new: dict = {}

    def write(self, path, data: bytes | str) -> bool:
        """``write_if_changed(path, data)``; True if written."""
        path = Path(path)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if not self.cache_file:
            return write_if_changed(path, raw)
        key = str(path)
        mark = content_digest(raw)
        try:
            here = file_digest(path)
        except FileNotFoundError:
            here = None
        entry = self.old.get(key)
        if here == mark:
            self.new[key] = entry if entry == mark else mark  # the loaded entry itself: save_keyed appends only changes
            return False
        replace_bytes(path, raw)
        self.new[key] = mark
        return True

    def save(self) -> None:
        """Keep the entries of the files written or kept in this build."""
        if self.cache_file:
            save_keyed(self.cache_file, WRITTEN_KEY, self.new, codec="marshal")


def clause_citation(n: Notice, clause_id: Optional[str], memo: Optional[Fragments] = None) -> Optional[str]:
    """``n.citation(c)`` of ``n``'s clause ``clause_id``; None when it has none.
    Through ``memo`` (the build's ``FragmentStore``) a document whose digest is
    unchanged answers without its clause tree (issue 29: listing pages cite
    the clauses of thousands of documents, each a stored tree to read back)."""
    return (memo or NoFragments()).get(("citation", clause_id), n, lambda: citation_of(n, clause_id))


def citation_of(n: Notice, clause_id: Optional[str]) -> Optional[str]:
    c = find_clause(n, clause_id)
    return None if c is None else n.citation(c)


def clause_label(n: Notice, clause_id: Optional[str], memo: Optional[Fragments] = None) -> Optional[str]:
    """The label of ``n``'s clause ``clause_id`` (None when it has none), through ``memo`` as ``clause_citation``."""
    return (memo or NoFragments()).get(("label", clause_id), n, lambda: label_of(n, clause_id))


def label_of(n: Notice, clause_id: Optional[str]) -> Optional[str]:
    c = find_clause(n, clause_id)
    return None if c is None else c.label


_CLAUSES: dict[int, tuple[Notice, dict]] = {}
CLAUSE_MAPS_KEPT = 256  # documents whose clause map find_clause keeps at once


def find_clause(n: Notice, clause_id: Optional[str]):
    """``n.clause(clause_id)`` through a per-notice map (``Notice.clause``
    walks the tree: quadratic on theme pages of a large archive).  The map is
    built on first use; ``write_docs`` clears it with ``clear_clause_cache``."""
    if not clause_id:
        return None
    hit = _CLAUSES.get(id(n))
    if hit is None or hit[0] is not n:
        hit = (n, {c.id: c for c in n.walk()})
        if len(_CLAUSES) >= CLAUSE_MAPS_KEPT:  # bounded: the maps hold clause trees (issue 29: a stored tree is not kept)
            _CLAUSES.clear()
        _CLAUSES[id(n)] = hit
    return hit[1].get(clause_id)


def clear_clause_cache() -> None:
    _CLAUSES.clear()


# ------------------------------------------------------------------ site address

LOCAL_COPY_NOTE = "本地副本链接，仅本机可用"
LOCAL_COPY_BUILD_NOTE = (f"未设置网站公开地址（site_url）：复制的引用链接为{LOCAL_COPY_NOTE}。"
                         f"请在 mkdocs.yml 设置 site_url，或用 iparchive build --site-url URL、环境变量 {SITE_URL_ENV}")


def clause_url(site_url: str, doc_id: str, clause_id: Optional[str] = None) -> str:
    """``<site_url>/notices/<id>.html#<clause>`` (site-relative without site_url)."""
    url = permanent_url(site_url, notice_path(doc_id))
    return url + ("#" + clause_id if clause_id else "")


def json_for_script(data) -> str:
    """JSON for a ``<script type="application/ld+json">`` block: ``<``, ``>``
    and ``&`` as \\u escapes, so ``</script>`` or ``<!--`` in a title cannot
    end or change the block (the JSON value is unchanged)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# ------------------------------------------------------------------ 文种 vocabulary

# printed 文种 -> the one value listings use: doctypes.type_group, shared with the
# search filters and ``iparchive search --type``
UNTYPED = "未分类"


def type_family(doc_type: Optional[str]) -> str:
    """The normalised 文种 of a printed one (``指导意见`` -> ``意见``)."""
    return type_group(doc_type) or UNTYPED
