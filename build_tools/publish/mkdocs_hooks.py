"""MkDocs hooks (``hooks:`` in mkdocs.yml): pass generated raw HTML through
without Python-Markdown parsing it.

The writer wraps large raw HTML blocks (a notice's clause tree, theme-page
clause lists, timelines) in marker comments::

    <!--ipa:raw-->
    <div class="clauses">…</div>
    <!--/ipa:raw-->

Python-Markdown would pass such a block through unchanged anyway, but only
after running it through two HTML parsers (its own block extractor and
MkDocs' anchor collector): on a 350-document slice that was ~40 % of
``mkdocs build``.  ``on_page_markdown`` swaps each block for a one-line
placeholder comment, ``on_page_content`` puts the HTML back, byte for byte.
Without this hook the pages render the same (the markers stay as comments).
Anchors inside these blocks are not seen by MkDocs' own anchor validation;
``build_tools.publish.linkcheck`` checks them on the built site.

``on_env`` memoises Material's primary navigation (``partials/nav.html``)
for pages that are not in the nav (documents, tag, work and generated
pages: 6,900 of the whole corpus's 6,987): no nav item is active on such a
page, so the nav's HTML depends only on the page's folder (its relative
links); it was rendered anew for every page, 15 % of ``mkdocs build``.
Pages in the nav render it themselves.  ``IPARCHIVE_NAV_MEMO=0`` turns the
memo off (tests/test_write_site.py builds both ways and compares every page).

``on_post_page`` drops the indentation after each line break of a page
(issue 29): Material's templates indent every line, ~10 KB of a page (9.8 KB
a document on 354 real documents, 10 % of the site).  The ASCII whitespace
after a line break goes, the break stays, so the page renders the same;
``<pre>``, ``<textarea>``, ``<script>`` and ``<style>`` are left as they are
(inline scripts are allowed by the hash of their bytes: escape_hooks).

``on_post_build`` rewrites Material's ``search/search_index.json`` with
Chinese as UTF-8 instead of JSON backslash-u escapes (seeds: 858 KB -> 479 KB, the
same JSON value), after the search plugin wrote it and before the offline
plugin copies it into ``search_index.js`` (priority -100): a first search
downloads half as much.
"""
from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

from mkdocs.plugins import event_priority

from build_tools import settings  # absolute: MkDocs loads this file by its path

RAW = re.compile(r"^<!--ipa:raw-->\n(.*?)\n<!--/ipa:raw-->$", re.S | re.M)  # what split_raw finds
PLACEHOLDER = re.compile(r"<!--ipa:raw:(\d+)-->")
OPEN, CLOSE = "<!--ipa:raw-->\n", "\n<!--/ipa:raw-->"
_STASH: dict[str, list[str]] = {}
NAV_MEMO_ENV = settings.NAV_MEMO_ENV
_NAV_PAGES: dict[str, set[int]] = {"ids": set()}


def split_raw(markdown: str) -> tuple[str, list[str]]:
    """``RAW.sub`` with each block swapped for its placeholder, and the blocks:
    the same matches found with ``str.find`` (the lazy regex stepped through
    every character of a page: 1.3 s of MkDocs on the whole corpus)."""
    out: list[str] = []
    blocks: list[str] = []
    pos = start = 0
    n = len(markdown)
    while (i := markdown.find(OPEN, pos)) >= 0:
        pos = i + 1
        if i and markdown[i - 1] != "\n":  # ^: the marker begins a line
            continue
        j = i + len(OPEN)
        while (j := markdown.find(CLOSE, j)) >= 0:
            end = j + len(CLOSE)
            if end == n or markdown[end] == "\n":  # $: the marker ends a line
                break
            j += 1
        if j < 0:
            continue
        out.append(markdown[start:i])
        out.append(f"\n<!--ipa:raw:{len(blocks)}-->\n")
        blocks.append(markdown[i + len(OPEN):j])
        start = pos = end
    out.append(markdown[start:])
    return "".join(out), blocks


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    out, blocks = split_raw(markdown)
    if blocks:
        _STASH[page.file.src_uri] = blocks
    return out


def on_page_content(html: str, page, **kwargs) -> str:
    blocks = _STASH.pop(page.file.src_uri, None)
    if not blocks:
        return html
    return PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], html)


KEEP_SPACE = re.compile(r"(<(pre|textarea|script|style)\b.*?</\2\s*>)", re.S | re.I)
INDENT = re.compile(r"\n[ \t\r\n\f\v]+")  # ASCII only: U+3000 and U+00A0 after a line break are text


def squeeze(html: str) -> str:
    """``html`` with the ASCII whitespace after each line break dropped (the
    break kept), outside ``pre``, ``textarea``, ``script`` and ``style``
    (0.16 s for the 28 MB of HTML of 354 documents)."""
    parts = KEEP_SPACE.split(html)
    # split gives text, (whole element, tag name), text, ...
    out = []
    for k in range(0, len(parts), 3):
        out.append(INDENT.sub("\n", parts[k]))
        if k + 1 < len(parts):
            out.append(parts[k + 1])
    return "".join(out)


@event_priority(-100)  # after every other hook's post_page (the CSP meta of escape_hooks)
def on_post_page(output: str, page, config, **kwargs) -> str:
    return squeeze(output)


def on_nav(nav, config, files, **kwargs):
    _NAV_PAGES["ids"] = {id(p) for p in nav.pages}
    return nav


def on_env(env, config, files, **kwargs):
    if settings.env(settings.NAV_MEMO_ENV, "1") == "0" or "toc.integrate" in (config.theme.get("features") or ()):
        return env  # toc.integrate puts the page's own toc into the nav
    template = env.get_template("partials/nav.html")
    render = template.root_render_func
    memo: dict[str, str] = {}
    in_nav = _NAV_PAGES["ids"]

    def memoised(context):
        page = context.get("page")
        if page is None or id(page) in in_nav or getattr(page, "url", None) is None:
            yield from render(context)
            return
        key = posixpath.dirname(page.url)
        if key not in memo:
            memo[key] = "".join(render(context))
        yield memo[key]

    template.root_render_func = memoised  # base.html's include calls this on the cached template
    return env


@event_priority(-50)  # after Material's search plugin (0), before its offline plugin (-100)
def on_post_build(config, **kwargs) -> None:
    index = Path(config["site_dir"]) / "search" / "search_index.json"
    if index.is_file():
        data = json.loads(index.read_text(encoding="utf-8"))
        index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
